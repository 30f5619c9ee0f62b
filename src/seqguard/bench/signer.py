"""A fast EIP-1559 transaction signer for load generation (coincurve + RLP + keccak).

``eth_account`` signs at about 1 ms per transaction; this signer does the same work in
a few tens of microseconds, so tens of thousands of transactions can be signed before
the clock starts. It signs type-2 (EIP-1559) transactions with an empty access list.
"""

from __future__ import annotations

from dataclasses import dataclass

from coincurve import PrivateKey

try:  # safe-pysha3 directly: ~1 us per hash against ~15 us through eth_hash's auto backend
    from sha3 import keccak_256 as _keccak_256

    def keccak(data: bytes) -> bytes:
        return _keccak_256(data).digest()

except ImportError:  # pragma: no cover
    from eth_hash.auto import keccak

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def bench_key(index: int, label: bytes = b"seqguard-bench-sender") -> bytes:
    """The deterministic private key of bench account ``index`` (32 bytes, never 0 or >= n)."""
    counter = 0
    while True:
        key = keccak(label + index.to_bytes(8, "big") + counter.to_bytes(4, "big"))
        if 0 < int.from_bytes(key, "big") < SECP256K1_N:
            return key
        counter += 1  # pragma: no cover - probability 2**-128


def address_of(private_key: bytes) -> bytes:
    """The 20-byte address of a 32-byte private key."""
    pub = PrivateKey(private_key).public_key.format(compressed=False)
    return keccak(pub[1:])[-20:]


def _rlp_str(item: bytes) -> bytes:
    n = len(item)
    if n == 1 and item[0] < 0x80:
        return item
    if n < 56:
        return bytes((0x80 + n,)) + item
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0xB7 + len(ln),)) + ln + item


def rlp_list(items: list[bytes | list[bytes]]) -> bytes:
    """RLP of a flat list of byte strings (an item may be a list of byte strings, e.g. an
    empty access list). Same output as ``rlp.encode`` for these inputs, ~10x faster."""
    body = b"".join([_rlp_str(it) if it.__class__ is bytes else rlp_list(it) for it in items])
    n = len(body)
    if n < 56:
        return bytes((0xC0 + n,)) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0xF7 + len(ln),)) + ln + body


def _int(value: int) -> bytes:
    """An integer as RLP wants it: big-endian, no leading zeros, 0 -> empty."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""


@dataclass(frozen=True, slots=True)
class SignedTx:
    raw: bytes  # the type-2 envelope: 0x02 || rlp([...])
    hash: bytes  # keccak(raw): the transaction hash

    @property
    def raw_hex(self) -> str:
        return "0x" + self.raw.hex()

    @property
    def hash_hex(self) -> str:
        return "0x" + self.hash.hex()


class Signer:
    """Signs EIP-1559 transactions for one private key on one chain."""

    __slots__ = ("_key", "address", "chain_id")

    def __init__(self, private_key: bytes, chain_id: int) -> None:
        self._key = PrivateKey(private_key)
        self.address = keccak(self._key.public_key.format(compressed=False)[1:])[-20:]
        self.chain_id = chain_id

    @property
    def address_hex(self) -> str:
        return "0x" + self.address.hex()

    def sign(
        self,
        *,
        nonce: int,
        to: bytes | None,
        value: int = 0,
        data: bytes = b"",
        gas: int = 21_000,
        max_fee: int,
        max_priority_fee: int,
    ) -> SignedTx:
        fields = [
            _int(self.chain_id),
            _int(nonce),
            _int(max_priority_fee),
            _int(max_fee),
            _int(gas),
            b"" if to is None else to,
            _int(value),
            data,
            [],  # access list
        ]
        sig = self._key.sign_recoverable(keccak(b"\x02" + rlp_list(fields)), hasher=None)
        # sig = r (32) || s (32) || recovery id (1); libsecp256k1 gives low-s already
        fields += [_int(sig[64]), sig[0:32].lstrip(b"\x00"), sig[32:64].lstrip(b"\x00")]
        raw = b"\x02" + rlp_list(fields)
        return SignedTx(raw, keccak(raw))
