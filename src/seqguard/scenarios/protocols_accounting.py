"""Deploy-and-seed helpers for the lending and vault-accounting protocols (the
contracts in ``SupplyPool.sol``, ``PeggedPool.sol``, ``ShareVault.sol``,
``RateMarket.sol``, ``DonationMarket.sol``, ``LpLending.sol`` and ``FeeStaking.sol``),
shared by the attack and benign scenarios that play on them.

Amounts are in whole tokens (18 decimals) unless a name says wei.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seqguard.scenarios.base import Session
from seqguard.scenarios.env import Outcome
from seqguard.scenarios.protocols import E, approve, give, pool, token


def flash_lender(s: Session, tok: str, amount: int, name: str = "Flash vault") -> str:
    """A TokenVault over ``tok`` (named ``name``) holding ``amount`` from the team, lending
    it by the flash."""
    vault = s.deploy("team", "TokenVault", tok, name)
    approve(s, "team", tok, vault)
    s.do("team", vault, "TokenVault", "deposit", amount * E)
    return vault


def attempt(s: Session, role: str, to: str, artifact: str, fn: str, *args: Any,
            label: str = "") -> Outcome:  # fmt: skip
    """Send and wait without insisting that it lands: for a victim's transaction in an
    attack, whose fate the attack's own verdict already reflects."""
    tx_hash = s.send(role, to, artifact, fn, *args)
    outcome = s.env.outcome(tx_hash, label or f"{artifact}.{fn}")
    s.outcomes.append(outcome)
    return outcome


@dataclass
class PeggedPool:
    """ETH and a pegged token (``seth``) in a PeggedEthPool, a free ETH flash lender, and
    a market lending ``seth`` against the pool's LP tokens."""

    seth: str
    pool: str
    lender: str
    lending: str


def pegged_pool(s: Session, *, pool_eth: int = 100, lender_eth: int = 1000,
                lending_cash: int = 100) -> PeggedPool:  # fmt: skip
    seth = token(s, "stETH")
    pegged = s.deploy("team", "PeggedEthPool", seth)
    approve(s, "team", seth, pegged)
    s.do("team", pegged, "PeggedEthPool", "addLiquidity", pool_eth * E, value=pool_eth * E)
    lender = s.deploy("team", "EthFlashLender")
    s.do("team", lender, "EthFlashLender", "deposit", value=lender_eth * E)
    lending = s.deploy("team", "VirtualPriceLending", pegged, seth)
    give(s, seth, lending, lending_cash)
    return PeggedPool(seth, pegged, lender, lending)


@dataclass
class RateMarketSetup:
    usd: str
    col: str
    oracle: str
    market: str
    pair: str | None = None  # the pool a spot oracle reads


def rate_market(
    s: Session, *, cash: int, col_price: int = 10, spot_pool: int = 0
) -> RateMarketSetup:
    """A RateMarket lending USD against COL. With ``spot_pool`` it prices COL from a
    COL/USD Pair holding that much COL (at ``col_price``); otherwise from prices the team
    posts."""
    usd, col = token(s, "USD"), token(s, "COL")
    pair = None
    if spot_pool:
        pair = pool(s, col, usd, spot_pool, spot_pool * col_price)
        oracle = s.deploy("team", "PairSpotOracle", pair, usd)
    else:
        oracle = s.deploy("team", "PostedPriceOracle")
        s.do("team", oracle, "PostedPriceOracle", "post", col, col_price * E)
    market = s.deploy("team", "RateMarket", col, usd, oracle)
    give(s, usd, market, cash)
    return RateMarketSetup(usd, col, oracle, market, pair)


@dataclass
class LpMarket:
    usd: str
    col: str
    pair: str
    lending: str


def lp_market(s: Session, *, pool_size: int = 1000, cash: int = 1500) -> LpMarket:
    """A COL/USD LpTokenPair at 1:1 and a market lending USD against its LP shares."""
    usd, col = token(s, "USD"), token(s, "COL")
    pair = pool(s, col, usd, pool_size, pool_size, artifact="LpTokenPair")
    lending = s.deploy("team", "LpCollateralLending", pair, usd)
    give(s, usd, lending, cash)
    return LpMarket(usd, col, pair, lending)


def add_liquidity(s: Session, role: str, m: LpMarket, amount: int) -> int:
    """``role`` adds ``amount`` of each token to the pair; the LP shares it got."""
    for tok in (m.usd, m.col):
        give(s, tok, s.address(role), amount)
        s.do(role, tok, "SeqToken", "transfer", m.pair, amount * E)
    before = s.call(m.pair, "LpTokenPair", "balanceOf", s.address(role))
    s.do(role, m.pair, "Pair", "mint", s.address(role))
    return s.call(m.pair, "LpTokenPair", "balanceOf", s.address(role)) - before


__all__ = [
    "E",
    "LpMarket",
    "PeggedPool",
    "RateMarketSetup",
    "add_liquidity",
    "attempt",
    "flash_lender",
    "lp_market",
    "pegged_pool",
    "rate_market",
]
