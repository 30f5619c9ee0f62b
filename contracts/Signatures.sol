// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";

/// @title SigCheck: ECDSA recovery for 65-byte signatures, and the digests signed here.
/// @notice Written for seqguard's scenarios. Rejects high-s signatures (malleable copies).
library SigCheck {
    uint256 internal constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    function recover(bytes32 digest, bytes memory sig) internal pure returns (address signer) {
        require(sig.length == 65, "SigCheck: bad length");
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
        require(uint256(s) <= HALF_N, "SigCheck: malleable");
        signer = ecrecover(digest, v, r, s);
        require(signer != address(0), "SigCheck: bad signature");
    }

    /// The digest `personal_sign`/`eth_sign` produce for a 32-byte message.
    function ethSigned(bytes32 hash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", hash));
    }

    function typed(bytes32 domainSeparator, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function domain(string memory name, address verifying) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)),
                keccak256("1"),
                block.chainid,
                verifying
            )
        );
    }
}

/// @title PayoutDesk: pays out withdrawal vouchers its off-chain server signs.
/// @notice Written for seqguard's scenarios (game rewards, referral payouts, off-chain
/// balances settled on-chain). BUG: a voucher signs only (recipient, amount): no nonce,
/// no chain id, no contract address, and the desk does not remember what it paid, so
/// one voucher can be redeemed again and again. The replay class of the Optimism/Wintermute
/// loss (June 2022: chain-id-less transactions replayed on another chain, 20M OP) and of the
/// Omni bridge on EthereumPoW (September 2022: signed messages replayed after the fork).
contract PayoutDesk {
    IERC20 public immutable token;
    address public immutable signer;
    address public immutable owner;

    event Paid(address indexed to, uint256 amount);

    constructor(IERC20 token_, address signer_) {
        (token, signer, owner) = (token_, signer_, msg.sender);
    }

    function voucherHash(address to, uint256 amount) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(to, amount)); // the bug: nothing makes it single-use
    }

    function redeem(address to, uint256 amount, bytes calldata sig) external {
        require(SigCheck.recover(SigCheck.ethSigned(voucherHash(to, amount)), sig) == signer, "PayoutDesk: not signed");
        require(token.transfer(to, amount));
        emit Paid(to, amount);
    }
}

/// @title PermitToken: an ERC-20 with EIP-2612 permits and EIP-2771 meta-transactions.
/// @notice Written for seqguard's scenarios. `trustedForwarder` (may be zero) may append
/// the real sender to its calls, as OpenZeppelin's ERC2771Context reads it.
contract PermitToken {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    address public immutable trustedForwarder;
    bytes32 public immutable DOMAIN_SEPARATOR;
    bytes32 public constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => uint256) public nonces;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint256 supply, address forwarder) {
        (name, symbol, totalSupply, trustedForwarder) = (name_, symbol_, supply, forwarder);
        DOMAIN_SEPARATOR = SigCheck.domain(name_, address(this));
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function _msgSender() internal view returns (address sender) {
        if (msg.sender == trustedForwarder && msg.data.length >= 24) {
            return address(bytes20(msg.data[msg.data.length - 20:]));
        }
        return msg.sender;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(_msgSender(), to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        _approve(_msgSender(), spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        address spender = _msgSender();
        uint256 allowed = allowance[from][spender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "PermitToken: allowance");
            allowance[from][spender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
    {
        require(block.timestamp <= deadline, "PermitToken: expired");
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonces[owner]++, deadline));
        address signer = SigCheck.recover(SigCheck.typed(DOMAIN_SEPARATOR, structHash), abi.encodePacked(r, s, v));
        require(signer == owner, "PermitToken: bad permit");
        _approve(owner, spender, value);
    }

    function _approve(address owner, address spender, uint256 value) internal {
        allowance[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    function _transfer(address from, address to, uint256 value) internal {
        require(to != address(0), "PermitToken: zero address");
        require(balanceOf[from] >= value, "PermitToken: balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

/// @title MetaForwarder: relays calls users signed (EIP-712), each once, in nonce order.
/// @notice Written for seqguard's scenarios, after OpenZeppelin's MinimalForwarder: the
/// signed request names its sender, target, value, gas and nonce; the domain names the
/// chain and this forwarder, so a request cannot be replayed here or elsewhere.
contract MetaForwarder {
    struct ForwardRequest {
        address from;
        address to;
        uint256 value;
        uint256 gas;
        uint256 nonce;
        bytes data;
    }

    bytes32 public constant REQUEST_TYPEHASH =
        keccak256("ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,bytes data)");
    bytes32 public immutable DOMAIN_SEPARATOR;
    mapping(address => uint256) public nonces;

    constructor() {
        DOMAIN_SEPARATOR = SigCheck.domain("MetaForwarder", address(this));
    }

    function digest(ForwardRequest calldata req) public view returns (bytes32) {
        return SigCheck.typed(
            DOMAIN_SEPARATOR,
            keccak256(abi.encode(REQUEST_TYPEHASH, req.from, req.to, req.value, req.gas, req.nonce, keccak256(req.data)))
        );
    }

    function execute(ForwardRequest calldata req, bytes calldata sig) external payable returns (bytes memory) {
        require(SigCheck.recover(digest(req), sig) == req.from, "MetaForwarder: bad signature");
        require(nonces[req.from]++ == req.nonce, "MetaForwarder: bad nonce");
        require(msg.value == req.value, "MetaForwarder: value");
        (bool ok, bytes memory out) = req.to.call{gas: req.gas, value: req.value}(abi.encodePacked(req.data, req.from));
        require(ok, "MetaForwarder: call failed");
        return out;
    }
}
