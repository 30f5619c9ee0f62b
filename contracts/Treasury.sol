// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";

/// @title Treasury: holds a protocol's tokens; the owner pays grants out of it.
/// @notice Written for seqguard's detector tests. BUG: `emergencyWithdraw` forgot its
/// owner check, the missing-access-control class of Rikkei Finance (April 2022) and
/// the Nomad bridge's unchecked `process` (August 2022, $190M).
contract Treasury {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function pay(IERC20 token, address to, uint256 amount) external {
        require(msg.sender == owner, "Treasury: not the owner");
        require(token.transfer(to, amount));
    }

    /// BUG: should be owner-only.
    function emergencyWithdraw(IERC20 token, address to) external {
        require(token.transfer(to, token.balanceOf(address(this))));
    }
}
