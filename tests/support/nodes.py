"""Start, stop, kill and restart node processes (anvil and seqguard) for end-to-end tests.

Every process is started in its own session (process group), its stdout and stderr go to
one log file, and :meth:`NodeProcess.stop` / :meth:`NodeProcess.kill` end exactly that
group. Fixtures in ``tests/conftest.py`` make sure every process started is ended.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import httpx

from .rpc import RPC

REPO = Path(__file__).resolve().parents[2]
ANVIL_BIN = REPO / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
NODE_BIN = shutil.which("node") or "node"
_VENV_PYTHON = REPO / ".venv" / "bin" / "python"
PYTHON = str(_VENV_PYTHON) if _VENV_PYTHON.exists() else sys.executable


_LIVE: list[NodeProcess] = []


@atexit.register
def _kill_leftovers() -> None:
    """Last resort if the test process ends without running fixture teardown."""
    for node in list(_LIVE):
        if node.running:
            node.kill()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NodeStartError(RuntimeError):
    pass


class NodeProcess(ABC):
    """One node process; ``start`` can be called again after ``stop``/``kill`` (a restart)."""

    kind = "node"

    def __init__(self, name: str, workdir: Path, port: int | None = None) -> None:
        self.name = name
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.log_path = self.workdir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._rpc: RPC | None = None

    # -- to be provided by subclasses ------------------------------------------------------

    @abstractmethod
    def command(self) -> list[str]:
        """The command line that starts this kind of node."""

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    # -- addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def rpc(self) -> RPC:
        if self._rpc is None:
            self._rpc = RPC(self.url)
        return self._rpc

    # -- life cycle ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 60.0) -> NodeProcess:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        self.starts += 1
        cmd = self.command()
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(cmd)}\n".encode())
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
        if self not in _LIVE:
            _LIVE.append(self)
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.kill()
            raise
        return self

    def wait_ready(self, timeout: float) -> None:
        """Wait until ``eth_chainId`` answers with a result."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise NodeStartError(
                    f"{self.name} exited with code {self.proc.returncode} before answering "
                    f"eth_chainId\n--- log tail ---\n{self.log_tail()}"
                )
            try:
                r = httpx.post(
                    self.url,
                    json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                    timeout=2.0,
                )
                if r.status_code == 200 and "result" in r.json():
                    return
                last = r.text
            except (httpx.HTTPError, ValueError) as e:
                last = e
            time.sleep(0.1)
        raise NodeStartError(
            f"{self.name} did not answer eth_chainId within {timeout}s (last: {last!r})\n"
            f"--- log tail ---\n{self.log_tail()}"
        )

    def _signal_group(self, sig: int) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)  # the group we created with start_new_session

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._note("did not stop on SIGTERM; sending SIGKILL")
                self._signal_group(signal.SIGKILL)
                self.proc.wait(10)
        # children that outlived the leader
        self._signal_group(signal.SIGKILL)
        self._close_rpc()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL the whole process group at once (a crash)."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        self._note("killed with SIGKILL")
        self._close_rpc()

    def restart(self, timeout: float = 60.0) -> NodeProcess:
        if self.running:
            self.stop()
        return self.start(timeout)

    def _close_rpc(self) -> None:
        if self._rpc is not None:
            self._rpc.close()
            self._rpc = None

    def _note(self, text: str) -> None:
        with open(self.log_path, "ab") as log:
            log.write(f"===== {text}\n".encode())

    # -- logs ------------------------------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 200) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


class AnvilNode(NodeProcess):
    """anvil from the npm package ``@foundry-rs/anvil``."""

    kind = "anvil"

    def __init__(
        self,
        name: str,
        workdir: Path,
        *,
        genesis: dict[str, Any] | None = None,
        block_time: float = 0,
        gas_limit: int | None = None,
        extra_args: list[str] | None = None,
        port: int | None = None,
    ) -> None:
        super().__init__(name, workdir, port)
        self.genesis_path: Path | None = None
        if genesis is not None:
            self.genesis_path = self.workdir / f"{name}-genesis.json"
            self.genesis_path.write_text(json.dumps(genesis, indent=1))
            if gas_limit is None:
                gas_limit = int(genesis["gasLimit"], 16)
        self.block_time = block_time
        self.gas_limit = gas_limit
        self.extra_args = list(extra_args or [])

    def command(self) -> list[str]:
        if not ANVIL_BIN.exists():
            raise NodeStartError(f"anvil not found at {ANVIL_BIN}: run `make npm`")
        cmd = [
            str(ANVIL_BIN),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--hardfork", "prague",
        ]  # fmt: skip
        if self.genesis_path is not None:
            cmd += ["--init", str(self.genesis_path)]
        if self.gas_limit is not None:  # anvil caps blocks at 30M gas otherwise
            cmd += ["--gas-limit", str(self.gas_limit)]
        if self.block_time:
            cmd += ["--block-time", str(self.block_time)]
        return cmd + self.extra_args


class SeqguardNode(NodeProcess):
    """``python -m seqguard node`` from this repository."""

    kind = "seqguard"

    def __init__(
        self,
        name: str,
        workdir: Path,
        *,
        genesis: dict[str, Any] | None = None,
        block_time: float = 0,
        data_dir: Path | None = None,
        extra_args: list[str] | None = None,
        port: int | None = None,
    ) -> None:
        super().__init__(name, workdir, port)
        self.genesis_path: Path | None = None
        if genesis is not None:
            self.genesis_path = self.workdir / f"{name}-genesis.json"
            self.genesis_path.write_text(json.dumps(genesis, indent=1))
        self.data_dir = Path(data_dir) if data_dir else self.workdir / f"{name}-data"
        self.block_time = block_time
        self.extra_args = list(extra_args or [])

    def command(self) -> list[str]:
        cmd = [
            PYTHON, "-m", "seqguard", "node",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            "--block-time", _num(self.block_time),
        ]  # fmt: skip
        if self.genesis_path is not None:
            cmd += ["--genesis", str(self.genesis_path)]
        return cmd + self.extra_args

    def environment(self) -> dict[str, str]:
        return seqguard_env()


def seqguard_env() -> dict[str, str]:
    """The environment a seqguard node runs in: this checkout's ``src`` first on the path,
    and no ``SEQGUARD_*`` settings leaking from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEQGUARD_")}
    src = str(REPO / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def seqguard_cli_available() -> tuple[bool, str]:
    """Whether ``python -m seqguard node --help`` works in this checkout (and why not)."""
    env = seqguard_env()
    try:
        p = subprocess.run(
            [PYTHON, "-m", "seqguard", "node", "--help"],
            capture_output=True,
            env=env,
            timeout=60,
            cwd=REPO,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    out = (p.stdout + p.stderr).decode(errors="replace")
    return p.returncode == 0, out
