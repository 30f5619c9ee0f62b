"""The rollup's pieces in-process: codecs, batches, frames, the file layer, and a batcher
that crashes between postings and resumes, checked by a verifier."""

from __future__ import annotations

import contextlib
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqguard.builder.builder import BlockBuilder, FixedTransactions
from seqguard.chain import Chain
from seqguard.genesis import dev_genesis
from seqguard.ingress import decode_raw_transaction
from seqguard.rollup import codec, frames
from seqguard.rollup.batch import Batch, BatchBlock, BatchError, Exclusion
from seqguard.rollup.batcher import Batcher, BatcherSettings
from seqguard.rollup.da.base import DAError, Posting
from seqguard.rollup.da.file import CorruptData, FileDA
from seqguard.rollup.verifier import Verifier
from support.chain import TxFactory, dev_accounts

hashes = st.binary(min_size=32, max_size=32)
blocks = st.builds(
    BatchBlock,
    number=st.integers(1, 2**40),
    timestamp=st.integers(1, 2**40),
    txs=st.lists(st.binary(min_size=1, max_size=300), max_size=5),
    inbox_next=st.integers(0, 2**32),
    block_hash=hashes,
    state_root=hashes,
    excluded=st.lists(
        st.builds(Exclusion, st.integers(0, 2**32), hashes, st.text(max_size=50)), max_size=2
    ),
)


@given(st.binary(max_size=5000), st.sampled_from(codec.CODECS))
def test_every_codec_round_trips(data: bytes, name: str) -> None:
    assert codec.decompress(codec.compress(data, name)) == data


@given(st.binary(max_size=500))
def test_garbage_never_decompresses_into_an_accident(data: bytes) -> None:
    with contextlib.suppress(codec.CodecError):
        codec.decompress(data)


@given(st.integers(1, 2**63), st.binary(min_size=20, max_size=20), st.lists(blocks, max_size=4))
def test_batches_round_trip(chain_id: int, coinbase: bytes, items: list[BatchBlock]) -> None:
    batch = Batch(chain_id, coinbase, items)
    assert Batch.decode(batch.encode()) == batch


@given(st.binary(max_size=400))
def test_malformed_batches_are_refused_cleanly(data: bytes) -> None:
    with contextlib.suppress(BatchError):
        Batch.decode(data)


@settings(max_examples=50)
@given(st.binary(min_size=0, max_size=3000), st.integers(30, 600), st.randoms())
def test_frames_reassemble_in_any_order_with_duplicates(
    payload: bytes, size: int, rng: random.Random
) -> None:
    parts = frames.split(payload, size)
    assert all(len(p) <= size for p in parts)
    shuffled = parts + rng.sample(parts, k=min(2, len(parts))) + [b"not a frame"]
    rng.shuffle(shuffled)
    assembler = frames.Assembler()
    out = [p for f in shuffled for p in assembler.add(f)]
    assert out == [payload]


def test_a_changed_frame_breaks_its_channel() -> None:
    parts = frames.split(b"x" * 1000, 300)
    bad = bytearray(parts[1])
    bad[-1] ^= 1
    assembler = frames.Assembler()
    with pytest.raises(frames.FrameError, match="tampered"):
        for f in [parts[0], bytes(bad), *parts[2:]]:
            list(assembler.add(f))


def test_file_layer_cuts_a_torn_tail_and_refuses_a_changed_record(tmp_path: Path) -> None:
    da = FileDA(tmp_path)
    for n in range(3):
        posting = da.prepare_frame(bytes([n]) * 50)
        da.send(posting)
        da.send(posting)  # sent again after a crash: kept once
    log = tmp_path / "frames.log"
    good = log.read_bytes()
    log.write_bytes(good + b"\0\0\0\x40\0\0")  # a record torn by a crash
    assert len(FileDA(tmp_path, writable=False).read_frames(0)[0]) == 3
    FileDA(tmp_path)  # the writer cuts the torn tail off
    assert log.read_bytes() == good
    changed = bytearray(good)
    changed[20] ^= 1
    log.write_bytes(bytes(changed))
    with pytest.raises(CorruptData):
        FileDA(tmp_path, writable=False).read_frames(0)


def _chain_with_blocks(path: Path, count: int) -> Chain:
    genesis = dev_genesis()
    chain = Chain(path, genesis)
    builder = BlockBuilder(chain)
    f = TxFactory(chain_id=genesis.chain_id)
    senders = dev_accounts(4)
    for n in range(count):
        txs = [
            decode_raw_transaction(
                bytes.fromhex(f.sign(s, to="0x" + "42" * 20, value=n + 1).raw[2:])
            )
            for s in senders
        ]
        fixed = FixedTransactions(txs)
        built = builder.build(lambda base_fee, fixed=fixed: fixed)
        assert fixed.invalid == [], "every transaction must execute"
        chain.append(
            built.block, [t.raw for t in built.txs], built.receipts, built.created, built.inbox
        )
    return chain


class _CrashingDA(FileDA):
    """A file layer whose process "dies" after ``survive`` sends."""

    def __init__(self, directory: Path, survive: int) -> None:
        super().__init__(directory)
        self.left = survive

    def send(self, posting: Posting) -> None:
        if self.left == 0:
            raise DAError("power cut")
        self.left -= 1
        super().send(posting)


def test_a_batcher_that_dies_mid_batch_resumes_without_gap_or_duplicate(tmp_path: Path) -> None:
    chain = _chain_with_blocks(tmp_path / "node", 12)
    da_dir = tmp_path / "node" / "da"
    small = BatcherSettings(max_frame_bytes=400, max_batch_blocks=5, output_interval=5)
    first = Batcher(chain, _CrashingDA(da_dir, survive=3), tmp_path / "rollup.sqlite", small)
    first.step()  # prepares every frame of blocks 1-5, sends three, then the "crash"
    assert first.posted_through == 0
    resumed = Batcher(chain, FileDA(da_dir), tmp_path / "rollup.sqlite", small)
    while resumed.step():
        pass
    assert resumed.posted_through == 12
    posted, _ = FileDA(da_dir, writable=False).read_frames(0)
    assert len(posted) == len(set(posted)) > 3

    verifier = Verifier(tmp_path / "verifier", chain.genesis, FileDA(da_dir, writable=False))
    while verifier.step():
        pass
    verifier.finish()
    progress = verifier.progress
    assert progress.first is None and progress.blocks == 12 and progress.duplicates == 0
    assert progress.outputs >= 2
    assert verifier.chain.head.hash == chain.head.hash
    verifier.close()
    chain.close()


def test_a_gap_on_the_layer_is_the_first_divergence(tmp_path: Path) -> None:
    chain = _chain_with_blocks(tmp_path / "node", 6)
    da = FileDA(tmp_path / "da")
    from seqguard.rollup.batcher import build_batch

    for first, last in ((1, 2), (5, 6)):  # blocks 3 and 4 were never posted
        for frame in frames.split(codec.compress(build_batch(chain, first, last).encode()), 10_000):
            da.send(da.prepare_frame(frame))
    verifier = Verifier(
        tmp_path / "verifier", chain.genesis, FileDA(tmp_path / "da", writable=False)
    )
    while verifier.step():
        pass
    first_divergence: Any = verifier.progress.first
    assert (first_divergence.block, verifier.progress.blocks) == (3, 2)
    assert "no batch has block 3" in first_divergence.cause
    verifier.close()
    chain.close()
