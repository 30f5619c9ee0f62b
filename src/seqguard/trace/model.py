"""Engine-agnostic records of one executed transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any

FRAME_KINDS = (
    "CALL",
    "CALLCODE",
    "DELEGATECALL",
    "STATICCALL",
    "CREATE",
    "CREATE2",
    "SELFDESTRUCT",
)


@dataclass(frozen=True, slots=True)
class TxInfo:
    hash: bytes
    sender: bytes
    to: bytes | None
    nonce: int
    value: int
    input: bytes
    gas: int
    max_fee: int
    max_priority_fee: int


@dataclass(frozen=True, slots=True)
class Frame:
    """One call frame, numbered in execution order (the top frame is 0).

    For DELEGATECALL and CALLCODE ``to`` is the contract whose storage is used
    (the caller) and ``code_address`` the contract whose code runs, as geth's
    callTracer reports ``from``/``to`` for those kinds: from = caller,
    to = code address. ``address`` is always the account whose storage and
    balance the frame acts on.
    """

    index: int
    parent: int | None
    depth: int
    kind: str
    sender: bytes
    address: bytes
    code_address: bytes
    value: int
    input: bytes
    output: bytes
    gas: int
    gas_used: int
    success: bool
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TraceLog:
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes
    frame: int  # index of the frame that emitted it
    index: int  # position among the transaction's logs


@dataclass(frozen=True, slots=True)
class TokenTransfer:
    standard: str  # "ERC20", "ERC721" or "ERC1155"
    token: bytes
    sender: bytes
    recipient: bytes
    amount: int  # 1 for an ERC-721 transfer
    token_id: int | None
    log_index: int


@dataclass(frozen=True, slots=True)
class StorageWrite:
    """Net change of one slot over the transaction (reverted writes excluded)."""

    address: bytes
    slot: int
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class BalanceDelta:
    address: bytes
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass(slots=True)
class Trace:
    tx: TxInfo
    success: bool
    gas_used: int
    revert_reason: str | None
    frames: list[Frame]
    logs: list[TraceLog]
    transfers: list[TokenTransfer]
    storage_writes: list[StorageWrite]
    balance_deltas: list[BalanceDelta]
    created: list[bytes] = field(default_factory=list)
    destroyed: list[bytes] = field(default_factory=list)
    # what detectors derive from the trace, computed once per trace (children, flows)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def children(self, index: int) -> list[Frame]:
        kids = self.memo.get("children")
        if kids is None:
            kids = self.memo["children"] = {}
            for f in self.frames:
                kids.setdefault(f.parent, []).append(f)
        return kids.get(index, [])

    def balance_delta(self, address: bytes) -> int:
        return sum(b.delta for b in self.balance_deltas if b.address == address)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (bytes as 0x-hex, ints as numbers)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "memo":
                continue
            value = getattr(self, f.name)
            if isinstance(value, list):
                value = [asdict(v) if is_dataclass(v) else v for v in value]
            elif is_dataclass(value):
                value = asdict(value)  # type: ignore[arg-type]
            out[f.name] = value
        return _jsonable(out)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 2**53:
        return hex(value)  # JSON numbers lose precision past 2**53
    return value


def _from(cls: type, data: dict[str, Any]) -> Any:
    """One record from :meth:`Trace.to_json` output, guided by the field types."""
    values = {}
    for f in fields(cls):
        value = data[f.name]
        kind = str(f.type)
        if value is None:
            values[f.name] = None
        elif "tuple[bytes" in kind:
            values[f.name] = tuple(bytes.fromhex(v[2:]) for v in value)
        elif kind.startswith("bytes"):
            values[f.name] = bytes.fromhex(value[2:])
        elif kind.startswith("int") and isinstance(value, str):
            values[f.name] = int(value, 16)
        else:
            values[f.name] = value
    return cls(**values)


def trace_from_json(data: dict[str, Any]) -> Trace:
    """The inverse of :meth:`Trace.to_json` (what ``seqguard_traceTransaction`` answers)."""
    return Trace(
        tx=_from(TxInfo, data["tx"]),
        success=data["success"],
        gas_used=data["gas_used"],
        revert_reason=data["revert_reason"],
        frames=[_from(Frame, f) for f in data["frames"]],
        logs=[_from(TraceLog, x) for x in data["logs"]],
        transfers=[_from(TokenTransfer, t) for t in data["transfers"]],
        storage_writes=[_from(StorageWrite, w) for w in data["storage_writes"]],
        balance_deltas=[_from(BalanceDelta, b) for b in data["balance_deltas"]],
        created=[bytes.fromhex(a[2:]) for a in data["created"]],
        destroyed=[bytes.fromhex(a[2:]) for a in data["destroyed"]],
    )
