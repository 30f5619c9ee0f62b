"""Reentrancy: a contract re-entered while an outer frame of it is still running.

Attack: the contract hands control to an outside address (an ETH transfer, a
token callback) before it has finished updating its own books; the outside
code calls back in and finds the old state, so the same withdrawal pays out
again and again. The DAO (June 2016, 3.6M ETH) was drained this way through
``splitDAO``; in July 2023 Curve's Vyper pools lost about $70M because a
broken reentrancy lock let ``remove_liquidity`` be re-entered during its ETH
transfer.

Signal: a frame acting on contract A calls out, with value, to another account
X, and X (or something X calls) enters A again with a state-changing call while
the outer frame of A is live, and A ends the transaction with less ETH than it
started with. A contract calling itself, a callback that only reads
(STATICCALL), or value that goes round and comes back is not enough. The
estimated loss is what A lost over the transaction.
"""

from __future__ import annotations

from seqguard.inspection.base import Context, Detector, Finding
from seqguard.trace import Frame, Trace


class Reentrancy(Detector):
    name = "reentrancy"

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        frames = trace.frames
        for frame in frames:
            if not frame.success or frame.kind in ("CREATE", "CREATE2") or not frame.address:
                continue
            victim = frame.address
            for reentry in self._reentries(trace, frame):
                paid = self._paid_out(trace, frame, victim)
                again = sum(
                    f.value for f in self._subtree(trace, reentry.index)
                    if f.success and f.sender == victim and f.address != victim and f.value
                )  # fmt: skip
                lost = -trace.balance_delta(victim)
                if (paid == 0 and again == 0) or lost <= 0:
                    continue  # value went round and came back: no one lost anything
                attacker = frames[reentry.parent].address if reentry.parent is not None else b""
                return [
                    Finding(
                        self.name,
                        f"contract 0x{victim.hex()} was re-entered by 0x{attacker.hex()} "
                        f"(frame {reentry.index}) while its call in frame {frame.index} was still "
                        f"running, after paying out {paid} wei; the re-entered call paid {again} wei "
                        f"more, and the contract ends {lost} wei poorer",
                        0.9 if again else 0.4,  # a callback that only re-deposits is common
                        estimated_loss_wei=lost,
                    )
                ]
        return []

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

    @staticmethod
    def _paid_out(trace: Trace, outer: Frame, victim: bytes) -> int:
        """Value the victim sent to outside accounts from the outer frame's direct calls."""
        return sum(
            f.value for f in trace.children(outer.index)
            if f.success and f.sender == victim and f.address != victim
        )  # fmt: skip
