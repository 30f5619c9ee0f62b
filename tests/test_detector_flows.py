"""The value-flow detectors (abnormal outflow, flash-loan manipulation, fresh contract),
each on a hand-built attack and on the benign twin that looks most like it."""

from __future__ import annotations

from seqguard.inspection import Creation
from seqguard.inspection.detectors import (
    AbnormalOutflow,
    FlashLoanManipulation,
    FreshAttackerContract,
)
from seqguard.inspection.flows import TRANSFER_FROM
from seqguard.trace import BalanceDelta, StorageWrite
from support.traces import ZERO, TraceBuilder, addr

USER, MALLORY, TREASURY, TOKEN, VAULT, POOL, LENDING, ATTACK, TEAM = map(addr, range(1, 10))
E = 10**18


# -- abnormal outflow -----------------------------------------------------------------------
def sweep(caller: bytes, *, owner: bytes = USER) -> TraceBuilder:
    """``caller`` calls TREASURY, which sends all its 1,000 tokens to ``caller``."""
    b = TraceBuilder(caller, TREASURY)
    b.transfer(b.call(0, TREASURY, TOKEN), TOKEN, TREASURY, caller, 1000 * E)
    b.owners[TREASURY] = owner
    return b


def test_a_stranger_emptying_a_contract_is_caught_and_its_owner_is_not() -> None:
    (finding,) = AbnormalOutflow().inspect(*sweep(MALLORY).build())
    assert finding.detector == "abnormal-outflow" and "lost 100%" in finding.reason
    assert AbnormalOutflow().inspect(*sweep(USER).build()) == []  # the owner's own sweep


def test_a_whale_redeeming_most_of_a_vault_is_not_an_outflow() -> None:
    # burns its shares (a Transfer of the vault's own token to zero), then is paid
    b = TraceBuilder(USER, VAULT)
    b.transfer(0, VAULT, USER, ZERO, 900 * E)
    b.transfer(b.call(0, VAULT, TOKEN), TOKEN, VAULT, USER, 900 * E)
    assert AbnormalOutflow().inspect(*b.build()) == []


def test_a_payout_the_books_record_is_not_an_outflow_but_a_drain_is() -> None:
    # ETH vault: pays 5 ETH; a withdrawal zeroes a 5 ETH balance slot, a drain a 1 ETH one
    for recorded, expected in ((5 * E, 0), (1 * E, 1)):
        b = TraceBuilder(MALLORY, VAULT)
        b.call(0, VAULT, MALLORY, value=5 * E)
        b.deltas = [BalanceDelta(VAULT, 6 * E, 1 * E), BalanceDelta(MALLORY, 0, 5 * E)]
        b.writes = [StorageWrite(VAULT, 7, recorded, 0)]
        findings = AbnormalOutflow().inspect(*b.build())
        assert len(findings) == expected
        if findings:
            assert findings[0].estimated_loss_wei == 5 * E


def test_tokens_taken_from_a_bystander_through_an_approval() -> None:
    b = TraceBuilder(MALLORY, ATTACK)  # a router-like contract with USER's approval
    b.transfer(b.call(0, ATTACK, TOKEN, data=TRANSFER_FROM), TOKEN, USER, MALLORY, 100 * E)
    (finding,) = AbnormalOutflow().inspect(*b.build())
    assert "took no part in the transaction" in finding.reason and finding.score >= 0.8
    # a lending market's own token seizing a liquidated borrower's balance is noted only
    b = TraceBuilder(MALLORY, ATTACK)
    b.transfer(b.call(0, ATTACK, TOKEN, data=bytes.fromhex("b2a02ff1")), TOKEN, USER, MALLORY, E)
    (seized,) = AbnormalOutflow().inspect(*b.build())
    assert "as a liquidation does" in seized.reason and seized.score < 0.5
    # the same router spending the sender's own approval is an ordinary swap
    b = TraceBuilder(USER, ATTACK)
    b.transfer(b.call(0, ATTACK, TOKEN), TOKEN, USER, POOL, 100 * E)
    assert AbnormalOutflow().inspect(*b.build()) == []


# -- flash-loan manipulation ----------------------------------------------------------------
USD, COL = addr(20), addr(21)


def oracle_attack(*, lending_reads_pool: bool) -> TraceBuilder:
    """Borrow 3,000 USD, buy COL in POOL (1,000/1,000), borrow from LENDING, sell, repay."""
    b = TraceBuilder(MALLORY, ATTACK)
    b.creators[ATTACK] = Creation(MALLORY, 99)
    b.transfer(b.call(0, VAULT, USD), USD, VAULT, ATTACK, 3000 * E)  # the loan
    b.transfer(b.call(0, ATTACK, USD), USD, ATTACK, POOL, 3000 * E)  # buy COL
    b.transfer(b.call(0, POOL, COL), COL, POOL, ATTACK, 750 * E)
    if lending_reads_pool:
        b.call(0, LENDING, POOL, kind="STATICCALL")
    b.transfer(b.call(0, LENDING, USD), USD, LENDING, ATTACK, 1000 * E)  # over-borrow
    b.transfer(b.call(0, ATTACK, COL), COL, ATTACK, POOL, 650 * E)  # sell back
    b.transfer(b.call(0, POOL, USD), USD, POOL, ATTACK, 2870 * E)
    b.transfer(b.call(0, ATTACK, USD), USD, ATTACK, VAULT, 3003 * E)  # repay with a fee
    b.balances = {(USD, POOL): 1130 * E, (COL, POOL): 900 * E, (USD, LENDING): 0}
    return b


def test_a_protocol_paying_out_on_a_pumped_pool_price_is_caught() -> None:
    (finding,) = FlashLoanManipulation().inspect(*oracle_attack(lending_reads_pool=True).build())
    assert finding.score >= 0.9 and "flash loan of 3000" in finding.reason
    assert "moved 300%" in finding.reason and "while the price was moved" in finding.reason


def test_a_flash_loan_arbitrage_is_not_manipulation() -> None:
    # same flows but nobody read the pool while it was displaced (a plain arbitrage)
    assert FlashLoanManipulation().inspect(*oracle_attack(lending_reads_pool=False).build()) == []
    # a small, repaid arbitrage that moves the pool by 4%
    b = TraceBuilder(USER, ATTACK)
    b.transfer(b.call(0, VAULT, USD), USD, VAULT, ATTACK, 40 * E)
    b.transfer(b.call(0, ATTACK, USD), USD, ATTACK, POOL, 40 * E)
    b.call(0, LENDING, POOL, kind="STATICCALL")
    b.transfer(b.call(0, LENDING, USD), USD, LENDING, ATTACK, 1 * E)
    b.transfer(b.call(0, ATTACK, USD), USD, ATTACK, VAULT, 41 * E)
    b.balances = {(USD, POOL): 1040 * E}
    assert FlashLoanManipulation().inspect(*b.build()) == []


# -- fresh attacker contract ----------------------------------------------------------------
def drain_by(deployed_at: int, *, share: int) -> TraceBuilder:
    """ATTACK (deployed by MALLORY at ``deployed_at``) makes five calls and takes ``share``%
    of POOL's 1,000 USD."""
    b = TraceBuilder(MALLORY, ATTACK)
    b.creators[ATTACK] = Creation(MALLORY, deployed_at)
    for _ in range(4):
        b.call(0, ATTACK, POOL, kind="STATICCALL")
    b.transfer(b.call(0, POOL, USD), USD, POOL, ATTACK, share * 10 * E)
    b.balances = {(USD, POOL): (100 - share) * 10 * E}
    return b


def test_a_fresh_contract_draining_a_pool_is_caught() -> None:
    (finding,) = FreshAttackerContract().inspect(*drain_by(99, share=90).build())
    assert finding.score >= 0.8 and "1 block ago" in finding.reason and "lost 90%" in finding.reason


def test_fresh_contracts_that_take_little_or_old_ones_are_not_acted_on() -> None:
    (small,) = FreshAttackerContract().inspect(*drain_by(99, share=5).build())
    assert small.score < 0.5  # recorded only: arbitrage and batching bots look like this
    assert FreshAttackerContract().inspect(*drain_by(1, share=90).build(100_000)) == []
    b = drain_by(99, share=90)
    b.creators[ATTACK] = Creation(TEAM, 99)  # someone else's contract
    assert FreshAttackerContract().inspect(*b.build()) == []
