"""The rollup's L1 side against a real anvil: deployment, the inbox queue, and the
``ethereum`` data-availability layer (frames as calldata, outputs in the oracle).

One anvil (Prague) serves the module. The rollup is deployed with dev account 1 as
deployer, proposer and batcher; accounts 2-4 are users, a stranger sending to the batch
inbox, and a would-be proposer. Each test reads from the L1 block it starts at.
"""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from seqguard.contracts.abi import encode_call
from seqguard.rollup.da.base import (
    CONFIRMED,
    MISSING,
    PENDING,
    DAError,
    Output,
    Posting,
    StalePosting,
)
from seqguard.rollup.da.ethereum import EthereumDA
from seqguard.rollup.inbox import DEPOSIT, GWEI, TRANSACTION
from seqguard.rollup.l1 import (
    L1Client,
    L1Inbox,
    add_deploy_arguments,
    batch_inbox_address,
    deploy_rollup,
    run_deploy,
    tx_nonce,
)
from seqguard.rpc.client import RemoteError
from seqguard.trace.geth import hex_bytes, hex_int
from support.chain import dev_accounts

pytestmark = pytest.mark.slow

L2_CHAIN_ID = 901


def key(i: int) -> str:
    return "0x" + bytes(dev_accounts()[i].key).hex()


def addr(i: int) -> bytes:
    return hex_bytes(dev_accounts()[i].address)


@dataclass
class Rollup:
    url: str
    deployment: dict[str, Any]
    inbox: bytes
    oracle: bytes
    batch_inbox: bytes
    batcher: L1Client  # dev account 1: deployer, proposer, batcher

    def head(self) -> int:
        return self.batcher.block_number()

    def da(self, client: L1Client | None = None, start: int = 0, confirmations: int = 0):
        return EthereumDA(
            client or self.batcher,
            self.batch_inbox,
            addr(1),
            self.oracle,
            start_block=start,
            confirmations=confirmations,
        )

    def mine(self, blocks: int = 1) -> None:
        self.batcher.rpc("anvil_mine", hex(blocks))

    def inbox_txs(self, start: int) -> list[dict[str, Any]]:
        """Every transaction to the batch inbox from block ``start``, from anyone."""
        blocks = self.batcher.batch(
            [("eth_getBlockByNumber", [hex(n), True]) for n in range(start, self.head() + 1)]
        )
        wanted = "0x" + self.batch_inbox.hex()
        return [t for b in blocks for t in b["transactions"] if (t["to"] or "") == wanted]


@pytest.fixture(scope="module")
def rollup(module_nodes: Any) -> Rollup:
    anvil = module_nodes.anvil("l1")
    deployment = deploy_rollup(anvil.url, key(1), L2_CHAIN_ID)
    return Rollup(
        url=anvil.url,
        deployment=deployment,
        inbox=hex_bytes(deployment["inbox"]),
        oracle=hex_bytes(deployment["outputOracle"]),
        batch_inbox=hex_bytes(deployment["batchInbox"]),
        batcher=L1Client(anvil.url, key(1)),
    )


def test_deployment(rollup: Rollup) -> None:
    d = rollup.deployment
    assert d["l1ChainId"] == 31337
    assert d["batcher"] == dev_accounts()[1].address
    assert hex_bytes(d["batchInbox"]) == bytes.fromhex("ff" + "00" * 11 + "0000000000000385")
    assert batch_inbox_address(L2_CHAIN_ID) == rollup.batch_inbox
    rpc = rollup.batcher.rpc
    assert rpc("eth_getCode", d["batchInbox"], "latest") == "0x"
    for name in ("inbox", "outputOracle"):
        assert len(rpc("eth_getCode", d[name], "latest")) > 2
    assert 0 < d["l1StartBlock"] <= rollup.head()
    proposer = rollup.batcher.call(rollup.oracle, "OutputOracle", "proposer")
    assert hex_bytes(proposer) == addr(1)


def test_inbox_reads_deposits_and_enqueued_transactions(rollup: Rollup) -> None:
    user, other = L1Client(rollup.url, key(2)), L1Client(rollup.url, key(3))
    start = rollup.deployment["l1StartBlock"]
    inbox = L1Inbox(user.rpc, rollup.inbox, start_block=start, chunk=7)
    assert inbox.read(start) == ([], rollup.head() + 1)
    assert L1Inbox(user.rpc, rollup.inbox, chunk=3).read(0)[0] == []  # from genesis

    receipts = [user.transact(rollup.inbox, "RollupInbox", "deposit", addr(5), value=3 * GWEI)]
    receipts.append(user.transact(rollup.inbox, "RollupInbox", "enqueue", b"\x02signed-l2-tx"))
    rollup.mine(20)  # the next items are chunks away (4,000 blocks would take anvil 20 s)
    receipts.append(other.transact(rollup.inbox, "RollupInbox", "deposit", addr(6), value=GWEI))
    receipts.append(other.transact(rollup.inbox, "RollupInbox", "enqueue", b"\x02another"))
    assert all(hex_int(r["status"]) == 1 for r in receipts)

    items, cursor = inbox.read(start)
    assert cursor == rollup.head() + 1
    assert [i.index for i in items] == [0, 1, 2, 3]
    assert [i.kind for i in items] == [DEPOSIT, TRANSACTION, DEPOSIT, TRANSACTION]
    assert [i.sender for i in items] == [addr(2), addr(2), addr(3), addr(3)]
    assert [i.to for i in items] == [addr(5), bytes(20), addr(6), bytes(20)]
    assert [i.value for i in items] == [3 * GWEI, 0, GWEI, 0]
    assert [i.data for i in items] == [b"", b"\x02signed-l2-tx", b"", b"\x02another"]
    assert [i.l1_block for i in items] == [hex_int(r["blockNumber"]) for r in receipts]
    for item in items:
        block = user.rpc("eth_getBlockByNumber", hex(item.l1_block), False)
        assert item.l1_timestamp == hex_int(block["timestamp"])
    assert inbox.queue_length() == 4
    assert inbox.read(cursor) == ([], cursor)

    # a reader that waits for confirmations sees the newest item only once it is deep
    deep = L1Inbox(user.rpc, rollup.inbox, start_block=start, confirmations=2)
    rollup.mine(2)
    receipt = user.transact(rollup.inbox, "RollupInbox", "enqueue", b"\x02late")
    items, cursor = deep.read(start)
    assert [i.index for i in items] == [0, 1, 2, 3]
    assert cursor == hex_int(receipt["blockNumber"]) - 1
    rollup.mine(2)
    items, cursor = deep.read(cursor)
    assert [(i.index, i.data) for i in items] == [(4, b"\x02late")]


def test_deposit_takes_whole_gwei_only(rollup: Rollup) -> None:
    user = L1Client(rollup.url, key(2))
    with pytest.raises(RemoteError, match="deposit whole gwei"):
        user.transact(rollup.inbox, "RollupInbox", "deposit", addr(5), value=GWEI + 1)
    # mined anyway (gas given, no estimate), it reverts and enqueues nothing
    length = L1Inbox(user.rpc, rollup.inbox).queue_length()
    receipt = user.transact(
        rollup.inbox, "RollupInbox", "deposit", addr(5), value=GWEI + 1, gas=100_000
    )
    assert hex_int(receipt["status"]) == 0
    assert L1Inbox(user.rpc, rollup.inbox).queue_length() == length
    with pytest.raises(RemoteError, match="no recipient"):
        user.transact(rollup.inbox, "RollupInbox", "deposit", bytes(20), value=GWEI)


def test_frames_and_outputs_post_confirm_and_read_back(rollup: Rollup) -> None:
    start = rollup.head() + 1
    da = rollup.da(start=start)
    stranger = L1Client(rollup.url, key(3))
    frames = [b"\x5bframe-0" + bytes(300), b"\x5bframe-1" + b"\x01" * 5_000, b"\x5bframe-2"]
    outputs = [Output(10, b"\x0a" * 32, b"\x1a" * 32), Output(20, b"\x0b" * 32, b"\x1b" * 32)]
    postings = []
    for n, frame in enumerate(frames):
        postings.append(da.prepare_frame(frame))
        da.send(postings[-1])
        if n == 1:  # anyone can send to the batch inbox: the reader must ignore it
            h, raw, _ = stranger.sign(rollup.batch_inbox, b"\x5bforged")
            stranger.send_raw(raw)
            stranger.wait_receipt(h)
    for output in outputs:
        postings.append(da.prepare_output(output))
        da.send(postings[-1])
    assert [p.kind for p in postings] == ["frame"] * 3 + ["output"] * 2
    for p in postings:
        rollup.batcher.wait_receipt(hex_bytes(p.ref))
        assert da.status(p) == CONFIRMED

    reader = rollup.da(L1Client(rollup.url), start=start)  # read-only, as a verifier
    assert reader.start_cursor() == start
    got, cursor = reader.read_frames(reader.start_cursor())
    assert got == frames
    assert cursor == rollup.head() + 1
    assert reader.read_frames(cursor) == ([], cursor)
    got_outputs, out_cursor = reader.read_outputs(start)
    assert got_outputs == outputs
    assert reader.read_outputs(out_cursor) == ([], out_cursor)
    assert len(rollup.inbox_txs(start)) == 4  # three frames and the stranger's

    # with confirmations, a posting is pending and unread until it is deep enough
    deep = rollup.da(L1Client(rollup.url), start=start, confirmations=2)
    late = da.prepare_frame(b"\x5blate")
    da.send(late)
    rollup.batcher.wait_receipt(hex_bytes(late.ref))
    assert deep.status(late) == PENDING
    assert deep.read_frames(start)[0] == frames
    rollup.mine(2)
    assert deep.status(late) == CONFIRMED
    assert deep.read_frames(start)[0] == [*frames, b"\x5blate"]


def test_posting_sent_twice_is_one_l1_transaction(rollup: Rollup) -> None:
    start = rollup.head() + 1
    da = rollup.da(start=start)
    rpc = rollup.batcher.rpc
    rpc("evm_setAutomine", False)
    try:
        posting = da.prepare_frame(b"\x5bonce")
        assert da.status(posting) == MISSING  # prepared is not sent
        da.send(posting)
        da.send(posting)  # anvil: "transaction already imported"
        assert da.status(posting) == PENDING
        rpc("evm_mine")
    finally:
        rpc("evm_setAutomine", True)
    assert da.status(posting) == CONFIRMED
    da.send(posting)  # mined: anvil says "nonce too low", the receipt says it is ours
    assert da.status(posting) == CONFIRMED
    assert [t["hash"] for t in rollup.inbox_txs(start)] == [posting.ref]
    assert da.read_frames(start)[0] == [b"\x5bonce"]


def test_posting_whose_nonce_was_taken_is_stale(rollup: Rollup) -> None:
    start = rollup.head() + 1
    da = rollup.da(start=start)
    posting = da.prepare_frame(b"\x5bwill-be-stale")
    nonce = tx_nonce(posting.payload)
    # another process with the batcher's key uses that nonce first
    elsewhere = L1Client(rollup.url, key(1))
    h, raw, used = elsewhere.sign(rollup.batch_inbox, b"\x5belsewhere", nonce=nonce)
    assert used == nonce
    elsewhere.send_raw(raw)
    elsewhere.wait_receipt(h)

    with pytest.raises(StalePosting):
        da.send(posting)
    assert da.status(posting) == MISSING
    again = da.prepare_frame(b"\x5bwill-be-stale")  # the same content, prepared anew
    assert tx_nonce(again.payload) == nonce + 1
    da.send(again)
    rollup.batcher.wait_receipt(hex_bytes(again.ref))
    assert da.status(again) == CONFIRMED
    assert da.read_frames(start)[0] == [b"\x5belsewhere", b"\x5bwill-be-stale"]


def test_posting_from_an_earlier_run_keeps_its_nonce(rollup: Rollup) -> None:
    """A posting prepared before a restart and sent after it: the new run's own
    postings take the nonces after it."""
    earlier = rollup.da(L1Client(rollup.url, key(1)))
    stored = earlier.prepare_frame(b"\x5bstored")
    later = rollup.da(L1Client(rollup.url, key(1)))
    assert later.status(stored) == MISSING
    later.send(stored)
    fresh = later.prepare_frame(b"\x5bfresh")
    assert tx_nonce(fresh.payload) == tx_nonce(stored.payload) + 1
    later.send(fresh)
    rollup.batcher.wait_receipt(hex_bytes(fresh.ref))
    assert later.status(stored) == later.status(fresh) == CONFIRMED
    # the module's batcher client learns of the nonces taken elsewhere once it is stale
    rollup.batcher.resync_nonce()


def test_propose_by_anyone_but_the_proposer_reverts(rollup: Rollup) -> None:
    impostor = L1Client(rollup.url, key(4))
    da = rollup.da(impostor)
    output = Output(1_000, b"\xee" * 32, b"\xef" * 32)
    with pytest.raises(DAError, match="not the proposer"):
        da.prepare_output(output)  # the gas estimate already reverts
    # signed with a gas limit, it is mined, reverts, and counts as missing
    data = encode_call("OutputOracle", "propose", output.l2_block, b"\xee" * 32, b"\xef" * 32)
    h, raw, _ = impostor.sign(rollup.oracle, data, gas=200_000)
    posting = Posting("output", "0x" + h.hex(), raw)
    da.send(posting)
    assert hex_int(impostor.wait_receipt(h)["status"]) == 0
    assert da.status(posting) == MISSING
    assert output not in da.read_outputs(rollup.deployment["l1StartBlock"])[0]
    # and the real proposer cannot go backwards
    with pytest.raises(DAError, match="outputs go forward"):
        rollup.da().prepare_output(Output(1, b"\x01" * 32, b"\x02" * 32))


def test_nonces_are_unique_across_threads(rollup: Rollup) -> None:
    client = L1Client(rollup.url, key(7))
    nonces: list[int] = []

    def sign_some() -> None:
        for _ in range(8):
            nonces.append(client.sign(rollup.batch_inbox, b"\x5b", gas=30_000)[2])

    threads = [threading.Thread(target=sign_some) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(nonces) == list(range(32))


def test_deploy_command(
    rollup: Rollup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    parser = argparse.ArgumentParser()
    add_deploy_arguments(parser)
    out = tmp_path / "rollup.json"
    monkeypatch.delenv("SEQGUARD_L1_KEY", raising=False)
    args = parser.parse_args(["--l1-rpc", rollup.url, "--l2-chain-id", "7", "--out", str(out)])
    assert run_deploy(args) == 0
    printed = capsys.readouterr()
    assert "anvil's first dev key" in printed.err
    deployment = json.loads(printed.out)
    assert json.loads(out.read_text()) == deployment
    assert deployment["batcher"] == dev_accounts()[0].address
    assert hex_bytes(deployment["batchInbox"]) == batch_inbox_address(7)

    monkeypatch.setenv("SEQGUARD_L1_KEY", key(8))
    assert run_deploy(parser.parse_args(["--l1-rpc", rollup.url])) == 0
    printed = capsys.readouterr()
    assert "warning" not in printed.err
    assert json.loads(printed.out)["batcher"] == dev_accounts()[8].address
