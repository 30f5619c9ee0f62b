"""Hard negatives on markets: big swaps, quick round trips, callbacks, liquidity moves,
keepers, routes and flash swaps that look like the attacks in ``attacks/markets.py``."""

from __future__ import annotations

from seqguard.scenarios.base import BENIGN, Scenario, Session
from seqguard.scenarios.protocols import E, approve, fund, give, landed, pool, token
from seqguard.scenarios.protocols_markets import hook_market, quote, with_slippage


class BigHonestSwap(Scenario):
    """A big honest swap: a whale buys with 15% of the pool's USD through the router, no
    loan, and moves the price about 30%."""

    name = "big-swap-moves-price"
    kind = BENIGN
    category = "swap"

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        pair = pool(s, col, usd, 10_000, 10_000)
        router = s.deploy("team", "Router")
        fund(s, "whale", usd, router, 1500)
        least = with_slippage(quote(s, pair, usd, 1500 * E), 0.5)
        s.critical("whale", router, "Router", "swapExactIn", pair, usd, 1500 * E, least,
                   s.address("whale"))  # fmt: skip


class BuyThenSell(Scenario):
    """A buy and a sell back to back: a trader buys COL in one transaction and sells all
    of it in the next, paying the fee twice (the shape of a sandwich's two legs)."""

    name = "buy-then-sell"
    kind = BENIGN
    category = "swap"

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        pair = pool(s, col, usd, 10_000, 10_000)
        router = s.deploy("team", "Router")
        trader = s.address("trader")
        fund(s, "trader", usd, router, 300)
        approve(s, "trader", col, router)
        bought = quote(s, pair, usd, 300 * E)
        h = s.critical("trader", router, "Router", "swapExactIn", pair, usd, 300 * E,
                       with_slippage(bought, 0.5), trader)  # fmt: skip
        if not landed(s, h):
            return  # judged by the buy's outcome
        held = s.call(col, "SeqToken", "balanceOf", trader)
        s.critical("trader", router, "Router", "swapExactIn", pair, col, held,
                   with_slippage(quote(s, pair, col, held), 0.5), trader)  # fmt: skip


class NftPurchaseWithCallback(Scenario):
    """An NFT purchase with a safe-transfer callback: a smart-contract wallet buys a
    listed NFT for 2 ETH; the bazaar delivers it with ``safeTransferFrom``, whose
    ``onERC721Received`` calls back into the wallet while it is paying, and pays the
    seller in ETH."""

    name = "nft-purchase-callback"
    kind = BENIGN
    category = "callbacks"
    roles = {"buyer": 10}

    def run(self, s: Session) -> None:
        nft = s.deploy("team", "ArtNft")
        bazaar = s.deploy("team", "NftBazaar")
        s.do("team", nft, "ArtNft", "mint", s.address("seller"), 7)
        s.do("seller", nft, "ArtNft", "setApprovalForAll", bazaar, True)
        s.do("seller", bazaar, "NftBazaar", "list", nft, 7, 2 * E)
        wallet = s.deploy("buyer", "NftWallet")
        s.critical("buyer", wallet, "NftWallet", "buy", bazaar, nft, 7, value=2 * E)


class LiquidityInAndOut(Scenario):
    """A liquidity provider adding four times the pool's liquidity and removing all of
    it in the next transaction: 80% of the pool's tokens leave to one account."""

    name = "lp-add-remove"
    kind = BENIGN
    category = "liquidity"

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        pair = pool(s, col, usd, 1000, 1000, artifact="LpPair")
        router = s.deploy("team", "LiquidityRouter")
        lp = s.address("lp")
        give(s, usd, lp, 4000)
        give(s, col, lp, 4000)
        approve(s, "lp", usd, router)
        approve(s, "lp", col, router)
        h = s.critical("lp", router, "LiquidityRouter", "addLiquidity", pair, 4000 * E, 4000 * E)
        if not landed(s, h):
            return  # judged by the deposit's outcome
        shares = s.call(pair, "Pair", "liquidityOf", lp)
        s.critical("lp", pair, "LpPair", "burn", shares, lp)


class KeeperSyncAndSkim(Scenario):
    """A keeper calling a pool's sync and skim after donations: the team donates fees to
    the pool (sync books them, the price moves 10%), then a user sends 3,000 COL to the
    pool by mistake and the keeper skims them back to the user."""

    name = "keeper-sync-skim"
    kind = BENIGN
    category = "maintenance"

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        pair = pool(s, col, usd, 1000, 1000, artifact="LpPair")
        give(s, usd, pair, 100)  # fee rebate donated to the LPs
        s.critical("keeper", pair, "Pair", "sync")
        give(s, col, s.address("user"), 3000)
        s.do("user", col, "SeqToken", "transfer", pair, 3000 * E)  # meant for someone else
        s.critical("keeper", pair, "LpPair", "skim", s.address("user"))


class AggregatorTwoHopRoute(Scenario):
    """A DEX aggregator routing one swap through two pools in one transaction: USD to COL
    in one pool, COL to GOV in the next, the first hop's output sent straight on."""

    name = "aggregator-two-hop"
    kind = BENIGN
    category = "swap"

    def run(self, s: Session) -> None:
        usd, col, gov = token(s, "USD"), token(s, "COL"), token(s, "GOV")
        first = pool(s, col, usd, 10_000, 10_000)
        second = pool(s, gov, col, 10_000, 10_000)
        aggregator = s.deploy("team", "RouteAggregator")
        fund(s, "trader", usd, aggregator, 1000)
        out = quote(s, second, col, quote(s, first, usd, 1000 * E))
        s.critical("trader", aggregator, "RouteAggregator", "swapRoute", [first, second], usd,
                   1000 * E, with_slippage(out, 1), s.address("trader"))  # fmt: skip


class FlashSwapArbitrage(Scenario):
    """Flash-swap arbitrage through the pool's own callback: a bot deployed a block ago
    takes COL from the cheap pool, sells it in the dear one and repays in USD from the
    proceeds; its callback only pays the pool it is borrowing from."""

    name = "flash-swap-arbitrage"
    kind = BENIGN
    category = "flash-loan"

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        cheap = pool(s, col, usd, 1000, 1000)
        dear = pool(s, col, usd, 1000, 1100)
        bot = s.deploy("trader", "FlashSwapArb")
        s.critical("trader", bot, "FlashSwapArb", "run", cheap, dear, col, 20 * E)


class HookTokenForwardingBorrow(Scenario):
    """A borrow of a token with a transfer hook, into a wallet whose hook forwards what it
    receives to a cold address: code runs in the middle of the market's ``borrow`` and
    calls the token again, but takes nothing it is not owed."""

    name = "hook-token-borrow"
    kind = BENIGN
    category = "callbacks"

    def run(self, s: Session) -> None:
        m = hook_market(s)
        wallet = s.deploy("user", "HookForwarder", m.amp, s.address("cold"))
        fund(s, "user", m.usd, wallet, 1000)
        s.critical("user", wallet, "HookForwarder", "borrow", m.lending, 1000 * E, 500 * E)
