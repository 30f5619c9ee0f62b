"""eth_* methods answered in-process by a real node (py-evm, LevelDB, SQLite; no HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector as selector
from eth_utils import to_checksum_address

from seqguard.config import Config
from seqguard.contracts import load_artifact
from seqguard.errors import RpcError
from seqguard.genesis import dev_accounts
from seqguard.node import Node
from seqguard.rpc.eth import EthApi
from seqguard.rpc.registry import RpcContext

CTX = RpcContext("internal")
GWEI = 10**9


class Env:
    def __init__(self, tmp: Path) -> None:
        self.node = Node(Config(data_dir=str(tmp / "data"), block_time=0))
        self.api = EthApi(self.node)
        (addr, key), (addr2, key2) = dev_accounts(2)
        self.alice = Account.from_key(key)
        self.bob = Account.from_key(key2)
        self.nonces: dict[str, int] = {}

    def send(self, account: Any, **fields: Any) -> str:
        nonce = self.nonces.get(account.address, 0)
        tx = {
            "nonce": nonce, "gas": 21_000, "maxFeePerGas": 10 * GWEI, "maxPriorityFeePerGas": GWEI,
            "to": None, "value": 0, "data": b"", "chainId": 31337, "type": 2,
        }  # fmt: skip
        tx.update(fields)
        if isinstance(tx["to"], str):
            tx["to"] = to_checksum_address(tx["to"])
        raw = bytes(account.sign_transaction(tx).raw_transaction)
        self.nonces[account.address] = nonce + 1
        return "0x" + self.node.send_raw_transaction(raw).hex()

    def call(self, method: str, *params: Any) -> Any:
        return getattr(self.api, method)(list(params), CTX)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    yield e
    e.node.stop()


def deploy_token(env: Env) -> str:
    art = load_artifact("SeqToken")
    data = bytes.fromhex(art["bytecode"][2:]) + encode(
        ["string", "string", "uint256"], ["Token", "TKN", 10**24]
    )
    h = env.send(env.alice, data=data, gas=2_000_000)
    env.node.seal_block()
    receipt = env.call("get_transaction_receipt", h)
    assert receipt["status"] == "0x1"
    return receipt["contractAddress"]


def transfer_data(to: str, amount: int) -> str:
    return (
        "0x"
        + (
            selector("transfer(address,uint256)") + encode(["address", "uint256"], [to, amount])
        ).hex()
    )


def test_call_and_estimate_ignore_a_stale_nonce(env: Env) -> None:
    token = deploy_token(env)
    args = {
        "from": env.alice.address,
        "to": token,
        "data": transfer_data(env.bob.address, 5),
        "nonce": "0x0",
    }
    assert int(env.call("call", args, "latest"), 16) == 1
    estimate = int(env.call("estimate_gas", args), 16)
    h = env.send(env.alice, to=token, data=bytes.fromhex(args["data"][2:]), gas=estimate)
    env.node.seal_block()
    receipt = env.call("get_transaction_receipt", h)
    assert receipt["status"] == "0x1"  # the estimate is enough
    assert int(receipt["gasUsed"], 16) <= estimate


def test_reverting_call_answers_code_3_with_data(env: Env) -> None:
    token = deploy_token(env)
    args = {"from": env.bob.address, "to": token, "data": transfer_data(env.alice.address, 1)}
    with pytest.raises(RpcError) as err:
        env.call("call", args, "latest")
    assert err.value.code == 3 and err.value.message.startswith("execution reverted")
    assert err.value.data.startswith("0x") and len(err.value.data) > 2
    with pytest.raises(RpcError) as err:
        env.call("estimate_gas", args)
    assert err.value.code == 3


def test_state_at_older_blocks_and_pending_nonce(env: Env) -> None:
    env.send(env.alice, to=env.bob.address, value=7)
    env.node.seal_block()
    env.send(env.alice, to=env.bob.address, value=11)
    env.send(env.alice, to=env.bob.address, value=13, nonce=3)  # gapped: queued
    assert env.call("get_transaction_count", env.alice.address, "pending") == "0x2"
    assert env.call("get_transaction_count", env.alice.address, "latest") == "0x1"
    env.node.seal_block()
    bob = env.bob.address
    start = 10_000 * 10**18
    assert int(env.call("get_balance", bob, "0x0"), 16) == start
    assert int(env.call("get_balance", bob, "0x1"), 16) == start + 7
    assert int(env.call("get_balance", bob, "latest"), 16) == start + 18
    block1 = env.call("get_block_by_number", "0x1", False)
    assert int(env.call("get_balance", bob, {"blockHash": block1["hash"]}), 16) == start + 7
    with pytest.raises(RpcError, match="header not found"):
        env.call("get_balance", bob, "0x99")
    assert env.call("get_block_by_number", "0x99", False) is None
    status = env.call("txpool_status")
    assert status == {"pending": "0x0", "queued": "0x1"}
    inspect = env.call("txpool_inspect")
    assert list(inspect["queued"][env.alice.address.lower()].values()) == [
        f"{bob.lower()}: 13 wei + 21000 gas × {10 * GWEI} wei"
    ]


def test_blocks_transactions_receipts_and_logs(env: Env) -> None:
    token = deploy_token(env)
    h = env.send(
        env.alice, to=token, data=bytes.fromhex(transfer_data(env.bob.address, 9)[2:]), gas=100_000
    )
    env.node.seal_block()
    block = env.call("get_block_by_number", "latest", True)
    tx = block["transactions"][0]
    assert tx["hash"] == h and tx["blockHash"] == block["hash"] and tx["transactionIndex"] == "0x0"
    assert int(tx["gasPrice"], 16) == int(block["baseFeePerGas"], 16) + GWEI  # the price paid
    assert env.call("get_transaction_by_hash", h) == tx
    assert env.call("get_block_by_hash", block["hash"], True) == block
    receipt = env.call("get_transaction_receipt", h)
    (log,) = receipt["logs"]
    assert log["address"] == token and log["blockHash"] == block["hash"]
    assert env.call("get_block_receipts", "latest") == [receipt]
    transfer_topic = (
        "0x" + __import__("eth_hash.auto").auto.keccak(b"Transfer(address,address,uint256)").hex()
    )
    logs = env.api.logs_for(
        {
            "fromBlock": "0x0",
            "address": token,
            "topics": [transfer_topic, None, ["0x" + "00" * 12 + env.bob.address[2:].lower()]],
        }
    )
    assert logs == [log]
    assert env.api.logs_for({"fromBlock": "0x0", "topics": [["0x" + "11" * 32]]}) == []
    assert env.call("get_storage_at", token, "0x0", "latest").startswith("0x")
    history = env.call("fee_history", "0x2", "latest", [25, 75])
    assert len(history["baseFeePerGas"]) == 3 and len(history["reward"]) == 2


def test_trace_call_and_transaction(env: Env) -> None:
    token = deploy_token(env)
    data = transfer_data(env.bob.address, 3)
    trace = env.call(
        "trace_call",
        {"from": env.alice.address, "to": token, "data": data},
        "latest",
        {"tracer": "callTracer"},
    )
    assert trace["type"] == "CALL" and trace["to"] == token.lower() and "error" not in trace
    h = env.send(env.alice, to=token, data=bytes.fromhex(data[2:]), gas=100_000)
    env.node.seal_block()
    traced = env.call(
        "trace_transaction", h, {"tracer": "callTracer", "tracerConfig": {"withLog": True}}
    )
    assert traced["gasUsed"] == env.call("get_transaction_receipt", h)["gasUsed"]
    assert len(traced["logs"]) == 1
    with pytest.raises(RpcError, match="not supported"):
        env.call("trace_transaction", h, {"tracer": "prestateTracer"})


def test_restart_resumes_at_the_head_with_the_pool(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.send(env.alice, to=env.bob.address, value=1)
    env.node.seal_block()
    queued = env.send(env.alice, to=env.bob.address, value=2, nonce=5)
    head = env.node.chain.head
    env.node.stop()
    again = Env(tmp_path)
    try:
        assert again.node.chain.head.hash == head.hash
        assert again.node.pool.get(bytes.fromhex(queued[2:])) is not None
    finally:
        again.node.stop()
