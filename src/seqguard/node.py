"""The node: wires ingress, pool, builder, chain and RPC together.

Threads: the asyncio loop serves JSON-RPC; handlers that touch the database
run in its worker pool; one builder thread seals blocks. The builder thread is
the only writer of the chain.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from eth.db.account import AccountDB
from eth_hash.auto import keccak

from seqguard import metrics
from seqguard.activity import Activity
from seqguard.builder.builder import BlockBuilder, BuiltBlock
from seqguard.chain import Chain, next_base_fee
from seqguard.config import Config
from seqguard.errors import AlreadyKnown, Quarantined, TxError
from seqguard.execution.calls import RPC_GAS_CAP, CallArgs, execute_call
from seqguard.execution.evm import VM, BlockEnv
from seqguard.execution.tracer import call_trace
from seqguard.genesis import Genesis, dev_genesis, genesis_to_json, load_genesis, parse_genesis
from seqguard.ingress import decode_raw_transaction, validate_transaction
from seqguard.inspection import REJECT, Inspector, Verdict
from seqguard.inspection.detectors import default_detectors
from seqguard.inspection.policy import Policy
from seqguard.quarantine import QuarantineError, QuarantineRecord, QuarantineStore
from seqguard.rollup.inbox import InboxItem
from seqguard.rpc.format import header_json, log_json
from seqguard.trace import Trace
from seqguard.trace.pyevm import trace_from_pyevm
from seqguard.txpool import Journal, PoolConfig, TxPool, get_ordering
from seqguard.types import Block, Tx

log = logging.getLogger("seqguard")

JOURNAL_ROTATE_BLOCKS = 100


class HeadState:
    """Nonces and balances at the head, for ingress and the pool (a StateReader)."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self._lock = threading.Lock()
        self._root = b""
        self._db: AccountDB | None = None

    def _account_db(self) -> AccountDB:
        root = self.chain.head.state_root
        if root != self._root or self._db is None:
            self._db = AccountDB(self.chain.state_db, root)
            self._root = root
        return self._db

    def get_nonce(self, address: bytes) -> int:
        with self._lock:
            return self._account_db().get_nonce(address)

    def get_balance(self, address: bytes) -> int:
        with self._lock:
            return self._account_db().get_balance(address)


def resolve_genesis(config: Config) -> Genesis:
    """--genesis, else the genesis kept in the data directory, else a new dev chain."""
    kept = Path(config.data_dir) / "genesis.json"
    if config.genesis:
        genesis = load_genesis(config.genesis, chain_id=config.chain_id)
    elif kept.exists():
        genesis = parse_genesis(json.loads(kept.read_text()), chain_id=config.chain_id)
    else:
        genesis = dev_genesis(chain_id=config.chain_id, accounts=config.dev_accounts)
    return genesis


class Node:
    def __init__(self, config: Config) -> None:
        self.config = config
        data_dir = Path(config.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        self.genesis = resolve_genesis(config)
        self.chain = Chain(data_dir, self.genesis)
        kept = data_dir / "genesis.json"
        if not kept.exists():
            kept.write_text(json.dumps(genesis_to_json(self.genesis), indent=1))
        self.head_state = HeadState(self.chain)
        self.pool = TxPool(
            self.head_state,
            get_ordering(config.ordering),
            PoolConfig(
                price_bump=config.price_bump,
                account_slots=config.account_slots,
                global_slots=config.global_slots,
                global_queue=config.global_queue,
                lifetime=config.lifetime,
                min_tip=config.min_tip,
            ),
        )
        self.quarantine = QuarantineStore(
            data_dir / "quarantine.sqlite", expiry=config.quarantine_expiry
        )
        self.inspector = (
            Inspector(
                default_detectors(
                    deny_senders=config.addresses(config.deny_senders),
                    deny_recipients=config.addresses(config.deny_recipients),
                    deny_contracts=config.addresses(config.deny_contracts),
                    invariants=config.parsed_invariants(),
                ),
                allow_senders=config.addresses(config.allow_senders),
                budget=config.inspection_budget,
            )
            if config.inspection
            else None
        )
        self.policy = Policy(self.inspector, self.quarantine) if self.inspector else None
        self.activity = Activity()  # the dashboard's live feed and charts
        self.quarantine.listeners.append(self._quarantine_gauges)
        self._quarantine_gauges()
        self.journal = Journal(data_dir / "txpool.journal")
        self.restored = self.pool.restore(self.journal, self._decode_unheld)
        self.pool.journal = self.journal
        self.builder = BlockBuilder(
            self.chain,
            coinbase=config.coinbase_bytes,
            max_txs=config.max_block_txs,
            budget=config.effective_build_budget,
            inspector=self.inspector,
        )
        self.inbox_items: list[InboxItem] = []  # the L1 queue as far as it was read
        self._inbox_lock = threading.Lock()
        self._inbox_next = self.chain.db.block_inbox(self.chain.head.number + 1).inbox_next
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.block_listeners: list[Any] = []  # fn(BuiltBlock) after a block is the head
        self.pending_listeners: list[Any] = []  # fn(Tx) when a tx becomes pending
        # fn(count, feed lines) after each build that inspected something
        self.inspection_listeners: list[Any] = []
        self.pool.on_pending.append(self._on_pending)
        metrics.HEAD_BLOCK.set(self.chain.head.number)

    # -- ingress ----------------------------------------------------------------
    @staticmethod
    def decode(raw: bytes) -> Tx:
        return decode_raw_transaction(raw)

    def _decode_unheld(self, raw: bytes) -> Tx:
        # the journal may still list a transaction that was quarantined since
        if self.quarantine.get(keccak(raw)) is not None:
            raise Quarantined()
        return decode_raw_transaction(raw)

    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Decode, validate and pool ``raw``; its hash once it is safely journaled."""
        try:
            # the hash is the keccak of the bytes: refuse a duplicate before paying
            # for signature recovery
            tx_hash = keccak(raw)
            if tx_hash in self.pool or self.chain.db.tx_location(tx_hash) is not None:
                raise AlreadyKnown()
            record = self.quarantine.blocking(tx_hash)
            if record is not None:
                # caught again without executing it again
                raise Quarantined(
                    f"{record.status} by {', '.join(record.detectors)}: {record.reason}"
                )
            tx = decode_raw_transaction(raw)
            same = self.quarantine.held_call(tx.sender, tx.to, tx.data)
            if same is not None:
                # the same call from the same sender, with another nonce or fee
                raise Quarantined(
                    f"the same call is {same.status} (0x{same.hash.hex()}) by "
                    f"{', '.join(same.detectors)}: {same.reason}"
                )
            head = self.chain.head
            validate_transaction(
                tx,
                chain_id=self.chain.chain_id,
                base_fee=next_base_fee(head),
                block_gas_limit=head.gas_limit,
                state=self.head_state,
                allow_unprotected=self.config.allow_unprotected_txs,
            )
            self.pool.add(tx)
        except TxError as exc:
            metrics.TXS_REJECTED.labels(type(exc).__name__).inc()
            raise
        metrics.TXS_ACCEPTED.inc()
        return tx.hash

    def _on_pending(self, tx: Tx) -> None:
        self._wake.set()
        for fn in self.pending_listeners:
            fn(tx)

    # -- blocks -----------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._block_loop, name="builder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.pool.rotate_journal()
        self.journal.close()
        self.quarantine.close()
        self.chain.close()

    def _block_loop(self) -> None:
        interval = self.config.block_time
        next_slot = time.monotonic() + interval
        last_sealed = time.monotonic()
        while not self._stop.is_set():
            if interval == 0:
                # seal as soon as something is pending; wake up now and then for housekeeping
                self._wake.wait(timeout=1.0)
                self._wake.clear()
            else:
                self._stop.wait(max(0.0, next_slot - time.monotonic()))
                next_slot = max(next_slot + interval, time.monotonic())
            if self._stop.is_set():
                break
            try:
                pending, queued = self.pool.status()
                metrics.POOL_PENDING.set(pending)
                metrics.POOL_QUEUED.set(queued)
                if pending == 0 and not self.config.empty_blocks and not self._inbox_due():
                    self.pool.expire()
                    self._quarantine_upkeep(())
                    if not self.pool.status()[0]:
                        continue
                built = self.seal_block()
                if built is not None:
                    now = time.monotonic()
                    metrics.BLOCK_INTERVAL_SECONDS.observe(now - last_sealed)
                    last_sealed = now
                    if interval == 0 and self.pool.status()[0]:
                        self._wake.set()  # more than one block's worth is waiting
            except Exception:
                log.exception("block building failed; retrying at the next slot")
                time.sleep(min(interval or 0.5, 1.0))

    def seal_block(self) -> BuiltBlock | None:
        """Build, persist and announce one block (builder thread)."""
        built = self.builder.build(self.pool.best, inbox=self._inbox_due())
        self._hold(built.held)
        if not built.txs and built.inbox is None and not self.config.empty_blocks:
            if built.invalid:
                self.pool.on_block(built.invalid)
            self._record_inspections(built, sealed=False)
            return None
        self.chain.append(
            built.block, [tx.raw for tx in built.txs], built.receipts, built.created, built.inbox
        )
        if built.inbox is not None:
            self._inbox_next = built.inbox.inbox_next
        self._record_inspections(built, sealed=True)
        self.pool.on_block(built.txs + built.invalid)
        self.builder.bypass.difference_update(tx.hash for tx in built.txs)
        self._quarantine_upkeep(tx.sender for tx in built.txs)
        block = built.block
        metrics.HEAD_BLOCK.set(block.number)
        metrics.BLOCK_BUILD_SECONDS.observe(built.build_seconds)
        metrics.BLOCK_GAS_USED.observe(block.gas_used)
        metrics.BLOCK_TXS.observe(len(built.txs))
        if block.number % JOURNAL_ROTATE_BLOCKS == 0:
            self.pool.rotate_journal()
            self.pool.expire()
        log.info(
            "sealed block %d with %d txs, %d gas, in %.0f ms",
            block.number,
            len(built.txs),
            block.gas_used,
            built.build_seconds * 1000,
        )
        for fn in self.block_listeners:
            try:
                fn(built)
            except Exception:
                log.exception("block listener failed")
        return built

    def _record_inspections(self, built: BuiltBlock, *, sealed: bool) -> None:
        """Keep what inspection found, count the build, and tell the live feed."""
        for item in built.inspected:
            if item.findings:
                acted = set(item.verdict.findings)
                self.quarantine.record_findings(
                    item.tx.hash,
                    built.block.number,
                    [(f, f in acted) for f in item.findings],
                    item.trace.to_json() if item.trace is not None else None,
                )
        lines = self.activity.record(built, sealed=sealed)
        if lines:
            for fn in self.inspection_listeners:
                try:
                    fn(len(built.inspected), lines)
                except Exception:
                    log.exception("inspection listener failed")

    # -- the L1 inbox (rollup.inbox) -----------------------------------------------
    def add_inbox_items(self, items: list[InboxItem]) -> None:
        """Items read from the L1 inbox, in queue order, continuing the known queue."""
        with self._inbox_lock:
            for item in items:
                if item.index == len(self.inbox_items):
                    self.inbox_items.append(item)
        if items:
            self._wake.set()

    def _inbox_due(self) -> list[InboxItem]:
        """What the next block includes: every item seen and not yet included, unless
        this sequencer was told to ignore the inbox (derivation then overrules it)."""
        if self.config.ignore_inbox:
            return []
        with self._inbox_lock:
            return self.inbox_items[self._inbox_next :]

    # -- quarantine ---------------------------------------------------------------
    def release_held(
        self, tx_hash: bytes, *, by: str, reason: str, expired: bool = False
    ) -> QuarantineRecord:
        """Let a held transaction re-enter the builder, without inspecting it again.

        One that can no longer execute (its nonce used, its funds gone) is
        dropped instead.
        """
        record = self.quarantine.get(tx_hash)
        if record is None or record.status != "quarantined":
            state = "was never quarantined" if record is None else f"is {record.status}"
            raise QuarantineError(f"0x{tx_hash.hex()} {state}")
        tx = self.decode(record.raw)
        self.builder.bypass.add(tx.hash)
        try:
            self.pool.add(tx)
        except TxError as exc:
            self.builder.bypass.discard(tx.hash)
            return self.quarantine.drop(tx_hash, reason=f"can no longer execute: {exc.message}")
        if expired:
            return self.quarantine.expire(tx_hash)
        return self.quarantine.release(tx_hash, by=by, reason=reason)

    def _quarantine_upkeep(self, senders: Iterable[bytes]) -> None:
        """Release what expired; drop what the chain made impossible."""
        for record in self.quarantine.due():
            try:
                self.release_held(record.hash, by="expiry", reason="expired", expired=True)
            except QuarantineError:
                continue  # an operator acted on it meanwhile
        for sender in set(senders):
            nonce = self.head_state.get_nonce(sender)
            held, _ = self.quarantine.list(status="quarantined", sender=sender, limit=1000)
            for record in held:
                if record.nonce < nonce:
                    with contextlib.suppress(QuarantineError):
                        self.quarantine.drop(
                            record.hash, reason=f"nonce {record.nonce} was used meanwhile"
                        )

    def _quarantine_gauges(self) -> None:
        """After every change to the quarantine (its listener)."""
        counts = self.quarantine.counts()
        metrics.QUARANTINE_SIZE.set(counts["quarantined"])
        self.activity.note_quarantine(counts["quarantined"])
        for status, count in counts.items():
            metrics.QUARANTINE_RECORDS.labels(status).set(count)

    def _hold(self, held: list[tuple[Tx, Verdict]]) -> None:
        for tx, verdict in held:
            status = "rejected" if verdict.action == REJECT else "quarantined"
            self.quarantine.hold(tx, verdict, status=status)
            self.pool.remove(tx.hash)  # later nonces of the sender become queued behind it
            for name in verdict.detectors:
                metrics.TXS_QUARANTINED.labels(name).inc()
            log.warning(
                "%s 0x%s from 0x%s: %s", status, tx.hash.hex(), tx.sender.hex(), verdict.reason
            )

    # -- tracing ----------------------------------------------------------------
    def _replay(self, tx_hash: bytes) -> tuple[Tx, Any, Any, int] | None:
        """Re-execute a mined transaction on its block's state (as geth traces)."""
        found = self.chain.db.tx_location(tx_hash)
        if found is None:
            return None
        loc, _ = found
        block = self.chain.db.block_by_number(loc.block_number)
        parent = self.chain.db.block_by_number(loc.block_number - 1)
        assert block is not None and parent is not None
        state = self.chain.state_at(parent, self.chain.env_of(block))
        raws = self.chain.db.block_raw_txs(block.number)
        for raw in raws[: loc.index]:
            state.lock_changes()
            state.apply_transaction(self.decode(raw).evm)
        tx = self.decode(raws[loc.index])
        state.lock_changes()
        comp = state.apply_transaction(tx.evm)
        return tx, comp, state, VM.finalize_gas_used(tx.evm, comp)

    def trace_transaction(self, tx_hash: bytes, *, with_log: bool = False) -> dict | None:
        """geth's callTracer output for a mined transaction."""
        replayed = self._replay(tx_hash)
        if replayed is None:
            return None
        tx, comp, _, gas_used = replayed
        return call_trace(
            comp, tx_gas=tx.gas, gas_used=gas_used, is_create=tx.to is None, with_log=with_log
        )

    def trace_model(self, tx_hash: bytes) -> Trace | None:
        """The detectors' view (DESIGN §3) of a mined transaction."""
        replayed = self._replay(tx_hash)
        if replayed is None:
            return None
        tx, comp, state, gas_used = replayed
        return trace_from_pyevm(tx, comp, state, gas_used)

    def trace_call(
        self, block: Block, env: BlockEnv, args: CallArgs, *, with_log: bool = False
    ) -> dict:
        gas = args.gas if args.gas is not None else RPC_GAS_CAP
        comp = execute_call(self.chain.state_at(block, env), args, gas)
        used = VM.finalize_gas_used(SimpleNamespace(gas=gas), comp)  # type: ignore[arg-type]
        return call_trace(
            comp, tx_gas=gas, gas_used=used, is_create=args.to is None, with_log=with_log
        )


def block_event(built: BuiltBlock) -> tuple[dict, list[dict]]:
    """The newHeads header and the logs of a sealed block, as JSON."""
    logs = [log_json(entry) for r in built.receipts for entry in r.logs]
    return header_json(built.block), logs
