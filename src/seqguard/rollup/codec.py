"""Batch compression. The first byte of a compressed payload names its codec, so a
verifier reads batches written with any of them.

Measured on real batches (``seqguard bench --suite rollup``, README "Rollup"):
zstd at level 19 and brotli at 11 save the most; zstd is the default for its speed.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli
import zstandard

CODECS = ("none", "zlib", "brotli", "zstd")
DEFAULT = "zstd"
MAX_DECOMPRESSED = 64 * 1024 * 1024  # a batch larger than this is refused, not inflated


class CodecError(ValueError):
    """A payload that is not a batch we can decompress."""


def _zstd_decompress(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompress(data, max_output_size=MAX_DECOMPRESSED)


def _zlib_decompress(data: bytes) -> bytes:
    d = zlib.decompressobj()
    result = d.decompress(data, MAX_DECOMPRESSED + 1)
    if len(result) > MAX_DECOMPRESSED or d.unconsumed_tail:
        raise CodecError("decompressed batch too large")
    return result


def _brotli_decompress(data: bytes) -> bytes:
    d = brotli.Decompressor()
    result = d.process(data)
    if len(result) > MAX_DECOMPRESSED:
        raise CodecError("decompressed batch too large")
    return result


_COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "none": lambda b: b,
    "zlib": lambda b: zlib.compress(b, 9),
    "brotli": lambda b: brotli.compress(b, quality=11),
    "zstd": lambda b: zstandard.ZstdCompressor(level=19).compress(b),
}
_DECOMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "none": lambda b: b,
    "zlib": _zlib_decompress,
    "brotli": _brotli_decompress,
    "zstd": _zstd_decompress,
}


def compress(data: bytes, codec: str = DEFAULT) -> bytes:
    if codec not in _COMPRESS:
        raise ValueError(f"unknown codec {codec!r}; one of {', '.join(CODECS)}")
    return bytes([CODECS.index(codec)]) + _COMPRESS[codec](data)


def decompress(payload: bytes) -> bytes:
    if not payload or payload[0] >= len(CODECS):
        raise CodecError("unknown codec byte")
    try:
        return _DECOMPRESS[CODECS[payload[0]]](payload[1:])
    except CodecError:
        raise
    except Exception as exc:  # each library has its own error types for corrupt input
        raise CodecError(f"corrupt {CODECS[payload[0]]} data: {exc}") from None
