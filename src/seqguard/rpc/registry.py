"""The method table the transport dispatches JSON-RPC calls to.

A handler is a plain synchronous function ``fn(params: list, ctx: RpcContext)``
that returns a JSON-ready value or raises :class:`~seqguard.errors.RpcError`.
Cheap handlers are registered ``inline=True`` and run on the event loop; the
others run in a small thread pool so a slow ``eth_call`` never stalls the
loop that serves every other client.

This module also holds the JSON codec shared by the transport and the
subscription machinery.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import orjson

from seqguard import metrics
from seqguard.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    METHOD_NOT_FOUND,
    InvalidParams,
    RpcError,
)

log = logging.getLogger("seqguard.rpc")

Handler = Callable[[list[Any], "RpcContext"], Any]

#: geth's wording for the cases JSON-RPC leaves to the server.
MSG_NON_ARRAY_ARGS = "non-array args"
MSG_HANDLER_CRASHED = "method handler crashed"


# --------------------------------------------------------------------------- JSON


def _reject_constant(name: str) -> Any:
    # NaN / Infinity / -Infinity are not JSON; geth refuses them too.
    raise ValueError(f"invalid JSON literal {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (math.inf, -math.inf):  # 1e999: not representable, like Go's decoder
        raise ValueError(f"number {text[:32]} out of range")
    return value


_decoder = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


# A number token of 19+ digits may be an integer beyond orjson's 64 bits, which it
# turns into a float. Number values follow ':', '[' or ','; anchoring on those keeps
# the scan cheap on long hex strings (a false hit only costs a second parse).
_LONG_NUMBER_B = re.compile(rb"[:\[,]\s*-?\d{19}")
_LONG_NUMBER_S = re.compile(r"[:\[,]\s*-?\d{19}")


def json_loads(data: bytes | str) -> Any:
    """Parse strict JSON (RFC 8259) from a caller we do not trust.

    Raises ``ValueError`` (bad syntax, bad UTF-8, lone surrogates, NaN/Infinity,
    numbers beyond double range, nesting deeper than 1024) and never recurses
    deeper than that: py-evm raises the recursion limit to 100,000, so the stdlib
    parser alone would overflow the C stack on ``[[[[...`` and kill the process.

    orjson parses first (fast, depth-limited). Only when a long digit run could be
    an integer beyond 64 bits does the stdlib parse again, for exact integers.
    """
    value = orjson.loads(data)  # orjson.JSONDecodeError is a ValueError
    long_number = _LONG_NUMBER_S if isinstance(data, str) else _LONG_NUMBER_B
    if long_number.search(data):  # type: ignore[arg-type]
        if not isinstance(data, str):
            data = bytes(data).decode("utf-8")
        return _decoder.decode(data)  # depth already checked: safe to recurse
    return value


def json_dumps(obj: Any) -> bytes:
    """Encode compactly as UTF-8 bytes.

    orjson first; the stdlib takes over for what orjson refuses (integers beyond
    64 bits, lone surrogates, non-string keys). Raises ``ValueError``/``TypeError``/
    ``RecursionError`` if neither can encode ``obj``.
    """
    try:
        return orjson.dumps(obj)
    except TypeError:
        pass
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()


# ------------------------------------------------------------------------ context


class Connection(Protocol):
    """A live WebSocket connection as handlers see it. Use only on the event loop
    (i.e. from ``inline`` handlers and from bus callbacks)."""

    #: subscription id -> cancel function; the transport cancels them all when
    #: the connection ends.
    subscriptions: dict[str, Callable[[], None]]

    @property
    def closed(self) -> bool: ...

    def push(self, message: bytes) -> None:
        """Queue one encoded JSON message; never blocks. A client too slow to keep
        up is disconnected instead."""


@dataclass(slots=True)
class RpcContext:
    """Where a call came from. One context per HTTP request / WebSocket message
    (a batch shares one)."""

    transport: Literal["http", "ws", "internal"]
    remote: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Set for WebSocket calls: how to push notifications to this client.
    connection: Connection | None = None
    _after_response: list[Callable[[], None]] = field(default_factory=list)

    def after_response(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the loop once the response to this request is queued.

        eth_subscribe uses it so that the subscription id reaches the client
        before the first notification, as geth guarantees.
        """
        self._after_response.append(fn)

    def response_sent(self) -> None:
        """Called by the transport after queueing the response."""
        hooks, self._after_response = self._after_response, []
        for fn in hooks:
            try:
                fn()
            except Exception:  # a hook must not break the connection
                log.exception("after-response hook failed")


# ------------------------------------------------------------------------ params


def expect_params(params: list[Any], required: int, optional: int = 0) -> list[Any]:
    """Check the arity of ``params`` the way geth does; pad optional ones with None.

    >>> expect_params(["0x1"], 1, 1)
    ['0x1', None]
    """
    total = required + optional
    if len(params) > total:
        raise InvalidParams(f"too many arguments, want at most {total}")
    for i in range(required):
        if i >= len(params) or params[i] is None:
            raise InvalidParams(f"missing value for required argument {i}")
    return list(params) + [None] * (total - len(params))


# ----------------------------------------------------------------------- registry


@dataclass(slots=True)
class Method:
    name: str
    fn: Handler
    inline: bool
    # prometheus children cached per method: .labels() costs a lock and a dict lookup
    _latency: Any = None
    _ok: Any = None
    _err: Any = None
    _crash: Any = None


class MethodRegistry:
    """Name -> handler, and the executor that runs the non-inline ones."""

    def __init__(self, *, max_workers: int = 4) -> None:
        self._methods: dict[str, Method] = {}
        self._max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None
        self._unknown = metrics.RPC_REQUESTS.labels("unknown", "not_found")

    def register(self, name: str, fn: Handler, *, inline: bool = False) -> None:
        """Add a method. Registering a name twice is a wiring bug and raises."""
        if name in self._methods:
            raise ValueError(f"method {name} is already registered")
        self._methods[name] = Method(
            name,
            fn,
            inline,
            metrics.RPC_LATENCY.labels(name),
            metrics.RPC_REQUESTS.labels(name, "ok"),
            metrics.RPC_REQUESTS.labels(name, "error"),
            metrics.RPC_REQUESTS.labels(name, "crash"),
        )

    def unregister(self, name: str) -> None:
        self._methods.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._methods

    def names(self) -> list[str]:
        return sorted(self._methods)

    def get(self, name: str) -> Method | None:
        return self._methods.get(name)

    async def call(self, name: str, params: Any, ctx: RpcContext) -> Any:
        """Run one call and return its result; every failure is an ``RpcError``.

        ``params`` is the raw ``params`` member (None when absent).
        """
        method = self._methods.get(name)
        if method is None:
            self._unknown.inc()
            raise RpcError(METHOD_NOT_FOUND, f"the method {name} does not exist/is not available")
        if params is None:
            params = []
        elif not isinstance(params, list):
            method._err.inc()
            raise RpcError(INVALID_PARAMS, MSG_NON_ARRAY_ARGS)
        start = time.perf_counter()
        try:
            if method.inline:
                result = method.fn(params, ctx)
            else:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._pool(), method.fn, params, ctx)
        except RpcError:
            method._err.inc()
            raise
        except Exception:
            method._crash.inc()
            log.exception("RPC handler %s crashed", name)
            raise RpcError(INTERNAL_ERROR, MSG_HANDLER_CRASHED) from None
        finally:
            method._latency.observe(time.perf_counter() - start)
        method._ok.inc()
        return result

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._max_workers, thread_name_prefix="rpc")
        return self._executor

    def close(self) -> None:
        """Stop the worker threads (waits for running calls)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
