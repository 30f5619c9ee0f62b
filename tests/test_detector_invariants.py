"""Protocol invariants: parsing, checking after a transaction, and the mint rule of the
privileged-change detector (a stranger printing a token versus its team minting)."""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak

from seqguard.inspection import Creation
from seqguard.inspection.detectors import Invariant, InvariantError, Invariants, PrivilegedChange
from seqguard.inspection.detectors.invariants import encode_call
from support.traces import ZERO, TraceBuilder, addr

USER, MALLORY, VAULT, TOKEN, STAKING, DUMPER, TEAM = map(addr, range(1, 8))
E = 10**18
ASSETS, SUPPLY = encode_call("totalAssets()"), encode_call("totalSupply()")


def test_invariant_expressions_parse_to_calls() -> None:
    inv = Invariant.parse("solvent", VAULT, "totalAssets() >= totalSupply()")
    assert (inv.lhs, inv.op, inv.rhs) == (keccak(b"totalAssets()")[:4], ">=", SUPPLY)
    assert Invariant.parse("x", VAULT, "healthy()").op == "!="  # a bare call must be non-zero
    balance = encode_call(f"balanceOf(0x{USER.hex()})")
    assert balance[:4] == keccak(b"balanceOf(address)")[:4] and balance[-20:] == USER
    assert Invariant.parse("y", VAULT, "cap(3) < 1000").rhs == 1000
    for bad in ("total Assets", "f(x) > 1", "f() >= "):
        with pytest.raises(InvariantError):
            Invariant.parse("bad", VAULT, bad)


def vault_tx(assets: int, supply: int) -> TraceBuilder:
    b = TraceBuilder(USER, VAULT)
    b.views = {(VAULT, ASSETS): assets, (VAULT, SUPPLY): supply}
    return b


def test_a_broken_invariant_is_caught_with_its_name() -> None:
    detector = Invariants([Invariant.parse("solvent", VAULT, "totalAssets() >= totalSupply()")])
    (finding,) = detector.inspect(*vault_tx(1000, 10_000).build())
    assert finding.score == 1.0 and "invariant 'solvent'" in finding.reason
    assert "1000 >= 10000 is false" in finding.reason
    assert detector.inspect(*vault_tx(10_001, 10_000).build()) == []
    # a view that reverts after the transaction is reported, not ignored
    (unreadable,) = detector.inspect(*TraceBuilder(USER, VAULT).build())
    assert "could not be read" in unreadable.reason
    # transactions that do not touch the contract are not checked
    assert detector.inspect(*TraceBuilder(USER, TOKEN).build()) == []
    assert detector.remove("solvent") and detector.inspect(*vault_tx(1, 2).build()) == []


def mint(minter: bytes, amount: int, *, paid: bool = False) -> TraceBuilder:
    b = TraceBuilder(USER if minter == USER else MALLORY, minter)
    if paid:  # a vault deposit: assets in, shares out
        b.transfer(0, addr(30), b.sender, TOKEN, amount)
    b.transfer(b.call(0, minter, TOKEN), TOKEN, ZERO, b.sender, amount)
    b.creators = {
        TOKEN: Creation(TEAM, 1),
        STAKING: Creation(TEAM, 2),
        DUMPER: Creation(MALLORY, 50),
    }
    b.views = {(TOKEN, encode_call("totalSupply()")): 1_000_000 * E + amount}
    return b


def test_a_stranger_minting_is_caught_and_the_team_minter_is_not() -> None:
    (finding,) = PrivilegedChange().inspect(*mint(DUMPER, 1_000_000 * E).build())
    assert "minted" in finding.reason and "100% of its supply" in finding.reason
    assert PrivilegedChange().inspect(*mint(STAKING, 1_000_000 * E).build()) == []
    assert PrivilegedChange().inspect(*mint(DUMPER, 10 * E).build()) == []  # dust: not acted on
    assert PrivilegedChange().inspect(*mint(DUMPER, 500_000 * E, paid=True).build()) == []
