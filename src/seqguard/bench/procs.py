"""Start and stop the nodes under measurement (anvil and seqguard), each in its own
process group with its output in a log file; optionally seqguard under py-spy."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from pathlib import Path

from .rpc import RpcClient, RpcError

ANVIL_REL = Path("node_modules") / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"


class BenchError(RuntimeError):
    """A problem that ends the benchmark with a message (no traceback)."""


def find_anvil(explicit: str | None = None) -> Path:
    """``--anvil``, else $SEQGUARD_ANVIL, else node_modules/... from the cwd upward (then
    from this checkout)."""
    if explicit:
        p = Path(explicit).expanduser()
        if not p.is_file():
            raise BenchError(f"--anvil {explicit}: no such file")
        return p
    env = os.environ.get("SEQGUARD_ANVIL")
    if env:
        p = Path(env).expanduser()
        if not p.is_file():
            raise BenchError(f"SEQGUARD_ANVIL={env}: no such file")
        return p
    starts = [Path.cwd().resolve(), Path(__file__).resolve().parent]
    for start in starts:
        for d in (start, *start.parents):
            cand = d / ANVIL_REL
            if cand.is_file():
                return cand
    raise BenchError(
        f"anvil not found: looked for {ANVIL_REL} in {Path.cwd()} and its parents. "
        "Run `make npm` in the repository (or pass --anvil PATH / set SEQGUARD_ANVIL)."
    )


def find_py_spy() -> str | None:
    cand = Path(sys.executable).parent / "py-spy"
    if cand.is_file():
        return str(cand)
    return shutil.which("py-spy")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NodeProcess(ABC):
    """One node process in its own session; :meth:`stop` ends exactly that group."""

    kind = "node"

    def __init__(
        self, workdir: Path, genesis_path: Path | None = None, gas_limit: int | None = None
    ) -> None:
        self.workdir = workdir
        self.genesis_path = genesis_path
        self.gas_limit = gas_limit
        self.port = free_port()
        self.log_path = workdir / f"{self.kind}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @abstractmethod
    def command(self) -> list[str]:
        """The command line that starts this kind of node."""

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def start(self, timeout: float = 60.0) -> None:
        cmd = self.command()
        with open(self.log_path, "ab") as log:
            log.write(f"===== {' '.join(cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                env=self.environment(),
                start_new_session=True,
            )
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop(grace=2.0)
            raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: object = None
        with RpcClient(self.url, timeout=2.0) as rpc:
            while time.monotonic() < deadline:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise BenchError(
                        f"{self.kind} exited with code {self.proc.returncode} before answering "
                        f"eth_chainId; log {self.log_path}:\n{self.log_tail()}"
                    )
                try:
                    rpc.call("eth_chainId")
                    return
                except RpcError as exc:
                    last = exc
                time.sleep(0.1)
        raise BenchError(
            f"{self.kind} did not answer eth_chainId within {timeout:g}s (last: {last}); "
            f"log {self.log_path}:\n{self.log_tail()}"
        )

    def _signal(self, sig: int) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def stop(self, grace: float = 15.0) -> int | None:
        """SIGTERM (SIGINT under py-spy), then SIGKILL after ``grace`` seconds."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self._signal(self.stop_signal)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(10)
        self._signal(signal.SIGKILL)  # anything left in the group
        return self.proc.returncode

    stop_signal = signal.SIGTERM

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of every live process in the node's group (Linux)."""
        if self.proc is None:
            return None
        return group_cpu_seconds(self.proc.pid)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class AnvilProcess(NodeProcess):
    """anvil with Prague; from ``genesis_path``, with ``block_time`` and ``gas_limit`` when
    given, else its own dev chain (31337, dev accounts funded), automine, its gas limit."""

    kind = "anvil"

    def __init__(
        self,
        workdir: Path,
        genesis_path: Path | None = None,
        gas_limit: int | None = None,
        *,
        binary: Path,
        block_time: float | None = None,
    ) -> None:
        super().__init__(workdir, genesis_path, gas_limit)
        self.binary = binary
        self.block_time = block_time

    def command(self) -> list[str]:
        cmd = [str(self.binary), "--host", "127.0.0.1", "--port", str(self.port)]
        if self.genesis_path is not None:
            cmd += ["--init", str(self.genesis_path)]
        cmd += ["--hardfork", "prague"]
        if self.block_time is not None:
            cmd += ["--block-time", _num(self.block_time)]
        if self.gas_limit is not None:
            cmd += ["--gas-limit", str(self.gas_limit)]
        # seqguard runs at --log-level warning: neither logs per transaction
        return [*cmd, "--no-request-size-limit", "--quiet"]


class SeqguardProcess(NodeProcess):
    kind = "seqguard"

    def __init__(
        self,
        workdir: Path,
        genesis_path: Path,
        gas_limit: int,
        *,
        block_time: float,
        max_block_txs: int,
        account_slots: int,
        global_slots: int,
        profile_path: Path | None = None,
        profile_rate: int = 100,
        inspection: bool = True,
    ) -> None:
        super().__init__(workdir, genesis_path, gas_limit)
        self.inspection = inspection
        self.block_time = block_time
        self.max_block_txs = max_block_txs
        self.account_slots = account_slots
        self.global_slots = global_slots
        self.profile_path = profile_path
        self.profile_rate = profile_rate
        if profile_path is not None:
            self.stop_signal = signal.SIGINT  # py-spy writes its file on SIGINT

    def command(self) -> list[str]:
        cmd = [
            sys.executable, "-m", "seqguard", "node",
            "--genesis", str(self.genesis_path),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--data-dir", str(self.workdir / "data"),
            "--block-time", _num(self.block_time),
            "--max-block-txs", str(self.max_block_txs),
            "--account-slots", str(self.account_slots),
            "--global-slots", str(self.global_slots),
            "--log-level", "warning",
        ]  # fmt: skip
        if self.profile_path is not None:
            py_spy = find_py_spy()
            if py_spy is None:
                raise BenchError("--profile needs py-spy: `.venv/bin/pip install py-spy`")
            cmd = [
                py_spy, "record",
                "--output", str(self.profile_path),
                "--format", "speedscope",
                "--rate", str(self.profile_rate),
                # only the thread holding the GIL: what the one Python process spends its
                # CPU on, without the idle waits of the thread pool and the event loop
                "--gil",
                "--",
                *cmd,
            ]  # fmt: skip
        return cmd

    def environment(self) -> dict[str, str]:
        # no SEQGUARD_* settings from the caller's shell leak into the node's config
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEQGUARD_")}
        env["PYTHONUNBUFFERED"] = "1"
        if not self.inspection:
            # the config setting (env < flags): works whatever flags `seqguard node` has
            env["SEQGUARD_INSPECTION"] = "false"
        src = Path(__file__).resolve().parents[2]  # this checkout's src/, if run from one
        if (src / "seqguard" / "__init__.py").is_file():
            env["PYTHONPATH"] = str(src) + (
                os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
            )
        return env

    def stop(self, grace: float = 30.0) -> int | None:
        return super().stop(grace)


def group_cpu_seconds(pgid: int) -> float | None:
    """Sum of utime + stime over the processes of process group ``pgid``, from /proc."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except (OSError, ValueError, AttributeError):
        return None
    total = 0
    found = False
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # after "pid (comm)": state ppid pgrp session ... utime(12) stime(13)
        if int(fields[2]) == pgid:
            found = True
            total += int(fields[11]) + int(fields[12])
    return total / tick if found else None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
