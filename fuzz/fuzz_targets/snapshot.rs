//! Restoring from a store an attacker may have written: arbitrary bytes as an
//! engine snapshot, a session snapshot and a dialog record. Restore refuses
//! with a typed error or yields state the engine then runs without a panic,
//! and what it accepts it writes back unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sessiontimer::{Engine, EngineConfig, Session};

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
    if let Ok(mut engine) = Engine::restore(config, data) {
        assert_eq!(engine.snapshot().len(), data.len());
        run_to_the_end(&mut engine);
    }
});

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
