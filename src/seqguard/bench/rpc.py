"""A small JSON-RPC client over plain HTTP (``http.client``, keep-alive), one per thread.

Load generation needs little per-request overhead: bodies are encoded before the clock
starts and posted as they are, and answers are parsed with the standard json module.
"""

from __future__ import annotations

import http.client
import itertools
import json
import socket
from typing import Any
from urllib.parse import urlsplit


class RpcError(RuntimeError):
    """An error answer, or no usable answer, from a node."""


class RpcClient:
    """JSON-RPC over one keep-alive HTTP connection. Not thread-safe: one per thread."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", ""):
            raise ValueError(f"only http:// URLs are supported, not {url!r}")
        self.url = url
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._ids = itertools.count(1)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> RpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._conn.connect()
            self._conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._conn

    def post(self, body: bytes, *, retry: bool = False) -> Any:
        """POST an encoded JSON body and return the decoded answer.

        ``retry`` resends once on a dropped keep-alive connection (for reads only).
        """
        for attempt in (0, 1):
            try:
                conn = self._connection()
                conn.request(
                    "POST", self.path, body=body, headers={"Content-Type": "application/json"}
                )
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.HTTPException, ConnectionError, TimeoutError, OSError) as exc:
                self.close()
                if retry and attempt == 0:
                    continue
                raise RpcError(f"{self.url}: {type(exc).__name__}: {exc}") from exc
            if resp.status != 200:
                raise RpcError(f"{self.url}: HTTP {resp.status}: {data[:300]!r}")
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
            try:
                return json.loads(data)
            except ValueError as exc:
                raise RpcError(f"{self.url}: answer is not JSON: {data[:300]!r}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def call(self, method: str, *params: Any) -> Any:
        """One request; returns its result, raises :class:`RpcError` on an error answer."""
        body = json.dumps(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        ).encode()
        answer = self.post(body, retry=True)
        if not isinstance(answer, dict):
            raise RpcError(f"{method}: unexpected answer {str(answer)[:300]}")
        if "error" in answer:
            raise RpcError(f"{method}: {answer['error']}")
        return answer.get("result")

    def batch(self, calls: list[tuple[str, list[Any]]], *, retry: bool = True) -> list[Any]:
        """Several requests in one JSON-RPC batch; answers (result or error objects, as
        ``{"error": ...}``) in the order of ``calls``."""
        if not calls:
            return []
        first = next(self._ids)
        for _ in range(len(calls) - 1):
            next(self._ids)
        body = json.dumps(
            [
                {"jsonrpc": "2.0", "id": first + i, "method": m, "params": p}
                for i, (m, p) in enumerate(calls)
            ]
        ).encode()
        answer = self.post(body, retry=retry)
        return order_batch_answer(answer, first, len(calls))


def order_batch_answer(answer: Any, first_id: int, count: int) -> list[Any]:
    """Put a batch answer in request order: result values, or ``{"error": ...}`` dicts."""
    if not isinstance(answer, list):
        err = answer.get("error") if isinstance(answer, dict) else answer
        raise RpcError(f"batch of {count} answered with a single object: {str(err)[:300]}")
    out: list[Any] = [{"error": {"message": "no answer for this request"}}] * count
    for item in answer:
        if not isinstance(item, dict):
            continue
        i = item.get("id")
        if isinstance(i, int) and 0 <= i - first_id < count:
            out[i - first_id] = {"error": item["error"]} if "error" in item else item.get("result")
    return out


def is_error(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"error"}
