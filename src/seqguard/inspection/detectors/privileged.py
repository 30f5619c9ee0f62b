"""Privileged change by an unexpected caller: upgrades, ownership, late initializers.

Attack: whoever controls a contract's admin, owner or implementation controls
its funds. If an upgrade or an ownership change can be made by the wrong
account (a missing access check) or an initializer can be run again on a
contract already in use, the attacker takes the contract over, then drains it.
In November 2017 a user called ``initWallet`` on Parity's wallet library,
became its owner and self-destructed it, freezing 513,774 ETH; in 2022 an
uninitialized Wormhole implementation could have been initialized and
upgraded by anyone (caught by a white hat, $10M bounty).

Signal, from the transaction's net storage writes:
- an EIP-1967 implementation or beacon slot changed by an account that was not
  the admin or owner before the transaction;
- an EIP-1967 admin or ERC-7201 Ownable owner slot changed by such an account;
- an owner or admin set from zero, or an ERC-7201 Initializable slot set, on a
  contract that existed before this transaction and already holds ETH or pays
  out tokens in the same transaction (initialized and drained at once);
- a mint (an ERC-20 ``Transfer`` from the zero address) of at least
  ``mint_share`` (default 1%) of the previous supply, by a caller that is neither
  the token's deployer nor a contract that deployer made, and not paid for (a
  deposit into a vault mints shares against the assets paid in). Anyone who can mint can
  print the token and sell it: the Ankr aBNBc minter (December 2022) printed 60
  trillion tokens and sold them into pools in the same hour.
"""

from __future__ import annotations

from seqguard.inspection.base import Context, Detector, Finding
from seqguard.inspection.flows import ZERO, paid_in, sender_side
from seqguard.inspection.slots import (
    CONTROL_SLOTS,
    IMPLEMENTATION,
    INITIALIZABLE,
    UPGRADE_SLOTS,
)
from seqguard.trace import Trace

MASK160 = (1 << 160) - 1


TOTAL_SUPPLY = bytes.fromhex("18160ddd")  # totalSupply()


class PrivilegedChange(Detector):
    name = "privileged-change"

    def __init__(self, mint_share: float = 0.01) -> None:
        self.mint_share = mint_share

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        return self._slot_changes(trace, context) + self._mints(trace, context)

    def _mints(self, trace: Trace, context: Context) -> list[Finding]:
        findings = []
        for t in trace.transfers:
            if t.standard != "ERC20" or t.sender != ZERO or t.token in trace.created:
                continue
            minter = self._caller_of(trace, trace.logs[t.log_index].frame)
            token_made = context.creator(t.token)
            if token_made is None or minter == token_made.creator:
                continue  # a genesis token we know nothing about, or its deployer minting
            minter_made = context.creator(minter)
            if minter_made is not None and minter_made.creator == token_made.creator:
                continue  # a minter contract the token's team deployed (staking, bridge)
            if paid_in(trace, t.token, sender_side(trace, context)):
                continue  # minted against a payment (a vault deposit): bought, not printed
            supply = context.call_uint(t.token, TOTAL_SUPPLY)
            minted = burned = 0
            for m in trace.transfers:
                if m.token == t.token and m.standard == "ERC20":
                    minted += m.amount if m.sender == ZERO else 0
                    burned += m.amount if m.recipient == ZERO else 0
            previous = (supply or 0) - minted + burned
            if previous > 0 and minted < self.mint_share * previous:
                continue
            findings.append(
                Finding(
                    self.name,
                    f"0x{minter.hex()} minted {minted} of token 0x{t.token.hex()} "
                    f"({'no supply before' if previous <= 0 else f'{minted / previous:.0%} of its supply'}) "
                    f"but is neither its deployer 0x{token_made.creator.hex()} nor a contract "
                    "that deployer made",
                    0.85,
                )
            )
            break
        return findings

    @staticmethod
    def _caller_of(trace: Trace, index: int) -> bytes:
        """msg.sender of the code running in frame ``index``, seen through delegatecalls."""
        frame = trace.frames[index]
        while frame.kind in ("DELEGATECALL", "CALLCODE") and frame.parent is not None:
            frame = trace.frames[frame.parent]
        return frame.sender

    def _slot_changes(self, trace: Trace, context: Context) -> list[Finding]:
        writes = {(w.address, w.slot): w for w in trace.storage_writes}
        created = set(trace.created)
        callers = self._callers(trace)
        findings = []
        for (contract, slot), write in writes.items():
            label = UPGRADE_SLOTS.get(slot) or CONTROL_SLOTS.get(slot)
            if slot == INITIALIZABLE:
                label = "initializer"
            if label is None or contract in created:
                continue  # set up in the transaction that deployed it: normal
            controllers = self._controllers_before(contract, writes, context)
            allowed = controllers & callers.get(contract, set())
            if allowed:
                continue
            balance = self._eth_before(trace, contract, context)
            if label == "initializer" or (label in CONTROL_SLOTS.values() and write.before == 0):
                sends = sum(t.amount for t in trace.transfers if t.sender == contract)
                if (
                    balance == 0
                    and not sends
                    and not controllers
                    and not self._has_implementation(contract, writes, context)
                ):
                    continue  # an empty, unused contract being set up late
                findings.append(
                    Finding(
                        self.name,
                        f"{label} of 0x{contract.hex()} set by 0x{trace.tx.sender.hex()} on a contract "
                        f"already in use (holding {balance} wei"
                        + (
                            f", paying out {sends} in tokens in the same transaction"
                            if sends
                            else ""
                        )
                        + "); an initializer was run again",
                        0.85,
                        estimated_loss_wei=balance,
                    )
                )
            else:
                who = ", ".join(f"0x{c.hex()}" for c in sorted(controllers)) or "unknown"
                findings.append(
                    Finding(
                        self.name,
                        f"{label} of 0x{contract.hex()} changed from 0x{write.before & MASK160:040x} to "
                        f"0x{write.after & MASK160:040x} by 0x{trace.tx.sender.hex()}, which is not its "
                        f"admin or owner ({who})",
                        0.9 if controllers else 0.6,
                        estimated_loss_wei=balance,
                    )
                )
        return findings

    @staticmethod
    def _callers(trace: Trace) -> dict[bytes, set[bytes]]:
        """Who called into each contract (its frames' senders), and the tx sender."""
        out: dict[bytes, set[bytes]] = {}
        for frame in trace.frames:
            out.setdefault(frame.address, set()).update((frame.sender, trace.tx.sender))
        return out

    @staticmethod
    def _controllers_before(contract: bytes, writes: dict, context: Context) -> set[bytes]:
        found = set()
        for slot in CONTROL_SLOTS:
            write = writes.get((contract, slot))
            value = write.before if write is not None else context.storage(contract, slot)
            if value & MASK160:
                found.add((value & MASK160).to_bytes(20, "big"))
        return found

    @staticmethod
    def _has_implementation(contract: bytes, writes: dict, context: Context) -> bool:
        write = writes.get((contract, IMPLEMENTATION))
        return bool(
            write.before if write is not None else context.storage(contract, IMPLEMENTATION)
        )

    @staticmethod
    def _eth_before(trace: Trace, contract: bytes, context: Context) -> int:
        for delta in trace.balance_deltas:
            if delta.address == contract:
                return delta.before
        return context.balance(contract)
