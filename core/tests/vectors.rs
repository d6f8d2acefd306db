//! The negotiation and timer vectors V01-V81 of the RFC 4028 checklist
//! (../shared/reference/rfc4028-checklist.md, section 3). The parser vectors
//! P1-P19 live beside the parser (core/src/header/parse.rs).

mod common;

use common::{accepted, msg, rejected, rows, s, value};
use sessiontimer::*;

fn uas(policy: Policy) -> Uas {
    Uas::new(policy).unwrap()
}

fn rfc() -> Uas {
    uas(Policy::RFC)
}

fn pref(refresher: RefresherPreference) -> Policy {
    Policy {
        refresher,
        ..Policy::RFC
    }
}

fn with_se(session_expires: u32) -> Policy {
    Policy {
        session_expires,
        ..Policy::RFC
    }
}

fn with_min_se(min_se: u32) -> Policy {
    Policy {
        min_se,
        session_expires: min_se.max(1800),
        ..Policy::RFC
    }
}

/// The UAS's session once the 2xx of `timer` is sent at t0 = 0.
fn uas_session(timer: Option<Negotiated>, request: &TimerHeaders) -> Session {
    let mut session = Session::new(false);
    session.note_peer(request);
    session.apply(timer, 0).unwrap();
    session
}

fn local(interval: u32) -> Negotiated {
    Negotiated {
        interval,
        refresher: Side::Local,
    }
}

fn remote(interval: u32) -> Negotiated {
    Negotiated {
        interval,
        refresher: Side::Remote,
    }
}

// ---- 3.1 UAS negotiation -------------------------------------------------

#[test]
fn v01_default_uas_lets_the_uac_refresh() {
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "1800")]);
    let (h, timer) = accepted(rfc().decide(Method::Invite, &req, None));
    assert_eq!(
        rows(&h),
        [
            ("Session-Expires".into(), "1800;refresher=uac".into()),
            ("Supported".into(), "timer".into()),
            ("Require".into(), "timer".into()),
        ]
    );
    assert_eq!(timer, Some(remote(1800)));
    assert_eq!(
        uas_session(timer, &req).bye_at_ms(ByeMargin::Rfc),
        Some(s(1768))
    );
}

#[test]
fn v02_preference_uas_refreshes_itself() {
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "1800")]);
    let (h, timer) =
        accepted(uas(pref(RefresherPreference::Uas)).decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uas");
    assert_eq!(value(&h, "Require").unwrap(), "timer");
    assert_eq!(uas_session(timer, &req).refresh_at_ms(), Some(s(900)));
}

#[test]
fn v03_uac_names_itself() {
    let req = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "1800;refresher=uac"),
    ]);
    let (h, timer) = accepted(rfc().decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uac");
    assert_eq!(timer, Some(remote(1800)));
}

#[test]
fn v04_uac_choice_is_not_overridden() {
    let req = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "1800;refresher=uas"),
    ]);
    let (h, timer) =
        accepted(uas(pref(RefresherPreference::Uac)).decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uas");
    assert_eq!(value(&h, "Require").unwrap(), "timer");
    assert_eq!(uas_session(timer, &req).refresh_at_ms(), Some(s(900)));
}

#[test]
fn v05_proxy_inserted_timer_for_a_uac_without_support() {
    let req = msg(&[("Session-Expires", "1800")]);
    let (h, timer) = accepted(rfc().decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uas");
    assert_eq!(value(&h, "Require"), None);
    let session = uas_session(timer, &req);
    assert_eq!(session.refresh_at_ms(), Some(s(900)));
    assert_eq!(session.refresh_request(&Policy::RFC).method, Method::Invite);
    let with_update = msg(&[("Session-Expires", "1800"), ("Allow", "INVITE, UPDATE")]);
    let session = uas_session(timer, &with_update);
    assert_eq!(session.refresh_request(&Policy::RFC).method, Method::Update);
}

#[test]
fn v06_refresher_without_support_is_read_as_row_1() {
    let req = msg(&[("Session-Expires", "1800;refresher=uac")]);
    let (h, timer) = accepted(rfc().decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uas");
    assert_eq!(value(&h, "Require"), None);
    assert_eq!(timer, Some(local(1800)));
}

#[test]
fn v07_uas_asks_for_a_timer_from_a_uac_without_support() {
    let (h, timer) = accepted(rfc().decide(Method::Invite, &msg(&[]), None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uas");
    assert_eq!(value(&h, "Require"), None);
    assert_eq!(timer, Some(local(1800)));
}

#[test]
fn v08_accepting_uas_wants_no_timer() {
    let policy = Policy {
        mode: Mode::Accept,
        ..Policy::RFC
    };
    let (h, timer) =
        accepted(uas(policy).decide(Method::Invite, &msg(&[("Supported", "timer")]), None));
    assert_eq!(value(&h, "Session-Expires"), None);
    assert_eq!(value(&h, "Require"), None);
    assert_eq!(timer, None);
}

#[test]
fn v09_uas_asks_at_least_the_request_min_se() {
    let req = msg(&[("Supported", "timer"), ("Min-SE", "3600")]);
    let (h, timer) = accepted(rfc().decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "3600;refresher=uac");
    assert_eq!(value(&h, "Require").unwrap(), "timer");
    assert_eq!(
        uas_session(timer, &req).bye_at_ms(ByeMargin::Rfc),
        Some(s(3568))
    );
}

#[test]
fn v10_too_small_gets_422_with_our_min_se() {
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "1000")]);
    let (status, h) = rejected(uas(with_min_se(1800)).decide(Method::Invite, &req, None));
    assert_eq!(status, 422);
    assert_eq!(reason_phrase(status), "Session Interval Too Small");
    assert_eq!(rows(&h), [("Min-SE".into(), "1800".into())]);
}

#[test]
fn v11_below_90_gets_422_with_90() {
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "89")]);
    let (status, h) = rejected(rfc().decide(Method::Invite, &req, None));
    assert_eq!((status, value(&h, "Min-SE").unwrap().as_str()), (422, "90"));
}

#[test]
fn v12_exactly_90_is_accepted() {
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "90")]);
    let (h, timer) = accepted(rfc().decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "90;refresher=uac");
    assert_eq!(
        uas_session(timer, &req).bye_at_ms(ByeMargin::Rfc),
        Some(s(60))
    );
}

#[test]
fn v13_uas_lowers_to_its_interval() {
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "7200")]);
    let (h, timer) = accepted(uas(with_se(3600)).decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "3600;refresher=uac");
    assert_eq!(
        uas_session(timer, &req).bye_at_ms(ByeMargin::Rfc),
        Some(s(3568))
    );
}

#[test]
fn v14_uas_never_lowers_below_min_se() {
    let req = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "1800"),
        ("Min-SE", "1800"),
    ]);
    let (h, _) = accepted(uas(with_se(900)).decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uac");
}

#[test]
fn v15_uas_never_raises() {
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "1800")]);
    let (h, _) = accepted(uas(with_se(3600)).decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uac");
}

#[test]
fn v16_small_interval_from_a_uac_without_support_both_policies() {
    let req = msg(&[("Session-Expires", "100")]);
    let strict = with_min_se(1800);
    let (h, timer) = accepted(uas(strict).decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "100;refresher=uas");
    assert_eq!(value(&h, "Require"), None);
    assert_eq!(uas_session(timer, &req).refresh_at_ms(), Some(s(50)));

    let erratum_1687 = Policy {
        raise_unsupported_interval: true,
        ..strict
    };
    let (h, timer) = accepted(uas(erratum_1687).decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uas");
    assert_eq!(value(&h, "Require"), None);
    assert_eq!(uas_session(timer, &req).refresh_at_ms(), Some(s(900)));
}

#[test]
fn v17_timers_off_and_required_gets_420() {
    let off = Policy {
        mode: Mode::Off,
        ..Policy::RFC
    };
    let req = msg(&[
        ("Require", "timer"),
        ("Supported", "timer"),
        ("Session-Expires", "1800"),
    ]);
    let (status, h) = rejected(uas(off).decide(Method::Invite, &req, None));
    assert_eq!(status, 420);
    assert_eq!(rows(&h), [("Unsupported".into(), "timer".into())]);
}

#[test]
fn v18_timers_off_answers_without_any_timer_header() {
    let off = Policy {
        mode: Mode::Off,
        ..Policy::RFC
    };
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "1800")]);
    let (h, timer) = accepted(uas(off).decide(Method::Invite, &req, None));
    assert!(h.is_empty());
    assert_eq!(timer, None);
}

#[test]
fn v19_mid_dialog_update_from_the_refresher_restarts_the_bye_timer() {
    let uas = rfc();
    let initial = msg(&[("Supported", "timer"), ("Session-Expires", "1800")]);
    let (_, timer) = accepted(uas.decide(Method::Invite, &initial, None));
    let mut session = uas_session(timer, &initial);
    let update = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "1800;refresher=uac"),
    ]);
    let (h, timer) = accepted(session.answer(&uas, Method::Update, &update));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uac");
    assert_eq!(value(&h, "Require").unwrap(), "timer");
    session.apply(timer, s(850)).unwrap();
    assert_eq!(session.bye_at_ms(ByeMargin::Rfc), Some(s(850 + 1768)));
}

#[test]
fn v20_min_se_in_a_refresh_request_sticks_to_the_dialog() {
    let uas = rfc();
    let mut session = uas_session(Some(remote(1800)), &msg(&[("Supported", "timer")]));
    let update = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "1800;refresher=uac"),
        ("Min-SE", "1200"),
    ]);
    let (h, timer) = accepted(session.answer(&uas, Method::Update, &update));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uac");
    session.apply(timer, s(900)).unwrap();
    assert_eq!(session.dialog_min_se(), Some(1200));
    let ours = session.refresh_request(&Policy::RFC);
    assert_eq!(value(&ours.headers, "Min-SE").unwrap(), "1200");
}

#[test]
fn v21_reinvite_without_session_expires_reasserts_the_timer() {
    let uas = rfc();
    let mut session = uas_session(Some(remote(1800)), &msg(&[("Supported", "timer")]));
    let hold = msg(&[("Supported", "timer")]);
    let (h, timer) = accepted(session.answer(&uas, Method::Invite, &hold));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uac");
    assert_eq!(value(&h, "Require").unwrap(), "timer");
    session.apply(timer, 0).unwrap();
    assert_eq!(session.bye_at_ms(ByeMargin::Rfc), Some(s(1768)));
}

#[test]
fn v22_illegal_min_se_counts_as_90() {
    let req = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "1800"),
        ("Min-SE", "60"),
    ]);
    let (h, _) = accepted(rfc().decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uac");
}

#[test]
fn v23_session_expires_below_its_own_min_se_gets_422() {
    let req = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "600"),
        ("Min-SE", "1200"),
    ]);
    let (status, h) = rejected(rfc().decide(Method::Invite, &req, None));
    assert_eq!(
        (status, value(&h, "Min-SE").unwrap().as_str()),
        (422, "1200")
    );
}

#[test]
fn v24_compact_forms_and_capitals() {
    let req = msg(&[("x", "1800;REFRESHER=UAC"), ("k", "TIMER")]);
    let (h, timer) = accepted(rfc().decide(Method::Invite, &req, None));
    assert_eq!(value(&h, "Session-Expires").unwrap(), "1800;refresher=uac");
    assert_eq!(timer, Some(remote(1800)));
}

#[test]
fn v25_two_session_expires_rows_get_400() {
    let err = rfc()
        .decide_headers(
            Method::Invite,
            [("Session-Expires", "1800"), ("Session-Expires", "900")],
        )
        .unwrap_err();
    assert_eq!(err.status_code(), Some(400));
}

#[test]
fn v26_session_expires_in_bye_is_ignored() {
    let req = msg(&[("Session-Expires", "60")]);
    assert_eq!(
        rfc().decide(Method::Other, &req, None),
        UasDecision::NotARefresh
    );
}

// ---- 3.2 UAC ---------------------------------------------------------------

fn uac(policy: Policy) -> Uac {
    Uac::new(policy).unwrap()
}

#[test]
fn v27_default_invite() {
    let h = uac(Policy::RFC).request();
    assert_eq!(
        rows(&h),
        [
            ("Session-Expires".into(), "1800".into()),
            ("Supported".into(), "timer".into()),
        ]
    );
}

#[test]
fn v28_supported_only_when_no_timer_is_wanted() {
    let h = uac(Policy {
        mode: Mode::Accept,
        ..Policy::RFC
    })
    .request();
    assert_eq!(rows(&h), [("Supported".into(), "timer".into())]);
}

#[test]
fn v29_config_below_min_se_is_rejected() {
    let bad = Policy {
        session_expires: 600,
        min_se: 1200,
        ..Policy::RFC
    };
    assert!(matches!(Uac::new(bad), Err(Error::InvalidPolicy(_))));
}

fn uac_2xx(response: &[(&str, &str)]) -> Option<Negotiated> {
    uac(Policy::RFC).on_2xx(&msg(response))
}

#[test]
fn v30_we_refresh_from_the_arrival_of_the_2xx() {
    let response = msg(&[
        ("Require", "timer"),
        ("Session-Expires", "1800;refresher=uac"),
    ]);
    let session = uac(Policy::RFC).establish(&response, s(5));
    assert_eq!(session.timer(), Some(local(1800)));
    assert_eq!(session.refresh_at_ms(), Some(s(5 + 900)));
}

#[test]
fn v31_peer_refreshes() {
    let response = msg(&[
        ("Require", "timer"),
        ("Session-Expires", "1800;refresher=uas"),
    ]);
    let session = uac(Policy::RFC).establish(&response, 0);
    assert_eq!(session.bye_at_ms(ByeMargin::Rfc), Some(s(1768)));
}

#[test]
fn v32_session_expires_without_require_is_still_read() {
    assert_eq!(
        uac_2xx(&[("Session-Expires", "1800;refresher=uas")]),
        Some(remote(1800))
    );
}

#[test]
fn v33_2xx_without_timer_headers_we_refresh_anyway() {
    assert_eq!(uac_2xx(&[]), Some(local(1800)));
}

#[test]
fn v34_lowered_interval() {
    let response = msg(&[
        ("Require", "timer"),
        ("Session-Expires", "1200;refresher=uac"),
    ]);
    let session = uac(Policy::RFC).establish(&response, 0);
    assert_eq!(session.refresh_at_ms(), Some(s(600)));
}

#[test]
fn v35_no_timer_asked_none_given() {
    let accept = uac(Policy {
        mode: Mode::Accept,
        ..Policy::RFC
    });
    assert_eq!(accept.on_2xx(&msg(&[])), None);
}

#[test]
fn v36_2xx_without_refresher_means_we_refresh() {
    assert_eq!(
        uac_2xx(&[("Require", "timer"), ("Session-Expires", "1800")]),
        Some(local(1800))
    );
}

#[test]
fn v37_larger_interval_in_the_2xx_is_adopted() {
    let response = msg(&[("Session-Expires", "3600;refresher=uas")]);
    let session = uac(Policy::RFC).establish(&response, 0);
    assert_eq!(session.bye_at_ms(ByeMargin::Rfc), Some(s(3568)));
}

#[test]
fn v38_v39_v40_422_retries_with_the_largest_min_se() {
    let mut uac = uac(Policy::RFC);
    let retry = uac.on_422(&msg(&[("Min-SE", "3600")])).unwrap();
    assert_eq!(
        rows(&retry),
        [
            ("Session-Expires".into(), "3600".into()),
            ("Min-SE".into(), "3600".into()),
            ("Supported".into(), "timer".into()),
        ]
    );
    let retry = uac.on_422(&msg(&[("Min-SE", "4000")])).unwrap();
    assert_eq!(value(&retry, "Session-Expires").unwrap(), "4000");
    assert_eq!(value(&retry, "Min-SE").unwrap(), "4000");
    // V40: a 422 asking no more than we offered would repeat itself.
    assert_eq!(
        uac.on_422(&msg(&[("Min-SE", "3600")])),
        Err(Error::Useless422 {
            min_se: 3600,
            offered: 4000
        })
    );
    assert_eq!(uac.retries(), 2);
}

#[test]
fn v41_422_without_min_se_is_not_retried() {
    assert_eq!(
        uac(Policy::RFC).on_422(&msg(&[])),
        Err(Error::MissingMinSeIn422)
    );
}

#[test]
fn v42_min_se_from_422s_before_the_dialog_is_cleared() {
    let mut uac = uac(Policy::RFC);
    uac.on_422(&msg(&[("Min-SE", "3600")])).unwrap();
    uac.on_422(&msg(&[("Min-SE", "4000")])).unwrap();
    let response = msg(&[
        ("Require", "timer"),
        ("Session-Expires", "4000;refresher=uac"),
        ("Allow", "INVITE, ACK, BYE, UPDATE"),
    ]);
    let session = uac.establish(&response, 0);
    assert_eq!(session.refresh_at_ms(), Some(s(2000)));
    let refresh = session.refresh_request(&Policy::RFC);
    assert_eq!(refresh.method, Method::Update);
    assert_eq!(
        rows(&refresh.headers),
        [
            ("Session-Expires".into(), "4000;refresher=uac".into()),
            ("Supported".into(), "timer".into()),
        ]
    );
}

fn refreshing_session(interval: u32, allow_update: bool) -> Session {
    let allow = if allow_update {
        "INVITE, UPDATE"
    } else {
        "INVITE"
    };
    let response = msg(&[
        ("Require", "timer"),
        ("Supported", "timer"),
        ("Allow", allow),
        ("Session-Expires", &format!("{interval};refresher=uac")),
    ]);
    uac(Policy::RFC).establish(&response, 0)
}

#[test]
fn v43_422_to_a_refresh_retries_larger_and_keeps_min_se() {
    let policy = Policy::RFC;
    let mut session = refreshing_session(1800, true);
    let sent = session.refresh_request(&policy);
    let result =
        session.on_refresh_response(&policy, s(900), 422, &sent, &msg(&[("Min-SE", "3600")]));
    let RefreshOutcome::Retry(retry) = result else {
        panic!("{result:?}")
    };
    assert_eq!(
        value(&retry.headers, "Session-Expires").unwrap(),
        "3600;refresher=uac"
    );
    assert_eq!(value(&retry.headers, "Min-SE").unwrap(), "3600");
    assert_eq!(
        session.expires_at_ms(),
        Some(s(1800)),
        "a 422 does not move the expiry"
    );
    let ok = msg(&[
        ("Session-Expires", "3600;refresher=uac"),
        ("Require", "timer"),
    ]);
    let result = session.on_refresh_response(&policy, s(901), 200, &retry, &ok);
    assert_eq!(result, RefreshOutcome::Refreshed(Some(local(3600))));
    assert_eq!(session.refresh_at_ms(), Some(s(901 + 1800)));
    let later = session.refresh_request(&policy);
    assert_eq!(value(&later.headers, "Min-SE").unwrap(), "3600");
}

#[test]
fn v44_v45_v46_timeout_408_481_end_the_session() {
    let policy = Policy::RFC;
    for status in [408, 481] {
        let mut session = refreshing_session(1800, true);
        let sent = session.refresh_request(&policy);
        let result = session.on_refresh_response(&policy, s(900), status, &sent, &msg(&[]));
        assert_eq!(result, RefreshOutcome::Terminate);
    }
}

#[test]
fn v47_491_retries_after_glare_delay() {
    let policy = Policy::RFC;
    let mut session = refreshing_session(1800, false);
    let sent = session.refresh_request(&policy);
    assert_eq!(sent.method, Method::Invite);
    let result = session.on_refresh_response(&policy, s(900), 491, &sent, &msg(&[]));
    assert_eq!(result, RefreshOutcome::RetryAfterGlare);
}

#[test]
fn v48_405_or_501_to_update_falls_back_to_reinvite_for_good() {
    let policy = Policy::RFC;
    for status in [405, 501] {
        let mut session = refreshing_session(1800, true);
        let sent = session.refresh_request(&policy);
        assert_eq!(sent.method, Method::Update);
        let result = session.on_refresh_response(&policy, s(900), status, &sent, &msg(&[]));
        let RefreshOutcome::Retry(retry) = result else {
            panic!("{result:?}")
        };
        assert_eq!(retry.method, Method::Invite);
        assert_eq!(session.refresh_request(&policy).method, Method::Invite);
    }
}

#[test]
fn v49_v50_v51_other_failures_leave_the_expiry_to_the_engine() {
    let policy = Policy::RFC;
    for status in [401, 407, 500, 488] {
        let mut session = refreshing_session(1800, true);
        let sent = session.refresh_request(&policy);
        let result = session.on_refresh_response(&policy, s(900), status, &sent, &msg(&[]));
        assert_eq!(result, RefreshOutcome::Failed { status });
        assert_eq!(session.expires_at_ms(), Some(s(1800)));
    }
}

#[test]
fn v52_update_without_body_when_allowed_else_reinvite() {
    assert_eq!(
        refreshing_session(1800, true)
            .refresh_request(&Policy::RFC)
            .method,
        Method::Update
    );
    assert_eq!(
        refreshing_session(1800, false)
            .refresh_request(&Policy::RFC)
            .method,
        Method::Invite
    );
    let reinvite_only = Policy {
        refresh_method: RefreshMethod::ReInviteOnly,
        ..Policy::RFC
    };
    assert_eq!(
        refreshing_session(1800, true)
            .refresh_request(&reinvite_only)
            .method,
        Method::Invite
    );
}

#[test]
fn v53_refresh_keeps_the_initial_require() {
    let required = Policy {
        mode: Mode::Required,
        ..Policy::RFC
    };
    let uac = uac(required);
    assert_eq!(value(&uac.request(), "Require").unwrap(), "timer");
    let session = uac.establish(&msg(&[("Session-Expires", "1800;refresher=uac")]), 0);
    let refresh = session.refresh_request(&required);
    assert_eq!(value(&refresh.headers, "Require").unwrap(), "timer");
    assert_eq!(value(&refresh.headers, "Supported").unwrap(), "timer");
    assert_eq!(
        value(&refresh.headers, "Session-Expires").unwrap(),
        "1800;refresher=uac"
    );
}

#[test]
fn v54_our_reinvite_as_non_refresher_names_the_peer_and_restarts_bye() {
    let policy = Policy::RFC;
    let response = msg(&[
        ("Supported", "timer"),
        ("Require", "timer"),
        ("Session-Expires", "1800;refresher=uas"),
    ]);
    let mut session = uac(policy).establish(&response, 0);
    let hold = session.refresh_request(&policy);
    assert_eq!(
        value(&hold.headers, "Session-Expires").unwrap(),
        "1800;refresher=uas"
    );
    let result = session.on_refresh_response(&policy, s(600), 200, &hold, &response);
    assert_eq!(result, RefreshOutcome::Refreshed(Some(remote(1800))));
    assert_eq!(session.bye_at_ms(ByeMargin::Rfc), Some(s(600 + 1768)));
}

#[test]
fn v55_the_peer_is_named_refresher_only_if_it_supports_timers() {
    let policy = Policy::RFC;
    // The peer refreshes but never showed `timer` (a proxy-inserted timer).
    let uas = rfc();
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "1800")]);
    let (_, timer) = accepted(uas.decide(Method::Invite, &req, None));
    let knows = uas_session(timer, &req);
    assert_eq!(
        value(&knows.refresh_request(&policy).headers, "Session-Expires").unwrap(),
        "1800;refresher=uas"
    );
    let unaware = uas_session(timer, &msg(&[]));
    assert_eq!(
        value(&unaware.refresh_request(&policy).headers, "Session-Expires").unwrap(),
        "1800;refresher=uac"
    );
}

#[test]
fn v56_refresh_2xx_without_session_expires_turns_the_timer_off() {
    let policy = Policy::RFC;
    let mut session = refreshing_session(1800, true);
    let sent = session.refresh_request(&policy);
    let result = session.on_refresh_response(&policy, s(900), 200, &sent, &msg(&[]));
    assert_eq!(result, RefreshOutcome::Refreshed(None));
    assert_eq!(session.next_deadline(ByeMargin::Rfc), None);
}

#[test]
fn v57_forked_dialogs_keep_separate_timers() {
    let uac = uac(Policy::RFC);
    let a = uac.establish(&msg(&[("Session-Expires", "1800;refresher=uac")]), 0);
    let b = uac.establish(&msg(&[("Session-Expires", "3600;refresher=uas")]), 0);
    assert_eq!(a.refresh_at_ms(), Some(s(900)));
    assert_eq!(b.bye_at_ms(ByeMargin::Rfc), Some(s(3568)));
}

#[test]
fn v58_420_retry_drops_require_keeps_supported_and_session_expires() {
    let mut uac = uac(Policy {
        mode: Mode::Required,
        ..Policy::RFC
    });
    let retry = uac.on_420(&msg(&[("Unsupported", "timer")])).unwrap();
    assert_eq!(
        rows(&retry),
        [
            ("Session-Expires".into(), "1800".into()),
            ("Supported".into(), "timer".into()),
        ]
    );
    assert_eq!(uac.on_420(&msg(&[("Unsupported", "timer")])), None);
}

// ---- 3.3 Proxy ---------------------------------------------------------------

fn proxy(policy: Policy) -> Proxy {
    Proxy::new(policy).unwrap()
}

fn forwarded(decision: ProxyRequestDecision) -> (HeaderEdits, ProxyTransaction) {
    match decision {
        ProxyRequestDecision::Forward {
            headers: edits,
            transaction,
        } => (edits, transaction),
        other => panic!("expected forwarding, got {other:?}"),
    }
}

#[test]
fn v59_proxy_inserts_without_refresher() {
    let (edits, txn) =
        forwarded(proxy(Policy::RFC).on_request(Method::Invite, &msg(&[("Supported", "timer")])));
    assert_eq!(rows(&edits), [("Session-Expires".into(), "1800".into())]);
    assert_eq!(
        txn,
        ProxyTransaction {
            requested: true,
            uac_supports: true,
            interval: Some(1800)
        }
    );
}

#[test]
fn v60_proxy_lowers() {
    let (edits, _) = forwarded(
        proxy(Policy::RFC).on_request(Method::Invite, &msg(&[("Session-Expires", "3600")])),
    );
    assert_eq!(rows(&edits), [("Session-Expires".into(), "1800".into())]);
}

#[test]
fn v61_proxy_never_lowers_below_min_se() {
    let req = msg(&[("Session-Expires", "1800"), ("Min-SE", "1800")]);
    let (edits, txn) = forwarded(proxy(with_se(900)).on_request(Method::Invite, &req));
    assert!(edits.is_empty());
    assert!(txn.requested);
}

#[test]
fn v62_proxy_422_to_a_uac_with_support() {
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "1000")]);
    assert_eq!(
        proxy(with_min_se(1800)).on_request(Method::Invite, &req),
        ProxyRequestDecision::Reject {
            status: 422,
            headers: HeaderEdits {
                min_se: Some(1800),
                ..HeaderEdits::default()
            }
        }
    );
}

#[test]
fn v63_proxy_raises_for_a_uac_without_support() {
    let req = msg(&[("Session-Expires", "1000")]);
    let (edits, txn) = forwarded(proxy(with_min_se(1800)).on_request(Method::Invite, &req));
    assert_eq!(
        rows(&edits),
        [
            ("Session-Expires".into(), "1800".into()),
            ("Min-SE".into(), "1800".into()),
        ]
    );
    assert!(!txn.uac_supports);
}

#[test]
fn v64_proxy_raises_an_existing_min_se() {
    let req = msg(&[("Session-Expires", "1000"), ("Min-SE", "900")]);
    let (edits, _) = forwarded(proxy(with_min_se(1800)).on_request(Method::Invite, &req));
    assert_eq!(value(&edits, "Min-SE").unwrap(), "1800");
    assert_eq!(value(&edits, "Session-Expires").unwrap(), "1800");
}

#[test]
fn v65_proxy_leaves_min_se_alone_when_the_uac_supports_timers() {
    let req = msg(&[
        ("Supported", "timer"),
        ("Session-Expires", "1000"),
        ("Min-SE", "900"),
    ]);
    let (edits, _) = forwarded(proxy(with_min_se(600)).on_request(Method::Invite, &req));
    assert!(edits.is_empty());
}

#[test]
fn v66_proxy_keeps_the_refresher_parameter() {
    let req = msg(&[("Session-Expires", "3600;refresher=uac")]);
    let (edits, _) = forwarded(proxy(Policy::RFC).on_request(Method::Invite, &req));
    assert_eq!(
        value(&edits, "Session-Expires").unwrap(),
        "1800;refresher=uac"
    );
}

#[test]
fn v67_proxy_completes_a_2xx_for_a_uac_with_support() {
    let p = proxy(Policy::RFC);
    let (_, txn) = forwarded(p.on_request(Method::Invite, &msg(&[("Supported", "timer")])));
    let decision = p.on_2xx(&txn, &msg(&[("Require", "100rel")]));
    let mut response = vec![("Require".to_string(), "100rel".to_string())];
    decision.headers.apply(&mut response);
    assert_eq!(
        response,
        [
            ("Require".to_string(), "100rel, timer".to_string()),
            (
                "Session-Expires".to_string(),
                "1800;refresher=uac".to_string()
            ),
        ]
    );
    assert_eq!(decision.expires_at_ms(s(7)), Some(s(7 + 1800)));
    assert_eq!(decision.refresher, Some(Refresher::Uac));
}

#[test]
fn v68_proxy_leaves_a_2xx_alone_when_the_uac_lacks_support() {
    let p = proxy(Policy::RFC);
    let (_, txn) = forwarded(p.on_request(Method::Invite, &msg(&[])));
    let decision = p.on_2xx(&txn, &msg(&[]));
    assert!(decision.headers.is_empty());
    assert_eq!(decision.interval, None);
    assert_eq!(decision.refresher, None);
}

#[test]
fn v69_proxy_reads_but_never_changes_the_2xx_interval() {
    let p = proxy(Policy::RFC);
    let (_, txn) = forwarded(p.on_request(Method::Invite, &msg(&[("Supported", "timer")])));
    let decision = p.on_2xx(&txn, &msg(&[("Session-Expires", "1200;refresher=uas")]));
    assert!(decision.headers.is_empty());
    assert_eq!(decision.expires_at_ms(0), Some(s(1200)));
    assert_eq!(decision.refresher, Some(Refresher::Uas));
}

#[test]
fn v70_proxy_expiry_only_frees_state() {
    // A proxy's decisions have no BYE in them: at expiry it may only drop state.
    let decision = ProxyResponseDecision {
        headers: HeaderEdits::default(),
        interval: Some(90),
        refresher: Some(Refresher::Uas),
    };
    assert_eq!(decision.expires_at_ms(0), Some(s(90)));
}

#[test]
fn v71_proxy_does_not_require_timer_of_a_uac_without_support() {
    let (edits, _) = forwarded(proxy(Policy::RFC).on_request(Method::Invite, &msg(&[])));
    assert!(!edits.require_timer && !edits.proxy_require_timer);
}

#[test]
fn v72_stateless_proxy_touches_nothing() {
    let stateless = Policy {
        mode: Mode::Off,
        ..Policy::RFC
    };
    let req = msg(&[("Supported", "timer"), ("Session-Expires", "100")]);
    let (edits, txn) = forwarded(proxy(stateless).on_request(Method::Invite, &req));
    assert!(edits.is_empty());
    assert!(!txn.requested);
}

// ---- 3.4 Timers ----------------------------------------------------------------

fn deadlines(interval: u32) -> (u64, u64) {
    let mut ours = Session::new(false);
    ours.apply(Some(local(interval)), 0).unwrap();
    let mut theirs = Session::new(false);
    theirs.apply(Some(remote(interval)), 0).unwrap();
    (
        ours.refresh_at_ms().unwrap(),
        theirs.bye_at_ms(ByeMargin::Rfc).unwrap(),
    )
}

#[test]
fn v73_to_v79_refresh_at_half_bye_at_interval_minus_margin() {
    assert_eq!(deadlines(90), (s(45), s(60)));
    assert_eq!(deadlines(96), (s(48), s(64)));
    assert_eq!(deadlines(1800), (s(900), s(1768)));
    assert_eq!(deadlines(4000), (s(2000), s(3968)));
    assert_eq!(deadlines(86_400), (s(43_200), s(86_368)));
    // V78: millisecond precision, the margin rounds down so BYE rounds up.
    assert_eq!(deadlines(91), (45_500, 60_667));
    // V79: no overflow at 2^32-1 seconds.
    assert_eq!(deadlines(u32::MAX), (2_147_483_647_500, 4_294_967_263_000));
}

#[test]
fn v80_an_early_refresh_restarts_both_timers() {
    let mut ours = Session::new(false);
    ours.apply(Some(local(1800)), 0).unwrap();
    ours.apply(Some(local(1800)), s(300)).unwrap();
    assert_eq!(ours.refresh_at_ms(), Some(s(300 + 900)));
    let mut theirs = Session::new(false);
    theirs.apply(Some(remote(1800)), 0).unwrap();
    theirs.apply(Some(remote(1800)), s(300)).unwrap();
    assert_eq!(theirs.bye_at_ms(ByeMargin::Rfc), Some(s(300 + 1768)));
}

#[test]
fn v81_timers_start_when_the_2xx_arrives_or_is_first_sent() {
    // UAC: when the 2xx arrives.
    let session =
        uac(Policy::RFC).establish(&msg(&[("Session-Expires", "1800;refresher=uac")]), s(42));
    assert_eq!(session.refreshed_at_ms(), s(42));
    // UAS: when the host sends the 2xx, it applies the decision at that time.
    let (_, timer) = accepted(rfc().decide(Method::Invite, &msg(&[]), None));
    let mut session = Session::new(false);
    session.apply(timer, s(43)).unwrap();
    assert_eq!(session.refresh_at_ms(), Some(s(43 + 900)));
}
