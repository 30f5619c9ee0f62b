"""Named errors with stable messages.

Transaction rejections use geth's exact strings, so that web3.py, ethers and
foundry map them the way they map geth's (e.g. ethers turns "nonce too low"
into NONCE_EXPIRED). JSON-RPC errors carry geth's codes.
"""

from __future__ import annotations

from typing import Any

# JSON-RPC 2.0 and geth codes
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000  # geth: any error from the transaction pool or the chain
LIMIT_EXCEEDED = -32005
EXECUTION_REVERTED = 3  # geth: eth_call / eth_estimateGas revert, with data
# seqguard: receipt of a transaction held in quarantine (see README)
TX_QUARANTINED = -32042


class RpcError(Exception):
    """An error answered to a JSON-RPC caller."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return err


class InvalidParams(RpcError):
    def __init__(self, message: str) -> None:
        super().__init__(INVALID_PARAMS, message)


class TxError(RpcError):
    """A transaction refused by ingress or the pool. Nothing was changed."""

    message_text = "invalid transaction"

    def __init__(self, detail: str | None = None) -> None:
        msg = self.message_text if detail is None else f"{self.message_text}: {detail}"
        super().__init__(SERVER_ERROR, msg)


# Decoding
class DecodeError(TxError):
    message_text = "rlp"


class TxTypeNotSupported(TxError):
    message_text = "transaction type not supported"


class InvalidSender(TxError):
    message_text = "invalid sender"


class InvalidChainId(TxError):
    message_text = "invalid chain id for signer"


class OversizedData(TxError):
    message_text = "oversized data"


# Validation against the chain
class IntrinsicGasTooLow(TxError):
    message_text = "intrinsic gas too low"


class GasLimitExceeded(TxError):
    message_text = "exceeds block gas limit"


class NonceTooLow(TxError):
    message_text = "nonce too low"


class NonceTooHigh(TxError):
    message_text = "nonce too high"


class NonceMax(TxError):
    message_text = "nonce has max value"


class InsufficientFunds(TxError):
    message_text = "insufficient funds for gas * price + value"


class TipAboveFeeCap(TxError):
    message_text = "max priority fee per gas higher than max fee per gas"


class FeeCapTooLow(TxError):
    message_text = "max fee per gas less than block base fee"


class Underpriced(TxError):
    message_text = "transaction underpriced"


class InitCodeTooLarge(TxError):
    message_text = "max initcode size exceeded"


# Pool
class AlreadyKnown(TxError):
    message_text = "already known"


class ReplaceUnderpriced(TxError):
    message_text = "replacement transaction underpriced"


class PoolOverflow(TxError):
    message_text = "txpool is full"


class AccountLimit(TxError):
    message_text = "account limit exceeded"


# Ingress (appended by the ingress stage)
class TypedTxTooShort(DecodeError):
    message_text = "typed transaction too short"


class FloorDataGasTooLow(IntrinsicGasTooLow):
    """EIP-7623 (Prague): gas below the calldata floor. A kind of intrinsic-gas error."""

    message_text = "insufficient gas for floor data gas cost"


class UnprotectedTx(TxError):
    message_text = "only replay-protected (EIP-155) transactions allowed over RPC"


class Quarantined(TxError):
    message_text = "transaction is held in quarantine"
