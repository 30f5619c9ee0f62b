"""Persistent quarantine records (SQLite), with the fields of DESIGN §2."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_hash.auto import keccak

from seqguard.inspection import Finding, Verdict
from seqguard.storage.sqlite import ThreadConnections
from seqguard.types import Tx

STATUSES = ("quarantined", "released", "rejected", "expired", "dropped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quarantine (
    hash           BLOB PRIMARY KEY,
    sender         BLOB NOT NULL,
    recipient      BLOB,
    nonce          INTEGER NOT NULL,
    raw            BLOB NOT NULL,
    status         TEXT NOT NULL,
    detectors      TEXT NOT NULL,
    reason         TEXT NOT NULL,
    score          REAL NOT NULL,
    loss_wei       TEXT NOT NULL,
    quarantined_at REAL NOT NULL,
    expires_at     REAL,
    released_at    REAL,
    released_by    TEXT,
    release_reason TEXT,
    seq            INTEGER NOT NULL,
    call_key       BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS quarantine_by_call ON quarantine (call_key, status);
CREATE INDEX IF NOT EXISTS quarantine_by_status ON quarantine (status, seq);
CREATE INDEX IF NOT EXISTS quarantine_by_sender ON quarantine (sender, seq);
CREATE TABLE IF NOT EXISTS audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     REAL NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS policy (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS findings (
    hash     BLOB NOT NULL,
    at       REAL NOT NULL,
    block    INTEGER NOT NULL,
    detector TEXT NOT NULL,
    reason   TEXT NOT NULL,
    score    REAL NOT NULL,
    loss_wei TEXT NOT NULL,
    acted    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_by_hash ON findings (hash);
CREATE TABLE IF NOT EXISTS traces (hash BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
"""

#: traces larger than this (compressed) are not kept; the tx page replays mined ones
MAX_TRACE_BYTES = 4 * 1024 * 1024


class QuarantineError(ValueError):
    """An operator action that does not apply to the record (unknown, wrong status)."""


@dataclass(slots=True)
class QuarantineRecord:
    hash: bytes
    sender: bytes
    to: bytes | None
    nonce: int
    raw: bytes
    status: str
    detectors: list[str]
    reason: str
    score: float
    estimated_loss_wei: int
    quarantined_at: float
    expires_at: float | None
    released_at: float | None
    released_by: str | None
    release_reason: str | None
    seq: int
    false_positive: bool = False  # an operator marked the hold as a mistake

    def to_json(self) -> dict[str, Any]:
        """The record as ``seqguard_getQuarantine`` answers it."""
        return {
            "hash": "0x" + self.hash.hex(),
            "from": "0x" + self.sender.hex(),
            "to": "0x" + self.to.hex() if self.to is not None else None,
            "nonce": hex(self.nonce),
            "status": self.status,
            "detectors": self.detectors,
            "reason": self.reason,
            "score": self.score,
            "estimatedLossWei": hex(self.estimated_loss_wei),
            "quarantinedAt": int(self.quarantined_at),
            "expiresAt": int(self.expires_at) if self.expires_at is not None else None,
            "releasedAt": int(self.released_at) if self.released_at is not None else None,
            "releasedBy": self.released_by,
            "releaseReason": self.release_reason,
            "falsePositive": self.false_positive,
        }


class QuarantineStore:
    """Safe from any thread; every write is one SQLite transaction."""

    def __init__(self, path: str | Path, *, expiry: float | None = None) -> None:
        self.path = str(path)
        self.expiry = expiry  # seconds a record stays held; None holds it until an operator acts
        self._connections = ThreadConnections(self.path)
        self._lock = threading.Lock()
        self._conn().executescript(_SCHEMA)
        columns = {row[1] for row in self._conn().execute("PRAGMA table_info(quarantine)")}
        if "false_positive" not in columns:  # data dirs from before the dashboard
            self._conn().execute(
                "ALTER TABLE quarantine ADD COLUMN false_positive INTEGER NOT NULL DEFAULT 0"
            )
        # hash -> call key of the records that refuse resubmission (held or rejected),
        # kept in memory so ingress asks SQLite only when there is a hit
        self._blocking: dict[bytes, bytes] = dict(
            self._conn().execute(
                "SELECT hash, call_key FROM quarantine WHERE status IN ('quarantined','rejected')"
            )
        )
        self._blocking_calls: Counter[bytes] = Counter(self._blocking.values())
        # fn() after any record is added or changes status (gauges, the dashboard's charts)
        self.listeners: list[Callable[[], None]] = []

    def _changed(self) -> None:
        for fn in self.listeners:
            fn()

    def _block(self, tx_hash: bytes, key: bytes) -> None:
        self._blocking[tx_hash] = key
        self._blocking_calls[key] += 1

    def _unblock(self, tx_hash: bytes) -> None:
        key = self._blocking.pop(tx_hash, None)
        if key is not None:
            self._blocking_calls[key] -= 1
            if self._blocking_calls[key] <= 0:
                del self._blocking_calls[key]

    def _conn(self) -> sqlite3.Connection:
        return self._connections.get()

    def hold(
        self, tx: Tx, verdict: Verdict, *, status: str = "quarantined", now: float | None = None
    ) -> QuarantineRecord:
        now = time.time() if now is None else now
        expires = now + self.expiry if self.expiry is not None else None
        with self._lock:
            conn = self._conn()
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM quarantine").fetchone()[0]
            conn.execute(
                "INSERT OR REPLACE INTO quarantine VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)",
                (
                    tx.hash, tx.sender, tx.to, tx.nonce, tx.raw, status,
                    json.dumps(verdict.detectors), verdict.reason, verdict.score,
                    str(verdict.estimated_loss_wei), now, expires, None, None, None, seq,
                    call_key(tx.sender, tx.to, tx.data),
                ),
            )  # fmt: skip
            self._block(tx.hash, call_key(tx.sender, tx.to, tx.data))
            self.audit("inspector", status, "0x" + tx.hash.hex(),
                       {"detectors": verdict.detectors, "reason": verdict.reason, "score": verdict.score},
                       now=now)  # fmt: skip
        self._changed()
        record = self.get(tx.hash)
        assert record is not None
        return record

    # -- operator actions and expiry -------------------------------------------------
    def _transition(
        self, tx_hash: bytes, status: str, by: str, reason: str, now: float | None
    ) -> QuarantineRecord:
        now = time.time() if now is None else now
        with self._lock:
            record = self.get(tx_hash)
            if record is None:
                raise QuarantineError(f"0x{tx_hash.hex()} was never quarantined")
            if record.status != "quarantined":
                raise QuarantineError(f"0x{tx_hash.hex()} is {record.status}, not quarantined")
            self._conn().execute(
                "UPDATE quarantine SET status=?, released_at=?, released_by=?, release_reason=? WHERE hash=?",
                (status, now, by, reason, tx_hash),
            )
            if status != "rejected":
                self._unblock(tx_hash)
            self.audit(by, status, "0x" + tx_hash.hex(), {"reason": reason}, now=now)
        self._changed()
        updated = self.get(tx_hash)
        assert updated is not None
        return updated

    def release(
        self, tx_hash: bytes, *, by: str, reason: str, now: float | None = None
    ) -> QuarantineRecord:
        return self._transition(tx_hash, "released", by, reason, now)

    def reject(
        self, tx_hash: bytes, *, by: str, reason: str, now: float | None = None
    ) -> QuarantineRecord:
        return self._transition(tx_hash, "rejected", by, reason, now)

    def drop(self, tx_hash: bytes, *, reason: str, now: float | None = None) -> QuarantineRecord:
        return self._transition(tx_hash, "dropped", "sequencer", reason, now)

    def extend(
        self,
        tx_hash: bytes,
        seconds: float | None,
        *,
        by: str,
        reason: str,
        now: float | None = None,
    ) -> QuarantineRecord:
        """Hold ``seconds`` longer from now (None: until an operator acts)."""
        now = time.time() if now is None else now
        with self._lock:
            record = self.get(tx_hash)
            if record is None or record.status != "quarantined":
                raise QuarantineError(f"0x{tx_hash.hex()} is not quarantined")
            expires = None if seconds is None else now + seconds
            self._conn().execute(
                "UPDATE quarantine SET expires_at=? WHERE hash=?", (expires, tx_hash)
            )
            self.audit(
                by,
                "extend",
                "0x" + tx_hash.hex(),
                {"reason": reason, "expiresAt": expires},
                now=now,
            )
        updated = self.get(tx_hash)
        assert updated is not None
        return updated

    def mark_false_positive(
        self, tx_hash: bytes, *, by: str, reason: str, now: float | None = None
    ) -> QuarantineRecord:
        """Label a hold as a mistake (whatever its status), for tuning and the record."""
        with self._lock:
            if self.get(tx_hash) is None:
                raise QuarantineError(f"0x{tx_hash.hex()} was never quarantined")
            self._conn().execute("UPDATE quarantine SET false_positive=1 WHERE hash=?", (tx_hash,))
            self.audit(by, "falsePositive", "0x" + tx_hash.hex(), {"reason": reason}, now=now)
        updated = self.get(tx_hash)
        assert updated is not None
        return updated

    def due(self, now: float | None = None) -> list[QuarantineRecord]:
        """Held records whose expiry has passed."""
        now = time.time() if now is None else now
        rows = (
            self._conn()
            .execute(
                "SELECT * FROM quarantine WHERE status='quarantined' AND expires_at IS NOT NULL AND expires_at<=?",
                (now,),
            )
            .fetchall()
        )
        return [_record(r) for r in rows]

    def expire(self, tx_hash: bytes, *, now: float | None = None) -> QuarantineRecord:
        return self._transition(tx_hash, "expired", "expiry", "quarantine period ended", now)

    # -- run-time policy (detector settings, invariants, lists) ---------------------
    def save_policy(self, key: str, value: Any) -> None:
        """Keep an operator's run-time change so a restart does not undo it; ``None`` forgets."""
        if value is None:
            self._conn().execute("DELETE FROM policy WHERE key=?", (key,))
        else:
            self._conn().execute(
                "INSERT OR REPLACE INTO policy VALUES (?, ?)", (key, json.dumps(value))
            )

    def policy(self) -> dict[str, Any]:
        rows = self._conn().execute("SELECT key, value FROM policy ORDER BY key").fetchall()
        return {key: json.loads(value) for key, value in rows}

    # -- what inspection found (acted on or only noted), and the trace it judged -----
    def record_findings(
        self,
        tx_hash: bytes,
        block: int,
        findings: list[tuple[Finding, bool]],
        trace: dict[str, Any] | None,
        *,
        now: float | None = None,
    ) -> None:
        now = time.time() if now is None else now
        conn = self._conn()
        conn.execute("DELETE FROM findings WHERE hash=?", (tx_hash,))  # judged again on release
        conn.executemany(
            "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    tx_hash,
                    now,
                    block,
                    f.detector,
                    f.reason,
                    f.score,
                    str(f.estimated_loss_wei),
                    acted,
                )
                for f, acted in findings
            ],
        )
        if trace is not None:
            data = zlib.compress(json.dumps(trace, separators=(",", ":")).encode(), 6)
            if len(data) <= MAX_TRACE_BYTES:
                conn.execute("INSERT OR REPLACE INTO traces VALUES (?, ?)", (tx_hash, data))

    def findings(self, tx_hash: bytes) -> list[dict[str, Any]]:
        rows = self._conn().execute(
            "SELECT at, block, detector, reason, score, loss_wei, acted FROM findings "
            "WHERE hash=? ORDER BY rowid",
            (tx_hash,),
        )
        return [
            {
                "detector": detector,
                "reason": reason,
                "score": score,
                "estimatedLossWei": hex(int(loss)),
                "acted": bool(acted),
                "block": hex(block),
                "at": int(at),
            }
            for at, block, detector, reason, score, loss, acted in rows
        ]

    def trace(self, tx_hash: bytes) -> dict[str, Any] | None:
        """The trace the detectors judged, if it was kept."""
        row = self._conn().execute("SELECT data FROM traces WHERE hash=?", (tx_hash,)).fetchone()
        return json.loads(zlib.decompress(row[0])) if row else None

    # -- audit log ------------------------------------------------------------------
    def audit(
        self,
        actor: str,
        action: str,
        target: str | None,
        detail: dict[str, Any],
        *,
        now: float | None = None,
    ) -> None:
        self._conn().execute(
            "INSERT INTO audit (at, actor, action, target, detail) VALUES (?,?,?,?,?)",
            (time.time() if now is None else now, actor, action, target, json.dumps(detail)),
        )

    def audit_log(self, *, limit: int = 100, before: int | None = None) -> list[dict[str, Any]]:
        rows = (
            self._conn()
            .execute(
                "SELECT id, at, actor, action, target, detail FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?",
                (before if before is not None else 2**62, limit),
            )
            .fetchall()
        )
        return [
            {
                "id": i,
                "at": at,
                "actor": actor,
                "action": action,
                "target": target,
                "detail": json.loads(detail),
            }
            for i, at, actor, action, target, detail in rows
        ]

    def get(self, tx_hash: bytes) -> QuarantineRecord | None:
        row = self._conn().execute("SELECT * FROM quarantine WHERE hash=?", (tx_hash,)).fetchone()
        return _record(row) if row else None

    def blocking(self, tx_hash: bytes) -> QuarantineRecord | None:
        """The record if ``tx_hash`` is held or rejected (a resubmission is refused)."""
        return self.get(tx_hash) if tx_hash in self._blocking else None

    def held_call(self, sender: bytes, to: bytes | None, data: bytes) -> QuarantineRecord | None:
        """A held or rejected record of the same call (sender, target, calldata)."""
        key = call_key(sender, to, data)
        if key not in self._blocking_calls:
            return None
        row = (
            self._conn()
            .execute(
                "SELECT * FROM quarantine WHERE call_key=? AND status IN ('quarantined','rejected') LIMIT 1",
                (key,),
            )
            .fetchone()
        )
        return _record(row) if row else None

    def list(
        self,
        *,
        status: str | None = None,
        sender: bytes | None = None,
        address: bytes | None = None,
        limit: int = 100,
        cursor: int | None = None,
    ) -> tuple[list[QuarantineRecord], int | None]:
        """Newest first; ``cursor`` is the ``seq`` to continue below.

        ``address`` matches the sender or the target."""
        where, args = ["1=1"], []  # type: ignore[var-annotated]
        if status is not None:
            where.append("status=?")
            args.append(status)
        if sender is not None:
            where.append("sender=?")
            args.append(sender)
        if address is not None:
            where.append("(sender=? OR recipient=?)")
            args.extend((address, address))
        if cursor is not None:
            where.append("seq<?")
            args.append(cursor)
        rows = (
            self._conn()
            .execute(
                f"SELECT * FROM quarantine WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
                (*args, limit + 1),
            )
            .fetchall()
        )
        records = [_record(r) for r in rows[:limit]]
        more = records[-1].seq if len(rows) > limit else None
        return records, more

    def count(self, status: str = "quarantined") -> int:
        return (
            self._conn()
            .execute("SELECT COUNT(*) FROM quarantine WHERE status=?", (status,))
            .fetchone()[0]
        )

    def counts(self) -> dict[str, int]:
        """Records per status (every status present, zero included)."""
        rows = self._conn().execute("SELECT status, COUNT(*) FROM quarantine GROUP BY status")
        return {**dict.fromkeys(STATUSES, 0), **dict(rows.fetchall())}

    def close(self) -> None:
        self._connections.close()


def call_key(sender: bytes, to: bytes | None, data: bytes) -> bytes:
    """Identifies "the same call": a resubmission with another nonce or fee has it too."""
    return keccak(sender + (to or b"") + b"|" + data)


def _record(row: tuple) -> QuarantineRecord:
    (h, sender, to, nonce, raw, status, detectors, reason, score, loss, at, expires,
     released_at, released_by, release_reason, seq, _, false_positive) = row  # fmt: skip
    return QuarantineRecord(h, sender, to, nonce, raw, status, json.loads(detectors), reason,
                            score, int(loss), at, expires, released_at, released_by,
                            release_reason, seq, bool(false_positive))  # fmt: skip
