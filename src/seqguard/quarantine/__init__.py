"""Quarantine: transactions held by inspection, with their full history."""

from seqguard.quarantine.store import STATUSES, QuarantineRecord, QuarantineStore

__all__ = ["STATUSES", "QuarantineRecord", "QuarantineStore"]
