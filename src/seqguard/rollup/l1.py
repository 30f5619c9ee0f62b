"""The L1 side of the rollup: signing and sending L1 transactions, reading the inbox,
and deploying the rollup's contracts (``seqguard deploy-l1``).

``L1Client`` signs EIP-1559 transactions with a local key and numbers them itself, so a
posting's hash is known before it is sent (see ``da.base``). ``L1Inbox`` reads the
``RollupInbox`` queue as ``InboxItem``s. ``deploy_rollup`` puts RollupInbox and
OutputOracle on L1 and names the batch inbox, an address without code that batches are
sent to as calldata, as on OP Stack chains.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import rlp
from eth_abi import decode as abi_decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from seqguard.contracts.abi import decode_output, encode_call, encode_deploy
from seqguard.rollup.inbox import ENQUEUED_TOPIC, GWEI, InboxItem
from seqguard.rpc.client import HttpRpc, RemoteError
from seqguard.trace.geth import hex_bytes, hex_int

__all__ = [
    "ANVIL_CHAIN_ID",
    "ANVIL_DEV_KEY",
    "L1Client",
    "L1Inbox",
    "add_deploy_arguments",
    "batch_inbox_address",
    "decode_enqueued",
    "deploy_rollup",
    "get_logs",
    "run_deploy",
    "tx_nonce",
]

DEFAULT_TIP = GWEI
LOG_CHUNK = 2_000  # blocks per eth_getLogs: what public L1 endpoints commonly allow
ANVIL_CHAIN_ID = 31337
# anvil's (and hardhat's) first dev account: public, for local L1s only
ANVIL_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


# -- helpers ------------------------------------------------------------------------------


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def tx_nonce(raw: bytes) -> int:
    """The nonce of a signed transaction (typed, EIP-2718, or legacy)."""
    if raw[0] >= 0xC0:  # legacy: an RLP list [nonce, gasPrice, ...]
        return int.from_bytes(rlp.decode(raw)[0], "big")
    return int.from_bytes(rlp.decode(raw[1:])[1], "big")  # [chainId, nonce, ...]


def get_logs(
    rpc: HttpRpc, address: bytes, topic0: bytes, start: int, end: int, chunk: int = LOG_CHUNK
) -> Iterator[dict[str, Any]]:
    """``address``'s logs with ``topic0`` in L1 blocks ``start..end``, oldest first,
    asked for ``chunk`` blocks at a time (nodes cap the range of one eth_getLogs)."""
    for lo in range(start, end + 1, chunk):
        hi = min(lo + chunk - 1, end)
        logs = rpc(
            "eth_getLogs",
            {
                "address": _hex(address),
                "topics": [_hex(topic0)],
                "fromBlock": hex(lo),
                "toBlock": hex(hi),
            },
        )
        yield from (log for log in logs if not log.get("removed"))


# -- the client ----------------------------------------------------------------------------


class L1Client:
    """An L1 node over JSON-RPC, with an optional signing key.

    Nonces are counted locally from the account's pending count at first use, so
    transactions can be signed ahead of sending; the counter is behind a lock, the
    client may be shared between threads.
    """

    def __init__(self, url: str, key: str | bytes | None = None, *, timeout: float = 60.0):
        self.url = url
        self.rpc = HttpRpc(url, timeout=timeout)
        self.account: LocalAccount | None = Account.from_key(key) if key else None
        self._chain_id: int | None = None
        self._nonce: int | None = None
        self._lock = threading.Lock()

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:  # asked lazily: a node may start before its L1 answers
            self._chain_id = hex_int(self.rpc("eth_chainId"))
        return self._chain_id

    @property
    def address(self) -> bytes:
        return hex_bytes(self._signer().address)

    def _signer(self) -> LocalAccount:
        if self.account is None:
            raise ValueError("this L1 client has no key: it can read, not sign")
        return self.account

    def block_number(self) -> int:
        return hex_int(self.rpc("eth_blockNumber"))

    # -- nonces --

    def _pending_nonce(self) -> int:
        return hex_int(self.rpc("eth_getTransactionCount", self._signer().address, "pending"))

    def _next_nonce(self) -> int:
        with self._lock:
            if self._nonce is None:
                self._nonce = self._pending_nonce()
            nonce, self._nonce = self._nonce, self._nonce + 1
            return nonce

    def observe_nonce(self, nonce: int) -> None:
        """A transaction with ``nonce`` was sent: never hand that nonce out again (it may
        have been signed by an earlier run of this process)."""
        with self._lock:
            if self._nonce is not None and self._nonce <= nonce:
                self._nonce = nonce + 1

    def resync_nonce(self) -> None:
        """Skip nonces the account used elsewhere (another process with the same key)."""
        with self._lock:
            pending = self._pending_nonce()
            self._nonce = pending if self._nonce is None else max(self._nonce, pending)

    # -- signing and sending --

    def fees(self) -> tuple[int, int]:
        """(maxFeePerGas, maxPriorityFeePerGas): room for the base fee to double."""
        try:
            tip = hex_int(self.rpc("eth_maxPriorityFeePerGas"))
        except RemoteError:
            tip = DEFAULT_TIP
        base = hex_int(self.rpc("eth_getBlockByNumber", "latest", False).get("baseFeePerGas"))
        return 2 * base + tip, tip

    def estimate_gas(self, to: bytes | None, data: bytes, value: int = 0) -> int:
        call: dict[str, Any] = {"from": self._signer().address, "data": _hex(data)}
        if to is not None:
            call["to"] = _hex(to)
        if value:
            call["value"] = hex(value)
        return hex_int(self.rpc("eth_estimateGas", call))

    def sign(
        self,
        to: bytes | None,
        data: bytes,
        value: int = 0,
        nonce: int | None = None,
        gas: int | None = None,
    ) -> tuple[bytes, bytes, int]:
        """Sign an EIP-1559 transaction: ``(hash, raw, nonce)``. ``to=None`` creates a
        contract. Gas is estimated (Prague's calldata floor, EIP-7623, makes it more than
        the classic 4/16 per byte) with a margin for state that changes before inclusion;
        a call that would revert raises RemoteError here, before a nonce is taken."""
        account = self._signer()
        if gas is None:
            estimate = self.estimate_gas(to, data, value)
            gas = estimate + estimate // 5
        max_fee, tip = self.fees()
        if nonce is None:
            nonce = self._next_nonce()
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": nonce,
            "to": to_checksum_address(to) if to is not None else b"",
            "value": value,
            "data": data,
            "gas": gas,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": tip,
            "accessList": [],
        }
        signed = account.sign_transaction(tx)
        return bytes(signed.hash), bytes(signed.raw_transaction), nonce

    def send_raw(self, raw: bytes) -> None:
        self.rpc("eth_sendRawTransaction", _hex(raw))

    def receipt(self, tx_hash: bytes) -> dict[str, Any] | None:
        return self.rpc("eth_getTransactionReceipt", _hex(tx_hash))

    def transaction(self, tx_hash: bytes) -> dict[str, Any] | None:
        return self.rpc("eth_getTransactionByHash", _hex(tx_hash))

    def wait_receipt(self, tx_hash: bytes, timeout: float = 120.0) -> dict[str, Any]:
        start = time.monotonic()
        while (receipt := self.receipt(tx_hash)) is None:
            waited = time.monotonic() - start
            if waited > timeout:
                raise TimeoutError(f"no receipt for {_hex(tx_hash)} after {timeout:.0f}s")
            time.sleep(0.05 if waited < 2 else 0.5)  # quick on a dev L1, gentle on a real one
        return receipt

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Several calls in one JSON-RPC batch; results in call order."""
        if not calls:
            return []
        body = [
            {"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)
        ]
        answers = self.rpc.client.post(self.url, json=body).json()
        if not isinstance(answers, list):  # a node without batches answers one error
            raise RemoteError(f"batch: {answers.get('error', {}).get('message', answers)}")
        by_id = {a.get("id"): a for a in answers}
        out = []
        for i, (method, _) in enumerate(calls):
            answer = by_id.get(i) or {"error": {"message": "no answer"}}
            if "error" in answer:
                raise RemoteError(f"{method}: {answer['error'].get('message')}")
            out.append(answer["result"])
        return out

    # -- contracts --

    def deploy(self, artifact: str, *constructor_args: Any) -> bytes:
        """Deploy the compiled contract ``artifact``; waits for the receipt."""
        tx_hash, raw, _ = self.sign(None, encode_deploy(artifact, *constructor_args))
        self.send_raw(raw)
        receipt = self.wait_receipt(tx_hash)
        if hex_int(receipt["status"]) != 1 or not receipt.get("contractAddress"):
            raise RuntimeError(f"deploying {artifact} failed (tx {_hex(tx_hash)})")
        return hex_bytes(receipt["contractAddress"])

    def call(self, address: bytes, artifact: str, function: str, *args: Any) -> Any:
        """eth_call of a view: its one result, or a tuple of several."""
        result = self.rpc(
            "eth_call",
            {"to": _hex(address), "data": _hex(encode_call(artifact, function, *args))},
            "latest",
        )
        values = decode_output(artifact, function, len(args), hex_bytes(result))
        return values[0] if len(values) == 1 else values

    def transact(
        self,
        address: bytes,
        artifact: str,
        function: str,
        *args: Any,
        value: int = 0,
        gas: int | None = None,
    ) -> dict[str, Any]:
        """Sign, send and wait for a call of ``function``; returns the receipt (check its
        status: with an explicit ``gas`` a reverting call is mined)."""
        data = encode_call(artifact, function, *args)
        tx_hash, raw, _ = self.sign(address, data, value=value, gas=gas)
        self.send_raw(raw)
        return self.wait_receipt(tx_hash)

    def close(self) -> None:
        self.rpc.client.close()


# -- the inbox -----------------------------------------------------------------------------

_ENQUEUED_DATA = ["uint8", "address", "uint256", "bytes", "uint256"]


def decode_enqueued(log: dict[str, Any]) -> InboxItem:
    topics = log["topics"]
    kind, to, value, data, timestamp = abi_decode(_ENQUEUED_DATA, hex_bytes(log["data"]))
    return InboxItem(
        index=hex_int(topics[1]),
        kind=kind,
        sender=hex_bytes(topics[2])[12:],
        to=hex_bytes(to),
        value=value,
        data=data,
        l1_timestamp=timestamp,
        l1_block=hex_int(log["blockNumber"]),
    )


class L1Inbox:
    """The ``RollupInbox`` queue at ``address``, read from its ``Enqueued`` events in
    blocks at least ``confirmations`` deep."""

    def __init__(
        self,
        rpc: HttpRpc,
        address: bytes,
        start_block: int = 0,
        confirmations: int = 0,
        *,
        chunk: int = LOG_CHUNK,
    ) -> None:
        self.rpc = rpc
        self.address = address
        self.start_block = start_block
        self.confirmations = confirmations
        self.chunk = chunk

    def read(self, cursor: int) -> tuple[list[InboxItem], int]:
        """The items enqueued in L1 blocks ``cursor..latest - confirmations`` by index,
        and the next block to read."""
        cursor = max(cursor, self.start_block)
        end = hex_int(self.rpc("eth_blockNumber")) - self.confirmations
        if end < cursor:
            return [], cursor
        logs = get_logs(self.rpc, self.address, ENQUEUED_TOPIC, cursor, end, self.chunk)
        return sorted((decode_enqueued(log) for log in logs), key=lambda i: i.index), end + 1

    def queue_length(self) -> int:
        data = keccak(b"queueLength()")[:4]
        return hex_int(
            self.rpc("eth_call", {"to": _hex(self.address), "data": _hex(data)}, "latest")
        )


# -- deployment ----------------------------------------------------------------------------


def batch_inbox_address(l2_chain_id: int) -> bytes:
    """``0xff`` then zeros then the L2 chain id (8 bytes): no key and no code behind it."""
    return b"\xff" + bytes(11) + l2_chain_id.to_bytes(8, "big")


def deploy_rollup(l1_url: str, key_hex: str, l2_chain_id: int) -> dict[str, Any]:
    """Deploy RollupInbox and OutputOracle (proposer: the key's account, which is also
    the batcher) and return the addresses a node and its verifiers are configured with."""
    l1 = L1Client(l1_url, key_hex)
    try:
        start = l1.block_number() + 1  # nothing of the rollup can be in an earlier block
        inbox = l1.deploy("RollupInbox")
        oracle = l1.deploy("OutputOracle", to_checksum_address(l1.address))
        return {
            "inbox": to_checksum_address(inbox),
            "outputOracle": to_checksum_address(oracle),
            "batchInbox": to_checksum_address(batch_inbox_address(l2_chain_id)),
            "batcher": to_checksum_address(l1.address),
            "l1StartBlock": start,
            "l1ChainId": l1.chain_id,
        }
    finally:
        l1.close()


def add_deploy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--l1-rpc", required=True, metavar="URL", help="the L1 node's JSON-RPC URL")
    parser.add_argument(
        "--l2-chain-id",
        type=int,
        default=31337,
        metavar="N",
        help="the rollup's chain id, which names its batch inbox (default 31337, the dev chain)",
    )
    parser.add_argument(
        "--key",
        metavar="HEX",
        help="private key of the deployer, proposer and batcher (default: env SEQGUARD_L1_KEY; "
        "on a chain with id 31337, anvil's first dev key)",
    )
    parser.add_argument("--out", metavar="FILE", help="also write the JSON to FILE")


def run_deploy(args: argparse.Namespace) -> int:
    """``seqguard deploy-l1``: print the deployment as JSON; 0 on success."""
    key = args.key or os.environ.get("SEQGUARD_L1_KEY")
    try:
        if not key:
            chain_id = hex_int(HttpRpc(args.l1_rpc, timeout=10)("eth_chainId"))
            if chain_id != ANVIL_CHAIN_ID:
                print(
                    f"error: L1 chain id {chain_id}: give the key with --key or SEQGUARD_L1_KEY",
                    file=sys.stderr,
                )
                return 2
            print(
                "warning: no --key or SEQGUARD_L1_KEY: using anvil's first dev key, "
                "whose private key is public",
                file=sys.stderr,
            )
            key = ANVIL_DEV_KEY
        deployment = deploy_rollup(args.l1_rpc, key, args.l2_chain_id)
    except Exception as exc:  # an unreachable node, a refused transaction, a bad key
        print(f"error: deploying to {args.l1_rpc} failed: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(deployment, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0
