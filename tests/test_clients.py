"""Real clients against the node under test, used exactly as a dApp would use them.

web3.py (HTTP, and its AsyncWeb3 WebSocketProvider for subscriptions) and ethers v6
(``tests/js/client.mjs``, JsonRpcProvider and WebSocketProvider), each with the library
defaults except the URL: deploy SeqToken from the shipped artifact, transfer, wait for
receipts, read the Transfer events with getLogs and through a logs subscription that
receives a transfer sent after subscribing. The node is a dev node (no genesis): the
accounts of the test mnemonic are funded, chain id 31337.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from typing import Any

import pytest
from eth_account import Account
from web3 import AsyncWeb3, Web3
from web3.middleware import SignAndSendRawMiddlewareBuilder
from web3.providers.persistent import WebSocketProvider

from seqguard.contracts import load_artifact
from support.chain import DEV_CHAIN_ID, dev_accounts
from support.nodes import NODE_BIN, REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dev_node(module_nodes: Any) -> Any:
    return module_nodes.target("clients-node", block_time=0)


def test_web3py_deploy_transfer_logs_and_subscription(dev_node: Any) -> None:
    art = load_artifact("SeqToken")
    acct = dev_accounts()[0]
    w3 = Web3(Web3.HTTPProvider(dev_node.url))
    w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(acct), layer=0)
    w3.eth.default_account = acct.address

    assert w3.is_connected()
    assert w3.eth.chain_id == DEV_CHAIN_ID
    assert w3.eth.get_balance(acct.address) > 0

    supply = 10**24
    Token = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    deploy_hash = Token.constructor("Web3 Token", "W3T", supply).transact()
    deploy_receipt = w3.eth.wait_for_transaction_receipt(deploy_hash, timeout=60)
    assert deploy_receipt["status"] == 1
    address = deploy_receipt["contractAddress"]
    assert w3.eth.get_code(address).to_0x_hex() == art["deployedBytecode"]
    token = w3.eth.contract(address=address, abi=art["abi"])
    assert token.functions.name().call() == "Web3 Token"
    assert token.functions.symbol().call() == "W3T"
    assert token.functions.decimals().call() == 18
    assert token.functions.totalSupply().call() == supply
    assert token.functions.balanceOf(acct.address).call() == supply

    alice = Account.create().address
    tx_hash = token.functions.transfer(alice, 1234).transact()
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
    assert receipt["status"] == 1
    (event,) = token.events.Transfer().process_receipt(receipt)
    assert event["args"] == {"from": acct.address, "to": alice, "value": 1234}
    assert token.functions.balanceOf(alice).call() == 1234
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["from"] == acct.address and tx["blockHash"] == receipt["blockHash"]
    block = w3.eth.get_block(receipt["blockNumber"])
    assert tx_hash in block["transactions"]

    # getLogs: through the contract's event, and a raw filter on the indexed `to`.
    events = token.events.Transfer.get_logs(from_block=deploy_receipt["blockNumber"])
    assert [(e["args"]["from"], e["args"]["to"], e["args"]["value"]) for e in events] == [
        ("0x" + "00" * 20, acct.address, supply),
        (acct.address, alice, 1234),
    ]
    topic = token.events.Transfer().topic
    raw = w3.eth.get_logs(
        {
            "address": address,
            "fromBlock": deploy_receipt["blockNumber"],
            "toBlock": "latest",
            "topics": [topic, None, "0x" + "00" * 12 + alice[2:].lower()],
        }
    )
    assert [r["transactionHash"] for r in raw] == [tx_hash]
    assert w3.eth.get_logs({"address": address, "blockHash": receipt["blockHash"]})

    # Subscription over WebSocket: a transfer sent after subscribing is received.
    bob = Account.create().address
    got = asyncio.run(_subscribe_and_transfer(dev_node.ws_url, art["abi"], address, acct, bob))
    assert got["logs"]["address"] == address
    assert got["logs"]["topics"][0].to_0x_hex() == topic
    assert got["logs"]["transactionHash"] == got["sent"]
    (decoded,) = token.events.Transfer().process_receipt(
        w3.eth.wait_for_transaction_receipt(got["sent"], timeout=60)
    )
    assert decoded["args"] == {"from": acct.address, "to": bob, "value": 777}
    assert got["head"]["number"] >= 1


async def _subscribe_and_transfer(
    ws_url: str, abi: list[Any], address: str, acct: Any, to: str
) -> dict[str, Any]:
    async with AsyncWeb3(WebSocketProvider(ws_url)) as w3:
        assert await w3.eth.chain_id == DEV_CHAIN_ID
        token = w3.eth.contract(address=address, abi=abi)
        logs_id = await w3.eth.subscribe("logs", {"address": address})
        heads_id = await w3.eth.subscribe("newHeads")
        tx = await token.functions.transfer(to, 777).build_transaction(
            {"from": acct.address, "nonce": await w3.eth.get_transaction_count(acct.address)}
        )
        sent = await w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
        got: dict[str, Any] = {"sent": sent}

        async def collect() -> None:
            async for msg in w3.socket.process_subscriptions():
                if msg["subscription"] == logs_id:
                    got["logs"] = msg["result"]
                elif msg["subscription"] == heads_id:
                    got.setdefault("head", msg["result"])
                if "logs" in got and "head" in got:
                    return

        await asyncio.wait_for(collect(), timeout=60)
        assert await w3.eth.unsubscribe(logs_id) is True
        assert await w3.eth.unsubscribe(heads_id) is True
        return got


def test_ethers_deploy_transfer_logs_and_subscription(dev_node: Any) -> None:
    key = "0x" + bytes(dev_accounts()[1].key).hex()
    artifact = REPO / "src" / "seqguard" / "contracts" / "SeqToken.json"
    p = subprocess.run(
        [NODE_BIN, str(REPO / "tests" / "js" / "client.mjs"), dev_node.url, dev_node.ws_url,
         str(artifact), key],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )  # fmt: skip
    assert p.returncode == 0, f"ethers script failed:\n{p.stdout}\n{p.stderr}"
    result = json.loads(p.stdout.strip().splitlines()[-1])
    assert result["ok"] is True
    assert result["chainId"] == str(DEV_CHAIN_ID)
    assert result["subscribed"] is True
