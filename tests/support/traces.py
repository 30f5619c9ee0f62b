"""Hand-built traces for detector unit tests: frames, token transfers and balances, the
shapes an exploit or its benign twin leaves, without executing anything."""

from __future__ import annotations

from dataclasses import dataclass, field

from seqguard.inspection import Context, Creation
from seqguard.inspection.base import BALANCE_OF, OWNER
from seqguard.trace import BalanceDelta, Frame, StorageWrite, TokenTransfer, Trace, TraceLog, TxInfo
from seqguard.trace.tokens import TRANSFER

ZERO = b"\x00" * 20


def addr(n: int) -> bytes:
    return bytes([n]) * 20


@dataclass
class TraceBuilder:
    """Frames in execution order, transfers in log order; ``build`` gives the Trace and a
    Context whose token balances and owners come from ``balances`` and ``owners``."""

    sender: bytes
    to: bytes
    frames: list[Frame] = field(default_factory=list)
    logs: list[TraceLog] = field(default_factory=list)
    transfers: list[TokenTransfer] = field(default_factory=list)
    writes: list[StorageWrite] = field(default_factory=list)
    deltas: list[BalanceDelta] = field(default_factory=list)
    created: list[bytes] = field(default_factory=list)
    balances: dict[tuple[bytes, bytes], int] = field(default_factory=dict)  # after the tx
    owners: dict[bytes, bytes] = field(default_factory=dict)
    creators: dict[bytes, Creation] = field(default_factory=dict)
    views: dict[tuple[bytes, bytes], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.call(None, self.sender, self.to)

    def call(self, parent: int | None, sender: bytes, to: bytes, value: int = 0,
             kind: str = "CALL", data: bytes = b"") -> int:  # fmt: skip
        index = len(self.frames)
        depth = 0 if parent is None else self.frames[parent].depth + 1
        address = sender if kind == "DELEGATECALL" else to
        self.frames.append(
            Frame(index, parent, depth, kind, sender, address, to, value, data, b"", 0, 0, True)
        )
        return index

    def transfer(
        self, frame: int, token: bytes, sender: bytes, recipient: bytes, amount: int
    ) -> None:
        index = len(self.logs)
        topics = (TRANSFER, sender.rjust(32, b"\0"), recipient.rjust(32, b"\0"))
        self.logs.append(TraceLog(token, topics, amount.to_bytes(32, "big"), frame, index))
        self.transfers.append(TokenTransfer("ERC20", token, sender, recipient, amount, None, index))

    def build(self, block_number: int = 100) -> tuple[Trace, Context]:
        tx = TxInfo(b"\x11" * 32, self.sender, self.to, 0, 0, b"", 1_000_000, 0, 0)
        trace = Trace(tx, True, 21_000, None, self.frames, self.logs, self.transfers,
                      self.writes, self.deltas, created=self.created)  # fmt: skip

        def call(to: bytes, data: bytes) -> bytes | None:
            if data[:4] == BALANCE_OF:
                return self.balances.get((to, data[-20:]), 0).to_bytes(32, "big")
            if data == OWNER:
                owner = self.owners.get(to)
                return None if owner is None else owner.rjust(32, b"\0")
            value = self.views.get((to, data))
            return None if value is None else value.to_bytes(32, "big")

        return trace, Context(block_number, 0, call=call, creator=self.creators.get)
