"""Hard negatives in the lending and vault-accounting protocols: liquidations, first
deposits, harvests, big deposits and borrows, claims, repayments and exits, each with
some of the shape of the attacks on the same contracts."""

from __future__ import annotations

from seqguard.scenarios.base import BENIGN, MAX_UINT, Scenario, Session
from seqguard.scenarios.protocols import E, fund, give, pool, supply, token
from seqguard.scenarios.protocols_accounting import (
    add_liquidity,
    flash_lender,
    lp_market,
    pegged_pool,
    rate_market,
)


class LiquidationAfterPriceDrop(Scenario):
    """A keeper's liquidation bot liquidating an under-collateralised borrower and
    redeeming the seized collateral at an 8% bonus, after a whale's honest sale moved
    the pool the market prices from by a quarter in an earlier transaction."""

    name = "liquidation-after-price-drop"
    kind = BENIGN
    category = "liquidation"

    def run(self, s: Session) -> None:
        m = rate_market(s, cash=5000, spot_pool=10_000)
        assert m.pair is not None
        supply(s, "supplier", m.col, m.market, "RateMarket", "mint", 400)
        supply(s, "borrower", m.col, m.market, "RateMarket", "mint", 100)
        s.do("borrower", m.market, "RateMarket", "borrow", 700 * E)  # limit 750 at 10 USD
        router = s.deploy("team", "Router")
        fund(s, "whale", m.col, router, 1500)
        s.do("whale", router, "Router", "swapExactIn", m.pair, m.col, 1500 * E, 0,
             s.address("whale"))  # fmt: skip
        bot = s.deploy("liquidator", "LiquidationBot")
        fund(s, "liquidator", m.usd, bot, 350)
        s.critical("liquidator", bot, "LiquidationBot", "liquidate", m.market,
                   s.address("borrower"), 350 * E)  # fmt: skip


class FirstDepositIntoEmptyVault(Scenario):
    """The first deposit into an empty ERC-4626 vault (all the shares to one account),
    a second saver joining at the same price, then the first redeeming half."""

    name = "first-deposit-empty-vault"
    kind = BENIGN
    category = "deposit"

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        vault = s.deploy("team", "ShareVault", usd, "Vault USD", s.address("team"))
        for role, amount in (("alice", 1000), ("bob", 250)):
            fund(s, role, usd, vault, amount)
        s.critical("alice", vault, "ShareVault", "deposit", 1000 * E, s.address("alice"))
        s.critical("bob", vault, "ShareVault", "deposit", 250 * E, s.address("bob"))
        s.critical("alice", vault, "ShareVault", "redeem", 500 * E, s.address("alice"),
                   s.address("alice"))  # fmt: skip


class VaultKeeperHarvest(Scenario):
    """A vault's keeper selling the reward tokens the vault earned into a pool for more
    of its asset (share price up 40% in one transaction, the pool's price moved by a
    third), then a saver redeeming for more than it deposited."""

    name = "vault-keeper-harvest"
    kind = BENIGN
    category = "harvest"

    def run(self, s: Session) -> None:
        usd, rwd = token(s, "USD"), token(s, "RWD")
        rpair = pool(s, rwd, usd, 10_000, 5000)
        vault = s.deploy("team", "ShareVault", usd, "Vault USD", s.address("keeper"))
        supply(s, "saver", usd, vault, "ShareVault", "deposit", 2000, s.address("saver"))
        give(s, rwd, vault, 2000)  # liquidity-mining incentives paid to the vault
        s.critical("keeper", vault, "ShareVault", "harvest", rpair, rwd, 800 * E)
        shares = s.call(vault, "ShareVault", "balanceOf", s.address("saver"))
        s.critical("saver", vault, "ShareVault", "redeem", shares, s.address("saver"),
                   s.address("saver"))  # fmt: skip


class BigDepositThenBorrow(Scenario):
    """A whale making the first supply into an empty Compound-style market (it mints
    every cToken there is) and then borrowing 20,000 USD against it."""

    name = "big-deposit-then-borrow"
    kind = BENIGN
    category = "lending"

    def run(self, s: Session) -> None:
        m = rate_market(s, cash=30_000)
        fund(s, "whale", m.col, m.market, 5000)
        s.critical("whale", m.market, "RateMarket", "mint", 5000 * E)
        s.critical("whale", m.market, "RateMarket", "borrow", 20_000 * E)


class StakingClaimAfterPeriod(Scenario):
    """A staker claiming its share of two fee distributions after staking for a while,
    then unstaking everything."""

    name = "staking-claim-after-period"
    kind = BENIGN
    category = "staking"

    def run(self, s: Session) -> None:
        stk, usd = token(s, "STK"), token(s, "USD")
        staking = s.deploy("team", "FeeStaking", stk, usd)
        supply(s, "alice", stk, staking, "FeeStaking", "stake", 1000)
        supply(s, "bob", stk, staking, "FeeStaking", "stake", 3000)
        for _ in range(2):  # the protocol sends its fees; a keeper shares them out
            give(s, usd, staking, 400)
            s.do("keeper", staking, "FeeStaking", "distribute")
        s.critical("alice", staking, "FeeStaking", "claim")
        s.critical("alice", staking, "FeeStaking", "unstake", 1000 * E)


class RepayAndWithdrawAll(Scenario):
    """A borrower repaying its whole loan and withdrawing all its collateral from an
    Euler-style market."""

    name = "repay-and-withdraw-all"
    kind = BENIGN
    category = "lending"

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        market = s.deploy("team", "DonationMarket", usd)
        supply(s, "lender", usd, market, "DonationMarket", "deposit", 10_000)
        supply(s, "borrower", usd, market, "DonationMarket", "deposit", 1000)
        s.do("borrower", market, "DonationMarket", "borrow", 800 * E)
        s.critical("borrower", market, "DonationMarket", "repay", 800 * E)
        s.critical("borrower", market, "DonationMarket", "withdraw", 1000 * E)


class LpCollateralBorrow(Scenario):
    """A liquidity provider posting its LP shares as collateral and borrowing against
    them, in the market that prices LP shares naively (used honestly)."""

    name = "lp-collateral-borrow"
    kind = BENIGN
    category = "lending"

    def run(self, s: Session) -> None:
        m = lp_market(s)
        lp = add_liquidity(s, "provider", m, 200)
        s.do("provider", m.pair, "LpTokenPair", "approve", m.lending, MAX_UINT)
        s.critical("provider", m.lending, "LpCollateralLending", "deposit", lp)
        s.critical("provider", m.lending, "LpCollateralLending", "borrow", 200 * E)


class PeggedPoolExit(Scenario):
    """A borrower unwinding an LP-collateral position: repays the pegged token, takes its
    LP tokens back and removes its liquidity (the pool sends it ETH mid-call)."""

    name = "pegged-pool-exit"
    kind = BENIGN
    category = "withdrawal"
    roles = {"team": 1200, "holder": 80}

    def run(self, s: Session) -> None:
        p = pegged_pool(s)
        s.do("holder", p.pool, "PeggedEthPool", "addLiquidity", 0, value=50 * E)
        lp = s.call(p.pool, "PeggedEthPool", "balanceOf", s.address("holder"))
        s.do("holder", p.pool, "PeggedEthPool", "approve", p.lending, MAX_UINT)
        s.do("holder", p.lending, "VirtualPriceLending", "deposit", lp)
        s.do("holder", p.lending, "VirtualPriceLending", "borrow", 30 * E)
        s.do("holder", p.seth, "SeqToken", "approve", p.lending, MAX_UINT)
        s.critical("holder", p.lending, "VirtualPriceLending", "repay", 30 * E)
        s.critical("holder", p.lending, "VirtualPriceLending", "withdraw", lp)
        s.critical("holder", p.pool, "PeggedEthPool", "removeLiquidity", lp)


class SupplyTransferThenWithdraw(Scenario):
    """A supplier moving half its deposit to a second wallet (a cToken-style transfer),
    and both wallets withdrawing in full."""

    name = "supply-transfer-withdraw"
    kind = BENIGN
    category = "withdrawal"
    roles = {"alice": 40, "saver": 20}

    def run(self, s: Session) -> None:
        pool_ = s.deploy("team", "EtherSupplyPool")
        s.do("alice", pool_, "EtherSupplyPool", "deposit", value=30 * E)
        s.do("saver", pool_, "EtherSupplyPool", "deposit", value=10 * E)
        s.critical("saver", pool_, "EtherSupplyPool", "transfer", s.address("cold"), 5 * E)
        s.critical("saver", pool_, "EtherSupplyPool", "withdraw")
        s.critical("cold", pool_, "EtherSupplyPool", "withdraw")


class FlashLoanLeverage(Scenario):
    """One-click leverage from a user's smart account: it flash-borrows 3000 USD, deposits
    them with its own 1000 into the Euler-style market, borrows the loan and fee back and
    repays, all in one transaction (what DeFi Saver and Instadapp accounts do daily)."""

    name = "flash-loan-leverage"
    kind = BENIGN
    category = "flash-loan"

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        market = s.deploy("team", "DonationMarket", usd)
        supply(s, "lender", usd, market, "DonationMarket", "deposit", 10_000)
        vault = flash_lender(s, usd, 10_000)
        account = s.deploy("user", "LeverageAccount", vault, market)
        give(s, usd, s.address("user"), 1000)
        s.do("user", usd, "SeqToken", "transfer", account, 1000 * E)
        s.critical("user", account, "LeverageAccount", "leverUp", 3000 * E)
