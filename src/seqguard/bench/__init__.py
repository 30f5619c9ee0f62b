"""``seqguard bench``: throughput and send-to-receipt latency, seqguard against anvil,
what inspection costs, and what posting batches costs.

Every node gets the same genesis, the same client and the same pre-signed workload, one
after the other, and the report gives ratios measured in the same run (DESIGN §5):
nothing here asserts a speed. The inspection suite runs seqguard twice (inspection on
and off) and measures each transaction's inspection in-process (:mod:`.latency`). The
rollup suite measures batch bytes, L1 gas and codec CPU per compressor, and the
verifier's speed (:mod:`.rollup`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .latency import measure_inspection_latency
from .load import LoadResult, run_load
from .procs import AnvilProcess, BenchError, NodeProcess, SeqguardProcess, find_anvil, find_py_spy
from .profiling import summarize
from .report import (
    NOINSPECT,
    inspection_goals,
    inspection_throughput,
    median_rows,
    print_inspection,
    print_profile,
    print_rollup,
    print_table,
    ratios,
)
from .rollup import TASKS as ROLLUP_TASKS
from .rollup import measure_rollup
from .rpc import RpcClient, RpcError
from .workload import (
    GAS,
    WORKLOAD_TITLES,
    WORKLOADS,
    Accounts,
    Fees,
    Load,
    build_load,
    current_fees,
    fund_from_dev_account,
    make_genesis,
    pending_nonces,
    recipients,
    setup_mixed,
    setup_token,
)

__all__ = ["add_arguments", "run"]

NODES = ("seqguard", NOINSPECT, "anvil")
BENCH_CHAIN_ID = 13370

# suite -> (workloads, nodes, in-process inspection latency, rollup)
SUITES: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool, bool]] = {
    "all": (("eth", "erc20", "mixed"), NODES, True, True),
    "throughput": (("eth", "erc20"), ("seqguard", "anvil"), False, False),
    "inspection": (("mixed",), NODES, True, False),
    "latency": ((), (), True, False),
    "rollup": ((), (), False, True),
}

DESCRIPTION = """\
Measure seqguard against anvil in the same run, with the same client and workload:
throughput through JSON-RPC (send -> included with receipts available) and the time
from send to receipt (p50/p99); and what inspection costs.

Workloads: eth (ETH transfers), erc20 (ERC-20 transfers), mixed (a quarter each of ETH
transfers, ERC-20 transfers, AMM swaps through Router/Pair, and SpotLending deposits,
borrows and repays; contracts deployed and funded before the clock starts).

Nodes: seqguard, seqguard-noinspect (seqguard started with SEQGUARD_INSPECTION=false),
anvil. Each node starts on a fresh chain and runs every chosen workload on it, in
the same order.

Suites (--suite, default all):
  throughput  eth and erc20 on seqguard and anvil
  inspection  mixed on seqguard, seqguard-noinspect and anvil: throughput with
              inspection on vs off and the cost in % (1 - on/off); then the
              in-process inspection latency (below). --inspection is short for it.
  latency     only the in-process inspection latency (no nodes; quick)
  rollup      what posting batches costs, per compressor, and the verifier's speed
              (below; an anvil as the L1, no nodes under test; about a minute)
  all         all workloads on all nodes, the in-process latency and the rollup suite
--workloads and --nodes replace the suite's lists.

In-process inspection latency: the mixed workload's blocks are built with the node's
BlockBuilder on a Chain in this process, with the node's default detectors, and every
trace_from_pyevm and Inspector.judge call is timed (p50/p99/max per kind of
transaction, per detector); the same blocks are also built with inspection on and off,
untimed, for the block-building CPU. Goals: p99 <= 10 ms per transaction, throughput
cost of inspection <= 15%.

Rollup: the mixed workload's blocks (--rollup-txs in blocks of --rollup-block-txs) are
built in-process on a Chain (inspection off, contracts deployed first) and grouped into
batches of --rollup-blocks-per-batch blocks. For each compressor (none = raw RLP, zlib,
brotli, zstd): the bytes posted per L2 transaction (payload, and in frames of 120,000
bytes), the ratio against raw RLP, the L1 gas per L2 transaction and per batch (the
frames sent as calldata to the batch inbox of a fresh anvil with Prague, so with the
EIP-7623 calldata floor: gasUsed from the receipts), and the compression and
decompression time per batch. Then a verifier re-derives and re-executes the batches
(zstd) from a file DA layer, from genesis: batches, blocks and tx per second; it must
reach the same head with no divergence or the suite fails.

Transactions are signed before the clock starts, from many senders, and posted as
JSON-RPC batches over several HTTP connections; a poller watches the head; afterwards
every receipt is checked for status 1. Each node is started with the same genesis (or
pass --seqguard-url/--anvil-url to use running nodes, whose dev account 0 of the test
mnemonic then funds the bench senders; seqguard-noinspect is always started here).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--suite",
        choices=tuple(SUITES),
        default="all",
        help="what to measure (default all; see above)",
    )
    parser.add_argument(
        "--inspection",
        action="store_const",
        const="inspection",
        dest="suite",
        help="the inspection benchmark: same as --suite inspection",
    )
    parser.add_argument(
        "--txs",
        type=int,
        default=10_000,
        metavar="N",
        help="transactions per workload (default 10000)",
    )
    parser.add_argument(
        "--senders", type=int, default=32, metavar="N", help="sending accounts (default 32)"
    )
    parser.add_argument(
        "--workloads",
        metavar="LIST",
        help="comma-separated: eth, erc20, mixed (default: the suite's)",
    )
    parser.add_argument(
        "--nodes",
        metavar="LIST",
        help="comma-separated: seqguard, seqguard-noinspect, anvil, run in that order "
        "(default: the suite's)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run the nodes N times over, each time on fresh processes (seqguard with and "
        "without inspection swapping places every other round); the tables and ratios use "
        "the median of the runs (default 1)",
    )
    parser.add_argument(
        "--no-latency",
        dest="latency",
        action="store_false",
        default=None,
        help="skip the in-process inspection latency",
    )
    parser.add_argument(
        "--latency-txs",
        type=int,
        metavar="N",
        help="mixed-workload transactions built in-process for the latency "
        "(default --txs, at most 5000)",
    )
    parser.add_argument(
        "--latency-rounds",
        type=int,
        default=2,
        metavar="N",
        help="in-process, builds of each block with inspection on and with it off, "
        "alternating; the least CPU time of each counts (default 2)",
    )
    parser.add_argument(
        "--latency-block-txs",
        type=int,
        default=250,
        metavar="N",
        help="transactions per block built in-process (default 250: about what the node "
        "fits of the mixed workload in the 0.8 s build budget of a 1 s block)",
    )
    parser.add_argument(
        "--no-rollup",
        dest="rollup",
        action="store_false",
        default=None,
        help="skip the rollup suite (part of --suite all)",
    )
    parser.add_argument(
        "--rollup-txs",
        type=int,
        metavar="N",
        help="mixed-workload transactions in the rollup suite's batches (default --txs, "
        "at most 5000)",
    )
    parser.add_argument(
        "--rollup-block-txs",
        type=int,
        default=250,
        metavar="N",
        help="transactions per L2 block in the rollup suite (default 250, as in-process above)",
    )
    parser.add_argument(
        "--rollup-blocks-per-batch",
        type=int,
        default=10,
        metavar="N",
        help="L2 blocks per batch in the rollup suite (default 10: 2,500 transactions)",
    )
    parser.add_argument(
        "--seqguard-url", metavar="URL", help="use a running seqguard node instead of starting one"
    )
    parser.add_argument(
        "--anvil-url", metavar="URL", help="use a running anvil instead of starting one"
    )
    parser.add_argument(
        "--anvil",
        metavar="PATH",
        help="anvil binary (default: node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil from the cwd upward, or $SEQGUARD_ANVIL)",
    )
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=100,
        metavar="N",
        help="transactions per JSON-RPC batch (default 100)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=4,
        metavar="N",
        help="concurrent HTTP connections sending (default 4)",
    )
    parser.add_argument(
        "--block-time",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="block time of started nodes (default 1)",
    )
    parser.add_argument(
        "--gas-limit",
        type=int,
        default=1_000_000_000,
        metavar="GAS",
        help="block gas limit of started nodes (default 1e9)",
    )
    parser.add_argument(
        "--recipients",
        type=int,
        default=1024,
        metavar="N",
        help="distinct transfer recipients (default 1024)",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=0.025,
        metavar="SECONDS",
        help="how often the head is polled (default 0.025)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="longest wait for inclusion after the last send (default 120)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the started seqguard under py-spy and report where it spends time",
    )
    parser.add_argument(
        "--profile-out",
        metavar="FILE",
        default="seqguard-profile.speedscope.json",
        help="speedscope file written with --profile (default ./seqguard-profile.speedscope.json)",
    )
    parser.add_argument(
        "--profile-rate",
        type=int,
        default=100,
        metavar="HZ",
        help="py-spy samples per second (default 100)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directory (genesis, node logs, data)"
    )


def _split(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    items = [v.strip().lower() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad or not items:
        raise BenchError(
            f"--{what}: expected a comma-separated list of {', '.join(allowed)}, got {value!r}"
        )
    return list(dict.fromkeys(items))


def _check_args(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    suite_workloads, suite_nodes, suite_latency, suite_rollup = SUITES[args.suite]
    workloads = (
        _split(args.workloads, WORKLOADS, "workloads") if args.workloads else list(suite_workloads)
    )
    # nodes run in the canonical order, so seqguard with and without inspection
    # always follow each other
    nodes = (
        sorted(_split(args.nodes, NODES, "nodes"), key=NODES.index)
        if args.nodes
        else list(suite_nodes)
    )
    if args.latency is None:
        args.latency = suite_latency
    if args.latency_txs is None:
        args.latency_txs = min(args.txs, 5000)
    if args.rollup is None:
        args.rollup = suite_rollup
    if args.rollup_txs is None:
        args.rollup_txs = min(args.txs, 5000)
    if bool(workloads) != bool(nodes):
        raise BenchError("choose both --workloads and --nodes, or neither")
    for name in (
        "txs", "senders", "batch_size", "connections", "recipients", "latency_txs",
        "latency_block_txs", "latency_rounds", "repeat", "rollup_txs", "rollup_block_txs",
        "rollup_blocks_per_batch",
    ):  # fmt: skip
        if getattr(args, name) < 1:
            raise BenchError(f"--{name.replace('_', '-')} must be at least 1")
    if "erc20" in workloads and args.senders < 2:
        raise BenchError("--senders must be at least 2 for the erc20 workload")
    if args.block_time <= 0:
        raise BenchError(
            "--block-time must be positive (interval mining; see FINDINGS on automine)"
        )
    if args.profile and not find_py_spy():
        raise BenchError("--profile needs py-spy: `.venv/bin/pip install py-spy`")
    return workloads, nodes


class _Terminated(Exception):
    pass


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated()


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    if not console.is_terminal:  # logs and CI: do not wrap the table at 80 columns
        console = Console(highlight=False, width=160)
    try:
        workloads, node_names = _check_args(args)
    except BenchError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    old_term = signal.signal(signal.SIGTERM, _on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="seqguard-bench-"))
    started: list[NodeProcess] = []
    ok = False
    try:
        report = _run(console, args, workloads, node_names, workdir, started)
        ok = True
    except BenchError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 1
    except RpcError as exc:
        console.print(f"[red]error:[/red] {exc}")
        for node in started:
            console.print(f"{node.kind} log ({node.log_path}), last lines:\n{node.log_tail(20)}")
        return 1
    except (KeyboardInterrupt, _Terminated):
        console.print("[yellow]interrupted: stopping the nodes[/yellow]")
        ok = True  # nothing to look into: the work directory goes unless --keep
        return 130
    finally:
        for node in reversed(started):
            with contextlib.suppress(Exception):
                node.stop()
        signal.signal(signal.SIGTERM, old_term)
        if args.keep or (not ok and started):  # the node logs tell what went wrong
            console.print(f"work directory (genesis, node logs): {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return _finish(console, args, report)


def _run(
    console: Console,
    args: argparse.Namespace,
    workloads: list[str],
    node_names: list[str],
    workdir: Path,
    started: list[NodeProcess],
) -> dict[str, Any]:
    anvil_bin = None
    if args.seqguard_url and NOINSPECT in node_names:
        console.print(
            f"[yellow]{NOINSPECT} is started by the bench, while seqguard runs at "
            f"{args.seqguard_url}: the inspection cost compares two different setups[/yellow]"
        )
    if ("anvil" in node_names and not args.anvil_url) or args.rollup:
        anvil_bin = find_anvil(args.anvil)  # the rollup suite's L1 is an anvil started here
    accounts = Accounts.make(args.senders, BENCH_CHAIN_ID)
    to = recipients(args.recipients)
    genesis_path = workdir / "genesis.json"
    genesis_path.write_text(
        json.dumps(
            make_genesis(
                chain_id=BENCH_CHAIN_ID, addresses=accounts.addresses, gas_limit=args.gas_limit
            ),
            indent=1,
        )
    )
    per_sender = -(-args.txs // args.senders)
    report: dict[str, Any] = {
        "seqguard_version": _version(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "params": {
            "txs": args.txs,
            "senders": args.senders,
            "workloads": workloads,
            "nodes": node_names,
            "batch_size": args.batch_size,
            "connections": args.connections,
            "block_time": args.block_time,
            "gas_limit": args.gas_limit,
            "recipients": args.recipients,
            "poll_interval": args.poll_interval,
            "tx_gas": {w: GAS[w] for w in workloads},
            "profile": bool(args.profile),
            "suite": args.suite,
            "repeat": args.repeat,
            "latency": bool(args.latency),
            "latency_txs": args.latency_txs if args.latency else None,
            "latency_block_txs": args.latency_block_txs if args.latency else None,
            "latency_rounds": args.latency_rounds if args.latency else None,
            "rollup": bool(args.rollup),
            "rollup_txs": args.rollup_txs if args.rollup else None,
            "rollup_block_txs": args.rollup_block_txs if args.rollup else None,
            "rollup_blocks_per_batch": args.rollup_blocks_per_batch if args.rollup else None,
        },
        "nodes": {},
        "results": [],
    }
    signed_cache: dict[tuple[Any, ...], Load] = {}
    for round_no, name in _runs(node_names, args.repeat):
        url = {"seqguard": args.seqguard_url, "anvil": args.anvil_url}.get(name)
        node: NodeProcess | None = None
        if url is None:
            d = workdir / (name if args.repeat == 1 else f"{name}-{round_no}")
            d.mkdir()
            if name == "anvil":
                assert anvil_bin is not None
                node = AnvilProcess(
                    d, genesis_path, args.gas_limit, binary=anvil_bin, block_time=args.block_time
                )
            else:
                node = SeqguardProcess(
                    d, genesis_path, args.gas_limit,
                    block_time=args.block_time,
                    max_block_txs=max(20_000, args.txs),
                    account_slots=max(5_000, per_sender + 100),
                    global_slots=max(100_000, 2 * args.txs),
                    profile_path=(
                        Path(args.profile_out).resolve()
                        if args.profile and name == "seqguard" and round_no == 1 else None
                    ),
                    profile_rate=args.profile_rate,
                    inspection=name != NOINSPECT,
                )  # fmt: skip
            started.append(node)
            with console.status(f"starting {name}…"):
                node.start()
            url = node.url
        with RpcClient(url) as rpc:
            chain_id = int(rpc.call("eth_chainId"), 16)
            try:
                client_version = rpc.call("web3_clientVersion")
            except RpcError:
                client_version = None
            node_accounts = (
                accounts if chain_id == BENCH_CHAIN_ID else Accounts.make(args.senders, chain_id)
            )
            if node is None:
                with console.status(f"funding the bench senders on {name}…"):
                    fund_from_dev_account(rpc, node_accounts, timeout=60)
        report["nodes"][name] = {
            "url": url,
            "started_by_bench": node is not None,
            "client_version": client_version,
            "chain_id": chain_id,
            **({"command": node.command()} if node is not None else {}),
        }
        console.print(f"[bold]{name}[/bold]: {client_version or '?'} at {url} (chain {chain_id})")
        for workload in workloads:
            res = _bench_one(
                console, args, name, url, workload, node_accounts, to, signed_cache, node
            )
            if node is not None and node.proc is not None and node.proc.poll() is not None:
                raise BenchError(
                    f"{name} exited with code {node.proc.returncode} during the {workload} "
                    f"workload; log {node.log_path}:\n{node.log_tail()}"
                )
            row = {"node": name, "round": round_no, **res.as_dict()}
            report["results"].append(row)
            _print_line(console, row)
        if node is not None:
            with console.status(f"stopping {name}…"):
                node.stop()
            if isinstance(node, SeqguardProcess) and node.profile_path is not None:
                if node.profile_path.is_file():
                    report["profile"] = {
                        "file": str(node.profile_path),
                        **summarize(node.profile_path),
                    }
                else:
                    console.print(f"[yellow]py-spy wrote no profile; see {node.log_path}[/yellow]")
    report["ratios"] = ratios(report["results"])
    inspection: dict[str, Any] = {}
    if NOINSPECT in node_names and "seqguard" in node_names:
        inspection["throughput"] = inspection_throughput(report["results"])
    if args.latency:
        inspection["latency"] = _latency(console, args, accounts, to, workdir)
    if inspection:
        inspection["goals"] = inspection_goals(inspection)
        report["inspection"] = inspection
    if args.rollup:
        assert anvil_bin is not None
        report["rollup"] = _rollup(console, args, accounts, to, workdir, anvil_bin)
    # what else ran meanwhile: a busy machine slows seqguard more than anvil
    report["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


def _runs(node_names: list[str], repeat: int) -> list[tuple[int, str]]:
    """(round, node) in the order they run: seqguard with and without inspection swap
    places every other round, so neither always runs first on a machine that warms up
    or gets busier."""
    out = []
    for round_no in range(1, repeat + 1):
        order = list(node_names)
        if round_no % 2 == 0 and "seqguard" in order and NOINSPECT in order:
            i, j = order.index("seqguard"), order.index(NOINSPECT)
            order[i], order[j] = order[j], order[i]
        out += [(round_no, name) for name in order]
    return out


def _progress(console: Console, width: int = 44) -> Progress:
    """Progress bars: a description ``width`` characters wide, and counted steps."""
    columns = (
        TextColumn(f"{{task.description:<{width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=console, transient=True)


def _latency(
    console: Console, args: argparse.Namespace, accounts: Accounts, to: list[bytes], workdir: Path
) -> dict[str, Any]:
    """The in-process inspection latency (see :mod:`.latency`), with a progress bar."""
    with _progress(console) as progress:
        phase = progress.add_task("in-process: setting up", total=None)
        build = progress.add_task("in-process: building (inspection timed)", total=args.latency_txs)

        def on_phase(text: str) -> None:
            progress.update(phase, description=f"in-process: {text}"[:44])

        result = measure_inspection_latency(
            accounts, to, txs=args.latency_txs, block_txs=args.latency_block_txs,
            gas_limit=args.gas_limit, rounds=args.latency_rounds,
            workdir=workdir / "in-process", on_phase=on_phase,
            progress=lambda n: progress.advance(build, n),
        )  # fmt: skip
    lat = result["all"]["total_ms"]
    status = "[green]ok[/green]" if result["complete"] else "[red]incomplete[/red]"
    console.print(
        f"[bold]in-process[/bold]: {result['txs']} mixed txs in {result['blocks']} blocks, "
        f"inspection p50 {lat.get('p50', float('nan')):.3f} ms, "
        f"p99 {lat.get('p99', float('nan')):.3f} ms, max {lat.get('max', float('nan')):.2f} ms "
        f"{status}"
    )
    return result


def _rollup(
    console: Console,
    args: argparse.Namespace,
    accounts: Accounts,
    to: list[bytes],
    workdir: Path,
    anvil_bin: Path,
) -> dict[str, Any]:
    """The rollup suite (see :mod:`.rollup`), with progress bars."""
    with _progress(console) as progress:
        phase = progress.add_task("rollup: setting up", total=None)
        tasks: dict[str, Any] = {}

        def on_phase(text: str) -> None:
            progress.update(phase, description=f"rollup: {text}"[:44])

        def advance(task: str, done: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = progress.add_task(f"rollup: {ROLLUP_TASKS[task]}"[:44], total=total)
            progress.update(tasks[task], completed=done, total=total)

        result = measure_rollup(
            accounts, to, txs=args.rollup_txs, block_txs=args.rollup_block_txs,
            blocks_per_batch=args.rollup_blocks_per_batch, gas_limit=args.gas_limit,
            anvil=anvil_bin, workdir=workdir / "rollup", on_phase=on_phase, progress=advance,
        )  # fmt: skip
    best = result["codecs"][result["least_gas"]]
    v = result["verifier"]
    console.print(
        f"[bold]rollup[/bold]: {result['txs']} mixed txs in {result['batches']} batches, "
        f"least L1 gas with {result['least_gas']} ({best['l1_gas_per_tx']:,.0f} gas/tx), "
        f"verifier {v['batches_per_s']:.2f} batches/s ({v['txs_per_s']:,.0f} tx/s) "
        "[green]ok[/green]"
    )
    return result


def _bench_one(
    console: Console,
    args: argparse.Namespace,
    name: str,
    url: str,
    workload: str,
    accounts: Accounts,
    to: list[bytes],
    cache: dict[tuple[Any, ...], Load],
    node: NodeProcess | None,
) -> LoadResult:
    title = f"{WORKLOAD_TITLES[workload]} on {name}"
    token = None
    contracts = None
    with RpcClient(url) as rpc:
        if workload == "erc20":
            with console.status(f"{title}: deploying SeqToken and distributing tokens…"):
                token = setup_token(rpc, accounts, timeout=60)
        elif workload == "mixed":
            with console.status(f"{title}: deploying tokens, pair, router, lending; seeding…"):
                contracts = setup_mixed(rpc, accounts, timeout=60)
        nonces = pending_nonces(rpc, accounts.addresses)
        fees = current_fees(rpc)
    key = (
        accounts.chain_id, workload, tuple(nonces), token, contracts, fees.max_fee, fees.priority
    )  # fmt: skip
    with _progress(console, width=34) as progress:
        load = cache.get(key)
        if load is None:
            sign_task = progress.add_task(f"{title}: signing", total=args.txs)
            load = build_load(
                workload, accounts, txs=args.txs, nonces=nonces, fees=Fees(fees.max_fee, fees.priority),
                token=token, to=to, connections=args.connections, batch_size=args.batch_size,
                contracts=contracts, on_signed=lambda n: progress.advance(sign_task, n),
            )  # fmt: skip
            cache[key] = load
        send_task = progress.add_task(f"{title}: sending", total=args.txs)
        incl_task = progress.add_task(f"{title}: included", total=args.txs)

        def advance(phase: str, n: int) -> None:
            progress.advance(send_task if phase == "sent" else incl_task, n)

        return run_load(
            url,
            load,
            poll_interval=args.poll_interval,
            timeout=args.timeout,
            progress=advance,
            node_cpu=node.cpu_seconds if node is not None else None,
        )


def _print_line(console: Console, row: dict[str, Any]) -> None:
    lat = row["latency_ms"]
    status = "[green]ok[/green]" if row["complete"] else f"[red]{row['note']}[/red]"
    cpu = ""
    if row.get("node_cpu_ms_per_tx") is not None:
        cpu = f", node CPU {row['node_cpu_ms_per_tx']:.2f} ms/tx"
    console.print(
        f"  {WORKLOAD_TITLES[row['workload']]:<16} {row['node']:<9} "
        f"{'#' + str(row['round']) + ' ' if row.get('round', 1) > 1 else ''}"
        f"{row['tps']:>9,.0f} tx/s  p50 {lat.get('p50', float('nan')):>7,.0f} ms  "
        f"p99 {lat.get('p99', float('nan')):>7,.0f} ms  "
        f"(accepted at {row['send_tps']:,.0f} tx/s, {row['blocks']} blocks{cpu}) {status}"
    )


def _finish(console: Console, args: argparse.Namespace, report: dict[str, Any]) -> int:
    p = report["params"]
    console.print()
    if report["results"]:
        runs = f", median of {p['repeat']} runs" if p["repeat"] > 1 else ""
        print_table(
            console,
            median_rows(report["results"]),
            f"seqguard bench: {p['txs']} txs per workload, {p['senders']} senders, "
            f"batches of {p['batch_size']} on {p['connections']} connections, "
            f"{p['block_time']:g} s blocks{runs}",
        )
    if "inspection" in report:
        console.print()
        print_inspection(console, report["inspection"])
    m = report["machine"]
    console.print(
        f"load average (1, 5, 15 min) at start {m['loadavg_at_start']}, at end "
        f"{m.get('loadavg_at_end')} on {m['cpus']} CPUs"
    )
    if args.profile:
        console.print(
            "[yellow]seqguard ran under py-spy: its figures include the sampling overhead[/yellow]"
        )
    if "profile" in report:
        print_profile(console, report["profile"], report["profile"]["file"])
    if "rollup" in report:
        console.print()
        print_rollup(console, report["rollup"])
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
        console.print(f"results written to {args.json}")
    complete = all(r["complete"] and not r["receipts_failed"] for r in report["results"])
    latency = report.get("inspection", {}).get("latency")
    if latency is not None and not latency["complete"]:
        complete = False
    if "rollup" in report and not report["rollup"]["complete"]:
        complete = False
    return 0 if complete else 1


def _version() -> str:
    from seqguard import __version__

    return __version__
