"""A small SIP user agent over asyncio UDP whose session timers all come from
the library: the reference example of embedding sessiontimer in a Python app.

Every session-timer decision is the library's: ``Uac`` builds the INVITE and
its retry after 422 or 420, ``Uas`` answers initial and mid-dialog requests,
and one ``Engine`` per agent owns every dialog's timer. The agent keeps a
single loop timer armed at ``engine.next_deadline()``. When it fires, the
agent polls the engine and does what the engine says: send a refresh (UPDATE
or re-INVITE) or a BYE. The agent only moves SIP messages.

What it implements of RFC 3261 is what a call needs: INVITE (with 422 and 420
retries), ACK, BYE, UPDATE and re-INVITE with SDP, client transactions with
UDP retransmission (Timer A/E) and timeout (Timer B/F: reported to the engine
as 408). One process can run several agents and a relaying proxy
(``RelayProxy``) on one loop, which is what ``sessiontimer demo`` does;
``sessiontimer.b2bua`` joins two agents into a back-to-back UA. In-dialog
requests follow the route set, so a record-routing proxy stays on the path.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import sessiontimer as st

from .sip import Message, canonical, one_line, param, sdp, split_list, token

Address = tuple[str, int]
ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE"
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
REMEMBERED_ANSWERS = 256  # answers to initial INVITEs kept for their retransmissions
KEPT_INCOMING = 64  # answered calls waiting to be picked up; later ones are not queued
REMEMBERED_PROXY_STATE = 4096  # a relaying proxy's transactions and dialogs, oldest dropped


def remember(table: dict[str, Any], key: str, value: Any) -> None:
    """Adds to a table of a proxy's state, dropping the oldest entry past
    ``REMEMBERED_PROXY_STATE``: a peer that never answers costs bounded memory."""
    table[key] = value
    while len(table) > REMEMBERED_PROXY_STATE:
        del table[next(iter(table))]


def malformed_reason(error: st.MalformedHeaderError) -> str:
    """The Reason of a BYE that ends a dialog whose peer sent a malformed
    session-timer header in a 2xx (RFC 3326)."""
    text = one_line(f"malformed {error.header} in 2xx: {error.problem}").replace('"', "'")
    return f'SIP;cause=400;text="{text}"'


class Clock:
    """The time every party of one process shares: ``now_ms()`` for the engine
    and loop times to wake at. ``speed`` above 1 runs session timers faster
    than real time (the demo); against a real peer it must be 1."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self.loop = asyncio.get_running_loop()
        self.start = self.loop.time()

    def now_ms(self) -> int:
        return int((self.loop.time() - self.start) * 1000 * self.speed)

    def loop_time(self, at_ms: int) -> float:
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


@dataclass
class Dialog:
    """One call's dialog, as this agent sees it."""

    key: int
    call_id: str
    local: str  # our From (UAC) or To (UAS) value, with our tag
    remote: str  # theirs, with their tag
    peer: Address
    target: str  # the Request-URI of in-dialog requests
    cseq: int
    route: list[str] = field(default_factory=list)  # RFC 3261 section 12.1
    sdp_version: int = 1
    remote_sdp: str = ""  # the peer's session description in force
    refreshes_sent: int = 0
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    ended_by: str = ""
    reason: str | None = None  # the Reason of the BYE that ended it


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
            if self.on_stray_response(message, source):
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
                    st.TimerHeaders(request.headers)  # a parse error (400) comes first
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


class Agent(Party):
    """A user agent: caller, callee, or both, with one engine for all its dialogs.

    ``silent_after``: stop refreshing after that many refreshes (to show the
    peer's BYE); ``None`` refreshes for as long as the call lasts.
    """

    def __init__(
        self,
        name: str,
        clock: Clock,
        policy: st.Policy | None = None,
        *,
        offer: int | None = None,
        silent_after: int | None = None,
        log: Callable[[Event], None] | None = None,
    ) -> None:
        super().__init__(name, clock, policy, log)
        self.offer = offer
        self.silent_after = silent_after
        self.uas = st.Uas(self.policy)
        self.dialogs: dict[int, Dialog] = {}  # live dialogs by key; ended ones are dropped
        self.by_call_id: dict[str, Dialog] = {}  # the same, by Call-ID
        self.keys = itertools.count(1)
        self.incoming: asyncio.Queue[Dialog] = asyncio.Queue(KEPT_INCOMING)
        self.answers: dict[str, Message] = {}  # final answers to initial INVITEs, by branch
        self.last_failure: Message | None = None  # the final response of a refused call
        self.calls_ended = 0  # dialogs established here and since ended

    def act(self, action: st.Action) -> None:
        """Does what the engine asks for one of our dialogs."""
        dialog = self.dialogs.get(action.key)
        if dialog is not None:
            if action.kind == st.ActionKind.SEND_REFRESH:
                if self.silent_after is not None and dialog.refreshes_sent >= self.silent_after:
                    return  # the refresher goes silent: the peer must BYE
                dialog.refreshes_sent += 1
                self.spawn(
                    self.refresh(dialog, str(action.method or st.Method.UPDATE), action.headers)
                )
            elif action.kind == st.ActionKind.SEND_BYE:
                self.spawn(self.hang_up(dialog, action.bye_reason))

    # ---- requests we send ---------------------------------------------------------

    def in_dialog(
        self, dialog: Dialog, method: str, rows: list[tuple[str, str]], body: str = ""
    ) -> Message:
        if method != "ACK":
            dialog.cseq += 1
        headers = [
            self.via(),
            ("Max-Forwards", "70"),
            *(("Route", hop) for hop in dialog.route),
            ("From", dialog.local),
            ("To", dialog.remote),
            ("Call-ID", dialog.call_id),
            ("CSeq", f"{dialog.cseq} {method}"),
            ("Contact", self.contact()),
            ("Allow", ALLOW),
            *rows,
        ]
        if body:
            headers.append(("Content-Type", "application/sdp"))
        return Message(f"{method} {dialog.target} SIP/2.0", headers, body)

    def contact(self) -> str:
        host, port = self.address
        return f"<sip:{self.name}@{host}:{port}>"

    def offer_sdp(self, dialog: Dialog) -> str:
        return sdp(self.address[0], 40000 + self.address[1] % 1000 * 2, dialog.sdp_version)

    async def refresh(self, dialog: Dialog, method: str, rows: list[tuple[str, str]]) -> Message:
        """Sends a re-INVITE or UPDATE with session-timer `rows` (the engine's
        refresh, or a relayed one) and reports its answer to the engine (a
        transaction timeout is reported as 408, RFC 4028 section 10)."""
        body = self.offer_sdp(dialog) if method == "INVITE" else ""
        request = self.in_dialog(dialog, method, rows, body)
        response = await self.transact(request, dialog.peer)
        if dialog.key not in self.engine:
            return response
        if method == "INVITE" and 200 <= response.status < 300:
            dialog.remote_sdp = response.body or dialog.remote_sdp
            self.send(self.ack_for_2xx(dialog, request), dialog.peer)
        now = self.clock.now_ms()
        try:
            self.engine.on_refresh_response(dialog.key, now, response.status, response.headers)
        except st.MalformedHeaderError as error:
            if 200 <= response.status < 300:
                # A 2xx whose timer cannot be read: the session cannot go on.
                self.spawn(self.hang_up(dialog, malformed_reason(error)))
                return response
            # A failure is a failure whatever its headers say.
            self.engine.on_refresh_response(dialog.key, now, response.status, [])
        self.rearm()
        return response

    async def hang_up(self, dialog: Dialog, reason: str | None = None) -> None:
        """Sends BYE and forgets the dialog."""
        if dialog.ended.is_set():
            return
        self.end(dialog, "us", reason)
        rows = [("Reason", reason)] if reason else []
        await self.transact(self.in_dialog(dialog, "BYE", rows), dialog.peer)

    def end(self, dialog: Dialog, by: str, reason: str | None = None) -> None:
        """The dialog is over: `by` us or the peer, with the BYE's Reason. The
        agent forgets it (its engine session too); who holds it keeps it."""
        dialog.ended_by = by
        dialog.reason = reason
        dialog.ended.set()
        if self.dialogs.pop(dialog.key, None) is not None:
            self.calls_ended += 1
        if self.by_call_id.get(dialog.call_id) is dialog:
            del self.by_call_id[dialog.call_id]
        if dialog.key in self.engine:
            self.engine.remove(dialog.key)
            self.rearm()

    def keep(self, dialog: Dialog) -> None:
        """Tracks a live dialog, found by key and by Call-ID."""
        self.dialogs[dialog.key] = dialog
        self.by_call_id[dialog.call_id] = dialog

    def ack_for_2xx(self, dialog: Dialog, invite: Message) -> Message:
        ack = self.in_dialog(dialog, "ACK", [])
        ack.set("CSeq", f"{invite.cseq[0]} ACK")
        return ack

    async def call(self, to: Address, uri: str, uac: st.Uac | None = None) -> Dialog | None:
        """Places a call: INVITE, retried after 422 (section 7.3) or 420 as the
        library says, then ACK. Returns the dialog, or ``None`` if refused
        (the final response is then in ``last_failure``). `uac` defaults to
        one with this agent's policy and offer."""
        uac = uac or st.Uac(self.policy, self.offer)
        rows = uac.request()
        call_id, tag = f"{token()}@{self.address[0]}", token(4)
        dialog = Dialog(
            next(self.keys),
            call_id,
            f"<sip:{self.name}@{self.address[0]}>;tag={tag}",
            f"<{uri}>",
            to,
            uri,
            0,
        )
        while True:
            invite = self.in_dialog(dialog, "INVITE", rows, self.offer_sdp(dialog))
            response = await self.transact(invite, to)
            if response.status >= 300 and not response.local:
                self.last_failure = response
                # RFC 3261 section 17.1.1.3: the ACK of a failure reuses the branch.
                ack = Message(
                    f"ACK {uri} SIP/2.0",
                    [
                        ("Via", invite.get("Via") or ""),
                        ("From", dialog.local),
                        ("To", response.get("To") or dialog.remote),
                        ("Call-ID", call_id),
                        ("CSeq", f"{invite.cseq[0]} ACK"),
                    ],
                )
                self.send(ack, to)
            elif response.local:
                self.last_failure = response
            try:
                if response.status == 422:
                    rows = uac.on_422(response.headers)
                    continue
                if response.status == 420 and (retry := uac.on_420(response.headers)) is not None:
                    rows = retry
                    continue
            except st.SessionTimerError:
                return None  # a 422 we cannot follow, or a malformed one
            if not 200 <= response.status < 300:
                return None
            dialog.remote = response.get("To") or dialog.remote
            contact = response.get("Contact") or ""
            dialog.target = contact.strip("<>").split(">", 1)[0] if contact else uri
            dialog.route = split_list(response.all("Record-Route"))[::-1]
            dialog.remote_sdp = response.body
            self.keep(dialog)
            self.send(self.ack_for_2xx(dialog, invite), to)
            try:
                session = uac.establish(response.headers, self.clock.now_ms())
            except st.MalformedHeaderError as error:
                # RFC 3261 section 13.2.2.4: a 2xx is ACKed; one we cannot
                # read is then ended at once.
                self.last_failure = response
                await self.hang_up(dialog, malformed_reason(error))
                return None
            self.engine.establish(dialog.key, session)
            self.rearm()
            return dialog

    # ---- requests we receive --------------------------------------------------------

    def find(self, request: Message) -> Dialog | None:
        return self.by_call_id.get(request.call_id)

    def on_request(self, request: Message, source: Address) -> None:
        method = request.method
        dialog = self.find(request)
        if method == "ACK":
            return
        if method == "INVITE" and not request.tag("To"):
            answered = self.answers.get(request.branch)
            if answered is not None:
                self.send(answered, source)  # a retransmission (RFC 3261 section 17.2.1)
            elif dialog is None:
                self.answer_invite(request, source)
        elif dialog is None:
            self.send(request.response(481, "Call/Transaction Does Not Exist"), source)
        elif method in ("INVITE", "UPDATE"):
            self.answer_refresh(dialog, request, source)
        elif method == "BYE":
            self.send(request.response(200, "OK"), source)
            self.end(dialog, "peer", request.get("Reason"))
        else:
            self.send(request.response(200, "OK"), source)

    def answer(self, request: Message, source: Address, response: Message) -> None:
        """Sends the final answer to an initial INVITE, kept for its retransmissions."""
        self.answers[request.branch] = response
        while len(self.answers) > REMEMBERED_ANSWERS:
            del self.answers[next(iter(self.answers))]
        self.send(response, source)

    def answer_invite(self, request: Message, source: Address) -> None:
        """A new call: the library decides 2xx or 422/420/421 (section 9)."""
        decision = self.uas.decide(request.headers, "INVITE")
        tag = token(4)
        if isinstance(decision, st.Reject):
            response = request.response(decision.status, decision.reason, tag)
            response.headers += decision.headers
            self.answer(request, source, response)
            return
        assert isinstance(decision, st.Accept)
        contact = request.get("Contact") or request.get("From") or ""
        dialog = Dialog(
            next(self.keys),
            request.call_id,
            f"{request.get('To')};tag={tag}",
            request.get("From") or "",
            source,
            contact.split("<", 1)[-1].split(">", 1)[0],
            1000,
            split_list(request.all("Record-Route")),
            remote_sdp=request.body,
        )
        self.keep(dialog)
        self.spawn(self.accept(request, source, dialog, decision))

    async def admit(self, request: Message, dialog: Dialog) -> Message | None:
        """Whether to take the call: ``None`` answers 2xx, a response refuses it.
        A back-to-back UA places its outbound call here."""
        return None

    async def accept(
        self, request: Message, source: Address, dialog: Dialog, decision: st.Accept
    ) -> None:
        """Answers an INVITE the library accepted, once ``admit`` agrees; the
        2xx carries the request's Record-Route (RFC 3261 section 12.1.1)."""
        try:
            refusal = await self.admit(request, dialog)
        except Exception as error:  # the caller always gets a final answer
            refusal = request.response(500, f"Server Internal Error ({error!r})", token(4))
        if refusal is not None:
            self.dialogs.pop(dialog.key, None)
            self.by_call_id.pop(dialog.call_id, None)
            self.answer(request, source, refusal)
            return
        response = request.response(200, "OK", param(dialog.local, "tag"))
        response.headers += [("Record-Route", hop) for hop in request.all("Record-Route")]
        response.headers += [("Contact", self.contact()), ("Allow", ALLOW), *decision.headers]
        response.headers.append(("Content-Type", "application/sdp"))
        response.body = self.offer_sdp(dialog)
        session = self.uas.establish(request.headers, decision.timer, self.clock.now_ms())
        self.engine.establish(dialog.key, session)
        self.rearm()
        self.answer(request, source, response)
        if not self.incoming.full():
            self.incoming.put_nowait(dialog)

    def answer_refresh(self, dialog: Dialog, request: Message, source: Address) -> None:
        """A re-INVITE or UPDATE on the dialog: answered as the engine decides;
        a 2xx restarts the timer (sections 9 and 10)."""
        decision = self.engine.answer(dialog.key, request.headers, request.method)
        self.respond_refresh(dialog, request, source, decision)

    def respond_refresh(
        self,
        dialog: Dialog,
        request: Message,
        source: Address,
        decision: st.UasDecision,
    ) -> None:
        """Answers a re-INVITE or UPDATE with the library's decision."""
        if isinstance(decision, st.Reject):
            response = request.response(decision.status, decision.reason)
            response.headers += decision.headers
            self.send(response, source)
            return
        assert isinstance(decision, st.Accept)
        response = request.response(200, "OK")
        response.headers += [("Contact", self.contact()), ("Allow", ALLOW), *decision.headers]
        if request.method == "INVITE":
            response.headers.append(("Content-Type", "application/sdp"))
            response.body = self.offer_sdp(dialog)
        dialog.remote_sdp = request.body or dialog.remote_sdp
        self.engine.refreshed(dialog.key, self.clock.now_ms(), decision.timer)
        self.rearm()
        self.send(response, source)


class RelayProxy(Party):
    """A stateful proxy between two fixed parties, with the library's proxy
    decisions (section 8): it may answer 422 itself, inserts or lowers
    Session-Expires, adds ``refresher=uac`` and ``Require: timer`` to a 2xx
    from a timer-unaware UAS, and drops its state at expiry without a BYE."""

    def __init__(
        self, name: str, clock: Clock, policy: st.Policy, log: Callable[[Event], None] | None = None
    ) -> None:
        super().__init__(name, clock, policy, log)
        self.proxy = st.Proxy(self.policy)
        self.sides: tuple[Address, Address] = (("127.0.0.1", 0), ("127.0.0.1", 0))
        # Requests relayed, by our Via branch, with the timer state of an
        # INVITE or UPDATE; their responses are relayed back, others dropped.
        self.transactions: dict[str, st.ProxyTransaction | None] = {}
        self.dialog_keys: dict[str, int] = {}
        self.answered: dict[str, None] = {}  # branches of requests we answered (422)
        self.keys = itertools.count(1)
        self.ended: collections.deque[int] = collections.deque(maxlen=REMEMBERED_PROXY_STATE)

    def other(self, source: Address) -> Address:
        return self.sides[1] if source == self.sides[0] else self.sides[0]

    def on_request(self, request: Message, source: Address) -> None:
        if request.method == "ACK" and request.branch in self.answered:
            return  # the ACK of our own 422
        transaction = None
        if request.method in ("INVITE", "UPDATE"):
            decision = self.proxy.on_request(request.headers, request.method)
            if isinstance(decision, st.Reject):
                response = request.response(decision.status, decision.reason, token(4))
                response.headers += decision.headers
                remember(self.answered, request.branch, None)
                self.send(response, source)
                return
            request.headers = decision.apply(request.headers)
            transaction = decision.transaction
        if request.method == "BYE":
            self.track(request.call_id, None)
        request.headers.insert(0, self.via())
        if request.method != "ACK":
            remember(self.transactions, request.branch, transaction)
        self.send(request, self.other(source))

    def on_stray_response(self, response: Message, source: Address) -> bool:
        """Relays the response to a request we relayed; drops any other."""
        if response.branch not in self.transactions:
            return False
        transaction = self.transactions[response.branch]
        if response.status >= 200:
            del self.transactions[response.branch]
        response.headers = [
            row for i, row in enumerate(response.headers) if i != self.top_via(response)
        ]
        if transaction is not None and 200 <= response.status < 300:
            try:
                decision = self.proxy.on_2xx(transaction, response.headers)
            except st.MalformedHeaderError:
                decision = None  # relayed as it is; no timer to track
            if decision is not None:
                response.headers = decision.apply(response.headers)
                self.track(response.call_id, decision.interval)
        self.send(response, self.other(source))
        return True

    @staticmethod
    def top_via(message: Message) -> int:
        return next(i for i, (n, _) in enumerate(message.headers) if canonical(n) == "via")

    def track(self, call_id: str, interval: int | None) -> None:
        """Restarts the proxy's view of the session (section 8.3); `None`
        ends it (a BYE), and the dialog is forgotten."""
        key = self.dialog_keys.get(call_id)
        if key is None:
            key = next(self.keys)
            remember(self.dialog_keys, call_id, key)
        if key in self.engine:
            self.engine.remove(key)
        if interval is not None:
            self.engine.establish_proxy(key, interval, self.clock.now_ms())
        else:
            del self.dialog_keys[call_id]
        self.rearm()

    def act(self, action: st.Action) -> None:
        """The session expired: drop the state, no BYE (section 8.3)."""
        self.ended.append(action.key)
