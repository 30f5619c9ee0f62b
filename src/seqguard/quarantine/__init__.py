"""Quarantine: transactions held by inspection, with their full history."""

from seqguard.quarantine.store import STATUSES, QuarantineError, QuarantineRecord, QuarantineStore

__all__ = ["STATUSES", "QuarantineError", "QuarantineRecord", "QuarantineStore"]
