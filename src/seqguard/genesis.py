"""Genesis: a geth-style genesis JSON, or the dev chain with funded test accounts."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_CHAIN_ID = 31337
DEV_BALANCE = 10_000 * 10**18
DEFAULT_GAS_LIMIT = 30_000_000
DEFAULT_BASE_FEE = 1_000_000_000


class GenesisError(ValueError):
    """The genesis file cannot be used; the message says which field and why."""


@dataclass(slots=True)
class GenesisAccount:
    balance: int = 0
    nonce: int = 0
    code: bytes = b""
    storage: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class Genesis:
    chain_id: int
    alloc: dict[bytes, GenesisAccount]
    gas_limit: int = DEFAULT_GAS_LIMIT
    base_fee: int = DEFAULT_BASE_FEE
    timestamp: int = 0
    coinbase: bytes = b"\x00" * 20
    extra_data: bytes = b""
    mix_hash: bytes = b"\x00" * 32
    # dev accounts (address, private key) to print in the banner
    dev_accounts: list[tuple[bytes, bytes]] = field(default_factory=list)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise GenesisError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            text = value.strip()
            if text.lower().startswith("0x"):
                return int(text, 16) if len(text) > 2 else 0
            return int(text, 10)
        except ValueError:
            pass
    raise GenesisError(f"{what}: expected a hex or decimal number, got {value!r}")


def _bytes(value: Any, what: str, size: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise GenesisError(f"{what}: expected a hex string, got {value!r}")
    text = value[2:] if value.lower().startswith("0x") else value
    if len(text) % 2:
        text = "0" + text
    try:
        out = bytes.fromhex(text)
    except ValueError as exc:
        raise GenesisError(f"{what}: not hex: {value!r}") from exc
    if size is not None:
        if len(out) > size:
            raise GenesisError(f"{what}: longer than {size} bytes")
        out = out.rjust(size, b"\x00")
    return out


def parse_genesis(data: dict[str, Any], *, chain_id: int | None = None) -> Genesis:
    """Read a geth genesis dict. ``chain_id`` (from --chain-id) overrides config.chainId."""
    if not isinstance(data, dict):
        raise GenesisError("genesis: expected a JSON object")
    config = data.get("config") or {}
    if chain_id is None:
        if "chainId" not in config:
            raise GenesisError("config.chainId is missing (or pass --chain-id)")
        chain_id = _int(config["chainId"], "config.chainId")
    alloc: dict[bytes, GenesisAccount] = {}
    raw_alloc = data.get("alloc") or {}
    if not isinstance(raw_alloc, dict):
        raise GenesisError("alloc: expected an object of address -> account")
    for addr, acct in raw_alloc.items():
        where = f"alloc[{addr}]"
        address = _bytes(addr, where, None)
        if len(address) != 20:
            raise GenesisError(f"{where}: an address has 20 bytes")
        if not isinstance(acct, dict):
            raise GenesisError(f"{where}: expected an object")
        storage = {
            _int(k, f"{where}.storage key"): _int(v, f"{where}.storage[{k}]")
            for k, v in (acct.get("storage") or {}).items()
        }
        alloc[address] = GenesisAccount(
            balance=_int(acct.get("balance", 0), f"{where}.balance"),
            nonce=_int(acct.get("nonce", 0), f"{where}.nonce"),
            code=_bytes(acct.get("code", "0x"), f"{where}.code"),
            storage={k: v for k, v in storage.items() if v},
        )
    return Genesis(
        chain_id=chain_id,
        alloc=alloc,
        gas_limit=_int(data.get("gasLimit", DEFAULT_GAS_LIMIT), "gasLimit"),
        base_fee=_int(data.get("baseFeePerGas", DEFAULT_BASE_FEE), "baseFeePerGas"),
        timestamp=_int(data.get("timestamp", 0), "timestamp"),
        coinbase=_bytes(data.get("coinbase", "0x" + "00" * 20), "coinbase", 20),
        extra_data=_bytes(data.get("extraData", "0x"), "extraData"),
        mix_hash=_bytes(data.get("mixHash", "0x" + "00" * 32), "mixHash", 32),
    )


def load_genesis(path: str | Path, *, chain_id: int | None = None) -> Genesis:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise GenesisError(f"genesis file {path} does not exist") from exc
    except json.JSONDecodeError as exc:
        raise GenesisError(f"genesis file {path} is not valid JSON: {exc}") from exc
    return parse_genesis(data, chain_id=chain_id)


def dev_accounts(count: int = 10, mnemonic: str = DEV_MNEMONIC) -> list[tuple[bytes, bytes]]:
    """(address, private key) of the first accounts of the mnemonic, as anvil derives them."""
    Account.enable_unaudited_hdwallet_features()
    out = []
    for i in range(count):
        acct = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{i}")
        out.append((bytes.fromhex(acct.address[2:]), bytes(acct.key)))
    return out


def dev_genesis(
    *, chain_id: int | None = None, accounts: int = 10, balance: int = DEV_BALANCE
) -> Genesis:
    accts = dev_accounts(accounts)
    return Genesis(
        chain_id=DEV_CHAIN_ID if chain_id is None else chain_id,
        alloc={addr: GenesisAccount(balance=balance) for addr, _ in accts},
        timestamp=int(time.time()),
        dev_accounts=accts,
    )


def genesis_to_json(g: Genesis) -> dict[str, Any]:
    """The geth-style JSON of ``g`` (kept in the data directory for restarts)."""
    return {
        "config": {"chainId": g.chain_id},
        "alloc": {
            "0x" + addr.hex(): {
                "balance": hex(a.balance),
                "nonce": hex(a.nonce),
                **({"code": "0x" + a.code.hex()} if a.code else {}),
                **(
                    {"storage": {hex(k): hex(v) for k, v in a.storage.items()}} if a.storage else {}
                ),
            }
            for addr, a in g.alloc.items()
        },
        "gasLimit": hex(g.gas_limit),
        "baseFeePerGas": hex(g.base_fee),
        "timestamp": hex(g.timestamp),
        "coinbase": "0x" + g.coinbase.hex(),
        "extraData": "0x" + g.extra_data.hex(),
        "mixHash": "0x" + g.mix_hash.hex(),
    }
