"""Accounts, genesis files, ABI encoding and transaction signing for end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import rlp
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_bytes, to_checksum_address
from web3 import Web3

from seqguard.contracts import load_artifact

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_CHAIN_ID = 31337
DEV_BALANCE = 10_000 * 10**18
GWEI = 10**9
ETHER = 10**18

Account.enable_unaudited_hdwallet_features()


@cache
def dev_accounts(n: int = 10) -> tuple[LocalAccount, ...]:
    """The accounts anvil (and ``seqguard node`` in dev mode) prefund: m/44'/60'/0'/0/i."""
    return tuple(
        Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(n)
    )


def account_from_seed(seed: str) -> LocalAccount:
    """A deterministic account that no mnemonic prefunds."""
    return Account.from_key(keccak(text=seed))


def address_from_seed(seed: str) -> str:
    return to_checksum_address(keccak(text=seed)[12:])


def contract_address(sender: str, nonce: int) -> str:
    """Address of a contract created by ``sender`` with ``nonce`` (CREATE)."""
    return to_checksum_address(keccak(rlp.encode([to_bytes(hexstr=sender), nonce]))[12:])


def create2_address(deployer: str, salt: bytes, init_code: bytes) -> str:
    h = keccak(b"\xff" + to_bytes(hexstr=deployer) + salt + keccak(init_code))
    return to_checksum_address(h[12:])


def hex_int(n: int) -> str:
    return hex(n)


def hex32(n: int) -> str:
    return "0x" + n.to_bytes(32, "big").hex()


def make_genesis(
    *,
    chain_id: int,
    alloc: dict[str, dict[str, Any]],
    gas_limit: int = 30_000_000,
    base_fee: int = GWEI,
    timestamp: int = 1_700_000_000,
    coinbase: str = "0x" + "00" * 20,
) -> dict[str, Any]:
    """A geth-style genesis with every fork up to Prague active from block 0."""
    return {
        "config": {
            "chainId": chain_id,
            "homesteadBlock": 0,
            "eip150Block": 0,
            "eip155Block": 0,
            "eip158Block": 0,
            "byzantiumBlock": 0,
            "constantinopleBlock": 0,
            "petersburgBlock": 0,
            "istanbulBlock": 0,
            "muirGlacierBlock": 0,
            "berlinBlock": 0,
            "londonBlock": 0,
            "arrowGlacierBlock": 0,
            "grayGlacierBlock": 0,
            "mergeNetsplitBlock": 0,
            "shanghaiTime": 0,
            "cancunTime": 0,
            "pragueTime": 0,
            "terminalTotalDifficulty": 0,
            "terminalTotalDifficultyPassed": True,
            "depositContractAddress": "0x" + "00" * 20,
            "blobSchedule": {
                "cancun": {"target": 3, "max": 6, "baseFeeUpdateFraction": 3338477},
                "prague": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716},
            },
        },
        "nonce": "0x0",
        "timestamp": hex(timestamp),
        "extraData": "0x",
        "gasLimit": hex(gas_limit),
        "difficulty": "0x0",
        "mixHash": "0x" + "00" * 32,
        "coinbase": coinbase,
        "number": "0x0",
        "gasUsed": "0x0",
        "parentHash": "0x" + "00" * 32,
        "baseFeePerGas": hex(base_fee),
        "excessBlobGas": "0x0",
        "blobGasUsed": "0x0",
        "alloc": alloc,
    }


# -- ABI -----------------------------------------------------------------------------------

_W3 = Web3()


@cache
def contract(name: str) -> Any:
    """An address-less web3 contract object of the artifact ``name`` (for ABI encoding)."""
    return _W3.eth.contract(abi=load_artifact(name)["abi"])


def calldata(name: str, fn: str, *args: Any) -> str:
    return contract(name).encode_abi(fn, args=list(args))


def deploy_data(name: str, *args: Any) -> str:
    art = load_artifact(name)
    ctor = next((e for e in art["abi"] if e["type"] == "constructor"), None)
    types = [i["type"] for i in ctor["inputs"]] if ctor else []
    return art["bytecode"] + abi_encode(types, list(args)).hex()


def short_string_slot(s: str) -> str:
    """Storage word of a Solidity ``string`` shorter than 32 bytes (data | len*2)."""
    b = s.encode()
    assert len(b) < 32
    return "0x" + (b.ljust(31, b"\0") + bytes([len(b) * 2])).hex()


def mapping_slot(key: Any, slot: int, key_type: str = "address") -> int:
    """Slot of ``mapping[key]`` where the mapping is declared at ``slot``."""
    return int.from_bytes(keccak(abi_encode([key_type, "uint256"], [key, slot])), "big")


def nested_mapping_slot(k1: str, k2: str, slot: int) -> int:
    inner = mapping_slot(k1, slot)
    return int.from_bytes(keccak(abi_encode(["address", "uint256"], [k2, inner])), "big")


# -- signing -------------------------------------------------------------------------------


@dataclass
class SignedTx:
    """A signed transaction and what the test knows about it."""

    label: str
    sender: str
    nonce: int
    raw: str
    hash: str
    tx: dict[str, Any]
    expect_status: int | None = None
    created: str | None = None  # CREATE address, for contract creations


@dataclass
class TxFactory:
    """Signs transactions locally, tracking one nonce per sender.

    ``fee`` is used as ``gasPrice`` (legacy / EIP-2930) and as both ``maxFeePerGas`` and
    ``maxPriorityFeePerGas`` (EIP-1559), so what a sender pays does not depend on the base
    fee of the block the transaction lands in.
    """

    chain_id: int
    fee: int = 10 * GWEI
    nonces: dict[str, int] = field(default_factory=dict)
    signed: list[SignedTx] = field(default_factory=list)

    def set_nonce(self, account: LocalAccount, nonce: int) -> None:
        self.nonces[account.address] = nonce

    def sign(
        self,
        account: LocalAccount,
        *,
        to: str | None,
        data: str = "0x",
        value: int = 0,
        gas: int = 1_000_000,
        kind: int = 2,
        access_list: Iterable[dict[str, Any]] | None = None,
        label: str = "",
        expect_status: int | None = None,
        record: bool = True,
    ) -> SignedTx:
        nonce = self.nonces.get(account.address, 0)
        tx: dict[str, Any] = {
            "chainId": self.chain_id,
            "nonce": nonce,
            "gas": gas,
            "value": value,
            "data": data,
        }
        if to is not None:
            tx["to"] = to_checksum_address(to)
        if kind == 0:
            tx["gasPrice"] = self.fee
        elif kind == 1:
            tx["type"] = 1
            tx["gasPrice"] = self.fee
            tx["accessList"] = list(access_list or [])
        elif kind == 2:
            tx["type"] = 2
            tx["maxFeePerGas"] = self.fee
            tx["maxPriorityFeePerGas"] = self.fee
            if access_list is not None:
                tx["accessList"] = list(access_list)
        else:
            raise ValueError(f"unsupported tx type {kind}")
        s = account.sign_transaction(tx)
        self.nonces[account.address] = nonce + 1
        st = SignedTx(
            label=label or f"{account.address[:8]}#{nonce}",
            sender=account.address,
            nonce=nonce,
            raw="0x" + bytes(s.raw_transaction).hex(),
            hash="0x" + bytes(s.hash).hex(),
            tx=tx,
            expect_status=expect_status,
            created=contract_address(account.address, nonce) if to is None else None,
        )
        if record:
            self.signed.append(st)
        return st
