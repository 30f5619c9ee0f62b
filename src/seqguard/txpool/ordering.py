"""Ordering policies: which executable transaction goes into the block first.

An ordering only compares the *next* executable transaction of different
senders; the pool keeps each sender's transactions in nonce order. The pool
breaks ties between equal priorities by arrival (a monotonic sequence number it
assigns at insertion, earlier first), so an ordering that gives every
transaction the same priority is exactly first come, first served.
"""

from __future__ import annotations

from seqguard.abc import Ordering
from seqguard.types import Tx


class PriorityFeeOrdering(Ordering):
    """Highest effective tip at the block's base fee first (geth's and reth's default)."""

    name = "priority-fee"

    def priority(self, tx: Tx, base_fee: int) -> int:
        return tx.effective_tip(base_fee)


class FifoOrdering(Ordering):
    """First come, first served: arrival order, whatever the fees.

    Every transaction has the same priority, so the pool's arrival tie-break
    alone decides; fees cannot buy a place ahead of an earlier transaction.
    """

    name = "fcfs"

    def priority(self, tx: Tx, base_fee: int) -> int:
        return 0


ORDERINGS: dict[str, type[Ordering]] = {
    PriorityFeeOrdering.name: PriorityFeeOrdering,
    FifoOrdering.name: FifoOrdering,
}


def get_ordering(name: str) -> Ordering:
    """A fresh ordering by its configuration name ("priority-fee" or "fcfs")."""
    try:
        return ORDERINGS[name]()
    except KeyError:
        valid = ", ".join(sorted(ORDERINGS))
        raise ValueError(f"unknown ordering {name!r}; valid orderings: {valid}") from None
