"""seqguard: an Ethereum-compatible L2 sequencer with security built in."""

import os
import threading

# keccak through safe-pysha3 is about 4x faster than the default backend; it must
# be chosen before eth_hash is first imported anywhere.
os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

# py-evm raises the recursion limit to 100,000 so that a 1024-deep call chain
# fits; the C stack must then be large enough too, or a deep call chain (or a
# deeply nested JSON request) kills the process instead of raising. Threads
# created from here on get 512 MiB of (lazily committed) stack.
threading.stack_size(512 * 1024 * 1024)

__version__ = "0.1.0"
CLIENT_VERSION = f"seqguard/v{__version__}/python"
