"""The mixed workload: ETH transfers, ERC-20 transfers, AMM swaps and lending calls.

Contracts (all from ``contracts/*.sol``, deployed by sender 0 before the clock starts):
two SeqTokens A and B, a ``Pair`` of them seeded with liquidity, a ``Router`` every
sender has approved, and a ``SpotLending`` that lends B against A at the Pair's spot
price, funded with B. Each sender then repeats :data:`CYCLE` in nonce order, so its
deposit always precedes its borrow and the borrow its repay.

Amounts are small against the reserves (a swap moves the price by about 1e-6 and
directions alternate), so no pre-signed swap misses its minimum output and every
borrow stays far inside the 75% loan-to-value limit whatever the order of senders.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# create_address(sender, nonce): the address of the contract ``sender`` creates (CREATE)
from eth._utils.address import generate_contract_address as create_address

from seqguard.contracts.abi import encode_deploy

from .signer import SignedTx, Signer, keccak

# What each sender sends, in order, again and again: a quarter each of ETH transfers,
# ERC-20 transfers, swaps and lending calls (deposit, borrow, repay).
CYCLE = (
    "eth", "erc20", "swap", "deposit",
    "eth", "erc20", "swap", "borrow",
    "eth", "erc20", "swap", "repay",
)  # fmt: skip
KINDS = ("eth", "erc20", "swap", "deposit", "borrow", "repay")
KIND_TITLES = {
    "eth": "ETH transfer",
    "erc20": "ERC-20 transfer",
    "swap": "AMM swap",
    "deposit": "lending deposit",
    "borrow": "lending borrow",
    "repay": "lending repay",
}
# gas limits (the same on every node): a few times what each call uses
KIND_GAS = {
    "eth": 21_000,
    "erc20": 80_000,
    "swap": 250_000,
    "deposit": 150_000,
    "borrow": 200_000,
    "repay": 150_000,
}

UNIT = 10**18
TOKEN_SUPPLY = 10**30  # per token
POOL_LIQUIDITY = 10**6 * UNIT  # of each token in the Pair
LENDING_LIQUIDITY = 10**6 * UNIT  # of B held by SpotLending
SWAP_IN = UNIT  # 1e-6 of a reserve per swap
DEPOSIT = 10 * UNIT  # collateral (A) per deposit
BORROW = UNIT  # B per borrow, repaid by the next repay: 10% of one deposit's value
MAX_UINT = 2**256 - 1
DEPLOY_GAS = 5_000_000
SETUP_GAS = 200_000


@cache
def selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


def _word(value: int | bytes) -> bytes:
    if isinstance(value, bytes):
        return value.rjust(32, b"\x00")
    return value.to_bytes(32, "big")


def abi_call(signature: str, *args: int | bytes) -> bytes:
    """Calldata of a function whose arguments are all static words (address, uint256)."""
    return selector(signature) + b"".join(_word(a) for a in args)


def transfer_calldata(to: bytes, amount: int) -> bytes:
    """``transfer(address,uint256)`` calldata of an ERC-20 transfer."""
    return abi_call("transfer(address,uint256)", to, amount)


def amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """``Pair.getAmountOut``: Uniswap v2's output for an exact input, 0.3% fee."""
    with_fee = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1000 + with_fee)


# the least a swap accepts: 10% below the output at the seeded reserves, far more room
# than the whole run can move the price
MIN_OUT = amount_out(SWAP_IN, POOL_LIQUIDITY, POOL_LIQUIDITY) * 9 // 10


@dataclass(frozen=True, slots=True)
class MixedContracts:
    token_a: bytes
    token_b: bytes
    pair: bytes
    router: bytes
    lending: bytes


@dataclass(slots=True)
class SetupPlan:
    """Signed setup transactions in phases: a phase is sent once the one before it is
    included (approvals must not reach a token before it exists: a call to an empty
    address succeeds and does nothing)."""

    contracts: MixedContracts
    phases: list[list[SignedTx]]
    deployments: list[tuple[SignedTx, bytes]]  # deploy transaction, expected address


def plan_setup(
    signers: list[Signer], nonces: list[int], *, max_fee: int, priority: int
) -> SetupPlan:
    """Deploy, seed liquidity, distribute both tokens and approve, from ``nonces`` on."""
    deployer = signers[0]
    nonce = nonces[0]
    a, b, pair, router, lending = (create_address(deployer.address, nonce + i) for i in range(5))
    creations = [
        encode_deploy("SeqToken", "SeqBench A", "SQA", TOKEN_SUPPLY),
        encode_deploy("SeqToken", "SeqBench B", "SQB", TOKEN_SUPPLY),
        encode_deploy("Pair", a, b),
        encode_deploy("Router"),
        encode_deploy("SpotLending", a, b, pair),
    ]
    share = TOKEN_SUPPLY // (4 * len(signers))
    calls: list[tuple[bytes, bytes]] = [
        (a, transfer_calldata(pair, POOL_LIQUIDITY)),
        (b, transfer_calldata(pair, POOL_LIQUIDITY)),
        (pair, abi_call("mint(address)", deployer.address)),
        (b, transfer_calldata(lending, LENDING_LIQUIDITY)),
    ]
    for s in signers[1:]:
        calls.append((a, transfer_calldata(s.address, share)))
        calls.append((b, transfer_calldata(s.address, share)))

    def sign(signer: Signer, n: int, to: bytes | None, data: bytes, gas: int) -> SignedTx:
        return signer.sign(
            nonce=n, to=to, data=data, gas=gas, max_fee=max_fee, max_priority_fee=priority
        )

    first: list[SignedTx] = []
    deployments = []
    for code in creations:
        tx = sign(deployer, nonce, None, code, DEPLOY_GAS)
        deployments.append((tx, create_address(deployer.address, nonce)))
        first.append(tx)
        nonce += 1
    for to, data in calls:
        first.append(sign(deployer, nonce, to, data, SETUP_GAS))
        nonce += 1
    approvals = []
    for i, s in enumerate(signers):
        n = nonce if i == 0 else nonces[i]
        for token, spender in ((a, router), (b, router), (a, lending), (b, lending)):
            approvals.append(
                sign(s, n, token, abi_call("approve(address,uint256)", spender, MAX_UINT), 100_000)
            )
            n += 1
    return SetupPlan(MixedContracts(a, b, pair, router, lending), [first, approvals], deployments)


def kind_of(position: int) -> str:
    """The kind of a sender's ``position``-th transaction of the run."""
    return CYCLE[position % len(CYCLE)]


def mixed_call(
    kind: str, signer: Signer, sender_index: int, position: int, c: MixedContracts, dest: bytes
) -> tuple[bytes, int, bytes]:
    """``(to, value, data)`` of one mixed-workload transaction of ``kind``."""
    if kind == "eth":
        return dest, 1, b""
    if kind == "erc20":
        return c.token_a, 0, transfer_calldata(dest, 1)
    if kind == "swap":
        # alternate directions per sender, and start half of the senders each way
        a_to_b = (position // 4 + sender_index) % 2 == 0
        token_in = c.token_a if a_to_b else c.token_b
        data = abi_call(
            "swapExactIn(address,address,uint256,uint256,address)",
            c.pair, token_in, SWAP_IN, MIN_OUT, signer.address,
        )  # fmt: skip
        return c.router, 0, data
    if kind == "deposit":
        return c.lending, 0, abi_call("deposit(uint256)", DEPOSIT)
    if kind == "borrow":
        return c.lending, 0, abi_call("borrow(uint256)", BORROW)
    if kind == "repay":
        return c.lending, 0, abi_call("repay(uint256)", BORROW)
    raise ValueError(kind)
