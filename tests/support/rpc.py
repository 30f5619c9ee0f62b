"""A minimal JSON-RPC client over HTTP, with batches, used by the end-to-end tests."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx


class RPCError(Exception):
    """A JSON-RPC error object answered by the node."""

    def __init__(self, method: str, params: list[Any], error: dict[str, Any]) -> None:
        self.method = method
        self.params = params
        self.code = error.get("code")
        self.message = error.get("message", "")
        self.data = error.get("data")
        super().__init__(f"{method}: [{self.code}] {self.message} (data={self.data!r})")


class RPC:
    """JSON-RPC over HTTP. ``call`` raises :class:`RPCError` on an error answer."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self._ids = itertools.count(1)
        self._client = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RPC:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def raw(self, payload: Any) -> Any:
        """POST ``payload`` as is and return the decoded JSON answer."""
        r = self._client.post(self.url, json=payload)
        r.raise_for_status()
        return r.json()

    def request(self, method: str, params: list[Any] | None = None) -> dict[str, Any]:
        """Send one request and return the whole response object (result or error)."""
        return self.raw(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or []}
        )

    def call(self, method: str, *params: Any) -> Any:
        resp = self.request(method, list(params))
        if "error" in resp:
            raise RPCError(method, list(params), resp["error"])
        return resp["result"]

    def batch(self, calls: Iterable[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """Send calls as one JSON-RPC batch; answers are returned in request order."""
        reqs = [
            {"jsonrpc": "2.0", "id": next(self._ids), "method": m, "params": p} for m, p in calls
        ]
        if not reqs:
            return []
        answer = self.raw(reqs)
        if not isinstance(answer, list):
            raise AssertionError(f"batch answered with a non-list: {answer!r}")
        by_id = {a.get("id"): a for a in answer}
        missing = [q["id"] for q in reqs if q["id"] not in by_id]
        if missing:
            raise AssertionError(f"batch answer lacks ids {missing}: {answer!r}")
        return [by_id[q["id"]] for q in reqs]

    # -- helpers ---------------------------------------------------------------------------

    def wait_for(
        self,
        fn: Callable[[], Any],
        timeout: float = 30.0,
        interval: float = 0.05,
        what: str = "condition",
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what} on {self.url}")
            time.sleep(interval)

    def wait_receipt(self, tx_hash: str, timeout: float = 30.0) -> dict[str, Any]:
        return self.wait_for(
            lambda: self.call("eth_getTransactionReceipt", tx_hash),
            timeout=timeout,
            what=f"receipt of {tx_hash}",
        )

    def wait_receipts(self, hashes: list[str], timeout: float = 60.0) -> list[dict[str, Any]]:
        """Wait until every hash has a receipt (polled in batches); return them in order."""
        found: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout
        while True:
            todo = [h for h in hashes if h not in found]
            if not todo:
                return [found[h] for h in hashes]
            for i in range(0, len(todo), 200):
                chunk = todo[i : i + 200]
                for h, a in zip(
                    chunk,
                    self.batch(("eth_getTransactionReceipt", [h]) for h in chunk),
                    strict=True,
                ):
                    if "error" in a:
                        raise RPCError("eth_getTransactionReceipt", [h], a["error"])
                    if a.get("result"):
                        found[h] = a["result"]
            if len(found) == len(hashes):
                continue
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{len(hashes) - len(found)} of {len(hashes)} receipts missing after "
                    f"{timeout}s on {self.url}, first: {todo[:3]}"
                )
            time.sleep(0.05)


def to_int(value: str | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return int(value, 16)
