"""Abnormal outflow: an account loses most of its ETH or tokens to the sender's side.

Attack: whatever the bug (a missing access check, a forged message, a stolen
approval, an accounting error), the end of almost every exploit looks the same:
a protocol's holdings leave in one transaction for addresses the attacker
controls, with nothing given back. Ronin's bridge (March 2022, $624M) paid
173,600 ETH and 25.5M USDC to the attacker in two withdrawals; on the Nomad bridge
(August 2022, $190M) anyone could call ``process`` and walk off with the bridge's
tokens; SushiSwap's RouteProcessor2 (April 2023, $3.3M) let anyone spend the
approvals users had given it, taking tokens from wallets that were not even part
of the transaction.

Signal: an account outside the sender's side (see ``flows``) ends the transaction
with at least ``share`` (default 50%) less of an asset, at least half of what it
lost went straight to the sender's side, and
- the sender's side gave it nothing in the same transaction (ETH, tokens, or its
  own shares back to burn: a whale withdrawing most of a vault burns shares; a
  burn of zero shares, as in a rounding exploit, is nothing);
- no storage slot of it moved by the amount paid (its books did not record a
  payout or a debt: a withdrawal from a balance mapping, a borrow);
- it has no ``owner()`` on the sender's side (an owner sweeping its own treasury),
  unless the transaction itself made it the owner (an initializer front-run).
The finding is acted on (score 0.8) when a bystander's allowance was spent
(``transferFrom``), when the funds went to a contract the sender deployed, or when
the holder wrote nothing to its own storage; a contract that paid the sending account after recording something (a
Merkle claim, a bridge message, an executed proposal) is noted at 0.45 only.
The estimated loss is the ETH lost; token losses are named in the reason.
"""

from __future__ import annotations

from seqguard.inspection.base import Context, Detector, Finding
from seqguard.inspection.flows import (
    Loss,
    anyone_else_pays,
    asset_name,
    booked,
    losses,
    moved_to,
    paid_in,
    sender_side,
    short,
    spent_approval,
    took_part,
)
from seqguard.trace import Trace


class AbnormalOutflow(Detector):
    name = "abnormal-outflow"

    def __init__(self, share: float = 0.5) -> None:
        self.share = share

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        if not trace.success or not anyone_else_pays(trace):
            return []
        side = sender_side(trace, context)
        findings = []
        for loss in losses(trace, context, side, min_share=self.share):
            if moved_to(trace, loss.holder, loss.asset, side) * 2 < loss.lost:
                continue  # most of it went to third parties (a pool paying a swapper's recipient)
            if paid_in(trace, loss.holder, side) or booked(trace, loss.holder, loss.lost):
                continue
            owner = context.owner_of(loss.holder)
            if owner is not None and owner in side and not self._made_owner(trace, loss, owner):
                continue
            findings.append(self._finding(trace, loss, side))
        return findings

    @staticmethod
    def _made_owner(trace: Trace, loss: Loss, owner: bytes) -> bool:
        """Was the owner written into the holder's storage by this very transaction?"""
        value = int.from_bytes(owner, "big")
        return any(
            w.address == loss.holder and w.after == value and w.before != value
            for w in trace.storage_writes
        )

    def _finding(self, trace: Trace, loss: Loss, side: set[bytes]) -> Finding:
        bystander = not took_part(trace, loss.holder)
        if bystander:
            # an account outside the call tree: its allowance spent by someone else is
            # theft; the token's own logic moving its balance (a lending market seizing
            # a liquidated borrower's collateral) is how such tokens work
            strong = loss.asset is not None and spent_approval(trace, loss.holder, loss.asset)
            who = f"account {short(loss.holder)}, which took no part in the transaction " + (
                "(its approval was spent by someone else),"
                if strong
                else "(the token's own logic moved its balance, as a liquidation does),"
            )
        else:
            # Funds a contract pays straight to the sending account after writing something
            # to its own storage (a claimed bit, a processed message, an executed proposal)
            # are how airdrops, bridges and governors pay out legitimately: noted, not acted
            # on. Nothing written, or funds going to a contract the sender deployed, is how
            # drains look.
            to_own = moved_to(trace, loss.holder, loss.asset, side - {trace.tx.sender}) > 0
            wrote = any(w.address == loss.holder for w in trace.storage_writes)
            strong = to_own or not wrote
            who = f"contract {short(loss.holder)}"
        return Finding(
            self.name,
            f"{who} lost {loss.share:.0%} of its {asset_name(loss.asset)} "
            f"({loss.lost} of {loss.before}) to the sender's side, which paid nothing in, "
            "and its books recorded no matching withdrawal or debt"
            + (
                ""
                if strong or bystander
                else " (it recorded something else, as a claim or a bridge does)"
            ),
            0.8 if strong else 0.45,
            estimated_loss_wei=loss.lost if loss.asset is None else 0,
        )
