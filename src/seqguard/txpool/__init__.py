"""The transaction pool stage: pending/queued transactions, ordering, journal."""

from seqguard.txpool.journal import Journal
from seqguard.txpool.ordering import (
    ORDERINGS,
    FifoOrdering,
    PriorityFeeOrdering,
    get_ordering,
)
from seqguard.txpool.pool import BestTransactionsIter, PoolConfig, TxPool

__all__ = [
    "ORDERINGS",
    "BestTransactionsIter",
    "FifoOrdering",
    "Journal",
    "PoolConfig",
    "PriorityFeeOrdering",
    "TxPool",
    "get_ordering",
]
