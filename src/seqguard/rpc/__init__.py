"""JSON-RPC: the transport (HTTP + WebSocket on one port), the method registry,
subscriptions (the event bus) and polling filters.

The node builds a :class:`MethodRegistry`, registers its ``eth_*`` methods, adds
``subscriptions.register_methods`` and ``filters.register_methods``, then serves
``build_app(...)`` with :class:`RpcServer` (or :func:`serve`).
"""

from seqguard.rpc.filters import FilterManager
from seqguard.rpc.registry import MethodRegistry, RpcContext, expect_params, json_dumps, json_loads
from seqguard.rpc.server import RpcLimits, RpcServer, build_app, serve
from seqguard.rpc.subscriptions import EventBus, LogCriteria

__all__ = [
    "EventBus",
    "FilterManager",
    "LogCriteria",
    "MethodRegistry",
    "RpcContext",
    "RpcLimits",
    "RpcServer",
    "build_app",
    "expect_params",
    "json_dumps",
    "json_loads",
    "serve",
]
