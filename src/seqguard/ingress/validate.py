"""Admission rules for a decoded transaction, in geth's order and with geth's messages.

The order follows geth's ``SubmitTransaction`` (replay protection), then
``txpool.ValidateTransaction`` (stateless: init code size, block gas limit,
fee caps, chain id, nonce limit, intrinsic gas, EIP-7623 floor), then
``txpool.ValidateTransactionWithState`` (nonce, balance). The base-fee check
is the one geth's state transition makes (``preCheck``); a sequencer rejects
such a transaction at the door instead of parking it.

Pool-specific rules (minimum tip, replacement, per-account limits, nonce gaps)
belong to the txpool, not here.
"""

from __future__ import annotations

from eth_utils import to_checksum_address

from seqguard.abc import StateReader
from seqguard.errors import (
    FeeCapTooLow,
    FloorDataGasTooLow,
    GasLimitExceeded,
    InitCodeTooLarge,
    InsufficientFunds,
    IntrinsicGasTooLow,
    InvalidChainId,
    NonceMax,
    NonceTooLow,
    TipAboveFeeCap,
    UnprotectedTx,
)
from seqguard.types import Tx

__all__ = [
    "MAX_INITCODE_SIZE",
    "floor_data_gas",
    "intrinsic_gas",
    "validate_stateful",
    "validate_stateless",
    "validate_transaction",
]

# Gas schedule (Prague)
TX_GAS = 21_000
TX_CREATE_GAS = 32_000  # extra for a contract creation (TxGasContractCreation - TxGas)
TX_DATA_ZERO_GAS = 4
TX_DATA_NONZERO_GAS = 16  # EIP-2028
ACCESS_LIST_ADDRESS_GAS = 2_400  # EIP-2930
ACCESS_LIST_SLOT_GAS = 1_900
INITCODE_WORD_GAS = 2  # EIP-3860
TOKEN_FLOOR_GAS = 10  # EIP-7623: cost per calldata token
MAX_INITCODE_SIZE = 2 * 24_576  # EIP-3860: twice the max code size
NONCE_MAX = 2**64 - 1  # EIP-2681


def intrinsic_gas(tx: Tx) -> int:
    """Gas charged before execution starts (geth's ``core.IntrinsicGas``, Prague rules)."""
    data = tx.data
    zeros = data.count(0)
    gas = TX_GAS + zeros * TX_DATA_ZERO_GAS + (len(data) - zeros) * TX_DATA_NONZERO_GAS
    if tx.to is None:
        gas += TX_CREATE_GAS + INITCODE_WORD_GAS * ((len(data) + 31) // 32)
    if tx.access_list:
        gas += ACCESS_LIST_ADDRESS_GAS * len(tx.access_list)
        gas += ACCESS_LIST_SLOT_GAS * sum(len(slots) for _, slots in tx.access_list)
    return gas


def floor_data_gas(tx: Tx) -> int:
    """EIP-7623 minimum gas a transaction pays for its calldata (geth's ``core.FloorDataGas``).

    tokens = zero bytes + 4 * non-zero bytes; floor = 21000 + 10 * tokens.
    """
    data = tx.data
    zeros = data.count(0)
    tokens = zeros + 4 * (len(data) - zeros)
    return TX_GAS + TOKEN_FLOOR_GAS * tokens


def validate_stateless(
    tx: Tx,
    *,
    chain_id: int,
    base_fee: int,
    block_gas_limit: int,
    allow_unprotected: bool = True,
) -> None:
    """The checks that need no account state, in geth's order."""
    # geth's SubmitTransaction refuses these before the pool sees them.
    if tx.chain_id is None and not allow_unprotected:
        raise UnprotectedTx()
    if tx.to is None and len(tx.data) > MAX_INITCODE_SIZE:
        raise InitCodeTooLarge(f"code size {len(tx.data)}, limit {MAX_INITCODE_SIZE}")
    if tx.gas > block_gas_limit:
        raise GasLimitExceeded()
    if tx.max_priority_fee > tx.max_fee:
        raise TipAboveFeeCap()
    if tx.max_fee < base_fee:
        raise FeeCapTooLow(
            f"address {to_checksum_address(tx.sender)}, maxFeePerGas: {tx.max_fee}, "
            f"baseFee: {base_fee}"
        )
    # geth checks the chain id while recovering the sender (types.Sender).
    if tx.chain_id is not None and tx.chain_id != chain_id:
        raise InvalidChainId(f"have {tx.chain_id} want {chain_id}")
    if tx.nonce >= NONCE_MAX:
        raise NonceMax()
    needed = intrinsic_gas(tx)
    if tx.gas < needed:
        raise IntrinsicGasTooLow(f"gas {tx.gas}, minimum needed {needed}")
    floor = floor_data_gas(tx)
    if tx.gas < floor:
        raise FloorDataGasTooLow(f"gas {tx.gas}, minimum needed {floor}")


def validate_stateful(tx: Tx, state: StateReader) -> None:
    """Nonce and balance against the head state (geth's ``ValidateTransactionWithState``)."""
    expected = state.get_nonce(tx.sender)
    if tx.nonce < expected:
        raise NonceTooLow(f"next nonce {expected}, tx nonce {tx.nonce}")
    balance = state.get_balance(tx.sender)
    cost = tx.cost()
    if balance < cost:
        raise InsufficientFunds(f"balance {balance}, tx cost {cost}, overshot {cost - balance}")


def validate_transaction(
    tx: Tx,
    *,
    chain_id: int,
    base_fee: int,
    block_gas_limit: int,
    state: StateReader,
    allow_unprotected: bool = True,
) -> None:
    """Raise the first rule ``tx`` breaks (a ``TxError``), or return if it may enter the pool."""
    validate_stateless(
        tx,
        chain_id=chain_id,
        base_fee=base_fee,
        block_gas_limit=block_gas_limit,
        allow_unprotected=allow_unprotected,
    )
    validate_stateful(tx, state)
