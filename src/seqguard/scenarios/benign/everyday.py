"""Everyday use of the protocols: deposits, withdrawals, swaps, borrows."""

from __future__ import annotations

from seqguard.scenarios.base import BENIGN, Scenario, Session
from seqguard.scenarios.protocols import E, approve, fund, market


class EtherVaultRoundTrip(Scenario):
    """Deposit ETH into a vault and withdraw it."""

    name = "ether-vault-round-trip"
    kind = BENIGN
    category = "deposit"

    def run(self, s: Session) -> None:
        vault = s.deploy("team", "EtherVault")
        s.critical("user", vault, "EtherVault", "deposit", value=3 * E)
        s.critical("user", vault, "EtherVault", "withdraw")


class RouterSwap(Scenario):
    """A user swapping through the router with the allowance they gave it."""

    name = "router-swap"
    kind = BENIGN
    category = "swap"

    def run(self, s: Session) -> None:
        m = market(s)
        fund(s, "trader", m.usd, m.router, 100)
        s.critical("trader", m.router, "Router", "swapExactIn", m.pair, m.usd, 50 * E, 0,
                   s.address("trader"))  # fmt: skip


class CollateralisedBorrow(Scenario):
    """Deposit collateral into the lending market and borrow within the limit, then repay."""

    name = "collateralised-borrow"
    kind = BENIGN
    category = "lending"

    def run(self, s: Session) -> None:
        m = market(s)
        fund(s, "borrower", m.col, m.lending, 200)
        approve(s, "borrower", m.usd, m.lending)
        s.critical("borrower", m.lending, "SpotLending", "deposit", 200 * E)
        s.critical("borrower", m.lending, "SpotLending", "borrow", 100 * E)
        s.critical("borrower", m.lending, "SpotLending", "repay", 50 * E)


class VaultDepositAndRedeem(Scenario):
    """Deposit into the token vault and redeem half."""

    name = "vault-deposit-redeem"
    kind = BENIGN
    category = "deposit"

    def run(self, s: Session) -> None:
        m = market(s)
        fund(s, "saver", m.usd, m.vault, 300)
        s.critical("saver", m.vault, "TokenVault", "deposit", 300 * E)
        s.critical("saver", m.vault, "TokenVault", "redeem", 150 * E)
