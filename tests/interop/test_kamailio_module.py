"""Kamailio 5.6.3 (Debian `kamailio`) with the sessiontimer module
(bindings-c/kamailio/, built by scripts/build-kamailio-module.sh against
Debian's kamailio source) between SIPp and the agent over 127.0.0.1 UDP: the
RFC 4028 section 8 proxy behaviour, where Kamailio's own sst module goes wrong
(../shared/reference/peers.md), and the dialog's expiry.

Each test starts its own Kamailio (`kamailio/sessiontimer.cfg`) on a free
port, bounds its run time and stops it by its PID.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from peers import free_port, require
from test_kamailio import Kamailio, call_through
from test_sipp import answer, assert_we_refreshed, call, sipp

ROOT = Path(__file__).parents[2]
MODULE = ROOT / "target" / "kamailio" / "sessiontimer.so"
pytestmark = pytest.mark.skipif(
    require("kamailio") is None or require("sipp") is None,
    reason="kamailio or sipp not installed (apt-get install kamailio sip-tester)",
)


@pytest.fixture(scope="session")
def module() -> Path:
    """The module, built once per run against the installed Kamailio."""
    build = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-kamailio-module.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return MODULE


def proxy(module: Path, min_se: int, seconds: int, **settings: Any) -> Kamailio:
    """Kamailio with the module; `settings` become its modparam lines."""
    lines = "\n".join(
        f'modparam("sessiontimer", "{name}", {value if isinstance(value, int) else chr(34) + value + chr(34)})'
        for name, value in settings.items()
    )
    fill = {"MODULE": str(module), "SETTINGS": lines, "DATABASE": ""}
    return Kamailio("sessiontimer.cfg", min_se, seconds, fill)


@pytest.fixture
def kamailio(module: Path, request: pytest.FixtureRequest) -> Iterator[Kamailio]:
    min_se, settings = request.param
    running = proxy(module, min_se, 200, **settings)
    yield running
    running.peer.stop()
    print(running.peer.output()[-6000:])


@pytest.mark.parametrize("kamailio", [(90, {})], indirect=True)
def test_module_completes_the_2xx_of_a_timer_unaware_callee(kamailio: Kamailio) -> None:
    """Section 8.2 (PX-21): the module appends Session-Expires with
    refresher=uac and Require: timer, which sst leaves out; the caller
    refreshes at half the interval through the proxy."""
    report = call_through(
        kamailio, "kamailio_uas_timer_unaware.xml", "--se", "90", "--for", "55", seconds=80
    )
    assert_we_refreshed(report, 90, "UPDATE", 45)
    assert ["Session-Expires", "90;refresher=uac"] in report["timer_headers_2xx"]
    assert ["Require", "timer"] in report["timer_headers_2xx"]
