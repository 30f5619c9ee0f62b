"""A gradient-boosted tree ensemble, evaluated in plain Python.

``seqguard train`` fits the model with scikit-learn and exports its trees to JSON;
the node only walks those trees, so it needs neither scikit-learn nor numpy, and one
prediction over a few dozen shallow trees takes microseconds. Each prediction also
says which features pushed the score up, by how much (the change in log-odds along
the path each tree took), which is what an operator reads in the explanation.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "risk-v1.json"


@dataclass(frozen=True, slots=True)
class Tree:
    feature: tuple[int, ...]  # -1 at a leaf
    threshold: tuple[float, ...]  # go left when x[feature] <= threshold
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]  # every node's value, leaves included


@dataclass(frozen=True, slots=True)
class TreeModel:
    features: tuple[str, ...]
    init: float  # log-odds before any tree
    rate: float
    trees: tuple[Tree, ...]
    meta: dict[str, Any]

    def predict(self, x: list[float]) -> tuple[float, dict[str, float]]:
        """Probability that the transaction is an attack, and each feature's push on the
        log-odds (positive = towards attack)."""
        logit = self.init
        push = [0.0] * len(self.features)
        for tree in self.trees:
            node = 0
            while tree.feature[node] >= 0:
                f = tree.feature[node]
                child = tree.left[node] if x[f] <= tree.threshold[node] else tree.right[node]
                push[f] += self.rate * (tree.value[child] - tree.value[node])
                node = child
            logit += self.rate * tree.value[node]
        probability = 1 / (1 + math.exp(-max(-60.0, min(60.0, logit))))
        return probability, dict(zip(self.features, push, strict=True))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "seqguard-trees/1",
            "features": list(self.features),
            "init": self.init,
            "rate": self.rate,
            "trees": [
                {
                    "feature": t.feature,
                    "threshold": t.threshold,
                    "left": t.left,
                    "right": t.right,
                    "value": t.value,
                }
                for t in self.trees
            ],  # fmt: skip
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TreeModel:
        if data.get("format") != "seqguard-trees/1":
            raise ValueError("not a seqguard tree model (format seqguard-trees/1)")
        trees = tuple(
            Tree(*(tuple(t[k]) for k in ("feature", "threshold", "left", "right", "value")))
            for t in data["trees"]
        )
        return cls(tuple(data["features"]), data["init"], data["rate"], trees, data.get("meta", {}))


def load_model(path: str | Path | None = None) -> TreeModel | None:
    """The model at ``path``, or the one shipped with the package (None if there is none)."""
    if path is not None:
        return TreeModel.from_json(json.loads(Path(path).read_text()))
    shipped = resources.files("seqguard.inspection.models").joinpath(DEFAULT_MODEL)
    if not shipped.is_file():
        return None
    return TreeModel.from_json(json.loads(shipped.read_text()))
