"""Fresh attacker contract: a contract the sender deployed moments ago, making many
external calls, ending in profit while someone else loses a large share.

Attack: exploits are rarely sent as plain calls. The attacker deploys a contract
that chains the steps (borrow, manipulate, drain, repay) and fires it within
minutes, often in the next block. Uranium Finance's pools (April 2021, $50M)
were drained by a contract deployed shortly before, swapping each pair down to
dust; the Euler Finance attacker (March 2023, $197M) deployed its exploit and
violator contracts minutes before the flash-loaned attack. Forta's "suspicious
contract creation" bots watch for exactly this shape.

Signal: a frame of the transaction runs a contract the sender deployed in this
transaction or within ``recent_blocks`` blocks; the sender's fresh contracts make
at least ``min_calls`` calls to other contracts; the sender's side ends with more
of some asset; and an account outside it lost at least ``loser_share`` (default
25%) of an asset. Without that loser the finding is recorded with a low score:
a freshly deployed arbitrage or batching contract is common and benign.
"""

from __future__ import annotations

from seqguard.inspection.base import Context, Detector, Finding
from seqguard.inspection.flows import (
    anyone_else_pays,
    asset_name,
    losses,
    sender_side,
    short,
    side_gains,
    spent_approval,
    took_part,
)
from seqguard.trace import Trace


class FreshAttackerContract(Detector):
    name = "fresh-contract"

    def __init__(
        self, recent_blocks: int = 7200, min_calls: int = 4, loser_share: float = 0.25
    ) -> None:
        self.recent_blocks = recent_blocks
        self.min_calls = min_calls
        self.loser_share = loser_share

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        if not trace.success or not anyone_else_pays(trace) or len(trace.frames) <= self.min_calls:
            return []
        fresh = self._fresh(trace, context)
        if not fresh:
            return []
        calls = [f for f in trace.frames if f.sender in fresh and f.address not in fresh]
        if len(calls) < self.min_calls:
            return []
        side = sender_side(trace, context)
        gains = side_gains(trace, side)
        if not gains:
            return []
        lost = [
            loss
            for loss in losses(trace, context, side, min_share=self.loser_share)
            if took_part(trace, loss.holder)
            or (loss.asset is not None and spent_approval(trace, loss.holder, loss.asset))
        ]  # a liquidated borrower's seized collateral is how liquidations work
        gained = ", ".join(f"{amount} of {asset_name(a)}" for a, amount in gains.items())
        targets = len({f.address for f in calls})
        text = (
            f"{', '.join(map(short, sorted(fresh)))}, deployed by the sender "
            f"{self._age(trace, context, fresh)}, made {len(calls)} calls to {targets} "
            f"other contracts and the sender's side ends up {gained}"
        )
        if not lost:
            return [Finding(self.name, text + "; nobody lost a large share", 0.3)]
        worst = max(lost, key=lambda loss: loss.share)
        return [
            Finding(
                self.name,
                f"{text}, while {short(worst.holder)} lost {worst.share:.0%} of its "
                f"{asset_name(worst.asset)} ({worst.lost} of {worst.before})",
                0.8,
                estimated_loss_wei=sum(loss.lost for loss in lost if loss.asset is None),
            )
        ]

    def _fresh(self, trace: Trace, context: Context) -> set[bytes]:
        """The sender's side, less the sender and contracts it deployed long ago."""
        created = set(trace.created)
        earlier = sender_side(trace, context) - created - {trace.tx.sender}
        return created | {
            address
            for address in earlier
            if (made := context.creator(address)) is not None
            and context.block_number - made.block_number <= self.recent_blocks
        }

    @staticmethod
    def _age(trace: Trace, context: Context, fresh: set[bytes]) -> str:
        if fresh & set(trace.created):
            return "in this transaction"
        blocks = min(
            context.block_number - made.block_number
            for made in map(context.creator, fresh)
            if made is not None
        )
        return f"{blocks} block{'s' if blocks != 1 else ''} ago"
