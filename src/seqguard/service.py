"""The running node: the Node, its JSON-RPC methods and the HTTP/WS server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from seqguard.config import Config
from seqguard.node import Node, block_event
from seqguard.rollup.service import RollupService
from seqguard.rpc import filters as rpc_filters
from seqguard.rpc import subscriptions as rpc_subscriptions
from seqguard.rpc.admin import AdminApi
from seqguard.rpc.eth import EthApi
from seqguard.rpc.format import tx_json
from seqguard.rpc.inspection import InspectionApi
from seqguard.rpc.registry import MethodRegistry
from seqguard.rpc.server import RpcLimits, RpcServer, build_app
from seqguard.rpc.subscriptions import EventBus
from seqguard.types import Tx

log = logging.getLogger("seqguard")


class NodeServer:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.node = Node(config)
        self.rollup = RollupService(self.node, config)
        self.bus = EventBus()
        self.registry = MethodRegistry()
        self.eth = EthApi(self.node)
        self.eth.register(self.registry)
        AdminApi(
            self.node,
            token=config.admin_token,
            admins=config.addresses(config.admin_addresses),
        ).register(self.registry)
        InspectionApi(self.node).register(self.registry)
        self.filters = rpc_filters.FilterManager(
            self.bus, get_logs=self.eth.logs_for, head=lambda: self.node.chain.head.number
        )
        rpc_filters.register_methods(self.registry, self.filters)
        rpc_subscriptions.register_methods(self.registry, self.bus)
        self.node.block_listeners.append(lambda built: self.bus.publish_block(*block_event(built)))
        self.node.pending_listeners.append(self._publish_pending)
        self.node.inspection_listeners.append(self.bus.publish_inspections)
        self.app = build_app(
            self.registry,
            bus=self.bus,
            filters=self.filters,
            limits=RpcLimits(
                max_request_bytes=config.max_request_bytes,
                max_batch_items=config.max_batch,
                max_http_requests=config.max_http_connections,
                max_ws_connections=config.max_ws_connections,
            ),
        )

    def _publish_pending(self, tx: Tx) -> None:
        # formatting every pending transaction costs; do it only for listeners
        if self.bus.subscriber_count("newPendingTransactions"):
            self.bus.publish_pending("0x" + tx.hash.hex(), tx_json(tx, None))

    async def run(self, stop: asyncio.Event, on_ready: Callable[[], None] | None = None) -> None:
        """Serve until ``stop`` is set, then shut down in order: RPC, builder, stores.

        Raises OSError (and closes the stores) if the port cannot be bound.
        """
        rpc = RpcServer(self.app, self.config.host, self.config.port)
        try:
            await rpc.start()
        except OSError:
            await asyncio.to_thread(self.node.stop)
            raise
        self.node.start()
        self.rollup.start()
        if on_ready is not None:
            on_ready()
        try:
            await stop.wait()
        finally:
            await rpc.stop()
            self.filters.close()
            self.registry.close()
            await asyncio.to_thread(self.rollup.stop)
            await asyncio.to_thread(self.node.stop)
            log.info("stopped at block %d", self.node.chain.head.number)
