"""Node settings: defaults < TOML file (--config) < SEQGUARD_* environment < flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A setting has a wrong name or value; the message says which and why."""


@dataclass
class Config:
    # where and how to listen
    host: str = "127.0.0.1"
    port: int = 8545
    # chain
    data_dir: str = ".seqguard"
    genesis: str | None = None
    chain_id: int | None = None
    block_time: float = 1.0  # seconds between blocks; 0 seals as soon as a tx is pending
    empty_blocks: bool = False  # also seal blocks with no transactions
    coinbase: str = "0x0000000000000000000000000000000000000000"
    max_block_txs: int = 10_000
    build_budget: float | None = (
        None  # seconds of execution per block; default 80% of the block time (0.5 s when sealing on arrival)
    )
    # transaction pool
    ordering: str = "priority-fee"
    price_bump: int = 10
    account_slots: int = 1024
    global_slots: int = 20_000
    global_queue: int = 5_000
    lifetime: float = 3 * 3600.0
    min_tip: int = 0
    allow_unprotected_txs: bool = True
    # inspection and quarantine
    inspection: bool = True
    inspection_budget: float = 0.1  # seconds per transaction before it is held for re-check
    quarantine_expiry: float | None = (
        None  # seconds a held transaction waits; none = until an operator acts
    )
    deny_senders: list[str] = field(default_factory=list)
    deny_recipients: list[str] = field(default_factory=list)
    deny_contracts: list[str] = field(default_factory=list)
    allow_senders: list[str] = field(default_factory=list)
    # "NAME=0xADDRESS:CHECK", see seqguard.inspection.detectors.invariants
    invariants: list[str] = field(default_factory=list)
    admin_token: str | None = (
        None  # bearer token for the admin methods (prefer SEQGUARD_ADMIN_TOKEN)
    )
    admin_addresses: list[str] = field(default_factory=list)  # may sign admin calls (EIP-191)
    # JSON-RPC limits
    max_request_bytes: int = 5 * 1024 * 1024
    max_batch: int = 1000
    max_http_connections: int = 1000
    max_ws_connections: int = 1000
    # misc
    dev_accounts: int = 10
    log_level: str = "info"

    @property
    def effective_build_budget(self) -> float:
        if self.build_budget is not None:
            return self.build_budget
        return 0.8 * self.block_time if self.block_time > 0 else 0.5

    @staticmethod
    def addresses(values: list[str]) -> set[bytes]:
        return {bytes.fromhex(v[2:]) for v in values}

    def parsed_invariants(self) -> list[Any]:
        from seqguard.inspection.detectors import Invariant, InvariantError

        out = []
        for text in self.invariants:
            name, _, rest = text.partition("=")
            address, _, check = rest.partition(":")
            try:
                if not (address.startswith("0x") and len(address) == 42):
                    raise InvariantError(f"{address!r} is not a 0x-prefixed 20-byte address")
                out.append(Invariant.parse(name.strip(), bytes.fromhex(address[2:]), check))
            except (InvariantError, ValueError) as exc:
                raise ConfigError(
                    f"invariant {text!r}: {exc}; write it as NAME=0xADDRESS:CHECK"
                ) from None
        return out

    @property
    def coinbase_bytes(self) -> bytes:
        return bytes.fromhex(self.coinbase[2:])

    def check(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"port {self.port} is not a TCP port (1-65535)")
        if self.block_time < 0:
            raise ConfigError("block_time must be >= 0 seconds (0 = seal on arrival)")
        text = self.coinbase
        if not (text.startswith("0x") and len(text) == 42):
            raise ConfigError(f"coinbase {text!r} is not a 0x-prefixed 20-byte address")
        try:
            bytes.fromhex(text[2:])
        except ValueError as exc:
            raise ConfigError(f"coinbase {text!r} is not hex") from exc
        from seqguard.txpool import ORDERINGS

        if self.ordering not in ORDERINGS:
            raise ConfigError(
                f"ordering {self.ordering!r} is unknown; choose one of {', '.join(ORDERINGS)}"
            )
        for name in (
            "deny_senders",
            "deny_recipients",
            "deny_contracts",
            "allow_senders",
            "admin_addresses",
        ):
            for text in getattr(self, name):
                if not (text.startswith("0x") and len(text) == 42):
                    raise ConfigError(f"{name}: {text!r} is not a 0x-prefixed 20-byte address")
        self.parsed_invariants()
        if self.chain_id is not None and not 0 < self.chain_id < 2**63:
            raise ConfigError("chain_id must be a positive integer")


FIELDS = {f.name: f for f in fields(Config)}


def _coerce(name: str, value: Any, source: str) -> Any:
    f = FIELDS[name]
    kind = str(f.type)
    try:
        if "list" in kind:
            items = value.split(",") if isinstance(value, str) else list(value)
            return [str(item).strip() for item in items if str(item).strip()]
        if "bool" in kind:
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("1", "true", "yes", "on"):
                return True
            if str(value).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if "int" in kind and "float" not in kind:
            return None if value is None else int(value)
        if "float" in kind:
            return float(value)
        return None if value is None else str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {name} = {value!r} is not a valid {kind}") from None


def load_config(
    config_file: str | None, overrides: dict[str, Any], env: dict[str, str] | None = None
) -> Config:
    cfg = Config()
    values: dict[str, Any] = {}
    if config_file:
        try:
            data = tomllib.loads(Path(config_file).read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file {config_file} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {config_file}: {exc}") from None
        # accept both a flat file and one with a [node] table
        data = {**data.pop("node", {}), **data}
        for key, value in data.items():
            name = key.replace("-", "_")
            if name not in FIELDS:
                raise ConfigError(
                    f"{config_file}: unknown setting {key!r}; see `seqguard node --help`"
                )
            values[name] = _coerce(name, value, config_file)
    for key, value in (os.environ if env is None else env).items():
        if key.startswith("SEQGUARD_"):
            name = key[len("SEQGUARD_") :].lower()
            if name in FIELDS:
                values[name] = _coerce(name, value, f"environment {key}")
    for name, value in overrides.items():
        if value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    for name, value in values.items():
        setattr(cfg, name, value)
    cfg.check()
    return cfg
