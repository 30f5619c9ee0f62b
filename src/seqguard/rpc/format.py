"""JSON shapes of blocks, transactions, receipts and logs, as geth answers them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from seqguard.types import Block, Log, Receipt, Tx, TxLocation, Withdrawal

EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"


def q(n: int) -> str:
    return hex(n)


def d(b: bytes) -> str:
    return "0x" + b.hex()


def log_json(log: Log) -> dict[str, Any]:
    return {
        "address": d(log.address),
        "topics": [d(t) for t in log.topics],
        "data": d(log.data),
        "blockNumber": q(log.block_number),
        "transactionHash": d(log.tx_hash),
        "transactionIndex": q(log.tx_index),
        "blockHash": d(log.block_hash),
        "logIndex": q(log.log_index),
        "removed": log.removed,
    }


def header_json(block: Block) -> dict[str, Any]:
    return {
        "number": q(block.number),
        "hash": d(block.hash),
        "parentHash": d(block.parent_hash),
        "nonce": "0x0000000000000000",
        "sha3Uncles": EMPTY_UNCLES,
        "logsBloom": d(block.logs_bloom),
        "transactionsRoot": d(block.transactions_root),
        "stateRoot": d(block.state_root),
        "receiptsRoot": d(block.receipts_root),
        "miner": d(block.coinbase),
        "difficulty": "0x0",
        "totalDifficulty": "0x0",
        "extraData": d(block.extra_data),
        "size": q(block.size),
        "gasLimit": q(block.gas_limit),
        "gasUsed": q(block.gas_used),
        "timestamp": q(block.timestamp),
        "mixHash": d(block.mix_hash),
        "baseFeePerGas": q(block.base_fee),
        "withdrawalsRoot": d(block.withdrawals_root),
        "blobGasUsed": q(block.blob_gas_used),
        "excessBlobGas": q(block.excess_blob_gas),
        "parentBeaconBlockRoot": d(block.parent_beacon_block_root),
        "requestsHash": d(block.requests_hash),
    }


def block_json(
    block: Block, txs: list[dict[str, Any]] | None, withdrawals: Sequence[Withdrawal] = ()
) -> dict[str, Any]:
    out = header_json(block)
    out["transactions"] = txs if txs is not None else [d(h) for h in block.tx_hashes]
    out["uncles"] = []
    out["withdrawals"] = [
        {
            "index": q(w.index),
            "validatorIndex": q(w.validator_index),
            "address": d(w.address),
            "amount": q(w.amount_gwei),
        }
        for w in withdrawals
    ]
    return out


def tx_json(tx: Tx, loc: TxLocation | None, base_fee: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "blockHash": d(loc.block_hash) if loc else None,
        "blockNumber": q(loc.block_number) if loc else None,
        "from": d(tx.sender),
        "gas": q(tx.gas),
        "gasPrice": q(tx.max_fee),
        "hash": d(tx.hash),
        "input": d(tx.data),
        "nonce": q(tx.nonce),
        "to": d(tx.to) if tx.to is not None else None,
        "transactionIndex": q(loc.index) if loc else None,
        "value": q(tx.value),
        "type": q(tx.type),
        "v": q(tx.v),
        "r": q(tx.r),
        "s": q(tx.s),
    }
    if tx.chain_id is not None:
        out["chainId"] = q(tx.chain_id)
    if tx.type >= 1:
        out["accessList"] = [
            {"address": d(addr), "storageKeys": ["0x" + k.to_bytes(32, "big").hex() for k in keys]}
            for addr, keys in tx.access_list
        ]
        out["yParity"] = q(tx.v)
    if tx.type == 2:
        out["maxFeePerGas"] = q(tx.max_fee)
        out["maxPriorityFeePerGas"] = q(tx.max_priority_fee)
        # geth reports the price paid for a mined transaction, the fee cap otherwise
        out["gasPrice"] = (
            q(tx.effective_gas_price(base_fee)) if base_fee is not None else q(tx.max_fee)
        )
    return out


def receipt_json(r: Receipt) -> dict[str, Any]:
    return {
        "blockHash": d(r.block_hash),
        "blockNumber": q(r.block_number),
        "contractAddress": d(r.contract_address) if r.contract_address else None,
        "cumulativeGasUsed": q(r.cumulative_gas_used),
        "effectiveGasPrice": q(r.effective_gas_price),
        "from": d(r.sender),
        "gasUsed": q(r.gas_used),
        "logs": [log_json(log) for log in r.logs],
        "logsBloom": d(r.logs_bloom),
        "status": q(r.status),
        "to": d(r.to) if r.to is not None else None,
        "transactionHash": d(r.tx_hash),
        "transactionIndex": q(r.tx_index),
        "type": q(r.type),
    }
