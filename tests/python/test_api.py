"""The Python shape of the API: settings, header forms, outcomes, B2BUA, pickling."""

from __future__ import annotations

import copy
import enum
import pickle

import pytest

import sessiontimer as st

INVITE = (
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
    "Supported: 100rel,\r\n timer\r\n"
    "x: 1800\r\n"
    "Content-Length: 0\r\n\r\n"
)

ENUMS: list[type[enum.Enum]] = [
    st.Mode,
    st.RefresherPreference,
    st.RefreshMethod,
    st.ByeMargin,
    st.Side,
    st.Refresher,
    st.Method,
    st.Leg,
    st.RefreshKind,
    st.ActionKind,
    st.Teardown,
]


def test_policy_defaults_are_the_rfc() -> None:
    policy = st.Policy()
    assert policy.mode == st.Mode.ORIGINATE
    assert (policy.session_expires, policy.min_se, policy.max_session_expires) == (1800, 90, None)
    assert policy.refresher == st.RefresherPreference.AUTO
    assert policy.refresh_method == st.RefreshMethod.AUTO
    assert policy.bye_margin == st.ByeMargin.RFC
    assert policy.max_422_retries == 3
    assert policy == st.Policy(**policy.to_dict())
    assert "session_expires=1800" in repr(policy)


def test_enums_are_real_python_enums_made_from_the_core_lists() -> None:
    assert list(st.Mode) == [
        st.Mode.OFF,
        st.Mode.ACCEPT,
        st.Mode.ORIGINATE,
        st.Mode.REQUIRED,
        st.Mode.ALWAYS,
    ]
    assert all(issubclass(e, enum.Enum) for e in ENUMS)
    assert st.Mode("REQUIRED") is st.Mode.REQUIRED  # any case, as from_str
    assert st.Method("INVITE") is st.Method.INVITE
    with pytest.raises(ValueError, match="not a Method"):
        st.Method("invite")  # RFC 3261 section 7.1: a method is case-sensitive
    assert {m.name for m in st.Teardown} >= {"TOO_MANY_422", "NO_REFRESH_RECEIVED"}
    for e in ENUMS:
        assert e.__module__ == "sessiontimer" and e.__doc__
        for member in e:
            assert pickle.loads(pickle.dumps(member)) is member
            assert e(str(member)) is member and isinstance(member, str)
    with pytest.raises(TypeError, match="Mode or its name"):
        st.Policy(mode=3)  # type: ignore[arg-type]


def test_policy_takes_enums_or_their_names() -> None:
    assert st.Policy(mode="required") == st.Policy(mode=st.Mode.REQUIRED)
    assert st.Policy(bye_margin="one_tenth").bye_margin == st.ByeMargin.ONE_TENTH
    assert st.Mode.from_str("ALWAYS") == st.Mode.ALWAYS
    assert str(st.Mode.ACCEPT) == "accept"
    assert repr(st.Side.LOCAL) == "Side.LOCAL"
    with pytest.raises(ValueError, match="not a Mode"):
        st.Policy(mode="sometimes")
    with pytest.raises(TypeError, match="unexpected keyword"):
        st.Policy(session_expiry=1800)  # type: ignore[call-arg]


def test_presets_by_name_with_overrides() -> None:
    assert st.PRESETS[0] == "rfc4028"
    for name in st.PRESETS:
        assert isinstance(st.Policy.preset(name), st.Policy)
    cube = st.Policy.preset("cisco-cube", session_expires=3600)
    assert cube.session_expires == 3600 and cube.consume_refreshes
    assert cube.replace(consume_refreshes=False).consume_refreshes is False
    with pytest.raises(st.InvalidPolicyError, match="unknown-vendor"):
        st.Policy.preset("unknown-vendor")


def test_invalid_settings_raise_invalid_policy() -> None:
    with pytest.raises(st.InvalidPolicyError) as raised:
        st.Policy(min_se=60)
    assert isinstance(raised.value, ValueError)
    with pytest.raises(st.InvalidPolicyError):
        st.Policy(session_expires=100, min_se=200)


def test_headers_in_every_form_give_the_same_decision() -> None:
    uas = st.Uas()
    pairs = [("Supported", "100rel, timer"), ("Session-Expires", "1800")]
    forms: list[st.HeadersLike] = [
        pairs,
        tuple(pairs),
        {"Supported": "100rel, timer", "Session-Expires": "1800"},
        {"Supported": ["100rel", "timer"], "Session-Expires": "1800"},
        INVITE,
        INVITE.encode(),
        st.TimerHeaders(pairs),
    ]
    decisions = [uas.decide(form) for form in forms]
    assert all(d == decisions[0] for d in decisions)
    assert isinstance(decisions[0], st.Accept)


class Shouting(str):
    """A str subclass that compares and hashes as its upper case."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.upper() == other.upper()

    def __hash__(self) -> int:
        return hash(self.upper())


def test_header_names_match_in_any_case_however_many_spellings_arrive() -> None:
    """RFC 3261 section 7.3.1: names are case-insensitive. The binding remembers
    the names it has seen; past its limit, and for str subclasses, it still reads them."""
    spellings = [
        "".join(c.upper() if bit == "1" else c for c, bit in zip(name, f"{n:016b}"))
        for n in range(300)
        for name in ("session-expires", "x-unrelated-header")
    ]
    for name in spellings:
        parsed = st.TimerHeaders([(name, "1800")])
        assert parsed.session_expires == (1800 if name.lower() == "session-expires" else None)
    for name in (Shouting("session-expires"), Shouting("x-Other"), Shouting("X")):
        parsed = st.TimerHeaders([(name, "300")])
        assert parsed.session_expires == (None if name == "x-other" else 300)


def test_a_raw_message_gives_its_method() -> None:
    update = INVITE.replace("INVITE sip", "UPDATE sip", 1)
    parsed = st.TimerHeaders(update)
    assert parsed.method == st.Method.UPDATE
    assert parsed.session_expires == 1800 and parsed.supports_timer
    assert st.Uas().decide(update.replace("UPDATE", "OPTIONS", 1)) == st.NotARefresh()
    response = st.TimerHeaders("SIP/2.0 422 Too Small\r\nMin-SE: 600\r\n\r\n")
    assert response.status == 422 and response.min_se == 600 and response.method is None


def test_outcomes_are_immutable_comparable_and_readable() -> None:
    decision = st.Uas().decide([("Supported", "timer"), ("Session-Expires", "1800")])
    assert isinstance(decision, st.Accept)
    assert decision.timer == st.Negotiated(1800, "remote")
    assert hash(decision.timer) == hash(st.Negotiated(1800, st.Side.REMOTE))
    with pytest.raises(AttributeError):
        decision.timer.interval = 5  # type: ignore[misc]
    assert repr(decision).startswith("Accept(headers=[('Session-Expires', '1800;refresher=uac')")
    reject = st.Uas(st.Policy(min_se=1800)).decide([("k", "timer"), ("x", "100")])
    assert reject == st.Reject(422, [("Min-SE", "1800")])
    assert repr(reject) == "Reject(status=422, headers=[('Min-SE', '1800')])"


def test_outcome_headers_are_written_on_each_read_and_compare_as_rows() -> None:
    """Rows are written from the decision when read: each read is a new list,
    and an outcome built from the same rows in Python is equal to it."""
    decision = st.Uas().decide([("Supported", "timer"), ("Session-Expires", "1800")])
    assert isinstance(decision, st.Accept)
    rows = decision.headers
    assert rows == [
        ("Session-Expires", "1800;refresher=uac"),
        ("Supported", "timer"),
        ("Require", "timer"),
    ]
    rows.clear()
    assert decision.headers != rows and len(decision.headers) == 3
    assert decision == st.Accept(decision.headers, decision.timer)
    assert decision != st.Accept(decision.headers[:1], decision.timer)


def test_uac_call_with_422_then_2xx_then_refresh_request() -> None:
    uac = st.Uac(st.Policy(session_expires=90))
    retry = uac.on_422("SIP/2.0 422 Session Interval Too Small\r\nMin-SE: 600\r\n\r\n")
    assert ("Session-Expires", "600") in retry and uac.offered_interval == 600
    session = uac.establish([("Supported", "timer"), ("Session-Expires", "600;refresher=uac")], 0)
    assert session.owns_call_id and session.timer == st.Negotiated(600, st.Side.LOCAL)
    refresh = session.refresh_request()
    assert refresh.method == st.Method.INVITE
    assert ("Session-Expires", "600;refresher=uac") in refresh.headers
    outcome = session.on_refresh_response(refresh, 300_000, 422, [("Min-SE", "900")])
    assert outcome.kind == "retry" and outcome.retry is not None
    assert outcome.retry.interval == 900
    done = session.on_refresh_response(outcome.retry, 301_000, 200, [("x", "900;refresher=uac")])
    assert done.kind == "refreshed" and done.timer == st.Negotiated(900, st.Side.LOCAL)
    assert session.refresh_at_ms() == 301_000 + 450_000


def test_uas_answers_a_mid_dialog_refresh() -> None:
    session = st.Session()
    uas = st.Uas()
    first = session.answer(uas, [("k", "timer"), ("x", "1800")])
    assert isinstance(first, st.Accept)
    session.apply(first.timer, 0)
    update = [("k", "timer"), ("x", "1800;refresher=uac"), ("Min-SE", "1200")]
    again = session.answer(uas, update, method="UPDATE")
    assert isinstance(again, st.Accept) and session.dialog_min_se == 1200


def test_b2bua_legs_negotiate_apart_and_consume_pure_refreshes() -> None:
    cube = st.Policy.preset("cisco-cube")
    b2bua = st.B2bua(cube, cube)
    assert b2bua.policy("inbound") == cube
    outbound = b2bua.outbound_uac([("Supported", "timer")])
    assert ("Session-Expires", "1800") in outbound.request()
    inbound = b2bua.inbound_uas().decide([("Supported", "timer"), ("x", "1800")])
    assert isinstance(inbound, st.Accept)
    leg = st.Session()
    leg.apply(inbound.timer, 0)
    sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
    kind = st.classify_refresh("INVITE", sdp, sdp)
    assert kind == st.RefreshKind.PURE_REFRESH
    consumed = b2bua.on_in_dialog_request("inbound", leg, [("k", "timer"), ("x", "1800")], kind)
    assert isinstance(consumed, st.Accept)
    changed = st.classify_refresh("INVITE", sdp.replace("1 1", "1 2"), sdp)
    assert b2bua.on_in_dialog_request(st.Leg.INBOUND, leg, [], changed) is None


@pytest.mark.parametrize(
    "value",
    [
        st.Policy.preset("sofia-sip"),
        st.Negotiated(90, st.Side.LOCAL),
        st.Mode.ALWAYS,
        st.ProxyTransaction(True, False, 1800),
    ],
)
def test_values_pickle_and_copy(value: object) -> None:
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value


def test_session_pickles_and_round_trips_bytes() -> None:
    session = st.Session(require_timer=True)
    session.apply(st.Negotiated(1800, st.Side.REMOTE), 12_345)
    assert len(session.to_bytes()) == 22
    assert st.Session.from_bytes(session.to_bytes()) == session
    assert pickle.loads(pickle.dumps(session)) == session
    with pytest.raises(st.SnapshotError):
        st.Session.from_bytes(session.to_bytes()[:-1])


def test_reason_phrases() -> None:
    assert st.reason_phrase(422) == "Session Interval Too Small"
    assert st.reason_phrase(420) == "Bad Extension"


def test_rfc4028_s7_4_uas_establish_keeps_what_the_invite_said() -> None:
    """The answering side's one path to a session: `Uas.establish` records the
    request's Allow: UPDATE and Min-SE, so the session refreshes by UPDATE."""
    uas = st.Uas()
    invite = [
        ("Supported", "timer"),
        ("Session-Expires", "1800;refresher=uas"),
        ("Min-SE", "600"),
        ("Allow", "INVITE, UPDATE"),
    ]
    answer = uas.decide(invite)
    assert isinstance(answer, st.Accept) and answer.timer is not None
    session = uas.establish(invite, answer.timer, 0)
    assert session.peer_supports_timer and session.dialog_min_se == 600
    refresh = session.refresh_request(uas.policy)
    assert refresh.method == st.Method.UPDATE and ("Min-SE", "600") in refresh.headers
    with pytest.raises(st.InvalidIntervalError):
        uas.establish(invite, st.Negotiated(30, st.Side.LOCAL), 0)


def test_rfc3261_s7_1_a_method_name_is_case_sensitive_everywhere() -> None:
    """One rule, the core's: `Method.from_str` and a method given as text agree."""
    assert st.Method.from_str("UPDATE") == st.Method.UPDATE
    with pytest.raises(ValueError):
        st.Method.from_str("update")
    decision = st.Uas().decide([("Supported", "timer"), ("Session-Expires", "1800")], "invite")
    assert isinstance(decision, st.NotARefresh)  # "invite" is not INVITE
    assert st.Mode.from_str("required") == st.Mode.REQUIRED  # other names: any case


def test_field_behaviours_are_policy_knobs() -> None:
    """Ribbon's refresh on a silent peer's behalf and SEMS's 501 as success:
    off by default (RFC 4028 section 10), on by name or preset."""
    assert not st.Policy().refresh_for_silent_peer and not st.Policy().accept_501_as_refreshed
    assert st.Policy.preset("ribbon-sbc-edge").refresh_for_silent_peer
    policy = st.Policy(accept_501_as_refreshed=True, refresh_for_silent_peer=True)
    assert policy.to_dict()["accept_501_as_refreshed"] is True
    assert st.Policy(**policy.to_dict()) == policy
