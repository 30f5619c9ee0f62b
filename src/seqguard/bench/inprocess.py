"""The chain the in-process suites (:mod:`.latency`, :mod:`.rollup`) build blocks on: a
:class:`Chain` from the bench genesis, the mixed workload's contracts deployed and seeded
with the node's :class:`BlockBuilder`, and the workload signed from the head's nonces."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from pathlib import Path

from trie import HexaryTrie

from seqguard.builder.builder import BlockBuilder, BuiltBlock, FixedTransactions
from seqguard.chain import Chain
from seqguard.genesis import Genesis, parse_genesis
from seqguard.ingress import decode_raw_transaction
from seqguard.types import Tx

from .mixed import MixedContracts, plan_setup
from .procs import BenchError
from .signer import SignedTx
from .workload import GWEI, Accounts, Fees, WorkTx, make_genesis, sign_workload

FEES = Fees(max_fee=100 * GWEI, priority=GWEI)


def close_on_exit(stack: contextlib.ExitStack, close: Callable[[], object]) -> None:
    """Have ``stack`` call ``close`` (of a chain's database) on exit, after emptying
    trie's class-wide cache of tries: ``HexaryTrie`` keeps tries (and so their databases)
    in an LRU cache, which would outlive the closed database and fail when the
    interpreter exits."""
    stack.callback(close)
    stack.callback(HexaryTrie._cached_create_node_to_db_mapping.cache_clear)


def open_chain(
    stack: contextlib.ExitStack, path: Path, accounts: Accounts, *, gas_limit: int
) -> tuple[Chain, Genesis]:
    """A fresh chain in ``path`` from the bench genesis funding ``accounts``, closed by
    ``stack``; and its genesis."""
    genesis = parse_genesis(
        make_genesis(chain_id=accounts.chain_id, addresses=accounts.addresses, gas_limit=gas_limit)
    )
    chain = Chain(path, genesis)
    close_on_exit(stack, chain.close)
    return chain, genesis


def decode(txs: list[SignedTx]) -> list[Tx]:
    return [decode_raw_transaction(t.raw) for t in txs]


def append(chain: Chain, built: BuiltBlock) -> None:
    """Make the proposal ``built`` the chain's new head."""
    chain.append(
        built.block, [tx.raw for tx in built.txs], built.receipts, built.created, built.inbox
    )


def remaining(
    pending: list[Tx], built: BuiltBlock, *, drop_senders: Collection[bytes] = ()
) -> list[Tx]:
    """``pending`` without the transactions ``built`` included (nor any of ``drop_senders``)."""
    done = {tx.hash for tx in built.txs}
    return [tx for tx in pending if tx.hash not in done and tx.sender not in drop_senders]


def append_block(chain: Chain, builder: BlockBuilder, pending: list[Tx], what: str) -> BuiltBlock:
    """Build one block of ``pending`` on the head (with the builder's inspector, if any)
    and append it; every transaction must be included or left for a later block, and
    succeed."""
    queue = FixedTransactions(pending)
    built = builder.build(lambda base_fee: queue)
    bad = [f"0x{tx.hash.hex()} cannot execute" for tx in built.invalid]
    bad += [f"0x{tx.hash.hex()} held: {v.reason}" for tx, v in built.held]
    bad += [
        f"0x{tx.hash.hex()} failed" for tx, r in zip(built.txs, built.receipts, strict=True)
        if r.status != 1
    ]  # fmt: skip
    if bad or not built.txs:
        raise BenchError(f"in-process {what}: {bad[:5] or 'a block included nothing'}")
    append(chain, built)
    return built


def deploy_contracts(chain: Chain, builder: BlockBuilder, accounts: Accounts) -> MixedContracts:
    """Deploy and seed the mixed workload's contracts on a fresh ``chain``, block by block."""
    plan = plan_setup(
        accounts.signers, [0] * len(accounts.signers), max_fee=FEES.max_fee,
        priority=FEES.priority,
    )  # fmt: skip
    for phase in plan.phases:
        pending = decode(phase)
        while pending:
            built = append_block(chain, builder, pending, "setup")
            pending = remaining(pending, built)
    return plan.contracts


def sign_mixed(
    chain: Chain,
    accounts: Accounts,
    recipients: list[bytes],
    contracts: MixedContracts,
    *,
    txs: int,
) -> tuple[list[WorkTx], list[Tx]]:
    """``txs`` mixed-workload transactions from the senders' nonces at the head: signed,
    and decoded for the builder."""
    state = chain.state_at(chain.head)
    nonces = [state.get_nonce(a) for a in accounts.addresses]
    work = sign_workload(
        "mixed", accounts, txs=txs, nonces=nonces, fees=FEES, to=recipients,
        contracts=contracts,
    )  # fmt: skip
    return work, decode([w.tx for w in work])
