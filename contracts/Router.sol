// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";

/// @title Router: swaps through Pairs with the caller's approval, plus a multicall.
/// @notice Written for seqguard's detector tests and benchmarks. BUG, as in SushiSwap's
/// RouteProcessor2 (April 2023, $3.3M) and LI.FI (July 2024, about $10M): `multicall`
/// makes any call to any target as the router, so anyone can spend the allowances
/// users gave the router.
contract Router {
    struct Call {
        address target;
        bytes data;
    }

    function swapExactIn(Pair pair, address tokenIn, uint256 amountIn, uint256 minOut, address to)
        external
        returns (uint256 out)
    {
        (uint256 r0, uint256 r1) = pair.getReserves();
        bool zeroIn = tokenIn == pair.token0();
        out = pair.getAmountOut(amountIn, zeroIn ? r0 : r1, zeroIn ? r1 : r0);
        require(out >= minOut, "Router: too little received");
        require(IERC20(tokenIn).transferFrom(msg.sender, address(pair), amountIn));
        pair.swap(zeroIn ? 0 : out, zeroIn ? out : 0, to, "");
    }

    function multicall(Call[] calldata calls) external returns (bytes[] memory results) {
        results = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory result) = calls[i].target.call(calls[i].data);
            require(ok, "Router: call failed");
            results[i] = result;
        }
    }
}
