"""The interfaces between the stages, written down in one place.

Read this file to learn how a transaction travels: ingress decodes and
validates it against a ``StateReader``, the ``TxPool`` keeps it, the block
builder asks the pool for the best executable transactions in the order an
``Ordering`` gives, executes them, seals a block and tells the pool what was
included.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, Protocol

from seqguard.types import Tx


class StateReader(Protocol):
    """Read-only view of account state at the head of the chain."""

    def get_nonce(self, address: bytes) -> int: ...

    def get_balance(self, address: bytes) -> int: ...


class Ordering(ABC):
    """Decides which executable transaction goes first.

    The pool keeps each sender's transactions in nonce order; an ordering only
    compares the next executable transaction of different senders. Larger
    priority goes first.
    """

    name: str

    @abstractmethod
    def priority(self, tx: Tx, base_fee: int) -> Any:
        """A sortable key; the pool yields the largest first."""


class BestTransactions(Protocol):
    """Iterator over executable transactions, best first, nonce order per sender."""

    def __iter__(self) -> Iterator[Tx]: ...

    def mark_invalid(self, tx: Tx) -> None:
        """Skip every later transaction of ``tx``'s sender in this iteration."""
