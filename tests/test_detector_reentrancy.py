"""The reentrancy detector on call trees shaped like an attack and like its benign twin."""

from __future__ import annotations

from seqguard.inspection import Context
from seqguard.inspection.detectors import Reentrancy
from seqguard.trace import BalanceDelta, Frame, Trace, TxInfo

USER, VAULT, ATTACKER, TOKEN = (bytes([n]) * 20 for n in (1, 2, 3, 4))
CTX = Context(block_number=1, timestamp=0)
ETH = 10**18


def frame(index: int, parent: int | None, sender: bytes, address: bytes, value: int = 0,
          kind: str = "CALL", success: bool = True) -> Frame:  # fmt: skip
    depth = 0 if parent is None else 1 + index  # depth is not used by the detector
    return Frame(
        index, parent, depth, kind, sender, address, address, value, b"", b"", 0, 0, success
    )


def trace(*frames: Frame, vault_delta: int = -ETH) -> Trace:
    deltas = [BalanceDelta(VAULT, 10 * ETH, 10 * ETH + vault_delta)] if vault_delta else []
    return Trace(TxInfo(b"\x00" * 32, USER, ATTACKER, 0, 0, b"", 0, 0, 0), True, 0, None,
                 list(frames), [], [], [], deltas)  # fmt: skip


def test_dao_style_drain_is_caught_with_the_loss() -> None:
    # attacker -> vault.withdraw -> (1 ETH to attacker) -> attacker.receive -> vault.withdraw -> 1 ETH again
    t = trace(
        frame(0, None, USER, ATTACKER),
        frame(1, 0, ATTACKER, VAULT),
        frame(2, 1, VAULT, ATTACKER, ETH),
        frame(3, 2, ATTACKER, VAULT),
        frame(4, 3, VAULT, ATTACKER, ETH),
    )
    (finding,) = Reentrancy().inspect(t, CTX)
    assert finding.score >= 0.9 and finding.estimated_loss_wei == ETH
    assert VAULT.hex() in finding.reason and "re-entered" in finding.reason


def test_benign_twins_are_allowed() -> None:
    detector = Reentrancy()
    # a contract calling itself many times (SelfCaller-style recursion)
    self_calls = trace(
        frame(0, None, USER, VAULT), frame(1, 0, VAULT, VAULT), frame(2, 1, VAULT, VAULT)
    )
    assert detector.inspect(self_calls, CTX) == []
    # a callback that only reads the vault (STATICCALL), after a payout
    reads = trace(
        frame(0, None, USER, VAULT),
        frame(1, 0, VAULT, ATTACKER, ETH),
        frame(2, 1, ATTACKER, VAULT, kind="STATICCALL"),
    )
    assert detector.inspect(reads, CTX) == []
    # a re-entry that pays nothing more (the receiver re-deposits): recorded below threshold
    redeposit = trace(
        frame(0, None, USER, VAULT),
        frame(1, 0, VAULT, ATTACKER, ETH),
        frame(2, 1, ATTACKER, VAULT, ETH),
    )
    (finding,) = detector.inspect(redeposit, CTX)
    assert finding.score < 0.5
    # value that goes round and comes back: the vault ends no poorer
    round_trip = trace(
        frame(0, None, USER, VAULT),
        frame(1, 0, VAULT, ATTACKER, ETH),
        frame(2, 1, ATTACKER, VAULT, ETH),
        frame(3, 2, VAULT, ATTACKER, ETH),
        vault_delta=0,
    )
    assert detector.inspect(round_trip, CTX) == []
    # a reverted re-entry changed nothing
    failed = trace(
        frame(0, None, USER, VAULT),
        frame(1, 0, VAULT, ATTACKER, ETH),
        frame(2, 1, ATTACKER, VAULT, success=False),
        frame(3, 2, VAULT, ATTACKER, ETH, success=False),
    )
    assert detector.inspect(failed, CTX) == []
    # a router calling two different contracts in turn is no re-entry
    router = trace(
        frame(0, None, USER, ATTACKER), frame(1, 0, ATTACKER, VAULT), frame(2, 0, ATTACKER, TOKEN)
    )
    assert detector.inspect(router, CTX) == []
