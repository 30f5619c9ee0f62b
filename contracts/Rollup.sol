// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title RollupInbox: the L1 queue of a seqguard rollup.
/// @notice Anyone can enqueue an L2 transaction (signed for the L2 chain) or deposit ETH
/// to an L2 account. The sequencer must include every item within the rollup's inclusion
/// window; if it does not, derivation includes it anyway, so the sequencer cannot censor.
/// Items are numbered in one queue; the L1 block time of each is part of the event.
contract RollupInbox {
    uint8 public constant DEPOSIT = 0;
    uint8 public constant TRANSACTION = 1;
    uint256 public constant MAX_TRANSACTION_BYTES = 128 * 1024; // the L2 pool's own limit

    uint256 public queueLength;

    event Enqueued(
        uint256 indexed index,
        uint8 kind,
        address indexed from,
        address to,
        uint256 value,
        bytes data,
        uint256 timestamp
    );

    /// @notice Credit msg.value to `to` on L2 (whole gwei: it arrives as an EIP-4895 withdrawal).
    function deposit(address to) external payable {
        require(msg.value > 0 && msg.value % 1 gwei == 0, "deposit whole gwei");
        require(to != address(0), "no recipient");
        emit Enqueued(queueLength++, DEPOSIT, msg.sender, to, msg.value, "", block.timestamp);
    }

    /// @notice Force an L2 transaction (its signed bytes) into the L2 chain.
    function enqueue(bytes calldata l2Transaction) external {
        require(l2Transaction.length > 0 && l2Transaction.length <= MAX_TRANSACTION_BYTES, "size");
        emit Enqueued(queueLength++, TRANSACTION, msg.sender, address(0), 0, l2Transaction, block.timestamp);
    }
}

/// @title OutputOracle: L2 block hashes and state roots, as the proposer claims them.
/// @notice Verifiers re-derive the chain from the data-availability layer and compare;
/// a wrong output is public evidence against the proposer.
contract OutputOracle {
    struct Output {
        bytes32 blockHash;
        bytes32 stateRoot;
        uint64 l1Timestamp;
    }

    address public immutable proposer;
    uint256 public latestBlock;
    uint256 public count;
    mapping(uint256 => Output) public outputs;

    event OutputProposed(uint256 indexed l2Block, bytes32 blockHash, bytes32 stateRoot, uint256 l1Timestamp);

    constructor(address proposer_) {
        proposer = proposer_;
    }

    function propose(uint256 l2Block, bytes32 blockHash, bytes32 stateRoot) external {
        require(msg.sender == proposer, "not the proposer");
        require(count == 0 || l2Block > latestBlock, "outputs go forward");
        outputs[l2Block] = Output(blockHash, stateRoot, uint64(block.timestamp));
        latestBlock = l2Block;
        count++;
        emit OutputProposed(l2Block, blockHash, stateRoot, block.timestamp);
    }
}
