"""``seqguard train``: fit the risk model on traces of the scenario library and the benign
workload, measure how it generalises, and write the model the node ships with.

1. Play every scenario (``--seeds`` times, each with fresh accounts) and ``--workload``
   benign transactions on a node that does not inspect (by default a private
   ``seqguard node --no-inspection`` started for the purpose), so attacks execute.
2. Rebuild each transaction's trace and context from the node over JSON-RPC (the same
   code that judges another node's transactions) and compute its features. The
   critical transactions of attack scenarios are the positives; everything else
   (set-up, benign scenarios, workload) the negatives.
3. Fit gradient-boosted trees (scikit-learn, fixed seed) with the classes weighted
   equally. Report leave-one-class-out recall: for each attack class, a model trained
   without it judges its transactions, alone and together with the rule detectors;
   and the false positives of 5-fold cross-validation on the benign transactions.
4. Export the trees to JSON (``seqguard.inspection.model``), check that the exported
   model gives the same scores as scikit-learn, and write it with the report.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from seqguard.inspection import Inspector
from seqguard.inspection.detectors import RiskModel, default_detectors
from seqguard.inspection.features import NAMES, vector
from seqguard.inspection.model import DEFAULT_MODEL, Tree, TreeModel
from seqguard.inspection.remote import remote_trace_and_context
from seqguard.rpc.client import HttpRpc
from seqguard.scenarios import ATTACK, load_all
from seqguard.scenarios.env import Env
from seqguard.scenarios.runner import run_scenario
from seqguard.scenarios.workload import Workload

THRESHOLD = RiskModel.default_threshold  # recall and false positives are measured at it
MODEL_PATH = Path(__file__).resolve().parent.parent / "inspection" / "models" / DEFAULT_MODEL


@dataclass
class Row:
    tx: str
    scenario: str  # "workload" for workload transactions
    group: str  # the attack class for positives, "benign" otherwise
    label: int
    x: list[float]
    rules: bool  # would the rule detectors hold it?


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rpc",
        help="a node that does NOT inspect (anvil, or seqguard --no-inspection); by default a "
        "private seqguard node is started for the run",
    )
    p.add_argument("--seeds", type=int, default=2, help="plays of the library (default 2)")
    p.add_argument(
        "--workload", type=int, default=1500, help="benign workload transactions (default 1500)"
    )
    p.add_argument("--out", default=str(MODEL_PATH), help=f"model file (default {MODEL_PATH})")
    p.add_argument("--report", metavar="FILE", help="also write the evaluation report here")
    p.add_argument("--dataset", metavar="FILE", help="save the feature rows (JSON lines)")
    p.add_argument(
        "--from-dataset", metavar="FILE", help="train on saved rows instead of playing scenarios"
    )
    p.add_argument("--trees", type=int, default=80, help="boosting rounds (default 80)")
    p.add_argument("--depth", type=int, default=3, help="tree depth (default 3)")


# -- collecting --------------------------------------------------------------------------
class PrivateNode:
    """A throw-away ``seqguard node --no-inspection`` on a free port."""

    def __init__(self) -> None:
        import socket

        self.dir = tempfile.TemporaryDirectory(prefix="seqguard-train-")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "seqguard", "node", "--no-inspection", "--block-time", "0",
               "--port", str(self.port), "--data-dir", f"{self.dir.name}/data"]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEQGUARD_")}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=env)  # fmt: skip
        rpc = HttpRpc(self.url)
        deadline = time.monotonic() + 60
        while True:
            try:
                rpc("eth_chainId")
                return
            except Exception:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.close()
                    raise RuntimeError("the private training node did not start") from None
                time.sleep(0.2)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.dir.cleanup()


def collect(url: str, seeds: int, workload: int, progress: Progress) -> list[Row]:
    rpc = HttpRpc(url)
    rules = Inspector(default_detectors(include_model=False), budget=600)  # views over RPC
    scenarios = list(load_all().values())
    labelled: list[tuple[str, str, str, int]] = []  # (tx, scenario, group, label)
    task = progress.add_task("playing scenarios", total=len(scenarios) * seeds)
    for seed in range(seeds):
        env = Env(url, run_id=f"train-{seed}", serial=True)
        for cls in scenarios:
            result = run_scenario(env, cls)
            progress.advance(task)
            attack = cls.kind == ATTACK
            for h in result.setup:
                labelled.append((h, cls.name, "benign", 0))
            for o in result.outcomes:
                if o["status"] in ("included", "reverted"):
                    labelled.append((o["hash"], cls.name, cls.category if attack else "benign",
                                     int(attack and o["status"] == "included")))  # fmt: skip
    if workload:
        w = Workload(Env(url, run_id="train-workload"), seed=7)
        w.setup()
        sending = progress.add_task("benign workload", total=workload)
        for outcome, _ in w.run(workload, progress=lambda n: progress.advance(sending, n)):
            if outcome.status in ("included", "reverted"):
                labelled.append((outcome.hash, "workload", "benign", 0))
    rows = []
    tracing = progress.add_task("tracing", total=len(labelled))
    for tx, scenario, group, label in labelled:
        trace, context = remote_trace_and_context(rpc, tx)
        x = vector(trace, context)
        held = rules.judge(trace, context).action != "allow"
        rows.append(Row(tx, scenario, group, label, x, held))
        progress.advance(tracing)
    return rows


# -- fitting -----------------------------------------------------------------------------
def fit(rows: list[Row], trees: int, depth: int) -> Any:
    import numpy as np
    from sklearn.ensemble import GradientBoostingClassifier

    x = np.array([r.x for r in rows])
    y = np.array([r.label for r in rows])
    positives = max(1, int(y.sum()))
    weights = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * max(1, len(y) - positives)))
    model = GradientBoostingClassifier(
        n_estimators=trees, max_depth=depth, learning_rate=0.1, subsample=1.0, random_state=0
    )
    model.fit(x, y, sample_weight=weights)
    return model


def export(model: Any, meta: dict[str, Any]) -> TreeModel:
    import numpy as np

    trees = []
    for estimator in model.estimators_[:, 0]:
        t = estimator.tree_
        trees.append(
            Tree(
                tuple(
                    int(f) if left >= 0 else -1
                    for f, left in zip(t.feature, t.children_left, strict=True)
                ),
                tuple(float(v) for v in t.threshold),
                tuple(int(v) for v in t.children_left),
                tuple(int(v) for v in t.children_right),
                tuple(float(v) for v in t.value[:, 0, 0]),
            )
        )
    init = float(model._raw_predict_init(np.zeros((1, len(NAMES))))[0, 0])
    return TreeModel(NAMES, init, float(model.learning_rate), tuple(trees), meta)


def evaluate(rows: list[Row], trees: int, depth: int) -> dict[str, Any]:
    """Leave-one-class-out recall (model alone, and with the rules) and cross-validated
    false positives on benign transactions, all at ``THRESHOLD``."""
    import numpy as np

    classes = sorted({r.group for r in rows if r.label})
    loco: dict[str, dict[str, Any]] = {}
    for c in classes:
        train = [r for r in rows if r.group != c]
        held_out = [r for r in rows if r.group == c and r.label]
        model = fit(train, trees, depth)
        scores = model.predict_proba(np.array([r.x for r in held_out]))[:, 1]
        scenarios = sorted({r.scenario for r in held_out})
        caught = {r.scenario for r, s in zip(held_out, scores, strict=True) if s >= THRESHOLD}
        # the rules stop a scenario by holding any of its transactions (the victim's
        # deposit, for an inflation attack), not only the attacker's
        by_rules = {r.scenario for r in rows if r.scenario in scenarios and r.rules}
        loco[c] = {
            "scenarios": len(scenarios),
            "model": len(caught) / len(scenarios),
            "model_or_rules": len(caught | by_rules) / len(scenarios),
        }
    attack_scenarios = {name for name, cls in load_all().items() if cls.kind == ATTACK}
    benign = [r for r in rows if not r.label and r.scenario not in attack_scenarios]
    folds, false_positives = 5, 0
    for k in range(folds):
        test = benign[k::folds]
        test_ids = {id(r) for r in test}
        train = [r for r in rows if id(r) not in test_ids]
        model = fit(train, trees, depth)
        scores = model.predict_proba(np.array([r.x for r in test]))[:, 1]
        false_positives += int((scores >= THRESHOLD).sum())
    scenarios = {r.scenario for r in rows if r.label}
    return {
        "threshold": THRESHOLD,
        "loco": loco,
        "loco_recall_model": sum(v["model"] * v["scenarios"] for v in loco.values())
        / len(scenarios),
        "loco_recall_model_or_rules": sum(
            v["model_or_rules"] * v["scenarios"] for v in loco.values()
        )
        / len(scenarios),
        "rules_recall": len({r.scenario for r in rows if r.scenario in scenarios and r.rules})
        / len(scenarios),
        "cv_false_positives": false_positives,
        "benign_rows": len(benign),
        "rules_false_positives": sum(r.rules for r in benign),
    }


# -- the command -------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        console.print(
            "[red]error:[/red] training needs scikit-learn: pip install 'seqguard[train]'"
        )
        return 2
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    if args.from_dataset:
        rows = [
            Row(**json.loads(line)) for line in Path(args.from_dataset).read_text().splitlines()
        ]
    else:
        node = None if args.rpc else PrivateNode()
        try:
            with Progress(*columns, console=console, transient=True) as progress:
                rows = collect(args.rpc or node.url, args.seeds, args.workload, progress)  # type: ignore[union-attr]
        finally:
            if node is not None:
                node.close()
    if args.dataset:
        Path(args.dataset).write_text("".join(json.dumps(r.__dict__) + "\n" for r in rows))
    positives = sum(r.label for r in rows)
    console.print(f"{len(rows)} transactions, {positives} attack transactions in "
                  f"{len({r.group for r in rows if r.label})} classes")  # fmt: skip
    report = evaluate(rows, args.trees, args.depth)
    model = fit(rows, args.trees, args.depth)
    meta = {
        "version": "v1",
        "trained": datetime.now(UTC).strftime("%Y-%m-%d"),
        "rows": len(rows),
        "positives": positives,
        "trees": args.trees,
        "depth": args.depth,
        "evaluation": report,
    }
    exported = export(model, meta)
    _check_export(model, exported, rows)
    Path(args.out).write_text(json.dumps(exported.to_json(), separators=(",", ":")) + "\n")
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=1))
    _print(console, report)
    console.print(f"wrote {args.out}")
    return 0


def _check_export(model: Any, exported: TreeModel, rows: list[Row]) -> None:
    import numpy as np

    expected = model.predict_proba(np.array([r.x for r in rows]))[:, 1]
    for r, p in zip(rows, expected, strict=True):
        got, _ = exported.predict(r.x)
        if abs(got - p) > 1e-6:
            raise RuntimeError(f"exported model disagrees with scikit-learn: {got} != {p}")


def _print(console: Console, report: dict[str, Any]) -> None:
    table = Table("held-out class", "scenarios", "model", "model or rules",
                  title=f"leave-one-class-out recall at {report['threshold']}")  # fmt: skip
    for c, v in report["loco"].items():
        table.add_row(c, str(v["scenarios"]), f"{v['model']:.0%}", f"{v['model_or_rules']:.0%}")
    console.print(table)
    console.print(
        f"overall: model {report['loco_recall_model']:.0%}, model or rules "
        f"{report['loco_recall_model_or_rules']:.0%}, rules alone {report['rules_recall']:.0%}; "
        f"false positives on {report['benign_rows']} benign txs: model (5-fold) "
        f"{report['cv_false_positives']}, rules {report['rules_false_positives']}"
    )
