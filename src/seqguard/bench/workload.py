"""Bench accounts, the genesis that funds them, contract setup, and pre-signed load.

Everything here happens before the clock starts: transactions are signed with the fast
signer and their JSON-RPC batch bodies encoded, so the timed part only posts bytes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from seqguard.contracts.abi import encode_deploy

from .mixed import (
    KIND_GAS,
    TOKEN_SUPPLY,
    MixedContracts,
    kind_of,
    mixed_call,
    plan_setup,
    transfer_calldata,
)
from .procs import BenchError
from .rpc import RpcClient, is_error
from .signer import SignedTx, Signer, bench_key, keccak

GWEI = 10**9
SENDER_BALANCE = 10**6 * 10**18  # 1M ETH each: far more than any run spends
DEV_KEY = bytes.fromhex(  # account 0 of the test mnemonic: funded on anvil/seqguard dev chains
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
)

WORKLOADS = ("eth", "erc20", "mixed")
WORKLOAD_TITLES = {"eth": "ETH transfer", "erc20": "ERC-20 transfer", "mixed": "mixed"}
# gas limit of each workload's transactions (the same on every node); mixed: per kind
GAS: dict[str, int | dict[str, int]] = {
    "eth": KIND_GAS["eth"],
    "erc20": KIND_GAS["erc20"],
    "mixed": KIND_GAS,
}


_FORKS_AT_ZERO = [
    "homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock",
    "constantinopleBlock", "petersburgBlock", "istanbulBlock", "muirGlacierBlock",
    "berlinBlock", "londonBlock", "arrowGlacierBlock", "grayGlacierBlock",
    "mergeNetsplitBlock", "shanghaiTime", "cancunTime", "pragueTime", "terminalTotalDifficulty",
]  # fmt: skip


def make_genesis(
    *, chain_id: int, addresses: list[bytes], gas_limit: int, base_fee: int = GWEI
) -> dict[str, Any]:
    """A geth-style genesis with every fork up to Prague at 0 and ``addresses`` funded."""
    return {
        "config": {
            "chainId": chain_id,
            **dict.fromkeys(_FORKS_AT_ZERO, 0),
            "terminalTotalDifficultyPassed": True,
            "blobSchedule": {
                "cancun": {"target": 3, "max": 6, "baseFeeUpdateFraction": 3338477},
                "prague": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716},
            },
        },
        "nonce": "0x0",
        "timestamp": hex(int(time.time())),
        "extraData": "0x",
        "gasLimit": hex(gas_limit),
        "baseFeePerGas": hex(base_fee),
        "difficulty": "0x0",
        "mixHash": "0x" + "00" * 32,
        "coinbase": "0x" + "00" * 20,
        "alloc": {"0x" + a.hex(): {"balance": hex(SENDER_BALANCE)} for a in addresses},
        "number": "0x0",
        "gasUsed": "0x0",
        "parentHash": "0x" + "00" * 32,
    }


def recipients(count: int) -> list[bytes]:
    """Deterministic addresses that receive the transfers (no key is known for them)."""
    return [keccak(b"seqguard-bench-recipient" + i.to_bytes(4, "big"))[-20:] for i in range(count)]


@dataclass(slots=True)
class Fees:
    max_fee: int
    priority: int


def current_fees(rpc: RpcClient) -> Fees:
    block = rpc.call("eth_getBlockByNumber", "latest", False)
    base = int(block.get("baseFeePerGas") or "0x0", 16)
    # room for the base fee to rise while blocks are full
    return Fees(max_fee=max(100 * GWEI, 8 * base + GWEI), priority=GWEI)


def wait_receipts(
    rpc: RpcClient, hashes: list[str], *, timeout: float, what: str
) -> list[dict[str, Any]]:
    """Poll until every hash has a receipt; raise :class:`BenchError` when one failed."""
    deadline = time.monotonic() + timeout
    found: dict[str, dict[str, Any]] = {}
    while True:
        todo = [h for h in hashes if h not in found]
        for start in range(0, len(todo), 200):
            chunk = todo[start : start + 200]
            answers = rpc.batch([("eth_getTransactionReceipt", [h]) for h in chunk])
            for h, r in zip(chunk, answers, strict=True):
                if isinstance(r, dict) and not is_error(r):
                    found[h] = r
        if len(found) == len(hashes):
            break
        if time.monotonic() > deadline:
            raise BenchError(
                f"{what}: {len(hashes) - len(found)} of {len(hashes)} transactions have no "
                f"receipt after {timeout:g}s"
            )
        time.sleep(0.1)
    out = [found[h] for h in hashes]
    bad = [r for r in out if r.get("status") != "0x1"]
    if bad:
        raise BenchError(f"{what}: {len(bad)} transactions failed, e.g. receipt {bad[0]}")
    return out


def send_raw(rpc: RpcClient, txs: list[SignedTx], what: str) -> None:
    for start in range(0, len(txs), 100):
        chunk = txs[start : start + 100]
        answers = rpc.batch([("eth_sendRawTransaction", [t.raw_hex]) for t in chunk], retry=False)
        for t, a in zip(chunk, answers, strict=True):
            if is_error(a):
                raise BenchError(f"{what}: eth_sendRawTransaction failed: {a['error']}")
            if a != t.hash_hex:
                raise BenchError(f"{what}: node answered hash {a}, expected {t.hash_hex}")


def pending_nonces(rpc: RpcClient, addresses: list[bytes]) -> list[int]:
    answers = rpc.batch(
        [("eth_getTransactionCount", ["0x" + a.hex(), "pending"]) for a in addresses]
    )
    out = []
    for a in answers:
        if is_error(a):
            raise BenchError(f"eth_getTransactionCount: {a['error']}")
        out.append(int(a, 16))
    return out


@dataclass(slots=True)
class Accounts:
    """The senders of one bench run, on one chain."""

    chain_id: int
    signers: list[Signer]

    @classmethod
    def make(cls, count: int, chain_id: int) -> Accounts:
        return cls(chain_id, [Signer(bench_key(i), chain_id) for i in range(count)])

    @property
    def addresses(self) -> list[bytes]:
        return [s.address for s in self.signers]


def fund_from_dev_account(rpc: RpcClient, accounts: Accounts, *, timeout: float) -> None:
    """On an already-running node, give the senders ETH from the dev account 0 of the test
    mnemonic when they have too little (a fresh genesis funds them instead)."""
    answers = rpc.batch(
        [("eth_getBalance", ["0x" + a.hex(), "latest"]) for a in accounts.addresses]
    )
    need = [
        a
        for a, bal in zip(accounts.addresses, answers, strict=True)
        if is_error(bal) or int(bal, 16) < SENDER_BALANCE // 10
    ]
    if not need:
        return
    dev = Signer(DEV_KEY, accounts.chain_id)
    dev_bal = int(rpc.call("eth_getBalance", dev.address_hex, "latest"), 16)
    amount = min(SENDER_BALANCE // 100, dev_bal // (len(need) + 1))
    if amount < 10**18:
        raise BenchError(
            f"{len(need)} bench senders have no funds on this node and the dev account "
            f"{dev.address_hex} cannot fund them (balance {dev_bal} wei); start the node with "
            "the usual test mnemonic, or let the bench start it"
        )
    fees = current_fees(rpc)
    (nonce,) = pending_nonces(rpc, [dev.address])
    txs = [
        dev.sign(
            nonce=nonce + i,
            to=a,
            value=amount,
            gas=21_000,
            max_fee=fees.max_fee,
            max_priority_fee=fees.priority,
        )  # fmt: skip
        for i, a in enumerate(need)
    ]
    send_raw(rpc, txs, "funding the bench senders")
    wait_receipts(rpc, [t.hash_hex for t in txs], timeout=timeout, what="funding the senders")


def setup_token(rpc: RpcClient, accounts: Accounts, *, timeout: float) -> bytes:
    """Deploy SeqToken from sender 0 and give every other sender a share; returns its address."""
    deployer = accounts.signers[0]
    fees = current_fees(rpc)
    (nonce,) = pending_nonces(rpc, [deployer.address])
    deploy = deployer.sign(
        nonce=nonce, to=None, data=encode_deploy("SeqToken", "SeqBench", "SQB", TOKEN_SUPPLY),
        gas=3_000_000, max_fee=fees.max_fee, max_priority_fee=fees.priority,
    )  # fmt: skip
    send_raw(rpc, [deploy], "deploying SeqToken")
    (receipt,) = wait_receipts(rpc, [deploy.hash_hex], timeout=timeout, what="deploying SeqToken")
    token = bytes.fromhex(receipt["contractAddress"][2:])
    share = TOKEN_SUPPLY // (2 * len(accounts.signers))
    txs = [
        deployer.sign(
            nonce=nonce + i,
            to=token,
            data=transfer_calldata(s.address, share),
            gas=100_000,
            max_fee=fees.max_fee,
            max_priority_fee=fees.priority,
        )  # fmt: skip
        for i, s in enumerate(accounts.signers[1:], start=1)
    ]
    send_raw(rpc, txs, "distributing tokens")
    wait_receipts(rpc, [t.hash_hex for t in txs], timeout=timeout, what="distributing tokens")
    return token


def setup_mixed(rpc: RpcClient, accounts: Accounts, *, timeout: float) -> MixedContracts:
    """Deploy and seed the mixed workload's contracts (see :mod:`.mixed`); returns them."""
    fees = current_fees(rpc)
    plan = plan_setup(
        accounts.signers,
        pending_nonces(rpc, accounts.addresses),
        max_fee=fees.max_fee,
        priority=fees.priority,
    )
    for i, phase in enumerate(plan.phases, start=1):
        what = f"mixed setup, phase {i} of {len(plan.phases)}"
        send_raw(rpc, phase, what)
        receipts = wait_receipts(rpc, [t.hash_hex for t in phase], timeout=timeout, what=what)
        by_hash = {r["transactionHash"]: r for r in receipts}
        for tx, address in plan.deployments:
            r = by_hash.get(tx.hash_hex)
            if r is not None and r.get("contractAddress") != "0x" + address.hex():
                raise BenchError(
                    f"{what}: contract deployed at {r.get('contractAddress')}, "
                    f"expected 0x{address.hex()}"
                )
    return plan.contracts


@dataclass(slots=True)
class Batch:
    body: bytes  # the encoded JSON-RPC batch of eth_sendRawTransaction
    hashes: list[str]  # 0x-hashes of its transactions, in request order
    first_id: int


@dataclass(slots=True)
class Load:
    """Pre-signed, pre-encoded transactions: one list of batches per connection (lane).

    The senders are split between lanes, so each sender's nonces reach the node in order
    over one connection and no transaction waits behind a nonce gap.
    """

    workload: str
    lanes: list[list[Batch]]
    count: int
    hashes: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # 0x-hash -> kind (mixed)


@dataclass(frozen=True, slots=True)
class WorkTx:
    """One signed transaction of a workload: who sends it and what kind of call it is."""

    sender: int  # index into Accounts.signers
    tx: SignedTx
    kind: str


def sign_workload(
    workload: str,
    accounts: Accounts,
    *,
    txs: int,
    nonces: list[int],
    fees: Fees,
    to: list[bytes],
    token: bytes | None = None,
    contracts: MixedContracts | None = None,
    on_signed: Callable[[int], None] | None = None,
) -> list[WorkTx]:
    """``txs`` transactions round-robin over the senders, each sender's in nonce order."""
    n_senders = len(accounts.signers)
    sent = [0] * n_senders
    out: list[WorkTx] = []
    for k in range(txs):
        i = k % n_senders
        signer = accounts.signers[i]
        dest = to[k % len(to)]
        value, data = 0, b""
        if workload == "eth":
            kind, target, value = "eth", dest, 1
        elif workload == "erc20":
            assert token is not None
            kind, target, data = "erc20", token, transfer_calldata(dest, 1)
        elif workload == "mixed":
            assert contracts is not None
            kind = kind_of(sent[i])
            target, value, data = mixed_call(kind, signer, i, sent[i], contracts, dest)
        else:  # pragma: no cover - checked by the argument parser
            raise ValueError(workload)
        tx = signer.sign(
            nonce=nonces[i] + sent[i], to=target, value=value, data=data, gas=KIND_GAS[kind],
            max_fee=fees.max_fee, max_priority_fee=fees.priority,
        )  # fmt: skip
        out.append(WorkTx(i, tx, kind))
        sent[i] += 1
        if on_signed is not None and (k + 1) % 500 == 0:
            on_signed(500)
    if on_signed is not None:
        on_signed(txs % 500)
    return out


def build_load(
    workload: str,
    accounts: Accounts,
    *,
    txs: int,
    nonces: list[int],
    fees: Fees,
    token: bytes | None,
    to: list[bytes],
    connections: int,
    batch_size: int,
    contracts: MixedContracts | None = None,
    on_signed: Callable[[int], None] | None = None,
) -> Load:
    signed = sign_workload(
        workload, accounts, txs=txs, nonces=nonces, fees=fees, to=to, token=token,
        contracts=contracts, on_signed=on_signed,
    )  # fmt: skip
    lanes_txs: list[list[SignedTx]] = [[] for _ in range(connections)]
    for w in signed:
        lanes_txs[w.sender % connections].append(w.tx)
    load = Load(workload, [], txs)
    if workload == "mixed":
        load.kinds = {w.tx.hash_hex: w.kind for w in signed}
    next_id = 1
    for lane in lanes_txs:
        batches = []
        for start in range(0, len(lane), batch_size):
            chunk = lane[start : start + batch_size]
            body = json.dumps(
                [
                    {
                        "jsonrpc": "2.0",
                        "id": next_id + j,
                        "method": "eth_sendRawTransaction",
                        "params": [t.raw_hex],
                    }
                    for j, t in enumerate(chunk)
                ],
                separators=(",", ":"),
            ).encode()
            hashes = [t.hash_hex for t in chunk]
            batches.append(Batch(body, hashes, next_id))
            load.hashes += hashes
            next_id += len(chunk)
        load.lanes.append(batches)
    return load
