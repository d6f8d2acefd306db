"""The sessiontimer agent against PJSIP (PyPI `pjsua2-python`, session timers
always on) over 127.0.0.1 UDP, in both directions, at Session-Expires 90 s.

PJSIP runs in its own process (tests/interop/pjsip_peer.py), with a bounded
run time, stopped by its PID; the tests skip when the wheel cannot be imported.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from peers import Peer, agent, free_port

PEER = Path(__file__).parent / "pjsip_peer.py"
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pjsua2") is None,
    reason="pjsua2-python not installed (pip install pjsua2-python)",
)


def pjsip(port: int, seconds: int, *options: str) -> Peer:
    return Peer.start(
        [sys.executable, str(PEER), "--port", str(port), "--seconds", str(seconds), *options],
        seconds + 20,
    )


def test_we_call_pjsip_and_refresh_by_update_at_half_the_interval() -> None:
    port = free_port()
    theirs = pjsip(port, 70)
    ours = agent(
        "call", f"sip:pjsip@127.0.0.1:{port}", "--se", "90", "--for", "52", "--json", seconds=70
    )
    report = ours.json()
    theirs.stop()
    assert report["interval"] == 90 and report["refresher"] == "uac"
    assert [r["method"] for r in report["our_refreshes"]] == ["UPDATE"]
    assert abs(report["our_refreshes"][0]["after_s"] - 45) < 1.5


def test_pjsip_calls_us_and_refreshes_on_time() -> None:
    port = free_port()
    ours = agent(
        "answer", "--port", str(port), "--for", "80", "--wait", "20", "--json", seconds=100
    )
    theirs = pjsip(free_port(), 55, "--call", f"sip:agent@127.0.0.1:{port}")
    report = ours.json()
    theirs.wait()
    assert report["interval"] == 90 and report["refresher"] == "uac"
    assert [r["method"] for r in report["peer_refreshes"]] == ["UPDATE"]
    assert report["peer_refreshed_on_time"] is True
    assert report["bye"]["by"] == "peer"


def test_pjsip_sends_bye_when_our_refreshes_stop() -> None:
    """Section 10: PJSIP, the non-refresher, sends BYE at 90 - min(32, 30) = 60 s."""
    port = free_port()
    theirs = pjsip(port, 100)
    ours = agent(
        "call",
        f"sip:pjsip@127.0.0.1:{port}",
        "--se",
        "90",
        "--silent-after",
        "0",
        "--for",
        "90",
        "--json",
        seconds=110,
    )
    report = ours.json()
    theirs.stop()
    assert report["our_refreshes"] == []
    assert report["bye"]["by"] == "peer"
    assert abs(report["bye"]["after_last_refresh_s"] - 60) < 2
    assert "No session refresh received" in (report["bye"]["reason"] or "")
