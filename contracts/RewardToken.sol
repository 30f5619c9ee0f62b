// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title RewardToken: an ERC-20 that minters may mint, and its Staking minter.
/// @notice Written for seqguard's detector tests. BUG: `setMinter` has no access
/// check, so anyone can make themselves a minter and print tokens, as the Cover
/// Protocol (December 2020) and Ankr aBNBc (December 2022) mints were printed.
contract RewardToken {
    string public constant name = "Reward";
    string public constant symbol = "RWD";
    uint8 public constant decimals = 18;
    address public immutable owner;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => bool) public minters;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(uint256 supply) {
        owner = msg.sender;
        _mint(msg.sender, supply);
    }

    /// BUG: should be owner-only.
    function setMinter(address who, bool allowed) external {
        minters[who] = allowed;
    }

    function mint(address to, uint256 value) external {
        require(minters[msg.sender] || msg.sender == owner, "RewardToken: not a minter");
        _mint(to, value);
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        if (allowance[from][msg.sender] != type(uint256).max) allowance[from][msg.sender] -= value;
        _transfer(from, to, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) internal {
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }

    function _mint(address to, uint256 value) internal {
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }
}

/// @title Staking: the token team's minter; each claim mints a fixed reward.
contract Staking {
    RewardToken public immutable token;
    uint256 public constant REWARD = 10 ether;

    constructor(RewardToken token_) {
        token = token_;
    }

    function claim() external {
        token.mint(msg.sender, REWARD);
    }
}
