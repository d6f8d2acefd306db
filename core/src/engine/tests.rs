//! Engine tests: the refresh lifecycle, the anchors' failure modes (section 3
//! of ../shared/reference/anchors.md) and snapshots. The wheel is cross-checked
//! against an indexed binary heap in wheel.rs.

use super::*;
use crate::header::Refresher;
use crate::outcome::Side;
use crate::policy::{ByeMargin, RefreshMethod};
use crate::uac::Uac;

pub(super) const S: u64 = 1000;

pub(super) fn headers(pairs: &[(&str, &str)]) -> TimerHeaders {
    TimerHeaders::parse(pairs.iter().copied()).unwrap()
}

pub(super) fn engine() -> Engine {
    Engine::new(EngineConfig::default()).unwrap()
}

/// A caller's session where we refresh (2xx said refresher=uac), peer allows UPDATE.
pub(super) fn we_refresh(interval: u32, at: u64) -> Session {
    let se = format!("{interval};refresher=uac");
    let ok = headers(&[
        ("Session-Expires", &se),
        ("Supported", "timer"),
        ("Allow", "UPDATE"),
    ]);
    Uac::new(Policy::RFC).unwrap().establish(&ok, at)
}

/// A session where the peer refreshes.
pub(super) fn they_refresh(interval: u32, at: u64) -> Session {
    let se = format!("{interval};refresher=uas");
    let ok = headers(&[("Session-Expires", &se), ("Supported", "timer")]);
    Uac::new(Policy::RFC).unwrap().establish(&ok, at)
}

pub(super) fn drain(engine: &mut Engine, now: u64) -> Vec<Action> {
    std::iter::from_fn(|| engine.poll(now)).collect()
}

/// What a host does: poll at `next_deadline()` (a lower bound) until an action comes.
fn next_action(engine: &mut Engine) -> Action {
    loop {
        let at = engine.next_deadline().expect("a timer runs");
        if let Some(action) = engine.poll(at) {
            return action;
        }
    }
}

fn refresh_method(action: &Action) -> Method {
    match &action.kind {
        ActionKind::SendRefresh(request) => request.method,
        other => panic!("expected a refresh, got {other:?}"),
    }
}

fn bye(key: u64, at_ms: u64, reason: Teardown) -> Action {
    Action {
        key,
        at_ms,
        kind: ActionKind::SendBye(reason),
    }
}

#[test]
fn refresher_refreshes_at_half_and_a_2xx_rearms() {
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    assert!(
        e.next_deadline().unwrap() <= 900 * S,
        "never later than the deadline"
    );
    assert!(drain(&mut e, 900 * S - 1).is_empty());
    let due = drain(&mut e, 900 * S);
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].key, due[0].at_ms, refresh_method(&due[0])),
        (1, 900 * S, Method::Update)
    );
    let ok = headers(&[("Session-Expires", "1800;refresher=uac")]);
    e.on_refresh_response(1, 901 * S, 200, &ok).unwrap();
    assert!(
        drain(&mut e, 1800 * S).is_empty(),
        "no BYE at the old expiry"
    );
    assert_eq!(drain(&mut e, 1801 * S)[0].at_ms, 1801 * S);
    assert_eq!(e.counters().refreshes_sent, 2);
    assert_eq!(e.counters().refreshes_succeeded, 1);
}

#[test]
fn non_refresher_sends_bye_at_the_margin_of_each_profile() {
    for (margin, bye_at) in [
        (ByeMargin::Rfc, 1768 * S),
        (ByeMargin::OneTenth, 1768 * S),
        (ByeMargin::None, 1800 * S),
    ] {
        let mut e = Engine::new(EngineConfig {
            policy: Policy {
                bye_margin: margin,
                ..Policy::RFC
            },
            ..EngineConfig::default()
        })
        .unwrap();
        e.establish(7, they_refresh(1800, 0)).unwrap();
        e.establish(8, they_refresh(90, 0)).unwrap();
        let short = match margin {
            ByeMargin::Rfc => 60 * S,
            ByeMargin::OneTenth => 81 * S,
            ByeMargin::None => 90 * S,
        };
        assert_eq!(
            drain(&mut e, short),
            [bye(8, short, Teardown::NoRefreshReceived)]
        );
        assert_eq!(
            drain(&mut e, bye_at),
            [bye(7, bye_at, Teardown::NoRefreshReceived)]
        );
        assert_eq!(e.counters().no_refresh_received, 2);
        assert!(e.is_empty());
    }
}

#[test]
fn a_received_refresh_restarts_the_bye_timer() {
    let mut e = engine();
    e.establish(1, they_refresh(1800, 0)).unwrap();
    let update = headers(&[
        ("Session-Expires", "1800;refresher=uac"),
        ("Supported", "timer"),
    ]);
    let UasDecision::Accept { timer, .. } = e.answer(1, Method::Update, &update).unwrap() else {
        panic!()
    };
    e.refreshed(1, 900 * S, timer).unwrap();
    assert!(drain(&mut e, 1768 * S).is_empty());
    assert_eq!(drain(&mut e, 2668 * S).len(), 1);
}

#[test]
fn unanswered_refresh_ends_with_bye_at_expiry() {
    // anchors 3.2 (drachtio #375, pjproject #1722): the refresher must not wait forever.
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    assert_eq!(drain(&mut e, 900 * S).len(), 1);
    assert_eq!(
        drain(&mut e, 1800 * S),
        [bye(1, 1800 * S, Teardown::RefreshUnanswered)]
    );
    assert_eq!(e.counters().refresh_unanswered, 1);
}

#[test]
fn timeout_408_and_481_end_the_session_at_once() {
    for (status, reason) in [
        (408, Teardown::RefreshUnanswered),
        (481, Teardown::RefreshRejected(481)),
    ] {
        let mut e = engine();
        e.establish(1, we_refresh(1800, 0)).unwrap();
        drain(&mut e, 900 * S);
        e.on_refresh_response(1, 932 * S, status, &headers(&[]))
            .unwrap();
        assert_eq!(drain(&mut e, 932 * S), [bye(1, 932 * S, reason)]);
    }
}

#[test]
fn a_422_to_a_refresh_retries_larger_then_gives_up_at_the_cap() {
    // anchors 3.3 (pjproject #2120): a 422 to a re-INVITE refresh.
    let mut e = Engine::new(EngineConfig {
        policy: Policy {
            refresh_method: RefreshMethod::ReInviteOnly,
            max_422_retries: 2,
            ..Policy::RFC
        },
        ..EngineConfig::default()
    })
    .unwrap();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    drain(&mut e, 900 * S);
    for min_se in ["3600", "4000"] {
        e.on_refresh_response(1, 900 * S, 422, &headers(&[("Min-SE", min_se)]))
            .unwrap();
        let retry = drain(&mut e, 900 * S);
        let ActionKind::SendRefresh(request) = &retry[0].kind else {
            panic!("{retry:?}")
        };
        assert_eq!(request.method, Method::Invite);
        assert_eq!(
            request.headers.min_se.map(|m| m.to_string()).as_deref(),
            Some(min_se)
        );
    }
    e.on_refresh_response(1, 900 * S, 422, &headers(&[("Min-SE", "5000")]))
        .unwrap();
    assert_eq!(
        drain(&mut e, 900 * S),
        [bye(1, 900 * S, Teardown::TooMany422)]
    );
}

#[test]
fn rfc4028_s10_a_422_to_a_refresh_above_our_cap_is_not_followed() {
    // The policy's 422 ceiling (a day when no maximum is set) bounds a
    // refresh's retry as it bounds the UAC's (section 7.4): Min-SE 4000000000
    // is a failure, never a session of 126 years.
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    drain(&mut e, 900 * S);
    e.on_refresh_response(1, 900 * S, 422, &headers(&[("Min-SE", "4000000000")]))
        .unwrap();
    assert!(drain(&mut e, 900 * S).is_empty(), "no retry at once");
    let session = e.session(1).unwrap();
    assert_eq!(session.timer().unwrap().interval, 1800);
    assert_eq!(session.dialog_min_se(), None);
}

#[test]
fn update_answered_501_falls_back_to_reinvite_and_remembers() {
    // anchors 3.4: UPDATE refused by the peer.
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    assert_eq!(refresh_method(&drain(&mut e, 900 * S)[0]), Method::Update);
    e.on_refresh_response(1, 900 * S, 501, &headers(&[]))
        .unwrap();
    assert_eq!(refresh_method(&drain(&mut e, 900 * S)[0]), Method::Invite);
    e.on_refresh_response(
        1,
        901 * S,
        200,
        &headers(&[("Session-Expires", "1800;refresher=uac")]),
    )
    .unwrap();
    assert_eq!(refresh_method(&drain(&mut e, 1801 * S)[0]), Method::Invite);
}

#[test]
fn glare_491_retries_after_the_rfc_3261_delay() {
    // anchors 3.8 (reSIProcate #35): retry after 491, within 2.1-4 s for the Call-ID owner.
    for (owns, range) in [(true, 2100..=4000), (false, 0..=2000)] {
        for seed in 0..50 {
            let mut e = Engine::new(EngineConfig {
                seed,
                ..EngineConfig::default()
            })
            .unwrap();
            let mut session = we_refresh(1800, 0);
            session.set_owns_call_id(owns);
            e.establish(1, session).unwrap();
            drain(&mut e, 900 * S);
            e.on_refresh_response(1, 900 * S, 491, &headers(&[]))
                .unwrap();
            let retry = next_action(&mut e);
            assert_eq!(refresh_method(&retry), Method::Update);
            let delay = retry.at_ms - 900 * S;
            assert!(range.contains(&delay) && delay % 10 == 0, "{owns} {delay}");
        }
    }
}

#[test]
fn server_errors_retry_after_the_delay_then_give_up() {
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    drain(&mut e, 900 * S);
    for attempt in 0..2u64 {
        let now = 900 * S + attempt * 10 * S;
        e.on_refresh_response(1, now, 503, &headers(&[])).unwrap();
        assert!(drain(&mut e, now + 10 * S - 1).is_empty());
        assert_eq!(drain(&mut e, now + 10 * S).len(), 1, "retry {attempt}");
    }
    e.on_refresh_response(1, 920 * S, 503, &headers(&[]))
        .unwrap();
    assert_eq!(
        drain(&mut e, 920 * S),
        [bye(1, 920 * S, Teardown::RefreshRejected(503))]
    );
}

#[test]
fn retries_never_go_past_expiry() {
    let mut e = Engine::new(EngineConfig {
        retry_delay_ms: 3_600_000,
        ..EngineConfig::default()
    })
    .unwrap();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    drain(&mut e, 900 * S);
    e.on_refresh_response(1, 900 * S, 503, &headers(&[]))
        .unwrap();
    assert_eq!(
        drain(&mut e, 900 * S),
        [bye(1, 900 * S, Teardown::RefreshRejected(503))]
    );
}

#[test]
fn other_rejections_retry_halfway_to_expiry() {
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    drain(&mut e, 900 * S);
    e.on_refresh_response(1, 900 * S, 488, &headers(&[]))
        .unwrap();
    assert_eq!(next_action(&mut e).at_ms, 1350 * S);
}

#[test]
fn role_flip_regression_uas_refresher_keeps_refreshing() {
    // anchors 3.1 (pjproject #2658): with refresher=uas, the callee stopped
    // refreshing after its first UPDATE. We are the callee and refresh.
    let mut e = engine();
    let invite = headers(&[
        ("Supported", "timer"),
        ("Session-Expires", "90;refresher=uas"),
        ("Allow", "UPDATE"),
    ]);
    let uas = Uas::new(Policy::RFC).unwrap();
    let mut session = Session::new(false);
    session.note_peer(&invite);
    let UasDecision::Accept { timer, .. } = session.answer(&uas, Method::Invite, &invite) else {
        panic!()
    };
    session.apply(timer, 0).unwrap();
    e.establish(1, session).unwrap();
    let mut now = 0;
    for _ in 0..3 {
        now += 45 * S;
        let due = drain(&mut e, now);
        let ActionKind::SendRefresh(request) = &due[0].kind else {
            panic!("{due:?}")
        };
        // As UAC of our refresh we name ourselves: refresher=uac.
        assert_eq!(
            request
                .headers
                .session_expires
                .as_ref()
                .unwrap()
                .to_string(),
            "90;refresher=uac"
        );
        e.on_refresh_response(
            1,
            now,
            200,
            &headers(&[("Session-Expires", "90;refresher=uac")]),
        )
        .unwrap();
    }
}

#[test]
fn role_flip_regression_non_refresh_update_keeps_the_roles() {
    // anchors 3.1 (sofia-sip #284): a display-update UPDATE from the peer must
    // not make us the non-refresher that BYEs early, nor flip roles.
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    let update = headers(&[("Supported", "timer"), ("Session-Expires", "1800")]);
    let UasDecision::Accept { headers: h, timer } = e.answer(1, Method::Update, &update).unwrap()
    else {
        panic!()
    };
    assert_eq!(h.session_expires.unwrap().to_string(), "1800;refresher=uas");
    e.refreshed(1, 100 * S, timer).unwrap();
    assert_eq!(e.session(1).unwrap().refresh_at_ms(), Some(1000 * S));
}

#[test]
fn a_2xx_without_refresher_means_we_refresh() {
    // anchors 3.1 (drachtio #126, pocket-dial #198).
    let ok = headers(&[("Session-Expires", "1800"), ("Require", "timer")]);
    let mut e = engine();
    e.establish(1, Uac::new(Policy::RFC).unwrap().establish(&ok, 0))
        .unwrap();
    assert_eq!(drain(&mut e, 900 * S).len(), 1);
}

#[test]
fn jitter_is_bounded_seeded_and_never_late() {
    let config = EngineConfig {
        refresh_jitter_ms: 5000,
        seed: 42,
        ..EngineConfig::default()
    };
    let times = |config| {
        let mut e = Engine::new(config).unwrap();
        (0..100).for_each(|k| e.establish(k, we_refresh(90, 0)).unwrap());
        drain(&mut e, 45 * S)
            .into_iter()
            .map(|a| a.at_ms)
            .collect::<Vec<_>>()
    };
    let a = times(config);
    assert_eq!(a.len(), 100);
    assert!(a.iter().all(|&t| (40 * S..=45 * S).contains(&t)));
    assert!(a.iter().any(|&t| t != 45 * S));
    assert_eq!(a, times(config), "same seed, same times");
}

#[test]
fn the_session_cap_is_enforced_and_nothing_is_dropped() {
    let mut e = Engine::new(EngineConfig {
        max_sessions: 2,
        ..EngineConfig::default()
    })
    .unwrap();
    e.establish(1, we_refresh(90, 0)).unwrap();
    assert_eq!(
        e.establish(1, we_refresh(90, 0)),
        Err(Error::DuplicateSession(1))
    );
    e.establish(2, we_refresh(90, 0)).unwrap();
    assert_eq!(
        e.establish(3, we_refresh(90, 0)),
        Err(Error::EngineFull { max: 2 })
    );
    e.remove(1).unwrap();
    e.establish(3, we_refresh(90, 0)).unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(e.remove(1), Err(Error::UnknownSession(1)));
    assert_eq!(e.counters().removed_by_host, 1);
    assert!(Engine::new(EngineConfig {
        max_sessions: 1 << 31,
        ..EngineConfig::default()
    })
    .is_err());
}

#[test]
fn proxy_sessions_end_without_bye() {
    let mut e = engine();
    e.establish_proxy(9, 90, 5 * S).unwrap();
    assert_eq!(
        drain(&mut e, 95 * S),
        [Action {
            key: 9,
            at_ms: 95 * S,
            kind: ActionKind::SessionEnded(Teardown::Expired)
        }]
    );
}

#[test]
fn removed_sessions_never_fire() {
    let mut e = engine();
    e.establish(1, we_refresh(90, 0)).unwrap();
    e.establish(2, they_refresh(90, 0)).unwrap();
    e.remove(1).unwrap();
    e.remove(2).unwrap();
    assert!(drain(&mut e, u64::MAX).is_empty());
    assert_eq!(e.next_deadline(), None);
}

pub(super) fn busy_engine() -> Engine {
    let mut e = engine();
    for k in 0..40u64 {
        let session = if k % 2 == 0 {
            we_refresh(90 + k as u32 * 7, k * S)
        } else {
            they_refresh(90 + k as u32 * 11, k * S)
        };
        e.establish(k, session).unwrap();
    }
    e.establish_proxy(100, 300, 0).unwrap();
    // Put a few sessions in flight and in retry.
    drain(&mut e, 60 * S);
    e.on_refresh_response(0, 60 * S, 491, &headers(&[]))
        .unwrap();
    e
}

fn run(mut e: Engine) -> Vec<Action> {
    (0..=40u64)
        .flat_map(|t| drain(&mut e, t * 100 * S))
        .collect()
}

#[test]
fn engine_snapshot_restores_every_deadline() {
    let e = busy_engine();
    let bytes = e.snapshot();
    let restored = Engine::restore(EngineConfig::default(), &bytes).unwrap();
    assert_eq!(restored.counters(), e.counters());
    assert_eq!(restored.len(), e.len());
    assert_eq!(run(restored), run(busy_engine()));
}

#[test]
fn a_session_moves_to_another_node() {
    let mut a = busy_engine();
    let bytes = a.snapshot_session(3).unwrap();
    let mut b = engine();
    assert_eq!(b.restore_session(&bytes).unwrap(), 3);
    assert_eq!(b.session(3), a.session(3));
    a.remove(3).unwrap();
    assert_eq!(b.restore_session(&bytes), Err(Error::DuplicateSession(3)));
    let fired = drain(&mut b, u64::MAX);
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].key, 3);
}

#[test]
fn restore_refuses_damaged_bytes_without_panicking() {
    let bytes = busy_engine().snapshot();
    for len in 0..bytes.len() {
        assert!(
            Engine::restore(EngineConfig::default(), &bytes[..len]).is_err(),
            "{len}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Engine::restore(EngineConfig::default(), &longer).is_err());
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[i] ^= flip;
            // Either refused, or a valid engine (a flip in a counter or a key).
            let _ = Engine::restore(EngineConfig::default(), &damaged);
        }
    }
    let session = busy_engine().snapshot_session(1).unwrap();
    let mut wrong_version = session.clone();
    wrong_version[4] = 2;
    assert_eq!(
        engine().restore_session(&wrong_version),
        Err(Error::Snapshot(SnapshotProblem::UnsupportedVersion(2)))
    );
    let mut bad_phase = session.clone();
    bad_phase[5 + 33] = 9;
    assert!(matches!(
        engine().restore_session(&bad_phase),
        Err(Error::Snapshot(SnapshotProblem::BadRecord { .. }))
    ));
    let mut late_deadline = session;
    late_deadline[5 + 16..5 + 24].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(engine().restore_session(&late_deadline).is_err());
    let capped = EngineConfig {
        max_sessions: 3,
        ..EngineConfig::default()
    };
    assert_eq!(
        Engine::restore(capped, &bytes).unwrap_err(),
        Error::Snapshot(SnapshotProblem::EngineFull(3))
    );
}

#[test]
fn a_dialog_session_round_trips_through_bytes_and_refuses_damage() {
    let session = busy_engine().session(1).unwrap();
    let bytes = session.to_bytes();
    assert_eq!(bytes.len(), 22);
    assert_eq!(Session::from_bytes(&bytes), Ok(session));
    for len in 0..bytes.len() {
        assert!(Session::from_bytes(&bytes[..len]).is_err(), "{len}");
    }
    let mut unknown_flag = bytes.clone();
    unknown_flag[21] = 0x80;
    assert_eq!(
        Session::from_bytes(&unknown_flag),
        Err(Error::Snapshot(SnapshotProblem::BadSession(
            "unknown flag bits"
        )))
    );
    let mut short_interval = bytes;
    short_interval[13..17].copy_from_slice(&89u32.to_le_bytes());
    assert!(Session::from_bytes(&short_interval).is_err());
    let mut refresher_without_timer = Session::new(false);
    refresher_without_timer
        .apply(
            Some(Negotiated {
                interval: 90,
                refresher: Side::Local,
            }),
            0,
        )
        .unwrap();
    let mut bytes = refresher_without_timer.to_bytes();
    bytes[13..17].copy_from_slice(&0u32.to_le_bytes());
    assert!(Session::from_bytes(&bytes).is_err());
}

/// A B2BUA leg that consumes refreshes (CUBE's consumption) answers a pure
/// refresh from the stored session and records the peer's Min-SE there; a
/// session change is relayed (RFC 4028 section 9 on each leg).
#[test]
fn b2bua_leg_consumes_pure_refreshes_on_the_stored_session() {
    let consuming = Policy {
        consume_refreshes: true,
        ..Policy::RFC
    };
    let b2bua = B2bua::new(consuming, Policy::RFC).unwrap();
    let mut e = Engine::new(EngineConfig {
        policy: consuming,
        ..EngineConfig::default()
    })
    .unwrap();
    e.establish(1, they_refresh(1800, 0)).unwrap();
    let refresh = headers(&[
        ("Session-Expires", "1800;refresher=uac"),
        ("Min-SE", "600"),
        ("Supported", "timer"),
    ]);
    let action = e
        .on_in_dialog_request(
            1,
            &b2bua,
            Leg::Inbound,
            Method::Update,
            &refresh,
            RefreshKind::PureRefresh,
        )
        .unwrap();
    assert!(matches!(
        action,
        InDialogAction::Consume(UasDecision::Accept { .. })
    ));
    assert_eq!(e.session(1).unwrap().dialog_min_se(), Some(600));
    let change = e.on_in_dialog_request(
        1,
        &b2bua,
        Leg::Inbound,
        Method::Invite,
        &refresh,
        RefreshKind::SessionChange,
    );
    assert_eq!(change.unwrap(), InDialogAction::Relay);
    let unknown = e.on_in_dialog_request(
        2,
        &b2bua,
        Leg::Inbound,
        Method::Update,
        &refresh,
        RefreshKind::PureRefresh,
    );
    assert!(matches!(unknown, Err(Error::UnknownSession(2))));
}

/// 200 sessions under 150 keys (some taken twice) and 500 refresh reports
/// of 200 keys (some unknown), a quarter without a timer, drawn from `rng`.
fn sessions_and_reports(rng: &mut SplitMix64) -> (Vec<(u64, Session)>, Vec<Refreshed>) {
    let mut draw = |n: u64| rng.next_u64() % n;
    let sessions: Vec<(u64, Session)> = (0..200)
        .map(|_| {
            let (key, interval, at) = (draw(150), 90 + draw(600) as u32, draw(50) * S);
            let session = if draw(2) == 0 {
                we_refresh(interval, at)
            } else {
                they_refresh(interval, at)
            };
            (key, session)
        })
        .collect();
    let reports: Vec<Refreshed> = (0..500)
        .map(|n| Refreshed {
            key: draw(200),
            now_ms: 50 * S + n * 100,
            timer: (draw(4) != 0).then(|| Negotiated {
                interval: 90 + draw(600) as u32,
                refresher: if draw(2) == 0 {
                    Side::Local
                } else {
                    Side::Remote
                },
            }),
        })
        .collect();
    (sessions, reports)
}

/// The batch calls are the one-by-one calls in order: same errors at the same
/// positions (past the prefetch distance), same state, same actions. The
/// engines are not reserved, so establishing grows the table in the middle
/// of a batch, and what the batch prefetched for the sessions ahead is
/// elsewhere by then.
#[test]
fn batches_do_what_the_same_calls_one_by_one_do() {
    let mut rng = SplitMix64(4028);
    let (sessions, reports) = sessions_and_reports(&mut rng);
    let mut draw = |n: u64| rng.next_u64() % n;

    let (mut one_by_one, mut batched) = (engine(), engine());
    let expected: Vec<(usize, Error)> = sessions
        .iter()
        .enumerate()
        .filter_map(|(n, &(key, s))| one_by_one.establish(key, s).err().map(|e| (n, e)))
        .collect();
    assert!(
        expected.len() > PREFETCH_HOME,
        "duplicates past the prefetch distance"
    );
    assert_eq!(batched.establish_batch(&sessions), expected);

    let expected: Vec<(usize, Error)> = reports
        .iter()
        .enumerate()
        .filter_map(|(n, r)| {
            let result = one_by_one.refreshed(r.key, r.now_ms, r.timer);
            result.err().map(|e| (n, e))
        })
        .collect();
    assert!(
        expected.iter().any(|&(n, _)| n > PREFETCH_HOME),
        "unknown keys past the prefetch distance"
    );
    assert_eq!(batched.refreshed_batch(&reports), expected);

    // A few actions polled, the rest due: a removal drops its key's.
    for engine in [&mut one_by_one, &mut batched] {
        for _ in 0..5 {
            assert!(engine.poll(700 * S).is_some());
        }
    }
    let keys: Vec<u64> = (0..150).map(|_| draw(220)).collect();
    let expected: Vec<(usize, Error)> = keys
        .iter()
        .enumerate()
        .filter_map(|(n, &key)| one_by_one.remove(key).err().map(|e| (n, e)))
        .collect();
    assert!(
        expected.iter().any(|&(n, _)| n > PREFETCH_HOME),
        "unknown keys past the prefetch distance"
    );
    assert_eq!(batched.remove_batch(&keys), expected);

    for key in 0..200 {
        assert_eq!(batched.session(key), one_by_one.session(key));
    }
    assert_eq!(batched.counters(), one_by_one.counters());
    assert_eq!(
        drain(&mut batched, u64::MAX),
        drain(&mut one_by_one, u64::MAX)
    );
    assert!(batched.refreshed_batch(&[]).is_empty() && batched.establish_batch(&[]).is_empty());
    assert!(batched.remove_batch(&[]).is_empty());
}

/// A host's own reports through `refreshed_batch_by` do what the same
/// reports do as `refreshed` calls one by one: same failures at the same
/// positions, same sessions, same actions.
#[test]
fn a_batch_of_the_hosts_own_reports_is_the_same_calls_one_by_one() {
    let (mut batched, mut one_by_one) = (engine(), engine());
    for engine in [&mut batched, &mut one_by_one] {
        for key in 0..40 {
            engine.establish(key, they_refresh(120, 0)).unwrap();
        }
    }
    let mine: Vec<(u64, u32)> = (0..60).map(|n| (n * 7 % 50, 80 + n as u32)).collect();
    let report = |&(key, interval): &(u64, u32)| Refreshed {
        key,
        now_ms: 10 * S,
        timer: Some(Negotiated {
            interval,
            refresher: Side::Remote,
        }),
    };
    let expected: Vec<(usize, Error)> = mine
        .iter()
        .map(report)
        .enumerate()
        .filter_map(|(n, r)| {
            let result = one_by_one.refreshed(r.key, r.now_ms, r.timer);
            result.err().map(|e| (n, e))
        })
        .collect();
    assert!(expected.len() > 10, "unknown keys and short intervals");
    assert_eq!(batched.refreshed_batch_by(&mine, report), expected);
    for key in 0..50 {
        assert_eq!(batched.session(key), one_by_one.session(key));
    }
    assert_eq!(
        drain(&mut batched, u64::MAX),
        drain(&mut one_by_one, u64::MAX)
    );
}

#[test]
fn rfc3326_each_teardown_names_its_bye_reason() {
    assert_eq!(
        Teardown::NoRefreshReceived.bye_reason().as_deref(),
        Some("SIP;cause=408;text=\"No session refresh received\"")
    );
    assert_eq!(
        Teardown::RefreshRejected(488).bye_reason().as_deref(),
        Some("SIP;cause=488;text=\"Session refresh rejected\"")
    );
    assert_eq!(Teardown::RemovedByHost.bye_reason(), None);
}

// ---- the host's own offers (field notes section 2, items 2, 5 and 16) ---------------

/// The 2xx of a re-INVITE carrying the session's timer (1800, we refresh).
fn ok_1800() -> TimerHeaders {
    headers(&[
        ("Session-Expires", "1800;refresher=uac"),
        ("Supported", "timer"),
    ])
}

#[test]
fn rfc3261_14_1_a_refresh_due_during_our_offer_waits_and_its_2xx_counts_as_the_refresh() {
    // A hold re-INVITE at 800 s; the refresh falls due at 900 s while it is out
    // (JsSIP #732: two INVITEs overlap). Nothing goes at 900 s; the hold's 2xx
    // at 905 s with the timer headers is the refresh (RFC 4028 section 10).
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    assert!(e.offer_started(1).unwrap());
    assert!(drain(&mut e, 900 * S).is_empty());
    e.on_refresh_response(1, 905 * S, 200, &ok_1800()).unwrap();
    assert!(
        drain(&mut e, 1804 * S).is_empty(),
        "no refresh before 905 + 900 s"
    );
    let next = next_action(&mut e);
    assert_eq!(
        (next.at_ms, refresh_method(&next)),
        (1805 * S, Method::Update)
    );
    assert_eq!(e.counters().refreshes_sent, 1);
}

#[test]
fn a_refresh_held_by_a_failed_offer_goes_at_once_and_only_once() {
    // The refresh fell due during the offer; the offer fails (488): the refresh
    // goes at that moment, once.
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    assert!(e.offer_started(1).unwrap());
    assert!(drain(&mut e, 950 * S).is_empty());
    e.on_refresh_response(1, 960 * S, 488, &headers(&[]))
        .unwrap();
    let due = drain(&mut e, 960 * S);
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].at_ms, refresh_method(&due[0])),
        (960 * S, Method::Update)
    );
    assert!(drain(&mut e, 1000 * S).is_empty(), "never twice");
}

#[test]
fn an_offer_that_fails_before_the_refresh_is_due_leaves_it_at_its_time() {
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    assert!(e.offer_started(1).unwrap());
    e.on_refresh_response(1, 100 * S, 488, &headers(&[]))
        .unwrap();
    assert!(drain(&mut e, 899 * S).is_empty());
    assert_eq!(drain(&mut e, 900 * S).len(), 1);
}

#[test]
fn no_offer_starts_while_our_refresh_is_in_flight() {
    // RFC 3261 section 14.1: the host waits for the refresh's answer (else 491).
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    assert_eq!(drain(&mut e, 900 * S).len(), 1);
    assert!(!e.offer_started(1).unwrap());
    e.on_refresh_response(1, 901 * S, 200, &ok_1800()).unwrap();
    assert!(e.offer_started(1).unwrap());
    // The peer refreshes in their_refresh's session: an offer changes nothing.
    e.establish(2, they_refresh(1800, 0)).unwrap();
    assert!(e.offer_started(2).unwrap());
    assert_eq!(
        next_action(&mut e).kind,
        ActionKind::SendBye(Teardown::NoRefreshReceived)
    );
    assert_eq!(e.offer_started(3), Err(Error::UnknownSession(3)));
}

#[test]
fn an_offer_never_answered_ends_the_session_at_expiry() {
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    assert!(e.offer_started(1).unwrap());
    assert!(drain(&mut e, 1799 * S).is_empty());
    assert_eq!(
        drain(&mut e, 1800 * S),
        vec![bye(1, 1800 * S, Teardown::Expired)]
    );
}

#[test]
fn ending_a_dialog_during_an_offer_or_a_refresh_leaves_nothing_behind() {
    // unimrcp #321: a call ended during a refresh re-INVITE leaked its session.
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    e.establish(2, we_refresh(1800, 0)).unwrap();
    assert!(e.offer_started(1).unwrap());
    let _ = drain(&mut e, 950 * S); // 2's refresh goes out; 1's waits
    e.remove(1).unwrap();
    e.remove(2).unwrap();
    assert!(e.is_empty() && e.next_deadline().is_none());
    assert!(drain(&mut e, 4000 * S).is_empty());
    assert!(e.on_refresh_response(2, 951 * S, 200, &ok_1800()).is_err());
}

#[test]
fn a_held_or_waiting_refresh_survives_a_snapshot() {
    let mut e = engine();
    e.establish(1, we_refresh(1800, 0)).unwrap();
    e.establish(2, we_refresh(1800, 0)).unwrap();
    assert!(e.offer_started(1).unwrap());
    assert!(e.offer_started(2).unwrap());
    assert!(drain(&mut e, 100 * S).is_empty());
    e.on_refresh_response(2, 100 * S, 488, &headers(&[]))
        .unwrap(); // 2 back to due
    let mut copy = Engine::restore(EngineConfig::default(), &e.snapshot()).unwrap();
    assert_eq!(copy.snapshot(), e.snapshot());
    assert_eq!(
        drain(&mut copy, 900 * S).len(),
        1,
        "2 refreshes, 1 waits for its offer"
    );
    copy.on_refresh_response(1, 910 * S, 500, &headers(&[]))
        .unwrap();
    assert_eq!(
        drain(&mut copy, 910 * S).len(),
        1,
        "1's refresh goes when the offer fails"
    );
}

// ---- policy behaviours from the field (field notes section 4) ----------------------

fn engine_with(policy: Policy) -> Engine {
    Engine::new(EngineConfig {
        policy,
        ..EngineConfig::default()
    })
    .unwrap()
}

#[test]
fn ribbon_refreshes_on_a_silent_peers_behalf_instead_of_bye() {
    // Ribbon SBC Edge, "Terminate on Refresh Failure" off: at the BYE time
    // (1800 - 32 s), a refresh on the peer's behalf, which stays the refresher.
    let mut e = engine_with(Policy {
        refresh_for_silent_peer: true,
        ..Policy::RFC
    });
    e.establish(1, they_refresh(1800, 0)).unwrap();
    let action = next_action(&mut e);
    assert_eq!(
        (action.at_ms, refresh_method(&action)),
        (1768 * S, Method::Invite)
    );
    let ActionKind::SendRefresh(request) = &action.kind else {
        unreachable!()
    };
    assert_eq!(
        request.headers.session_expires.as_ref().unwrap().refresher,
        Some(Refresher::Uas)
    );
    assert!(!e.offer_started(1).unwrap(), "our refresh is out");
    let ok = headers(&[
        ("Session-Expires", "1800;refresher=uas"),
        ("Supported", "timer"),
    ]);
    e.on_refresh_response(1, 1769 * S, 200, &ok).unwrap();
    // Still the peer's to refresh; the same again if it stays silent.
    assert_eq!(next_action(&mut e).at_ms, (1769 + 1768) * S);
}

#[test]
fn a_refresh_on_a_silent_peers_behalf_that_fails_ends_the_call() {
    let mut e = engine_with(Policy {
        refresh_for_silent_peer: true,
        ..Policy::RFC
    });
    e.establish(1, they_refresh(1800, 0)).unwrap();
    e.establish(2, they_refresh(1800, 0)).unwrap();
    assert_eq!(drain(&mut e, 1768 * S).len(), 2);
    e.on_refresh_response(1, 1770 * S, 500, &headers(&[]))
        .unwrap();
    assert_eq!(
        drain(&mut e, 1770 * S),
        vec![bye(1, 1770 * S, Teardown::RefreshRejected(500))]
    );
    // Unanswered: BYE at expiry.
    assert_eq!(
        drain(&mut e, 1800 * S),
        vec![bye(2, 1800 * S, Teardown::RefreshUnanswered)]
    );
    // A snapshot taken while one is out restores it.
    e.establish(3, they_refresh(1800, 0)).unwrap();
    let _ = drain(&mut e, 1768 * S);
    let copy = Engine::restore(EngineConfig::default(), &e.snapshot()).unwrap();
    assert_eq!(copy.snapshot(), e.snapshot());
}

#[test]
fn sems_takes_501_to_a_refresh_as_success() {
    // SEMS: 501 to a refresh restarts the timer as it was; the RFC's policy
    // falls back to re-INVITE after 501 to UPDATE.
    let mut e = engine_with(Policy {
        accept_501_as_refreshed: true,
        ..Policy::RFC
    });
    e.establish(1, we_refresh(1800, 0)).unwrap();
    assert_eq!(refresh_method(&next_action(&mut e)), Method::Update);
    e.on_refresh_response(1, 901 * S, 501, &headers(&[]))
        .unwrap();
    let next = next_action(&mut e);
    assert_eq!(
        (next.at_ms, refresh_method(&next)),
        (1801 * S, Method::Update)
    );
    let mut rfc = engine();
    rfc.establish(1, we_refresh(1800, 0)).unwrap();
    let _ = next_action(&mut rfc);
    rfc.on_refresh_response(1, 901 * S, 501, &headers(&[]))
        .unwrap();
    assert_eq!(refresh_method(&next_action(&mut rfc)), Method::Invite);
}

/// Issue 23's memory goal, 48 bytes a session, with room to spare: a
/// million sessions, as the engine bench establishes them (intervals of 90 s
/// to an hour), take at most 46 bytes each: 32 for the slot, about 7.4 for
/// the table's free positions (it is 13/16 full), 1.2 control bytes, and 4
/// in the wheel's buckets (plus their growth room).
#[test]
fn a_million_sessions_take_at_most_46_bytes_each() {
    const SESSIONS: u64 = 1_000_000;
    let mut rng = SplitMix64(4028);
    let mut e = Engine::new(EngineConfig::default()).unwrap();
    e.reserve(SESSIONS as usize).unwrap();
    for key in 0..SESSIONS {
        let interval = 90 + (rng.next_u64() % 3511) as u32;
        let timer = Negotiated {
            interval,
            refresher: Side::Remote,
        };
        e.establish(key, Session::started(Some(timer), 0).unwrap())
            .unwrap();
    }
    let bytes = e.table.heap_bytes() + e.wheel.heap_bytes();
    let per_session = bytes as f64 / SESSIONS as f64;
    assert!(per_session <= 46.0, "{per_session} bytes per session");
}
