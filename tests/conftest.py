"""Shared fixtures: node processes for the end-to-end tests.

``SEQGUARD_E2E_TARGET=anvil`` runs the end-to-end tests with anvil as the node under
test (anvil against anvil in the differential test): that checks the tests themselves.
The default target is seqguard.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

try:  # the tests import this checkout's package even where it is not installed
    import seqguard  # noqa: F401
except ImportError:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from support.nodes import AnvilNode, NodeProcess, SeqguardNode, seqguard_cli_available

TARGET = os.environ.get("SEQGUARD_E2E_TARGET", "seqguard").strip().lower()
if TARGET not in ("seqguard", "anvil"):
    raise pytest.UsageError(f"SEQGUARD_E2E_TARGET must be seqguard or anvil, not {TARGET!r}")


@cache
def _seqguard_cli() -> tuple[bool, str]:
    return seqguard_cli_available()


class Nodes:
    """Starts nodes for one test and ends every one of them afterwards."""

    def __init__(self, workdir: Path, item: pytest.Item | None) -> None:
        self.workdir = workdir
        self.started: list[NodeProcess] = []
        if item is not None:
            item._e2e_nodes = self.started  # type: ignore[attr-defined]  # for the report hook

    def _register(self, node: NodeProcess, start: bool) -> Any:
        self.started.append(node)
        if start:
            node.start()
        return node

    def anvil(self, name: str = "anvil", *, start: bool = True, **kw: Any) -> AnvilNode:
        return self._register(AnvilNode(name, self.workdir, **kw), start)

    def seqguard(self, name: str = "seqguard", *, start: bool = True, **kw: Any) -> SeqguardNode:
        ok, out = _seqguard_cli()
        if not ok:
            pytest.fail(f"`python -m seqguard node --help` does not work yet:\n{out}")
        return self._register(SeqguardNode(name, self.workdir, **kw), start)

    def target(
        self,
        name: str | None = None,
        *,
        start: bool = True,
        anvil_args: list[str] | None = None,
        seqguard_args: list[str] | None = None,
        **kw: Any,
    ) -> NodeProcess:
        """The node under test: seqguard, or anvil with SEQGUARD_E2E_TARGET=anvil.

        ``anvil_args`` / ``seqguard_args`` are extra command-line arguments for one kind
        only; ``data_dir`` is only meaningful for seqguard and is dropped for anvil.
        """
        if TARGET == "anvil":
            kw.pop("data_dir", None)
            return self.anvil(name or "target-anvil", start=start, extra_args=anvil_args, **kw)
        return self.seqguard(name or "seqguard", start=start, extra_args=seqguard_args, **kw)

    def close(self) -> None:
        for node in reversed(self.started):
            with contextlib.suppress(Exception):
                node.stop()


@pytest.fixture
def nodes(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Nodes]:
    n = Nodes(tmp_path, request.node)
    try:
        yield n
    finally:
        n.close()


@pytest.fixture(scope="module")
def module_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    """Nodes shared by the tests of one module (their logs go with any failure there)."""
    n = Nodes(tmp_path_factory.mktemp("nodes"), None)
    try:
        yield n
    finally:
        n.close()


@pytest.fixture
def target_kind() -> str:
    return TARGET


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Attach the logs of the nodes a failed test started to its report."""
    rep = yield
    if rep.failed and rep.when in ("setup", "call"):
        found: list[NodeProcess] = list(getattr(item, "_e2e_nodes", []))
        for value in getattr(item, "funcargs", {}).values():
            owner = value if isinstance(value, Nodes) else getattr(value, "nodes", None)
            if isinstance(owner, Nodes):
                found += [n for n in owner.started if n not in found]
        for node in found:
            rep.sections.append(
                (
                    f"{node.kind} node {node.name!r} log, last 300 lines ({node.log_path})",
                    node.log_tail(300),
                ),
            )
    return rep
