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
    session.apply(timer, at).unwrap();
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
        Err(Error::EngineFull { max: 2 })
    );
    assert_eq!(engine.len(), 2, "nothing is dropped to make room");
    let too_big = EngineConfig {
        max_sessions: MAX_ENGINE_SESSIONS + 1,
        ..EngineConfig::default()
    };
    assert!(matches!(
        Engine::new(too_big),
        Err(Error::EngineFull { .. })
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
    let policy = Policy::RFC;
    let mut uac = Uac::new(policy).unwrap();
    let mut retries = 0;
    for asked in 1801.. {
        match uac.on_422(&msg(&[("Min-SE", &asked.to_string())])) {
            Ok(_) => retries += 1,
            Err(Error::TooMany422 { .. }) => break,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(retries, policy.max_422_retries);

    // The same against a refresh: BYE after the cap, whatever the peer says next.
    let mut engine = Engine::new(EngineConfig {
        policy,
        ..EngineConfig::default()
    })
    .unwrap();
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

// ---- Round two (SECURITY.md, findings of the outside review) ----------------------

/// Every line a set of edits writes is one header: `Name: value` with no
/// control character but HTAB in the value.
fn assert_one_header_per_line(edits: &HeaderEdits) {
    let lines = edits.to_header_lines();
    for line in lines.split_terminator("\r\n") {
        assert!(
            !line.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f),
            "{line:?}"
        );
        assert!(line.split_once(": ").is_some(), "{line:?}");
    }
    assert_eq!(lines.matches('\n').count(), edits.to_rows().len());
}

#[test]
fn review_1_a_proxy_lowering_session_expires_never_copies_a_line_break() {
    // RFC 3261 section 7.3.1: folding inside a quoted string reads as one
    // space; any other control character in a parameter is a 400.
    let proxy = Proxy::new(Policy {
        max_session_expires: Some(1800),
        ..Policy::RFC
    })
    .unwrap();
    for value in [
        "3600;note=\"a\r\nVia: SIP/2.0/UDP evil\"",
        "3600;note=\"a\r\n\tb\";refresher=uac",
        "3600;note=\"a\nb\"",
        "3600;note=\"a\rb\"",
    ] {
        let request = msg(&[("Supported", "timer"), ("Session-Expires", value)]);
        let ProxyRequestDecision::Forward { headers: edits, .. } =
            proxy.on_request(Method::Invite, &request)
        else {
            panic!("{value:?} was not forwarded")
        };
        assert_eq!(edits.session_expires.as_ref().unwrap().interval, 1800);
        assert_one_header_per_line(&edits);
        let mut rows = vec![("Session-Expires".to_owned(), value.to_owned())];
        edits.apply(&mut rows);
        assert!(!rows[0].1.contains(['\r', '\n']), "{rows:?}");
    }
    for value in [
        "3600;note=\"a\0b\"",
        "3600;note=\"a\u{7f}\"",
        "3600;note=\"a\"b\"",
        "3600;note=\"a\\\"",
    ] {
        let err = TimerHeaders::parse([("Session-Expires", value)]).unwrap_err();
        assert_eq!(err.status_code(), Some(400), "{value:?}");
    }
}

#[test]
fn review_1_timer_merged_into_a_hostile_option_list_stays_one_header() {
    let edits = HeaderEdits {
        supported_timer: true,
        require_timer: true,
        ..HeaderEdits::default()
    };
    let mut rows = vec![
        (
            "Supported".to_owned(),
            "100rel\r\nX-Evil: 1, replaces".to_owned(),
        ),
        ("Require".to_owned(), "\0".to_owned()),
    ];
    edits.apply(&mut rows);
    assert_eq!(rows[0].1, "replaces, timer");
    assert_eq!(rows[1].1, "timer");
}

#[test]
fn review_2_an_interval_below_90_from_the_host_is_refused_at_the_call() {
    // RFC 4028 sections 4 and 5: no negotiation yields less than 90 s, and
    // no snapshot may hold it; the call fails and nothing changes.
    let mut session = Session::new(false);
    for interval in [0, 1, 89] {
        let timer = local(interval);
        let err = session.apply(timer, 5).unwrap_err();
        assert_eq!(err, Error::IntervalBelowMinimum { interval });
        assert_eq!(session, Session::new(false));
        assert!(Session::started(timer, 0).is_err());
        let mut engine = Engine::new(EngineConfig::default()).unwrap();
        assert!(engine.establish_proxy(7, interval, 0).is_err());
        engine.establish(7, self::session(local(90), 0)).unwrap();
        assert!(engine.refreshed(7, 10, timer).is_err());
        let failed = engine.refreshed_batch(&[Refreshed {
            key: 7,
            now_ms: 10,
            timer,
        }]);
        assert_eq!(failed, [(0, Error::IntervalBelowMinimum { interval })]);
        assert_eq!(engine.session(7).unwrap().refreshed_at_ms(), 0);
        Engine::restore(EngineConfig::default(), &engine.snapshot()).unwrap();
    }
}

#[test]
fn review_2_a_clock_that_goes_backwards_leaves_a_restorable_engine() {
    // A retry's answer reported at an earlier `now` than the refresh before
    // it: the session's time does not run backwards, and every snapshot the
    // engine writes, its own restore takes.
    for status in [491, 500, 503, 422, 200] {
        let mut engine = Engine::new(EngineConfig::default()).unwrap();
        engine
            .establish(1, session(local(1800), 1_000 * S))
            .unwrap();
        let due = drain(&mut engine, 1_900 * S);
        assert_eq!(due.len(), 1);
        let answer = msg(&[("Min-SE", "1900"), ("Session-Expires", "1900")]);
        engine
            .on_refresh_response(1, 3 * S, status, &answer)
            .unwrap();
        drain(&mut engine, 3 * S);
        engine.refreshed(1, 2 * S, local(1800)).unwrap_or_default();
        let bytes = engine.snapshot();
        let restored = Engine::restore(EngineConfig::default(), &bytes).unwrap();
        assert_eq!(restored.snapshot(), bytes, "status {status}");
        if let Ok(one) = engine.snapshot_session(1) {
            let mut other = Engine::new(EngineConfig::default()).unwrap();
            other.restore_session(&one).unwrap();
            assert!(engine.session(1).unwrap().refreshed_at_ms() >= 1_000 * S);
        }
    }
}

#[test]
fn review_3_remove_drops_every_action_queued_for_its_key() {
    // SECURITY.md: nothing queued for a removed session reaches a later
    // dialog under the same key, a refresh (peeked, left in place) or a BYE.
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    engine.establish(1, session(local(90), 0)).unwrap();
    assert!(matches!(
        engine.peek(45 * S).map(|a| &a.kind),
        Some(ActionKind::SendRefresh(_))
    ));
    engine.remove(1).unwrap();
    engine.establish(1, session(local(1800), 45 * S)).unwrap();
    assert_eq!(
        engine.poll(45 * S),
        None,
        "the old dialog's refresh is gone"
    );

    engine
        .on_refresh_response(1, 46 * S, 481, &msg(&[]))
        .unwrap();
    // The BYE of the ended session waits: the key cannot be reused until it
    // is polled, or until the host removes it.
    assert_eq!(
        engine.establish(1, session(local(90), 46 * S)),
        Err(Error::DuplicateSession(1))
    );
    assert_eq!(engine.remove(1), Err(Error::UnknownSession(1)));
    engine.establish(1, session(local(90), 46 * S)).unwrap();
    assert_eq!(engine.poll(46 * S), None, "no BYE for the new dialog");
}

#[test]
fn review_4_reserve_is_bounded_by_max_sessions() {
    let mut engine = Engine::new(EngineConfig {
        max_sessions: 1000,
        ..EngineConfig::default()
    })
    .unwrap();
    engine.reserve(usize::MAX).unwrap();
    engine.reserve(1 << 31).unwrap();

    engine.establish(1, session(local(90), 0)).unwrap();
    assert_eq!(engine.len(), 1);
}

#[test]
fn review_5_snapshots_are_deterministic_in_key_order() {
    // Two engines (each with its own hash seed) fed the same calls write the
    // same bytes, and restore-then-snapshot gives them back byte for byte.
    let feed = |engine: &mut Engine| {
        for key in [9, 3, 1 << 40, 7, 0, u64::MAX] {
            engine
                .establish(key, session(local(90 + key as u32 % 1000), key % 50))
                .unwrap();
        }
    };
    let (mut a, mut b) = (
        Engine::new(EngineConfig::default()).unwrap(),
        Engine::new(EngineConfig::default()).unwrap(),
    );
    feed(&mut a);
    feed(&mut b);
    assert_eq!(a.snapshot(), b.snapshot());
    let restored = Engine::restore(EngineConfig::default(), &a.snapshot()).unwrap();
    assert_eq!(restored.snapshot(), a.snapshot());
}

#[test]
fn review_5_rfc4028_s7_4_a_uac_never_follows_a_422_past_its_cap() {
    // With no `max_session_expires`, a 422 is followed up to a day
    // (Policy::ceiling_422), so a UAC asking 90 s still takes Min-SE 1800.
    let mut uac = Uac::new(Policy {
        session_expires: 90,
        ..Policy::RFC
    })
    .unwrap();
    assert_eq!(
        uac.on_422(&msg(&[("Min-SE", "4000000000")])),
        Err(Error::MinSeAboveMax {
            min_se: 4_000_000_000,
            max: MAX_FOLLOWED_MIN_SE
        })
    );
    assert!(uac.on_422(&msg(&[("Min-SE", "86401")])).is_err());
    assert!(uac.on_422(&msg(&[("Min-SE", "1800")])).is_ok());
    let capped = Policy {
        max_session_expires: Some(3600),
        ..Policy::RFC
    };
    let err = Uac::new(capped)
        .unwrap()
        .on_422(&msg(&[("Min-SE", "3601")]));
    assert_eq!(
        err,
        Err(Error::MinSeAboveMax {
            min_se: 3601,
            max: 3600
        })
    );
}

#[test]
fn fuzz_an_answer_at_a_clock_behind_the_session_is_stamped_with_the_host_clock() {
    // Fuzz `engine` (round two): a session that began after the host's `now`
    // (clock behind), then a failure to its refresh. Its timer runs from the
    // session's own time; the BYE carries the host's `now`, not a time in its
    // future.
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    engine
        .establish(1, session(local(1800), 5_000 * S))
        .unwrap();
    engine
        .on_refresh_response(1, 10 * S, 481, &msg(&[]))
        .unwrap();
    assert_eq!(
        drain(&mut engine, 10 * S),
        [Action {
            key: 1,
            at_ms: 10 * S,
            kind: ActionKind::SendBye(Teardown::RefreshRejected(481)),
        }]
    );
}

#[test]
fn review_2_a_proxy_reads_a_2xx_below_90_as_90_so_its_engine_takes_it() {
    // A UAS's 2xx with Session-Expires 0 or 30 (section 4: never below 90):
    // the interval the proxy reports is one `establish_proxy` accepts.
    let proxy = Proxy::new(Policy::RFC).unwrap();
    let transaction = ProxyTransaction::default();
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    for (key, value) in [(1, "0"), (2, "30;refresher=uac")] {
        let decision = proxy.on_2xx(&transaction, &msg(&[("Session-Expires", value)]));
        assert_eq!(decision.interval, Some(90));
        assert!(decision.headers.is_empty(), "the 2xx passes unchanged");
        engine
            .establish_proxy(key, decision.interval.unwrap(), 0)
            .unwrap();
    }
}
