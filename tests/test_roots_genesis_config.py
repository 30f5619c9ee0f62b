"""Trie roots, genesis parsing, settings precedence and the EIP-1559 base fee."""

from __future__ import annotations

import json

import pytest
import rlp
from hypothesis import given, settings
from hypothesis import strategies as st
from trie import HexaryTrie

from seqguard.chain import next_base_fee
from seqguard.config import ConfigError, load_config
from seqguard.execution.roots import BLANK_ROOT, ordered_trie_root
from seqguard.genesis import (
    DEV_CHAIN_ID,
    GenesisError,
    dev_accounts,
    genesis_to_json,
    parse_genesis,
)
from seqguard.types import Block


def reference_root(values: list[bytes]) -> bytes:
    trie = HexaryTrie({})
    for i, value in enumerate(values):
        trie[rlp.encode(i)] = value
    return trie.root_hash


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=120), max_size=300))
def test_ordered_root_matches_hexary_trie(values: list[bytes]) -> None:
    assert ordered_trie_root(values) == reference_root(values)


def test_ordered_root_edges() -> None:
    assert ordered_trie_root([]) == BLANK_ROOT
    # 128 and 129 entries cross the rlp(0x80) prefix boundary where one key ends inside another
    for n in (1, 2, 127, 128, 129, 300):
        values = [bytes([i % 251 + 1]) * (i % 40 + 1) for i in range(n)]
        assert ordered_trie_root(values) == reference_root(values)


def test_dev_accounts_are_anvils() -> None:
    (first, key), *_ = dev_accounts(1)
    assert "0x" + first.hex() == "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    assert key.hex() == "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def test_parse_genesis_fields_and_round_trip() -> None:
    data = {
        "config": {"chainId": 1337},
        "alloc": {
            "0x00000000000000000000000000000000000000aa": {
                "balance": "1000",
                "nonce": "0x2",
                "code": "0x6000",
                "storage": {"0x01": "0x05", "0x02": "0x0"},
            },
            "00000000000000000000000000000000000000bb": {"balance": "0xff"},
        },
        "gasLimit": "0x1c9c380",
        "baseFeePerGas": "0x3b9aca00",
        "timestamp": "0x10",
    }
    g = parse_genesis(data)
    assert (
        g.chain_id == 1337
        and g.gas_limit == 30_000_000
        and g.base_fee == 10**9
        and g.timestamp == 16
    )
    acct = g.alloc[bytes.fromhex("00" * 19 + "aa")]
    assert (acct.balance, acct.nonce, acct.code, acct.storage) == (1000, 2, b"\x60\x00", {1: 5})
    assert parse_genesis(genesis_to_json(g)).alloc == g.alloc
    assert parse_genesis(data, chain_id=5).chain_id == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"alloc": {}}, "config.chainId is missing"),
        ({"config": {"chainId": 1}, "alloc": {"0x12": {}}}, "20 bytes"),
        ({"config": {"chainId": 1}, "alloc": {"0x" + "11" * 20: {"balance": "lots"}}}, "balance"),
        ({"config": {"chainId": 1}, "gasLimit": True}, "gasLimit"),
        ([], "expected a JSON object"),
    ],
)
def test_bad_genesis_says_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        parse_genesis(data)  # type: ignore[arg-type]


def test_config_precedence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    toml = tmp_path / "node.toml"
    toml.write_text('port = 9000\nblock_time = 3\nordering = "fcfs"\n[node]\nhost = "0.0.0.0"\n')
    cfg = load_config(str(toml), {"port": None}, env={"SEQGUARD_BLOCK_TIME": "2"})
    assert (cfg.port, cfg.block_time, cfg.ordering, cfg.host) == (9000, 2.0, "fcfs", "0.0.0.0")
    cfg = load_config(str(toml), {"port": 9100}, env={"SEQGUARD_PORT": "9050"})
    assert cfg.port == 9100
    assert load_config(None, {}, env={}).chain_id is None
    assert DEV_CHAIN_ID == 31337


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("bogus = 1\n", {}, "unknown setting 'bogus'"),
        ("port = 'x'\n", {}, "port"),
        ("", {"SEQGUARD_ORDERING": "random"}, "ordering 'random' is unknown"),
        ("", {"SEQGUARD_EMPTY_BLOCKS": "maybe"}, "empty_blocks"),
        ("port = [\n", {}, "node.toml"),
    ],
)
def test_config_errors(tmp_path, text: str, env: dict, message: str) -> None:  # type: ignore[no-untyped-def]
    toml = tmp_path / "node.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(str(toml), {}, env=env)


def _block(gas_used: int, base_fee: int, gas_limit: int = 30_000_000) -> Block:
    return Block(
        number=1,
        hash=b"",
        parent_hash=b"",
        timestamp=0,
        state_root=b"",
        transactions_root=b"",
        receipts_root=b"",
        logs_bloom=b"",
        gas_limit=gas_limit,
        gas_used=gas_used,
        base_fee=base_fee,
        coinbase=b"",
        extra_data=b"",
        mix_hash=b"",
        header_rlp=b"",
        size=0,
        tx_hashes=[],
    )


def test_base_fee_follows_eip1559() -> None:
    assert next_base_fee(_block(15_000_000, 10**9)) == 10**9
    assert next_base_fee(_block(30_000_000, 10**9)) == 1_125_000_000
    assert next_base_fee(_block(0, 10**9)) == 875_000_000
    assert next_base_fee(_block(15_000_001, 0)) == 1  # rises from zero by at least one wei
    assert next_base_fee(_block(0, 0)) == 0


def test_genesis_json_is_json() -> None:
    from seqguard.genesis import dev_genesis

    assert (
        json.loads(json.dumps(genesis_to_json(dev_genesis())))["config"]["chainId"] == DEV_CHAIN_ID
    )
