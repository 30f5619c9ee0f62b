"""Hard negatives for the authorisation attacks: valid signatures, permits and proofs,
governance by long-term holders, owner multicalls, NFT callbacks, and the buggy
protocols of ``attacks/auth.py`` used the way they were meant to be."""

from __future__ import annotations

from eth_hash.auto import keccak

from seqguard.contracts.abi import encode_call
from seqguard.scenarios.base import BENIGN, MAX_UINT, Scenario, Session
from seqguard.scenarios.protocols import E, approve, fund, give, landed, pool, token
from seqguard.scenarios.protocols_auth import (
    address_word,
    airdrop_leaf,
    bridge_message,
    bridge_update,
    forward_request,
    merkle,
    payout_voucher,
    sign_permit,
    silo_governor,
    wait_past,
)


class MerkleAirdropClaims(Scenario):
    """Four recipients claim a Merkle airdrop with their proofs; the distributor was funded
    with exactly the sum of the leaves, so the last claim empties it."""

    name = "merkle-airdrop-claims"
    kind = BENIGN
    category = "airdrop"

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        grants = [("alice", 120), ("bob", 300), ("carol", 80), ("dave", 500)]
        leaves = [airdrop_leaf(i, s.address(r), a * E) for i, (r, a) in enumerate(grants)]
        root, proofs = merkle(leaves)
        drop = s.deploy("team", "MerkleAirdrop", usd, root)
        give(s, usd, drop, sum(a for _, a in grants))
        for i, (role, amount) in enumerate(grants):
            s.critical(role, drop, "MerkleAirdrop", "claim", i, s.address(role), amount * E,
                       proofs[i], label=f"claim by {role}")  # fmt: skip


def _governance(s: Session, stakes: dict[str, int]) -> tuple[str, str]:
    """A SiloGovernor (5 voting blocks, emergency after 1) holding a 10,000 USD treasury,
    with ``stakes`` staked by long-term holders; (governor, usd)."""
    g = silo_governor(s, stakes, gov_supply=10**6, voting_blocks=5)
    return g.governor, g.usd


def _propose_and_vote(s: Session, governor: str, proposer: str, target: str, data: bytes,
                      voters: list[str]) -> int:  # fmt: skip
    """Proposal 0 made and voted on by ``voters``; the block it was made in."""
    landed(s, s.critical(proposer, governor, "SiloGovernor", "propose", target, data))
    votes = [
        s.critical(role, governor, "SiloGovernor", "vote", 0, label=f"vote by {role}")
        for role in voters
    ]
    landed(s, *votes)  # votes count only once included; commit after them
    return s.call(governor, "SiloGovernor", "proposal", 0)[2]


class HolderGovernanceGrant(Scenario):
    """Long-term stakers propose a grant from the DAO treasury, vote it through over the
    voting period, and execute it: the treasury pays the grantee."""

    name = "holder-governance-grant"
    kind = BENIGN
    category = "governance"

    def run(self, s: Session) -> None:
        holders = {"h1": 120_000, "h2": 100_000, "h3": 80_000}
        governor, usd = _governance(s, holders)
        grant = encode_call("SeqToken", "transfer", s.address("grantee"), 1500 * E)
        start = _propose_and_vote(s, governor, "h1", usd, grant, list(holders))
        wait_past(s, start + 4)  # the 5-block voting period
        s.critical("h2", governor, "SiloGovernor", "commit", 0)


class HolderEmergencyCommit(Scenario):
    """Stakers holding over two thirds of the stake pass an emergency proposal a block
    after it was made (paying a white hat's bounty): the same emergencyCommit path the
    Beanstalk attacker used, with stake that has sat in the silo for months."""

    name = "holder-emergency-commit"
    kind = BENIGN
    category = "governance"

    def run(self, s: Session) -> None:
        holders = {"h1": 200_000, "h2": 150_000, "h3": 50_000}
        governor, usd = _governance(s, holders)
        bounty = encode_call("SeqToken", "transfer", s.address("whitehat"), 2000 * E)
        start = _propose_and_vote(s, governor, "h1", usd, bounty, ["h1", "h2"])
        wait_past(s, start)
        s.critical("h2", governor, "SiloGovernor", "emergencyCommit", 0)


class GranteeExecutesGrant(Scenario):
    """A long-term staker's proposal to fund its team with 60% of the treasury passes the
    vote, and the grantee itself calls ``commit`` (anyone may): the treasury pays the
    transaction's sender most of what it holds."""

    name = "grantee-executes-grant"
    kind = BENIGN
    category = "governance"

    def run(self, s: Session) -> None:
        holders = {"h1": 120_000, "h2": 100_000, "grantee": 80_000}
        governor, usd = _governance(s, holders)
        grant = encode_call("SeqToken", "transfer", s.address("grantee"), 6000 * E)
        start = _propose_and_vote(s, governor, "grantee", usd, grant, list(holders))
        wait_past(s, start + 4)
        s.critical("grantee", governor, "SiloGovernor", "commit", 0)


class OwnerMulticallPayroll(Scenario):
    """A team wallet's owner pays four contributors in tokens and one in ETH with a single
    self-delegatecall multicall: most of the wallet leaves in one transaction."""

    name = "owner-multicall-payroll"
    kind = BENIGN
    category = "payments"
    roles = {"treasurer": 20}

    def run(self, s: Session) -> None:
        usd = token(s, "USD", role="treasurer")
        wallet = s.deploy("treasurer", "PayrollWallet", value=2 * E)
        give(s, usd, wallet, 1000, role="treasurer")
        calls = [
            encode_call("PayrollWallet", "pay", usd, s.address(f"c{i}"), 200 * E) for i in range(4)
        ]
        calls.append(encode_call("PayrollWallet", "payEth", s.address("c4"), E))
        s.critical("treasurer", wallet, "PayrollWallet", "multicall", calls)


class NftMintsWithCallbacks(Scenario):
    """A public NFT mint: a collector mints from a wallet, another through a contract whose
    ``onERC721Received`` hook calls back into the collection mid-mint to pass each token
    on, and the team withdraws the proceeds."""

    name = "nft-mints-with-callbacks"
    kind = BENIGN
    category = "nft"

    def run(self, s: Session) -> None:
        price = E // 100
        nft = s.deploy("team", "ClubNft", price, 100)
        s.critical("alice", nft, "ClubNft", "mint", 2, value=2 * price, label="mint from wallet")
        minter = s.deploy("bob", "ClubMinter")
        bulk = s.critical("bob", minter, "ClubMinter", "mintMany", nft, 3, value=3 * price,
                          label="mint through contract")  # fmt: skip
        landed(s, bulk)  # the team withdraws once the mints are in
        s.critical("team", nft, "ClubNft", "withdraw", label="team withdraws proceeds")


def _signed_bridge(
    s: Session, locked: dict[str, int], paid: list[tuple[str, int]]
) -> tuple[str, list[bytes], list[list[str]]]:
    """A ReplicaBridge holding what ``locked`` roles sent out, whose updater has signed a
    root of messages paying ``paid`` here (and two messages for another bridge);
    (bridge, messages, proofs), this bridge's messages first."""
    usd = token(s, "USD")
    genesis = keccak(b"genesis")
    bridge = s.deploy("team", "ReplicaBridge", s.address("updater"), 0, genesis)
    for role, amount in locked.items():
        fund(s, role, usd, bridge, amount)
        s.do(role, bridge, "ReplicaBridge", "send", usd, amount * E,
             address_word(s.address(role)))  # fmt: skip
    other = "0x" + "11" * 20
    messages = [
        bridge_message(s, bridge, 40 + i, usd, s.address(role), amount * E)
        for i, (role, amount) in enumerate(paid)
    ]
    messages += [
        bridge_message(s, other, 60, usd, s.address("carol"), 10 * E),
        bridge_message(s, other, 61, usd, s.address("dave"), 70 * E),
    ]
    root, proofs = merkle([keccak(m) for m in messages])
    signature = bridge_update(s, "updater", bridge, genesis, root)
    s.do("relayer", bridge, "ReplicaBridge", "update", root, signature)
    return bridge, messages, proofs


class BridgeSignedWithdrawal(Scenario):
    """Withdrawals from a bridge: its validator signs the other chain's new message root,
    then one user proves and processes her own message and a relayer does another's."""

    name = "bridge-signed-withdrawal"
    kind = BENIGN
    category = "bridge"

    def run(self, s: Session) -> None:
        locked = {"l1": 4000, "l2": 3500, "l3": 2500}
        bridge, messages, proofs = _signed_bridge(s, locked, [("alice", 3000), ("bob", 1200)])
        s.critical("alice", bridge, "ReplicaBridge", "proveAndProcess", messages[0], proofs[0],
                   label="alice withdraws")  # fmt: skip
        s.critical("relayer", bridge, "ReplicaBridge", "proveAndProcess", messages[1],
                   proofs[1], label="relayer processes bob's withdrawal")  # fmt: skip


class BridgeLargeSignedWithdrawal(Scenario):
    """On a young bridge, one user brings back 60% of its liquidity with a message the
    validator signed: a valid proof, but most of the bridge leaves for the sender."""

    name = "bridge-large-signed-withdrawal"
    kind = BENIGN
    category = "bridge"

    def run(self, s: Session) -> None:
        bridge, messages, proofs = _signed_bridge(s, {"l1": 10_000}, [("alice", 6000)])
        s.critical("alice", bridge, "ReplicaBridge", "proveAndProcess", messages[0], proofs[0])


class RelayedMetaTransaction(Scenario):
    """Gasless transfers: a user signs two forwarder requests (nonces 0 and 1) paying a
    shop and then sending the rest to a friend; a relayer submits both."""

    name = "relayed-meta-transaction"
    kind = BENIGN
    category = "meta-transaction"

    def run(self, s: Session) -> None:
        forwarder = s.deploy("team", "MetaForwarder")
        gusd = s.deploy("team", "PermitToken", "Gasless USD", "gUSD", 10**6 * E, forwarder)
        give(s, gusd, s.address("user"), 500)
        payments = [(s.address("shop"), 120 * E), (s.address("friend"), 380 * E)]
        for nonce, (to, amount) in enumerate(payments):
            data = encode_call("PermitToken", "transfer", to, amount)
            request, sig = forward_request(s, "user", forwarder, gusd, data, nonce)
            s.critical("relayer", forwarder, "MetaForwarder", "execute", request, sig,
                       label=f"relayed request {nonce}")  # fmt: skip


class PermitBridgeOut(Scenario):
    """A relayer bridges a user's whole balance out through AnyRouter with the user's
    EIP-2612 permit: the router pulls the tokens from a wallet that sent nothing."""

    name = "permit-bridge-out"
    kind = BENIGN
    category = "permit"

    def run(self, s: Session) -> None:
        pusd = s.deploy("team", "PermitToken", "Permit USD", "pUSD", 10**6 * E, "0x" + "00" * 20)
        router = s.deploy("team", "AnyRouter")
        any_usd = s.deploy("team", "AnyToken", pusd, router)
        user = s.address("user")
        give(s, pusd, user, 800)
        p = sign_permit(s, "user", pusd, "Permit USD", router, 800 * E)
        s.critical("relayer", router, "AnyRouter", "anySwapOutUnderlyingWithPermit", user,
                   any_usd, user, 800 * E, p.deadline, p.v, p.r, p.s, 1)  # fmt: skip


class VoucherRedeemedOnce(Scenario):
    """A player redeems the payout voucher the desk's server signed for her, once: the
    replayable PayoutDesk used as intended."""

    name = "payout-voucher-once"
    kind = BENIGN
    category = "signatures"

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        desk = s.deploy("team", "PayoutDesk", usd, s.address("server"))
        give(s, usd, desk, 5000)
        player, amount = s.address("player"), 400 * E
        voucher = payout_voucher(s, player, amount)
        s.critical("player", desk, "PayoutDesk", "redeem", player, amount, voucher)


class ComboThroughRegisteredHandler(Scenario):
    """A user runs a two-step combo through ComboProxy with the team's swap handler (the
    proxy delegatecalls it): buy COL with USD, then sell part of it back."""

    name = "combo-proxy-swaps"
    kind = BENIGN
    category = "swap"

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        pair = pool(s, col, usd, 10_000, 10_000)
        proxy = s.deploy("team", "ComboProxy")
        handler = s.deploy("team", "SwapHandler")
        fund(s, "user", usd, proxy, 500)
        approve(s, "user", col, proxy)
        buy = encode_call("SwapHandler", "swap", pair, usd, 300 * E, 0)
        sell = encode_call("SwapHandler", "swap", pair, col, 100 * E, 0)
        s.critical("user", proxy, "ComboProxy", "batchExec", [handler, handler], [buy, sell])


class TeamBatchTransferAirdrop(Scenario):
    """The BEC team airdrops to five holders with ``batchTransfer`` (within its balance),
    and one of them sells into the pool through the router."""

    name = "team-batch-transfer"
    kind = BENIGN
    category = "airdrop"

    def run(self, s: Session) -> None:
        bec = s.deploy("team", "OverflowToken", "BeautyChain", "BEC", 7 * 10**9 * E)
        usd = token(s, "USD")
        pair = pool(s, bec, usd, 200_000, 20_000)
        router = s.deploy("team", "Router")
        holders = [s.address(f"holder{i}") for i in range(5)]
        landed(s, s.critical("team", bec, "OverflowToken", "batchTransfer", holders, 10_000 * E))
        approve(s, "holder0", bec, router)
        s.critical("holder0", router, "Router", "swapExactIn", pair, bec, 10_000 * E, 0,
                   holders[0])  # fmt: skip


class StakerExitsSharePool(Scenario):
    """Stakers of a false-returning token use the StakedShares pool honestly; the largest
    leaves with 60% of the pool's tokens, against her burned shares."""

    name = "staker-exits-share-pool"
    kind = BENIGN
    category = "withdrawal"

    def run(self, s: Session) -> None:
        force = s.deploy("team", "FalseReturnToken", "Force", "FORCE", 10**6 * E)
        vault = s.deploy("team", "StakedShares", force)
        for role, stake in (("s1", 6000), ("s2", 4000)):
            s.do("team", force, "FalseReturnToken", "transfer", s.address(role), stake * E)
            s.do(role, force, "FalseReturnToken", "approve", vault, MAX_UINT)
            s.critical(role, vault, "StakedShares", "deposit", stake * E, label=f"{role} stakes")
        s.critical("s1", vault, "StakedShares", "withdraw", 6000 * E, label="s1 exits")
