"""The timed part: post pre-encoded batches on several connections while a poller watches
the head, then work out throughput and send-to-receipt latency.

* A transaction's send time is when its batch was posted; its inclusion time is when the
  poller first saw its block (``eth_blockNumber`` every ``poll_interval``) with the
  receipt of the block's last transaction available.
* Throughput = included transactions / (last inclusion time - first send time).
* Afterwards every receipt is checked for status 1.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .rpc import RpcClient, RpcError, is_error, order_batch_answer
from .workload import Load

Progress = Callable[[str, int], None]  # (phase "sent" | "included", count)


@dataclass
class LoadResult:
    workload: str
    txs: int
    sent_ok: int = 0
    included: int = 0
    complete: bool = False
    duration_s: float = 0.0  # first send -> last inclusion
    send_duration_s: float = 0.0  # first send -> last batch answered
    tps: float = 0.0
    send_tps: float = 0.0  # how fast the node accepted the transactions
    latency_ms: dict[str, float] = field(default_factory=dict)
    blocks: int = 0
    block_txs_max: int = 0
    send_errors: dict[str, int] = field(default_factory=dict)
    hash_mismatches: int = 0
    receipts_checked: int = 0
    receipts_failed: int = 0
    receipt_problems: list[str] = field(default_factory=list)
    failed_by_kind: dict[str, int] = field(default_factory=dict)  # mixed workload
    block_log: list[dict[str, Any]] = field(default_factory=list)
    node_cpu_s: float | None = None  # CPU time the node used during the timed part
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "txs": self.txs,
            "sent_ok": self.sent_ok,
            "included": self.included,
            "complete": self.complete,
            "duration_s": round(self.duration_s, 4),
            "send_duration_s": round(self.send_duration_s, 4),
            "tps": round(self.tps, 1),
            "send_tps": round(self.send_tps, 1),
            "latency_ms": {k: round(v, 1) for k, v in self.latency_ms.items()},
            "blocks": self.blocks,
            "block_txs_max": self.block_txs_max,
            "send_errors": self.send_errors,
            "hash_mismatches": self.hash_mismatches,
            "receipts_checked": self.receipts_checked,
            "receipts_failed": self.receipts_failed,
            "receipt_problems": self.receipt_problems,
            "failed_by_kind": self.failed_by_kind,
            "node_cpu_s": None if self.node_cpu_s is None else round(self.node_cpu_s, 2),
            "node_cpu_ms_per_tx": (
                round(1000.0 * self.node_cpu_s / self.included, 3)
                if self.node_cpu_s is not None and self.included
                else None
            ),
            "note": self.note,
            # every block seen from the first send on: when (s after the first send), how
            # many transactions it had and how many of them were this run's
            "block_log": self.block_log,
        }


def percentile(sorted_values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return float("nan")
    pos = (len(sorted_values) - 1) * p / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


class _Poller(threading.Thread):
    """Watches the head; records when each block (with its receipts) was first seen."""

    def __init__(
        self,
        url: str,
        start_block: int,
        wanted: set[str],
        *,
        interval: float,
        stop: threading.Event,
        progress: Progress | None,
    ) -> None:
        super().__init__(name="bench-poller", daemon=True)
        self.rpc = RpcClient(url, timeout=30.0)
        self.next_block = start_block + 1
        self.wanted = wanted
        self.remaining = set(wanted)
        self.interval = interval
        self.stop_event = stop
        self.progress = progress
        self.block_of: dict[str, int] = {}
        self.seen_at: dict[int, float] = {}
        self.block_sizes: dict[int, int] = {}
        self.last_inclusion = 0.0
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.lock = threading.Lock()

    def forget(self, hashes: list[str]) -> None:
        """Stop waiting for transactions the node rejected."""
        with self.lock:
            self.remaining.difference_update(hashes)
            if not self.remaining:
                self.done.set()

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # reported by the caller
            self.error = exc
        finally:
            self.rpc.close()
            self.done.set()

    def _run(self) -> None:
        while not self.stop_event.is_set():
            t0 = time.perf_counter()
            head = int(self.rpc.call("eth_blockNumber"), 16)
            seen = time.perf_counter()
            while self.next_block <= head and not self.stop_event.is_set():
                n = self.next_block
                block = self.rpc.call("eth_getBlockByNumber", hex(n), False)
                if block is None:  # head moved but the block is not served yet
                    break
                hashes = block.get("transactions") or []
                if hashes:
                    seen = max(seen, self._receipt_time(hashes[-1]))
                mine = 0
                with self.lock:
                    for h in hashes:
                        if h in self.wanted and h not in self.block_of:
                            self.block_of[h] = n
                            self.remaining.discard(h)
                            mine += 1
                    self.seen_at[n] = seen
                    self.block_sizes[n] = len(hashes)
                    if mine:
                        self.last_inclusion = seen
                    finished = not self.remaining
                if mine and self.progress is not None:
                    self.progress("included", mine)
                self.next_block += 1
                if finished:
                    self.done.set()
                    return
            delay = self.interval - (time.perf_counter() - t0)
            if delay > 0:
                self.stop_event.wait(delay)

    def _receipt_time(self, tx_hash: str) -> float:
        """When the receipt of ``tx_hash`` is available (now, normally)."""
        deadline = time.perf_counter() + 10.0
        while True:
            r = self.rpc.call("eth_getTransactionReceipt", tx_hash)
            now = time.perf_counter()
            if r is not None or now > deadline:
                return now
            time.sleep(0.005)


class _Sender(threading.Thread):
    def __init__(
        self,
        url: str,
        batches: list[Any],
        start: threading.Barrier,
        abort: threading.Event,
        poller: _Poller,
        progress: Progress | None,
    ) -> None:
        super().__init__(name="bench-sender", daemon=True)
        self.url = url
        self.batches = batches
        self.start_barrier = start
        self.abort = abort
        self.poller = poller
        self.progress = progress
        self.sent_at: list[float] = []
        self.answered_at = 0.0
        self.ok = 0
        self.errors: Counter[str] = Counter()
        self.mismatches = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        rpc = RpcClient(self.url, timeout=120.0)
        try:
            rpc._connection()  # connect before the clock starts
            self.start_barrier.wait()
            for batch in self.batches:
                if self.abort.is_set():
                    return
                t = time.perf_counter()
                self.sent_at.append(t)
                answer = rpc.post(batch.body)
                self.answered_at = time.perf_counter()
                results = order_batch_answer(answer, batch.first_id, len(batch.hashes))
                rejected = []
                for h, r in zip(batch.hashes, results, strict=True):
                    if is_error(r):
                        msg = str(r["error"].get("message", r["error"]))[:120]
                        self.errors[msg] += 1
                        rejected.append(h)
                    else:
                        self.ok += 1
                        if r != h:
                            self.mismatches += 1
                if rejected:
                    self.poller.forget(rejected)
                if self.progress is not None:
                    self.progress("sent", len(batch.hashes))
        except BaseException as exc:
            self.error = exc
            self.abort.set()
        finally:
            rpc.close()


def run_load(
    url: str,
    load: Load,
    *,
    poll_interval: float = 0.025,
    timeout: float = 120.0,
    stall_timeout: float = 30.0,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    node_cpu: Callable[[], float | None] | None = None,
) -> LoadResult:
    """Post ``load`` to ``url`` (one thread per lane) and wait until all is included.

    ``node_cpu`` (CPU seconds of the node so far) is read around the timed part; every
    receipt is checked afterwards."""
    result = LoadResult(load.workload, load.count)
    cpu_before = node_cpu() if node_cpu is not None else None
    with RpcClient(url) as rpc:
        start_block = int(rpc.call("eth_blockNumber"), 16)
    stop = threading.Event()
    poller = _Poller(
        url, start_block, set(load.hashes), interval=poll_interval, stop=stop, progress=progress
    )
    lanes = [lane for lane in load.lanes if lane]
    barrier = threading.Barrier(len(lanes) + 1)
    senders = [_Sender(url, lane, barrier, stop, poller, progress) for lane in lanes]
    for s in senders:
        s.start()
    try:
        barrier.wait(timeout=30)
    except threading.BrokenBarrierError:
        stop.set()
        errs = [s.error for s in senders if s.error]
        raise RpcError(f"could not connect the senders: {errs[0] if errs else 'timeout'}") from None
    poller.start()
    try:
        deadline = time.perf_counter() + timeout
        last_count, last_change = 0, time.perf_counter()
        while not poller.done.wait(0.1):
            now = time.perf_counter()
            if should_stop is not None and should_stop():
                result.note = "interrupted"
                break
            if any(s.error for s in senders):
                break
            if any(s.is_alive() for s in senders):
                deadline = now + timeout  # the timeout counts from the last send
            count = len(poller.block_of)
            if count != last_count:
                last_count, last_change = count, now
            if now > deadline:
                result.note = f"timed out {timeout:g}s after the last send"
                break
            if now - last_change > stall_timeout and not any(s.is_alive() for s in senders):
                result.note = f"nothing included for {stall_timeout:g}s"
                break
    finally:
        stop.set()
        for s in senders:
            s.join(timeout=30)
        poller.join(timeout=30)

    cpu_after = node_cpu() if node_cpu is not None else None
    if cpu_before is not None and cpu_after is not None:
        result.node_cpu_s = cpu_after - cpu_before
    for s in senders:
        if s.error is not None:
            raise RpcError(f"sending failed: {s.error}") from s.error
    if poller.error is not None:
        raise RpcError(f"polling the head failed: {poller.error}") from poller.error

    # -- figures -------------------------------------------------------------------------
    first_send = min((s.sent_at[0] for s in senders if s.sent_at), default=0.0)
    result.sent_ok = sum(s.ok for s in senders)
    errors: Counter[str] = Counter()
    for s in senders:
        errors.update(s.errors)
    result.send_errors = dict(errors.most_common(10))
    result.hash_mismatches = sum(s.mismatches for s in senders)
    result.send_duration_s = max(s.answered_at for s in senders) - first_send
    if result.send_duration_s > 0:
        result.send_tps = result.sent_ok / result.send_duration_s
    result.included = len(poller.block_of)
    result.complete = result.included == load.count
    blocks = sorted(set(poller.block_of.values()))
    result.blocks = len(blocks)
    result.block_txs_max = max((poller.block_sizes[b] for b in blocks), default=0)
    mine_per_block = Counter(poller.block_of.values())
    result.block_log = [
        {
            "number": n,
            "seen_s": round(poller.seen_at[n] - first_send, 3),
            "txs": poller.block_sizes[n],
            "bench_txs": mine_per_block.get(n, 0),
        }
        for n in sorted(poller.seen_at)
    ]
    if result.included:
        result.duration_s = poller.last_inclusion - first_send
        result.tps = result.included / result.duration_s if result.duration_s > 0 else 0.0
        latencies = []
        for s in senders:
            for batch, t_sent in zip(s.batches, s.sent_at, strict=False):
                for h in batch.hashes:
                    n = poller.block_of.get(h)
                    if n is not None:
                        latencies.append((poller.seen_at[n] - t_sent) * 1000.0)
        latencies.sort()
        result.latency_ms = {
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
            "min": latencies[0],
            "max": latencies[-1],
            "mean": sum(latencies) / len(latencies),
        }
    if not result.complete and not result.note:
        result.note = f"only {result.included} of {load.count} included"
    _check_receipts(url, poller, result, load.kinds)
    return result


def _check_receipts(url: str, poller: _Poller, result: LoadResult, kinds: dict[str, str]) -> None:
    picks = list(poller.block_of)
    if not picks:
        return
    failed: Counter[str] = Counter()
    with RpcClient(url) as rpc:
        for start in range(0, len(picks), 500):  # under the nodes' batch limits
            chunk = picks[start : start + 500]
            answers = rpc.batch([("eth_getTransactionReceipt", [h]) for h in chunk])
            for h, r in zip(chunk, answers, strict=True):
                result.receipts_checked += 1
                problem = None
                if is_error(r) or r is None:
                    problem = f"no receipt ({r})"
                elif r.get("status") != "0x1":
                    problem = f"status {r.get('status')}"
                elif int(r.get("blockNumber", "0x0"), 16) != poller.block_of[h]:
                    problem = (
                        f"receipt in block {r.get('blockNumber')}, seen in {poller.block_of[h]}"
                    )
                if problem:
                    result.receipts_failed += 1
                    kind = kinds.get(h, result.workload)
                    failed[kind] += 1
                    if len(result.receipt_problems) < 5:
                        result.receipt_problems.append(f"{h} ({kind}): {problem}")
    result.failed_by_kind = dict(failed)
