//! One test per MUST and MUST NOT of RFC 4028 (and the RFC 3261 rules it leans
//! on), named after its section. The requirement ids (G-, UAC-, SUB-, PX-, UAS-,
//! RF-, EXT-) are those of ../shared/reference/rfc4028-checklist.md.

mod common;

use common::{accepted, msg, rejected, rows, s, value};
use sessiontimer::*;

const OFF: Policy = Policy {
    mode: Mode::Off,
    ..Policy::RFC
};

fn uas() -> Uas {
    Uas::new(Policy::RFC).unwrap()
}

fn proxy(min_se: u32) -> Proxy {
    Proxy::new(Policy {
        min_se,
        session_expires: min_se.max(1800),
        ..Policy::RFC
    })
    .unwrap()
}

/// Requests of every shape the roles distinguish, for the "never" rules.
fn request_shapes() -> Vec<TimerHeaders> {
    let mut shapes = Vec::new();
    for supported in [None, Some(("Supported", "timer"))] {
        for se in [
            None,
            Some("60"),
            Some("100"),
            Some("1800;refresher=uac"),
            Some("7200;refresher=uas"),
        ] {
            for min_se in [None, Some("60"), Some("1200")] {
                let mut pairs: Vec<(&str, &str)> = supported.into_iter().collect();
                pairs.extend(se.map(|v| ("Session-Expires", v)));
                pairs.extend(min_se.map(|v| ("Min-SE", v)));
                shapes.push(msg(&pairs));
            }
        }
    }
    shapes
}

// ---- Section 4 ------------------------------------------------------------------

#[test]
fn rfc4028_s4_handles_any_interval_above_90() {
    // G-4: up to 2^32-1 seconds, through every role, without overflow.
    let huge = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "4294967295;refresher=uas"),
    ]);
    let uas = Uas::new(Policy {
        max_session_expires: Some(u32::MAX),
        ..Policy::RFC
    })
    .unwrap();
    let (h, timer) = accepted(uas.decide(Method::Invite, &huge, None));
    assert_eq!(
        value(&h, "Session-Expires").unwrap(),
        "4294967295;refresher=uas"
    );
    let mut session = Session::new(false);
    session.apply(timer, u64::from(u32::MAX)).unwrap();
    assert!(session.refresh_at_ms().unwrap() > u64::from(u32::MAX));
    let uac = Uac::new(Policy::RFC).unwrap();
    assert_eq!(uac.on_2xx(&huge).unwrap().interval, u32::MAX);
}

// ---- Section 5 and 6 ------------------------------------------------------------

#[test]
fn rfc4028_s5_never_sends_min_se_below_90() {
    // G-7: whatever arrives, no Min-SE we write is below 90.
    for req in request_shapes() {
        if let UasDecision::Accept { headers: h, .. } | UasDecision::Reject { headers: h, .. } =
            uas().decide(Method::Invite, &req, None)
        {
            assert!(h.min_se.is_none_or(|m| m >= 90), "{req:?}");
        }
        let (ProxyRequestDecision::Forward { headers: h, .. }
        | ProxyRequestDecision::Reject { headers: h, .. }) =
            proxy(90).on_request(Method::Invite, &req);
        assert!(h.min_se.is_none_or(|m| m >= 90), "{req:?}");
    }
    let mut uac = Uac::new(Policy::RFC).unwrap();
    let retry = uac.on_422(&msg(&[("Min-SE", "60"), ("Session-Expires", "1")]));
    assert!(
        retry.is_err(),
        "a 422 asking less than we offered is not retried"
    );
}

#[test]
fn rfc4028_s5_min_se_only_in_422_responses() {
    // G-9: a 2xx of a UAS, or a 2xx edited by a proxy, never carries Min-SE.
    for req in request_shapes() {
        match uas().decide(Method::Invite, &req, None) {
            UasDecision::Accept { headers, .. } => assert_eq!(headers.min_se, None),
            UasDecision::Reject { status, headers } => {
                assert_eq!(headers.min_se.is_some(), status == 422)
            }
            UasDecision::NotARefresh => unreachable!(),
        }
        if let ProxyRequestDecision::Forward { transaction, .. } =
            proxy(90).on_request(Method::Invite, &req)
        {
            assert_eq!(
                proxy(90).on_2xx(&transaction, &msg(&[])).headers.min_se,
                None
            );
        }
    }
}

#[test]
fn rfc4028_s6_422_carries_min_se() {
    // G-10, from a UAS and from a proxy.
    let small = msg(&[("Supported", "timer"), ("Session-Expires", "100")]);
    let (status, h) = rejected(
        Uas::new(Policy {
            min_se: 600,
            ..Policy::RFC
        })
        .unwrap()
        .decide(Method::Invite, &small, None),
    );
    assert_eq!((status, h.min_se), (422, Some(600)));
    let ProxyRequestDecision::Reject { status, headers } =
        proxy(600).on_request(Method::Invite, &small)
    else {
        panic!("expected 422")
    };
    assert_eq!((status, headers.min_se), (422, Some(600)));
}

// ---- Section 7.1: the UAC's initial request --------------------------------------

#[test]
fn rfc4028_s7_1_uac_lists_timer_in_every_request() {
    // UAC-I-1, UAC-I-2: in the initial INVITE, its retries and every refresh,
    // also when not asking for a timer.
    for mode in [Mode::Accept, Mode::Originate, Mode::Required, Mode::Always] {
        let policy = Policy {
            mode,
            ..Policy::RFC
        };
        let mut uac = Uac::new(policy).unwrap();
        assert!(uac.request().supported_timer, "{mode:?}");
        if let Ok(retry) = uac.on_422(&msg(&[("Min-SE", "3600")])) {
            assert!(retry.supported_timer);
        }
        let session = uac.establish(&msg(&[("Session-Expires", "1800;refresher=uac")]), 0);
        assert!(session.refresh_request(&policy).headers.supported_timer);
    }
}

#[test]
fn rfc4028_s7_1_supported_still_included_with_require() {
    // UAC-I-6.
    let h = Uac::new(Policy {
        mode: Mode::Required,
        ..Policy::RFC
    })
    .unwrap()
    .request();
    assert!(h.require_timer && h.supported_timer);
}

#[test]
fn rfc4028_s7_1_session_expires_not_below_min_se() {
    // UAC-I-9: with our own Min-SE, and after 422s.
    let mut uac = Uac::new(Policy {
        min_se: 1800,
        ..Policy::RFC
    })
    .unwrap();
    let h = uac.request();
    assert_eq!(
        (value(&h, "Session-Expires").unwrap().as_str(), h.min_se),
        ("1800", Some(1800))
    );
    let h = uac.on_422(&msg(&[("Min-SE", "2000")])).unwrap();
    assert_eq!(
        (value(&h, "Session-Expires").unwrap().as_str(), h.min_se),
        ("2000", Some(2000))
    );
}

// ---- Section 7.2: the UAC reads the 2xx -------------------------------------------

#[test]
fn rfc4028_s7_2_uac_reads_session_expires_with_or_without_require() {
    // UAC-R-2, UAC-R-4.
    let uac = Uac::new(Policy::RFC).unwrap();
    for extra in [None, Some(("Require", "timer"))] {
        let mut pairs = vec![("Session-Expires", "1200;refresher=uas")];
        pairs.extend(extra);
        assert_eq!(uac.on_2xx(&msg(&pairs)).unwrap().interval, 1200);
    }
}

#[test]
fn rfc4028_s7_2_uac_sets_refresher_from_the_parameter() {
    // UAC-R-5: `uac` is us, `uas` is the peer.
    let uac = Uac::new(Policy::RFC).unwrap();
    for (param, side) in [("uac", Side::Local), ("uas", Side::Remote)] {
        let se = format!("1800;refresher={param}");
        assert_eq!(
            uac.on_2xx(&msg(&[("Session-Expires", &se)]))
                .unwrap()
                .refresher,
            side
        );
    }
}

#[test]
fn rfc4028_s7_2_refresh_before_expiration() {
    // UAC-R-10 (and UAS-13 for the UAS): the refresh is due strictly before expiry.
    for interval in [90, 91, 1800, u32::MAX] {
        let mut session = Session::new(false);
        session
            .apply(
                Some(Negotiated {
                    interval,
                    refresher: Side::Local,
                }),
                7,
            )
            .unwrap();
        assert!(session.refresh_at_ms().unwrap() < session.expires_at_ms().unwrap());
    }
}

// ---- Section 7.4: subsequent refreshes --------------------------------------------

#[test]
fn rfc4028_s7_4_retry_after_422_carries_largest_min_se() {
    // UAC-422-3, SUB-3, SUB-4.
    let mut uac = Uac::new(Policy {
        max_422_retries: 5,
        ..Policy::RFC
    })
    .unwrap();
    for (asked, expected) in [(2000, 2000), (3000, 3000)] {
        let h = uac.on_422(&msg(&[("Min-SE", &asked.to_string())])).unwrap();
        assert_eq!(h.min_se, Some(expected));
    }
}

#[test]
fn rfc4028_s7_4_refresh_reuses_initial_option_tags() {
    // SUB-1: Supported and Require of the initial request.
    for (mode, require) in [(Mode::Originate, false), (Mode::Required, true)] {
        let policy = Policy {
            mode,
            ..Policy::RFC
        };
        let uac = Uac::new(policy).unwrap();
        let session = uac.establish(&msg(&[("Session-Expires", "1800;refresher=uac")]), 0);
        let refresh = session.refresh_request(&policy).headers;
        assert_eq!(
            (refresh.supported_timer, refresh.require_timer),
            (true, require)
        );
    }
}

#[test]
fn rfc4028_s7_4_refresh_carries_dialog_min_se() {
    // SUB-2, SUB-4: the largest Min-SE of 422s and refresh requests on the dialog.
    let policy = Policy::RFC;
    let uas = uas();
    let mut session = Session::new(false);
    session
        .apply(
            Some(Negotiated {
                interval: 1800,
                refresher: Side::Local,
            }),
            0,
        )
        .unwrap();
    let update = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "1800;refresher=uas"),
        ("Min-SE", "1000"),
    ]);
    let (_, timer) = accepted(session.answer(&uas, Method::Update, &update));
    session.apply(timer, s(10)).unwrap();
    let sent = session.refresh_request(&policy);
    assert_eq!(sent.headers.min_se, Some(1000));
    let _ = session.on_refresh_response(&policy, s(20), 422, &sent, &msg(&[("Min-SE", "1900")]));
    assert_eq!(session.refresh_request(&policy).headers.min_se, Some(1900));
}

#[test]
fn rfc4028_s7_4_unchanged_offer_is_a_pure_refresh() {
    // SUB-16, SUB-17: an offer with the same o= session id and version.
    let sdp = "v=0\r\no=- 42 7 IN IP4 127.0.0.1\r\ns=-\r\n";
    let in_force = SdpOrigin::parse(sdp).unwrap();
    assert_eq!(
        classify_refresh(Method::Invite, Some(sdp), Some(&in_force)),
        RefreshKind::PureRefresh
    );
    assert_eq!(
        classify_refresh(Method::Update, None, Some(&in_force)),
        RefreshKind::PureRefresh
    );
    let changed = sdp.replace(" 7 ", " 8 ");
    assert_eq!(
        classify_refresh(Method::Invite, Some(&changed), Some(&in_force)),
        RefreshKind::SessionChange
    );
}

// ---- Section 8: proxies -----------------------------------------------------------

#[test]
fn rfc4028_s8_stateless_proxy_never_requests_timers() {
    // PX-2: Mode::Off is the stateless proxy.
    let stateless = Proxy::new(OFF).unwrap();
    for req in request_shapes() {
        let ProxyRequestDecision::Forward {
            headers: edits,
            transaction,
        } = stateless.on_request(Method::Invite, &req)
        else {
            panic!("a stateless proxy never rejects")
        };
        assert!(edits.is_empty() && !transaction.requested);
    }
}

/// RFC 3261 section 16.3 item 4, and RFC 4028 section 7.1 (a UAC may list
/// `timer` in Proxy-Require): a proxy without timers answers 420 with
/// `Unsupported: timer` rather than forward a request it cannot serve.
#[test]
fn rfc4028_s8_proxy_without_timers_answers_420_to_proxy_require_timer() {
    let stateless = Proxy::new(OFF).unwrap();
    let req = msg(&[("Proxy-Require", "timer"), ("Session-Expires", "1800")]);
    let ProxyRequestDecision::Reject { status, headers } =
        stateless.on_request(Method::Invite, &req)
    else {
        panic!("420 expected")
    };
    assert_eq!(status, 420);
    assert_eq!(headers.to_header_lines(), "Unsupported: timer\r\n");
    // A proxy with timers forwards it; a non-refresh request is never refused.
    assert!(matches!(
        proxy(90).on_request(Method::Invite, &req),
        ProxyRequestDecision::Forward { .. }
    ));
    assert!(matches!(
        stateless.on_request(Method::Other, &req),
        ProxyRequestDecision::Forward { .. }
    ));
}

#[test]
fn rfc4028_s8_1_inserted_session_expires_has_no_refresher() {
    // PX-5, PX-6.
    let ProxyRequestDecision::Forward { headers: edits, .. } =
        proxy(90).on_request(Method::Invite, &msg(&[("Min-SE", "2400")]))
    else {
        panic!()
    };
    assert_eq!(edits.session_expires, Some(SessionExpires::new(2400, None)));
}

#[test]
fn rfc4028_s8_1_proxy_never_lowers_below_min_se_nor_raises() {
    // PX-7, PX-8, PX-9, PX-15: the forwarded interval is at least Min-SE, and
    // raised only up to Min-SE.
    for req in request_shapes() {
        if let ProxyRequestDecision::Forward {
            headers: edits,
            transaction,
        } = proxy(90).on_request(Method::Invite, &req)
        {
            let sent = edits.min_se.unwrap_or(req.effective_min_se());
            let Some(forwarded) = transaction.interval else {
                continue;
            };
            assert!(forwarded >= sent, "{req:?}");
            if let Some(se) = &req.session_expires {
                assert!(forwarded <= se.interval.max(sent), "{req:?}");
            }
        }
    }
}

#[test]
fn rfc4028_s8_1_proxy_never_touches_refresher() {
    // PX-10.
    for param in ["uac", "uas"] {
        let se = format!("7200;refresher={param};x=1");
        let ProxyRequestDecision::Forward { headers: edits, .. } =
            proxy(90).on_request(Method::Update, &msg(&[("Session-Expires", &se)]))
        else {
            panic!()
        };
        assert_eq!(
            value(&edits, "Session-Expires").unwrap(),
            format!("1800;refresher={param};x=1")
        );
    }
}

#[test]
fn rfc4028_s8_1_proxy_raises_min_se_never_lowers() {
    // PX-12, PX-13, PX-14, PX-16.
    let raise = msg(&[("Session-Expires", "100"), ("Min-SE", "120")]);
    let ProxyRequestDecision::Forward { headers: edits, .. } =
        proxy(600).on_request(Method::Invite, &raise)
    else {
        panic!()
    };
    assert_eq!(edits.min_se, Some(600));
    let higher = msg(&[("Session-Expires", "100"), ("Min-SE", "900")]);
    let ProxyRequestDecision::Forward { headers: edits, .. } =
        proxy(600).on_request(Method::Invite, &higher)
    else {
        panic!()
    };
    assert_eq!(
        edits.min_se, None,
        "Min-SE 900 stays: never lowered to our 600"
    );
    assert_eq!(
        edits.session_expires.map(|se| se.interval),
        Some(900),
        "PX-9"
    );
    let supported = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "1000"),
        ("Min-SE", "120"),
    ]);
    let ProxyRequestDecision::Forward { headers: edits, .. } =
        proxy(600).on_request(Method::Invite, &supported)
    else {
        panic!()
    };
    assert_eq!(edits.min_se, None, "PX-16: never with `timer` in Supported");
}

#[test]
fn rfc4028_s8_1_proxy_remembers_request_and_support() {
    // PX-17, PX-18.
    let ProxyRequestDecision::Forward { transaction, .. } =
        proxy(90).on_request(Method::Invite, &msg(&[("Session-Expires", "1200")]))
    else {
        panic!()
    };
    assert_eq!(
        transaction,
        ProxyTransaction {
            requested: true,
            uac_supports: false,
            interval: Some(1200)
        }
    );
}

#[test]
fn rfc4028_s8_2_proxy_inserts_refresher_uac_and_require() {
    // PX-21.
    let p = proxy(90);
    let ProxyRequestDecision::Forward { transaction, .. } =
        p.on_request(Method::Invite, &msg(&[("k", "timer"), ("x", "1200")]))
    else {
        panic!()
    };
    let edits = p.on_2xx(&transaction, &msg(&[])).headers;
    assert_eq!(
        rows(&edits),
        [
            ("Session-Expires".into(), "1200;refresher=uac".into()),
            ("Require".into(), "timer".into()),
        ]
    );
}

#[test]
fn rfc4028_s8_2_proxy_never_changes_the_response_interval() {
    // PX-22, PX-23, PX-24: read, never edit; expiry counts from forwarding.
    let p = proxy(1800);
    let txn = ProxyTransaction {
        requested: true,
        uac_supports: true,
        interval: Some(1800),
    };
    let d = p.on_2xx(&txn, &msg(&[("Session-Expires", "95;refresher=uas")]));
    assert!(d.headers.is_empty());
    assert_eq!(d.expires_at_ms(s(3)), Some(s(98)));
}

#[test]
fn rfc4028_s8_3_proxy_never_sends_bye() {
    // PX-25: a proxy's decisions can only edit headers and report an interval,
    // and the engine ends a proxy's session at expiry without a BYE.
    let d = proxy(90).on_2xx(
        &ProxyTransaction::default(),
        &msg(&[("Session-Expires", "90")]),
    );
    assert_eq!(d.expires_at_ms(0), Some(s(90)));
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    engine.establish_proxy(1, 90, 0).unwrap();
    let ended: Vec<Action> = std::iter::from_fn(|| engine.poll(u64::MAX)).collect();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].kind, ActionKind::SessionEnded(Teardown::Expired));
    assert_eq!(engine.counters().expired, 1);
}

// ---- Section 9: the UAS -------------------------------------------------------------

#[test]
fn rfc4028_s9_uas_422_min_se_at_least_90() {
    // UAS-2, UAS-3.
    for se in ["1", "89"] {
        let req = msg(&[("Supported", "timer"), ("Session-Expires", se)]);
        let (status, h) = rejected(uas().decide(Method::Invite, &req, None));
        assert_eq!((status, h.min_se), (422, Some(90)));
    }
}

#[test]
fn rfc4028_s9_uas_never_lowers_below_min_se_and_never_raises() {
    // UAS-5, UAS-6, UAS-7: for every request shape answered with a timer.
    let low_cap = Uas::new(Policy {
        session_expires: 90,
        ..Policy::RFC
    })
    .unwrap();
    for u in [uas(), low_cap] {
        for req in request_shapes() {
            if let UasDecision::Accept { timer: Some(t), .. } = u.decide(Method::Invite, &req, None)
            {
                assert!(t.interval >= req.effective_min_se(), "{req:?}");
                if let Some(se) = &req.session_expires {
                    assert!(
                        t.interval <= se.interval.max(req.effective_min_se()),
                        "{req:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn rfc4028_s9_uas_picks_refresher_by_table_2() {
    // UAS-8, UAS-9, with each preference for row 4.
    use RefresherPreference::{Auto, Local, Remote};
    const UAC: RefresherPreference = RefresherPreference::Uac;
    const UAS: RefresherPreference = RefresherPreference::Uas;
    let rows: [(bool, Option<&str>, RefresherPreference, &str); 10] = [
        (false, None, Auto, "uas"),
        (false, Some("uac"), Auto, "uas"), // "NA": read as row 1
        (false, Some("uas"), Local, "uas"),
        (true, None, Auto, "uac"),
        (true, None, UAC, "uac"),
        (true, None, Remote, "uac"),
        (true, None, UAS, "uas"),
        (true, None, Local, "uas"),
        (true, Some("uac"), Local, "uac"),
        (true, Some("uas"), Remote, "uas"),
    ];
    for (supports, param, refresher, expected) in rows {
        let se = match param {
            Some(p) => format!("1800;refresher={p}"),
            None => "1800".to_owned(),
        };
        let mut pairs = vec![("Session-Expires", se.as_str())];
        if supports {
            pairs.push(("Supported", "timer"));
        }
        let u = Uas::new(Policy {
            refresher,
            ..Policy::RFC
        })
        .unwrap();
        let (h, _) = accepted(u.decide(Method::Invite, &msg(&pairs), None));
        assert_eq!(
            value(&h, "Session-Expires").unwrap(),
            format!("1800;refresher={expected}"),
            "{supports} {param:?} {refresher:?}"
        );
    }
}

#[test]
fn rfc4028_s9_refresher_uac_has_require_timer() {
    // UAS-10, and RFC 3261 section 8.2.4 (EXT-4): never `Require: timer` to a
    // request without `timer` in Supported.
    for req in request_shapes() {
        if let UasDecision::Accept { headers, .. } = uas().decide(Method::Invite, &req, None) {
            let uac_refreshes = headers.session_expires.as_ref().and_then(|se| se.refresher)
                == Some(Refresher::Uac);
            if uac_refreshes {
                assert!(headers.require_timer, "{req:?}");
            }
            if !req.supports_timer() {
                assert!(!headers.require_timer, "{req:?}");
            }
        }
    }
}

// ---- Section 10: performing refreshes --------------------------------------------------

fn refreshing() -> Session {
    Uac::new(Policy::RFC)
        .unwrap()
        .establish(&msg(&[("Session-Expires", "1800;refresher=uac")]), 0)
}

#[test]
fn rfc4028_s10_only_a_2xx_extends_the_session() {
    // RF-2, RF-3.
    for status in [422, 491, 500, 401] {
        let mut session = refreshing();
        let sent = session.refresh_request(&Policy::RFC);
        let _failed_or_retried = session.on_refresh_response(
            &Policy::RFC,
            s(900),
            status,
            &sent,
            &msg(&[("Min-SE", "3600")]),
        );
        assert_eq!(session.expires_at_ms(), Some(s(1800)), "{status}");
    }
}

#[test]
fn rfc4028_s10_timeout_408_481_end_with_bye() {
    // RF-4.
    for status in [408, 481] {
        let mut session = refreshing();
        let sent = session.refresh_request(&Policy::RFC);
        let result = session.on_refresh_response(&Policy::RFC, s(900), status, &sent, &msg(&[]));
        assert_eq!(result, RefreshOutcome::Terminate);
    }
}

#[test]
fn rfc4028_s10_the_same_422_is_not_retried() {
    // RF-6: a 422 no larger than what we sent.
    let mut session = refreshing();
    let sent = session.refresh_request(&Policy::RFC);
    let result = session.on_refresh_response(
        &Policy::RFC,
        s(900),
        422,
        &sent,
        &msg(&[("Min-SE", "1800")]),
    );
    assert_eq!(result, RefreshOutcome::Failed { status: 422 });
}

// ---- RFC 3261 rules RFC 4028 relies on ------------------------------------------------------

#[test]
fn rfc3261_s8_2_2_3_require_timer_when_off_gets_420() {
    // EXT-1.
    let off = Uas::new(OFF).unwrap();
    let (status, h) = rejected(off.decide(Method::Invite, &msg(&[("Require", "timer")]), None));
    assert_eq!((status, h.unsupported_timer), (420, true));
}

#[test]
fn rfc3261_s8_2_4_required_mode_answers_421_without_support() {
    let required = Uas::new(Policy {
        mode: Mode::Required,
        ..Policy::RFC
    })
    .unwrap();
    let (status, h) = rejected(required.decide(Method::Invite, &msg(&[]), None));
    assert_eq!((status, h.require_timer), (421, true));
}

#[test]
fn rfc4028_s7_4_a_session_started_by_the_uas_refreshes_by_update_when_the_request_allowed_it() {
    // SUB-13 on the answering side: `Uas::establish` keeps the INVITE's
    // `Allow: UPDATE` and Min-SE, which `Session::new` + `apply` would lose.
    let uas = Uas::new(Policy::RFC).unwrap();
    let invite = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "1800;refresher=uas"),
        ("Min-SE", "600"),
        ("Allow", "INVITE, ACK, BYE, UPDATE"),
    ]);
    let UasDecision::Accept { timer, .. } = uas.decide(Method::Invite, &invite, None) else {
        panic!("accepted")
    };
    let session = uas.establish(&invite, timer, 0).unwrap();
    assert!(session.peer_supports_timer());
    assert_eq!(session.dialog_min_se(), Some(600));
    let refresh = session.refresh_request(uas.policy());
    assert_eq!(refresh.method, Method::Update);
    assert_eq!(refresh.headers.min_se, Some(600));
    let bare = Session::started(timer, 0).unwrap();
    assert_eq!(bare.refresh_request(uas.policy()).method, Method::Invite);
    assert!(uas
        .establish(
            &invite,
            Some(Negotiated {
                interval: 30,
                refresher: Side::Local
            }),
            0
        )
        .is_err());
}
