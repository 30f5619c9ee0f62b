"""Data-availability layers behind one interface (``base.DataAvailability``)."""

from seqguard.rollup.da.base import (
    CONFIRMED,
    MISSING,
    PENDING,
    DAError,
    DataAvailability,
    Output,
    Posting,
    StalePosting,
)

__all__ = [
    "CONFIRMED",
    "MISSING",
    "PENDING",
    "DAError",
    "DataAvailability",
    "Output",
    "Posting",
    "StalePosting",
]
