"""The rollup suite: what posting the mixed workload costs, per compressor.

The mixed workload's blocks are built in-process with the node's :class:`BlockBuilder`
on a :class:`Chain` (inspection off; the contracts deployed and seeded first, as in
:mod:`.latency`) and grouped into batches with the batcher's own ``build_batch``. The
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
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from trie import HexaryTrie

from seqguard.builder.builder import BlockBuilder, BuiltBlock, FixedTransactions
from seqguard.chain import Chain
from seqguard.genesis import Genesis, parse_genesis
from seqguard.rollup import codec, frames
from seqguard.rollup.batch import Batch
from seqguard.rollup.batcher import BatcherSettings, build_batch
from seqguard.rollup.da.base import Output
from seqguard.rollup.da.file import FileDA
from seqguard.rollup.l1 import ANVIL_DEV_KEY, L1Client, batch_inbox_address
from seqguard.rollup.verifier import Verifier
from seqguard.rpc.client import RemoteError
from seqguard.trace.geth import hex_int
from seqguard.types import Tx

from .latency import _decode
from .mixed import KIND_TITLES, KINDS, plan_setup
from .procs import BenchError, NodeProcess
from .workload import GWEI, Accounts, Fees, make_genesis, sign_workload

MAX_FRAME_BYTES = BatcherSettings().max_frame_bytes  # the node's default
COMPRESS_ROUNDS = 3
# Ethereum's calldata pricing: 4/16 gas per zero/non-zero byte, and since Prague
# (EIP-7623) at least 10 gas per token, a zero byte one token and a non-zero byte four
TX_BASE_GAS = 21_000
FLOOR_PER_TOKEN = 10

# (task, done, total): a long part of the suite has advanced
Progress = Callable[[str, int, int], None]
TASKS = {
    "build": "building L2 blocks (txs)",
    "compress": "compressing batches",
    "post": "posting frames to L1",
    "verify": "verifier: re-executing batches",
}


class L1Anvil(NodeProcess):
    """A fresh anvil as the L1: its own dev chain (31337, dev accounts funded),
    Prague, a block for every transaction (automine)."""

    kind = "anvil-l1"

    def __init__(self, workdir: Path, *, binary: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(workdir, genesis_path=Path("-"), gas_limit=0)  # anvil's own genesis
        self.binary = binary

    def command(self) -> list[str]:
        return [
            str(self.binary),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--hardfork", "prague",
            "--quiet",
        ]  # fmt: skip


def calldata_gas(data: bytes) -> tuple[int, int]:
    """(standard, floor) gas of a plain transaction carrying ``data`` to an address
    without code: 21000 + 4/16 per zero/non-zero byte, and EIP-7623's floor of 21000 +
    10 per token (zero byte 1 token, non-zero byte 4). Prague charges the larger."""
    zeros = data.count(0)
    nonzero = len(data) - zeros
    return (
        TX_BASE_GAS + 4 * zeros + 16 * nonzero,
        TX_BASE_GAS + FLOOR_PER_TOKEN * (zeros + 4 * nonzero),
    )


def _round(x: float, digits: int = 3) -> float:
    return round(x, digits) if math.isfinite(x) else x


# -- the L2 chain ---------------------------------------------------------------------------


def _append_block(chain: Chain, builder: BlockBuilder, pending: list[Tx], what: str) -> BuiltBlock:
    """Build one block of ``pending`` on the head (no inspection) and append it; every
    transaction must be included or left for a later block, and succeed."""
    queue = FixedTransactions(pending)
    built = builder.build(lambda base_fee: queue)
    bad = [f"0x{tx.hash.hex()} cannot execute" for tx in built.invalid]
    bad += [
        f"0x{tx.hash.hex()} failed" for tx, r in zip(built.txs, built.receipts, strict=True)
        if r.status != 1
    ]  # fmt: skip
    if bad or not built.txs:
        raise BenchError(f"in-process {what}: {bad[:5] or 'a block included nothing'}")
    chain.append(
        built.block, [tx.raw for tx in built.txs], built.receipts, built.created, built.inbox
    )
    return built


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
    fees = Fees(max_fee=100 * GWEI, priority=GWEI)
    plan = plan_setup(
        accounts.signers, [0] * len(accounts.signers), max_fee=fees.max_fee,
        priority=fees.priority,
    )  # fmt: skip
    for phase in plan.phases:
        pending = _decode(phase)
        while pending:
            built = _append_block(chain, builder, pending, "setup")
            done = {tx.hash for tx in built.txs}
            pending = [tx for tx in pending if tx.hash not in done]
    setup_blocks = chain.head.number
    state = chain.state_at(chain.head)
    nonces = [state.get_nonce(a) for a in accounts.addresses]
    work = sign_workload(
        "mixed", accounts, txs=txs, nonces=nonces, fees=fees, to=recipients,
        contracts=plan.contracts,
    )  # fmt: skip
    pending = _decode([w.tx for w in work])
    seconds = 0.0
    included = 0
    while pending:
        t0 = time.perf_counter()
        built = _append_block(chain, builder, pending, "workload")
        seconds += time.perf_counter() - t0
        included += len(built.txs)
        done = {tx.hash for tx in built.txs}
        pending = [tx for tx in pending if tx.hash not in done]
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
    max_frame_bytes: int = MAX_FRAME_BYTES,
    rounds: int = COMPRESS_ROUNDS,
    on_phase: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The rollup suite (see the module docstring) in ``workdir``; raises BenchError if
    anything does not add up (a failed transaction, a codec that does not round-trip, a
    failed L1 posting, a verifier that diverges)."""

    def phase(text: str) -> None:
        if on_phase is not None:
            on_phase(text)

    genesis = parse_genesis(
        make_genesis(chain_id=accounts.chain_id, addresses=accounts.addresses, gas_limit=gas_limit)
    )
    with contextlib.ExitStack() as stack:
        chain = Chain(workdir / "l2", genesis)
        stack.callback(chain.close)
        # trie's HexaryTrie caches tries (and so their databases) class-wide: empty the
        # cache before a chain closes (see .latency)
        stack.callback(HexaryTrie._cached_create_node_to_db_mapping.cache_clear)

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
        payloads: dict[str, list[bytes]] = {}
        for name in codec.CODECS:
            payloads[name], results[name] = _measure_codec(
                name, raws, rounds=rounds, max_frame_bytes=max_frame_bytes, progress=progress,
                done=len(raws) * codec.CODECS.index(name), total=len(raws) * len(codec.CODECS),
            )  # fmt: skip
            r = results[name]
            r["bytes_per_tx"] = _round(r["payload_bytes"] / txs, 2)
            r["frame_bytes_per_tx"] = _round(r["frame_bytes"] / txs, 2)
            r["ratio"] = _round(raw_total / r["payload_bytes"])

        # -- L1 gas ---------------------------------------------------------------------
        phase("starting anvil as the L1")
        l1 = _post_to_l1(
            stack, payloads, results, workdir=workdir / "l1", anvil=anvil,
            chain_id=accounts.chain_id, max_frame_bytes=max_frame_bytes, progress=progress,
            on_phase=phase,
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
            stack, chain, genesis, setup_batch, batches, payloads[codec.DEFAULT],
            workdir=workdir, max_frame_bytes=max_frame_bytes, progress=progress,
        )  # fmt: skip

    fewest_bytes = min(results, key=lambda n: results[n]["frame_bytes"])
    least_gas = min(results, key=lambda n: results[n]["l1_gas"])
    return {
        "txs": txs,
        "block_txs": block_txs,
        "blocks_per_batch": blocks_per_batch,
        "max_frame_bytes": max_frame_bytes,
        "compress_rounds": rounds,
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
    rounds: int,
    max_frame_bytes: int,
    progress: Progress | None,
    done: int,
    total: int,
) -> tuple[list[bytes], dict[str, Any]]:
    """Each batch compressed and decompressed ``rounds`` times (the least time of each
    counts); the payloads, and the figures."""
    payloads: list[bytes] = []
    compress_s: list[float] = []
    decompress_s: list[float] = []
    for i, raw in enumerate(raws):
        gc.collect()
        best_c = best_d = math.inf
        payload = b""
        for _ in range(rounds):
            t0 = time.perf_counter()
            payload = codec.compress(raw, name)
            best_c = min(best_c, time.perf_counter() - t0)
        for _ in range(rounds):
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
    parts = [frames.split(p, max_frame_bytes) for p in payloads]
    raw_mb = sum(len(r) for r in raws) / 1e6
    return payloads, {
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
    payloads: dict[str, list[bytes]],
    results: dict[str, dict[str, Any]],
    *,
    workdir: Path,
    anvil: Path,
    chain_id: int,
    max_frame_bytes: int,
    progress: Progress | None,
    on_phase: Callable[[str], None],
) -> dict[str, Any]:
    """Send every codec's frames to the batch inbox of a fresh anvil; sum ``gasUsed``
    into ``results[codec]``."""
    node = L1Anvil(workdir, binary=anvil)
    stack.callback(node.stop)
    node.start()
    client = L1Client(node.url, ANVIL_DEV_KEY)
    stack.callback(client.close)
    inbox = batch_inbox_address(chain_id)
    to_post = [
        (name, frame)
        for name in codec.CODECS
        for payload in payloads[name]
        for frame in frames.split(payload, max_frame_bytes)
    ]
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
    payloads: list[bytes],
    *,
    workdir: Path,
    max_frame_bytes: int,
    progress: Progress | None,
) -> dict[str, Any]:
    """Write the batches to a file DA layer one at a time, and time the verifier's steps
    over each (after the setup batch, which is verified untimed)."""
    writer = FileDA(workdir / "da")
    stack.callback(writer.close)

    def post(payload: bytes, batch: Batch) -> None:
        for frame in frames.split(payload, max_frame_bytes):
            writer.send(writer.prepare_frame(frame))
        last = batch.blocks[-1]
        writer.send(writer.prepare_output(Output(last.number, last.block_hash, last.state_root)))

    post(codec.compress(setup_batch.encode(), codec.DEFAULT), setup_batch)
    verifier = Verifier(workdir / "verifier", genesis, FileDA(workdir / "da", writable=False))
    stack.callback(verifier.close)
    stack.callback(HexaryTrie._cached_create_node_to_db_mapping.cache_clear)
    while verifier.step():
        pass
    wall: list[float] = []
    cpu: list[float] = []
    for i, (payload, batch) in enumerate(zip(payloads, batches, strict=True)):
        post(payload, batch)
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
    n_blocks = sum(len(b.blocks) for b in batches)
    n_txs = sum(len(b.txs) for batch in batches for b in batch.blocks)
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


# -- the report -----------------------------------------------------------------------------


def _n(x: float | None, digits: int = 0) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def print_rollup(console: Console, result: dict[str, Any]) -> None:
    r = result
    kinds = ", ".join(f"{KIND_TITLES[k]} {r['kinds'][k]:,}" for k in KINDS if k in r["kinds"])
    console.print(
        f"[bold]rollup: {r['txs']:,} mixed txs in {r['blocks']} blocks of {r['block_txs']}, "
        f"{r['batches']} batch(es) of {r['blocks_per_batch']} blocks; frames of at most "
        f"{r['max_frame_bytes']:,} bytes; L1: anvil, Prague[/bold]"
    )
    console.print(f"({kinds})")
    table = Table()
    table.add_column("codec")
    table.add_column("B/tx", justify="right")
    table.add_column("framed B/tx", justify="right")
    table.add_column("frames", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("L1 gas/tx", justify="right")
    table.add_column("L1 gas/batch", justify="right")
    table.add_column("vs none", justify="right")
    table.add_column("compress ms/batch", justify="right")
    table.add_column("decompress ms/batch", justify="right")
    table.add_column("notes")
    for name, c in r["codecs"].items():
        marks = []
        if name == r["fewest_bytes"]:
            marks.append("fewest bytes")
        if name == r["least_gas"]:
            marks.append("least gas")
        if name == r["default_codec"]:
            marks.append("default")
        vs = c.get("l1_gas_vs_none")
        table.add_row(
            name, _n(c["bytes_per_tx"], 1), _n(c["frame_bytes_per_tx"], 1), str(c["frames"]),
            f"{c['ratio']:.2f}x", _n(c["l1_gas_per_tx"], 0), _n(c["l1_gas_per_batch"]),
            "-" if vs is None else f"{100 * vs:.1f}%",
            _n(c["compress_ms"], 2), _n(c["decompress_ms"], 2), ", ".join(marks),
        )  # fmt: skip
    console.print(table)
    console.print(
        f"B/tx: the compressed payload per L2 tx, framed: with the frame headers; raw RLP "
        f"{r['raw_bytes_per_tx']:.1f} B/tx (the signed transactions alone "
        f"{r['tx_bytes_per_tx']:.1f}); ratio: raw RLP / payload; vs none: L1 gas against "
        "posting the raw RLP; codec times: the least of "
        f"{r['compress_rounds']} runs, mean over the batches"
    )
    floor = all(c["floor_applies"] for c in r["codecs"].values())
    exact = all(c["l1_gas_as_expected"] for c in r["codecs"].values())
    none = r["codecs"]["none"]
    console.print(
        f"L1 gas: the receipts' gasUsed {'[green]is' if exact else '[red]is not'} the "
        f"calldata's price, max(21,000 + 4/16 per zero/non-zero byte, EIP-7623 floor 21,000 + "
        f"10/40)[/]{', the floor for every codec' if floor else ''} (the batch inbox executes "
        f"nothing); before Prague the raw RLP would cost "
        f"{none['l1_gas_standard'] / r['txs']:,.0f} gas/tx, not {none['l1_gas_per_tx']:,.0f}"
    )
    v = r["verifier"]
    b = r["builder"]
    console.print(
        f"verifier ({v['codec']} batches from a file DA layer, from genesis): {v['batches']} "
        f"batches, {v['blocks']} blocks, {v['txs']:,} txs in {v['seconds']:.2f} s: "
        f"[bold]{v['batches_per_s']:.2f} batches/s[/bold], {v['blocks_per_s']:.1f} blocks/s, "
        f"{v['txs_per_s']:,.0f} tx/s; head {v['head']['number']} "
        f"{v['head']['hash'][:12]}… matches the sequencer's "
        f"[green]ok[/green] (the builder, inspection off: {b['txs_per_s']:,.0f} tx/s)"
    )
