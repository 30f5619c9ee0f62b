"""ABI encoding for the shipped contracts, from their artifacts (no web3 needed)."""

from __future__ import annotations

from functools import cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_hash.auto import keccak

from seqguard.contracts import load_artifact


def _type(param: dict[str, Any]) -> str:
    """The canonical type of an ABI parameter, tuples spelled out: ``(address,bytes)[]``."""
    kind = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + kind[len("tuple") :]
    return kind


def signature(fn: dict[str, Any]) -> str:
    """``name(type,...)`` of an ABI function entry, whose keccak gives its selector."""
    return f"{fn['name']}({','.join(_type(p) for p in fn['inputs'])})"


@cache
def _abi(artifact: str) -> list[dict[str, Any]]:
    return load_artifact(artifact)["abi"]


def function(artifact: str, name: str, nargs: int) -> dict[str, Any]:
    for entry in _abi(artifact):
        if entry["type"] == "function" and entry["name"] == name and len(entry["inputs"]) == nargs:
            return entry
    raise KeyError(f"{artifact} has no function {name} with {nargs} arguments")


def _arg(kind: str, value: Any) -> Any:
    """Hex strings become bytes for ``bytes``/``bytesN`` parameters (nested ones too, when
    they are not 20-byte addresses); everything else is passed to eth_abi as it is."""
    if isinstance(value, str) and value.startswith("0x"):
        if kind.startswith("bytes") or (kind.startswith("(") and len(value) != 42):
            return bytes.fromhex(value[2:])
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_arg(kind, v) for v in value)
    return value


def encode_call(artifact: str, name: str, *args: Any) -> bytes:
    fn = function(artifact, name, len(args))
    types = [_type(p) for p in fn["inputs"]]
    selector = keccak(signature(fn).encode())[:4]
    return selector + abi_encode(types, [_arg(t, a) for t, a in zip(types, args, strict=True)])


def decode_output(artifact: str, name: str, nargs: int, data: bytes) -> tuple[Any, ...]:
    fn = function(artifact, name, nargs)
    return tuple(abi_decode([_type(p) for p in fn["outputs"]], data))


def encode_deploy(artifact: str, *args: Any) -> bytes:
    art = load_artifact(artifact)
    ctor = next((e for e in art["abi"] if e["type"] == "constructor"), None)
    types = [_type(p) for p in ctor["inputs"]] if ctor else []
    if len(types) != len(args):
        raise TypeError(f"{artifact}'s constructor takes {len(types)} arguments, not {len(args)}")
    return bytes.fromhex(art["bytecode"][2:]) + abi_encode(
        types, [_arg(t, a) for t, a in zip(types, args, strict=True)]
    )
