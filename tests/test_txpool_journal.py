"""The pool journal: torn tails, atomic rotation, and nothing lost to kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from seqguard.txpool import Journal, PriorityFeeOrdering, TxPool
from seqguard.txpool import journal as journal_mod
from test_txpool import State, addr, decode, make_tx

TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src"


def raw(i: int) -> bytes:
    return f"tx-{i}-".encode() * (1 + i % 40)


def test_append_load_roundtrip_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "j"
    with Journal(path) as j:
        assert j.load() == []
        for i in range(5):
            j.append(raw(i))
        assert j.load() == [raw(i) for i in range(5)]
    with Journal(path, fsync=True) as j:
        j.append(raw(5))
        assert j.load() == [raw(i) for i in range(6)]


@pytest.mark.parametrize(
    "tail",
    [
        b"\x00\x00",  # part of a header
        journal_mod._HEADER.pack(100, 0) + b"partial",  # header, then half the body
        b"\x00" * 64,  # a zero-filled tail, as a power loss may leave
        journal_mod._record(b"whole body, wrong crc")[:-1] + b"X",
    ],
)
def test_torn_tail_is_ignored_and_truncated(tmp_path: Path, tail: bytes) -> None:
    path = tmp_path / "j"
    with Journal(path) as j:
        j.append(raw(1))
        j.append(raw(2))
    with open(path, "ab") as f:
        f.write(tail)
    with Journal(path) as j:
        assert j.load() == [raw(1), raw(2)]
        j.append(raw(3))  # lands after the last whole record, not after the garbage
        assert j.load() == [raw(1), raw(2), raw(3)]


def test_torn_magic_and_foreign_file(tmp_path: Path) -> None:
    torn = tmp_path / "torn"
    torn.write_bytes(journal_mod.MAGIC[:2])
    with Journal(torn) as j:
        assert j.load() == []
        j.append(raw(1))
        assert j.load() == [raw(1)]
    foreign = tmp_path / "foreign"
    foreign.write_bytes(b"something else entirely")
    with pytest.raises(ValueError, match="not a seqguard txpool journal"):
        Journal(foreign)
    assert foreign.read_bytes() == b"something else entirely"


def test_closed_journal_refuses_appends(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j")
    j.close()
    j.close()
    with pytest.raises(ValueError, match="closed"):
        j.append(b"x")
    with pytest.raises(ValueError):
        Journal(tmp_path / "k").append(b"")


def test_rotate_replaces_content_and_keeps_appending(tmp_path: Path) -> None:
    path = tmp_path / "j"
    with Journal(path) as j:
        for i in range(10):
            j.append(raw(i))
        j.rotate([raw(3), raw(7)])
        assert j.load() == [raw(3), raw(7)]
        j.append(raw(11))
        assert j.load() == [raw(3), raw(7), raw(11)]
    assert not (tmp_path / "j.tmp").exists()
    with Journal(path) as j:
        assert j.load() == [raw(3), raw(7), raw(11)]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_rotate_leaves_old_journal_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "j"
    j = Journal(path)
    for i in range(4):
        j.append(raw(i))

    def boom(*args: object) -> None:
        raise OSError("disk on fire")

    with monkeypatch.context() as m:
        m.setattr(journal_mod.os, failing, boom)
        with pytest.raises(OSError, match="disk on fire"):
            j.rotate([raw(9)])
    assert j.load() == [raw(i) for i in range(4)]
    j.append(raw(4))
    assert Journal(path).load() == [raw(i) for i in range(5)]
    if failing == "fsync":
        assert not (tmp_path / "j.tmp").exists()
    j.close()


def _spawn(code: str, cwd: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), str(TESTS)]))
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def _kill_after(proc: subprocess.Popen[str], lines: int) -> list[str]:
    """Read ``lines`` acknowledgements, then SIGKILL the child mid-stream."""
    assert proc.stdout is not None
    got = []
    try:
        for line in proc.stdout:
            got.append(line.strip())
            if len(got) >= lines:
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()  # no-op if already dead; never leave the child behind
        proc.wait(timeout=10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL, "child ended before it was killed"
    return got


def test_kill_9_after_append_loses_nothing(tmp_path: Path) -> None:
    proc = _spawn(
        f"""
        import itertools, sys
        sys.path.insert(0, {str(TESTS)!r})
        from test_txpool_journal import raw
        from seqguard.txpool import Journal
        j = Journal("journal")
        for i in itertools.count():
            j.append(raw(i))
            print(i, flush=True)
        """,
        tmp_path,
    )
    acked = _kill_after(proc, 300)
    assert acked == [str(i) for i in range(300)]
    loaded = Journal(tmp_path / "journal").load()
    assert len(loaded) >= 300
    assert loaded == [raw(i) for i in range(len(loaded))]


def test_kill_9_after_pool_add_then_restore(tmp_path: Path) -> None:
    proc = _spawn(
        """
        import itertools
        from seqguard.txpool import Journal, PriorityFeeOrdering, TxPool
        from test_txpool import State, addr, make_tx
        j = Journal("journal")
        pool = TxPool(State(), PriorityFeeOrdering(), journal=j)
        for n in itertools.count():
            for i in range(5):
                tx = make_tx(addr(i), n, tip=1 + n % 7)
                pool.add(tx)
                print(tx.hash.hex(), flush=True)
        """,
        tmp_path,
    )
    acked = _kill_after(proc, 200)
    journal = Journal(tmp_path / "journal")
    pool = TxPool(State(), PriorityFeeOrdering(), journal=journal)
    restored = pool.restore(journal, decode)
    assert restored >= len(acked)
    assert all(bytes.fromhex(h) in pool for h in acked)
    assert pool.status() == (restored, 0)
    # the rotated journal holds exactly the pool, and restores into an equal pool
    again = TxPool(State(), PriorityFeeOrdering())
    assert again.restore(journal, decode) == restored
    assert {tx.hash for tx in again.pending_txs()} == {tx.hash for tx in pool.pending_txs()}
    journal.close()


def test_pool_journal_rotation(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j")
    state = State()
    pool = TxPool(state, PriorityFeeOrdering(), journal=journal)
    txs = [make_tx(addr(0), n) for n in range(4)]
    for tx in txs:
        pool.add(tx)
    for tx in txs[:2]:
        state.include(tx)
    pool.on_block(txs[:2])
    assert len(journal.load()) == 4  # included txs stay until the next rotation
    pool.rotate_journal()
    assert journal.load() == [tx.raw for tx in txs[2:]]
    journal.close()
