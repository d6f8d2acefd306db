//! Journal, owner and adoption tests: what a host replicating its sessions
//! (field notes section 2 items 7-10) relies on.

use super::tests::{busy_engine, drain, engine, headers, they_refresh, we_refresh, S};
use super::*;

fn kinds(changes: &[Change]) -> Vec<(u64, ChangeKind)> {
    changes.iter().map(|c| (c.key, c.kind)).collect()
}

fn tracked() -> Engine {
    let mut e = engine();
    e.track_changes(true);
    e
}

#[test]
fn the_journal_is_off_until_asked_for() {
    let mut e = engine();
    e.establish(1, we_refresh(90, 0)).unwrap();
    assert_eq!(e.pending_changes(), 0);
    assert!(e.drain_changes().is_empty());
}

#[test]
fn each_changed_session_comes_once_in_order_with_its_latest_record() {
    let mut e = tracked();
    e.establish(2, they_refresh(90, 0)).unwrap();
    e.establish(1, we_refresh(90, 0)).unwrap();
    let timer = Negotiated {
        interval: 90,
        refresher: crate::outcome::Side::Remote,
    };
    e.refreshed(2, 10 * S, Some(timer)).unwrap();
    assert_eq!(e.pending_changes(), 2);
    let changes = e.drain_changes();
    assert_eq!(
        kinds(&changes),
        [(2, ChangeKind::Established), (1, ChangeKind::Established)]
    );
    assert_eq!(
        changes[0].record.as_deref(),
        Some(&e.replica(2).unwrap()[..])
    );
    assert_eq!(changes[0].expires_at_ms, Some(10 * S + 90 * S));
    assert!(e.drain_changes().is_empty());
    // Our refresh goes out (Updated), then its 2xx restarts the timer (Refreshed).
    assert_eq!(drain(&mut e, 45 * S).len(), 1);
    assert_eq!(kinds(&e.drain_changes()), [(1, ChangeKind::Updated)]);
    e.on_refresh_response(
        1,
        46 * S,
        200,
        &headers(&[("Session-Expires", "90;refresher=uac")]),
    )
    .unwrap();
    e.answer(2, Method::Update, &headers(&[])).unwrap();
    let changes = e.drain_changes();
    assert_eq!(
        kinds(&changes),
        [(1, ChangeKind::Refreshed), (2, ChangeKind::Updated)]
    );
    assert_eq!(changes[0].expires_at_ms, Some(136 * S));
}

#[test]
fn rfc4028_s10_a_torn_down_or_removed_session_is_deleted_from_the_store() {
    let mut e = tracked();
    e.establish(1, they_refresh(90, 0)).unwrap();
    e.establish(2, we_refresh(90, 0)).unwrap();
    e.drain_changes();
    let byes = drain(&mut e, 60 * S);
    assert!(byes.iter().any(|a| a.key == 1));
    e.remove(2).unwrap();
    let changes = e.drain_changes();
    assert_eq!(
        kinds(&changes),
        [(2, ChangeKind::Removed), (1, ChangeKind::TornDown)]
    );
    assert!(changes
        .iter()
        .all(|c| c.record.is_none() && c.expires_at_ms.is_none()));
}

#[test]
fn a_key_ended_and_established_again_comes_once_as_established() {
    let mut e = tracked();
    e.establish(1, we_refresh(90, 0)).unwrap();
    e.remove(1).unwrap();
    e.establish(1, they_refresh(120, 5 * S)).unwrap();
    assert_eq!(e.pending_changes(), 1);
    let changes = e.drain_changes();
    assert_eq!(kinds(&changes), [(1, ChangeKind::Established)]);
    assert_eq!(changes[0].expires_at_ms, Some(125 * S));
}

#[test]
fn turning_the_journal_on_and_a_new_owner_note_every_session() {
    let mut e = busy_engine();
    e.track_changes(true);
    let all = e.drain_changes();
    assert_eq!(all.len(), e.len());
    assert!(all.iter().all(|c| c.kind == ChangeKind::Established));
    assert!(all.windows(2).all(|w| w[0].key < w[1].key));
    let owner = Owner { node: 7, epoch: 42 };
    e.set_owner(owner);
    let all = e.drain_changes();
    assert!(all.iter().all(|c| c.kind == ChangeKind::Updated));
    let record = all[0].record.as_ref().unwrap();
    assert_eq!(record.len(), REPLICA_LEN);
    assert_eq!(Owner::of_replica(record).unwrap(), owner);
    e.track_changes(false);
    e.remove(1).unwrap();
    assert!(e.drain_changes().is_empty());
}

#[test]
fn a_later_lease_supersedes_an_earlier_one() {
    let old = Owner { node: 1, epoch: 5 };
    let new = Owner { node: 2, epoch: 6 };
    assert!(new.supersedes(old));
    assert!(!old.supersedes(new));
    assert!(old.supersedes(old), "the same lease's latest write wins");
}

#[test]
fn an_adopted_session_keeps_its_deadline_and_names_its_owner() {
    let mut a = busy_engine();
    a.set_owner(Owner { node: 1, epoch: 3 });
    let record = a.replica(3).unwrap();
    let mut b = engine();
    assert_eq!(
        b.adopt(&record, 0).unwrap(),
        (3, Owner { node: 1, epoch: 3 })
    );
    assert_eq!(b.session(3), a.session(3));
    assert_eq!(
        b.snapshot_session(3).unwrap(),
        a.snapshot_session(3).unwrap()
    );
    let snapshot = a.snapshot_session(5).unwrap();
    assert_eq!(b.adopt(&snapshot, 0).unwrap(), (5, Owner::NONE));
    assert_eq!(b.adopt(&record, 0), Err(Error::DuplicateSession(3)));
}

#[test]
fn field_notes_2_9_an_adopted_session_past_its_bye_time_ends_at_once() {
    // The peer refreshes every 90 s; nobody owned the call from 10 s to 200 s.
    let mut a = engine();
    a.establish(1, they_refresh(90, 0)).unwrap();
    let record = a.replica(1).unwrap();
    let mut b = engine();
    b.adopt(&record, 200 * S).unwrap();
    let acted = drain(&mut b, 200 * S);
    assert_eq!(acted.len(), 1);
    assert_eq!(
        acted[0].kind,
        ActionKind::SendBye(Teardown::NoRefreshReceived)
    );
    assert!(acted[0].at_ms <= 200 * S);
    assert!(b.is_empty());
}

#[test]
fn rfc4028_s10_an_adopted_refresh_that_fell_due_goes_now_or_the_call_ends() {
    let mut a = engine();
    a.establish(1, we_refresh(1800, 0)).unwrap();
    let record = a.replica(1).unwrap();
    // Past half the interval, before expiry: the refresh goes at once.
    let mut b = engine();
    b.adopt(&record, 1000 * S).unwrap();
    assert!(b.next_deadline().is_some_and(|at| at <= 1000 * S));
    let acted = drain(&mut b, 1000 * S);
    assert!(
        matches!(acted[..], [Action { at_ms, kind: ActionKind::SendRefresh(_), .. }] if at_ms == 1000 * S)
    );
    // Its snapshot is still a valid record.
    engine()
        .restore_session(&b.snapshot_session(1).unwrap())
        .unwrap();
    // Past expiry: BYE, dated at the expiry.
    let mut c = engine();
    c.adopt(&record, 5000 * S).unwrap();
    assert_eq!(
        drain(&mut c, 5000 * S),
        [Action {
            key: 1,
            at_ms: 1800 * S,
            kind: ActionKind::SendBye(Teardown::Expired)
        }]
    );
}

#[test]
fn replica_records_that_are_damaged_are_refused_without_panicking() {
    let mut a = busy_engine();
    a.set_owner(Owner { node: 9, epoch: 1 });
    let record = a.replica(1).unwrap();
    for len in 0..record.len() {
        assert!(engine().adopt(&record[..len], 0).is_err(), "{len}");
        assert!(
            len >= 21 || Owner::of_replica(&record[..len]).is_err(),
            "{len}"
        );
    }
    let mut longer = record.clone();
    longer.push(0);
    assert!(engine().adopt(&longer, 0).is_err());
    for i in 0..record.len() {
        let mut damaged = record.clone();
        damaged[i] ^= 0xff;
        let _ = engine().adopt(&damaged, u64::MAX);
    }
}
