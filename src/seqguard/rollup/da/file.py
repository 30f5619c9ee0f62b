"""``file``: the embedded data-availability layer, append-only logs in a directory.

``frames.log`` and ``outputs.log`` hold records ``length (u32) | crc32 (u32) | payload``,
fsynced before a posting counts as confirmed. A record torn by a crash is cut off when
the writer opens the log again; readers stop before it. Any number of readers (a
verifier pointed at the node's data directory) may follow the logs while the node writes.
"""

from __future__ import annotations

import hashlib
import os
import struct
import threading
import zlib
from pathlib import Path

from seqguard.rollup.da.base import (
    CONFIRMED,
    MISSING,
    CorruptData,
    DAError,
    DataAvailability,
    Output,
    Posting,
)

_HEAD = struct.Struct(">II")
MAX_RECORD = 16 * 1024 * 1024


def _ref(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


class _Log:
    def __init__(self, path: Path, *, writable: bool) -> None:
        self.path = path
        self.writable = writable
        self.refs: set[str] = set()
        self._lock = threading.Lock()
        if writable:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(exist_ok=True)
            records, end = self.read(0)
            self.refs = {_ref(r) for r in records}
            if end < path.stat().st_size:  # a torn record from a crash: cut it off
                with open(path, "r+b") as f:
                    f.truncate(end)
                    os.fsync(f.fileno())

    def read(self, offset: int) -> tuple[list[bytes], int]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return [], offset
        out = []
        while offset + _HEAD.size <= len(data):
            length, crc = _HEAD.unpack_from(data, offset)
            start = offset + _HEAD.size
            payload = data[start : start + length]
            if length > MAX_RECORD or len(payload) < length or zlib.crc32(payload) != crc:
                if start + length < len(data):
                    # only the last record can be torn; one with data after it was changed
                    raise CorruptData(f"{self.path}: corrupt record at offset {offset}")
                break  # torn (or being written right now): stop before it
            out.append(payload)
            offset = start + length
        return out, offset

    def append(self, payload: bytes) -> None:
        if not self.writable:
            raise DAError(f"{self.path} is open read-only")
        with self._lock:
            ref = _ref(payload)
            if ref in self.refs:
                return  # already there: posting it again must not repeat it
            with open(self.path, "ab") as f:
                f.write(_HEAD.pack(len(payload), zlib.crc32(payload)) + payload)
                f.flush()
                os.fsync(f.fileno())
            self.refs.add(ref)


class FileDA(DataAvailability):
    name = "file"

    def __init__(self, directory: str | Path, *, writable: bool = True) -> None:
        self.directory = Path(directory)
        if not writable and not (self.directory / "frames.log").exists():
            raise DAError(f"no frames.log in {self.directory}: is this a node's da directory?")
        self._frames = _Log(self.directory / "frames.log", writable=writable)
        self._outputs = _Log(self.directory / "outputs.log", writable=writable)

    def prepare_frame(self, frame: bytes) -> Posting:
        return Posting("frame", _ref(frame), frame)

    def prepare_output(self, output: Output) -> Posting:
        payload = output.l2_block.to_bytes(8, "big") + output.block_hash + output.state_root
        return Posting("output", _ref(payload), payload)

    def _log(self, posting: Posting) -> _Log:
        return self._frames if posting.kind == "frame" else self._outputs

    def send(self, posting: Posting) -> None:
        try:
            self._log(posting).append(posting.payload)
        except OSError as exc:
            raise DAError(f"cannot write {self.directory}: {exc}") from exc

    def status(self, posting: Posting) -> str:
        return CONFIRMED if posting.ref in self._log(posting).refs else MISSING

    def start_cursor(self) -> int:
        return 0

    def read_frames(self, cursor: int) -> tuple[list[bytes], int]:
        return self._frames.read(cursor)

    def read_outputs(self, cursor: int) -> tuple[list[Output], int]:
        records, cursor = self._outputs.read(cursor)
        return [
            Output(int.from_bytes(r[:8], "big"), r[8:40], r[40:72]) for r in records if len(r) == 72
        ], cursor
