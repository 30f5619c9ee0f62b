"""Hostile and malformed input through JSON-RPC: the right error, no change, node stays up."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from eth_account import Account

from support.chain import dev_accounts

pytestmark = pytest.mark.slow

GWEI = 10**9
CHAIN_ID = 31337


def sign(account: Any, **fields: Any) -> str:
    tx = {
        "nonce": 0, "gas": 21_000, "maxFeePerGas": 10 * GWEI, "maxPriorityFeePerGas": GWEI,
        "to": "0x" + "22" * 20, "value": 1, "data": b"", "chainId": CHAIN_ID, "type": 2,
    }  # fmt: skip
    tx.update(fields)
    return "0x" + bytes(account.sign_transaction(tx).raw_transaction).hex()


def post(url: str, body: bytes | str) -> httpx.Response:
    return httpx.post(url, content=body, headers={"content-type": "application/json"}, timeout=30)


@pytest.fixture(scope="module")
def node(module_nodes: Any) -> Any:
    return module_nodes.seqguard("bad-input", block_time=0)


def snapshot(rpc: Any, who: str) -> tuple:
    return (
        rpc.call("eth_blockNumber"),
        rpc.call("eth_getBalance", who, "latest"),
        rpc.call("eth_getTransactionCount", who, "pending"),
        rpc.call("txpool_status"),
    )


def test_every_bad_input_is_refused_and_changes_nothing(node: Any) -> None:
    rpc = node.rpc
    alice = dev_accounts(1)[0]
    before = snapshot(rpc, alice.address)
    over_nonce = int(rpc.call("eth_getTransactionCount", alice.address, "latest"), 16)

    def send_error(raw: str) -> dict:
        answer = rpc.request("eth_sendRawTransaction", [raw])
        assert "error" in answer, answer
        return answer["error"]

    cases: list[tuple[str, str, int, str]] = [
        ("malformed RLP", "0xdeadbeef", -32000, "rlp"),
        ("empty bytes", "0x", -32000, ""),
        ("typed, too short", "0x02", -32000, ""),
        ("unsupported type 3", "0x03c0", -32000, "transaction type not supported"),
        ("wrong chain id", sign(alice, chainId=CHAIN_ID + 1), -32000, "chain id"),
        (
            "nonce too low",
            sign(alice, nonce=over_nonce - 1) if over_nonce else None,
            -32000,
            "nonce too low",
        ),
        ("intrinsic gas", sign(alice, gas=20_000), -32000, "intrinsic gas too low"),
        ("over block gas limit", sign(alice, gas=40_000_000), -32000, "exceeds block gas limit"),
        (
            "insufficient funds",
            sign(alice, value=10**30),
            -32000,
            "insufficient funds for gas * price + value",
        ),
        (
            "tip above cap",
            sign(alice, maxPriorityFeePerGas=11 * GWEI),
            -32000,
            "max priority fee per gas higher than max fee per gas",
        ),
        (
            "fee cap below base fee",
            sign(alice, maxFeePerGas=1, maxPriorityFeePerGas=1),
            -32000,
            "max fee per gas less than block base fee",
        ),
        (
            "1 MB transaction",
            sign(alice, gas=29_000_000, data=b"\x01" * (1 << 20)),
            -32000,
            "oversized data",
        ),
    ]
    for label, raw, code, text in cases:
        if raw is None:
            continue
        err = send_error(raw)
        assert err["code"] == code, (label, err)
        assert text in err["message"], (label, err)

    # a bad signature: flip bytes of r and of s in a valid transaction
    good = bytes.fromhex(sign(alice)[2:])
    for offset in (-40, -10):
        bad = bytearray(good)
        bad[offset] ^= 0xFF
        err = send_error("0x" + bad.hex())
        assert err["code"] == -32000, err
    high_s = Account.from_key(alice.key)
    assert high_s  # signature malleability is covered in the decoder's unit tests

    # transport-level hostility
    url = node.url
    assert post(url, b"{not json").json()["error"]["code"] == -32700
    assert post(url, b"[" * 100_000).json()["error"]["code"] == -32700
    assert post(url, b"\xff\xfe").json()["error"]["code"] == -32700
    big_batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber"} for i in range(10_000)]
    answer = rpc.raw(big_batch)
    if isinstance(answer, list):  # geth answers one error object; a list of errors is also fine
        assert all("error" in a for a in answer)
        answer = answer[0]
    assert answer["error"]["code"] == -32600 and "batch too large" in answer["error"]["message"]
    unknown = rpc.request("foo_bar", [])
    assert unknown["error"] == {
        "code": -32601,
        "message": "the method foo_bar does not exist/is not available",
    }
    for method, params in [
        ("eth_getBalance", [123, "latest"]),
        ("eth_getBalance", ["0x1234", "latest"]),
        ("eth_getBlockByNumber", [{"x": 1}, False]),
        ("eth_getTransactionReceipt", ["0xzz"]),
        ("eth_call", ["not an object", "latest"]),
        ("eth_sendRawTransaction", [12]),
        ("eth_getLogs", [{"fromBlock": "0x10", "toBlock": "0x1"}]),
    ]:
        err = rpc.request(method, params)["error"]
        assert err["code"] in (-32602, -32000), (method, params, err)
    assert rpc.request("eth_getBalance", {"not": "a list"})["error"]["code"] == -32602
    big_body = (
        b'{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":["'
        + b"a" * (6 << 20)
        + b'"]}'
    )
    response = post(url, big_body)
    assert response.status_code == 413 or response.json()["error"]["code"] in (-32600, -32700)

    assert snapshot(rpc, alice.address) == before
    # and the node still works: a good transaction is mined
    tx_hash = rpc.call("eth_sendRawTransaction", sign(alice, nonce=int(before[2], 16)))
    assert rpc.wait_receipt(tx_hash)["status"] == "0x1"
    assert rpc.call("eth_getTransactionReceipt", "0x" + "ab" * 32) is None
    assert rpc.call("eth_getTransactionByHash", "0x" + "ab" * 32) is None


def test_replacement_rules(node: Any) -> None:
    rpc = node.rpc
    bob = dev_accounts(2)[1]
    nonce = int(rpc.call("eth_getTransactionCount", bob.address, "pending"), 16)
    gapped = nonce + 5  # queued behind a gap: stays in the pool
    first = rpc.call(
        "eth_sendRawTransaction",
        sign(bob, nonce=gapped, maxFeePerGas=10 * GWEI, maxPriorityFeePerGas=GWEI),
    )
    same = rpc.request(
        "eth_sendRawTransaction",
        [sign(bob, nonce=gapped, maxFeePerGas=10 * GWEI, maxPriorityFeePerGas=GWEI)],
    )
    assert same["error"]["message"] == "already known"
    low = rpc.request(
        "eth_sendRawTransaction",
        [sign(bob, nonce=gapped, value=2, maxFeePerGas=10 * GWEI + 1, maxPriorityFeePerGas=GWEI)],
    )
    assert low["error"]["message"] == "replacement transaction underpriced"
    bumped = rpc.call(
        "eth_sendRawTransaction",
        sign(
            bob, nonce=gapped, value=3, maxFeePerGas=11 * GWEI, maxPriorityFeePerGas=GWEI * 11 // 10
        ),
    )
    content = rpc.call("txpool_content")
    queued = (
        content["queued"][bob.address.lower()]
        if bob.address.lower() in content["queued"]
        else content["queued"][bob.address]
    )
    assert queued[str(gapped)]["hash"] == bumped != first
