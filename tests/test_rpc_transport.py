"""The JSON-RPC transport: HTTP and WebSocket framing, geth's errors and limits,
hostile input, subscriptions and the slow-consumer policy.

A real uvicorn server runs on a free loopback port in a background thread; small
test methods stand in for the node's eth_* methods.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from seqguard.errors import RpcError
from seqguard.rpc import subscriptions
from seqguard.rpc.registry import MethodRegistry, RpcContext, json_dumps, json_loads
from seqguard.rpc.server import RpcLimits, RpcServer, build_app, serve
from seqguard.rpc.subscriptions import EventBus, LogCriteria, new_id

# ------------------------------------------------------------------- fixtures

CALLS: list[Any] = []  # what the "record" method saw (notifications have no answer)


def make_registry() -> MethodRegistry:
    reg = MethodRegistry(max_workers=4)
    reg.register("echo", lambda p, c: p)
    reg.register("add", lambda p, c: p[0] + p[1], inline=True)
    reg.register("record", lambda p, c: CALLS.append(p) or True, inline=True)
    reg.register("transport", lambda p, c: [c.transport, c.remote is not None], inline=True)

    def fail(p: list[Any], c: RpcContext) -> None:
        raise RpcError(-32000, "nonce too low", {"detail": p})

    def crash(p: list[Any], c: RpcContext) -> None:
        raise ValueError("boom")

    def sleep(p: list[Any], c: RpcContext) -> str:
        time.sleep(p[0] if p else 0.2)
        return "slept"

    reg.register("fail", fail)
    reg.register("crash", crash)
    reg.register("sleep", sleep)
    reg.register("big", lambda p, c: "x" * p[0], inline=True)
    reg.register("nan", lambda p, c: [float("nan")], inline=True)
    reg.register("surrogate", lambda p, c: "\ud800", inline=True)
    reg.register("unencodable", lambda p, c: {object()}, inline=True)
    return reg


class ServerThread:
    """uvicorn + the app on 127.0.0.1:<free port>, in a thread with its own loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server = RpcServer(app, "127.0.0.1", 0)
        self.stopped = False

    def __enter__(self) -> ServerThread:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        self.port = self.server.bound_port
        self.url = f"http://127.0.0.1:{self.port}/"
        self.ws_url = f"ws://127.0.0.1:{self.port}/"
        return self

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(15)

    def __exit__(self, *exc: Any) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class Node:
    def __init__(self, srv: ServerThread, bus: EventBus) -> None:
        self.srv, self.bus = srv, bus
        self.http = httpx.Client(base_url=srv.url, trust_env=False, timeout=20)

    def post(self, body: bytes | str, **kw: Any) -> httpx.Response:
        if isinstance(body, str):
            body = body.encode()
        return self.http.post("/", content=body, headers={"content-type": "application/json"}, **kw)

    def call(self, obj: Any) -> Any:
        r = self.post(json.dumps(obj))
        assert r.status_code == 200, r.text
        return r.json()

    def call_raw(self, body: str) -> Any:
        r = self.post(body)
        assert r.status_code == 200, r.text
        return r.json()

    def ws(self, **kw: Any) -> ClientConnection:
        return connect(self.srv.ws_url, proxy=None, open_timeout=5, **kw)


@pytest.fixture(scope="module")
def node() -> Iterator[Node]:
    bus = EventBus()
    reg = make_registry()
    subscriptions.register_methods(reg, bus)
    with ServerThread(build_app(reg, bus=bus)) as srv:
        n = Node(srv, bus)
        yield n
        n.http.close()
    reg.close()


def req(method: str, params: Any = None, id_: Any = 1, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"jsonrpc": "2.0", "id": id_, "method": method}
    if params is not None:
        out["params"] = params
    out.update(extra)
    return out


def wait_for(cond: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def err(resp: dict[str, Any]) -> tuple[int, str]:
    return resp["error"]["code"], resp["error"]["message"]


# --------------------------------------------------------------- HTTP basics


def test_single_call_echoes_every_id_kind(node: Node) -> None:
    for id_ in (1, 0, -7, 2**70, 1.5, "abc", "", None):
        resp = node.call(req("add", [2, 3], id_))
        assert resp == {"jsonrpc": "2.0", "id": id_, "result": 5}


def test_response_is_json_with_geth_headers(node: Node) -> None:
    r = node.post(json.dumps(req("add", [1, 1])))
    assert r.headers["content-type"] == "application/json"
    assert r.json()["result"] == 2


def test_params_absent_or_null_mean_empty_list(node: Node) -> None:
    assert node.call(req("echo"))["result"] == []
    assert node.call(req("echo", params=None) | {"params": None})["result"] == []


def test_non_array_params_are_invalid(node: Node) -> None:
    for params in ({"a": 1}, "x", 5, True):
        assert err(node.call(req("echo") | {"params": params})) == (-32602, "non-array args")


def test_notification_gets_no_response_but_runs(node: Node) -> None:
    CALLS.clear()
    r = node.post(json.dumps({"jsonrpc": "2.0", "method": "record", "params": ["n1"]}))
    assert r.status_code == 200 and r.content == b""
    assert CALLS == [["n1"]]
    # a failing notification is silent too
    r = node.post(json.dumps({"jsonrpc": "2.0", "method": "nope"}))
    assert r.content == b""


def test_batch_in_request_order_with_notifications_and_bad_items(node: Node) -> None:
    CALLS.clear()
    batch = [
        req("sleep", [0.05], "slow"),  # thread pool: must still come first
        {"jsonrpc": "2.0", "method": "record", "params": ["b"]},
        req("add", [1, 2], 2),
        5,
        req("nope", [], 3),
        {"jsonrpc": "1.0", "id": 4, "method": "add"},
    ]
    out = node.call(batch)
    assert [r["id"] for r in out] == ["slow", 2, None, 3, 4]
    assert out[0]["result"] == "slept" and out[1]["result"] == 3
    assert err(out[2]) == (-32600, "invalid request")
    assert err(out[3]) == (-32601, "the method nope does not exist/is not available")
    assert err(out[4]) == (-32600, "invalid request")
    assert CALLS == [["b"]]


def test_batch_of_only_notifications_answers_nothing(node: Node) -> None:
    r = node.post(
        json.dumps([{"jsonrpc": "2.0", "method": "record", "params": [i]} for i in range(3)])
    )
    assert r.status_code == 200 and r.content == b""


def test_parse_error(node: Node) -> None:
    for body in (b"{", b"", b"nul", b'{"jsonrpc":"2.0",}', b"[1,]"):
        resp = node.post(body).json()
        assert resp == {
            "jsonrpc": "2.0",
            "id": None,
            "error": {"code": -32700, "message": "parse error"},
        }


def test_empty_batch(node: Node) -> None:
    assert node.call([]) == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32600, "message": "empty batch"},
    }


@pytest.mark.parametrize(
    "msg, echoed_id",
    [
        (5, None),
        ("str", None),
        (None, None),
        ({"id": 1, "method": "add"}, 1),  # no jsonrpc
        ({"jsonrpc": "2.0", "id": 1}, 1),  # no method
        ({"jsonrpc": "2.0", "id": 1, "method": 5}, 1),
        ({"jsonrpc": "2.0", "id": 1, "method": ""}, 1),
        ({"jsonrpc": "2.0", "id": {"a": 1}, "method": "add"}, None),  # object id
        ({"jsonrpc": "2.0", "id": [1], "method": "add"}, None),
        ({"jsonrpc": "2.0", "id": True, "method": "add"}, None),
        ({"jsonrpc": 2.0, "id": 7, "method": "add"}, 7),
        ({"jsonrpc": "2.0", "method": 5}, None),  # invalid notification is still answered
    ],
)
def test_invalid_requests(node: Node, msg: Any, echoed_id: Any) -> None:
    resp = node.call(msg)
    assert resp["id"] == echoed_id
    assert err(resp) == (-32600, "invalid request")


def test_method_name_too_long(node: Node) -> None:
    resp = node.call(req("x" * 3000))
    assert err(resp) == (-32600, "method name too long: 3000 > 2048")


def test_handler_errors(node: Node) -> None:
    resp = node.call(req("fail", ["a"]))
    assert resp["error"] == {"code": -32000, "message": "nonce too low", "data": {"detail": ["a"]}}
    resp = node.call(req("crash"))
    assert err(resp) == (-32603, "method handler crashed")
    # a crash inside the thread pool or inline (bad params to add) is contained as well
    assert err(node.call(req("add", ["a"]))) == (-32603, "method handler crashed")
    assert node.call(req("add", [1, 2]))["result"] == 3  # still serving


def test_unencodable_results_are_internal_errors(node: Node) -> None:
    assert err(node.call(req("unencodable"))) == (-32603, "failed to encode the response")
    # NaN is not JSON: the answer is still valid JSON (null from orjson, or an error)
    resp = node.call(req("nan"))
    assert resp.get("result") == [None] or err(resp) == (-32603, "failed to encode the response")


def test_get_root_metrics_dashboard(node: Node) -> None:
    r = node.http.get("/")
    assert r.status_code == 200 and "JSON-RPC" in r.json()["message"]
    node.call(req("add", [1, 1]))
    r = node.http.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert 'seqguard_rpc_requests_total{method="add",outcome="ok"}' in r.text
    assert 'seqguard_rpc_request_duration_seconds_bucket{le="0.0001",method="add"}' in r.text
    assert "seqguard_head_block_number" in r.text
    r = node.http.get("/dashboard", follow_redirects=True)
    assert r.status_code == 200 and "<html" in r.text and "app.js" in r.text
    for asset in ("js/app.js", "js/pages/tx.js", "style.css"):
        assert node.http.get(f"/dashboard/{asset}").status_code == 200


def test_unknown_method_names_share_one_metrics_label(node: Node) -> None:
    node.call(req("no_such_method_a"))
    node.call(req("no_such_method_b"))
    text = node.http.get("/metrics").text
    assert "no_such_method" not in text
    assert 'seqguard_rpc_requests_total{method="unknown",outcome="not_found"}' in text


def test_cors(node: Node) -> None:
    r = node.http.options(
        "/",
        headers={
            "origin": "https://app.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "content-type" in r.headers["access-control-allow-headers"].lower()
    r = node.http.post(
        "/", content=json.dumps(req("add", [1, 2])), headers={"origin": "https://app.example"}
    )
    assert r.headers["access-control-allow-origin"] == "*" and r.json()["result"] == 3


# ----------------------------------------------------------------- limits


def test_batch_limit(node: Node) -> None:
    ok = node.call([req("add", [i, 1], i) for i in range(1000)])
    assert [r["result"] for r in ok] == [i + 1 for i in range(1000)]
    batch = [{"jsonrpc": "2.0", "method": "record"}] + [
        req("add", [i, 1], i + 10) for i in range(9999)
    ]
    out = node.call(batch)
    assert out == [
        {"jsonrpc": "2.0", "id": 10, "error": {"code": -32600, "message": "batch too large"}}
    ]


def test_body_limit(node: Node) -> None:
    big = json.dumps(req("echo", ["a" * (6 * 1024 * 1024)])).encode()
    r = node.post(big)
    assert r.status_code == 413
    assert r.json() == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32600, "message": "request too large"},
    }

    def chunks() -> Iterator[bytes]:  # no content-length: the stream is cut at the limit
        for i in range(0, len(big), 65536):
            yield big[i : i + 65536]

    r = node.http.post("/", content=chunks())
    assert r.status_code == 413 and r.json()["error"]["message"] == "request too large"
    # just under the limit works, and a 4 MiB string survives intact
    s = "b" * (4 * 1024 * 1024)
    assert node.call(req("echo", [s]))["result"] == [s]


def test_response_size_limit_in_batches() -> None:
    reg = make_registry()
    app = build_app(reg, limits=RpcLimits(max_batch_response_bytes=1000))

    async def run() -> list[dict[str, Any]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            batch = [
                req("big", [300], 1),
                req("big", [300], 2),
                req("big", [600], 3),
                {"jsonrpc": "2.0", "method": "record"},
                req("add", [1, 1], 4),
            ]
            r = await c.post("/", content=json.dumps(batch))
            return r.json()

    out = asyncio.run(run())
    reg.close()
    assert [r["id"] for r in out] == [1, 2, 3, 4]
    assert out[0]["result"] == "x" * 300 and out[1]["result"] == "x" * 300
    for r in out[2:]:
        assert err(r) == (-32003, "response too large")


def test_http_concurrency_limit() -> None:
    reg = make_registry()
    app = build_app(reg, limits=RpcLimits(max_http_requests=1))

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            slow = asyncio.create_task(c.post("/", content=json.dumps(req("sleep", [0.3]))))
            await asyncio.sleep(0.05)
            busy = await c.post("/", content=json.dumps(req("add", [1, 1])))
            return [await slow, busy]

    slow, busy = asyncio.run(run())
    reg.close()
    assert slow.json()["result"] == "slept"
    assert busy.status_code == 503
    assert busy.json()["error"] == {"code": -32005, "message": "too many concurrent requests"}


# ------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"a":' * 100_000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"jsonrpc":"2.0","id":1,"method":"echo","params":' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b"\xff\xfe\xfd",
        b'{"jsonrpc":"2.0","id":1,"method":"echo","params":["\xc3\x28"]}',
        b'{"jsonrpc":"2.0","id":1,"method":"echo","params":[NaN]}',
        b'{"jsonrpc":"2.0","id":1,"method":"echo","params":[Infinity]}',
        b'{"jsonrpc":"2.0","id":1,"method":"echo","params":[-Infinity]}',
        b'{"jsonrpc":"2.0","id":1,"method":"echo","params":[1e999]}',
        b'{"jsonrpc":"2.0","id":1,"method":"echo","params":[' + b"9" * 5000 + b"]}",
        b"\x00",
    ],
)
def test_hostile_json_is_a_parse_error(node: Node, body: bytes) -> None:
    r = node.post(body)
    assert r.status_code == 200
    assert r.json() == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32700, "message": "parse error"},
    }
    assert node.call(req("add", [1, 1]))["result"] == 2


def test_hostile_but_valid_json_is_served(node: Node) -> None:
    deep = json.loads("[" * 500 + "]" * 500)  # deeper than orjson's encoder goes
    resp = node.call(req("echo", [deep]))
    assert resp["result"] == [deep]
    resp = node.call(req("echo", [{"k": 2**200, "n": -(2**64)}, 12345678901234567890123]))
    assert resp["result"] == [{"k": 2**200, "n": -(2**64)}, 12345678901234567890123]  # exact
    # a lone surrogate is not valid Unicode: refused on the way in...
    assert err(node.call_raw('{"jsonrpc":"2.0","id":1,"method":"echo","params":["\\ud800"]}')) == (
        -32700,
        "parse error",
    )
    # ...but a handler returning one still gets a valid (escaped) answer
    assert node.call(req("surrogate"))["result"] == "\ud800"
    # depth near the parser's recursion limit: either served or a clean parse error
    r = node.post('{"jsonrpc":"2.0","id":1,"method":"echo","params":' + "[" * 990 + "]" * 990 + "}")
    assert r.status_code == 200 and ("result" in r.json() or "error" in r.json())


def test_deep_nesting_is_safe_under_py_evms_recursion_limit() -> None:
    """py-evm raises the recursion limit to 100,000; recursing that deep in C on an
    8 MiB main-thread stack is a segfault, so the parser must refuse early."""
    code = """
import asyncio, sys
sys.setrecursionlimit(100_000)
from seqguard.rpc.registry import MethodRegistry, RpcContext, json_loads
from seqguard.rpc.server import RpcHandler, RpcLimits
reg = MethodRegistry()
reg.register("echo", lambda p, c: p, inline=True)
handler = RpcHandler(reg, RpcLimits())
for body in (b"[" * 100_000, b'{"a":' * 100_000, b"[" * 5000 + b"1" * 30 + b"]" * 5000,
             b'{"jsonrpc":"2.0","id":1,"method":"echo","params":' + b"[" * 100_000 + b"]" * 100_000 + b"}"):
    out = asyncio.run(handler.handle(body, RpcContext("http")))
    assert b"-32700" in out, out[:200]
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def _assert_jsonrpc_answer(r: httpx.Response) -> None:
    assert r.status_code == 200, r.text
    if not r.content:
        return  # notifications only
    out = r.json()
    for resp in out if isinstance(out, list) else [out]:
        assert resp["jsonrpc"] == "2.0" and "id" in resp
        assert ("result" in resp) != ("error" in resp)
        if "error" in resp:
            assert isinstance(resp["error"]["code"], int) and isinstance(
                resp["error"]["message"], str
            )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)

requests = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.sampled_from(["2.0", "1.0", 2]) | json_values,
        "id": json_values,
        # not "big"/"sleep": arbitrary params would make them allocate or wait for real
        "method": st.sampled_from(["echo", "add", "fail", "crash", "record", "nope", ""])
        | json_values,
        "params": json_values,
    },
)

_HYP = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_HYP
@given(body=json_values | requests | st.lists(requests | json_values, max_size=6))
def test_any_json_gets_a_jsonrpc_answer(node: Node, body: Any) -> None:
    _assert_jsonrpc_answer(node.post(json.dumps(body)))


@_HYP
@given(body=st.binary(max_size=200))
def test_any_bytes_get_a_jsonrpc_answer(node: Node, body: bytes) -> None:
    _assert_jsonrpc_answer(node.post(body))


# ------------------------------------------------------------------ WebSocket


def ws_call(ws: ClientConnection, obj: Any) -> Any:
    ws.send(json.dumps(obj))
    return json.loads(ws.recv(timeout=10))


def header(n: int) -> dict[str, Any]:
    return {"number": hex(n), "hash": "0x" + f"{n:064x}", "parentHash": "0x" + "00" * 32}


def make_log(n: int, i: int, address: str, topics: list[str]) -> dict[str, Any]:
    return {
        "address": address,
        "topics": topics,
        "data": "0x",
        "blockNumber": hex(n),
        "transactionHash": "0x" + "11" * 32,
        "transactionIndex": "0x0",
        "blockHash": "0x" + f"{n:064x}",
        "logIndex": hex(i),
        "removed": False,
    }


def test_ws_calls_single_and_batch(node: Node) -> None:
    with node.ws() as ws:
        assert ws_call(ws, req("add", [2, 2], 9)) == {"jsonrpc": "2.0", "id": 9, "result": 4}
        out = ws_call(ws, [req("add", [1, 1], 1), req("transport", [], 2), req("nope", [], 3)])
        assert out[0]["result"] == 2 and out[1]["result"] == ["ws", True]
        assert err(out[2])[0] == -32601
        assert ws_call(ws, "garbage") == {
            "jsonrpc": "2.0",
            "id": None,
            "error": {"code": -32600, "message": "invalid request"},
        }
        ws.send("{not json")
        assert err(json.loads(ws.recv(timeout=5))) == (-32700, "parse error")
        ws.send(json.dumps(req("add", [3, 3], 5)).encode())  # binary frames work too
        assert json.loads(ws.recv(timeout=5))["result"] == 6


def test_ws_requests_are_served_concurrently(node: Node) -> None:
    with node.ws() as ws:
        ws.send(json.dumps(req("sleep", [0.5], "slow")))
        ws.send(json.dumps(req("add", [1, 1], "fast")))
        first = json.loads(ws.recv(timeout=5))
        second = json.loads(ws.recv(timeout=5))
        assert (first["id"], second["id"]) == ("fast", "slow")


def test_subscription_ids_look_like_geths() -> None:
    ids = {new_id() for _ in range(200)}
    assert len(ids) == 200
    for i in ids:
        assert i.startswith("0x") and 3 <= len(i) <= 34
        assert i == "0x0" or i[2] != "0"
        int(i, 16)


def test_subscribe_new_heads_in_order(node: Node) -> None:
    with node.ws() as ws:
        sub = ws_call(ws, req("eth_subscribe", ["newHeads"]))["result"]
        for n in range(1, 6):
            node.bus.publish_block(header(n), [])
        for n in range(1, 6):
            msg = json.loads(ws.recv(timeout=5))
            assert msg == {
                "jsonrpc": "2.0",
                "method": "eth_subscription",
                "params": {"subscription": sub, "result": header(n)},
            }
            assert list(msg) == ["jsonrpc", "method", "params"]


def test_subscribe_logs_filters_like_geth(node: Node) -> None:
    a1, a2, a3 = ("0x" + c * 40 for c in "abc")
    t = ["0x" + c * 64 for c in "0123"]
    crit = {"address": [a1, a2.upper().replace("0X", "0x")], "topics": [[t[0], t[1]], None, t[3]]}
    logs = [
        make_log(7, 0, a1, [t[0], t[2], t[3]]),  # match
        make_log(7, 1, a3, [t[0], t[2], t[3]]),  # wrong address
        make_log(7, 2, a2, [t[1], t[1], t[3]]),  # match (OR in position 0, wildcard in 1)
        make_log(7, 3, a2, [t[2], t[1], t[3]]),  # position 0 mismatch
        make_log(7, 4, a1, [t[0], t[1]]),  # too few topics
        make_log(
            7, 5, a1.upper().replace("0X", "0x"), [t[1], t[0], t[3].upper().replace("0X", "0x")]
        ),  # case-insensitive
    ]
    with node.ws() as ws:
        sub = ws_call(ws, req("eth_subscribe", ["logs", crit]))["result"]
        every = ws_call(ws, req("eth_subscribe", ["logs"], 2))["result"]
        node.bus.publish_block(header(7), logs)
        got: dict[str, list[str]] = {sub: [], every: []}
        for _ in range(3 + len(logs)):
            p = json.loads(ws.recv(timeout=5))["params"]
            got[p["subscription"]].append(p["result"]["logIndex"])
        assert got[sub] == ["0x0", "0x2", "0x5"]
        assert got[every] == [hex(i) for i in range(len(logs))]


def test_subscribe_pending_transactions(node: Node) -> None:
    with node.ws() as ws:
        hashes = ws_call(ws, req("eth_subscribe", ["newPendingTransactions"]))["result"]
        full = ws_call(ws, req("eth_subscribe", ["newPendingTransactions", True], 2))["result"]
        tx = {"hash": "0x" + "aa" * 32, "nonce": "0x0"}
        node.bus.publish_pending(tx["hash"], tx)
        node.bus.publish_pending("0x" + "bb" * 32)
        seen: dict[str, list[Any]] = {hashes: [], full: []}
        for _ in range(4):
            p = json.loads(ws.recv(timeout=5))["params"]
            seen[p["subscription"]].append(p["result"])
        assert seen[hashes] == [tx["hash"], "0x" + "bb" * 32]
        assert seen[full] == [tx, "0x" + "bb" * 32]  # no object published: the hash


def test_unsubscribe(node: Node) -> None:
    with node.ws() as ws:
        sub = ws_call(ws, req("eth_subscribe", ["newHeads"]))["result"]
        assert ws_call(ws, req("eth_unsubscribe", [sub]))["result"] is True
        node.bus.publish_block(header(1), [])
        # the next thing on the wire is our call's answer, not a notification
        assert ws_call(ws, req("add", [1, 1], "after"))["id"] == "after"
        assert err(ws_call(ws, req("eth_unsubscribe", [sub]))) == (-32000, "subscription not found")
        assert err(ws_call(ws, req("eth_unsubscribe", ["0x1234"]))) == (
            -32000,
            "subscription not found",
        )
        sub2 = ws_call(ws, req("eth_subscribe", ["newHeads"]))["result"]
        assert sub2 != sub
    # closing the connection drops its subscriptions
    wait_for(lambda: node.bus.subscriber_count() == 0)


def test_subscribe_errors(node: Node) -> None:
    with node.ws() as ws:
        assert err(ws_call(ws, req("eth_subscribe", ["foo"]))) == (
            -32601,
            'no "foo" subscription in eth namespace',
        )
        assert err(ws_call(ws, req("eth_subscribe", []))) == (
            -32602,
            "expected subscription name as first argument",
        )
        assert err(ws_call(ws, req("eth_subscribe", [5]))) == (
            -32602,
            "expected subscription name as first argument",
        )
        assert err(ws_call(ws, req("eth_subscribe", ["newHeads", 1]))) == (
            -32602,
            "too many arguments, want at most 0",
        )
        code, msg = err(ws_call(ws, req("eth_subscribe", ["logs", {"address": "0x12"}])))
        assert (
            code == -32602
            and msg
            == "invalid argument 0: invalid address: hex has invalid length 1 after decoding; expected 20 for address"
        )
        code, msg = err(ws_call(ws, req("eth_subscribe", ["logs", {"topics": [None] * 5}])))
        assert (code, msg) == (-32602, "invalid argument 0: exceed max topics")
        assert ws_call(ws, req("eth_subscribe", ["syncing"]))["result"].startswith("0x")
    # over HTTP there is nowhere to push notifications
    assert err(node.call(req("eth_subscribe", ["newHeads"]))) == (
        -32601,
        "notifications not supported",
    )


def test_subscription_id_arrives_before_its_first_notification(node: Node) -> None:
    with node.ws() as ws:
        # the batch answer waits for "sleep"; a block sealed meanwhile must queue behind it
        ws.send(json.dumps([req("eth_subscribe", ["newHeads"], 1), req("sleep", [0.4], 2)]))
        time.sleep(0.15)
        node.bus.publish_block(header(42), [])
        first = json.loads(ws.recv(timeout=5))
        assert isinstance(first, list) and first[1]["result"] == "slept"
        note = json.loads(ws.recv(timeout=5))
        assert note["params"] == {"subscription": first[0]["result"], "result": header(42)}


def test_slow_consumer_is_dropped_without_blocking_others() -> None:
    bus = EventBus()
    reg = make_registry()
    subscriptions.register_methods(reg, bus)
    limits = RpcLimits(ws_send_buffer_bytes=2 * 1024 * 1024)
    app = build_app(reg, bus=bus, limits=limits)
    blob = "f" * 50_000
    total = 800  # 40 MB: far more than the slow client's socket buffers plus ours
    dropped_before = REGISTRY.get_sample_value("seqguard_rpc_ws_slow_consumers_dropped_total") or 0
    with (
        ServerThread(app) as srv,
        # no compression: the point is to fill the slow client's socket buffers
        connect(srv.ws_url, proxy=None, max_queue=1, max_size=None, compression=None) as slow,
        connect(srv.ws_url, proxy=None, max_size=None, compression=None) as fast,
    ):
        ws_call(slow, req("eth_subscribe", ["newHeads"]))
        ws_call(fast, req("eth_subscribe", ["newHeads"]))
        received: list[int] = []

        def read_fast() -> None:
            for _ in range(total):
                received.append(
                    int(json.loads(fast.recv(timeout=20))["params"]["result"]["number"], 16)
                )

        reader = threading.Thread(target=read_fast)
        reader.start()
        started = time.monotonic()
        for n in range(total):
            bus.publish_block({"number": hex(n), "blob": blob}, [])
            if n % 20 == 19:
                time.sleep(0.01)  # a block builder's pace, not one burst
        publish_time = time.monotonic() - started - (total // 20) * 0.01
        reader.join(30)
        assert received == list(range(total))  # the fast client got everything, in order
        assert publish_time < 5  # publishing never waited for the stuck client
        # the slow client was dropped: draining its socket ends in a closed connection
        with pytest.raises(ConnectionClosed):
            for _ in range(total + 1):
                slow.recv(timeout=10)
        wait_for(lambda: bus.subscriber_count("newHeads") == 1)
        dropped = REGISTRY.get_sample_value("seqguard_rpc_ws_slow_consumers_dropped_total")
        assert dropped == dropped_before + 1  # dropped for overflowing, not by accident
    reg.close()


def test_ws_connection_limit() -> None:
    reg = make_registry()
    app = build_app(reg, limits=RpcLimits(max_ws_connections=2))
    with (
        ServerThread(app) as srv,
        connect(srv.ws_url, proxy=None) as a,
        connect(srv.ws_url, proxy=None) as b,
        connect(srv.ws_url, proxy=None) as c,
    ):
        with pytest.raises(ConnectionClosed) as info:
            c.recv(timeout=5)
        assert info.value.rcvd is not None
        assert info.value.rcvd.code == 1013
        assert info.value.rcvd.reason == "too many websocket connections"
        assert ws_call(a, req("add", [1, 1]))["result"] == 2
        b.close()
        time.sleep(0.2)
        with connect(srv.ws_url, proxy=None) as d:  # a slot is free again
            assert ws_call(d, req("add", [2, 2]))["result"] == 4
    reg.close()


# ------------------------------------------------------------------- serving


def test_graceful_shutdown_closes_websockets_with_1012() -> None:
    reg = make_registry()
    with ServerThread(build_app(reg)) as srv, connect(srv.ws_url, proxy=None) as ws:
        assert ws_call(ws, req("add", [1, 1]))["result"] == 2
        srv.stop()
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=5)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1012
    reg.close()


def test_bind_error_raises_oserror() -> None:
    reg = make_registry()
    with ServerThread(build_app(reg)) as srv:
        other = RpcServer(build_app(reg), "127.0.0.1", srv.port)
        with pytest.raises(OSError):
            asyncio.run(other.start())
    reg.close()


def test_serve_sets_ready_and_stops_on_cancel() -> None:
    reg = make_registry()
    bus = EventBus()

    async def main() -> tuple[int, Any]:
        ready = asyncio.Event()
        server_app = build_app(reg, bus=bus)
        task = asyncio.create_task(serve(server_app, "127.0.0.1", 0, ready=ready))
        await asyncio.wait_for(ready.wait(), 10)
        port = server_app.state.rpc_port
        async with httpx.AsyncClient(trust_env=False) as c:
            r = await c.post(f"http://127.0.0.1:{port}/", content=json.dumps(req("add", [4, 4])))
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return port, r.json()

    port, resp = asyncio.run(main())
    assert resp["result"] == 8
    reg.close()


# ------------------------------------------------------------ bus, codec, misc


def test_bus_delivers_on_the_loop_from_other_threads_in_order() -> None:
    bus = EventBus()
    got: list[tuple[str, Any, bool]] = []
    loop = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=loop.run_forever, daemon=True)
    loop_thread.start()
    try:
        bus.bind(loop)

        def on(kind: str) -> Any:
            return lambda v: got.append((kind, v, threading.current_thread() is loop_thread))

        bus.subscribe("newHeads", on("head"))
        bus.subscribe("logs", on("log"), criteria=LogCriteria.parse({"address": "0x" + "ab" * 20}))
        bus.subscribe("newPendingTransactions", on("tx"))

        def broken(_: Any) -> None:
            raise RuntimeError("subscriber bug")

        bus.subscribe("newHeads", broken)  # must not starve the others

        def builder() -> None:
            for n in range(50):
                bus.publish_pending(hex(n))
                bus.publish_block(
                    header(n),
                    [make_log(n, 0, "0x" + "ab" * 20, []), make_log(n, 1, "0x" + "cd" * 20, [])],
                )

        t = threading.Thread(target=builder)
        t.start()
        t.join()
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result(5)
        assert all(on_loop for _, _, on_loop in got)
        expected: list[tuple[str, Any]] = []
        for n in range(50):
            expected += [
                ("tx", hex(n)),
                ("head", header(n)),
                ("log", make_log(n, 0, "0x" + "ab" * 20, [])),
            ]
        assert [(k, v) for k, v, _ in got] == expected
    finally:
        loop.call_soon_threadsafe(loop.stop)
        loop_thread.join(5)
        loop.close()


def test_publish_without_subscribers_schedules_nothing() -> None:
    bus = EventBus()

    class NoLoop:
        def call_soon_threadsafe(self, *a: Any) -> None:
            raise AssertionError("scheduled with nobody listening")

    bus.bind(NoLoop())  # type: ignore[arg-type]
    bus.publish_block(header(1), [make_log(1, 0, "0x" + "ab" * 20, [])])
    bus.publish_pending("0x01")


def test_codec() -> None:
    assert json_dumps({"a": [1, "b", None, True]}) == b'{"a":[1,"b",null,true]}'
    assert json_dumps(2**80) == str(2**80).encode()  # beyond orjson's 64 bits
    assert json_loads(b'{"n": 123456789012345678901234567890}') == {
        "n": 123456789012345678901234567890
    }
    for bad in (b"NaN", b"[Infinity]", b"1e400", b"\xff"):
        with pytest.raises(ValueError):
            json_loads(bad)
