"""The interface every data-availability layer implements.

Posting is two steps so that a crash never loses or repeats one: ``prepare`` makes
the exact bytes that will be sent (for Ethereum, the signed L1 transaction, whose hash
is known before it is sent); the batcher stores that ``Posting``, then calls ``send``.
After a restart it asks ``status`` of every stored posting not yet confirmed, and sends
the same bytes again only if the layer never saw them.

Reading is by cursor: ``read_frames(cursor)`` gives the confirmed frames after the
cursor, in the layer's order, and the cursor to continue from; a verifier starts at
``start_cursor()`` and follows a live chain by calling it again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

CONFIRMED, PENDING, MISSING = "confirmed", "pending", "missing"


class DAError(RuntimeError):
    """The layer cannot be reached or refused a posting; the batcher retries later."""


class CorruptData(DAError):
    """The layer holds bytes that were changed after they were written."""


class Refused(DAError):
    """The layer will not take this posting as it stands (an L1 contract reverts it)."""


class StalePosting(DAError):
    """The layer can never take this exact posting (its L1 nonce was used by another
    transaction): prepare the same content anew."""


@dataclass(frozen=True, slots=True)
class Output:
    """An output root: an L2 block's hash and state root, as the proposer claims them."""

    l2_block: int
    block_hash: bytes
    state_root: bytes


@dataclass(frozen=True, slots=True)
class Posting:
    """What will be (or was) sent: ``ref`` identifies it on the layer (a log position,
    an L1 transaction hash), ``payload`` is the exact bytes to send."""

    kind: str  # "frame" or "output"
    ref: str
    payload: bytes


class DataAvailability(ABC):
    name: str

    @abstractmethod
    def prepare_frame(self, frame: bytes) -> Posting:
        """The posting that carries ``frame``."""

    @abstractmethod
    def prepare_output(self, output: Output) -> Posting:
        """The posting that records ``output``."""

    @abstractmethod
    def send(self, posting: Posting) -> None:
        """Send it; sending what the layer already has does nothing. Raises DAError."""

    @abstractmethod
    def status(self, posting: Posting) -> str:
        """CONFIRMED (final for our purposes), PENDING (sent, not final) or MISSING
        (the layer never saw it, or dropped it: send again, or prepare anew)."""

    @abstractmethod
    def start_cursor(self) -> int:
        """Where a reader starting from genesis begins."""

    @abstractmethod
    def read_frames(self, cursor: int) -> tuple[list[bytes], int]:
        """Confirmed frames after ``cursor`` in order, and the cursor after them."""

    @abstractmethod
    def read_outputs(self, cursor: int) -> tuple[list[Output], int]:
        """Confirmed output roots after ``cursor`` in order, and the cursor after them."""

    def close(self) -> None:  # noqa: B027 - most layers hold nothing to release
        """Release files and connections."""
