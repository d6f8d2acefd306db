"""The `sessiontimer` command: the demo's negotiation and timings, and `check`."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import sys
from typing import Any, cast

import pytest

import sessiontimer as st
from sessiontimer import cli
from sessiontimer.agent import Agent, Clock
from sessiontimer.sip import Message


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
    assert report["verdict"] == {"status": 0, "why": []}


async def call_main(uri: str, *options: str) -> tuple[int, dict[str, Any]]:
    """`sessiontimer call URI --for 1 --json` (in a thread of this process,
    while the loop serves the peer): the exit status and the report."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = await asyncio.to_thread(cli.main, ["call", uri, "--for", "1", "--json", *options])
    return status, json.loads(printed.getvalue())


def call_agent(*options: str, callee: st.Policy | None = None) -> tuple[int, dict[str, Any]]:
    """`sessiontimer call` to an agent with `callee`'s policy."""

    async def scenario() -> tuple[int, dict[str, Any]]:
        agent = Agent("callee", Clock(), callee or st.Policy())
        await agent.bind()
        host, port = agent.address
        outcome = await call_main(f"sip:callee@{host}:{port}", *options)
        agent.close()
        return outcome

    return asyncio.run(scenario())


def test_call_verdict_is_0_when_the_call_went_as_planned() -> None:
    status, report = call_agent("--se", "600")
    assert status == 0 and report["verdict"] == {"status": 0, "why": []}
    assert report["interval"] == 600 and report["policy"]["session_expires"] == 600


class Busy(asyncio.DatagramProtocol):
    """A callee that answers every INVITE 486 Busy Here."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        request = Message.parse(data)
        if request.method == "INVITE":
            self.transport.sendto(request.response(486, "Busy Here", "busy").encode(), addr)


def test_call_verdict_is_1_with_the_final_status_when_the_call_is_refused() -> None:
    async def scenario() -> tuple[int, dict[str, Any]]:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(Busy, local_addr=("127.0.0.1", 0))
        port = transport.get_extra_info("sockname")[1]
        outcome = await call_main(f"sip:busy@127.0.0.1:{port}")
        transport.close()
        return outcome

    status, report = asyncio.run(scenario())
    assert status == 1 and report["failure"] == {"status": 486, "reason": "Busy Here"}
    assert report["verdict"] == {"status": 1, "why": ["call failed: 486 Busy Here"]}


def test_a_preset_keeps_its_values_unless_an_option_gives_one() -> None:
    """The command's defaults never override a preset's values (issue: `--preset
    cisco-cube` asked for 1800 with Min-SE 90 instead of the preset's)."""
    status, report = call_agent("--preset", "cisco-cucm")
    assert status == 0
    assert report["policy"]["min_se"] == 1800 and report["policy"]["session_expires"] == 1800
    status, report = call_agent("--preset", "cisco-cucm", "--se", "3600")
    assert status == 0
    assert report["policy"]["min_se"] == 1800 and report["policy"]["session_expires"] == 3600


def test_b2bua_with_the_cube_preset_consumes_refreshes_and_asks_its_interval() -> None:
    """`b2bua --preset cisco-cube` consumes pure refreshes and uses Min-SE
    1800 without `--consume` or `--min-se`: only options given override it."""
    args = cli.parser().parse_args(["b2bua", "sip:x@127.0.0.1:5060", "--preset", "cisco-cube"])
    policy = cli.b2bua_policy(args)
    assert policy == st.Policy.preset("cisco-cube")
    assert policy.consume_refreshes and policy.min_se == 1800
    args = cli.parser().parse_args(["b2bua", "sip:x@127.0.0.1:5060", "--consume"])
    assert cli.b2bua_policy(args).consume_refreshes


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["call", "sip:x@127.0.0.1:9", "--se", "60"], "below"),
        (["call", "http://example.com", "--for", "1"], "is not a SIP URI"),
        (["answer", "--min-se", "20", "--wait", "1"], "below"),
    ],
)
def test_usage_errors_give_one_line_and_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_a_port_in_use_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        assert cli.main(["answer", "--port", str(port), "--wait", "1"]) == 2
    assert "error" in capsys.readouterr().err


def test_every_request_of_the_agent_carries_supported_timer_bye_included() -> None:
    """RFC 4028 section 7.1: `timer` in Supported of each request a UA with
    timers sends (RFC 3261 allows none in ACK)."""
    seen: list[Message] = []

    async def scenario() -> None:
        clock = Clock()
        callee = Agent("callee", clock, st.Policy())
        caller = Agent("caller", clock, st.Policy(), log=lambda e: seen.append(e.message))
        await callee.bind()
        await caller.bind()
        dialog = await caller.call(callee.address, "sip:callee@127.0.0.1")
        assert dialog is not None
        await caller.hang_up(dialog)
        caller.close()
        callee.close()

    asyncio.run(scenario())
    requests = [m for m in seen if m.is_request and m.method != "ACK"]
    assert {m.method for m in requests} >= {"INVITE", "BYE"}
    for message in requests:
        assert "timer" in (message.get("Supported") or ""), message.start
