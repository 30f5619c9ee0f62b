"""Protocol invariants: view calls an operator registers per contract, that must hold
after every transaction touching it (Phylax-style assertions).

Attack: many exploits break a property the protocol's authors took for granted
without tripping any generic pattern: Euler Finance (March 2023, $197M) let an
account donate its collateral away and leave itself insolvent; DFX Finance
(November 2022, $7.5M) accepted a flash loan "repaid" by a deposit, so its assets
no longer covered its shares. The people who run a protocol know such
properties ("assets cover shares", "borrows never exceed deposits") and can state
them as view calls; checking them after each transaction stops the exploit the
moment it breaks one, whatever the bug was.

An invariant is ``<call> <op> <call or number>`` or a single ``<call>`` that must
be non-zero, where a call is a view function of the contract with literal
arguments (``totalAssets()``, ``balanceOf(0x…)``, ``healthy(42)``) or raw calldata
(``0x…``) returning a uint256 or bool, and ``op`` is one of ``>= <= > < == !=``.
It is checked after every transaction that touches the contract (a call, a
balance or storage change, a token transfer); a violation, or a view that
reverts, quarantines the transaction with the invariant named in the reason.
"""

from __future__ import annotations

import operator
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from eth_abi import encode as abi_encode
from eth_hash.auto import keccak

from seqguard.inspection.base import Context, Detector, Finding
from seqguard.trace import Trace

OPS: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_CALL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$")
_SPLIT = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*")


class InvariantError(ValueError):
    """An invariant that cannot be parsed; the message says what to write instead."""


def encode_call(text: str) -> bytes:
    """Calldata for ``name(arg, ...)`` with literal arguments, or raw ``0x`` calldata."""
    text = text.strip()
    if re.fullmatch(r"0x([0-9a-fA-F]{2})+", text):
        return bytes.fromhex(text[2:])
    match = _CALL.match(text)
    if not match:
        raise InvariantError(f"{text!r} is not a view call like totalAssets() or balanceOf(0x…)")
    name, raw_args = match.groups()
    types, values = [], []
    for arg in filter(None, (a.strip() for a in raw_args.split(","))):
        if re.fullmatch(r"0x[0-9a-fA-F]{40}", arg):
            types.append("address")
            values.append(arg)
        elif re.fullmatch(r"\d+", arg):
            types.append("uint256")
            values.append(int(arg))
        elif arg in ("true", "false"):
            types.append("bool")
            values.append(arg == "true")
        else:
            raise InvariantError(f"argument {arg!r}: use an address, a number, true or false")
    selector = keccak(f"{name}({','.join(types)})".encode())[:4]
    return selector + abi_encode(types, values)


@dataclass(frozen=True, slots=True)
class Invariant:
    name: str
    contract: bytes
    expression: str
    lhs: bytes
    op: str
    rhs: bytes | int

    @classmethod
    def parse(cls, name: str, contract: bytes, expression: str) -> Invariant:
        if not name or len(name) > 100:
            raise InvariantError("an invariant needs a name of 1 to 100 characters")
        if len(contract) != 20:
            raise InvariantError("the contract must be a 20-byte address")
        parts = _SPLIT.split(expression.strip(), maxsplit=1)
        if len(parts) == 1:
            return cls(name, contract, expression.strip(), encode_call(parts[0]), "!=", 0)
        left, op, right = parts
        rhs: bytes | int = int(right) if re.fullmatch(r"\d+", right.strip()) else encode_call(right)
        return cls(name, contract, expression.strip(), encode_call(left), op, rhs)

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "contract": f"0x{self.contract.hex()}", "check": self.expression}


class Invariants(Detector):
    name = "invariant"

    def __init__(self, invariants: Iterable[Invariant] = ()) -> None:
        self._by_name: dict[str, Invariant] = {i.name: i for i in invariants}
        self._lock = threading.Lock()

    def add(self, invariant: Invariant) -> None:
        with self._lock:
            self._by_name[invariant.name] = invariant

    def remove(self, name: str) -> bool:
        with self._lock:
            return self._by_name.pop(name, None) is not None

    def all(self) -> list[Invariant]:
        return list(self._by_name.values())

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        invariants = self._by_name
        if not invariants or not trace.success:
            return []
        touched = _touched(trace)
        findings = []
        for inv in list(invariants.values()):
            if inv.contract not in touched:
                continue
            left = context.call_uint(inv.contract, inv.lhs)
            right = (
                inv.rhs if isinstance(inv.rhs, int) else context.call_uint(inv.contract, inv.rhs)
            )
            where = f"invariant {inv.name!r} of 0x{inv.contract.hex()} ({inv.expression})"
            if left is None or right is None:
                findings.append(
                    Finding(self.name, f"{where} could not be read: a view reverted", 0.7)
                )
            elif not OPS[inv.op](left, right):
                findings.append(
                    Finding(self.name, f"{where} is broken: {left} {inv.op} {right} is false", 1.0)
                )
        return findings


def _touched(trace: Trace) -> set[bytes]:
    touched = {f.address for f in trace.frames}
    touched.update(w.address for w in trace.storage_writes)
    touched.update(b.address for b in trace.balance_deltas)
    for t in trace.transfers:
        touched.update((t.sender, t.recipient))
    return touched
