"""Deploy-and-seed helpers for the protocols in ``contracts/``, shared by scenarios, and
waiting for what a scenario sent.

Amounts are in whole tokens (18 decimals); every token here is a SeqToken minted to
the team that deploys it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seqguard.scenarios.base import MAX_UINT, Session

E = 10**18


def token(s: Session, symbol: str, supply: int = 10**9, role: str = "team") -> str:
    return s.deploy(role, "SeqToken", symbol, symbol, supply * E)


def give(s: Session, tok: str, to: str, amount: int, role: str = "team") -> None:
    s.do(role, tok, "SeqToken", "transfer", to, amount * E)


def approve(s: Session, role: str, tok: str, spender: str, amount: int = MAX_UINT) -> None:
    s.do(role, tok, "SeqToken", "approve", spender, amount)


def fund(s: Session, role: str, tok: str, spender: str, amount: int) -> None:
    """``role`` gets ``amount`` of ``tok`` from the team and approves ``spender`` for all."""
    give(s, tok, s.address(role), amount)
    approve(s, role, tok, spender)


def supply(s: Session, role: str, tok: str, to: str, artifact: str, fn: str, amount: int,
           *extra: Any) -> None:  # fmt: skip
    """``role`` gets ``amount`` of ``tok`` from the team, approves ``to`` and calls
    ``fn(amount, *extra)`` on it: a deposit, a mint, a stake."""
    fund(s, role, tok, to, amount)
    s.do(role, to, artifact, fn, amount * E, *extra)


def landed(s: Session, *tx_hashes: str) -> bool:
    """Wait until sent transactions are settled (included, reverted or held); whether all
    were included. The story goes on either way: a bot sells only what its front-run
    bought, and a vote waits for its proposal, since a node may order one block's
    transactions from different senders as it likes."""
    statuses = [s.env.outcome(tx_hash, "wait").status for tx_hash in tx_hashes]
    return all(status == "included" for status in statuses)


def balance(s: Session, tok: str, who: str) -> int:
    return s.call(tok, "SeqToken", "balanceOf", who)


def pool(s: Session, a: str, b: str, amount_a: int, amount_b: int, artifact: str = "Pair",
         role: str = "team") -> str:  # fmt: skip
    """A Pair of tokens ``a`` and ``b`` seeded by ``role`` with the given amounts."""
    pair = s.deploy(role, artifact, a, b)
    give(s, a, pair, amount_a, role)
    give(s, b, pair, amount_b, role)
    s.do(role, pair, "Pair", "mint", s.address(role))
    return pair


@dataclass
class Market:
    """USD and COL tokens, a USD vault with flash loans, a COL/USD pool and a lending
    market priced by it, a second pool 10% dearer, and a router."""

    usd: str
    col: str
    vault: str
    pair: str
    pair2: str
    lending: str
    router: str


def market(s: Session, *, vault_usd: int = 10_000, lending_usd: int = 1000) -> Market:
    usd, col = token(s, "USD"), token(s, "COL")
    vault = s.deploy("team", "TokenVault", usd, "Vault USD")
    pair = pool(s, col, usd, 1000, 1000)
    pair2 = pool(s, col, usd, 1000, 1100)
    lending = s.deploy("team", "SpotLending", col, usd, pair)
    router = s.deploy("team", "Router")
    give(s, usd, lending, lending_usd)
    approve(s, "team", usd, vault)
    s.do("team", vault, "TokenVault", "deposit", vault_usd * E)
    return Market(usd, col, vault, pair, pair2, lending, router)
