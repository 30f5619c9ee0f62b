"""Persistence: account state in LevelDB, the chain index in SQLite."""

from seqguard.storage.chaindb import ChainDB
from seqguard.storage.kv import LevelDB

__all__ = ["ChainDB", "LevelDB"]
