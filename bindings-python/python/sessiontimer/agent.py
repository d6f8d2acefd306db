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

The agent is in three modules, each with one job: ``transport`` (the UDP
socket, the event log, client transactions, the engine's loop timer), ``ua``
(the user agent and its dialogs) and ``proxy`` (the relaying proxy). This
module gathers their names.
"""

from __future__ import annotations

from .proxy import REMEMBERED_PROXY_STATE, RelayProxy
from .transport import PROCEEDING_TIMEOUT, T1, TRANSACTION_TIMEOUT, Address, Clock, Event, Party
from .ua import ALLOW, KEPT_INCOMING, REMEMBERED_ANSWERS, Agent, Dialog, malformed_reason

__all__ = [
    "ALLOW",
    "KEPT_INCOMING",
    "PROCEEDING_TIMEOUT",
    "REMEMBERED_ANSWERS",
    "REMEMBERED_PROXY_STATE",
    "T1",
    "TRANSACTION_TIMEOUT",
    "Address",
    "Agent",
    "Clock",
    "Dialog",
    "Event",
    "Party",
    "RelayProxy",
    "malformed_reason",
]
