"""The Trace model: token transfer decoding and the geth/anvil tracer adapter.

The py-evm tracer is checked against anvil's tracers on 210 transactions in
``test_differential.py::test_trace_model_matches_the_reference_tracers``.
"""

from __future__ import annotations

from eth_abi import encode

from seqguard.trace.geth import trace_from_geth
from seqguard.trace.model import TraceLog, TxInfo
from seqguard.trace.tokens import TRANSFER, TRANSFER_BATCH, TRANSFER_SINGLE, decode_transfers

A, B, C, T = (bytes([n]) * 20 for n in (0xA, 0xB, 0xC, 0x7))
INFO = TxInfo(b"\x01" * 32, A, T, 0, 0, b"", 100_000, 1, 1)


def topic(address: bytes) -> bytes:
    return address.rjust(32, b"\x00")


def log(topics: list[bytes], data: bytes = b"", index: int = 0) -> TraceLog:
    return TraceLog(T, tuple(topics), data, 0, index)


def test_token_transfers_of_every_standard() -> None:
    logs = [
        log([TRANSFER, topic(A), topic(B)], (5).to_bytes(32, "big"), 0),
        log([TRANSFER, topic(A), topic(B), (42).to_bytes(32, "big")], b"", 1),
        log(
            [TRANSFER_SINGLE, topic(C), topic(A), topic(B)],
            encode(["uint256", "uint256"], [7, 3]),
            2,
        ),
        log(
            [TRANSFER_BATCH, topic(C), topic(A), topic(B)],
            encode(["uint256[]", "uint256[]"], [[1, 2], [10, 20]]),
            3,
        ),
    ]
    got = [
        (t.standard, t.sender, t.recipient, t.amount, t.token_id, t.log_index)
        for t in decode_transfers(logs)
    ]
    assert got == [
        ("ERC20", A, B, 5, None, 0),
        ("ERC721", A, B, 1, 42, 1),
        ("ERC1155", A, B, 3, 7, 2),
        ("ERC1155", A, B, 10, 1, 3),
        ("ERC1155", A, B, 20, 2, 3),
    ]


def test_malformed_token_events_are_skipped() -> None:
    bad = [
        log([TRANSFER, topic(A)], (5).to_bytes(32, "big")),  # too few topics
        log([TRANSFER, topic(A), topic(B)], b"\x01" * 31),  # short data
        log([TRANSFER_BATCH, topic(C), topic(A), topic(B)], (10**9).to_bytes(32, "big") * 4),
        log(
            [TRANSFER_BATCH, topic(C), topic(A), topic(B)],
            encode(["uint256[]", "uint256[]"], [[1], [1, 2]]),
        ),
        log([]),
    ]
    assert decode_transfers(bad) == []


def test_geth_adapter_orders_logs_by_position_and_drops_failed_frames() -> None:
    call = {
        "type": "CALL", "from": "0x" + A.hex(), "to": "0x" + T.hex(), "gas": "0x100", "gasUsed": "0x50",
        "input": "0x", "value": "0x0",
        "logs": [
            {"address": "0x" + T.hex(), "topics": ["0x" + "11" * 32], "data": "0x01", "position": "0x0"},
            {"address": "0x" + T.hex(), "topics": ["0x" + "33" * 32], "data": "0x03", "position": "0x2"},
        ],
        "calls": [
            {"type": "DELEGATECALL", "from": "0x" + T.hex(), "to": "0x" + C.hex(), "gas": "0x10",
             "gasUsed": "0x5", "input": "0xaa",
             "logs": [{"address": "0x" + T.hex(), "topics": ["0x" + "22" * 32], "data": "0x02", "position": "0x0"}]},
            {"type": "CALL", "from": "0x" + T.hex(), "to": "0x" + B.hex(), "gas": "0x10", "gasUsed": "0x10",
             "input": "0x", "value": "0x5", "error": "execution reverted",
             "logs": [{"address": "0x" + B.hex(), "topics": [], "data": "0x", "position": "0x0"}]},
        ],
    }  # fmt: skip
    diff = {
        "pre": {
            "0x" + T.hex(): {"balance": "0x10", "storage": {"0x1": "0x5", "0x2": "0x7"}},
            "0x" + C.hex(): {"balance": "0x3"},
        },
        "post": {"0x" + T.hex(): {"balance": "0x20", "storage": {"0x2": "0x9", "0x3": "0x1"}}},
    }
    trace = trace_from_geth(INFO, call, diff)
    assert [f.kind for f in trace.frames] == ["CALL", "DELEGATECALL", "CALL"]
    delegate = trace.frames[1]
    assert (delegate.address, delegate.code_address, delegate.parent, delegate.depth) == (
        T,
        C,
        0,
        1,
    )
    assert trace.frames[2].success is False and trace.frames[2].value == 5
    assert [(entry.data, entry.frame, entry.index) for entry in trace.logs] == [
        (b"\x01", 0, 0), (b"\x02", 1, 1), (b"\x03", 0, 2)
    ]  # fmt: skip
    assert [(w.slot, w.before, w.after) for w in trace.storage_writes] == [
        (1, 5, 0),
        (2, 7, 9),
        (3, 0, 1),
    ]
    assert [(b.address, b.delta) for b in trace.balance_deltas] == [(T, 0x10), (C, -3)]
    assert trace.destroyed == [C]
    assert trace.success and trace.gas_used == 0x50
    assert trace.to_json()["frames"][1]["code_address"] == "0x" + C.hex()
