"""seqguard: an Ethereum-compatible L2 sequencer with security built in."""

import os

# keccak through safe-pysha3 is about 4x faster than the default backend; it must
# be chosen before eth_hash is first imported anywhere.
os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

__version__ = "0.1.0"
CLIENT_VERSION = f"seqguard/v{__version__}/python"
