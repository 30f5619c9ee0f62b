"""A scenario's view of a node: accounts, signing, deploys, calls and what became of each
transaction (included, reverted, held in quarantine), all over plain JSON-RPC, so the
library runs against any node: seqguard, anvil, geth, local or remote.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from seqguard.contracts.abi import decode_output, encode_call
from seqguard.genesis import dev_accounts
from seqguard.rpc.client import HttpRpc, RemoteError
from seqguard.trace.geth import hex_bytes, hex_int

ETHER = 10**18
GWEI = 10**9
TX_QUARANTINED = -32042


class ScenarioError(RuntimeError):
    """A set-up step did not do what the scenario needs (reverted, held, never mined)."""

    def __init__(self, message: str, outcome: Outcome | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one transaction: ``included`` (status 1), ``reverted`` (status 0),
    ``held`` (quarantined or rejected by the node) or ``missing`` (neither, in time)."""

    hash: str
    label: str
    status: str
    detectors: tuple[str, ...] = ()
    reason: str = ""
    block: int | None = None


def dev_keys(n: int = 10) -> list[bytes]:
    """Keys of the accounts anvil and a seqguard dev chain fund (the test mnemonic)."""
    return [key for _, key in dev_accounts(n)]


@dataclass
class Env:
    """One node and the accounts that pay for the scenarios.

    ``funders`` are keys holding ETH on that node (the dev accounts by default);
    ``run_id`` salts every scenario account so that runs against the same node do not
    collide; ``admin_token`` lets scenarios register the invariants a protocol team would.
    """

    url: str
    funders: list[bytes] = field(default_factory=dev_keys)
    run_id: str = field(default_factory=lambda: f"{time.time_ns():x}")
    admin_token: str | None = None
    timeout: float = 30.0
    gas: int = 3_000_000
    serial: bool = False  # wait for each critical tx: one per block, exact post-tx state

    def __post_init__(self) -> None:
        self.rpc = HttpRpc(self.url)
        self.chain_id = hex_int(self.rpc("eth_chainId"))
        self.nonces: dict[str, int] = {}
        self._funder = 0

    # -- accounts and signing --------------------------------------------------------
    def account(self, scope: str, role: str) -> LocalAccount:
        return Account.from_key(keccak(f"seqguard-scenario/{self.run_id}/{scope}/{role}".encode()))

    def _nonce(self, account: LocalAccount) -> int:
        if account.address not in self.nonces:
            self.nonces[account.address] = hex_int(
                self.rpc("eth_getTransactionCount", account.address, "pending")
            )
        return self.nonces[account.address]

    def _fees(self) -> tuple[int, int]:
        base = hex_int(self.rpc("eth_getBlockByNumber", "latest", False).get("baseFeePerGas"))
        return 2 * base + GWEI, GWEI

    def sign(self, account: LocalAccount, to: str | None, data: bytes, value: int = 0,
             gas: int | None = None) -> tuple[str, str]:  # fmt: skip
        """(raw, hash) of an EIP-1559 transaction; the account's nonce moves on."""
        max_fee, tip = self._fees()
        tx: dict[str, Any] = {
            "type": 2, "chainId": self.chain_id, "nonce": self._nonce(account),
            "gas": gas or self.gas, "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip,
            "value": value, "data": data,
        }  # fmt: skip
        if to is not None:
            tx["to"] = to_checksum_address(to)
        signed = account.sign_transaction(tx)
        self.nonces[account.address] += 1
        return "0x" + bytes(signed.raw_transaction).hex(), "0x" + bytes(signed.hash).hex()

    def submit(self, raw: str, tx_hash: str) -> str:
        """Send a signed transaction; one the node holds at the door still gets a hash."""
        try:
            return self.rpc("eth_sendRawTransaction", raw)
        except RemoteError as exc:
            if "quarantine" in str(exc):
                return tx_hash  # a resubmission the node recognised as held
            raise

    def fund(self, addresses: list[str], wei: int) -> None:
        hashes = []
        for address in addresses:
            funder = Account.from_key(self.funders[self._funder % len(self.funders)])
            self._funder += 1
            hashes.append(self.submit(*self.sign(funder, address, b"", value=wei, gas=21_000)))
        for h in hashes:
            if self.outcome(h, "fund").status != "included":
                raise ScenarioError(f"funding transaction {h} did not land")

    # -- outcomes --------------------------------------------------------------------
    def outcome(self, tx_hash: str, label: str, timeout: float | None = None) -> Outcome:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            answer = self._receipt(tx_hash)
            if "result" in answer and answer["result"]:
                r = answer["result"]
                status = "included" if r["status"] == "0x1" else "reverted"
                return Outcome(tx_hash, label, status, block=hex_int(r["blockNumber"]))
            error = answer.get("error")
            if error and error.get("code") == TX_QUARANTINED:
                record = error.get("data") or {}
                if record.get("status") in ("quarantined", "rejected"):
                    return Outcome(tx_hash, label, "held", tuple(record.get("detectors", ())),
                                   record.get("reason", ""))  # fmt: skip
            if time.monotonic() > deadline:
                return Outcome(tx_hash, label, "missing")
            time.sleep(0.05)

    def _receipt(self, tx_hash: str) -> dict[str, Any]:
        return self.rpc.request("eth_getTransactionReceipt", [tx_hash])

    # -- reading ---------------------------------------------------------------------
    def call(self, to: str, artifact: str, fn: str, *args: Any) -> Any:
        data = encode_call(artifact, fn, *args)
        out = self.rpc("eth_call", {"to": to, "data": "0x" + data.hex()}, "latest")
        values = decode_output(artifact, fn, len(args), hex_bytes(out))
        return values[0] if len(values) == 1 else values

    def balance(self, address: str) -> int:
        return hex_int(self.rpc("eth_getBalance", address, "latest"))

    def register_invariant(self, name: str, contract: str, check: str) -> bool:
        """What the protocol's operators would do; needs the node's admin token."""
        if self.admin_token is None:
            return False
        answer = self.rpc.request(
            "seqguard_addInvariant",
            [{"name": name, "contract": contract, "check": check}],
            headers={"authorization": f"Bearer {self.admin_token}"},
        )
        if "error" in answer:
            raise ScenarioError(f"could not register invariant {name}: {answer['error']}")
        return True
