"""Parsing of JSON-RPC arguments with geth's error messages (code -32602)."""

from __future__ import annotations

from typing import Any

from seqguard.errors import InvalidParams

BLOCK_TAGS = ("latest", "pending", "earliest", "safe", "finalized")


def _hexstr(value: Any, i: int, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidParams(
            f"invalid argument {i}: json: cannot unmarshal {_jstype(value)} into Go value of type {what}"
        )
    if not value.startswith(("0x", "0X")):
        raise InvalidParams(f"invalid argument {i}: hex string without 0x prefix")
    return value[2:]


def _jstype(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "string"


def quantity(value: Any, i: int = 0, *, bits: int = 256) -> int:
    digits = _hexstr(value, i, "hexutil.Big")
    if not digits:
        raise InvalidParams(f'invalid argument {i}: hex string "0x"')
    if len(digits) > 1 and digits[0] == "0":
        raise InvalidParams(f"invalid argument {i}: hex number with leading zero digits")
    try:
        n = int(digits, 16)
    except ValueError:
        raise InvalidParams(f"invalid argument {i}: invalid hex string") from None
    if n.bit_length() > bits:
        raise InvalidParams(f"invalid argument {i}: hex number > {bits} bits")
    return n


def data(value: Any, i: int = 0) -> bytes:
    digits = _hexstr(value, i, "hexutil.Bytes")
    if len(digits) % 2:
        raise InvalidParams(
            f"invalid argument {i}: json: cannot unmarshal hex string of odd length into Go value of type hexutil.Bytes"
        )
    try:
        return bytes.fromhex(digits)
    except ValueError:
        raise InvalidParams(f"invalid argument {i}: invalid hex string") from None


def fixed(value: Any, size: int, i: int, what: str) -> bytes:
    digits = _hexstr(value, i, what)
    if len(digits) != size * 2:
        raise InvalidParams(
            f"invalid argument {i}: hex string has length {len(digits)}, want {size * 2} for {what}"
        )
    try:
        return bytes.fromhex(digits)
    except ValueError:
        raise InvalidParams(f"invalid argument {i}: invalid hex string") from None


def address(value: Any, i: int = 0) -> bytes:
    return fixed(value, 20, i, "common.Address")


def hash32(value: Any, i: int = 0) -> bytes:
    return fixed(value, 32, i, "common.Hash")


def boolean(value: Any, i: int) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidParams(
            f"invalid argument {i}: json: cannot unmarshal {_jstype(value)} into Go value of type bool"
        )
    return value


def block_id(value: Any, i: int) -> int | str | bytes:
    """A block number, a tag, or (EIP-1898) a block hash. None means latest."""
    if value is None:
        return "latest"
    if isinstance(value, dict):
        if "blockHash" in value:
            return hash32(value["blockHash"], i)
        if "blockNumber" in value:
            return block_id(value["blockNumber"], i)
        raise InvalidParams(f"invalid argument {i}: types BlockNumber or BlockHash expected")
    if isinstance(value, str) and value in BLOCK_TAGS:
        return value
    if isinstance(value, str) and not value.startswith(("0x", "0X")):
        raise InvalidParams(f"invalid argument {i}: invalid block number or tag {value!r}")
    return quantity(value, i, bits=63)


def optional_object(value: Any, i: int) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidParams(
            f"invalid argument {i}: json: cannot unmarshal {_jstype(value)} into Go value of type object"
        )
    return value
