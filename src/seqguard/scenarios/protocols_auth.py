"""Signing, Merkle trees, a governor and block waiting for the authorisation, signature,
bridge and governance scenarios (``attacks/auth.py``, ``benign/auth.py``).

Digests are built here byte for byte as the contracts in ``contracts/Signatures.sol``,
``Bridges.sol`` and ``Distribution.sol`` build them, and signed with the role's key.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from seqguard.scenarios.base import Session
from seqguard.scenarios.protocols import give, supply, token
from seqguard.trace.geth import hex_int

DOMAIN_TYPE = keccak(
    b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
PERMIT_TYPE = keccak(
    b"Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
)
REQUEST_TYPE = keccak(
    b"ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,bytes data)"
)
FAR_DEADLINE = 2**64


def hx(data: bytes) -> str:
    return "0x" + data.hex()


def sign_digest(s: Session, role: str, digest: bytes) -> bytes:
    """65-byte r‖s‖v signature of a 32-byte digest by the role's key (low s, v 27/28)."""
    return bytes(Account.unsafe_sign_hash(digest, s.who(role).key).signature)


def eth_signed(message_hash: bytes) -> bytes:
    """What ``personal_sign`` signs for a 32-byte message."""
    return keccak(b"\x19Ethereum Signed Message:\n32" + message_hash)


def payout_voucher(s: Session, to: str, amount: int) -> bytes:
    """The PayoutDesk server's signature of keccak256(abi.encodePacked(to, amount))."""
    packed = bytes.fromhex(to[2:]) + amount.to_bytes(32, "big")
    return sign_digest(s, "server", eth_signed(keccak(packed)))


def domain_separator(s: Session, name: str, contract: str) -> bytes:
    return keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [DOMAIN_TYPE, keccak(name.encode()), keccak(b"1"), s.env.chain_id, contract],
        )
    )


def typed_digest(domain: bytes, struct_hash: bytes) -> bytes:
    return keccak(b"\x19\x01" + domain + struct_hash)


@dataclass(frozen=True)
class Permit:
    deadline: int
    v: int
    r: str
    s: str


def sign_permit(s: Session, role: str, token: str, token_name: str, spender: str, value: int,
                nonce: int = 0, deadline: int = FAR_DEADLINE) -> Permit:  # fmt: skip
    """An EIP-2612 permit from ``role`` for ``spender`` on a PermitToken."""
    struct = keccak(
        abi_encode(
            ["bytes32", "address", "address", "uint256", "uint256", "uint256"],
            [PERMIT_TYPE, s.address(role), spender, value, nonce, deadline],
        )
    )
    sig = sign_digest(s, role, typed_digest(domain_separator(s, token_name, token), struct))
    return Permit(deadline, sig[64], hx(sig[:32]), hx(sig[32:64]))


def forward_request(s: Session, role: str, forwarder: str, to: str, data: bytes, nonce: int,
                    gas: int = 200_000) -> tuple[tuple, bytes]:  # fmt: skip
    """A MetaForwarder request from ``role`` and its EIP-712 signature."""
    request = (s.address(role), to, 0, gas, nonce, hx(data))
    struct = keccak(
        abi_encode(
            ["bytes32", "address", "address", "uint256", "uint256", "uint256", "bytes32"],
            [REQUEST_TYPE, s.address(role), to, 0, gas, nonce, keccak(data)],
        )
    )
    digest = typed_digest(domain_separator(s, "MetaForwarder", forwarder), struct)
    return request, sign_digest(s, role, digest)


# -- Merkle trees (pairs hashed in sorted order, as MerkleCheck) --------------------------
def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


def merkle(leaves: list[bytes]) -> tuple[bytes, list[list[str]]]:
    """The root and each leaf's proof (hex), odd nodes carried up unpaired."""
    proofs: list[list[str]] = [[] for _ in leaves]
    level = [(leaf, [i]) for i, leaf in enumerate(leaves)]
    while len(level) > 1:
        nxt = []
        for j in range(0, len(level), 2):
            if j + 1 == len(level):
                nxt.append(level[j])
                continue
            (a, ia), (b, ib) = level[j], level[j + 1]
            for i in ia:
                proofs[i].append(hx(b))
            for i in ib:
                proofs[i].append(hx(a))
            nxt.append((_pair(a, b), ia + ib))
        level = nxt
    return level[0][0], proofs


def airdrop_leaf(index: int, account: str, amount: int) -> bytes:
    return keccak(
        index.to_bytes(32, "big") + bytes.fromhex(account[2:]) + amount.to_bytes(32, "big")
    )


def address_word(address: str) -> bytes:
    """An address as a bytes32 word (left-padded), as a bridge names a recipient."""
    return b"\x00" * 12 + bytes.fromhex(address[2:])


def bridge_message(s: Session, bridge: str, nonce: int, token: str, recipient: str,
                   amount: int) -> bytes:  # fmt: skip
    """A ReplicaBridge message paying ``amount`` of ``token`` to ``recipient`` here."""
    return abi_encode(
        ["uint256", "address", "uint256", "address", "address", "uint256"],
        [s.env.chain_id, bridge, nonce, token, recipient, amount],
    )


def bridge_update(s: Session, role: str, bridge: str, old_root: bytes, new_root: bytes) -> bytes:
    """The updater's signature moving a ReplicaBridge from ``old_root`` to ``new_root``."""
    digest = keccak(
        abi_encode(
            ["uint256", "address", "bytes32", "bytes32"],
            [s.env.chain_id, to_checksum_address(bridge), old_root, new_root],
        )
    )
    return sign_digest(s, role, eth_signed(digest))


# -- governance ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Governance:
    governor: str
    gov: str  # the stake token
    usd: str  # the treasury's token


def silo_governor(s: Session, stakes: dict[str, int], *, gov_supply: int, voting_blocks: int,
                  emergency_delay: int = 1, treasury: int = 10_000) -> Governance:  # fmt: skip
    """A SiloGovernor over a new GOV token holding a ``treasury`` of USD, with ``stakes``
    (role -> GOV) staked by their holders."""
    gov, usd = token(s, "GOV", supply=gov_supply), token(s, "USD")
    governor = s.deploy("team", "SiloGovernor", gov, voting_blocks, emergency_delay)
    give(s, usd, governor, treasury)
    for role, stake in stakes.items():
        supply(s, role, gov, governor, "SiloGovernor", "deposit", stake)
    return Governance(governor, gov, usd)


# -- time ------------------------------------------------------------------------------
def block_number(s: Session) -> int:
    return hex_int(s.env.rpc("eth_blockNumber"))


def wait_past(s: Session, block: int, role: str = "keeper") -> None:
    """Let blocks go by until the chain is past ``block``: a keeper sends itself dust (on
    nodes that seal a block per transaction, as anvil and a ``--block-time 0`` seqguard)."""
    while block_number(s) <= block:
        s.transfer_eth(role, s.address(role), 1)
