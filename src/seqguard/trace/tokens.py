"""Token movements decoded from logs: ERC-20, ERC-721 and ERC-1155 transfers."""

from __future__ import annotations

from collections.abc import Iterable

from eth_hash.auto import keccak

from seqguard.trace.model import TokenTransfer, TraceLog

TRANSFER = keccak(b"Transfer(address,address,uint256)")
TRANSFER_SINGLE = keccak(b"TransferSingle(address,address,address,uint256,uint256)")
TRANSFER_BATCH = keccak(b"TransferBatch(address,address,address,uint256[],uint256[])")


def _address(topic: bytes) -> bytes:
    return topic[12:]


def _words(data: bytes) -> list[int]:
    return [
        int.from_bytes(data[i : i + 32], "big") for i in range(0, len(data) - len(data) % 32, 32)
    ]


def _uint_array(data: bytes, offset: int) -> list[int]:
    words = _words(data)
    start = offset // 32
    if offset % 32 or start >= len(words):
        raise ValueError("bad array offset")
    length = words[start]
    if start + 1 + length > len(words):
        raise ValueError("bad array length")
    return words[start + 1 : start + 1 + length]


def decode_transfers(logs: Iterable[TraceLog]) -> list[TokenTransfer]:
    """Every token transfer the logs announce; malformed events are skipped."""
    out: list[TokenTransfer] = []
    for log in logs:
        topics = log.topics
        if not topics:
            continue
        t0 = topics[0]
        if t0 == TRANSFER and len(topics) == 3 and len(log.data) == 32:
            out.append(TokenTransfer("ERC20", log.address, _address(topics[1]), _address(topics[2]),
                                     int.from_bytes(log.data, "big"), None, log.index))  # fmt: skip
        elif t0 == TRANSFER and len(topics) == 4 and not log.data:
            out.append(TokenTransfer("ERC721", log.address, _address(topics[1]), _address(topics[2]),
                                     1, int.from_bytes(topics[3], "big"), log.index))  # fmt: skip
        elif t0 == TRANSFER_SINGLE and len(topics) == 4 and len(log.data) == 64:
            token_id, amount = _words(log.data)
            out.append(TokenTransfer("ERC1155", log.address, _address(topics[2]), _address(topics[3]),
                                     amount, token_id, log.index))  # fmt: skip
        elif t0 == TRANSFER_BATCH and len(topics) == 4 and len(log.data) >= 128:
            try:
                head = _words(log.data[:64])
                ids, amounts = _uint_array(log.data, head[0]), _uint_array(log.data, head[1])
            except ValueError:
                continue
            if len(ids) != len(amounts):
                continue
            for token_id, amount in zip(ids, amounts, strict=True):
                out.append(TokenTransfer("ERC1155", log.address, _address(topics[2]),
                                         _address(topics[3]), amount, token_id, log.index))  # fmt: skip
    return out
