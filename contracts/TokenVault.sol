// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashBorrower} from "./Interfaces.sol";

/// @title TokenVault: an ERC-20 vault with transferable shares and flash loans.
/// @notice Written for seqguard's detector tests. Shares are minted 1:1 on the first
/// deposit and pro rata after; flash-loan fees raise the value of every share, so
/// `totalAssets() >= totalSupply()` holds as long as the books are right.
/// BUG, as in DFX Finance (November 2022, about $7.5M): `flashLoan` checks repayment
/// by the vault's token balance, so a borrower that deposits the loan back during
/// the callback "repays" it and is credited shares for it as well.
contract TokenVault {
    IERC20 public immutable asset;
    string public name;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    uint256 public constant FLASH_FEE_BPS = 9;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Deposit(address indexed who, uint256 assets, uint256 shares);
    event Withdraw(address indexed who, uint256 assets, uint256 shares);
    event FlashLoan(address indexed receiver, uint256 amount, uint256 fee);

    constructor(IERC20 asset_, string memory name_) {
        asset = asset_;
        name = name_;
    }

    function totalAssets() public view returns (uint256) {
        return asset.balanceOf(address(this));
    }

    function deposit(uint256 assets) external returns (uint256 shares) {
        uint256 supply = totalSupply;
        shares = supply == 0 ? assets : assets * supply / totalAssets();
        require(shares > 0, "TokenVault: zero shares");
        require(asset.transferFrom(msg.sender, address(this), assets));
        totalSupply = supply + shares;
        balanceOf[msg.sender] += shares;
        emit Transfer(address(0), msg.sender, shares);
        emit Deposit(msg.sender, assets, shares);
    }

    function redeem(uint256 shares) external returns (uint256 assets) {
        assets = shares * totalAssets() / totalSupply;
        balanceOf[msg.sender] -= shares;
        totalSupply -= shares;
        emit Transfer(msg.sender, address(0), shares);
        require(asset.transfer(msg.sender, assets));
        emit Withdraw(msg.sender, assets, shares);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }

    function flashFee(uint256 amount) public pure returns (uint256) {
        return amount * FLASH_FEE_BPS / 10_000;
    }

    function flashLoan(uint256 amount, IFlashBorrower receiver, bytes calldata data) external {
        uint256 before = totalAssets();
        uint256 fee = flashFee(amount);
        require(asset.transfer(address(receiver), amount));
        receiver.onFlashLoan(msg.sender, amount, fee, data);
        // the bug: a deposit made during the callback also passes this check
        require(totalAssets() >= before + fee, "TokenVault: loan not repaid");
        emit FlashLoan(address(receiver), amount, fee);
    }
}
