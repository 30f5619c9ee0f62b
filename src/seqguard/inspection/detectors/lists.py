"""Deny lists: known attacker addresses, sanctioned recipients, exploit contracts.

Attack: the same actor strikes again, or drains funds through infrastructure
already known to be malicious. After the Ronin bridge hack (March 2022, about
$620M) the attacker's addresses were public within days, yet funds kept moving
through them for weeks; a sequencer with a deny list refuses every such
transaction at the door. Allow-listed senders (operators' own keepers,
liquidators) bypass inspection altogether; that list lives in the Inspector.
"""

from __future__ import annotations

from seqguard.inspection.base import Context, Detector, Finding
from seqguard.trace import Trace


class DenyList(Detector):
    name = "deny-list"

    def __init__(
        self,
        *,
        senders: set[bytes] | None = None,
        recipients: set[bytes] | None = None,
        contracts: set[bytes] | None = None,
    ) -> None:
        self.senders = set(senders or ())
        self.recipients = set(recipients or ())
        self.contracts = set(contracts or ())

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        findings = []
        sender = trace.tx.sender
        if sender in self.senders:
            findings.append(Finding(self.name, f"sender 0x{sender.hex()} is on the deny list", 1.0))
        if trace.tx.to is not None and trace.tx.to in self.recipients:
            findings.append(
                Finding(self.name, f"recipient 0x{trace.tx.to.hex()} is on the deny list", 1.0)
            )
        if self.recipients:
            for t in trace.transfers:
                if t.recipient in self.recipients:
                    findings.append(
                        Finding(
                            self.name,
                            f"{t.standard} transfer to deny-listed 0x{t.recipient.hex()}",
                            1.0,
                        )
                    )
                    break
        if self.contracts:
            for frame in trace.frames:
                for touched in (frame.address, frame.code_address):
                    if touched in self.contracts:
                        findings.append(
                            Finding(
                                self.name,
                                f"calls deny-listed contract 0x{touched.hex()} (frame {frame.index})",
                                1.0,
                            )
                        )
                        return findings
        return findings
