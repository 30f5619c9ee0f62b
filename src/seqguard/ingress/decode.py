"""Decode a raw signed transaction (``eth_sendRawTransaction`` bytes) into a ``Tx``.

One pass over the bytes: rusty-rlp splits the envelope, each field is checked
the way geth's RLP decoder checks it (canonical integers, exact sizes, field
counts), the signature is recovered with coincurve, and the py-evm transaction
object is built from the decoded fields with its sender and encoding caches
primed, so neither the builder nor py-evm decode or recover a second time.

Every failure is a ``seqguard.errors.TxError`` subclass, whatever the bytes:
``OversizedData``, ``TxTypeNotSupported``, ``DecodeError`` (messages as geth's
``rlp: ...``) or ``InvalidSender``.
"""

from __future__ import annotations

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT
from eth.vm.forks.berlin.transactions import AccessListTransaction
from eth.vm.forks.london.transactions import DynamicFeeTransaction
from eth.vm.forks.prague.transactions import PragueLegacyTransaction, PragueTypedTransaction
from eth_hash.auto import keccak
from rlp.codec import decode_raw, encode_raw

from seqguard.errors import (
    DecodeError,
    InvalidSender,
    OversizedData,
    TxError,
    TxTypeNotSupported,
    TypedTxTooShort,
)
from seqguard.types import ACCESS_LIST, DYNAMIC_FEE, LEGACY, Tx

__all__ = ["TX_MAX_SIZE", "chain_id_of", "decode_raw_transaction"]

# geth's txMaxSize (core/txpool/legacypool): 4 slots of 32 KiB.
TX_MAX_SIZE = 4 * 32 * 1024

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2

_CTX = GLOBAL_CONTEXT.ctx  # const use only (recover, parse, serialize): thread-safe
_UNCOMPRESSED = lib.SECP256K1_EC_UNCOMPRESSED

_INVALID_SIG = "invalid transaction v, r, s values"  # geth's ErrInvalidSig
# Message of the last-resort guard; tests assert no input ever reaches it.
FALLBACK_DETAIL = "malformed transaction"

# geth's type and field names, so messages read like geth's decoder errors.
_LEGACY_NAME = "types.LegacyTx"
_TYPED_NAMES = {ACCESS_LIST: "types.AccessListTx", DYNAMIC_FEE: "types.DynamicFeeTx"}
_FIELD_COUNT = {LEGACY: 9, ACCESS_LIST: 11, DYNAMIC_FEE: 12}

# Integer fields per type: (index, max bytes, geth type, geth field). Nonce and
# gas are uint64 in geth; fees and value are bounded to 256 bits here (geth
# decodes them unbounded and rejects them later; py-evm's state needs uint256);
# v, r, s are unbounded and judged by the signature check.
_IntSpec = tuple[tuple[int, int, str, str], ...]
_U64, _U256, _BIG = "uint64", "*uint256.Int", "*big.Int"
_UNBOUNDED = 1 << 62
_LEGACY_INTS: _IntSpec = (
    (0, 8, _U64, "Nonce"),
    (1, 32, _U256, "GasPrice"),
    (2, 8, _U64, "Gas"),
    (4, 32, _U256, "Value"),
    (6, _UNBOUNDED, _BIG, "V"),
    (7, _UNBOUNDED, _BIG, "R"),
    (8, _UNBOUNDED, _BIG, "S"),
)
_TYPED_INTS: dict[int, _IntSpec] = {
    ACCESS_LIST: (
        (0, 32, _BIG, "ChainID"),
        (1, 8, _U64, "Nonce"),
        (2, 32, _U256, "GasPrice"),
        (3, 8, _U64, "Gas"),
        (5, 32, _U256, "Value"),
        (8, _UNBOUNDED, _BIG, "V"),
        (9, _UNBOUNDED, _BIG, "R"),
        (10, _UNBOUNDED, _BIG, "S"),
    ),
    DYNAMIC_FEE: (
        (0, 32, _BIG, "ChainID"),
        (1, 8, _U64, "Nonce"),
        (2, 32, _U256, "GasTipCap"),
        (3, 32, _U256, "GasFeeCap"),
        (4, 8, _U64, "Gas"),
        (6, 32, _U256, "Value"),
        (9, _UNBOUNDED, _BIG, "V"),
        (10, _UNBOUNDED, _BIG, "R"),
        (11, _UNBOUNDED, _BIG, "S"),
    ),
}

_int = int.from_bytes
# eth_hash's pysha3 hasher without the per-call isinstance check of the wrapper
_keccak = getattr(keccak, "hasher", keccak)


def chain_id_of(tx: Tx) -> int | None:
    """The chain id a transaction is bound to; ``None`` for pre-EIP-155 legacy ones."""
    return tx.chain_id


def decode_raw_transaction(raw: bytes) -> Tx:
    """Decode, check and recover the sender of one signed transaction envelope.

    Accepts legacy (pre-EIP-155 and EIP-155), EIP-2930 (type 1) and EIP-1559
    (type 2) transactions. Raises only ``TxError`` subclasses.
    """
    if type(raw) is not bytes:
        raw = bytes(raw)
    # Size first, before any work (geth's txMaxSize).
    if len(raw) > TX_MAX_SIZE:
        raise OversizedData(f"transaction size {len(raw)}, limit {TX_MAX_SIZE}")
    try:
        if raw and raw[0] > 0x7F:
            return _decode_legacy(raw)
        return _decode_typed(raw)
    except TxError:
        raise
    except Exception as exc:  # noqa: BLE001 - ingress must answer a TxError, whatever the bytes
        raise DecodeError(FALLBACK_DETAIL) from exc


# ---------------------------------------------------------------------------
# envelope


def _split_list(payload: bytes, name: str) -> list:
    """Decode ``payload`` as exactly one canonical RLP list and return its items."""
    n = len(payload)
    b0 = payload[0]
    if b0 < 0xC0:
        raise DecodeError(f"expected input list for {name}")
    # Check the outer header ourselves: geth's messages differ for a short
    # input and for trailing bytes, and rusty-rlp does not tell them apart.
    if b0 <= 0xF7:
        end = 1 + b0 - 0xC0
    else:
        size_len = b0 - 0xF7
        if n < 1 + size_len:
            raise DecodeError("value size exceeds available input length")
        if payload[1] == 0:
            raise DecodeError(f"non-canonical size information for {name}")
        size = int.from_bytes(payload[1 : 1 + size_len], "big")
        if size < 56:
            raise DecodeError(f"non-canonical size information for {name}")
        end = 1 + size_len + size
    if end > n:
        raise DecodeError("value size exceeds available input length")
    if end < n:
        raise DecodeError("input contains more than one value")
    try:
        items, _ = decode_raw(payload, True, False)
    except Exception as exc:  # rlp.DecodingError, or anything rusty-rlp raises
        raise DecodeError(_rlp_detail(exc)) from exc
    # rusty-rlp's strict mode still accepts some non-canonical nested forms
    # (e.g. the long header 0xb801 before a one-byte string); re-encoding is
    # cheap and settles canonicality once and for all.
    if encode_raw(items) != payload:
        raise DecodeError(f"non-canonical size information for {name}")
    return items


def _rlp_detail(exc: Exception) -> str:
    """A geth-like message for an error from rusty-rlp inside the list."""
    text = str(exc)
    if "TooShort" in text:
        return "value size exceeds available input length"
    if "Trailing" in text:
        return "element is larger than containing list"
    return "non-canonical size information"


# ---------------------------------------------------------------------------
# fields


def _where(name: str, field: str) -> str:
    return f", decoding into ({name}).{field}"


def _check_ints(items: list, spec: _IntSpec, name: str) -> None:
    """Every integer field is a canonical big-endian string of bounded length.

    One loop over a per-type table instead of a call per field: this runs for
    every transaction and the calls were a visible share of a decode.
    """
    for i, max_len, typ, field in spec:
        b = items[i]
        if type(b) is not bytes or len(b) > max_len or (b and not b[0]):
            where = _where(name, field)
            if type(b) is not bytes:
                raise DecodeError(f"expected input string or byte for {typ}{where}")
            if len(b) > max_len:
                raise DecodeError(f"input string too long for {typ}{where}")
            raise DecodeError(f"non-canonical integer (leading zero bytes) for {typ}{where}")


def _to(item: object, name: str) -> bytes | None:
    """Recipient: 20 bytes, or empty for a contract creation."""
    if type(item) is not bytes:
        raise DecodeError(f"expected input string or byte for common.Address{_where(name, 'To')}")
    if not item:
        return None
    if len(item) != 20:
        word = "short" if len(item) < 20 else "long"
        raise DecodeError(f"input string too {word} for common.Address{_where(name, 'To')}")
    return item


def _data(item: object, name: str) -> bytes:
    if type(item) is not bytes:
        raise DecodeError(f"expected input string or byte for []uint8{_where(name, 'Data')}")
    return item


def _access_list(item: object, name: str) -> tuple[tuple[bytes, tuple[int, ...]], ...]:
    """``[[address(20), [slot(32), ...]], ...]`` as geth's types.AccessList."""
    if type(item) is not list:
        raise DecodeError(f"expected input list for types.AccessList{_where(name, 'AccessList')}")
    out = []
    for i, entry in enumerate(item):
        at = f"AccessList[{i}]"
        if type(entry) is not list:
            raise DecodeError(f"expected input list for types.AccessTuple{_where(name, at)}")
        if len(entry) != 2:
            few = "too few elements" if len(entry) < 2 else "input list has too many elements"
            raise DecodeError(f"{few} for types.AccessTuple{_where(name, at)}")
        address, keys = entry
        if type(address) is not bytes:
            raise DecodeError(
                f"expected input string or byte for common.Address{_where(name, at + '.Address')}"
            )
        if len(address) != 20:
            word = "short" if len(address) < 20 else "long"
            raise DecodeError(
                f"input string too {word} for common.Address{_where(name, at + '.Address')}"
            )
        if type(keys) is not list:
            raise DecodeError(
                f"expected input list for []common.Hash{_where(name, at + '.StorageKeys')}"
            )
        slots = []
        for j, key in enumerate(keys):
            if type(key) is not bytes or len(key) != 32:
                where = _where(name, f"{at}.StorageKeys[{j}]")
                if type(key) is not bytes:
                    raise DecodeError(f"expected input string or byte for common.Hash{where}")
                word = "short" if len(key) < 32 else "long"
                raise DecodeError(f"input string too {word} for common.Hash{where}")
            slots.append(int.from_bytes(key, "big"))
        out.append((address, tuple(slots)))
    return tuple(out)


def _check_count(items: list, tx_type: int, name: str) -> None:
    expected = _FIELD_COUNT[tx_type]
    if len(items) < expected:
        raise DecodeError(f"too few elements for {name}")
    if len(items) > expected:
        raise DecodeError(f"input list has too many elements for {name}")


# ---------------------------------------------------------------------------
# signature


def _recover(msg_hash: bytes, recid: int, r: int, s: int) -> bytes:
    """Sender address of a signature; low-s (EIP-2) is required.

    Calls libsecp256k1 through coincurve's cffi bindings directly: the public
    ``PublicKey.from_signature_and_message`` wraps the same three calls in
    objects that cost ~10% of a whole decode.
    """
    if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_HALF_N):
        raise InvalidSender(_INVALID_SIG)
    sig = ffi.new("secp256k1_ecdsa_recoverable_signature *")
    if not lib.secp256k1_ecdsa_recoverable_signature_parse_compact(
        _CTX, sig, r.to_bytes(32, "big") + s.to_bytes(32, "big"), recid
    ):
        raise InvalidSender(_INVALID_SIG)
    pub = ffi.new("secp256k1_pubkey *")
    # fails when r is not the x of a curve point or the key would be infinity
    if not lib.secp256k1_ecdsa_recover(_CTX, pub, sig, msg_hash):
        raise InvalidSender("recovery failed")
    out = ffi.new("unsigned char[65]")
    out_len = ffi.new("size_t *", 65)
    lib.secp256k1_ec_pubkey_serialize(_CTX, out, out_len, pub, _UNCOMPRESSED)
    return _keccak(ffi.buffer(out, 65)[1:])[12:]


# ---------------------------------------------------------------------------
# per type


def _build(cls: type, values: tuple, encoded: bytes) -> object:
    """A py-evm rlp.Serializable from already-checked field values.

    Equivalent to ``cls(*values)`` (which only stores each value under
    ``_meta.field_attrs``) at a third of the cost, with the RLP cache primed
    with the canonical encoding the fields came from.
    """
    obj = cls.__new__(cls)
    obj.__dict__.update(zip(cls._meta.field_attrs, values, strict=True))
    obj._cached_rlp = encoded
    return obj


def _decode_legacy(raw: bytes) -> Tx:
    name = _LEGACY_NAME
    items = _split_list(raw, name)
    _check_count(items, LEGACY, name)
    _check_ints(items, _LEGACY_INTS, name)
    to = _to(items[3], name)
    data = _data(items[5], name)
    nonce = _int(items[0], "big")
    gas_price = _int(items[1], "big")
    gas = _int(items[2], "big")
    value = _int(items[4], "big")
    v = _int(items[6], "big")
    r = _int(items[7], "big")
    s = _int(items[8], "big")

    if v == 27 or v == 28:
        chain_id = None
        recid = v - 27
        unsigned = items[:6]
    elif v >= 35:
        # EIP-155: v = chain_id * 2 + 35 + y_parity
        chain_id, recid = divmod(v - 35, 2)
        unsigned = items[:6] + [_minimal(chain_id), b"", b""]
    else:
        raise InvalidSender(_INVALID_SIG)
    sender = _recover(_keccak(encode_raw(unsigned)), recid, r, s)

    evm = _build(
        PragueLegacyTransaction, (nonce, gas_price, gas, to or b"", value, data, v, r, s), raw
    )
    evm.__dict__["sender"] = sender  # cached_property: execution never recovers again
    return Tx(
        hash=_keccak(raw),
        raw=raw,
        type=LEGACY,
        chain_id=chain_id,
        nonce=nonce,
        gas=gas,
        max_fee=gas_price,
        max_priority_fee=gas_price,
        to=to,
        value=value,
        data=data,
        access_list=(),
        v=v,
        r=r,
        s=s,
        sender=sender,
        evm=evm,
    )


def _decode_typed(raw: bytes) -> Tx:
    if len(raw) <= 1:
        raise TypedTxTooShort()
    tx_type = raw[0]
    name = _TYPED_NAMES.get(tx_type)
    if name is None:
        raise TxTypeNotSupported()
    payload = raw[1:]
    items = _split_list(payload, name)
    _check_count(items, tx_type, name)
    _check_ints(items, _TYPED_INTS[tx_type], name)

    chain_id = _int(items[0], "big")
    nonce = _int(items[1], "big")
    if tx_type == DYNAMIC_FEE:
        tip = _int(items[2], "big")
        fee_cap = _int(items[3], "big")
        k = 4
    else:
        tip = fee_cap = _int(items[2], "big")
        k = 3
    gas = _int(items[k], "big")
    to = _to(items[k + 1], name)
    value = _int(items[k + 2], "big")
    data = _data(items[k + 3], name)
    access_list = _access_list(items[k + 4], name)
    y_parity = _int(items[k + 5], "big")
    r = _int(items[k + 6], "big")
    s = _int(items[k + 7], "big")

    if y_parity > 1:
        raise InvalidSender(_INVALID_SIG)
    sender = _recover(_keccak(raw[:1] + encode_raw(items[:-3])), y_parity, r, s)

    if tx_type == DYNAMIC_FEE:
        fields: tuple = (chain_id, nonce, tip, fee_cap, gas, to or b"", value, data, access_list,
                         y_parity, r, s)  # fmt: skip
        inner = _build(DynamicFeeTransaction, fields, payload)
    else:
        fields = (chain_id, nonce, fee_cap, gas, to or b"", value, data, access_list,
                  y_parity, r, s)  # fmt: skip
        inner = _build(AccessListTransaction, fields, payload)
    evm = PragueTypedTransaction(tx_type, inner)
    tx_hash = _keccak(raw)
    # both are cached properties of the wrapper: execution never recovers or re-hashes
    evm.__dict__["sender"] = sender
    evm.__dict__["hash"] = tx_hash
    return Tx(
        hash=tx_hash,
        raw=raw,
        type=tx_type,
        chain_id=chain_id,
        nonce=nonce,
        gas=gas,
        max_fee=fee_cap,
        max_priority_fee=tip,
        to=to,
        value=value,
        data=data,
        access_list=access_list,
        v=y_parity,
        r=r,
        s=s,
        sender=sender,
        evm=evm,
    )


def _minimal(value: int) -> bytes:
    """Big-endian bytes without leading zeros (empty for 0), as RLP integers are."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")
