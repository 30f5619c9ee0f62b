"""Inspection latency per transaction, measured in-process and exactly.

Blocks of the mixed workload are built with the node's own :class:`BlockBuilder` on a
:class:`Chain` in a temporary directory. ``BlockBuilder.build`` only proposes a block
(the chain moves on when it is appended), so each block is built several times on the
same parent state before one of the builds is appended:

* once ``timed``: inspection on, with every ``trace_from_pyevm`` call, every
  ``Inspector.judge`` call and every detector's ``inspect`` timed with ``perf_counter``
  (the per-transaction latencies);
* then ``rounds`` times each, alternating, with inspection ``on`` (untimed) and ``off``
  (no inspector): the builder thread's CPU time, the least of the rounds per block
  (the usual way to see through what else the machine does).

Garbage is collected before every build, so no build pays for another's. The inspector
is the node's: :func:`default_detectors` under an :class:`Inspector` with the default
budget.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import seqguard.builder.builder as builder_module
from seqguard.builder.builder import BlockBuilder, BuiltBlock, FixedTransactions
from seqguard.chain import Chain
from seqguard.config import Config
from seqguard.inspection import Context, Detector, Finding, Inspector, Verdict
from seqguard.inspection.detectors import default_detectors
from seqguard.trace import Trace
from seqguard.types import Tx

from .inprocess import append, deploy_contracts, open_chain, remaining, sign_mixed
from .load import percentile
from .mixed import KINDS
from .procs import BenchError
from .workload import Accounts

Progress = Callable[[int], None]  # workload transactions built (appended) so far


def stats_ms(seconds: list[float]) -> dict[str, float]:
    """p50, p99, max and mean of durations in seconds, in milliseconds."""
    if not seconds:
        return {}
    ms = sorted(s * 1000.0 for s in seconds)
    return {
        "p50": percentile(ms, 50),
        "p99": percentile(ms, 99),
        "max": ms[-1],
        "mean": sum(ms) / len(ms),
    }


class _TimedDetector(Detector):
    """A detector whose every ``inspect`` call is timed; it finds what the real one finds."""

    def __init__(self, inner: Detector, sink: dict[str, dict[bytes, float]]) -> None:
        self.inner = inner
        self.name = inner.name  # the inspector keys its settings by name
        self.default_threshold = inner.default_threshold  # the risk model acts at 0.8
        self.sink = sink.setdefault(inner.name, {})

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        t0 = time.perf_counter()
        try:
            return self.inner.inspect(trace, context)
        finally:
            self.sink[trace.tx.hash] = time.perf_counter() - t0


class _TimedInspector(Inspector):
    """The node's inspector, recording how long each ``judge`` call takes."""

    def __init__(self, detectors: list[Detector], *, budget: float) -> None:
        self.detector_seconds: dict[str, dict[bytes, float]] = {}
        self.judge_seconds: dict[bytes, float] = {}
        super().__init__(
            [_TimedDetector(d, self.detector_seconds) for d in detectors], budget=budget
        )

    def judge(self, trace: Trace, context: Context) -> Verdict:
        t0 = time.perf_counter()
        verdict = super().judge(trace, context)
        self.judge_seconds[trace.tx.hash] = time.perf_counter() - t0
        return verdict


@contextlib.contextmanager
def _timed_traces(sink: dict[bytes, float]) -> Iterator[None]:
    """Time the builder's ``trace_from_pyevm`` calls (the function it really calls, wrapped
    for the duration of one build)."""
    real = builder_module.trace_from_pyevm

    def timed(tx: Tx, *args: Any, **kwargs: Any) -> Trace:
        t0 = time.perf_counter()
        try:
            return real(tx, *args, **kwargs)
        finally:
            sink[tx.hash] = time.perf_counter() - t0

    builder_module.trace_from_pyevm = timed  # type: ignore[assignment]
    try:
        yield
    finally:
        builder_module.trace_from_pyevm = real


def _build(
    builder: BlockBuilder, inspector: Inspector | None, pending: list[Tx]
) -> tuple[BuiltBlock, float]:
    """One proposal on the chain's head with ``inspector``; its builder-thread CPU time."""
    builder.inspector = inspector
    queue = FixedTransactions(pending)
    gc.collect()
    cpu0 = time.thread_time()
    built = builder.build(lambda base_fee: queue)
    return built, time.thread_time() - cpu0


def _describe(tx: Tx, kinds: dict[bytes, str]) -> str:
    return f"0x{tx.hash.hex()} ({kinds.get(tx.hash, 'setup')})"


def measure_inspection_latency(
    accounts: Accounts,
    recipients: list[bytes],
    *,
    txs: int,
    block_txs: int,
    gas_limit: int,
    rounds: int = 2,
    workdir: Path,
    on_phase: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Build ``txs`` mixed-workload transactions in blocks of ``block_txs`` (see the
    module docstring) in ``workdir``; the per-transaction latencies and the
    block-building CPU."""
    with contextlib.ExitStack() as stack:
        chain, _ = open_chain(stack, workdir / "chain", accounts, gas_limit=gas_limit)
        return _measure(
            chain, accounts, recipients, txs=txs, block_txs=block_txs, rounds=rounds,
            on_phase=on_phase, progress=progress,
        )  # fmt: skip


def _measure(
    chain: Chain,
    accounts: Accounts,
    recipients: list[bytes],
    *,
    txs: int,
    block_txs: int,
    rounds: int,
    on_phase: Callable[[str], None] | None,
    progress: Progress | None,
) -> dict[str, Any]:

    def phase(text: str) -> None:
        if on_phase is not None:
            on_phase(text)

    budget = Config().inspection_budget  # the node's default
    timed = _TimedInspector(default_detectors(), budget=budget)
    plain = Inspector(default_detectors(), budget=budget)
    builder = BlockBuilder(chain, max_txs=block_txs, inspector=plain)

    # -- setup, before the clock ----------------------------------------------------------
    phase("deploying and seeding the contracts")
    contracts = deploy_contracts(chain, builder, accounts)
    phase("signing the mixed workload")
    work, pending = sign_mixed(chain, accounts, recipients, contracts, txs=txs)
    kinds = {tx.hash: w.kind for tx, w in zip(pending, work, strict=True)}

    # -- the measured part ----------------------------------------------------------------
    phase(f"building blocks ({1 + 2 * rounds} builds each)")
    trace_seconds: dict[bytes, float] = {}
    per_block: list[dict[str, float]] = []
    held: list[str] = []
    invalid: list[str] = []
    failed: dict[str, int] = defaultdict(int)
    differing = 0  # builds of one block that did not include the same transactions
    while pending:
        with _timed_traces(trace_seconds):
            built, timed_cpu = _build(builder, timed, pending)
        best = {"on": float("inf"), "off": float("inf")}
        for r in range(rounds):
            for mode in ("on", "off") if r % 2 == 0 else ("off", "on"):
                again, seconds = _build(builder, plain if mode == "on" else None, pending)
                best[mode] = min(best[mode], seconds)
                if [tx.hash for tx in again.txs] != [tx.hash for tx in built.txs]:
                    differing += 1
        per_block.append({"txs": len(built.txs), "timed_s": timed_cpu, **best})
        append(chain, built)
        for tx, receipt in zip(built.txs, built.receipts, strict=True):
            if receipt.status != 1:
                failed[kinds[tx.hash]] += 1
        held += [f"{_describe(tx, kinds)}: {v.reason}" for tx, v in built.held]
        invalid += [_describe(tx, kinds) for tx in built.invalid]
        # a held or invalid transaction blocks its sender's later nonces for good
        stuck = {tx.sender for tx, _ in built.held} | {tx.sender for tx in built.invalid}
        if not built.txs and not stuck:
            raise BenchError(f"a block included none of {len(pending)} transactions")
        pending = remaining(pending, built, drop_senders=stuck)
        if progress is not None:
            progress(len(built.txs))

    # -- figures --------------------------------------------------------------------------
    # builder-thread CPU seconds over all blocks: the timed build, and the least of the
    # rounds with inspection on and off
    cpu = {
        mode: sum((b[key] for b in per_block), 0.0)
        for mode, key in (("timed", "timed_s"), ("on", "on"), ("off", "off"))
    }
    included = sum(int(b["txs"]) for b in per_block)
    judge = timed.judge_seconds
    if judge and not trace_seconds:
        raise BenchError(
            "no trace_from_pyevm call was timed: BlockBuilder.build no longer calls "
            "seqguard.builder.builder.trace_from_pyevm; update seqguard.bench.latency"
        )
    # the first (timed) build of each block is the one appended: its timings count
    by_kind: dict[str, list[bytes]] = defaultdict(list)
    for h, kind in kinds.items():
        if h in judge and h in trace_seconds:
            by_kind[kind].append(h)
    measured = [h for hs in by_kind.values() for h in hs]

    def row(hashes: list[bytes]) -> dict[str, Any]:
        return {
            "count": len(hashes),
            "trace_ms": stats_ms([trace_seconds[h] for h in hashes]),
            "judge_ms": stats_ms([judge[h] for h in hashes]),
            "total_ms": stats_ms([trace_seconds[h] + judge[h] for h in hashes]),
        }

    detectors = {
        name: {
            "all": stats_ms([sink[h] for h in measured if h in sink]),
            **{
                kind: stats_ms([sink[h] for h in by_kind[kind] if h in sink])
                for kind in KINDS
                if by_kind.get(kind)
            },
        }
        for name, sink in timed.detector_seconds.items()
    }
    inspect_total = sum(trace_seconds[h] + judge[h] for h in measured)
    return {
        "txs": txs,
        "block_txs": block_txs,
        "blocks": len(per_block),
        "rounds": rounds,
        "detectors_run": [d.name for d in timed.detectors],
        "kinds": {kind: row(by_kind[kind]) for kind in KINDS if by_kind.get(kind)},
        "all": row(measured),
        "detectors": detectors,
        "build_cpu_s": {k: round(v, 4) for k, v in cpu.items()},
        "build_per_block": [{k: round(v, 4) for k, v in b.items()} for b in per_block],
        # 1 - throughput on / off of the builder alone
        "build_cost_pct": (
            round(100.0 * (1.0 - cpu["off"] / cpu["on"]), 2) if cpu["on"] > 0 else None
        ),
        # the timed traces and judgements as a share of the timed builds' CPU
        "inspection_share_pct": (
            round(100.0 * inspect_total / cpu["timed"], 2) if cpu["timed"] > 0 else None
        ),
        "included": included,
        "failed": dict(failed),
        "held": held[:10],
        "held_count": len(held),
        "invalid": invalid[:10],
        "invalid_count": len(invalid),
        "differing_builds": differing,
        "complete": included == txs and not failed and not held and not invalid,
    }
