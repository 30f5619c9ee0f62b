"""The batcher: sealed L2 blocks to the data-availability layer, and output roots.

One round (``step``):

1. Every posting not yet confirmed is asked about; one the layer never saw is sent
   again with the same bytes (a stale L1 nonce gets the same content prepared anew).
   Until all are confirmed, nothing new is started: batches land in block order.
2. Otherwise the blocks after the last posted one (up to ``max_batch_blocks``) become
   one batch, compressed and split into frames; each frame's posting is stored in
   SQLite *before* it is sent, so a crash at any point is resumed by step 1 with no
   gap and no duplicate. An output root for the batch's last block follows every
   ``output_interval`` blocks.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from seqguard import metrics
from seqguard.chain import Chain
from seqguard.rollup import codec, frames
from seqguard.rollup.batch import Batch, BatchBlock, Exclusion
from seqguard.rollup.da.base import (
    CONFIRMED,
    MISSING,
    DAError,
    DataAvailability,
    Output,
    Posting,
    Refused,
    StalePosting,
)
from seqguard.storage.sqlite import ThreadConnections

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS postings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    payload     BLOB NOT NULL,
    content     BLOB NOT NULL,
    first_block INTEGER NOT NULL,
    last_block  INTEGER NOT NULL,
    confirmed   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS batcher (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class BatcherSettings:
    codec: str = codec.DEFAULT
    max_frame_bytes: int = 120_000
    max_batch_blocks: int = 500
    output_interval: int = 20
    interval: float = 2.0


def build_batch(chain: Chain, first: int, last: int) -> Batch:
    """Blocks ``first..last`` of ``chain`` as a batch (they must share a coinbase)."""
    blocks = []
    coinbase = b""
    for number in range(first, last + 1):
        block = chain.db.block_by_number(number)
        assert block is not None, f"block {number} is not sealed"
        coinbase = block.coinbase
        inbox = chain.db.block_inbox(number)
        raws = chain.db.block_raw_txs(number)
        blocks.append(
            BatchBlock(
                number,
                block.timestamp,
                raws[inbox.forced :],  # forced transactions are read from L1 instead
                inbox.inbox_next,
                block.hash,
                block.state_root,
                [Exclusion(q, h, r) for q, h, r in inbox.excluded],
            )
        )
    return Batch(chain.chain_id, coinbase, blocks)


class Batcher:
    def __init__(
        self,
        chain: Chain,
        da: DataAvailability,
        db_path: str | Path,
        settings: BatcherSettings | None = None,
    ) -> None:
        self.chain = chain
        self.da = da
        self.settings = settings or BatcherSettings()
        self._connections = ThreadConnections(str(db_path))
        self._conn().executescript(_SCHEMA)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _conn(self) -> sqlite3.Connection:
        return self._connections.get()

    def _get(self, key: str, default: int) -> int:
        row = self._conn().execute("SELECT value FROM batcher WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def _set(self, key: str, value: int) -> None:
        self._conn().execute("INSERT OR REPLACE INTO batcher VALUES (?, ?)", (key, value))

    @property
    def posted_through(self) -> int:
        """The last L2 block whose batch is confirmed on the layer (0: genesis only)."""
        return self._get("posted_through", 0)

    @property
    def output_through(self) -> int:
        return self._get("output_through", 0)

    # -- one round -------------------------------------------------------------------
    def step(self) -> bool:
        """Advance posting by one round; True if anything was sent or confirmed."""
        if not self._settle():
            return False
        head = self.chain.head.number
        first = self.posted_through + 1
        if first > head:
            return False
        last = min(head, first + self.settings.max_batch_blocks - 1)
        coinbase = self.chain.db.block_by_number(first).coinbase  # type: ignore[union-attr]
        for n in range(first + 1, last + 1):  # a batch names one coinbase
            if self.chain.db.block_by_number(n).coinbase != coinbase:  # type: ignore[union-attr]
                last = n - 1
                break
        self._post_batch(first, last)
        return True

    def _settle(self) -> bool:
        """Resolve every unconfirmed posting; True once all are confirmed."""
        rows = (
            self._conn()
            .execute(
                "SELECT id, kind, ref, payload, content, first_block, last_block FROM postings "
                "WHERE confirmed=0 ORDER BY id"
            )
            .fetchall()
        )
        settled = True
        for pid, kind, ref, payload, content, first, last in rows:
            posting = Posting(kind, ref, payload)
            try:
                state = self.da.status(posting)
                if state == MISSING:
                    try:
                        self.da.send(posting)
                    except StalePosting:
                        posting = self._prepare(kind, content)
                        self._conn().execute(
                            "UPDATE postings SET ref=?, payload=? WHERE id=?",
                            (posting.ref, posting.payload, pid),
                        )
                        self.da.send(posting)
                    state = self.da.status(posting)
            except Refused as exc:
                if kind == "frame":
                    log.error("%s layer refuses a frame: %s; retrying", self.da.name, exc)
                    return False
                # outputs are periodic claims: the next one replaces this; batches go on
                log.error("output root for block %d refused: %s; skipping it", last, exc)
                self._conn().execute("UPDATE postings SET confirmed=-1 WHERE id=?", (pid,))
                continue
            except DAError as exc:
                log.warning("%s layer: %s; retrying", self.da.name, exc)
                return False
            if state != CONFIRMED:
                settled = False
                continue
            self._conn().execute("UPDATE postings SET confirmed=1 WHERE id=?", (pid,))
            self._confirmed(kind, first, last)
        return settled

    def _confirmed(self, kind: str, first: int, last: int) -> None:
        if kind == "output":
            self._set("output_through", max(self.output_through, last))
            return
        # a batch is posted once all its frames are confirmed
        open_frames = (
            self._conn()
            .execute(
                "SELECT COUNT(*) FROM postings WHERE kind='frame' AND first_block=? AND confirmed=0",
                (first,),
            )
            .fetchone()[0]
        )
        if open_frames == 0 and last > self.posted_through:
            self._set("posted_through", last)
            metrics.ROLLUP_POSTED_BLOCK.set(last)

    def _prepare(self, kind: str, content: bytes) -> Posting:
        if kind == "frame":
            return self.da.prepare_frame(content)
        return self.da.prepare_output(
            Output(int.from_bytes(content[:8], "big"), content[8:40], content[40:72])
        )

    def _post_batch(self, first: int, last: int) -> None:
        s = self.settings
        encoded = build_batch(self.chain, first, last).encode()
        payload = codec.compress(encoded, s.codec)
        parts = frames.split(payload, s.max_frame_bytes)
        records: list[tuple[str, bytes, int, int]] = [("frame", f, first, last) for f in parts]
        if last - self.output_through >= s.output_interval or self._output_due(last):
            block = self.chain.db.block_by_number(last)
            assert block is not None
            content = last.to_bytes(8, "big") + block.hash + block.state_root
            records.append(("output", content, last, last))
        prepared = []
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for kind, content, a, b in records:
                try:
                    posting = self._prepare(kind, content)
                except Refused as exc:  # only outputs can be refused; the batch goes on
                    log.error("output root for block %d refused: %s", b, exc)
                    continue
                conn.execute(
                    "INSERT INTO postings (kind, ref, payload, content, first_block, last_block) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (kind, posting.ref, posting.payload, content, a, b),
                )
                prepared.append(posting)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        metrics.ROLLUP_BATCH_BYTES.labels("raw").inc(len(encoded))
        metrics.ROLLUP_BATCH_BYTES.labels("posted").inc(len(payload))
        log.info(
            "batch of blocks %d-%d: %d bytes, %d compressed (%s), %d frame(s)",
            first, last, len(encoded), len(payload), s.codec, len(parts),
        )  # fmt: skip
        for posting in prepared:  # stored first: a crash from here on is resumed by _settle
            try:
                self.da.send(posting)
            except DAError as exc:
                log.warning("%s layer: %s; will retry", self.da.name, exc)
                return

    def _output_due(self, last: int) -> bool:
        # the first output comes with the first batch, so verifiers have one early
        return self.output_through == 0 and last > 0

    # -- the thread ----------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="batcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.step()
            except Exception:
                log.exception("batcher round failed; retrying")
                busy = False
            self._stop.wait(0.05 if busy else self.settings.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._connections.close()
        self.da.close()
