"""``seqguard bench``: the load generator's signer, and a tiny end-to-end run on both nodes.

No speed is asserted anywhere (DESIGN §5): the smoke test only checks that a run
completes and that its JSON report carries the expected fields.
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

from seqguard.bench.load import percentile
from seqguard.bench.signer import Signer, address_of, bench_key, keccak, rlp_list
from seqguard.bench.workload import transfer_calldata
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


@pytest.mark.slow
def test_bench_runs_on_both_nodes(tmp_path: Path) -> None:
    if not ANVIL_BIN.exists():
        pytest.fail(f"anvil not found at {ANVIL_BIN}: run `make npm`")
    ok, out = seqguard_cli_available()
    if not ok:
        pytest.fail(f"`python -m seqguard node --help` does not work yet:\n{out}")
    report_path = tmp_path / "bench.json"
    cmd = [
        PYTHON, "-m", "seqguard", "bench",
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
