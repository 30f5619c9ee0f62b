"""The results table and the JSON report."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.table import Table

from .workload import WORKLOAD_TITLES


def _fmt(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:,.{digits}f}"


def ratios(results: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """seqguard / anvil per workload: throughput (higher is better for seqguard) and
    latencies (lower is better for seqguard)."""
    out: dict[str, dict[str, float | None]] = {}
    by = {(r["workload"], r["node"]): r for r in results}
    for workload in dict.fromkeys(r["workload"] for r in results):
        s, a = by.get((workload, "seqguard")), by.get((workload, "anvil"))
        if not s or not a:
            continue

        def div(x: float | None, y: float | None) -> float | None:
            if x is None or y is None or not y or math.isnan(x) or math.isnan(y):
                return None
            return round(x / y, 3)

        out[workload] = {
            "tps": div(s["tps"], a["tps"]),
            "p50": div(s["latency_ms"].get("p50"), a["latency_ms"].get("p50")),
            "p99": div(s["latency_ms"].get("p99"), a["latency_ms"].get("p99")),
            "cpu_per_tx": div(s.get("node_cpu_ms_per_tx"), a.get("node_cpu_ms_per_tx")),
        }
    return out


def print_table(console: Console, results: list[dict[str, Any]], title: str) -> None:
    rat = ratios(results)
    console.print(f"[bold]{title}[/bold]")
    table = Table()
    table.add_column("workload")
    table.add_column("node")
    table.add_column("tx/s", justify="right")
    table.add_column("p50 ms", justify="right")
    table.add_column("p99 ms", justify="right")
    table.add_column("CPU ms/tx", justify="right")
    table.add_column("seqguard/anvil", justify="right")
    table.add_column("notes")
    for r in results:
        notes = []
        if not r["complete"]:
            notes.append(f"[red]{r['included']}/{r['txs']} included[/red]")
        if r["send_errors"]:
            first = next(iter(r["send_errors"]))
            notes.append(f"[red]{sum(r['send_errors'].values())} rejected ({first})[/red]")
        if r["hash_mismatches"]:
            notes.append(f"[red]{r['hash_mismatches']} wrong hashes[/red]")
        if r["receipts_failed"]:
            notes.append(f"[red]{r['receipts_failed']}/{r['receipts_checked']} bad receipts[/red]")
        if r.get("note") and r["complete"]:
            notes.append(r["note"])
        notes.append(f"{r['blocks']} blocks, ≤{r['block_txs_max']} tx")
        ratio = ""
        rr = rat.get(r["workload"])
        if rr and r["node"] == "seqguard":
            ratio = "tx/s ×{} · p50 ×{} · p99 ×{} · CPU/tx ×{}".format(
                *(_fmt(rr[k], 2) for k in ("tps", "p50", "p99", "cpu_per_tx"))
            )
        lat = r["latency_ms"]
        table.add_row(
            WORKLOAD_TITLES.get(r["workload"], r["workload"]),
            r["node"],
            _fmt(r["tps"]),
            _fmt(lat.get("p50")),
            _fmt(lat.get("p99")),
            _fmt(r.get("node_cpu_ms_per_tx"), 2),
            ratio,
            "; ".join(notes),
        )
    console.print(table)


def print_profile(console: Console, summary: dict[str, Any], path: str) -> None:
    if not summary.get("samples"):
        console.print(f"profile {path}: no samples")
        return
    console.print(
        f"\n[bold]seqguard profile[/bold]: {summary['samples']} samples, "
        f"{summary['seconds']:.1f} s holding the GIL; {path}"
    )
    console.print("open it at https://www.speedscope.app/")
    tables = (
        ("threads", "GIL time by thread", "thread"),
        ("packages", "GIL time by package (innermost frame)", "package"),
        ("self", "top functions by self time", "function"),
        ("total", "top functions by inclusive time", "function"),
        ("seqguard", "seqguard's own functions by inclusive time", "function"),
    )
    for key, title, what in tables:
        table = Table(title=title, title_justify="left")
        table.add_column("%", justify="right")
        table.add_column(what)
        for row in summary[key]:
            table.add_row(f"{row['percent']:.1f}", row["function"])
        console.print(table)
