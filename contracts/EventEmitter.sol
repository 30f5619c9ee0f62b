// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title EventEmitter: logs of every shape (0..3 indexed topics, dynamic data, anonymous).
contract EventEmitter {
    uint256 public emitted;

    event NoArgs();
    event NoIndexed(uint256 a, string s);
    event OneIndexed(uint256 indexed a, bytes data);
    event TwoIndexed(address indexed who, bytes32 indexed tag, uint256[] values);
    event ThreeIndexed(address indexed who, uint256 indexed a, bytes32 indexed tag, string note);
    event IndexedDynamic(string indexed key, bytes indexed blob, uint256 n);
    event Anon(address indexed who, uint256 indexed a, bytes32 indexed b, bytes32 indexed c, bytes data) anonymous;
    event AnonEmpty() anonymous;

    function emitAll(uint256 a, string calldata s, bytes calldata data) external {
        emit NoArgs();
        emit NoIndexed(a, s);
        emit OneIndexed(a, data);
        uint256[] memory values = new uint256[](3);
        values[0] = a;
        values[1] = a * 2;
        values[2] = bytes(s).length;
        emit TwoIndexed(msg.sender, keccak256(data), values);
        emit ThreeIndexed(msg.sender, a, bytes32(a << 8), s);
        emit IndexedDynamic(s, data, a);
        emit Anon(msg.sender, a, bytes32(uint256(1)), bytes32(uint256(2)), data);
        emit AnonEmpty();
        emitted += 8;
    }

    function emitMany(uint256 n) external {
        for (uint256 i = 0; i < n; i++) {
            emit OneIndexed(i, abi.encodePacked(i));
        }
        emitted += n;
    }

    /// @dev Raw LOG0..LOG4 with data taken from calldata.
    function emitRaw(bytes calldata data) external {
        bytes memory d = data;
        assembly {
            let p := add(d, 0x20)
            let n := mload(d)
            log0(p, n)
            log1(p, n, 0x01)
            log2(p, n, 0x01, 0x02)
            log3(p, n, 0x01, 0x02, 0x03)
            log4(p, n, 0x01, 0x02, 0x03, 0x04)
        }
        emitted += 5;
    }

    /// @dev Emits, then reverts: the logs must not appear in the receipt.
    function emitThenRevert() external {
        emit NoArgs();
        revert("EventEmitter: reverted after emit");
    }
}
