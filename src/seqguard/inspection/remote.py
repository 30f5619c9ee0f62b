"""Judge a transaction another node executed: its trace and context over JSON-RPC.

Works against geth, anvil or seqguard itself: the trace comes from
``debug_traceTransaction`` (``callTracer`` with logs, ``prestateTracer`` in diff
mode), the context from ``eth_call``/``eth_getStorageAt``/``eth_getBalance`` on
the state after the transaction's block, and contract creators from Otterscan's
``ots_getContractCreator``. With one transaction per block (anvil's automine) the
post-block state is the post-transaction state the detectors expect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seqguard.inspection.base import Context
from seqguard.rpc.client import RemoteError
from seqguard.trace import Trace, TxInfo
from seqguard.trace.geth import hex_bytes, hex_int, trace_from_geth
from seqguard.trace.model import trace_from_json
from seqguard.types import Creation

Rpc = Callable[..., Any]  # rpc(method, *params) -> result, raising on a JSON-RPC error


def tx_info(tx: dict[str, Any]) -> TxInfo:
    fee = hex_int(tx.get("maxFeePerGas") or tx.get("gasPrice"))
    return TxInfo(
        hex_bytes(tx["hash"]),
        hex_bytes(tx["from"]),
        hex_bytes(tx["to"]) if tx.get("to") else None,
        hex_int(tx["nonce"]),
        hex_int(tx["value"]),
        hex_bytes(tx["input"]),
        hex_int(tx["gas"]),
        fee,
        hex_int(tx.get("maxPriorityFeePerGas")) if tx.get("maxPriorityFeePerGas") else fee,
    )


def remote_trace(rpc: Rpc, tx_hash: str) -> tuple[Trace, dict[str, Any]]:
    """The :class:`Trace` of a mined transaction, and the transaction's JSON."""
    tx = rpc("eth_getTransactionByHash", tx_hash)
    if tx is None or tx.get("blockNumber") is None:
        raise LookupError(f"transaction {tx_hash} is not mined on that node")
    try:
        diff = rpc(
            "debug_traceTransaction",
            tx_hash,
            {"tracer": "prestateTracer", "tracerConfig": {"diffMode": True}},
        )
    except RemoteError:  # a seqguard node: it answers the trace model itself
        return trace_from_json(rpc("seqguard_traceTransaction", tx_hash)), tx
    call = rpc(
        "debug_traceTransaction",
        tx_hash,
        {"tracer": "callTracer", "tracerConfig": {"withLog": True}},
    )
    return trace_from_geth(tx_info(tx), call, diff), tx


def remote_context(rpc: Rpc, block_number: int, timestamp: int = 0) -> Context:
    """A :class:`Context` reading the state after block ``block_number`` over RPC."""
    tag = hex(block_number)

    def call(to: bytes, data: bytes) -> bytes | None:
        try:
            return hex_bytes(
                rpc("eth_call", {"to": "0x" + to.hex(), "data": "0x" + data.hex()}, tag)
            )
        except Exception:  # a revert, or a node that cannot answer: the view is unknown
            return None

    def storage(address: bytes, slot: int) -> int:
        return hex_int(rpc("eth_getStorageAt", "0x" + address.hex(), hex(slot), tag))

    def balance(address: bytes) -> int:
        return hex_int(rpc("eth_getBalance", "0x" + address.hex(), tag))

    def creator(address: bytes) -> Creation | None:
        try:
            found = rpc("ots_getContractCreator", "0x" + address.hex())
        except Exception:
            return None
        if not found:
            return None
        tx = rpc("eth_getTransactionByHash", found["hash"])
        return Creation(hex_bytes(tx["from"]), hex_int(tx["blockNumber"]))

    return Context(block_number, timestamp, storage, balance, call, creator)


def remote_trace_and_context(rpc: Rpc, tx_hash: str) -> tuple[Trace, Context]:
    trace, tx = remote_trace(rpc, tx_hash)
    block = rpc("eth_getBlockByNumber", tx["blockNumber"], False)
    return trace, remote_context(rpc, hex_int(tx["blockNumber"]), hex_int(block["timestamp"]))
