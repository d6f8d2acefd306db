"""The `sessiontimer` command: the demo's negotiation and timings, and `check`."""

from __future__ import annotations

import asyncio
import io
import json
import re
import sys
from typing import Any

import pytest

import sessiontimer as st
from sessiontimer import cli
from sessiontimer.agent import Agent, Clock


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


def test_b2bua_command_bridges_a_call_and_reports_each_leg() -> None:
    """`sessiontimer b2bua` between two agents: each leg negotiates on its own
    (the caller's 90 s inbound, the B2BUA's own 1800 s outbound, RFC 4028 per
    dialog), and the caller's BYE ends both legs."""

    async def scenario() -> dict[str, Any]:
        clock = Clock()
        callee = Agent("callee", clock, st.Policy())
        caller = Agent("caller", clock, st.Policy(session_expires=90))
        await callee.bind()
        await caller.bind()
        host, port = callee.address
        b2bua = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sessiontimer",
            "b2bua",
            f"sip:callee@{host}:{port}",
            "--port",
            "0",
            "--json",
            "--for",
            "30",
            "--wait",
            "10",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert b2bua.stderr is not None
        line = (await b2bua.stderr.readline()).decode()
        listening = re.search(r"answering on ([0-9.]+):([0-9]+)", line)
        assert listening is not None, line
        dialog = await caller.call((listening[1], int(listening[2])), "sip:b2bua@127.0.0.1")
        assert dialog is not None
        answered = await asyncio.wait_for(callee.incoming.get(), 5)
        await asyncio.sleep(0.5)
        await caller.hang_up(dialog)
        await asyncio.wait_for(answered.ended.wait(), 5)
        out, _ = await asyncio.wait_for(b2bua.communicate(), 10)
        caller.close()
        callee.close()
        report: dict[str, Any] = json.loads(out)
        return report

    report = asyncio.run(scenario())
    assert report["established"] is True
    assert report["inbound"]["interval"] == 90 and report["inbound"]["refresher"] == "uac"
    assert report["outbound"]["interval"] == 1800 and report["outbound"]["refresher"] == "uac"
    assert report["inbound"]["bye"]["by"] == "peer" and report["outbound"]["bye"]["by"] == "us"
