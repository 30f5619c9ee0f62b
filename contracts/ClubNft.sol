// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

interface IClubNftReceiver {
    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4);
}

/// @title ClubNft: a minimal ERC-721 with a paid public mint and safe-transfer callbacks.
/// @notice Written for seqguard's scenarios (a members' club collection). `mint` checks
/// the price and the supply before minting and calls `onERC721Received` on contract
/// receivers after each token is recorded; the owner withdraws the proceeds.
contract ClubNft {
    string public constant name = "Club";
    string public constant symbol = "CLUB";
    address public immutable owner;
    uint256 public immutable price;
    uint256 public immutable maxSupply;
    uint256 public totalSupply;
    mapping(uint256 => address) public ownerOf;
    mapping(address => uint256) public balanceOf;
    mapping(uint256 => address) public getApproved;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);

    constructor(uint256 price_, uint256 maxSupply_) {
        (owner, price, maxSupply) = (msg.sender, price_, maxSupply_);
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x80ac58cd || id == 0x01ffc9a7; // ERC-721, ERC-165
    }

    function mint(uint256 quantity) external payable {
        require(msg.value == price * quantity, "ClubNft: wrong price");
        require(totalSupply + quantity <= maxSupply, "ClubNft: sold out");
        for (uint256 i = 0; i < quantity; i++) {
            uint256 id = ++totalSupply;
            ownerOf[id] = msg.sender;
            balanceOf[msg.sender] += 1;
            emit Transfer(address(0), msg.sender, id);
            _checkReceiver(address(0), msg.sender, id, "");
        }
    }

    function withdraw() external {
        require(msg.sender == owner, "ClubNft: not the owner");
        (bool ok,) = owner.call{value: address(this).balance}("");
        require(ok, "ClubNft: transfer failed");
    }

    function approve(address to, uint256 id) external {
        address holder = ownerOf[id];
        require(msg.sender == holder || isApprovedForAll[holder][msg.sender], "ClubNft: not allowed");
        getApproved[id] = to;
        emit Approval(holder, to, id);
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function transferFrom(address from, address to, uint256 id) public {
        require(ownerOf[id] == from && to != address(0), "ClubNft: bad transfer");
        require(
            msg.sender == from || getApproved[id] == msg.sender || isApprovedForAll[from][msg.sender],
            "ClubNft: not allowed"
        );
        delete getApproved[id];
        ownerOf[id] = to;
        balanceOf[from] -= 1;
        balanceOf[to] += 1;
        emit Transfer(from, to, id);
    }

    function safeTransferFrom(address from, address to, uint256 id) external {
        transferFrom(from, to, id);
        _checkReceiver(from, to, id, "");
    }

    function _checkReceiver(address from, address to, uint256 id, bytes memory data) internal {
        if (to.code.length == 0) return;
        bytes4 answer = IClubNftReceiver(to).onERC721Received(msg.sender, from, id, data);
        require(answer == IClubNftReceiver.onERC721Received.selector, "ClubNft: receiver refused");
    }
}

/// @title ClubMinter: a collector's contract that mints several ClubNft at once and hands
/// each one to its owner from the receive hook.
/// @notice Written for seqguard's scenarios: the hook calls back into the collection in
/// the middle of its `mint`, a benign re-entry (it moves the token just received).
contract ClubMinter is IClubNftReceiver {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function mintMany(ClubNft nft, uint256 quantity) external payable {
        require(msg.sender == owner, "ClubMinter: not the owner");
        nft.mint{value: msg.value}(quantity);
    }

    function onERC721Received(address, address, uint256 tokenId, bytes calldata) external returns (bytes4) {
        ClubNft(msg.sender).transferFrom(address(this), owner, tokenId);
        return IClubNftReceiver.onERC721Received.selector;
    }
}
