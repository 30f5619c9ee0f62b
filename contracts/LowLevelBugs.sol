// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";

/// @title ComboProxy: runs a user's batch of DeFi steps ("combos") through handler contracts.
/// @notice Written for seqguard's scenarios, after Furucombo's Proxy. Users approve the
/// proxy once; each step delegatecalls a handler, which acts as the proxy for the caller.
/// BUG, as in Furucombo (February 2021, about $14M) and the Parity multi-sig library
/// (July 2017): the handler is whatever address the caller supplies, so the caller's own
/// code runs with the proxy's identity and spends every allowance users gave the proxy.
/// (Furucombo checked a registry, but a registered handler forwarded to an address the
/// attacker could set; the effect is the same.)
contract ComboProxy {
    function batchExec(address[] calldata tos, bytes[] calldata datas) external payable {
        require(tos.length == datas.length, "ComboProxy: lengths");
        for (uint256 i = 0; i < tos.length; i++) {
            (bool ok, bytes memory ret) = tos[i].delegatecall(datas[i]); // the bug: any code
            if (!ok) {
                assembly {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
    }
}

/// @title SwapHandler: a ComboProxy handler that swaps the caller's tokens through a Pair.
/// @notice Written for seqguard's scenarios: runs by delegatecall, so `msg.sender` is the
/// user who called the proxy and the allowance spent is the one the user gave the proxy.
contract SwapHandler {
    function swap(Pair pair, address tokenIn, uint256 amountIn, uint256 minOut) external returns (uint256 out) {
        (uint256 r0, uint256 r1) = pair.getReserves();
        bool zeroIn = tokenIn == pair.token0();
        out = pair.getAmountOut(amountIn, zeroIn ? r0 : r1, zeroIn ? r1 : r0);
        require(out >= minOut, "SwapHandler: too little received");
        require(IERC20(tokenIn).transferFrom(msg.sender, address(pair), amountIn));
        pair.swap(zeroIn ? 0 : out, zeroIn ? out : 0, msg.sender, "");
    }
}

/// @title FalseReturnToken: an ERC-20 that returns false instead of reverting.
/// @notice Written for seqguard's scenarios. Several early tokens (FORCE among them) report
/// a failed `transfer`/`transferFrom` by returning false, which the standard allows.
contract FalseReturnToken {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint256 supply) {
        (name, symbol, totalSupply) = (name_, symbol_, supply);
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        return _transfer(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        if (allowance[from][msg.sender] < value) return false;
        if (!_transfer(from, to, value)) return false;
        allowance[from][msg.sender] -= value;
        return true;
    }

    function _transfer(address from, address to, uint256 value) internal returns (bool) {
        if (balanceOf[from] < value) return false;
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
        return true;
    }
}

/// @title StakedShares: stake a token, get shares of the pool (xSushi-style).
/// @notice Written for seqguard's scenarios, after Force DAO's xFORCE. BUG, as in Force DAO
/// (April 2021, about $367k) and the 2018 "fake deposit" attacks on exchanges: `deposit`
/// ignores what `transferFrom` returns, so with a token that returns false the shares are
/// minted for tokens that never arrived, and `withdraw` pays them out of other stakers' tokens.
contract StakedShares {
    IERC20 public immutable token;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(IERC20 token_) {
        token = token_;
    }

    function totalAssets() public view returns (uint256) {
        return token.balanceOf(address(this));
    }

    function deposit(uint256 amount) external returns (uint256 shares) {
        uint256 assets = totalAssets();
        shares = totalSupply == 0 || assets == 0 ? amount : amount * totalSupply / assets;
        token.transferFrom(msg.sender, address(this), amount); // the bug: result ignored
        totalSupply += shares;
        balanceOf[msg.sender] += shares;
        emit Transfer(address(0), msg.sender, shares);
    }

    function withdraw(uint256 shares) external returns (uint256 amount) {
        amount = shares * totalAssets() / totalSupply;
        balanceOf[msg.sender] -= shares;
        totalSupply -= shares;
        emit Transfer(msg.sender, address(0), shares);
        require(token.transfer(msg.sender, amount), "StakedShares: transfer failed");
    }
}

/// @title OverflowToken: an ERC-20 with a batch transfer that multiplies without a check.
/// @notice Written for seqguard's scenarios. BUG, as in BeautyChain's BEC `batchTransfer`
/// (April 2018, CVE-2018-10299): `count * value` is computed in an `unchecked` block (here
/// "to save gas"), so two receivers and a value of 2**255 cost the sender nothing while each
/// receiver is credited 2**255 tokens, which are then sold.
contract OverflowToken {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint256 supply) {
        (name, symbol, totalSupply) = (name_, symbol_, supply);
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        allowance[from][msg.sender] -= value;
        _transfer(from, to, value);
        return true;
    }

    function batchTransfer(address[] calldata receivers, uint256 value) external returns (bool) {
        uint256 count = receivers.length;
        uint256 amount;
        unchecked {
            amount = count * value; // the bug: wraps to 0 for 2 * 2**255
        }
        require(count > 0 && count <= 20, "OverflowToken: count");
        require(value > 0 && balanceOf[msg.sender] >= amount, "OverflowToken: balance");
        balanceOf[msg.sender] -= amount;
        for (uint256 i = 0; i < count; i++) {
            balanceOf[receivers[i]] += value;
            emit Transfer(msg.sender, receivers[i], value);
        }
        return true;
    }

    function _transfer(address from, address to, uint256 value) internal {
        require(to != address(0), "OverflowToken: zero address");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
