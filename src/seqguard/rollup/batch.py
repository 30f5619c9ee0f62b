"""A batch: consecutive L2 blocks, with what a verifier needs to re-execute them.

For each block: its number and timestamp, the sequencer's transactions (as signed
bytes), how far into the L1 inbox queue it goes (``inbox_next``: the inbox items
from the previous block's ``inbox_next`` up to this one are applied at its start:
deposits credited, forced transactions executed first), the forced transactions the
sequencer held in quarantine (``excluded``, with the reason, so verifiers skip
them too), and the sequencer's claims: the block hash and the state root.

Encoding: RLP ``[version, chainId, coinbase, [block, ...]]`` with
``block = [number, timestamp, [tx, ...], inboxNext, [[queueIndex, txHash, reason], ...],
blockHash, stateRoot]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import rlp

VERSION = 0


class BatchError(ValueError):
    """Bytes that do not decode as a batch."""


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A forced transaction the sequencer held: verifiers skip it as well."""

    queue_index: int
    tx_hash: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class BatchBlock:
    number: int
    timestamp: int
    txs: list[bytes]
    inbox_next: int
    block_hash: bytes
    state_root: bytes
    excluded: list[Exclusion] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Batch:
    chain_id: int
    coinbase: bytes
    blocks: list[BatchBlock]

    def encode(self) -> bytes:
        return rlp.encode(
            [
                VERSION,
                self.chain_id,
                self.coinbase,
                [
                    [
                        b.number,
                        b.timestamp,
                        b.txs,
                        b.inbox_next,
                        [[e.queue_index, e.tx_hash, e.reason.encode()] for e in b.excluded],
                        b.block_hash,
                        b.state_root,
                    ]
                    for b in self.blocks
                ],
            ]
        )

    @classmethod
    def decode(cls, data: bytes) -> Batch:
        try:
            version, chain_id, coinbase, blocks = rlp.decode(data)
            if _int(version) != VERSION:
                raise BatchError(f"unknown batch version {_int(version)}")
            out = []
            for number, timestamp, txs, inbox_next, excluded, block_hash, state_root in blocks:
                if not isinstance(txs, list) or not all(isinstance(t, bytes) for t in txs):
                    raise BatchError("transactions must be byte strings")
                out.append(
                    BatchBlock(
                        _int(number),
                        _int(timestamp),
                        list(txs),
                        _int(inbox_next),
                        _hash(block_hash),
                        _hash(state_root),
                        [
                            Exclusion(_int(q), _hash(h), r.decode("utf-8", "replace"))
                            for q, h, r in excluded
                        ],  # fmt: skip
                    )
                )
            if len(coinbase) != 20:
                raise BatchError("coinbase must be 20 bytes")
            return cls(_int(chain_id), coinbase, out)
        except BatchError:
            raise
        except Exception as exc:  # malformed RLP or the wrong shape anywhere inside
            raise BatchError(f"malformed batch: {exc}") from None


def _int(value: object) -> int:
    if not isinstance(value, bytes) or (value[:1] == b"\0"):
        raise BatchError("integers are minimal big-endian byte strings")
    return int.from_bytes(value, "big")


def _hash(value: object) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise BatchError("hashes are 32 bytes")
    return value
