//! Property tests: a UAC, N proxies and a UAS with random policies negotiate
//! over a simulated path; the outcome must obey RFC 4028 whatever the settings.

use proptest::prelude::*;
use sessiontimer::*;

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        1 => Just(Mode::Off),
        2 => Just(Mode::Accept),
        4 => Just(Mode::Originate),
        1 => Just(Mode::Required),
        1 => Just(Mode::Always),
    ]
}

fn preference() -> impl Strategy<Value = RefresherPreference> {
    prop_oneof![
        Just(RefresherPreference::Auto),
        Just(RefresherPreference::Local),
        Just(RefresherPreference::Remote),
        Just(RefresherPreference::Uac),
        Just(RefresherPreference::Uas),
    ]
}

prop_compose! {
    fn policy()(
        mode in mode(),
        min_se in 90u32..4000,
        extra in 0u32..4000,
        max_extra in proptest::option::of(0u32..10_000),
        refresher in preference(),
        raise in any::<bool>(),
        retries in 0u8..5,
    ) -> Policy {
        let session_expires = min_se + extra;
        Policy {
            mode,
            min_se,
            session_expires,
            max_session_expires: max_extra.map(|m| session_expires + m),
            refresher,
            raise_unsupported_interval: raise,
            max_422_retries: retries,
            ..Policy::RFC
        }
    }
}

type Rows = Vec<(String, String)>;

fn parse(rows: &Rows) -> TimerHeaders {
    TimerHeaders::parse(rows.iter().map(|(n, v)| (n.as_str(), v.as_str()))).unwrap()
}

fn to_rows(edits: &HeaderEdits) -> Rows {
    edits.to_rows()
}

/// How one call over the path ended.
#[derive(Debug)]
enum CallEnd {
    Established {
        uac: Option<Negotiated>,
        uas: Option<Negotiated>,
        /// Policies of the proxies that requested a timer.
        requesting_proxies: Vec<Policy>,
        /// The largest Min-SE header seen on any hop of the final request.
        largest_min_se_header: u32,
    },
    Failed,
}

/// The UAC's retry after a 422 or 420, if it makes one.
fn retry(uac: &mut Uac, status: u16, headers: &HeaderEdits) -> Option<HeaderEdits> {
    let response = parse(&to_rows(headers));
    match status {
        422 => uac.on_422(&response).ok(),
        420 => uac.on_420(&response),
        _ => None,
    }
}

/// Runs one INVITE transaction chain (with 422 and 420 retries) over the path.
fn call(uac_policy: Policy, proxies: &[Policy], uas_policy: Policy, uac: &mut Uac) -> CallEnd {
    let uas = Uas::new(uas_policy).unwrap();
    let proxies: Vec<Proxy> = proxies.iter().map(|p| Proxy::new(*p).unwrap()).collect();
    let mut attempts = 0;
    let mut request = uac.request();
    'retry: loop {
        attempts += 1;
        assert!(
            attempts <= usize::from(uac_policy.max_422_retries) + 2,
            "the 422/420 loop must end within the cap"
        );
        let mut rows = to_rows(&request);
        let mut transactions = Vec::new();
        let mut largest_min_se_header = parse(&rows).effective_min_se();
        for proxy in &proxies {
            match proxy.on_request(Method::Invite, &parse(&rows)) {
                ProxyRequestDecision::Forward {
                    headers: edits,
                    transaction,
                } => {
                    edits.apply(&mut rows);
                    let forwarded = parse(&rows);
                    largest_min_se_header = largest_min_se_header.max(forwarded.effective_min_se());
                    if let Some(interval) = transaction.interval {
                        // Each proxy meets its own minimum at its own hop.
                        assert!(
                            interval >= proxy.policy().min_se,
                            "proxy minimum at its hop"
                        );
                        assert!(
                            forwarded.session_expires.as_ref().map(|s| s.interval)
                                == Some(interval)
                        );
                    }
                    transactions.push((proxy, transaction));
                }
                ProxyRequestDecision::Reject { status, headers } => {
                    match retry(uac, status, &headers) {
                        Some(next) => {
                            request = next;
                            continue 'retry;
                        }
                        None => return CallEnd::Failed,
                    }
                }
            }
        }
        let received = parse(&rows);
        let (mut response, uas_timer) = match uas.decide(Method::Invite, &received, None) {
            UasDecision::Accept { headers, timer } => (to_rows(&headers), timer),
            UasDecision::Reject { status, headers } => match retry(uac, status, &headers) {
                Some(next) => {
                    request = next;
                    continue 'retry;
                }
                None => return CallEnd::Failed,
            },
            UasDecision::NotARefresh => unreachable!(),
        };
        for (proxy, transaction) in transactions.iter().rev() {
            proxy
                .on_2xx(transaction, &parse(&response))
                .headers
                .apply(&mut response);
        }
        return CallEnd::Established {
            uac: uac.on_2xx(&parse(&response)),
            uas: uas_timer,
            requesting_proxies: transactions
                .iter()
                .filter(|(_, t)| t.requested)
                .map(|(p, _)| *p.policy())
                .collect(),
            largest_min_se_header,
        };
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn negotiation_over_a_path_obeys_the_rfc(
        uac_policy in policy(),
        proxy_policies in proptest::collection::vec(policy(), 0..4),
        uas_policy in policy(),
    ) {
        let mut uac = Uac::new(uac_policy).unwrap();
        let end = call(uac_policy, &proxy_policies, uas_policy, &mut uac);
        prop_assert!(uac.retries() <= uac_policy.max_422_retries);
        let CallEnd::Established { uac: uac_timer, uas: uas_timer, requesting_proxies, largest_min_se_header } = end else {
            return Ok(());
        };
        // Exactly one side refreshes whenever a timer runs, and both agree on it.
        let local_refreshers = [uac_timer, uas_timer]
            .iter()
            .flatten()
            .filter(|t| t.refresher == Side::Local)
            .count();
        if uac_timer.is_some() || uas_timer.is_some() {
            prop_assert_eq!(local_refreshers, 1, "uac {:?} uas {:?}", uac_timer, uas_timer);
        }
        if let (Some(a), Some(b)) = (uac_timer, uas_timer) {
            prop_assert_eq!(a.interval, b.interval);
        }
        let Some(interval) = uac_timer.or(uas_timer).map(|t| t.interval) else {
            return Ok(());
        };
        prop_assert!(interval >= 90);
        // At least every Min-SE on the path: every Min-SE header any hop carried,
        // the UAC's own, and the UAS's where it can enforce it. (A proxy's own
        // minimum holds at its hop; a later proxy may lower below it when the UAC
        // supports timers, since PX-16 forbids the first to announce it.)
        let uac_supports = uac_policy.mode.supports();
        let mut floors = vec![largest_min_se_header];
        if uac_supports {
            floors.push(uac_policy.min_se);
        }
        if uas_policy.mode.supports() && (uac_supports || uas_policy.raise_unsupported_interval) {
            floors.push(uas_policy.min_se);
        }
        if !uac_supports {
            // Without `timer` in Supported, proxies announce their minimum (PX-13).
            floors.extend(requesting_proxies.iter().map(|p| p.min_se));
        }
        let floor = floors.iter().copied().max().unwrap_or(90);
        for f in &floors {
            prop_assert!(interval >= *f, "interval {} below Min-SE {}", interval, f);
        }
        // At most every maximum that applies (unless a Min-SE forces more).
        let mut caps: Vec<u32> = requesting_proxies.iter().map(Policy::cap).collect();
        if uas_policy.mode.supports() {
            caps.push(uas_policy.cap());
        }
        for cap in caps {
            prop_assert!(interval <= cap.max(floor), "interval {} above cap {}", interval, cap);
        }
    }

    #[test]
    fn session_expires_round_trips(
        interval in any::<u32>(),
        refresher in proptest::option::of(prop_oneof![Just(Refresher::Uac), Just(Refresher::Uas)]),
        params in proptest::collection::btree_map("[a-z][a-z0-9.!%*_+`'~-]{0,8}", proptest::option::of("[A-Za-z0-9:.\\-]{1,8}"), 0..5),
    ) {
        let params = params
            .into_iter()
            .filter(|(name, _)| name != "refresher")
            .map(|(name, value)| header::Param::new(&name, value.as_deref()).unwrap())
            .collect();
        let se = SessionExpires { interval, refresher, params };
        prop_assert_eq!(SessionExpires::parse(&se.to_string()).unwrap(), se.clone());
        let rows = [(HeaderName::SessionExpires.as_str(), se.to_string())];
        prop_assert_eq!(TimerHeaders::parse(rows).unwrap().session_expires, Some(se));
    }

    #[test]
    fn min_se_round_trips(value in any::<u32>()) {
        prop_assert_eq!(MinSe::parse(&value.to_string()).unwrap().value, value);
    }

    #[test]
    fn message_splitter_never_panics(raw in "(INVITE sip:a SIP/2.0|SIP/2.0 200 OK|[ -~]{0,20})(\r?\n([ \t]?[ -~]{0,30}))*") {
        if let Ok(m) = SipMessage::parse(&raw) {
            let _ = m.timer_headers();
        }
    }

    #[test]
    fn parser_never_panics(name in "(Session-Expires|x|Min-SE|k|Require|Allow|[ -~]{0,12})", value in "\\PC{0,64}") {
        let _ = TimerHeaders::parse([(name.as_str(), value.as_str())]);
    }

    #[test]
    fn edits_applied_twice_change_nothing_more(se in 90u32..100_000, min in 90u32..10_000, tags in any::<(bool, bool, bool)>()) {
        let edits = HeaderEdits {
            session_expires: Some(SessionExpires::new(se, Some(Refresher::Uas))),
            min_se: Some(min),
            supported_timer: tags.0,
            require_timer: tags.1,
            proxy_require_timer: tags.2,
            ..HeaderEdits::default()
        };
        let mut rows: Rows = vec![("x".into(), "5".into()), ("Require".into(), "100rel".into())];
        edits.apply(&mut rows);
        let once = rows.clone();
        edits.apply(&mut rows);
        prop_assert_eq!(&rows, &once);
        let parsed = parse(&rows);
        prop_assert_eq!(parsed.session_expires.map(|s| s.interval), Some(se));
        prop_assert_eq!(parsed.require_timer, tags.1);
    }
}
