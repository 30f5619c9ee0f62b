"""The trace: the one contract between execution and detection (DESIGN §3).

Detectors never see py-evm. They see a :class:`Trace`, which any engine can
produce: our py-evm tracer (:mod:`seqguard.trace.pyevm`), or a geth/anvil
``callTracer`` + ``prestateTracer`` diff (:mod:`seqguard.trace.geth`).
"""

from seqguard.trace.model import (
    BalanceDelta,
    Frame,
    StorageWrite,
    TokenTransfer,
    Trace,
    TraceLog,
    TxInfo,
)

__all__ = ["BalanceDelta", "Frame", "StorageWrite", "TokenTransfer", "Trace", "TraceLog", "TxInfo"]
