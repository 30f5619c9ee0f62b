"""Ingress: the first stage a transaction meets.

``decode_raw_transaction`` turns ``eth_sendRawTransaction`` bytes into a
signature-checked ``Tx``; ``validate_transaction`` applies geth's stateless and
stateful admission rules, in geth's order, with geth's messages.
"""

from seqguard.ingress.decode import TX_MAX_SIZE, chain_id_of, decode_raw_transaction
from seqguard.ingress.validate import (
    MAX_INITCODE_SIZE,
    floor_data_gas,
    intrinsic_gas,
    validate_stateful,
    validate_stateless,
    validate_transaction,
)

__all__ = [
    "MAX_INITCODE_SIZE",
    "TX_MAX_SIZE",
    "chain_id_of",
    "decode_raw_transaction",
    "floor_data_gas",
    "intrinsic_gas",
    "validate_stateful",
    "validate_stateless",
    "validate_transaction",
]
