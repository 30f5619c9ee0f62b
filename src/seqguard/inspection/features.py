"""Numbers that describe what one transaction did, for the learned risk model.

Each feature is scale-free where it can be (shares, counts, log sizes), so a model
trained on small test protocols is not fooled by the size of a real one. They are
computed from the same :class:`Trace` and :class:`Context` the rule detectors see,
sharing their flow arithmetic (``flows``) and the context's memoised views.
"""

from __future__ import annotations

import math

from seqguard.inspection.base import Context
from seqguard.inspection.flows import (
    ZERO,
    booked,
    erc20,
    find_loans,
    losses,
    paid_in,
    pool_swings,
    sender_side,
    side_gains,
    spent_approval,
    took_part,
)
from seqguard.inspection.slots import CONTROL_SLOTS, INITIALIZABLE, UPGRADE_SLOTS
from seqguard.trace import Trace

SENSITIVE_SLOTS = {*UPGRADE_SLOTS, *CONTROL_SLOTS, INITIALIZABLE}

# name -> what it measures, in words an operator can check (used in explanations)
FEATURES: dict[str, str] = {
    "frames": "call frames (log2)",
    "depth": "deepest call nesting",
    "contracts": "distinct contracts touched",
    "side_calls": "calls made by the sender's own contracts (log2)",
    "callbacks": "calls from outside contracts back into the sender's contracts",
    "reentries": "contracts re-entered through another account while running",
    "static_share": "share of calls that only read (STATICCALL)",
    "delegatecalls": "DELEGATECALLs",
    "creates": "contracts created",
    "transfers": "token transfers (log2)",
    "tokens": "distinct tokens moved",
    "loans": "tokens lent to the sender's side and paid back (flash loans)",
    "max_swing": "largest swing of a contract's token balance within the transaction",
    "gained_assets": "assets the sender's side ends with more of",
    "losers": "outside accounts that end with less of an asset",
    "max_loss_share": "largest share of its holding an outside account lost",
    "bystander_loss": "an account that took no part lost tokens through its allowance",
    "unpaid_loss_share": "largest share an outside account lost with nothing paid in and "
    "nothing matching in its books",
    "eth_loss_share": "largest share of its ETH a contract lost",
    "fresh_age": "closeness of the sender's newest contract (1 = deployed now, 0 = old or none)",
    "to_is_own": "the transaction calls a contract the sender deployed",
    "sensitive_writes": "writes to upgrade, admin, owner or initializer slots",
    "mints": "token mints (transfers from the zero address)",
    "burns": "token burns (transfers to the zero address)",
    "storage_writes": "storage slots changed (log2)",
    "value": "ETH sent with the transaction (log10 of ETH + 1)",
    "input_size": "calldata size (log2)",
}
NAMES = tuple(FEATURES)


def _log2(n: float) -> float:
    return math.log2(1 + n)


def _reentries(trace: Trace) -> int:
    count = 0
    for f in trace.frames:
        if f.kind not in ("CALL", "CALLCODE") or f.parent is None:
            continue
        i, outside = f.parent, False
        while i is not None:
            ancestor = trace.frames[i]
            if ancestor.address == f.address:
                count += outside
                break
            outside = True
            i = ancestor.parent
    return count


def features(trace: Trace, context: Context) -> dict[str, float]:
    frames = trace.frames
    side = sender_side(trace, context)
    calls = [f for f in frames[1:] if f.kind not in ("CREATE", "CREATE2", "SELFDESTRUCT")]
    transfers = erc20(trace)
    out: dict[str, float] = dict.fromkeys(NAMES, 0.0)
    out["frames"] = _log2(len(frames))
    out["depth"] = max((f.depth for f in frames), default=0)
    out["contracts"] = len({f.address for f in frames})
    out["side_calls"] = _log2(sum(f.sender in side and f.address not in side for f in calls))
    out["callbacks"] = sum(
        f.address in side and f.sender not in side and f.address != trace.tx.sender for f in calls
    )
    out["reentries"] = _reentries(trace)
    out["static_share"] = sum(f.kind == "STATICCALL" for f in calls) / len(calls) if calls else 0
    out["delegatecalls"] = sum(f.kind == "DELEGATECALL" for f in calls)
    out["creates"] = len(trace.created)
    out["transfers"] = _log2(len(transfers))
    out["tokens"] = len({t.token for t in transfers})
    out["mints"] = sum(t.sender == ZERO for t in transfers)
    out["burns"] = sum(t.recipient == ZERO for t in transfers)
    out["storage_writes"] = _log2(len(trace.storage_writes))
    out["sensitive_writes"] = sum(w.slot in SENSITIVE_SLOTS for w in trace.storage_writes)
    out["value"] = math.log10(1 + trace.tx.value / 1e18)
    out["input_size"] = _log2(len(trace.tx.input))
    out["to_is_own"] = float(trace.tx.to in side and trace.tx.to != trace.tx.sender)
    if not trace.success:
        return out
    loans = find_loans(trace, side)
    out["loans"] = len(loans)
    lenders = {loan.lender for loan in loans}
    if len(transfers) >= 2:
        swings = pool_swings(trace, context, side | lenders, 0.0)
        out["max_swing"] = min(max((s.moved for s in swings), default=0.0), 10.0)
    out["gained_assets"] = len(side_gains(trace, side))
    lost = losses(trace, context, side)
    out["losers"] = len({loss.holder for loss in lost})
    out["max_loss_share"] = max((loss.share for loss in lost), default=0.0)
    out["bystander_loss"] = float(
        any(
            loss.asset is not None
            and not took_part(trace, loss.holder)
            and spent_approval(trace, loss.holder, loss.asset)
            for loss in lost
        )
    )
    out["unpaid_loss_share"] = max(
        (
            loss.share
            for loss in lost
            if not paid_in(trace, loss.holder, side) and not booked(trace, loss.holder, loss.lost)
        ),
        default=0.0,
    )
    out["eth_loss_share"] = max((loss.share for loss in lost if loss.asset is None), default=0.0)
    ages = [
        context.block_number - made.block_number
        for made in map(context.creator, side - {trace.tx.sender})
        if made is not None
    ]
    if trace.created:
        ages.append(0)
    out["fresh_age"] = 1 / (1 + min(ages) / 10) if ages else 0.0
    return out


def vector(trace: Trace, context: Context) -> list[float]:
    values = features(trace, context)
    return [values[name] for name in NAMES]
