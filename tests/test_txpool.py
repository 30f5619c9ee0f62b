"""The transaction pool: admission rules, replacement, limits, maintenance, ordering.

Unit tests pin each rule and its geth error string; a hypothesis state machine
drives random adds, replacements, blocks, removals and expiries against a small
model of the chain and checks the pool's invariants after every step.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from seqguard import errors
from seqguard.abc import Ordering
from seqguard.txpool import (
    ORDERINGS,
    FifoOrdering,
    Journal,
    PoolConfig,
    PriorityFeeOrdering,
    TxPool,
    get_ordering,
)
from seqguard.types import DYNAMIC_FEE, Tx

GAS = 1000
_salt = itertools.count()


def addr(i: int) -> bytes:
    return bytes([i + 1]) * 20


RECIPIENT = b"\xee" * 20


def make_tx(
    sender: bytes,
    nonce: int,
    tip: int = 1,
    fee: int | None = None,
    *,
    value: int = 0,
    gas: int = GAS,
) -> Tx:
    """A Tx built directly (no decoder); every call gets a distinct hash."""
    fee = tip + 10 if fee is None else fee
    raw = b"|".join(
        str(x).encode() for x in (sender.hex(), nonce, tip, fee, value, gas, next(_salt))
    )
    return Tx(
        hash=hashlib.sha256(raw).digest(),
        raw=raw,
        type=DYNAMIC_FEE,
        chain_id=1,
        nonce=nonce,
        gas=gas,
        max_fee=fee,
        max_priority_fee=tip,
        to=RECIPIENT,
        value=value,
        data=b"",
        access_list=(),
        v=0,
        r=1,
        s=1,
        sender=sender,
        evm=None,
    )


def decode(raw: bytes) -> Tx:
    """Inverse of make_tx's raw encoding (keeps the same hash)."""
    sender, nonce, tip, fee, value, gas, _ = raw.split(b"|")
    tx = make_tx(
        bytes.fromhex(sender.decode()),
        int(nonce),
        int(tip),
        int(fee),
        value=int(value),
        gas=int(gas),
    )
    tx.raw = raw
    tx.hash = hashlib.sha256(raw).digest()
    return tx


class State:
    """An in-memory StateReader."""

    def __init__(self, balance: int = 10**12) -> None:
        self.nonces: dict[bytes, int] = {}
        self.balances: dict[bytes, int] = {}
        self.default_balance = balance

    def get_nonce(self, address: bytes) -> int:
        return self.nonces.get(address, 0)

    def get_balance(self, address: bytes) -> int:
        return self.balances.get(address, self.default_balance)

    def include(self, tx: Tx, base_fee: int = 0) -> None:
        assert self.get_nonce(tx.sender) == tx.nonce
        self.nonces[tx.sender] = tx.nonce + 1
        self.balances[tx.sender] = (
            self.get_balance(tx.sender) - tx.gas * tx.effective_gas_price(base_fee) - tx.value
        )


A, B, C, D = (addr(i) for i in range(4))


def new_pool(state: State | None = None, ordering: Ordering | None = None, **cfg: float) -> TxPool:
    return TxPool(
        state or State(),
        ordering or PriorityFeeOrdering(),
        PoolConfig(**cfg),  # type: ignore[arg-type]
    )


def hashes(txs: Iterator[Tx] | list[Tx]) -> list[bytes]:
    return [tx.hash for tx in txs]


# ------------------------------------------------------------------ ordering


def test_get_ordering_names() -> None:
    assert isinstance(get_ordering("priority-fee"), PriorityFeeOrdering)
    assert isinstance(get_ordering("fcfs"), FifoOrdering)
    assert set(ORDERINGS) == {"priority-fee", "fcfs"}
    with pytest.raises(ValueError, match="fcfs, priority-fee"):
        get_ordering("lifo")


def test_priority_fee_orders_by_effective_tip_then_arrival() -> None:
    pool = new_pool()
    low = make_tx(A, 0, tip=1, fee=100)
    capped = make_tx(B, 0, tip=50, fee=12)  # at base fee 10 its effective tip is 2
    high = make_tx(C, 0, tip=5, fee=100)
    tie = make_tx(D, 0, tip=5, fee=100)  # same priority as `high`, arrives later
    for tx in (low, capped, tie, high):
        pool.add(tx)
    assert hashes(pool.best(0)) == hashes([capped, tie, high, low])
    assert hashes(pool.best(10)) == hashes([tie, high, capped, low])


def test_fcfs_ignores_fees() -> None:
    pool = new_pool(ordering=FifoOrdering())
    txs = [make_tx(A, 0, tip=1), make_tx(B, 0, tip=100), make_tx(C, 0, tip=50)]
    for tx in txs:
        pool.add(tx)
    assert hashes(pool.best(0)) == hashes(txs)


def test_fcfs_uses_arrival_of_each_head() -> None:
    pool = new_pool(ordering=FifoOrdering())
    a1 = make_tx(A, 1)  # arrives first but waits for A's nonce 0
    b0 = make_tx(B, 0)
    a0 = make_tx(A, 0)
    for tx in (a1, b0, a0):
        pool.add(tx)
    assert hashes(pool.best(0)) == hashes([b0, a0, a1])


# ------------------------------------------------------------ admission rules


def test_pending_queued_and_promotion_on_gap_fill() -> None:
    pool = new_pool()
    seen: list[Tx] = []
    pool.on_pending.append(seen.append)
    t0, t1, t2, t4 = (make_tx(A, n) for n in (0, 1, 2, 4))
    assert pool.add(t0) is True
    assert pool.add(t2) is False
    assert pool.add(t4) is False
    assert pool.status() == (1, 2)
    assert pool.pending_nonce(A) == 1
    assert pool.add(t1) is True  # fills the gap: t2 is promoted, t4 still waits for 3
    assert pool.status() == (3, 1)
    assert pool.pending_nonce(A) == 3
    assert hashes(seen) == hashes([t0, t1, t2])
    content = pool.content()
    assert list(content["pending"][A]) == [0, 1, 2]
    assert list(content["queued"][A]) == [4]
    assert hashes(pool.pending_txs()) == hashes([t0, t1, t2])
    assert hashes(pool.queued_txs()) == hashes([t4])
    assert len(pool) == 4 and t4.hash in pool and pool.get(t4.hash) is t4


def test_pending_starts_at_state_nonce() -> None:
    state = State()
    state.nonces[A] = 5
    pool = new_pool(state)
    assert pool.pending_nonce(A) == 5
    assert pool.add(make_tx(A, 6)) is False
    assert pool.add(make_tx(A, 5)) is True
    assert pool.status() == (2, 0)
    assert pool.pending_nonce(A) == 7


def test_already_known() -> None:
    pool = new_pool()
    tx = make_tx(A, 0)
    pool.add(tx)
    with pytest.raises(errors.AlreadyKnown) as exc:
        pool.add(tx)
    assert exc.value.message == "already known"
    assert exc.value.code == -32000


def test_nonce_too_low_message() -> None:
    state = State()
    state.nonces[A] = 5
    pool = new_pool(state)
    with pytest.raises(errors.NonceTooLow) as exc:
        pool.add(make_tx(A, 3))
    assert exc.value.message == "nonce too low: next nonce 5, tx nonce 3"
    assert exc.value.code == -32000


def test_insufficient_funds_message() -> None:
    state = State()
    state.balances[A] = 5000
    pool = new_pool(state)
    with pytest.raises(errors.InsufficientFunds) as exc:
        pool.add(make_tx(A, 0, tip=1, fee=5, value=7))  # cost 1000*5 + 7
    assert exc.value.message == (
        "insufficient funds for gas * price + value: balance 5000, tx cost 5007, overshot 7"
    )
    assert pool.add(make_tx(A, 0, tip=1, fee=5)) is True  # exactly affordable


def test_underpriced_below_min_tip() -> None:
    pool = new_pool(min_tip=5)
    with pytest.raises(errors.Underpriced) as exc:
        pool.add(make_tx(A, 0, tip=4))
    assert exc.value.message == "transaction underpriced: tip needed 5, tip permitted 4"
    assert pool.add(make_tx(A, 0, tip=5)) is True


@pytest.mark.parametrize(
    ("tip", "fee", "ok"),
    [
        (110, 1100, True),  # exactly +10% on both
        (200, 2000, True),
        (109, 2000, False),  # tip short of the bump
        (200, 1099, False),  # fee cap short of the bump
        (100, 1000, False),  # same prices, different tx
        (200, 1000, False),  # only the tip rises
    ],
)
def test_replacement_needs_bump_on_both_fees(tip: int, fee: int, ok: bool) -> None:
    pool = new_pool()
    old = make_tx(A, 0, tip=100, fee=1000)
    pool.add(old)
    new = make_tx(A, 0, tip=tip, fee=fee)
    if ok:
        assert pool.add(new) is True
        assert old.hash not in pool and new.hash in pool
        assert pool.status() == (1, 0)
    else:
        with pytest.raises(errors.ReplaceUnderpriced) as exc:
            pool.add(new)
        assert exc.value.message == "replacement transaction underpriced"
        assert old.hash in pool and new.hash not in pool


def test_replacement_must_strictly_raise_even_small_prices() -> None:
    pool = new_pool()
    pool.add(make_tx(A, 0, tip=0, fee=5))
    with pytest.raises(errors.ReplaceUnderpriced):
        pool.add(make_tx(A, 0, tip=0, fee=6))  # tip 0 -> 0 is no rise
    assert pool.add(make_tx(A, 0, tip=1, fee=6)) is True


def test_replacement_of_queued_stays_queued_and_notifies_pending() -> None:
    pool = new_pool()
    seen: list[Tx] = []
    pool.on_pending.append(seen.append)
    pool.add(make_tx(A, 2, tip=10, fee=20))
    assert pool.add(make_tx(A, 2, tip=11, fee=22)) is False
    assert seen == [] and pool.status() == (0, 1)
    p = make_tx(A, 0, tip=10, fee=20)
    pool.add(p)
    r = make_tx(A, 0, tip=11, fee=22)
    assert pool.add(r) is True
    assert hashes(seen) == hashes([p, r])


def test_account_limit() -> None:
    pool = new_pool(account_slots=3)
    for n in range(3):
        pool.add(make_tx(A, n * 2))
    with pytest.raises(errors.AccountLimit) as exc:
        pool.add(make_tx(A, 1))
    assert exc.value.message == "account limit exceeded"
    assert pool.add(make_tx(A, 0, tip=5, fee=50)) is True  # replacements still fit
    assert pool.add(make_tx(B, 0)) is True


def test_raising_changes_nothing(tmp_path: Path) -> None:
    state = State()
    state.balances[B] = 0
    journal = Journal(tmp_path / "j")
    pool = TxPool(state, PriorityFeeOrdering(), PoolConfig(global_slots=1), journal)
    pool.add(make_tx(A, 0, tip=5))
    before = pool.content(), pool.status()
    for tx, err in [
        (make_tx(B, 0), errors.InsufficientFunds),
        (make_tx(A, 0, tip=5, fee=16), errors.ReplaceUnderpriced),
        (make_tx(C, 0, tip=5), errors.PoolOverflow),
    ]:
        with pytest.raises(err):
            pool.add(tx)
        assert (pool.content(), pool.status()) == before
    assert len(journal.load()) == 1


def test_accepted_tx_is_journaled_before_add_returns(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j")
    pool = TxPool(State(), PriorityFeeOrdering(), journal=journal)
    tx = make_tx(A, 0)
    pool.add(tx)
    assert journal.load() == [tx.raw]
    pool.add(make_tx(A, 1), journal=False)
    assert journal.load() == [tx.raw]


# --------------------------------------------------------- limits, eviction


def test_pending_overflow_evicts_tail_of_cheapest_sender() -> None:
    pool = new_pool(global_slots=4)
    a = [make_tx(A, 0, tip=1), make_tx(A, 1, tip=9), make_tx(A, 2, tip=9)]
    b0 = make_tx(B, 0, tip=5)
    for tx in (*a, b0):
        pool.add(tx)
    with pytest.raises(errors.PoolOverflow) as exc:
        pool.add(make_tx(C, 0, tip=1))  # no better than the cheapest (A's nonce 0)
    assert exc.value.message == "txpool is full"
    c0 = make_tx(C, 0, tip=3)
    assert pool.add(c0) is True
    # A held the cheapest tx, but its tail goes so A's pending run has no hole
    assert a[2].hash not in pool
    assert list(pool.content()["pending"][A]) == [0, 1]
    assert pool.status() == (4, 0)


def test_sender_never_evicts_itself() -> None:
    pool = new_pool(global_slots=2)
    pool.add(make_tx(A, 0, tip=1))
    pool.add(make_tx(B, 0, tip=50))
    with pytest.raises(errors.PoolOverflow):
        pool.add(make_tx(A, 1, tip=10))  # only B is cheaper-to-evict candidate: it is not


def test_queued_overflow_evicts_only_queued() -> None:
    pool = new_pool(global_queue=2)
    p = make_tx(A, 0, tip=1)
    pool.add(p)
    q1, q2 = make_tx(B, 5, tip=2), make_tx(B, 7, tip=3)
    pool.add(q1)
    pool.add(q2)
    with pytest.raises(errors.PoolOverflow):
        pool.add(make_tx(C, 3, tip=2))
    c = make_tx(C, 3, tip=4)
    assert pool.add(c) is False
    assert p.hash in pool and q1.hash in pool and q2.hash not in pool  # B's tail went
    assert pool.status() == (1, 2)


def test_promoted_followers_that_do_not_fit_are_dropped() -> None:
    pool = new_pool(global_slots=3)
    pool.add(make_tx(B, 0, tip=5))
    pool.add(make_tx(B, 1, tip=5))
    a1, a2 = make_tx(A, 1, tip=9), make_tx(A, 2, tip=1)
    pool.add(a1)
    pool.add(a2)
    a0 = make_tx(A, 0, tip=9)
    assert pool.add(a0) is True  # a1 fits by evicting B's tail; a2 (tip 1) cannot
    assert list(pool.content()["pending"][A]) == [0, 1]
    assert a2.hash not in pool
    assert pool.status() == (3, 0)


# ------------------------------------------------------------- maintenance


def test_on_block_removes_included_and_promotes() -> None:
    state = State()
    pool = new_pool(state)
    seen: list[Tx] = []
    a0, a2 = make_tx(A, 0), make_tx(A, 2)
    b0, b1 = make_tx(B, 0), make_tx(B, 1)
    for tx in (a0, a2, b0, b1):
        pool.add(tx)
    pool.on_pending.append(seen.append)
    foreign = make_tx(A, 1)  # included without ever being in this pool
    for tx in (a0, foreign, b0):
        state.include(tx)
    pool.on_block([a0, foreign, b0])
    assert set(pool.content()["pending"]) == {A, B}
    assert hashes(pool.pending_txs()) == hashes([a2, b1])
    assert hashes(seen) == hashes([a2])  # b1 was pending already: no second event
    assert pool.status() == (2, 0)


def test_on_block_drops_stale_nonce_and_unaffordable() -> None:
    state = State()
    state.balances[A] = 100_000
    pool = new_pool(state)
    a0 = make_tx(A, 0, tip=1, fee=10)
    a1 = make_tx(A, 1, tip=1, fee=10, value=60_000)
    a2 = make_tx(A, 2, tip=1, fee=10)
    a3 = make_tx(A, 3, tip=1, fee=10)
    for tx in (a0, a1, a2, a3):
        pool.add(tx)
    other0 = make_tx(A, 0, tip=2, fee=20)  # a different tx at nonce 0 was included
    state.include(other0)
    state.balances[A] = 50_000
    pool.on_block([other0])
    assert a0.hash not in pool  # stale nonce
    assert a1.hash not in pool  # can no longer pay
    assert list(pool.content()["queued"][A]) == [2, 3]  # behind the new gap
    assert pool.status() == (0, 2)
    assert pool.pending_nonce(A) == 1


def test_remove_demotes_later_nonces() -> None:
    pool = new_pool()
    txs = [make_tx(A, n) for n in range(4)]
    for tx in txs:
        pool.add(tx)
    assert pool.remove(txs[1].hash) is txs[1]
    assert pool.remove(txs[1].hash) is None
    assert pool.status() == (1, 2)
    assert pool.pending_nonce(A) == 1


def test_expire_drops_only_old_queued() -> None:
    now = [1000.0]
    pool = TxPool(State(), PriorityFeeOrdering(), PoolConfig(lifetime=60), clock=lambda: now[0])
    p = make_tx(A, 0)
    old_q = make_tx(A, 5)
    pool.add(p)
    pool.add(old_q)
    now[0] += 30
    new_q = make_tx(B, 5)
    pool.add(new_q)
    now[0] += 31
    assert hashes(pool.expire()) == [old_q.hash]
    assert p.hash in pool and new_q.hash in pool
    now[0] += 100
    assert hashes(pool.expire()) == [new_q.hash]
    assert pool.status() == (1, 0)


def test_head_moved_without_on_block_is_caught_up_on_add() -> None:
    state = State()
    pool = new_pool(state)
    pool.add(make_tx(A, 0))
    pool.add(make_tx(A, 1))
    state.nonces[A] = 1  # on_block not called yet
    assert pool.pending_nonce(A) == 2
    assert pool.add(make_tx(A, 2)) is True
    assert list(pool.content()["pending"][A]) == [1, 2]


def test_failing_subscriber_does_not_break_add() -> None:
    pool = new_pool()

    def broken(tx: Tx) -> None:
        raise RuntimeError("subscriber bug")

    seen: list[Tx] = []
    pool.on_pending += [broken, seen.append]
    tx = make_tx(A, 0)
    assert pool.add(tx) is True
    assert seen == [tx]


# --------------------------------------------------------------- best()


def test_best_blocks_sender_below_base_fee() -> None:
    pool = new_pool()
    a0, a1 = make_tx(A, 0, tip=1, fee=5), make_tx(A, 1, tip=9, fee=100)
    b0 = make_tx(B, 0, tip=1, fee=50)
    for tx in (a0, a1, b0):
        pool.add(tx)
    assert hashes(pool.best(10)) == [b0.hash]
    # at base fee 4 a0 and b0 both tip 1: a0 arrived first, then a1 (tip 9) beats b0
    assert hashes(pool.best(4)) == hashes([a0, a1, b0])


def test_best_mark_invalid_skips_rest_of_sender() -> None:
    pool = new_pool()
    a = [make_tx(A, n, tip=10) for n in range(3)]
    b = [make_tx(B, n, tip=5) for n in range(2)]
    for tx in (*a, *b):
        pool.add(tx)
    it = pool.best(0)
    out = []
    for tx in it:
        out.append(tx)
        if tx is a[0]:
            it.mark_invalid(tx)
    assert hashes(out) == hashes([a[0], *b])


def test_best_is_a_snapshot_safe_under_concurrent_adds() -> None:
    pool = new_pool()
    for i in range(50):
        pool.add(make_tx(addr(i), 0, tip=i + 1))
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            for n in range(1, 200):
                if stop.is_set():
                    return
                for i in range(50):
                    pool.add(make_tx(addr(i), n, tip=i + 1))
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(20):
            per_sender: dict[bytes, int] = {}
            for tx in pool.best(0):
                assert tx.nonce == per_sender.get(tx.sender, 0)
                per_sender[tx.sender] = tx.nonce + 1
    finally:
        stop.set()
        thread.join()
    assert failures == []
    assert pool.status()[1] == 0


def test_restore_re_adds_and_rotates(tmp_path: Path) -> None:
    state = State()
    path = tmp_path / "journal"
    journal = Journal(path)
    kept = [make_tx(A, 0), make_tx(A, 1), make_tx(B, 3)]
    stale = make_tx(C, 0)
    for raw in (kept[0].raw, b"not a tx", stale.raw, kept[2].raw, kept[1].raw):
        journal.append(raw)
    state.nonces[C] = 1  # stale was mined meanwhile
    pool = TxPool(state, PriorityFeeOrdering(), journal=journal)
    assert pool.restore(journal, decode) == 3
    assert pool.status() == (2, 1)
    assert all(tx.hash in pool for tx in kept)
    assert journal.load() == [kept[0].raw, kept[2].raw, kept[1].raw]  # arrival order
    journal.close()


# ------------------------------------------------------- stateful property test

SENDERS = [addr(i) for i in range(4)]
LIMITS = {"account_slots": 4, "global_slots": 6, "global_queue": 4}
LIFETIME = 100.0
MIN_TIP = 1


def _price(tx: Tx) -> tuple[int, int]:
    return (tx.max_priority_fee, tx.max_fee)


class PoolMachine(RuleBasedStateMachine):
    """Random traffic against a chain model; the pool must keep its invariants."""

    ordering_name = "priority-fee"

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.state = State()
        self.pool = TxPool(
            self.state,
            get_ordering(self.ordering_name),
            PoolConfig(lifetime=LIFETIME, min_tip=MIN_TIP, **LIMITS),  # type: ignore[arg-type]
            clock=lambda: self.now,
        )
        self.arrival: dict[bytes, int] = {}  # model of the pool's arrival order
        self.added_at: dict[bytes, float] = {}
        self.arrivals = itertools.count()
        self.events: list[Tx] = []
        self.pool.on_pending.append(self.events.append)

    @initialize(
        balances=st.lists(
            st.one_of(st.just(10**7), st.integers(0, 400_000)), min_size=4, max_size=4
        )
    )
    def fund(self, balances: list[int]) -> None:
        for sender, balance in zip(SENDERS, balances, strict=True):
            self.state.balances[sender] = balance

    # helpers
    def sides(self) -> tuple[dict[bytes, Tx], dict[bytes, Tx]]:
        content = self.pool.content()
        pending = {tx.hash: tx for txs in content["pending"].values() for tx in txs.values()}
        queued = {tx.hash: tx for txs in content["queued"].values() for tx in txs.values()}
        return pending, queued

    def all_txs(self) -> list[Tx]:
        pending, queued = self.sides()
        return sorted([*pending.values(), *queued.values()], key=lambda t: (t.sender, t.nonce))

    def expected_error(self, tx: Tx) -> type[errors.TxError] | None:
        if tx.max_priority_fee < MIN_TIP:
            return errors.Underpriced
        if tx.nonce < self.state.get_nonce(tx.sender):
            return errors.NonceTooLow
        if tx.cost() > self.state.get_balance(tx.sender):
            return errors.InsufficientFunds
        pending, queued = self.sides()
        mine = [t for t in (*pending.values(), *queued.values()) if t.sender == tx.sender]
        old = next((t for t in mine if t.nonce == tx.nonce), None)
        if old is not None:
            ok = all(
                n > o and n >= o * 110 // 100
                for n, o in ((tx.max_fee, old.max_fee), (tx.max_priority_fee, old.max_priority_fee))
            )
            return None if ok else errors.ReplaceUnderpriced
        if len(mine) >= LIMITS["account_slots"]:
            return errors.AccountLimit
        return None

    def try_add(self, tx: Tx) -> None:
        expected = self.expected_error(tx)
        pending, queued = self.sides()
        next_nonce = self.pool.pending_nonce(tx.sender)
        goes_pending = tx.nonce == next_nonce
        self.events.clear()
        try:
            result = self.pool.add(tx)
        except errors.TxError as exc:
            assert self.sides() == (pending, queued), "a rejected add changed the pool"
            if isinstance(exc, errors.PoolOverflow) and expected is None:
                side = pending if goes_pending else queued
                limit = LIMITS["global_slots" if goes_pending else "global_queue"]
                assert len(side) >= limit
                others = [t for t in side.values() if t.sender != tx.sender]
                assert all(_price(t) >= _price(tx) for t in others)
            else:
                assert type(exc) is expected, (exc, expected)
            return
        assert expected is None, f"expected {expected}"
        self.arrival[tx.hash] = next(self.arrivals)
        self.added_at[tx.hash] = self.now
        new_pending, new_queued = self.sides()
        assert result == (tx.hash in new_pending)
        assert result or tx.hash in new_queued
        assert result == (tx.hash in hashes(self.events))
        for event in self.events:  # only txs that were not pending before
            assert event.hash in new_pending and event.hash not in pending
        # eviction takes tails only: no pending tx that stayed became queued
        assert not pending.keys() & new_queued.keys(), "an add opened a gap in a pending run"

    # rules
    @rule(
        sender=st.sampled_from(SENDERS),
        offset=st.integers(-1, 6),
        tip=st.integers(0, 20),
        extra=st.integers(0, 20),
        value=st.sampled_from([0, 0, 10_000, 100_000]),
    )
    def add(self, sender: bytes, offset: int, tip: int, extra: int, value: int) -> None:
        nonce = max(0, self.state.get_nonce(sender) + offset)
        self.try_add(make_tx(sender, nonce, tip, tip + extra, value=value))

    @rule(
        sender=st.sampled_from(SENDERS),
        offset=st.sampled_from([0, 0, 0, 1, 3]),
        tips=st.lists(st.integers(1, 20), min_size=1, max_size=5),
    )
    def add_run(self, sender: bytes, offset: int, tips: list[int]) -> None:
        """Consecutive nonces, the way a busy account sends: fills limits quickly."""
        start = self.pool.pending_nonce(sender) + offset
        for i, tip in enumerate(tips):
            self.try_add(make_tx(sender, start + i, tip, tip + 5))

    @precondition(lambda self: len(self.pool) > 0)
    @rule(data=st.data(), pct=st.integers(95, 130), plus=st.integers(0, 2))
    def replace(self, data: st.DataObject, pct: int, plus: int) -> None:
        old = data.draw(st.sampled_from(self.all_txs()))
        tip = old.max_priority_fee * pct // 100 + plus
        fee = max(tip, old.max_fee * pct // 100 + plus)
        self.try_add(make_tx(old.sender, old.nonce, tip, fee, value=old.value))

    @precondition(lambda self: len(self.pool) > 0)
    @rule(data=st.data())
    def add_again(self, data: st.DataObject) -> None:
        tx = data.draw(st.sampled_from(self.all_txs()))
        with pytest.raises(errors.AlreadyKnown):
            self.pool.add(tx)

    @rule(
        base_fee=st.integers(0, 25),
        max_txs=st.integers(1, 12),
        data=st.data(),
    )
    def mine(self, base_fee: int, max_txs: int, data: st.DataObject) -> None:
        pending, _ = self.sides()
        lanes: dict[bytes, list[Tx]] = {}
        for tx in sorted(pending.values(), key=lambda t: t.nonce):
            lanes.setdefault(tx.sender, []).append(tx)
        pos = dict.fromkeys(lanes, 0)
        invalid: set[bytes] = set()
        ordering = self.pool.ordering
        balances = {s: self.state.get_balance(s) for s in lanes}

        def candidates() -> list[Tx]:
            out = []
            for sender, txs in lanes.items():
                if sender in invalid or pos[sender] >= len(txs):
                    continue
                head = txs[pos[sender]]
                if head.max_fee >= base_fee:
                    out.append(head)
            return out

        def rank(tx: Tx) -> tuple[int, int]:
            return (ordering.priority(tx, base_fee), -self.arrival[tx.hash])

        included: list[Tx] = []
        it = self.pool.best(base_fee)
        stopped = False
        for tx in it:
            cands = candidates()
            assert tx in cands, "yielded a tx that was not a current candidate"
            assert tx.max_fee >= base_fee
            assert rank(tx) == max(rank(c) for c in cands), "a better candidate was skipped"
            pos[tx.sender] += 1
            charge = tx.gas * tx.effective_gas_price(base_fee) + tx.value
            if charge > balances[tx.sender] or data.draw(st.integers(0, 9)) == 0:
                it.mark_invalid(tx)  # cannot pay now, or quarantined
                invalid.add(tx.sender)
                continue
            balances[tx.sender] -= charge
            included.append(tx)
            if len(included) >= max_txs:
                stopped = True
                break
        if not stopped:
            assert candidates() == [], "best() ended with candidates left"
        for tx in included:
            self.state.include(tx, base_fee)
        self.events.clear()
        self.pool.on_block(included)
        new_pending, _ = self.sides()
        assert not any(tx.hash in self.pool for tx in included)
        for event in self.events:
            assert event.hash in new_pending and event.hash not in pending

    @rule(sender=st.sampled_from(SENDERS), fee=st.integers(0, 30), spend=st.integers(0, 100))
    def foreign_tx_mined(self, sender: bytes, fee: int, spend: int) -> None:
        """A block holds a tx of `sender` that never went through this pool.

        It spends ``spend`` percent of the balance, so the sender's pooled txs
        may become unaffordable.
        """
        value = self.state.get_balance(sender) * spend // 100
        tx = make_tx(sender, self.state.get_nonce(sender), fee, fee, value=value)
        if tx.cost() > self.state.get_balance(sender):
            return
        pending, _ = self.sides()
        self.state.include(tx, base_fee=0)
        self.events.clear()
        self.pool.on_block([tx])
        new_pending, _ = self.sides()
        for event in self.events:
            assert event.hash in new_pending and event.hash not in pending

    @rule(sender=st.sampled_from(SENDERS), amount=st.integers(1, 100_000))
    def credit(self, sender: bytes, amount: int) -> None:
        self.state.balances[sender] = self.state.get_balance(sender) + amount

    @rule(dt=st.integers(0, 80))  # whole seconds: no float rounding at the boundary
    def tick_and_expire(self, dt: int) -> None:
        self.now += dt
        _, queued = self.sides()
        expired = self.pool.expire()
        for tx in expired:
            assert tx.hash in queued and self.now - self.added_at[tx.hash] > LIFETIME
        _, queued = self.sides()
        assert all(self.now - self.added_at[h] <= LIFETIME for h in queued)

    @precondition(lambda self: len(self.pool) > 0)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        tx = data.draw(st.sampled_from(self.all_txs()))
        assert self.pool.remove(tx.hash) is tx
        assert tx.hash not in self.pool

    # invariants
    @invariant()
    def structure(self) -> None:
        pending, queued = self.sides()
        assert not pending.keys() & queued.keys()
        assert self.pool.status() == (len(pending), len(queued))
        assert len(self.pool) == len(pending) + len(queued)
        assert len(pending) <= LIMITS["global_slots"]
        assert len(queued) <= LIMITS["global_queue"]
        content = self.pool.content()
        for sender in SENDERS:
            base = self.state.get_nonce(sender)
            p = sorted(content["pending"].get(sender, {}))
            q = sorted(content["queued"].get(sender, {}))
            assert p == list(range(base, base + len(p))), "pending not contiguous from state"
            assert all(n > base + len(p) for n in q), "a queued tx is executable"
            assert len(p) + len(q) <= LIMITS["account_slots"]
            assert self.pool.pending_nonce(sender) == base + len(p)
            balance = self.state.get_balance(sender)
            for tx in (
                *content["pending"].get(sender, {}).values(),
                *content["queued"].get(sender, {}).values(),
            ):
                assert tx.cost() <= balance
                assert self.pool.get(tx.hash) is tx


class FifoPoolMachine(PoolMachine):
    ordering_name = "fcfs"


_machine_settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPoolPriorityFee = PoolMachine.TestCase
TestPoolPriorityFee.settings = _machine_settings
TestPoolFifo = FifoPoolMachine.TestCase
TestPoolFifo.settings = _machine_settings
