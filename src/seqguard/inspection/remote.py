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
from seqguard.trace import Trace, TxInfo
from seqguard.trace.geth import trace_from_geth
from seqguard.trace.model import trace_from_json
from seqguard.types import Creation

Rpc = Callable[..., Any]  # rpc(method, *params) -> result, raising on a JSON-RPC error


def _h(value: str | None) -> bytes:
    return bytes.fromhex(value[2:]) if value else b""


def _i(value: str | None) -> int:
    return int(value, 16) if value else 0


def tx_info(tx: dict[str, Any]) -> TxInfo:
    fee = _i(tx.get("maxFeePerGas") or tx.get("gasPrice"))
    return TxInfo(
        _h(tx["hash"]),
        _h(tx["from"]),
        _h(tx["to"]) if tx.get("to") else None,
        _i(tx["nonce"]),
        _i(tx["value"]),
        _h(tx["input"]),
        _i(tx["gas"]),
        fee,
        _i(tx.get("maxPriorityFeePerGas")) if tx.get("maxPriorityFeePerGas") else fee,
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
            return _h(rpc("eth_call", {"to": "0x" + to.hex(), "data": "0x" + data.hex()}, tag))
        except Exception:  # a revert, or a node that cannot answer: the view is unknown
            return None

    def storage(address: bytes, slot: int) -> int:
        return _i(rpc("eth_getStorageAt", "0x" + address.hex(), hex(slot), tag))

    def balance(address: bytes) -> int:
        return _i(rpc("eth_getBalance", "0x" + address.hex(), tag))

    def creator(address: bytes) -> Creation | None:
        try:
            found = rpc("ots_getContractCreator", "0x" + address.hex())
        except Exception:
            return None
        if not found:
            return None
        tx = rpc("eth_getTransactionByHash", found["hash"])
        return Creation(_h(tx["from"]), _i(tx["blockNumber"]))

    return Context(block_number, timestamp, storage, balance, call, creator)


def remote_trace_and_context(rpc: Rpc, tx_hash: str) -> tuple[Trace, Context]:
    trace, tx = remote_trace(rpc, tx_hash)
    block = rpc("eth_getBlockByNumber", tx["blockNumber"], False)
    return trace, remote_context(rpc, _i(tx["blockNumber"]), _i(block["timestamp"]))


class HttpRpc:
    """A plain JSON-RPC client: ``rpc(method, *params)`` gives the result or raises
    :class:`RemoteError`; ``rpc.request`` gives the whole answer."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        import httpx

        self.url = url
        self.client = httpx.Client(timeout=timeout)
        self._ids = iter(range(1, 1 << 62))

    def request(
        self, method: str, params: list[Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        return self.client.post(self.url, json=body, headers=headers).json()

    def __call__(self, method: str, *params: Any) -> Any:
        answer = self.request(method, list(params))
        if "error" in answer:
            raise RemoteError(f"{method}: {answer['error'].get('message')}")
        return answer["result"]


def http_rpc(url: str, timeout: float = 60.0) -> HttpRpc:
    return HttpRpc(url, timeout)


class RemoteError(RuntimeError):
    """The node answered a JSON-RPC error."""
