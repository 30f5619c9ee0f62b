// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashBorrower} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";
import {TokenVault} from "./TokenVault.sol";
import {swapThrough} from "./Attackers.sol";

/// @title FlashArbitrage: a flash loan closing a price gap between two pools, repaid with fee.
/// @notice The benign twin of the flash-loan attacks, written for seqguard's tests:
/// borrow, buy where the token is cheap, sell where it is dear, repay, keep the spread.
contract FlashArbitrage is IFlashBorrower {
    TokenVault public immutable vault;
    address private immutable owner;

    constructor(TokenVault vault_) {
        (vault, owner) = (vault_, msg.sender);
    }

    function run(Pair cheap, Pair dear, address other, uint256 loan) external {
        vault.flashLoan(loan, this, abi.encode(cheap, dear, other));
        IERC20 asset = vault.asset();
        require(asset.transfer(owner, asset.balanceOf(address(this))));
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata data) external {
        (Pair cheap, Pair dear, address other) = abi.decode(data, (Pair, Pair, address));
        address asset = address(vault.asset());
        uint256 bought = swapThrough(cheap, asset, amount, address(this));
        swapThrough(dear, other, bought, address(this));
        require(IERC20(asset).transfer(address(vault), amount + fee), "FlashArbitrage: no profit");
    }
}

/// @title BatchPayer: pays many recipients from the caller's approval in one transaction.
/// @notice A benign contract that makes many external calls right after deployment.
contract BatchPayer {
    function pay(IERC20 token, address[] calldata recipients, uint256 amount) external {
        for (uint256 i = 0; i < recipients.length; i++) {
            require(token.transferFrom(msg.sender, recipients[i], amount));
        }
    }
}
