"""``seqguard bench``: throughput and latency against anvil (work in progress)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print("seqguard bench: not implemented yet")
    return 2
