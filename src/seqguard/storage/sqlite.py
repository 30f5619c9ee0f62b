"""SQLite connections as every store here uses them: one per thread, WAL mode."""

from __future__ import annotations

import sqlite3
import threading


class ThreadConnections:
    """A connection per thread to one database file.

    WAL lets readers in RPC threads go on while the builder writes;
    ``synchronous=NORMAL`` survives a process crash (only a power cut can lose
    the newest commits). Transactions are explicit (autocommit otherwise).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=5000")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
