"""The chain: genesis, the head, and read access to any sealed block's state.

The builder thread is the only writer (``Chain.append``); RPC threads read.
The head is replaced by one reference assignment after a block is fully on
disk, so a reader sees either the old or the new head, never a mix.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from eth.constants import BLANK_ROOT_HASH, ZERO_HASH32
from eth_hash.auto import keccak

from seqguard.execution.evm import BlockEnv, SeqState, decode_header, make_state, seal_block
from seqguard.execution.roots import BLANK_ROOT
from seqguard.genesis import Genesis
from seqguard.storage import ChainDB, LevelDB
from seqguard.types import Block, BlockInbox, Creation, Receipt, TxLocation

ELASTICITY = 2
BASE_FEE_CHANGE_DENOMINATOR = 8


class GenesisMismatch(RuntimeError):
    """The data directory holds a chain with another genesis."""


def next_base_fee(parent: Block) -> int:
    """EIP-1559 base fee of the child of ``parent``."""
    target = parent.gas_limit // ELASTICITY
    if target == 0 or parent.gas_used == target:
        return parent.base_fee
    if parent.gas_used > target:
        delta = (
            parent.base_fee * (parent.gas_used - target) // target // BASE_FEE_CHANGE_DENOMINATOR
        )
        return parent.base_fee + max(delta, 1)
    delta = parent.base_fee * (target - parent.gas_used) // target // BASE_FEE_CHANGE_DENOMINATOR
    return max(parent.base_fee - delta, 0)


class Chain:
    def __init__(self, data_dir: str | Path, genesis: Genesis) -> None:
        data_dir = Path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        self.genesis = genesis
        self.chain_id = genesis.chain_id
        self.state_db = LevelDB(data_dir / "state")
        self.db = ChainDB(data_dir / "chain.sqlite")
        self.db.set_header_decoder(decode_header)
        self._write_lock = threading.Lock()
        self._creators: dict[bytes, Creation | None] = {}
        head_number = self.db.head_number()
        if head_number is None:
            self._write_genesis()
        else:
            stored = self.db.block_by_number(0)
            expected = self._genesis_block(persist=False)
            if stored is None or stored.hash != expected.hash:
                raise GenesisMismatch(
                    f"{data_dir} holds a chain whose genesis is {stored.hash.hex() if stored else '?'}, "
                    f"not {expected.hash.hex()}: use another --data-dir or the same genesis"
                )
        head = self.db.block_by_number(self.db.head_number() or 0)
        assert head is not None
        self.head: Block = head
        # the 256 most recent hashes for BLOCKHASH, newest first
        self._recent: deque[bytes] = deque(maxlen=256)
        for n in range(head.number, max(-1, head.number - 256), -1):
            block = self.db.block_by_number(n)
            assert block is not None
            self._recent.append(block.hash)

    # -- genesis ----------------------------------------------------------------
    def _genesis_block(self, *, persist: bool) -> Block:
        g = self.genesis
        env = BlockEnv(
            0, g.timestamp, g.coinbase, g.gas_limit, g.base_fee, g.mix_hash, (), g.chain_id
        )
        state = make_state(self.state_db, BLANK_ROOT_HASH, env)
        for address, acct in g.alloc.items():
            state.set_balance(address, acct.balance)
            state.set_nonce(address, acct.nonce)
            if acct.code:
                state.set_code(address, acct.code)
            for slot, value in acct.storage.items():
                state.set_storage(address, slot, value)
        state_root = state.make_state_root()
        if persist:
            state.persist()
        return seal_block(
            env,
            parent_hash=ZERO_HASH32,
            state_root=state_root,
            raws=[],
            tx_hashes=[],
            receipts_root=BLANK_ROOT,
            bloom=0,
            gas_used=0,
            extra_data=g.extra_data,
        )

    def _write_genesis(self) -> None:
        block = self._genesis_block(persist=True)
        self.db.write_block(block, [], [])

    # -- reading ----------------------------------------------------------------
    def block_env(self, parent: Block, timestamp: int, coinbase: bytes) -> BlockEnv:
        """Environment of the block that will follow ``parent``."""
        recent = (
            tuple(self._recent) if parent.hash == self.head.hash else self.recent_hashes(parent)
        )
        return BlockEnv(
            number=parent.number + 1,
            timestamp=timestamp,
            coinbase=coinbase,
            gas_limit=parent.gas_limit,
            base_fee=next_base_fee(parent),
            prev_randao=keccak(parent.hash),
            prev_hashes=recent,
            chain_id=self.chain_id,
        )

    def env_of(self, block: Block) -> BlockEnv:
        """Environment a transaction of ``block`` executed in."""
        parent_hashes = (
            self.recent_hashes(self.db.block_by_number(block.number - 1)) if block.number else ()
        )
        return BlockEnv(
            number=block.number,
            timestamp=block.timestamp,
            coinbase=block.coinbase,
            gas_limit=block.gas_limit,
            base_fee=block.base_fee,
            prev_randao=block.mix_hash,
            prev_hashes=parent_hashes,  # type: ignore[arg-type]
            chain_id=self.chain_id,
        )

    def recent_hashes(self, block: Block | None) -> tuple[bytes, ...]:
        out = []
        n = block.number if block else -1
        while n >= 0 and len(out) < 256:
            b = self.db.block_by_number(n)
            if b is None:
                break
            out.append(b.hash)
            n -= 1
        return tuple(out)

    def state_at(self, block: Block, env: BlockEnv | None = None) -> SeqState:
        """A private, throw-away state on top of ``block`` (reads and dry runs)."""
        return make_state(self.state_db, block.state_root, env or self.env_of(block))

    # -- writing (builder thread only) ------------------------------------------------
    def append(
        self,
        block: Block,
        raws: list[bytes],
        receipts: list[Receipt],
        created: Sequence[tuple[bytes, bytes, bytes]] = (),
        inbox: BlockInbox | None = None,
    ) -> None:
        """Make a sealed block (whose state is already persisted) the new head."""
        with self._write_lock:
            if block.parent_hash != self.head.hash:
                raise RuntimeError("block does not extend the head")
            self.db.write_block(block, raws, receipts, created, inbox)
            for address, creator, _ in created:
                self._creators[address] = Creation(creator, block.number)
            self._recent.appendleft(block.hash)
            self.head = block

    # -- lookups a reader may see: only blocks up to the head --------------------------
    # (a block's rows are committed a moment before it becomes the head)
    def receipt(self, tx_hash: bytes) -> Receipt | None:
        found = self.db.receipt(tx_hash)
        return found if found is not None and found.block_number <= self.head.number else None

    def tx_location(self, tx_hash: bytes) -> tuple[TxLocation, bytes] | None:
        found = self.db.tx_location(tx_hash)
        return found if found is not None and found[0].block_number <= self.head.number else None

    def creator(self, address: bytes) -> Creation | None:
        """Who deployed ``address`` on this chain (None for genesis accounts and EOAs)."""
        if address not in self._creators:
            if len(self._creators) > 100_000:
                self._creators.clear()
            found = self.db.contract_creator(address)
            self._creators[address] = Creation(found[0], found[1]) if found else None
        return self._creators[address]

    def close(self) -> None:
        self.db.close()
        self.state_db.close()
