"""What the node did lately, kept in memory for the dashboard.

Prometheus keeps totals; a person watching the quarantine wants a feed of the
last transactions judged and charts of the last hour. This module keeps both:
a ring of recent inspections and fixed-width time buckets (transactions,
verdicts, detector hits, inspection latency, quarantine size). Nothing here is
persisted: after a restart the charts start empty, the records do not.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seqguard.builder.builder import BuiltBlock, Inspected

#: latency samples kept per bucket (reservoir): enough for a p99
SAMPLES_PER_BUCKET = 2000


def _hex(value: bytes | None) -> str | None:
    return None if value is None else "0x" + value.hex()


def inspection_json(item: Inspected, block: int | None, at: float) -> dict[str, Any]:
    """One line of the live feed."""
    verdict = item.verdict
    tx = item.tx
    return {
        "hash": _hex(tx.hash),
        "from": _hex(tx.sender),
        "to": _hex(tx.to),
        "action": verdict.action,
        "detectors": verdict.detectors,
        "noted": list(dict.fromkeys(f.detector for f in verdict.noted)),
        "reason": verdict.reason,
        "score": verdict.score,
        "estimatedLossWei": hex(verdict.estimated_loss_wei),
        "latencyMs": round(item.seconds * 1000, 3),
        "block": None if block is None else hex(block),
        "at": at,
    }


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(slots=True)
class _Bucket:
    index: int  # start time // bucket width
    blocks: int = 0
    txs: int = 0  # included in a block
    inspected: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)  # findings acted on, by detector
    noted: Counter[str] = field(default_factory=Counter)  # findings only recorded
    latencies: list[float] = field(default_factory=list)  # ms, a reservoir sample
    seen: int = 0  # latencies offered to the reservoir
    quarantined: int | None = None  # records held at the end of the bucket

    def sample(self, value: float, rng: random.Random) -> None:
        self.seen += 1
        if len(self.latencies) < SAMPLES_PER_BUCKET:
            self.latencies.append(value)
        else:
            j = rng.randrange(self.seen)
            if j < SAMPLES_PER_BUCKET:
                self.latencies[j] = value


class Activity:
    """Recent inspections and per-interval statistics. Safe from any thread."""

    def __init__(
        self,
        *,
        bucket_seconds: float = 5.0,
        buckets: int = 720,  # one hour at 5 s
        recent: int = 500,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bucket_seconds = bucket_seconds
        self.clock = clock
        self._buckets: deque[_Bucket] = deque(maxlen=buckets)
        self._recent: deque[dict[str, Any]] = deque(maxlen=recent)
        self._totals: Counter[str] = Counter()
        self._hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._rng = random.Random(0)
        self.started = clock()

    def _bucket(self, now: float) -> _Bucket:
        index = int(now // self.bucket_seconds)
        if not self._buckets or self._buckets[-1].index < index:
            self._buckets.append(_Bucket(index))
        return self._buckets[-1]

    def record(self, built: BuiltBlock, *, sealed: bool = True) -> list[dict[str, Any]]:
        """Count one build (a block, and/or held transactions).

        Returns the feed lines it adds: the last ``recent`` inspections only, since a
        10,000-transaction block would push out all but those anyway."""
        now = self.clock()
        block = built.block.number if sealed else None
        tail = built.inspected[-(self._recent.maxlen or 1) :]
        lines = [inspection_json(item, block if item.verdict.action == "allow" else None, now)
                 for item in tail]  # fmt: skip
        with self._lock:
            bucket = self._bucket(now)
            if sealed:
                bucket.blocks += 1
                bucket.txs += len(built.txs)
                self._totals["blocks"] += 1
                self._totals["txs"] += len(built.txs)
            for item in built.inspected:
                verdict = item.verdict
                bucket.inspected += 1
                bucket.verdicts[verdict.action] += 1
                self._totals[verdict.action] += 1
                bucket.sample(item.seconds * 1000, self._rng)
                if verdict.findings or verdict.noted:
                    for name in verdict.detectors:
                        bucket.hits[name] += 1
                        self._hits[name] += 1
                    for finding in verdict.noted:
                        bucket.noted[finding.detector] += 1
            self._recent.extend(lines)
        return lines

    def note_quarantine(self, quarantined: int) -> None:
        """The quarantine's size changed (a hold, release, reject, expiry, drop)."""
        with self._lock:
            self._bucket(self.clock()).quarantined = quarantined

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        """The last ``limit`` inspections, newest first."""
        with self._lock:
            items = list(self._recent)[-limit:]
        return items[::-1]

    def stats(self, seconds: float = 3600) -> dict[str, Any]:
        """Buckets of the last ``seconds`` (oldest first, empty intervals included)."""
        now = self.clock()
        width = self.bucket_seconds
        last = int(now // width)
        # nothing before the node started: the charts begin there
        first = max(last - max(1, int(seconds // width)) + 1, int(self.started // width))
        with self._lock:
            by_index = {b.index: b for b in self._buckets if b.index >= first}
            totals = dict(self._totals)
            hits = dict(self._hits)
            before = [b.quarantined for b in self._buckets if b.index < first]
        known = [q for q in before if q is not None]
        held = known[-1] if known else None
        series = []
        for index in range(first, last + 1):
            b = by_index.get(index)
            if b is not None and b.quarantined is not None:
                held = b.quarantined
            series.append(
                {
                    "t": int(index * width),
                    "blocks": b.blocks if b else 0,
                    "txs": b.txs if b else 0,
                    "tps": round((b.txs if b else 0) / width, 3),
                    "inspected": b.inspected if b else 0,
                    "verdicts": dict(b.verdicts) if b else {},
                    "hits": dict(b.hits) if b else {},
                    "noted": dict(b.noted) if b else {},
                    "p50Ms": _percentile(b.latencies, 0.50) if b else None,
                    "p99Ms": _percentile(b.latencies, 0.99) if b else None,
                    "quarantined": held,
                }
            )
        return {
            "bucketSeconds": width,
            "since": int(self.started),
            "now": now,
            "buckets": series,
            "totals": totals,
            "hits": hits,
        }
