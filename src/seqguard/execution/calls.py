"""Dry runs on a block's state: eth_call, eth_estimateGas, replays for tracing."""

from __future__ import annotations

from dataclasses import dataclass

from eth.abc import ComputationAPI
from eth.exceptions import Revert
from eth.vm.message import Message
from eth.vm.spoof import SpoofTransaction
from eth_utils import ValidationError

from seqguard.errors import EXECUTION_REVERTED, SERVER_ERROR, RpcError
from seqguard.execution.evm import VM, BlockEnv, SeqState

RPC_GAS_CAP = 50_000_000  # geth's default --rpc.gascap
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)


@dataclass(slots=True)
class CallArgs:
    sender: bytes
    to: bytes | None
    gas: int | None
    gas_price: int | None  # effective price per gas; None means a free call
    value: int
    data: bytes


# Solidity's panic codes, worded as geth and anvil report them
PANIC_REASONS = {
    0x00: "generic panic",
    0x01: "assert(false)",
    0x11: "arithmetic underflow or overflow",
    0x12: "division or modulo by zero",
    0x21: "enum overflow",
    0x22: "invalid encoded storage byte array accessed",
    0x31: "out-of-bounds array access; popping on an empty array",
    0x32: "out-of-bounds access of an array or bytesN",
    0x41: "out of memory",
    0x51: "uninitialized function",
}


def decode_revert_reason(output: bytes) -> str | None:
    """The reason of an ``Error(string)`` revert, or a Panic code, as text."""
    try:
        if output[:4] == ERROR_SELECTOR and len(output) >= 68:
            length = int.from_bytes(output[36:68], "big")
            return output[68 : 68 + length].decode("utf-8", "replace")
        if output[:4] == PANIC_SELECTOR and len(output) == 36:
            code = int.from_bytes(output[4:36], "big")
            return PANIC_REASONS.get(code, f"unknown panic code: {code:#x}")
    except (ValueError, OverflowError):
        return None
    return None


def revert_error(output: bytes) -> RpcError:
    """geth's answer to a reverted call: code 3, the reason, the raw data."""
    reason = decode_revert_reason(output)
    message = f"execution reverted: {reason}" if reason else "execution reverted"
    return RpcError(EXECUTION_REVERTED, message, "0x" + output.hex())


def with_free_gas(env: BlockEnv) -> BlockEnv:
    # geth runs calls without a gas price with the base fee check disabled
    return BlockEnv(
        env.number,
        env.timestamp,
        env.coinbase,
        env.gas_limit,
        0,
        env.prev_randao,
        env.prev_hashes,
        env.chain_id,
    )


def execute_call(state: SeqState, args: CallArgs, gas: int) -> ComputationAPI:
    """Run ``args`` as a transaction on ``state`` (changes it; use a throw-away state)."""
    # geth skips nonce checks for calls: run at the sender's current nonce
    nonce = state.get_nonce(args.sender)
    unsigned = VM.create_unsigned_transaction(
        nonce=nonce,
        gas_price=args.gas_price or 0,
        gas=gas,
        to=args.to if args.to is not None else b"",
        value=args.value,
        data=args.data,
    )
    tx = SpoofTransaction(unsigned, from_=args.sender)
    try:
        return state.apply_transaction(tx)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise RpcError(SERVER_ERROR, _validation_message(str(exc))) from exc


ZERO_ADDRESS = b"\x00" * 20
VIEW_GAS = 2_000_000


def static_call(state: SeqState, to: bytes, data: bytes, gas: int = VIEW_GAS) -> bytes | None:
    """A read-only call on ``state`` as it is now, mid-block included; the output, or
    None if it fails. Runs a bare message (no transaction checks, no fees) and
    leaves ``state`` exactly as it found it."""
    snapshot = state.snapshot()
    try:
        message = Message(gas, to, ZERO_ADDRESS, 0, data, state.get_code(to), is_static=True)
        context = state.get_transaction_context_class()(gas_price=0, origin=ZERO_ADDRESS)
        comp = state.computation_class.apply_message(state, message, context)
        return None if comp.is_error else comp.output
    finally:
        state.revert(snapshot)


def _validation_message(text: str) -> str:
    if "balance" in text or "afford" in text:
        return "insufficient funds for gas * price + value"
    if "Insufficient gas" in text or "intrinsic" in text.lower():
        return "intrinsic gas too low"
    return text


def call(state: SeqState, args: CallArgs) -> bytes:
    """eth_call: the output, or geth's revert/execution error."""
    gas = args.gas if args.gas is not None else RPC_GAS_CAP
    comp = execute_call(state, args, gas)
    if comp.is_error:
        if isinstance(comp.error, Revert):
            raise revert_error(comp.output)
        raise RpcError(SERVER_ERROR, _error_text(comp))
    return comp.output


def _error_text(comp: ComputationAPI) -> str:
    name = type(comp.error).__name__
    text = str(comp.error)
    if name == "OutOfGas" and "EIP-2200" in text:
        return "out of gas: not enough gas for reentrancy sentry"
    if name == "InvalidInstruction":
        # geth: "invalid opcode: INVALID" for 0xfe, "opcode 0x.. not defined" otherwise
        if text.startswith("Jump"):
            return "invalid jump destination"
        opcode = text.split()[2] if text.startswith("Invalid opcode") else ""
        return (
            "invalid opcode: INVALID"
            if opcode == "0xfe"
            else f"invalid opcode: opcode {opcode} not defined"
        )
    if "EIP3541" in text:
        return "invalid code: must not begin with 0xef"
    return {
        "OutOfGas": "out of gas",
        "InsufficientFunds": "insufficient balance for transfer",
        "StackDepthLimit": "max call depth exceeded",
        "InvalidJumpDestination": "invalid jump destination",
        "StackUnderflow": "stack underflow",
        "FullStack": "stack limit reached 1024 (1023)",
        "WriteProtection": "write protection",
        "ContractCreationCollision": "contract address collision",
    }.get(name, str(comp.error) or name)


def estimate_gas(make_state, args: CallArgs, *, cap: int, intrinsic: int) -> int:  # type: ignore[no-untyped-def]
    """Smallest gas limit with which ``args`` succeeds (geth's binary search).

    ``make_state()`` returns a fresh state each run.
    """
    hi = args.gas if args.gas is not None else cap
    if args.gas_price:
        state = make_state()
        balance = state.get_balance(args.sender)
        if args.value > balance:
            raise RpcError(SERVER_ERROR, "insufficient funds for transfer")
        hi = min(hi, (balance - args.value) // args.gas_price)
    if hi < intrinsic:
        raise RpcError(SERVER_ERROR, f"gas required exceeds allowance ({hi})")

    def run(gas: int) -> ComputationAPI | None:
        try:
            return execute_call(make_state(), args, gas)
        except RpcError:
            return None

    comp = run(hi)
    if comp is None or comp.is_error:
        if comp is not None and isinstance(comp.error, Revert):
            raise revert_error(comp.output)
        if comp is None:
            execute_call(make_state(), args, hi)  # raise the validation error itself
        raise RpcError(SERVER_ERROR, f"gas required exceeds allowance ({hi})")
    used = hi - comp.get_gas_remaining()
    lo = max(intrinsic, used) - 1
    # most calls succeed with what they used plus the refund and the 63/64 rule
    optimistic = min(hi, (used + comp.get_gas_refund() + 2300) * 64 // 63)
    if optimistic < hi:
        trial = run(optimistic)
        if trial is not None and not trial.is_error:
            hi = optimistic
        else:
            lo = optimistic
    while lo + 1 < hi:
        # geth stops within 1.5% of the answer; we search to the exact gas
        mid = (lo + hi) // 2
        trial = run(mid)
        if trial is not None and not trial.is_error:
            hi = mid
        else:
            lo = mid
    return hi
