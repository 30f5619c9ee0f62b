"""What the builder remembers of recently included transactions: the swap legs each
made in pools, so that a detector can see a pattern that spans transactions (a
sandwich). Kept in memory only, for the last ``size`` legs."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from seqguard.inspection.flows import token_net
from seqguard.trace import Trace


@dataclass(frozen=True, slots=True)
class SwapLeg:
    """A transaction's net token flows into one pool: at least one token in, one out."""

    tx: bytes
    sender: bytes
    pool: bytes
    flows: dict[bytes, int]  # token -> net amount into the pool
    hops: int = 1  # pools the transaction swapped in: more than one is a route or an arbitrage


def swap_legs(trace: Trace) -> list[SwapLeg]:
    """The trace's swaps, per pool (computed once per trace: the sandwich detector and
    the builder's memory both ask)."""
    if "swap_legs" in trace.memo:
        return trace.memo["swap_legs"]
    trace.memo["swap_legs"] = legs = _swap_legs(trace)
    return legs


def _swap_legs(trace: Trace) -> list[SwapLeg]:
    by_pool: dict[bytes, dict[bytes, int]] = {}
    parties = {trace.tx.sender, trace.tx.to}
    for (token, holder), net in token_net(trace).items():
        if net and holder not in parties:
            by_pool.setdefault(holder, {})[token] = net
    swaps = {
        pool: flows
        for pool, flows in by_pool.items()
        if any(v > 0 for v in flows.values()) and any(v < 0 for v in flows.values())
    }
    return [
        SwapLeg(trace.tx.hash, trace.tx.sender, pool, flows, len(swaps))
        for pool, flows in swaps.items()
    ]


class Recent:
    def __init__(self, size: int = 1024) -> None:
        self.legs: deque[SwapLeg] = deque(maxlen=size)

    def add(self, trace: Trace) -> None:
        if trace.success and len(trace.transfers) >= 2:
            self.legs.extend(swap_legs(trace))
