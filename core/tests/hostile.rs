//! Hostile peers and broken input (SECURITY.md): every limit of
//! `sessiontimer::limits` refused with its typed error, the attacks of the
//! threat model costing bounded work, and each fuzz finding kept as a
//! regression test (named `fuzz_*`).

mod common;

use common::msg;
use sessiontimer::limits::*;
use sessiontimer::*;

const S: u64 = 1000;

fn drain(engine: &mut Engine, now: u64) -> Vec<Action> {
    std::iter::from_fn(|| engine.poll(now)).collect()
}

fn local(interval: u32) -> Option<Negotiated> {
    Some(Negotiated {
        interval,
        refresher: Side::Local,
    })
}

fn session(timer: Option<Negotiated>, at: u64) -> Session {
    let mut session = Session::new(false);
    session.apply(timer, at);
    session
}

// ---- Limits ------------------------------------------------------------------------

#[test]
fn limit_header_value_length() {
    let long = format!("1800;p={}", "a".repeat(MAX_HEADER_VALUE_LEN));
    let err = SessionExpires::parse(&long).unwrap_err();
    assert!(matches!(
        err,
        Error::MalformedHeader {
            problem: HeaderProblem::TooLong { .. },
            ..
        }
    ));
    assert_eq!(err.status_code(), Some(400));
    let fits = format!("1800;p={}", "a".repeat(MAX_HEADER_VALUE_LEN - 7));
    assert!(SessionExpires::parse(&fits).is_ok());
}

#[test]
fn limit_parameters_per_value() {
    let params = |n: usize| (0..n).map(|i| format!(";p{i}")).collect::<String>();
    assert!(MinSe::parse(&format!("90{}", params(MAX_PARAMS))).is_ok());
    assert!(matches!(
        MinSe::parse(&format!("90{}", params(MAX_PARAMS + 1))),
        Err(Error::MalformedHeader {
            problem: HeaderProblem::TooManyParameters { .. },
            ..
        })
    ));
}

#[test]
fn limit_header_section_length() {
    let mut raw = String::from("INVITE sip:b@127.0.0.1 SIP/2.0\r\n");
    while raw.len() <= MAX_HEADER_SECTION_LEN {
        raw.push_str("X-Padding: 0123456789012345678901234567890123456789\r\n");
    }
    raw.push_str("\r\n");
    assert!(matches!(
        SipMessage::parse(&raw),
        Err(Error::MalformedMessage(_))
    ));
    // The body does not count.
    let body = "v=0\r\n".repeat(MAX_HEADER_SECTION_LEN);
    let with_body = format!("INVITE sip:b@127.0.0.1 SIP/2.0\r\nx: 90\r\n\r\n{body}");
    assert!(SipMessage::parse(&with_body).is_ok());
}

#[test]
fn limit_sessions_per_engine() {
    let mut engine = Engine::new(EngineConfig {
        max_sessions: 2,
        ..EngineConfig::default()
    })
    .unwrap();
    engine.establish(1, session(local(90), 0)).unwrap();
    engine.establish_proxy(2, 90, 0).unwrap();
    assert_eq!(
        engine.establish(3, session(local(90), 0)),
        Err(Error::TooManySessions { max: 2 })
    );
    assert_eq!(engine.len(), 2, "nothing is dropped to make room");
    let too_big = EngineConfig {
        max_sessions: MAX_ENGINE_SESSIONS + 1,
        ..EngineConfig::default()
    };
    assert!(matches!(
        Engine::new(too_big),
        Err(Error::TooManySessions { .. })
    ));
}

#[test]
fn limit_422_retries() {
    let policy = Policy {
        max_422_retries: MAX_422_RETRIES + 1,
        ..Policy::RFC
    };
    assert!(matches!(policy.validate(), Err(Error::InvalidPolicy(_))));
}

// ---- Attacks of the threat model ---------------------------------------------------

#[test]
fn a_peer_answering_422_forever_costs_the_cap() {
    // Each 422 asks a little more: never useless, so only the cap stops it.
    let mut uac = Uac::new(Policy::RFC).unwrap();
    let mut retries = 0;
    for asked in 1801.. {
        match uac.on_422(&msg(&[("Min-SE", &asked.to_string())])) {
            Ok(_) => retries += 1,
            Err(Error::TooMany422 { .. }) => break,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(retries, Policy::RFC.max_422_retries);

    // The same against a refresh: BYE after the cap, whatever the peer says next.
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    engine.establish(1, session(local(90), 0)).unwrap();
    let refresh = drain(&mut engine, 45 * S);
    assert_eq!(refresh.len(), 1);
    let mut sent = 0;
    for asked in 91.. {
        let min_se = asked.to_string();
        if engine
            .on_refresh_response(1, 46 * S, 422, &msg(&[("Min-SE", &min_se)]))
            .is_err()
        {
            break;
        }
        sent += drain(&mut engine, 46 * S)
            .iter()
            .filter(|a| matches!(a.kind, ActionKind::SendRefresh(_)))
            .count();
    }
    assert_eq!(sent, usize::from(Policy::RFC.max_422_retries));
    assert_eq!(engine.counters().too_many_422, 1);
    assert!(engine.is_empty());
}

#[test]
fn a_peer_refreshing_at_the_minimum_again_and_again_costs_constant_memory() {
    // Section 4 lets a peer refresh as often as it likes; each refresh is O(1)
    // and re-arms the session's one timer.
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    let remote = Some(Negotiated {
        interval: 90,
        refresher: Side::Remote,
    });
    engine.establish(7, session(remote, 0)).unwrap();
    let mut now = 0;
    for _ in 0..200_000 {
        now += 10;
        engine.refreshed(7, now, remote).unwrap();
        assert!(engine.poll(now).is_none());
    }
    assert_eq!(engine.len(), 1);
    assert_eq!(engine.counters().refreshes_succeeded, 200_000);
    // The one timer is the BYE of the last refresh: 90 s − 30 s after it.
    assert_eq!(
        engine.next_deadline().map(|d| d <= now + 60 * S),
        Some(true)
    );
    let bye = drain(&mut engine, now + 60 * S);
    assert_eq!(bye.len(), 1);
    assert_eq!(bye[0].at_ms, now + 60 * S);
}

#[test]
fn a_peer_answering_491_forever_is_bounded_by_expiry() {
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    engine.establish(1, session(local(1800), 0)).unwrap();
    let mut now = 900 * S;
    let mut refreshes = drain(&mut engine, now).len();
    loop {
        engine
            .on_refresh_response(1, now, 491, &TimerHeaders::default())
            .unwrap();
        match engine.next_deadline() {
            Some(next) => now = next.max(now),
            None => break,
        }
        let actions = drain(&mut engine, now);
        refreshes += actions.len();
        if actions
            .iter()
            .any(|a| !matches!(a.kind, ActionKind::SendRefresh(_)))
        {
            break;
        }
    }
    assert!(engine.is_empty(), "the session ends");
    assert!(now <= 1800 * S, "never past expiry");
    // RFC 3261 section 14.1: 0 to 2 s between tries (we do not own the
    // Call-ID), about 1 s on average, over the 900 s left.
    assert!((450..=1800).contains(&refreshes), "{refreshes}");
}

#[test]
fn a_peer_that_never_refreshes_is_forgotten_after_bye() {
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    for key in 0..1000 {
        let remote = Some(Negotiated {
            interval: 90 + key as u32,
            refresher: Side::Remote,
        });
        engine.establish(key, session(remote, 0)).unwrap();
    }
    let actions = drain(&mut engine, 2000 * S);
    assert_eq!(actions.len(), 1000);
    assert!(actions
        .iter()
        .all(|a| a.kind == ActionKind::SendBye(Teardown::NoRefreshReceived)));
    assert!(engine.is_empty());
    assert_eq!(engine.next_deadline(), None);
}

#[test]
fn a_value_folded_over_many_lines_parses_in_linear_time() {
    let mut raw = String::from("INVITE sip:b@127.0.0.1 SIP/2.0\r\nSupported: timer");
    for _ in 0..10_000 {
        raw.push_str("\r\n ,x");
    }
    raw.push_str("\r\n\r\n");
    let message = SipMessage::parse(&raw).unwrap();
    assert_eq!(message.headers[0].1.len(), "timer".len() + 10_000 * 3);
    assert!(message.timer_headers().unwrap().supported_timer);
}

// ---- Fuzz findings -----------------------------------------------------------------

/// engine target: `establish_proxy` at a host clock near `u64::MAX` overflowed
/// the expiry sum. Deadlines now saturate.
#[test]
fn fuzz_clock_near_the_end_of_time_saturates() {
    let end = u64::MAX;
    let config = EngineConfig {
        refresh_jitter_ms: 30_000,
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(config).unwrap();
    engine.establish_proxy(1, 1800, end - 5).unwrap();
    engine
        .establish(2, session(local(65_535), end - 1))
        .unwrap();
    engine.refreshed(2, end, local(90)).unwrap();
    engine
        .on_refresh_response(2, end, 503, &TimerHeaders::default())
        .unwrap();
    assert_eq!(session(local(90), end).expires_at_ms(), Some(end));
    // The engine's own snapshot of it restores (it once refused a refresh
    // deadline that jitter had put before the saturated refresh time).
    let restored = Engine::restore(config, &engine.snapshot()).unwrap();
    assert_eq!(restored.session(2), engine.session(2));
    assert!(drain(&mut engine, end).len() <= 2);
}

/// engine target: counters restored at `u64::MAX` overflowed on the next event.
#[test]
fn fuzz_restored_counters_saturate() {
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    let mut bytes = engine.snapshot();
    // Magic, version, wheel position, then the nine counters.
    bytes[13..13 + 72].fill(0xff);
    engine = Engine::restore(EngineConfig::default(), &bytes).unwrap();
    engine.establish(1, session(local(90), 0)).unwrap();
    engine.remove(1).unwrap();
    assert_eq!(engine.counters().established, u64::MAX);
    assert_eq!(engine.counters().removed_by_host, u64::MAX);
}

/// engine target: a refresh queued by a 422 was still handed out after the host
/// removed the session.
#[test]
fn fuzz_refresh_queued_for_a_removed_session_is_dropped() {
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    engine.establish(1, session(local(90), 0)).unwrap();
    assert_eq!(drain(&mut engine, 45 * S).len(), 1);
    engine
        .on_refresh_response(1, 46 * S, 422, &msg(&[("Min-SE", "120")]))
        .unwrap();
    engine.remove(1).unwrap();
    assert_eq!(drain(&mut engine, 46 * S), []);
}

/// roles target (a wrong expectation, kept as the rule it checked): a UAC that
/// offered no interval answers a 422 with Min-SE and still no Session-Expires
/// (section 7.4, UAC-422-3).
#[test]
fn fuzz_422_retry_without_an_offer_carries_min_se_only() {
    let mut uac = Uac::new(Policy {
        mode: Mode::Accept,
        ..Policy::RFC
    })
    .unwrap();
    let retry = uac.on_422(&msg(&[("Min-SE", "1800")])).unwrap();
    assert_eq!(retry.min_se, Some(1800));
    assert_eq!(retry.session_expires, None);
}

/// roles target: a UAC whose mode is `Off` answered a 422 with an empty retry,
/// the very request the 422 refused. It now refuses to retry.
#[test]
fn fuzz_422_to_a_uac_without_timer_support_is_not_retried() {
    let mut uac = Uac::new(Policy {
        mode: Mode::Off,
        ..Policy::RFC
    })
    .unwrap();
    assert!(matches!(
        uac.on_422(&msg(&[("Min-SE", "3600")])),
        Err(Error::Useless422 { .. })
    ));
}
