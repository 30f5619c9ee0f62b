"""Node settings: defaults < TOML file (--config) < SEQGUARD_* environment < flags."""

from __future__ import annotations

import json
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
    # rollup: batches and output roots to a data-availability layer (rollup/)
    da: str = "file"  # "file" (in the data directory), "ethereum" (an L1) or "none"
    l1_rpc: str | None = None  # the L1 node: the inbox is read there, "ethereum" posts there
    l1_deployment: str | None = None  # JSON from `seqguard deploy-l1`: the addresses below
    l1_key: str | None = None  # batcher and proposer key on L1 (prefer SEQGUARD_L1_KEY)
    inbox: str | None = None  # RollupInbox contract on L1
    output_oracle: str | None = None  # OutputOracle contract on L1
    batch_inbox: str | None = None  # where batches are sent as calldata
    batcher: str | None = None  # whose batches count when reading; default: the L1 key's
    l1_start_block: int = 0  # L1 block the rollup contracts were deployed in
    l1_confirmations: int = 0
    batch_interval: float = 2.0  # seconds between batches
    max_batch_blocks: int = 500
    max_frame_bytes: int = 120_000
    compression: str = "zstd"
    output_interval: int = 20  # L2 blocks between output roots
    inclusion_window: int = 60  # seconds an inbox item may wait for inclusion
    ignore_inbox: bool = False  # misbehave: never include inbox items (for tests)
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
        self._check_rollup()
        if self.chain_id is not None and not 0 < self.chain_id < 2**63:
            raise ConfigError("chain_id must be a positive integer")

    def load_deployment(self) -> None:
        """Fill the L1 addresses not set from ``l1_deployment`` (`seqguard deploy-l1 --out`)."""
        if not self.l1_deployment:
            return
        try:
            deployed = json.loads(Path(self.l1_deployment).read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"l1_deployment {self.l1_deployment}: {exc}") from None
        self.inbox = self.inbox or deployed.get("inbox")
        self.output_oracle = self.output_oracle or deployed.get("outputOracle")
        self.batch_inbox = self.batch_inbox or deployed.get("batchInbox")
        self.batcher = self.batcher or deployed.get("batcher")
        self.l1_start_block = self.l1_start_block or int(deployed.get("l1StartBlock", 0))

    def _check_rollup(self) -> None:
        from seqguard.rollup.codec import CODECS

        self.load_deployment()
        if self.da not in ("file", "ethereum", "none"):
            raise ConfigError(f"da {self.da!r} is unknown; choose file, ethereum or none")
        if self.compression not in CODECS:
            raise ConfigError(f"compression must be one of {', '.join(CODECS)}")
        if self.max_frame_bytes < 1024:
            raise ConfigError("max_frame_bytes must be at least 1024")
        needs_l1 = {"inbox": self.inbox}
        if self.da == "ethereum":
            needs_l1 |= {"output_oracle": self.output_oracle, "batch_inbox": self.batch_inbox}
            if not self.l1_key:
                raise ConfigError("da = ethereum needs an L1 key: set SEQGUARD_L1_KEY")
            for name, value in needs_l1.items():
                if not value:
                    raise ConfigError(
                        f"da = ethereum needs --{name.replace('_', '-')} (or --l1-deployment)"
                    )
        for name, value in needs_l1.items():
            if value and not self.l1_rpc:
                raise ConfigError(f"--{name.replace('_', '-')} needs --l1-rpc")
            if value and not (value.startswith("0x") and len(value) == 42):
                raise ConfigError(f"{name}: {value!r} is not a 0x-prefixed 20-byte address")


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
