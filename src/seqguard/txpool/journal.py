"""The pool journal: accepted raw transactions that survive a restart or kill -9.

The file is a 4-byte magic followed by records ``length (u32 BE) | crc32 (u32 BE)
| raw``. Each record is written with a single ``os.write`` on an ``O_APPEND``
descriptor: there is no userspace buffer, so once ``append`` returns the bytes
are in the kernel and a ``kill -9`` of the process cannot lose them (only a
power loss can, unless ``fsync=True``). A crash in the middle of a write leaves
a torn final record; ``load`` drops it and truncates the file back to the last
whole record, so later appends are not hidden behind garbage.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path

MAGIC = b"SGJ\x01"
_HEADER = struct.Struct(">II")  # length, crc32 of the raw bytes


def _record(raw: bytes) -> bytes:
    return _HEADER.pack(len(raw), zlib.crc32(raw)) + raw


def _write_all(fd: int, buf: bytes) -> None:
    view = memoryview(buf)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class Journal:
    """Append-only, crash-tolerant log of accepted raw transactions.

    ``append`` is called by the pool before ``add`` returns; ``load`` is read
    once at start; ``rotate`` rewrites the file atomically with the pool's
    current content so it does not grow without bound.
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = False) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._lock = threading.Lock()
        self._fd: int | None = self._open_append()

    def _open_append(self) -> int:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size < len(MAGIC):
                # new file, or one torn while its magic was being written
                if size:
                    with open(self.path, "rb") as f:
                        head = f.read(size)
                    if not MAGIC.startswith(head):
                        raise ValueError(f"{self.path} is not a seqguard txpool journal")
                    os.ftruncate(fd, 0)
                _write_all(fd, MAGIC)
            else:
                with open(self.path, "rb") as f:
                    if f.read(len(MAGIC)) != MAGIC:
                        raise ValueError(f"{self.path} is not a seqguard txpool journal")
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _require_fd(self) -> int:
        if self._fd is None:
            raise ValueError("journal is closed")
        return self._fd

    def append(self, raw: bytes) -> None:
        """Append one raw transaction; durable against kill -9 when this returns."""
        if not raw:
            raise ValueError("cannot journal an empty transaction")
        buf = _record(raw)
        with self._lock:
            fd = self._require_fd()
            _write_all(fd, buf)
            if self.fsync:
                os.fsync(fd)

    def load(self) -> list[bytes]:
        """Every whole record in order; a torn or corrupt tail is dropped and truncated."""
        with self._lock:
            fd = self._require_fd()
            with open(self.path, "rb") as f:
                data = f.read()
            raws: list[bytes] = []
            pos = len(MAGIC)
            end = len(data)
            while pos + _HEADER.size <= end:
                length, crc = _HEADER.unpack_from(data, pos)
                start = pos + _HEADER.size
                # length 0 is never written: it is what a zero-filled tail looks like
                if length == 0 or start + length > end:
                    break
                raw = data[start : start + length]
                if zlib.crc32(raw) != crc:
                    break
                raws.append(raw)
                pos = start + length
            if pos != end:
                os.ftruncate(fd, pos)
            return raws

    def rotate(self, raws: Iterable[bytes]) -> None:
        """Replace the journal with exactly ``raws``, atomically (temp file + rename)."""
        buf = bytearray(MAGIC)
        for raw in raws:
            if raw:
                buf += _record(raw)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with self._lock:
            self._require_fd()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
            try:
                _write_all(fd, bytes(buf))
                # the rename must never expose a file whose data is not on disk yet
                os.fsync(fd)
            except BaseException:
                os.close(fd)
                tmp.unlink(missing_ok=True)
                raise
            os.close(fd)
            os.replace(tmp, self.path)
            self._fsync_dir()
            old, self._fd = self._fd, self._open_append()
            if old is not None:
                os.close(old)

    def _fsync_dir(self) -> None:
        try:
            dfd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dfd)
        except OSError:
            pass  # some filesystems refuse fsync on directories
        finally:
            os.close(dfd)

    def close(self) -> None:
        """Close the file; further appends raise ValueError. Idempotent."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
