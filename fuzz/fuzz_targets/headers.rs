//! The header parser and the message splitter on arbitrary text: never a
//! panic, and whatever parses is written back in a form that parses to the
//! same value (the tolerant reader and the strict writer agree), and every
//! value written is one well-formed header line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sessiontimer::{
    header::{merge_option_tag, option_list_contains},
    MinSe, SessionExpires, SipMessage,
};
use sessiontimer_fuzz::assert_well_formed;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(se) = SessionExpires::parse(text) {
        assert_eq!(SessionExpires::parse(&se.to_string()).as_ref(), Ok(&se));
        assert_well_formed("Session-Expires", &se.to_string());
    }
    if let Ok(min_se) = MinSe::parse(text) {
        assert_eq!(MinSe::parse(&min_se.to_string()).as_ref(), Ok(&min_se));
        assert_well_formed("Min-SE", &min_se.to_string());
        assert!(min_se.effective() >= 90);
    }
    let _ = option_list_contains(text, "timer");
    let merged = merge_option_tag(text, "timer");
    assert_well_formed("Supported", &merged);
    assert!(option_list_contains(&merged, "timer"));
    if let Ok(message) = SipMessage::parse(text) {
        let _ = message.timer_headers();
        let _ = (message.method(), message.status());
    }
});
