"""Attacks on authorisation: replayed and skipped signatures, forged bridge messages,
borrowed votes, and the low-level bugs that hand out what was never paid for
(delegatecall to the caller's code, an ignored return value, an unchecked overflow)."""

from __future__ import annotations

from seqguard.contracts.abi import encode_call
from seqguard.scenarios.base import ATTACK, MAX_UINT, Scenario, Session
from seqguard.scenarios.protocols import E, balance, fund, give, pool, supply, token
from seqguard.scenarios.protocols_auth import (
    address_word,
    bridge_message,
    payout_voucher,
    silo_governor,
    wait_past,
)


class PayoutVoucherReplay(Scenario):
    """Signature replay, the class of the Optimism/Wintermute 20M OP loss (June 2022) and
    the Omni bridge on EthereumPoW (September 2022): a payout voucher signs only recipient
    and amount (no nonce, no chain id, not marked used), so one genuine voucher is
    redeemed again and again in one transaction until the desk is empty."""

    name = "signature-replay-voucher"
    kind = ATTACK
    category = "signature-replay"
    detectors = ("abnormal-outflow",)

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        desk = s.deploy("team", "PayoutDesk", usd, s.address("server"))
        give(s, usd, desk, 5000)
        # the desk's server settles off-chain balances with vouchers: alice redeems hers,
        # and the attacker, a player like her, is owed 100 USD
        alice = s.address("alice")
        s.do("alice", desk, "PayoutDesk", "redeem", alice, 250 * E,
             payout_voucher(s, alice, 250 * E))  # fmt: skip
        amount = 100 * E
        voucher = payout_voucher(s, s.address("attacker"), amount)
        replayer = s.deploy("attacker", "VoucherReplayer")
        s.critical("attacker", replayer, "VoucherReplayer", "run", desk, amount, voucher,
                   gas=8_000_000)  # fmt: skip


class PermitNeverChecked(Scenario):
    """Permit misuse, as Multichain's anySwapOutUnderlyingWithPermit (January 2022, about
    $3M): the router takes the underlying from the caller's fake anyToken, calls
    ``permit`` on WETH (whose fallback swallows it) and pulls the victim's WETH through the
    allowance the victim gave the router for ordinary bridging, into the fake token."""

    name = "permit-not-checked"
    kind = ATTACK
    category = "signature-bypass"
    detectors = ("abnormal-outflow",)
    roles = {"victim": 40}

    def run(self, s: Session) -> None:
        weth = s.deploy("team", "WrappedNative")
        router = s.deploy("team", "AnyRouter")
        any_weth = s.deploy("team", "AnyToken", weth, router)
        victim = s.address("victim")
        s.do("victim", weth, "WrappedNative", "deposit", value=30 * E)
        s.do("victim", weth, "WrappedNative", "approve", router, MAX_UINT)
        s.do("victim", router, "AnyRouter", "anySwapOutUnderlying", any_weth, victim, 5 * E, 1)
        fake = s.deploy("attacker", "FakeAnyToken", weth)
        s.critical("attacker", fake, "FakeAnyToken", "run", router, victim, 25 * E)


class BridgeZeroRoot(Scenario):
    """Bridge message forgery, as Nomad (August 2022, about $190M): the replica was
    initialised with a zero committed root, so root 0 counts as confirmed and a message
    that was never proven (its root reads 0) passes ``process``. The attacker writes a
    message paying itself the bridge's whole USD balance and sends it from its wallet."""

    name = "bridge-zero-root-forgery"
    kind = ATTACK
    category = "bridge-forgery"
    detectors = ("abnormal-outflow",)

    def run(self, s: Session) -> None:
        usd = token(s, "USD")
        bridge = s.deploy("team", "ReplicaBridge", s.address("updater"), 0, b"\x00" * 32)
        for role, amount in (("alice", 4000), ("bob", 2500), ("carol", 3500)):
            fund(s, role, usd, bridge, amount)
            s.do(role, bridge, "ReplicaBridge", "send", usd, amount * E,
                 address_word(s.address(role)))  # fmt: skip
        loot = balance(s, usd, bridge)
        forged = bridge_message(s, bridge, 7, usd, s.address("attacker"), loot)
        s.critical("attacker", bridge, "ReplicaBridge", "process", forged)


class FlashLoanGovernance(Scenario):
    """Governance takeover with flash-borrowed votes, as Beanstalk (April 2022, about
    $182M): votes weigh the stake held when they are cast, so the attacker borrows most of
    the stake token, stakes it, votes its own proposal (made a block earlier) through
    ``emergencyCommit``, unstakes, repays, and the proposal has sent it the treasury."""

    name = "governance-flash-votes"
    kind = ATTACK
    category = "governance"
    detectors = ("flash-loan-manipulation", "fresh-contract")

    def run(self, s: Session) -> None:
        holders = {"h1": 120_000, "h2": 100_000, "h3": 80_000}
        g = silo_governor(s, holders, gov_supply=10**7, voting_blocks=20)  # 10,000 USD treasury
        governor, gov, usd = g.governor, g.gov, g.usd
        lender = s.deploy("team", "TokenVault", gov, "Vault GOV")  # lenders earn flash fees
        supply(s, "lp", gov, lender, "TokenVault", "deposit", 700_000)
        raid = s.deploy("attacker", "GovernanceRaid", governor, lender)
        give(s, gov, raid, 1000)  # bought on the market
        steal = encode_call("SeqToken", "transfer", raid, 10_000 * E)
        s.do("attacker", raid, "GovernanceRaid", "prepare", 10 * E, usd, steal)
        wait_past(s, s.call(governor, "SiloGovernor", "proposal", 0)[2])
        s.critical("attacker", raid, "GovernanceRaid", "run", 650_000 * E, usd)


class DelegatecallToCallerCode(Scenario):
    """Delegatecall to an address the caller supplies, as Furucombo (February 2021, about
    $14M): the proxy runs the attacker's "handler" as itself, and that code spends every
    allowance users gave the proxy for their combos."""

    name = "delegatecall-user-handler"
    kind = ATTACK
    category = "delegatecall"
    detectors = ("abnormal-outflow",)

    def run(self, s: Session) -> None:
        usd, col = token(s, "USD"), token(s, "COL")
        pair = pool(s, col, usd, 10_000, 10_000)
        proxy = s.deploy("team", "ComboProxy")
        handler = s.deploy("team", "SwapHandler")
        victims = []
        for role, held in (("u1", 1000), ("u2", 2500), ("u3", 400)):
            fund(s, role, usd, proxy, held)
            swap = encode_call("SwapHandler", "swap", pair, usd, 10 * E, 0)
            s.do(role, proxy, "ComboProxy", "batchExec", [handler], [swap])
            victims.append(s.address(role))
        sweeper = s.deploy("attacker", "ApprovalSweeper")
        sweep = encode_call("ApprovalSweeper", "sweep", usd, victims, s.address("attacker"))
        s.critical("attacker", proxy, "ComboProxy", "batchExec", [sweeper], [sweep])


class UncheckedTransferFrom(Scenario):
    """Unchecked return value, as Force DAO's xFORCE (April 2021, about $367k) and the 2018
    "fake deposit" attacks: the staking vault ignores ``transferFrom``'s false, so shares
    are minted for a deposit that never arrived and redeemed for the stakers' tokens."""

    name = "unchecked-transfer-return"
    kind = ATTACK
    category = "unchecked-return"
    detectors = ("privileged-change", "fresh-contract")

    def run(self, s: Session) -> None:
        force = s.deploy("team", "FalseReturnToken", "Force", "FORCE", 10**6 * E)
        vault = s.deploy("team", "StakedShares", force)
        for role, stake in (("s1", 6000), ("s2", 4000)):
            s.do("team", force, "FalseReturnToken", "transfer", s.address(role), stake * E)
            s.do(role, force, "FalseReturnToken", "approve", vault, MAX_UINT)
            s.do(role, vault, "StakedShares", "deposit", stake * E)
        fake = s.deploy("attacker", "FakeDeposit")
        s.critical("attacker", fake, "FakeDeposit", "run", vault, 10**9 * E)


class BatchTransferOverflow(Scenario):
    """Integer overflow in an ``unchecked`` block, as BeautyChain's BEC ``batchOverflow``
    (April 2018): two receivers times 2**255 wraps to a cost of zero, each is credited
    2**255 BEC, and a trillion of them are sold into the BEC/USD pool."""

    name = "batch-transfer-overflow"
    kind = ATTACK
    category = "integer-overflow"
    detectors = ("fresh-contract",)

    def run(self, s: Session) -> None:
        bec = s.deploy("team", "OverflowToken", "BeautyChain", "BEC", 7 * 10**9 * E)
        usd = token(s, "USD")
        pair = pool(s, bec, usd, 200_000, 20_000)
        dump = s.deploy("attacker", "OverflowDump")
        s.critical("attacker", dump, "OverflowDump", "run", bec, pair, 10**12 * E)
