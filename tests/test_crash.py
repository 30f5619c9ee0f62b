"""Crash safety: SIGKILL seqguard under load, restart it on the same data directory.

A loader thread posts pre-signed transfers in JSON-RPC batches and records every hash
that ``eth_sendRawTransaction`` acknowledged; a watcher thread records the hash of every
sealed block it sees. The node is killed with SIGKILL at three different moments of the
load (early, while the pool is full, late) and restarted each time. After each restart:
every block seen before the kill is there with the same hash, every acknowledged
transaction is in a block or in the pool (``txpool_content``), and the sender nonces
agree with what was mined. At the end every acknowledged transaction is mined.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from support.chain import DEV_CHAIN_ID, GWEI, SignedTx, TxFactory, address_from_seed, dev_accounts
from support.rpc import RPC

pytestmark = pytest.mark.slow

SENDERS = dev_accounts(10)
TXS_PER_SENDER = 150
BATCH = 25
PAUSE = 0.05  # between batches: about 500 tx/s offered, so the load spans several blocks
BLOCK_TIME = 0.5


@dataclass
class Observed:
    acked: dict[str, SignedTx] = field(default_factory=dict)  # hash -> tx
    blocks: dict[int, str] = field(default_factory=dict)  # number -> hash
    send_errors: list[str] = field(default_factory=list)


def sign_all() -> list[SignedTx]:
    """Transfers interleaved across senders, each sender's nonces in order."""
    f = TxFactory(chain_id=DEV_CHAIN_ID, fee=5 * GWEI)
    out = []
    for n in range(TXS_PER_SENDER):
        for i, a in enumerate(SENDERS):
            out.append(
                f.sign(a, to=address_from_seed(f"crash-{i}-{n % 40}"), value=10**12 + n,
                       gas=21_000, kind=2 if (n + i) % 3 else 0, label=f"s{i}n{n}")
            )  # fmt: skip
    return out


class Loader(threading.Thread):
    """Posts ``txs[start:]`` in batches until done, stopped, or the node is gone."""

    def __init__(self, url: str, txs: list[SignedTx], obs: Observed, lock: threading.Lock):
        super().__init__(daemon=True)
        self.url, self.txs, self.obs, self.lock = url, txs, obs, lock
        self.stop = threading.Event()
        self.posted = 0  # how many txs of self.txs were posted and answered
        self.acked_here = 0

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            for i in range(0, len(self.txs), BATCH):
                if self.stop.is_set():
                    return
                chunk = self.txs[i : i + BATCH]
                body = [
                    {"jsonrpc": "2.0", "id": j, "method": "eth_sendRawTransaction",
                     "params": [t.raw]}
                    for j, t in enumerate(chunk)
                ]  # fmt: skip
                try:
                    answer = client.post(self.url, json=body).json()
                except (httpx.HTTPError, ValueError):
                    return  # killed mid-request: nothing of this batch is known to be acked
                by_id = {a.get("id"): a for a in answer} if isinstance(answer, list) else {}
                with self.lock:
                    for j, t in enumerate(chunk):
                        a = by_id.get(j, {})
                        if a.get("result") == t.hash:
                            self.obs.acked[t.hash] = t
                            self.acked_here += 1
                        else:
                            self.obs.send_errors.append(f"{t.label}: {a.get('error')}")
                self.posted = i + len(chunk)
                time.sleep(PAUSE)


class Watcher(threading.Thread):
    """Records number -> hash of every block the node serves, until stopped or gone."""

    def __init__(self, url: str, obs: Observed, lock: threading.Lock):
        super().__init__(daemon=True)
        self.url, self.obs, self.lock = url, obs, lock
        self.stop = threading.Event()

    def run(self) -> None:
        rpc = RPC(self.url, timeout=5)
        try:
            while not self.stop.is_set():
                try:
                    head = int(rpc.call("eth_blockNumber"), 16)
                    with self.lock:
                        known = max(self.obs.blocks, default=-1)
                    nums = list(range(max(known + 1, 0), head + 1))[:200]
                    answers = rpc.batch(("eth_getBlockByNumber", [hex(n), False]) for n in nums)
                except Exception:  # the node is gone (killed) or answered garbage
                    return
                with self.lock:
                    for n, a in zip(nums, answers, strict=True):
                        b = a.get("result")
                        if b:
                            self.obs.blocks[n] = b["hash"]
                time.sleep(0.05)
        finally:
            rpc.close()


def pool_hashes(rpc: RPC) -> set[str]:
    content = rpc.call("txpool_content")
    out = set()
    for part in ("pending", "queued"):
        for by_nonce in (content.get(part) or {}).values():
            for tx in by_nonce.values():
                out.add(tx["hash"].lower())
    return out


def check_after_restart(rpc: RPC, obs: Observed, round_no: int) -> tuple[int, int]:
    """Blocks seen are kept; acked txs are mined or pooled; nonces agree. Returns counts."""
    problems: list[str] = []
    nums = sorted(obs.blocks)
    for i in range(0, len(nums), 200):
        chunk = nums[i : i + 200]
        for n, a in zip(chunk, rpc.batch(("eth_getBlockByNumber", [hex(n), False])
                                         for n in chunk), strict=True):  # fmt: skip
            got = (a.get("result") or {}).get("hash")
            if got != obs.blocks[n]:
                problems.append(f"block {n}: hash before kill {obs.blocks[n]}, after {got}")
    pooled = pool_hashes(rpc)
    hashes = list(obs.acked)
    mined: dict[str, dict[str, Any]] = {}
    for i in range(0, len(hashes), 200):
        chunk = hashes[i : i + 200]
        for h, a in zip(chunk, rpc.batch(("eth_getTransactionReceipt", [h]) for h in chunk),
                        strict=True):  # fmt: skip
            if a.get("result"):
                mined[h] = a["result"]
    lost = [h for h in hashes if h not in mined and h.lower() not in pooled]
    for h in lost[:50]:
        problems.append(f"acknowledged tx {obs.acked[h].label} {h} is neither mined nor pooled")
    if len(lost) > 50:
        problems.append(f"... {len(lost)} acknowledged txs lost in all")
    # Nonces: a sender's latest nonce covers every mined tx of it, and no mined gap.
    by_sender: dict[str, list[int]] = {}
    for h, _r in mined.items():
        t = obs.acked[h]
        by_sender.setdefault(t.sender, []).append(t.nonce)
    answers = rpc.batch(("eth_getTransactionCount", [a.address, "latest"]) for a in SENDERS)
    for a, ans in zip(SENDERS, answers, strict=True):
        latest = int(ans["result"], 16)
        ns = by_sender.get(a.address, [])
        if ns and latest <= max(ns):
            problems.append(f"{a.address}: latest nonce {latest} but nonce {max(ns)} mined")
    assert not problems, f"after restart {round_no}:\n" + "\n".join(problems)
    return len(mined), len(pooled)


def test_sigkill_under_load_loses_nothing_acknowledged(nodes: Any) -> None:
    # a seqguard property (anvil keeps no state across a kill): always run against seqguard
    node = nodes.seqguard("crash", block_time=BLOCK_TIME)
    txs = sign_all()
    obs = Observed()
    lock = threading.Lock()
    position = 0
    obs.blocks[0] = node.rpc.call("eth_getBlockByNumber", "0x0", False)["hash"]
    # Kill moments: once the round has this many acks and new blocks, plus a delay —
    # right after a block was seen, between blocks, and early with a full pool.
    moments = [(100, 2, 0.0), (300, 1, 0.23), (150, 0, 0.0)]
    for round_no, (acks, blocks, extra) in enumerate(moments, start=1):
        loader = Loader(node.url, txs[position:], obs, lock)
        watcher = Watcher(node.url, obs, lock)
        blocks_before = len(obs.blocks)
        watcher.start()
        loader.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            loader.acked_here >= acks and len(obs.blocks) - blocks_before >= blocks
        ):
            time.sleep(0.005)
        time.sleep(extra)
        assert loader.acked_here > 0, f"round {round_no}: nothing acknowledged"
        assert len(obs.blocks) - blocks_before >= blocks, f"round {round_no}: no block sealed"
        node.kill()
        loader.join(15)
        watcher.join(15)
        assert not loader.is_alive() and not watcher.is_alive()
        seen_blocks = len(obs.blocks)
        # Resend from the first tx this round did not get an answer for: those may or
        # may not have reached the node before the kill.
        position += loader.posted
        node.start()
        mined, pooled = check_after_restart(node.rpc, obs, round_no)
        print(f"round {round_no}: acked {len(obs.acked)}, blocks seen {seen_blocks}, "
              f"mined {mined}, pooled {pooled}")  # fmt: skip

    # Finish: send the rest; every transaction (acknowledged, or resent after a kill)
    # must get mined, so each sender's nonce ends at TXS_PER_SENDER.
    loader = Loader(node.url, txs[position:], obs, lock)
    loader.start()
    loader.join(120)
    node.rpc.wait_receipts([t.hash for t in txs], timeout=120)
    check_after_restart(node.rpc, obs, len(moments) + 1)
    for a in SENDERS:
        latest = int(node.rpc.call("eth_getTransactionCount", a.address, "latest"), 16)
        assert latest == TXS_PER_SENDER, a.address
    unexpected = [e for e in obs.send_errors
                  if "already known" not in e and "nonce too low" not in e]  # fmt: skip
    assert not unexpected, "unexpected eth_sendRawTransaction errors:\n" + "\n".join(
        unexpected[:20]
    )


def test_sigterm_restart_keeps_chain_and_pool(nodes: Any) -> None:
    """A graceful stop (SIGTERM) exits 0; the restarted node has the same chain and pool.

    Always against seqguard: anvil keeps no state across restarts without --state."""
    node = nodes.seqguard("graceful", block_time=0)
    f = TxFactory(chain_id=DEV_CHAIN_ID, fee=5 * GWEI)
    mined = [f.sign(SENDERS[0], to=address_from_seed(f"graceful-{i}"), value=1, gas=21_000)
             for i in range(5)]  # fmt: skip
    for t in mined:
        assert node.rpc.call("eth_sendRawTransaction", t.raw) == t.hash
    receipts = node.rpc.wait_receipts([t.hash for t in mined])
    # A nonce gap keeps this one queued in the pool across the restart.
    f.set_nonce(SENDERS[1], 3)
    queued = f.sign(SENDERS[1], to=SENDERS[2].address, value=1, gas=21_000)
    assert node.rpc.call("eth_sendRawTransaction", queued.raw) == queued.hash
    head = node.rpc.call("eth_getBlockByNumber", "latest", False)
    assert node.stop() == 0, "seqguard did not exit 0 on SIGTERM"
    node.start()
    assert node.rpc.call("eth_getBlockByNumber", head["number"], False)["hash"] == head["hash"]
    for t, r in zip(mined, receipts, strict=True):
        again = node.rpc.call("eth_getTransactionReceipt", t.hash)
        assert again is not None and again["blockHash"] == r["blockHash"]
    assert int(node.rpc.call("eth_getTransactionCount", SENDERS[0].address, "latest"), 16) == 5
    assert queued.hash.lower() in pool_hashes(node.rpc)
