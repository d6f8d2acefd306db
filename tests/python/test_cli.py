"""The `sessiontimer` command: the demo's negotiation and timings, and `check`."""

from __future__ import annotations

import io
import json
import re

import pytest

import sessiontimer as st
from sessiontimer import cli


def test_demo_negotiates_after_422_refreshes_then_the_callee_sends_bye_at_the_rfc_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["demo", "--speed", "100"]) == 0
    out = capsys.readouterr().out
    assert "422 Session Interval Too Small" in out and "Min-SE: 120" in out
    assert "Session-Expires: 120;refresher=uac" in out and "Require: timer" in out
    found = re.search(r"2 refreshes by UPDATE; the callee sent BYE ([0-9.]+) s", out)
    assert found is not None, out
    # Section 10: 120 - min(32, 120/3) = 88 s, within the loop's jitter at 100x.
    assert abs(float(found.group(1)) - 88.0) < 2.0
    assert "holds 0 sessions" in out


def test_check_prints_the_uas_decision(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Supported: timer\nSession-Expires: 60\n"))
    assert cli.main(["check", "--role", "uas", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # Section 9: 60 s is below the RFC's Min-SE of 90 and the UAC supports timers.
    assert out["decision"] == "Reject(status=422, headers=[('Min-SE', '90')])"
    monkeypatch.setattr("sys.stdin", io.StringIO("Session-Expires: abc\n"))
    assert cli.main(["check", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["status_code"] == 400


def test_proxy_edits_apply_over_the_forwarded_rows() -> None:
    forward = st.Proxy(st.Policy(session_expires=600)).on_request(
        [("Supported", "100rel"), ("x", "3600")], "INVITE"
    )
    assert isinstance(forward, st.Forward)
    rows = forward.apply([("Via", "a"), ("Supported", "100rel"), ("x", "3600")])
    assert rows == [("Via", "a"), ("Supported", "100rel"), ("Session-Expires", "600")]
