// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashSwapCallee} from "./Interfaces.sol";

/// @title Pair: a constant-product pool of two ERC-20 tokens with flash swaps, in the
/// style of Uniswap v2 (0.3% fee, reserves synced after each swap).
/// @notice Written for seqguard's detector tests and benchmarks. Liquidity shares are
/// kept as a plain mapping; there is no LP token.
contract Pair {
    address public immutable token0;
    address public immutable token1;
    uint256 internal reserve0;
    uint256 internal reserve1;
    uint256 public totalLiquidity;
    mapping(address => uint256) public liquidityOf;
    bool private locked;

    event Mint(address indexed to, uint256 amount0, uint256 amount1, uint256 liquidity);
    event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out,
        uint256 amount1Out, address indexed to);
    event Sync(uint256 reserve0, uint256 reserve1);

    modifier lock() {
        require(!locked, "Pair: locked");
        locked = true;
        _;
        locked = false;
    }

    constructor(address tokenA, address tokenB) {
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
    }

    function getReserves() external view returns (uint256, uint256) {
        return (reserve0, reserve1);
    }

    /// Uniswap v2's output for an exact input, 0.3% fee.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut)
        public
        pure
        returns (uint256)
    {
        uint256 inWithFee = amountIn * 997;
        return inWithFee * reserveOut / (reserveIn * 1000 + inWithFee);
    }

    /// Liquidity for the tokens sent to the pool since the last sync.
    function mint(address to) external lock returns (uint256 liquidity) {
        uint256 b0 = IERC20(token0).balanceOf(address(this));
        uint256 b1 = IERC20(token1).balanceOf(address(this));
        uint256 a0 = b0 - reserve0;
        uint256 a1 = b1 - reserve1;
        if (totalLiquidity == 0) {
            liquidity = _sqrt(a0 * a1);
        } else {
            uint256 l0 = a0 * totalLiquidity / reserve0;
            uint256 l1 = a1 * totalLiquidity / reserve1;
            liquidity = l0 < l1 ? l0 : l1;
        }
        require(liquidity > 0, "Pair: no liquidity");
        totalLiquidity += liquidity;
        liquidityOf[to] += liquidity;
        _update(b0, b1);
        emit Mint(to, a0, a1, liquidity);
    }

    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data)
        external
        lock
    {
        require(amount0Out > 0 || amount1Out > 0, "Pair: nothing out");
        (uint256 r0, uint256 r1) = (reserve0, reserve1);
        require(amount0Out < r0 && amount1Out < r1, "Pair: not enough liquidity");
        if (amount0Out > 0) require(IERC20(token0).transfer(to, amount0Out));
        if (amount1Out > 0) require(IERC20(token1).transfer(to, amount1Out));
        if (data.length > 0) IFlashSwapCallee(to).onFlashSwap(msg.sender, amount0Out, amount1Out, data);
        uint256 b0 = IERC20(token0).balanceOf(address(this));
        uint256 b1 = IERC20(token1).balanceOf(address(this));
        uint256 in0 = b0 > r0 - amount0Out ? b0 - (r0 - amount0Out) : 0;
        uint256 in1 = b1 > r1 - amount1Out ? b1 - (r1 - amount1Out) : 0;
        require(in0 > 0 || in1 > 0, "Pair: nothing in");
        _checkK(b0, b1, in0, in1, r0, r1);
        _update(b0, b1);
        emit Swap(msg.sender, in0, in1, amount0Out, amount1Out, to);
    }

    function sync() external lock {
        _update(IERC20(token0).balanceOf(address(this)), IERC20(token1).balanceOf(address(this)));
    }

    function _checkK(uint256 b0, uint256 b1, uint256 in0, uint256 in1, uint256 r0, uint256 r1)
        internal
        pure
        virtual
    {
        uint256 adjusted0 = b0 * 1000 - in0 * 3;
        uint256 adjusted1 = b1 * 1000 - in1 * 3;
        require(adjusted0 * adjusted1 >= r0 * r1 * 1000 ** 2, "Pair: K");
    }

    function _update(uint256 b0, uint256 b1) internal {
        (reserve0, reserve1) = (b0, b1);
        emit Sync(b0, b1);
    }

    function _sqrt(uint256 y) internal pure returns (uint256 z) {
        if (y > 3) {
            z = y;
            uint256 x = y / 2 + 1;
            while (x < z) {
                (z, x) = (x, (y / x + x) / 2);
            }
        } else if (y != 0) {
            z = 1;
        }
    }
}

/// @title LeakyPair: a Pair whose invariant check mixes two fee scales.
/// @notice BUG, as in Uranium Finance (April 2021, about $50M): the balances are scaled
/// by 10,000 for the fee but the reserves by 1,000**2, so the check passes for swaps
/// that take almost all of a reserve for almost nothing.
contract LeakyPair is Pair {
    constructor(address tokenA, address tokenB) Pair(tokenA, tokenB) {}

    function _checkK(uint256 b0, uint256 b1, uint256 in0, uint256 in1, uint256 r0, uint256 r1)
        internal
        pure
        override
    {
        uint256 adjusted0 = b0 * 10000 - in0 * 16;
        uint256 adjusted1 = b1 * 10000 - in1 * 16;
        require(adjusted0 * adjusted1 >= r0 * r1 * 1000 ** 2, "Pair: K");
    }
}
