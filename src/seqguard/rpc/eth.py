"""eth_*, net_*, web3_*, txpool_* and debug_* methods, answered as geth does."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak

from seqguard import CLIENT_VERSION
from seqguard.chain import next_base_fee
from seqguard.errors import SERVER_ERROR, TX_QUARANTINED, InvalidParams, RpcError
from seqguard.execution.calls import (
    RPC_GAS_CAP,
    CallArgs,
    call,
    estimate_gas,
    with_free_gas,
)
from seqguard.execution.evm import BlockEnv
from seqguard.execution.roots import BLANK_ROOT
from seqguard.ingress import floor_data_gas, intrinsic_gas
from seqguard.quarantine import STATUSES
from seqguard.rpc import params as p
from seqguard.rpc.format import block_json, d, log_json, q, receipt_json, tx_json
from seqguard.rpc.registry import MethodRegistry, RpcContext, expect_params
from seqguard.types import Block, Tx, TxLocation

if TYPE_CHECKING:
    from seqguard.node import Node

MAX_LOG_RANGE = 10_000  # blocks per eth_getLogs query
MAX_LOGS = 10_000  # logs per eth_getLogs answer
FEE_HISTORY_MAX_BLOCKS = 1024
MIN_SUGGESTED_TIP = 1_000_000  # 0.001 gwei: what eth_maxPriorityFeePerGas suggests on an idle chain


class EthApi:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.chain = node.chain

    # -- helpers --------------------------------------------------------------
    def block(self, block_id: int | str | bytes, *, missing_ok: bool = False) -> Block | None:
        chain = self.chain
        if isinstance(block_id, bytes):
            block = chain.db.block_by_hash(block_id)
        elif isinstance(block_id, str):
            block = chain.db.block_by_number(0) if block_id == "earliest" else chain.head
        else:
            block = (
                chain.head if block_id >= chain.head.number else chain.db.block_by_number(block_id)
            )
            if block_id > chain.head.number:
                block = None
        if block is None and not missing_ok:
            raise RpcError(SERVER_ERROR, "header not found")
        return block

    def state_block(self, value: Any, i: int) -> Block:
        block = self.block(p.block_id(value, i))
        assert block is not None
        return block

    def call_args(self, obj: Any, block: Block) -> tuple[CallArgs, BlockEnv]:
        args = p.optional_object(obj, 0)
        if "data" in args and "input" in args and args["data"] != args["input"]:
            raise InvalidParams(
                'both "data" and "input" are set and not equal. Please use "input" to pass transaction call data'
            )
        raw_data = args.get("input", args.get("data"))
        gas_price = None
        if args.get("gasPrice") is not None:
            if args.get("maxFeePerGas") is not None or args.get("maxPriorityFeePerGas") is not None:
                raise InvalidParams(
                    "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified"
                )
            gas_price = p.quantity(args["gasPrice"])
        elif args.get("maxFeePerGas") is not None or args.get("maxPriorityFeePerGas") is not None:
            max_fee = (
                p.quantity(args["maxFeePerGas"]) if args.get("maxFeePerGas") is not None else None
            )
            tip = (
                p.quantity(args["maxPriorityFeePerGas"])
                if args.get("maxPriorityFeePerGas") is not None
                else 0
            )
            if max_fee is not None and tip > max_fee:
                raise RpcError(SERVER_ERROR, "max priority fee per gas higher than max fee per gas")
            price = block.base_fee + tip
            gas_price = price if max_fee is None else min(max_fee, price)
        env = self.chain.env_of(block)
        if not gas_price:
            env = with_free_gas(env)
        call_args = CallArgs(
            sender=p.address(args["from"]) if args.get("from") is not None else b"\x00" * 20,
            to=p.address(args["to"]) if args.get("to") is not None else None,
            gas=p.quantity(args["gas"], bits=64) if args.get("gas") is not None else None,
            gas_price=gas_price,
            value=p.quantity(args["value"]) if args.get("value") is not None else 0,
            data=p.data(raw_data) if raw_data is not None else b"",
        )
        if args.get("nonce") is not None:
            p.quantity(args["nonce"], bits=64)  # checked like geth, but calls ignore it
        return call_args, env

    def _tx_and_loc(self, tx_hash: bytes) -> tuple[Tx, Any] | None:
        found = self.chain.tx_location(tx_hash)
        if found is None:
            return None
        loc, raw = found
        return self.node.decode(raw), loc

    # -- chain and network --------------------------------------------------------
    def chain_id(self, params: list, ctx: RpcContext) -> str:
        return q(self.chain.chain_id)

    def net_version(self, params: list, ctx: RpcContext) -> str:
        return str(self.chain.chain_id)

    def client_version(self, params: list, ctx: RpcContext) -> str:
        return CLIENT_VERSION

    def sha3(self, params: list, ctx: RpcContext) -> str:
        (value,) = expect_params(params, 1)
        return d(keccak(p.data(value)))

    def block_number(self, params: list, ctx: RpcContext) -> str:
        return q(self.chain.head.number)

    def syncing(self, params: list, ctx: RpcContext) -> bool:
        return False

    def accounts(self, params: list, ctx: RpcContext) -> list[str]:
        return []  # the node holds no keys: transactions arrive signed

    # -- blocks -----------------------------------------------------------------
    def _block_answer(self, block: Block | None, full: bool) -> dict | None:
        if block is None:
            return None
        # L1 deposits are the block's withdrawals (rollup.inbox); most blocks have none
        withdrawals = (
            self.chain.db.block_inbox(block.number).withdrawals
            if block.withdrawals_root != BLANK_ROOT
            else ()
        )
        if not full:
            return block_json(block, None, withdrawals)
        txs = []
        for i, raw in enumerate(self.chain.db.block_raw_txs(block.number)):
            txs.append(
                tx_json(
                    self.node.decode(raw), TxLocation(block.hash, block.number, i), block.base_fee
                )
            )
        return block_json(block, txs, withdrawals)

    def get_block_by_number(self, params: list, ctx: RpcContext) -> dict | None:
        ident, full = expect_params(params, 1, 1)
        block_id = p.block_id(ident, 0)
        if isinstance(block_id, bytes):
            raise InvalidParams(
                "invalid argument 0: hex string has length 64, want at most 16 for BlockNumber"
            )
        return self._block_answer(self.block(block_id, missing_ok=True), p.boolean(full, 1))

    def get_block_by_hash(self, params: list, ctx: RpcContext) -> dict | None:
        ident, full = expect_params(params, 1, 1)
        return self._block_answer(
            self.chain.db.block_by_hash(p.hash32(ident, 0)), p.boolean(full, 1)
        )

    def _tx_count_of(self, block: Block | None) -> str | None:
        return None if block is None else q(len(block.tx_hashes))

    def get_block_tx_count_by_number(self, params: list, ctx: RpcContext) -> str | None:
        (ident,) = expect_params(params, 1)
        return self._tx_count_of(self.block(p.block_id(ident, 0), missing_ok=True))

    def get_block_tx_count_by_hash(self, params: list, ctx: RpcContext) -> str | None:
        (ident,) = expect_params(params, 1)
        return self._tx_count_of(self.chain.db.block_by_hash(p.hash32(ident, 0)))

    def get_block_receipts(self, params: list, ctx: RpcContext) -> list | None:
        (ident,) = expect_params(params, 1)
        block = self.block(p.block_id(ident, 0), missing_ok=True)
        if block is None:
            return None
        return [receipt_json(r) for r in self.chain.db.block_receipts(block.number)]

    def get_uncle_count(self, params: list, ctx: RpcContext) -> str:
        return "0x0"

    # -- transactions -------------------------------------------------------------
    def get_transaction_by_hash(self, params: list, ctx: RpcContext) -> dict | None:
        (ident,) = expect_params(params, 1)
        tx_hash = p.hash32(ident, 0)
        found = self._tx_and_loc(tx_hash)
        if found is not None:
            tx, loc = found
            block = self.chain.db.block_by_number(loc.block_number)
            return tx_json(tx, loc, block.base_fee if block else None)
        pooled = self.node.pool.get(tx_hash)
        return tx_json(pooled, None) if pooled is not None else None

    def _tx_by_block_and_index(self, block: Block | None, index_value: Any) -> dict | None:
        index = p.quantity(index_value, 1, bits=63)
        if block is None or index >= len(block.tx_hashes):
            return None
        found = self._tx_and_loc(block.tx_hashes[index])
        return tx_json(found[0], found[1], block.base_fee) if found else None

    def get_tx_by_block_number_and_index(self, params: list, ctx: RpcContext) -> dict | None:
        ident, index = expect_params(params, 2)
        return self._tx_by_block_and_index(self.block(p.block_id(ident, 0), missing_ok=True), index)

    def get_tx_by_block_hash_and_index(self, params: list, ctx: RpcContext) -> dict | None:
        ident, index = expect_params(params, 2)
        return self._tx_by_block_and_index(self.chain.db.block_by_hash(p.hash32(ident, 0)), index)

    def get_transaction_receipt(self, params: list, ctx: RpcContext) -> dict | None:
        (ident,) = expect_params(params, 1)
        tx_hash = p.hash32(ident, 0)
        receipt = self.chain.receipt(tx_hash)
        if receipt is not None:
            return receipt_json(receipt)
        record = self.node.quarantine.get(tx_hash)
        if record is not None and record.status in ("quarantined", "rejected", "dropped"):
            # a held transaction has no receipt (yet): say who holds it and why; one
            # released or expired is on its way into a block and answers null meanwhile
            raise RpcError(
                TX_QUARANTINED,
                f"transaction {record.status} by {', '.join(record.detectors)}: {record.reason}",
                record.to_json(),
            )
        return None

    def send_raw_transaction(self, params: list, ctx: RpcContext) -> str:
        (raw,) = expect_params(params, 1)
        return d(self.node.send_raw_transaction(p.data(raw, 0)))

    def send_transaction(self, params: list, ctx: RpcContext) -> str:
        raise RpcError(
            SERVER_ERROR,
            "unknown account: the node holds no keys; sign locally and use eth_sendRawTransaction",
        )

    # -- state ------------------------------------------------------------------
    def get_balance(self, params: list, ctx: RpcContext) -> str:
        addr, ident = expect_params(params, 1, 1)
        address = p.address(addr, 0)
        block = self.state_block(ident, 1)
        return q(self.chain.state_at(block).get_balance(address))

    def get_transaction_count(self, params: list, ctx: RpcContext) -> str:
        addr, ident = expect_params(params, 1, 1)
        address = p.address(addr, 0)
        if ident == "pending":
            return q(self.node.pool.pending_nonce(address))
        block = self.state_block(ident, 1)
        return q(self.chain.state_at(block).get_nonce(address))

    def get_code(self, params: list, ctx: RpcContext) -> str:
        addr, ident = expect_params(params, 1, 1)
        address = p.address(addr, 0)
        return d(self.chain.state_at(self.state_block(ident, 1)).get_code(address))

    def get_storage_at(self, params: list, ctx: RpcContext) -> str:
        addr, slot_value, ident = expect_params(params, 2, 1)
        address = p.address(addr, 0)
        if (
            not isinstance(slot_value, str)
            or not slot_value.startswith(("0x", "0X"))
            or len(slot_value) > 66
        ):
            raise InvalidParams("invalid argument 1: hex string of at most 32 bytes expected")
        try:
            slot = int(slot_value[2:] or "0", 16)
        except ValueError:
            raise InvalidParams("invalid argument 1: invalid hex string") from None
        value = self.chain.state_at(self.state_block(ident, 2)).get_storage(address, slot)
        return "0x" + value.to_bytes(32, "big").hex()

    def call(self, params: list, ctx: RpcContext) -> str:
        obj, ident, overrides = expect_params(params, 1, 2)
        if overrides:
            raise InvalidParams("state overrides are not supported")
        block = self.state_block(ident, 1)
        args, env = self.call_args(obj, block)
        return d(call(self.chain.state_at(block, env), args))

    def estimate_gas(self, params: list, ctx: RpcContext) -> str:
        obj, ident, overrides = expect_params(params, 1, 2)
        if overrides:
            raise InvalidParams("state overrides are not supported")
        block = self.state_block(ident if ident is not None else "pending", 1)
        args, env = self.call_args(obj, block)
        # the cheapest gas limit ingress would accept for such a transaction
        shape = SimpleNamespace(data=args.data, to=args.to, access_list=())
        intrinsic = max(intrinsic_gas(shape), floor_data_gas(shape))  # type: ignore[arg-type]
        return q(
            estimate_gas(
                lambda: self.chain.state_at(block, env),
                args,
                cap=min(block.gas_limit, RPC_GAS_CAP),
                intrinsic=intrinsic,
            )
        )

    # -- fees -------------------------------------------------------------------
    def suggested_tip(self) -> int:
        return max(MIN_SUGGESTED_TIP, self.node.config.min_tip)

    def gas_price(self, params: list, ctx: RpcContext) -> str:
        return q(next_base_fee(self.chain.head) + self.suggested_tip())

    def max_priority_fee(self, params: list, ctx: RpcContext) -> str:
        return q(self.suggested_tip())

    def blob_base_fee(self, params: list, ctx: RpcContext) -> str:
        return "0x1"

    def fee_history(self, params: list, ctx: RpcContext) -> dict:
        count_value, newest_value, percentiles_value = expect_params(params, 2, 1)
        count = (
            count_value
            if isinstance(count_value, int) and not isinstance(count_value, bool)
            else p.quantity(count_value, 0, bits=63)
        )
        count = min(count, FEE_HISTORY_MAX_BLOCKS)
        newest = self.block(p.block_id(newest_value, 1))
        assert newest is not None
        percentiles = percentiles_value or []
        if (
            not isinstance(percentiles, list)
            or any(
                not isinstance(x, (int, float)) or isinstance(x, bool) or not 0 <= x <= 100
                for x in percentiles
            )
            or any(a > b for a, b in zip(percentiles, percentiles[1:], strict=False))
        ):
            raise InvalidParams("invalid reward percentiles: must be ascending values in [0, 100]")
        oldest = max(0, newest.number - count + 1)
        base_fees, ratios, rewards = [], [], []
        for n in range(oldest, newest.number + 1):
            block = self.chain.db.block_by_number(n)
            assert block is not None
            base_fees.append(q(block.base_fee))
            ratios.append(block.gas_used / block.gas_limit if block.gas_limit else 0.0)
            if percentiles:
                rewards.append([q(x) for x in self._rewards(block, percentiles)])
        base_fees.append(q(next_base_fee(newest)))
        out: dict[str, Any] = {
            "oldestBlock": q(oldest),
            "baseFeePerGas": base_fees,
            "gasUsedRatio": ratios,
            "baseFeePerBlobGas": ["0x0"] * len(base_fees),
            "blobGasUsedRatio": [0.0] * len(ratios),
        }
        if percentiles:
            out["reward"] = rewards
        return out

    def _rewards(self, block: Block, percentiles: list[float]) -> list[int]:
        receipts = self.chain.db.block_receipts(block.number)
        if not receipts:
            return [0] * len(percentiles)
        tips = sorted((r.effective_gas_price - block.base_fee, r.gas_used) for r in receipts)
        out, total, acc, i = [], block.gas_used, 0, 0
        for pct in percentiles:
            threshold = total * pct / 100
            while i < len(tips) - 1 and acc + tips[i][1] < threshold:
                acc += tips[i][1]
                i += 1
            out.append(tips[i][0])
        return out

    # -- logs -------------------------------------------------------------------
    def logs_for(self, criteria: dict[str, Any]) -> list[dict]:
        """eth_getLogs criteria -> JSON logs (also used by log filters)."""
        crit = p.optional_object(criteria, 0)
        addresses = crit.get("address")
        if addresses is None:
            addr_list = None
        elif isinstance(addresses, list):
            addr_list = [p.address(a, 0) for a in addresses]
        else:
            addr_list = [p.address(addresses, 0)]
        topics_value = crit.get("topics") or []
        if not isinstance(topics_value, list) or len(topics_value) > 4:
            raise InvalidParams("invalid argument 0: topics must be a list of at most 4 entries")
        topics: list[list[bytes] | None] = []
        for t in topics_value:
            if t is None:
                topics.append(None)
            elif isinstance(t, list):
                topics.append([p.hash32(x, 0) for x in t if x is not None] or None)
            else:
                topics.append([p.hash32(t, 0)])
        head = self.chain.head.number
        if crit.get("blockHash") is not None:
            if crit.get("fromBlock") is not None or crit.get("toBlock") is not None:
                raise InvalidParams(
                    "invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other"
                )
            block = self.chain.db.block_by_hash(p.hash32(crit["blockHash"], 0))
            if block is None:
                raise RpcError(SERVER_ERROR, "unknown block")
            lo = hi = block.number
        else:
            lo = self._log_bound(crit.get("fromBlock"), head)
            hi = self._log_bound(crit.get("toBlock"), head)
            if lo > hi:
                raise RpcError(SERVER_ERROR, "invalid block range params")
            hi = min(hi, head)
            if hi - lo + 1 > MAX_LOG_RANGE:
                raise RpcError(-32005, f"query exceeds max block range {MAX_LOG_RANGE}")
        logs = self.chain.db.logs(lo, hi, addr_list, topics, limit=MAX_LOGS + 1)
        if len(logs) > MAX_LOGS:
            raise RpcError(-32005, f"query exceeds max results {MAX_LOGS}, narrow the block range")
        return [log_json(log) for log in logs]

    def _log_bound(self, value: Any, head: int) -> int:
        ident = p.block_id(value, 0)
        if isinstance(ident, str):
            return 0 if ident == "earliest" else head
        if isinstance(ident, bytes):
            raise InvalidParams("invalid argument 0: block hash in fromBlock/toBlock")
        return ident

    def get_logs(self, params: list, ctx: RpcContext) -> list[dict]:
        (criteria,) = expect_params(params, 1)
        return self.logs_for(criteria)

    # -- txpool -----------------------------------------------------------------
    def txpool_status(self, params: list, ctx: RpcContext) -> dict:
        pending, queued = self.node.pool.status()
        return {"pending": q(pending), "queued": q(queued)}

    def _txpool_view(self, render) -> dict:  # type: ignore[no-untyped-def]
        content = self.node.pool.content()
        return {
            side: {
                "0x" + sender.hex(): {str(nonce): render(tx) for nonce, tx in sorted(txs.items())}
                for sender, txs in content[side].items()
            }
            for side in ("pending", "queued")
        }

    def txpool_content(self, params: list, ctx: RpcContext) -> dict:
        return self._txpool_view(lambda tx: tx_json(tx, None))

    def txpool_inspect(self, params: list, ctx: RpcContext) -> dict:
        def summary(tx: Tx) -> str:
            to = "contract creation" if tx.to is None else "0x" + tx.to.hex()
            return f"{to}: {tx.value} wei + {tx.gas} gas × {tx.max_fee} wei"

        return self._txpool_view(summary)

    def txpool_content_from(self, params: list, ctx: RpcContext) -> dict:
        (addr,) = expect_params(params, 1)
        sender = p.address(addr, 0)
        content = self.node.pool.content()
        return {
            side: {
                str(n): tx_json(tx, None) for n, tx in sorted(content[side].get(sender, {}).items())
            }
            for side in ("pending", "queued")
        }

    # -- quarantine (public, read-only) --------------------------------------------
    def get_quarantine(self, params: list, ctx: RpcContext) -> dict | None:
        (ident,) = expect_params(params, 1)
        record = self.node.quarantine.get(p.hash32(ident, 0))
        return record.to_json() if record is not None else None

    def list_quarantine(self, params: list, ctx: RpcContext) -> dict:
        (options,) = expect_params(params, 0, 1)
        opts = p.optional_object(options, 0)
        status = opts.get("status")
        if status is not None and status not in STATUSES:
            raise InvalidParams(f"invalid argument 0: status must be one of {', '.join(STATUSES)}")
        limit = opts.get("limit", 100)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= 1000:
            raise InvalidParams("invalid argument 0: limit must be an integer in 1..1000")
        cursor = opts.get("cursor")
        if cursor is not None and (not isinstance(cursor, int) or isinstance(cursor, bool)):
            raise InvalidParams(
                "invalid argument 0: cursor must be the integer a previous answer gave"
            )
        records, more = self.node.quarantine.list(
            status=status,
            sender=p.address(opts["from"], 0) if opts.get("from") is not None else None,
            address=p.address(opts["address"], 0) if opts.get("address") is not None else None,
            limit=limit,
            cursor=cursor,
        )
        return {"records": [r.to_json() for r in records], "cursor": more}

    def contract_creator(self, params: list, ctx: RpcContext) -> dict | None:
        """Otterscan's ``ots_getContractCreator``: the creating transaction and its
        sender (for a contract a factory made, the sender of the transaction that
        called the factory), or null for an account no transaction created."""
        (addr,) = expect_params(params, 1)
        found = self.node.chain.db.contract_creator(p.address(addr, 0))
        return None if found is None else {"hash": d(found[2]), "creator": d(found[0])}

    # -- debug ------------------------------------------------------------------
    def _trace_config(self, value: Any, i: int) -> dict:
        config = p.optional_object(value, i)
        tracer = config.get("tracer")
        if tracer not in ("callTracer",):
            raise RpcError(
                SERVER_ERROR, f'tracer {tracer!r} is not supported: use {{"tracer": "callTracer"}}'
            )
        tracer_config = config.get("tracerConfig") or {}
        return {
            "onlyTopCall": bool(tracer_config.get("onlyTopCall")),
            "withLog": bool(tracer_config.get("withLog")),
        }

    def trace_transaction(self, params: list, ctx: RpcContext) -> dict:
        ident, config = expect_params(params, 1, 1)
        options = self._trace_config(config, 1)
        trace = self.node.trace_transaction(p.hash32(ident, 0), with_log=options["withLog"])
        if trace is None:
            raise RpcError(SERVER_ERROR, "transaction not found")
        return _only_top(trace) if options["onlyTopCall"] else trace

    def seqguard_trace_transaction(self, params: list, ctx: RpcContext) -> dict | None:
        """The engine-agnostic trace detectors judge (DESIGN §3), or null."""
        (ident,) = expect_params(params, 1)
        trace = self.node.trace_model(p.hash32(ident, 0))
        return trace.to_json() if trace is not None else None

    def trace_call(self, params: list, ctx: RpcContext) -> dict:
        obj, ident, config = expect_params(params, 1, 2)
        options = self._trace_config(config, 2)
        block = self.state_block(ident, 1)
        args, env = self.call_args(obj, block)
        trace = self.node.trace_call(block, env, args, with_log=options["withLog"])
        return _only_top(trace) if options["onlyTopCall"] else trace

    # -- wiring -----------------------------------------------------------------
    def register(self, registry: MethodRegistry) -> None:
        inline = {
            "eth_chainId": self.chain_id,
            "net_version": self.net_version,
            "web3_clientVersion": self.client_version,
            "eth_blockNumber": self.block_number,
            "eth_syncing": self.syncing,
            "eth_accounts": self.accounts,
            "eth_maxPriorityFeePerGas": self.max_priority_fee,
            "eth_gasPrice": self.gas_price,
            "eth_blobBaseFee": self.blob_base_fee,
            "eth_getUncleCountByBlockNumber": self.get_uncle_count,
            "eth_getUncleCountByBlockHash": self.get_uncle_count,
            "net_listening": lambda params, ctx: True,
            "net_peerCount": lambda params, ctx: "0x0",
            "eth_mining": lambda params, ctx: True,
            "eth_hashrate": lambda params, ctx: "0x0",
            "eth_coinbase": lambda params, ctx: d(self.node.config.coinbase_bytes),
            "txpool_status": self.txpool_status,
        }
        threaded = {
            "web3_sha3": self.sha3,
            "eth_getBlockByNumber": self.get_block_by_number,
            "eth_getBlockByHash": self.get_block_by_hash,
            "eth_getBlockTransactionCountByNumber": self.get_block_tx_count_by_number,
            "eth_getBlockTransactionCountByHash": self.get_block_tx_count_by_hash,
            "eth_getBlockReceipts": self.get_block_receipts,
            "eth_getTransactionByHash": self.get_transaction_by_hash,
            "eth_getTransactionByBlockNumberAndIndex": self.get_tx_by_block_number_and_index,
            "eth_getTransactionByBlockHashAndIndex": self.get_tx_by_block_hash_and_index,
            "eth_getTransactionReceipt": self.get_transaction_receipt,
            "eth_sendRawTransaction": self.send_raw_transaction,
            "eth_sendTransaction": self.send_transaction,
            "eth_getBalance": self.get_balance,
            "eth_getTransactionCount": self.get_transaction_count,
            "eth_getCode": self.get_code,
            "eth_getStorageAt": self.get_storage_at,
            "eth_call": self.call,
            "eth_estimateGas": self.estimate_gas,
            "eth_feeHistory": self.fee_history,
            "eth_getLogs": self.get_logs,
            "txpool_content": self.txpool_content,
            "txpool_contentFrom": self.txpool_content_from,
            "txpool_inspect": self.txpool_inspect,
            "debug_traceTransaction": self.trace_transaction,
            "debug_traceCall": self.trace_call,
            "seqguard_traceTransaction": self.seqguard_trace_transaction,
            "seqguard_getQuarantine": self.get_quarantine,
            "seqguard_listQuarantine": self.list_quarantine,
            "ots_getContractCreator": self.contract_creator,
        }
        for name, fn in inline.items():
            registry.register(name, fn, inline=True)
        for name, fn in threaded.items():
            registry.register(name, fn)


def _only_top(trace: dict) -> dict:
    trace = dict(trace)
    trace.pop("calls", None)
    return trace
