"""A SIP user agent whose session timers all come from the library: caller,
callee or both, with one ``Engine`` for all its dialogs.

Every session-timer decision is the library's: ``Uac`` builds the INVITE and
its retry after 422 or 420, ``Uas`` answers initial and mid-dialog requests
(``Uas.establish`` gives the dialog's session), and the engine runs every
timer; the agent sends what the engine says (a refresh or a BYE with the
library's Reason). What it implements of RFC 3261 is what a call needs:
INVITE (with 422 and 420 retries), ACK, BYE, UPDATE and re-INVITE with SDP.
In-dialog requests follow the route set, so a record-routing proxy stays on
the path.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sessiontimer as st

from .cluster import Adopted, Cluster, RedisError
from .sip import Message, canonical, one_line, param, sdp, split_list, token
from .transport import Address, Clock, Event, Party

ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE"
REMEMBERED_ANSWERS = 256  # answers to initial INVITEs kept for their retransmissions
KEPT_INCOMING = 64  # answered calls waiting to be picked up; later ones are not queued
LOST = "another node"  # who ended a dialog another node of the cluster took from us
CSEQ_AFTER_ADOPTION = 100  # how far an adopted dialog's CSeq jumps past the stored one
# What a node keeps of a dialog beside its timer, to act for it after adoption.
CONTEXT_FIELDS = ("call_id", "local", "remote", "peer", "target", "cseq", "route", "sdp_version")


def malformed_reason(error: st.MalformedHeaderError) -> str:
    """The Reason of a BYE that ends a dialog whose peer sent a malformed
    session-timer header in a 2xx (RFC 3326)."""
    text = one_line(f"malformed {error.header} in 2xx: {error.problem}").replace('"', "'")
    return f'SIP;cause=400;text="{text}"'


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
    adopted: st.Session | None = None  # the session as adopted from a dead node, if so

    def context(self) -> dict[str, Any]:
        """What another node needs to act for this dialog (``sessiontimer.cluster``)."""
        return {name: getattr(self, name) for name in (*CONTEXT_FIELDS, "remote_sdp")}

    @classmethod
    def from_context(cls, key: int, context: dict[str, Any]) -> Dialog:
        """A dialog another node held, from its context; its CSeq jumps ahead,
        since the dead node may have sent requests after its last write."""
        values = {name: context[name] for name in CONTEXT_FIELDS}
        values["peer"] = (str(values["peer"][0]), int(values["peer"][1]))
        values["cseq"] = int(values["cseq"]) + CSEQ_AFTER_ADOPTION
        return cls(key, remote_sdp=str(context.get("remote_sdp", "")), **values)


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
        self.keys: Iterator[int] = itertools.count(1)
        self.incoming: asyncio.Queue[Dialog] = asyncio.Queue(KEPT_INCOMING)
        self.answers: dict[str, Message] = {}  # final answers to initial INVITEs, by branch
        self.last_failure: Message | None = None  # the final response of a refused call
        self.calls_ended = 0  # dialogs established here and since ended
        self.cluster: Cluster | None = None
        self.store_error: str | None = None  # the cluster store's last failure

    def join(self, cluster: Cluster) -> None:
        """Keeps this agent's sessions in `cluster` (its engine must be the
        cluster's): every action is claimed first, keys are random (unique
        across nodes), and ``replicate`` runs the cluster's rounds."""
        self.cluster = cluster
        self.keys = iter(lambda: secrets.randbits(63), -1)

    async def replicate(self) -> None:
        """The cluster's rounds, for as long as the agent runs: adopted dialogs
        are rebuilt (and queued as incoming), lost ones forgotten. Joins first."""
        assert self.cluster is not None
        cluster = self.cluster
        while True:
            try:
                if not cluster.shard:
                    await cluster.join()
                adopted, lost = await cluster.step()
            except (OSError, RedisError) as error:
                # The store is out of reach: try again next round. Our lease
                # lapses meanwhile, so another node may adopt our calls; every
                # action waits for a claim the store grants.
                self.store_error = repr(error)
                adopted, lost = [], []
            for session in adopted:
                self.take_over(session)
            for key in lost:
                if (dialog := self.dialogs.get(key)) is not None:
                    self.end(dialog, LOST)
            self.rearm()
            await asyncio.sleep(cluster.lease_ms / 3000)

    def take_over(self, session: Adopted) -> None:
        """A dialog adopted from a dead node: kept, and handed out as incoming."""
        try:
            dialog = Dialog.from_context(session.key, session.context)
        except (KeyError, TypeError, ValueError, IndexError):
            # A context we cannot read (a damaged store): no dialog to act in.
            self.engine.remove(session.key)
            return
        dialog.adopted = self.engine.session(session.key)
        self.keep(dialog)
        if not self.incoming.full():
            self.incoming.put_nowait(dialog)

    def dialog_context(self, key: int) -> dict[str, Any] | None:
        dialog = self.dialogs.get(key)
        return dialog.context() if dialog is not None else None

    def act(self, action: st.Action) -> None:
        """Does what the engine asks for one of our dialogs; in a cluster,
        once the store grants that we still hold it."""
        if self.cluster is None:
            self.perform(action)
        else:
            self.spawn(self.act_claimed(action, self.cluster))

    async def act_claimed(self, action: st.Action, cluster: Cluster) -> None:
        ending = action.kind is not st.ActionKind.SEND_REFRESH
        try:
            granted = await cluster.claim(action.key, ending)
        except (OSError, RedisError) as error:
            # Whether we still hold the call is unknown: act on nothing.
            self.store_error = repr(error)
            return
        if granted:
            self.perform(action)
        elif (dialog := self.dialogs.get(action.key)) is not None:
            self.end(dialog, LOST)  # replaced: not ours to act on

    def perform(self, action: st.Action) -> None:
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
        if (
            method not in ("ACK", "CANCEL")
            and self.policy.mode is not st.Mode.OFF
            and not any(canonical(name) == "supported" for name, _ in rows)
        ):
            # RFC 4028 section 7.1: a UA with timers lists `timer` in Supported
            # in its requests, BYE included (RFC 3261 allows none in ACK or CANCEL).
            rows = [*rows, ("Supported", "timer")]
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
        decision = self.uas.decide(request.timer_headers(), "INVITE")
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
        session = self.uas.establish(request.timer_headers(), decision.timer, self.clock.now_ms())
        self.engine.establish(dialog.key, session)
        self.rearm()
        self.answer(request, source, response)
        if not self.incoming.full():
            self.incoming.put_nowait(dialog)

    def answer_refresh(self, dialog: Dialog, request: Message, source: Address) -> None:
        """A re-INVITE or UPDATE on the dialog: answered as the engine decides;
        a 2xx restarts the timer (sections 9 and 10)."""
        decision = self.engine.answer(dialog.key, request.timer_headers(), request.method)
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
