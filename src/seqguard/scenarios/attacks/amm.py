"""Attacks on AMM pools and the protocols that price from them."""

from __future__ import annotations

from seqguard.scenarios.base import ATTACK, Scenario, Session
from seqguard.scenarios.protocols import E, give, market, pool, token


class SpotOracleManipulation(Scenario):
    """Spot-price oracle manipulation with a flash loan, as Harvest Finance (October 2020)
    and Inverse Finance (April 2022): borrow, pump the collateral in the pool the lending
    market prices from, over-borrow, sell back, repay."""

    name = "spot-oracle-flash-loan"
    kind = ATTACK
    category = "oracle-manipulation"
    detectors = ("flash-loan-manipulation",)

    def run(self, s: Session) -> None:
        m = market(s)
        attacker = s.deploy("attacker", "SpotOracleAttack", m.vault, m.pair, m.lending)
        s.critical("attacker", attacker, "SpotOracleAttack", "run", 3000 * E, 100 * E)


class BrokenConstantProduct(Scenario):
    """A pool whose K check mixes fee scales, as Uranium Finance (April 2021): a contract
    deployed a block earlier swaps both reserves down to dust for almost nothing."""

    name = "amm-k-invariant-bug"
    kind = ATTACK
    category = "amm-math"
    detectors = ("fresh-contract",)

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        leaky = pool(s, col, usd, 1000, 1000, artifact="LeakyPair")
        drain = s.deploy("attacker", "KDrain")
        give(s, usd, drain, 20)
        give(s, col, drain, 20)
        s.critical("attacker", drain, "KDrain", "run", leaky, 3)


class UnguardedMintAndDump(Scenario):
    """Minting by a stranger, then selling into the pool, as the Ankr aBNBc mint (December
    2022) and Cover Protocol (December 2020): ``setMinter`` has no access check."""

    name = "unguarded-mint-and-dump"
    kind = ATTACK
    category = "access-control"
    detectors = ("privileged-change",)

    def run(self, s: Session) -> None:
        m = market(s)
        rwd = s.deploy("team", "RewardToken", 10**6 * E)
        rpair = pool(s, rwd, m.usd, 10_000, 10_000)
        dumper = s.deploy("attacker", "MintAndDump")
        s.critical("attacker", dumper, "MintAndDump", "run", rwd, rpair, 10**7 * E)
