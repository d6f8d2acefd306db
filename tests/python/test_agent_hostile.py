"""The agent against hostile and broken peers (SECURITY.md, round two): every
datagram from anyone is answered sanely or dropped, no report is changed by a
stranger, and state stays bounded. Each test names the item of the review."""

from __future__ import annotations

import asyncio
import io
import json
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import sessiontimer as st
from sessiontimer import agent as agent_module
from sessiontimer import cli, transport
from sessiontimer.agent import Agent, Clock, Event, RelayProxy
from sessiontimer.b2bua import BackToBack
from sessiontimer.sip import Message, token

HOST = "127.0.0.1"


class RawPeer(asyncio.DatagramProtocol):
    """A UDP socket that sends bytes as they are and keeps what comes back."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[Message] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.received.put_nowait(Message.parse(data))

    async def open(self) -> tuple[str, int]:
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(HOST, 0))
        address: tuple[str, int] = self.transport.get_extra_info("sockname")[:2]
        return address

    def send(self, data: bytes, to: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(data, to)

    async def answer(self, timeout: float = 2.0) -> Message:
        return await asyncio.wait_for(self.received.get(), timeout)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def request(method: str = "INVITE", drop: str = "", **replace: str) -> bytes:
    """A request, with one header dropped or replaced, or a session-timer row set."""
    rows = {
        "Via": f"SIP/2.0/UDP {HOST}:9;branch=z9hG4bK{token()}",
        "From": f"<sip:a@{HOST}>;tag={token(4)}",
        "To": f"<sip:b@{HOST}>",
        "Call-ID": f"{token()}@{HOST}",
        "CSeq": f"1 {method}",
        "Max-Forwards": "70",
    }
    rows.update({name.replace("_", "-"): value for name, value in replace.items()})
    rows.pop(drop, None)
    start = rows.pop("start", f"{method} sip:b@{HOST} SIP/2.0")
    head = "".join(f"{name}: {value}\r\n" for name, value in rows.items())
    return f"{start}\r\n{head}Content-Length: 0\r\n\r\n".encode()


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Runs a scenario; any exception the loop saw in a callback fails it."""
    seen: list[dict[str, Any]] = []

    async def guarded() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, context: seen.append(context))
        await scenario()

    asyncio.run(guarded())
    assert not seen, seen


async def callee() -> Agent:
    agent = Agent("callee", Clock(), st.Policy())
    await agent.bind()
    return agent


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (request(x="abc"), "malformed Session-Expires"),
        (request(Min_SE='90;a="\0"'), "malformed Min-SE"),
        (request(Session_Expires="1800, 90"), "malformed Session-Expires"),
        (request(drop="Via"), "missing Via"),
        (request(drop="From"), "missing From"),
        (request(drop="To"), "missing To"),
        (request(drop="Call-ID"), "missing Call-ID"),
        (request(drop="CSeq"), "missing CSeq"),
        (request(CSeq="one INVITE"), "CSeq number"),
        (request(CSeq="99999999999 INVITE"), "CSeq number"),
        (request(CSeq="1 BYE"), "CSeq method"),
        (request(start="INVITE SIP/2.0"), "bad request line"),
        (request(start="INV ITE sip:b SIP/2.0"), "bad request line"),
        (request("UPDATE", Session_Expires="1800;refresher="), "malformed Session-Expires"),
        # The header section's rules, read by the library's splitter (RFC 3261 7.3).
        (request(Subject="x\r\nNo colon here"), "header line without a colon"),
        (request(Subject="x\r\nBad Name: 1"), "header name is not a token"),
    ],
)
def test_review_7_a_malformed_request_gets_400_with_the_problem(data: bytes, problem: str) -> None:
    async def scenario() -> None:
        agent, peer = await callee(), RawPeer()
        await peer.open()
        peer.send(data, agent.address)
        answer = await peer.answer()
        assert answer.status == 400 and problem in answer.start, answer.start
        assert not agent.dialogs and agent.engine.counters["established"] == 0
        agent.close()
        peer.close()

    run(scenario)


def test_review_8_stray_and_broken_responses_change_nothing() -> None:
    """RFC 3261 section 17.1.3: a response matching no client transaction is
    dropped, so a stray 200 OK never becomes the accepted 2xx of a report."""

    async def scenario() -> None:
        log = cli.CallLog()
        caller = Agent("caller", Clock(), st.Policy(), log=log)
        await caller.bind()
        peer = RawPeer()
        await peer.open()
        for start in (
            "SIP/2.0 200 OK",
            "SIP/2.0 2x0 OK",
            "SIP/2.0",
            "SIP/2.0 99 Low",
            "SIP/3.0 200",
        ):
            stray = Message(
                start,
                [
                    ("Via", f"SIP/2.0/UDP {HOST}:1;branch=z9hG4bK{token()}"),
                    ("Call-ID", "stray"),
                    ("CSeq", "1 INVITE"),
                    ("Session-Expires", "90;refresher=uac"),
                ],
            )
            peer.send(stray.encode(), caller.address)
        await asyncio.sleep(0.2)
        assert log.events == [] and caller.pending == {}
        assert cli.report(None, log.events, "caller") == {"established": False}
        caller.close()
        peer.close()

    run(scenario)


class BrokenCallee(RawPeer):
    """A callee that answers every INVITE with `status` and `rows`, then 200 to BYE."""

    def __init__(self, status: int, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.status, self.rows = status, rows
        self.seen: list[Message] = []

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        message = Message.parse(data)
        self.seen.append(message)
        to = (str(addr[0]), int(addr[1]))
        if message.method == "INVITE":
            response = message.response(self.status, "Answer", token(4))
            response.headers += self.rows
            self.send(response.encode(), to)
        elif message.method == "BYE":
            self.send(message.response(200, "OK").encode(), to)


@pytest.mark.parametrize(
    ("status", "rows"),
    [
        (422, [("Min-SE", "abc")]),
        (422, []),
        (200, [("Session-Expires", "90;refresher=uac, 90")]),
        (200, [("Session-Expires", "x"), ("Require", "timer")]),
    ],
)
def test_review_9_call_survives_a_malformed_422_or_2xx(
    status: int, rows: list[tuple[str, str]]
) -> None:
    """A 2xx that was accepted is ACKed, then ended with BYE stating why."""

    async def scenario() -> None:
        peer = BrokenCallee(status, rows)
        address = await peer.open()
        caller = Agent("caller", Clock(), st.Policy(session_expires=90))
        await caller.bind()
        dialog = await caller.call(address, f"sip:b@{HOST}:{address[1]}")
        await asyncio.sleep(0.3)
        assert dialog is None and caller.last_failure is not None
        methods = [m.method for m in peer.seen if m.is_request]
        if status == 200:
            assert methods == ["INVITE", "ACK", "BYE"]
            reason = peer.seen[-1].get("Reason") or ""
            assert "cause=400" in reason and "malformed" in reason, reason
        else:
            assert methods == ["INVITE", "ACK"]
        assert not caller.dialogs and len(caller.engine) == 0
        caller.close()
        peer.close()

    run(scenario)


def test_review_9_the_b2bua_always_answers_the_caller() -> None:
    """An outbound 2xx the B2BUA cannot use: the caller gets 502, not silence."""

    async def scenario() -> None:
        peer = BrokenCallee(200, [("Session-Expires", "soon")])
        address = await peer.open()
        middle = BackToBack(
            "b2bua", Clock(), st.B2bua(st.Policy(), st.Policy()), address, "sip:b@x"
        )
        where = await middle.bind()
        caller = Agent("caller", Clock(), st.Policy())
        await caller.bind()
        assert await caller.call(where, "sip:b2bua@x") is None
        assert caller.last_failure is not None and caller.last_failure.status == 502
        middle.close()
        caller.close()
        peer.close()

    run(scenario)


def test_review_10_no_ack_for_our_own_timer_b_408(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "TRANSACTION_TIMEOUT", 1.0)

    async def scenario() -> None:
        silent = RawPeer()
        address = await silent.open()
        caller = Agent("caller", Clock(), st.Policy())
        await caller.bind()
        assert await caller.call(address, "sip:b@x") is None
        assert caller.last_failure is not None and caller.last_failure.status == 408
        await asyncio.sleep(0.2)
        sent = []
        while not silent.received.empty():
            sent.append(silent.received.get_nowait().method)
        assert sent and set(sent) == {"INVITE"}, sent  # retransmissions, never an ACK
        caller.close()
        silent.close()

    run(scenario)


def test_review_10_ended_dialogs_are_dropped_and_proxy_state_is_bounded() -> None:
    async def scenario() -> None:
        clock = Clock()
        alice, bob = Agent("alice", clock), Agent("bob", clock)
        for agent in (alice, bob):
            await agent.bind()
        for _ in range(20):
            dialog = await alice.call(bob.address, "sip:bob@x")
            assert dialog is not None
            await alice.hang_up(dialog)
        await asyncio.sleep(0.2)
        for agent in (alice, bob):
            assert agent.dialogs == {} and agent.by_call_id == {} and len(agent.engine) == 0
            assert agent.pending == {}
        proxy = RelayProxy("proxy", clock, st.Policy())
        await proxy.bind()
        proxy.sides = (alice.address, bob.address)
        peer = RawPeer()
        await peer.open()
        for _ in range(agent_module.REMEMBERED_PROXY_STATE + 50):
            proxy.on_request(Message.parse(request("OPTIONS")), alice.address)
        assert len(proxy.transactions) <= agent_module.REMEMBERED_PROXY_STATE
        for party in (alice, bob, proxy, peer):
            party.close()

    run(scenario)


def test_review_10_a_call_log_keeps_one_call_each_message_once() -> None:
    log = cli.CallLog()
    invite = Message.parse(request())
    for _ in range(3):  # a retransmission is stored once
        log(Event(0, "peer", "me", invite))
    for n in range(cli.CallLog.CALLS * 3):
        log(Event(n, "peer", "me", Message.parse(request())))
    assert len(log.events) == cli.CallLog.CALLS
    log.choose(invite.call_id)
    assert [e.message for e in log.events] == [invite]
    log(Event(9, "peer", "me", Message.parse(request())))
    assert len(log.events) == 1


def test_review_7_8_a_flood_of_hostile_datagrams_then_a_correct_call() -> None:
    """`answer`'s agent flooded from a raw socket (bounded: 2,000 datagrams),
    then a correct call completes; every request got an answer."""

    async def scenario() -> None:
        answering = await callee()
        attacker = RawPeer()
        await attacker.open()
        rng = random.Random(4028)
        shapes: list[Callable[[], bytes]] = [
            lambda: request(x=rng.choice(["abc", "", "1800,90", '90;a="\0"', "-1"])),
            lambda: request(drop=rng.choice(["Via", "From", "To", "Call-ID", "CSeq"])),
            lambda: request(CSeq=rng.choice(["x INVITE", "1", "1 BYE", "-5 INVITE"])),
            lambda: b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x;branch=z9hG4bKzz\r\n\r\n",
            lambda: b"SIP/2.0 abc\r\n\r\n",
            lambda: bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 300))),
            lambda: request("BYE"),
            lambda: request("UPDATE", Min_SE="x"),
            lambda: "INVITE sip:\xe9 SIP/2.0\r\n\r\n".encode("latin-1"),
        ]
        for i in range(2000):
            data = shapes[i % len(shapes)]()
            attacker.send(data, answering.address)
            if data.startswith((b"INVITE", b"BYE", b"UPDATE")):
                # Paced by the answers, so the test does not depend on how
                # many datagrams the loopback queue holds.
                reply = await attacker.answer(2.0)
                assert reply.status in (400, 481), reply.start
        await asyncio.sleep(0.3)
        assert attacker.received.empty(), "an answer to a response or to garbage"
        caller = Agent("caller", Clock(), st.Policy(session_expires=90))
        await caller.bind()
        dialog = await caller.call(answering.address, "sip:callee@x")
        assert dialog is not None
        answered = await asyncio.wait_for(answering.incoming.get(), 2)
        await caller.hang_up(dialog)
        await asyncio.wait_for(answered.ended.wait(), 2)
        assert answering.dialogs == {} and len(answering.engine) == 0
        for party in (answering, attacker, caller):
            party.close()

    run(scenario)


@pytest.mark.parametrize("data", [b"", b"   \n", b"garbage", b"\xff\xfe\x00", b"SIP/2.0 abc\r\n"])
def test_review_11_check_refuses_bad_input_with_the_error_json(
    data: bytes, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert cli.main(["check", "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["error"] and out["message"] and out["status_code"] == 400
