"""Who gained and who lost what in one transaction: the shared arithmetic of the
value-flow detectors (abnormal outflow, flash-loan manipulation, fresh contracts).

An *asset* is ``ETH`` (``None``) or an ERC-20 token address. The *sender's side*
is the sending account plus every contract it deployed, in this transaction or
before (from the chain's history): value that reaches any of them reaches the
sender.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from seqguard.inspection.base import Context
from seqguard.trace import TokenTransfer, Trace

Asset = bytes | None  # None is ETH
ZERO = b"\x00" * 20


def asset_name(asset: Asset) -> str:
    return "ETH" if asset is None else f"token 0x{asset.hex()}"


def short(address: bytes) -> str:
    return f"0x{address.hex()}"


@dataclass(frozen=True, slots=True)
class Loss:
    holder: bytes
    asset: Asset
    lost: int
    before: int

    @property
    def share(self) -> float:
        return self.lost / self.before if self.before > 0 else 1.0


def anyone_else_pays(trace: Trace) -> bool:
    """Cheap first look: did any account but the sender send ETH or tokens?"""
    sender = trace.tx.sender
    return any(b.delta < 0 and b.address != sender for b in trace.balance_deltas) or any(
        t.sender != sender and t.sender != ZERO for t in trace.transfers
    )


@dataclass(frozen=True, slots=True)
class Loan:
    lender: bytes
    token: bytes
    amount: int


@dataclass(frozen=True, slots=True)
class Swing:
    pool: bytes
    token: bytes
    before: int
    extreme: int
    start: int  # log index of the transfer that displaced the pool
    end: int  # log index of the transfer that brought it back (or past the last)

    @property
    def moved(self) -> float:
        return abs(self.extreme - self.before) / self.before


def erc20(trace: Trace) -> list[TokenTransfer]:
    """The trace's ERC-20 transfers, in log order (listed once per trace)."""
    if "erc20" not in trace.memo:
        trace.memo["erc20"] = [t for t in trace.transfers if t.standard == "ERC20"]
    return trace.memo["erc20"]


def parties(trace: Trace) -> frozenset[bytes]:
    """Every account that called or was called in the transaction (once per trace)."""
    if "parties" not in trace.memo:
        trace.memo["parties"] = frozenset(a for f in trace.frames for a in (f.sender, f.address))
    return trace.memo["parties"]


def find_loans(trace: Trace, side: set[bytes]) -> list[Loan]:
    """Tokens an outside account sent the sender's side and got back, at least as much,
    later in the transaction: a flash loan. An account the sender's side also paid in
    another token is a pool it swapped with (bought, then sold back), not a lender."""
    key = ("loans", frozenset(side))
    if key not in trace.memo:  # the flash-loan detector and the risk model both ask
        trace.memo[key] = _find_loans(erc20(trace), side)
    return trace.memo[key]


def _find_loans(transfers: list[TokenTransfer], side: set[bytes]) -> list[Loan]:
    paid_other = {(t.recipient, t.token) for t in transfers if t.sender in side}
    loans = []
    for i, out in enumerate(transfers):
        if out.sender in side or out.recipient not in side:
            continue
        if any(x == out.sender and token != out.token for x, token in paid_other):
            continue
        back = sum(
            t.amount for t in transfers[i + 1 :]
            if t.token == out.token and t.sender in side and t.recipient == out.sender
        )  # fmt: skip
        if back >= out.amount:
            loans.append(Loan(out.sender, out.token, out.amount))
    return loans


def pool_swings(
    trace: Trace, context: Context, exclude: set[bytes], threshold: float
) -> list[Swing]:
    """Contracts outside ``exclude`` whose balance of a token moved at least ``threshold``
    (a share of where it started) at some point in the transaction, in log order."""
    transfers = erc20(trace)
    called = {f.address for f in trace.frames}
    swings = []
    for (token, pool), net in token_net(trace).items():
        if pool in exclude or pool not in called:
            continue
        after = context.token_balance(token, pool)
        if after is None or after - net <= 0:
            continue
        before = balance = after - net
        start, extreme = None, before
        for t in transfers:
            if t.token != token or pool not in (t.sender, t.recipient):
                continue
            balance += t.amount if t.recipient == pool else -t.amount
            displaced = abs(balance - before) >= threshold * before
            if displaced:
                if abs(balance - before) > abs(extreme - before):
                    extreme = balance
                if start is None:
                    start = t.log_index
            elif start is not None:
                swings.append(Swing(pool, token, before, extreme, start, t.log_index))
                start, extreme = None, before
        if start is not None:
            swings.append(Swing(pool, token, before, extreme, start, 1 << 62))
    return swings


def sender_side(trace: Trace, context: Context) -> set[bytes]:
    """The sender and the contracts it deployed, here or earlier."""
    cached = context.extra.get("side")
    if cached is not None:  # several detectors ask, once per transaction is enough
        return cached
    sender = trace.tx.sender
    side = {sender, *trace.created}
    for address in {f.address for f in trace.frames}:
        if address not in side:
            made = context.creator(address)
            if made is not None and made.creator == sender:
                side.add(address)
    context.extra["side"] = side
    return side


def token_net(trace: Trace) -> dict[tuple[bytes, bytes], int]:
    """Net ERC-20 flow per (token, holder): received minus sent."""
    if "token_net" in trace.memo:
        return trace.memo["token_net"]
    net: dict[tuple[bytes, bytes], int] = defaultdict(int)
    for t in trace.transfers:
        if t.standard == "ERC20" and t.sender != t.recipient:
            net[(t.token, t.sender)] -= t.amount
            net[(t.token, t.recipient)] += t.amount
    trace.memo["token_net"] = net = dict(net)
    return net


def side_gains(trace: Trace, side: set[bytes]) -> dict[Asset, int]:
    """What the sender's side ends the transaction with, per asset, when positive.

    The sender's own ETH counts only when it grew despite the gas it paid.
    """
    key = ("gains", frozenset(side))
    if key not in trace.memo:  # three detectors and the risk model ask
        trace.memo[key] = _side_gains(trace, side)
    return trace.memo[key]


def _side_gains(trace: Trace, side: set[bytes]) -> dict[Asset, int]:
    gains: dict[Asset, int] = defaultdict(int)
    for (token, holder), amount in token_net(trace).items():
        if holder in side:
            gains[token] += amount
    for b in trace.balance_deltas:
        if b.address in side:
            gains[None] += b.delta
    return {asset: amount for asset, amount in gains.items() if amount > 0}


def losses(
    trace: Trace, context: Context, exclude: set[bytes], *, min_share: float = 0.0
) -> list[Loss]:
    """Accounts outside ``exclude`` that ended with less of an asset, with what they
    held before (token holdings are read after the transaction and the flow added
    back). Only losses of at least ``min_share`` of the holding are returned."""
    key = ("losses", frozenset(exclude))
    if key not in context.extra:
        context.extra[key] = _losses(trace, context, exclude)
    return [loss for loss in context.extra[key] if loss.share >= min_share]


def _losses(trace: Trace, context: Context, exclude: set[bytes]) -> list[Loss]:
    out = []
    for b in trace.balance_deltas:
        if b.delta < 0 and b.address not in exclude and b.address not in trace.created:
            out.append(Loss(b.address, None, -b.delta, b.before))
    for (token, holder), amount in token_net(trace).items():
        if amount >= 0 or holder in exclude or holder == ZERO or holder in trace.created:
            continue
        after = context.token_balance(token, holder)
        if after is None:
            continue
        out.append(Loss(holder, token, -amount, after - amount))
    return out


def moved_to(trace: Trace, holder: bytes, asset: Asset, recipients: set[bytes]) -> int:
    """How much of ``asset`` went from ``holder`` straight to one of ``recipients``."""
    if asset is None:
        return sum(
            f.value for f in trace.frames
            if f.success and f.sender == holder and f.address in recipients and f.value
            and f.kind in ("CALL", "CREATE", "CREATE2", "SELFDESTRUCT")
        )  # fmt: skip
    return sum(
        t.amount for t in trace.transfers
        if t.standard == "ERC20" and t.token == asset and t.sender == holder
        and t.recipient in recipients
    )  # fmt: skip


def paid_in(trace: Trace, holder: bytes, side: set[bytes]) -> bool:
    """Did the sender's side give ``holder`` anything: ETH, tokens, or back its own
    tokens (a burn of shares it issued)?"""
    for f in trace.frames:
        if f.success and f.value and f.sender in side and f.address == holder:
            return True
    return any(
        t.amount > 0
        and t.sender in side
        and (t.recipient == holder or (t.token == holder and t.recipient == ZERO))
        for t in trace.transfers
    )


def booked(trace: Trace, holder: bytes, amount: int) -> bool:
    """A slot of ``holder`` moved by about ``amount``: its books recorded the payout (a
    withdrawal from a balance mapping) or a debt (a borrow)."""
    low, high = amount * 99 // 100, amount * 101 // 100
    return any(
        w.address == holder and low <= abs(w.after - w.before) <= high for w in trace.storage_writes
    )


TRANSFER_FROM = bytes.fromhex("23b872dd")  # transferFrom(address,address,uint256)


def spent_approval(trace: Trace, holder: bytes, token: bytes) -> bool:
    """Did someone move ``holder``'s tokens with ``transferFrom`` (its allowance), as
    opposed to the token's own logic moving them (a liquidation's seizure, a slash)?"""
    return any(
        t.token == token
        and t.sender == holder
        and trace.frames[trace.logs[t.log_index].frame].input[:4] == TRANSFER_FROM
        for t in trace.transfers
    )


def took_part(trace: Trace, account: bytes) -> bool:
    """Did ``account`` call or get called in the transaction?"""
    return account in parties(trace)
