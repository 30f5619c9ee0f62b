"""Polling filters (eth_newFilter & co.) and log criteria, with geth's semantics.

A small fake chain provides ``head()`` and ``get_logs()``; the clock is injected
so expiry is tested without waiting five minutes.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from seqguard.errors import RpcError
from seqguard.rpc import filters as filters_mod
from seqguard.rpc import subscriptions
from seqguard.rpc.filters import FilterManager
from seqguard.rpc.server import build_app
from seqguard.rpc.subscriptions import EventBus, LogCriteria
from test_rpc_transport import ServerThread, header, make_log, make_registry, wait_for

A1, A2 = "0x" + "a1" * 20, "0x" + "a2" * 20
T = ["0x" + f"{i:064x}" for i in range(1, 5)]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Chain:
    """Blocks of logs; get_logs resolves tags the way the node will."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.blocks: dict[int, list[dict[str, Any]]] = {0: []}
        self.fail_next = False
        self.queries: list[dict[str, Any]] = []

    def head(self) -> int:
        return max(self.blocks)

    def seal(self, *logs: tuple[str, list[str]]) -> int:
        n = self.head() + 1
        self.blocks[n] = [make_log(n, i, addr, topics) for i, (addr, topics) in enumerate(logs)]
        self.bus.publish_block(header(n), self.blocks[n])
        return n

    def _resolve(self, ref: int | str | None) -> int:
        if ref is None or ref in ("latest", "pending", "safe", "finalized"):
            return self.head()
        return 0 if ref == "earliest" else int(ref)

    def get_logs(self, criteria: dict[str, Any]) -> list[dict[str, Any]]:
        self.queries.append(criteria)
        if self.fail_next:
            self.fail_next = False
            raise RpcError(-32000, "backend busy")
        crit = LogCriteria.parse(criteria)
        if crit.block_hash is not None:
            numbers = [n for n in self.blocks if header(n)["hash"] == crit.block_hash]
        else:
            numbers = list(range(self._resolve(crit.from_block), self._resolve(crit.to_block) + 1))
        return [entry for n in numbers for entry in self.blocks.get(n, []) if crit.matches(entry)]


@pytest.fixture
def setup() -> tuple[FilterManager, Chain, Clock, EventBus]:
    bus = EventBus()  # no loop bound: events are delivered synchronously
    chain = Chain(bus)
    clock = Clock()
    fm = FilterManager(bus, get_logs=chain.get_logs, head=chain.head, clock=clock)
    return fm, chain, clock, bus


def not_found(fn: Any, *args: Any) -> None:
    with pytest.raises(RpcError) as info:
        fn(*args)
    assert (info.value.code, info.value.message) == (-32000, "filter not found")


# -------------------------------------------------------------------- filters


def test_block_filter(setup: Any) -> None:
    fm, chain, _, _ = setup
    chain.seal()  # before install: not reported
    fid = fm.new_block_filter()
    assert fid.startswith("0x")
    assert fm.changes(fid) == []
    n1, n2 = chain.seal(), chain.seal()
    assert fm.changes(fid) == [header(n1)["hash"], header(n2)["hash"]]
    assert fm.changes(fid) == []
    not_found(fm.logs, fid)  # eth_getFilterLogs is for log filters only


def test_pending_filter_hashes_and_full(setup: Any) -> None:
    fm, _, _, bus = setup
    hashes, full = fm.new_pending_filter(), fm.new_pending_filter(full_tx=True)
    tx = {"hash": "0x" + "aa" * 32, "nonce": "0x1"}
    bus.publish_pending(tx["hash"], tx)
    bus.publish_pending("0x" + "bb" * 32)
    assert fm.changes(hashes) == [tx["hash"], "0x" + "bb" * 32]
    assert fm.changes(full) == [tx, "0x" + "bb" * 32]
    assert fm.changes(hashes) == []


def test_log_filter_reports_blocks_sealed_since_last_poll(setup: Any) -> None:
    fm, chain, _, _ = setup
    chain.seal((A1, [T[0]]))  # before install
    fid = fm.new_log_filter({"fromBlock": "earliest", "address": A1, "topics": [[T[0], T[1]]]})
    assert fm.changes(fid) == []
    b2 = chain.seal((A1, [T[0]]), (A2, [T[0]]), (A1, [T[2]]))
    b3 = chain.seal((A1, [T[1], T[3]]))
    got = fm.changes(fid)
    assert [(int(x["blockNumber"], 16), int(x["logIndex"], 16)) for x in got] == [(b2, 0), (b3, 0)]
    assert fm.changes(fid) == []
    b4 = chain.seal((A1, [T[0]]))
    assert [int(x["blockNumber"], 16) for x in fm.changes(fid)] == [b4]
    # the node is asked for exactly the new range, with the filter's criteria
    assert chain.queries[-1] == {
        "fromBlock": hex(b4),
        "toBlock": hex(b4),
        "address": [A1],
        "topics": [sorted([T[0], T[1]])],
    }
    # eth_getFilterLogs: everything matching, history included
    assert [int(x["blockNumber"], 16) for x in fm.logs(fid)] == [1, b2, b3, b4]


def test_log_filter_respects_numeric_range_and_block_hash(setup: Any) -> None:
    fm, chain, _, _ = setup
    bounded = fm.new_log_filter({"fromBlock": "0x2", "toBlock": "0x3"})
    by_hash = fm.new_log_filter({"blockHash": header(1)["hash"]})
    for _ in range(5):
        chain.seal((A1, []))
    assert [int(x["blockNumber"], 16) for x in fm.changes(bounded)] == [2, 3]
    assert fm.changes(bounded) == []
    assert fm.changes(by_hash) == []  # a sealed block's logs never change
    assert [int(x["blockNumber"], 16) for x in fm.logs(by_hash)] == [1]


def test_failed_get_logs_is_retried_on_next_poll(setup: Any) -> None:
    fm, chain, _, _ = setup
    fid = fm.new_log_filter({})
    chain.seal((A1, []))
    chain.fail_next = True
    with pytest.raises(RpcError, match="backend busy"):
        fm.changes(fid)
    assert len(fm.changes(fid)) == 1


def test_uninstall_and_unknown_ids(setup: Any) -> None:
    fm, _, _, bus = setup
    fid = fm.new_block_filter()
    assert bus.subscriber_count("newHeads") == 1  # subscribed only while needed
    assert fm.uninstall(fid) is True
    assert fm.uninstall(fid) is False
    assert bus.subscriber_count("newHeads") == 0
    not_found(fm.changes, fid)
    not_found(fm.changes, "0xdeadbeef")
    not_found(fm.logs, "0xdeadbeef")


def test_filters_expire_when_not_polled(setup: Any) -> None:
    fm, chain, clock, bus = setup
    polled, idle = fm.new_block_filter(), fm.new_log_filter({})
    for _ in range(3):  # polling resets the deadline
        clock.now += 200
        assert fm.changes(polled) == []
    not_found(fm.changes, idle)  # 600 s without a poll
    clock.now += 299
    chain.seal()
    assert len(fm.changes(polled)) == 1
    clock.now += 301
    assert fm.sweep() == 1
    not_found(fm.changes, polled)
    assert len(fm) == 0 and bus.subscriber_count() == 0


def test_buffers_are_bounded(setup: Any) -> None:
    _, chain, clock, bus = setup
    fm = FilterManager(
        bus, get_logs=chain.get_logs, head=chain.head, clock=clock, max_buffered=3, max_filters=2
    )
    fid = fm.new_pending_filter()
    for i in range(10):
        bus.publish_pending(hex(i))
    assert fm.changes(fid) == ["0x7", "0x8", "0x9"]  # the oldest are dropped
    fm.new_block_filter()
    with pytest.raises(RpcError, match="too many filters"):
        fm.new_block_filter()


@pytest.mark.parametrize(
    "criteria, message",
    [
        (
            {"address": "0x12"},
            "invalid argument 0: invalid address: hex has invalid length 1 after decoding; expected 20 for address",
        ),
        ({"address": ["0x" + "00" * 20, 5]}, "invalid argument 0: non-string address at index 1"),
        (
            {"address": ["zz"]},
            "invalid argument 0: invalid address at index 0: hex string without 0x prefix",
        ),
        ({"address": 5}, "invalid argument 0: invalid addresses in query"),
        ({"topics": [None] * 5}, "invalid argument 0: exceed max topics"),
        ({"topics": [5]}, "invalid argument 0: invalid topic(s)"),
        ({"topics": [[T[0], 5]]}, "invalid argument 0: invalid topic(s)"),
        ({"topics": ["0x1"]}, "invalid argument 0: hex string of odd length"),
        (
            {"topics": ["0x01"]},
            "invalid argument 0: hex has invalid length 1 after decoding; expected 32 for topic",
        ),
        (
            {"blockHash": "0x" + "00" * 32, "fromBlock": "0x1"},
            "invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other",
        ),
        ({"fromBlock": "0x01"}, "invalid argument 0: hex number with leading zero digits"),
        ({"fromBlock": 5}, "invalid argument 0: invalid block number"),
        ({"toBlock": "yesterday"}, "invalid argument 0: hex string without 0x prefix"),
        ("latest", "invalid argument 0: filter criteria must be an object"),
    ],
)
def test_criteria_errors(setup: Any, criteria: Any, message: str) -> None:
    fm = setup[0]
    with pytest.raises(RpcError) as info:
        fm.new_log_filter(criteria)
    assert (info.value.code, info.value.message) == (-32602, message)


def test_filter_range_errors(setup: Any) -> None:
    fm = setup[0]
    for crit, msg in (
        ({"fromBlock": "0x5", "toBlock": "0x2"}, "invalid block range params"),
        ({"fromBlock": "pending"}, "pending logs are not supported"),
    ):
        with pytest.raises(RpcError) as info:
            fm.new_log_filter(crit)
        assert (info.value.code, info.value.message) == (-32000, msg)


def test_criteria_matching_is_gethlike() -> None:
    log = make_log(5, 0, A1, [T[0], T[1]])
    ok = [
        {},
        {"address": A1.upper().replace("0X", "0x")},
        {"address": [A2, A1]},
        {"topics": [T[0]]},
        {"topics": [None, T[1]]},
        {"topics": [[T[2], T[0]], []]},
        {"topics": [[T[2], None]]},  # a null alternative is a wildcard
        {"fromBlock": "0x5", "toBlock": "latest"},
    ]
    no = [
        {"address": A2},
        {"topics": [T[1]]},
        {"topics": [None, None, None]},  # more positions than the log has topics
        {"fromBlock": "0x6"},
        {"toBlock": "0x4"},
    ]
    for crit in ok:
        assert LogCriteria.parse(crit).matches(log), crit
    for crit in no:
        assert not LogCriteria.parse(crit).matches(log), crit
    c = LogCriteria.parse(
        {"address": A1, "topics": [T[0], None], "fromBlock": "earliest", "toBlock": "0x10"}
    )
    assert LogCriteria.parse(c.to_json()) == c


# ------------------------------------------------------------ over JSON-RPC


def test_filter_methods_over_http() -> None:
    bus = EventBus()
    chain = Chain(bus)
    fm = FilterManager(bus, get_logs=chain.get_logs, head=chain.head)
    reg = make_registry()
    subscriptions.register_methods(reg, bus)
    filters_mod.register_methods(reg, fm)
    with (
        ServerThread(build_app(reg, bus=bus, filters=fm)) as srv,
        httpx.Client(trust_env=False) as http,
    ):

        def call(method: str, *params: Any) -> dict[str, Any]:
            body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
            return http.post(srv.url, content=json.dumps(body)).json()

        blocks = call("eth_newBlockFilter")["result"]
        pending = call("eth_newPendingTransactionFilter")["result"]
        logs = call("eth_newFilter", {"address": [A1]})["result"]
        assert len({blocks, pending, logs}) == 3

        chain.seal(
            (A1, [T[0]]), (A2, [])
        )  # published from this thread, delivered on the server loop
        bus.publish_pending("0x" + "cc" * 32)
        wait_for(lambda: call("eth_getFilterChanges", pending)["result"] == ["0x" + "cc" * 32])
        assert call("eth_getFilterChanges", blocks)["result"] == [header(1)["hash"]]
        got = call("eth_getFilterChanges", logs)["result"]
        assert [(x["address"], x["logIndex"]) for x in got] == [(A1, "0x0")]
        assert call("eth_getFilterLogs", logs)["result"] == got
        assert call("eth_uninstallFilter", blocks)["result"] is True
        assert call("eth_uninstallFilter", blocks)["result"] is False
        assert call("eth_getFilterChanges", blocks)["error"] == {
            "code": -32000,
            "message": "filter not found",
        }
        assert call("eth_getFilterChanges")["error"] == {
            "code": -32602,
            "message": "missing value for required argument 0",
        }
        assert call("eth_newFilter", {"topics": [1]})["error"]["code"] == -32602
        assert call("eth_newBlockFilter", 1)["error"] == {
            "code": -32602,
            "message": "too many arguments, want at most 0",
        }
        metrics = http.get(srv.url + "metrics").text
        assert REGISTRY.get_sample_value("seqguard_rpc_filters", {"kind": "logs"}) is not None
        assert 'seqguard_rpc_filters{kind="pending"}' in metrics
    reg.close()
