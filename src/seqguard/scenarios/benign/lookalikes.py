"""Hard negatives: legitimate transactions with the shape of an attack."""

from __future__ import annotations

from seqguard.contracts.abi import encode_call
from seqguard.scenarios.base import BENIGN, Scenario, Session
from seqguard.scenarios.protocols import E, approve, fund, give, market, pool, supply, token


class FlashLoanArbitrage(Scenario):
    """Flash-loan arbitrage between two pools: borrow, buy where cheap, sell where dear,
    repay with the fee. A fresh contract, a loan and many calls, but nobody is robbed."""

    name = "flash-loan-arbitrage"
    kind = BENIGN
    category = "flash-loan"

    def run(self, s: Session) -> None:
        m = market(s)
        arb = s.deploy("trader", "FlashArbitrage", m.vault)
        s.critical("trader", arb, "FlashArbitrage", "run", m.pair, m.pair2, m.col, 40 * E)


class WhaleExitsVault(Scenario):
    """A whale redeeming 80% of a vault: most of its assets leave to one account in one
    transaction, against the whale's burned shares."""

    name = "whale-vault-exit"
    kind = BENIGN
    category = "withdrawal"

    def run(self, s: Session) -> None:
        m = market(s, vault_usd=2000)
        supply(s, "whale", m.usd, m.vault, "TokenVault", "deposit", 8000)
        s.critical("whale", m.vault, "TokenVault", "redeem", 8000 * E)


class OwnerUpgradesProxy(Scenario):
    """An owner-authorised proxy upgrade, then an ownership handover and back."""

    name = "owner-proxy-upgrade"
    kind = BENIGN
    category = "governance"
    roles = {"team": 40}

    def run(self, s: Session) -> None:
        logic = s.deploy("team", "VaultLogic")
        init = encode_call("VaultLogic", "initialize", s.address("team"))
        proxy = s.deploy("team", "VaultProxy", logic, init)
        s.do("team", proxy, "VaultLogic", "deposit", value=7 * E)
        logic2 = s.deploy("team", "VaultLogic")
        s.critical("team", proxy, "VaultLogic", "upgradeTo", logic2)
        s.critical("team", proxy, "VaultLogic", "transferOwnership", s.address("ops"))
        s.critical("ops", proxy, "VaultLogic", "transferOwnership", s.address("team"))


class OwnerSweepsTreasury(Scenario):
    """A treasury's owner paying a grant, then moving everything left to itself."""

    name = "owner-treasury-sweep"
    kind = BENIGN
    category = "withdrawal"

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        treasury = s.deploy("team", "Treasury")
        give(s, usd, treasury, 5000)
        s.critical("team", treasury, "Treasury", "pay", usd, s.address("grantee"), 100 * E)
        s.critical(
            "team", treasury, "Treasury", "emergencyWithdraw", usd, s.address("team"), label="sweep"
        )


class TeamMinterRewards(Scenario):
    """The team's staking contract minting rewards, and the team minting 10% more supply."""

    name = "team-minter-rewards"
    kind = BENIGN
    category = "mint"

    def run(self, s: Session) -> None:
        rwd = s.deploy("team", "RewardToken", 10**6 * E)
        staking = s.deploy("team", "Staking", rwd)
        s.do("team", rwd, "RewardToken", "setMinter", staking, True)
        s.critical("staker", staking, "Staking", "claim")
        s.critical("team", rwd, "RewardToken", "mint", s.address("staker"), 100_000 * E)


class FreshBatchPayout(Scenario):
    """A contract deployed a block ago paying ten recipients: fresh, and many calls."""

    name = "fresh-batch-payout"
    kind = BENIGN
    category = "payments"

    def run(self, s: Session) -> None:
        usd = token(s, "USD", role="payer")
        payer = s.deploy("payer", "BatchPayer")
        approve(s, "payer", usd, payer, 10 * E)
        recipients = [s.address(f"r{i}") for i in range(10)]
        s.critical("payer", payer, "BatchPayer", "pay", usd, recipients, E)


class RedepositOnPayout(Scenario):
    """A contract that re-deposits from its receive hook when the vault pays it: the vault
    is re-entered, but pays nothing more and loses nothing."""

    name = "redeposit-callback"
    kind = BENIGN
    category = "callbacks"
    roles = {"alice": 40, "user": 20}

    def run(self, s: Session) -> None:
        vault = s.deploy("alice", "EtherVault")
        s.do("alice", vault, "EtherVault", "deposit", value=10 * E)
        cycler = s.deploy("user", "Redepositor", vault)
        s.critical("user", cycler, "Redepositor", "cycle", value=E)


class OrdinarySwapOnAnyPool(Scenario):
    """An ordinary router swap on a pool whose maths is broken: using a buggy protocol
    the normal way is not an attack."""

    name = "swap-on-buggy-pool"
    kind = BENIGN
    category = "swap"

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        leaky = pool(s, col, usd, 1000, 1000, artifact="LeakyPair")
        router = s.deploy("team", "Router")
        fund(s, "trader", usd, router, 100)
        s.critical("trader", router, "Router", "swapExactIn", leaky, usd, 10 * E, 0,
                   s.address("trader"))  # fmt: skip
