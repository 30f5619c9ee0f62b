"""Detectors, one per file; ``default_detectors`` builds the node's set from its config."""

from __future__ import annotations

from collections.abc import Iterable

from seqguard.inspection.base import Detector
from seqguard.inspection.detectors.flashloan import FlashLoanManipulation
from seqguard.inspection.detectors.fresh import FreshAttackerContract
from seqguard.inspection.detectors.invariants import Invariant, InvariantError, Invariants
from seqguard.inspection.detectors.lists import DenyList
from seqguard.inspection.detectors.outflow import AbnormalOutflow
from seqguard.inspection.detectors.privileged import PrivilegedChange
from seqguard.inspection.detectors.reentrancy import Reentrancy
from seqguard.inspection.detectors.risk_model import RiskModel
from seqguard.inspection.detectors.sandwich import Sandwich
from seqguard.inspection.detectors.zero_shares import ZeroShareDeposit
from seqguard.inspection.model import load_model


def default_detectors(
    *,
    deny_senders: Iterable[bytes] = (),
    deny_recipients: Iterable[bytes] = (),
    deny_contracts: Iterable[bytes] = (),
    invariants: Iterable[Invariant] = (),
    include_model: bool = True,
    model_path: str | None = None,
) -> list[Detector]:
    """The rule detectors, and the learned risk model when one is shipped (or given)."""
    detectors: list[Detector] = [
        DenyList(
            senders=set(deny_senders),
            recipients=set(deny_recipients),
            contracts=set(deny_contracts),
        ),
        Reentrancy(),
        PrivilegedChange(),
        FlashLoanManipulation(),
        AbnormalOutflow(),
        FreshAttackerContract(),
        Invariants(invariants),
        Sandwich(),
        ZeroShareDeposit(),
    ]
    model = load_model(model_path) if include_model else None
    if model is not None:
        detectors.append(RiskModel(model))
    return detectors


__all__ = [
    "AbnormalOutflow",
    "DenyList",
    "FlashLoanManipulation",
    "FreshAttackerContract",
    "Invariant",
    "InvariantError",
    "Invariants",
    "PrivilegedChange",
    "Reentrancy",
    "RiskModel",
    "Sandwich",
    "ZeroShareDeposit",
    "default_detectors",
]
