"""The transport every party of the agent shares: a UDP socket on asyncio,
the event log the ladder and reports are drawn from, client transactions
with UDP retransmission (RFC 3261 sections 17.1.1.2 and 17.1.2.2: Timer A/E,
and B/F as a 408 reported to the engine), every datagram answered sanely or
dropped, and one loop timer armed at the engine's next deadline.

The user agent (``sessiontimer.ua``) and the relaying proxy
(``sessiontimer.proxy``) are built on it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import sessiontimer as st

from .cluster import wall_clock_ms
from .sip import Message, canonical, token

Address = tuple[str, int]
TIMER_HEADERS = {
    "session-expires",
    "min-se",
    "supported",
    "require",
    "unsupported",
    "proxy-require",
}
T1 = 0.5  # RFC 3261 Timer T1, in seconds.
TRANSACTION_TIMEOUT = 64 * T1  # Timer B and Timer F.
PROCEEDING_TIMEOUT = 180.0  # how long an INVITE may stay unanswered after a 1xx (Timer C).


class Clock:
    """The time every party of one process shares: ``now_ms()`` for the engine
    and loop times to wake at. ``speed`` above 1 runs session timers faster
    than real time (the demo); against a real peer it must be 1. ``wall``
    counts Unix milliseconds instead of time since start: the clock every node
    of a cluster shares (``sessiontimer.cluster``)."""

    def __init__(self, speed: float = 1.0, *, wall: bool = False) -> None:
        self.speed = speed
        self.wall = wall
        self.loop = asyncio.get_running_loop()
        self.start = self.loop.time()

    def now_ms(self) -> int:
        if self.wall:
            return wall_clock_ms()
        return int((self.loop.time() - self.start) * 1000 * self.speed)

    def loop_time(self, at_ms: int) -> float:
        if self.wall:
            return self.loop.time() + (at_ms - self.now_ms()) / 1000
        return self.start + at_ms / 1000 / self.speed


@dataclass(frozen=True)
class Event:
    """One message on the wire, as the ladder and the reports show it."""

    at_ms: int
    src: str
    dst: str
    message: Message

    @property
    def summary(self) -> str:
        start = self.message.start
        if self.message.is_request:
            return start.split(" ", 1)[0]
        return start.split(" ", 1)[1] + f" ({self.message.cseq[1]})"

    @property
    def timer_rows(self) -> list[tuple[str, str]]:
        return [(n, v) for n, v in self.message.headers if canonical(n) in TIMER_HEADERS]


class Party(asyncio.DatagramProtocol):
    """What agents and the relaying proxy share: a UDP socket, the event log,
    client transactions, names for addresses, and an engine with one loop timer."""

    def __init__(
        self, name: str, clock: Clock, policy: st.Policy | None, log: Callable[[Event], None] | None
    ) -> None:
        self.name = name
        self.clock = clock
        self.policy = policy or st.Policy()
        self.engine = st.Engine(self.policy)
        self.timer: asyncio.TimerHandle | None = None
        self.log = log or (lambda event: None)
        self.names: dict[Address, str] = {}
        self.pending: dict[str, asyncio.Future[Message]] = {}
        self.transport: asyncio.DatagramTransport | None = None
        self.address: Address = ("127.0.0.1", 0)
        self.tasks: set[asyncio.Task[object]] = set()
        self.proceeding: set[str] = set()  # INVITE branches that got a 1xx

    def spawn(self, work: Coroutine[Any, Any, object]) -> None:
        """Runs `work` in the background, keeping a reference until it ends."""
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def bind(self, host: str = "127.0.0.1", port: int = 0) -> Address:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port))
        self.transport = transport
        self.address = transport.get_extra_info("sockname")[:2]
        return self.address

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def send(self, message: Message, to: Address) -> None:
        assert self.transport is not None, "bind() first"
        self.transport.sendto(message.encode(), to)
        self.log(
            Event(self.clock.now_ms(), self.name, self.names.get(to, f"{to[0]}:{to[1]}"), message)
        )

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        """One datagram from anyone: a request is answered (400 when it is
        malformed, with the problem stated), a response goes to its client
        transaction; anything else is dropped (RFC 3261 section 17.1.3)."""
        source: Address = (str(addr[0]), int(addr[1]))
        try:
            message = Message.parse(data)
        except ValueError:
            return
        if message.is_request:
            self.heard(message, source)
            self.receive_request(message, source)
            return
        future = self.pending.get(message.branch)
        if future is None:
            try:
                taken = self.on_stray_response(message, source)
            except Exception:  # a response cannot be answered: one that fails here is dropped
                taken = False
            if taken:
                self.heard(message, source)
            return
        self.heard(message, source)
        if message.status >= 200 and not future.done():
            future.set_result(message)
        elif message.status < 200:
            self.proceeding.add(message.branch)

    def heard(self, message: Message, source: Address) -> None:
        """Logs a message from a peer outside this process (its side of the ladder)."""
        if source not in self.names:
            self.log(Event(self.clock.now_ms(), f"{source[0]}:{source[1]}", self.name, message))

    def receive_request(self, request: Message, source: Address) -> None:
        """Answers a request: 400 with the problem when it is malformed (a
        missing header, a bad CSeq, a malformed session-timer header: RFC 3261
        section 21.4.1), 500 when answering it failed here; never a traceback."""
        problem = request.problem()
        try:
            if problem is None:
                if request.method in ("INVITE", "UPDATE"):
                    request.timer_headers()  # a parse error (400) comes first
                self.on_request(request, source)
                return
        except st.MalformedHeaderError as error:
            problem = f"malformed {error.header}: {error.problem}"
        except Exception as error:  # one bad request must not stop the agent
            if request.method != "ACK":
                self.send(request.response(500, f"Server Internal Error ({error!r})"), source)
            return
        if request.method != "ACK":
            self.send(request.response(400, f"Bad Request ({problem})"), source)

    # ---- the engine's one loop timer -------------------------------------------------

    def rearm(self) -> None:
        """Call after every change to the engine: wake at its next deadline."""
        if self.timer is not None:
            self.timer.cancel()
        deadline = self.engine.next_deadline()
        if deadline is not None:
            self.timer = self.clock.loop.call_at(self.clock.loop_time(deadline), self.fire)

    def fire(self) -> None:
        for action in self.engine.poll(self.clock.now_ms()):
            self.act(action)
        self.rearm()

    def act(self, action: st.Action) -> None:
        raise NotImplementedError

    def on_request(self, request: Message, source: Address) -> None:
        raise NotImplementedError

    def on_stray_response(self, response: Message, source: Address) -> bool:
        """A response to no client transaction of ours: true when it is taken
        (a proxy relays responses); by default it is dropped."""
        return False

    def via(self) -> tuple[str, str]:
        host, port = self.address
        return ("Via", f"SIP/2.0/UDP {host}:{port};branch=z9hG4bK{token()};rport")

    async def transact(self, request: Message, to: Address) -> Message:
        """Sends a request and waits for its final response, retransmitting over
        UDP (RFC 3261 sections 17.1.1.2 and 17.1.2.2): an INVITE stops
        retransmitting at its first 1xx. A timeout gives 408."""
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self.pending[request.branch] = future
        interval = T1
        waited = 0.0
        try:
            self.send(request, to)
            while True:
                proceeding = request.method == "INVITE" and request.branch in self.proceeding
                limit = PROCEEDING_TIMEOUT if proceeding else TRANSACTION_TIMEOUT
                if waited >= limit:
                    timeout = request.response(408, "Request Timeout")
                    timeout.local = True  # no ACK for it: the peer never answered
                    return timeout
                step = min(interval, limit - waited)
                with contextlib.suppress(asyncio.TimeoutError):
                    return await asyncio.wait_for(asyncio.shield(future), step)
                waited += step
                if not proceeding:
                    interval = (
                        interval * 2 if request.method == "INVITE" else min(interval * 2, 4.0)
                    )
                    assert self.transport is not None
                    self.transport.sendto(request.encode(), to)
        finally:
            self.pending.pop(request.branch, None)
            self.proceeding.discard(request.branch)
