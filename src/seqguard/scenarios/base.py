"""What a scenario is, and the session it runs in.

A scenario is a short story on a node: a team deploys a protocol, users use it, and
then either an attacker exploits it (``kind = "attack"``) or someone does something
legitimate that may look like an attack (``kind = "benign"``). The transactions the
story is about are sent with :meth:`Session.critical`; for an attack none of them may
succeed, for a benign scenario all of them must. Everything else (deploys, deposits,
approvals) is set-up that must simply work.

Each role (``team``, ``attacker``, ``alice``, ...) is a fresh account of its own,
funded when it first sends with ``roles[role]`` ETH (``default_eth`` for a role not
listed), so scenarios never share nonces and a held transaction blocks only the role
that sent it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from eth_account.signers.local import LocalAccount

from seqguard.contracts.abi import encode_call, encode_deploy
from seqguard.scenarios.env import ETHER, Env, Outcome, ScenarioError

ATTACK, BENIGN = "attack", "benign"
MAX_UINT = 2**256 - 1


class Scenario(ABC):
    """Subclasses set ``name``, ``kind``, ``category`` and a docstring naming the real
    incident (or the everyday activity) they mirror, and implement :meth:`run`."""

    name: ClassVar[str]
    kind: ClassVar[str]
    category: ClassVar[str]  # the attack class, or what the benign activity is
    detectors: ClassVar[tuple[str, ...]] = ()  # attack: the detectors meant to stop it
    roles: ClassVar[dict[str, int]] = {}  # role -> ETH it is funded with
    default_eth: ClassVar[int] = 20

    registry: ClassVar[dict[str, type[Scenario]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            if cls.name in Scenario.registry:
                raise ValueError(f"two scenarios named {cls.name!r}")
            if cls.kind not in (ATTACK, BENIGN):
                raise ValueError(f"{cls.name}: kind must be {ATTACK!r} or {BENIGN!r}")
            Scenario.registry[cls.name] = cls

    @abstractmethod
    def run(self, s: Session) -> None:
        """Set the protocol up and send the transactions the story is about."""

    @classmethod
    def summary(cls) -> str:
        """The docstring's first sentence."""
        text = " ".join((cls.__doc__ or cls.name).split())
        return text.split(". ")[0].split(": ")[0].rstrip(".")


@dataclass
class Session:
    """One scenario's accounts and transactions on an :class:`Env`."""

    env: Env
    scenario: Scenario
    outcomes: list[Outcome] = field(default_factory=list)
    _critical: list[tuple[str, str]] = field(default_factory=list)
    _funded: set[str] = field(default_factory=set)

    def who(self, role: str) -> LocalAccount:
        return self.env.account(self.scenario.name, role)

    def _sender(self, role: str) -> LocalAccount:
        """The role's account, funded with ETH the first time it sends."""
        account = self.who(role)
        if role not in self._funded:
            eth = self.scenario.roles.get(role, self.scenario.default_eth)
            self.env.fund([account.address], eth * ETHER)
            self._funded.add(role)
        return account

    def address(self, role: str) -> str:
        return self.who(role).address

    # -- set-up: must work -----------------------------------------------------------
    def deploy(self, role: str, artifact: str, *args: Any, value: int = 0) -> str:
        """Deploy and wait; the contract's address."""
        raw, tx_hash = self.env.sign(
            self._sender(role), None, encode_deploy(artifact, *args), value
        )
        outcome = self._wait(self.env.submit(raw, tx_hash), f"deploy {artifact}")
        receipt = self.env.rpc("eth_getTransactionReceipt", outcome.hash)
        return receipt["contractAddress"]

    def do(self, role: str, to: str, artifact: str, fn: str, *args: Any, value: int = 0) -> Outcome:
        """Call and wait; the call must succeed."""
        return self._wait(self.send(role, to, artifact, fn, *args, value=value), f"{artifact}.{fn}")

    def transfer_eth(self, role: str, to: str, wei: int) -> Outcome:
        """Send ETH and wait; the transfer must succeed."""
        return self._wait(self.send_eth(role, to, wei), "ETH transfer")

    def send_eth(self, role: str, to: str, wei: int, gas: int = 50_000) -> str:
        """Send ETH without waiting; the hash."""
        raw, tx_hash = self.env.sign(self._sender(role), to, b"", wei, gas=gas)
        return self.env.submit(raw, tx_hash)

    def send(self, role: str, to: str, artifact: str, fn: str, *args: Any, value: int = 0,
             gas: int | None = None) -> str:  # fmt: skip
        """Sign and send without waiting; the hash."""
        data = encode_call(artifact, fn, *args)
        raw, tx_hash = self.env.sign(self._sender(role), to, data, value, gas)
        return self.env.submit(raw, tx_hash)

    def _wait(self, tx_hash: str, label: str) -> Outcome:
        outcome = self.env.outcome(tx_hash, label)
        self.outcomes.append(outcome)
        if outcome.status != "included":
            raise ScenarioError(f"set-up step {label} was {outcome.status}", outcome)
        return outcome

    # -- what the story is about ------------------------------------------------------
    def critical(self, role: str, to: str, artifact: str, fn: str, *args: Any, value: int = 0,
                 gas: int | None = None, label: str = "") -> str:  # fmt: skip
        """Send one of the transactions the scenario is judged by (the attack, or the
        benign action under test); its outcome is collected after :meth:`run`."""
        tx_hash = self.send(role, to, artifact, fn, *args, value=value, gas=gas)
        self._critical.append((tx_hash, label or f"{artifact}.{fn}"))
        if self.env.serial:
            self.env.outcome(tx_hash, "critical")
        return tx_hash

    def critical_outcomes(self) -> list[Outcome]:
        return [self.env.outcome(h, label) for h, label in self._critical]

    # -- reading and operating ---------------------------------------------------------
    def call(self, to: str, artifact: str, fn: str, *args: Any) -> Any:
        return self.env.call(to, artifact, fn, *args)

    def invariant(self, name: str, contract: str, check: str) -> bool:
        """Register a protocol invariant, as the protocol's operators would (needs the
        node's admin token; a no-op on nodes without one)."""
        return self.env.register_invariant(f"{self.scenario.name}/{name}", contract, check)


__all__ = ["ATTACK", "BENIGN", "ETHER", "MAX_UINT", "Scenario", "ScenarioError", "Session"]
