"""Operator methods: release, reject, extend, detector settings, audit log.

Every call must be authenticated, one of two ways:

- ``Authorization: Bearer <admin_token>`` (HTTP header, or the WebSocket upgrade's);
- an EIP-191 signature by a configured admin address: the single parameter
  object carries ``"auth": {"timestamp": <unix seconds>, "signature": "0x…"}``,
  signed over ``admin_message(method, params_without_auth, timestamp)``.
  The timestamp must be within ``MAX_SKEW`` seconds, and a signature is
  accepted once.

An unauthenticated or badly signed call changes nothing and answers -32001.
Every action is written to the audit log with who and when.

The dashboard logs in once (``seqguard_login``, authenticated either way) and
gets a session token it sends as ``Authorization: Bearer <session>``; the audit
log then names the operator it gave, or the admin address that signed.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_account.messages import encode_defunct

from seqguard.errors import RpcError
from seqguard.inspection.base import ACTIONS
from seqguard.inspection.detectors import Invariant, InvariantError
from seqguard.inspection.policy import LISTS, Policy
from seqguard.quarantine import QuarantineError
from seqguard.rpc import params as p
from seqguard.rpc.registry import MethodRegistry, RpcContext, expect_params

if TYPE_CHECKING:
    from seqguard.node import Node

UNAUTHORIZED = -32001
MAX_SKEW = 300  # seconds
SESSION_SECONDS = 8 * 3600
SESSION_PREFIX = "sgs_"
MAX_SESSIONS = 1000


def _bearer(ctx: RpcContext) -> str | None:
    header = ctx.headers.get("authorization") if ctx.headers else None
    return header[len("Bearer ") :] if header and header.startswith("Bearer ") else None


def admin_message(method: str, params: dict[str, Any], timestamp: int) -> str:
    """The text an admin signs (EIP-191 personal_sign) to authorize one call."""
    body = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return f"seqguard admin\n{method}\n{body}\n{timestamp}"


class AdminApi:
    def __init__(
        self,
        node: Node,
        *,
        token: str | None,
        admins: set[bytes],
        clock: Any = time.time,
    ) -> None:
        self.node = node
        self.token = token or None
        self.admins = admins
        self.clock = clock
        self._seen: dict[str, float] = {}  # signature -> timestamp, against replays
        self._sessions: dict[str, tuple[str, float]] = {}  # session token -> (actor, expiry)
        self._lock = threading.Lock()

    # -- authentication -------------------------------------------------------------
    def authorize(self, method: str, args: dict[str, Any], ctx: RpcContext) -> str:
        """Who is calling (for the audit log); raises -32001 if nobody we trust."""
        bearer = _bearer(ctx)
        if self.token and bearer and hmac.compare_digest(bearer.encode(), self.token.encode()):
            return "token"
        if bearer and bearer.startswith(SESSION_PREFIX):
            actor = self._session(bearer)
            if actor is None:
                raise RpcError(UNAUTHORIZED, "unauthorized: the session expired; log in again")
            return actor
        auth = args.get("auth")
        if not isinstance(auth, dict):
            raise RpcError(
                UNAUTHORIZED, "unauthorized: send a bearer token or an admin signature (see README)"
            )
        timestamp, signature = auth.get("timestamp"), auth.get("signature")
        if not isinstance(timestamp, int) or not isinstance(signature, str):
            raise RpcError(
                UNAUTHORIZED, "unauthorized: auth needs an integer timestamp and a hex signature"
            )
        now = self.clock()
        if abs(now - timestamp) > MAX_SKEW:
            raise RpcError(UNAUTHORIZED, f"unauthorized: timestamp is more than {MAX_SKEW} s off")
        unsigned = {k: v for k, v in args.items() if k != "auth"}
        try:
            signer = Account.recover_message(
                encode_defunct(text=admin_message(method, unsigned, timestamp)), signature=signature
            )
        except Exception:
            raise RpcError(UNAUTHORIZED, "unauthorized: malformed signature") from None
        if bytes.fromhex(signer[2:]) not in self.admins:
            raise RpcError(UNAUTHORIZED, "unauthorized: not signed by an admin address")
        with self._lock:
            self._seen = {s: t for s, t in self._seen.items() if abs(now - t) <= MAX_SKEW}
            if signature in self._seen:
                raise RpcError(UNAUTHORIZED, "unauthorized: this signature was already used")
            self._seen[signature] = timestamp
        return signer.lower()

    def _session(self, token: str) -> str | None:
        with self._lock:
            found = self._sessions.get(token)
            if found is None or found[1] < self.clock():
                self._sessions.pop(token, None)
                return None
            return found[0]

    def _args(self, method: str, params: list, ctx: RpcContext) -> tuple[dict[str, Any], str]:
        (obj,) = expect_params(params, 1)
        args = p.optional_object(obj, 0)
        return args, self.authorize(method, args, ctx)

    @staticmethod
    def _reason(args: dict[str, Any]) -> str:
        reason = args.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise RpcError(-32602, "invalid argument 0: a non-empty reason is required")
        return reason.strip()[:1000]

    # -- sessions -------------------------------------------------------------------
    def login(self, params: list, ctx: RpcContext) -> dict:
        """{name?}, authenticated by the admin token or a signature: a session token."""
        args, actor = self._args("seqguard_login", params, ctx)
        if (_bearer(ctx) or "").startswith(SESSION_PREFIX):  # a session cannot extend itself
            raise RpcError(UNAUTHORIZED, "unauthorized: log in with the admin credentials")
        name = args.get("name")
        if name is not None:
            if not isinstance(name, str) or not 0 < len(name.strip()) <= 64:
                raise RpcError(-32602, "invalid argument 0: name must be 1..64 characters")
            actor = f"{name.strip()} ({actor})"
        now = self.clock()
        session = SESSION_PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            self._sessions = {t: v for t, v in self._sessions.items() if v[1] >= now}
            if len(self._sessions) >= MAX_SESSIONS:
                raise RpcError(-32000, "too many open sessions; log out elsewhere first")
            self._sessions[session] = (actor, now + SESSION_SECONDS)
        self.node.quarantine.audit(actor, "login", None, {})
        return {"session": session, "actor": actor, "expiresAt": int(now + SESSION_SECONDS)}

    def logout(self, params: list, ctx: RpcContext) -> bool:
        _, actor = self._args("seqguard_logout", params, ctx)
        bearer = _bearer(ctx)
        if not bearer or not bearer.startswith(SESSION_PREFIX):
            return False
        with self._lock:
            self._sessions.pop(bearer, None)
        self.node.quarantine.audit(actor, "logout", None, {})
        return True

    def session(self, params: list, ctx: RpcContext) -> dict:
        """Who the caller is authenticated as (the dashboard checks its session)."""
        _, actor = self._args("seqguard_session", params, ctx)
        return {"actor": actor}

    # -- methods --------------------------------------------------------------------
    def release(self, params: list, ctx: RpcContext) -> dict:
        args, actor = self._args("seqguard_release", params, ctx)
        tx_hash, reason = p.hash32(args.get("hash"), 0), self._reason(args)
        try:
            return self.node.release_held(tx_hash, by=actor, reason=reason).to_json()
        except QuarantineError as exc:
            raise RpcError(-32000, str(exc)) from None

    def reject(self, params: list, ctx: RpcContext) -> dict:
        args, actor = self._args("seqguard_reject", params, ctx)
        tx_hash, reason = p.hash32(args.get("hash"), 0), self._reason(args)
        try:
            return self.node.quarantine.reject(tx_hash, by=actor, reason=reason).to_json()
        except QuarantineError as exc:
            raise RpcError(-32000, str(exc)) from None

    def extend(self, params: list, ctx: RpcContext) -> dict:
        args, actor = self._args("seqguard_extend", params, ctx)
        tx_hash, reason = p.hash32(args.get("hash"), 0), self._reason(args)
        seconds = args.get("seconds")
        if seconds is not None and (
            not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds <= 0
        ):
            raise RpcError(
                -32602,
                "invalid argument 0: seconds must be positive, or null to hold until an operator acts",
            )
        try:
            return self.node.quarantine.extend(tx_hash, seconds, by=actor, reason=reason).to_json()
        except QuarantineError as exc:
            raise RpcError(-32000, str(exc)) from None

    def mark_false_positive(self, params: list, ctx: RpcContext) -> dict:
        """{hash, reason}: label the hold a mistake; a held transaction is released too."""
        args, actor = self._args("seqguard_markFalsePositive", params, ctx)
        tx_hash, reason = p.hash32(args.get("hash"), 0), self._reason(args)
        try:
            record = self.node.quarantine.get(tx_hash)
            if record is not None and record.status == "quarantined":
                self.node.release_held(tx_hash, by=actor, reason=f"false positive: {reason}")
            return self.node.quarantine.mark_false_positive(
                tx_hash, by=actor, reason=reason
            ).to_json()
        except QuarantineError as exc:
            raise RpcError(-32000, str(exc)) from None

    def _policy(self) -> Policy:
        if self.node.policy is None:
            raise RpcError(-32000, "inspection is off on this node (inspection = false)")
        return self.node.policy

    def set_detector(self, params: list, ctx: RpcContext) -> dict:
        args, actor = self._args("seqguard_setDetector", params, ctx)
        policy = self._policy()
        changes = {k: args[k] for k in ("enabled", "action", "threshold") if k in args}
        if "action" in changes and changes["action"] not in ACTIONS:
            raise RpcError(
                -32602, f"invalid argument 0: action must be one of {', '.join(ACTIONS)}"
            )
        try:
            settings = policy.configure(str(args.get("name")), **changes)
        except (KeyError, ValueError, TypeError) as exc:
            raise RpcError(-32602, f"invalid argument 0: {exc}") from None
        self.node.quarantine.audit(actor, "setDetector", str(args.get("name")), changes)
        return {"name": args.get("name"), **settings}

    def add_invariant(self, params: list, ctx: RpcContext) -> dict:
        """{name, contract, check}: e.g. check = "totalAssets() >= totalSupply()"."""
        args, actor = self._args("seqguard_addInvariant", params, ctx)
        policy = self._policy()
        name, check = args.get("name"), args.get("check")
        if not isinstance(name, str) or not isinstance(check, str):
            raise RpcError(-32602, "invalid argument 0: name and check must be strings")
        contract = p.address(args.get("contract"), 0)
        try:
            invariant = Invariant.parse(name, contract, check)
        except InvariantError as exc:
            raise RpcError(-32602, f"invalid argument 0: {exc}") from None
        policy.add_invariant(invariant)
        self.node.quarantine.audit(actor, "addInvariant", name, invariant.to_json())
        return invariant.to_json()

    def remove_invariant(self, params: list, ctx: RpcContext) -> bool:
        args, actor = self._args("seqguard_removeInvariant", params, ctx)
        name = str(args.get("name"))
        removed = self._policy().remove_invariant(name)
        self.node.quarantine.audit(actor, "removeInvariant", name, {"removed": removed})
        return removed

    def set_list(self, params: list, ctx: RpcContext) -> dict:
        """{list, add?, remove?}: list is deny-senders, deny-recipients, deny-contracts or
        allow-senders; add and remove are arrays of addresses."""
        args, actor = self._args("seqguard_setList", params, ctx)
        policy = self._policy()
        name = args.get("list")
        if name not in LISTS:
            raise RpcError(-32602, f"invalid argument 0: list must be one of {', '.join(LISTS)}")
        changes = {}
        for key in ("add", "remove"):
            values = args.get(key) or []
            if not isinstance(values, list) or len(values) > 10_000:
                raise RpcError(-32602, f"invalid argument 0: {key} must be an array of addresses")
            changes[key] = [p.address(v, 0) for v in values]
        members = policy.change_list(str(name), changes["add"], changes["remove"])
        self.node.quarantine.audit(
            actor,
            "setList",
            str(name),
            {k: ["0x" + a.hex() for a in v] for k, v in changes.items()},
        )
        return {"list": name, "members": members}

    def audit_log(self, params: list, ctx: RpcContext) -> list:
        args, _ = self._args("seqguard_auditLog", params, ctx)
        limit = args.get("limit", 100)
        if not isinstance(limit, int) or not 0 < limit <= 1000:
            raise RpcError(-32602, "invalid argument 0: limit must be an integer in 1..1000")
        return self.node.quarantine.audit_log(limit=limit, before=args.get("before"))

    def detectors(self, params: list, ctx: RpcContext) -> list:
        """Public: the detectors and their current settings."""
        inspector = self.node.inspector
        if inspector is None:
            return []
        return [
            {"name": name, "enabled": s.enabled, "action": s.action, "threshold": s.threshold}
            for name, s in sorted(inspector.settings.items())
        ]

    def invariants(self, params: list, ctx: RpcContext) -> list:
        """Public: the registered invariants."""
        policy = self.node.policy
        return [] if policy is None else [i.to_json() for i in policy.invariants()]

    def lists(self, params: list, ctx: RpcContext) -> dict:
        """Public: the deny and allow lists."""
        policy = self.node.policy
        return {} if policy is None else policy.lists()

    def register(self, registry: MethodRegistry) -> None:
        registry.register("seqguard_login", self.login)
        registry.register("seqguard_logout", self.logout)
        registry.register("seqguard_session", self.session)
        registry.register("seqguard_markFalsePositive", self.mark_false_positive)
        registry.register("seqguard_release", self.release)
        registry.register("seqguard_reject", self.reject)
        registry.register("seqguard_extend", self.extend)
        registry.register("seqguard_setDetector", self.set_detector)
        registry.register("seqguard_auditLog", self.audit_log)
        registry.register("seqguard_addInvariant", self.add_invariant)
        registry.register("seqguard_removeInvariant", self.remove_invariant)
        registry.register("seqguard_setList", self.set_list)
        registry.register("seqguard_invariants", self.invariants)
        registry.register("seqguard_lists", self.lists)
        registry.register("seqguard_detectors", self.detectors, inline=True)
