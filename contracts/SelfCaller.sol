// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title SelfCaller: a contract that calls itself a lot.
/// @notice Deep recursion through external calls, loops of self-calls, and an inner
/// frame that reverts and is caught with try/catch.
contract SelfCaller {
    mapping(uint256 => uint256) public levelValue;
    uint256 public calls;
    uint256 public caught;
    bytes public lastError;

    event Level(uint256 indexed depth, uint256 value);
    event Caught(uint256 indexed depth, string reason);

    error TooDeep(uint256 depth);

    /// @notice Recurses `depth` levels through external calls to itself, writing storage at each level.
    function recurse(uint256 depth, uint256 seed) external returns (uint256) {
        calls += 1;
        levelValue[depth] = seed + depth;
        emit Level(depth, seed + depth);
        if (depth == 0) {
            return seed;
        }
        return this.recurse(depth - 1, seed) + 1;
    }

    /// @notice Makes `n` separate self-calls in a loop.
    function loop(uint256 n, uint256 seed) external returns (uint256 sum) {
        for (uint256 i = 0; i < n; i++) {
            sum += this.step(i, seed);
        }
    }

    function step(uint256 i, uint256 seed) external returns (uint256) {
        require(msg.sender == address(this), "SelfCaller: only self");
        calls += 1;
        levelValue[1000 + i] = seed ^ i;
        return i;
    }

    /// @notice Recurses `depth` levels, the innermost frame reverts, and the frame at
    /// `catchAt` catches the revert with try/catch; storage written below it is undone.
    function recurseAndCatch(uint256 depth, uint256 catchAt) external returns (uint256) {
        calls += 1;
        levelValue[5000 + depth] = depth;
        if (depth == 0) {
            revert("SelfCaller: bottom reached");
        }
        if (depth == catchAt) {
            try this.recurseAndCatch(depth - 1, catchAt) returns (uint256 r) {
                return r;
            } catch Error(string memory reason) {
                caught += 1;
                lastError = bytes(reason);
                emit Caught(depth, reason);
                return 0;
            }
        }
        return this.recurseAndCatch(depth - 1, catchAt);
    }

    /// @notice An inner frame fails with a custom error and the outer one catches raw bytes.
    function catchCustom(uint256 depth) external returns (bool) {
        try this.failCustom(depth) {
            return true;
        } catch (bytes memory data) {
            caught += 1;
            lastError = data;
            emit Caught(depth, "custom");
            return false;
        }
    }

    function failCustom(uint256 depth) external {
        levelValue[9000 + depth] = depth;
        revert TooDeep(depth);
    }
}
