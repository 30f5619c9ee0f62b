"""Test harness: node processes (anvil and seqguard), JSON-RPC, genesis and transactions."""
