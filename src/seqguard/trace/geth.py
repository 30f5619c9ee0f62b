"""A :class:`Trace` from geth's (or anvil's) tracer output.

Inputs are what ``debug_traceTransaction`` / ``debug_traceCall`` answer with
``{"tracer": "callTracer", "tracerConfig": {"withLog": true}}`` and with
``{"tracer": "prestateTracer", "tracerConfig": {"diffMode": true}}``. This lets
the same detectors judge a transaction executed by another engine.
"""

from __future__ import annotations

from typing import Any

from seqguard.trace.model import BalanceDelta, Frame, StorageWrite, Trace, TraceLog, TxInfo
from seqguard.trace.tokens import decode_transfers


def hex_bytes(value: Any) -> bytes:
    if not value:
        return b""
    text = value[2:] if value.startswith(("0x", "0X")) else value
    return bytes.fromhex(text if len(text) % 2 == 0 else "0" + text)


def hex_int(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    return int(value, 16) if value.startswith(("0x", "0X")) else int(value)


def _addr(value: Any) -> bytes:
    return hex_bytes(value).rjust(20, b"\x00") if value else b""


def trace_from_geth(tx: TxInfo, call: dict[str, Any], prestate_diff: dict[str, Any]) -> Trace:
    frames: list[Frame] = []
    logs: list[TraceLog] = []
    created: list[bytes] = []

    def emit_logs(frame_json: dict[str, Any], position: int, index: int, live: bool) -> None:
        if not live:
            return
        for entry in frame_json.get("logs") or []:
            if hex_int(entry.get("position", 0)) == position:
                logs.append(TraceLog(_addr(entry["address"]), tuple(hex_bytes(t).rjust(32, b"\x00") for t in entry.get("topics") or []),
                                     hex_bytes(entry.get("data")), index, len(logs)))  # fmt: skip

    def walk(f: dict[str, Any], parent: int | None, depth: int, live: bool) -> None:
        kind = f.get("type", "CALL").upper()
        index = len(frames)
        sender, to = _addr(f.get("from")), _addr(f.get("to"))
        error = f.get("error")
        delegated = kind in ("DELEGATECALL", "CALLCODE")
        address = sender if delegated else to
        frames.append(
            Frame(
                index=index, parent=parent, depth=depth, kind=kind, sender=sender,
                address=address, code_address=to if delegated else address,
                value=hex_int(f.get("value")) if kind in ("CALL", "CALLCODE", "CREATE", "CREATE2") else 0,
                input=hex_bytes(f.get("input")), output=hex_bytes(f.get("output")), gas=hex_int(f.get("gas")),
                gas_used=hex_int(f.get("gasUsed")), success=error is None, error=error,
            )
        )  # fmt: skip
        live = live and error is None
        if kind in ("CREATE", "CREATE2") and live and to:
            created.append(to)
        calls = f.get("calls") or []
        for position, child in enumerate(calls):
            emit_logs(f, position, index, live)
            walk(child, index, depth + 1, live)
        emit_logs(f, len(calls), index, live)

    walk(call, None, 0, True)
    pre: dict[str, Any] = {k.lower(): v for k, v in (prestate_diff.get("pre") or {}).items()}
    post: dict[str, Any] = {k.lower(): v for k, v in (prestate_diff.get("post") or {}).items()}
    storage, balances = [], []
    for key in sorted(set(pre) | set(post)):
        address = _addr(key)
        before_acct, after_acct = pre.get(key) or {}, post.get(key)
        deleted = after_acct is None
        after_acct = after_acct or {}
        before_balance = hex_int(before_acct.get("balance"))
        if "balance" in after_acct or deleted:
            after_balance = hex_int(after_acct.get("balance"))
            if after_balance != before_balance:
                balances.append(BalanceDelta(address, before_balance, after_balance))
        before_slots = {
            hex_int(k): hex_int(v) for k, v in (before_acct.get("storage") or {}).items()
        }
        after_slots = {hex_int(k): hex_int(v) for k, v in (after_acct.get("storage") or {}).items()}
        for slot in sorted(set(before_slots) | set(after_slots)):
            # diffMode leaves zero values out of both sides
            before, after = before_slots.get(slot, 0), after_slots.get(slot, 0)
            if after != before:
                storage.append(StorageWrite(address, slot, before, after))
    top = call
    destroyed = sorted(_addr(k) for k in pre if k not in post)
    return Trace(
        tx=tx,
        success=top.get("error") is None,
        gas_used=hex_int(top.get("gasUsed")),
        revert_reason=top.get("revertReason"),
        frames=frames,
        logs=logs,
        transfers=decode_transfers(logs),
        storage_writes=storage,
        balance_deltas=balances,
        created=created,
        destroyed=destroyed,
    )
