"""Inline inspection and the quarantine, end to end through JSON-RPC (first detector: deny lists)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from seqguard.inspection import QUARANTINE, Context, Detector, Finding, Inspector
from seqguard.trace import Trace, TxInfo
from support.admin import admin_call, signed
from support.chain import dev_accounts

GWEI = 10**9


def sign(account: Any, nonce: int, **fields: Any) -> str:
    tx = {
        "nonce": nonce, "gas": 21_000, "maxFeePerGas": 10 * GWEI, "maxPriorityFeePerGas": GWEI,
        "to": "0x" + "22" * 20, "value": 1, "data": b"", "chainId": 31337, "type": 2,
    }  # fmt: skip
    tx.update(fields)
    return "0x" + bytes(account.sign_transaction(tx).raw_transaction).hex()


@pytest.mark.slow
def test_deny_listed_sender_is_held_explained_and_its_later_nonces_wait(
    nodes: Any, tmp_path: Path
) -> None:
    alice, bob = dev_accounts(2)
    config = tmp_path / "node.toml"
    config.write_text(f'deny_senders = ["{bob.address.lower()}"]\n')
    node = nodes.seqguard("guarded", block_time=0, extra_args=["--config", str(config)])
    rpc = node.rpc

    held = rpc.call("eth_sendRawTransaction", sign(bob, 0))
    later = rpc.call("eth_sendRawTransaction", sign(bob, 1, to="0x" + "33" * 20))
    fine = rpc.call("eth_sendRawTransaction", sign(alice, 0))
    assert rpc.wait_receipt(fine)["status"] == "0x1"

    answer = rpc.request("eth_getTransactionReceipt", [held])
    err = answer["error"]
    assert err["code"] == -32042
    assert "deny-list" in err["message"] and "on the deny list" in err["message"]
    record = err["data"]
    assert record["hash"] == held and record["status"] == "quarantined"
    assert record["from"] == bob.address.lower() and record["detectors"] == ["deny-list"]
    assert record["expiresAt"] is None and record["releasedAt"] is None
    assert rpc.call("seqguard_getQuarantine", held) == record
    assert rpc.call("seqguard_getQuarantine", "0x" + "ab" * 32) is None
    listed = rpc.call("seqguard_listQuarantine", {"status": "quarantined"})
    assert [r["hash"] for r in listed["records"]] == [held]
    assert rpc.call("seqguard_listQuarantine", {"from": alice.address})["records"] == []
    assert rpc.request("seqguard_listQuarantine", [{"status": "lost"}])["error"]["code"] == -32602

    # nothing of the held transaction landed, and the next nonce waits behind it
    assert rpc.call("eth_getTransactionCount", bob.address, "latest") == "0x0"
    queued = rpc.call("txpool_content")["queued"]
    assert any(later == txs.get("1", {}).get("hash") for txs in queued.values())
    # sending it again is caught without running it again
    again = rpc.request("eth_sendRawTransaction", [sign(bob, 0)])
    assert again["error"]["code"] == -32000
    assert again["error"]["message"].startswith(
        "transaction is held in quarantine: quarantined by deny-list"
    )

    # the record and the waiting transaction survive a restart; the held one is not re-pooled
    node.restart()
    rpc = node.rpc
    assert rpc.call("seqguard_getQuarantine", held)["status"] == "quarantined"
    content = rpc.call("txpool_content")
    hashes = {
        tx["hash"] for side in content.values() for txs in side.values() for tx in txs.values()
    }
    assert later in hashes and held not in hashes


class Boom(Detector):
    name = "boom"

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        raise RuntimeError("bug")


class Flags(Detector):
    name = "flags"

    def __init__(self, score: float) -> None:
        self.score = score

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        return [Finding(self.name, "looks odd", self.score, 5)]


def trace_from(sender: bytes) -> Trace:
    return Trace(
        TxInfo(b"\x00" * 32, sender, None, 0, 0, b"", 0, 0, 0), True, 0, None, [], [], [], [], []
    )


CTX = Context(block_number=1, timestamp=0)


def test_a_failing_detector_holds_the_transaction_never_allows_it() -> None:
    verdict = Inspector([Boom()]).judge(trace_from(b"\x01" * 20), CTX)
    assert verdict.action == QUARANTINE and verdict.detectors == ["boom"]
    assert "detector failed (RuntimeError)" in verdict.reason


def test_settings_change_at_run_time() -> None:
    inspector = Inspector([Flags(0.4)])
    trace = trace_from(b"\x01" * 20)
    assert inspector.judge(trace, CTX).action == "allow"  # below the default threshold 0.5
    inspector.configure("flags", threshold=0.3)
    verdict = inspector.judge(trace, CTX)
    assert verdict.action == QUARANTINE and verdict.estimated_loss_wei == 5
    inspector.configure("flags", action="reject")
    assert inspector.judge(trace, CTX).action == "reject"
    inspector.configure("flags", enabled=False)
    assert inspector.judge(trace, CTX).action == "allow"
    with pytest.raises(ValueError):
        inspector.configure("flags", action="explode")
    with pytest.raises(KeyError):
        inspector.configure("nope", enabled=True)


def test_allow_listed_senders_bypass_inspection() -> None:
    keeper = b"\x07" * 20
    inspector = Inspector([Flags(1.0)], allow_senders={keeper})
    assert inspector.judge(trace_from(keeper), CTX).action == "allow"
    assert inspector.judge(trace_from(b"\x08" * 20), CTX).action == QUARANTINE


@pytest.mark.slow
def test_operator_release_reject_and_expiry(nodes: Any, tmp_path: Path) -> None:
    alice, bob, carol, dave, admin = dev_accounts(5)
    config = tmp_path / "node.toml"
    config.write_text(
        f'deny_senders = ["{bob.address.lower()}", "{carol.address.lower()}", "{dave.address.lower()}"]\n'
        f'admin_addresses = ["{admin.address.lower()}"]\n'
        'admin_token = "s3cret"\n'
    )
    node = nodes.seqguard("operated", block_time=0, extra_args=["--config", str(config)])
    rpc = node.rpc
    held = rpc.call("eth_sendRawTransaction", sign(bob, 0))
    later = rpc.call("eth_sendRawTransaction", sign(bob, 1, to="0x" + "33" * 20))
    rpc.wait_receipt(rpc.call("eth_sendRawTransaction", sign(alice, 0)))
    assert rpc.call("seqguard_getQuarantine", held)["status"] == "quarantined"

    # nobody unauthenticated or badly signed changes anything
    release = {"hash": held, "reason": "checked by ops: false positive"}
    assert admin_call(rpc, "seqguard_release", release)["error"]["code"] == -32001
    assert admin_call(rpc, "seqguard_release", release, token="wrong")["error"]["code"] == -32001
    forged = signed("seqguard_release", release, alice.key)  # alice is no admin
    assert (
        "not signed by an admin" in admin_call(rpc, "seqguard_release", forged)["error"]["message"]
    )
    stale = signed("seqguard_release", release, admin.key, timestamp=int(time.time()) - 3600)
    assert "timestamp" in admin_call(rpc, "seqguard_release", stale)["error"]["message"]
    tampered = signed("seqguard_release", release, admin.key)
    tampered["hash"] = later
    assert admin_call(rpc, "seqguard_release", tampered)["error"]["code"] == -32001
    assert (
        admin_call(rpc, "seqguard_release", {"hash": held}, token="s3cret")["error"]["code"]
        == -32602
    )
    assert rpc.call("seqguard_getQuarantine", held)["status"] == "quarantined"

    # a signed release: the transaction re-enters the builder without re-inspection
    good = signed("seqguard_release", release, admin.key)
    record = admin_call(rpc, "seqguard_release", good)["result"]
    assert record["status"] == "released" and record["releasedBy"] == admin.address.lower()
    assert admin_call(rpc, "seqguard_release", good)["error"]["code"] == -32001  # no replay
    receipt = rpc.wait_receipt(held)
    assert receipt["status"] == "0x1"
    # the nonce that waited behind it now runs, and is judged on its own: held too
    assert (
        rpc.wait_for(lambda: rpc.call("seqguard_getQuarantine", later), timeout=10)["nonce"]
        == "0x1"
    )
    assert int(receipt["blockNumber"], 16) > 1

    # reject with the bearer token
    carols = rpc.call("eth_sendRawTransaction", sign(carol, 0))
    rpc.wait_for(lambda: rpc.call("seqguard_getQuarantine", carols), timeout=10)
    rejected = admin_call(
        rpc, "seqguard_reject", {"hash": carols, "reason": "drainer"}, token="s3cret"
    )
    assert (
        rejected["result"]["status"] == "rejected" and rejected["result"]["releasedBy"] == "token"
    )
    assert (
        rpc.request("eth_getTransactionReceipt", [carols])["error"]["data"]["status"] == "rejected"
    )

    # extend, then expiry releases it
    daves = rpc.call("eth_sendRawTransaction", sign(dave, 0))
    rpc.wait_for(lambda: rpc.call("seqguard_getQuarantine", daves), timeout=10)
    extended = admin_call(
        rpc,
        "seqguard_extend",
        {"hash": daves, "seconds": 1, "reason": "short look"},
        token="s3cret",
    )
    assert extended["result"]["expiresAt"] is not None
    rpc.wait_for(
        lambda: rpc.call("seqguard_getQuarantine", daves)["status"] == "expired", timeout=15
    )
    assert rpc.wait_receipt(daves, timeout=15)["status"] == "0x1"

    log = admin_call(rpc, "seqguard_auditLog", {"limit": 50}, token="s3cret")["result"]
    actions = [(entry["actor"], entry["action"]) for entry in log]
    assert ("inspector", "quarantined") in actions
    assert (admin.address.lower(), "released") in actions
    assert ("token", "rejected") in actions and ("expiry", "expired") in actions
    assert {
        "name": "deny-list",
        "enabled": True,
        "action": "quarantine",
        "threshold": 0.5,
    } in rpc.call("seqguard_detectors")
    changed = admin_call(
        rpc, "seqguard_setDetector", {"name": "deny-list", "enabled": False}, token="s3cret"
    )
    assert changed["result"]["enabled"] is False
    # with the detector off, a deny-listed sender goes through
    assert (
        rpc.wait_receipt(rpc.call("eth_sendRawTransaction", sign(carol, 0, to="0x" + "44" * 20)))[
            "status"
        ]
        == "0x1"
    )


@pytest.mark.slow
def test_lists_invariants_and_settings_change_at_run_time_and_survive_a_restart(
    nodes: Any, tmp_path: Path
) -> None:
    alice, bob, carol = dev_accounts(3)
    vault = "0x" + "44" * 20
    config = tmp_path / "node.toml"
    config.write_text('admin_token = "s3cret"\n')
    node = nodes.seqguard(
        "policy",
        block_time=0,
        extra_args=["--config", str(config), "--invariant", f"boot={vault}:totalAssets() > 0"],
    )
    rpc = node.rpc
    add_bob = {"list": "deny-senders", "add": [bob.address]}
    assert admin_call(rpc, "seqguard_setList", add_bob)["error"]["code"] == -32001
    assert rpc.call("seqguard_lists")["deny-senders"] == []
    changed = admin_call(rpc, "seqguard_setList", add_bob, token="s3cret")["result"]
    assert changed["members"] == [bob.address.lower()]
    bad = {"list": "deny-everyone", "add": [bob.address]}
    assert admin_call(rpc, "seqguard_setList", bad, token="s3cret")["error"]["code"] == -32602
    wrong = {"name": "x", "contract": vault, "check": "total assets"}
    assert (
        "not a view call"
        in admin_call(rpc, "seqguard_addInvariant", wrong, token="s3cret")["error"]["message"]
    )
    solvent = {"name": "solvent", "contract": vault, "check": "totalAssets() >= totalSupply()"}
    admin_call(rpc, "seqguard_addInvariant", solvent, token="s3cret")
    setting = {"name": "fresh-contract", "threshold": 0.9}
    assert admin_call(rpc, "seqguard_setDetector", setting, token="s3cret")["result"]["threshold"]

    held = rpc.call("eth_sendRawTransaction", sign(bob, 0))  # live at once, no restart
    assert rpc.wait_for(lambda: rpc.call("seqguard_getQuarantine", held), timeout=10)

    node.restart()
    rpc = node.rpc
    assert rpc.call("seqguard_lists")["deny-senders"] == [bob.address.lower()]
    assert sorted(i["name"] for i in rpc.call("seqguard_invariants")) == ["boot", "solvent"]
    fresh = next(d for d in rpc.call("seqguard_detectors") if d["name"] == "fresh-contract")
    assert fresh["threshold"] == 0.9
    # taking bob off the list lets his next transaction through; carol's needs no change
    off = {"list": "deny-senders", "remove": [bob.address]}
    assert admin_call(rpc, "seqguard_setList", off, token="s3cret")["result"]["members"] == []
    admin_call(rpc, "seqguard_removeInvariant", {"name": "solvent"}, token="s3cret")
    assert [i["name"] for i in rpc.call("seqguard_invariants")] == ["boot"]
    log = admin_call(rpc, "seqguard_auditLog", {"limit": 20}, token="s3cret")["result"]
    assert {"setList", "addInvariant", "removeInvariant", "setDetector"} <= {
        e["action"] for e in log
    }
    assert rpc.wait_receipt(rpc.call("eth_sendRawTransaction", sign(carol, 0)))["status"] == "0x1"


@pytest.mark.slow
def test_contract_creators_answer_like_anvil(nodes: Any) -> None:
    alice = dev_accounts(1)[0]
    answers = []
    for node in (nodes.seqguard("creators", block_time=0), nodes.anvil("creators-anvil")):
        rpc = node.rpc
        deploy = sign(
            alice, 0, to=None, data=bytes.fromhex("6001600c60003960016000f300"), gas=100_000
        )
        receipt = rpc.wait_receipt(rpc.call("eth_sendRawTransaction", deploy))
        found = rpc.call("ots_getContractCreator", receipt["contractAddress"])
        assert rpc.call("ots_getContractCreator", alice.address) is None
        answers.append((receipt["contractAddress"], found))
    assert answers[0] == answers[1]
    assert answers[0][1]["creator"] == alice.address.lower()
