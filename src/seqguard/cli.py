"""The ``seqguard`` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from typing import Any

from eth_utils import to_checksum_address
from rich.console import Console

from seqguard import __version__
from seqguard.config import ConfigError, load_config
from seqguard.genesis import DEV_MNEMONIC, GenesisError, dev_accounts

NODE_HELP = """\
Start a sequencer node: JSON-RPC over HTTP and WebSocket on one port,
a status dashboard at /dashboard, Prometheus metrics at /metrics.

With no --genesis, a dev chain starts (chain id 31337) with 10 accounts of the
usual test mnemonic funded with 10,000 ETH each, printed at start, as anvil
does. The data directory keeps the chain, the pool journal and the genesis, so
a restart resumes at the head.

Every flag can also be set in a TOML file (--config, keys as the flag names
with underscores) or as an environment variable SEQGUARD_<NAME>, e.g.
SEQGUARD_BLOCK_TIME=2. Flags win over the environment, which wins over the file.
"""


def _node_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "node",
        help="start a sequencer node",
        description=NODE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", metavar="FILE", help="TOML file with settings")
    p.add_argument(
        "--genesis",
        metavar="FILE",
        help="geth-style genesis JSON (config.chainId, alloc, gasLimit, baseFeePerGas, timestamp)",
    )
    p.add_argument(
        "--chain-id",
        type=int,
        metavar="N",
        help="chain id (overrides the genesis; dev default 31337)",
    )
    p.add_argument("--data-dir", metavar="DIR", help="where the chain is kept (default .seqguard)")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port for HTTP and WebSocket JSON-RPC (default 8545)")
    p.add_argument(
        "--block-time",
        type=float,
        metavar="SECONDS",
        help="seconds between blocks; 0 seals as soon as a transaction is pending (default 1)",
    )
    p.add_argument(
        "--empty-blocks",
        action="store_const",
        const=True,
        help="seal blocks even when no transaction is pending",
    )
    p.add_argument("--coinbase", metavar="ADDRESS", help="fee recipient of sealed blocks")
    p.add_argument(
        "--ordering",
        choices=["priority-fee", "fcfs"],
        help="block ordering policy (default priority-fee)",
    )
    p.add_argument(
        "--max-block-txs", type=int, metavar="N", help="most transactions per block (default 10000)"
    )
    p.add_argument(
        "--build-budget",
        type=float,
        metavar="SECONDS",
        help="most execution time per block; the rest waits for the next block (default 80%% of the block time, 0.5 s when sealing on arrival)",
    )
    p.add_argument(
        "--account-slots",
        type=int,
        metavar="N",
        help="most pooled transactions per sender (default 1024)",
    )
    p.add_argument(
        "--global-slots",
        type=int,
        metavar="N",
        help="most pending transactions in the pool (default 20000)",
    )
    p.add_argument(
        "--global-queue",
        type=int,
        metavar="N",
        help="most queued (nonce-gapped) transactions (default 5000)",
    )
    p.add_argument(
        "--lifetime",
        type=float,
        metavar="SECONDS",
        help="how long a queued transaction may wait (default 10800)",
    )
    p.add_argument(
        "--price-bump",
        type=int,
        metavar="PERCENT",
        help="fee increase a replacement needs (default 10)",
    )
    p.add_argument(
        "--min-tip", type=int, metavar="WEI", help="smallest priority fee accepted (default 0)"
    )
    p.add_argument(
        "--max-batch",
        type=int,
        metavar="N",
        help="most requests in one JSON-RPC batch (default 1000)",
    )
    p.add_argument(
        "--max-request-bytes",
        type=int,
        metavar="N",
        help="largest JSON-RPC request body (default 5 MiB)",
    )
    p.add_argument(
        "--log-level", choices=["debug", "info", "warning", "error"], help="default info"
    )
    sec = p.add_argument_group(
        "inspection and quarantine",
        "Every transaction is executed and judged by the detectors before it may enter a "
        "block. The admin methods take a bearer token (SEQGUARD_ADMIN_TOKEN, kept out of "
        "the process list) or an EIP-191 signature by one of --admin-addresses. Changes "
        "made at run time over RPC are kept in the data directory and win over these.",
    )
    sec.add_argument(
        "--no-inspection",
        dest="inspection",
        action="store_const",
        const=False,
        help="include transactions without inspecting them",
    )
    sec.add_argument(
        "--inspection-budget",
        type=float,
        metavar="SECONDS",
        help="inspection time per transaction before it is held for re-check (default 0.1)",
    )
    sec.add_argument(
        "--quarantine-expiry",
        type=float,
        metavar="SECONDS",
        help="release held transactions after this long (default: hold until an operator acts)",
    )
    for name, what in (
        ("deny-senders", "senders whose transactions are held"),
        ("deny-recipients", "recipients (also of token transfers) that get a transaction held"),
        ("deny-contracts", "contracts whose use anywhere in a call gets a transaction held"),
        ("allow-senders", "senders that bypass inspection (your keepers, liquidators)"),
        ("admin-addresses", "addresses that may sign admin calls (EIP-191)"),
    ):
        sec.add_argument(f"--{name}", metavar="ADDRESSES", help=f"comma-separated {what}")
    sec.add_argument(
        "--invariant",
        dest="invariants",
        action="append",
        metavar="NAME=ADDRESS:CHECK",
        help="a view check that must hold after every transaction touching ADDRESS, e.g. "
        "'vault-solvent=0x5FbD…:totalAssets() >= totalSupply()'; repeatable",
    )
    roll = p.add_argument_group(
        "rollup",
        "Sealed blocks are batched, compressed and posted to a data-availability layer, "
        "with periodic output roots, so that `seqguard verify` can re-derive the chain. "
        "With an L1 (--l1-rpc and the addresses `seqguard deploy-l1` prints, or "
        "--l1-deployment FILE), deposits and forced transactions enqueued in the L1 inbox "
        "are included within --inclusion-window seconds. The L1 key comes from "
        "SEQGUARD_L1_KEY.",
    )
    roll.add_argument(
        "--da",
        choices=["file", "ethereum", "none"],
        help="where batches go: file (DATA_DIR/da, default), ethereum (calldata on the L1) or none",
    )
    roll.add_argument("--l1-rpc", metavar="URL", help="the L1 node's JSON-RPC URL")
    roll.add_argument(
        "--l1-deployment", metavar="FILE", help="addresses written by `seqguard deploy-l1 --out`"
    )
    roll.add_argument("--inbox", metavar="ADDRESS", help="the RollupInbox contract on L1")
    roll.add_argument("--output-oracle", metavar="ADDRESS", help="the OutputOracle on L1")
    roll.add_argument("--batch-inbox", metavar="ADDRESS", help="where batches are sent on L1")
    roll.add_argument("--l1-start-block", type=int, metavar="N", help="L1 block to read from")
    roll.add_argument(
        "--l1-confirmations", type=int, metavar="N", help="L1 blocks on top before final (0)"
    )
    roll.add_argument(
        "--batch-interval", type=float, metavar="SECONDS", help="seconds between batches (2)"
    )
    roll.add_argument(
        "--max-frame-bytes", type=int, metavar="N", help="largest frame posted (120000)"
    )
    roll.add_argument(
        "--compression", choices=["zstd", "brotli", "zlib", "none"], help="batch codec (zstd)"
    )
    roll.add_argument(
        "--output-interval", type=int, metavar="BLOCKS", help="L2 blocks between output roots (20)"
    )
    roll.add_argument(
        "--inclusion-window",
        type=int,
        metavar="SECONDS",
        help="how long an L1 inbox item may wait before derivation forces it in (60)",
    )
    roll.add_argument(
        "--ignore-inbox",
        action="store_const",
        const=True,
        help="misbehave on purpose: never include inbox items (derivation overrules this)",
    )
    return p


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="seqguard",
        description="seqguard: an Ethereum-compatible L2 sequencer with security built in.",
    )
    parser.add_argument("--version", action="version", version=f"seqguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _node_parser(sub)
    bench = sub.add_parser("bench", help="measure throughput and latency against anvil")
    from seqguard.bench import add_arguments

    add_arguments(bench)
    _inspect_parser(sub)
    from seqguard.scenarios import eval as evaluation

    evaluate = sub.add_parser(
        "eval",
        help="measure protection: run the attack and benign scenario library against a node",
        description=evaluation.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluation.add_arguments(evaluate)
    from seqguard.scenarios import train

    training = sub.add_parser(
        "train",
        help="fit the risk model on the scenario library and benign workload",
        description=train.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_arguments(training)
    _dashboard_parser(sub)
    _verify_parser(sub)
    from seqguard.rollup import l1

    deploy = sub.add_parser(
        "deploy-l1",
        help="deploy the rollup's L1 contracts (inbox, output oracle) and print their addresses",
        description="Deploy RollupInbox and OutputOracle on an L1 (anvil, a testnet) and print "
        "the addresses as JSON, for `seqguard node --l1-deployment FILE` and "
        "`seqguard verify --l1-deployment FILE`. The key's account is the proposer and the "
        "batcher.",
    )
    l1.add_deploy_arguments(deploy)
    args = parser.parse_args(argv)
    if args.command == "train":
        sys.exit(train.run(args))
    if args.command == "eval":
        sys.exit(evaluation.run(args))
    if args.command == "inspect":
        sys.exit(run_inspect(args))
    if args.command == "dashboard":
        sys.exit(run_dashboard(args))
    if args.command == "verify":
        sys.exit(run_verify(args))
    if args.command == "deploy-l1":
        sys.exit(l1.run_deploy(args))
    if args.command == "node":
        sys.exit(run_node(args))
    if args.command == "bench":
        from seqguard.bench import run

        sys.exit(run(args))
    parser.print_help()
    sys.exit(2)


def _inspect_parser(sub: Any) -> None:
    p = sub.add_parser(
        "inspect",
        help="judge a transaction another node (geth, anvil, seqguard) executed",
        description="Fetch a mined transaction's callTracer and prestateTracer (diff) output "
        "from any node with debug_traceTransaction, rebuild the trace, and run seqguard's "
        "detectors on it, reading token balances and views from the state after its block. "
        "Prints every finding, also those below a detector's threshold, and the verdict a "
        "seqguard sequencer would give. Exits 1 if it would hold the transaction.",
    )
    p.add_argument("tx_hash", metavar="TXHASH", help="hash of a mined transaction")
    p.add_argument(
        "--rpc", default="http://127.0.0.1:8545", help="node URL (default http://127.0.0.1:8545)"
    )
    p.add_argument(
        "--invariant",
        dest="invariants",
        action="append",
        default=[],
        metavar="NAME=ADDRESS:CHECK",
        help="an invariant to check too, as for `seqguard node --invariant`; repeatable",
    )
    p.add_argument("--json", action="store_true", help="print the trace and findings as JSON")


def run_inspect(args: argparse.Namespace) -> int:
    from seqguard.config import Config
    from seqguard.inspection import Inspector
    from seqguard.inspection.detectors import default_detectors
    from seqguard.inspection.remote import remote_trace_and_context
    from seqguard.rpc.client import HttpRpc, RemoteError

    console = Console(highlight=False)
    try:
        invariants = Config(invariants=args.invariants).parsed_invariants()
        trace, context = remote_trace_and_context(HttpRpc(args.rpc), args.tx_hash)
    except (ConfigError, RemoteError, LookupError, OSError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    except Exception as exc:  # an unreachable node or an answer that is not JSON-RPC
        console.print(f"[red]error:[/red] could not read {args.tx_hash} from {args.rpc}: {exc}")
        return 2
    # views are RPC round trips here: the node's per-transaction time budget does not apply
    inspector = Inspector(default_detectors(invariants=invariants), budget=600)
    verdict = inspector.judge(trace, context)
    order = {d.name: i for i, d in enumerate(inspector.detectors)}
    found = sorted(
        ((f.detector, f) for f in verdict.findings + verdict.noted),
        key=lambda x: order.get(x[0], len(order)),
    )  # every finding, the acted-on ones and those below threshold, in detector order
    if args.json:
        print(json.dumps({
            "verdict": verdict.action,
            "findings": [{"detector": n, "score": f.score, "reason": f.reason,
                          "estimatedLossWei": str(f.estimated_loss_wei)} for n, f in found],
            "trace": trace.to_json(),
        }, indent=1))  # fmt: skip
    else:
        console.print(
            f"{args.tx_hash}: {len(trace.frames)} frames, {len(trace.transfers)} token "
            f"transfers, {'succeeded' if trace.success else 'reverted'}"
        )
        for name, f in found:
            acted = f in verdict.findings
            mark = "[red]acts[/red]" if acted else "[dim]noted[/dim]"
            console.print(f"  {mark} [bold]{name}[/bold] (score {f.score:.2f}): {f.reason}")
        colour = "green" if verdict.action == "allow" else "red"
        console.print(f"verdict: [{colour}]{verdict.action}[/{colour}]")
    return 0 if verdict.action == "allow" else 1


def _dashboard_parser(sub: Any) -> None:
    p = sub.add_parser(
        "dashboard",
        help="serve the dashboard on its own, against any seqguard node",
        description="Serve the quarantine dashboard (the same page a node serves at /dashboard) "
        "on its own port, talking to the seqguard node at --rpc over JSON-RPC and WebSocket "
        "from the browser. The node must be reachable from the browser, not only from here. "
        "Operators log in on the page with the node's admin token or an admin wallet.",
    )
    p.add_argument(
        "--rpc", default="http://127.0.0.1:8545", help="node URL (default http://127.0.0.1:8545)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8600, help="port to listen on (default 8600)")


def run_dashboard(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    import uvicorn

    from seqguard.dashboard import standalone_app
    from seqguard.rpc.client import HttpRpc

    console = Console(highlight=False)
    if urlsplit(args.rpc).scheme not in ("http", "https"):
        console.print(f"[red]error:[/red] --rpc must be an http(s) URL, not {args.rpc!r}")
        return 2
    try:
        version = HttpRpc(args.rpc, timeout=5)("web3_clientVersion")
        console.print(f"Node:       {args.rpc} ({version})")
    except Exception as exc:  # serve anyway: the page says when the node is unreachable
        console.print(f"[yellow]warning:[/yellow] {args.rpc} does not answer yet ({exc})")
    console.print(f"Dashboard:  http://{args.host}:{args.port}/dashboard/")
    try:
        uvicorn.run(
            standalone_app(args.rpc.rstrip("/") + "/"),
            host=args.host,
            port=args.port,
            log_level="warning",
        )
    except SystemExit:  # uvicorn exits this way when the port is taken
        console.print(f"[red]error:[/red] cannot listen on {args.host}:{args.port}")
        return 1
    return 0


VERIFY_HELP = """\
Re-derive a seqguard chain from genesis and check it: read the batches from the
data-availability layer (and deposits and forced transactions from the L1 inbox),
re-execute every block in an empty data directory, and compare each block hash and
state root with what the sequencer posted, and each output root on the layer.
Prints the first divergence with its block number and cause; exits 1 if there is one.

  seqguard verify --da file --da-dir NODE_DATA_DIR/da
  seqguard verify --da ethereum --l1-rpc URL --l1-deployment deployment.json --follow
"""


def _verify_parser(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="re-derive the chain from the DA layer and L1, and check every posted block",
        description=VERIFY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--genesis",
        metavar="FILE",
        help="the chain's genesis: the node's DATA_DIR/genesis.json (the default with "
        "--da-dir, when it is there); a dev chain's genesis has the time it was made",
    )
    p.add_argument("--chain-id", type=int, metavar="N", help="dev chain id (default 31337)")
    p.add_argument("--da", choices=["file", "ethereum"], default="file", help="where batches are")
    p.add_argument("--da-dir", metavar="DIR", help="for --da file: the node's DATA_DIR/da")
    p.add_argument("--l1-rpc", metavar="URL", help="the L1 (inbox, and batches for ethereum)")
    p.add_argument("--l1-deployment", metavar="FILE", help="JSON from `seqguard deploy-l1`")
    p.add_argument(
        "--inclusion-window",
        type=int,
        default=60,
        metavar="SECONDS",
        help="the rollup's inclusion window (default 60, as the node's)",
    )
    p.add_argument(
        "--data-dir", metavar="DIR", help="an empty directory for the derived chain (default: temp)"
    )
    p.add_argument("--follow", action="store_true", help="keep following the live chain")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run_verify(args: argparse.Namespace) -> int:
    import tempfile
    import time
    from pathlib import Path

    from seqguard.config import Config
    from seqguard.node import resolve_genesis
    from seqguard.rollup.da import DAError
    from seqguard.rollup.service import make_da, make_inbox
    from seqguard.rollup.verifier import Verifier

    console = Console(highlight=False, stderr=args.json)
    try:
        genesis = args.genesis
        beside = Path(args.da_dir or ".").parent / "genesis.json"
        if genesis is None and args.da == "file" and args.da_dir and beside.exists():
            genesis = str(beside)  # the node keeps its genesis next to its DA directory
            console.print(f"genesis: {genesis}")
        config = Config(
            genesis=genesis,
            chain_id=args.chain_id,
            da=args.da,
            l1_rpc=args.l1_rpc,
            l1_deployment=args.l1_deployment,
        )
        config.load_deployment()
        if args.da == "file" and not args.da_dir:
            raise ConfigError("--da file needs --da-dir (the node's DATA_DIR/da)")
        if args.da == "ethereum" and not (args.l1_rpc and args.l1_deployment):
            raise ConfigError("--da ethereum needs --l1-rpc and --l1-deployment")
        da = make_da(config, Path(args.da_dir or "."), writable=False)
        assert da is not None
        data_dir = args.data_dir or tempfile.mkdtemp(prefix="seqguard-verify-")
        verifier = Verifier(
            data_dir,
            resolve_genesis(config),
            da,
            inbox=make_inbox(config),
            inbox_cursor=config.l1_start_block,
            inclusion_window=args.inclusion_window,
        )
    except (ConfigError, GenesisError, DAError, OSError, ValueError, KeyError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    verifier.on_divergence = lambda d: console.print(
        f"[red]divergence at block {d.block}:[/red] {d.cause}"
    )

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # a supervisor's stop prints the summary too
    try:
        with console.status("deriving…") as status:
            while True:
                busy = verifier.step()
                p = verifier.progress
                line = (
                    f"derived {p.blocks} blocks from {p.batches} batches, {p.outputs} output roots"
                )
                status.update(line)
                if verifier.stopped or (not busy and not args.follow):
                    break
                if busy and args.follow:
                    console.print(f"{line}; head {verifier.chain.head.number}")
                if not busy:
                    time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # the L1 or the DA directory went away
        console.print(f"[red]error:[/red] reading the DA layer or the L1 failed: {exc}")
        verifier.close()
        return 2
    if not args.follow:
        verifier.finish()
    p = verifier.progress
    head = verifier.chain.head
    result = {
        "head": head.number,
        "blockHash": "0x" + head.hash.hex(),
        "stateRoot": "0x" + head.state_root.hex(),
        "blocks": p.blocks,
        "batches": p.batches,
        "outputs": p.outputs,
        "duplicates": p.duplicates,
        "inboxItems": p.inbox_items,
        "forcedByDerivation": p.forced_by_derivation,
        "firstDivergence": p.first.to_json() if p.first else None,
        "divergences": [d.to_json() for d in p.history[:20]],
        "divergentBlocks": p.divergent_blocks,
        "seconds": round(p.seconds, 3),
        "batchesPerSecond": round(p.batches / p.seconds, 2) if p.seconds else None,
        "dataDir": str(data_dir),
    }
    verifier.close()
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        console.print(
            f"derived {p.blocks} blocks from {p.batches} batches in {p.seconds:.2f} s; "
            f"{p.outputs} output roots checked; head {head.number} "
            f"(hash 0x{head.hash.hex()[:16]}…, state root 0x{head.state_root.hex()[:16]}…)"
        )
        if p.first is None:
            console.print("[green]every posted block and output root matches[/green]")
        else:
            console.print(f"[red]first divergence at block {p.first.block}:[/red] {p.first.cause}")
    return 0 if p.first is None else 1


def run_node(args: argparse.Namespace) -> int:
    console = Console(stderr=False, highlight=False)
    overrides = {k: v for k, v in vars(args).items() if k not in ("command", "config")}
    try:
        config = load_config(args.config, overrides)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)-5s %(name)s: %(message)s",
    )
    # one line per L1 request would drown the node's own log
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from seqguard.chain import GenesisMismatch
    from seqguard.service import NodeServer

    try:
        server = NodeServer(config)
    except (GenesisError, GenesisMismatch) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    import uvloop

    return uvloop.run(_serve(server, console))


async def _serve(server: Any, console: Console) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await server.run(stop, on_ready=lambda: print_banner(console, server))
    except OSError as exc:
        config = server.config
        console.print(
            f"[red]error:[/red] cannot listen on {config.host}:{config.port}: "
            f"{exc.strerror or exc}; is another node running? Choose another --port"
        )
        return 1
    return 0


def print_banner(console: Console, server: Any) -> None:
    node = server.node
    config = node.config
    genesis = node.genesis
    console.print(f"\n[bold]seqguard[/bold] v{__version__} — Ethereum-compatible L2 sequencer\n")
    funded = [(a, k) for a, k in dev_accounts(config.dev_accounts) if a in genesis.alloc]
    if funded:
        console.print("Available Accounts\n==================")
        for i, (addr, _) in enumerate(funded):
            bal = genesis.alloc[addr].balance / 10**18
            console.print(f"({i}) {to_checksum_address(addr)} ({bal:g} ETH)")
        console.print("\nPrivate Keys\n==================")
        for i, (_, key) in enumerate(funded):
            console.print(f"({i}) 0x{key.hex()}")
        console.print(
            f"\nWallet\n==================\nMnemonic:          {DEV_MNEMONIC}\nDerivation path:   m/44'/60'/0'/0/\n"
        )
    head = node.chain.head
    host = config.host if config.host not in ("0.0.0.0", "::") else "127.0.0.1"
    console.print(f"Chain ID:          {node.chain.chain_id}")
    console.print(f"Head:              block {head.number} (0x{head.hash.hex()[:16]}…)")
    console.print(
        f"Block time:        {config.block_time:g} s{' (seal on arrival)' if config.block_time == 0 else ''}"
    )
    console.print(
        f"Base fee:          {node.genesis.base_fee} wei at genesis, gas limit {head.gas_limit}"
    )
    console.print(f"Data directory:    {config.data_dir}")
    if node.policy is None:
        console.print("Inspection:        [yellow]off[/yellow] (--no-inspection)")
    else:
        console.print(
            f"Inspection:        on, {len(node.inspector.detectors)} detectors, "
            f"{len(node.policy.invariants())} invariants, "
            f"{node.quarantine.count()} held in quarantine"
        )
    if node.restored:
        console.print(f"Pool:              {node.restored} transactions restored from the journal")
    console.print(f"\nJSON-RPC (HTTP):   http://{host}:{config.port}")
    console.print(f"JSON-RPC (WS):     ws://{host}:{config.port}")
    console.print(f"Dashboard:         http://{host}:{config.port}/dashboard")
    if config.admin_token or config.admin_addresses:
        console.print(
            "Operator login:    on the dashboard, with the admin token or an admin wallet"
        )
    else:
        console.print(
            "Operator login:    [yellow]off[/yellow]: set SEQGUARD_ADMIN_TOKEN or --admin-addresses"
        )
    console.print(f"Metrics:           http://{host}:{config.port}/metrics\n")
