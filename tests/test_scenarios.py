"""The scenario library end to end through JSON-RPC: on a guarded node no attack gets
through and no benign scenario or workload transaction is held; on anvil every attack
succeeds (so the attacks are real) and every benign scenario passes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from seqguard.scenarios import ATTACK, load_all
from seqguard.scenarios.env import Env
from seqguard.scenarios.runner import ERROR, MISSED, PASSED, STOPPED, run_scenario

pytestmark = pytest.mark.slow
TOKEN = "operator-secret"
CONFIG = Path(__file__).parent / "data" / "exploits-node.toml"
LIBRARY = load_all()


def test_the_library_has_what_the_issue_asks_for() -> None:
    attacks = [c for c in LIBRARY.values() if c.kind == ATTACK]
    benign = [c for c in LIBRARY.values() if c.kind != ATTACK]
    assert len(attacks) >= 8 and len(benign) >= 12
    for cls in LIBRARY.values():
        assert cls.__doc__ and len(cls.__doc__.split()) >= 5, f"{cls.name} needs a docstring"
    for cls in attacks:  # each names the real incident it mirrors, with its year
        assert re.search(r"\b20[012]\d\b", cls.__doc__ or ""), f"{cls.name} names no incident"


def test_every_attack_is_stopped_and_nothing_benign_is_held(
    module_nodes: Any, tmp_path: Path
) -> None:
    node = module_nodes.seqguard("library", block_time=0, extra_args=["--config", str(CONFIG)])
    report = tmp_path / "eval.json"
    run = subprocess.run(
        [sys.executable, "-m", "seqguard", "eval", "--rpc", node.url, "--admin-token", TOKEN,
         "--workload", "300", "--min-recall", "1.0", "--json", str(report)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    summary = json.loads(report.read_text())["summary"]
    results = json.loads(report.read_text())["scenarios"]
    missed = [r["name"] for r in results if r["verdict"] not in (STOPPED, PASSED)]
    assert not missed, f"{missed}\n{run.stdout[-3000:]}"
    assert summary["recall"] == 1.0 and summary["false_positive_scenarios"] == []
    assert summary["workload_held"] == 0 and summary["workload_other"] == 0
    assert run.returncode == 0, run.stdout[-3000:]
    for r in results:  # every attack is held with a reason, or fails for a hold before it
        if r["kind"] == ATTACK:
            held = r["detectors"] and all(r["reasons"])
            assert held or all(o["status"] == "reverted" for o in r["outcomes"]), r


def test_without_a_guard_every_attack_succeeds(module_nodes: Any) -> None:
    env = Env(module_nodes.anvil("library-anvil").url)
    for cls in LIBRARY.values():
        result = run_scenario(env, cls)
        expected = MISSED if cls.kind == ATTACK else PASSED
        assert result.verdict == expected, (cls.name, result.verdict, result.error)
        assert result.verdict != ERROR
