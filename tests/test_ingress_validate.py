"""Ingress validation: every admission rule, geth's messages, geth's order."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from eth_account import Account
from eth_utils import to_checksum_address

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
    TxError,
    UnprotectedTx,
)
from seqguard.ingress import (
    MAX_INITCODE_SIZE,
    decode_raw_transaction,
    floor_data_gas,
    intrinsic_gas,
    validate_transaction,
)
from seqguard.types import Tx

ACCT = Account.from_key(b"\x42" * 32)
SENDER = bytes.fromhex(ACCT.address[2:])
TO = to_checksum_address("0x" + "22" * 20)
CHAIN_ID = 31337
BASE_FEE = 10**9
GAS_LIMIT = 30_000_000
ETH = 10**18


@dataclass
class DictState:
    """A StateReader backed by two dicts."""

    nonces: dict[bytes, int] = field(default_factory=dict)
    balances: dict[bytes, int] = field(default_factory=dict)

    def get_nonce(self, address: bytes) -> int:
        return self.nonces.get(address, 0)

    def get_balance(self, address: bytes) -> int:
        return self.balances.get(address, 0)


def rich(nonce: int = 0) -> DictState:
    return DictState({SENDER: nonce}, {SENDER: 10**30})


def make(**fields: object) -> Tx:
    """Sign a type-2 transaction (or legacy / type-1 if the fields say so) and decode it."""
    tx: dict = {
        "type": 2,
        "chainId": CHAIN_ID,
        "nonce": 0,
        "maxFeePerGas": 2 * BASE_FEE,
        "maxPriorityFeePerGas": BASE_FEE,
        "gas": 21_000,
        "to": TO,
        "value": 0,
        "data": b"",
    }
    if "gasPrice" in fields:
        for k in ("type", "maxFeePerGas", "maxPriorityFeePerGas"):
            tx.pop(k)
        if "accessList" in fields:
            tx["type"] = 1
    tx.update(fields)
    tx = {k: v for k, v in tx.items() if v is not None or k != "chainId"}
    if tx.get("to", TO) is None:
        tx.pop("to")
    return decode_raw_transaction(bytes(ACCT.sign_transaction(tx).raw_transaction))


def check(tx: Tx, state: DictState | None = None, **kw: object) -> None:
    args: dict = {
        "chain_id": CHAIN_ID,
        "base_fee": BASE_FEE,
        "block_gas_limit": GAS_LIMIT,
        "state": state if state is not None else rich(),
    }
    args.update(kw)
    validate_transaction(tx, **args)


def message_of(tx: Tx, state: DictState | None = None, **kw: object) -> str:
    with pytest.raises(TxError) as info:
        check(tx, state, **kw)
    return info.value.message


# ---------------------------------------------------------------------------
# accepted


def test_valid_transactions_pass() -> None:
    check(make())
    check(make(gasPrice=BASE_FEE))  # legacy EIP-155
    check(make(gasPrice=BASE_FEE, chainId=None))  # legacy pre-EIP-155
    check(make(gasPrice=BASE_FEE, accessList=[{"address": TO, "storageKeys": []}], gas=23_400))
    check(make(to=None, data=b"\x60\x00", gas=53_000 + 2 * 16 + 2))
    check(make(nonce=5), rich(5))
    check(make(nonce=9), rich(5))  # gaps are the pool's business


def test_exact_balance_is_enough() -> None:
    tx = make(value=7)
    check(tx, DictState({}, {SENDER: tx.gas * tx.max_fee + 7}))


# ---------------------------------------------------------------------------
# each rule with geth's message


def test_unprotected_only_when_disallowed() -> None:
    tx = make(gasPrice=BASE_FEE, chainId=None)
    check(tx, allow_unprotected=True)
    with pytest.raises(UnprotectedTx) as info:
        check(tx, allow_unprotected=False)
    assert info.value.message == "only replay-protected (EIP-155) transactions allowed over RPC"
    check(make(gasPrice=BASE_FEE), allow_unprotected=False)  # EIP-155 is fine
    check(make(), allow_unprotected=False)  # typed are always protected


def test_initcode_size() -> None:
    gas = 10_000_000
    check(make(to=None, data=b"\x01" * MAX_INITCODE_SIZE, gas=gas))
    tx = make(to=None, data=b"\x01" * (MAX_INITCODE_SIZE + 1), gas=gas)
    with pytest.raises(InitCodeTooLarge) as info:
        check(tx)
    assert info.value.message == "max initcode size exceeded: code size 49153, limit 49152"
    # calls may carry more data than that
    check(make(data=b"\x01" * (MAX_INITCODE_SIZE + 1), gas=gas))


def test_block_gas_limit() -> None:
    check(make(gas=GAS_LIMIT))
    with pytest.raises(GasLimitExceeded) as info:
        check(make(gas=GAS_LIMIT + 1))
    assert info.value.message == "exceeds block gas limit"


def test_tip_above_fee_cap() -> None:
    with pytest.raises(TipAboveFeeCap) as info:
        check(make(maxFeePerGas=BASE_FEE, maxPriorityFeePerGas=BASE_FEE + 1))
    assert info.value.message == "max priority fee per gas higher than max fee per gas"


def test_fee_cap_below_base_fee() -> None:
    check(make(maxFeePerGas=BASE_FEE, maxPriorityFeePerGas=0))
    tx = make(maxFeePerGas=BASE_FEE - 1, maxPriorityFeePerGas=0)
    with pytest.raises(FeeCapTooLow) as info:
        check(tx)
    assert info.value.message == (
        f"max fee per gas less than block base fee: address {ACCT.address}, "
        f"maxFeePerGas: {BASE_FEE - 1}, baseFee: {BASE_FEE}"
    )
    # legacy: the gas price is the fee cap
    assert message_of(make(gasPrice=5)).startswith("max fee per gas less than block base fee")
    check(make(gasPrice=0), base_fee=0)


@pytest.mark.parametrize(
    "fields",
    [
        {"chainId": 1},  # typed
        {"chainId": 1, "gasPrice": BASE_FEE},  # legacy EIP-155
        {"chainId": 1, "gasPrice": BASE_FEE, "accessList": []},  # type 1
    ],
)
def test_wrong_chain_id(fields: dict) -> None:
    with pytest.raises(InvalidChainId) as info:
        check(make(**fields))
    assert info.value.message == f"invalid chain id for signer: have 1 want {CHAIN_ID}"


def test_nonce_max() -> None:
    tx = make(nonce=2**64 - 1)
    with pytest.raises(NonceMax) as info:
        check(tx)
    assert info.value.message == "nonce has max value"
    check(make(nonce=2**64 - 2))


@pytest.mark.parametrize(
    ("fields", "needed"),
    [
        ({}, 21_000),
        ({"data": b"\x00\x01\x00"}, 21_000 + 4 + 16 + 4),
        ({"to": None, "data": b"\x01" * 33}, 21_000 + 32_000 + 33 * 16 + 2 * 2),
        ({"to": None, "data": b""}, 53_000),
        (
            {"accessList": [{"address": TO, "storageKeys": ["0x" + "00" * 32, "0x" + "11" * 32]}]},
            21_000 + 2_400 + 2 * 1_900,
        ),
    ],
)
def test_intrinsic_gas(fields: dict, needed: int) -> None:
    tx = make(gas=10**6, **fields)
    assert intrinsic_gas(tx) == needed
    if floor_data_gas(tx) <= needed:
        check(make(gas=needed, **fields))
    with pytest.raises(IntrinsicGasTooLow) as info:
        check(make(gas=needed - 1, **fields))
    assert info.value.message == f"intrinsic gas too low: gas {needed - 1}, minimum needed {needed}"
    assert type(info.value) is IntrinsicGasTooLow


def test_intrinsic_gas_matches_py_evm() -> None:
    rng = random.Random(3)
    for i in range(40):
        data = bytes(rng.choice([0, rng.randrange(256)]) for _ in range(rng.randrange(200)))
        fields: dict = {"gas": 10**6, "data": data, "nonce": i}
        if i % 3 == 0:
            fields["to"] = None
        if i % 2:
            fields["accessList"] = [
                {"address": TO, "storageKeys": ["0x" + rng.randbytes(32).hex()] * rng.randrange(3)}
            ] * rng.randrange(3)
        tx = make(**fields)
        # py-evm charges EIP-3860's initcode words in the computation, geth up front
        words = (len(data) + 31) // 32 if tx.to is None else 0
        assert intrinsic_gas(tx) == tx.evm.intrinsic_gas + 2 * words


def test_floor_data_gas() -> None:
    # 1000 non-zero bytes: intrinsic 21000 + 16000, floor 21000 + 10 * 4000
    data = b"\x01" * 1000
    tx = make(data=data, gas=10**6)
    assert intrinsic_gas(tx) == 37_000
    assert floor_data_gas(tx) == 61_000
    check(make(data=data, gas=61_000))
    with pytest.raises(FloorDataGasTooLow) as info:
        check(make(data=data, gas=60_999))
    assert info.value.message == (
        "insufficient gas for floor data gas cost: gas 60999, minimum needed 61000"
    )
    assert isinstance(info.value, IntrinsicGasTooLow)
    # zero bytes count as one token
    assert floor_data_gas(make(data=b"\x00" * 10, gas=10**6)) == 21_000 + 100
    assert floor_data_gas(make()) == 21_000


def test_nonce_too_low() -> None:
    with pytest.raises(NonceTooLow) as info:
        check(make(nonce=3), rich(5))
    assert info.value.message == "nonce too low: next nonce 5, tx nonce 3"


def test_insufficient_funds() -> None:
    tx = make(value=ETH, gas=21_000)
    cost = 21_000 * 2 * BASE_FEE + ETH
    assert tx.cost() == cost
    with pytest.raises(InsufficientFunds) as info:
        check(tx, DictState({}, {SENDER: ETH}))
    assert info.value.message == (
        f"insufficient funds for gas * price + value: balance {ETH}, tx cost {cost}, "
        f"overshot {cost - ETH}"
    )
    # an unknown account has nothing
    assert message_of(tx, DictState()).startswith("insufficient funds for gas * price + value")


# ---------------------------------------------------------------------------
# order


def test_geth_order() -> None:
    poor = DictState({SENDER: 10}, {})
    # every rule broken at once: the first in geth's order answers
    tx = make(chainId=1, nonce=2**64 - 1, gas=GAS_LIMIT + 1, to=None, data=b"\x01" * 50_000)
    assert message_of(tx, poor, allow_unprotected=False).startswith("max initcode size exceeded")
    assert message_of(make(gasPrice=1, chainId=None, gas=1), poor, allow_unprotected=False) == (
        "only replay-protected (EIP-155) transactions allowed over RPC"
    )
    tx = make(chainId=1, gas=GAS_LIMIT + 1, maxFeePerGas=1, maxPriorityFeePerGas=2)
    assert message_of(tx, poor) == "exceeds block gas limit"
    tx = make(chainId=1, gas=1, maxFeePerGas=1, maxPriorityFeePerGas=2)
    assert message_of(tx, poor).startswith("max priority fee per gas higher")
    tx = make(chainId=1, gas=1, maxFeePerGas=1, maxPriorityFeePerGas=1)
    assert message_of(tx, poor).startswith("max fee per gas less than block base fee")
    assert message_of(make(chainId=1, gas=1, nonce=2**64 - 1), poor).startswith("invalid chain id")
    assert message_of(make(gas=1, nonce=2**64 - 1), poor) == "nonce has max value"
    assert message_of(make(gas=1, nonce=3), poor).startswith("intrinsic gas too low")
    tx = make(gas=23_000, data=b"\x01" * 100, nonce=3)  # intrinsic 22600, floor 25000
    assert message_of(tx, poor).startswith("insufficient gas for floor data gas cost")
    # stateless before stateful, nonce before balance
    assert message_of(make(nonce=3), poor).startswith("nonce too low")
    assert message_of(make(nonce=10), poor).startswith("insufficient funds")
