"""Public, read-only methods behind the dashboard: what inspection saw.

``seqguard_recentInspections``  the live feed's last lines
``seqguard_stats``              per-interval counts for the charts
``seqguard_getInspection``      one transaction: its record, findings, trace,
                                ETH and token flows, and writes to control slots
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak

from seqguard.contracts import artifact_names, load_artifact
from seqguard.contracts.abi import signature
from seqguard.errors import InvalidParams
from seqguard.inspection import slots
from seqguard.rpc import params as p
from seqguard.rpc.registry import MethodRegistry, RpcContext, expect_params
from seqguard.trace.model import Trace, trace_from_json

if TYPE_CHECKING:
    from seqguard.node import Node

#: storage slots whose change hands over control of a contract
SENSITIVE_SLOTS = {
    slots.IMPLEMENTATION: "EIP-1967 implementation",
    slots.ADMIN: "EIP-1967 admin",
    slots.BEACON: "EIP-1967 beacon",
    slots.OWNABLE: "ERC-7201 Ownable owner",
    slots.INITIALIZABLE: "ERC-7201 Initializable state",
}


@cache
def known_selectors() -> dict[str, str]:
    """4-byte selector -> signature, from the ABIs shipped with the package."""
    out: dict[str, str] = {}
    for name in artifact_names():
        for item in load_artifact(name).get("abi", []):
            if item.get("type") != "function":
                continue
            text = signature(item)
            out.setdefault("0x" + keccak(text.encode())[:4].hex(), text)
    return out


def flows(model: Trace) -> dict[str, list[dict[str, Any]]]:
    """Net ETH per account and net tokens per (token, holder), non-zero only.

    Amounts are decimal strings: they outgrow a JSON number."""
    eth = [
        {"address": "0x" + b.address.hex(), "delta": str(b.delta)}
        for b in model.balance_deltas
        if b.delta
    ]
    net: dict[tuple[bytes, str, bytes], int] = defaultdict(int)
    for t in model.transfers:
        if t.sender == t.recipient:
            continue
        net[(t.token, t.standard, t.sender)] -= t.amount
        net[(t.token, t.standard, t.recipient)] += t.amount
    tokens = [
        {"token": "0x" + token.hex(), "standard": standard, "holder": "0x" + holder.hex(),
         "delta": str(delta)}
        for (token, standard, holder), delta in net.items()
        if delta and holder != b"\0" * 20
    ]  # fmt: skip
    return {"eth": eth, "tokens": tokens}


def storage_writes(model: Trace) -> list[dict[str, Any]]:
    """Every net storage write, with the control slots named."""
    out = []
    for w in model.storage_writes:
        label = SENSITIVE_SLOTS.get(w.slot)
        out.append(
            {
                "address": "0x" + w.address.hex(),
                "slot": hex(w.slot),
                "before": hex(w.before),
                "after": hex(w.after),
                "label": label,
                "sensitive": label is not None,
            }
        )
    out.sort(key=lambda w: not w["sensitive"])
    return out


class InspectionApi:
    def __init__(self, node: Node) -> None:
        self.node = node

    def recent(self, params: list, ctx: RpcContext) -> list:
        (options,) = expect_params(params, 0, 1)
        limit = p.optional_object(options, 0).get("limit", 100)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= 500:
            raise InvalidParams("invalid argument 0: limit must be an integer in 1..500")
        return self.node.activity.recent(limit)

    def stats(self, params: list, ctx: RpcContext) -> dict:
        (options,) = expect_params(params, 0, 1)
        seconds = p.optional_object(options, 0).get("seconds", 900)
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 < seconds <= 3600:
            raise InvalidParams("invalid argument 0: seconds must be an integer in 1..3600")
        out = self.node.activity.stats(seconds)
        out["quarantine"] = self.node.quarantine.counts()
        out["head"] = hex(self.node.chain.head.number)
        out["inspection"] = self.node.inspector is not None
        return out

    def get_inspection(self, params: list, ctx: RpcContext) -> dict | None:
        """Everything known about one transaction's inspection, or null if nothing is."""
        (ident,) = expect_params(params, 1)
        tx_hash = p.hash32(ident, 0)
        node = self.node
        record = node.quarantine.get(tx_hash)
        trace = node.quarantine.trace(tx_hash)  # the one the detectors judged, if kept
        model = trace_from_json(trace) if trace is not None else None
        source = "inspection" if trace is not None else None
        if model is None:
            model = node.trace_model(tx_hash)  # a mined transaction: execute it again
            if model is not None:
                trace, source = model.to_json(), "replay"
        if record is None and trace is None:
            return None
        used = {f["input"][:10] for f in trace["frames"]} if trace is not None else set()
        names = known_selectors()
        return {
            "hash": "0x" + tx_hash.hex(),
            "record": record.to_json() if record is not None else None,
            "findings": node.quarantine.findings(tx_hash),
            "source": source,
            "trace": trace,
            "flows": flows(model) if model is not None else None,
            "storage": storage_writes(model) if model is not None else None,
            "selectors": {s: names[s] for s in used if s in names},
        }

    def register(self, registry: MethodRegistry) -> None:
        registry.register("seqguard_recentInspections", self.recent, inline=True)
        registry.register("seqguard_stats", self.stats)
        registry.register("seqguard_getInspection", self.get_inspection)
