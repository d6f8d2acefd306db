//! Each role's decisions on arbitrary messages: never a panic, only the RFC's
//! status codes, header edits that read back as meant, and a 422 loop that
//! ends within the policy's cap.
//!
//! Input: 6 control bytes (role, 4 policy bytes, a selector), then a request
//! and an optional response separated by NUL, each a raw SIP message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sessiontimer::{
    limits::MAX_422_RETRIES, B2bua, InDialogAction, Leg, Method, Negotiated, Proxy,
    ProxyRequestDecision, RefreshKind, Session, Side, TimerHeaders, Uac, Uas, UasDecision,
};
use sessiontimer_fuzz::{check_edits, message, method, policy, split};

fuzz_target!(|data: &[u8]| {
    let Some(([role, p0, p1, p2, p3, selector], text)) = split::<6>(data) else {
        return;
    };
    let Some(policy) = policy([p0, p1, p2, p3]) else {
        return;
    };
    let (request_text, response_text) = text.split_once('\0').unwrap_or((text, ""));
    let Some((rows, request)) = message(request_text) else {
        return;
    };
    let response = message(response_text);
    let method = method(selector);
    match role % 4 {
        0 => {
            let dialog = (selector & 4 != 0).then_some(Negotiated {
                interval: 90 * u32::from(selector >> 3).max(1),
                refresher: [Side::Local, Side::Remote][usize::from(selector >> 7)],
            });
            let uas = Uas::new(policy).expect("valid policy");
            check_uas(
                uas.decide(method, &request, dialog.as_ref()),
                method,
                &request,
                &rows,
            );
        }
        1 => {
            let mut uac = Uac::new(policy).expect("valid policy");
            check_edits(&uac.request(), &rows);
            let Some((response_rows, response)) = response else {
                return;
            };
            // A peer answering 422 again and again costs at most the cap.
            for attempt in 0..=u32::from(MAX_422_RETRIES) + 1 {
                match uac.on_422(&response) {
                    Ok(edits) => {
                        assert!(attempt < u32::from(policy.max_422_retries));
                        // Section 7.4 (UAC-422-3, -4): Min-SE is the largest
                        // seen, and any Session-Expires is at least that.
                        let min_se = edits.min_se.expect("a retry carries Min-SE");
                        assert!(min_se >= response.effective_min_se());
                        assert!(edits
                            .session_expires
                            .as_ref()
                            .is_none_or(|se| se.interval >= min_se));
                        check_edits(&edits, &response_rows);
                    }
                    Err(_) => break,
                }
            }
            if let Some(edits) = uac.on_420(&response) {
                check_edits(&edits, &rows);
            }
            let _ = uac.on_2xx(&response);
            let session = uac.establish(&response, u64::from(selector) << 56);
            let _ = session.next_deadline(policy.bye_margin);
        }
        2 => {
            let proxy = Proxy::new(policy).expect("valid policy");
            match proxy.on_request(method, &request) {
                ProxyRequestDecision::Forward {
                    headers: edits,
                    transaction,
                } => {
                    check_edits(&edits, &rows);
                    if let Some((response_rows, response)) = response {
                        let decision = proxy.on_2xx(&transaction, &response);
                        check_edits(&decision.headers, &response_rows);
                    }
                }
                ProxyRequestDecision::Reject { status, headers } => {
                    assert!(matches!(status, 420 | 422), "{status}");
                    check_edits(&headers, &[]);
                }
            }
        }
        _ => {
            let b2bua = B2bua::new(policy, policy).expect("valid policy");
            let inbound = b2bua.inbound_uas();
            check_uas(
                inbound.decide(method, &request, None),
                method,
                &request,
                &rows,
            );
            check_edits(&b2bua.outbound_uac(&request).request(), &rows);
            let mut session = Session::new(selector & 1 != 0);
            let kind =
                [RefreshKind::PureRefresh, RefreshKind::SessionChange][usize::from(selector & 1)];
            let leg = [Leg::Inbound, Leg::Outbound][usize::from(selector >> 1 & 1)];
            if let InDialogAction::Consume(decision) =
                b2bua.on_in_dialog_request(leg, &mut session, method, &request, kind)
            {
                check_uas(decision, method, &request, &rows);
            }
        }
    }
});

/// A UAS answer: 2xx edits that read back, or a rejection the RFC allows.
fn check_uas(
    decision: UasDecision,
    method: Method,
    request: &TimerHeaders,
    rows: &[(String, String)],
) {
    match decision {
        UasDecision::Accept { headers, .. } => check_edits(&headers, rows),
        UasDecision::Reject { status, headers } => {
            assert!((420..=422).contains(&status), "{status}");
            if status == 422 {
                // Section 6: the 422 carries a Min-SE larger than the interval asked.
                let asked = request.session_expires.as_ref().map_or(0, |se| se.interval);
                assert!(headers.min_se.is_some_and(|m| m > asked));
            }
            check_edits(&headers, &[]);
        }
        UasDecision::NotARefresh => assert!(!method.is_refresh()),
    }
}
