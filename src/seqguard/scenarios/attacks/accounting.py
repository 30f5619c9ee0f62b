"""Attacks on lending and vault accounting: reentrancy across functions and through
views, share and exchange-rate inflation by donation, self-liquidation, naive LP
pricing and flash staking. Each attacker contract reverts unless it ends in profit,
so on a node that lets it through the theft has really happened."""

from __future__ import annotations

from seqguard.scenarios.base import ATTACK, Scenario, Session
from seqguard.scenarios.protocols import E, give, supply, token
from seqguard.scenarios.protocols_accounting import (
    attempt,
    flash_lender,
    lp_market,
    pegged_pool,
    rate_market,
)


class CrossFunctionReentrancy(Scenario):
    """Cross-function reentrancy, as Lendf.Me (April 2020) and Rari Capital's Fuse pools
    (April 2022): the pool's ``withdraw`` pays before it zeroes the balance and only it
    holds the lock, so the attacker's receive hook ``transfer``s the still-credited
    deposit to an accomplice, which withdraws it again, round after round."""

    name = "cross-function-reentrancy"
    kind = ATTACK
    category = "reentrancy"
    detectors = ("reentrancy", "fresh-contract")
    roles = {"alice": 40, "bob": 30, "attacker": 20}

    def run(self, s: Session) -> None:
        pool = s.deploy("team", "EtherSupplyPool")
        s.do("alice", pool, "EtherSupplyPool", "deposit", value=30 * E)
        s.do("bob", pool, "EtherSupplyPool", "deposit", value=20 * E)
        drainer = s.deploy("attacker", "CrossFunctionDrainer", pool)
        s.critical("attacker", drainer, "CrossFunctionDrainer", "attack", 20, value=5 * E)


class ReadOnlyReentrancy(Scenario):
    """Read-only reentrancy, as dForce (February 2023, Curve's wstETH/ETH pool) and
    Sentiment (April 2023, Balancer): flash-borrowed ETH is added to a pegged pool and
    removed again; inside the pool's ETH transfer, before its balances are booked, the
    attacker borrows against LP collateral priced by the pool's inflated virtual price."""

    name = "read-only-reentrancy"
    kind = ATTACK
    category = "reentrancy"
    detectors = ("fresh-contract",)
    roles = {"team": 1200, "attacker": 30}

    def run(self, s: Session) -> None:
        p = pegged_pool(s)
        attacker = s.deploy("attacker", "VirtualPriceReentry", p.lender, p.pool, p.lending)
        s.critical("attacker", attacker, "VirtualPriceReentry", "run", 900 * E, 20 * E,
                   value=20 * E)  # fmt: skip


class Erc4626Inflation(Scenario):
    """ERC-4626 share inflation, the "first depositor" attack OpenZeppelin answered with
    virtual shares in 2023 (Contracts 4.9): the attacker takes the only share of an empty vault for 1 wei
    and donates as much as the victim is about to deposit; the victim's deposit mints 0
    shares, and the attacker redeems its one share for both."""

    name = "erc4626-share-inflation"
    kind = ATTACK
    category = "share-inflation"
    detectors = ("zero-share-deposit",)

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        vault = s.deploy("team", "ShareVault", usd, "Vault USD", s.address("team"))
        runner = s.deploy("attacker", "InflationFrontRunner", vault)
        s.do("team", usd, "SeqToken", "transfer", runner, 1000 * E + 1)
        # the "front-run": at a sequencer, just the attacker's transactions first
        s.do("attacker", runner, "InflationFrontRunner", "prime", 1000 * E)
        give(s, usd, s.address("victim"), 1000)
        s.do("victim", usd, "SeqToken", "approve", vault, 1000 * E)
        attempt(s, "victim", vault, "ShareVault", "deposit", 1000 * E, s.address("victim"),
                label="victim's deposit")  # fmt: skip
        s.critical("attacker", runner, "InflationFrontRunner", "cashOut")


class EmptyMarketRounding(Scenario):
    """Empty-market exchange-rate inflation and redeem rounding, as Hundred Finance (April
    2023) and Onyx Protocol (November 2023): in a market nobody supplies, 2 wei of cTokens
    plus a flash-loaned donation back a borrow of all the debt token; ``redeemUnderlying``
    then takes the donation back burning only 1 wei, and the debt is left unpaid."""

    name = "empty-market-rounding"
    kind = ATTACK
    category = "exchange-rate-manipulation"
    detectors = ("fresh-contract",)

    def run(self, s: Session) -> None:
        m = rate_market(s, cash=3000)
        lender = flash_lender(s, m.col, 2000)
        drain = s.deploy("attacker", "EmptyMarketDrain", lender, m.market)
        give(s, m.col, drain, 2)  # a seed to mint with and the loan's fee
        s.critical("attacker", drain, "EmptyMarketDrain", "run", 1000 * E, E)


class DonationSelfLiquidation(Scenario):
    """Donation without a health check, then self-liquidation, as Euler Finance (March
    2023): a flash-funded violator levers up 20x, donates deposits to the reserves until
    its health is 0.8, and the attacker's other contract liquidates it at the full 20%
    discount and withdraws the other depositors' cash."""

    name = "donation-self-liquidation"
    kind = ATTACK
    category = "accounting"
    detectors = ("fresh-contract",)

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        market = s.deploy("team", "DonationMarket", usd)
        supply(s, "lender", usd, market, "DonationMarket", "deposit", 10_000)
        vault = flash_lender(s, usd, 40_000)
        attacker = s.deploy("attacker", "SelfLiquidator", vault, market)
        s.critical("attacker", attacker, "SelfLiquidator", "run", 27_600 * E, 2000 * E, 19)


class NaiveLpPricing(Scenario):
    """LP tokens valued at the pool's own spot reserves, as Warp Finance (December 2020):
    the attacker posts LP shares, flash-borrows the stable token and buys the volatile
    one, which multiplies the stable reserve (and so the naive LP price) ninefold,
    borrows all the market holds, sells back and repays."""

    name = "naive-lp-pricing"
    kind = ATTACK
    category = "oracle-manipulation"
    detectors = ("flash-loan-manipulation", "fresh-contract")

    def run(self, s: Session) -> None:
        m = lp_market(s)
        vault = flash_lender(s, m.usd, 20_000)
        attacker = s.deploy("attacker", "LpPriceInflation", vault, m.lending)
        give(s, m.usd, attacker, 100)
        give(s, m.col, attacker, 100)
        s.critical("attacker", attacker, "LpPriceInflation", "run", 9000 * E)


class FlashStakingRewards(Scenario):
    """Reward-per-share taken at one instant, as the ApeCoin airdrop claim with
    flash-borrowed BAYC (March 2022) and New Free DAO (September 2022): the attacker
    stakes a flash-borrowed 9x the honest stake, triggers the fee distribution, claims,
    unstakes and repays, taking 90% of the fees meant for the stakers."""

    name = "flash-staking-rewards"
    kind = ATTACK
    category = "reward-manipulation"
    detectors = ("fresh-contract",)

    def run(self, s: Session) -> None:
        stk, usd = token(s, "STK"), token(s, "USD")
        staking = s.deploy("team", "FeeStaking", stk, usd)
        supply(s, "alice", stk, staking, "FeeStaking", "stake", 1000)
        give(s, usd, staking, 500)  # a week of protocol fees, not yet distributed
        vault = flash_lender(s, stk, 20_000)
        attacker = s.deploy("attacker", "FlashStaker", vault, staking)
        give(s, stk, attacker, 10)  # the loan's fee
        s.critical("attacker", attacker, "FlashStaker", "run", 9000 * E, 100 * E)
