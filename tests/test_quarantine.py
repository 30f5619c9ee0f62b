"""Inline inspection and the quarantine, end to end through JSON-RPC (first detector: deny lists)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seqguard.inspection import QUARANTINE, Context, Detector, Finding, Inspector
from seqguard.trace import Trace, TxInfo
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
    later = rpc.call("eth_sendRawTransaction", sign(bob, 1))
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
