"""Ingress decoding: signed transactions in, checked ``Tx`` records out, ``TxError`` otherwise."""

from __future__ import annotations

import random

import pytest
import rlp
import rusty_rlp
from eth.vm.forks.prague import PragueVM
from eth_account import Account
from eth_hash.auto import keccak
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seqguard.ingress.decode as decode_mod
from seqguard.errors import (
    DecodeError,
    InvalidSender,
    OversizedData,
    TxError,
    TxTypeNotSupported,
    TypedTxTooShort,
)
from seqguard.ingress import TX_MAX_SIZE, chain_id_of, decode_raw_transaction
from seqguard.ingress.decode import FALLBACK_DETAIL, SECP256K1_N

BUILDER = PragueVM.get_transaction_builder()
KEYS = [bytes([i + 1]) * 32 for i in range(4)]
ACCOUNTS = [Account.from_key(k) for k in KEYS]


def _addr(rng: random.Random) -> str:
    return to_checksum_address(rng.randbytes(20))


def _random_tx_dict(rng: random.Random, kind: str) -> dict:
    """A random transaction of ``kind`` as eth_account takes it."""
    create = rng.random() < 0.2
    size = rng.choice([0, 1, 4, 36, 68, 300, 5000])
    data = bytes(rng.choice([0, 0, rng.randrange(256)]) for _ in range(size))
    tx: dict = {
        "nonce": rng.choice([0, 1, 127, 128, 255, 256, rng.randrange(2**64 - 1)]),
        "gas": rng.choice([21000, 100_000, 30_000_000, rng.randrange(2**63)]),
        "to": None if create else _addr(rng),
        "value": rng.choice([0, 1, 10**18, rng.randrange(2**256)]),
        "data": data,
    }
    if create:
        tx.pop("to")
    fee = rng.choice([0, 1, 10**9, rng.randrange(2**256)])
    if kind in ("pre155", "155"):
        tx["gasPrice"] = fee
        if kind == "155":
            tx["chainId"] = rng.choice([1, 5, 31337, 2**40 + 7])
        return tx
    tx["chainId"] = rng.choice([1, 10, 31337, 2**63])
    if kind == "2930" or rng.random() < 0.5:
        tx["accessList"] = [
            {
                "address": _addr(rng),
                "storageKeys": ["0x" + rng.randbytes(32).hex() for _ in range(rng.randrange(4))],
            }
            for _ in range(rng.randrange(4))
        ]
    if kind == "2930":
        tx["gasPrice"] = fee
        tx["type"] = 1
    else:
        tx["maxFeePerGas"] = fee
        tx["maxPriorityFeePerGas"] = rng.randrange(fee + 1)
        tx["type"] = 2
    return tx


def _signed_corpus(n: int = 120, seed: int = 7) -> list[tuple[dict, int, bytes]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = ("pre155", "155", "2930", "1559")[i % 4]
        tx = _random_tx_dict(rng, kind)
        k = i % len(KEYS)
        raw = bytes(ACCOUNTS[k].sign_transaction(tx).raw_transaction)
        out.append((tx, k, raw))
    return out


CORPUS = _signed_corpus()


def _sign_typed(tx_type: int, fields: list, key: bytes = KEYS[0]) -> bytes:
    """Sign ``fields`` (the unsigned RLP items) with coincurve, return the typed envelope."""
    from coincurve import PrivateKey

    sig = PrivateKey(key).sign_recoverable(
        keccak(bytes([tx_type]) + rusty_rlp.encode_raw(fields)), hasher=None
    )
    r, s, y = sig[:32].lstrip(b"\0"), sig[32:64].lstrip(b"\0"), sig[64]
    return bytes([tx_type]) + rusty_rlp.encode_raw([*fields, b"\x01" if y else b"", r, s])


def _items(raw: bytes) -> tuple[int | None, list]:
    if raw[0] > 0x7F:
        return None, rlp.decode(raw)
    return raw[0], rlp.decode(raw[1:])


def _encode(tx_type: int | None, items: list) -> bytes:
    body = rusty_rlp.encode_raw(items)
    return body if tx_type is None else bytes([tx_type]) + body


def _be(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


# ---------------------------------------------------------------------------
# valid transactions


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_decodes_like_eth_account_and_py_evm(index: int) -> None:
    signed, key_index, raw = CORPUS[index]
    tx = decode_raw_transaction(raw)
    ref = BUILDER.decode(raw)

    assert tx.raw == raw
    assert tx.hash == keccak(raw) == ref.hash
    assert tx.sender == bytes.fromhex(ACCOUNTS[key_index].address[2:]) == ref.sender
    assert tx.type == signed.get("type", 0)
    assert tx.nonce == signed["nonce"] == ref.nonce
    assert tx.gas == signed["gas"] == ref.gas
    assert tx.value == signed["value"] == ref.value
    assert tx.data == signed["data"] == ref.data
    assert tx.to == (bytes.fromhex(signed["to"][2:]) if "to" in signed else None)
    assert (tx.to or b"") == ref.to
    assert (tx.r, tx.s) == (ref.r, ref.s)
    if tx.type == 0:
        assert tx.max_fee == tx.max_priority_fee == signed["gasPrice"] == ref.gas_price
        assert tx.access_list == ()
        assert tx.v == ref.v
        assert tx.chain_id == signed.get("chainId")
        assert chain_id_of(tx) == signed.get("chainId")
    else:
        assert tx.chain_id == signed["chainId"] == ref.chain_id
        assert tx.v == ref.y_parity
        if tx.type == 1:
            assert tx.max_fee == tx.max_priority_fee == signed["gasPrice"]
        else:
            assert tx.max_fee == signed["maxFeePerGas"] == ref.max_fee_per_gas
            assert tx.max_priority_fee == signed["maxPriorityFeePerGas"]
            assert tx.max_priority_fee == ref.max_priority_fee_per_gas
        expected_al = tuple(
            (bytes.fromhex(e["address"][2:]), tuple(int(k, 16) for k in e["storageKeys"]))
            for e in signed.get("accessList", [])
        )
        assert tx.access_list == expected_al
        assert tuple((a, tuple(s)) for a, s in ref.access_list) == expected_al


@pytest.mark.parametrize("index", range(0, len(CORPUS), 3))
def test_py_evm_object_is_consistent(index: int) -> None:
    _, _, raw = CORPUS[index]
    tx = decode_raw_transaction(raw)
    evm = tx.evm
    # the sender cache is primed: execution will not recover again
    assert evm.__dict__["sender"] == tx.sender
    assert evm.sender == tx.sender
    assert evm.hash == tx.hash
    assert evm.encode() == raw
    # a fresh encoding (bypassing the primed cache) gives the same bytes
    target = evm if tx.type == 0 else evm._inner
    fresh = rlp.encode(target, sedes=type(target))
    assert (fresh if tx.type == 0 else bytes([tx.type]) + fresh) == raw
    # and py-evm, recovering by itself from the object we built, agrees
    assert evm.get_sender() == tx.sender
    assert type(evm) is type(BUILDER.decode(raw))
    assert evm == BUILDER.decode(raw)


@pytest.mark.parametrize("index", [1, 3])  # legacy, typed
def test_primed_caches_are_what_py_evm_reads(index: int) -> None:
    tx = decode_raw_transaction(CORPUS[index][2])
    # a marker proves py-evm reads the primed value instead of recovering again
    tx.evm.__dict__["sender"] = b"\xee" * 20
    assert tx.evm.sender == b"\xee" * 20


def test_big_calldata_decodes_and_exact_limit() -> None:
    acct = ACCOUNTS[0]
    base = {
        "nonce": 0,
        "gasPrice": 1,
        "gas": 10**7,
        "to": to_checksum_address("0x" + "11" * 20),
        "value": 0,
    }
    raw = bytes(acct.sign_transaction({**base, "data": b"\x01" * 120_000}).raw_transaction)
    assert decode_raw_transaction(raw).data == b"\x01" * 120_000
    # the largest size accepted is the limit itself
    n = 120_000
    while True:
        raw = bytes(acct.sign_transaction({**base, "data": b"\x01" * n}).raw_transaction)
        if len(raw) >= TX_MAX_SIZE:
            break
        n += TX_MAX_SIZE - len(raw)
    assert len(raw) == TX_MAX_SIZE
    assert decode_raw_transaction(raw).sender == bytes.fromhex(acct.address[2:])
    raw = bytes(acct.sign_transaction({**base, "data": b"\x01" * (n + 1)}).raw_transaction)
    with pytest.raises(OversizedData):
        decode_raw_transaction(raw)


def test_accepts_bytearray_and_memoryview() -> None:
    raw = CORPUS[3][2]
    assert decode_raw_transaction(bytearray(raw)).hash == keccak(raw)
    assert decode_raw_transaction(memoryview(raw)).hash == keccak(raw)


# ---------------------------------------------------------------------------
# signatures


def _with_signature(raw: bytes, v: int, r: int, s: int) -> bytes:
    tx_type, items = _items(raw)
    return _encode(tx_type, [*items[:-3], _be(v), _be(r), _be(s)])


@pytest.mark.parametrize("index", [0, 1, 2, 3])  # pre-155, 155, 2930, 1559
def test_high_s_rejected(index: int) -> None:
    raw = CORPUS[index][2]
    tx = decode_raw_transaction(raw)
    # (r, n - s) with the other parity is the same signature by the same key:
    # only EIP-2's low-s rule refuses it
    if tx.type != 0:
        flipped_v = 1 - tx.v
    elif tx.chain_id is None:
        flipped_v = 55 - tx.v  # 27 <-> 28
    else:
        flipped_v = tx.chain_id * 2 + 35 + (1 - (tx.v - 35) % 2)
    malleated = _with_signature(raw, flipped_v, tx.r, SECP256K1_N - tx.s)
    with pytest.raises(
        InvalidSender, match=r"^invalid sender: invalid transaction v, r, s values$"
    ):
        decode_raw_transaction(malleated)


@pytest.mark.parametrize(
    ("index", "v", "r", "s"),
    [
        (2, 0, 0, 1),  # r = 0
        (2, 0, 1, 0),  # s = 0
        (3, 0, SECP256K1_N, 1),  # r >= n
        (3, 2, 1, 1),  # typed y_parity must be 0 or 1
        (3, 27, 1, 1),
        (1, 29, 1, 1),  # legacy v neither 27/28 nor >= 35
        (1, 0, 1, 1),
        (1, 1, 1, 1),
        (0, 34, 1, 1),
    ],
)
def test_bad_signature_values_rejected(index: int, v: int, r: int, s: int) -> None:
    raw = _with_signature(CORPUS[index][2], v, r, s)
    with pytest.raises(
        InvalidSender, match=r"^invalid sender: invalid transaction v, r, s values$"
    ):
        decode_raw_transaction(raw)


def test_unrecoverable_signature_rejected() -> None:
    # x = 5 is not on secp256k1 (5**3 + 7 = 132 is not a square mod p)
    raw = _with_signature(CORPUS[3][2], 0, 5, 1)
    with pytest.raises(InvalidSender, match=r"^invalid sender"):
        decode_raw_transaction(raw)


@pytest.mark.parametrize("index", [0, 1, 2, 3, 4, 5, 6, 7])
def test_flipped_bits_error_or_change_sender(index: int) -> None:
    raw = CORPUS[index][2]
    original = decode_raw_transaction(raw).sender
    rng = random.Random(index)
    for _ in range(60):
        pos = rng.randrange(len(raw))
        mutated = bytearray(raw)
        mutated[pos] ^= 1 << rng.randrange(8)
        try:
            tx = decode_raw_transaction(bytes(mutated))
        except TxError as exc:
            assert exc.message != f"rlp: {FALLBACK_DETAIL}"
            continue
        assert tx.sender != original


def test_eip155_chain_id_from_v() -> None:
    signed = {
        "nonce": 1,
        "gasPrice": 1,
        "gas": 21000,
        "to": to_checksum_address("0x" + "22" * 20),
        "value": 0,
    }
    for chain_id in (1, 1337, 2**32):
        raw = bytes(ACCOUNTS[1].sign_transaction({**signed, "chainId": chain_id}).raw_transaction)
        tx = decode_raw_transaction(raw)
        assert tx.chain_id == chain_id
        assert tx.v in (chain_id * 2 + 35, chain_id * 2 + 36)
    raw = bytes(ACCOUNTS[1].sign_transaction(signed).raw_transaction)
    tx = decode_raw_transaction(raw)
    assert tx.chain_id is None and tx.v in (27, 28) and chain_id_of(tx) is None


# ---------------------------------------------------------------------------
# envelope and sizes


def test_oversized_rejected_before_decoding() -> None:
    with pytest.raises(
        OversizedData, match=r"^oversized data: transaction size 1048576, limit 131072$"
    ):
        decode_raw_transaction(b"\x02" + b"\xff" * (2**20 - 1))
    with pytest.raises(OversizedData):
        decode_raw_transaction(b"\x00" * (TX_MAX_SIZE + 1))


@pytest.mark.parametrize("type_byte", [0x00, 0x03, 0x04, 0x05, 0x7F])
def test_unsupported_types(type_byte: int) -> None:
    with pytest.raises(TxTypeNotSupported, match=r"^transaction type not supported$"):
        decode_raw_transaction(bytes([type_byte]) + CORPUS[3][2][1:])


def test_blob_and_set_code_transactions_not_supported() -> None:
    # realistic bodies: a type-2 body under the type-3 / type-4 byte
    for type_byte in (3, 4):
        with pytest.raises(TxTypeNotSupported):
            decode_raw_transaction(bytes([type_byte]) + rusty_rlp.encode_raw([b"\x01"] * 14))


@pytest.mark.parametrize("raw", [b"", b"\x01", b"\x02", b"\x7f"])
def test_typed_too_short(raw: bytes) -> None:
    with pytest.raises(TypedTxTooShort, match=r"^typed transaction too short$"):
        decode_raw_transaction(raw)
    assert issubclass(TypedTxTooShort, DecodeError)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x80", "rlp: expected input list for types.LegacyTx"),
        (b"\x85hello", "rlp: expected input list for types.LegacyTx"),
        (b"\x02\x80", "rlp: expected input list for types.DynamicFeeTx"),
        (b"\x01\x05", "rlp: expected input list for types.AccessListTx"),
        (b"\xc0", "rlp: too few elements for types.LegacyTx"),
        (b"\x02\xc0", "rlp: too few elements for types.DynamicFeeTx"),
        (b"\xc3\x01\x02", "rlp: value size exceeds available input length"),
        (b"\xc1\x01\x02", "rlp: input contains more than one value"),
        (b"\xf8\x01\x01", "rlp: non-canonical size information for types.LegacyTx"),
        (b"\xf9", "rlp: value size exceeds available input length"),
        (b"\xf9\x00\x38" + b"\x01" * 56, "rlp: non-canonical size information for types.LegacyTx"),
    ],
)
def test_envelope_errors(raw: bytes, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_raw_transaction(raw)
    assert info.value.message == message


def test_field_count_errors() -> None:
    raw = CORPUS[3][2]
    _, items = _items(raw)
    with pytest.raises(
        DecodeError, match=r"^rlp: input list has too many elements for types.DynamicFeeTx$"
    ):
        decode_raw_transaction(_encode(2, [*items, b""]))
    with pytest.raises(DecodeError, match=r"^rlp: too few elements for types.DynamicFeeTx$"):
        decode_raw_transaction(_encode(2, items[:-1]))
    _, items = _items(CORPUS[1][2])
    with pytest.raises(
        DecodeError, match=r"^rlp: input list has too many elements for types.LegacyTx$"
    ):
        decode_raw_transaction(_encode(None, [*items, b""]))


# ---------------------------------------------------------------------------
# fields


def _legacy_fields(**over: object) -> list:
    fields = {
        "nonce": b"\x01", "gasPrice": b"\x01", "gas": b"\x52\x08", "to": b"\x22" * 20,
        "value": b"", "data": b"", "v": b"\x1b", "r": b"\x01", "s": b"\x01",
    }  # fmt: skip
    fields.update(over)
    return list(fields.values())


def _dynamic_fields(**over: object) -> list:
    fields = {
        "chainId": b"\x01", "nonce": b"\x01", "tip": b"\x01", "feeCap": b"\x02", "gas": b"\x52\x08",
        "to": b"\x22" * 20, "value": b"", "data": b"", "accessList": [],
    }  # fmt: skip
    fields.update(over)
    return list(fields.values())


@pytest.mark.parametrize(
    ("over", "message"),
    [
        (
            {"nonce": b"\x00\x01"},
            "non-canonical integer (leading zero bytes) for uint64, decoding into (types.LegacyTx).Nonce",
        ),
        (
            {"nonce": b"\x00"},
            "non-canonical integer (leading zero bytes) for uint64, decoding into (types.LegacyTx).Nonce",
        ),
        (
            {"gas": b"\x01" * 9},
            "input string too long for uint64, decoding into (types.LegacyTx).Gas",
        ),
        (
            {"gasPrice": b"\x00\x05"},
            "non-canonical integer (leading zero bytes) for *uint256.Int, decoding into (types.LegacyTx).GasPrice",
        ),
        (
            {"value": b"\x01" * 33},
            "input string too long for *uint256.Int, decoding into (types.LegacyTx).Value",
        ),
        (
            {"value": [b"\x01"]},
            "expected input string or byte for *uint256.Int, decoding into (types.LegacyTx).Value",
        ),
        (
            {"r": b"\x00\x01"},
            "non-canonical integer (leading zero bytes) for *big.Int, decoding into (types.LegacyTx).R",
        ),
        (
            {"to": b"\x22" * 19},
            "input string too short for common.Address, decoding into (types.LegacyTx).To",
        ),
        (
            {"to": b"\x22" * 21},
            "input string too long for common.Address, decoding into (types.LegacyTx).To",
        ),
        (
            {"to": []},
            "expected input string or byte for common.Address, decoding into (types.LegacyTx).To",
        ),
        (
            {"data": [b""]},
            "expected input string or byte for []uint8, decoding into (types.LegacyTx).Data",
        ),
    ],
)
def test_legacy_field_errors(over: dict, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_raw_transaction(rusty_rlp.encode_raw(_legacy_fields(**over)))
    assert info.value.message == "rlp: " + message


ADDR = b"\x33" * 20
SLOT = b"\x44" * 32


@pytest.mark.parametrize(
    ("access_list", "message"),
    [
        (
            b"",
            "expected input list for types.AccessList, decoding into (types.DynamicFeeTx).AccessList",
        ),
        (
            [b"\x01"],
            "expected input list for types.AccessTuple, decoding into (types.DynamicFeeTx).AccessList[0]",
        ),
        (
            [[ADDR]],
            "too few elements for types.AccessTuple, decoding into (types.DynamicFeeTx).AccessList[0]",
        ),
        (
            [[ADDR, [], []]],
            "input list has too many elements for types.AccessTuple, decoding into (types.DynamicFeeTx).AccessList[0]",
        ),
        (
            [[ADDR, []], [ADDR[:19], []]],
            "input string too short for common.Address, decoding into (types.DynamicFeeTx).AccessList[1].Address",
        ),
        (
            [[ADDR + b"\x01", []]],
            "input string too long for common.Address, decoding into (types.DynamicFeeTx).AccessList[0].Address",
        ),
        (
            [[[], []]],
            "expected input string or byte for common.Address, decoding into (types.DynamicFeeTx).AccessList[0].Address",
        ),
        (
            [[ADDR, SLOT]],
            "expected input list for []common.Hash, decoding into (types.DynamicFeeTx).AccessList[0].StorageKeys",
        ),
        (
            [[ADDR, [SLOT, SLOT[:31]]]],
            "input string too short for common.Hash, decoding into (types.DynamicFeeTx).AccessList[0].StorageKeys[1]",
        ),
        (
            [[ADDR, [SLOT + b"\x01"]]],
            "input string too long for common.Hash, decoding into (types.DynamicFeeTx).AccessList[0].StorageKeys[0]",
        ),
        (
            [[ADDR, [[]]]],
            "expected input string or byte for common.Hash, decoding into (types.DynamicFeeTx).AccessList[0].StorageKeys[0]",
        ),
    ],
)
def test_access_list_errors(access_list: object, message: str) -> None:
    raw = _sign_typed(2, _dynamic_fields(accessList=access_list))
    with pytest.raises(DecodeError) as info:
        decode_raw_transaction(raw)
    assert info.value.message == "rlp: " + message


def test_access_list_slots_keep_leading_zeros() -> None:
    # storage keys are fixed 32-byte hashes, not integers: zeros are canonical
    slot = b"\x00" * 31 + b"\x07"
    fields = [b"\x01", b"\x01", b"\x01", b"\x52\x08", b"\x22" * 20, b"", b""]  # type-1 fields
    raw = _sign_typed(1, [*fields, [[ADDR, [slot, b"\x00" * 32]]]])
    tx = decode_raw_transaction(raw)
    assert tx.access_list == ((ADDR, (7, 0)),)
    assert tx.evm.encode() == raw and BUILDER.decode(raw).hash == tx.hash


def test_typed_chain_id_and_create_fields() -> None:
    raw = _sign_typed(2, _dynamic_fields(to=b"", chainId=_be(2**255), data=b"\x60\x00"))
    tx = decode_raw_transaction(raw)
    assert tx.to is None and tx.chain_id == 2**255 and tx.data == b"\x60\x00"
    assert tx.sender == bytes.fromhex(ACCOUNTS[0].address[2:])
    assert tx.evm.to == b"" and tx.evm.encode() == raw


def test_noncanonical_nested_rlp_rejected() -> None:
    # rusty-rlp's strict mode accepts a long header for a short string inside a list
    fields = [rusty_rlp.encode_raw(x) for x in _legacy_fields()]
    fields[5] = b"\xb8\x01\x80"  # data = b"\x80" with a long-form header
    body = b"".join(fields)
    bad = bytes([0xC0 + len(body)]) + body
    with pytest.raises(DecodeError, match=r"^rlp: non-canonical size information"):
        decode_raw_transaction(bad)
    # a single byte below 0x80 written as a one-byte string
    body = b"\x81\x01" + b"".join(rusty_rlp.encode_raw(x) for x in _legacy_fields()[1:])
    with pytest.raises(DecodeError, match=r"^rlp: "):
        decode_raw_transaction(bytes([0xC0 + len(body)]) + body)


# ---------------------------------------------------------------------------
# property tests: whatever the bytes, only TxError


def _only_tx_errors(raw: bytes) -> None:
    try:
        decode_raw_transaction(raw)
    except TxError as exc:
        # the catch-all guard must never be what answers
        assert exc.message != f"rlp: {FALLBACK_DETAIL}", repr(exc.__cause__)


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_leaves = st.binary(max_size=40) | st.sampled_from(
    [b"", b"\x00", b"\x01", b"\x1b", b"\x01" * 20, b"\x02" * 32, b"\x7f"]
)
rlp_items = st.recursive(_leaves, lambda children: st.lists(children, max_size=4), max_leaves=8)


@FAST
@given(st.binary(max_size=400))
def test_arbitrary_bytes(raw: bytes) -> None:
    _only_tx_errors(raw)


@FAST
@given(st.sampled_from([b"", b"\x01", b"\x02", b"\x03"]), st.binary(max_size=300))
def test_arbitrary_bytes_after_type(prefix: bytes, body: bytes) -> None:
    _only_tx_errors(prefix + body)


@FAST
@given(st.sampled_from([None, 1, 2]), st.lists(_leaves | rlp_items, max_size=13))
def test_arbitrary_rlp_structures(tx_type: int | None, items: list) -> None:
    _only_tx_errors(_encode(tx_type, items))


@FAST
@given(
    st.sampled_from([None, 1, 2]),
    st.lists(_leaves | rlp_items, min_size=9, max_size=12),
    st.integers(0, 11),
)
def test_arbitrary_rlp_with_valid_signature_shape(tx_type: int | None, items: list, k: int) -> None:
    # right field count, plausible signature values: the recovery path runs
    n = 9 if tx_type is None else (11 if tx_type == 1 else 12)
    items = (items + [b""] * n)[:n]
    items[-2:] = [b"\x01" * 32, b"\x02" * 32]
    items[-3] = b"\x1b" if tx_type is None else bytes([k % 2])
    _only_tx_errors(_encode(tx_type, items))


@FAST
@given(
    st.sampled_from(range(len(CORPUS))),
    st.lists(
        st.tuples(
            st.sampled_from(["replace", "insert", "delete"]),
            st.integers(0, 10**6),
            st.binary(min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_valid_transactions(index: int, edits: list) -> None:
    raw = bytearray(CORPUS[index][2])
    for op, pos, chunk in edits:
        pos %= len(raw) + 1
        if op == "replace":
            raw[pos : pos + len(chunk)] = chunk
        elif op == "insert":
            raw[pos:pos] = chunk
        else:
            del raw[pos : pos + len(chunk)]
    _only_tx_errors(bytes(raw))


@FAST
@given(st.sampled_from(range(len(CORPUS))), st.integers(0, 11), rlp_items)
def test_field_replaced_by_arbitrary_item(index: int, field: int, item: object) -> None:
    tx_type, items = _items(CORPUS[index][2])
    items[field % len(items)] = item
    _only_tx_errors(_encode(tx_type, items))


def test_fallback_guard_wraps_unexpected_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object) -> None:
        raise ZeroDivisionError

    monkeypatch.setattr(decode_mod, "_access_list", boom)
    with pytest.raises(DecodeError, match=FALLBACK_DETAIL):
        decode_raw_transaction(CORPUS[3][2])
