"""Build and seal one block.

For each candidate the pool yields: take a snapshot of the pending state,
execute, and keep the result (commit) or throw it away (revert). The snapshot
is where inspection plugs in: it judges the executed transaction on the state
it really ran on, and a rejected one is reverted without a second execution.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from eth._utils.address import generate_contract_address
from eth_utils import ValidationError

from seqguard.abc import BestTransactions
from seqguard.chain import Chain
from seqguard.execution.calls import static_call
from seqguard.execution.evm import VM, make_state, seal_block
from seqguard.execution.roots import ordered_trie_root
from seqguard.inspection import ALLOW, Context, Creation, Finding, Inspector, Verdict
from seqguard.inspection.history import Recent
from seqguard.rollup.inbox import (
    DEPOSIT,
    GWEI,
    TRANSACTION,
    InboxItem,
    forced_transaction,
    withdrawal,
)
from seqguard.trace import Trace
from seqguard.trace.pyevm import trace_from_pyevm
from seqguard.types import Block, BlockInbox, Log, Receipt, Tx

log = logging.getLogger(__name__)

EXTRA_DATA = b"seqguard"
ALLOWED = Verdict(ALLOW)  # what a transaction nobody inspects gets


@dataclass(frozen=True, slots=True)
class Inspected:
    """One transaction the inspector judged while the block was built."""

    tx: Tx
    verdict: Verdict
    seconds: float  # tracing and judging
    trace: Trace | None  # kept only when there were findings, for the record

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.verdict.findings + self.verdict.noted


@dataclass(slots=True)
class BuiltBlock:
    block: Block
    txs: list[Tx]
    receipts: list[Receipt]
    invalid: list[Tx] = field(default_factory=list)  # could not execute (stale nonce, funds)
    held: list[tuple[Tx, Verdict]] = field(default_factory=list)  # stopped by inspection
    # contracts the included transactions created: (address, sending account, tx hash)
    created: list[tuple[bytes, bytes, bytes]] = field(default_factory=list)
    build_seconds: float = 0.0
    inspected: list[Inspected] = field(default_factory=list)  # in execution order
    inbox: BlockInbox | None = None  # what it took from the L1 inbox, if anything


class FixedTransactions:
    """Given transactions, in their order, as the builder's ``BestTransactions`` (a
    posted block being re-executed, a benchmark's prepared load). As with the pool,
    marking one invalid skips its sender's later ones; ``invalid`` lists those marked."""

    def __init__(self, txs: Sequence[Tx]) -> None:
        self.txs = txs
        self.invalid: list[Tx] = []
        self._skip: set[bytes] = set()

    def __iter__(self) -> Iterator[Tx]:
        return (tx for tx in self.txs if tx.sender not in self._skip)

    def mark_invalid(self, tx: Tx) -> None:
        self.invalid.append(tx)
        self._skip.add(tx.sender)


def topic_bytes(topic: int) -> bytes:
    return topic.to_bytes(32, "big")


class BlockBuilder:
    def __init__(
        self,
        chain: Chain,
        *,
        coinbase: bytes = b"\x00" * 20,
        max_txs: int = 10_000,
        budget: float | None = None,
        inspector: Inspector | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.chain = chain
        self.coinbase = coinbase
        self.max_txs = max_txs
        # seconds of execution per block; the rest waits for the next block, so a
        # flood of transactions cannot stretch one block far past the block time
        self.budget = budget
        self.inspector = inspector
        # released from quarantine: executed without being inspected again
        self.bypass: set[bytes] = set()
        self.recent = Recent()  # swaps of recently included transactions, across blocks
        self.clock = clock

    def next_timestamp(self, parent: Block) -> int:
        # strictly increasing, as Ethereum requires, even with sub-second blocks
        return max(int(self.clock()), parent.timestamp + 1)

    def build(
        self,
        best_for: Callable[[int], BestTransactions],
        *,
        inbox: Sequence[InboxItem] = (),
        excluded: Mapping[int, tuple[bytes, str]] | None = None,
        timestamp: int | None = None,
    ) -> BuiltBlock:
        """Build on the current head from ``best_for(base_fee)`` and persist its state.

        ``inbox``: L1 inbox items this block includes, at its start (rollup.inbox):
        deposits are credited, then forced transactions run, each inspected like any
        other, except those whose queue index is in ``excluded`` (a verifier replaying
        the sequencer's decisions: queue index -> (tx hash, reason)). ``timestamp`` fixes the block's time (a verifier
        re-executing a posted block). The block is not yet part of the chain: the
        caller appends it.
        """
        started = time.perf_counter()
        chain = self.chain
        parent = chain.head
        env = chain.block_env(
            parent, self.next_timestamp(parent) if timestamp is None else timestamp, self.coinbase
        )
        state = make_state(chain.state_db, parent.state_root, env)
        best = best_for(env.base_fee)
        budget_end = None if self.budget is None else started + self.budget

        txs: list[Tx] = []
        receipts: list[Receipt] = []
        encoded_receipts: list[bytes] = []
        invalid: list[Tx] = []
        held: list[tuple[Tx, Verdict]] = []
        created: list[tuple[bytes, bytes, bytes]] = []
        made_here: dict[bytes, Creation] = {}  # by earlier transactions of this block
        inspected: list[Inspected] = []

        def creator(address: bytes) -> Creation | None:
            return made_here.get(address) or self.chain.creator(address)

        def view(to: bytes, data: bytes) -> bytes | None:
            return static_call(state, to, data)

        bloom = 0
        cumulative = 0
        log_index = 0

        def execute(tx: Tx) -> Verdict | None:
            """Run ``tx`` in a snapshot: None if it cannot execute here (stale nonce,
            no funds, no room), its verdict otherwise (kept only if allowed)."""
            nonlocal bloom, cumulative, log_index
            if tx.gas > env.gas_limit - cumulative:
                return None
            state.lock_changes()
            snapshot = state.snapshot()
            try:
                comp = state.apply_transaction(tx.evm)
            except ValidationError as exc:
                state.revert(snapshot)
                log.debug("dropping %s: %s", tx.hash.hex(), exc)
                return None
            gas_used = VM.finalize_gas_used(tx.evm, comp)
            new_contracts: Sequence[bytes] = ()
            verdict = ALLOWED
            if self.inspector is not None and tx.hash not in self.bypass:
                # judged on the state it really ran on; a held transaction is undone
                # here, so it costs one execution
                t0 = time.perf_counter()
                trace = trace_from_pyevm(tx, comp, state, gas_used)
                context = Context(
                    env.number,
                    env.timestamp,
                    storage=state.get_storage,
                    balance=state.get_balance,
                    call=view,
                    creator=creator,
                    recent=self.recent,
                )
                verdict = self.inspector.judge(trace, context)
                inspected.append(
                    Inspected(
                        tx,
                        verdict,
                        time.perf_counter() - t0,
                        trace if verdict.findings or verdict.noted else None,
                    )
                )
                if verdict.action != ALLOW:
                    state.revert(snapshot)
                    held.append((tx, verdict))
                    return verdict
                new_contracts = trace.created
                self.recent.add(trace)
            elif tx.to is None and not comp.is_error:
                new_contracts = (generate_contract_address(tx.sender, tx.nonce),)
            state.commit(snapshot)
            for address in new_contracts:
                made_here[address] = Creation(tx.sender, env.number)
                created.append((address, tx.sender, tx.hash))

            cumulative += gas_used
            index = len(txs)
            evm_receipt = tx.evm.make_receipt(
                b"" if comp.is_error else b"\x01", cumulative, comp.get_log_entries()
            )
            encoded_receipts.append(evm_receipt.encode())
            bloom |= evm_receipt.bloom
            logs = []
            for address, topics, data in comp.get_log_entries():
                logs.append(
                    Log(
                        address=address,
                        topics=tuple(topic_bytes(t) for t in topics),
                        data=data,
                        block_number=env.number,
                        tx_hash=tx.hash,
                        tx_index=index,
                        log_index=log_index,
                    )
                )
                log_index += 1
            receipts.append(
                Receipt(
                    tx_hash=tx.hash,
                    tx_index=index,
                    block_hash=b"",
                    block_number=env.number,
                    sender=tx.sender,
                    to=tx.to,
                    type=tx.type,
                    status=0 if comp.is_error else 1,
                    cumulative_gas_used=cumulative,
                    gas_used=gas_used,
                    effective_gas_price=tx.effective_gas_price(env.base_fee),
                    contract_address=generate_contract_address(tx.sender, tx.nonce)
                    if tx.to is None
                    else None,
                    logs=logs,
                    logs_bloom=evm_receipt.bloom.to_bytes(256, "big"),
                )
            )
            txs.append(tx)
            return verdict

        # the L1 inbox first: deposits, then forced transactions, in queue order
        withdrawals = [withdrawal(item) for item in inbox if item.kind == DEPOSIT]
        for w in withdrawals:
            state.delta_balance(w.address, w.amount_gwei * GWEI)
        exclusions: list[tuple[int, bytes, str]] = []
        for item in inbox:
            if item.kind != TRANSACTION:
                continue
            if excluded and item.index in excluded:
                exclusions.append((item.index, *excluded[item.index]))
                continue
            tx = forced_transaction(item, self.chain.chain_id)
            verdict = execute(tx) if tx is not None else None
            if tx is not None and verdict is not None and verdict.action != ALLOW:
                exclusions.append((item.index, tx.hash, verdict.reason))
        forced = len(txs)

        for tx in best:
            verdict = execute(tx)
            if verdict is None or verdict.action != ALLOW:
                # stale, no room, or held: the sender's later nonces wait behind it
                best.mark_invalid(tx)
                if verdict is None and tx.gas <= env.gas_limit - cumulative:
                    invalid.append(tx)
                continue
            if len(txs) >= self.max_txs:
                break
            if budget_end is not None and not len(txs) % 16 and time.perf_counter() > budget_end:
                break

        state_root = state.make_state_root()
        state.persist()
        block = seal_block(
            env,
            parent_hash=parent.hash,
            state_root=state_root,
            raws=[tx.raw for tx in txs],
            tx_hashes=[tx.hash for tx in txs],
            receipts_root=ordered_trie_root(encoded_receipts),
            bloom=bloom,
            gas_used=cumulative,
            extra_data=EXTRA_DATA,
            withdrawals=withdrawals,
        )
        for receipt in receipts:
            receipt.block_hash = block.hash
            for entry in receipt.logs:
                entry.block_hash = block.hash
        inbox_record = (
            BlockInbox(
                chain.db.block_inbox(parent.number + 1).inbox_next + len(inbox),
                forced,
                tuple(withdrawals),
                tuple(exclusions),
            )
            if inbox
            else None
        )
        return BuiltBlock(
            block,
            txs,
            receipts,
            invalid,
            held,
            created,
            time.perf_counter() - started,
            inspected,
            inbox_record,
        )
