"""Attacks on markets: MEV, token callbacks, donations, rounding, share prices, set-up races."""

from __future__ import annotations

from seqguard.scenarios.base import ATTACK, Scenario, Session
from seqguard.scenarios.protocols import E, fund, give, landed, pool, supply, token
from seqguard.scenarios.protocols_accounting import flash_lender
from seqguard.scenarios.protocols_markets import (
    flash_swap_data,
    hook_market,
    quote,
    reserves,
    sandwich_front_run,
    with_slippage,
)


class SandwichAttack(Scenario):
    """Sandwich of a victim's swap, as jaredfromsubway.eth and every sandwich bot do it
    (and the March 2025 USDC/USDT swap that lost 98% to one): the bot buys ahead of a
    victim who accepts 5% slippage, the victim buys higher, the bot sells into the price
    the victim raised. Three separate transactions; only the bot's two are judged, the
    victim's swap is an ordinary one. The front-run alone is a plain swap nobody can
    judge before the victim's arrives; the back-run, which takes the profit, is the
    critical transaction. Holding it leaves the bot with what it bought at the price it
    paid, and what the victim overpaid stays in the pool instead of with the bot."""

    name = "sandwich-victim-swap"
    kind = ATTACK
    category = "mev-sandwich"
    detectors = ("sandwich",)

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        pair = pool(s, col, usd, 10_000, 10_000)
        router = s.deploy("team", "Router")
        victim_in = 500 * E
        fund(s, "victim", usd, router, 500)
        bot = s.deploy("attacker", "SandwichBot")
        give(s, usd, bot, 1000)
        # the bot sees the victim's pending swap and its minimum, and sizes its front-run
        victim_min = with_slippage(quote(s, pair, usd, victim_in), 5)
        front = sandwich_front_run(*reserves(s, pair, usd), victim_in, victim_min)
        h = s.send("attacker", bot, "SandwichBot", "frontRun", pair, usd, front)
        front_ran = landed(s, h)
        s.do("victim", router, "Router", "swapExactIn", pair, usd, victim_in, victim_min,
             s.address("victim"))  # fmt: skip
        if front_ran:  # a bot sells only what its front-run bought
            s.critical("attacker", bot, "SandwichBot", "backRun", pair, usd)


class TokenHookReentrancy(Scenario):
    """Cross-market reentrancy through a token's transfer hook, as Cream Finance (August
    2021, $18.8M through AMP) and Omni Protocol (July 2022, through onERC721Received):
    the market pays out AMP before it books the debt, and the borrower's hook borrows
    WETH against the same collateral. Every payout is an ERC-20 transfer, no ETH moves."""

    name = "token-hook-reentrancy"
    kind = ATTACK
    category = "reentrancy"
    detectors = ("reentrancy", "fresh-contract")  # reentrancy counts token payouts too

    def run(self, s: Session) -> None:
        m = hook_market(s)
        attacker = s.deploy("attacker", "HookBorrower", m.lending, m.amp, m.weth)
        give(s, m.usd, attacker, 5000)
        s.critical("attacker", attacker, "HookBorrower", "run", 5000 * E)


class BalanceOracleDonation(Scenario):
    """Price manipulation by donation, as Zunami Protocol (August 2023, $2.1M) and
    ElasticSwap (December 2022): a lending market prices collateral by the pool's
    ``balanceOf`` ratio, so a flash-loaned plain transfer into the pool quadruples the
    price without a swap; the attacker borrows all the cash against it, then swaps the
    donation back out of the pool (it counts as swap input) and repays."""

    name = "balance-oracle-donation"
    kind = ATTACK
    category = "oracle-manipulation"
    # flash-loan-manipulation misses it: the market reads the pool through the token's
    # balanceOf, never calls it, and the sell-back looks like a flash swap from the pool
    detectors = ("fresh-contract",)

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        lender = flash_lender(s, usd, 10_000, name="Vault USD")
        pair = pool(s, col, usd, 1000, 1000)
        lending = s.deploy("team", "BalanceOracleLending", col, usd, pair)
        give(s, usd, lending, 1000)
        attacker = s.deploy("attacker", "DonationOracleAttack", lender, pair, lending)
        give(s, col, attacker, 400)
        s.critical("attacker", attacker, "DonationOracleAttack", "run", 3000 * E, 400 * E)


class UncheckedFlashSwapCallback(Scenario):
    """An unverified flash-swap callback, as the MEV bot 0xbaDc0dE (September 2022, 1,101
    ETH) and the bots drained through ``uniswapV2Call``/``pancakeCall``: the bot's
    ``onFlashSwap`` pays whatever ``data`` says to whoever calls it, so the attacker calls
    it directly, with no swap behind it, and takes the bot's inventory."""

    name = "unchecked-flash-swap-callback"
    kind = ATTACK
    category = "callback-abuse"
    detectors = ("abnormal-outflow",)

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        cheap = pool(s, col, usd, 1000, 1000)
        dear = pool(s, col, usd, 1000, 1100)
        bot = s.deploy("operator", "LooseFlashSwapArb")
        give(s, usd, bot, 2000)  # inventory the operator keeps in the bot
        s.do("operator", bot, "FlashSwapArb", "run", cheap, dear, col, 20 * E)
        stash = s.call(usd, "SeqToken", "balanceOf", bot)
        s.critical("attacker", bot, "FlashSwapArb", "onFlashSwap", s.address("attacker"), 0, 0,
                   flash_swap_data(dear, col, usd, stash))  # fmt: skip


class RoundingWithdrawLoop(Scenario):
    """Precision loss repeated in a loop, as Wise Lending (January 2024) and Raft
    (November 2023), which repeated a one-unit rounding gain many times in one transaction
    (Hundred Finance, April 2023, took it once): the vault's ``withdraw`` rounds the
    shares it burns down.
    The attacker seeded the new vault with one wei and a donation, so one share is worth
    100 USD; savers deposit in round hundreds and lose nothing on the way in; then one
    transaction withdraws just under a share's worth 200 times, burning zero shares."""

    name = "rounding-withdraw-loop"
    kind = ATTACK
    category = "precision-loss"
    detectors = ("fresh-contract",)  # abnormal-outflow takes the 0-share burns for payment

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        vault = s.deploy("team", "RoundingVault", usd)
        drain = s.deploy("attacker", "RoundingDrain", vault)
        give(s, usd, drain, 100)
        s.do("attacker", drain, "RoundingDrain", "seed", 100 * E)
        for saver, amount in (("alice", 3000), ("bob", 2000)):
            supply(s, saver, usd, vault, "RoundingVault", "deposit", amount)
        s.critical("attacker", drain, "RoundingDrain", "run", 200, gas=6_000_000)


class AggregatorSharePrice(Scenario):
    """A yield aggregator's share price moved through the pool it farms, as Harvest
    Finance (October 2020), Value DeFi (November 2020) and Yearn's yDAI (February 2021):
    the vault values its LP position at the pool's spot reserves; the attacker deposits,
    pumps the pool with a flash loan, redeems at the inflated share price from the
    savers' buffer, unwinds and repays."""

    name = "aggregator-share-price"
    kind = ATTACK
    category = "oracle-manipulation"
    # flash-loan-manipulation misses it: the unwind sells back exactly what the pump
    # bought, which it takes for a flash swap from the pool, so the pool is no swing
    detectors = ("fresh-contract",)

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        lender = flash_lender(s, usd, 30_000, name="Vault USD")
        pair = pool(s, col, usd, 10_000, 10_000)
        aggregator = s.deploy("team", "YieldAggregator", usd, pair)
        for saver, amount in (("alice", 4000), ("bob", 2000)):
            supply(s, saver, usd, aggregator, "YieldAggregator", "deposit", amount)
        s.do("team", aggregator, "YieldAggregator", "invest", 4000 * E)
        attacker = s.deploy("attacker", "AggregatorPriceAttack", lender, aggregator)
        s.critical("attacker", attacker, "AggregatorPriceAttack", "run", 25_000 * E, 2000 * E)


class InitializerFrontRun(Scenario):
    """Front-running the initializer of a freshly deployed, already funded pool, as Punk
    Protocol (August 2021, $8.9M, drained minutes after launch through an unguarded
    ``initialize``): the team deploys a rewards pool, funds it, and sends ``initialize``
    last; the attacker's contract initializes it first, as owner, and recovers the
    rewards. (Chosen instead of forced ETH breaking
    ``address(this).balance`` accounting, which in the wild locks funds but does not
    pay the attacker.) The pool keeps OpenZeppelin 5's ERC-7201 storage layout."""

    name = "initializer-front-run"
    kind = ATTACK
    category = "access-control"
    # privileged-change: an initializer run on a pool already in use, paying out tokens
    detectors = ("privileged-change",)

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        rewards = s.deploy("team", "RewardsPool")
        give(s, usd, rewards, 5000)
        runner = s.deploy("attacker", "InitFrontRunner")
        s.critical("attacker", runner, "InitFrontRunner", "run", rewards, usd)
        # the team's own initialize, a moment too late (not judged)
        s.send("team", rewards, "RewardsPool", "initialize", s.address("team"), usd)
