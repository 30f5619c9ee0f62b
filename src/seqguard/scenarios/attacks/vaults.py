"""Attacks on vaults: reentrancy, a flash loan repaid by a deposit, a proxy takeover."""

from __future__ import annotations

from seqguard.contracts.abi import encode_call
from seqguard.scenarios.base import ATTACK, Scenario, Session
from seqguard.scenarios.protocols import E, fund, give, market


class EtherVaultReentrancy(Scenario):
    """Single-function reentrancy, as The DAO (June 2016): the vault pays before it updates
    the balance, and the attacker's receive hook withdraws again."""

    name = "reentrancy-single-function"
    kind = ATTACK
    category = "reentrancy"
    detectors = ("reentrancy",)
    roles = {"alice": 40, "attacker": 20}

    def run(self, s: Session) -> None:
        vault = s.deploy("alice", "EtherVault")
        s.do("alice", vault, "EtherVault", "deposit", value=10 * E)
        drainer = s.deploy("attacker", "VaultDrainer", vault)
        s.critical("attacker", drainer, "VaultDrainer", "attack", 5, value=E)


class FlashLoanRepaidByDeposit(Scenario):
    """A flash loan "repaid" by depositing it, as DFX Finance (November 2022): the vault
    counts the deposit as repayment and credits shares for it too. The vault's team has
    registered the invariant that its assets cover its shares."""

    name = "flash-loan-repaid-by-deposit"
    kind = ATTACK
    category = "accounting"
    detectors = ("invariant",)

    def run(self, s: Session) -> None:
        m = market(s)
        s.invariant("solvent", m.vault, "totalAssets() >= totalSupply()")
        attacker = s.deploy("attacker", "FlashDepositAttack", m.vault)
        give(s, m.usd, attacker, 10)
        s.critical("attacker", attacker, "FlashDepositAttack", "run", 9000 * E)


class ProxyReinitialization(Scenario):
    """Unprotected initializer, as Parity's wallet library (November 2017): anyone may call
    ``initialize`` again on the proxy, become its owner and sweep it."""

    name = "unprotected-initializer"
    kind = ATTACK
    category = "access-control"
    detectors = ("privileged-change",)
    roles = {"team": 40, "attacker": 20}

    def run(self, s: Session) -> None:
        logic = s.deploy("team", "VaultLogic")
        init = encode_call("VaultLogic", "initialize", s.address("team"))
        proxy = s.deploy("team", "VaultProxy", logic, init)
        s.do("team", proxy, "VaultLogic", "deposit", value=7 * E)
        takeover = s.deploy("attacker", "VaultTakeover")
        s.critical("attacker", takeover, "VaultTakeover", "run", proxy)


class ApprovalTheftThroughRouter(Scenario):
    """Arbitrary external call draining approvals, as SushiSwap's RouteProcessor2 (April
    2023): the router's multicall spends what users approved it for."""

    name = "arbitrary-call-approval-drain"
    kind = ATTACK
    category = "arbitrary-call"
    detectors = ("abnormal-outflow",)

    def run(self, s: Session) -> None:
        m = market(s)
        fund(s, "victim", m.usd, m.router, 500)
        steal = encode_call(
            "SeqToken", "transferFrom", s.address("victim"), s.address("attacker"), 500 * E
        )
        s.critical("attacker", m.router, "Router", "multicall", [(m.usd, steal)])


class TreasuryMissingAccessCheck(Scenario):
    """Missing access control, as Rikkei Finance (April 2022): ``emergencyWithdraw`` forgot
    its owner check, so anyone empties the treasury."""

    name = "missing-access-check"
    kind = ATTACK
    category = "access-control"
    detectors = ("abnormal-outflow",)

    def run(self, s: Session) -> None:
        m = market(s)
        treasury = s.deploy("team", "Treasury")
        give(s, m.usd, treasury, 5000)
        s.critical(
            "attacker", treasury, "Treasury", "emergencyWithdraw", m.usd, s.address("attacker")
        )
