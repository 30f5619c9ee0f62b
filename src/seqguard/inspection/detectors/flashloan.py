"""Flash-loan price manipulation: borrow, move a pool's price, make a protocol act on
it, repay, keep the difference, all in one transaction.

Attack: a lending market or vault that values assets at an AMM's spot reserves
can be fooled by anyone who moves those reserves for the length of one
transaction. Harvest Finance (October 2020, $34M) lost its USDC/USDT vault to
flash-loaned swaps through Curve's Y pool; Cheese Bank (November 2020, $3.3M)
and Inverse Finance (April 2022, $15.6M) lent against collateral whose price a
flash-loaned trade had pumped.

Signal, from the ordered token transfers of the transaction:
- a loan: tokens sent from an outside account to the sender's side and sent back
  to it, at least as much, later in the same transaction;
- a reserve swing: a pool outside the sender's side whose balance of a token
  moved by at least ``swing`` (default 25%) from where it started;
- a protocol acting on the moved price: another contract that called the pool,
  or read a token balance of the pool, paid the sender's side while the pool was
  displaced;
- the sender's side ends with more of some asset than it started with.
"""

from __future__ import annotations

from seqguard.inspection.base import BALANCE_OF, Context, Detector, Finding
from seqguard.inspection.flows import (
    Swing,
    asset_name,
    erc20,
    find_loans,
    pool_swings,
    sender_side,
    short,
    side_gains,
)
from seqguard.trace import TokenTransfer, Trace


class FlashLoanManipulation(Detector):
    name = "flash-loan-manipulation"

    def __init__(self, swing: float = 0.25) -> None:
        self.swing = swing

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        if not trace.success:
            return []
        transfers = erc20(trace)
        if len(transfers) < 4:  # a loan, its repayment, and a swap's two legs at least
            return []
        side = sender_side(trace, context)
        loans = find_loans(trace, side)
        if not loans:
            return []
        lenders = {loan.lender for loan in loans}
        gains = side_gains(trace, side)
        if not gains:
            return []
        for swing in pool_swings(trace, context, side | lenders, self.swing):
            for payer, paid in self._acting(trace, transfers, swing, side, lenders):
                loan = loans[0]
                profit = ", ".join(f"{amount} of {asset_name(a)}" for a, amount in gains.items())
                return [
                    Finding(
                        self.name,
                        f"flash loan of {loan.amount} of {asset_name(loan.token)} from "
                        f"{short(loan.lender)}; pool {short(swing.pool)}'s balance of "
                        f"{asset_name(swing.token)} moved {swing.moved:.0%} "
                        f"({swing.before} to {swing.extreme}); {short(payer)}, which read that "
                        f"pool, paid the sender's side {paid.amount} of {asset_name(paid.token)} "
                        f"while the price was moved; the sender's side ends up {profit}",
                        0.9,
                    )
                ]
        return []

    @staticmethod
    def _acting(
        trace: Trace,
        transfers: list[TokenTransfer],
        swing: Swing,
        side: set[bytes],
        lenders: set[bytes],
    ) -> list[tuple[bytes, TokenTransfer]]:
        """Payments to the sender's side, made inside the swing by contracts that read the pool."""
        balance_query = BALANCE_OF + swing.pool.rjust(32, b"\0")
        readers = {  # contracts that called the pool, or read one of its token balances
            f.sender
            for f in trace.frames
            if (f.address == swing.pool or f.input[:36] == balance_query) and f.sender != swing.pool
        }
        readers -= side | lenders
        return [
            (t.sender, t) for t in transfers
            if t.sender in readers and t.recipient in side and swing.start < t.log_index < swing.end
        ]  # fmt: skip
