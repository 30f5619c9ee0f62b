"""A compressed batch (a *channel*) split into frames the DA layer can carry.

Frame: ``0x5b | channelId (16) | frameNumber (u16) | isLast (u8) | data``. The channel
id is the first 16 bytes of the keccak of the whole payload, so posting the same batch
again (after a restart) gives the same frames, and a reader drops the duplicates.
"""

from __future__ import annotations

from collections.abc import Iterator

from eth_hash.auto import keccak

MAGIC = 0x5B
HEADER = 1 + 16 + 2 + 1
MAX_FRAMES = 65_535


class FrameError(ValueError):
    pass


def split(payload: bytes, max_frame_bytes: int) -> list[bytes]:
    """The frames of one channel, each at most ``max_frame_bytes`` long."""
    room = max_frame_bytes - HEADER
    if room <= 0:
        raise ValueError(f"frames must be larger than their {HEADER}-byte header")
    channel = keccak(payload)[:16]
    chunks = [payload[i : i + room] for i in range(0, len(payload), room)] or [b""]
    if len(chunks) > MAX_FRAMES:
        raise ValueError("batch too large for one channel")
    last = len(chunks) - 1
    return [
        bytes([MAGIC]) + channel + n.to_bytes(2, "big") + bytes([n == last]) + chunk
        for n, chunk in enumerate(chunks)
    ]


def parse(frame: bytes) -> tuple[bytes, int, bool, bytes]:
    """(channel id, frame number, is last, data)."""
    if len(frame) < HEADER or frame[0] != MAGIC or frame[19] not in (0, 1):
        raise FrameError("not a frame")
    return frame[1:17], int.from_bytes(frame[17:19], "big"), frame[19] == 1, frame[HEADER:]


class Assembler:
    """Collects frames in any order; gives each channel's payload once it is whole."""

    def __init__(self, max_open: int = 64) -> None:
        self.max_open = max_open
        self._open: dict[bytes, dict[int, bytes]] = {}
        self._last: dict[bytes, int] = {}
        self._done: set[bytes] = set()

    def add(self, frame: bytes) -> Iterator[bytes]:
        try:
            channel, number, is_last, data = parse(frame)
        except FrameError:
            return  # not ours: anyone can send data to an inbox address
        if channel in self._done:
            return  # a duplicate of a channel already read
        parts = self._open.setdefault(channel, {})
        parts.setdefault(number, data)
        if is_last:
            self._last[channel] = number
        last = self._last.get(channel)
        if last is not None and len(parts) == last + 1 and all(n in parts for n in range(last + 1)):
            payload = b"".join(parts[n] for n in range(last + 1))
            del self._open[channel]
            del self._last[channel]
            self._done.add(channel)
            if keccak(payload)[:16] != channel:  # a tampered frame breaks the channel
                raise FrameError(f"channel 0x{channel.hex()} does not match its id: tampered")
            yield payload
        while len(self._open) > self.max_open:  # never-finished channels do not pile up
            oldest = next(iter(self._open))
            self._open.pop(oldest)
            self._last.pop(oldest, None)
