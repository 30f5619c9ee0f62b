"""Runs the detectors on a trace and applies the policy."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from seqguard import metrics
from seqguard.inspection.base import (
    ACTIONS,
    ALLOW,
    QUARANTINE,
    REJECT,
    Context,
    Detector,
    DetectorSettings,
    Finding,
    Verdict,
)
from seqguard.trace import Trace

log = logging.getLogger(__name__)

_SEVERITY = {ALLOW: 0, QUARANTINE: 1, REJECT: 2}


class Inspector:
    """Detectors plus their settings; settings change at run time without restart.

    A detector that raises, or an inspection that runs past ``budget`` seconds,
    never lets a transaction through silently: ``on_error`` (quarantine by
    default) decides, and the finding says what happened.
    """

    def __init__(
        self,
        detectors: Iterable[Detector],
        *,
        settings: dict[str, DetectorSettings] | None = None,
        allow_senders: Iterable[bytes] = (),
        budget: float = 0.1,
        on_error: str = QUARANTINE,
    ) -> None:
        self.detectors = list(detectors)
        self.settings = {
            d.name: DetectorSettings(threshold=d.default_threshold) for d in self.detectors
        }
        self.settings.update(settings or {})
        self.allow_senders = set(allow_senders)
        self.budget = budget
        self.on_error = on_error
        self._lock = threading.Lock()

    def detector(self, name: str) -> Detector:
        for detector in self.detectors:
            if detector.name == name:
                return detector
        raise KeyError(f"no detector named {name!r}")

    def configure(self, name: str, **changes: object) -> DetectorSettings:
        """Change one detector's settings (enabled, action, threshold)."""
        if name not in self.settings:
            raise KeyError(f"no detector named {name!r}; known: {', '.join(sorted(self.settings))}")
        with self._lock:
            current = self.settings[name]
            updated = DetectorSettings(
                enabled=bool(changes.get("enabled", current.enabled)),
                action=str(changes.get("action", current.action)),
                threshold=float(changes.get("threshold", current.threshold)),  # type: ignore[arg-type]
            )
            if updated.action not in ACTIONS:
                raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
            self.settings[name] = updated
            return updated

    def judge(self, trace: Trace, context: Context) -> Verdict:
        if trace.tx.sender in self.allow_senders:
            return Verdict(ALLOW)  # allow-listed senders bypass inspection
        started = time.perf_counter()
        action, acted_on, noted = ALLOW, [], []
        for detector in self.detectors:
            settings = self.settings[detector.name]
            if not settings.enabled:
                continue
            t0 = time.perf_counter()
            try:
                findings = detector.inspect(trace, context)
            except Exception as exc:  # a broken detector must not wave a transaction through
                log.exception("detector %s failed", detector.name)
                findings = [
                    Finding(
                        detector.name,
                        f"detector failed ({type(exc).__name__}); held for re-check",
                        1.0,
                    )
                ]
                settings = DetectorSettings(action=self.on_error, threshold=0.0)
            metrics.DETECTOR_SECONDS.labels(detector.name).observe(time.perf_counter() - t0)
            for finding in findings:
                acted = finding.score >= settings.threshold and settings.action != ALLOW
                metrics.FINDINGS.labels(detector.name, "true" if acted else "false").inc()
                if acted:
                    acted_on.append(finding)
                    if _SEVERITY[settings.action] > _SEVERITY[action]:
                        action = settings.action
                else:
                    noted.append(finding)
        elapsed = time.perf_counter() - started
        metrics.INSPECTION_SECONDS.observe(elapsed)
        if elapsed > self.budget and action == ALLOW:
            acted_on.append(
                Finding(
                    "inspector",
                    f"inspection took longer than {self.budget * 1000:.0f} ms; held for re-check",
                    1.0,
                )
            )
            action = self.on_error
        metrics.VERDICTS.labels(action).inc()
        return Verdict(action, tuple(acted_on), tuple(noted))
