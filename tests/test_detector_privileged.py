"""The privileged-change detector on storage writes shaped like takeovers and like their twins."""

from __future__ import annotations

from seqguard.inspection import Context
from seqguard.inspection.detectors import PrivilegedChange
from seqguard.inspection.slots import IMPLEMENTATION, INITIALIZABLE, OWNABLE
from seqguard.trace import Frame, StorageWrite, Trace, TxInfo

OWNER, MALLORY, PROXY, LOGIC = (bytes([n]) * 20 for n in (1, 2, 3, 4))
ETH = 10**18


def trace(sender: bytes, *writes: StorageWrite, created: tuple[bytes, ...] = ()) -> Trace:
    frames = [Frame(0, None, 0, "CALL", sender, PROXY, PROXY, 0, b"", b"", 0, 0, True)]
    return Trace(TxInfo(b"\x00" * 32, sender, PROXY, 0, 0, b"", 0, 0, 0), True, 0, None, frames,
                 [], [], list(writes), [], created=list(created))  # fmt: skip


def context(owner: bytes | None, balance: int = 3 * ETH) -> Context:
    def storage(address: bytes, slot: int) -> int:
        return int.from_bytes(owner, "big") if owner and address == PROXY and slot == OWNABLE else 0

    return Context(
        1, 0, storage=storage, balance=lambda address: balance if address == PROXY else 0
    )


def addr(a: bytes) -> int:
    return int.from_bytes(a, "big")


def test_upgrade_by_a_stranger_is_caught_and_by_the_owner_is_not() -> None:
    upgrade = StorageWrite(PROXY, IMPLEMENTATION, addr(LOGIC), addr(MALLORY))
    (finding,) = PrivilegedChange().inspect(trace(MALLORY, upgrade), context(OWNER))
    assert finding.score >= 0.9 and "implementation of" in finding.reason
    assert finding.estimated_loss_wei == 3 * ETH
    assert PrivilegedChange().inspect(trace(OWNER, upgrade), context(OWNER)) == []


def test_initializer_on_a_contract_in_use_is_caught() -> None:
    init = StorageWrite(PROXY, INITIALIZABLE, 0, 1)
    set_owner = StorageWrite(PROXY, OWNABLE, 0, addr(MALLORY))
    findings = PrivilegedChange().inspect(trace(MALLORY, init, set_owner), context(None))
    assert findings and all("already in use" in f.reason for f in findings)


def test_set_up_at_deployment_or_on_an_empty_contract_is_fine() -> None:
    set_owner = StorageWrite(PROXY, OWNABLE, 0, addr(OWNER))
    detector = PrivilegedChange()
    assert detector.inspect(trace(OWNER, set_owner, created=(PROXY,)), context(None)) == []
    assert detector.inspect(trace(OWNER, set_owner), context(None, balance=0)) == []
