"""Compiled test and benchmark contracts, shipped as package data.

The Solidity sources are in ``contracts/*.sol`` at the repository root; ``make contracts``
recompiles them with npm solc 0.8.24 (``scripts/compile_contracts.js``) into one JSON
artifact per contract beside this file. ``abi`` encodes calls and constructor arguments
from the artifacts.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["artifact_names", "load_artifact"]


@cache
def _load(name: str) -> dict[str, Any]:
    path = resources.files(__name__).joinpath(f"{name}.json")
    if not path.is_file():
        raise KeyError(f"no compiled contract named {name!r}; known: {artifact_names()}")
    return json.loads(path.read_text(encoding="utf-8"))


def load_artifact(name: str) -> dict[str, Any]:
    """Return ``{"abi", "bytecode", "deployedBytecode", ...}`` of the contract ``name``.

    ``bytecode`` and ``deployedBytecode`` are 0x-prefixed hex strings. The dict is a fresh
    copy, so callers may change it.
    """
    return json.loads(json.dumps(_load(name)))


def artifact_names() -> list[str]:
    """Names of every compiled contract shipped with the package."""
    return sorted(
        p.name[: -len(".json")]
        for p in resources.files(__name__).iterdir()
        if p.name.endswith(".json")
    )
