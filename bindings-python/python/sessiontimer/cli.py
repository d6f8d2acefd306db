"""The ``sessiontimer`` command: a live demonstration, real calls against any
SIP peer with a report of what it did with session timers, and a decision
checker for a message's headers.

    sessiontimer demo                       caller, proxy and callee on 127.0.0.1
    sessiontimer call sip:100@127.0.0.1:5060 --se 90 --for 200 [--proxy HOST:PORT] [--json [FILE]]
    sessiontimer answer --port 5062 --min-se 120 --for 200 [--json [FILE]] [--messages]

The exit status is the verdict: 0 when the call was set up, the peer kept every
timer rule and the call ended as planned; 1 when the call failed or a timer rule
was broken (by the peer, or by a refresh that failed); 2 for a usage error.
    sessiontimer b2bua sip:100@127.0.0.1:5060 --port 5070 [--consume]
    sessiontimer check --role uas < invite.txt

With ``--cluster redis://127.0.0.1:6379 --node-id a``, ``call``, ``answer`` and
``b2bua`` keep their session timers in Redis: when a node dies, another node
of the cluster adopts its calls and sends their refreshes and BYEs on time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import itertools
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any

import sessiontimer as st

from .b2bua import BackToBack
from .cluster import LEASE_MS, Cluster
from .proxy import RelayProxy
from .sip import Message, canonical
from .transport import Clock, Event
from .ua import Agent, Dialog

# ---- the ladder ------------------------------------------------------------------------

COLUMN = 26


def ladder(events: Sequence[Event], parties: Sequence[str]) -> str:
    """A ladder diagram: one line per message, its session-timer headers beside it."""
    columns = {name: i * COLUMN for i, name in enumerate(parties)}
    width = COLUMN * (len(parties) - 1) + 1
    lines = ["   time  " + "".join(name.ljust(COLUMN) for name in parties).rstrip()]
    for event in events:
        src, dst = columns.get(event.src, width - 1), columns.get(event.dst, width - 1)
        left, right = sorted((src, dst))
        label = f" {event.summary} "
        span = max(right - left - 1, len(label) + 2)
        dashes = span - len(label)
        body = "─" * (dashes // 2) + label + "─" * (dashes - dashes // 2)
        arrow = body + "▶" if src < dst else "◀" + body
        row = (" " * left + arrow).ljust(width + 2)
        timer = "  ".join(f"{n}: {v}" for n, v in event.timer_rows)
        lines.append(f"{event.at_ms / 1000:7.1f}  {row}{timer}".rstrip())
    return "\n".join(lines)


# ---- demo ----------------------------------------------------------------------------


async def demo(speed: float) -> int:
    """Caller, proxy and callee in one process over loopback UDP."""
    clock = Clock(speed)
    events: list[Event] = []
    caller = Agent(
        "caller", clock, st.Policy(session_expires=90), silent_after=2, log=events.append
    )
    proxy = RelayProxy("proxy", clock, st.Policy(min_se=120), log=events.append)
    callee = Agent("callee", clock, st.Policy(), log=events.append)
    parties = (caller, proxy, callee)
    for party in parties:
        await party.bind()
    for party in parties:
        party.names = {p.address: p.name for p in parties}
    proxy.sides = (caller.address, callee.address)
    print("sessiontimer demo: a caller, a proxy and a callee on 127.0.0.1 UDP, every")
    print("session-timer decision made by the library, every timer run by its engine.")
    print(f"The parties' clock runs {speed:g}x faster than real time (RFC 4028's intervals are")
    print("minutes long); the times below are session time, in seconds.\n")
    print("- the caller asks for 90 s; the proxy's Min-SE is 120: 422, and the caller retries;")
    print(
        "- the callee accepts 120 s with the caller as refresher, who refreshes at half the interval;"
    )
    print("- after two refreshes the caller goes silent, and the callee sends BYE at")
    print("  120 - min(32, 120/3) = 88 s after the last refresh (section 10).\n")
    host, port = callee.address
    dialog = await caller.call(proxy.address, f"sip:callee@{host}:{port}")
    if dialog is None:
        print("the call failed", file=sys.stderr)
        return 1
    answered = await callee.incoming.get()
    await asyncio.wait_for(answered.ended.wait(), timeout=600 / speed + 30)
    await asyncio.sleep(0.2)
    for party in parties:
        party.close()
    print(ladder(events, [p.name for p in parties]))
    refreshes = [
        e
        for e in events
        if e.src == "caller" and e.message.method == "UPDATE" and e.message.is_request
    ]
    bye = next(e for e in events if e.message.method == "BYE" and e.message.is_request)
    last = refreshes[-1].at_ms if refreshes else 0
    print(
        f"\n{len(refreshes)} refreshes by UPDATE; the callee sent BYE {(bye.at_ms - last) / 1000:.1f} s "
        f"after the last one (RFC: 88 s); the proxy, which never sends BYE (section 8.3), "
        f"holds {len(proxy.engine)} sessions."
    )
    return 0


# ---- call and answer: a real peer -----------------------------------------------------


def policy_from(args: argparse.Namespace, **extra: Any) -> st.Policy:
    """The preset, with only the options the user gave over it: the command's
    own defaults never override a preset's values."""
    settings: dict[str, Any] = dict(extra)
    if args.se is not None:
        settings["session_expires"] = args.se
    if args.min_se is not None:
        settings["min_se"] = args.min_se
    if args.refresher:
        settings["refresher"] = args.refresher
    if args.reinvite:
        settings["refresh_method"] = "reinvite_only"
    return st.Policy.preset(args.preset, **settings)


def b2bua_policy(args: argparse.Namespace) -> st.Policy:
    """The B2BUA's policy: `--consume` only ever turns consumption on, so
    `--preset cisco-cube` keeps its own (a hidden scenario's failure)."""
    return policy_from(args, **({"consume_refreshes": True} if args.consume else {}))


def target(uri: str) -> tuple[str, int]:
    hostport = uri.split("@", 1)[-1].split(";", 1)[0].removeprefix("sip:")
    host, _, port = hostport.rpartition(":")
    return (host or hostport, int(port)) if port.isdigit() else (hostport, 5060)


def report(
    dialog: Dialog | None, events: Sequence[Event], me: str, failure: Message | None = None
) -> dict[str, Any]:
    """What the peer did with session timers, from the messages exchanged;
    `failure` is the final response of a call that was refused."""
    out: dict[str, Any] = {"established": dialog is not None}
    if dialog is None and failure is not None:
        out["failure"] = {"status": failure.status, "reason": failure.start.split(" ", 2)[-1]}
    mine = [e for e in events if e.src == me]
    theirs = [e for e in events if e.src != me]
    got_422 = [e for e in theirs if e.message.status == 422]
    sent_422 = [e for e in mine if e.message.status == 422]
    if got_422:
        out["peer_422_min_se"] = [e.message.get("Min-SE") for e in got_422]
    if sent_422:
        asked = int(sent_422[0].message.get("Min-SE") or 0)
        retries = [
            e for e in theirs if e.message.method == "INVITE" and e.at_ms >= sent_422[0].at_ms
        ]
        offered = [
            st.TimerHeaders(e.message.headers).session_expires
            for e in retries
            if e.message.is_request
        ]
        out["our_422_min_se"] = asked
        out["peer_honoured_422"] = any(se is not None and se >= asked for se in offered)
    accepted = next(
        (e for e in events if e.message.status == 200 and e.message.method == "INVITE"), None
    )
    if dialog is None:
        return out
    interval: int | None
    if dialog.adopted is not None and dialog.adopted.timer is not None:
        # A call adopted from a dead node of the cluster: its timer as stored
        # (a 2xx seen here answers a refresh, not the call's INVITE).
        timer = dialog.adopted.timer
        interval = timer.interval
        start = dialog.adopted.refreshed_at_ms
        out["interval"] = interval
        out["adopted"] = {"refresher": str(timer.refresher), "last_refresh_at_s": start / 1000}
    elif accepted is not None:
        headers = st.TimerHeaders(accepted.message.headers)
        interval = headers.session_expires
        out["interval"] = interval
        out["refresher"] = headers.refresher
        out["timer_headers_2xx"] = accepted.timer_rows
        start = accepted.at_ms
    else:
        return out

    def answer_to(request: Event) -> int | None:
        """The status of the final answer to a request, if one came."""
        cseq = request.message.get("CSeq")
        return next(
            (
                e.message.status
                for e in events
                if e.src != request.src
                and not e.message.is_request
                and e.message.status >= 200
                and e.message.get("CSeq") == cseq
            ),
            None,
        )

    def refreshes(side: Sequence[Event]) -> list[dict[str, Any]]:
        found, previous = [], start
        for e in side:
            if (
                e.message.is_request
                and e.message.method in ("UPDATE", "INVITE")
                and e.at_ms > start
            ):
                gap = (e.at_ms - previous) / 1000
                found.append(
                    {
                        "at_s": e.at_ms / 1000,
                        "method": e.message.method,
                        "after_s": gap,
                        "status": answer_to(e),
                    }
                )
                previous = e.at_ms
        return found

    out["our_refreshes"] = refreshes(mine)
    out["peer_refreshes"] = refreshes(theirs)
    if interval:
        # Section 10: the refresh must come before interval - min(32, interval/3).
        limit = interval - min(32, interval / 3)
        out["peer_refreshed_on_time"] = all(r["after_s"] <= limit for r in out["peer_refreshes"])
    bye = next((e for e in events if e.message.is_request and e.message.method == "BYE"), None)
    if bye is not None:
        last = (
            [start] + [int(r["at_s"] * 1000) for r in out["our_refreshes"] + out["peer_refreshes"]]
        )[-1]
        out["bye"] = {
            "by": "us" if bye.src == me else "peer",
            "at_s": bye.at_ms / 1000,
            "after_last_refresh_s": (bye.at_ms - max(last, start)) / 1000,
            "reason": bye.message.get("Reason"),
        }
        if interval and bye.message.get("Reason"):
            # A BYE with a Reason is a timer's (section 10): when it was due.
            out["bye"]["rfc_s"] = interval - min(32, interval / 3)
    out["ended_by"] = dialog.ended_by or "duration"
    return out


def verdict(report: dict[str, Any]) -> tuple[int, list[str]]:
    """The command's exit status and why: 0 when the call was set up, the peer
    kept every timer rule and the call ended as planned; 1 otherwise."""
    why: list[str] = []
    if not report.get("established"):
        failure = report.get("failure")
        why.append(
            f"call failed: {failure['status']} {failure['reason']}" if failure else "no call"
        )
    if report.get("peer_honoured_422") is False:
        why.append("the peer's retry ignored our 422 (section 7.3)")
    if report.get("peer_refreshed_on_time") is False:
        why.append("the peer refreshed late (section 10)")
    for side in ("our_refreshes", "peer_refreshes"):
        for refresh in report.get(side, []):
            status = refresh.get("status")
            if status is not None and not 200 <= status < 300 and status != 491:
                why.append(f"a refresh ({refresh['method']}) was answered {status}")
    bye = report.get("bye")
    if bye and "rfc_s" in bye:
        why.append(f"a session timer ended the call ({bye['by']}: {bye['reason']})")
    return (1 if why else 0), why


class CallLog:
    """The messages a report needs, and no others: those of the calls it
    reports on (chosen by Call-ID once known; until then, of the first
    ``CALLS`` Call-IDs, ``PER_CALL`` messages each), each message once, however
    often it was retransmitted. A flood of other calls costs nothing here."""

    CALLS = 64
    PER_CALL = 256

    def __init__(self) -> None:
        self.by_call: dict[str, list[Event]] = {}
        self.seen: set[tuple[str, str, str, str]] = set()
        self.chosen: tuple[str, ...] = ()

    def __call__(self, event: Event) -> None:
        message = event.message
        call_id = message.call_id
        if self.chosen and call_id not in self.chosen:
            return
        key = self.identity(event)
        if key in self.seen:
            return  # a retransmission
        events = self.by_call.get(call_id)
        if events is None:
            if len(self.by_call) >= self.CALLS:
                return
            events = self.by_call[call_id] = []
        if len(events) < self.PER_CALL:
            events.append(event)
            self.seen.add(key)

    def choose(self, *call_ids: str) -> None:
        """From now on, keep only these calls' messages (and forget the others')."""
        self.chosen = call_ids
        self.by_call = {c: self.by_call.get(c, []) for c in call_ids}
        self.seen = {self.identity(e) for e in self.events}

    @staticmethod
    def identity(event: Event) -> tuple[str, str, str, str]:
        """What a retransmission shares with the original: sender, start line,
        branch and CSeq."""
        message = event.message
        return (event.src, message.start, message.branch, message.get("CSeq") or "")

    @property
    def events(self) -> list[Event]:
        """Every kept message, in time order."""
        return sorted((e for es in self.by_call.values() for e in es), key=lambda e: e.at_ms)


async def until_ended(agent: Agent, calls: int) -> None:
    """Waits until `calls` dialogs the agent answered have ended."""
    while agent.calls_ended < calls:
        await asyncio.sleep(0.1)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """`call` or `answer`: one real call, then the report."""
    log = CallLog()
    agent = Agent(
        "sessiontimer",
        Clock(wall=args.cluster is not None),
        policy_from(args),
        silent_after=args.silent_after,
        log=log,
    )
    async with clustered(args, [agent]):
        dialog = await place_or_answer(args, agent, log)
    events = log.events
    out = report(dialog, events, agent.name, agent.last_failure)
    out["policy"] = agent.policy.to_dict()
    return {"events": events, "parties": [agent.name, "peer"], "report": out}


async def place_or_answer(args: argparse.Namespace, agent: Agent, log: CallLog) -> Dialog | None:
    """Places the call or answers one (an adopted call counts), follows it to
    its end, and closes the agent."""
    await bind(agent, args.bind, args.port, standby=args.cluster is not None)
    if agent.cluster is not None:
        agent.spawn(agent.replicate())
    dialog: Dialog | None = None
    with contextlib.suppress(asyncio.TimeoutError):
        if args.command == "call":
            dialog = await agent.call(target(args.proxy or args.uri), args.uri)
        else:
            print(
                f"answering on {agent.address[0]}:{agent.address[1]}", file=sys.stderr, flush=True
            )
            dialog = await asyncio.wait_for(agent.incoming.get(), args.wait)
        if dialog is not None:
            log.choose(dialog.call_id)
            await asyncio.wait_for(dialog.ended.wait(), args.duration)
            if args.command == "answer":
                await asyncio.wait_for(until_ended(agent, args.calls), args.duration)
    if dialog is not None and not dialog.ended.is_set():
        await agent.hang_up(dialog)
    await asyncio.sleep(0.2)
    agent.close()
    return dialog


async def bind(agent: Agent, host: str, port: int, *, standby: bool) -> None:
    """Binds the agent; a standby node of a cluster waits for an address in
    use to come free (a floating address moving to it), reporting once."""
    for attempt in itertools.count():
        try:
            await agent.bind(host, port)
            return
        except OSError as error:
            if not standby or error.errno != errno.EADDRINUSE:
                raise
        if attempt == 0:
            print(f"standby: waiting for {host}:{port}", file=sys.stderr, flush=True)
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def clustered(args: argparse.Namespace, agents: Sequence[Agent]) -> AsyncIterator[None]:
    """With ``--cluster``: each agent is a node of the cluster (a back-to-back
    UA's legs each their own; ``Agent.replicate`` joins once the agent holds
    its address) and leaves it at the end."""
    if args.cluster is None:
        yield
        return
    try:
        from redis.asyncio import Redis
    except ImportError as error:
        raise ValueError("--cluster needs redis-py: pip install 'sessiontimer[cluster]'") from error
    redis = Redis.from_url(args.cluster)
    node = args.node_id or f"{socket.gethostname()}-{os.getpid()}"
    try:
        for i, agent in enumerate(agents):
            # A back-to-back UA's legs are two clusters: a leg adopts only its own kind.
            prefix = "sessiontimer" if len(agents) == 1 else f"sessiontimer:{('in', 'out')[i]}"
            cluster = Cluster(
                redis,
                node,
                agent.engine,
                agent.dialog_context,
                prefix=prefix,
                lease_ms=args.lease_ms,
            )
            agent.join(cluster)
        yield
        for agent in agents:
            if agent.cluster is not None:
                await agent.cluster.leave()
    finally:
        await redis.aclose()


async def bridge(args: argparse.Namespace) -> dict[str, Any]:
    """`b2bua`: answers one call, places it on to URI, and reports each leg."""
    log = CallLog()
    policy = b2bua_policy(args)
    b2bua = st.B2bua(policy, policy)
    clock = Clock(wall=args.cluster is not None)
    middle = BackToBack("sessiontimer", clock, b2bua, target(args.proxy or args.uri), args.uri, log)
    async with clustered(args, middle.legs):
        legs = await bridge_call(args, middle, log)
    events = log.events
    reports: dict[str, Any] = {"established": legs[1] is not None}
    peers = [f"{d.peer[0]}:{d.peer[1]}" if d else "-" for d in legs]
    failures = [None, middle.outbound.last_failure]
    for side, dialog, peer, failure in zip(("inbound", "outbound"), legs, peers, failures):
        mine = [e for e in events if peer in (e.src, e.dst)]
        reports[side] = report(dialog, mine, "sessiontimer", failure)
    reports["policy"] = policy.to_dict()
    return {"events": events, "parties": [peers[0], "sessiontimer", peers[1]], "report": reports}


async def bridge_call(
    args: argparse.Namespace, middle: BackToBack, log: CallLog
) -> list[Dialog | None]:
    """Answers one call (or adopts one) and bridges it until it ends; both legs."""
    standby = args.cluster is not None
    await bind(middle.outbound, args.bind, args.outbound_port, standby=standby)
    await bind(middle.inbound, args.bind, args.port, standby=standby)
    for leg in middle.legs:
        if leg.cluster is not None:
            leg.spawn(leg.replicate())
    host, port = middle.inbound.address
    print(f"answering on {host}:{port}, calling {args.uri}", file=sys.stderr, flush=True)
    legs: list[Dialog | None] = [None, None]
    with contextlib.suppress(asyncio.TimeoutError):
        inbound = await asyncio.wait_for(middle.inbound.incoming.get(), args.wait)
        legs = [inbound, middle.inbound.partners.get(inbound.key)]
        log.choose(*(leg.call_id for leg in legs if leg is not None))
        await asyncio.wait_for(inbound.ended.wait(), args.duration)
    if legs[0] is not None and not legs[0].ended.is_set():
        await middle.inbound.hang_up(legs[0])
    await asyncio.sleep(0.2)
    middle.close()
    return legs


def print_outcome(outcome: dict[str, Any], as_json: str | None, messages: bool) -> None:
    """The report: as JSON on stdout (`as_json` "-"), or the ladder and the
    report as text, and then, with `as_json` a file name, the JSON there too."""
    document = json.dumps(outcome["report"], indent=2)
    if as_json == "-":
        print(document)
        return
    print(ladder(outcome["events"], outcome["parties"]))
    if messages:
        for event in outcome["events"]:
            print(f"\n--- {event.at_ms / 1000:.3f} s  {event.src} -> {event.dst}")
            print(event.message.encode().decode(errors="replace").rstrip("\r\n"))
    print()
    for key, value in outcome["report"].items():
        print(f"{key:>18}: {value}")
    if as_json is not None:
        with open(as_json, "w") as file:
            file.write(document + "\n")


# ---- check -----------------------------------------------------------------------------


class InputError(Exception):
    """What `check` read is not a SIP message or header list."""


def read_input() -> str:
    """Standard input as UTF-8 text (RFC 3261 section 7: SIP is UTF-8)."""
    stream = sys.stdin
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"the input is not UTF-8 (byte {error.start})") from None
    if not text.strip():
        raise InputError("the input is empty: give a SIP message or header lines")
    return text


def check(args: argparse.Namespace) -> dict[str, Any]:
    """The decision of a role for the message on stdin."""
    raw = read_input()
    if (
        not raw.lstrip().startswith(("INVITE", "UPDATE", "SIP/2.0"))
        and ":" in raw.split("\n", 1)[0]
    ):
        raw = "INVITE sip:check@127.0.0.1 SIP/2.0\r\n" + raw
    raw = raw.replace("\r\n", "\n").replace("\n", "\r\n")
    if "\r\n\r\n" not in raw:
        raw += "\r\n"
    try:
        message = Message.parse(raw.encode())
    except ValueError as error:
        raise InputError(str(error)) from None
    policy = st.Policy.preset(args.preset)
    headers = st.TimerHeaders(raw)
    out: dict[str, Any] = {"role": args.role, "message": message.start}
    if args.role == "uas":
        out["decision"] = repr(st.Uas(policy).decide(headers))
    elif args.role == "proxy":
        out["decision"] = repr(st.Proxy(policy).on_request(headers))
    else:
        uac = st.Uac(policy)
        out["request"] = uac.request()
        if message.status == 422:
            out["retry"] = uac.on_422(headers)
        elif 200 <= message.status < 300:
            timer = uac.on_2xx(headers)
            out["timer"] = repr(timer)
    out["timer_headers"] = [
        (n, v)
        for n, v in message.headers
        if canonical(n) in ("session-expires", "min-se", "supported", "require")
    ]
    return out


# ---- entry point ---------------------------------------------------------------------


def add_call_options(p: argparse.ArgumentParser, name: str) -> None:
    """The options of the commands that place or take calls (`name`: call,
    answer or b2bua)."""
    if name in ("call", "b2bua"):
        p.add_argument("uri", help="sip:user@host:port")
        p.add_argument("--proxy", help="outbound proxy, host:port (default: the URI's host)")
    if name == "b2bua":
        p.add_argument(
            "--consume", action="store_true", help="answer pure refreshes on their own leg"
        )
        p.add_argument(
            "--outbound-port",
            type=int,
            default=0,
            help="UDP port of the outbound leg (default: any free port)",
        )
    p.add_argument("--bind", default="127.0.0.1", help="local address (default 127.0.0.1)")
    port = {"call": 0, "answer": 5062, "b2bua": 5070}[name]
    p.add_argument(
        "--port", type=int, default=port, help=f"local UDP port (default {port or 'any'})"
    )
    p.add_argument(
        "--se",
        type=int,
        default=None,
        help="Session-Expires to ask for or accept up to (default: the preset's, 1800)",
    )
    p.add_argument(
        "--min-se", type=int, default=None, help="smallest interval (default: the preset's, 90)"
    )
    p.add_argument(
        "--refresher",
        choices=["auto", "local", "remote", "uac", "uas"],
        help="who refreshes when the choice is ours (as UAS, Table 2); as UAC, uac or local "
        "asks to refresh (refresher=uac, section 7.1) and the others leave the choice to "
        "the UAS, as the RFC recommends",
    )
    p.add_argument("--reinvite", action="store_true", help="refresh by re-INVITE only")
    p.add_argument(
        "--preset",
        default="rfc4028",
        choices=[str(n) for n in st.PRESETS],
        help="a vendor's settings; options given override only their own value",
    )
    p.add_argument(
        "--silent-after", type=int, default=None, help="stop refreshing after N refreshes"
    )
    p.add_argument(
        "--for", dest="duration", type=float, default=120.0, help="seconds before we hang up"
    )
    p.add_argument("--wait", type=float, default=60.0, help="(answer) seconds to wait for the call")
    add_cluster_options(p)
    if name == "answer":
        p.add_argument(
            "--calls",
            type=int,
            default=1,
            help="answer calls until this many have ended (the report is of the first)",
        )
    add_report_options(p)


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    """The options that keep a call command's timers in a cluster."""
    p.add_argument(
        "--cluster",
        metavar="URL",
        help="keep session timers in Redis (redis://host:port/db or unix:///path) so that "
        "another node adopts our calls if we die; wait for --port if it is in use",
    )
    p.add_argument("--node-id", help="this node's name in the cluster (default: host name and PID)")
    p.add_argument(
        "--lease-ms",
        type=int,
        default=LEASE_MS,
        help=f"how long the cluster waits for a silent node (default {LEASE_MS})",
    )


def add_report_options(p: argparse.ArgumentParser) -> None:
    """The options that choose how a call command reports."""
    p.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="FILE",
        help="the report as JSON: on stdout instead of the ladder, or into FILE as well",
    )
    p.add_argument(
        "--messages", action="store_true", help="print every message whole after the ladder"
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="sessiontimer", description=__doc__.splitlines()[0] if __doc__ else None
    )
    top.add_argument("--version", action="version", version=st.__version__)
    sub = top.add_subparsers(dest="command", required=True)
    d = sub.add_parser(
        "demo", help="caller, proxy and callee over loopback UDP, with a ladder diagram"
    )
    d.add_argument(
        "--speed", type=float, default=20.0, help="how much faster than real time (default 20)"
    )
    for name, help_ in (
        ("call", "call URI and report what the peer did"),
        ("answer", "answer one call and report"),
        ("b2bua", "answer one call, bridge it to URI as a back-to-back UA, report each leg"),
    ):
        add_call_options(sub.add_parser(name, help=help_), name)
    c = sub.add_parser("check", help="the decision for the headers on stdin")
    c.add_argument("--role", choices=["uas", "uac", "proxy"], default="uas", help="whose decision")
    c.add_argument(
        "--preset", default="rfc4028", choices=[str(n) for n in st.PRESETS], help="settings"
    )
    c.add_argument("--json", action="store_true", help="the decision as JSON")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "demo":
        return asyncio.run(demo(args.speed))
    if args.command == "check":
        try:
            out = check(args)
        except st.SessionTimerError as error:
            out = {
                "error": type(error).__name__,
                "message": str(error),
                "status_code": error.status_code,
            }
        except InputError as error:
            out = {"error": "InputError", "message": str(error), "status_code": 400}
        print(
            json.dumps(out, indent=2)
            if args.json
            else "\n".join(f"{k}: {v}" for k, v in out.items())
        )
        return 0 if "error" not in out else 2
    try:
        if hasattr(args, "uri") and not args.uri.startswith(("sip:", "sips:")):
            raise ValueError(f"{args.uri!r} is not a SIP URI (sip:user@host:port)")
        outcome = asyncio.run(bridge(args) if args.command == "b2bua" else run(args))
    except (st.SessionTimerError, ValueError, OSError) as error:
        # A usage error: one line, status 2 (a port in use, --se 60, a bad URI).
        print(f"sessiontimer: error: {error}", file=sys.stderr)
        return 2
    legs = [outcome["report"]]
    if args.command == "b2bua":
        legs = [outcome["report"]["inbound"], outcome["report"]["outbound"]]
    status, why = 0, list[str]()
    for leg in legs:
        leg_status, leg_why = verdict(leg)
        status, why = max(status, leg_status), why + leg_why
    outcome["report"]["verdict"] = {"status": status, "why": why}
    print_outcome(outcome, args.json, args.messages)
    return status


if __name__ == "__main__":
    sys.exit(main())
