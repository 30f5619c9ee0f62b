"""Learned risk model: a tree ensemble over the trace's features.

Attack: any, including the ones no rule was written for. Rules name a mechanism
(re-entry, a loan and a swing, a stranger's mint); exploits keep finding new
mechanisms but end in the same shapes: a contract the attacker deployed minutes
ago, many calls, callbacks into it, an outside account left with a fraction of what
it had, the sender's side richer. Forta's attack detector and BlockSec's Phalcon
combine such signals with learned weights; the Euler Finance exploit (March 2023,
$197M) and the KyberSwap Elastic exploit (November 2023, $48M) each broke a
different invariant, with nothing in common but those shapes.

The model (``seqguard train``: gradient-boosted trees on traces of the scenario
library and the benign workload) scores every transaction in which someone other
than the sender pays, a token is minted or a control slot is written (the rest
has no victim to protect) from ``features``; a
score at or above the detector's threshold (0.8 by default, a run-time setting)
acts. The reason names the features that pushed the score up most, with their
values, so an operator can check them against the trace.
"""

from __future__ import annotations

from seqguard.inspection.base import Context, Detector, Finding
from seqguard.inspection.features import FEATURES, NAMES, SENSITIVE_SLOTS, features
from seqguard.inspection.flows import ZERO, anyone_else_pays
from seqguard.inspection.model import TreeModel
from seqguard.trace import Trace


class RiskModel(Detector):
    name = "risk-model"
    default_threshold = 0.8

    def __init__(self, model: TreeModel, report_above: float = 0.2) -> None:
        if tuple(model.features) != NAMES:
            raise ValueError("the model was trained on other features; run `seqguard train`")
        self.model = model
        self.report_above = report_above  # lower scores are not worth a finding at all

    def inspect(self, trace: Trace, context: Context) -> list[Finding]:
        if (
            not anyone_else_pays(trace)
            and not any(t.sender == ZERO for t in trace.transfers)
            and not any(w.slot in SENSITIVE_SLOTS for w in trace.storage_writes)
        ):
            return []  # only the sender paid, nothing minted, no control slot: no victim
        values = features(trace, context)
        score, push = self.model.predict([values[n] for n in NAMES])
        if score < self.report_above:
            return []
        top = sorted((p, n) for n, p in push.items() if p > 0)[-3:][::-1]
        because = "; ".join(f"{FEATURES[n]} = {values[n]:.3g} (+{p:.1f})" for p, n in top)
        version = self.model.meta.get("version", "?")
        return [Finding(self.name, f"risk {score:.2f} (model {version}): {because}", score)]
