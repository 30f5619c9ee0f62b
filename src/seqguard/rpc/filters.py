"""Polling filters: eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter,
eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter, as geth answers them.

Block and pending-transaction filters collect hashes from the :class:`EventBus`.
A log filter keeps a cursor (the head when it was last polled) and asks the
node's ``get_logs`` for the blocks sealed since, so a filter never buffers logs
nobody reads. A filter not polled for ``timeout`` seconds (geth: 5 minutes) is
removed; afterwards its id answers ``filter not found``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seqguard import metrics
from seqguard.errors import SERVER_ERROR, InvalidParams, RpcError
from seqguard.rpc.registry import RpcContext, expect_params
from seqguard.rpc.subscriptions import EventBus, LogCriteria, Subscription, new_id

if TYPE_CHECKING:
    from seqguard.rpc.registry import MethodRegistry

GetLogs = Callable[[dict[str, Any]], list[dict[str, Any]]]

LOGS, BLOCKS, PENDING = "logs", "blocks", "pending"

ERR_FILTER_NOT_FOUND = "filter not found"


@dataclass(slots=True, eq=False)
class _Filter:
    kind: str
    last_poll: float
    criteria: LogCriteria | None = None
    cursor: int = 0  # log filters: last block already reported
    full_tx: bool = False
    items: deque[Any] = field(default_factory=deque)


class FilterManager:
    """Installed filters, their buffers and their expiry.

    ``get_logs(criteria)`` takes criteria as eth_getLogs does (tags allowed) and
    raises ``RpcError`` on bad input; ``head()`` is the latest block number.
    ``clock`` is injectable for tests. Safe to use from any thread.
    """

    def __init__(
        self,
        bus: EventBus,
        *,
        get_logs: GetLogs,
        head: Callable[[], int],
        timeout: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        max_filters: int = 10_000,
        max_buffered: int = 10_000,
    ) -> None:
        self._bus = bus
        self._get_logs = get_logs
        self._head = head
        self.timeout = timeout
        self._clock = clock
        self._max_filters = max_filters
        self._max_buffered = max_buffered
        self._lock = threading.RLock()
        self._filters: dict[str, _Filter] = {}
        self._counts = {LOGS: 0, BLOCKS: 0, PENDING: 0}
        self._last_sweep = clock()
        # bus subscriptions exist only while a filter needs them, so an idle
        # node pays nothing per published event
        self._heads_sub: Subscription | None = None
        self._pending_sub: Subscription | None = None

    # ------------------------------------------------------------ install
    def new_log_filter(self, criteria: Any) -> str:
        """eth_newFilter. ``criteria`` is the raw JSON object."""
        crit = LogCriteria.parse(criteria, arg_index=0)
        if "pending" in (crit.from_block, crit.to_block):
            raise RpcError(SERVER_ERROR, "pending logs are not supported")
        if (
            isinstance(crit.from_block, int)
            and isinstance(crit.to_block, int)
            and crit.from_block > crit.to_block
        ):
            raise RpcError(SERVER_ERROR, "invalid block range params")
        # Changes start after the head at install time, whatever fromBlock says
        # (geth: "This method cannot be used to fetch logs that are already stored").
        return self._install(_Filter(LOGS, self._clock(), crit, cursor=self._head()))

    def new_block_filter(self) -> str:
        """eth_newBlockFilter: hashes of blocks sealed from now on."""
        return self._install(_Filter(BLOCKS, self._clock()))

    def new_pending_filter(self, full_tx: bool = False) -> str:
        """eth_newPendingTransactionFilter: hashes (or objects) of new pool txs."""
        return self._install(_Filter(PENDING, self._clock(), full_tx=full_tx))

    def _install(self, f: _Filter) -> str:
        with self._lock:
            self._sweep_locked(force=False)
            if len(self._filters) >= self._max_filters:
                raise RpcError(SERVER_ERROR, "too many filters")
            f.items = deque(maxlen=self._max_buffered)
            fid = new_id()
            self._filters[fid] = f
            self._counted(f.kind, +1)
            return fid

    # ------------------------------------------------------------ poll
    def changes(self, fid: str) -> list[Any]:
        """eth_getFilterChanges: what happened since the last poll."""
        with self._lock:
            f = self._get_locked(fid)
            f.last_poll = self._clock()
            if f.kind != LOGS:
                out = list(f.items)
                f.items.clear()
                return out
        return self._log_changes(f)

    def logs(self, fid: str) -> list[dict[str, Any]]:
        """eth_getFilterLogs: every log matching a log filter's criteria."""
        with self._lock:
            f = self._get_locked(fid)
            if f.kind != LOGS:
                raise RpcError(SERVER_ERROR, ERR_FILTER_NOT_FOUND)
            f.last_poll = self._clock()
        assert f.criteria is not None
        return self._get_logs(f.criteria.to_json())

    def uninstall(self, fid: str) -> bool:
        """eth_uninstallFilter: True if the filter existed."""
        with self._lock:
            self._sweep_locked(force=False)
            f = self._filters.pop(fid, None)
            if f is None:
                return False
            self._counted(f.kind, -1)
            return True

    def sweep(self) -> int:
        """Remove filters not polled within ``timeout``; returns how many."""
        with self._lock:
            return self._sweep_locked(force=True)

    def __len__(self) -> int:
        return len(self._filters)

    def close(self) -> None:
        """Drop every filter and the bus subscriptions."""
        with self._lock:
            for f in self._filters.values():
                self._counted(f.kind, -1)
            self._filters.clear()

    # ------------------------------------------------------------ internals
    def _get_locked(self, fid: Any) -> _Filter:
        self._sweep_locked(force=False)
        f = self._filters.get(fid) if isinstance(fid, str) else None
        if f is None:
            raise RpcError(SERVER_ERROR, ERR_FILTER_NOT_FOUND)
        return f

    def _log_changes(self, f: _Filter) -> list[dict[str, Any]]:
        crit = f.criteria
        assert crit is not None
        head = self._head()
        with self._lock:
            start = f.cursor + 1
            f.cursor = max(f.cursor, head)
        if crit.block_hash is not None:
            return []  # a sealed block's logs never change
        lo = max(start, crit.from_block) if isinstance(crit.from_block, int) else start
        hi = min(head, crit.to_block) if isinstance(crit.to_block, int) else head
        if lo > hi:
            return []
        query = crit.to_json()
        query["fromBlock"], query["toBlock"] = hex(lo), hex(hi)
        try:
            return self._get_logs(query)
        except BaseException:
            with self._lock:  # let the next poll retry the same range
                if f.cursor == max(start - 1, head):
                    f.cursor = start - 1
            raise

    def _sweep_locked(self, *, force: bool) -> int:
        now = self._clock()
        # at most once a second unless asked: sweeping is O(filters)
        if not force and now - self._last_sweep < 1.0:
            return 0
        self._last_sweep = now
        dead = [fid for fid, f in self._filters.items() if now - f.last_poll > self.timeout]
        for fid in dead:
            self._counted(self._filters.pop(fid).kind, -1)
        return len(dead)

    def _counted(self, kind: str, delta: int) -> None:
        # keeps the gauges and the lazily held bus subscriptions in step
        self._counts[kind] += delta
        metrics.FILTERS_INSTALLED.labels(kind).inc(delta)
        if kind == BLOCKS:
            if self._counts[BLOCKS] and self._heads_sub is None:
                self._heads_sub = self._bus.subscribe("newHeads", self._on_head)
            elif not self._counts[BLOCKS] and self._heads_sub is not None:
                self._bus.unsubscribe(self._heads_sub)
                self._heads_sub = None
        elif kind == PENDING:
            if self._counts[PENDING] and self._pending_sub is None:
                self._pending_sub = self._bus.subscribe(
                    "newPendingTransactions", self._on_pending, full_tx=True
                )
            elif not self._counts[PENDING] and self._pending_sub is not None:
                self._bus.unsubscribe(self._pending_sub)
                self._pending_sub = None

    def _on_head(self, header: dict[str, Any]) -> None:
        block_hash = header.get("hash")
        with self._lock:
            self._sweep_locked(force=False)
            for f in self._filters.values():
                if f.kind == BLOCKS:
                    f.items.append(block_hash)

    def _on_pending(self, value: Any) -> None:
        # value is the tx object when the publisher gave one, else the hash
        tx_hash = value.get("hash") if isinstance(value, dict) else value
        with self._lock:
            self._sweep_locked(force=False)
            for f in self._filters.values():
                if f.kind == PENDING:
                    f.items.append(value if f.full_tx else tx_hash)


def register_methods(registry: MethodRegistry, filters: FilterManager) -> None:
    """Register the six filter methods on ``registry``."""

    def _fid(params: list[Any]) -> str:
        (fid,) = expect_params(params, 1)
        if not isinstance(fid, str):
            raise InvalidParams("invalid argument 0: filter id must be a string")
        return fid

    def eth_new_filter(params: list[Any], ctx: RpcContext) -> str:
        (criteria,) = expect_params(params, 1)
        return filters.new_log_filter(criteria)

    def eth_new_block_filter(params: list[Any], ctx: RpcContext) -> str:
        expect_params(params, 0)
        return filters.new_block_filter()

    def eth_new_pending_filter(params: list[Any], ctx: RpcContext) -> str:
        (full_tx,) = expect_params(params, 0, 1)
        if full_tx is not None and not isinstance(full_tx, bool):
            raise InvalidParams("invalid argument 0: expected a boolean")
        return filters.new_pending_filter(bool(full_tx))

    def eth_get_filter_changes(params: list[Any], ctx: RpcContext) -> list[Any]:
        return filters.changes(_fid(params))

    def eth_get_filter_logs(params: list[Any], ctx: RpcContext) -> list[Any]:
        return filters.logs(_fid(params))

    def eth_uninstall_filter(params: list[Any], ctx: RpcContext) -> bool:
        return filters.uninstall(_fid(params))

    # the ones that call into the node (head, get_logs) go to the thread pool
    registry.register("eth_newFilter", eth_new_filter)
    registry.register("eth_newBlockFilter", eth_new_block_filter, inline=True)
    registry.register("eth_newPendingTransactionFilter", eth_new_pending_filter, inline=True)
    registry.register("eth_getFilterChanges", eth_get_filter_changes)
    registry.register("eth_getFilterLogs", eth_get_filter_logs)
    registry.register("eth_uninstallFilter", eth_uninstall_filter, inline=True)
