"""Execution with py-evm under the current fork rules (Prague)."""
