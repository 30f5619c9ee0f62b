"""``ethereum``: frames as calldata on L1, output roots in the ``OutputOracle``.

A frame is an L1 transaction from the batcher to the batch inbox (an address without
code), its calldata the frame; anyone may send to that address, so a reader takes only
the batcher's. An output is a ``propose`` call to the oracle. A posting is the signed
transaction, ``ref`` its hash: sending it again is harmless, and if its nonce went to
another transaction it can never be mined (``StalePosting``).

Readers see blocks at least ``confirmations`` deep; a reorganisation deeper than that
is not handled. The batcher's thread is the only one that signs; the nonce counter is
behind the ``L1Client``'s lock, so other threads may read and ask for status meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import httpx
from eth_abi import decode as abi_decode
from eth_hash.auto import keccak

from seqguard.contracts.abi import encode_call
from seqguard.rollup.da.base import (
    CONFIRMED,
    MISSING,
    PENDING,
    DAError,
    DataAvailability,
    Output,
    Posting,
    Refused,
    StalePosting,
)
from seqguard.rollup.l1 import L1Client, get_logs, tx_nonce
from seqguard.rpc.client import RemoteError
from seqguard.trace.geth import hex_bytes, hex_int

OUTPUT_PROPOSED_TOPIC = keccak(b"OutputProposed(uint256,bytes32,bytes32,uint256)")
BLOCKS_PER_BATCH = 50  # eth_getBlockByNumber calls per JSON-RPC batch when scanning

# what geth, anvil, Nethermind and Erigon answer for a transaction they already have
_KNOWN = ("already known", "already imported", "known transaction", "alreadyknown")
_NONCE_USED = ("nonce too low", "oldnonce")


@contextmanager
def _l1_errors(doing: str) -> Iterator[None]:
    """Every failure to reach L1 or be heard by it is a DAError: the batcher retries."""
    try:
        yield
    except DAError:
        raise
    except RemoteError as exc:
        raise DAError(f"{doing}: {exc}") from exc
    except (httpx.HTTPError, ValueError, OSError) as exc:
        raise DAError(f"{doing}: L1 unreachable or answered nonsense: {exc}") from exc


class EthereumDA(DataAvailability):
    name = "ethereum"

    def __init__(
        self,
        l1: L1Client,
        batch_inbox: bytes,
        batcher: bytes,
        oracle: bytes,
        start_block: int,
        confirmations: int = 0,
    ) -> None:
        self.l1 = l1
        self.batch_inbox = batch_inbox
        self.batcher = batcher
        self.oracle = oracle
        self.start_block = start_block
        self.confirmations = confirmations
        self._inbox_hex = "0x" + batch_inbox.hex()
        self._batcher_hex = "0x" + batcher.hex()

    # -- posting --

    def prepare_frame(self, frame: bytes) -> Posting:
        with _l1_errors("signing a frame"):
            tx_hash, raw, _ = self.l1.sign(self.batch_inbox, frame)
        return Posting("frame", "0x" + tx_hash.hex(), raw)

    def prepare_output(self, output: Output) -> Posting:
        data = encode_call(
            "OutputOracle", "propose", output.l2_block, output.block_hash, output.state_root
        )
        # a propose that would revert (not the proposer, not forward) fails its gas
        # estimate here, rather than being mined as a revert
        with _l1_errors(f"signing the output of L2 block {output.l2_block}"):
            try:
                tx_hash, raw, _ = self.l1.sign(self.oracle, data)
            except RemoteError as exc:
                if "revert" in str(exc).lower():
                    raise Refused(
                        f"the oracle refuses the output of block {output.l2_block}: {exc}"
                    ) from exc
                raise
        return Posting("output", "0x" + tx_hash.hex(), raw)

    def send(self, posting: Posting) -> None:
        tx_hash = hex_bytes(posting.ref)
        with _l1_errors(f"sending {posting.kind} {posting.ref}"):
            try:
                self.l1.send_raw(posting.payload)
            except RemoteError as exc:
                message = str(exc).lower()
                receipt = None if any(k in message for k in _KNOWN) else self.l1.receipt(tx_hash)
                if any(k in message for k in _KNOWN):
                    pass  # the node has it already
                elif receipt is not None and hex_int(receipt["status"]) != 1:
                    # mined but reverted: it recorded nothing, and resending cannot help
                    raise Refused(f"{posting.kind} {posting.ref} reverted") from exc
                elif receipt is not None:
                    pass  # mined already (the node says "nonce too low")
                elif any(k in message for k in _NONCE_USED):
                    with suppress(RemoteError, httpx.HTTPError):
                        self.l1.resync_nonce()  # for the posting prepared anew
                    raise StalePosting(
                        f"{posting.kind} {posting.ref}: its nonce went to another transaction"
                    ) from exc
                else:
                    raise
            # the posting may come from an earlier run: keep new nonces past it
            self.l1.observe_nonce(tx_nonce(posting.payload))

    def status(self, posting: Posting) -> str:
        tx_hash = hex_bytes(posting.ref)
        with _l1_errors(f"asking for {posting.kind} {posting.ref}"):
            receipt = self.l1.receipt(tx_hash)
            if receipt is not None:
                if hex_int(receipt["status"]) != 1:
                    return MISSING  # reverted: it recorded nothing
                depth = self.l1.block_number() - hex_int(receipt["blockNumber"])
                return CONFIRMED if depth >= self.confirmations else PENDING
            return PENDING if self.l1.transaction(tx_hash) is not None else MISSING

    # -- reading --

    def start_cursor(self) -> int:
        return self.start_block

    def _final_block(self) -> int:
        return self.l1.block_number() - self.confirmations

    def read_frames(self, cursor: int) -> tuple[list[bytes], int]:
        """The batcher's transactions to the batch inbox in L1 blocks from ``cursor`` to
        the last one ``confirmations`` deep, in block and transaction order."""
        cursor = max(cursor, self.start_block)
        frames: list[bytes] = []
        with _l1_errors("reading frames"):
            end = self._final_block()
            for lo in range(cursor, end + 1, BLOCKS_PER_BATCH):
                hi = min(lo + BLOCKS_PER_BATCH - 1, end)
                calls = [("eth_getBlockByNumber", [hex(n), True]) for n in range(lo, hi + 1)]
                for number, block in zip(range(lo, hi + 1), self.l1.batch(calls), strict=True):
                    if block is None:
                        raise DAError(f"L1 block {number} is gone: a reorganisation?")
                    frames += [
                        hex_bytes(tx.get("input"))
                        for tx in block["transactions"]
                        if (tx.get("to") or "").lower() == self._inbox_hex
                        and tx["from"].lower() == self._batcher_hex
                    ]
        return frames, max(cursor, end + 1)

    def read_outputs(self, cursor: int) -> tuple[list[Output], int]:
        cursor = max(cursor, self.start_block)
        with _l1_errors("reading outputs"):
            end = self._final_block()
            outputs = []
            for log in get_logs(self.l1.rpc, self.oracle, OUTPUT_PROPOSED_TOPIC, cursor, end):
                block_hash, state_root, _ = abi_decode(
                    ["bytes32", "bytes32", "uint256"], hex_bytes(log["data"])
                )
                outputs.append(Output(hex_int(log["topics"][1]), block_hash, state_root))
        return outputs, max(cursor, end + 1)

    def close(self) -> None:
        self.l1.close()
