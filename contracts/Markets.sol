// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";

/// @title LpPair: a Pair whose liquidity can be withdrawn, and whose stray balances can
/// be skimmed, as Uniswap v2's `burn` and `skim`.
/// @notice Written for seqguard's scenarios (liquidity providers, keepers).
contract LpPair is Pair {
    event Burn(address indexed from, uint256 amount0, uint256 amount1, address indexed to);

    constructor(address tokenA, address tokenB) Pair(tokenA, tokenB) {}

    /// Burns `liquidity` of the caller's share and sends it its part of both balances.
    function burn(uint256 liquidity, address to) external lock returns (uint256 amount0, uint256 amount1) {
        uint256 b0 = IERC20(token0).balanceOf(address(this));
        uint256 b1 = IERC20(token1).balanceOf(address(this));
        amount0 = liquidity * b0 / totalLiquidity;
        amount1 = liquidity * b1 / totalLiquidity;
        require(amount0 > 0 && amount1 > 0, "LpPair: nothing to burn");
        liquidityOf[msg.sender] -= liquidity;
        totalLiquidity -= liquidity;
        require(IERC20(token0).transfer(to, amount0));
        require(IERC20(token1).transfer(to, amount1));
        _update(b0 - amount0, b1 - amount1);
        emit Burn(msg.sender, amount0, amount1, to);
    }

    /// Sends whatever the pool holds beyond its reserves (tokens sent to it by mistake) to `to`.
    function skim(address to) external lock {
        uint256 extra0 = IERC20(token0).balanceOf(address(this)) - reserve0;
        uint256 extra1 = IERC20(token1).balanceOf(address(this)) - reserve1;
        if (extra0 > 0) require(IERC20(token0).transfer(to, extra0));
        if (extra1 > 0) require(IERC20(token1).transfer(to, extra1));
    }
}

/// @title LiquidityRouter: adds liquidity to a Pair from the caller's approval in one call.
contract LiquidityRouter {
    function addLiquidity(Pair pair, uint256 amount0, uint256 amount1) external returns (uint256) {
        require(IERC20(pair.token0()).transferFrom(msg.sender, address(pair), amount0));
        require(IERC20(pair.token1()).transferFrom(msg.sender, address(pair), amount1));
        return pair.mint(msg.sender);
    }
}

/// @title RouteAggregator: a DEX aggregator's multi-hop swap, each hop's output sent
/// straight into the next pool, as 1inch or Paraswap route through Uniswap v2 pairs.
contract RouteAggregator {
    function swapRoute(Pair[] calldata pairs, address tokenIn, uint256 amountIn, uint256 minOut, address to)
        external
        returns (uint256 out)
    {
        require(IERC20(tokenIn).transferFrom(msg.sender, address(pairs[0]), amountIn));
        (address token, uint256 amount) = (tokenIn, amountIn);
        for (uint256 i = 0; i < pairs.length; i++) {
            Pair pair = pairs[i];
            (uint256 r0, uint256 r1) = pair.getReserves();
            bool zeroIn = token == pair.token0();
            amount = pair.getAmountOut(amount, zeroIn ? r0 : r1, zeroIn ? r1 : r0);
            address next = i + 1 < pairs.length ? address(pairs[i + 1]) : to;
            pair.swap(zeroIn ? 0 : amount, zeroIn ? amount : 0, next, "");
            token = zeroIn ? pair.token1() : pair.token0();
        }
        require(amount >= minOut, "RouteAggregator: too little received");
        return amount;
    }
}

/// @title YieldAggregator: a yVault-style share vault whose keeper farms by providing
/// liquidity to a Pair; shares are redeemed from the idle buffer.
/// @notice Written for seqguard's scenarios. BUG, as Harvest Finance's fUSDC vault
/// (October 2020, $34M), Value DeFi's MultiStables vault (November 2020, $7.4M) and
/// Yearn's yDAI vault (February 2021, $11M): the LP position is valued at the pool's
/// spot reserves, so whoever moves the pool inside a transaction moves the share
/// price, and deposits and redemptions settle at it.
contract YieldAggregator {
    IERC20 public immutable asset;
    Pair public immutable pool;
    address public immutable keeper;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(IERC20 asset_, Pair pool_) {
        (asset, pool, keeper) = (asset_, pool_, msg.sender);
    }

    /// Idle assets plus the LP position, its other token valued at the spot price.
    function totalAssets() public view returns (uint256) {
        uint256 idle = asset.balanceOf(address(this));
        uint256 lp = pool.liquidityOf(address(this));
        if (lp == 0) return idle;
        (uint256 r0, uint256 r1) = pool.getReserves();
        uint256 reserve = pool.token0() == address(asset) ? r0 : r1;
        return idle + 2 * reserve * lp / pool.totalLiquidity(); // the bug: spot, not fair, value
    }

    function deposit(uint256 assets) external returns (uint256 shares) {
        uint256 supply = totalSupply;
        shares = supply == 0 ? assets : assets * supply / totalAssets();
        require(shares > 0, "YieldAggregator: zero shares");
        require(asset.transferFrom(msg.sender, address(this), assets));
        totalSupply = supply + shares;
        balanceOf[msg.sender] += shares;
        emit Transfer(address(0), msg.sender, shares);
    }

    function redeem(uint256 shares) external returns (uint256 assets) {
        assets = shares * totalAssets() / totalSupply;
        require(assets <= asset.balanceOf(address(this)), "YieldAggregator: buffer too small");
        balanceOf[msg.sender] -= shares;
        totalSupply -= shares;
        emit Transfer(msg.sender, address(0), shares);
        require(asset.transfer(msg.sender, assets));
    }

    /// Keeper: swap half of `assets` for the pool's other token and add both as liquidity.
    function invest(uint256 assets) external {
        require(msg.sender == keeper, "YieldAggregator: keeper only");
        bool zeroIn = pool.token0() == address(asset);
        IERC20 other = IERC20(zeroIn ? pool.token1() : pool.token0());
        (uint256 r0, uint256 r1) = pool.getReserves();
        uint256 half = assets / 2;
        uint256 bought = pool.getAmountOut(half, zeroIn ? r0 : r1, zeroIn ? r1 : r0);
        require(asset.transfer(address(pool), half));
        pool.swap(zeroIn ? 0 : bought, zeroIn ? bought : 0, address(this), "");
        (r0, r1) = pool.getReserves();
        uint256 matched = bought * (zeroIn ? r0 : r1) / (zeroIn ? r1 : r0);
        require(asset.transfer(address(pool), matched));
        require(other.transfer(address(pool), bought));
        pool.mint(address(this));
    }
}

/// @title BalanceOracleLending: borrow one token against another, priced by the ratio of
/// a pool's token balances.
/// @notice Written for seqguard's scenarios. BUG, as Zunami Protocol (August 2023, $2.1M)
/// and ElasticSwap (December 2022): the price is read from `balanceOf(pool)` rather than
/// the pool's reserves, so a plain transfer to the pool (a "donation") moves it without
/// a swap, and a Uniswap-v2-style pool even lets the donor swap the donation back out.
contract BalanceOracleLending {
    IERC20 public immutable collateral;
    IERC20 public immutable debtToken;
    address public immutable pool;
    uint256 public constant LTV_PERCENT = 75;

    mapping(address => uint256) public collateralOf;
    mapping(address => uint256) public debtOf;

    event Borrow(address indexed who, uint256 amount);

    constructor(IERC20 collateral_, IERC20 debtToken_, address pool_) {
        (collateral, debtToken, pool) = (collateral_, debtToken_, pool_);
    }

    /// Debt tokens per 1e18 units of collateral, from the pool's balances.
    function price() public view returns (uint256) {
        return debtToken.balanceOf(pool) * 1e18 / collateral.balanceOf(pool);
    }

    function maxDebt(address who) public view returns (uint256) {
        return collateralOf[who] * price() / 1e18 * LTV_PERCENT / 100;
    }

    function deposit(uint256 amount) external {
        require(collateral.transferFrom(msg.sender, address(this), amount));
        collateralOf[msg.sender] += amount;
    }

    function borrow(uint256 amount) external {
        debtOf[msg.sender] += amount;
        require(debtOf[msg.sender] <= maxDebt(msg.sender), "BalanceOracleLending: undercollateralized");
        require(debtToken.transfer(msg.sender, amount));
        emit Borrow(msg.sender, amount);
    }

    function repay(uint256 amount) external {
        require(debtToken.transferFrom(msg.sender, address(this), amount));
        debtOf[msg.sender] -= amount;
    }
}

/// @title RoundingVault: an ERC-4626-style vault whose `withdraw` rounds the shares it
/// burns down.
/// @notice Written for seqguard's scenarios. BUG, the rounding class of Hundred Finance
/// (April 2023, `redeemUnderlying`), Raft (November 2023) and Wise Lending (January
/// 2024): assets are converted to shares rounding down where ERC-4626 says round up,
/// so once a share is worth a lot (a new market whose rate a donation inflated) each
/// call takes up to a share's worth of assets for nothing, and a loop repeats it.
contract RoundingVault {
    IERC20 public immutable asset;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(IERC20 asset_) {
        asset = asset_;
    }

    function totalAssets() public view returns (uint256) {
        return asset.balanceOf(address(this));
    }

    function maxWithdraw(address owner) public view returns (uint256) {
        return totalSupply == 0 ? 0 : balanceOf[owner] * totalAssets() / totalSupply;
    }

    function deposit(uint256 assets) external returns (uint256 shares) {
        uint256 supply = totalSupply;
        shares = supply == 0 ? assets : assets * supply / totalAssets();
        require(shares > 0, "RoundingVault: zero shares");
        require(asset.transferFrom(msg.sender, address(this), assets));
        totalSupply = supply + shares;
        balanceOf[msg.sender] += shares;
        emit Transfer(address(0), msg.sender, shares);
    }

    function withdraw(uint256 assets) external returns (uint256 shares) {
        require(assets <= maxWithdraw(msg.sender), "RoundingVault: more than owned");
        shares = assets * totalSupply / totalAssets(); // the bug: must round up
        balanceOf[msg.sender] -= shares;
        totalSupply -= shares;
        emit Transfer(msg.sender, address(0), shares);
        require(asset.transfer(msg.sender, assets));
    }
}

/// @title RewardsPool: a staking-rewards pool in the OpenZeppelin 5 storage layout
/// (ERC-7201 slots for Ownable and Initializable), set up by `initialize`.
/// @notice Written for seqguard's scenarios. BUG, as Punk Protocol (August 2021, $8.9M,
/// an unguarded `initialize` on funded, freshly launched contracts): `initialize` has no
/// access check, and the team deploys, funds and initializes in separate transactions;
/// whoever calls it first owns the pool, and the owner may recover any token from it.
contract RewardsPool {
    bytes32 private constant OWNABLE = 0x9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c199300;
    bytes32 private constant INITIALIZABLE = 0xf0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00;

    IERC20 public rewardToken;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    function owner() public view returns (address o) {
        bytes32 slot = OWNABLE;
        assembly {
            o := sload(slot)
        }
    }

    function initialize(address owner_, IERC20 rewardToken_) external {
        bytes32 init = INITIALIZABLE;
        bytes32 own = OWNABLE;
        uint256 done;
        assembly {
            done := sload(init)
        }
        require(done == 0, "RewardsPool: already initialized"); // the bug: no check on the caller
        assembly {
            sstore(init, 1)
            sstore(own, owner_)
        }
        rewardToken = rewardToken_;
        emit OwnershipTransferred(address(0), owner_);
    }

    /// Owner: take back tokens sent here by mistake (or, here, the rewards).
    function recoverERC20(IERC20 token, address to, uint256 amount) external {
        require(msg.sender == owner(), "RewardsPool: not the owner");
        require(token.transfer(to, amount));
    }
}
