"""The learned risk model: the exported trees score exactly as scikit-learn does, the
detector explains a score with the features behind it, and the features of an attack
differ from those of its benign twin where they should."""

from __future__ import annotations

import random

from seqguard.inspection import Creation
from seqguard.inspection.detectors import RiskModel
from seqguard.inspection.features import NAMES, features
from seqguard.inspection.model import TreeModel, load_model
from seqguard.scenarios.train import Row, export, fit
from support.traces import TraceBuilder, addr

MALLORY, POOL, ATTACK, USD, USER = addr(1), addr(2), addr(3), addr(4), addr(5)
E = 10**18


def synthetic_rows(n: int = 400) -> list[Row]:
    """Positives lose outside holdings to fresh contracts; negatives do not."""
    rng = random.Random(0)
    rows = []
    for i in range(n):
        attack = i % 10 == 0
        x = [rng.random() for _ in NAMES]
        x[NAMES.index("max_loss_share")] = rng.uniform(0.6, 1.0) if attack else rng.uniform(0, 0.3)
        x[NAMES.index("fresh_age")] = 1.0 if attack else rng.choice((0.0, 0.1))
        rows.append(Row(f"0x{i:x}", "s", "c" if attack else "benign", int(attack), x, False))
    return rows


def test_exported_trees_score_like_scikit_learn_and_round_trip_through_json() -> None:
    rows = synthetic_rows()
    model = fit(rows, trees=30, depth=3)
    exported = export(model, {"version": "test"})
    again = TreeModel.from_json(exported.to_json())
    expected = model.predict_proba([r.x for r in rows])[:, 1]
    for r, p in zip(rows, expected, strict=True):
        assert abs(again.predict(r.x)[0] - p) < 1e-9
    # the pushes along the paths add up to the log-odds the model gives
    score, push = again.predict(rows[0].x)
    assert score > 0.9 and push["max_loss_share"] + push["fresh_age"] > 0


def drain(fresh: bool) -> TraceBuilder:
    b = TraceBuilder(MALLORY, ATTACK)
    b.creators[ATTACK] = Creation(MALLORY, 99 if fresh else 1)
    for _ in range(4):
        b.call(0, ATTACK, POOL, kind="STATICCALL")
    b.transfer(b.call(0, POOL, USD), USD, POOL, ATTACK, 900 * E)
    b.balances = {(USD, POOL): 100 * E}
    return b


def test_features_see_the_drain() -> None:
    f = features(*drain(fresh=True).build(100))
    assert f["max_loss_share"] == 0.9 and f["fresh_age"] > 0.9 and f["to_is_own"] == 1.0
    assert f["gained_assets"] == 1 and f["losers"] == 1
    old = features(*drain(fresh=False).build(100_000))
    assert old["fresh_age"] < 0.01


def test_the_detector_explains_its_score_in_features() -> None:
    model = export(fit(synthetic_rows(), trees=30, depth=3), {"version": "test"})
    (finding,) = RiskModel(model).inspect(*drain(fresh=True).build(100))
    assert finding.score > 0.8 and "(model test)" in finding.reason
    assert "largest share of its holding an outside account lost = 0.9" in finding.reason


def test_the_shipped_model_matches_the_features() -> None:
    shipped = load_model()
    assert shipped is not None and shipped.features == NAMES, "run `seqguard train`"
    assert shipped.meta["evaluation"]["loco"]  # it carries its own evaluation
    RiskModel(shipped)
