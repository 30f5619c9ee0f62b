"""``seqguard bench``: the load generator's signer, the mixed workload built in-process,
and tiny end-to-end runs of the throughput, inspection and rollup suites.

No speed is asserted anywhere (DESIGN §5): the smoke tests only check that a run
completes, that every transaction succeeded and that the JSON report carries the
expected fields.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import rlp
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes

from seqguard.bench.latency import measure_inspection_latency
from seqguard.bench.load import percentile
from seqguard.bench.mixed import KINDS, amount_out, create_address
from seqguard.bench.rollup import calldata_gas
from seqguard.bench.signer import Signer, address_of, bench_key, keccak, rlp_list
from seqguard.bench.workload import Accounts, recipients, transfer_calldata
from support.chain import contract_address
from support.nodes import ANVIL_BIN, PYTHON, REPO, seqguard_cli_available, seqguard_env


@pytest.mark.parametrize(
    ("to", "value", "data"),
    [
        (b"\x11" * 20, 1, b""),
        (b"\x00" * 19 + b"\x01", 10**24, transfer_calldata(b"\x22" * 20, 12345)),
        (None, 0, bytes(range(256)) * 3),  # contract creation, long data
    ],
)
@pytest.mark.parametrize("nonce", [0, 1, 127, 128, 2**20])
def test_signer_output_decodes_with_eth_account(
    to: bytes | None, value: int, data: bytes, nonce: int
) -> None:
    signer = Signer(bench_key(3), chain_id=13370)
    tx = signer.sign(
        nonce=nonce, to=to, value=value, data=data, gas=90_000,
        max_fee=100 * 10**9, max_priority_fee=10**9,
    )  # fmt: skip
    assert tx.raw[0] == 2
    assert tx.hash == keccak(tx.raw)
    assert Account.recover_transaction(tx.raw).lower() == signer.address_hex
    fields = TypedTransaction.from_bytes(HexBytes(tx.raw)).as_dict()
    assert fields["chainId"] == 13370
    assert fields["nonce"] == nonce
    assert fields["value"] == value
    assert fields["gas"] == 90_000
    assert fields["maxFeePerGas"] == 100 * 10**9
    assert fields["maxPriorityFeePerGas"] == 10**9
    assert bytes(fields["data"]) == data
    assert (bytes(fields["to"]) or None) == to
    assert Account.from_key(bench_key(3)).address.lower() == "0x" + address_of(bench_key(3)).hex()


def test_rlp_list_matches_pyrlp() -> None:
    for items in (
        [],
        [b"", b"\x00", b"\x7f", b"\x80", b"a" * 55, b"b" * 56, b"c" * 300, []],
        [[b"x", b"y"], b"z" * 70_000],
        [b"q"] * 60,
    ):
        assert rlp_list(items) == rlp.encode(items)


def test_percentile() -> None:
    values = [float(i) for i in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0


def test_mixed_helpers_match_references() -> None:
    sender = "0x" + address_of(bench_key(0)).hex()
    for nonce in (0, 1, 127, 128, 300):
        expected = contract_address(sender, nonce).lower()
        assert "0x" + create_address(bytes.fromhex(sender[2:]), nonce).hex() == expected
    # Pair.getAmountOut, worked by hand: 1000 in against 10^6 / 10^6, 0.3% fee
    assert amount_out(1000, 10**6, 10**6) == 997_000_000 // 1_000_997


def test_mixed_workload_in_process(tmp_path: Path) -> None:
    """Every kind of mixed-workload transaction succeeds on the node's builder, with the
    node's detectors, and is timed."""
    result = measure_inspection_latency(
        Accounts.make(4, 13370), recipients(16), txs=96, block_txs=40, gas_limit=10**9,
        rounds=1, workdir=tmp_path,
    )  # fmt: skip
    assert result["complete"], result
    assert result["included"] == 96 and result["blocks"] == 3
    assert result["held_count"] == result["invalid_count"] == 0 and result["failed"] == {}
    assert set(result["kinds"]) == set(KINDS)
    assert sum(k["count"] for k in result["kinds"].values()) == result["all"]["count"] == 96
    for row in (*result["kinds"].values(), result["all"]):
        for key in ("trace_ms", "judge_ms", "total_ms"):
            assert set(row[key]) == {"p50", "p99", "max", "mean"}
            assert 0 < row[key]["p50"] <= row[key]["p99"] <= row[key]["max"]
    assert result["detectors_run"] and set(result["detectors"]) == set(result["detectors_run"])
    assert result["build_cpu_s"]["on"] > 0 and result["build_cpu_s"]["off"] > 0
    assert result["build_cost_pct"] is not None and result["differing_builds"] == 0


def _require_nodes() -> None:
    if not ANVIL_BIN.exists():
        pytest.fail(f"anvil not found at {ANVIL_BIN}: run `make npm`")
    ok, out = seqguard_cli_available()
    if not ok:
        pytest.fail(f"`python -m seqguard node --help` does not work yet:\n{out}")


@pytest.mark.slow
def test_bench_inspection_suite(tmp_path: Path) -> None:
    _require_nodes()
    report_path = tmp_path / "bench.json"
    cmd = [
        PYTHON, "-m", "seqguard", "bench",
        "--inspection",
        "--txs", "240",
        "--senders", "8",  # 30 txs each: every kind of the cycle, repays too
        "--latency-rounds", "1",
        "--json", str(report_path),
        "--timeout", "60",
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=REPO, env=seqguard_env(), capture_output=True, text=True, timeout=170
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "inspection cost" in proc.stdout and "inspection latency" in proc.stdout

    report = json.loads(report_path.read_text())
    assert report["params"]["suite"] == "inspection"
    assert set(report["nodes"]) == {"seqguard", "seqguard-noinspect", "anvil"}
    rows = {r["node"]: r for r in report["results"]}
    assert set(rows) == set(report["nodes"]) and len(report["results"]) == 3
    for node, row in rows.items():
        assert row["workload"] == "mixed"
        assert row["complete"] is True, (node, row)
        assert row["included"] == row["sent_ok"] == 240, (node, row)
        assert row["send_errors"] == {} and row["hash_mismatches"] == 0, (node, row)
        # every receipt, not a sample: every swap and lending call succeeded
        assert row["receipts_checked"] == 240 and row["receipts_failed"] == 0, (node, row)
        assert row["failed_by_kind"] == {}

    cost = report["inspection"]["throughput"]["mixed"]
    for key in ("on_tps", "off_tps", "anvil_tps", "on_off", "cost_pct", "cpu_cost_pct"):
        assert cost[key] is not None, key
    assert cost["on_tps"] > 0 and cost["off_tps"] > 0 and cost["complete"] is True

    latency = report["inspection"]["latency"]
    assert latency["complete"] is True and latency["included"] == 240
    assert set(latency["kinds"]) == set(KINDS)
    assert set(latency["all"]["total_ms"]) >= {"p50", "p99", "max"}

    goals = report["inspection"]["goals"]
    assert isinstance(goals["p99_met"], bool)
    assert "cost_pct" in goals and "cost_met" in goals  # None: too few blocks to tell
    assert goals["p99_ms_goal"] == 10 and goals["cost_pct_goal"] == 15


@pytest.mark.slow
def test_bench_runs_on_both_nodes(tmp_path: Path) -> None:
    _require_nodes()
    report_path = tmp_path / "bench.json"
    cmd = [
        PYTHON, "-m", "seqguard", "bench",
        "--suite", "throughput",
        "--txs", "200",
        "--nodes", "seqguard,anvil",
        "--workloads", "eth,erc20",
        "--json", str(report_path),
        "--timeout", "60",
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=REPO, env=seqguard_env(), capture_output=True, text=True, timeout=280
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "seqguard/anvil" in proc.stdout  # the table's ratio column

    report = json.loads(report_path.read_text())
    assert report["params"]["txs"] == 200
    assert set(report["nodes"]) == {"seqguard", "anvil"}
    for node in report["nodes"].values():
        assert node["started_by_bench"] is True
        assert node["chain_id"] == 13370
    rows = {(r["node"], r["workload"]): r for r in report["results"]}
    assert set(rows) == {(n, w) for n in ("seqguard", "anvil") for w in ("eth", "erc20")}
    for key, row in rows.items():
        assert row["complete"] is True, (key, row)
        assert row["included"] == row["sent_ok"] == row["txs"] == 200, (key, row)
        assert row["send_errors"] == {} and row["hash_mismatches"] == 0, (key, row)
        assert row["receipts_checked"] > 0 and row["receipts_failed"] == 0, (key, row)
        assert row["tps"] > 0 and row["blocks"] >= 1
        assert set(row["latency_ms"]) >= {"p50", "p99"}
        assert row["node_cpu_s"] is not None and row["node_cpu_ms_per_tx"] is not None
        assert sum(b["bench_txs"] for b in row["block_log"]) == 200
        assert 0 < row["latency_ms"]["p50"] <= row["latency_ms"]["p99"]
    for workload in ("eth", "erc20"):
        assert set(report["ratios"][workload]) >= {"tps", "p50", "p99", "cpu_per_tx"}
        assert report["ratios"][workload]["tps"] > 0


def test_calldata_gas() -> None:
    # 21000 + 4 per zero byte + 16 per non-zero; floor 21000 + 10 per token (1 / 4)
    assert calldata_gas(b"") == (21_000, 21_000)
    assert calldata_gas(b"\x00\x01\x02") == (21_000 + 4 + 32, 21_000 + 10 + 80)


@pytest.mark.slow
def test_bench_rollup_suite(tmp_path: Path) -> None:
    """Tiny rollup suite: 200 mixed txs in 4 blocks, 2 batches, an anvil L1."""
    if not ANVIL_BIN.exists():
        pytest.fail(f"anvil not found at {ANVIL_BIN}: run `make npm`")
    report_path = tmp_path / "bench.json"
    cmd = [
        PYTHON, "-m", "seqguard", "bench",
        "--suite", "rollup",
        "--txs", "200",
        "--rollup-block-txs", "50",
        "--rollup-blocks-per-batch", "2",
        "--json", str(report_path),
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=REPO, env=seqguard_env(), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "L1 gas/tx" in proc.stdout  # the table

    report = json.loads(report_path.read_text())
    assert report["params"]["suite"] == "rollup" and report["results"] == []
    r = report["rollup"]
    assert r["complete"] is True
    assert r["txs"] == sum(r["batch_txs"]) == 200 and r["blocks"] == 4 and r["batches"] == 2
    codecs = r["codecs"]
    assert set(codecs) == {"none", "zlib", "brotli", "zstd"}
    raw = codecs["none"]
    assert raw["payload_bytes"] == r["raw_bytes"] + 2  # a codec byte per batch
    for name, c in codecs.items():
        if name != "none":
            assert c["payload_bytes"] < r["raw_bytes"] and c["ratio"] > 1, name
            assert c["l1_gas"] < raw["l1_gas"], name
        assert c["frames"] >= r["batches"] and c["frame_bytes"] > c["payload_bytes"]
        assert c["l1_gas"] > 0 and c["l1_gas_per_tx"] > 0 and c["l1_gas_per_batch"] > 0
        # Prague: every frame pays the EIP-7623 floor, exactly as computed
        assert c["l1_gas_as_expected"] is True and c["floor_applies"] is True, name
        assert c["compress_ms"] >= 0 and c["decompress_ms"] >= 0
    assert r["l1"]["chain_id"] == 31337 and r["l1"]["frame_txs"] == sum(
        c["frames"] for c in codecs.values()
    )
    v = r["verifier"]
    assert v["matched"] is True and v["batches"] == 2 and v["blocks"] == 4 and v["txs"] == 200
    assert v["outputs_checked"] == 3  # the setup batch's and one per batch
    assert v["head"]["number"] == r["setup_blocks"] + r["blocks"]
    assert v["batches_per_s"] > 0 and v["txs_per_s"] > 0
