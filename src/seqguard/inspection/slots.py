"""Storage slots that decide who controls a contract (EIP-1967, OpenZeppelin 5 ERC-7201)."""

from __future__ import annotations


def _slot(hex_text: str) -> int:
    return int(hex_text, 16)


IMPLEMENTATION = _slot("360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc")
ADMIN = _slot("b53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103")
BEACON = _slot("a3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50")
OWNABLE = _slot("9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c199300")  # OZ 5
INITIALIZABLE = _slot("f0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00")  # OZ 5

UPGRADE_SLOTS = {IMPLEMENTATION: "implementation", BEACON: "beacon"}
CONTROL_SLOTS = {ADMIN: "admin", OWNABLE: "owner"}
