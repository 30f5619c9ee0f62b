"""A plain JSON-RPC client over HTTP, for talking to other nodes (anvil, geth, an L1)."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["HttpRpc", "RemoteError"]


class HttpRpc:
    """A plain JSON-RPC client: ``rpc(method, *params)`` gives the result or raises
    :class:`RemoteError`; ``rpc.request`` gives the whole answer."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:

        self.url = url
        self.client = httpx.Client(timeout=timeout)
        self._ids = iter(range(1, 1 << 62))

    def request(
        self, method: str, params: list[Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        return self.client.post(self.url, json=body, headers=headers).json()

    def __call__(self, method: str, *params: Any) -> Any:
        answer = self.request(method, list(params))
        if "error" in answer:
            raise RemoteError(f"{method}: {answer['error'].get('message')}")
        return answer["result"]


class RemoteError(RuntimeError):
    """The node answered a JSON-RPC error."""
