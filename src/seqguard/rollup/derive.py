"""Derivation, first half: frames on the DA layer back into batches, in layer order.

The second half, which inbox items each block includes, is ``inbox.required_next``;
the verifier applies both while it re-executes.
"""

from __future__ import annotations

from seqguard.rollup import codec, frames
from seqguard.rollup.batch import Batch, BatchError
from seqguard.rollup.da.base import CorruptData, DataAvailability


class DerivationError(ValueError):
    """The layer holds data that is not a valid batch: tampered or corrupt."""


class Derivation:
    def __init__(self, da: DataAvailability) -> None:
        self.da = da
        self.cursor = da.start_cursor()
        self.assembler = frames.Assembler()
        self.batches = 0
        self.frames = 0

    def poll(self) -> list[Batch]:
        """Batches completed by the frames posted since the last poll."""
        try:
            new_frames, self.cursor = self.da.read_frames(self.cursor)
        except CorruptData as exc:
            raise DerivationError(str(exc)) from None
        out = []
        for frame in new_frames:
            self.frames += 1
            try:
                payloads = list(self.assembler.add(frame))
            except frames.FrameError as exc:
                raise DerivationError(str(exc)) from None
            for payload in payloads:
                try:
                    out.append(Batch.decode(codec.decompress(payload)))
                except (codec.CodecError, BatchError) as exc:
                    raise DerivationError(f"a posted batch does not decode: {exc}") from None
                self.batches += 1
        return out
