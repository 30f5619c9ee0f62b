"""Plain records shared by the stages of the pipeline."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import rlp

LEGACY, ACCESS_LIST, DYNAMIC_FEE = 0, 1, 2
SUPPORTED_TX_TYPES = (LEGACY, ACCESS_LIST, DYNAMIC_FEE)


@dataclass(slots=True, eq=False)
class Tx:
    """A decoded, signature-checked transaction.

    ``evm`` is the py-evm transaction object with its sender cache primed, so
    execution never recovers the signature a second time. For legacy and
    EIP-2930 transactions ``max_fee`` and ``max_priority_fee`` both equal the
    gas price, which lets the pool and the ordering treat every type alike.
    """

    hash: bytes
    raw: bytes
    type: int
    chain_id: int | None
    nonce: int
    gas: int
    max_fee: int
    max_priority_fee: int
    to: bytes | None
    value: int
    data: bytes
    access_list: tuple[tuple[bytes, tuple[int, ...]], ...]
    v: int
    r: int
    s: int
    sender: bytes
    evm: Any = field(repr=False)
    received_at: float = field(default_factory=time.time)

    @property
    def gas_price(self) -> int:
        return self.max_fee

    def cost(self) -> int:
        """Most the sender can pay: gas * fee cap + value."""
        return self.gas * self.max_fee + self.value

    def effective_tip(self, base_fee: int) -> int:
        """Tip per gas paid to the fee recipient at ``base_fee`` (negative: cannot pay)."""
        return min(self.max_priority_fee, self.max_fee - base_fee)

    def effective_gas_price(self, base_fee: int) -> int:
        return min(self.max_fee, base_fee + self.max_priority_fee)


@dataclass(slots=True)
class Log:
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes
    # position, filled when the block is sealed
    block_number: int = 0
    block_hash: bytes = b""
    tx_hash: bytes = b""
    tx_index: int = 0
    log_index: int = 0  # index in the block
    removed: bool = False


@dataclass(slots=True)
class Receipt:
    tx_hash: bytes
    tx_index: int
    block_hash: bytes
    block_number: int
    sender: bytes
    to: bytes | None
    type: int
    status: int
    cumulative_gas_used: int
    gas_used: int
    effective_gas_price: int
    contract_address: bytes | None
    logs: list[Log]
    logs_bloom: bytes


@dataclass(slots=True)
class Block:
    """A sealed block: the header fields and the hashes of its transactions."""

    number: int
    hash: bytes
    parent_hash: bytes
    timestamp: int
    state_root: bytes
    transactions_root: bytes
    receipts_root: bytes
    logs_bloom: bytes
    gas_limit: int
    gas_used: int
    base_fee: int
    coinbase: bytes
    extra_data: bytes
    mix_hash: bytes
    header_rlp: bytes
    size: int
    tx_hashes: list[bytes]
    # extra header fields of the current fork (Prague)
    withdrawals_root: bytes = b""
    blob_gas_used: int = 0
    excess_blob_gas: int = 0
    parent_beacon_block_root: bytes = b""
    requests_hash: bytes = b""


class Creation(NamedTuple):
    """Who deployed a contract: the account that sent the creating transaction, and
    the block it landed in."""

    creator: bytes
    block_number: int


@dataclass(slots=True)
class TxLocation:
    block_hash: bytes
    block_number: int
    index: int


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """An EIP-4895 withdrawal record: how an L1 deposit appears in an L2 block."""

    index: int  # the L1 inbox queue index
    validator_index: int
    address: bytes
    amount_gwei: int

    def encode(self) -> bytes:
        return rlp.encode([self.index, self.validator_index, self.address, self.amount_gwei])


@dataclass(frozen=True, slots=True)
class BlockInbox:
    """What a block took from the L1 inbox (rollup.inbox): the queue position after it,
    how many of its first transactions were forced ones, the deposits it credited, and
    the forced transactions it held in quarantine (queue index, tx hash, reason)."""

    inbox_next: int
    forced: int = 0
    withdrawals: tuple[Withdrawal, ...] = ()
    excluded: tuple[tuple[int, bytes, str], ...] = ()
