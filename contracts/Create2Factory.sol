// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @notice The small contract the factory deploys: it remembers its owner and a value.
contract Child {
    address public owner;
    uint256 public value;

    event Set(uint256 value);

    constructor(address owner_, uint256 value_) payable {
        owner = owner_;
        value = value_;
    }

    function set(uint256 value_) external {
        require(msg.sender == owner, "Child: not owner");
        value = value_;
        emit Set(value_);
    }
}

/// @title Create2Factory: deploys Child contracts at addresses fixed by a salt.
contract Create2Factory {
    uint256 public deployed;

    event Deployed(address addr, bytes32 salt);

    error DeployFailed(bytes32 salt);

    function deploy(bytes32 salt, uint256 value) external payable returns (address addr) {
        bytes memory code = abi.encodePacked(type(Child).creationCode, abi.encode(msg.sender, value));
        uint256 v = msg.value;
        assembly {
            addr := create2(v, add(code, 0x20), mload(code), salt)
        }
        if (addr == address(0)) revert DeployFailed(salt);
        deployed += 1;
        emit Deployed(addr, salt);
    }

    function computeAddress(bytes32 salt, address owner, uint256 value) external view returns (address) {
        bytes32 codeHash = keccak256(abi.encodePacked(type(Child).creationCode, abi.encode(owner, value)));
        bytes32 h = keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, codeHash));
        return address(uint160(uint256(h)));
    }
}
