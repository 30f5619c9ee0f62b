// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";
import {MerkleCheck} from "./Bridges.sol";

/// @title MerkleAirdrop: pays each (index, account, amount) leaf of a Merkle tree once.
/// @notice Written for seqguard's scenarios, after Uniswap's MerkleDistributor: funded
/// with exactly the sum of the leaves; anyone may submit a claim, the tokens go to the
/// leaf's account.
contract MerkleAirdrop {
    IERC20 public immutable token;
    bytes32 public immutable merkleRoot;
    address public immutable owner;
    mapping(uint256 => uint256) private claimedWords;

    event Claimed(uint256 index, address account, uint256 amount);

    constructor(IERC20 token_, bytes32 merkleRoot_) {
        (token, merkleRoot, owner) = (token_, merkleRoot_, msg.sender);
    }

    function isClaimed(uint256 index) public view returns (bool) {
        return claimedWords[index / 256] & (1 << (index % 256)) != 0;
    }

    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata proof) external {
        require(!isClaimed(index), "MerkleAirdrop: claimed");
        bytes32 leaf = keccak256(abi.encodePacked(index, account, amount));
        require(MerkleCheck.root(proof, leaf) == merkleRoot, "MerkleAirdrop: bad proof");
        claimedWords[index / 256] |= 1 << (index % 256);
        require(token.transfer(account, amount));
        emit Claimed(index, account, amount);
    }
}

/// @title PayrollWallet: a team wallet whose owner pays many people in one transaction.
/// @notice Written for seqguard's scenarios. `multicall` delegatecalls this contract's own
/// functions (OpenZeppelin's Multicall), so each call keeps the owner as `msg.sender`;
/// unlike ComboProxy, the code run is never the caller's choice.
contract PayrollWallet {
    address public immutable owner;

    constructor() payable {
        owner = msg.sender;
    }

    receive() external payable {}

    modifier onlyOwner() {
        require(msg.sender == owner, "PayrollWallet: not the owner");
        _;
    }

    function pay(IERC20 token, address to, uint256 amount) external onlyOwner {
        require(token.transfer(to, amount));
    }

    function payEth(address payable to, uint256 amount) external onlyOwner {
        (bool ok,) = to.call{value: amount}("");
        require(ok, "PayrollWallet: ETH transfer failed");
    }

    function multicall(bytes[] calldata calls) external returns (bytes[] memory results) {
        results = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory ret) = address(this).delegatecall(calls[i]);
            if (!ok) {
                assembly {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
            results[i] = ret;
        }
    }
}
