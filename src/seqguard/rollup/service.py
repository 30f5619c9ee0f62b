"""The node's rollup side: the batcher thread and the L1 inbox reader thread."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from seqguard import metrics
from seqguard.config import Config
from seqguard.rollup.batcher import Batcher, BatcherSettings
from seqguard.rollup.da.base import DataAvailability
from seqguard.rollup.da.file import FileDA
from seqguard.rpc.client import HttpRpc
from seqguard.trace.geth import hex_bytes

if TYPE_CHECKING:
    from seqguard.node import Node
    from seqguard.rollup.l1 import L1Inbox

log = logging.getLogger(__name__)

INBOX_POLL_SECONDS = 1.0


def make_da(config: Config, da_dir: Path, *, writable: bool = True) -> DataAvailability | None:
    """The layer ``config.da`` names (None for ``none``); a verifier opens it read-only."""
    if config.da == "none":
        return None
    if config.da == "file":
        return FileDA(da_dir, writable=writable)
    from seqguard.rollup.da.ethereum import EthereumDA
    from seqguard.rollup.l1 import L1Client

    assert config.l1_rpc and config.batch_inbox and config.output_oracle
    client = L1Client(config.l1_rpc, config.l1_key if writable else None)
    return EthereumDA(
        client,
        hex_bytes(config.batch_inbox),
        hex_bytes(config.batcher) if config.batcher else client.address,
        hex_bytes(config.output_oracle),
        config.l1_start_block,
        config.l1_confirmations,
    )


def make_inbox(config: Config) -> L1Inbox | None:
    """The L1 inbox reader, if the rollup has an L1."""
    if not (config.inbox and config.l1_rpc):
        return None
    from seqguard.rollup.l1 import L1Inbox

    return L1Inbox(
        HttpRpc(config.l1_rpc),
        hex_bytes(config.inbox),
        config.l1_start_block,
        config.l1_confirmations,
    )


class RollupService:
    def __init__(self, node: Node, config: Config) -> None:
        self.node = node
        data_dir = Path(config.data_dir)
        da = make_da(config, data_dir / "da")
        self.batcher = (
            Batcher(
                node.chain,
                da,
                data_dir / "rollup.sqlite",
                BatcherSettings(
                    codec=config.compression,
                    max_frame_bytes=config.max_frame_bytes,
                    max_batch_blocks=config.max_batch_blocks,
                    output_interval=config.output_interval,
                    interval=config.batch_interval,
                ),
            )
            if da is not None
            else None
        )
        self.inbox = make_inbox(config)
        self._cursor = config.l1_start_block
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.batcher is not None:
            self.batcher.start()
        if self.inbox is not None:
            self._thread = threading.Thread(target=self._read_inbox, name="l1-inbox", daemon=True)
            self._thread.start()

    def _read_inbox(self) -> None:
        assert self.inbox is not None
        while not self._stop.is_set():
            try:
                items, self._cursor = self.inbox.read(self._cursor)
                if items:
                    log.info(
                        "L1 inbox: %d new item(s), queue at %d", len(items), items[-1].index + 1
                    )
                    self.node.add_inbox_items(items)
                    metrics.ROLLUP_INBOX_ITEMS.set(len(self.node.inbox_items))
            except Exception as exc:  # the L1 may be down for a while: keep trying
                log.warning("cannot read the L1 inbox: %s", exc)
            self._stop.wait(INBOX_POLL_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.batcher is not None:
            self.batcher.stop()
