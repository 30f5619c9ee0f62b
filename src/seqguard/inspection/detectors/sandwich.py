"""Sandwich: buy in a pool just before someone else's swap, sell just after, at their
expense.

Attack: a bot watching pending transactions sees a swap that accepts slippage,
buys the same token first (the victim then buys higher), and sells right after
into the price the victim pushed up. jaredfromsubway.eth took millions this way
in 2023; in March 2025 a stablecoin swap of $220,000 on Uniswap v3 came out
with $5,000 after a single sandwich. A sequencer sees all three transactions in
the order it gives them, which is exactly where this can be stopped.

Signal: across recent transactions (the builder's memory, not one trace): the
sender swapped in a pool in one direction, one to three other accounts then
swapped in the same direction (and nobody the other way), and now the sender
swaps back what it bought (to within 1%), ending with more of the token it paid
in with; both legs are swaps in that pool alone (an arbitrage routes through
several). The back-run is held: the front-runner is left with what it bought, at the price it
paid. Judged on the nodes that keep this memory (a remote trace has none).
"""

from __future__ import annotations

from itertools import islice

from seqguard.inspection.base import Context, Detector, Finding
from seqguard.inspection.history import SwapLeg, swap_legs
from seqguard.trace import Trace


def _opposite(a: dict[bytes, int], b: dict[bytes, int]) -> bool:
    common = a.keys() & b.keys()
    return len(common) >= 2 and all((a[t] > 0) != (b[t] > 0) for t in common)


def _same(a: dict[bytes, int], b: dict[bytes, int]) -> bool:
    common = a.keys() & b.keys()
    return len(common) >= 2 and all((a[t] > 0) == (b[t] > 0) for t in common)


class Sandwich(Detector):
    name = "sandwich"

    def __init__(self, lookback: int = 64, max_victims: int = 3) -> None:
        self.lookback = lookback  # how many recent swap legs a front-run may be among
        self.max_victims = max_victims

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        recent = context.recent
        if recent is None or not trace.success or len(trace.transfers) < 2:
            return []
        legs = list(islice(reversed(recent.legs), self.lookback))[::-1]  # no copy of all
        for back in swap_legs(trace):
            for i in range(len(legs) - 1, -1, -1):
                front = legs[i]
                if front.pool != back.pool or front.sender != back.sender:
                    continue
                if front.hops > 1 or back.hops > 1:
                    break  # a route through several pools: arbitrage, not a sandwich leg
                if not _opposite(front.flows, back.flows):
                    break  # the sender's latest leg in this pool is not the other way
                between = [v for v in legs[i + 1 :] if v.pool == back.pool]
                tight = 0 < len(between) <= self.max_victims and all(
                    v.sender != back.sender and _same(v.flows, front.flows) for v in between
                )  # only swaps the same way in between: a pool trading both ways is a market
                victims = between if tight else []
                profit = self._profit(front, back)
                if victims and profit is not None:
                    token, gain = profit
                    return [
                        Finding(
                            self.name,
                            f"0x{back.sender.hex()} swapped in pool 0x{back.pool.hex()} "
                            f"(tx 0x{front.tx.hex()}) just before 0x{victims[0].sender.hex()}'s "
                            f"swap the same way (tx 0x{victims[0].tx.hex()}) and now swaps back "
                            f"for {gain} more of token 0x{token.hex()} than it paid: a sandwich",
                            0.9,
                        )
                    ]
                break
        return []

    @staticmethod
    def _profit(front: SwapLeg, back: SwapLeg) -> tuple[bytes, int] | None:
        """The token the sender paid in with and how much more it got back, if it got more
        of it back without giving up more of the other than it bought."""
        paid = [t for t, v in front.flows.items() if v > 0]  # into the pool on the front-run
        bought = [t for t, v in front.flows.items() if v < 0]
        # a sandwich sells back what it bought (within 1%), which a trader changing its
        # mind rarely does to the wei
        if not all(abs(back.flows.get(b, 0) + front.flows[b]) * 100 <= -front.flows[b]
                   for b in bought):  # fmt: skip
            return None
        for t in paid:
            gain = -back.flows.get(t, 0) - front.flows[t]
            if gain > 0:
                return t, gain
        return None
