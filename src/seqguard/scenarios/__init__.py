"""The scenario library: attacks and benign stories played on a node over JSON-RPC.

Attack scenarios (``attacks/``) each mirror a real incident class and must be stopped:
none of their critical transactions may succeed. Benign scenarios (``benign/``) are
everyday use and hard negatives that look like attacks, and must pass untouched.
``seqguard eval`` runs them against any node and reports recall and false positives.
"""

from __future__ import annotations

import importlib
import pkgutil

from seqguard.scenarios.base import ATTACK, BENIGN, Scenario, Session


def load_all() -> dict[str, type[Scenario]]:
    """Import every scenario module; the registry, by name."""
    for package in ("attacks", "benign"):
        module = importlib.import_module(f"{__name__}.{package}")
        for info in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"{module.__name__}.{info.name}")
    return dict(sorted(Scenario.registry.items()))


__all__ = ["ATTACK", "BENIGN", "Scenario", "Session", "load_all"]
