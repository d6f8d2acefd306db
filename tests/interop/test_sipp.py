"""The sessiontimer agent against SIPp (Debian `sip-tester`) over 127.0.0.1 UDP,
in both directions, with Session-Expires at the RFC minimum so that refreshes
happen within a minute or two (RFC 4028 sections 7, 9 and 10).

Each test starts SIPp and the agent itself, bounds their run time and stops
them by PID. SIPp checks the agent's messages (its `ereg` checks fail the call);
the agent's JSON report says what it saw of SIPp.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from peers import Peer, agent, free_port, require

SCENARIOS = Path(__file__).parent / "sipp"
pytestmark = pytest.mark.skipif(
    require("sipp") is None, reason="sipp not installed (apt-get install sip-tester)"
)


def sipp(scenario: str, port: int, remote: int | None, seconds: int, *extra: str) -> Peer:
    """SIPp running `scenario` for one call; `extra` are more SIPp options."""
    args = ["sipp", "-sf", str(SCENARIOS / scenario), "-i", "127.0.0.1", "-p", str(port), "-m", "1"]
    args += extra
    args += ["-timeout", f"{seconds}s", "-timeout_error", "-nostdin", "-trace_err"]
    if remote is not None:
        args.insert(1, f"127.0.0.1:{remote}")
    return Peer.start(args, seconds + 10)


def answer(*options: str, seconds: int) -> tuple[Peer, int]:
    port = free_port()
    return agent(
        "answer", "--port", str(port), "--json", "--wait", "20", *options, seconds=seconds
    ), port


def test_sipp_caller_gets_422_retries_and_is_accepted() -> None:
    """Section 9: 422 with our Min-SE; section 7.3: the retry; Table 2: refresher=uac."""
    ours, port = answer("--min-se", "600", "--se", "1800", "--for", "5", seconds=40)
    theirs = sipp("uac_422_then_200.xml", free_port(), port, 20)
    assert theirs.wait() == 0, theirs.output()
    report = ours.json()
    assert report["our_422_min_se"] == 600 and report["peer_honoured_422"] is True
    assert report["interval"] == 600 and report["refresher"] == "uac"
    assert report["bye"]["by"] == "peer"


def test_sipp_caller_refreshes_by_update_then_stops_and_we_send_bye() -> None:
    """Section 10: the non-refresher sends BYE at interval - min(32, interval/3) = 60 s
    after the last refresh."""
    ours, port = answer("--for", "150", seconds=170)
    theirs = sipp("uac_refresh_update_then_silent.xml", free_port(), port, 150)
    assert theirs.wait() == 0, theirs.output()
    report = ours.json()
    assert [r["method"] for r in report["peer_refreshes"]] == ["UPDATE"]
    assert report["peer_refreshed_on_time"] is True
    assert report["bye"]["by"] == "us" and "No session refresh received" in report["bye"]["reason"]
    assert abs(report["bye"]["after_last_refresh_s"] - 60) < 1.5


def test_sipp_caller_refreshes_by_reinvite() -> None:
    ours, port = answer("--for", "80", seconds=100)
    theirs = sipp("uac_refresh_reinvite.xml", free_port(), port, 80)
    assert theirs.wait() == 0, theirs.output()
    report = ours.json()
    assert [r["method"] for r in report["peer_refreshes"]] == ["INVITE"]
    assert report["bye"]["by"] == "peer"


def call(port: int, *options: str, seconds: int) -> Peer:
    return agent("call", f"sip:sipp@127.0.0.1:{port}", "--json", *options, seconds=seconds)


def assert_we_refreshed(report: dict[str, Any], interval: int, method: str, after_s: float) -> None:
    """The 2xx made us refresher of `interval` (Table 2), and we refreshed once,
    by `method`, `after_s` after it (section 10: half the interval)."""
    assert report["interval"] == interval and report["refresher"] == "uac"
    assert [r["method"] for r in report["our_refreshes"]] == [method]
    assert abs(report["our_refreshes"][0]["after_s"] - after_s) < 1.5


def test_sipp_callee_422_then_we_refresh_by_update_at_half_the_interval() -> None:
    port = free_port()
    theirs = sipp("uas_422_then_update_refresh.xml", port, None, 120)
    ours = call(port, "--se", "90", "--for", "70", seconds=100)
    report = ours.json()
    assert theirs.wait() == 0, theirs.output()
    assert report["peer_422_min_se"] == ["120"]
    assert_we_refreshed(report, 120, "UPDATE", 60)


def test_sipp_callee_without_update_is_refreshed_by_reinvite() -> None:
    port = free_port()
    theirs = sipp("uas_reinvite_refresh.xml", port, None, 100)
    ours = call(port, "--se", "90", "--for", "55", seconds=80)
    report = ours.json()
    assert theirs.wait() == 0, theirs.output()
    assert_we_refreshed(report, 90, "INVITE", 45)


def test_sipp_callee_never_answering_the_refresh_gets_bye_after_the_timeout() -> None:
    """Section 10: a refresh without an answer ends the session with BYE."""
    port = free_port()
    theirs = sipp("uas_refresh_unanswered.xml", port, None, 140)
    ours = call(port, "--se", "90", "--for", "120", seconds=150)
    report = ours.json()
    assert theirs.wait() == 0, theirs.output()
    assert report["bye"]["by"] == "us" and "unanswered" in report["bye"]["reason"]
    # The UPDATE at 45 s, then Timer F (32 s): BYE at about 77 s.
    assert abs(report["bye"]["at_s"] - 77) < 3
