"""The JSON-RPC transport: HTTP and WebSocket on one port, like anvil.

``POST /``      JSON-RPC 2.0, single and batch, with geth's limits and messages
``GET /`` + Upgrade: websocket   the same calls plus eth_subscribe
``GET /``       a short hint that this is a JSON-RPC endpoint
``GET /metrics``  Prometheus text
``/dashboard``  the dashboard (see seqguard.dashboard)

Everything a caller can send, however hostile, is answered with a JSON-RPC
result or error; the process never answers 500 and never dies on input.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from seqguard import CLIENT_VERSION, dashboard, metrics
from seqguard.errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    LIMIT_EXCEEDED,
    PARSE_ERROR,
    RpcError,
)
from seqguard.rpc.registry import MethodRegistry, RpcContext, json_dumps, json_loads

if TYPE_CHECKING:
    from seqguard.rpc.filters import FilterManager
    from seqguard.rpc.subscriptions import EventBus

log = logging.getLogger("seqguard.rpc")

#: geth's code for a batch whose responses outgrew the limit (rpc.ErrcodeResponseTooLarge)
RESPONSE_TOO_LARGE = -32003
MAX_METHOD_NAME = 2048  # geth's maxMethodNameLength

_MISSING = object()
_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class RpcLimits:
    """Transport limits. Defaults follow geth where geth has one."""

    max_request_bytes: int = 5 * 1024 * 1024  # geth: maxRequestContentLength
    max_batch_items: int = 1000  # geth: --rpc.batch-request-limit
    max_batch_response_bytes: int = 25_000_000  # geth: --rpc.batch-response-max-size
    max_http_requests: int = 512  # concurrent HTTP requests being served
    max_ws_connections: int = 512
    ws_max_message_bytes: int = 32 * 1024 * 1024  # geth: wsReadLimit
    #: bytes a WebSocket client may fall behind before it is dropped
    ws_send_buffer_bytes: int = 16 * 1024 * 1024
    #: requests of one WebSocket connection processed concurrently
    ws_max_inflight: int = 32


def _error(id_: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": id_, "error": err}


_PARSE_ERROR = json_dumps(_error(None, PARSE_ERROR, "parse error"))


def _valid_id(value: Any) -> bool:
    # JSON-RPC ids are strings, numbers or null (bool is an int in Python: exclude)
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


class RpcHandler:
    """Turns one received message (HTTP body or WebSocket frame) into its response."""

    def __init__(self, registry: MethodRegistry, limits: RpcLimits) -> None:
        self.registry = registry
        self.limits = limits

    async def handle(self, body: bytes | str, ctx: RpcContext) -> bytes | None:
        """The encoded response, or None when only notifications were sent."""
        try:
            msg = json_loads(body)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            metrics.RPC_INVALID.labels("parse").inc()
            return _PARSE_ERROR
        if isinstance(msg, list):
            return await self._batch(msg, ctx)
        resp = await self._one(msg, ctx)
        return None if resp is None else self._encode(resp)

    async def _batch(self, batch: list[Any], ctx: RpcContext) -> bytes | None:
        limits = self.limits
        if not batch:
            metrics.RPC_INVALID.labels("invalid").inc()
            return json_dumps(_error(None, INVALID_REQUEST, "empty batch"))
        if len(batch) > limits.max_batch_items:
            metrics.RPC_INVALID.labels("batch_too_large").inc()
            # geth answers one error, with the id of the first call, inside an array
            first = next((m["id"] for m in batch if self._is_call(m)), None)
            return json_dumps([_error(first, INVALID_REQUEST, "batch too large")])
        parts: list[bytes] = []
        size = 0
        overflow = False
        for item in batch:
            if overflow:
                if self._is_call(item):
                    parts.append(
                        json_dumps(_error(item["id"], RESPONSE_TOO_LARGE, "response too large"))
                    )
                continue
            resp = await self._one(item, ctx)
            if resp is None:
                continue
            encoded = self._encode(resp)
            size += len(encoded)
            if size > limits.max_batch_response_bytes:
                # unlike geth we also replace the response that crossed the line,
                # so one giant result cannot slip through
                overflow = True
                metrics.RPC_INVALID.labels("response_too_large").inc()
                encoded = json_dumps(_error(resp["id"], RESPONSE_TOO_LARGE, "response too large"))
            parts.append(encoded)
        if not parts:
            return None
        return b"[" + b",".join(parts) + b"]"

    @staticmethod
    def _is_call(m: Any) -> bool:
        return (
            isinstance(m, dict)
            and m.get("jsonrpc") == "2.0"
            and isinstance(m.get("method"), str)
            and "id" in m
            and _valid_id(m["id"])
        )

    async def _one(self, msg: Any, ctx: RpcContext) -> dict[str, Any] | None:
        """Handle one request object; None for a notification."""
        if not isinstance(msg, dict):
            metrics.RPC_INVALID.labels("invalid").inc()
            return _error(None, INVALID_REQUEST, "invalid request")
        id_ = msg.get("id", _MISSING)
        has_id = id_ is not _MISSING
        if has_id and not _valid_id(id_):
            metrics.RPC_INVALID.labels("invalid").inc()
            return _error(None, INVALID_REQUEST, "invalid request")
        method = msg.get("method")
        if msg.get("jsonrpc") != "2.0" or not isinstance(method, str) or not method:
            metrics.RPC_INVALID.labels("invalid").inc()
            return _error(id_ if has_id else None, INVALID_REQUEST, "invalid request")
        if len(method) > MAX_METHOD_NAME:
            metrics.RPC_INVALID.labels("invalid").inc()
            return _error(
                id_ if has_id else None,
                INVALID_REQUEST,
                f"method name too long: {len(method)} > {MAX_METHOD_NAME}",
            )
        try:
            result = await self.registry.call(method, msg.get("params"), ctx)
        except RpcError as exc:
            if not has_id:
                return None
            return {"jsonrpc": "2.0", "id": id_, "error": exc.to_json()}
        if not has_id:
            return None
        return {"jsonrpc": "2.0", "id": id_, "result": result}

    @staticmethod
    def _encode(resp: dict[str, Any]) -> bytes:
        try:
            return json_dumps(resp)
        except (ValueError, TypeError, RecursionError, OverflowError):
            log.exception("cannot encode the response to id %r", resp.get("id"))
            return json_dumps(
                _error(resp.get("id"), INTERNAL_ERROR, "failed to encode the response")
            )


# --------------------------------------------------------------------- WebSocket


class WsConnection:
    """One WebSocket client: an outgoing byte-bounded queue and its writer.

    ``push`` never blocks; when the client falls more than
    ``ws_send_buffer_bytes`` behind, the connection is marked for closing and the
    endpoint drops it (geth drops slow subscribers too).
    """

    def __init__(self, websocket: WebSocket, max_buffer: int) -> None:
        self._ws = websocket
        self._max_buffer = max_buffer
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._wake = asyncio.Event()
        self._closed = False
        self.overflowed = False
        self.done = asyncio.Event()  # set when the connection must end
        self.subscriptions: dict[str, Callable[[], None]] = {}

    @property
    def closed(self) -> bool:
        return self._closed

    def push(self, message: bytes) -> None:
        if self._closed:
            return
        # one message larger than the whole buffer may still go out alone
        if self._queue and self._queued_bytes + len(message) > self._max_buffer:
            self.overflowed = True
            metrics.WS_DROPPED.inc()
            self.close()
            return
        self._queue.append(message)
        self._queued_bytes += len(message)
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self._queue.clear()
        self._queued_bytes = 0
        self._wake.set()
        self.done.set()

    def cancel_subscriptions(self) -> None:
        subs, self.subscriptions = self.subscriptions, {}
        for cancel in subs.values():
            try:
                cancel()
            except Exception:
                log.exception("cancelling a subscription failed")

    async def writer(self) -> None:
        while not self._closed:
            await self._wake.wait()
            self._wake.clear()
            while self._queue and not self._closed:
                message = self._queue.popleft()
                self._queued_bytes -= len(message)
                # text frames: browsers hand binary frames to JS as Blobs
                await self._ws.send_text(message.decode())


# ------------------------------------------------------------------------- app


class _Transport:
    """The endpoints, bound to one registry and one set of limits."""

    def __init__(self, registry: MethodRegistry, bus: EventBus | None, limits: RpcLimits) -> None:
        self.handler = RpcHandler(registry, limits)
        self.bus = bus
        self.limits = limits
        self.http_inflight = 0
        self.ws_open = 0
        self.connections: set[WsConnection] = set()

    # -- HTTP
    async def http(self, request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(
                {
                    "name": "seqguard",
                    "version": CLIENT_VERSION,
                    "message": "JSON-RPC 2.0 endpoint: POST requests here, or open a "
                    "WebSocket on this URL for eth_subscribe. Dashboard: /dashboard, "
                    "metrics: /metrics.",
                }
            )
        if request.method == "OPTIONS":  # preflights are answered by CORSMiddleware
            return Response(status_code=200)
        limits = self.limits
        if self.http_inflight >= limits.max_http_requests:
            metrics.RPC_INVALID.labels("busy").inc()
            return self._json_error(503, LIMIT_EXCEEDED, "too many concurrent requests")
        self.http_inflight += 1
        metrics.HTTP_INFLIGHT.inc()
        try:
            body = await self._read_body(request)
            if body is None:
                metrics.RPC_INVALID.labels("too_large").inc()
                return self._json_error(413, INVALID_REQUEST, "request too large")
            ctx = RpcContext(
                "http",
                remote=_remote(request.client),
                headers=request.headers,
            )
            out = await self.handler.handle(body, ctx)
            ctx.response_sent()
            return Response(out or b"", media_type=_JSON)
        finally:
            self.http_inflight -= 1
            metrics.HTTP_INFLIGHT.dec()

    async def _read_body(self, request: Request) -> bytes | None:
        """The body, or None if it exceeds the limit (read no further)."""
        limit = self.limits.max_request_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return None
        chunks = bytearray()
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > limit:
                return None
        return bytes(chunks)

    @staticmethod
    def _json_error(status: int, code: int, message: str) -> Response:
        return Response(
            json_dumps(_error(None, code, message)), status_code=status, media_type=_JSON
        )

    # -- WebSocket
    async def websocket(self, ws: WebSocket) -> None:
        await ws.accept()
        if self.ws_open >= self.limits.max_ws_connections:
            # 1013 "try again later": a clear reason the client library can show
            await ws.close(code=1013, reason="too many websocket connections")
            return
        conn = WsConnection(ws, self.limits.ws_send_buffer_bytes)
        self.ws_open += 1
        self.connections.add(conn)
        metrics.WS_CONNECTIONS.inc()
        tasks = [
            asyncio.create_task(self._ws_reader(ws, conn)),
            asyncio.create_task(conn.writer()),
            asyncio.create_task(conn.done.wait()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            conn.close()
            conn.cancel_subscriptions()
            for t in tasks:
                t.cancel()
            for t in tasks:  # surface nothing: the client is gone either way
                with contextlib.suppress(BaseException):
                    await t
            self.ws_open -= 1
            self.connections.discard(conn)
            metrics.WS_CONNECTIONS.dec()
            if conn.overflowed:
                log.warning("dropped slow WebSocket client %s", _remote(ws.client))
                with contextlib.suppress(Exception):
                    # bounded: the close frame waits behind the backlog of a stuck client
                    await asyncio.wait_for(
                        ws.close(code=1008, reason="client too slow: send buffer overflow"), 1.0
                    )

    async def _ws_reader(self, ws: WebSocket, conn: WsConnection) -> None:
        remote = _remote(ws.client)
        headers = ws.headers
        inflight = asyncio.Semaphore(self.limits.ws_max_inflight)
        running: set[asyncio.Task[None]] = set()

        async def serve(data: bytes | str) -> None:
            try:
                ctx = RpcContext("ws", remote=remote, headers=headers, connection=conn)
                out = await self.handler.handle(data, ctx)
                if out is not None:
                    conn.push(out)
                ctx.response_sent()
            except Exception:  # never let one message kill the reader silently
                log.exception("WebSocket message handling failed")
            finally:
                inflight.release()

        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                data = message.get("text")
                if data is None:
                    data = message.get("bytes") or b""
                # geth serves a connection's requests concurrently; bound how many
                await inflight.acquire()
                task = asyncio.create_task(serve(data))
                running.add(task)
                task.add_done_callback(running.discard)
        except WebSocketDisconnect:
            return
        finally:
            for task in running:
                task.cancel()


def _remote(client: Any) -> str | None:
    return f"{client.host}:{client.port}" if client else None


async def _metrics(request: Request) -> Response:
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)


def build_app(
    registry: MethodRegistry,
    *,
    bus: EventBus | None = None,
    filters: FilterManager | None = None,
    limits: RpcLimits | None = None,
) -> Starlette:
    """The ASGI app serving ``registry``.

    On startup it binds ``bus`` to the server's event loop (notifications are
    delivered there) and starts a periodic sweep of expired ``filters``. The
    node registers eth_subscribe and the filter methods itself
    (``subscriptions.register_methods``, ``filters.register_methods``).
    """
    limits = limits or RpcLimits()
    transport = _Transport(registry, bus, limits)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if bus is not None:
            bus.bind(asyncio.get_running_loop())
        sweeper = asyncio.create_task(_sweep(filters)) if filters is not None else None
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
            for conn in list(transport.connections):
                conn.close()
            if bus is not None:
                bus.unbind()

    app = Starlette(
        routes=[
            Route("/", transport.http, methods=["GET", "POST", "OPTIONS"]),
            WebSocketRoute("/", transport.websocket),
            Route("/metrics", _metrics, methods=["GET"]),
            *dashboard.routes(),
        ],
        middleware=[
            # wallets and dApps call the node from browser pages on any origin
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["*"],
                max_age=600,
            )
        ],
        lifespan=lifespan,
    )
    app.state.rpc_limits = limits
    app.state.rpc_transport = transport
    return app


async def _sweep(filters: FilterManager) -> None:
    interval = min(60.0, max(1.0, filters.timeout / 5))
    while True:
        await asyncio.sleep(interval)
        try:
            filters.sweep()
        except Exception:
            log.exception("filter sweep failed")


# ---------------------------------------------------------------------- serving


class RpcServer:
    """uvicorn running ``app`` inside the caller's asyncio loop.

    ``await start()`` returns once the port is bound (raises ``OSError`` if it
    cannot be); ``await stop()`` shuts down gracefully (in-flight requests finish,
    WebSocket clients get close code 1012). uvicorn installs no signal handlers
    here: the node owns Ctrl-C.
    """

    def __init__(
        self,
        app: Starlette,
        host: str = "127.0.0.1",
        port: int = 8545,
        *,
        log_level: str = "warning",
        graceful_timeout: float = 5.0,
    ) -> None:
        limits: RpcLimits = getattr(app.state, "rpc_limits", RpcLimits())
        self.app = app
        self.host = host
        self.port = port
        self.config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            lifespan="on",
            ws_max_size=limits.ws_max_message_bytes,
            timeout_graceful_shutdown=graceful_timeout,
            server_header=False,
        )
        self.server = uvicorn.Server(self.config)
        self._socket: socket.socket | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def bound_port(self) -> int:
        """The real port (useful with ``port=0``)."""
        assert self._socket is not None, "server not started"
        return self._socket.getsockname()[1]

    async def start(self) -> None:
        # We bind the socket ourselves: uvicorn calls sys.exit() on bind errors.
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto must say TCP, or asyncio skips TCP_NODELAY on accepted sockets and
        # every response waits ~40 ms for a delayed ACK
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.listen(2048)
        sock.setblocking(False)
        self._socket = sock
        self.config.port = self.bound_port
        self.app.state.rpc_port = self.bound_port  # lets whoever built the app find the port
        # serve() wraps _serve() in capture_signals(), which would steal SIGINT
        self._task = asyncio.create_task(self.server._serve(sockets=[sock]))
        while not self.server.started:
            if self._task.done():
                self._task.result()  # re-raise the startup failure
                raise RuntimeError("RPC server stopped during startup")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._task is None:
            return
        self.server.should_exit = True
        try:
            await self._task
        finally:
            self._task = None
            if self._socket is not None:
                self._socket.close()

    async def wait(self) -> None:
        """Wait until the server stops (e.g. after :meth:`stop` from elsewhere)."""
        if self._task is not None:
            await asyncio.shield(self._task)


async def serve(
    app: Starlette,
    host: str,
    port: int,
    *,
    ready: asyncio.Event | None = None,
    log_level: str = "warning",
) -> None:
    """Serve ``app`` until cancelled, then shut down gracefully.

    Sets ``ready`` once the port is bound. Bind errors raise ``OSError``.
    """
    server = RpcServer(app, host, port, log_level=log_level)
    await server.start()
    if ready is not None:
        ready.set()
    try:
        await server.wait()
    finally:
        await server.stop()
