"""The event bus: sealed blocks, their logs and new pending transactions, fanned
out to ``eth_subscribe`` clients and to in-process consumers.

The block builder lives in its own thread. It calls :meth:`EventBus.publish_block`
and :meth:`EventBus.publish_pending`, which only hand the event to the asyncio
loop (``call_soon_threadsafe``) and return: no client, however slow, can hold
up block production. On the loop each subscriber gets the event; a WebSocket
subscriber queues the notification on its connection, and a connection whose
queue overflows is dropped (as geth does), never waited for.

Also here: :class:`LogCriteria`, the ``{address, topics, fromBlock, toBlock,
blockHash}`` filter object with geth's parsing errors and matching rules, shared
by ``logs`` subscriptions, log filters and ``eth_getLogs``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from seqguard import metrics
from seqguard.errors import METHOD_NOT_FOUND, SERVER_ERROR, InvalidParams, RpcError
from seqguard.rpc.registry import RpcContext, json_dumps

if TYPE_CHECKING:
    from seqguard.rpc.registry import MethodRegistry

log = logging.getLogger("seqguard.rpc.subscriptions")

Kind = Literal["newHeads", "logs", "newPendingTransactions", "syncing", "seqguard_inspections"]
#: ``seqguard_inspections`` is ours: one notification per block built, listing the
#: transactions inspected (allowed, quarantined or rejected), for the dashboard's feed
KINDS: tuple[str, ...] = (
    "newHeads",
    "logs",
    "newPendingTransactions",
    "syncing",
    "seqguard_inspections",
)

MAX_FEED_LINES = 200

BLOCK_TAGS = frozenset({"earliest", "latest", "pending", "safe", "finalized"})
MAX_TOPICS = 4  # LOG0..LOG4


def new_id() -> str:
    """A random 16-byte id as an RPC quantity, exactly like geth's ``rpc.NewID``."""
    return "0x" + (secrets.token_bytes(16).hex().lstrip("0") or "0")


# ----------------------------------------------------------------- criteria


def _decode_hex(s: str) -> bytes:
    # geth's hexutil.Decode error strings
    if not s:
        raise ValueError("empty hex string")
    if not s.startswith(("0x", "0X")):
        raise ValueError("hex string without 0x prefix")
    if len(s) % 2:
        raise ValueError("hex string of odd length")
    try:
        return bytes.fromhex(s[2:])
    except ValueError:
        raise ValueError("invalid hex string") from None


def _fixed_hex(s: str, size: int, what: str) -> str:
    b = _decode_hex(s)
    if len(b) != size:
        raise ValueError(
            f"hex has invalid length {len(b)} after decoding; expected {size} for {what}"
        )
    return "0x" + b.hex()


def parse_block_ref(value: Any) -> int | str:
    """A block number (int) or one of geth's tags (str). Raises ValueError."""
    if isinstance(value, str):
        if value in BLOCK_TAGS:
            return value
        if not value.startswith(("0x", "0X")):
            raise ValueError("hex string without 0x prefix")
        digits = value[2:]
        if not digits:
            raise ValueError('hex string "0x"')
        if len(digits) > 1 and digits[0] == "0":
            raise ValueError("hex number with leading zero digits")
        if len(digits) > 16:
            raise ValueError("hex number > 64 bits")
        try:
            return int(digits, 16)
        except ValueError:
            raise ValueError("invalid hex string") from None
    raise ValueError("invalid block number")


@dataclass(frozen=True, slots=True)
class LogCriteria:
    """Parsed log filter criteria (``eth_getLogs``, ``eth_newFilter``,
    ``eth_subscribe("logs")``).

    ``addresses`` and topic hashes are lower-case ``0x`` hex. An empty
    ``addresses`` matches any address; a ``None`` (or empty) topic position
    matches anything there. ``from_block``/``to_block`` are ints or tags, or
    None when absent; the node resolves tags.
    """

    addresses: frozenset[str] = frozenset()
    topics: tuple[frozenset[str] | None, ...] = ()
    from_block: int | str | None = None
    to_block: int | str | None = None
    block_hash: str | None = None

    @classmethod
    def parse(cls, obj: Any, *, arg_index: int = 0) -> LogCriteria:
        """Parse a criteria object with geth's rules and messages.

        Raises :class:`InvalidParams` (``invalid argument N: ...``).
        """
        try:
            return cls._parse(obj)
        except ValueError as exc:
            raise InvalidParams(f"invalid argument {arg_index}: {exc}") from None

    @classmethod
    def _parse(cls, obj: Any) -> LogCriteria:
        if obj is None:
            return cls()
        if not isinstance(obj, dict):
            raise ValueError("filter criteria must be an object")
        block_hash = None
        from_block = to_block = None
        if obj.get("blockHash") is not None:
            if obj.get("fromBlock") is not None or obj.get("toBlock") is not None:
                raise ValueError(
                    "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other"
                )
            raw = obj["blockHash"]
            if not isinstance(raw, str):
                raise ValueError("invalid block hash")
            block_hash = _fixed_hex(raw, 32, "common.Hash")
        else:
            if obj.get("fromBlock") is not None:
                from_block = parse_block_ref(obj["fromBlock"])
            if obj.get("toBlock") is not None:
                to_block = parse_block_ref(obj["toBlock"])

        addresses: set[str] = set()
        raw_addr = obj.get("address")
        if isinstance(raw_addr, list):
            for i, a in enumerate(raw_addr):
                if not isinstance(a, str):
                    raise ValueError(f"non-string address at index {i}")
                try:
                    addresses.add(_fixed_hex(a, 20, "address"))
                except ValueError as exc:
                    raise ValueError(f"invalid address at index {i}: {exc}") from None
        elif isinstance(raw_addr, str):
            try:
                addresses.add(_fixed_hex(raw_addr, 20, "address"))
            except ValueError as exc:
                raise ValueError(f"invalid address: {exc}") from None
        elif raw_addr is not None:
            raise ValueError("invalid addresses in query")

        raw_topics = obj.get("topics")
        topics: list[frozenset[str] | None] = []
        if raw_topics is not None:
            if not isinstance(raw_topics, list):
                raise ValueError("invalid topic(s)")
            if len(raw_topics) > MAX_TOPICS:
                raise ValueError("exceed max topics")
            for t in raw_topics:
                if t is None:
                    topics.append(None)
                elif isinstance(t, str):
                    topics.append(frozenset((_fixed_hex(t, 32, "topic"),)))
                elif isinstance(t, list):
                    alts: set[str] | None = set()
                    for alt in t:
                        if alt is None:  # a null alternative makes the position a wildcard
                            alts = None
                            break
                        if not isinstance(alt, str):
                            raise ValueError("invalid topic(s)")
                        alts.add(_fixed_hex(alt, 32, "topic"))
                    topics.append(frozenset(alts) if alts else None)
                else:
                    raise ValueError("invalid topic(s)")
        return cls(frozenset(addresses), tuple(topics), from_block, to_block, block_hash)

    def matches(self, log: dict[str, Any]) -> bool:
        """geth's ``filterLogs`` for one log: address, topics and numeric range."""
        if self.addresses and str(log.get("address", "")).lower() not in self.addresses:
            return False
        if self.topics:
            log_topics = log.get("topics") or ()
            # more topic positions than the log has never matches, even trailing nulls
            if len(self.topics) > len(log_topics):
                return False
            for want, got in zip(self.topics, log_topics, strict=False):
                if want and str(got).lower() not in want:
                    return False
        if isinstance(self.from_block, int) or isinstance(self.to_block, int):
            try:
                n = int(log["blockNumber"], 16)
            except (KeyError, TypeError, ValueError):
                return True
            if isinstance(self.from_block, int) and n < self.from_block:
                return False
            if isinstance(self.to_block, int) and n > self.to_block:
                return False
        return True

    def to_json(self) -> dict[str, Any]:
        """Back to the wire form (tags kept), e.g. to hand to ``get_logs``."""
        out: dict[str, Any] = {}
        if self.block_hash is not None:
            out["blockHash"] = self.block_hash
        for key, ref in (("fromBlock", self.from_block), ("toBlock", self.to_block)):
            if ref is not None:
                out[key] = ref if isinstance(ref, str) else hex(ref)
        if self.addresses:
            out["address"] = sorted(self.addresses)
        if self.topics:
            out["topics"] = [None if t is None else sorted(t) for t in self.topics]
        return out


# --------------------------------------------------------------------- bus


class _Payload:
    """One event value; its JSON is encoded at most once, however many clients."""

    __slots__ = ("value", "_json")

    def __init__(self, value: Any) -> None:
        self.value = value
        self._json: bytes | None = None

    def json(self) -> bytes:
        if self._json is None:
            self._json = json_dumps(self.value)
        return self._json


class Subscription:
    """A handle on one bus subscriber; pass it to :meth:`EventBus.unsubscribe`."""

    __slots__ = ("kind", "criteria", "full_tx", "_deliver")

    def __init__(
        self,
        kind: str,
        deliver: Callable[[_Payload], None],
        criteria: LogCriteria | None,
        full_tx: bool,
    ) -> None:
        self.kind = kind
        self.criteria = criteria
        self.full_tx = full_tx
        self._deliver = deliver


class EventBus:
    """Thread-safe fan-out of chain events.

    Publishers may be on any thread. Subscriber callbacks run on the loop given
    to :meth:`bind` (the RPC server's); before a loop is bound (or after
    :meth:`unbind`) they run synchronously in the publisher's thread, which keeps
    tests and tools simple.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # copy-on-write tuples: dispatch reads them without the lock
        self._subs: dict[str, tuple[Subscription, ...]] = {k: () for k in KINDS}
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- wiring
    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver events on ``loop`` from now on."""
        self._loop = loop

    def unbind(self) -> None:
        self._loop = None

    # -- subscribing
    def subscribe(
        self,
        kind: str,
        callback: Callable[[Any], None],
        *,
        criteria: LogCriteria | None = None,
        full_tx: bool = False,
    ) -> Subscription:
        """Call ``callback`` for each event of ``kind``.

        ``newHeads``: the header dict. ``logs``: each log dict matching
        ``criteria`` (all logs when None). ``newPendingTransactions``: the tx hash,
        or the tx object when ``full_tx`` and the publisher supplied one.
        Callbacks must be quick and must not raise (errors are logged).
        """
        return self._add(kind, lambda p: callback(p.value), criteria, full_tx)

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs[sub.kind] = tuple(s for s in self._subs[sub.kind] if s is not sub)

    def subscriber_count(self, kind: str | None = None) -> int:
        if kind is not None:
            return len(self._subs.get(kind, ()))
        return sum(len(v) for v in self._subs.values())

    def _add(
        self,
        kind: str,
        deliver: Callable[[_Payload], None],
        criteria: LogCriteria | None,
        full_tx: bool,
    ) -> Subscription:
        if kind not in self._subs:
            raise ValueError(f"unknown event kind {kind!r}")
        sub = Subscription(kind, deliver, criteria, full_tx)
        with self._lock:
            self._subs[kind] = (*self._subs[kind], sub)
        return sub

    # -- publishing (any thread)
    def publish_block(self, header: dict[str, Any], logs: list[dict[str, Any]]) -> None:
        """A block was sealed. ``header`` is the block JSON without transactions;
        ``logs`` are its logs as geth formats them. Never blocks."""
        if self._subs["newHeads"] or (logs and self._subs["logs"]):
            self._schedule(self._dispatch_block, header, logs)

    def publish_pending(self, tx_hash: str, tx: dict[str, Any] | None = None) -> None:
        """A transaction entered the pool. ``tx`` (optional) is its JSON object, for
        subscribers that asked for full transactions. Never blocks."""
        if self._subs["newPendingTransactions"]:
            self._schedule(self._dispatch_pending, tx_hash, tx)

    def publish_inspections(self, count: int, lines: list[dict[str, Any]]) -> None:
        """``count`` transactions were judged while building a block; ``lines`` are the
        last of them as ``activity`` feed lines.

        Subscribers get ``{"count": n, "inspections": [...]}`` with at most the last
        ``MAX_FEED_LINES`` of them: a feed, not a full record of a 10,000-tx block."""
        if self._subs["seqguard_inspections"]:
            value = {"count": count, "inspections": lines[-MAX_FEED_LINES:]}
            self._schedule(self._dispatch_simple, "seqguard_inspections", value)

    def _dispatch_simple(self, kind: str, value: Any) -> None:
        payload = _Payload(value)
        for sub in self._subs[kind]:
            self._deliver(sub, payload)

    def _schedule(self, fn: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is None:
            fn(*args)
            return
        # RuntimeError: the loop is closed, the server is gone and nobody listens
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(fn, *args)

    # -- dispatch (loop thread)
    def _dispatch_block(self, header: dict[str, Any], logs: list[dict[str, Any]]) -> None:
        heads = self._subs["newHeads"]
        if heads:
            payload = _Payload(header)
            for sub in heads:
                self._deliver(sub, payload)
        log_subs = self._subs["logs"]
        if log_subs and logs:
            payloads = [_Payload(entry) for entry in logs]
            for sub in log_subs:
                crit = sub.criteria
                for p in payloads:
                    if crit is None or crit.matches(p.value):
                        self._deliver(sub, p)

    def _dispatch_pending(self, tx_hash: str, tx: dict[str, Any] | None) -> None:
        hash_payload = _Payload(tx_hash)
        tx_payload = _Payload(tx) if tx is not None else hash_payload
        for sub in self._subs["newPendingTransactions"]:
            self._deliver(sub, tx_payload if sub.full_tx else hash_payload)

    @staticmethod
    def _deliver(sub: Subscription, payload: _Payload) -> None:
        try:
            sub._deliver(payload)
        except Exception:  # one broken subscriber must not starve the others
            log.exception("event subscriber (%s) failed", sub.kind)


# ------------------------------------------------------------ eth_subscribe


_NOTIFY_HEAD = b'{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"'


class _WsSubscription:
    """Binds one bus subscription to one WebSocket connection.

    Notifications are held back until the eth_subscribe response has been queued
    (``activate``), so the client always learns the id before seeing it used.
    """

    __slots__ = ("id", "conn", "prefix", "active", "held", "bus_sub")

    def __init__(self, sub_id: str, conn: Any) -> None:
        self.id = sub_id
        self.conn = conn
        self.prefix = _NOTIFY_HEAD + sub_id.encode() + b'","result":'
        self.active = False
        self.held: list[bytes] = []
        self.bus_sub: Subscription | None = None

    def deliver(self, payload: _Payload) -> None:
        if self.conn.closed:
            return
        message = self.prefix + payload.json() + b"}}"
        if self.active:
            self.conn.push(message)
        else:
            self.held.append(message)

    def activate(self) -> None:
        self.active = True
        held, self.held = self.held, []
        for message in held:
            self.conn.push(message)


def register_methods(registry: MethodRegistry, bus: EventBus) -> None:
    """Register ``eth_subscribe`` and ``eth_unsubscribe`` (WebSocket only)."""

    def eth_subscribe(params: list[Any], ctx: RpcContext) -> str:
        conn = ctx.connection
        if conn is None:
            raise RpcError(METHOD_NOT_FOUND, "notifications not supported")
        if not params or not isinstance(params[0], str):
            raise InvalidParams("expected subscription name as first argument")
        kind, args = params[0], params[1:]
        criteria: LogCriteria | None = None
        full_tx = False
        if kind == "logs":
            if len(args) > 1:
                raise InvalidParams("too many arguments, want at most 1")
            criteria = LogCriteria.parse(args[0] if args else None, arg_index=0)
            if "pending" in (criteria.from_block, criteria.to_block):
                raise RpcError(SERVER_ERROR, "pending logs are not supported")
        elif kind == "newPendingTransactions":
            if len(args) > 1:
                raise InvalidParams("too many arguments, want at most 1")
            if args and args[0] is not None:
                if not isinstance(args[0], bool):
                    raise InvalidParams("invalid argument 0: expected a boolean")
                full_tx = args[0]
        elif kind in ("newHeads", "syncing", "seqguard_inspections"):
            if args:
                raise InvalidParams("too many arguments, want at most 0")
        else:
            raise RpcError(METHOD_NOT_FOUND, f'no "{kind}" subscription in eth namespace')

        ws_sub = _WsSubscription(new_id(), conn)
        if kind != "syncing":  # a sequencer is never syncing: nothing to send
            ws_sub.bus_sub = bus._add(kind, ws_sub.deliver, criteria, full_tx)
        gauge = metrics.WS_SUBSCRIPTIONS.labels(kind)
        gauge.inc()

        def cancel() -> None:
            if ws_sub.bus_sub is not None:
                bus.unsubscribe(ws_sub.bus_sub)
            gauge.dec()

        conn.subscriptions[ws_sub.id] = cancel
        ctx.after_response(ws_sub.activate)
        return ws_sub.id

    def eth_unsubscribe(params: list[Any], ctx: RpcContext) -> bool:
        if not params or not isinstance(params[0], str):
            raise InvalidParams("missing value for required argument 0")
        if len(params) > 1:
            raise InvalidParams("too many arguments, want at most 1")
        conn = ctx.connection
        cancel = conn.subscriptions.pop(params[0], None) if conn is not None else None
        if cancel is None:
            raise RpcError(SERVER_ERROR, "subscription not found")
        cancel()
        return True

    # inline: they touch the bus and the connection, which belong to the loop
    registry.register("eth_subscribe", eth_subscribe, inline=True)
    registry.register("eth_unsubscribe", eth_unsubscribe, inline=True)
