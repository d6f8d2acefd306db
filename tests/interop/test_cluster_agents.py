"""Two sessiontimer agents sharing one real redis-server, and SIPp as the
caller (RFC 4028 section 10 across a failover): the node that answered is
killed with SIGKILL, the standby takes its address (as a floating address
moves) and adopts the call. The caller's refresh is answered by the standby,
and when the caller then goes silent, the standby sends the BYE at the RFC's
time. The killed node, restarted, sends nothing for the call it lost.
"""

from __future__ import annotations

import json
import os
import re
import signal
import tempfile
import time
from pathlib import Path

import pytest
from peers import Peer, agent, free_port, require
from redis_server import redis_server
from test_sipp import sipp

pytestmark = pytest.mark.skipif(
    require("redis-server") is None or require("sipp") is None,
    reason="needs redis-server and sipp (apt-get install redis-server sip-tester)",
)

LEASE_MS = "1000"


def node(url: str, name: str, port: int, seconds: int, *extra: str) -> Peer:
    return agent(
        "answer",
        "--cluster",
        url,
        "--node-id",
        name,
        "--lease-ms",
        LEASE_MS,
        "--port",
        str(port),
        "--json",
        *extra,
        seconds=seconds,
    )


def wait_for(peer: Peer, text: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while text not in peer.output():
        assert time.monotonic() < deadline, f"no {text!r} in:\n{peer.output()}"
        time.sleep(0.1)


def test_the_standby_answers_the_refresh_and_sends_the_bye_of_a_killed_node() -> None:
    port = free_port()
    with redis_server() as url:
        owner = node(url, "a", port, 60, "--for", "150", "--wait", "20")
        standby = node(url, "b", port, 170, "--for", "150", "--wait", "60")
        wait_for(standby, "standby: waiting", 10)
        caller = sipp("uac_refresh_update_then_silent.xml", free_port(), port, 150)
        wait_for(owner, "answering on", 10)
        time.sleep(5)  # the call is up and written to Redis
        os.kill(owner.process.pid, signal.SIGKILL)
        assert owner.wait() == -signal.SIGKILL
        wait_for(standby, "answering on", 10)
        time.sleep(3)  # the lease lapsed and the standby adopted the call
        # Node a again, a new incarnation: in the cluster until after the BYE,
        # its ladder (every message it sent or got) printed, its report in a file.
        kept = tempfile.NamedTemporaryFile(suffix=".json")
        restarted = node(
            url, "a", free_port(), 120, "--for", "30", "--wait", "92", "--json", kept.name
        )
        assert caller.wait() == 0, caller.output()
        report = standby.json()
        restarted.wait()
        again = json.loads(Path(kept.name).read_text())
    # The standby answered the caller's UPDATE at 40 s, then sent the BYE at
    # interval - min(32, interval/3) = 60 s after it (section 10).
    assert [r["method"] for r in report["peer_refreshes"]] == ["UPDATE"]
    assert report["bye"]["by"] == "us"
    assert "No session refresh received" in report["bye"]["reason"]
    assert abs(report["bye"]["after_last_refresh_s"] - 60) < 2
    # The restarted node adopted nothing and sent nothing.
    assert again["established"] is False, again
    assert not re.search(r"\b(BYE|UPDATE|INVITE)\b", restarted.output()), restarted.output()


def test_the_standby_refreshes_for_a_killed_caller_at_half_the_interval() -> None:
    """The refresher dies: node a called SIPp (Session-Expires 90, refresher
    uac, no UPDATE allowed) and is killed 5 s in; the standby holding its
    address sends the re-INVITE at 45 s in the same dialog (section 7.4 and
    10), then ends the call."""
    port, sipp_port = free_port(), free_port()
    with redis_server() as url:
        callee = sipp("uas_reinvite_refresh.xml", sipp_port, None, 100)
        caller = agent(
            "call",
            f"sip:sipp@127.0.0.1:{sipp_port}",
            "--se",
            "90",
            "--port",
            str(port),
            "--cluster",
            url,
            "--node-id",
            "a",
            "--lease-ms",
            LEASE_MS,
            "--for",
            "80",
            seconds=90,
        )
        time.sleep(2)
        standby = node(url, "b", port, 110, "--for", "47", "--wait", "60")
        wait_for(standby, "standby: waiting", 10)
        time.sleep(3)
        os.kill(caller.process.pid, signal.SIGKILL)
        assert caller.wait() == -signal.SIGKILL
        assert callee.wait() == 0, callee.output()
        report = standby.json()
    assert report["interval"] == 90 and report["adopted"]["refresher"] == "local"
    assert [r["method"] for r in report["our_refreshes"]] == ["INVITE"]
    assert abs(report["our_refreshes"][0]["after_s"] - 45) < 1.5
    assert report["our_refreshes"][0]["status"] == 200
    assert report["bye"]["by"] == "us"
