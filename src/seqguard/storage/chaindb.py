"""The chain index in SQLite: blocks, transactions, receipts and logs.

One SQLite transaction per sealed block, in WAL mode: a block is either
entirely there or not at all, also after a kill -9, and readers in other
threads keep reading while the builder writes. ``synchronous=NORMAL`` survives
a process crash; only a power cut can lose the newest blocks.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import rlp

from seqguard.storage.sqlite import ThreadConnections
from seqguard.types import Block, BlockInbox, Log, Receipt, TxLocation, Withdrawal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS blocks (
    number     INTEGER PRIMARY KEY,
    hash       BLOB NOT NULL UNIQUE,
    header     BLOB NOT NULL,
    tx_hashes  BLOB NOT NULL,
    size       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS txs (
    hash         BLOB PRIMARY KEY,
    block_number INTEGER NOT NULL,
    idx          INTEGER NOT NULL,
    raw          BLOB NOT NULL,
    sender       BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS receipts (
    tx_hash        BLOB PRIMARY KEY,
    block_number   INTEGER NOT NULL,
    idx            INTEGER NOT NULL,
    type           INTEGER NOT NULL,
    sender         BLOB NOT NULL,
    recipient      BLOB,
    status         INTEGER NOT NULL,
    cumulative_gas INTEGER NOT NULL,
    gas_used       INTEGER NOT NULL,
    gas_price      BLOB NOT NULL,
    contract       BLOB,
    bloom          BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_index     INTEGER NOT NULL,
    tx_hash      BLOB NOT NULL,
    address      BLOB NOT NULL,
    topic0       BLOB,
    topic1       BLOB,
    topic2       BLOB,
    topic3       BLOB,
    data         BLOB NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS logs_by_address ON logs (address, block_number);
CREATE INDEX IF NOT EXISTS logs_by_topic0 ON logs (topic0, block_number);
CREATE TABLE IF NOT EXISTS contracts (
    address      BLOB PRIMARY KEY,
    creator      BLOB NOT NULL,
    block_number INTEGER NOT NULL,
    tx_hash      BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS inbox (
    number      INTEGER PRIMARY KEY,
    inbox_next  INTEGER NOT NULL,
    forced      INTEGER NOT NULL,
    withdrawals BLOB NOT NULL,
    excluded    BLOB NOT NULL
);
"""

_LOG_COLUMNS = (
    "block_number, log_index, tx_index, tx_hash, address, topic0, topic1, topic2, topic3, data"
)


def _dec(value: bytes) -> int:
    return int.from_bytes(value, "big")


def _int_bytes(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


class ChainDB:
    """Blocks and their indexes. Safe to read from any thread; one writer."""

    def __init__(self, path: str | Path, *, cache_blocks: int = 512) -> None:
        self.path = str(path)
        self._connections = ThreadConnections(self.path)
        self._cache: OrderedDict[int, Block] = OrderedDict()
        self._cache_size = cache_blocks
        self._cache_lock = threading.Lock()
        self._decode_header = None  # set by the node: bytes -> Block fields
        self._conn().executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        return self._connections.get()

    # -- meta -----------------------------------------------------------------
    def get_meta(self, key: str) -> bytes | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: bytes) -> None:
        self._conn().execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- writes ---------------------------------------------------------------
    def write_block(
        self,
        block: Block,
        raws: Sequence[bytes],
        receipts: Sequence[Receipt],
        created: Sequence[tuple[bytes, bytes, bytes]] = (),
        inbox: BlockInbox | None = None,
    ) -> None:
        """Store a sealed block with its transactions, receipts, logs, the contracts
        its transactions created (address, creating sender, tx hash), and what it took
        from the L1 inbox, atomically."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "INSERT INTO blocks VALUES (?, ?, ?, ?, ?)",
                (block.number, block.hash, block.header_rlp, b"".join(block.tx_hashes), block.size),
            )
            conn.executemany(
                "INSERT INTO txs VALUES (?, ?, ?, ?, ?)",
                [
                    (r.tx_hash, block.number, r.tx_index, raw, r.sender)
                    for raw, r in zip(raws, receipts, strict=True)
                ],
            )
            conn.executemany(
                "INSERT INTO receipts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.tx_hash,
                        block.number,
                        r.tx_index,
                        r.type,
                        r.sender,
                        r.to,
                        r.status,
                        r.cumulative_gas_used,
                        r.gas_used,
                        _int_bytes(r.effective_gas_price),
                        r.contract_address,
                        r.logs_bloom,
                    )
                    for r in receipts
                ],
            )
            conn.executemany(
                f"INSERT INTO logs ({_LOG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        block.number,
                        log.log_index,
                        log.tx_index,
                        log.tx_hash,
                        log.address,
                        *(tuple(log.topics) + (None, None, None, None))[:4],
                        log.data,
                    )
                    for r in receipts
                    for log in r.logs
                ],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO contracts VALUES (?, ?, ?, ?)",
                [(address, creator, block.number, tx) for address, creator, tx in created],
            )
            if inbox is not None:
                conn.execute(
                    "INSERT INTO inbox VALUES (?, ?, ?, ?, ?)",
                    (
                        block.number,
                        inbox.inbox_next,
                        inbox.forced,
                        rlp.encode([w.encode() for w in inbox.withdrawals]),
                        rlp.encode([[q, h, r.encode()] for q, h, r in inbox.excluded]),
                    ),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._remember(block)

    def block_inbox(self, number: int) -> BlockInbox:
        """What block ``number`` took from the L1 inbox (nothing, for most blocks)."""
        conn = self._conn()
        row = conn.execute("SELECT * FROM inbox WHERE number=?", (number,)).fetchone()
        if row is None:
            found = conn.execute(
                "SELECT inbox_next FROM inbox WHERE number<? ORDER BY number DESC LIMIT 1",
                (number,),
            ).fetchone()
            return BlockInbox(found[0] if found else 0)
        _, inbox_next, forced, withdrawals, excluded = row
        return BlockInbox(
            inbox_next,
            forced,
            tuple(
                Withdrawal(_dec(i), _dec(v), a, _dec(amount))
                for i, v, a, amount in (rlp.decode(w) for w in rlp.decode(withdrawals))
            ),
            tuple((_dec(q), h, r.decode()) for q, h, r in rlp.decode(excluded)),
        )

    def contract_creator(self, address: bytes) -> tuple[bytes, int, bytes] | None:
        """(creating sender, block number, tx hash) of a contract, if this chain made it."""
        row = (
            self._conn()
            .execute(
                "SELECT creator, block_number, tx_hash FROM contracts WHERE address=?", (address,)
            )
            .fetchone()
        )
        return (row[0], row[1], row[2]) if row else None

    # -- blocks ---------------------------------------------------------------
    def head_number(self) -> int | None:
        row = self._conn().execute("SELECT MAX(number) FROM blocks").fetchone()
        return row[0]

    def _remember(self, block: Block) -> None:
        with self._cache_lock:
            self._cache[block.number] = block
            self._cache.move_to_end(block.number)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _block_from_row(self, row: tuple) -> Block:
        number, _hash, header, tx_hashes, size = row
        assert self._decode_header is not None, "ChainDB.set_header_decoder was not called"
        block = self._decode_header(
            header, size, [tx_hashes[i : i + 32] for i in range(0, len(tx_hashes), 32)]
        )
        self._remember(block)
        return block

    def set_header_decoder(self, fn) -> None:  # type: ignore[no-untyped-def]
        """``fn(header_rlp, size, tx_hashes) -> Block``, given by the execution layer."""
        self._decode_header = fn

    def block_by_number(self, number: int) -> Block | None:
        with self._cache_lock:
            block = self._cache.get(number)
        if block is not None:
            return block
        row = self._conn().execute("SELECT * FROM blocks WHERE number=?", (number,)).fetchone()
        return self._block_from_row(row) if row else None

    def block_by_hash(self, block_hash: bytes) -> Block | None:
        row = (
            self._conn().execute("SELECT number FROM blocks WHERE hash=?", (block_hash,)).fetchone()
        )
        return self.block_by_number(row[0]) if row else None

    # -- transactions and receipts ----------------------------------------------
    def tx_location(self, tx_hash: bytes) -> tuple[TxLocation, bytes] | None:
        row = (
            self._conn()
            .execute(
                "SELECT t.block_number, t.idx, t.raw, b.hash FROM txs t JOIN blocks b ON b.number = t.block_number WHERE t.hash=?",
                (tx_hash,),
            )
            .fetchone()
        )
        if row is None:
            return None
        return TxLocation(block_hash=row[3], block_number=row[0], index=row[1]), row[2]

    def block_raw_txs(self, number: int) -> list[bytes]:
        rows = (
            self._conn()
            .execute("SELECT raw FROM txs WHERE block_number=? ORDER BY idx", (number,))
            .fetchall()
        )
        return [r[0] for r in rows]

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        row = (
            self._conn()
            .execute(
                "SELECT r.*, b.hash FROM receipts r JOIN blocks b ON b.number = r.block_number WHERE r.tx_hash=?",
                (tx_hash,),
            )
            .fetchone()
        )
        if row is None:
            return None
        receipt = self._receipt_from_row(row)
        receipt.logs = self._logs_where(
            "block_number=? AND tx_index=?",
            (receipt.block_number, receipt.tx_index),
            receipt.block_hash,
        )
        return receipt

    def block_receipts(self, number: int) -> list[Receipt]:
        rows = (
            self._conn()
            .execute(
                "SELECT r.*, b.hash FROM receipts r JOIN blocks b ON b.number = r.block_number WHERE r.block_number=? ORDER BY r.idx",
                (number,),
            )
            .fetchall()
        )
        receipts = [self._receipt_from_row(row) for row in rows]
        if receipts:
            by_index: dict[int, list[Log]] = {r.tx_index: r.logs for r in receipts}
            for log in self._logs_where("block_number=?", (number,), receipts[0].block_hash):
                by_index[log.tx_index].append(log)
        return receipts

    @staticmethod
    def _receipt_from_row(row: tuple) -> Receipt:
        (
            tx_hash,
            number,
            idx,
            type_,
            sender,
            to,
            status,
            cumulative,
            gas_used,
            price,
            contract,
            bloom,
            block_hash,
        ) = row
        return Receipt(
            tx_hash=tx_hash,
            tx_index=idx,
            block_hash=block_hash,
            block_number=number,
            sender=sender,
            to=to,
            type=type_,
            status=status,
            cumulative_gas_used=cumulative,
            gas_used=gas_used,
            effective_gas_price=int.from_bytes(price, "big"),
            contract_address=contract,
            logs=[],
            logs_bloom=bloom,
        )

    # -- logs -----------------------------------------------------------------
    def _logs_where(
        self, where: str, args: tuple, block_hash: bytes | None = None, limit: int | None = None
    ) -> list[Log]:
        sql = f"SELECT {_LOG_COLUMNS} FROM logs WHERE {where} ORDER BY block_number, log_index"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._conn().execute(sql, args).fetchall()
        hashes: dict[int, bytes] = {}
        logs = []
        for number, log_index, tx_index, tx_hash, address, t0, t1, t2, t3, data in rows:
            if block_hash is not None:
                bhash = block_hash
            else:
                bhash = hashes.get(number) or self._block_hash(number)
                hashes[number] = bhash
            logs.append(
                Log(
                    address=address,
                    topics=tuple(t for t in (t0, t1, t2, t3) if t is not None),
                    data=data,
                    block_number=number,
                    block_hash=bhash,
                    tx_hash=tx_hash,
                    tx_index=tx_index,
                    log_index=log_index,
                )
            )
        return logs

    def _block_hash(self, number: int) -> bytes:
        block = self.block_by_number(number)
        return block.hash if block else b"\x00" * 32

    def logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[bytes] | None,
        topics: Sequence[Sequence[bytes] | None],
        *,
        limit: int | None = None,
    ) -> list[Log]:
        """Logs in [from_block, to_block] matching eth_getLogs criteria.

        ``topics[i]`` is None (any) or a list of alternatives for position i.
        """
        where = ["block_number BETWEEN ? AND ?"]
        args: list[object] = [from_block, to_block]
        if addresses:
            where.append(f"address IN ({','.join('?' * len(addresses))})")
            args.extend(addresses)
        for i, alternatives in enumerate(topics[:4]):
            if alternatives:
                where.append(f"topic{i} IN ({','.join('?' * len(alternatives))})")
                args.extend(alternatives)
        return self._logs_where(" AND ".join(where), tuple(args), limit=limit)

    def close(self) -> None:
        self._connections.close()
