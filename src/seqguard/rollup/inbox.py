"""The L1 inbox: deposits and forced transactions, and the rule that includes them.

Items come from the ``RollupInbox`` contract's ``Enqueued`` events, numbered in one
queue. A block includes the items from its parent's ``inbox_next`` up to its own, at
its start: deposits are credited (as EIP-4895 withdrawals, so the header commits to
them and clients see them in ``withdrawals``), forced transactions run before the
sequencer's own, in queue order. A forced transaction that cannot execute (bad
signature, used nonce, no funds) is skipped; one the sequencer held in quarantine is
skipped and the batch says so (``Exclusion``).

The inclusion rule, the same for the sequencer and every verifier: an item enqueued
at L1 time T must be included by the first block whose timestamp is at least
T + ``window``. A batch that leaves it out past that point is overruled: derivation
includes it anyway at that block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from seqguard.errors import TxError
from seqguard.ingress import decode_raw_transaction
from seqguard.types import Tx, Withdrawal

DEPOSIT, TRANSACTION = 0, 1
GWEI = 10**9

# keccak("Enqueued(uint256,uint8,address,address,uint256,bytes,uint256)")
ENQUEUED_TOPIC = bytes.fromhex("c4e86ea4c601de9f1ade1c88371077698b6cc39f56ea3a64e773293753c0129a")


@dataclass(frozen=True, slots=True)
class InboxItem:
    index: int
    kind: int  # DEPOSIT or TRANSACTION
    sender: bytes  # the L1 account that enqueued it
    to: bytes  # deposit recipient (zero for a transaction)
    value: int  # deposit in wei (whole gwei)
    data: bytes  # the signed L2 transaction
    l1_timestamp: int
    l1_block: int


def withdrawal(item: InboxItem) -> Withdrawal:
    return Withdrawal(item.index, 0, item.to, item.value // GWEI)


def required_next(items: Sequence[InboxItem], current: int, timestamp: int, window: int) -> int:
    """The least ``inbox_next`` a block at ``timestamp`` may have: every item due by then."""
    n = current
    while n < len(items) and items[n].l1_timestamp + window <= timestamp:
        n += 1
    return n


def forced_transaction(item: InboxItem, chain_id: int) -> Tx | None:
    """The L2 transaction a forced item carries, or None if it is not one for this chain
    (undecodable, badly signed, another chain id): such an item is skipped."""
    try:
        tx = decode_raw_transaction(item.data)
    except TxError:
        return None
    return tx if tx.chain_id == chain_id else None  # unprotected ones too: no replays
