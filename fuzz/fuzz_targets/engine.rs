//! The engine under arbitrary sequences of host calls and peer answers, with
//! a model of which sessions are alive, checking after every step that:
//! - nothing panics and every error is the documented one; a batch call's
//!   errors are those of the same calls made one by one;
//! - the engine never holds more sessions than its cap, and holds exactly the
//!   model's sessions (a session a refresh response ended waits in `ending`
//!   for its BYE);
//! - an action is never due after `now`; a BYE or an end names a session that
//!   was alive or ending and is gone, exactly once; a refresh names one that
//!   is alive;
//! - after a drained poll, the next deadline lies in the future;
//! - a snapshot restores to the same sessions, deadlines included, and writes
//!   the same bytes again;
//! - a host clock that goes backwards, and any interval a host hands in
//!   (below 90 and 0 included: refused with `IntervalBelowMinimum`), leave
//!   every snapshot restorable;
//! - a refresh's header lines are one well-formed header each;
//! - the change journal keeps a store holding exactly the live sessions, each
//!   with its current replica record, and a second engine adopting the store
//!   holds the same sessions.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sessiontimer::engine::Refreshed;
use sessiontimer::{
    ActionKind, Engine, EngineConfig, Error, Method, MinSe, Negotiated, Owner, Session,
    SessionExpires, Side, TimerHeaders,
};

#[derive(Arbitrary, Debug)]
struct Input {
    policy: [u8; 4],
    max_sessions: u8,
    jitter_ms: u16,
    retry_delay_ms: u16,
    max_refresh_retries: u8,
    start_ms: u64,
    ops: Vec<Op>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Establish {
        key: u8,
        interval: Option<u16>,
        local: bool,
        at: i32,
    },
    EstablishProxy {
        key: u8,
        interval: u32,
    },
    Refreshed {
        key: u8,
        interval: Option<u16>,
        local: bool,
    },
    /// `Establish`s at `now` through `establish_batch` (key, interval, local).
    EstablishBatch(Vec<(u8, Option<u16>, bool)>),
    /// `Refreshed` reports through `refreshed_batch` (key, interval, local).
    RefreshedBatch(Vec<(u8, Option<u16>, bool)>),
    Answer {
        key: u8,
        update: bool,
        peer: Peer,
    },
    Response {
        key: u8,
        status: u16,
        peer: Peer,
    },
    Remove {
        key: u8,
    },
    /// `Remove`s through `remove_batch`.
    RemoveBatch(Vec<u8>),
    Advance {
        ms: u32,
    },
    /// The host's clock goes backwards.
    Rewind {
        ms: u32,
    },
    Poll,
    SnapshotRoundTrip,
    SessionRoundTrip {
        key: u8,
    },
    /// The host starts an offer of its own (its answer comes as a Response).
    OfferStarted {
        key: u8,
    },
    /// The host writes the journal's changes to its store.
    Replicate,
    /// The node dies; another adopts every stored record at `now`.
    Failover,
}

/// Writes the drained changes to `store` and checks it mirrors the engine.
fn replicate(engine: &mut Engine, store: &mut BTreeMap<u64, Vec<u8>>, alive: &BTreeSet<u8>) {
    for change in engine.drain_changes() {
        match change.record {
            Some(record) => store.insert(change.key, record),
            None => store.remove(&change.key),
        };
    }
    let live: Vec<u64> = alive.iter().map(|&k| u64::from(k)).collect();
    assert_eq!(store.keys().copied().collect::<Vec<_>>(), live);
    for (&key, record) in store.iter() {
        assert_eq!(&engine.replica(key).unwrap(), record, "record of {key}");
    }
}

/// What a peer's message carries.
#[derive(Arbitrary, Debug)]
struct Peer {
    session_expires: Option<u32>,
    min_se: Option<u32>,
    supported: bool,
}

impl Peer {
    fn headers(&self) -> TimerHeaders {
        TimerHeaders {
            session_expires: self.session_expires.map(|i| SessionExpires::new(i, None)),
            min_se: self.min_se.map(|value| MinSe {
                value,
                params: Vec::new(),
            }),
            supported_timer: self.supported,
            ..TimerHeaders::default()
        }
    }
}

/// Any interval a host may hand in, 0 and below 90 included; the top
/// sixteenth of the range stands for intervals from 13 days up to 2^32 - 1 s
/// (the longest, which the engine keeps aside from its slots, as it does
/// from 65,535 s).
fn timer(interval: Option<u16>, local: bool) -> Option<Negotiated> {
    interval.map(|i| Negotiated {
        interval: match i {
            0xF000.. => u32::MAX - u32::from(0xFFFF - i) * 1_048_560,
            _ => u32::from(i),
        },
        refresher: if local { Side::Local } else { Side::Remote },
    })
}

/// Whether the engine (or a session) must refuse this host-given timer.
fn too_small(timer: Option<Negotiated>) -> bool {
    timer.is_some_and(|t| t.interval < 90)
}

fuzz_target!(|input: Input| {
    let Some(policy) = sessiontimer_fuzz::policy(input.policy) else {
        return;
    };
    let config = EngineConfig {
        policy,
        max_sessions: usize::from(input.max_sessions),
        refresh_jitter_ms: u32::from(input.jitter_ms),
        retry_delay_ms: u32::from(input.retry_delay_ms),
        max_refresh_retries: input.max_refresh_retries,
        seed: input.start_ms,
    };
    let mut engine = Engine::new(config).expect("valid config");
    engine.track_changes(true);
    let mut store = BTreeMap::new();
    let mut epoch = 1;
    let mut alive = BTreeSet::new();
    let mut ending = BTreeSet::new();
    let mut now = input.start_ms;
    // The latest `now` the host has given: an action queued before the clock
    // went back may be due after the current `now`, never after this.
    let mut latest = now;
    for op in input.ops {
        match op {
            Op::Establish {
                key,
                interval,
                local,
                at,
            } => {
                let mut session = Session::new(local);
                let timer = timer(interval, local);
                let at = now.saturating_add_signed(i64::from(at));
                match session.apply(timer, at) {
                    Err(Error::IntervalBelowMinimum { .. }) => assert!(too_small(timer)),
                    Err(other) => panic!("apply failed with {other:?}"),
                    Ok(()) => assert!(!too_small(timer)),
                }
                let result = engine.establish(key.into(), session);
                // A key whose BYE waits to be polled is not reused (`Engine::poll`).
                if ending.contains(&key) {
                    assert_eq!(result, Err(Error::DuplicateSession(key.into())));
                    continue;
                }
                expect_insert(&engine, &mut alive, key, result);
            }
            Op::EstablishProxy { key, interval } => {
                let result = engine.establish_proxy(key.into(), interval, now);
                if interval < 90 {
                    assert!(matches!(result, Err(Error::IntervalBelowMinimum { .. })));
                    continue;
                }
                if ending.contains(&key) {
                    assert_eq!(result, Err(Error::DuplicateSession(key.into())));
                    continue;
                }
                expect_insert(&engine, &mut alive, key, result);
            }
            Op::Refreshed {
                key,
                interval,
                local,
            } => {
                let timer = timer(interval, local);
                let result = engine.refreshed(key.into(), now, timer);
                if too_small(timer) {
                    assert!(matches!(result, Err(Error::IntervalBelowMinimum { .. })));
                    continue;
                }
                expect_known(&alive, key, result);
            }
            Op::EstablishBatch(items) => {
                establish_batch(&mut engine, &mut alive, &ending, now, &items)
            }
            Op::RefreshedBatch(items) => refreshed_batch(&mut engine, &alive, now, &items),
            Op::Answer { key, update, peer } => {
                let method = if update {
                    Method::Update
                } else {
                    Method::Invite
                };
                let result = engine.answer(key.into(), method, &peer.headers());
                expect_known(&alive, key, result);
            }
            Op::Response { key, status, peer } => {
                let status = 100 + status % 600;
                let result = engine.on_refresh_response(key.into(), now, status, &peer.headers());
                expect_known(&alive, key, result);
                if alive.contains(&key) && engine.session(key.into()).is_none() {
                    alive.remove(&key);
                    ending.insert(key);
                }
            }
            Op::OfferStarted { key } => {
                let result = engine.offer_started(key.into());
                expect_known(&alive, key, result);
            }
            Op::Remove { key } => {
                let result = engine.remove(key.into());
                expect_known(&alive, key, result);
                alive.remove(&key);
                // What was queued for the key goes with it (SECURITY.md).
                ending.remove(&key);
            }
            Op::RemoveBatch(keys) => remove_batch(&mut engine, &mut alive, &mut ending, &keys),
            Op::Advance { ms } => {
                now = now.saturating_add(u64::from(ms));
                latest = latest.max(now);
            }
            Op::Rewind { ms } => now = now.saturating_sub(u64::from(ms)),
            Op::Poll => {
                drain(&mut engine, &mut alive, &mut ending, now, latest);
                if let Some(next) = engine.next_deadline() {
                    assert!(next > now, "next deadline {next} not after {now}");
                }
            }
            Op::SnapshotRoundTrip => {
                drain(&mut engine, &mut alive, &mut ending, now, latest);
                // The journal is the host's, not the snapshot's: write it out first.
                replicate(&mut engine, &mut store, &alive);
                let bytes = engine.snapshot();
                let restored = Engine::restore(config, &bytes).expect("own snapshot");
                assert_eq!(restored.snapshot(), bytes, "restore-then-snapshot is exact");
                assert_eq!(restored.counters(), engine.counters());
                for &key in &alive {
                    assert_eq!(restored.session(key.into()), engine.session(key.into()));
                    let own = engine.snapshot_session(key.into()).unwrap();
                    assert_eq!(restored.snapshot_session(key.into()).unwrap(), own);
                }
                engine = restored;
                engine.track_changes(true);
            }
            Op::Replicate => replicate(&mut engine, &mut store, &alive),
            Op::Failover => {
                drain(&mut engine, &mut alive, &mut ending, now, latest);
                replicate(&mut engine, &mut store, &alive);
                epoch += 1;
                let mut adopter = Engine::new(config).expect("valid config");
                adopter.track_changes(true);
                adopter.set_owner(Owner { node: epoch, epoch });
                for (&key, record) in &store {
                    let (adopted, _) = adopter.adopt(record, now).expect("own record");
                    assert_eq!(adopted, key);
                    assert_eq!(adopter.session(key), engine.session(key));
                }
                engine = adopter;
            }
            Op::SessionRoundTrip { key } => {
                if let Some(session) = engine.session(key.into()) {
                    assert_eq!(Session::from_bytes(&session.to_bytes()).unwrap(), session);
                    let bytes = engine.snapshot_session(key.into()).unwrap();
                    engine.remove(key.into()).unwrap();
                    assert_eq!(engine.restore_session(&bytes).unwrap(), u64::from(key));
                    assert_eq!(engine.session(key.into()), Some(session));
                }
            }
        }
        assert_eq!(engine.len(), alive.len());
        assert!(engine.len() <= config.max_sessions);
    }
    drain(&mut engine, &mut alive, &mut ending, u64::MAX, u64::MAX);
    assert!(engine.is_empty() || engine.next_deadline().is_none());
});

/// An establish succeeds exactly when the key is new and the cap not reached.
fn expect_insert(
    engine: &Engine,
    alive: &mut BTreeSet<u8>,
    key: u8,
    result: sessiontimer::Result<()>,
) {
    match result {
        Ok(()) => assert!(alive.insert(key)),
        Err(Error::DuplicateSession(k)) => assert!(k == u64::from(key) && alive.contains(&key)),
        Err(Error::EngineFull { max }) => {
            assert!(
                !alive.contains(&key) && alive.len() >= max && max == engine.config().max_sessions
            )
        }
        Err(other) => panic!("establish failed with {other:?}"),
    }
}

/// A batch of establishments, each judged as the `Establish` op judges one.
fn establish_batch(
    engine: &mut Engine,
    alive: &mut BTreeSet<u8>,
    ending: &BTreeSet<u8>,
    now: u64,
    items: &[(u8, Option<u16>, bool)],
) {
    let sessions: Vec<(u64, Session)> = items
        .iter()
        .map(|&(key, interval, local)| {
            let (mut session, timer) = (Session::new(local), timer(interval, local));
            if session.apply(timer, now).is_err() {
                assert!(too_small(timer));
            }
            (key.into(), session)
        })
        .collect();
    let failed: BTreeMap<usize, Error> = engine.establish_batch(&sessions).into_iter().collect();
    for (n, &(key, _, _)) in items.iter().enumerate() {
        let result = failed.get(&n).cloned().map_or(Ok(()), Err);
        if ending.contains(&key) {
            assert_eq!(result, Err(Error::DuplicateSession(key.into())));
        } else {
            expect_insert(engine, alive, key, result);
        }
    }
}

/// A batch of refresh reports, each judged as the `Refreshed` op judges one.
fn refreshed_batch(
    engine: &mut Engine,
    alive: &BTreeSet<u8>,
    now: u64,
    items: &[(u8, Option<u16>, bool)],
) {
    let reports: Vec<Refreshed> = items
        .iter()
        .map(|&(key, interval, local)| Refreshed {
            key: key.into(),
            now_ms: now,
            timer: timer(interval, local),
        })
        .collect();
    let failed: BTreeMap<usize, Error> = engine.refreshed_batch(&reports).into_iter().collect();
    for (n, (report, &(key, _, _))) in reports.iter().zip(items).enumerate() {
        let result = failed.get(&n).cloned().map_or(Ok(()), Err);
        if too_small(report.timer) {
            assert!(matches!(result, Err(Error::IntervalBelowMinimum { .. })));
        } else {
            expect_known(alive, key, result);
        }
    }
}

/// A batch of removals, each judged as the `Remove` op judges one.
fn remove_batch(
    engine: &mut Engine,
    alive: &mut BTreeSet<u8>,
    ending: &mut BTreeSet<u8>,
    keys: &[u8],
) {
    let wide: Vec<u64> = keys.iter().map(|&key| key.into()).collect();
    let failed: BTreeMap<usize, Error> = engine.remove_batch(&wide).into_iter().collect();
    for (n, &key) in keys.iter().enumerate() {
        let result = failed.get(&n).cloned().map_or(Ok(()), Err);
        expect_known(alive, key, result);
        alive.remove(&key);
        ending.remove(&key);
    }
}

/// A call on a session succeeds exactly when the session is alive.
fn expect_known<T>(alive: &BTreeSet<u8>, key: u8, result: sessiontimer::Result<T>) {
    match result {
        Ok(_) => assert!(alive.contains(&key)),
        Err(Error::UnknownSession(k)) => assert!(k == u64::from(key) && !alive.contains(&key)),
        Err(other) => panic!("call failed with {other:?}"),
    }
}

/// Polls until nothing is due, checking each action against the model.
fn drain(
    engine: &mut Engine,
    alive: &mut BTreeSet<u8>,
    ending: &mut BTreeSet<u8>,
    now: u64,
    latest: u64,
) {
    while let Some(action) = engine.poll(now) {
        assert!(action.at_ms <= latest);
        let key = u8::try_from(action.key).expect("a key the host gave");
        match action.kind {
            ActionKind::SendRefresh(request) => {
                assert!(alive.contains(&key) && engine.session(action.key).is_some());
                assert!(request.method != Method::Other);
                sessiontimer_fuzz::check_edits(&request.headers, &[]);
            }
            ActionKind::SendBye(_) | ActionKind::SessionEnded(_) => {
                assert!(
                    alive.remove(&key) || ending.remove(&key),
                    "ended twice: {key}"
                );
                assert!(engine.session(action.key).is_none());
            }
        }
    }
}
