//! The header parser and the message splitter on arbitrary text: never a
//! panic, and whatever parses is written back in a form that parses to the
//! same value (the tolerant reader and the strict writer agree).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sessiontimer::{header::option_list_contains, MinSe, SessionExpires, SipMessage};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(se) = SessionExpires::parse(text) {
        assert_eq!(SessionExpires::parse(&se.to_string()).as_ref(), Ok(&se));
    }
    if let Ok(min_se) = MinSe::parse(text) {
        assert_eq!(MinSe::parse(&min_se.to_string()).as_ref(), Ok(&min_se));
        assert!(min_se.effective() >= 90);
    }
    let _ = option_list_contains(text, "timer");
    if let Ok(message) = SipMessage::parse(text) {
        let _ = message.timer_headers();
        let _ = (message.method(), message.status());
    }
});
