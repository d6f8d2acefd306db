//! The field presets of `sessiontimer::PRESETS` (field-notes section 4): each
//! one's documented behaviour, seen through the decisions it makes, and that
//! each stays within RFC 4028.

mod common;

use common::{accepted, msg, rejected, rows, value};
use sessiontimer::*;

fn preset(name: &str) -> Policy {
    Policy::preset(name).expect("a known preset")
}

/// What a UAC with the preset puts in its INVITE.
fn request_rows(name: &str) -> Vec<(String, String)> {
    rows(&Uac::new(preset(name)).unwrap().request())
}

#[test]
fn every_field_preset_is_valid_and_offers_a_timer() {
    // RFC 4028 section 5 (Min-SE at least 90) and section 7.1 (Supported:
    // timer and an interval not below Min-SE) for every preset.
    for p in PRESETS {
        p.policy.validate().unwrap();
        let rows = rows(&Uac::new(p.policy).unwrap().request());
        let offered = rows.iter().any(|(n, v)| n == "Supported" && v == "timer");
        assert_eq!(offered, p.policy.mode.supports(), "{}", p.name);
    }
}

#[test]
fn zoom_byoc_asks_1800_without_a_refresher() {
    // KB0073073: Session-Expires 1800 (no refresher), Min-SE 90 (the RFC's, so
    // section 5 lets it be left out), Supported: timer.
    assert_eq!(
        request_rows("zoom-byoc"),
        [
            ("Session-Expires".into(), "1800".into()),
            ("Supported".into(), "timer".into())
        ]
    );
}

#[test]
fn ims_volte_uac_asks_to_refresh_itself() {
    // IR.92 section 2.2.8: the UAC refreshes (refresher=uac, section 7.1).
    assert!(request_rows("ims-volte")
        .contains(&("Session-Expires".into(), "1800;refresher=uac".into())));
}

#[test]
fn oracle_sbc_refreshes_on_both_sides() {
    // session-timer-profile: refresher=uac in its requests, refresher=uas in its
    // responses (Table 2 lets the UAS pick either for a UAC with timers).
    assert!(request_rows("oracle-sbc")
        .contains(&("Session-Expires".into(), "1800;refresher=uac".into())));
    let uas = Uas::new(preset("oracle-sbc")).unwrap();
    let (headers, timer) = accepted(uas.decide(
        Method::Invite,
        &msg(&[("Supported", "timer"), ("Session-Expires", "1800")]),
        None,
    ));
    assert_eq!(
        value(&headers, "Session-Expires").as_deref(),
        Some("1800;refresher=uas")
    );
    assert_eq!(timer.unwrap().refresher, Side::Local);
}

#[test]
fn teams_refreshes_by_reinvite_even_when_update_is_allowed() {
    let policy = preset("teams-direct-routing");
    assert_eq!(policy.refresh_method, RefreshMethod::ReInviteOnly);
    assert!(
        request_rows("teams-direct-routing").contains(&("Session-Expires".into(), "1800".into()))
    );
}

#[test]
fn audiocodes_asks_180_and_accepts_up_to_a_day() {
    assert!(request_rows("audiocodes").contains(&("Session-Expires".into(), "180".into())));
    let uas = Uas::new(preset("audiocodes")).unwrap();
    let (headers, _) = accepted(uas.decide(
        Method::Invite,
        &msg(&[("Supported", "timer"), ("Session-Expires", "86400")]),
        None,
    ));
    assert_eq!(
        value(&headers, "Session-Expires").as_deref(),
        Some("86400;refresher=uac")
    );
}

#[test]
fn ribbon_sbc_edge_offers_3600_and_refuses_below_600() {
    let rows = request_rows("ribbon-sbc-edge");
    assert!(rows.contains(&("Session-Expires".into(), "3600".into())));
    assert!(rows.contains(&("Min-SE".into(), "600".into())));
    // Section 6: 422 with its Min-SE to a UAC with timers asking for less.
    let uas = Uas::new(preset("ribbon-sbc-edge")).unwrap();
    let (status, headers) = rejected(uas.decide(
        Method::Invite,
        &msg(&[("Supported", "timer"), ("Session-Expires", "300")]),
        None,
    ));
    assert_eq!(
        (status, value(&headers, "Min-SE").as_deref()),
        (422, Some("600"))
    );
    // "Terminate on Refresh Failure" off: it refreshes on a silent peer's behalf.
    assert!(preset("ribbon-sbc-edge").refresh_for_silent_peer);
}

#[test]
fn avaya_cm_asks_600_and_accepts_up_to_64800() {
    assert!(request_rows("avaya-cm").contains(&("Session-Expires".into(), "600".into())));
    let uas = Uas::new(preset("avaya-cm")).unwrap();
    let (headers, _) = accepted(uas.decide(
        Method::Invite,
        &msg(&[("Supported", "timer"), ("Session-Expires", "90000")]),
        None,
    ));
    assert_eq!(
        value(&headers, "Session-Expires").as_deref(),
        Some("64800;refresher=uac")
    );
}
