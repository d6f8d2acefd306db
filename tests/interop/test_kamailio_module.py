"""Kamailio 5.6.3 (Debian `kamailio`) with the sessiontimer module
(bindings-c/kamailio/, built by scripts/build-kamailio-module.sh against
Debian's kamailio source) between SIPp and the agent over 127.0.0.1 UDP: the
RFC 4028 section 8 proxy behaviour, where Kamailio's own sst module goes wrong
(../shared/reference/peers.md), and the dialog's expiry.

Each test starts its own Kamailio (`kamailio/sessiontimer.cfg`) on a free
port, bounds its run time and stops it by its PID.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from peers import free_port, require
from test_kamailio import Kamailio, call_through, sipp_calls_us
from test_pjsip import pjsip
from test_sipp import answer, assert_we_refreshed, call, sipp

ROOT = Path(__file__).parents[2]
MODULE = ROOT / "target" / "kamailio" / "sessiontimer.so"
pytestmark = pytest.mark.skipif(
    require("kamailio") is None or require("sipp") is None,
    reason="kamailio or sipp not installed (apt-get install kamailio sip-tester)",
)


@pytest.fixture(scope="session")
def module() -> Path:
    """The module, built against the installed Kamailio by one test worker at a
    time (each worker's session builds it; the others wait on the lock)."""
    build = subprocess.run(
        [
            "flock",
            str(ROOT / "target" / "kamailio.lock"),
            "bash",
            str(ROOT / "scripts" / "build-kamailio-module.sh"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return MODULE


def settings(**knobs: Any) -> str:
    """The module's modparam lines for `knobs` (None: left out)."""
    lines = []
    for name, value in knobs.items():
        if value is not None:
            shown = value if isinstance(value, int) else f'"{value}"'
            lines.append(f'modparam("sessiontimer", "{name}", {shown})')
    return "\n".join(lines)


@pytest.fixture
def kamailio(module: Path, request: pytest.FixtureRequest) -> Iterator[Kamailio]:
    min_se, knobs = request.param
    fill = {"MODULE": str(module), "SETTINGS": settings(min_se=min_se, **knobs), "DATABASE": ""}
    running = Kamailio("sessiontimer.cfg", min_se or 90, 200, fill)
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


def kamcmd(kamailio: Kamailio, *command: str) -> str:
    """A command to Kamailio over its control socket (the ctl module)."""
    done = subprocess.run(
        ["kamcmd", "-s", f"unix:{kamailio.rundir}/ctl.sock", *command],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return done.stdout + done.stderr


def stats(kamailio: Kamailio) -> dict[str, int]:
    """`kamcmd sessiontimer.stats` as a dict."""
    return {
        k: int(v) for k, v in re.findall(r"(\w+): (\d+)", kamcmd(kamailio, "sessiontimer.stats"))
    }


@pytest.mark.parametrize("kamailio", [(120, {})], indirect=True)
def test_module_422_carries_its_min_se_and_the_retry_goes_through(kamailio: Kamailio) -> None:
    """Section 8.1 (PX-11, PX-12): an interval below the module's Min-SE from a
    UAC with timers gets 422 with Min-SE 120; the retry (section 7.4) passes,
    and the refresh follows the route set through the proxy."""
    report = call_through(
        kamailio, "kamailio_uas_update_refresh.xml", "--se", "90", "--for", "70", seconds=100
    )
    assert report["peer_422_min_se"] == ["120"]
    assert_we_refreshed(report, 120, "UPDATE", 60)
    counted = stats(kamailio)
    assert counted["sent_422"] == 1 and counted["malformed"] == 0, counted


@pytest.mark.parametrize("kamailio", [(90, {})], indirect=True)
def test_module_forwards_1800_with_min_se_120_which_sst_refuses(kamailio: Kamailio) -> None:
    """Session-Expires 1800 with Min-SE 120 against the module's Min-SE 90 is
    above every minimum: forwarded as it is (sst 5.6.3's inverted sstCheckMin
    answers it 422)."""
    ours, port = answer("--for", "8", seconds=40)
    mine = call(
        port,
        "--proxy",
        kamailio.address,
        "--se",
        "1800",
        "--min-se",
        "120",
        "--for",
        "3",
        seconds=30,
    )
    report, theirs = mine.json(), ours.json()
    assert report.get("peer_422_min_se", []) == []
    assert report["interval"] == theirs["interval"] == 1800
    assert stats(kamailio)["sent_422"] == 0


@pytest.mark.parametrize("kamailio", [(90, {"max_session_expires": 1800})], indirect=True)
@pytest.mark.parametrize(("asked", "min_se", "forwarded"), [(3600, 90, 1800), (3600, 2400, 2400)])
def test_module_lowers_to_its_maximum_never_below_the_request_min_se(
    kamailio: Kamailio, asked: int, min_se: int, forwarded: int
) -> None:
    """Section 8.1 (PX-7, PX-9): the proxy lowers Session-Expires to its
    maximum, but never below the request's Min-SE; sst never lowers."""
    ours, port = answer("--for", "8", seconds=40)
    options = ["--se", str(asked), "--min-se", str(min_se), "--for", "3"]
    report = call(port, "--proxy", kamailio.address, *options, seconds=30).json()
    assert ours.json()["interval"] == report["interval"] == forwarded
    assert stats(kamailio)["lowered"] == 1


@pytest.mark.parametrize("kamailio", [(120, {"session_expires": 120})], indirect=True)
def test_module_inserts_the_interval_for_a_timer_unaware_caller(kamailio: Kamailio) -> None:
    """Section 8.1 (PX-5, PX-6): the module inserts its Session-Expires (120
    here) without a refresher; the agent, seeing no Supported: timer, refreshes itself
    (Table 2) by re-INVITE at half the interval, through the proxy."""
    ours, theirs = sipp_calls_us(kamailio, "kamailio_uac_timer_unaware.xml", 70, 100)
    report = ours.json()
    assert theirs.wait() == 0, theirs.output()
    assert report["interval"] == 120 and report["refresher"] == "uas"
    assert [r["method"] for r in report["our_refreshes"]] == ["INVITE"]
    assert stats(kamailio)["inserted"] == 1


def lifetimes(kamailio: Kamailio, seconds: float) -> list[int]:
    """The distinct lifetimes `dlg.list` shows over `seconds`, in order."""
    seen: list[int] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for value in re.findall(r"lifetime: (\d+)", kamcmd(kamailio, "dlg.list")):
            if not seen or seen[-1] != int(value):
                seen.append(int(value))
        time.sleep(0.5)
    return seen


@pytest.mark.parametrize("kamailio", [(90, {})], indirect=True)
def test_module_a_refresh_with_another_interval_rearms_the_dialog(kamailio: Kamailio) -> None:
    """Section 8.2 (PX-23): each 2xx sets the proxy's expiration to its own
    interval; the dialog's lifetime goes from 1800 to the refresh's 600 (sst
    keeps the first)."""
    ours, theirs = sipp_calls_us(kamailio, "module_uac_refresh_other_interval.xml", 40, 60)
    seen = lifetimes(kamailio, 9)
    assert theirs.wait() == 0, theirs.output()
    ours.wait()
    assert seen[:2] == [1800, 600], seen


def silent_call(kamailio: Kamailio, restart: Any = None) -> float:
    """A caller that stops refreshing and a callee without timers, both waiting
    for the proxy's BYE; `restart(kamailio)` runs 5 s into the call. The
    seconds from the INVITE to the end of both."""
    callee_port = free_port()
    callee = sipp("module_uas_waits_for_bye.xml", callee_port, None, 140)
    start = time.monotonic()
    caller = sipp(
        "module_uac_silent_refresher.xml",
        free_port(),
        kamailio.port,
        140,
        "-key",
        "callee_port",
        str(callee_port),
    )
    if restart is not None:
        time.sleep(5)
        restart(kamailio)
    assert caller.wait() == 0, caller.output()
    assert callee.wait() == 0, callee.output()
    return time.monotonic() - start


@pytest.mark.parametrize("kamailio", [(90, {"expire_action": "bye"})], indirect=True)
def test_module_ends_a_dialog_whose_refresher_went_silent(kamailio: Kamailio) -> None:
    """Section 8.2 (PX-23): the dialog expires the interval after the 2xx; with
    expire_action=bye both sides get a BYE with the library's Reason (checked
    by both SIPp scenarios), at 90 s."""
    elapsed = silent_call(kamailio)
    assert 88 <= elapsed <= 95, elapsed
    assert stats(kamailio)["expired"] == 1


@pytest.mark.parametrize("kamailio", [(90, {})], indirect=True)
def test_module_answers_a_malformed_session_expires_400_and_keeps_serving(
    kamailio: Kamailio,
) -> None:
    """A Session-Expires that is not a number gets 400 naming the header
    (never forwarded), and the next call goes through."""
    bad = sipp(
        "module_uac_malformed_se.xml", free_port(), kamailio.port, 20, "-key", "callee_port", "9"
    )
    assert bad.wait() == 0, bad.output()
    ours, port = answer("--for", "8", seconds=40)
    report = call(
        port, "--proxy", kamailio.address, "--se", "1800", "--for", "2", seconds=30
    ).json()
    assert report["interval"] == 1800 and ours.json()["interval"] == 1800
    assert stats(kamailio)["malformed"] == 1


SCHEMA = Path("/usr/share/kamailio/db_sqlite")
DB_SQLITE = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules/db_sqlite.so")


@pytest.mark.skipif(
    not DB_SQLITE.exists(),
    reason="db_sqlite missing (apt-get install kamailio-sqlite-modules)",
)
def test_module_expiry_survives_a_kamailio_restart_with_the_dialog_database(module: Path) -> None:
    """Kamailio stopped and started again 5 s into a call, with the dialog
    module's database (db_sqlite): the dialog, its variables and its expiry
    come back, and the BYEs with Reason still go out at 90 s."""
    rundir = tempfile.mkdtemp(prefix="kamailio-")
    database = Path(rundir) / "dialogs.sqlite"
    with sqlite3.connect(database) as db:
        db.executescript((SCHEMA / "standard-create.sql").read_text())
        db.executescript((SCHEMA / "dialog-create.sql").read_text())
    fill = {
        "MODULE": str(module),
        "SETTINGS": settings(min_se=90, expire_action="bye"),
        "DATABASE": "\n".join(
            [
                'loadmodule "db_sqlite.so"',
                f'modparam("dialog", "db_url", "sqlite://{database}")',
                'modparam("dialog", "db_mode", 1)',
            ]
        ),
    }
    first = Kamailio("sessiontimer.cfg", 90, 200, fill, rundir=rundir)
    running = [first]

    def restart(kamailio: Kamailio) -> None:
        kamailio.peer.stop()
        running.append(
            Kamailio("sessiontimer.cfg", 90, 200, fill, rundir=rundir, port=kamailio.port)
        )
        running[-1].rundir = rundir

    try:
        elapsed = silent_call(first, restart)
        assert 88 <= elapsed <= 96, elapsed
        assert "expired without a refresh" in running[-1].peer.output()
    finally:
        for kamailio in running:
            kamailio.peer.stop()
        print(running[-1].peer.output()[-6000:])


@pytest.mark.skipif(
    importlib.util.find_spec("pjsua2") is None,
    reason="pjsua2-python not installed (pip install pjsua2-python)",
)
@pytest.mark.parametrize(
    "kamailio", [(90, {"session_expires": 120, "max_session_expires": 120})], indirect=True
)
def test_module_lowers_the_agents_interval_to_pjsip_which_gets_refreshed(
    kamailio: Kamailio,
) -> None:
    """The agent asks PJSIP for 3600 s through the module, which lowers it to
    its maximum, 120 (section 8.1, PX-7); PJSIP takes 120 and the agent, the
    refresher, refreshes by UPDATE at 60 s through the proxy (section 10)."""
    port = free_port()
    theirs = pjsip(port, 90)
    ours = call(port, "--proxy", kamailio.address, "--se", "3600", "--for", "65", seconds=90)
    report = ours.json()
    theirs.stop()
    assert_we_refreshed(report, 120, "UPDATE", 60)
    assert stats(kamailio)["lowered"] == 1


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ('modparam("sessiontimer", "mode", "sometimes")', 'mode="sometimes" is not a known value'),
        ('modparam("sessiontimer", "min_se", 60)', "bad settings"),
        ('modparam("sessiontimer", "preset", "nokia")', 'preset "nokia"'),
        ('modparam("sessiontimer", "expire_action", "later")', "expire_action must be"),
    ],
)
def test_module_refuses_to_start_with_bad_settings(
    module: Path, setting: str, complaint: str
) -> None:
    """Settings the library refuses (Min-SE below 90, RFC 4028 section 5) or
    does not know stop Kamailio at start with the reason, never later."""
    fill = {"MODULE": str(module), "SETTINGS": setting, "DATABASE": ""}
    try:
        kamailio = Kamailio("sessiontimer.cfg", 90, 20, fill)
        code, output = kamailio.peer.process.wait(timeout=15), kamailio.peer.output()
    except AssertionError as died:  # before its modules were all initialized
        code, output = 255, str(died)
    assert code != 0 and complaint in output, output


@pytest.mark.parametrize(
    ("kamailio", "refused_with", "interval"),
    [((None, {"preset": "cisco-cube"}), ["1800"], 1800), ((90, {"preset": "cisco-cube"}), [], 600)],
    indirect=["kamailio"],
)
def test_module_takes_a_preset_and_the_knobs_given_with_it(
    kamailio: Kamailio, refused_with: list[str], interval: int
) -> None:
    """A preset names the library's vendor settings (Cisco CUBE: Min-SE 1800,
    so 600 s gets 422 and the caller retries with 1800); a knob given with it
    overrides the preset's (Min-SE 90 lets 600 s through)."""
    ours, port = answer("--for", "8", seconds=40)
    report = call(port, "--proxy", kamailio.address, "--se", "600", "--for", "2", seconds=30).json()
    assert report.get("peer_422_min_se", []) == refused_with
    assert report["interval"] == ours.json()["interval"] == interval
