"""A real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright for Python.

Playwright never downloads a browser here: it launches the system Chromium through
``executable_path``. Screenshots go to ``build/screenshots`` (one file per page).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "screenshots"
CHROMIUM = os.environ.get("SEQGUARD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# no background traffic: the machine has no internet, and Chromium would keep trying
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright: Any) -> Any:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium), "
            "or point SEQGUARD_CHROMIUM at a Chromium binary"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


class PageErrors:
    """Collects uncaught page errors and console errors of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
