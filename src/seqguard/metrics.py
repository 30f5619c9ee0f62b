"""Every Prometheus metric of the node, defined in one place.

The RPC transport records the ``RPC_*`` and ``WS_*`` metrics itself; the pool,
the builder and ingress update the others. All live in prometheus_client's
default registry and are served as text at ``GET /metrics``.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

_NS = "seqguard"

# ------------------------------------------------------------------ JSON-RPC
# Latency buckets from 100 µs (eth_chainId) to 30 s (a heavy debug trace).
_RPC_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)

RPC_LATENCY = Histogram(
    "rpc_request_duration_seconds",
    "Time to serve one JSON-RPC call, by method (includes the wait for a worker thread).",
    ["method"],
    namespace=_NS,
    buckets=_RPC_BUCKETS,
)
RPC_REQUESTS = Counter(
    "rpc_requests",
    "JSON-RPC calls by method and outcome (ok, error, crash, not_found). Unknown "
    'method names are counted under method="unknown" so callers cannot blow up the '
    "label set.",
    ["method", "outcome"],
    namespace=_NS,
)
RPC_INVALID = Counter(
    "rpc_invalid_messages",
    "Messages refused before dispatch, by reason (parse, invalid, too_large, batch_too_large).",
    ["reason"],
    namespace=_NS,
)
HTTP_INFLIGHT = Gauge(
    "rpc_http_inflight_requests", "HTTP JSON-RPC requests being served.", namespace=_NS
)
WS_CONNECTIONS = Gauge("rpc_ws_connections", "Open WebSocket connections.", namespace=_NS)
WS_SUBSCRIPTIONS = Gauge(
    "rpc_subscriptions", "Active eth_subscribe subscriptions, by kind.", ["kind"], namespace=_NS
)
WS_DROPPED = Counter(
    "rpc_ws_slow_consumers_dropped",
    "WebSocket connections closed because their send buffer overflowed.",
    namespace=_NS,
)
FILTERS_INSTALLED = Gauge(
    "rpc_filters", "Installed eth_newFilter-family filters, by kind.", ["kind"], namespace=_NS
)

# ------------------------------------------------------------------ txpool
POOL_PENDING = Gauge("txpool_pending", "Executable transactions in the pool.", namespace=_NS)
POOL_QUEUED = Gauge(
    "txpool_queued", "Transactions waiting for a nonce gap to close.", namespace=_NS
)
TXS_ACCEPTED = Counter("txs_accepted", "Transactions accepted into the pool.", namespace=_NS)
TXS_REJECTED = Counter(
    "txs_rejected",
    "Transactions refused by ingress or the pool, by reason (the stable error message).",
    ["reason"],
    namespace=_NS,
)

# ------------------------------------------------------------------ builder / chain
BLOCK_BUILD_SECONDS = Histogram(
    "block_build_duration_seconds",
    "Time to build and seal one block (execution, inspection, roots, persistence).",
    namespace=_NS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
)
BLOCK_INTERVAL_SECONDS = Histogram(
    "block_interval_seconds",
    "Wall-clock time between two sealed blocks.",
    namespace=_NS,
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 30.0, 60.0),
)
BLOCK_GAS_USED = Histogram(
    "block_gas_used",
    "Gas used per sealed block.",
    namespace=_NS,
    buckets=(
        0,
        21_000,
        100_000,
        500_000,
        1_000_000,
        5_000_000,
        10_000_000,
        15_000_000,
        30_000_000,
        60_000_000,
    ),
)
BLOCK_TXS = Histogram(
    "block_transactions",
    "Transactions per sealed block.",
    namespace=_NS,
    buckets=(0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500),
)
HEAD_BLOCK = Gauge("head_block_number", "Number of the latest sealed block.", namespace=_NS)

# ------------------------------------------------------------------ inspection
TXS_QUARANTINED = Counter(
    "txs_quarantined",
    "Transactions held in quarantine, by detector.",
    ["detector"],
    namespace=_NS,
)
QUARANTINE_SIZE = Gauge(
    "quarantine_held", "Transactions currently held in quarantine.", namespace=_NS
)
QUARANTINE_RECORDS = Gauge(
    "quarantine_records", "Quarantine records by status.", ["status"], namespace=_NS
)
VERDICTS = Counter("verdicts", "Inspected transactions by verdict.", ["action"], namespace=_NS)
FINDINGS = Counter(
    "findings",
    "Detector findings; acted=false when only recorded (below threshold, or action allow).",
    ["detector", "acted"],
    namespace=_NS,
)
INSPECTION_SECONDS = Histogram(
    "inspection_duration_seconds",
    "Time to trace and inspect one transaction (detectors + risk model).",
    namespace=_NS,
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
DETECTOR_SECONDS = Histogram(
    "detector_duration_seconds",
    "Time one detector took to judge one transaction.",
    ["detector"],
    namespace=_NS,
    buckets=(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05),
)


# -- rollup -------------------------------------------------------------------------
ROLLUP_POSTED_BLOCK = Gauge(
    "rollup_posted_block", "Last L2 block whose batch the DA layer confirmed.", namespace=_NS
)
ROLLUP_BATCH_BYTES = Counter(
    "rollup_batch_bytes",
    "Batch bytes: raw (RLP) and posted (compressed).",
    ["kind"],
    namespace=_NS,
)
ROLLUP_INBOX_ITEMS = Gauge(
    "rollup_inbox_items", "Items read from the L1 inbox queue.", namespace=_NS
)


def render() -> tuple[bytes, str]:
    """The default registry in Prometheus text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
