//! Simulation: a caller engine and a callee engine carry 10,000 concurrent calls
//! over a simulated network that delays, drops and duplicates messages (seeded),
//! on a simulated clock, with RFC 3261-style retransmission and a 32 s
//! transaction timeout. Each call negotiates with random policies, refreshes
//! through the engines, and ends by BYE, by design or because its refresher
//! went silent.
//!
//! Checked throughout: no session outlives its expiry on either side; no call
//! is torn down while its refreshes get through; exactly one side refreshes.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use sessiontimer::engine::{RandomSource, SplitMix64};
use sessiontimer::*;

type Rows = Vec<(String, String)>;

const CALLS: u64 = 10_000;
const TIMER_F_MS: u64 = 32_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    Caller,
    Callee,
}

impl Party {
    fn peer(self) -> Party {
        match self {
            Party::Caller => Party::Callee,
            Party::Callee => Party::Caller,
        }
    }
}

#[derive(Debug, Clone)]
enum Body {
    Refresh { method: Method, rows: Rows },
    Ok { rows: Rows },
    Bye,
    ByeOk,
}

#[derive(Debug, Clone)]
struct Msg {
    call: u64,
    to: Party,
    txn: u64,
    body: Body,
}

#[derive(Debug)]
enum Event {
    Deliver(Msg),
    Retransmit(u64),
    HangUp(u64),
}

/// How a call's network behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Network {
    /// Every message arrives (late or twice, never lost).
    Clean,
    /// Messages are lost at this rate; retransmission mostly saves them.
    Lossy(f64),
    /// From this time on, the refresher's messages are all lost.
    SilentFrom(u64),
}

struct Call {
    network: Network,
    ends_at: u64,
    refresher: Party,
    ended: bool,
}

struct Pending {
    msg: Msg,
    first_sent: u64,
    wait: u64,
}

struct Sim {
    now: u64,
    rng: SplitMix64,
    events: BinaryHeap<Reverse<(u64, u64)>>,
    payloads: HashMap<u64, Event>,
    seq: u64,
    caller: Engine,
    callee: Engine,
    calls: HashMap<u64, Call>,
    pending: HashMap<u64, Pending>,
    answered: HashMap<u64, Msg>,
    next_txn: u64,
    early_teardowns: Vec<(u64, Teardown)>,
    byes: u64,
}

fn rows(edits: &HeaderEdits) -> Rows {
    edits.to_rows()
}

fn parse(rows: &Rows) -> TimerHeaders {
    TimerHeaders::parse(rows.iter().map(|(n, v)| (n.as_str(), v.as_str()))).unwrap()
}

impl Sim {
    fn chance(&mut self, p: f64) -> bool {
        (self.rng.next_u64() % 1_000_000) as f64 / 1_000_000.0 < p
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n
    }

    fn schedule(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.events.push(Reverse((at, self.seq)));
        self.payloads.insert(self.seq, event);
    }

    fn engine(&mut self, party: Party) -> &mut Engine {
        match party {
            Party::Caller => &mut self.caller,
            Party::Callee => &mut self.callee,
        }
    }

    /// Puts a message on the wire: maybe lost, maybe twice, 5-200 ms late.
    fn transmit(&mut self, msg: Msg) {
        let from = msg.to.peer();
        let call = &self.calls[&msg.call];
        let loss = match call.network {
            Network::Clean => 0.0,
            Network::Lossy(p) => p,
            Network::SilentFrom(t) if from == call.refresher && self.now >= t => 1.0,
            Network::SilentFrom(_) => 0.0,
        };
        let copies = if self.chance(0.05) { 2 } else { 1 };
        for _ in 0..copies {
            if !self.chance(loss) {
                let delay = 5 + self.below(196);
                self.schedule(self.now + delay, Event::Deliver(msg.clone()));
            }
        }
    }

    /// Starts a client transaction: transmit now, retransmit until answered or Timer F.
    fn request(&mut self, call: u64, to: Party, body: Body) {
        self.next_txn += 1;
        let txn = self.next_txn;
        let msg = Msg {
            call,
            to,
            txn,
            body,
        };
        self.transmit(msg.clone());
        self.pending.insert(
            txn,
            Pending {
                msg,
                first_sent: self.now,
                wait: 500,
            },
        );
        self.schedule(self.now + 500, Event::Retransmit(txn));
    }

    fn retransmit(&mut self, txn: u64) {
        let Some(p) = self.pending.get_mut(&txn) else {
            return;
        };
        if self.now - p.first_sent >= TIMER_F_MS {
            let msg = self.pending.remove(&txn).unwrap().msg;
            if let Body::Refresh { .. } = msg.body {
                let party = msg.to.peer();
                // A timeout counts as 408 (RFC 3261 section 8.1.3.1).
                let now = self.now;
                let _ = self.engine(party).on_refresh_response(
                    msg.call,
                    now,
                    408,
                    &TimerHeaders::default(),
                );
            }
            return;
        }
        p.wait = (p.wait * 2).min(4000);
        let (msg, wait) = (p.msg.clone(), p.wait);
        self.transmit(msg);
        self.schedule(self.now + wait, Event::Retransmit(txn));
    }

    fn respond(&mut self, request: &Msg, body: Body) {
        let reply = Msg {
            call: request.call,
            to: request.to.peer(),
            txn: request.txn,
            body,
        };
        self.answered.insert(request.txn, reply.clone());
        self.transmit(reply);
    }

    fn deliver(&mut self, msg: Msg) {
        if let Some(reply) = self.answered.get(&msg.txn).cloned() {
            if matches!(msg.body, Body::Refresh { .. } | Body::Bye) {
                self.transmit(reply); // a retransmitted request gets the same answer
                return;
            }
        }
        let now = self.now;
        match msg.body.clone() {
            Body::Refresh { method, rows: req } => {
                let engine = self.engine(msg.to);
                let Ok(decision) = engine.answer(msg.call, method, &parse(&req)) else {
                    return; // the dialog is gone here: no answer (it would be 481)
                };
                let UasDecision::Accept { headers, timer } = decision else {
                    panic!("a refresh at the negotiated interval is accepted: {decision:?}")
                };
                engine.refreshed(msg.call, now, timer).unwrap();
                self.respond(
                    &msg,
                    Body::Ok {
                        rows: rows(&headers),
                    },
                );
            }
            Body::Ok { rows: resp } => {
                if self.pending.remove(&msg.txn).is_some() {
                    let party = msg.to;
                    let _ =
                        self.engine(party)
                            .on_refresh_response(msg.call, now, 200, &parse(&resp));
                }
            }
            Body::Bye => {
                let _ = self.engine(msg.to).remove(msg.call);
                if let Some(call) = self.calls.get_mut(&msg.call) {
                    call.ended = true;
                }
                self.respond(&msg, Body::ByeOk);
            }
            Body::ByeOk => {
                self.pending.remove(&msg.txn);
            }
        }
    }

    fn act(&mut self, party: Party, action: Action) {
        let call = &self.calls[&action.key];
        match action.kind {
            ActionKind::SendRefresh(request) => {
                assert_eq!(party, call.refresher, "only the refresher refreshes");
                let body = Body::Refresh {
                    method: request.method,
                    rows: rows(&request.headers),
                };
                self.request(action.key, party.peer(), body);
            }
            ActionKind::SendBye(reason) => {
                if call.network == Network::Clean && !call.ended && self.now < call.ends_at {
                    self.early_teardowns.push((action.key, reason));
                }
                self.byes += 1;
                self.calls.get_mut(&action.key).unwrap().ended = true;
                self.request(action.key, party.peer(), Body::Bye);
            }
            ActionKind::SessionEnded(_) => unreachable!("no proxy here"),
        }
    }

    fn hang_up(&mut self, call: u64) {
        if self.caller.remove(call).is_ok() {
            self.calls.get_mut(&call).unwrap().ended = true;
            self.request(call, Party::Callee, Body::Bye);
        }
    }

    /// Checks both sides of a call at `now`.
    fn check(&self, call: u64) {
        let sides = [self.caller.session(call), self.callee.session(call)];
        for s in sides.iter().flatten() {
            if let Some(expiry) = s.expires_at_ms() {
                assert!(
                    self.now <= expiry,
                    "call {call} outlived its expiry: {s:?} at {}",
                    self.now
                );
            }
        }
        if let [Some(a), Some(b)] = sides {
            if let (Some(ta), Some(tb)) = (a.timer(), b.timer()) {
                assert_ne!(
                    ta.refresher, tb.refresher,
                    "call {call}: exactly one side refreshes"
                );
            }
        }
    }

    fn step(&mut self) -> bool {
        let wake = [
            self.caller.next_deadline(),
            self.callee.next_deadline(),
            self.events.peek().map(|Reverse((t, _))| *t),
        ];
        let Some(next) = wake.into_iter().flatten().min() else {
            return false;
        };
        self.now = self.now.max(next);
        let now = self.now;
        for party in [Party::Caller, Party::Callee] {
            while let Some(action) = self.engine(party).poll(now) {
                let key = action.key;
                self.act(party, action);
                self.check(key);
            }
        }
        while let Some(&Reverse((t, seq))) = self.events.peek() {
            if t > self.now {
                break;
            }
            self.events.pop();
            match self.payloads.remove(&seq).unwrap() {
                Event::Deliver(msg) => {
                    let call = msg.call;
                    self.deliver(msg);
                    self.check(call);
                }
                Event::Retransmit(txn) => self.retransmit(txn),
                Event::HangUp(call) => self.hang_up(call),
            }
        }
        true
    }
}

/// Negotiates one call's timer (over a reliable path) and establishes both sides.
fn setup(sim: &mut Sim, key: u64, start: u64) {
    let interval = 90 + sim.below(3511) as u32;
    let caller_policy = Policy {
        session_expires: interval,
        ..Policy::RFC
    };
    let callee_policy = Policy {
        min_se: 90 + sim.below(u64::from(interval) * 2) as u32,
        session_expires: 86_400,
        refresher: [RefresherPreference::Auto, RefresherPreference::Local][sim.below(2) as usize],
        ..Policy::RFC
    };
    let mut uac = Uac::new(caller_policy).unwrap();
    let uas = Uas::new(callee_policy).unwrap();
    let allow = ("Allow".to_owned(), "INVITE, ACK, BYE, UPDATE".to_owned());
    let mut request = uac.request();
    let (invite, headers, timer) = loop {
        let mut invite = rows(&request);
        invite.push(allow.clone());
        match uas.decide(Method::Invite, &parse(&invite), None) {
            UasDecision::Accept { headers, timer } => break (invite, headers, timer),
            UasDecision::Reject {
                status: 422,
                headers,
            } => {
                request = uac.on_422(&parse(&rows(&headers))).unwrap();
            }
            other => panic!("{other:?}"),
        }
    };
    let mut callee_side = Session::new(false);
    callee_side.note_peer(&parse(&invite));
    callee_side.apply(timer, start).unwrap();
    sim.callee.establish(key, callee_side).unwrap();
    let mut ok = rows(&headers);
    ok.push(allow);
    let caller_side = uac.establish(&parse(&ok), start);
    sim.caller.establish(key, caller_side).unwrap();
    let interval_ms = u64::from(timer.unwrap().interval) * 1000;
    let network = match sim.below(10) {
        0..=4 => Network::Clean,
        5..=7 => Network::Lossy(0.05 + sim.below(25) as f64 / 100.0),
        _ => Network::SilentFrom(start + sim.below(3 * interval_ms)),
    };
    let refresher = match timer.unwrap().refresher {
        Side::Local => Party::Callee,
        Side::Remote => Party::Caller,
    };
    let ends_at = start + interval_ms / 2 + sim.below(4 * interval_ms);
    sim.calls.insert(
        key,
        Call {
            network,
            ends_at,
            refresher,
            ended: false,
        },
    );
    sim.schedule(ends_at, Event::HangUp(key));
}

#[test]
fn ten_thousand_calls_over_a_lossy_network() {
    let config = EngineConfig {
        refresh_jitter_ms: 2000,
        ..EngineConfig::default()
    };
    let mut sim = Sim {
        now: 0,
        rng: SplitMix64(2026),
        events: BinaryHeap::new(),
        payloads: HashMap::new(),
        seq: 0,
        caller: Engine::new(EngineConfig { seed: 1, ..config }).unwrap(),
        callee: Engine::new(EngineConfig { seed: 2, ..config }).unwrap(),
        calls: HashMap::new(),
        pending: HashMap::new(),
        answered: HashMap::new(),
        next_txn: 0,
        early_teardowns: Vec::new(),
        byes: 0,
    };
    for key in 0..CALLS {
        let start = sim.below(3_600_000);
        setup(&mut sim, key, start);
    }
    let mut steps = 0u64;
    while sim.step() {
        steps += 1;
        assert!(steps < 50_000_000, "the simulation ends");
    }
    assert!(
        sim.early_teardowns.is_empty(),
        "torn down while refreshes got through: {:?}",
        &sim.early_teardowns[..sim.early_teardowns.len().min(5)]
    );
    assert!(
        sim.caller.is_empty() && sim.callee.is_empty(),
        "every session ended"
    );
    let (a, b) = (sim.caller.counters(), sim.callee.counters());
    // Silent refreshers were caught by the other side's BYE timer.
    assert!(
        a.no_refresh_received + b.no_refresh_received > 500,
        "{a:?} {b:?}"
    );
    assert!(a.refreshes_sent + b.refreshes_sent > 10_000, "{a:?} {b:?}");
    assert!(sim.byes > 0);
    println!(
        "caller {a:?}\ncallee {b:?}\nbyes {} steps {steps}",
        sim.byes
    );
}
