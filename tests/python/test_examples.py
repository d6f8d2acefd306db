"""The examples run, and the package's doctest holds."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import sessiontimer

EXAMPLES = Path(__file__).resolve().parents[2] / "bindings-python" / "examples"


def run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_quickstart_is_the_readmes_and_runs() -> None:
    readme = (EXAMPLES.parents[1] / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    assert block in (EXAMPLES / "quickstart.py").read_text()
    assert len(block.splitlines()) <= 20
    out = run("quickstart.py")
    assert "Reject(status=422" in out and "send_bye no_refresh_received" in out


def test_asyncio_example_refreshes_and_gives_up_on_the_silent_peer() -> None:
    out = run("asyncio_timers.py", "--speed", "1000", "--duration", "200")
    assert "dialog 1: 200 OK, timer restarted" in out
    assert "dialog 3: send_bye, reason refresh_unanswered" in out


def test_package_doctest() -> None:
    assert doctest.testmod(sessiontimer).failed == 0
