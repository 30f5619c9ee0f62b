"""A deposit that buys nothing: tokens paid into a vault that mints zero shares for them.

Attack: the ERC-4626 "first depositor" inflation. The attacker takes the only share
of an empty vault for 1 wei and donates to the vault, so that the next deposit is
worth less than one share and rounds down to zero; the depositor's assets now
belong to the attacker's single share, which it redeems. OpenZeppelin added
virtual shares in Contracts 4.9 (2023) because of it; Sonne Finance (May 2024,
$20M) and Hundred Finance (April 2023) fell to the same rounding in Compound
forks. Nothing in the attacker's own transactions looks wrong; the victim's
deposit does.

Signal: in one transaction the sender's side pays a contract a non-zero amount of a
token, and that contract mints its own shares to the sender's side for zero (a
``Transfer`` from the zero address of amount 0). Holding the deposit protects the
depositor, and leaves the attacker's donation stranded in the vault.
"""

from __future__ import annotations

from seqguard.inspection.base import Context, Detector, Finding
from seqguard.inspection.flows import ZERO, sender_side
from seqguard.trace import Trace


class ZeroShareDeposit(Detector):
    name = "zero-share-deposit"

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        if not trace.success:
            return []
        empty_mints = [
            t
            for t in trace.transfers
            if t.sender == ZERO and t.amount == 0 and t.standard == "ERC20"
        ]
        if not empty_mints:
            return []
        side = sender_side(trace, context)
        for mint in empty_mints:
            vault = mint.token
            paid = [
                t for t in trace.transfers
                if t.recipient == vault and t.sender in side and t.amount > 0 and t.token != vault
            ]  # fmt: skip
            if mint.recipient in side and paid:
                return [
                    Finding(
                        self.name,
                        f"a deposit of {paid[0].amount} of token 0x{paid[0].token.hex()} into "
                        f"0x{vault.hex()} minted 0 shares: its share price was inflated, the "
                        "deposit would go to the existing shareholders (ERC-4626 inflation)",
                        0.9,
                    )
                ]
        return []
