"""Admin JSON-RPC calls as an operator makes them: a bearer token or an EIP-191 signature."""

from __future__ import annotations

import time
from typing import Any

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct

from seqguard.rpc.admin import admin_message


def admin_call(rpc: Any, method: str, args: dict[str, Any], *, token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": [args]}
    return httpx.post(rpc.url, json=body, headers=headers, timeout=30).json()


def signed(
    method: str, args: dict[str, Any], key: Any, timestamp: int | None = None
) -> dict[str, Any]:
    ts = int(time.time()) if timestamp is None else timestamp
    message = encode_defunct(text=admin_message(method, args, ts))
    signature = "0x" + bytes(Account.sign_message(message, key).signature).hex()
    return {**args, "auth": {"timestamp": ts, "signature": signature}}
