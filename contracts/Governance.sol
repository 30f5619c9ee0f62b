// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";

/// @title SiloGovernor: a DAO whose members vote with the tokens they stake in its silo,
/// and whose proposals the DAO itself executes (it holds the treasury).
/// @notice Written for seqguard's scenarios, after Beanstalk's governance facet. A
/// proposal passes by a majority of all stake after `votingBlocks`, or at once through
/// `emergencyCommit` with two thirds of all stake after `emergencyDelay` blocks.
/// BUG, as in Beanstalk (April 2022, about $182M): a vote weighs the voter's stake at the
/// moment it is cast (no snapshot) and stake can leave right after, so stake borrowed for
/// one transaction votes an emergency proposal through, and the proposal sends the treasury
/// away (Beanstalk's BIP-18, proposed a day before with flash-loaned votes).
contract SiloGovernor {
    struct Proposal {
        address proposer;
        address target;
        bytes data;
        uint256 startBlock;
        uint256 yes;
        bool executed;
    }

    IERC20 public immutable stakeToken;
    uint256 public immutable votingBlocks;
    uint256 public immutable emergencyDelay;
    uint256 public totalStake;
    mapping(address => uint256) public stakeOf;
    Proposal[] internal proposals;
    mapping(uint256 => mapping(address => bool)) public voted;

    event Propose(uint256 indexed id, address indexed proposer, address target, bytes data);
    event Vote(uint256 indexed id, address indexed voter, uint256 weight);
    event Execute(uint256 indexed id, bool emergency);

    constructor(IERC20 stakeToken_, uint256 votingBlocks_, uint256 emergencyDelay_) {
        (stakeToken, votingBlocks, emergencyDelay) = (stakeToken_, votingBlocks_, emergencyDelay_);
    }

    function deposit(uint256 amount) external {
        require(stakeToken.transferFrom(msg.sender, address(this), amount));
        stakeOf[msg.sender] += amount;
        totalStake += amount;
    }

    function withdraw(uint256 amount) external {
        stakeOf[msg.sender] -= amount; // no lock-up while the stake's votes count
        totalStake -= amount;
        require(stakeToken.transfer(msg.sender, amount));
    }

    function propose(address target, bytes calldata data) external returns (uint256 id) {
        require(stakeOf[msg.sender] > 0, "SiloGovernor: no stake");
        id = proposals.length;
        proposals.push(Proposal(msg.sender, target, data, block.number, 0, false));
        emit Propose(id, msg.sender, target, data);
    }

    function vote(uint256 id) external {
        require(!voted[id][msg.sender], "SiloGovernor: voted");
        voted[id][msg.sender] = true;
        uint256 weight = stakeOf[msg.sender]; // the bug: today's stake, not a snapshot
        proposals[id].yes += weight;
        emit Vote(id, msg.sender, weight);
    }

    function commit(uint256 id) external {
        Proposal storage p = proposals[id];
        require(block.number > p.startBlock + votingBlocks, "SiloGovernor: voting");
        require(p.yes * 2 > totalStake, "SiloGovernor: no majority");
        _execute(id, false);
    }

    function emergencyCommit(uint256 id) external {
        Proposal storage p = proposals[id];
        require(block.number >= p.startBlock + emergencyDelay, "SiloGovernor: too early");
        require(p.yes * 3 >= totalStake * 2, "SiloGovernor: no supermajority");
        _execute(id, true);
    }

    function proposal(uint256 id) external view returns (address, address, uint256, uint256, bool) {
        Proposal storage p = proposals[id];
        return (p.proposer, p.target, p.startBlock, p.yes, p.executed);
    }

    function proposalCount() external view returns (uint256) {
        return proposals.length;
    }

    function _execute(uint256 id, bool emergency) internal {
        Proposal storage p = proposals[id];
        require(!p.executed, "SiloGovernor: executed");
        p.executed = true;
        (bool ok,) = p.target.call(p.data);
        require(ok, "SiloGovernor: proposal failed");
        emit Execute(id, emergency);
    }
}
