"""``seqguard eval``: play the scenario library (and optionally benign workload) against a
node over JSON-RPC and measure how well it protects: attacks stopped, recall per
class, false positives, which detectors fired, and inspection latency.

Any node works, a remote one included: scenario accounts are funded by ``--key``
(the dev accounts by default). Against anvil, every attack gets through: that is the
check that the attacks are real.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from seqguard.scenarios import ATTACK, BENIGN, Scenario, load_all
from seqguard.scenarios.env import Env, dev_keys
from seqguard.scenarios.runner import (
    ERROR,
    FALSE_POSITIVE,
    MISSED,
    PASSED,
    STOPPED,
    Result,
    run_scenario,
)
from seqguard.scenarios.workload import Workload

LATENCY_METRIC = "seqguard_inspection_duration_seconds"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rpc", default="http://127.0.0.1:8545", help="node URL (default http://127.0.0.1:8545)"
    )
    p.add_argument(
        "--admin-token",
        default=os.environ.get("SEQGUARD_ADMIN_TOKEN"),
        help="lets scenarios register the invariants their protocol's operators would "
        "(default $SEQGUARD_ADMIN_TOKEN; without it, invariant-based protection is not used)",
    )
    p.add_argument(
        "--scenarios",
        default="*",
        metavar="PATTERNS",
        help="comma-separated name patterns to run, e.g. 'reentrancy-*,flash-*' (default all)",
    )
    p.add_argument(
        "--kind", choices=["all", ATTACK, BENIGN], default="all", help="which scenarios to run"
    )
    p.add_argument(
        "--workload", type=int, default=0, metavar="N", help="also send N benign workload txs"
    )
    p.add_argument("--seed", type=int, default=1, help="workload seed (default 1)")
    p.add_argument("--rate", type=float, metavar="TX/S", help="workload send rate (default: max)")
    p.add_argument(
        "--key",
        action="append",
        metavar="HEX",
        help="private key of a funded account that pays for the scenarios; repeatable "
        "(default: the dev accounts of anvil and `seqguard node`)",
    )
    p.add_argument("--json", metavar="FILE", help="write the full report as JSON to FILE")
    p.add_argument(
        "--min-recall",
        type=float,
        default=0.95,
        help="exit 1 if fewer attacks than this share are stopped (default 0.95)",
    )
    p.add_argument(
        "--max-false-positives",
        type=int,
        default=0,
        help="exit 1 if more benign scenarios or workload txs than this are held (default 0)",
    )
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")


def select(patterns: str, kind: str) -> list[type[Scenario]]:
    wanted = [p.strip() for p in patterns.split(",") if p.strip()]
    return [
        cls
        for name, cls in load_all().items()
        if any(fnmatch.fnmatch(name, p) for p in wanted) and kind in ("all", cls.kind)
    ]


def _metrics_url(rpc: str) -> str:
    parts = urlsplit(rpc)
    return urlunsplit((parts.scheme, parts.netloc, "/metrics", "", ""))


def _histogram(rpc: str) -> dict[float, float] | None:
    """Cumulative bucket counts of the node's inspection latency histogram, if it has one."""
    try:
        text = httpx.get(_metrics_url(rpc), timeout=10).text
    except httpx.HTTPError:
        return None
    buckets = {}
    for m in re.finditer(rf'^{LATENCY_METRIC}_bucket\{{le="([^"]+)"\}} (\S+)$', text, re.M):
        buckets[float(m.group(1))] = float(m.group(2))
    return buckets or None


def _quantile(before: dict[float, float], after: dict[float, float], q: float) -> float | None:
    """Estimate of the q-quantile of what was observed between two scrapes (linear within
    a bucket, as Prometheus' histogram_quantile does)."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    total = counts[-1] if counts else 0
    if total <= 0:
        return None
    rank, low, seen = q * total, 0.0, 0.0
    for bound, cumulative in zip(bounds, counts, strict=True):
        if cumulative >= rank:
            if bound == float("inf"):
                return low
            inside = cumulative - seen
            return low + (bound - low) * ((rank - seen) / inside if inside else 1.0)
        low, seen = bound, cumulative
    return low


def summarize(
    results: list[Result], workload: list[tuple[str, str, str, list[str]]]
) -> dict[str, Any]:
    attacks = [r for r in results if r.kind == ATTACK]
    benign = [r for r in results if r.kind == BENIGN]
    by_class: dict[str, list[Result]] = defaultdict(list)
    for r in attacks:
        by_class[r.category].append(r)
    hits: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        for d in r.detectors:
            hits[d][r.kind] += 1
    for _, _, status, detectors in workload:
        for d in detectors:
            hits[d]["workload"] += status == "held"
    workload_held = sum(status == "held" for _, _, status, _ in workload)
    return {
        "attacks": len(attacks),
        "stopped": sum(r.verdict == STOPPED for r in attacks),
        "recall": sum(r.verdict == STOPPED for r in attacks) / len(attacks) if attacks else None,
        "recall_by_class": {
            c: sum(r.verdict == STOPPED for r in rs) / len(rs) for c, rs in sorted(by_class.items())
        },
        "benign": len(benign),
        "benign_passed": sum(r.verdict == PASSED for r in benign),
        "false_positive_scenarios": [r.name for r in benign if r.verdict == FALSE_POSITIVE],
        "workload_txs": len(workload),
        "workload_held": workload_held,
        "workload_other": sum(status not in ("included", "held") for _, _, status, _ in workload),
        "errors": [r.name for r in results if r.verdict == ERROR],
        "detector_hits": {d: dict(c) for d, c in sorted(hits.items())},
    }


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    chosen = select(args.scenarios, args.kind)
    if args.list:
        table = Table("scenario", "kind", "class", "mirrors")
        for cls in chosen:
            table.add_row(cls.name, cls.kind, cls.category, cls.summary())
        console.print(table)
        return 0
    funders = [bytes.fromhex(k.removeprefix("0x")) for k in args.key] if args.key else dev_keys()
    try:
        env = Env(args.rpc, funders=funders, admin_token=args.admin_token)
    except Exception as exc:  # unreachable node, not JSON-RPC
        console.print(f"[red]error:[/red] cannot use {args.rpc}: {exc}")
        return 2
    before = _histogram(args.rpc)
    results: list[Result] = []
    workload: list[tuple[str, str, str, list[str]]] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("scenarios", total=len(chosen))
        for cls in chosen:
            progress.update(task, description=f"scenario {cls.name}")
            results.append(run_scenario(env, cls))
            progress.advance(task)
        if args.workload:
            w = Workload(env, seed=args.seed)
            progress.add_task("workload set-up", total=None)
            w.setup()
            sending = progress.add_task("workload", total=args.workload)
            outcomes = w.run(args.workload, rate=args.rate,
                             progress=lambda n: progress.advance(sending, n))  # fmt: skip
            workload = [(o.hash, kind, o.status, list(o.detectors)) for o, kind in outcomes]
    after = _histogram(args.rpc)
    summary = summarize(results, workload)
    if before is not None and after is not None:
        summary["inspection_latency_ms"] = {
            q: (None if v is None else round(v * 1000, 3))
            for q, v in (
                ("p50", _quantile(before, after, 0.5)),
                ("p99", _quantile(before, after, 0.99)),
            )
        }
    _print(console, results, summary)
    if args.json:
        report = {"node": args.rpc, "summary": summary, "scenarios": [r.to_json() for r in results],
                  "workload_held": [w for w in workload if w[2] == "held"]}  # fmt: skip
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    failed = (
        (summary["recall"] is not None and summary["recall"] < args.min_recall)
        or len(summary["false_positive_scenarios"]) + summary["workload_held"]
        > args.max_false_positives
        or summary["errors"]
    )
    return 1 if failed else 0


def _print(console: Console, results: list[Result], summary: dict[str, Any]) -> None:
    table = Table(title="scenarios", show_lines=False)
    for col in ("scenario", "kind", "class", "verdict", "detectors", "s"):
        table.add_column(col, justify="right" if col == "s" else "left")
    colours = {
        STOPPED: "green",
        PASSED: "green",
        MISSED: "red",
        FALSE_POSITIVE: "red",
        ERROR: "yellow",
    }
    for r in results:
        verdict = f"[{colours[r.verdict]}]{r.verdict}[/]"
        note = f" ({r.error})" if r.error and r.verdict == ERROR else ""
        table.add_row(r.name, r.kind, r.category, verdict + note, ", ".join(r.detectors),
                      f"{r.seconds:.1f}")  # fmt: skip
    console.print(table)
    if summary["attacks"]:
        console.print(
            f"attacks stopped: {summary['stopped']}/{summary['attacks']} "
            f"(recall {summary['recall']:.0%})"
        )
        for c, recall in summary["recall_by_class"].items():
            console.print(f"  {c:24} {recall:.0%}")
    if summary["benign"]:
        console.print(
            f"benign scenarios passed: {summary['benign_passed']}/{summary['benign']}; "
            f"false positives: {', '.join(summary['false_positive_scenarios']) or 'none'}"
        )
    if summary["workload_txs"]:
        console.print(
            f"workload: {summary['workload_txs']} txs, {summary['workload_held']} held "
            f"(false positives), {summary['workload_other']} reverted or missing"
        )
    if summary["errors"]:
        console.print(f"[yellow]errors[/yellow]: {', '.join(summary['errors'])}")
    hits = ", ".join(f"{d} {dict(c)}" for d, c in summary["detector_hits"].items())
    console.print(f"detector hits: {hits or 'none'}")
    latency = summary.get("inspection_latency_ms")
    if latency:
        console.print(
            f"inspection latency (node histogram): p50 {latency['p50']} ms, p99 {latency['p99']} ms"
        )
