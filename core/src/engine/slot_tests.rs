//! The compact slot (slot.rs): sessions of every interval and Min-SE RFC 4028
//! allows (delta-seconds up to 2^32 - 1), narrow or wide, keep their exact
//! deadlines through refreshes, changes of layout, snapshots, replicas and
//! removal.

use super::tests::{drain, engine, headers, they_refresh, we_refresh, S};
use super::*;
use crate::outcome::Side;

/// Longer than a narrow slot holds (65,534 s).
const WIDE_INTERVAL: u32 = 100_000;

fn peer_refreshes(interval: u32) -> Option<Negotiated> {
    Some(Negotiated {
        interval,
        refresher: Side::Remote,
    })
}

/// When the BYE of a session the peer refreshes falls due (RFC 4028 section
/// 10: the interval less a third of it, at most 32 s).
fn bye_at(refreshed_at: u64, interval: u32) -> u64 {
    let interval_ms = u64::from(interval) * 1000;
    refreshed_at.saturating_add(interval_ms - (interval_ms / 3).min(32 * S))
}

/// The actions due at `at`, none of them due a millisecond before.
fn fired_exactly_at(e: &mut Engine, at: u64) -> Vec<Action> {
    assert!(drain(e, at - 1).is_empty(), "nothing is due before {at}");
    drain(e, at)
}

fn bye(key: u64, at_ms: u64) -> Action {
    Action {
        key,
        at_ms,
        kind: ActionKind::SendBye(Teardown::NoRefreshReceived),
    }
}

#[test]
fn a_slot_takes_32_bytes_and_never_straddles_a_cache_line() {
    assert_eq!(std::mem::size_of::<Slot>(), 32);
    let mut e = engine();
    for reserved in [0, 1, 100_000] {
        e.reserve(reserved).unwrap();
        let slots = e.table.slots();
        assert_eq!(slots.as_ptr() as usize % 32, 0, "{reserved}");
    }
}

#[test]
fn rfc4028_10_the_longest_interval_fires_at_its_exact_deadlines() {
    // 2^32 - 1 s puts the BYE 42 bits of ms after the refresh.
    let mut e = engine();
    let t0 = 5 * S;
    e.establish(1, they_refresh(u32::MAX, t0)).unwrap();
    e.establish(2, we_refresh(u32::MAX, t0)).unwrap();
    e.establish_proxy(3, u32::MAX, t0).unwrap();
    let half = t0 + u64::from(u32::MAX) * 500;
    let refresh = fired_exactly_at(&mut e, half);
    assert_eq!(refresh.len(), 1);
    assert_eq!(refresh[0].key, 2);
    assert!(matches!(refresh[0].kind, ActionKind::SendRefresh(_)));
    let bye_due = bye_at(t0, u32::MAX);
    assert_eq!(fired_exactly_at(&mut e, bye_due), [bye(1, bye_due)]);
    let expiry = t0 + u64::from(u32::MAX) * 1000;
    let ends = fired_exactly_at(&mut e, expiry);
    assert_eq!(ends.iter().map(|a| a.key).collect::<Vec<_>>(), [2, 3]);
    assert!(e.is_empty());
    assert!(e.wide.is_empty());
}

#[test]
fn rfc4028_10_refreshes_move_a_session_between_layouts_and_keep_its_deadline() {
    let mut e = engine();
    e.establish(7, they_refresh(1800, 0)).unwrap();
    let mut now = 0;
    let intervals = [
        WIDE_INTERVAL,
        u32::MAX,
        90,
        65_535,
        65_534,
        3 * 86_400,
        1800,
    ];
    for interval in intervals {
        now += 60 * S;
        e.refreshed(7, now, peer_refreshes(interval)).unwrap();
        let session = e.session(7).unwrap();
        assert_eq!(session.timer(), peer_refreshes(interval));
        assert_eq!(session.refreshed_at_ms(), now);
        // A copy elsewhere fires the BYE on time.
        let mut copy = engine();
        copy.restore_session(&e.snapshot_session(7).unwrap())
            .unwrap();
        assert_eq!(copy.session(7), Some(session));
        let due = bye_at(now, interval);
        assert_eq!(fired_exactly_at(&mut copy, due), [bye(7, due)]);
        assert!(copy.wide.is_empty());
    }
    e.remove(7).unwrap();
    assert!(e.wide.is_empty());
}

#[test]
fn rfc4028_10_a_short_interval_after_a_wide_one_re_arms_from_the_new_refresh() {
    // A refresh to a short interval while the old, far deadline still
    // stands (the 2xx is not yet reported as the refresh): the session is
    // stored before its timer is re-armed.
    let mut e = engine();
    e.establish(1, we_refresh(u32::MAX, 0)).unwrap();
    let due = u64::from(u32::MAX) * 500;
    assert_eq!(drain(&mut e, due).len(), 1);
    let ok = headers(&[
        ("Session-Expires", "90;refresher=uac"),
        ("Supported", "timer"),
    ]);
    e.on_refresh_response(1, due + S, 200, &ok).unwrap();
    let session = e.session(1).unwrap();
    assert_eq!(session.timer().map(|t| t.interval), Some(90));
    assert_eq!(session.refreshed_at_ms(), due + S);
    let refresh = fired_exactly_at(&mut e, due + S + 45 * S);
    assert_eq!(refresh.len(), 1);
}

#[test]
fn rfc4028_7_4_a_min_se_above_18_hours_is_kept_and_used() {
    // Our refresh draws a 422 asking 70,000 s: the retry asks it, and the
    // dialog's Min-SE survives a snapshot and a replica.
    let mut e = engine();
    e.track_changes(true);
    e.establish(4, we_refresh(1800, 0)).unwrap();
    assert_eq!(drain(&mut e, 900 * S).len(), 1);
    let too_small = headers(&[("Min-SE", "70000")]);
    e.on_refresh_response(4, 900 * S, 422, &too_small).unwrap();
    let retry = drain(&mut e, 900 * S);
    let ActionKind::SendRefresh(request) = &retry[0].kind else {
        panic!("expected the retry, got {retry:?}");
    };
    assert_eq!(request.interval(), Some(70_000));
    let session = e.session(4).unwrap();
    assert_eq!(session.dialog_min_se(), Some(70_000));
    let mut copy = engine();
    copy.restore_session(&e.snapshot_session(4).unwrap())
        .unwrap();
    assert_eq!(copy.session(4), Some(session));
    let mut adopted = engine();
    adopted.adopt(&e.replica(4).unwrap(), 900 * S).unwrap();
    assert_eq!(adopted.session(4), Some(session));
    let ok = headers(&[
        ("Session-Expires", "70000;refresher=uac"),
        ("Supported", "timer"),
    ]);
    e.on_refresh_response(4, 901 * S, 200, &ok).unwrap();
    let refresh_due = 901 * S + 35_000 * S;
    assert_eq!(fired_exactly_at(&mut e, refresh_due).len(), 1);
    e.remove(4).unwrap();
    assert!(e.wide.is_empty());
}

#[test]
fn an_engine_of_narrow_and_wide_sessions_restores_every_deadline() {
    let mixed = || {
        let mut e = engine();
        for k in 0..30u64 {
            let interval = match k % 3 {
                0 => 90 + k as u32,
                1 => WIDE_INTERVAL + k as u32,
                _ => u32::MAX - k as u32,
            };
            let session = match k % 2 {
                0 => we_refresh(interval, k * S),
                _ => they_refresh(interval, k * S),
            };
            e.establish(k, session).unwrap();
        }
        e
    };
    let restored = Engine::restore(EngineConfig::default(), &mixed().snapshot()).unwrap();
    let far = [u64::from(WIDE_INTERVAL) * 1000, u64::MAX / 2, u64::MAX];
    let run = |mut e: Engine| {
        let near = (0..=20u64).map(|t| t * 10 * S);
        near.chain(far)
            .flat_map(|t| drain(&mut e, t))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(restored), run(mixed()));
}

#[test]
fn times_at_the_end_of_the_clock_saturate_in_both_layouts() {
    let mut e = engine();
    let late = u64::MAX - 10 * S;
    e.establish(1, they_refresh(1800, late)).unwrap();
    e.establish(2, they_refresh(u32::MAX, late)).unwrap();
    e.refreshed(1, u64::MAX, peer_refreshes(WIDE_INTERVAL))
        .unwrap();
    e.refreshed(2, u64::MAX, peer_refreshes(90)).unwrap();
    let fired = drain(&mut e, u64::MAX);
    assert_eq!(fired, [bye(1, u64::MAX), bye(2, u64::MAX)]);
    assert!(e.wide.is_empty());
}

/// RFC 4028 section 10: a refresh restarts the timer. The usual re-arm
/// writes only what moves ([`Slot::set_rearmed_in_place`]: the key and the
/// bucket position stay) and the usual establishment writes the whole slot
/// in place, over whatever it held ([`Slot::set_narrow_armed`]); either must
/// hold what storing the refreshed session, then arming it, holds, for
/// every narrow interval, Min-SE, flag set and deadline, and read back the
/// same session.
#[test]
fn rfc4028_10_a_slot_armed_in_place_holds_the_session_stored_then_armed() {
    let mut rng = rng::SplitMix64(10);
    let mut wide = Wide::default();
    // Each draw writes over the slot of the draw before.
    let mut in_place = Slot::vacant(0);
    for _ in 0..10_000 {
        let draw = |rng: &mut rng::SplitMix64, below: u64| rng.next_u64() % below;
        let refreshed_at = draw(&mut rng, u64::MAX / 2);
        let interval = 90 + draw(&mut rng, 65_535 - 90) as u32;
        let min_se = draw(&mut rng, 65_535) as u32;
        let flags = draw(&mut rng, u64::from(crate::session::SESSION_FLAGS) + 1) as u8;
        let packed = (refreshed_at, interval, min_se, flags);
        let links = Links {
            deadline: refreshed_at + draw(&mut rng, u64::from(interval) * 1000 + 1),
            pos: draw(&mut rng, 1 << 32) as u32,
            bucket: draw(&mut rng, u64::from(u16::MAX)) as u16,
        };
        let phase = Phase::ALL[draw(&mut rng, Phase::ALL.len() as u64) as usize];
        let key = rng.next_u64();
        let mut stored = Slot::vacant(key);
        stored.store_refreshed_narrow(packed);
        stored.set_phase(phase);
        stored.set_links(links);
        in_place.set_narrow_armed(key, packed, links, phase);
        // Re-armed over a slot of the same key and position, which held
        // nothing else.
        let mut built = Slot::vacant(key);
        built.set_pos(links.pos);
        built.set_rearmed_in_place(packed, links, phase);
        assert_eq!(in_place, built, "{packed:?} {links:?}");
        assert_eq!(built, stored, "{packed:?} {links:?}");
        assert_eq!(built.links(), links);
        assert_eq!(built.phase(), phase);
        assert_eq!(built.packed(&wide), packed);
        stored.store(packed, &mut wide);
        assert_eq!(
            stored, built,
            "storing the same session again changes nothing"
        );
    }
    assert!(wide.is_empty());
}

/// A vacant slot is all zeroes, so that a table's new mapping, which reads
/// as zeroes, holds vacant slots without being written (see `pages`).
#[test]
fn a_vacant_slot_is_all_zeroes() {
    assert_eq!(Slot::vacant(0), bytemuck::Zeroable::zeroed());
    assert!(!Slot::vacant(0).links().is_armed());
}
