// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";
import {SigCheck} from "./Signatures.sol";

/// @title MerkleCheck: proofs over a tree whose pairs are hashed in sorted order.
/// @notice Written for seqguard's scenarios, in the style of OpenZeppelin's MerkleProof.
library MerkleCheck {
    function root(bytes32[] memory proof, bytes32 leaf) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32 p = proof[i];
            node = node < p ? keccak256(abi.encodePacked(node, p)) : keccak256(abi.encodePacked(p, node));
        }
    }
}

/// @title WrappedNative: wrapped ETH in the style of WETH9.
/// @notice Written for seqguard's scenarios. Like WETH9 it has no `permit`, and its
/// fallback accepts any call as a deposit, so a `permit(...)` call to it "succeeds".
contract WrappedNative {
    string public constant name = "Wrapped Native";
    string public constant symbol = "WNAT";
    uint8 public constant decimals = 18;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Deposit(address indexed who, uint256 value);
    event Withdrawal(address indexed who, uint256 value);

    fallback() external payable {
        deposit();
    }

    receive() external payable {
        deposit();
    }

    function deposit() public payable {
        balanceOf[msg.sender] += msg.value;
        emit Deposit(msg.sender, msg.value);
    }

    function withdraw(uint256 value) external {
        balanceOf[msg.sender] -= value;
        payable(msg.sender).transfer(value);
        emit Withdrawal(msg.sender, value);
    }

    function totalSupply() external view returns (uint256) {
        return address(this).balance;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        return transferFrom(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) public returns (bool) {
        require(balanceOf[from] >= value, "WrappedNative: balance");
        if (from != msg.sender && allowance[from][msg.sender] != type(uint256).max) {
            require(allowance[from][msg.sender] >= value, "WrappedNative: allowance");
            allowance[from][msg.sender] -= value;
        }
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
        return true;
    }
}

interface IAnyPermit {
    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external;
}

interface IAnyToken {
    function underlying() external view returns (address);
    function depositVault(uint256 amount, address to) external returns (uint256);
    function burn(address from, uint256 amount) external returns (bool);
}

/// @title AnyToken: a bridge's wrapper of an underlying token, minted and burned by its router.
/// @notice Written for seqguard's scenarios, after Multichain's AnyswapV5ERC20: the
/// underlying sits here while its holder's anyToken is bridged to another chain.
contract AnyToken is IAnyToken {
    address public immutable underlying;
    address public immutable router;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(address underlying_, address router_) {
        (underlying, router) = (underlying_, router_);
    }

    modifier onlyRouter() {
        require(msg.sender == router, "AnyToken: not the router");
        _;
    }

    function depositVault(uint256 amount, address to) external onlyRouter returns (uint256) {
        require(IERC20(underlying).balanceOf(address(this)) >= totalSupply + amount, "AnyToken: not deposited");
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
        return amount;
    }

    function burn(address from, uint256 amount) external onlyRouter returns (bool) {
        balanceOf[from] -= amount;
        totalSupply -= amount;
        emit Transfer(from, address(0), amount);
        return true;
    }
}

/// @title AnyRouter: bridges an underlying token out through its AnyToken, with permits.
/// @notice Written for seqguard's scenarios. BUG, as in Multichain's
/// anySwapOutUnderlyingWithPermit (January 2022, about $3M of WETH taken from users who
/// had approved the router): the router trusts the caller's `token` for the underlying,
/// calls `permit` on it without checking anything came of it (WETH has no `permit`; its
/// fallback swallows the call) and then pulls `from`'s tokens on the strength of an
/// allowance `from` gave the router long ago, into the caller's "anyToken".
contract AnyRouter {
    event LogAnySwapOut(address indexed token, address indexed from, address indexed to, uint256 amount, uint256 toChainId);

    function anySwapOutUnderlying(IAnyToken token, address to, uint256 amount, uint256 toChainId) external {
        IERC20 underlying = IERC20(token.underlying());
        require(underlying.transferFrom(msg.sender, address(token), amount));
        token.depositVault(amount, msg.sender);
        _swapOut(token, msg.sender, to, amount, toChainId);
    }

    /// Gasless bridging: anyone may submit `from`'s permit for them.
    function anySwapOutUnderlyingWithPermit(
        address from,
        IAnyToken token,
        address to,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s,
        uint256 toChainId
    ) external {
        address underlying = token.underlying(); // the bug, part 1: whatever the caller's token says
        IAnyPermit(underlying).permit(from, address(this), amount, deadline, v, r, s); // part 2: may be a no-op
        require(IERC20(underlying).transferFrom(from, address(token), amount));
        token.depositVault(amount, from);
        _swapOut(token, from, to, amount, toChainId);
    }

    function _swapOut(IAnyToken token, address from, address to, uint256 amount, uint256 toChainId) internal {
        token.burn(from, amount);
        emit LogAnySwapOut(address(token), from, to, amount, toChainId);
    }
}

/// @title ReplicaBridge: releases tokens for messages proven against roots its updater signs.
/// @notice Written for seqguard's scenarios, after Nomad's Replica and BridgeRouter. Users
/// lock tokens with `send`; the bridge's updater (its validator) signs each new root of
/// the other chain's message tree; a message proven against a confirmed root pays out once.
/// BUG, as in Nomad (August 2022, about $190M): a deployment initialised with a zero
/// committed root marks root 0 as confirmed, and an unproven message's root reads as 0, so
/// `process` accepts any message at all (the Nomad upgrade's `initialize(0x00)`).
contract ReplicaBridge {
    bytes32 internal constant PROCESSED = bytes32(uint256(2));
    address public immutable updater;
    uint256 public immutable optimisticSeconds;
    bytes32 public committedRoot;
    mapping(bytes32 => uint256) public confirmAt; // root => when it may be used
    mapping(bytes32 => bytes32) public messages; // message hash => root it was proven against
    uint256 public sent;

    event Send(address indexed token, address indexed from, bytes32 indexed recipient, uint256 amount, uint256 nonce);
    event Update(bytes32 indexed oldRoot, bytes32 indexed newRoot);
    event Process(bytes32 indexed messageHash, address indexed token, address indexed recipient, uint256 amount);

    constructor(address updater_, uint256 optimisticSeconds_, bytes32 committedRoot_) {
        (updater, optimisticSeconds, committedRoot) = (updater_, optimisticSeconds_, committedRoot_);
        confirmAt[committedRoot_] = 1; // the bug when committedRoot_ is zero
    }

    /// Lock tokens here for `recipient` on the other chain.
    function send(IERC20 token, uint256 amount, bytes32 recipient) external {
        require(token.transferFrom(msg.sender, address(this), amount));
        emit Send(address(token), msg.sender, recipient, amount, sent++);
    }

    /// What the updater signs: this chain, this bridge, the old root and the new one.
    function updateDigest(bytes32 oldRoot, bytes32 newRoot) public view returns (bytes32) {
        return SigCheck.ethSigned(keccak256(abi.encode(block.chainid, address(this), oldRoot, newRoot)));
    }

    function update(bytes32 newRoot, bytes calldata sig) external {
        require(SigCheck.recover(updateDigest(committedRoot, newRoot), sig) == updater, "ReplicaBridge: not the updater");
        emit Update(committedRoot, newRoot);
        committedRoot = newRoot;
        confirmAt[newRoot] = block.timestamp + optimisticSeconds;
    }

    function acceptableRoot(bytes32 root) public view returns (bool) {
        if (root == PROCESSED) return false;
        uint256 time = confirmAt[root];
        return time != 0 && block.timestamp >= time;
    }

    function prove(bytes32 leaf, bytes32[] calldata proof) public returns (bool) {
        require(messages[leaf] != PROCESSED, "ReplicaBridge: processed");
        bytes32 root = MerkleCheck.root(proof, leaf);
        if (!acceptableRoot(root)) return false;
        messages[leaf] = root;
        return true;
    }

    /// A message is abi.encode(destination chain, bridge, nonce, token, recipient, amount).
    function process(bytes calldata message) public {
        bytes32 leaf = keccak256(message);
        require(acceptableRoot(messages[leaf]), "ReplicaBridge: not proven"); // root 0 passes when confirmed
        messages[leaf] = PROCESSED;
        (uint256 chainId, address bridge,, IERC20 token, address recipient, uint256 amount) =
            abi.decode(message, (uint256, address, uint256, IERC20, address, uint256));
        require(chainId == block.chainid && bridge == address(this), "ReplicaBridge: not for here");
        require(token.transfer(recipient, amount));
        emit Process(leaf, address(token), recipient, amount);
    }

    function proveAndProcess(bytes calldata message, bytes32[] calldata proof) external {
        require(prove(keccak256(message), proof), "ReplicaBridge: bad proof");
        process(message);
    }
}
