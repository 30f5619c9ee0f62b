"""The dashboard: a public transparency page and the operators' quarantine desk.

Static HTML, CSS and vanilla JavaScript written by hand (no CDN, no build step)
that talks to a node's JSON-RPC endpoint like any client: ``seqguard_*`` methods
for the quarantine, findings and statistics, ``eth_subscribe`` over WebSocket
for the live feed. The node serves it at ``/dashboard``; ``seqguard dashboard
--rpc URL`` serves it on its own against any seqguard node.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Directory of the page's files (index.html, app.js, style.css, ...).
STATIC_DIR = Path(__file__).with_name("static")


def _ws_origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}"


def security_headers(rpc_url: str | None) -> list[tuple[bytes, bytes]]:
    """Only our own scripts run, and the page talks only to its node."""
    connect = "'self'"
    if rpc_url:
        parts = urlsplit(rpc_url)
        connect += f" {parts.scheme}://{parts.netloc} {_ws_origin(rpc_url)}"
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    ]


class _WithHeaders:
    """Adds fixed headers to every response of the wrapped app."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def routes(rpc_url: str | None = None) -> list[BaseRoute]:
    """``/dashboard/...``: the files, and ``config.json`` naming the node to talk to
    (null: the origin that served the page)."""

    async def config(request: Request) -> Response:
        return JSONResponse({"rpc": rpc_url}, headers={"cache-control": "no-store"})

    static = StaticFiles(directory=STATIC_DIR, html=True)
    return [
        Route("/dashboard/config.json", config, methods=["GET"]),
        Mount("/dashboard", app=_WithHeaders(static, security_headers(rpc_url))),
    ]


def standalone_app(rpc_url: str) -> Starlette:
    """The dashboard alone, pointed at the node at ``rpc_url`` (which allows CORS)."""

    async def home(request: Request) -> Response:
        return RedirectResponse("/dashboard/")

    return Starlette(routes=[Route("/", home), *routes(rpc_url)])
