//! A UAC, a proxy and a UAS negotiate a session timer through a 422 retry,
//! refresh once, then the refresher goes silent and the UAS sends BYE at the
//! RFC's time. Every message's session-timer headers are printed as a ladder.
//! Time is simulated: nothing waits.
//!
//! Run: `cargo run --example ladder`

use sessiontimer::*;

type Rows = Vec<(String, String)>;

const UAC: usize = 0;
const PROXY: usize = 1;
const UAS: usize = 2;
const NAMES: [&str; 3] = ["UAC (alice)", "Proxy", "UAS (bob)"];
const COLUMN: usize = 24;

/// One arrow of the ladder with the message's session-timer headers.
fn arrow(now_ms: u64, from: usize, to: usize, label: &str, rows: &Rows) {
    let (lo, hi) = (from.min(to), from.max(to));
    let mut line: Vec<char> = " ".repeat(COLUMN * 2 + 1).chars().collect();
    for c in [0, COLUMN, COLUMN * 2] {
        line[c] = '|';
    }
    let start = lo * COLUMN + 1;
    let end = hi * COLUMN - 1;
    for c in line.iter_mut().take(end + 1).skip(start) {
        *c = '-';
    }
    if from < to {
        line[end] = '>';
    } else {
        line[start] = '<';
    }
    for (i, ch) in format!(" {label} ").chars().enumerate() {
        line[start + 2 + i] = ch;
    }
    let text: String = line.into_iter().collect();
    println!("{:>9.3}  {text}", now_ms as f64 / 1000.0);
    let timer_rows: Vec<String> = rows
        .iter()
        .filter(|(n, _)| HeaderName::classify(n).is_some_and(|h| h != HeaderName::Allow))
        .map(|(n, v)| format!("{n}: {v}"))
        .collect();
    if !timer_rows.is_empty() {
        println!("{:>11}{}", "", timer_rows.join("  |  "));
    }
}

fn note(now_ms: u64, who: usize, text: &str) {
    println!("{:>9.3}  [{}] {text}", now_ms as f64 / 1000.0, NAMES[who]);
}

fn rows(edits: &HeaderEdits) -> Rows {
    edits.to_rows()
}

fn read(rows: &Rows) -> TimerHeaders {
    TimerHeaders::parse(rows.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        .expect("the parties write well-formed headers")
}

/// The ladder's three parties, with alice's and bob's policies.
struct Parties {
    alice: Policy,
    bob: Policy,
    uac: Uac,
    proxy: Proxy,
    uas: Uas,
    /// The `Allow` header each party's INVITE and 2xx carry.
    allow: (String, String),
}

fn main() -> Result<()> {
    let alice = Policy {
        session_expires: 300,
        ..Policy::RFC
    };
    let proxy_policy = Policy {
        min_se: 1800,
        ..Policy::RFC
    };
    let bob = Policy::RFC;
    let mut parties = Parties {
        alice,
        bob,
        uac: Uac::new(alice)?,
        proxy: Proxy::new(proxy_policy)?,
        uas: Uas::new(bob)?,
        allow: (
            "Allow".to_owned(),
            "INVITE, ACK, BYE, CANCEL, UPDATE".to_owned(),
        ),
    };

    println!(
        "{:>9}  {:<COLUMN$}{:<COLUMN$}{}",
        "t (s)", NAMES[0], NAMES[1], NAMES[2]
    );
    println!(
        "  alice asks for {} s; the proxy's Min-SE is {} s\n",
        alice.session_expires, proxy_policy.min_se
    );
    let (now, forward, transaction) = invite_through_422(&mut parties)?;
    let (mut alice_session, mut bob_session) = accept(&parties, now, &forward, &transaction);
    refresh_once(&parties, &mut alice_session, &mut bob_session);
    bye(&parties, &bob_session);
    Ok(())
}

/// Step 1: the INVITE is too small for the proxy: 422, and alice retries.
/// Returns the time, the INVITE the proxy forwards, and its transaction.
fn invite_through_422(parties: &mut Parties) -> Result<(u64, Rows, ProxyTransaction)> {
    let mut now = 0;
    let mut invite = rows(&parties.uac.request());
    invite.push(parties.allow.clone());
    let (forward, transaction) = loop {
        arrow(now, UAC, PROXY, "INVITE", &invite);
        match parties.proxy.on_request(Method::Invite, &read(&invite)) {
            ProxyRequestDecision::Reject { status, headers } => {
                let response = rows(&headers);
                arrow(now, PROXY, UAC, &status.to_string(), &response);
                note(
                    now,
                    UAC,
                    &format!(
                        "{status} {}: retry with the larger interval",
                        reason_phrase(status)
                    ),
                );
                invite = rows(&parties.uac.on_422(&read(&response))?);
                invite.push(parties.allow.clone());
                now += 40;
            }
            ProxyRequestDecision::Forward {
                headers: edits,
                transaction,
            } => {
                let mut forwarded = invite.clone();
                edits.apply(&mut forwarded);
                break (forwarded, transaction);
            }
        }
    };
    arrow(now, PROXY, UAS, "INVITE", &forward);
    Ok((now, forward, transaction))
}

/// Step 2: bob accepts; the 2xx goes back through the proxy. Returns
/// alice's session and bob's.
fn accept(
    parties: &Parties,
    now: u64,
    forward: &Rows,
    transaction: &ProxyTransaction,
) -> (Session, Session) {
    let (uas, proxy) = (&parties.uas, &parties.proxy);
    let request = read(forward);
    let UasDecision::Accept { headers, timer } = uas.decide(Method::Invite, &request, None) else {
        unreachable!("bob accepts an interval at or above his Min-SE")
    };
    let bob_session = uas
        .establish(&request, timer, now)
        .expect("a negotiated timer");
    let mut ok = rows(&headers);
    ok.push(parties.allow.clone());
    arrow(now, UAS, PROXY, "200 OK", &ok);
    let proxy_view = proxy.on_2xx(transaction, &read(&ok));
    proxy_view.headers.apply(&mut ok);
    arrow(now, PROXY, UAC, "200 OK", &ok);
    let alice_session = parties.uac.establish(&read(&ok), now);
    let negotiated = alice_session.timer().expect("a timer was negotiated");
    note(
        now,
        UAC,
        &format!(
            "timer {} s, refresher {:?}",
            negotiated.interval, negotiated.refresher
        ),
    );
    note(
        now,
        PROXY,
        &format!(
            "may drop call state at {:.3} s (never sends BYE)",
            proxy_view.expires_at_ms(now).unwrap_or(0) as f64 / 1000.0
        ),
    );
    println!();
    (alice_session, bob_session)
}

/// Step 3: alice refreshes at half the interval, by UPDATE since bob allows it.
fn refresh_once(parties: &Parties, alice_session: &mut Session, bob_session: &mut Session) {
    let alice = &parties.alice;
    let now = alice_session.refresh_at_ms().expect("alice refreshes");
    let refresh = alice_session.refresh_request(alice);
    let update = rows(&refresh.headers);
    let label = refresh.method.to_string();
    arrow(now, UAC, PROXY, &label, &update);
    arrow(now, PROXY, UAS, &label, &update);
    let UasDecision::Accept { headers, timer } =
        bob_session.answer(&parties.uas, refresh.method, &read(&update))
    else {
        unreachable!("a refresh at the negotiated interval is accepted")
    };
    bob_session.apply(timer, now).expect("a negotiated timer");
    let ok = rows(&headers);
    arrow(now, UAS, PROXY, "200 OK", &ok);
    arrow(now, PROXY, UAC, "200 OK", &ok);
    let outcome = alice_session.on_refresh_response(alice, now, 200, &refresh, &read(&ok));
    assert!(matches!(outcome, RefreshOutcome::Refreshed(Some(_))));
    note(
        now,
        UAC,
        &format!(
            "next refresh due at {:.3} s",
            alice_session.refresh_at_ms().unwrap_or(0) as f64 / 1000.0
        ),
    );
    println!();
}

/// Step 4: alice goes silent: bob's BYE deadline is interval - min(32, interval/3).
fn bye(parties: &Parties, bob_session: &Session) {
    let (bye_at, deadline) = bob_session
        .next_deadline(parties.bob.bye_margin)
        .expect("bob waits for refreshes");
    assert_eq!(deadline, Deadline::Bye);
    note(
        bye_at,
        UAS,
        "no refresh received: sending BYE (RFC 4028 section 10)",
    );
    arrow(bye_at, UAS, PROXY, "BYE", &Rows::new());
    arrow(bye_at, PROXY, UAC, "BYE", &Rows::new());
}
