"""Reentrancy: a contract re-entered while an outer frame of it is still running.

Attack: the contract hands control to an outside address (an ETH transfer, a
token callback) before it has finished updating its own books; the outside
code calls back in and finds the old state, so the same withdrawal pays out
again and again. The DAO (June 2016, 3.6M ETH) was drained this way through
``splitDAO``; in July 2023 Curve's Vyper pools lost about $70M because a
broken reentrancy lock let ``remove_liquidity`` be re-entered during its ETH
transfer.

Signal: a frame acting on contract A pays out (ETH, or tokens A sends) and an
outside account X (or something X calls, a token's receive hook included) enters
A again with a state-changing call while the outer frame of A is live, and A ends
the transaction with less ETH or less of a token than it started with. A contract
calling itself, a callback that only reads (STATICCALL), value that goes round
and comes back, or a callback into the sender's own contract (a flash loan's) is
not enough. It scores 0.9 when the re-entered call pays again or A loses more than
it first paid (a cross-function re-entry that moves a balance someone withdraws
later, as in Lendf.Me, April 2020), 0.4 otherwise. Cream Finance (August 2021, $18.8M) was re-entered
through the AMP token's transfer hook, with no ETH moving at all. The estimated
loss is the ETH A lost; token losses are named in the reason.
"""

from __future__ import annotations

from seqguard.inspection.base import Context, Detector, Finding
from seqguard.inspection.flows import sender_side, token_net
from seqguard.trace import Frame, Trace


class Reentrancy(Detector):
    name = "reentrancy"

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        frames = trace.frames
        if len(frames) < 3:
            return []
        side: set[bytes] | None = None
        for frame in frames:
            if not frame.success or frame.kind in ("CREATE", "CREATE2") or not frame.address:
                continue
            victim = frame.address
            for reentry in self._reentries(trace, frame):
                paid = self._paid(trace, self._before(trace, frame, reentry), victim)
                again = self._paid(trace, self._inside(trace, reentry), victim)
                lost = {None: max(0, -trace.balance_delta(victim))} | {
                    t: -n for (t, h), n in token_net(trace).items() if h == victim and n < 0
                }
                lost = {k: v for k, v in lost.items() if v}
                if (not paid and not again) or not lost:
                    continue  # value went round and came back: no one lost anything
                if side is None:
                    side = sender_side(trace, context)
                if victim in side:
                    continue  # the sender's own contract called back (a flash loan's callback)
                attacker = frames[reentry.parent].address if reentry.parent is not None else b""
                # paid again inside the re-entry, or lost more than the first payout (the
                # re-entered call moved a balance someone withdrew later): a drain; a
                # callback that only re-deposits is common and scores low
                drained = bool(again) or any(v > paid.get(k, 0) for k, v in lost.items())
                return [
                    Finding(
                        self.name,
                        f"contract 0x{victim.hex()} was re-entered by 0x{attacker.hex()} "
                        f"(frame {reentry.index}) while its call in frame {frame.index} was still "
                        f"running, after paying out {_text(paid)}; the re-entered call paid "
                        f"{_text(again) or 'nothing'} more, and the contract ends "
                        f"{_text(lost)} poorer",
                        0.9 if drained else 0.4,
                        estimated_loss_wei=lost.get(None, 0),
                    )
                ]
        return []

    def _inside(self, trace: Trace, reentry: Frame) -> set[int]:
        return {f.index for f in self._subtree(trace, reentry.index)}

    def _before(self, trace: Trace, outer: Frame, reentry: Frame) -> set[int]:
        """The outer frame's own calls, outside the re-entered one."""
        return {f.index for f in trace.children(outer.index)} - self._inside(trace, reentry)

    @staticmethod
    def _paid(trace: Trace, frames: set[int], victim: bytes) -> dict[bytes | None, int]:
        """ETH (key None) and tokens the victim paid outside accounts from ``frames``."""
        paid: dict[bytes | None, int] = {}
        eth = sum(
            trace.frames[i].value for i in frames
            if trace.frames[i].success and trace.frames[i].sender == victim
            and trace.frames[i].address != victim
        )  # fmt: skip
        if eth:
            paid[None] = eth
        emitters = frames | {c.index for i in frames for c in trace.children(i)}  # proxy tokens
        for t in trace.transfers:
            if (
                t.sender == victim
                and t.recipient != victim
                and trace.logs[t.log_index].frame in emitters
            ):
                paid[t.token] = paid.get(t.token, 0) + t.amount
        return paid

    @staticmethod
    def _subtree(trace: Trace, index: int) -> list[Frame]:
        out, stack = [], [index]
        while stack:
            i = stack.pop()
            out.append(trace.frames[i])
            stack.extend(f.index for f in trace.children(i))
        return out

    def _reentries(self, trace: Trace, outer: Frame) -> list[Frame]:
        """State-changing calls into ``outer.address`` below an outside account."""
        found = []
        for f in self._subtree(trace, outer.index)[1:]:
            if f.address != outer.address or f.kind not in ("CALL", "CALLCODE") or not f.success:
                continue
            # walk up to ``outer``: re-entry only if some frame in between is another account
            i, outside = f.parent, False
            while i is not None and i != outer.index:
                if trace.frames[i].address != outer.address:
                    outside = True
                i = trace.frames[i].parent
            if outside:
                found.append(f)
        return found


def _text(amounts: dict[bytes | None, int]) -> str:
    return ", ".join(
        f"{n} wei" if k is None else f"{n} of token 0x{k.hex()}" for k, n in amounts.items()
    )
