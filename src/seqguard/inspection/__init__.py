"""Inspection: detectors judge each executed transaction's trace; a policy decides.

The builder executes a candidate in a snapshot, hands its :class:`Trace` to the
:class:`Inspector`, and commits (allow) or reverts the snapshot (quarantine,
reject). Detectors are small pure units, each in its own file under
``detectors/``.
"""

from seqguard.inspection.base import (
    ALLOW,
    QUARANTINE,
    REJECT,
    Context,
    Creation,
    Detector,
    DetectorSettings,
    Finding,
    Verdict,
)
from seqguard.inspection.inspector import Inspector

__all__ = [
    "ALLOW",
    "QUARANTINE",
    "REJECT",
    "Context",
    "Creation",
    "Detector",
    "DetectorSettings",
    "Finding",
    "Inspector",
    "Verdict",
]
