"""The rollup end to end, with anvil as the L1.

A node posts batches and output roots to L1 while mixed traffic, a deposit, forced
transactions and an attack run; a verifier started afterwards from genesis reaches the
same head and state root; a tampered batch and a wrong output root are reported; a
sequencer told to ignore the inbox is overruled by derivation; a node killed in the
middle of posting resumes with no gap and no duplicate.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from seqguard.genesis import load_genesis
from seqguard.rollup import codec, frames
from seqguard.rollup.batch import Batch, BatchBlock
from seqguard.rollup.da.file import FileDA
from seqguard.rollup.l1 import L1Client, L1Inbox, deploy_rollup
from seqguard.rollup.verifier import Verifier
from seqguard.rpc.client import HttpRpc
from support.chain import ETHER, TxFactory, calldata, deploy_data, dev_accounts
from support.nodes import PYTHON, seqguard_env

pytestmark = pytest.mark.slow
L1_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's first
# dev accounts 8 and 9, funded on anvil too: L1 users who deposit and force transactions
USER_KEYS = tuple("0x" + bytes(a.key).hex() for a in dev_accounts(10)[8:])


def deploy(anvil: Any, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    deployment = deploy_rollup(anvil.url, L1_KEY, 31337)
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps(deployment))
    return deployment, path


def node_config(tmp_path: Path, name: str, anvil: Any, deployment: Path, **settings: Any) -> Path:
    values = {
        "l1_rpc": anvil.url,
        "l1_deployment": str(deployment),
        "l1_key": L1_KEY,
        "batch_interval": 0.3,
        **settings,
    }
    lines = [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    path = tmp_path / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def verify(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [PYTHON, "-m", "seqguard", "verify", "--json", *args],
        capture_output=True,
        text=True,
        env=seqguard_env(),
        timeout=300,
    )
    assert out.returncode in (0, 1), out.stderr
    result = json.loads(out.stdout)
    assert (out.returncode == 1) == (result["firstDivergence"] is not None)
    return result


def posted(node: Any) -> int:
    text = httpx.get(f"{node.url}/metrics").text
    found = re.search(r"^seqguard_rollup_posted_block (\S+)$", text, re.M)
    return int(float(found.group(1))) if found else 0


def wait_posted(node: Any, timeout: float = 60) -> int:
    """Wait until the batcher confirmed everything up to the head; the head."""
    deadline = time.monotonic() + timeout
    while True:
        head = int(node.rpc.call("eth_blockNumber"), 16)
        if posted(node) >= head > 0:
            return head
        assert time.monotonic() < deadline, f"posted {posted(node)} of {head} blocks"
        time.sleep(0.2)


def l2_factory(rpc: Any, *accounts: Any) -> TxFactory:
    f = TxFactory(chain_id=31337)
    for account in accounts:
        f.set_nonce(
            account, int(rpc.call("eth_getTransactionCount", account.address, "latest"), 16)
        )
    return f


def test_node_posts_to_l1_and_a_verifier_derives_the_same_chain(nodes: Any, tmp_path: Path) -> None:
    anvil = nodes.anvil("l1")
    deployment, dep_path = deploy(anvil, tmp_path)
    config = node_config(
        tmp_path,
        "l2",
        anvil,
        dep_path,
        da="ethereum",
        max_frame_bytes=3000,  # several frames per batch
        output_interval=1000,  # only the first batch's output: the test posts a wrong one
        admin_token="t",
    )
    node = nodes.seqguard("l2", block_time=0, extra_args=["--config", str(config)])
    rpc = node.rpc
    alice, mallory, carol, dave, erin = dev_accounts(5)
    f = l2_factory(rpc, alice, mallory, carol, dave, erin)
    inbox = bytes.fromhex(deployment["inbox"][2:])
    depositor, forcer = L1Client(anvil.url, USER_KEYS[0]), L1Client(anvil.url, USER_KEYS[1])

    # mixed traffic: transfers, a token, a vault; and an attack, held
    token = f.sign(alice, to=None, data=deploy_data("SeqToken", "Seq", "SEQ", 10**24))
    vault = f.sign(alice, to=None, data=deploy_data("EtherVault"))
    for st in (token, vault):
        rpc.wait_receipt(rpc.call("eth_sendRawTransaction", st.raw))
    hashes = []
    for i in range(30):
        st = (
            f.sign(
                alice, to=token.created, data=calldata("SeqToken", "transfer", carol.address, i + 1)
            )
            if i % 2
            else f.sign(carol, to=dave.address, value=10**15 + i)
        )
        hashes.append(rpc.call("eth_sendRawTransaction", st.raw))
    rpc.wait_receipt(rpc.call("eth_sendRawTransaction", f.sign(alice, to=vault.created, data=calldata("EtherVault", "deposit"), value=10 * ETHER).raw))  # fmt: skip
    drainer = f.sign(mallory, to=None, data=deploy_data("VaultDrainer", vault.created))
    rpc.wait_receipt(rpc.call("eth_sendRawTransaction", drainer.raw))
    attack = f.sign(
        mallory, to=drainer.created, data=calldata("VaultDrainer", "attack", 5), value=ETHER
    )
    rpc.call("eth_sendRawTransaction", attack.raw)
    rpc.wait_receipts(hashes)

    # L1: a deposit, a forced transfer, and the attack again, forced through the inbox
    recipient = "0x" + "5e" * 20
    assert (
        depositor.transact(inbox, "RollupInbox", "deposit", recipient, value=2 * ETHER)["status"]
        == "0x1"
    )
    forced = f.sign(erin, to=dave.address, value=12345)
    assert (
        forcer.transact(inbox, "RollupInbox", "enqueue", bytes.fromhex(forced.raw[2:]))["status"]
        == "0x1"
    )
    f.set_nonce(mallory, attack.nonce)  # the held attack's nonce is still free
    again = f.sign(
        mallory, to=drainer.created, data=calldata("VaultDrainer", "attack", 4), value=ETHER
    )
    forcer.transact(inbox, "RollupInbox", "enqueue", bytes.fromhex(again.raw[2:]))
    rpc.wait_for(
        lambda: rpc.call("eth_getBalance", recipient, "latest") == hex(2 * ETHER), timeout=30
    )
    assert rpc.wait_receipt(forced.hash)["status"] == "0x1"
    held = rpc.wait_for(lambda: rpc.call("seqguard_getQuarantine", again.hash), timeout=30)
    assert held["status"] == "quarantined" and "reentrancy" in held["detectors"]
    block = rpc.call("eth_getBlockByNumber", rpc.wait_receipt(forced.hash)["blockNumber"], False)
    deposit_block = next(
        b for n in range(1, int(block["number"], 16) + 1)
        if (b := rpc.call("eth_getBlockByNumber", hex(n), False))["withdrawals"]
    )  # fmt: skip
    assert deposit_block["withdrawals"][0]["address"] == recipient
    assert deposit_block["withdrawals"][0]["amount"] == hex(2 * 10**9)  # gwei

    head = wait_posted(node)
    mine = rpc.call("eth_getBlockByNumber", hex(head), False)
    node.stop()

    args = ["--da", "ethereum", "--l1-rpc", anvil.url, "--l1-deployment", str(dep_path),
            "--genesis", str(node.data_dir / "genesis.json")]  # fmt: skip
    result = verify(*args)
    assert result["firstDivergence"] is None, result
    assert (result["head"], result["stateRoot"], result["blockHash"]) == (
        head,
        mine["stateRoot"],
        mine["hash"],
    )
    assert result["inboxItems"] == 3 and result["outputs"] >= 1 and result["batches"] >= 1
    assert result["duplicates"] == 0

    # a wrong output root, posted by the proposer, is reported
    proposer = L1Client(anvil.url, L1_KEY)
    oracle = bytes.fromhex(deployment["outputOracle"][2:])
    assert proposer.call(oracle, "OutputOracle", "latestBlock") < head
    proposer.transact(oracle, "OutputOracle", "propose", head, b"\x01" * 32, b"\x02" * 32)
    wrong = verify(*args)
    assert wrong["firstDivergence"]["block"] == head
    assert "output root posted for block" in wrong["firstDivergence"]["cause"]

    # a tampered batch: the batcher posts block head+1 with a state root that is not its own
    transfer = bytes.fromhex(f.sign(carol, to=dave.address, value=1).raw[2:])
    timestamp = int(mine["timestamp"], 16) + 1
    lie = Batch(
        31337, bytes(20), [BatchBlock(head + 1, timestamp, [transfer], 3, b"\3" * 32, b"\4" * 32)]
    )
    batch_inbox = bytes.fromhex(deployment["batchInbox"][2:])
    for frame in frames.split(codec.compress(lie.encode()), 3000):
        tx_hash, raw, _ = proposer.sign(batch_inbox, frame)
        proposer.send_raw(raw)
        proposer.wait_receipt(tx_hash)
    tampered = verify(*args)
    causes = [d["cause"] for d in tampered["divergences"]]
    assert any(
        d["block"] == head + 1 and "state root" in d["cause"] for d in tampered["divergences"]
    ), causes


def test_a_sequencer_ignoring_the_inbox_is_overruled_by_derivation(
    nodes: Any, tmp_path: Path
) -> None:
    anvil = nodes.anvil("l1")
    deployment, dep_path = deploy(anvil, tmp_path)
    config = node_config(tmp_path, "bad", anvil, dep_path, da="file", ignore_inbox=True)
    node = nodes.seqguard("bad", block_time=0, extra_args=["--config", str(config)])
    alice, bob = dev_accounts(2)
    f = l2_factory(node.rpc, alice)
    recipient = "0x" + "d0" * 20
    depositor = L1Client(anvil.url, USER_KEYS[0])
    inbox = bytes.fromhex(deployment["inbox"][2:])
    depositor.transact(inbox, "RollupInbox", "deposit", recipient, value=5 * ETHER)
    window = 3
    time.sleep(window + 1.5)  # past the inclusion window, by L1 and L2 clocks
    for _ in range(3):
        node.rpc.wait_receipt(
            node.rpc.call("eth_sendRawTransaction", f.sign(alice, to=bob.address, value=1).raw)
        )
    # the sequencer never credited it
    assert node.rpc.call("eth_getBalance", recipient, "latest") == "0x0"
    head = wait_posted(node)
    node.stop()

    verifier = Verifier(
        tmp_path / "verifier",
        load_genesis(node.data_dir / "genesis.json"),
        FileDA(node.data_dir / "da", writable=False),
        inbox=L1Inbox(HttpRpc(anvil.url), inbox, deployment["l1StartBlock"]),
        inbox_cursor=deployment["l1StartBlock"],
        inclusion_window=window,
    )
    while verifier.step():
        pass
    verifier.finish()
    progress = verifier.progress
    assert progress.blocks == head and progress.forced_by_derivation == 1
    first = progress.first
    assert first is not None and "inclusion window" in first.cause, first
    # the derived chain credits the deposit the sequencer ignored
    derived = verifier.chain
    assert derived.state_at(derived.head).get_balance(bytes.fromhex(recipient[2:])) == 5 * ETHER
    verifier.close()


def test_a_restart_in_the_middle_of_posting_leaves_no_gap_or_duplicate(
    nodes: Any, tmp_path: Path
) -> None:
    anvil = nodes.anvil("l1")
    deployment, dep_path = deploy(anvil, tmp_path)
    config = node_config(
        tmp_path, "l2", anvil, dep_path, da="ethereum", max_frame_bytes=1100, batch_interval=0.1
    )
    node = nodes.seqguard("l2", block_time=0.2, extra_args=["--config", str(config)])
    senders = dev_accounts(8)
    f = l2_factory(node.rpc, *senders)
    sent = []
    for i in range(240):
        st = f.sign(senders[i % 8], to="0x" + "77" * 20, value=i + 1)
        sent.append(node.rpc.call("eth_sendRawTransaction", st.raw))
    batch_inbox = deployment["batchInbox"].lower()
    l1 = HttpRpc(anvil.url)

    def frames_on_l1() -> list[str]:
        out = []
        for n in range(deployment["l1StartBlock"], int(l1("eth_blockNumber"), 16) + 1):
            for tx in l1("eth_getBlockByNumber", hex(n), True)["transactions"]:
                if (tx.get("to") or "").lower() == batch_inbox:
                    out.append(tx["input"])
        return out

    deadline = time.monotonic() + 60
    while len(frames_on_l1()) < 3:  # posting has started, and has more to do
        assert time.monotonic() < deadline
        time.sleep(0.05)
    node.kill()
    node.start()
    node.rpc.wait_receipts(sent, timeout=120)
    head = wait_posted(node, timeout=120)
    node.stop()

    posted_frames = frames_on_l1()
    assert len(posted_frames) == len(set(posted_frames)), "a frame was posted twice"
    result = verify("--da", "ethereum", "--l1-rpc", anvil.url, "--l1-deployment", str(dep_path),
                    "--genesis", str(node.data_dir / "genesis.json"))  # fmt: skip
    assert result["firstDivergence"] is None, result
    assert result["head"] == head and result["duplicates"] == 0


def test_file_da_detects_a_changed_record(nodes: Any, tmp_path: Path) -> None:
    node = nodes.seqguard("l2", block_time=0, extra_args=["--batch-interval", "0.2"])
    alice, bob = dev_accounts(2)
    f = l2_factory(node.rpc, alice)
    for _ in range(5):
        node.rpc.wait_receipt(
            node.rpc.call("eth_sendRawTransaction", f.sign(alice, to=bob.address, value=1).raw)
        )
    wait_posted(node)
    node.stop()
    da_dir = node.data_dir / "da"
    assert verify("--da-dir", str(da_dir))["firstDivergence"] is None
    log = da_dir / "frames.log"
    data = bytearray(log.read_bytes())
    data[40] ^= 0xFF  # a byte inside the first batch, with the record's checksum fixed up
    length = int.from_bytes(data[0:4], "big")
    data[4:8] = zlib.crc32(bytes(data[8 : 8 + length])).to_bytes(4, "big")
    log.write_bytes(bytes(data))
    result = verify("--da-dir", str(da_dir))
    assert result["firstDivergence"]["block"] == 1
    assert (
        "tampered" in result["firstDivergence"]["cause"]
        or "decode" in result["firstDivergence"]["cause"]
    )
