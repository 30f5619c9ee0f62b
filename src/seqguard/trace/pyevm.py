"""A :class:`Trace` from py-evm's finished computation tree and the state records."""

from __future__ import annotations

from eth.abc import ComputationAPI
from eth.exceptions import Revert

from seqguard.execution.calls import _error_text, decode_revert_reason
from seqguard.execution.evm import SeqState
from seqguard.execution.tracer import OPCODE_KINDS
from seqguard.trace.model import BalanceDelta, Frame, StorageWrite, Trace, TraceLog, TxInfo
from seqguard.trace.tokens import decode_transfers
from seqguard.types import Tx


def tx_info(tx: Tx) -> TxInfo:
    return TxInfo(tx.hash, tx.sender, tx.to, tx.nonce, tx.value, tx.data, tx.gas,
                  tx.max_fee, tx.max_priority_fee)  # fmt: skip


def _error(comp: ComputationAPI) -> str | None:
    if not comp.is_error:
        return None
    return "execution reverted" if isinstance(comp.error, Revert) else _error_text(comp)


def trace_from_pyevm(tx: Tx, comp: ComputationAPI, state: SeqState, gas_used: int) -> Trace:
    """Build the trace right after ``state.apply_transaction(tx.evm)`` returned ``comp``."""
    frames: list[Frame] = []
    raw_logs: list[tuple[int, bytes, tuple[int, ...], bytes, int]] = []
    created: list[bytes] = []

    def walk(c: ComputationAPI, kind: str, parent: int | None, parent_address: bytes | None,
             gas: int, used: int, live: bool) -> None:  # fmt: skip
        msg = c.msg
        index = len(frames)
        delegated = kind in ("DELEGATECALL", "CALLCODE")
        sender = parent_address if delegated and parent_address else msg.sender
        address = msg.storage_address
        if msg.is_create and c.is_error:
            address = b""  # geth reports no address for a failed creation
        frames.append(
            Frame(
                index=index, parent=parent, depth=msg.depth, kind=kind, sender=sender,
                address=address, code_address=msg.code_address if delegated else address,
                value=msg.value if kind in ("CALL", "CALLCODE", "CREATE", "CREATE2") else 0,
                input=msg.code if msg.is_create else msg.data_as_bytes, output=c.output,
                gas=gas, gas_used=used, success=not c.is_error, error=_error(c),
            )
        )  # fmt: skip
        live = live and not c.is_error
        if msg.is_create and live:
            created.append(msg.storage_address)
        if live:
            for counter, log_address, topics, data in c._log_entries:
                raw_logs.append((counter, log_address, topics, data, index))
        collisions = list(getattr(c, "collisions", ()))
        for position, child in enumerate(c.children):
            while collisions and collisions[0].position == position:
                _collision(collisions.pop(0), index, msg.storage_address, msg.depth + 1)
            child_kind = OPCODE_KINDS.get(getattr(child, "opened_by", None) or 0xF1, "CALL")
            child_gas = child.msg.gas
            walk(child, child_kind, index, msg.storage_address, child_gas,
                 child_gas - child.get_gas_remaining(), live)  # fmt: skip
        for c_ in collisions:
            _collision(c_, index, msg.storage_address, msg.depth + 1)

    def _collision(c, parent: int, sender: bytes, depth: int) -> None:  # type: ignore[no-untyped-def]
        frames.append(
            Frame(len(frames), parent, depth, OPCODE_KINDS[c.opcode], sender, b"", b"", c.value,
                  c.init_code, b"", c.gas, c.gas, False, "contract address collision")
        )  # fmt: skip

    walk(comp, "CREATE" if tx.to is None else "CALL", None, None, tx.gas, gas_used, True)
    logs = [
        TraceLog(address, tuple(t.to_bytes(32, "big") for t in topics), data, frame, i)
        for i, (_, address, topics, data, frame) in enumerate(sorted(raw_logs, key=lambda x: x[0]))
    ]
    storage = [
        StorageWrite(address, slot, before, after)
        for (address, slot), before in state.storage_before.items()
        if (after := state.get_storage(address, slot)) != before
    ]
    balances = [
        BalanceDelta(address, before, after)
        for address, before in state.balances_before.items()
        if (after := state.get_balance(address)) != before
    ]
    reason = (
        decode_revert_reason(comp.output)
        if comp.is_error and isinstance(comp.error, Revert)
        else None
    )
    return Trace(
        tx=tx_info(tx),
        success=not comp.is_error,
        gas_used=gas_used,
        revert_reason=reason,
        frames=frames,
        logs=logs,
        transfers=decode_transfers(logs),
        storage_writes=sorted(storage, key=lambda w: (w.address, w.slot)),
        balance_deltas=sorted(balances, key=lambda b: b.address),
        created=created,
        destroyed=sorted(comp.get_accounts_for_deletion()),
    )
