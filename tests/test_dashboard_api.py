"""The node's side of the dashboard: live feed, statistics, one transaction's inspection,
operator sessions and false-positive marks, through JSON-RPC as the page uses them."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from eth_account import Account
from websockets.sync.client import connect

from seqguard.activity import Activity
from seqguard.inspection import Finding, Verdict
from support.admin import admin_call, signed
from support.chain import dev_accounts

GWEI = 10**9
TOKEN = "operator-secret"


def built(number: int, verdicts: list[tuple[str, float]], *, sealed_txs: int) -> Any:
    """A stand-in for builder.BuiltBlock with what Activity reads."""
    items = []
    for i, (action, seconds) in enumerate(verdicts):
        findings = (Finding("deny-list", "on the deny list", 1.0),) if action != "allow" else ()
        tx = SimpleNamespace(hash=bytes([i]) * 32, sender=b"\1" * 20, to=b"\2" * 20)
        items.append(SimpleNamespace(tx=tx, verdict=Verdict(action, findings), seconds=seconds))
    return SimpleNamespace(
        block=SimpleNamespace(number=number), txs=[None] * sealed_txs, inspected=items
    )


def test_activity_buckets_feed_and_percentiles() -> None:
    now = [1000.0]
    activity = Activity(bucket_seconds=5, clock=lambda: now[0])
    lines = activity.record(
        built(1, [("allow", 0.001)] * 99 + [("quarantine", 0.05)], sealed_txs=99)
    )
    activity.note_quarantine(1)  # the node's quarantine listener, after the hold
    assert len(lines) == 100 and lines[-1]["action"] == "quarantine" and lines[-1]["block"] is None
    assert lines[0]["block"] == "0x1" and lines[0]["latencyMs"] == 1.0
    now[0] = 1012.0  # two buckets later; nothing happened in between
    activity.record(built(2, [("allow", 0.002)], sealed_txs=1))
    stats = activity.stats(3600)
    buckets = stats["buckets"]
    # from the node's start, not an hour of empty intervals before it
    assert [b["t"] for b in buckets] == [1000, 1005, 1010]
    first, gap, last = buckets
    assert (
        first["txs"] == 99
        and first["tps"] == 19.8
        and first["verdicts"] == {"allow": 99, "quarantine": 1}
    )
    assert first["hits"] == {"deny-list": 1} and first["p50Ms"] == 1.0 and first["p99Ms"] == 50.0
    assert gap["txs"] == 0 and gap["p50Ms"] is None and gap["quarantined"] == 1  # carried forward
    assert last["txs"] == 1 and last["p99Ms"] == 2.0
    assert stats["totals"] == {"blocks": 2, "txs": 100, "allow": 100, "quarantine": 1}
    recent = activity.recent(3)
    assert [r["block"] for r in recent] == ["0x2", None, "0x1"]  # newest first


def send(rpc: Any, account: Any, nonce: int, to: str) -> str:
    tx = {
        "nonce": nonce, "gas": 21_000, "maxFeePerGas": 10 * GWEI, "maxPriorityFeePerGas": GWEI,
        "to": to, "value": 1, "data": b"", "chainId": 31337, "type": 2,
    }  # fmt: skip
    return rpc.call(
        "eth_sendRawTransaction", "0x" + account.sign_transaction(tx).raw_transaction.hex()
    )


def first_inspection(ws_url: str, trigger: Any) -> dict[str, Any]:
    with connect(ws_url) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe",
                            "params": ["seqguard_inspections"]}))  # fmt: skip
        sub = json.loads(ws.recv(timeout=15))["result"]
        trigger()
        msg = json.loads(ws.recv(timeout=15))
        assert msg["params"]["subscription"] == sub
        return msg["params"]["result"]


@pytest.mark.slow
def test_dashboard_methods_sessions_and_false_positives(nodes: Any, tmp_path: Path) -> None:
    alice, bob = dev_accounts(2)
    admin = Account.create()
    config = tmp_path / "node.toml"
    config.write_text(
        f'admin_token = "{TOKEN}"\ndeny_senders = ["{bob.address.lower()}"]\n'
        f'admin_addresses = ["{admin.address.lower()}"]\n'
    )
    node = nodes.seqguard("dash", block_time=0, extra_args=["--config", str(config)])
    rpc = node.rpc
    target = "0x" + "22" * 20

    held: list[str] = []
    event = first_inspection(node.ws_url, lambda: held.append(send(rpc, bob, 0, target)))
    (line,) = event["inspections"]
    assert event["count"] == 1 and line["hash"] == held[0] and line["action"] == "quarantine"
    assert line["detectors"] == ["deny-list"] and line["block"] is None and line["latencyMs"] > 0
    fine = send(rpc, alice, 0, target)
    mined = rpc.wait_receipt(fine)

    recent = rpc.call("seqguard_recentInspections", {"limit": 10})
    assert [r["hash"] for r in recent] == [fine, held[0]]
    assert recent[0]["block"] == mined["blockNumber"] and recent[0]["action"] == "allow"
    assert rpc.request("seqguard_recentInspections", [{"limit": 0}])["error"]["code"] == -32602
    stats = rpc.call("seqguard_stats", {"seconds": 60})
    assert stats["totals"]["quarantine"] == 1 and stats["totals"]["txs"] == 1
    assert stats["quarantine"]["quarantined"] == 1 and stats["hits"] == {"deny-list": 1}
    assert rpc.request("seqguard_stats", [{"seconds": 10**6}])["error"]["code"] == -32602

    # one transaction: the judged trace of the held one, a replay of the mined one
    info = rpc.call("seqguard_getInspection", held[0])
    assert info["record"]["status"] == "quarantined" and info["source"] == "inspection"
    (finding,) = info["findings"]
    assert finding["detector"] == "deny-list" and finding["acted"] is True
    assert info["trace"]["tx"]["hash"] == held[0] and info["storage"] == []
    assert {"address": target, "delta": "1"} in info["flows"]["eth"]
    plain = rpc.call("seqguard_getInspection", fine)
    assert plain["record"] is None and plain["findings"] == [] and plain["source"] == "replay"
    assert rpc.call("seqguard_getInspection", "0x" + "ab" * 32) is None
    by_target = rpc.call("seqguard_listQuarantine", {"address": target})["records"]
    assert [r["hash"] for r in by_target] == held

    # sessions: log in with the token, act as a named operator, log out
    assert admin_call(rpc, "seqguard_login", {"name": "eve"})["error"]["code"] == -32001
    assert admin_call(rpc, "seqguard_login", {"name": ""}, token=TOKEN)["error"]["code"] == -32602
    session = admin_call(rpc, "seqguard_login", {"name": "carol"}, token=TOKEN)["result"]
    assert session["actor"] == "carol (token)" and session["session"].startswith("sgs_")
    bearer = session["session"]
    assert admin_call(rpc, "seqguard_session", {}, token=bearer)["result"] == {
        "actor": "carol (token)"
    }
    # a session cannot open another one
    assert admin_call(rpc, "seqguard_login", {}, token=bearer)["error"]["code"] == -32001
    marked = admin_call(rpc, "seqguard_markFalsePositive", {"hash": held[0], "reason": "test account"}, token=bearer)["result"]  # fmt: skip
    assert marked["falsePositive"] is True and marked["status"] == "released"
    assert (
        marked["releasedBy"] == "carol (token)"
        and marked["releaseReason"] == "false positive: test account"
    )
    rpc.wait_receipt(held[0])
    assert admin_call(rpc, "seqguard_logout", {}, token=bearer)["result"] is True
    assert admin_call(rpc, "seqguard_session", {}, token=bearer)["error"]["code"] == -32001

    # a wallet login: one signature by an admin address
    by_wallet = admin_call(rpc, "seqguard_login", signed("seqguard_login", {}, admin.key))["result"]
    assert by_wallet["actor"] == admin.address.lower()
    log = admin_call(rpc, "seqguard_auditLog", {"limit": 10}, token=TOKEN)["result"]
    actions = [(e["actor"], e["action"]) for e in log]
    assert ("carol (token)", "falsePositive") in actions and ("carol (token)", "logout") in actions
    assert (admin.address.lower(), "login") in actions

    # the page itself: strict content policy, and it talks to the node that served it
    page = httpx.get(f"{node.url}/dashboard/")
    assert page.status_code == 200 and "js/app.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert httpx.get(f"{node.url}/dashboard/config.json").json() == {"rpc": None}
    assert httpx.get(f"{node.url}/dashboard/js/pages/tx.js").status_code == 200

    # what inspection found outlives a restart
    node.restart()
    again = node.rpc.call("seqguard_getInspection", held[0])
    assert again["findings"] == info["findings"] and again["record"]["falsePositive"] is True
