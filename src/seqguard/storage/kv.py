"""py-evm's database interface over LevelDB (plyvel).

py-evm 0.12 no longer ships a LevelDB backend. State trie nodes are
content-addressed and never deleted, so the state of every sealed block stays
readable by its state root (``eth_getBalance`` at an old block works), and
readers in other threads never see a half-written block: a batch is applied
with one LevelDB write, and the chain index points at a state root only after
that write returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import plyvel
from eth.abc import AtomicWriteBatchAPI
from eth.db.atomic import AtomicDBWriteBatch
from eth.db.backends.base import BaseAtomicDB


class _LevelWriteBatch(AtomicDBWriteBatch):
    def _commit(self) -> None:
        db: LevelDB = self._write_target_db  # type: ignore[assignment]
        diff = self._diff()
        db.write_many(diff.pending_items(), diff.deleted_keys())


class LevelDB(BaseAtomicDB):
    def __init__(self, path: str | Path, *, cache_bytes: int = 64 << 20) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        self._db = plyvel.DB(
            str(path),
            create_if_missing=True,
            lru_cache_size=cache_bytes,
            write_buffer_size=32 << 20,
        )

    def __getitem__(self, key: bytes) -> bytes:
        value = self._db.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._db.put(key, value)

    def __delitem__(self, key: bytes) -> None:
        if self._db.get(key) is None:
            raise KeyError(key)
        self._db.delete(key)

    def _exists(self, key: bytes) -> bool:
        return self._db.get(key) is not None

    def write_many(
        self, items: Iterable[tuple[bytes, bytes]], deletes: Iterable[bytes] = ()
    ) -> None:
        """Apply many writes as one LevelDB batch (atomic and one syscall-ish)."""
        with self._db.write_batch() as wb:
            for key, value in items:
                wb.put(key, value)
            for key in deletes:
                wb.delete(key)

    @contextmanager
    def atomic_batch(self) -> Iterator[AtomicWriteBatchAPI]:
        with _LevelWriteBatch._commit_unless_raises(self) as batch:
            yield batch

    def close(self) -> None:
        self._db.close()
