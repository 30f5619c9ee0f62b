"""The detector interface, findings and verdicts."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from seqguard.trace import Trace

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


@dataclass(slots=True)
class Context:
    """Read-only facts a detector may use besides the trace.

    ``storage(address, slot)`` and ``balance(address)`` read the state right after
    the transaction (what the trace does not list as changed was the same before).
    """

    block_number: int
    timestamp: int
    storage: Callable[[bytes, int], int] = _no_storage
    balance: Callable[[bytes], int] = _no_balance
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class DetectorSettings:
    """Run-time settings of one detector: whether it runs, what its findings do."""

    enabled: bool = True
    action: str = QUARANTINE
    threshold: float = 0.5  # findings scoring below it are recorded, not acted on


@dataclass(frozen=True, slots=True)
class Verdict:
    action: str
    findings: tuple[Finding, ...] = ()

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

    @abstractmethod
    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        """Findings about ``trace``; an empty list when nothing looks wrong."""
