"""The rollup suite: what posting the mixed workload costs, per compressor.

The mixed workload's blocks are built in-process with the node's :class:`BlockBuilder`
on a :class:`Chain` (inspection off; the contracts deployed and seeded first, see
:mod:`.inprocess`) and grouped into batches with the batcher's own ``build_batch``. The
setup blocks go in a batch of their own that only the verifier reads; every figure
below is of the workload's batches. For each codec of ``rollup.codec.CODECS``:

* bytes: the compressed payload, and its frames (``frames.split`` at the node's default
  frame size) per L2 transaction, and the ratio raw RLP / payload;
* L1 gas: every frame sent as a calldata transaction to the batch inbox of a fresh
  anvil (Prague, so the EIP-7623 calldata floor applies), ``gasUsed`` summed from the
  receipts, per L2 transaction and per batch; each receipt is also checked against the
  gas the calldata should cost (``max(standard, floor)``);
* CPU: compression and decompression of each batch, the least of ``rounds`` runs.

Then the batches (compressed with the default codec, an output root after each) are
written to a :class:`FileDA` and a :class:`Verifier` re-derives and re-executes them from
the same genesis in an empty directory, one batch at a time; the time of its steps
gives batches, blocks and transactions per second. The verifier must reach the built
chain's head with no divergence, or the suite fails.
"""

from __future__ import annotations

import contextlib
import gc
import math
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from seqguard.builder.builder import BlockBuilder
from seqguard.chain import Chain
from seqguard.genesis import Genesis
from seqguard.ingress.validate import floor_data_gas, intrinsic_gas
from seqguard.rollup import codec, frames
from seqguard.rollup.batch import Batch
from seqguard.rollup.batcher import BatcherSettings, build_batch
from seqguard.rollup.da.base import Output
from seqguard.rollup.da.file import FileDA
from seqguard.rollup.l1 import ANVIL_DEV_KEY, L1Client, batch_inbox_address
from seqguard.rollup.verifier import Verifier
from seqguard.rpc.client import RemoteError
from seqguard.trace.geth import hex_int

from .inprocess import (
    append_block,
    close_on_exit,
    deploy_contracts,
    open_chain,
    remaining,
    sign_mixed,
)
from .procs import AnvilProcess, BenchError
from .workload import Accounts

MAX_FRAME_BYTES = BatcherSettings().max_frame_bytes  # the node's default
COMPRESS_ROUNDS = 3  # compressions and decompressions of each batch; the least time counts

# (task, done, total): a long part of the suite has advanced
Progress = Callable[[str, int, int], None]
TASKS = {
    "build": "building L2 blocks (txs)",
    "compress": "compressing batches",
    "post": "posting frames to L1",
    "verify": "verifier: re-executing batches",
}


class L1Anvil(AnvilProcess):
    """A fresh anvil as the L1: its own dev chain (31337, dev accounts funded),
    Prague, a block for every transaction (automine)."""

    kind = "anvil-l1"


def calldata_gas(data: bytes) -> tuple[int, int]:
    """(standard, floor) gas of a plain transaction carrying ``data`` to an address
    without code: 21000 + 4/16 per zero/non-zero byte, and EIP-7623's floor of 21000 +
    10 per token (zero byte 1 token, non-zero byte 4), as ingress prices it. Prague
    charges the larger."""
    shape = SimpleNamespace(data=data, to=b"\0" * 20, access_list=())
    return intrinsic_gas(shape), floor_data_gas(shape)  # type: ignore[arg-type]


def _round(x: float, digits: int = 3) -> float:
    return round(x, digits)


# -- the L2 chain ---------------------------------------------------------------------------


def _build_chain(
    chain: Chain,
    accounts: Accounts,
    recipients: list[bytes],
    *,
    txs: int,
    block_txs: int,
    progress: Progress | None,
) -> dict[str, Any]:
    """Deploy and seed the mixed workload's contracts, then build ``txs`` of its
    transactions in blocks of ``block_txs``."""
    builder = BlockBuilder(chain, max_txs=block_txs)  # no inspector, no time budget
    contracts = deploy_contracts(chain, builder, accounts)
    setup_blocks = chain.head.number
    work, pending = sign_mixed(chain, accounts, recipients, contracts, txs=txs)
    seconds = 0.0
    included = 0
    while pending:
        t0 = time.perf_counter()
        built = append_block(chain, builder, pending, "workload")
        seconds += time.perf_counter() - t0
        included += len(built.txs)
        pending = remaining(pending, built)
        if progress is not None:
            progress("build", included, txs)
    return {
        "setup_blocks": setup_blocks,
        "kinds": dict(Counter(w.kind for w in work)),
        "build_seconds": seconds,
    }


# -- the measurement ------------------------------------------------------------------------


def measure_rollup(
    accounts: Accounts,
    recipients: list[bytes],
    *,
    txs: int,
    block_txs: int,
    blocks_per_batch: int,
    gas_limit: int,
    anvil: Path,
    workdir: Path,
    on_phase: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The rollup suite (see the module docstring) in ``workdir``; raises BenchError if
    anything does not add up (a failed transaction, a codec that does not round-trip, a
    failed L1 posting, a verifier that diverges)."""

    def phase(text: str) -> None:
        if on_phase is not None:
            on_phase(text)

    with contextlib.ExitStack() as stack:
        chain, genesis = open_chain(stack, workdir / "l2", accounts, gas_limit=gas_limit)

        # -- the L2 chain and its batches ---------------------------------------------
        phase("building the L2 chain")
        built = _build_chain(
            chain, accounts, recipients, txs=txs, block_txs=block_txs, progress=progress
        )
        setup_last = built["setup_blocks"]
        head = chain.head.number
        setup_batch = build_batch(chain, 1, setup_last)
        batches = [
            build_batch(chain, first, min(first + blocks_per_batch - 1, head))
            for first in range(setup_last + 1, head + 1, blocks_per_batch)
        ]
        raws = [b.encode() for b in batches]
        batch_txs = [sum(len(b.txs) for b in batch.blocks) for batch in batches]
        if sum(batch_txs) != txs:
            raise BenchError(f"the batches hold {sum(batch_txs)} transactions, not {txs}")
        raw_total = sum(len(r) for r in raws)
        tx_bytes = sum(len(t) for batch in batches for b in batch.blocks for t in b.txs)

        # -- codecs: bytes and CPU ------------------------------------------------------
        phase("compressing")
        results: dict[str, dict[str, Any]] = {}
        framed: dict[str, list[list[bytes]]] = {}  # codec -> the frames of each batch
        for name in codec.CODECS:
            framed[name], results[name] = _measure_codec(
                name, raws, progress=progress,
                done=len(raws) * codec.CODECS.index(name), total=len(raws) * len(codec.CODECS),
            )  # fmt: skip
            r = results[name]
            r["bytes_per_tx"] = _round(r["payload_bytes"] / txs, 2)
            r["frame_bytes_per_tx"] = _round(r["frame_bytes"] / txs, 2)
            r["ratio"] = _round(raw_total / r["payload_bytes"])

        # -- L1 gas ---------------------------------------------------------------------
        phase("starting anvil as the L1")
        l1 = _post_to_l1(
            stack, framed, results, workdir=workdir / "l1", anvil=anvil,
            chain_id=accounts.chain_id, progress=progress, on_phase=phase,
        )  # fmt: skip
        for r in results.values():
            r["l1_gas_per_tx"] = _round(r["l1_gas"] / txs, 1)
            r["l1_gas_per_batch"] = round(r["l1_gas"] / len(batches))
        base = results["none"]["l1_gas"]
        for r in results.values():
            r["l1_gas_vs_none"] = _round(r["l1_gas"] / base) if base else None

        # -- the verifier ---------------------------------------------------------------
        phase(f"verifier: re-executing ({codec.DEFAULT} batches)")
        verifier = _verify(
            stack, chain, genesis, setup_batch, batches, framed[codec.DEFAULT],
            workdir=workdir, n_blocks=head - setup_last, n_txs=txs, progress=progress,
        )  # fmt: skip

    fewest_bytes = min(results, key=lambda n: results[n]["frame_bytes"])
    least_gas = min(results, key=lambda n: results[n]["l1_gas"])
    return {
        "txs": txs,
        "block_txs": block_txs,
        "blocks_per_batch": blocks_per_batch,
        "max_frame_bytes": MAX_FRAME_BYTES,
        "compress_rounds": COMPRESS_ROUNDS,
        "kinds": built["kinds"],
        "setup_blocks": setup_last,
        "blocks": head - setup_last,
        "batches": len(batches),
        "batch_txs": batch_txs,
        "raw_bytes": raw_total,
        "raw_bytes_per_batch": [len(r) for r in raws],
        "raw_bytes_per_tx": _round(raw_total / txs, 2),
        # the signed transactions alone: the rest of the raw RLP is the batch's framing
        # (per block: number, timestamp, inbox position, hash, state root)
        "tx_bytes_per_tx": _round(tx_bytes / txs, 2),
        "codecs": results,
        "fewest_bytes": fewest_bytes,
        "least_gas": least_gas,
        "default_codec": codec.DEFAULT,
        "l1": l1,
        "builder": {
            "seconds": _round(built["build_seconds"]),
            "txs_per_s": _round(txs / built["build_seconds"], 1),
        },
        "verifier": verifier,
        "complete": True,  # anything less raised BenchError
    }


def _measure_codec(
    name: str,
    raws: list[bytes],
    *,
    progress: Progress | None,
    done: int,
    total: int,
) -> tuple[list[list[bytes]], dict[str, Any]]:
    """Each batch compressed and decompressed :data:`COMPRESS_ROUNDS` times (the least
    time of each counts); the frames of each batch's payload, and the figures."""
    payloads: list[bytes] = []
    compress_s: list[float] = []
    decompress_s: list[float] = []
    for i, raw in enumerate(raws):
        gc.collect()
        best_c = best_d = math.inf
        payload = b""
        for _ in range(COMPRESS_ROUNDS):
            t0 = time.perf_counter()
            payload = codec.compress(raw, name)
            best_c = min(best_c, time.perf_counter() - t0)
        for _ in range(COMPRESS_ROUNDS):
            t0 = time.perf_counter()
            back = codec.decompress(payload)
            best_d = min(best_d, time.perf_counter() - t0)
            if back != raw:
                raise BenchError(f"{name}: a batch does not decompress to itself")
        payloads.append(payload)
        compress_s.append(best_c)
        decompress_s.append(best_d)
        if progress is not None:
            progress("compress", done + i + 1, total)
    parts = [frames.split(p, MAX_FRAME_BYTES) for p in payloads]
    raw_mb = sum(len(r) for r in raws) / 1e6
    return parts, {
        "payload_bytes": sum(len(p) for p in payloads),
        "frame_bytes": sum(len(f) for fs in parts for f in fs),
        "frames": sum(len(fs) for fs in parts),
        "compress_ms": _round(1000 * sum(compress_s) / len(raws)),
        "decompress_ms": _round(1000 * sum(decompress_s) / len(raws)),
        # raw RLP bytes through the codec per second
        "compress_mb_s": _round(raw_mb / sum(compress_s), 2) if sum(compress_s) else None,
        "decompress_mb_s": _round(raw_mb / sum(decompress_s), 2) if sum(decompress_s) else None,
    }


def _post_to_l1(
    stack: contextlib.ExitStack,
    framed: dict[str, list[list[bytes]]],
    results: dict[str, dict[str, Any]],
    *,
    workdir: Path,
    anvil: Path,
    chain_id: int,
    progress: Progress | None,
    on_phase: Callable[[str], None],
) -> dict[str, Any]:
    """Send every codec's frames to the batch inbox of a fresh anvil; sum ``gasUsed``
    into ``results[codec]``."""
    workdir.mkdir(parents=True, exist_ok=True)
    node = L1Anvil(workdir, binary=anvil)  # anvil's own genesis and gas limit; automine
    stack.callback(node.stop)
    node.start()
    client = L1Client(node.url, ANVIL_DEV_KEY)
    stack.callback(client.close)
    inbox = batch_inbox_address(chain_id)
    to_post = [(name, frame) for name in codec.CODECS for fs in framed[name] for frame in fs]
    try:
        client_version = client.rpc("web3_clientVersion")
        l1_chain_id = client.chain_id
        first_block = client.block_number() + 1
        on_phase("posting frames to L1")
        for name in codec.CODECS:
            results[name].update(l1_gas=0, l1_gas_standard=0, l1_gas_floor=0, l1_gas_expected=0)
        for i, (name, frame) in enumerate(to_post):
            tx_hash, raw, _ = client.sign(inbox, frame)
            client.send_raw(raw)
            receipt = client.wait_receipt(tx_hash, timeout=60)
            if hex_int(receipt["status"]) != 1:
                raise BenchError(f"an L1 frame transaction failed: 0x{tx_hash.hex()}")
            standard, floor = calldata_gas(frame)
            r = results[name]
            r["l1_gas"] += hex_int(receipt["gasUsed"])
            r["l1_gas_standard"] += standard
            r["l1_gas_floor"] += floor
            r["l1_gas_expected"] += max(standard, floor)
            if progress is not None:
                progress("post", i + 1, len(to_post))
        last_block = client.block_number()
    except (RemoteError, httpx.HTTPError, TimeoutError) as exc:
        raise BenchError(f"posting to the L1 anvil: {exc}; log {node.log_path}") from exc
    for r in results.values():
        # what the receipts say is what EIP-7623 prices calldata at (no execution: the
        # batch inbox has no code), and whether the floor is what applied
        r["l1_gas_as_expected"] = r["l1_gas"] == r["l1_gas_expected"]
        r["floor_applies"] = r["l1_gas_floor"] > r["l1_gas_standard"]
    return {
        "client_version": client_version,
        "chain_id": l1_chain_id,
        "hardfork": "prague",
        "batch_inbox": "0x" + inbox.hex(),
        "frame_txs": len(to_post),
        "l1_blocks": [first_block, last_block],
    }


def _verify(
    stack: contextlib.ExitStack,
    chain: Chain,
    genesis: Genesis,
    setup_batch: Batch,
    batches: list[Batch],
    framed: list[list[bytes]],
    *,
    workdir: Path,
    n_blocks: int,
    n_txs: int,
    progress: Progress | None,
) -> dict[str, Any]:
    """Write the batches (``framed``: the frames of each) to a file DA layer one at a
    time, and time the verifier's steps over each (after the setup batch, which is
    verified untimed); the batches hold ``n_blocks`` blocks of ``n_txs`` transactions."""
    writer = FileDA(workdir / "da")
    stack.callback(writer.close)

    def post(batch_frames: list[bytes], batch: Batch) -> None:
        for frame in batch_frames:
            writer.send(writer.prepare_frame(frame))
        last = batch.blocks[-1]
        writer.send(writer.prepare_output(Output(last.number, last.block_hash, last.state_root)))

    setup_payload = codec.compress(setup_batch.encode(), codec.DEFAULT)
    post(frames.split(setup_payload, MAX_FRAME_BYTES), setup_batch)
    verifier = Verifier(workdir / "verifier", genesis, FileDA(workdir / "da", writable=False))
    close_on_exit(stack, verifier.close)
    while verifier.step():
        pass
    wall: list[float] = []
    cpu: list[float] = []
    for i, (batch_frames, batch) in enumerate(zip(framed, batches, strict=True)):
        post(batch_frames, batch)
        gc.collect()
        t0, c0 = time.perf_counter(), time.thread_time()
        while verifier.step():
            pass
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        if progress is not None:
            progress("verify", i + 1, len(batches))
    verifier.finish()
    p = verifier.progress
    if p.first is not None:
        raise BenchError(
            f"the verifier diverged at block {p.first.block}: {p.first.cause} "
            f"({len(p.history)} divergences)"
        )
    head, ours = verifier.chain.head, chain.head
    if (head.number, head.hash, head.state_root) != (ours.number, ours.hash, ours.state_root):
        raise BenchError(
            f"the verifier stopped at block {head.number} (0x{head.hash.hex()}), the built "
            f"chain's head is {ours.number} (0x{ours.hash.hex()})"
        )
    if p.batches != len(batches) + 1 or p.outputs != len(batches) + 1:
        raise BenchError(
            f"the verifier read {p.batches} batches and checked {p.outputs} output roots, "
            f"expected {len(batches) + 1} of each"
        )
    seconds = sum(wall)
    return {
        "codec": codec.DEFAULT,
        "batches": len(batches),
        "blocks": n_blocks,
        "txs": n_txs,
        "seconds": _round(seconds),
        "cpu_seconds": _round(sum(cpu)),
        "batches_per_s": _round(len(batches) / seconds),
        "blocks_per_s": _round(n_blocks / seconds, 2),
        "txs_per_s": _round(n_txs / seconds, 1),
        "per_batch_s": [_round(s) for s in wall],
        "matched": True,
        "head": {"number": head.number, "hash": "0x" + head.hash.hex()},
        "outputs_checked": p.outputs,
    }
