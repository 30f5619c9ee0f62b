"""Run scenarios against a node and say, for each, whether the node did its job."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from seqguard.scenarios.base import ATTACK, Scenario, Session
from seqguard.scenarios.env import Env, Outcome, ScenarioError

# verdicts: an attack is "stopped" or "missed"; a benign scenario "passed" or a
# "false-positive"; "error" when the scenario itself could not be played out
STOPPED, MISSED, PASSED, FALSE_POSITIVE, ERROR = (
    "stopped", "missed", "passed", "false-positive", "error",
)  # fmt: skip


@dataclass
class Result:
    name: str
    kind: str
    category: str
    verdict: str
    detectors: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # of the critical txs
    setup: list[str] = field(default_factory=list)  # hashes of the set-up txs
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.verdict in (STOPPED, PASSED)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _held_details(outcomes: Iterable[Outcome]) -> tuple[list[str], list[str]]:
    held = [o for o in outcomes if o.status == "held"]
    detectors = list(dict.fromkeys(d for o in held for d in o.detectors))
    return detectors, [o.reason for o in held]


def run_scenario(env: Env, cls: type[Scenario]) -> Result:
    scenario = cls()
    session = Session(env, scenario)
    started = time.monotonic()
    result = Result(cls.name, cls.kind, cls.category, ERROR)
    try:
        scenario.run(session)
        critical = session.critical_outcomes()
    except ScenarioError as exc:
        result.error = str(exc)
        held = exc.outcome is not None and exc.outcome.status == "held"
        if held and cls.kind != ATTACK:
            result.verdict = FALSE_POSITIVE  # a benign set-up step was held
        result.detectors, result.reasons = _held_details(session.outcomes)
    except Exception as exc:  # a node error, a bug in the scenario: say so, go on
        result.error = f"{type(exc).__name__}: {exc}"
    else:
        result.outcomes = [asdict(o) for o in critical]
        result.detectors, result.reasons = _held_details(critical)
        if cls.kind == ATTACK:
            succeeded = [o for o in critical if o.status == "included"]
            result.verdict = MISSED if succeeded else STOPPED
        elif all(o.status == "included" for o in critical):
            result.verdict = PASSED
        elif any(o.status == "held" for o in critical):
            result.verdict = FALSE_POSITIVE
        else:
            result.error = "; ".join(f"{o.label} was {o.status}" for o in critical)
    result.setup = [o.hash for o in session.outcomes]
    result.seconds = time.monotonic() - started
    return result


def run_all(
    env: Env,
    scenarios: Iterable[type[Scenario]],
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    results = []
    for cls in scenarios:
        result = run_scenario(env, cls)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results
