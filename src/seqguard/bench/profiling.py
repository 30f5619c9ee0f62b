"""Summaries of a py-spy speedscope profile: the functions seqguard spends its time in."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any


def _function(frame: dict[str, Any]) -> str:
    """``name (file)``: py-spy gives one frame per line; the summaries count functions."""
    name = frame.get("name", "?")
    file = frame.get("file") or ""
    for marker in ("/site-packages/", "/src/", "/lib/python"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{name} ({file})" if file else name


def _is_seqguard(frame: dict[str, Any]) -> bool:
    file = frame.get("file") or ""
    return "/seqguard/" in file and "/seqguard/bench/" not in file


def summarize(path: Path, top: int = 15) -> dict[str, Any]:
    """Where the profiled process spent its samples, from a py-spy speedscope file:

    * ``threads``: share per thread; ``packages``: per package of the innermost frame;
    * ``self``: functions by self time; ``total``: by inclusive time (thread start-up
      frames left out); ``seqguard``: seqguard's own functions by inclusive time.

    py-spy's weights are seconds; with ``--gil`` only the thread holding the GIL is
    sampled, so the total is the time the process ran Python code."""
    data = json.loads(Path(path).read_text())
    frames = data["shared"]["frames"]
    names = [_function(f) for f in frames]
    generic = [_generic(f) for f in frames]
    ours = [_is_seqguard(f) for f in frames]
    self_w: Counter[str] = Counter()
    total_w: Counter[str] = Counter()
    seq_w: Counter[str] = Counter()
    pkg_w: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    grand = 0.0
    count = 0
    for prof in data.get("profiles", []):
        if prof.get("type") != "sampled":
            continue
        weights = prof.get("weights") or [1] * len(prof["samples"])
        for stack, w in zip(prof["samples"], weights, strict=False):
            if not stack:
                continue
            grand += w
            count += 1
            threads[_thread_name(prof.get("name", "?"))] += w
            self_w[names[stack[-1]]] += w
            for fn in {names[i] for i in stack if not generic[i]}:
                total_w[fn] += w
            for fn in {names[i] for i in stack if ours[i] and not generic[i]}:
                seq_w[fn] += w
            pkg_w[_package(frames[stack[-1]].get("file") or "")] += w

    def share(counter: Counter[str]) -> list[dict[str, Any]]:
        if not grand:
            return []
        return [
            {"function": k, "percent": round(100.0 * v / grand, 1)}
            for k, v in counter.most_common(top)
        ]

    return {
        "samples": count,
        "seconds": round(grand, 2),
        "threads": share(threads),
        "packages": share(pkg_w),
        "self": share(self_w),
        "total": share(total_w),
        "seqguard": share(seq_w),
    }


def _thread_name(name: str) -> str:
    """py-spy names profiles 'Thread <tid> "<name>"'; keep the name (main thread: '')."""
    if '"' in name:
        inner = name.split('"', 1)[1].rsplit('"', 1)[0]
        return inner or "main (event loop)"
    return name


_GENERIC_FILES = ("/threading.py", "/concurrent/futures/thread.py", "runpy>", "/runpy.py")


def _generic(frame: dict[str, Any]) -> bool:
    """Frames at the bottom of every stack (thread start-up, ``python -m``): left out of
    the inclusive ranking, where they would always come first."""
    file = frame.get("file") or ""
    return frame.get("name") == "<module>" or file.endswith(_GENERIC_FILES)


def _package(file: str) -> str:
    """A coarse owner of a source file: seqguard.<subpackage>, a site-package, or stdlib."""
    if "/seqguard/" in file and "site-packages" not in file:
        rest = file.split("/seqguard/", 1)[1].split("/")
        return "seqguard." + rest[0].removesuffix(".py") if rest else "seqguard"
    if "/site-packages/" in file:
        return file.split("/site-packages/", 1)[1].split("/")[0].removesuffix(".py")
    if "/lib/python" in file:
        parts = file.split("/lib/python", 1)[1].split("/")
        return "stdlib:" + (parts[1].removesuffix(".py") if len(parts) > 1 else "?")
    return file or "?"
