"""Pool arithmetic and set-up helpers for the market scenarios (``attacks/markets.py``,
``benign/markets.py``): sandwiches, token hooks, donations, rounding, aggregators.

The arithmetic is Uniswap v2's, as ``Pair`` does it, so a bot or a cautious trader can
size a trade off-chain from the pool's live reserves, as they do on mainnet.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode as abi_encode

from seqguard.scenarios.base import Session
from seqguard.scenarios.protocols import E, give, token


def amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Pair.getAmountOut: the output of an exact input, 0.3% fee."""
    with_fee = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1000 + with_fee)


def reserves(s: Session, pair: str, token_in: str) -> tuple[int, int]:
    """(reserve of ``token_in``, reserve of the other token) of ``pair``."""
    r0, r1 = s.call(pair, "Pair", "getReserves")
    token0 = s.call(pair, "Pair", "token0")
    return (r0, r1) if token0.lower() == token_in.lower() else (r1, r0)


def quote(s: Session, pair: str, token_in: str, amount_in: int) -> int:
    return amount_out(amount_in, *reserves(s, pair, token_in))


def with_slippage(amount: int, percent: float) -> int:
    """The least a trader accepts for a quote of ``amount`` at ``percent`` slippage."""
    return amount * int(10_000 - percent * 100) // 10_000


def sandwich_front_run(reserve_in: int, reserve_out: int, victim_in: int, victim_min: int) -> int:
    """The largest front-run that still leaves the victim's swap above its minimum, as a
    sandwich bot sizes it from the pool and the victim's pending transaction."""
    low, high = 0, reserve_in
    while high - low > E // 1000:
        mid = (low + high) // 2
        bought = amount_out(mid, reserve_in, reserve_out)
        if amount_out(victim_in, reserve_in + mid, reserve_out - bought) >= victim_min:
            low = mid
        else:
            high = mid
    return low


@dataclass
class HookMarket:
    """A HookLending market taking USD collateral and lending AMP (a token with an
    ERC-777-style receive hook, 1 USD) and WETH (a plain token, 2,000 USD), funded
    with its suppliers' cash."""

    usd: str
    amp: str
    weth: str
    lending: str


def hook_market(s: Session, *, amp_cash: int = 10_000, weth_cash: int = 5) -> HookMarket:
    usd, weth = token(s, "USD"), token(s, "WETH")
    amp = s.deploy("team", "HookToken", "Amp", "AMP", 10**9 * E)
    lending = s.deploy("team", "HookLending", usd)
    s.do("team", lending, "HookLending", "list", amp, E)
    s.do("team", lending, "HookLending", "list", weth, 2000 * E)
    s.do("team", amp, "HookToken", "transfer", lending, amp_cash * E)
    give(s, weth, lending, weth_cash)
    return HookMarket(usd, amp, weth, lending)


def flash_swap_data(dear: str, tok: str, repay_token: str, repay: int) -> bytes:
    """The ``data`` FlashSwapArb.onFlashSwap decodes: where to sell, what to repay."""
    return abi_encode(["address", "address", "address", "uint256"], [dear, tok, repay_token, repay])
