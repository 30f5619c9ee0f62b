"""A small DeFi world on a node, for the exploit tests: tokens, a vault with flash loans,
AMM pools, a lending market priced by one of them, a router, a treasury and a reward
token. Deployed by the team account with pre-computed addresses, one batch of
transactions, and the same on anvil and seqguard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount

from support.chain import ETHER, SignedTx, TxFactory, calldata, deploy_data, dev_accounts

MAX = 2**256 - 1


@dataclass
class World:
    rpc: Any
    f: TxFactory = field(default_factory=lambda: TxFactory(chain_id=31337))
    team: LocalAccount = field(default_factory=lambda: dev_accounts(4)[0])
    mallory: LocalAccount = field(default_factory=lambda: dev_accounts(4)[1])
    carol: LocalAccount = field(default_factory=lambda: dev_accounts(4)[2])
    dave: LocalAccount = field(default_factory=lambda: dev_accounts(4)[3])
    at: dict[str, str] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)

    # -- sending ---------------------------------------------------------------------
    def sign(self, who: LocalAccount, target: str, artifact: str, fn: str, *args: Any,
             value: int = 0, gas: int = 2_000_000) -> SignedTx:  # fmt: skip
        to = self.at.get(target, target)
        return self.f.sign(who, to=to, data=calldata(artifact, fn, *args), value=value, gas=gas)

    def send(self, st: SignedTx) -> str:
        tx_hash = self.rpc.call("eth_sendRawTransaction", st.raw)
        self.sent.append(tx_hash)
        return tx_hash

    def do(self, who: LocalAccount, target: str, artifact: str, fn: str, *args: Any,
           value: int = 0) -> dict[str, Any]:  # fmt: skip
        """Send and wait; the transaction must succeed."""
        st = self.sign(who, target, artifact, fn, *args, value=value)
        receipt = self.rpc.wait_receipt(self.send(st))
        assert receipt["status"] == "0x1", f"{fn} failed"
        return receipt

    def deploy(self, who: LocalAccount, name: str, artifact: str, *args: Any) -> SignedTx:
        st = self.f.sign(who, to=None, data=deploy_data(artifact, *args), gas=5_000_000)
        self.at[name] = st.created or ""
        return st

    def balance(self, token: str, who: str) -> int:
        data = calldata("SeqToken", "balanceOf", self.at.get(who, who))
        return int(self.rpc.call("eth_call", {"to": self.at[token], "data": data}, "latest"), 16)

    # -- the world -------------------------------------------------------------------
    def build(self) -> World:
        team, E = self.team, ETHER
        a = self.at
        txs = [
            self.deploy(team, "usd", "SeqToken", "US Dollar", "USD", 10**9 * E),
            self.deploy(team, "col", "SeqToken", "Collateral", "COL", 10**9 * E),
        ]
        txs += [
            self.deploy(team, "vault", "TokenVault", a["usd"], "Vault USD"),
            self.deploy(team, "pair", "Pair", a["col"], a["usd"]),
            self.deploy(team, "pair2", "Pair", a["col"], a["usd"]),
            self.deploy(team, "leaky", "LeakyPair", a["col"], a["usd"]),
            self.deploy(team, "router", "Router"),
            self.deploy(team, "treasury", "Treasury"),
            self.deploy(team, "rwd", "RewardToken", 10**6 * E),
        ]
        txs += [
            self.deploy(team, "lending", "SpotLending", a["col"], a["usd"], a["pair"]),
            self.deploy(team, "staking", "Staking", a["rwd"]),
            self.deploy(team, "rpair", "Pair", a["rwd"], a["usd"]),
            self.sign(team, "rwd", "RewardToken", "setMinter", a.get("staking"), True),
        ]
        pools = (("pair", 1000, 1000, "col"), ("pair2", 1000, 1100, "col"),
                 ("leaky", 1000, 1000, "col"), ("rpair", 10_000, 10_000, "rwd"))  # fmt: skip
        for pool, other, usd, token in pools:
            txs += [
                self.sign(team, token, "SeqToken", "transfer", a[pool], other * E),
                self.sign(team, "usd", "SeqToken", "transfer", a[pool], usd * E),
                self.sign(team, pool, "Pair", "mint", team.address),
            ]
        txs += [
            self.sign(team, "usd", "SeqToken", "transfer", a["lending"], 1000 * E),
            self.sign(team, "usd", "SeqToken", "transfer", a["treasury"], 5000 * E),
            self.sign(team, "usd", "SeqToken", "approve", a["vault"], MAX),
            self.sign(team, "vault", "TokenVault", "deposit", 1000 * E),
            self.sign(team, "usd", "SeqToken", "transfer", self.dave.address, 9000 * E),
            self.sign(self.dave, "usd", "SeqToken", "approve", a["vault"], MAX),
            self.sign(self.dave, "vault", "TokenVault", "deposit", 9000 * E),
        ]
        for user in (self.mallory, self.carol):
            for token in ("usd", "col"):
                txs.append(self.sign(team, token, "SeqToken", "transfer", user.address, 100 * E))
        for token in ("usd", "col"):
            txs.append(self.sign(self.carol, token, "SeqToken", "approve", a["router"], MAX))
        hashes = [self.send(st) for st in txs]
        for receipt in self.rpc.wait_receipts(hashes):
            assert receipt["status"] == "0x1", receipt
        return self


def assert_same_receipts(guarded: World, reference: World) -> None:
    """Every transaction both nodes included has the same outcome on both: inspection
    (its read-only calls included) changed nothing of what it allowed."""

    def outcome(receipt: dict[str, Any]) -> tuple:
        logs = [(x["address"].lower(), x["topics"], x["data"]) for x in receipt["logs"]]
        return receipt["status"], receipt["gasUsed"], receipt["contractAddress"], logs

    both = [h for h in guarded.sent if h in set(reference.sent)]
    receipts = {h: guarded.rpc.request("eth_getTransactionReceipt", [h]) for h in both}
    mined = {h: r["result"] for h, r in receipts.items() if r.get("result")}  # not the held
    assert len(mined) >= 40
    for h, receipt in mined.items():
        assert outcome(receipt) == outcome(reference.rpc.wait_receipt(h)), h
