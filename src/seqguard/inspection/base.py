"""The detector interface, findings and verdicts."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from seqguard.trace import Trace
from seqguard.types import Creation

ALLOW, QUARANTINE, REJECT = "allow", "quarantine", "reject"
ACTIONS = (ALLOW, QUARANTINE, REJECT)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a detector saw, in a sentence an operator can act on."""

    detector: str
    reason: str
    score: float  # 0..1, how sure the detector is
    estimated_loss_wei: int = 0


def _no_storage(address: bytes, slot: int) -> int:
    return 0


def _no_balance(address: bytes) -> int:
    return 0


def _no_call(to: bytes, data: bytes) -> bytes | None:
    return None


def _no_creator(address: bytes) -> Creation | None:
    return None


BALANCE_OF = bytes.fromhex("70a08231")  # balanceOf(address)
OWNER = bytes.fromhex("8da5cb5b")  # owner()


@dataclass(slots=True)
class Context:
    """Read-only facts a detector may use besides the trace, for one transaction.

    ``storage(address, slot)`` and ``balance(address)`` read the state right after
    the transaction (what the trace does not list as changed was the same before);
    ``call(to, data)`` runs a read-only call on that state (``None`` if it fails);
    ``creator(address)`` says who deployed a contract, from the chain's history;
    ``recent`` remembers swaps of recently included transactions.
    """

    block_number: int
    timestamp: int
    storage: Callable[[bytes, int], int] = _no_storage
    balance: Callable[[bytes], int] = _no_balance
    call: Callable[[bytes, bytes], bytes | None] = _no_call
    creator: Callable[[bytes], Creation | None] = _no_creator
    recent: Any = None  # the builder's memory of recent swaps (history.Recent), if any
    extra: dict[str, Any] = field(default_factory=dict)
    _memo: dict[tuple[bytes, bytes], bytes | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # several detectors ask who made the same contracts; remotely each answer is RPCs
        self.creator = cache(self.creator)

    def cached_call(self, to: bytes, data: bytes) -> bytes | None:
        key = (to, data)
        if key not in self._memo:
            self._memo[key] = self.call(to, data)
        return self._memo[key]

    def call_uint(self, to: bytes, data: bytes) -> int | None:
        out = self.cached_call(to, data)
        return int.from_bytes(out[:32], "big") if out is not None and len(out) >= 32 else None

    def token_balance(self, token: bytes, holder: bytes) -> int | None:
        """``token.balanceOf(holder)`` after the transaction, or None if it cannot be read."""
        return self.call_uint(token, BALANCE_OF + holder.rjust(32, b"\0"))

    def owner_of(self, contract: bytes) -> bytes | None:
        """What ``contract.owner()`` answers after the transaction, if it has one."""
        value = self.call_uint(contract, OWNER)
        return None if not value or value >> 160 else value.to_bytes(20, "big")


@dataclass(slots=True)
class DetectorSettings:
    """Run-time settings of one detector: whether it runs, what its findings do."""

    enabled: bool = True
    action: str = QUARANTINE
    threshold: float = 0.5  # findings scoring below it are recorded, not acted on


@dataclass(frozen=True, slots=True)
class Verdict:
    action: str
    findings: tuple[Finding, ...] = ()  # the ones acted on
    noted: tuple[Finding, ...] = ()  # below threshold or action allow: recorded, not acted on

    @property
    def reason(self) -> str:
        return "; ".join(f"{f.detector}: {f.reason}" for f in self.findings)

    @property
    def score(self) -> float:
        return max((f.score for f in self.findings), default=0.0)

    @property
    def estimated_loss_wei(self) -> int:
        return max((f.estimated_loss_wei for f in self.findings), default=0)

    @property
    def detectors(self) -> list[str]:
        return list(dict.fromkeys(f.detector for f in self.findings))


class Detector(ABC):
    """A pure unit: ``(trace, context) -> findings``. Subclasses name the attack they
    catch and a real incident in their module docstring."""

    name: str
    default_threshold: float = 0.5  # findings below it are recorded, not acted on

    @abstractmethod
    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        """Findings about ``trace``; an empty list when nothing looks wrong."""
