"""geth's ``callTracer`` output, read from py-evm's finished computation tree."""

from __future__ import annotations

from typing import Any

from eth.abc import ComputationAPI
from eth.exceptions import Revert

from seqguard.execution.calls import _error_text, decode_revert_reason
from seqguard.execution.evm import CollisionFrame

OPCODE_KINDS = {
    0xF0: "CREATE",
    0xF1: "CALL",
    0xF2: "CALLCODE",
    0xF4: "DELEGATECALL",
    0xF5: "CREATE2",
    0xFA: "STATICCALL",
}


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def _addr(b: bytes) -> str:
    return "0x" + b.hex()


def _frame(
    comp: ComputationAPI, kind: str, parent_address: bytes | None, with_log: bool
) -> dict[str, Any]:
    msg = comp.msg
    if kind in ("DELEGATECALL", "CALLCODE"):
        sender, to = parent_address or msg.sender, msg.code_address
    else:
        sender, to = msg.sender, msg.storage_address
    frame: dict[str, Any] = {
        "from": _addr(sender),
        "gas": hex(msg.gas),
        "gasUsed": hex(msg.gas - comp.get_gas_remaining()),
        "to": _addr(to),
        # a create frame's input is its init code
        "input": _hex(msg.code if msg.is_create else msg.data_as_bytes),
    }
    if comp.output:
        frame["output"] = _hex(comp.output)
    if msg.is_create and comp.is_error:
        del frame["to"]  # geth: a failed creation created no address
    if kind in ("CALL", "CALLCODE", "CREATE", "CREATE2"):
        frame["value"] = hex(msg.value)
    if comp.is_error:
        if isinstance(comp.error, Revert):
            frame["error"] = "execution reverted"
            reason = decode_revert_reason(comp.output)
            if reason:
                frame["revertReason"] = reason
        else:
            frame["error"] = _error_text(comp)
            frame.pop("output", None)
    if with_log and not comp.is_error:
        logs = [
            {
                "address": _addr(address),
                "topics": ["0x" + t.to_bytes(32, "big").hex() for t in topics],
                "data": _hex(data),
            }
            for _, address, topics, data in comp._log_entries
        ]
        if logs:
            frame["logs"] = logs
    calls = []
    collisions = list(getattr(comp, "collisions", ()))
    for index, child in enumerate(comp.children):
        while collisions and collisions[0].position == index:
            calls.append(_collision_frame(collisions.pop(0), msg.storage_address))
        opcode = getattr(child, "opened_by", None)
        if opcode is None:  # a precompile or an unknown frame: report as CALL
            opcode = 0xF1
        calls.append(_frame(child, OPCODE_KINDS.get(opcode, "CALL"), msg.storage_address, with_log))
    calls.extend(_collision_frame(c, msg.storage_address) for c in collisions)
    if calls:
        frame["calls"] = calls
    frame["type"] = kind
    return frame


def _collision_frame(c: CollisionFrame, sender: bytes) -> dict[str, Any]:
    return {
        "from": _addr(sender),
        "gas": hex(c.gas),
        "gasUsed": hex(c.gas),
        "input": _hex(c.init_code),
        "error": "contract address collision",
        "value": hex(c.value),
        "type": OPCODE_KINDS[c.opcode],
    }


def call_trace(
    comp: ComputationAPI, *, tx_gas: int, gas_used: int, is_create: bool, with_log: bool = False
) -> dict[str, Any]:
    """The top frame as geth reports it: the transaction's gas and gasUsed."""
    frame = _frame(comp, "CREATE" if is_create else "CALL", None, with_log)
    frame["gas"] = hex(tx_gas)
    frame["gasUsed"] = hex(gas_used)
    return frame
