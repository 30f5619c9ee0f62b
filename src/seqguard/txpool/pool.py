"""The transaction pool: pending and queued transactions per sender.

For each sender the pool holds transactions by nonce. Those with contiguous
nonces starting at the sender's state nonce are *pending* (executable now);
the rest wait behind a nonce gap and are *queued*. The rules follow geth's
legacy pool (same error strings, same 10% replacement bump on both fee fields)
with simpler, hard limits:

- ``account_slots`` transactions per sender (pending + queued),
- ``global_slots`` pending and ``global_queue`` queued transactions overall.

When a limit is reached a new transaction may evict the cheapest one of
another sender, but only from the tail (highest nonce) of that sender's list,
so eviction never opens a nonce gap in anyone's pending run.

Validation against the chain (signature, chain id, intrinsic gas, ...) belongs
to ingress; the pool checks only what depends on its own content and on the
sender's nonce and balance. Ordering is pluggable (``seqguard.txpool.ordering``);
maintenance after a block is ``on_block``.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from seqguard.abc import Ordering, StateReader
from seqguard.errors import (
    AccountLimit,
    AlreadyKnown,
    InsufficientFunds,
    NonceTooLow,
    PoolOverflow,
    ReplaceUnderpriced,
    Underpriced,
)
from seqguard.types import Tx

if TYPE_CHECKING:
    from seqguard.txpool.journal import Journal

log = logging.getLogger(__name__)

# (tip cap, fee cap, -arrival seq, hash): the heap's smallest entry is the
# cheapest transaction, the newest one among equals.
_PriceEntry = tuple[int, int, int, bytes]


@dataclass
class PoolConfig:
    """Pool limits and prices (defaults as geth where geth has one)."""

    price_bump: int = 10  # percent both fee fields must rise to replace a transaction
    account_slots: int = 1024  # transactions per sender, pending + queued
    global_slots: int = 20000  # pending transactions overall
    global_queue: int = 5000  # queued transactions overall
    lifetime: float = 3 * 3600  # seconds a queued transaction may wait
    min_tip: int = 0  # minimum max_priority_fee_per_gas (legacy: gas price)


class _Account:
    """One sender's transactions; ``txs[nonce .. nonce+pending-1]`` are pending."""

    __slots__ = ("txs", "nonce", "pending")

    def __init__(self, nonce: int) -> None:
        self.txs: dict[int, Tx] = {}
        self.nonce = nonce  # the state nonce the partition is based on
        self.pending = 0

    def is_pending(self, nonce: int) -> bool:
        return self.nonce <= nonce < self.nonce + self.pending

    def pending_tail(self) -> Tx:
        return self.txs[self.nonce + self.pending - 1]

    def queued_tail(self) -> Tx:
        return self.txs[max(self.txs)]


class _Desc:
    """Reverses the order of a non-numeric priority key, for a min-heap."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.key < self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and bool(self.key == other.key)

    __hash__ = None  # type: ignore[assignment]


def _desc(key: Any) -> Any:
    return -key if isinstance(key, int) else _Desc(key)


class BestTransactionsIter:
    """Executable transactions, best first, in nonce order per sender.

    Built from a snapshot of the pending lists, so other threads may keep
    adding transactions while the block builder iterates. A sender's next
    transaction becomes a candidate only once its previous one was yielded; a
    transaction that cannot pay ``base_fee`` is not yielded and holds back the
    rest of its sender's list.
    """

    def __init__(
        self, lanes: list[list[tuple[Tx, int]]], ordering: Ordering, base_fee: int
    ) -> None:
        self._lanes = lanes  # per sender: (tx, arrival seq) in nonce order
        self._pos = [0] * len(lanes)
        self._ordering = ordering
        self._base_fee = base_fee
        self._invalid: set[bytes] = set()
        self._heap: list[tuple[Any, int, int]] = []
        for i in range(len(lanes)):
            self._push(i)

    def _push(self, lane: int) -> None:
        pos = self._pos[lane]
        txs = self._lanes[lane]
        if pos >= len(txs):
            return
        tx, seq = txs[pos]
        if tx.max_fee < self._base_fee or tx.sender in self._invalid:
            return
        # seq is unique, so the lane index never takes part in a comparison
        heapq.heappush(self._heap, (_desc(self._ordering.priority(tx, self._base_fee)), seq, lane))

    def __iter__(self) -> Iterator[Tx]:
        return self

    def __next__(self) -> Tx:
        while self._heap:
            _, _, lane = heapq.heappop(self._heap)
            tx = self._lanes[lane][self._pos[lane]][0]
            if tx.sender in self._invalid:
                continue
            self._pos[lane] += 1
            self._push(lane)
            return tx
        raise StopIteration

    def mark_invalid(self, tx: Tx) -> None:
        """Skip every later transaction of ``tx``'s sender in this iteration."""
        self._invalid.add(tx.sender)


class TxPool:
    """Pending and queued transactions, with replacement, limits and eviction.

    Thread-safe: one re-entrant lock guards every public method. ``on_pending``
    callbacks run after the lock is released, once for every transaction that
    becomes pending (new, replacement or promoted).
    """

    def __init__(
        self,
        state: StateReader,
        ordering: Ordering,
        config: PoolConfig | None = None,
        journal: Journal | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = state
        self.ordering = ordering
        self.config = config if config is not None else PoolConfig()
        self.journal = journal
        self.clock = clock
        self.on_pending: list[Callable[[Tx], None]] = []
        self._lock = threading.RLock()
        self._accounts: dict[bytes, _Account] = {}
        self._all: dict[bytes, Tx] = {}
        self._seq: dict[bytes, int] = {}  # arrival order, the ordering tie-break
        self._added_at: dict[bytes, float] = {}  # by self.clock, for expiry
        self._next_seq = itertools.count()
        self._n_pending = 0
        self._n_queued = 0
        # price heaps with lazy deletion: entries whose tx left the pool or
        # changed side are skipped when met, and the heaps rebuilt when too stale
        self._pending_prices: list[_PriceEntry] = []
        self._queued_prices: list[_PriceEntry] = []

    # ------------------------------------------------------------------ add

    def add(self, tx: Tx, *, journal: bool = True) -> bool:
        """Add ``tx``; True if it is pending (executable now), False if queued.

        Raises a ``TxError`` (AlreadyKnown, Underpriced, NonceTooLow,
        InsufficientFunds, ReplaceUnderpriced, AccountLimit, PoolOverflow) and
        then changes nothing. An accepted transaction is in the journal (if
        any, and ``journal`` is true) before this returns.
        """
        became_pending: list[Tx] = []
        try:
            with self._lock:
                return self._add(tx, journal, became_pending)
        finally:
            self._notify(became_pending)

    def _add(self, tx: Tx, use_journal: bool, became_pending: list[Tx]) -> bool:
        cfg = self.config
        if tx.hash in self._all:
            raise AlreadyKnown()
        if tx.max_priority_fee < cfg.min_tip:
            raise Underpriced(f"tip needed {cfg.min_tip}, tip permitted {tx.max_priority_fee}")
        sender = tx.sender
        state_nonce = self.state.get_nonce(sender)
        if tx.nonce < state_nonce:
            raise NonceTooLow(f"next nonce {state_nonce}, tx nonce {tx.nonce}")
        balance = self.state.get_balance(sender)
        cost = tx.cost()
        if balance < cost:
            raise InsufficientFunds(f"balance {balance}, tx cost {cost}, overshot {cost - balance}")

        acct = self._accounts.get(sender)
        if acct is not None and acct.nonce != state_nonce:
            # the head moved without on_block for this sender: catch up first
            became_pending += self._reset_account(sender, state_nonce, balance)
            self._enforce_limits()
            acct = self._accounts.get(sender)

        if acct is not None and (old := acct.txs.get(tx.nonce)) is not None:
            # a replacement takes the old one's slot: no counts, limits or sides change
            if not self._bumps(old, tx):
                raise ReplaceUnderpriced()
            self._journal(tx, use_journal)
            self._replace(acct, old, tx)
            if acct.is_pending(tx.nonce):
                became_pending.append(tx)
                return True
            return False

        if acct is not None and len(acct.txs) >= cfg.account_slots:
            raise AccountLimit()
        goes_pending = (
            tx.nonce == state_nonce if acct is None else tx.nonce == acct.nonce + acct.pending
        )
        victim: Tx | None = None
        if goes_pending and self._n_pending >= cfg.global_slots:
            victim = self._victim_for(tx, pending=True)
        elif not goes_pending and self._n_queued >= cfg.global_queue:
            victim = self._victim_for(tx, pending=False)

        # from here on nothing raises (but the journal write): commit
        self._journal(tx, use_journal)
        if victim is not None:
            self._drop(victim)
        if acct is None:
            acct = self._accounts[sender] = _Account(state_nonce)
        self._insert(acct, tx)
        if not goes_pending:
            self._n_queued += 1
            self._push_price(self._queued_prices, tx)
            return False

        acct.pending += 1
        self._n_pending += 1
        self._push_price(self._pending_prices, tx)
        became_pending.append(tx)
        self._promote_followers(acct, became_pending)
        return True

    def _journal(self, tx: Tx, use_journal: bool) -> None:
        if use_journal and self.journal is not None:
            self.journal.append(tx.raw)

    def _bumps(self, old: Tx, new: Tx) -> bool:
        """geth's replacement rule: both fee fields strictly higher and by price_bump%."""
        bump = 100 + self.config.price_bump
        return (
            new.max_fee > old.max_fee
            and new.max_priority_fee > old.max_priority_fee
            and new.max_fee >= old.max_fee * bump // 100
            and new.max_priority_fee >= old.max_priority_fee * bump // 100
        )

    def _victim_for(self, tx: Tx, *, pending: bool) -> Tx:
        """The transaction to evict so ``tx`` fits, or PoolOverflow.

        The cheapest transaction of another sender must be strictly cheaper
        than ``tx``; the victim is the tail of that sender's (pending or
        queued) list, so no pending run gets a hole. A sender never evicts
        its own transactions.
        """
        cheapest = self._cheapest(pending=pending, exclude=tx.sender)
        if cheapest is None or not _cheaper(cheapest, tx):
            raise PoolOverflow()
        acct = self._accounts[cheapest.sender]
        return acct.pending_tail() if pending else acct.queued_tail()

    def _promote_followers(self, acct: _Account, became_pending: list[Tx]) -> None:
        """Move queued transactions that just became contiguous to pending."""
        while (nxt := acct.txs.get(acct.nonce + acct.pending)) is not None:
            if self._n_pending >= self.config.global_slots:
                cheapest = self._cheapest(pending=True, exclude=nxt.sender)
                if cheapest is None or not _cheaper(cheapest, nxt):
                    # no room and nothing cheaper to make room: the follower
                    # goes, and those after it stay queued behind the new gap
                    self._drop(nxt)
                    return
                self._drop(self._accounts[cheapest.sender].pending_tail())
            acct.pending += 1
            self._n_pending += 1
            self._n_queued -= 1
            self._push_price(self._pending_prices, nxt)
            became_pending.append(nxt)

    # ------------------------------------------------------------ iteration

    def best(self, base_fee: int) -> BestTransactionsIter:
        """Executable transactions best first by the ordering (see BestTransactionsIter)."""
        with self._lock:
            seq = self._seq
            lanes = []
            for acct in self._accounts.values():
                if acct.pending:
                    run = [acct.txs[n] for n in range(acct.nonce, acct.nonce + acct.pending)]
                    lanes.append([(tx, seq[tx.hash]) for tx in run])
        return BestTransactionsIter(lanes, self.ordering, base_fee)

    # ---------------------------------------------------------- maintenance

    def on_block(self, included: Iterable[Tx]) -> None:
        """Maintenance after a block: drop what was included or became invalid.

        For every sender with a transaction in the block the nonce and balance
        are read again from the state: stale nonces go, transactions the
        balance can no longer pay go (later ones are demoted to queued), and
        queued transactions that became contiguous are promoted.
        """
        became_pending: list[Tx] = []
        with self._lock:
            included = list(included)
            # re-basing a sender on its new nonce drops its included txs (and any
            # other tx at those nonces) without demoting and re-promoting the rest
            for sender in dict.fromkeys(tx.sender for tx in included):
                became_pending += self._reset_account(
                    sender, self.state.get_nonce(sender), self.state.get_balance(sender)
                )
            for tx in included:  # only if the state did not advance past it
                if tx.hash in self._all:
                    self._drop(self._all[tx.hash])
            self._enforce_limits()
            became_pending = [tx for tx in became_pending if tx.hash in self._all]
        self._notify(became_pending)

    def expire(self) -> list[Tx]:
        """Drop queued transactions that have waited longer than ``lifetime``."""
        with self._lock:
            deadline = self.clock() - self.config.lifetime
            added_at = self._added_at
            expired = [
                tx
                for acct in self._accounts.values()
                if len(acct.txs) > acct.pending
                for tx in acct.txs.values()
                if not acct.is_pending(tx.nonce) and added_at[tx.hash] < deadline
            ]
            for tx in expired:
                self._drop(tx)
            return expired

    def remove(self, tx_hash: bytes) -> Tx | None:
        """Remove one transaction; later nonces of its sender become queued."""
        with self._lock:
            tx = self._all.get(tx_hash)
            if tx is None:
                return None
            self._drop(tx)
            self._enforce_limits()
            return tx

    def rotate_journal(self) -> None:
        """Rewrite the journal with exactly the pool's content, in arrival order."""
        with self._lock:
            if self.journal is not None:
                self.journal.rotate(self._raws_in_arrival_order())

    def restore(self, journal: Journal, decode: Callable[[bytes], Tx]) -> int:
        """Re-add every journaled transaction, then rotate the journal.

        Undecodable or no longer valid entries are skipped. Returns how many
        transactions were restored.
        """
        restored = 0
        with self._lock:
            for raw in journal.load():
                try:
                    self.add(decode(raw), journal=False)
                except Exception as exc:  # stale or invalid: that is what restore is for
                    log.debug("journal entry not restored: %s", exc)
                    continue
                restored += 1
            journal.rotate(self._raws_in_arrival_order())
        return restored

    def _raws_in_arrival_order(self) -> list[bytes]:
        return [tx.raw for tx in sorted(self._all.values(), key=lambda t: self._seq[t.hash])]

    # -------------------------------------------------------------- queries

    def get(self, tx_hash: bytes) -> Tx | None:
        with self._lock:
            return self._all.get(tx_hash)

    def __contains__(self, tx_hash: object) -> bool:
        with self._lock:
            return tx_hash in self._all

    def __len__(self) -> int:
        with self._lock:
            return len(self._all)

    def status(self) -> tuple[int, int]:
        """(pending, queued) counts, as txpool_status answers."""
        with self._lock:
            return self._n_pending, self._n_queued

    def pending_nonce(self, address: bytes) -> int:
        """State nonce plus the sender's contiguous pending transactions."""
        with self._lock:
            nonce = self.state.get_nonce(address)
            acct = self._accounts.get(address)
            if acct is None:
                return nonce
            if acct.nonce == nonce:
                return nonce + acct.pending
            while nonce in acct.txs:  # the head moved and on_block has not run yet
                nonce += 1
            return nonce

    def content(self) -> dict[str, dict[bytes, dict[int, Tx]]]:
        """{"pending": {sender: {nonce: tx}}, "queued": {...}}, as txpool_content."""
        with self._lock:
            pending: dict[bytes, dict[int, Tx]] = {}
            queued: dict[bytes, dict[int, Tx]] = {}
            for sender, acct in self._accounts.items():
                for nonce in sorted(acct.txs):
                    side = pending if acct.is_pending(nonce) else queued
                    side.setdefault(sender, {})[nonce] = acct.txs[nonce]
            return {"pending": pending, "queued": queued}

    def pending_txs(self) -> Iterator[Tx]:
        """A snapshot of the pending transactions, nonce order per sender."""
        with self._lock:
            snapshot = [
                acct.txs[n]
                for acct in self._accounts.values()
                for n in range(acct.nonce, acct.nonce + acct.pending)
            ]
        return iter(snapshot)

    def queued_txs(self) -> Iterator[Tx]:
        """A snapshot of the queued transactions, nonce order per sender."""
        with self._lock:
            snapshot = [
                acct.txs[n]
                for acct in self._accounts.values()
                for n in sorted(acct.txs)
                if not acct.is_pending(n)
            ]
        return iter(snapshot)

    # ------------------------------------------------------------ internals

    def _notify(self, txs: list[Tx]) -> None:
        for tx in txs:
            for callback in self.on_pending:
                try:
                    callback(tx)
                except Exception:  # a broken subscriber must not break the pool
                    log.exception("on_pending callback failed")

    def _insert(self, acct: _Account, tx: Tx) -> None:
        acct.txs[tx.nonce] = tx
        self._all[tx.hash] = tx
        self._seq[tx.hash] = next(self._next_seq)
        self._added_at[tx.hash] = self.clock()

    def _forget(self, acct: _Account, tx: Tx) -> None:
        del acct.txs[tx.nonce]
        del self._all[tx.hash]
        del self._seq[tx.hash]
        del self._added_at[tx.hash]

    def _replace(self, acct: _Account, old: Tx, new: Tx) -> None:
        """Swap ``old`` for ``new`` in the same slot; no side changes."""
        self._forget(acct, old)
        self._insert(acct, new)
        heap = self._pending_prices if acct.is_pending(new.nonce) else self._queued_prices
        self._push_price(heap, new)

    def _drop(self, tx: Tx) -> None:
        """Remove ``tx``; if it was pending, its sender's later txs become queued."""
        acct = self._accounts[tx.sender]
        if acct.is_pending(tx.nonce):
            demoted = acct.nonce + acct.pending - 1 - tx.nonce
            acct.pending = tx.nonce - acct.nonce
            self._n_pending -= demoted + 1
            self._n_queued += demoted
            for n in range(tx.nonce + 1, tx.nonce + 1 + demoted):
                self._push_price(self._queued_prices, acct.txs[n])
        else:
            self._n_queued -= 1
        self._forget(acct, tx)
        if not acct.txs:
            del self._accounts[tx.sender]

    def _reset_account(self, sender: bytes, nonce: int, balance: int) -> list[Tx]:
        """Re-base ``sender`` on a new state nonce and balance; returns promoted txs."""
        acct = self._accounts.get(sender)
        if acct is None:
            return []
        old_lo, old_hi = acct.nonce, acct.nonce + acct.pending
        for n, tx in list(acct.txs.items()):
            if n < nonce or tx.cost() > balance:
                if old_lo <= n < old_hi:
                    self._n_pending -= 1
                else:
                    self._n_queued -= 1
                self._forget(acct, tx)
        acct.nonce = nonce
        acct.pending = 0
        while nonce + acct.pending in acct.txs:
            acct.pending += 1
        promoted = []
        for n in sorted(acct.txs):
            was = old_lo <= n < old_hi
            now = acct.is_pending(n)
            if was == now:
                continue
            tx = acct.txs[n]
            if now:
                self._n_pending += 1
                self._n_queued -= 1
                self._push_price(self._pending_prices, tx)
                promoted.append(tx)
            else:
                self._n_pending -= 1
                self._n_queued += 1
                self._push_price(self._queued_prices, tx)
        if not acct.txs:
            del self._accounts[sender]
        return promoted

    def _enforce_limits(self) -> None:
        """Evict cheapest-account tails until both global limits hold again."""
        while self._n_pending > self.config.global_slots:
            cheapest = self._cheapest(pending=True, exclude=None)
            assert cheapest is not None
            self._drop(self._accounts[cheapest.sender].pending_tail())
        while self._n_queued > self.config.global_queue:
            cheapest = self._cheapest(pending=False, exclude=None)
            assert cheapest is not None
            self._drop(self._accounts[cheapest.sender].queued_tail())

    def _push_price(self, heap: list[_PriceEntry], tx: Tx) -> None:
        heapq.heappush(heap, (tx.max_priority_fee, tx.max_fee, -self._seq[tx.hash], tx.hash))
        if len(heap) > 2 * len(self._all) + 64:
            self._rebuild_prices()

    def _rebuild_prices(self) -> None:
        pending: list[_PriceEntry] = []
        queued: list[_PriceEntry] = []
        for acct in self._accounts.values():
            for tx in acct.txs.values():
                entry = (tx.max_priority_fee, tx.max_fee, -self._seq[tx.hash], tx.hash)
                (pending if acct.is_pending(tx.nonce) else queued).append(entry)
        heapq.heapify(pending)
        heapq.heapify(queued)
        self._pending_prices, self._queued_prices = pending, queued

    def _live(self, entry: _PriceEntry, pending: bool) -> Tx | None:
        tx = self._all.get(entry[3])
        if tx is None or self._seq[tx.hash] != -entry[2]:
            return None
        if self._accounts[tx.sender].is_pending(tx.nonce) != pending:
            return None
        return tx

    def _cheapest(self, *, pending: bool, exclude: bytes | None) -> Tx | None:
        """The cheapest pending (or queued) tx not sent by ``exclude``."""
        heap = self._pending_prices if pending else self._queued_prices
        aside: list[_PriceEntry] = []
        found: Tx | None = None
        while heap:
            tx = self._live(heap[0], pending)
            if tx is None:
                heapq.heappop(heap)  # stale: gone for good
                continue
            if tx.sender == exclude:
                aside.append(heapq.heappop(heap))
                continue
            found = tx
            break
        for entry in aside:
            heapq.heappush(heap, entry)
        return found


def _cheaper(a: Tx, b: Tx) -> bool:
    """Whether ``a`` pays strictly less than ``b`` (tip first, then fee cap)."""
    return (a.max_priority_fee, a.max_fee) < (b.max_priority_fee, b.max_fee)
