"""The verifier: re-derive the L2 chain from genesis, the DA layer and the L1 inbox.

It keeps its own chain in an empty data directory and, for every posted block in
order: applies the inbox items the block must include (the sequencer's claim, or
more if the inclusion window says so: derivation overrules the sequencer), skips the
forced transactions the sequencer recorded as held, re-executes the sequencer's
transactions, and compares the block hash and state root with the ones posted. Output
roots posted on the layer are checked against the derived blocks too.

The first divergence (block number and cause) is what an operator needs: after it the
derived chain and the sequencer's claims part ways, so later mismatches are counted,
not repeated.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from seqguard.builder.builder import BlockBuilder, FixedTransactions
from seqguard.chain import Chain
from seqguard.errors import TxError
from seqguard.genesis import Genesis
from seqguard.ingress import decode_raw_transaction
from seqguard.rollup.batch import Batch, BatchBlock
from seqguard.rollup.da.base import DataAvailability, Output
from seqguard.rollup.derive import Derivation, DerivationError
from seqguard.rollup.inbox import InboxItem, required_next


@dataclass(frozen=True, slots=True)
class Divergence:
    block: int
    cause: str

    def to_json(self) -> dict[str, Any]:
        return {"block": self.block, "cause": self.cause}


class InboxReader(Protocol):
    """What the verifier needs of the L1 inbox (``rollup.l1.L1Inbox``)."""

    def read(self, cursor: int) -> tuple[list[InboxItem], int]: ...


@dataclass
class Progress:
    blocks: int = 0  # blocks derived and executed
    batches: int = 0
    duplicates: int = 0  # blocks posted twice (the same claims): ignored
    outputs: int = 0  # output roots checked
    inbox_items: int = 0
    forced_by_derivation: int = 0  # inbox items the sequencer left out past the window
    divergent_blocks: int = 0
    first: Divergence | None = None
    seconds: float = 0.0
    history: list[Divergence] = field(default_factory=list)


class Verifier:
    def __init__(
        self,
        data_dir: str | Path,
        genesis: Genesis,
        da: DataAvailability,
        *,
        inbox: InboxReader | None = None,  # None without an L1
        inbox_cursor: int = 0,
        inclusion_window: int = 60,
    ) -> None:
        data_dir = Path(data_dir)
        if (data_dir / "chain.sqlite").exists():
            raise ValueError(
                f"{data_dir} already holds a chain: the verifier starts from genesis, "
                "give it an empty directory"
            )
        self.chain = Chain(data_dir, genesis)
        self.builder = BlockBuilder(self.chain, max_txs=1 << 30, budget=None, inspector=None)
        self.derivation = Derivation(da)
        self.da = da
        self.inbox = inbox
        self.inbox_cursor = inbox_cursor
        self.window = inclusion_window
        self.items: list[InboxItem] = []
        self.claimed_next = 0  # the sequencer's inbox position, as its batches say
        self.outputs_cursor = da.start_cursor()
        self.outputs: deque[Output] = deque()
        self.blocks: deque[tuple[Batch, BatchBlock]] = deque()
        self.progress = Progress()
        self.stopped = False  # a divergence the chain cannot be derived past (a gap, bad data)
        self.on_divergence: Callable[[Divergence], None] | None = None

    # -- one round ------------------------------------------------------------------
    def step(self) -> bool:
        """Read what is new on L1 and the DA layer and verify it; True if anything was."""
        if self.stopped:
            return False
        started = time.perf_counter()
        before = (self.progress.blocks, self.progress.outputs)
        if self.inbox is not None:
            items, self.inbox_cursor = self.inbox.read(self.inbox_cursor)
            for item in items:
                if item.index == len(self.items):
                    self.items.append(item)
            self.progress.inbox_items = len(self.items)
        try:
            for batch in self.derivation.poll():
                self.progress.batches += 1
                self.blocks.extend((batch, b) for b in batch.blocks)
        except DerivationError as exc:
            self._diverge(self.chain.head.number + 1, str(exc), stop=True)
        outputs, self.outputs_cursor = self.da.read_outputs(self.outputs_cursor)
        self.outputs.extend(outputs)
        while self.blocks and not self.stopped:
            batch, block = self.blocks[0]
            if not self._verify_block(batch, block):
                break  # waits for the L1 inbox to catch up
            self.blocks.popleft()
        self._check_outputs()
        self.progress.seconds += time.perf_counter() - started
        return (self.progress.blocks, self.progress.outputs) != before

    def finish(self) -> None:
        """No more data will come (a one-shot run): what still waits is a divergence."""
        if self.blocks and not self.stopped:
            _, block = self.blocks[0]
            self._diverge(
                block.number,
                f"the batch includes L1 inbox items up to {block.inbox_next}, "
                f"but the L1 inbox has only {len(self.items)}",
                stop=True,
            )

    # -- checks ---------------------------------------------------------------------
    def _diverge(self, block: int, cause: str, *, stop: bool = False) -> None:
        divergence = Divergence(block, cause)
        p = self.progress
        if p.first is None:
            p.first = divergence
        p.history.append(divergence)
        if stop:
            self.stopped = True
        if self.on_divergence is not None:
            self.on_divergence(divergence)

    def _verify_block(self, batch: Batch, posted: BatchBlock) -> bool:
        chain = self.chain
        head = chain.head
        expected = head.number + 1
        if posted.number < expected:
            ours = chain.db.block_by_number(posted.number)
            if ours is not None and ours.hash != posted.block_hash and self.progress.first is None:
                self._diverge(
                    posted.number,
                    f"posted twice with different hashes: 0x{posted.block_hash.hex()} "
                    f"after 0x{ours.hash.hex()}",
                )
            self.progress.duplicates += 1
            return True
        if posted.number > expected:
            self._diverge(
                expected,
                f"no batch has block {expected}: the next posted block is {posted.number}",
                stop=True,
            )
            return False
        if batch.chain_id != chain.chain_id:
            self._diverge(expected, f"the batch is for chain {batch.chain_id}", stop=True)
            return False
        if posted.timestamp <= head.timestamp:
            self._diverge(expected, "its timestamp does not increase", stop=True)
            return False
        previous = chain.db.block_inbox(expected).inbox_next  # where derivation stands
        if posted.inbox_next > len(self.items):
            return False  # L1 not read that far yet; finish() reports it if it never is
        if posted.inbox_next < self.claimed_next:
            self._diverge(expected, "the inbox position goes backwards", stop=True)
            return False
        self.claimed_next = posted.inbox_next
        due = required_next(self.items, previous, posted.timestamp, self.window)
        agreed = max(previous, posted.inbox_next)
        take = max(agreed, due)
        if due > agreed:
            late = self.items[agreed]
            self.progress.forced_by_derivation += due - agreed
            self._diverge(
                expected,
                f"the sequencer left L1 inbox item {late.index} (enqueued at L1 time "
                f"{late.l1_timestamp}) out past its {self.window} s inclusion window; "
                f"derivation includes items {agreed}..{due - 1} in this block",
            )
        excluded = {
            e.queue_index: (e.tx_hash, e.reason)
            for e in posted.excluded
            if previous <= e.queue_index < posted.inbox_next
        }
        txs = []
        for i, raw in enumerate(posted.txs):
            try:
                txs.append(decode_raw_transaction(raw))
            except TxError as exc:
                self._diverge(expected, f"transaction {i} does not decode: {exc.message}")
        fixed = FixedTransactions(txs)
        self.builder.coinbase = batch.coinbase
        built = self.builder.build(
            lambda base_fee: fixed,
            inbox=self.items[previous:take],
            excluded=excluded,
            timestamp=posted.timestamp,
        )
        chain.append(
            built.block, [tx.raw for tx in built.txs], built.receipts, built.created, built.inbox
        )
        self.progress.blocks += 1
        for tx in fixed.invalid:
            self._diverge(expected, f"transaction 0x{tx.hash.hex()} cannot execute here")
        block = built.block
        if self.progress.first is None or self.progress.first.block == expected:
            if block.state_root != posted.state_root:
                self._diverge(
                    expected,
                    f"state root 0x{block.state_root.hex()} derived, "
                    f"0x{posted.state_root.hex()} posted",
                )
            elif block.hash != posted.block_hash:
                self._diverge(
                    expected,
                    f"block hash 0x{block.hash.hex()} derived, 0x{posted.block_hash.hex()} posted",
                )
        elif (block.hash, block.state_root) != (posted.block_hash, posted.state_root):
            self.progress.divergent_blocks += 1
        return True

    def _check_outputs(self) -> None:
        head = self.chain.head.number
        while self.outputs and self.outputs[0].l2_block <= head:
            output = self.outputs.popleft()
            block = self.chain.db.block_by_number(output.l2_block)
            assert block is not None
            self.progress.outputs += 1
            if (block.hash, block.state_root) != (output.block_hash, output.state_root):
                self._diverge(
                    output.l2_block,
                    f"the output root posted for block {output.l2_block} (hash "
                    f"0x{output.block_hash.hex()}, state root 0x{output.state_root.hex()}) "
                    f"does not match the derived block (hash 0x{block.hash.hex()}, "
                    f"state root 0x{block.state_root.hex()})",
                )

    def close(self) -> None:
        self.chain.close()
        self.da.close()
