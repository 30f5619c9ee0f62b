// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";

/// @title SpotLending: borrow one token against another, priced by a Pair's spot reserves.
/// @notice Written for seqguard's detector tests. BUG, as in Harvest Finance (October
/// 2020, $34M), Cheese Bank (November 2020) and Inverse Finance (April 2022): the
/// collateral is valued at the pool's current reserves, which anyone with enough
/// capital (a flash loan) can move within one transaction.
contract SpotLending {
    IERC20 public immutable collateral;
    IERC20 public immutable debtToken;
    Pair public immutable pair;
    uint256 public constant LTV_PERCENT = 75;

    mapping(address => uint256) public collateralOf;
    mapping(address => uint256) public debtOf;
    uint256 public totalDebt;

    event Deposit(address indexed who, uint256 amount);
    event Borrow(address indexed who, uint256 amount);
    event Repay(address indexed who, uint256 amount);

    constructor(IERC20 collateral_, IERC20 debtToken_, Pair pair_) {
        collateral = collateral_;
        debtToken = debtToken_;
        pair = pair_;
    }

    /// Debt tokens per 1e18 units of collateral, from the pool's spot reserves.
    function price() public view returns (uint256) {
        (uint256 r0, uint256 r1) = pair.getReserves();
        return pair.token0() == address(collateral) ? r1 * 1e18 / r0 : r0 * 1e18 / r1;
    }

    function maxDebt(address who) public view returns (uint256) {
        return collateralOf[who] * price() / 1e18 * LTV_PERCENT / 100;
    }

    function deposit(uint256 amount) external {
        require(collateral.transferFrom(msg.sender, address(this), amount));
        collateralOf[msg.sender] += amount;
        emit Deposit(msg.sender, amount);
    }

    function borrow(uint256 amount) external {
        debtOf[msg.sender] += amount;
        totalDebt += amount;
        require(debtOf[msg.sender] <= maxDebt(msg.sender), "SpotLending: undercollateralized");
        require(debtToken.transfer(msg.sender, amount));
        emit Borrow(msg.sender, amount);
    }

    function repay(uint256 amount) external {
        require(debtToken.transferFrom(msg.sender, address(this), amount));
        debtOf[msg.sender] -= amount;
        totalDebt -= amount;
        emit Repay(msg.sender, amount);
    }
}
