"""The sessiontimer agent through Kamailio (Debian `kamailio`, with its sst and
dialog modules) as a proxy between the agent and SIPp, over 127.0.0.1 UDP
(RFC 4028 section 8: what a proxy may do to the session timer).

Each test starts its own Kamailio on a free port with the configuration in
`kamailio/sst.cfg`, bounds its run time and stops it by its PID, as it does
SIPp and the agent. SIPp's `ereg` checks fail the call when a message is wrong;
the agent's JSON report says what it saw.
"""

from __future__ import annotations

import os
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from peers import Peer, free_port, require
from test_sipp import answer, assert_we_refreshed, call, sipp

CONFIGS = Path(__file__).parent / "kamailio"
APP_PYTHON3 = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules/app_python3.so")
pytestmark = pytest.mark.skipif(
    require("kamailio") is None or require("sipp") is None,
    reason="kamailio or sipp not installed (apt-get install kamailio sip-tester)",
)


class Kamailio:
    """One Kamailio process on its own port, with the configuration `config`
    (`sst.cfg`: the sst module; `kemi.cfg`: our Python script;
    `sessiontimer.cfg`: our module) and Min-SE; `fill` replaces more
    `@NAME@` placeholders. `rundir` may be given to start again on the same
    files (and port) after a stop."""

    def __init__(
        self,
        config: str,
        min_se: int,
        seconds: int,
        fill: dict[str, str] | None = None,
        rundir: str | None = None,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.rundir = rundir or tempfile.mkdtemp(prefix="kamailio-")
        text = (CONFIGS / config).read_text().replace("@PORT@", str(self.port))
        text = text.replace("@MIN_SE@", str(min_se))
        text = text.replace("@SCRIPT@", str(CONFIGS / "kemi_proxy.py"))
        text = text.replace("@RUNDIR@", self.rundir)
        for name, value in (fill or {}).items():
            text = text.replace(f"@{name}@", value)
        path = Path(self.rundir) / config
        path.write_text(text)
        binary = require("kamailio")
        assert binary is not None
        args = [binary, "-f", str(path), "-DD", "-E", "-m", "64", "-M", "8"]
        args += ["-Y", self.rundir, "-P", os.path.join(self.rundir, "pid")]
        # For kemi.cfg: Debian's python3.11 inside Kamailio imports the package
        # from this interpreter's site-packages (an abi3 wheel).
        env = dict(os.environ, SESSIONTIMER_MIN_SE=str(min_se))
        env["SESSIONTIMER_SITE"] = sysconfig.get_paths()["platlib"]
        self.peer = Peer.start(args, seconds, cwd=self.rundir, env=env)
        deadline = time.monotonic() + 10
        # Printed once every module's mod_init has run (a module can still refuse
        # its settings after "Listening on").
        while "processes (at least)" not in self.peer.output() and time.monotonic() < deadline:
            assert self.peer.process.poll() is None, self.peer.output()
            time.sleep(0.1)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def call_through(kamailio: Kamailio, scenario: str, *options: str, seconds: int) -> dict[str, Any]:
    """The agent calls a SIPp callee running `scenario` through `kamailio`; SIPp
    must pass, and the agent's report comes back."""
    port = free_port()
    theirs = sipp(scenario, port, None, seconds + 20)
    report = call(port, "--proxy", kamailio.address, *options, seconds=seconds).json()
    assert theirs.wait() == 0, theirs.output()
    return report


def sipp_calls_us(
    kamailio: Kamailio, scenario: str, answer_for: int, seconds: int
) -> tuple[Peer, Peer]:
    """SIPp runs `scenario` as the caller through `kamailio` to the agent
    (`-key agent_port`), which answers for `answer_for` seconds: (agent, SIPp)."""
    ours, port = answer("--for", str(answer_for), seconds=seconds)
    theirs = sipp(scenario, free_port(), kamailio.port, seconds, "-key", "agent_port", str(port))
    return ours, theirs


@pytest.fixture
def kamailio(request: pytest.FixtureRequest) -> Iterator[Kamailio]:
    config, min_se = request.param
    proxy = Kamailio(config, min_se, seconds=200)
    yield proxy
    proxy.peer.stop()
    print(proxy.peer.output()[-4000:])


@pytest.mark.parametrize("kamailio", [("sst.cfg", 120)], indirect=True)
def test_kamailio_422_then_we_refresh_by_update_through_the_proxy(kamailio: Kamailio) -> None:
    """Kamailio's 422 carries its Min-SE (section 8.1); the retry (section 7.4);
    the refresh follows the route set through the proxy (section 10)."""
    report = call_through(
        kamailio, "kamailio_uas_update_refresh.xml", "--se", "90", "--for", "70", seconds=100
    )
    assert report["peer_422_min_se"] == ["120"]
    assert_we_refreshed(report, 120, "UPDATE", 60)
    assert report["bye"]["by"] == "us"


@pytest.mark.parametrize("kamailio", [("sst.cfg", 90)], indirect=True)
def test_kamailio_makes_us_refresher_for_a_timer_unaware_callee(kamailio: Kamailio) -> None:
    """Section 8.2: the proxy appends Session-Expires with refresher=uac to the
    2xx of a UAS without timers; the caller refreshes at half the interval,
    though Kamailio leaves out the Require: timer it should add."""
    report = call_through(
        kamailio, "kamailio_uas_timer_unaware.xml", "--se", "90", "--for", "55", seconds=80
    )
    assert_we_refreshed(report, 90, "UPDATE", 45)
    assert ["Session-Expires", "90;refresher=uac"] in report["timer_headers_2xx"]
    assert ["Require", "timer"] not in report["timer_headers_2xx"]  # Kamailio's omission


@pytest.mark.parametrize("kamailio", [("sst.cfg", 120)], indirect=True)
def test_kamailio_inserts_the_interval_for_a_timer_unaware_caller(kamailio: Kamailio) -> None:
    """Section 8.1: the proxy inserts Session-Expires; Table 2: the UAS, seeing no
    Supported: timer, refreshes itself (refresher=uas, no Require), by re-INVITE
    because the caller does not allow UPDATE."""
    ours, theirs = sipp_calls_us(kamailio, "kamailio_uac_timer_unaware.xml", 70, 100)
    report = ours.json()
    assert theirs.wait() == 0, theirs.output()
    assert report["interval"] == 120 and report["refresher"] == "uas"
    assert [r["method"] for r in report["our_refreshes"]] == ["INVITE"]
    assert abs(report["our_refreshes"][0]["after_s"] - 60) < 1.5


@pytest.mark.skipif(
    not APP_PYTHON3.exists(),
    reason="app_python3 missing (apt-get install kamailio-python3-modules)",
)
@pytest.mark.parametrize("kamailio", [("kemi.cfg", 120)], indirect=True)
def test_kamailio_python_script_makes_its_decisions_with_sessiontimer(kamailio: Kamailio) -> None:
    """Kamailio routing with `kamailio/kemi_proxy.py` on Debian's python3.11:
    the library's 422 (section 8.1), then its 2xx edits for a timer-unaware
    callee, with the Require: timer that section 8.2 asks for."""
    report = call_through(
        kamailio, "kamailio_uas_timer_unaware.xml", "--se", "90", "--for", "70", seconds=100
    )
    assert report["peer_422_min_se"] == ["120"]
    assert_we_refreshed(report, 120, "UPDATE", 60)
    assert ["Require", "timer"] in report["timer_headers_2xx"]
