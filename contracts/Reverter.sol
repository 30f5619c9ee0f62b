// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title Reverter: one function per way a call can fail, and one that succeeds.
contract Reverter {
    uint256 public counter;
    uint256[] public items;

    error Custom(address caller, uint256 code, string why);

    event Ok(address indexed caller, uint256 counter);

    function revertWithReason() external {
        counter += 1; // undone by the revert
        revert("Reverter: reason string");
    }

    function requireFails(uint256 x) external pure returns (uint256) {
        require(x > 100, "Reverter: x too small");
        return x;
    }

    function revertWithCustom(uint256 code) external {
        counter += 1;
        revert Custom(msg.sender, code, "custom error");
    }

    function revertBare() external pure {
        revert();
    }

    /// @dev Panic(0x12): division by zero.
    function panicDivide(uint256 d) external pure returns (uint256) {
        return 100 / d;
    }

    /// @dev Panic(0x01): assert(false).
    function panicAssert() external pure {
        assert(false);
    }

    /// @dev Panic(0x32): array index out of bounds.
    function panicIndex(uint256 i) external view returns (uint256) {
        return items[i];
    }

    /// @dev Panic(0x11): arithmetic overflow.
    function panicOverflow() external {
        unchecked {
            counter = type(uint256).max;
        }
        counter += 1;
    }

    /// @dev Invalid opcode: consumes all gas.
    function invalidOpcode() external pure {
        assembly {
            invalid()
        }
    }

    /// @dev Burns gas in a loop of storage writes until it runs out (for out-of-gas tests).
    function burn(uint256 rounds) external {
        for (uint256 i = 0; i < rounds; i++) {
            items.push(i);
        }
    }

    function succeed() external returns (uint256) {
        counter += 1;
        emit Ok(msg.sender, counter);
        return counter;
    }
}

/// @notice A contract whose constructor always reverts (for failed-creation tests).
contract RevertingConstructor {
    uint256 public x;

    constructor(uint256 x_) {
        x = x_;
        require(x_ == 0, "RevertingConstructor: no");
    }
}
