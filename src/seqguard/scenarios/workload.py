"""Benign traffic: a seeded, reproducible mix of what users of a DeFi chain do.

One world (USD and COL tokens, a vault with flash loans, two COL/USD pools, a lending
market priced by the first, a router) and ``users`` accounts that transfer ETH and
tokens, swap, deposit and redeem, borrow and repay, and now and then run a flash-loan
arbitrage between the pools when there is a gap worth closing. The same seed gives
the same sequence of decisions; amounts stay small against balances and limits so
that every transaction should succeed, and any that is held is a false positive.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from seqguard.scenarios.base import MAX_UINT, Session
from seqguard.scenarios.env import Env, Outcome
from seqguard.scenarios.protocols import E, Market, give, market
from seqguard.scenarios.protocols_markets import amount_out, reserves

KINDS = {  # kind -> weight in the mix
    "eth-transfer": 20,
    "token-transfer": 25,
    "swap": 20,
    "vault": 10,
    "lending": 12,
    "approve": 5,
    "flash-arbitrage": 3,
}


@dataclass
class _Cast:
    """Who the workload's session speaks for: its name scopes the accounts."""

    name: str
    roles: dict[str, int] = field(default_factory=dict)
    default_eth: int = 50


@dataclass
class _User:
    role: str
    shares: int = 0
    collateral: int = 0
    debt: int = 0


@dataclass
class Workload:
    env: Env
    seed: int = 1
    users: int = 16
    sent: list[tuple[str, str]] = field(default_factory=list)  # (hash, kind)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.session = Session(self.env, _Cast(f"workload-{self.seed}"))  # type: ignore[arg-type]
        self.m: Market | None = None
        self.people = [_User(f"user{i}") for i in range(self.users)]
        self.arb = ""

    def setup(self) -> None:
        s = self.session
        self.m = m = market(s, vault_usd=20_000, lending_usd=50_000)
        for u in self.people:
            for tok in (m.usd, m.col):
                give(s, tok, s.address(u.role), 10_000)
            for tok, spender in ((m.usd, m.router), (m.col, m.router), (m.usd, m.vault),
                                 (m.col, m.lending), (m.usd, m.lending)):  # fmt: skip
                s.send(u.role, tok, "SeqToken", "approve", spender, MAX_UINT)
        self.arb = s.deploy("arbitrageur", "FlashArbitrage", m.vault)

    # -- one transaction of each kind -------------------------------------------------
    def _one(self) -> tuple[str, str] | None:
        assert self.m is not None
        m, s, rng = self.m, self.session, self.rng
        kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        u = rng.choice(self.people)
        other = rng.choice(self.people)
        if kind == "eth-transfer":
            wei = rng.randint(1, 10**6) * 10**12
            return kind, s.send_eth(u.role, s.address(other.role), wei, gas=21_000)
        if kind == "token-transfer":
            amount = rng.randint(1, 50)
            return kind, s.send(
                u.role, m.usd, "SeqToken", "transfer", s.address(other.role), amount * E
            )
        if kind == "swap":
            pair = rng.choice((m.pair, m.pair2))
            usd_in = rng.random() < 0.5
            amount = rng.randint(1, 20)
            tok = m.usd if usd_in else m.col
            return kind, s.send(u.role, m.router, "Router", "swapExactIn", pair, tok, amount * E, 0,
                                s.address(u.role))  # fmt: skip
        if kind == "vault":
            if u.shares > 10 and rng.random() < 0.4:
                shares = rng.randint(1, u.shares // 2)
                u.shares -= shares
                return kind, s.send(u.role, m.vault, "TokenVault", "redeem", shares * E)
            amount = rng.randint(1, 50)
            u.shares += amount // 2  # shares are worth at least one USD: a safe floor
            return kind, s.send(u.role, m.vault, "TokenVault", "deposit", amount * E)
        if kind == "lending":
            if u.debt > 0 and rng.random() < 0.4:
                amount = rng.randint(1, u.debt)
                u.debt -= amount
                return kind, s.send(u.role, m.lending, "SpotLending", "repay", amount * E)
            if u.collateral - 4 * u.debt >= 20 and rng.random() < 0.6:
                amount = rng.randint(1, (u.collateral - 4 * u.debt) // 4)  # ≤ 25% of value
                u.debt += amount
                return kind, s.send(u.role, m.lending, "SpotLending", "borrow", amount * E)
            amount = rng.randint(10, 100)
            u.collateral += amount
            return kind, s.send(u.role, m.lending, "SpotLending", "deposit", amount * E)
        if kind == "approve":
            return kind, s.send(u.role, m.col, "SeqToken", "approve", s.address(other.role),
                                rng.randint(1, 1000) * E)  # fmt: skip
        return self._arbitrage()

    def _arbitrage(self) -> tuple[str, str] | None:
        """Close the gap between the pools if a loan of 5-40 USD makes a profit now."""
        assert self.m is not None
        m, s = self.m, self.session
        if self.sent:  # price the gap on a settled state, not one swaps in flight will move
            self.env.outcome(self.sent[-1][0], "sync", timeout=5)
        prices = [reserves(s, pair, m.col) for pair in (m.pair, m.pair2)]  # (col, usd)
        (c0, u0), (c1, u1) = prices
        cheap, dear, (cc, cu), (dc, du) = (
            (m.pair, m.pair2, prices[0], prices[1]) if u0 * c1 < u1 * c0
            else (m.pair2, m.pair, prices[1], prices[0])
        )  # fmt: skip
        for loan in (40 * E, 20 * E, 5 * E):
            bought = amount_out(loan, cu, cc)
            back = amount_out(bought, dc, du)
            if back > loan + loan * 9 // 10_000 + E // 100:
                tx_hash = s.send("arbitrageur", self.arb, "FlashArbitrage", "run", cheap, dear,
                                 m.col, loan)  # fmt: skip
                return "flash-arbitrage", tx_hash
        return None

    # -- running ---------------------------------------------------------------------
    def run(self, n: int, *, rate: float | None = None,
            progress: Callable[[int], None] | None = None) -> list[tuple[Outcome, str]]:  # fmt: skip
        """Send ``n`` transactions (at ``rate`` per second, or as fast as the node takes
        them) and return what became of each, with its kind."""
        started = time.monotonic()
        done = 0
        while done < n:
            picked = self._one()
            if picked is None:
                continue
            kind, tx_hash = picked
            self.sent.append((tx_hash, kind))
            done += 1
            if progress is not None:
                progress(1)
            if rate:
                time.sleep(max(0.0, started + done / rate - time.monotonic()))
        # one deadline for all: after a held transaction the sender's later ones wait
        # behind it, and each need not be waited for in turn
        deadline = time.monotonic() + self.env.timeout
        return [
            (self.env.outcome(h, kind, timeout=max(0.0, deadline - time.monotonic())), kind)
            for h, kind in self.sent
        ]
