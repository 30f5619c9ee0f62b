// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IERC20, IFlashSwapCallee} from "./Interfaces.sol";
import {Pair} from "./Amm.sol";
import {swapThrough} from "./Attackers.sol";

/// Called by HookToken on a recipient that registered for it, after the balances moved.
interface IHookRecipient {
    function tokensReceived(address operator, address from, address to, uint256 amount) external;
}

/// Called by ArtNft.safeTransferFrom on a contract recipient (ERC-721's onERC721Received).
interface IArtReceiver {
    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4);
}

/// @title HookToken: an ERC-20 that calls the recipient's `tokensReceived` hook after each
/// transfer, as ERC-777 tokens (imBTC) and AMP do through the ERC-1820 registry.
/// @notice Written for seqguard's scenarios. An account opts in with `registerHook`.
contract HookToken {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => bool) public hasHook;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint256 supply) {
        (name, symbol, totalSupply) = (name_, symbol_, supply);
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function registerHook(bool on) external {
        hasHook[msg.sender] = on;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        if (allowance[from][msg.sender] != type(uint256).max) allowance[from][msg.sender] -= value;
        _transfer(from, to, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) internal {
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
        // the recipient runs code here, in the middle of the caller's own call
        if (hasHook[to]) IHookRecipient(to).tokensReceived(msg.sender, from, to, value);
    }
}

/// @title HookLending: a Compound-style market: post collateral, borrow any listed token
/// against it at the team's prices.
/// @notice Written for seqguard's scenarios. BUG, as Cream Finance (August 2021, $18.8M,
/// through AMP's transfer hook) and Omni Protocol (July 2022, through ERC-721's
/// onERC721Received): `borrow` sends the tokens before it records the debt, so a token
/// with a transfer hook hands the borrower control in between; re-entered, `borrow`
/// sees the old debt and lends again against the same collateral. The cash it lends is
/// its suppliers' (their accounting is left out).
contract HookLending {
    address public immutable owner;
    IERC20 public immutable collateral; // worth 1e18 units of account per 1e18
    uint256 public constant LTV_PERCENT = 75;
    address[] public markets;
    mapping(address => uint256) public priceOf; // units of account per 1e18 of the token
    mapping(address => uint256) public collateralOf;
    mapping(address => mapping(address => uint256)) public debtOf;

    event Borrow(address indexed who, address indexed token, uint256 amount);

    constructor(IERC20 collateral_) {
        (owner, collateral) = (msg.sender, collateral_);
    }

    function list(address token, uint256 price) external {
        require(msg.sender == owner, "HookLending: not the owner");
        require(priceOf[token] == 0 && price > 0, "HookLending: bad listing");
        priceOf[token] = price;
        markets.push(token);
    }

    function debtValue(address who) public view returns (uint256 value) {
        for (uint256 i = 0; i < markets.length; i++) {
            value += debtOf[who][markets[i]] * priceOf[markets[i]] / 1e18;
        }
    }

    function maxDebt(address who) public view returns (uint256) {
        return collateralOf[who] * LTV_PERCENT / 100;
    }

    function deposit(uint256 amount) external {
        require(collateral.transferFrom(msg.sender, address(this), amount));
        collateralOf[msg.sender] += amount;
    }

    function borrow(address token, uint256 amount) external {
        require(priceOf[token] > 0, "HookLending: not listed");
        uint256 value = amount * priceOf[token] / 1e18;
        require(debtValue(msg.sender) + value <= maxDebt(msg.sender), "HookLending: undercollateralized");
        require(IERC20(token).transfer(msg.sender, amount)); // the bug: pays before it books
        debtOf[msg.sender][token] += amount;
        emit Borrow(msg.sender, token, amount);
    }

    function repay(address token, uint256 amount) external {
        require(IERC20(token).transferFrom(msg.sender, address(this), amount));
        debtOf[msg.sender][token] -= amount;
    }
}

/// @title HookForwarder: a wallet that forwards every HookToken it receives to its owner's
/// cold address from the token's hook; the benign twin of a hook that re-enters.
contract HookForwarder is IHookRecipient {
    address public immutable owner;
    address public immutable cold;
    HookToken public immutable token;

    constructor(HookToken token_, address cold_) {
        (owner, token, cold) = (msg.sender, token_, cold_);
        token_.registerHook(true);
    }

    function borrow(HookLending lending, uint256 collateral, uint256 amount) external {
        require(msg.sender == owner, "HookForwarder: owner only");
        IERC20 col = lending.collateral();
        require(col.transferFrom(msg.sender, address(this), collateral));
        col.approve(address(lending), collateral);
        lending.deposit(collateral);
        lending.borrow(address(token), amount);
    }

    function tokensReceived(address, address, address, uint256 amount) external {
        if (msg.sender == address(token)) require(token.transfer(cold, amount));
    }
}

/// @title FlashSwapArb: closes a price gap between two Pairs with a flash swap: take a
/// token from the cheap pool, sell it in the dear one, repay the cheap pool in its other
/// token out of the proceeds and keep the rest.
/// @notice Written for seqguard's scenarios. The callback only pays a pool this contract
/// itself is borrowing from, for a swap it started.
contract FlashSwapArb is IFlashSwapCallee {
    address public immutable owner;
    address private borrowingFrom; // the pool of the run in progress

    constructor() {
        owner = msg.sender;
    }

    function run(Pair cheap, Pair dear, address token, uint256 amount) external {
        require(msg.sender == owner, "FlashSwapArb: owner only");
        bool zeroOut = cheap.token0() == token;
        address repayToken = zeroOut ? cheap.token1() : cheap.token0();
        (uint256 r0, uint256 r1) = cheap.getReserves();
        (uint256 rIn, uint256 rOut) = zeroOut ? (r1, r0) : (r0, r1);
        uint256 repay = rIn * amount * 1000 / ((rOut - amount) * 997) + 1; // Uniswap v2's getAmountIn
        uint256 before = IERC20(repayToken).balanceOf(address(this));
        borrowingFrom = address(cheap);
        cheap.swap(zeroOut ? amount : 0, zeroOut ? 0 : amount, address(this), abi.encode(dear, token, repayToken, repay));
        borrowingFrom = address(0);
        uint256 afterwards = IERC20(repayToken).balanceOf(address(this));
        require(afterwards > before, "FlashSwapArb: no profit");
        require(IERC20(repayToken).transfer(owner, afterwards - before));
    }

    function onFlashSwap(address sender, uint256 amount0Out, uint256 amount1Out, bytes calldata data) external {
        _authorize(sender);
        (Pair dear, address token, IERC20 repayToken, uint256 repay) = abi.decode(data, (Pair, address, IERC20, uint256));
        uint256 got = amount0Out + amount1Out;
        if (got > 0) swapThrough(dear, token, got, address(this));
        require(repayToken.transfer(msg.sender, repay));
    }

    function _authorize(address sender) internal view virtual {
        require(msg.sender == borrowingFrom && sender == address(this), "FlashSwapArb: unexpected callback");
    }
}

/// @title LooseFlashSwapArb: the same bot without the callback check.
/// @notice Written for seqguard's scenarios. BUG, as the MEV bot 0xbaDc0dE (September
/// 2022, 1,101 ETH, an unchecked dYdX `callFunction`) and many bots drained through
/// `uniswapV2Call`/`pancakeCall`: anyone may call `onFlashSwap` directly, with no swap
/// behind it, and have the bot "repay" any amount of its inventory to the caller.
contract LooseFlashSwapArb is FlashSwapArb {
    function _authorize(address) internal view override {}
}

/// @title ArtNft: a minimal ERC-721 the team mints, with safe transfers.
contract ArtNft {
    address public immutable minter;
    mapping(uint256 => address) public ownerOf;
    mapping(address => uint256) public balanceOf;
    mapping(uint256 => address) public getApproved;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);

    constructor() {
        minter = msg.sender;
    }

    function mint(address to, uint256 id) external {
        require(msg.sender == minter && ownerOf[id] == address(0), "ArtNft: cannot mint");
        ownerOf[id] = to;
        balanceOf[to] += 1;
        emit Transfer(address(0), to, id);
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function transferFrom(address from, address to, uint256 id) public {
        require(ownerOf[id] == from && to != address(0), "ArtNft: bad transfer");
        require(msg.sender == from || getApproved[id] == msg.sender || isApprovedForAll[from][msg.sender],
            "ArtNft: not allowed");
        delete getApproved[id];
        ownerOf[id] = to;
        balanceOf[from] -= 1;
        balanceOf[to] += 1;
        emit Transfer(from, to, id);
    }

    function safeTransferFrom(address from, address to, uint256 id) external {
        transferFrom(from, to, id);
        if (to.code.length > 0) {
            bytes4 answer = IArtReceiver(to).onERC721Received(msg.sender, from, id, "");
            require(answer == IArtReceiver.onERC721Received.selector, "ArtNft: receiver refused");
        }
    }
}

/// @title NftBazaar: fixed-price NFT sales paid in ETH; the seller keeps the NFT until sold
/// (the bazaar is approved) and is paid at once, minus a 2.5% fee.
contract NftBazaar {
    struct Listing {
        address seller;
        uint256 price;
    }

    address public immutable owner;
    mapping(address => mapping(uint256 => Listing)) public listings;

    event Sale(address indexed nft, uint256 indexed id, address seller, address buyer, uint256 price);

    constructor() {
        owner = msg.sender;
    }

    function list(ArtNft nft, uint256 id, uint256 price) external {
        require(nft.ownerOf(id) == msg.sender, "NftBazaar: not yours");
        listings[address(nft)][id] = Listing(msg.sender, price);
    }

    function buy(ArtNft nft, uint256 id) external payable {
        Listing memory l = listings[address(nft)][id];
        require(l.price > 0 && msg.value == l.price, "NftBazaar: wrong price");
        delete listings[address(nft)][id];
        nft.safeTransferFrom(l.seller, msg.sender, id);
        (bool ok,) = l.seller.call{value: l.price * 975 / 1000}("");
        require(ok, "NftBazaar: seller not paid");
    }
}

/// @title NftWallet: a smart-contract wallet that buys NFTs and keeps an inventory of them
/// from the ERC-721 receive hook.
contract NftWallet is IArtReceiver {
    address public immutable owner;
    uint256 public received;

    event Received(address indexed nft, uint256 indexed id, address from);

    constructor() {
        owner = msg.sender;
    }

    function buy(NftBazaar bazaar, ArtNft nft, uint256 id) external payable {
        require(msg.sender == owner, "NftWallet: owner only");
        bazaar.buy{value: msg.value}(nft, id);
        require(nft.ownerOf(id) == address(this), "NftWallet: not delivered");
    }

    function onERC721Received(address, address from, uint256 id, bytes calldata) external returns (bytes4) {
        received += 1;
        emit Received(msg.sender, id, from);
        return IArtReceiver.onERC721Received.selector;
    }
}
