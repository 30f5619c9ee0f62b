// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

interface IERC20 {
    function totalSupply() external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function approve(address spender, uint256 value) external returns (bool);
}

/// Called by Pair.swap when `data` is not empty: the tokens are already sent, pay before returning.
interface IFlashSwapCallee {
    function onFlashSwap(address sender, uint256 amount0Out, uint256 amount1Out, bytes calldata data)
        external;
}

/// Called by TokenVault.flashLoan: the loan is already sent, return it plus the fee.
interface IFlashBorrower {
    function onFlashLoan(address initiator, uint256 amount, uint256 fee, bytes calldata data)
        external;
}
