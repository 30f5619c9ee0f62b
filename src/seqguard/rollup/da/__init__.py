"""Data-availability layers behind one interface (``base.DataAvailability``)."""

from seqguard.rollup.da.base import (
    CONFIRMED,
    MISSING,
    PENDING,
    CorruptData,
    DAError,
    DataAvailability,
    Output,
    Posting,
    Refused,
    StalePosting,
)

__all__ = [
    "CONFIRMED",
    "MISSING",
    "PENDING",
    "CorruptData",
    "DAError",
    "DataAvailability",
    "Output",
    "Posting",
    "Refused",
    "StalePosting",
]
