//! Restoring from a store an attacker may have written: arbitrary bytes as an
//! engine snapshot, a session snapshot, a replica record adopted at any time
//! and a dialog record. Restore refuses
//! with a typed error or yields state the engine then runs without a panic,
//! and what it accepts it writes back unchanged (an engine's records in key
//! order, as it writes them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sessiontimer::{Engine, EngineConfig, Owner, Session};

fuzz_target!(|data: &[u8]| {
    let config = EngineConfig {
        max_sessions: 64,
        ..EngineConfig::default()
    };
    if let Ok(session) = Session::from_bytes(data) {
        assert_eq!(session.to_bytes(), data);
        let _ = session.next_deadline(config.policy.bye_margin);
    }
    let mut engine = Engine::new(config).expect("valid config");
    if let Ok(key) = engine.restore_session(data) {
        assert_eq!(engine.snapshot_session(key).unwrap(), data);
        run_to_the_end(&mut engine);
    }
    // A replica record adopted at a time taken from the bytes themselves.
    let now = data
        .get(..8)
        .map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    let owner = Owner::of_replica(data);
    let mut adopter = Engine::new(config).expect("valid config");
    if let Ok((key, named)) = adopter.adopt(data, now) {
        if let Ok(owner) = owner {
            assert_eq!(named, owner);
            adopter.set_owner(owner);
            // The record comes back unchanged unless its deadline was due.
            let written = adopter.replica(key).unwrap();
            assert_eq!(written.len(), data.len());
            assert_eq!(written[..29], data[..29]);
        }
        engine_restorable(&adopter, key);
        run_to_the_end(&mut adopter);
    }
    if let Ok(mut engine) = Engine::restore(config, data) {
        // Records come back in key order: bytes in that order come back
        // unchanged, and a second round trip changes nothing.
        let written = engine.snapshot();
        assert_eq!(written.len(), data.len());
        if keys_ascending(data) {
            assert_eq!(written, data);
        }
        let again = Engine::restore(config, &written).expect("own snapshot");
        assert_eq!(again.snapshot(), written);
        run_to_the_end(&mut engine);
    }
});

/// Whether an engine snapshot's records are in ascending key order (the
/// layout: a 89-byte head, then 36-byte records that start with the key).
fn keys_ascending(data: &[u8]) -> bool {
    let keys: Vec<u64> = data[89..]
        .chunks_exact(36)
        .map(|r| u64::from_le_bytes(r[..8].try_into().expect("8 bytes")))
        .collect();
    keys.windows(2).all(|w| w[0] < w[1])
}

/// An adopted session's own snapshot is one the engine reads back.
fn engine_restorable(engine: &Engine, key: u64) {
    let bytes = engine.snapshot_session(key).unwrap();
    let mut other = Engine::new(*engine.config()).expect("valid config");
    assert_eq!(other.restore_session(&bytes).unwrap(), key);
}

/// Every restored timer fires, whatever the deadlines, in bounded steps.
fn run_to_the_end(engine: &mut Engine) {
    let mut steps = 0;
    while let Some(next) = engine.next_deadline() {
        while let Some(action) = engine.poll(next) {
            if let sessiontimer::ActionKind::SendRefresh(_) = action.kind {
                let _ = engine.on_refresh_response(action.key, next, 408, &Default::default());
            }
        }
        steps += 1;
        assert!(steps < 10_000, "the engine never settles");
    }
}
