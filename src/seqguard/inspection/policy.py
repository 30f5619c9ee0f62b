"""What operators change at run time: detector settings, invariants and the lists.

Every change is applied to the live :class:`Inspector` at once (the next
transaction the builder executes sees it), kept in the quarantine database so a
restart does not undo it, and written to the audit log by the caller. Kept
changes win over the config file they started from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from seqguard.inspection.detectors import DenyList, Invariant, Invariants
from seqguard.inspection.inspector import Inspector

LISTS = ("deny-senders", "deny-recipients", "deny-contracts", "allow-senders")


class PolicyStore(Protocol):
    def save_policy(self, key: str, value: Any) -> None: ...

    def policy(self) -> dict[str, Any]: ...


class Policy:
    def __init__(self, inspector: Inspector, store: PolicyStore) -> None:
        self.inspector = inspector
        self.store = store
        self._restore(store.policy())

    # -- reading ----------------------------------------------------------------------
    def _set(self, name: str) -> set[bytes]:
        if name == "allow-senders":
            return self.inspector.allow_senders
        deny = self.inspector.detector("deny-list")
        assert isinstance(deny, DenyList)
        return {"deny-senders": deny.senders, "deny-recipients": deny.recipients,
                "deny-contracts": deny.contracts}[name]  # fmt: skip

    def lists(self) -> dict[str, list[str]]:
        return {name: sorted(f"0x{a.hex()}" for a in self._set(name)) for name in LISTS}

    def invariants(self) -> list[Invariant]:
        detector = self.inspector.detector("invariant")
        assert isinstance(detector, Invariants)
        return detector.all()

    # -- changing ---------------------------------------------------------------------
    def configure(self, name: str, **changes: object) -> dict[str, Any]:
        s = self.inspector.configure(name, **changes)
        settings = {"enabled": s.enabled, "action": s.action, "threshold": s.threshold}
        self.store.save_policy(f"detector:{name}", settings)
        return settings

    def change_list(self, name: str, add: Iterable[bytes], remove: Iterable[bytes]) -> list[str]:
        if name not in LISTS:
            raise KeyError(f"no list named {name!r}; known: {', '.join(LISTS)}")
        members = self._set(name)
        members.update(add)  # a set shared with the detector: the change is live at once
        members.difference_update(remove)
        listed = sorted(f"0x{a.hex()}" for a in members)
        self.store.save_policy(f"list:{name}", listed)
        return listed

    def add_invariant(self, invariant: Invariant) -> None:
        detector = self.inspector.detector("invariant")
        assert isinstance(detector, Invariants)
        detector.add(invariant)
        self.store.save_policy(f"invariant:{invariant.name}", invariant.to_json())

    def remove_invariant(self, name: str) -> bool:
        detector = self.inspector.detector("invariant")
        assert isinstance(detector, Invariants)
        self.store.save_policy(f"invariant:{name}", None)
        return detector.remove(name)

    def _restore(self, saved: dict[str, Any]) -> None:
        for key, value in saved.items():
            kind, _, name = key.partition(":")
            if kind == "detector" and name in self.inspector.settings:
                self.inspector.configure(name, **value)
            elif kind == "list" and name in LISTS:
                members = self._set(name)
                members.clear()
                members.update(bytes.fromhex(a[2:]) for a in value)
            elif kind == "invariant":
                detector = self.inspector.detector("invariant")
                assert isinstance(detector, Invariants)
                detector.add(
                    Invariant.parse(name, bytes.fromhex(value["contract"][2:]), value["check"])
                )
