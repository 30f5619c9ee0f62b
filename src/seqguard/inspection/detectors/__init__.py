"""Detectors, one per file; ``default_detectors`` builds the node's set from its config."""

from __future__ import annotations

from seqguard.inspection.base import Detector
from seqguard.inspection.detectors.lists import DenyList
from seqguard.inspection.detectors.privileged import PrivilegedChange
from seqguard.inspection.detectors.reentrancy import Reentrancy


def default_detectors(
    *, deny_senders: set[bytes], deny_recipients: set[bytes], deny_contracts: set[bytes]
) -> list[Detector]:
    return [
        DenyList(senders=deny_senders, recipients=deny_recipients, contracts=deny_contracts),
        Reentrancy(),
        PrivilegedChange(),
    ]


__all__ = ["DenyList", "PrivilegedChange", "Reentrancy", "default_detectors"]
