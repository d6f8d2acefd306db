"""Starting and stopping the processes of an interop test: every peer runs on
127.0.0.1, with a bounded run time, and is stopped by its PID."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any


def require(binary: str) -> str | None:
    """The binary's path, or None when it is not installed."""
    return shutil.which(binary)


def free_port() -> int:
    """A UDP port nobody uses on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Peer:
    """A process with a deadline; its output goes to a file we read back."""

    def __init__(self, process: subprocess.Popen[bytes], deadline: float, log: Any) -> None:
        self.process = process
        self.deadline = deadline
        self.log = log

    @classmethod
    def start(
        cls,
        args: list[str],
        seconds: float,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Peer:
        log = tempfile.NamedTemporaryFile(prefix="peer-", suffix=".log")
        workdir = cwd or tempfile.mkdtemp(prefix="peer-")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, env=env)
        return cls(process, time.monotonic() + seconds, log)

    def wait(self) -> int:
        """The exit code; a process past its deadline is killed by its PID (then -9)."""
        try:
            return self.process.wait(timeout=max(self.deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            self.stop()
            return -9

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def output(self) -> str:
        self.log.seek(0)
        return str(self.log.read().decode(errors="replace"))

    def json(self) -> dict[str, Any]:
        """The JSON document the process printed (the agent's report)."""
        code = self.wait()
        text = self.output()
        start = text.find("{\n")
        assert start >= 0, f"exit {code}, no report:\n{text}"
        report: dict[str, Any] = json.loads(text[start : text.rindex("}") + 1])
        return report


def agent(*args: str, seconds: float) -> Peer:
    """The sessiontimer command of the installed package, run by this interpreter."""
    peer = Peer.start([sys.executable, "-m", "sessiontimer", *args], seconds)
    if args and args[0] == "answer":
        for _ in range(100):
            if "answering on" in peer.output():
                break
            time.sleep(0.05)
    return peer
