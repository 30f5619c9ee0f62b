"""The results table and the JSON report."""

from __future__ import annotations

import math
from statistics import median
from typing import Any

from rich.console import Console
from rich.table import Table

from .mixed import KIND_TITLES, KINDS
from .workload import WORKLOAD_TITLES

NOINSPECT = "seqguard-noinspect"  # seqguard started with inspection disabled
GOAL_P99_MS = 10.0  # inspection latency per transaction (the goal)
GOAL_COST_PCT = 15.0  # throughput lost to inspection (the goal)
MIN_BLOCKS = 10  # fewer blocks per run and throughput ratios are block-rounding noise


def _fmt(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:,.{digits}f}"


def median_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (workload, node): the run itself, or over several runs (--repeat) the
    medians of throughput, latencies and CPU per transaction, and the sums of problems."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["workload"], r["node"]), []).append(r)
    out = []
    for rows in groups.values():
        if len(rows) == 1:
            out.append(rows[0])
            continue
        m = {k: v for k, v in rows[0].items() if k not in ("block_log", "round")}
        m["tps"] = median(r["tps"] for r in rows)
        m["latency_ms"] = {
            k: median(r["latency_ms"][k] for r in rows if k in r["latency_ms"])
            for k in ("p50", "p99")
            if any(k in r["latency_ms"] for r in rows)
        }
        cpu = [r["node_cpu_ms_per_tx"] for r in rows if r.get("node_cpu_ms_per_tx") is not None]
        m["node_cpu_ms_per_tx"] = median(cpu) if cpu else None
        for key in ("txs", "included", "sent_ok", "hash_mismatches", "receipts_checked",
                    "receipts_failed"):  # fmt: skip
            m[key] = sum(r[key] for r in rows)
        errors: dict[str, int] = {}
        for r in rows:
            for msg, n in r["send_errors"].items():
                errors[msg] = errors.get(msg, 0) + n
        m["send_errors"] = errors
        m["complete"] = all(r["complete"] for r in rows)
        m["blocks"] = min(r["blocks"] for r in rows)
        m["block_txs_max"] = max(r["block_txs_max"] for r in rows)
        m["runs"] = len(rows)
        m["tps_runs"] = [r["tps"] for r in rows]
        m["note"] = (
            f"median of {len(rows)} runs (tx/s {', '.join(f'{t:,.0f}' for t in m['tps_runs'])})"
        )
        out.append(m)
    return out


def _div(x: float | None, y: float | None) -> float | None:
    if x is None or y is None or not y or math.isnan(x) or math.isnan(y):
        return None
    return round(x / y, 3)


def ratios(
    results: list[dict[str, Any]], node: str = "seqguard"
) -> dict[str, dict[str, float | None]]:
    """``node`` / anvil per workload: throughput (higher is better for seqguard) and
    latencies (lower is better for seqguard)."""
    out: dict[str, dict[str, float | None]] = {}
    by = {(r["workload"], r["node"]): r for r in median_rows(results)}
    for workload in dict.fromkeys(r["workload"] for r in results):
        s, a = by.get((workload, node)), by.get((workload, "anvil"))
        if not s or not a:
            continue
        out[workload] = {
            "tps": _div(s["tps"], a["tps"]),
            "p50": _div(s["latency_ms"].get("p50"), a["latency_ms"].get("p50")),
            "p99": _div(s["latency_ms"].get("p99"), a["latency_ms"].get("p99")),
            "cpu_per_tx": _div(s.get("node_cpu_ms_per_tx"), a.get("node_cpu_ms_per_tx")),
        }
    return out


def print_table(console: Console, results: list[dict[str, Any]], title: str) -> None:
    rat = {node: ratios(results, node) for node in ("seqguard", NOINSPECT)}
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
            by_kind = r.get("failed_by_kind") or {}
            kinds = f" ({', '.join(f'{k} {n}' for k, n in by_kind.items())})" if by_kind else ""
            notes.append(
                f"[red]{r['receipts_failed']}/{r['receipts_checked']} bad receipts{kinds}[/red]"
            )
        if r.get("note") and r["complete"]:
            notes.append(r["note"])
        notes.append(f"{r['blocks']} blocks, ≤{r['block_txs_max']} tx")
        ratio = ""
        rr = rat.get(r["node"], {}).get(r["workload"])
        if rr:
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


# -- inspection ------------------------------------------------------------------------


def inspection_throughput(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per workload run on both seqguards: throughput with inspection on and off (and
    anvil's), ``cost_pct`` = 100 * (1 - on/off), and the same from node CPU per tx.
    Over several runs: of the medians, with each round's own cost in ``cost_pct_runs``."""
    by = {(r["workload"], r["node"]): r for r in median_rows(results)}
    per_round = {(r["workload"], r["node"], r.get("round", 1)): r for r in results}
    out: dict[str, dict[str, Any]] = {}
    for workload in dict.fromkeys(r["workload"] for r in results):
        on, off = by.get((workload, "seqguard")), by.get((workload, NOINSPECT))
        if not on or not off:
            continue
        anvil = by.get((workload, "anvil"))
        on_off = _div(on["tps"], off["tps"])
        cpu_on, cpu_off = on.get("node_cpu_ms_per_tx"), off.get("node_cpu_ms_per_tx")
        cpu_ratio = _div(cpu_off, cpu_on)
        out[workload] = {
            "on_tps": on["tps"],
            "off_tps": off["tps"],
            "anvil_tps": anvil["tps"] if anvil else None,
            "on_off": on_off,
            "cost_pct": None if on_off is None else round(100.0 * (1.0 - on_off), 1),
            "on_anvil": _div(on["tps"], anvil["tps"]) if anvil else None,
            "off_anvil": _div(off["tps"], anvil["tps"]) if anvil else None,
            "on_p50_ms": on["latency_ms"].get("p50"),
            "off_p50_ms": off["latency_ms"].get("p50"),
            "on_cpu_ms_per_tx": cpu_on,
            "off_cpu_ms_per_tx": cpu_off,
            "cpu_cost_pct": None if cpu_ratio is None else round(100.0 * (1.0 - cpu_ratio), 1),
            "blocks": min(on["blocks"], off["blocks"]),
            "cost_pct_runs": [
                round(100.0 * (1.0 - a["tps"] / b["tps"]), 1)
                for (w, n, rnd), a in per_round.items()
                if w == workload
                and n == "seqguard"
                and (b := per_round.get((w, NOINSPECT, rnd))) is not None
                and b["tps"]
            ],
            "complete": all(r["complete"] and not r["receipts_failed"] for r in (on, off)),
        }
    return out


def inspection_goals(inspection: dict[str, Any]) -> dict[str, Any]:
    """Whether the issue's goals are met by what was measured (None: not measured)."""
    goals: dict[str, Any] = {"p99_ms_goal": GOAL_P99_MS, "cost_pct_goal": GOAL_COST_PCT}
    latency = inspection.get("latency")
    if latency and latency.get("kinds"):
        worst_kind, worst = max(
            ((k, v["total_ms"]["p99"]) for k, v in latency["kinds"].items()),
            key=lambda kv: kv[1],
        )
        goals["p99_ms"] = round(latency["all"]["total_ms"]["p99"], 3)
        goals["worst_kind"] = worst_kind
        goals["worst_kind_p99_ms"] = round(worst, 3)
        goals["p99_met"] = worst <= GOAL_P99_MS
    mixed = inspection.get("throughput", {}).get("mixed")
    if mixed and mixed.get("cost_pct") is not None:
        goals["cost_pct"] = mixed["cost_pct"]
        # throughput is counted in whole blocks: over a few blocks the ratio says nothing
        enough = mixed["blocks"] >= MIN_BLOCKS
        goals["cost_met"] = mixed["cost_pct"] <= GOAL_COST_PCT if enough else None
    if latency and latency.get("build_cost_pct") is not None:
        goals["build_cost_pct"] = latency["build_cost_pct"]
    return goals


def _ms(stats: dict[str, float], key: str) -> str:
    value = stats.get(key)
    return "-" if value is None else f"{value:.3f}"


def _met(flag: bool | None) -> str:
    return "-" if flag is None else ("[green]met[/green]" if flag else "[red]not met[/red]")


def print_inspection(console: Console, inspection: dict[str, Any]) -> None:
    """The inspection cost (on vs off), the in-process latency tables, and the goals."""
    throughput = inspection.get("throughput") or {}
    if throughput:
        table = Table(
            title="inspection cost: seqguard with inspection on vs off", title_justify="left"
        )
        for col in ("workload", "on tx/s", "off tx/s", "anvil tx/s", "on/off", "cost",
                    "CPU ms/tx on", "off", "CPU cost"):  # fmt: skip
            table.add_column(col, justify="left" if col == "workload" else "right")
        for workload, t in throughput.items():
            table.add_row(
                WORKLOAD_TITLES.get(workload, workload),
                _fmt(t["on_tps"]),
                _fmt(t["off_tps"]),
                _fmt(t["anvil_tps"]),
                _fmt(t["on_off"], 3),
                _cost(t["cost_pct"], t.get("cost_pct_runs", [])),
                _fmt(t["on_cpu_ms_per_tx"], 2),
                _fmt(t["off_cpu_ms_per_tx"], 2),
                "-" if t["cpu_cost_pct"] is None else f"{t['cpu_cost_pct']:.1f}%",
            )
        console.print(table)
    latency = inspection.get("latency")
    if latency:
        table = Table(
            title=f"inspection latency per transaction, in-process ({latency['txs']} mixed txs, "
            f"{latency['blocks']} blocks of ≤{latency['block_txs']}; ms)",
            title_justify="left",
        )
        table.add_column("kind")
        for col in ("txs", "trace p50", "p99", "judge p50", "p99", "total p50", "p99", "max"):
            table.add_column(col, justify="right")
        rows = [(KIND_TITLES.get(k, k), v) for k, v in latency["kinds"].items()]
        for title, v in [*rows, ("all", latency["all"])]:
            table.add_row(
                title, str(v["count"]),
                _ms(v["trace_ms"], "p50"), _ms(v["trace_ms"], "p99"),
                _ms(v["judge_ms"], "p50"), _ms(v["judge_ms"], "p99"),
                _ms(v["total_ms"], "p50"), _ms(v["total_ms"], "p99"), _ms(v["total_ms"], "max"),
            )  # fmt: skip
        console.print(table)
        table = Table(title="time per detector (ms, all kinds)", title_justify="left")
        table.add_column("detector")
        for col in ("mean", "p50", "p99", "max", "slowest kind (p99)"):
            table.add_column(col, justify="right")
        for name, d in latency["detectors"].items():
            per_kind = [(k, v["p99"]) for k, v in d.items() if k != "all" and v]
            slow = max(per_kind, key=lambda kv: kv[1], default=None)
            table.add_row(
                name, _ms(d["all"], "mean"), _ms(d["all"], "p50"), _ms(d["all"], "p99"),
                _ms(d["all"], "max"),
                f"{KIND_TITLES.get(slow[0], slow[0])} {slow[1]:.3f}" if slow else "-",
            )  # fmt: skip
        console.print(table)
        b = latency["build_cpu_s"]
        console.print(
            f"block building, builder thread CPU (least of {latency['rounds']} builds per "
            f"block): inspection on {b['on']:.2f} s, off {b['off']:.2f} s -> cost "
            f"{_pct(latency['build_cost_pct'])}; the timed traces and judgements are "
            f"{_pct(latency['inspection_share_pct'])} of the timed builds' CPU"
        )
        if latency["held_count"] or latency["failed"] or latency["invalid_count"]:
            console.print(
                f"[red]in-process: {latency['held_count']} held by inspection, "
                f"{latency['invalid_count']} invalid, failed receipts {latency['failed']}[/red]"
            )
            for line in latency["held"][:3] + latency["invalid"][:3]:
                console.print(f"[red]  {line}[/red]")
        if latency["differing_builds"]:
            console.print(
                f"[yellow]{latency['differing_builds']} repeated builds included other "
                "transactions than the timed build[/yellow]"
            )
    goals = inspection.get("goals") or {}
    if "p99_met" in goals:
        console.print(
            f"goal p99 ≤ {GOAL_P99_MS:g} ms per transaction: {_met(goals['p99_met'])} "
            f"(p99 {goals['p99_ms']:.3f} ms over all; worst kind "
            f"{KIND_TITLES.get(goals['worst_kind'], goals['worst_kind'])} "
            f"{goals['worst_kind_p99_ms']:.3f} ms)"
        )
    if "cost_met" in goals:
        extra = ""
        if goals.get("build_cost_pct") is not None:
            extra = f"; in-process block building {_pct(goals['build_cost_pct'])}"
        if goals["cost_met"] is None:
            extra += f"; too few blocks (< {MIN_BLOCKS}) per run to tell: raise --txs"
        console.print(
            f"goal throughput cost ≤ {GOAL_COST_PCT:g}%: {_met(goals['cost_met'])} "
            f"(mixed workload end to end {goals['cost_pct']:.1f}%{extra})"
        )


def _cost(cost: float | None, runs: list[float]) -> str:
    if cost is None:
        return "-"
    spread = f" ({min(runs):.1f} to {max(runs):.1f})" if len(runs) > 1 else ""
    return f"{cost:.1f}%{spread}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


# -- rollup ----------------------------------------------------------------------------


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
            name, _fmt(c["bytes_per_tx"], 1), _fmt(c["frame_bytes_per_tx"], 1), str(c["frames"]),
            f"{c['ratio']:.2f}x", _fmt(c["l1_gas_per_tx"], 0), _fmt(c["l1_gas_per_batch"]),
            "-" if vs is None else f"{100 * vs:.1f}%",
            _fmt(c["compress_ms"], 2), _fmt(c["decompress_ms"], 2), ", ".join(marks),
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
