//! The timer engine: every deadline of many sessions and their refresh
//! lifecycle, sans-I/O.
//!
//! A host (a proxy with a million dialogs, a PBX, an asyncio app) hands the
//! engine its sessions under keys it chooses (a dialog id as an integer) and
//! asks two things: when must I wake up ([`Engine::next_deadline`]) and what
//! must I do now ([`Engine::poll`]). The host owns sockets and clocks; `now` is
//! milliseconds of its own monotonic clock.
//!
//! Each session has exactly one timer at a time, and a phase saying what it is
//! for, so a refresh and the expiry BYE of one session are never due at the same
//! instant (anchors 3.7, siphon-ai #490):
//!
//! | phase | armed at | when it fires |
//! |---|---|---|
//! | refresh due | half the interval (less jitter) | send the refresh, then wait for its answer |
//! | BYE due | interval − margin | the peer never refreshed: BYE |
//! | in flight | expiry | the refresh was never answered: BYE |
//! | retry due | after 491 / 5xx back-off, always before expiry | send the refresh again |
//! | proxy expiry | expiry | drop the state, no BYE (RFC 4028 section 8.3) |

pub(crate) mod journal;
mod pages;
mod rng;
mod slot;
pub(crate) mod snapshot;
mod table;
mod wheel;

use std::collections::{HashMap, VecDeque};

use crate::b2bua::{B2bua, InDialogAction, Leg, RefreshKind};
use crate::error::{Error, Result};
use crate::header::TimerHeaders;
use crate::outcome::Negotiated;
use crate::policy::Policy;
use crate::session::{Packed, RefreshOutcome, RefreshRequest, Session};
use crate::sip::Method;
use crate::uas::{Uas, UasDecision};
use slot::{Slot, Wide};
use table::{prefetch_item, Lookup, Start, Table, Vacancy};
use wheel::{Entry, Links, Wheel};

pub use journal::{Change, ChangeKind, Owner, REPLICA_LEN};
pub use rng::{RandomSource, SplitMix64};
pub use snapshot::{SnapshotProblem, SNAPSHOT_VERSION};

/// Settings of an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineConfig {
    /// The policy of every session: refresh method, mode, BYE margin, 422 cap.
    pub policy: Policy,
    /// The most sessions the engine holds; past it [`Engine::establish`] fails.
    pub max_sessions: usize,
    /// Refreshes are sent up to this many milliseconds before half the interval
    /// (seeded, bounded to a quarter of the interval). Default 0.
    pub refresh_jitter_ms: u32,
    /// The back-off after 502 or 503 to a refresh. Default 10 s (PJSIP).
    pub retry_delay_ms: u32,
    /// Retries of one refresh after failures other than 422, 491 and
    /// 405/501 before giving up with BYE. Default 2.
    pub max_refresh_retries: u8,
    /// Seed of the default random source.
    pub seed: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            policy: Policy::RFC,
            max_sessions: 1 << 24,
            refresh_jitter_ms: 0,
            retry_delay_ms: 10_000,
            max_refresh_retries: 2,
            seed: 0x5e55_1017,
        }
    }
}

/// Why a session was torn down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Teardown {
    /// The peer was the refresher and sent no refresh in time (section 10).
    NoRefreshReceived,
    /// Our refresh got no final response before expiry, or timed out (408).
    RefreshUnanswered,
    /// Our refresh was rejected with this status and retrying was pointless or exhausted.
    RefreshRejected(u16),
    /// More 422 answers to our refresh than the policy's cap.
    TooMany422,
    /// The session expired before a refresh could be sent (the host polled too
    /// late), or a proxy's session expired.
    Expired,
    /// The host removed the session.
    RemovedByHost,
}

impl Teardown {
    /// The `Reason` header (RFC 3326) of the BYE this teardown sends, such as
    /// `SIP;cause=408;text="No session refresh received"`; `None` when no BYE
    /// goes out (the host removed the session). The cause of a rejected
    /// refresh is the status it got.
    #[must_use]
    pub fn bye_reason(self) -> Option<String> {
        let (cause, text) = match self {
            Teardown::NoRefreshReceived => (408, "No session refresh received"),
            Teardown::RefreshUnanswered => (408, "Session refresh unanswered"),
            Teardown::RefreshRejected(status) => (status, "Session refresh rejected"),
            Teardown::TooMany422 => (422, "Session interval refused"),
            Teardown::Expired => (408, "Session expired"),
            Teardown::RemovedByHost => return None,
        };
        Some(format!("SIP;cause={cause};text=\"{text}\""))
    }
}

/// What the host must do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    /// Send this refresh (UPDATE or re-INVITE with these session-timer headers);
    /// report its final response with [`Engine::on_refresh_response`].
    SendRefresh(RefreshRequest),
    /// Send BYE, with [`Teardown::bye_reason`] as its `Reason`; the engine
    /// has forgotten the session.
    SendBye(Teardown),
    /// Drop the session without BYE (a proxy, section 8.3); already forgotten.
    SessionEnded(Teardown),
}

/// One action of [`Engine::poll`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// The session's key.
    pub key: u64,
    /// When it was due.
    pub at_ms: u64,
    /// What to do.
    pub kind: ActionKind,
}

/// One report of [`Engine::refreshed_batch`]: the arguments of [`Engine::refreshed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refreshed {
    /// The session's key.
    pub key: u64,
    /// When the 2xx was sent or received.
    pub now_ms: u64,
    /// The timer in force from then on.
    pub timer: Option<Negotiated>,
}

/// How many places ahead of the item it applies a batch starts fetching an
/// item's control bytes and home slot ([`Table::prefetch`]).
const PREFETCH_HOME: usize = 16;

/// How many places ahead a batch starts fetching the slot an item's lookup
/// goes to when the key is not at home: its control bytes, fetched
/// [`PREFETCH_HOME`] places ahead, are in cache by then.
const PREFETCH_NEXT: usize = 6;

/// How many places ahead a batch starts fetching what applying an item
/// reads after its slot ([`Wheel::prefetch_removal`]): its slot, fetched
/// [`PREFETCH_NEXT`] places ahead, is in cache by then.
const PREFETCH_LATE: usize = 2;

// `Engine::each_prefetched` keeps the next PREFETCH_HOME items' starts in a
// ring, and reads the starts PREFETCH_NEXT and PREFETCH_LATE places ahead
// after replacing its own.
const _: () = assert!(0 < PREFETCH_LATE && PREFETCH_LATE < PREFETCH_NEXT);
const _: () = assert!(PREFETCH_NEXT < PREFETCH_HOME);

/// Counters of what the engine did, one per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Counters {
    /// Sessions established.
    pub established: u64,
    /// Refreshes the engine asked the host to send (first tries and retries).
    pub refreshes_sent: u64,
    /// 2xx responses to refreshes, and refreshes the host reported received.
    pub refreshes_succeeded: u64,
    /// Teardowns: [`Teardown::NoRefreshReceived`].
    pub no_refresh_received: u64,
    /// Teardowns: [`Teardown::RefreshUnanswered`].
    pub refresh_unanswered: u64,
    /// Teardowns: [`Teardown::RefreshRejected`].
    pub refresh_rejected: u64,
    /// Teardowns: [`Teardown::TooMany422`].
    pub too_many_422: u64,
    /// Teardowns: [`Teardown::Expired`].
    pub expired: u64,
    /// Teardowns: [`Teardown::RemovedByHost`].
    pub removed_by_host: u64,
}

impl Counters {
    fn count(&mut self, reason: Teardown) {
        tick(match reason {
            Teardown::NoRefreshReceived => &mut self.no_refresh_received,
            Teardown::RefreshUnanswered => &mut self.refresh_unanswered,
            Teardown::RefreshRejected(_) => &mut self.refresh_rejected,
            Teardown::TooMany422 => &mut self.too_many_422,
            Teardown::Expired => &mut self.expired,
            Teardown::RemovedByHost => &mut self.removed_by_host,
        });
    }
}

/// Counts one more; a counter restored near `u64::MAX` stays there.
fn tick(counter: &mut u64) {
    *counter = counter.saturating_add(1);
}

/// What a session's one timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
enum Phase {
    /// No timer runs.
    Idle = 0,
    /// We refresh at the deadline.
    RefreshDue = 1,
    /// The peer refreshes; BYE at the deadline.
    ByeDue = 2,
    /// Our refresh is out; BYE at expiry if unanswered.
    InFlight = 3,
    /// Our refresh is retried at the deadline.
    RetryDue = 4,
    /// A proxy's session; dropped at expiry.
    ProxyExpiry = 5,
    /// An offer of the host's is out; our refresh is due at the deadline but
    /// waits for the offer's answer ([`Engine::offer_started`]).
    OfferHeld = 6,
    /// Our refresh fell due while the host's offer was out: it goes when that
    /// offer fails, or the offer's 2xx counts as the refresh; expiry at the deadline.
    RefreshWaiting = 7,
    /// The peer refreshes but went silent: our refresh on its behalf is out
    /// ([`Policy::refresh_for_silent_peer`]); BYE at expiry if unanswered.
    InFlightForPeer = 8,
}

impl Phase {
    const ALL: [Phase; 9] = [
        Phase::Idle,
        Phase::RefreshDue,
        Phase::ByeDue,
        Phase::InFlight,
        Phase::RetryDue,
        Phase::ProxyExpiry,
        Phase::OfferHeld,
        Phase::RefreshWaiting,
        Phase::InFlightForPeer,
    ];

    /// The phase written as `byte` (`phase as u8`), if any is.
    #[inline(always)]
    fn from_byte(byte: u8) -> Option<Phase> {
        Phase::ALL.get(usize::from(byte)).copied()
    }

    /// The phase a slot stored as `bits`; a slot stores no other.
    #[inline(always)]
    fn from_bits(bits: u8) -> Phase {
        debug_assert!(Phase::from_byte(bits).is_some(), "phase {bits}");
        Phase::from_byte(bits).unwrap_or(Phase::Idle)
    }

    /// Whether we are the refresher in this phase.
    const fn ours(self) -> bool {
        matches!(
            self,
            Phase::RefreshDue
                | Phase::InFlight
                | Phase::RetryDue
                | Phase::OfferHeld
                | Phase::RefreshWaiting
        )
    }
}

/// Failures of the refresh in flight so far. Kept aside, by key: few
/// sessions are retrying a refresh at once, and the slot stays small.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Retries {
    /// Retries after failures other than 422.
    attempts: u8,
    /// 422 answers.
    retries_422: u8,
}

/// Many sessions' timers and refresh lifecycles.
///
/// ```
/// use sessiontimer::{ActionKind, Engine, EngineConfig, Negotiated, Session, Side, Teardown};
///
/// let mut engine = Engine::new(EngineConfig::default())?;
/// // A dialog whose peer refreshes every 90 s; its 2xx went out at t = 0.
/// let timer = Negotiated { interval: 90, refresher: Side::Remote };
/// engine.establish(7, Session::started(Some(timer), 0)?)?;
/// // The host sleeps until next_deadline() and polls; the peer stays silent.
/// let due = engine.next_deadline().expect("a timer runs");
/// let action = engine.poll(60_000).expect("the BYE is due");
/// assert!(due <= action.at_ms);
/// assert_eq!(action.kind, ActionKind::SendBye(Teardown::NoRefreshReceived));
/// assert!(engine.is_empty());
/// # Ok::<(), sessiontimer::Error>(())
/// ```
pub struct Engine {
    config: EngineConfig,
    table: Table<Slot>,
    wheel: Wheel,
    actions: VecDeque<Action>,
    counters: Counters,
    rng: Box<dyn RandomSource>,
    journal: journal::Journal,
    /// The sessions retrying a refresh, by key.
    retrying: HashMap<u64, Retries, foldhash::fast::RandomState>,
    /// The intervals and Min-SE values too large for their slot.
    wide: Wide,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("sessions", &self.len())
            .field("next_deadline", &self.next_deadline())
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An empty engine.
    ///
    /// # Errors
    /// As [`Policy::validate`]; a `max_sessions` above 2^31 - 1.
    pub fn new(config: EngineConfig) -> Result<Self> {
        let rng = Box::new(SplitMix64(config.seed));
        Engine::with_random_source(config, rng)
    }

    /// An empty engine drawing its random numbers from `rng`.
    ///
    /// # Errors
    /// As [`Engine::new`].
    pub fn with_random_source(config: EngineConfig, rng: Box<dyn RandomSource>) -> Result<Self> {
        config.policy.validate()?;
        if config.max_sessions > crate::limits::MAX_ENGINE_SESSIONS {
            return Err(Error::EngineFull {
                max: config.max_sessions,
            });
        }
        Ok(Engine {
            config,
            table: Table::new(),
            wheel: Wheel::new(0),
            actions: VecDeque::new(),
            counters: Counters::default(),
            rng,
            journal: journal::Journal::default(),
            retrying: HashMap::default(),
            wide: Wide::default(),
        })
    }

    /// Reserves room for `additional` more sessions, so a host that knows its
    /// scale pays for growth once. Never more than `max_sessions` allows: a
    /// larger request reserves up to the cap.
    ///
    /// # Errors
    /// [`Error::OutOfMemory`] when the memory cannot be had (nothing is
    /// reserved then, and the process goes on).
    pub fn reserve(&mut self, additional: usize) -> Result<()> {
        let additional = additional.min(self.config.max_sessions.saturating_sub(self.len()));
        let failed = |_| Error::OutOfMemory {
            sessions: additional,
        };
        if self.table.try_reserve(additional).map_err(failed)? {
            self.slots_moved();
        }
        Ok(())
    }

    /// The settings.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The bytes of memory the engine maps for itself, outside the global
    /// allocator: its table's slots, 32 bytes a position, in whole pages
    /// (the kernel backs a large table with huge pages where it has them).
    /// A host that counts its memory by allocator adds these.
    pub fn mapped_bytes(&self) -> usize {
        self.table.mapped_bytes()
    }

    /// How many sessions the engine holds.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the engine holds no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The counters.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// The session under `key`, if any.
    pub fn session(&self, key: u64) -> Option<Session> {
        self.find(key).map(|i| self.table[i].session(&self.wide))
    }

    #[inline]
    fn find(&self, key: u64) -> Option<u32> {
        self.table.find(key)
    }

    #[inline(always)]
    fn slot_of(&self, key: u64) -> Result<u32> {
        self.find(key).ok_or(Error::UnknownSession(key))
    }

    /// Starts tracking a dialog's session under `key`: from
    /// [`crate::Uac::establish`], or a [`Session`] the host applied a UAS
    /// decision to when it sent the 2xx.
    ///
    /// # Errors
    /// [`Error::DuplicateSession`], also while the BYE (or end) of an earlier
    /// session under `key` waits to be polled; [`Error::EngineFull`] past
    /// the cap (nothing is dropped silently).
    //
    // Always inlined in the host's loop. Out of line, a call saves and
    // restores registers, and those stores queue behind the stores to the
    // slots of the sessions just established, whose lines are still on their
    // way: fewer establishments overlap. A million in the engine bench's loop
    // took 206-212 ms out of line, 123-136 ms inlined.
    #[inline(always)]
    pub fn establish(&mut self, key: u64, session: Session) -> Result<()> {
        let vacancy = self.admit(key)?;
        let packed = session.pack();
        // The slot is written once, armed: a new session's slot is rarely in
        // cache, and each store to it waits for its line.
        let (phase, deadline) = self.timer_after_refresh(&session);
        let (_, interval, min_se, _) = packed;
        if phase != Phase::Idle && slot::fits_narrow(interval, min_se) {
            let links = self.wheel.insert_links(vacancy.pos, key, deadline);
            self.store_new(vacancy, key, |vacant| {
                vacant.set_narrow_armed(key, packed, links, phase)
            });
        } else {
            let slot = self.new_slot(vacancy.pos, key, packed, phase, deadline);
            self.store_new(vacancy, key, |vacant| *vacant = slot);
        }
        tick(&mut self.counters.established);
        Ok(())
    }

    /// The slot of a new session under `key` at `pos`, the way every
    /// session but [`Engine::establish`]'s usual one is built: not armed
    /// when `phase` is idle, else its timer filed at `deadline`.
    #[cold]
    #[inline(never)]
    fn new_slot(
        &mut self,
        pos: u32,
        key: u64,
        session: Packed,
        phase: Phase,
        deadline: u64,
    ) -> Slot {
        let mut slot = Slot::vacant(key);
        slot.store(session, &mut self.wide);
        if phase != Phase::Idle {
            slot.set_phase(phase);
            slot.set_links(self.wheel.insert_links(pos, key, deadline));
        }
        slot
    }

    /// Starts tracking a proxy's view of a session under `key`: the interval of
    /// the 2xx it forwarded at `now_ms` (section 8.2). At expiry the engine
    /// reports [`ActionKind::SessionEnded`], never a BYE (section 8.3).
    ///
    /// # Errors
    /// As [`Engine::establish`]; [`Error::IntervalBelowMinimum`] below 90 s.
    pub fn establish_proxy(&mut self, key: u64, interval: u32, now_ms: u64) -> Result<()> {
        crate::session::check_seconds(interval)?;
        let i = self.allocate(key, (now_ms, interval, 0, 0))?;
        tick(&mut self.counters.established);
        self.arm(i, Phase::ProxyExpiry, slot::expiry(now_ms, interval));
        Ok(())
    }

    /// Stores `session` (not armed) under `key`, a new one.
    fn allocate(&mut self, key: u64, session: Packed) -> Result<u32> {
        let vacancy = self.admit(key)?;
        let slot = self.new_slot(vacancy.pos, key, session, Phase::Idle, 0);
        self.store_new(vacancy, key, |vacant| *vacant = slot);
        Ok(vacancy.pos)
    }

    /// Stores a new session's slot for `key` where [`Engine::admit`] made
    /// room for it, `write` filling it in (see [`Table::occupy`]). Always
    /// inlined, as `admit` is.
    #[inline(always)]
    fn store_new(&mut self, vacancy: Vacancy, key: u64, write: impl FnOnce(&mut Slot)) {
        self.table.occupy(vacancy, key, write);
        self.note(vacancy.pos, ChangeKind::Established);
    }

    /// Checks that `key` may start a session (it is new, the engine is not
    /// full) and makes room for it: the position its slot will take.
    //
    // Always inlined into `establish`, as the wheel's filing and
    // `store_new` are: each call out of line saved and restored registers,
    // stores that queue behind those to the new slots still on their way.
    // A million establishments one call each took 131-156 ms with these
    // three out of line, 100-111 ms inlined (medians of 12 alternating
    // runs); through `establish_batch`, 79-91 ms against 68-78 ms.
    #[inline(always)]
    fn admit(&mut self, key: u64) -> Result<Vacancy> {
        let vacant = match self.table.lookup(key) {
            Lookup::Vacant(vacancy) if !self.queued(key) => vacancy,
            _ => return Err(Error::DuplicateSession(key)),
        };
        if self.len() >= self.config.max_sessions {
            return Err(Error::EngineFull {
                max: self.config.max_sessions,
            });
        }
        if !self.table.reserve(1) {
            return Ok(vacant);
        }
        // Rebuilt: every slot moved, the vacancy too.
        self.slots_moved();
        Ok(self.table.vacancy(key))
    }

    /// Files every timer again after the table was rebuilt, which moved
    /// every slot.
    fn slots_moved(&mut self) {
        if self.wheel.len() > 0 {
            self.wheel.rebuild(self.table.slots_mut());
        }
    }

    /// Whether an action for `key` waits to be polled (constant time when
    /// none waits, the usual case).
    fn queued(&self, key: u64) -> bool {
        !self.actions.is_empty() && self.actions.iter().any(|a| a.key == key)
    }

    /// Drops slot `i`'s session: its retries, its timer, its slot.
    //
    // Always inlined, with the wheel's `remove_armed`, as `remove` is: out of
    // line, 200,000 cancels one call each took 30-31 ms, inlined 24-25 ms
    // (medians of 5 alternating runs); batched and firing did not move.
    #[inline(always)]
    fn release(&mut self, i: u32) {
        self.set_retries(self.table[i].key, Retries::default());
        self.wide.forget(&self.table[i]);
        self.wheel.remove(self.table.slots_mut(), i);
        self.table.remove(i);
    }

    fn arm(&mut self, i: u32, phase: Phase, deadline: u64) {
        let slot = self.table[i];
        self.arm_slot(i, slot, slot.links(), phase, deadline);
    }

    /// Stores `slot` at `i` in `phase`, its timer at `deadline`; `before`
    /// are the timer's links as the wheel filed them (a refresh stored
    /// since moves the slot's own, see [`Slot::store`]). The slot is
    /// written once, then the wheel moves it. The usual re-arm (a refresh
    /// moves a timer in a bucket later) changes only the slot, written last:
    /// after a store into the table the compiler reloads the engine's fields,
    /// and each reload lengthens the call. Always inlined, as the re-arm
    /// that uses it is (see [`Engine::refreshed`]).
    #[inline(always)]
    fn arm_slot(&mut self, i: u32, mut slot: Slot, before: Links, phase: Phase, deadline: u64) {
        self.note(i, ChangeKind::Updated);
        slot.set_phase(phase);
        let in_place = match phase {
            Phase::Idle => None,
            _ => Wheel::moved_later(before, deadline),
        };
        if let Some(links) = in_place {
            slot.set_links(links);
        }
        self.table[i] = slot;
        match (in_place, phase) {
            (Some(_), _) => {}
            (None, Phase::Idle) => self.wheel.remove(self.table.slots_mut(), i),
            (None, _) => self.wheel.refile(self.table.slots_mut(), i, deadline),
        }
    }

    /// Arms the timer that follows a successful refresh of `session`, the
    /// new state of slot `i` (`slot`), whose links were `before`, and clears
    /// the retry counters.
    #[inline(always)]
    fn rearm_refreshed(&mut self, i: u32, slot: Slot, before: Links, session: &Session) {
        self.set_retries(slot.key, Retries::default());
        let (phase, deadline) = self.timer_after_refresh(session);
        self.arm_slot(i, slot, before, phase, deadline);
    }

    /// The timer that follows a successful refresh of `session`: ours
    /// at half the interval (less jitter), the peer's BYE deadline, or none.
    fn timer_after_refresh(&mut self, session: &Session) -> (Phase, u64) {
        let margin = self.config.policy.bye_margin;
        if let Some(at) = session.refresh_at_ms() {
            let bound = u64::from(session.timer().map_or(0, |t| t.interval)) * 250;
            let jitter = rng::up_to(
                &mut *self.rng,
                u64::from(self.config.refresh_jitter_ms).min(bound),
            );
            // Never before the refresh itself, even where times saturate.
            (
                Phase::RefreshDue,
                at.saturating_sub(jitter).max(session.refreshed_at_ms()),
            )
        } else if let Some(at) = session.bye_at_ms(margin) {
            (Phase::ByeDue, at)
        } else {
            (Phase::Idle, 0)
        }
    }

    /// A 2xx to an INVITE or UPDATE on the dialog was sent (we answered the
    /// peer's refresh, or any re-INVITE/UPDATE) or received outside
    /// [`Engine::on_refresh_response`], at `now_ms`: the timer becomes `timer`
    /// and restarts (RFC 4028 sections 7.2 and 9; also when the request was not
    /// meant as a refresh).
    ///
    /// A `now_ms` earlier than the session's last refresh (a host clock that
    /// went backwards) counts as that refresh's time: a session's time never
    /// runs backwards.
    ///
    /// # Errors
    /// [`Error::UnknownSession`]; [`Error::IntervalBelowMinimum`] for a timer
    /// below 90 s (nothing changes).
    //
    // Always inlined, with every step of its usual case (`slot_of`,
    // `refresh_slot`, `rearm_refreshed`, `arm_slot`), as `establish` is:
    // which of them the compiler inlined changed with the code around the
    // host's loop. The engine bench's loop called `refresh_slot` out of line:
    // 3M re-arms 332-465 ms, against 249-263 ms inlined (alternating runs).
    // The C bench's loop called `rearm_refreshed` out of line: 139 ns a
    // re-arm, against 79 ns with the whole chain inlined (117 ns when the
    // loop's call itself stays out of line, as a call from C does).
    #[inline(always)]
    pub fn refreshed(&mut self, key: u64, now_ms: u64, timer: Option<Negotiated>) -> Result<()> {
        crate::session::check_interval(timer)?;
        let i = self.slot_of(key)?;
        self.refresh_slot(i, now_ms, timer);
        Ok(())
    }

    /// Many [`Engine::refreshed`] reports at once, in order, for a host that
    /// gathers them (the messages of one read from the socket). The memory
    /// of the reports ahead is fetched while one is applied, so the cache
    /// misses of their lookups overlap instead of waiting on each other.
    /// Returns the position and error of each report that failed (an
    /// unknown key, a timer below 90 s); the others apply.
    pub fn refreshed_batch(&mut self, batch: &[Refreshed]) -> Vec<(usize, Error)> {
        self.refreshed_batch_by(batch, |report| *report)
    }

    /// [`Engine::refreshed_batch`] of a host's own reports, each made into a
    /// [`Refreshed`] by `report` as it is reached: a binding applies the
    /// array it was handed without copying it first.
    pub fn refreshed_batch_by<T>(
        &mut self,
        batch: &[T],
        report: impl Fn(&T) -> Refreshed,
    ) -> Vec<(usize, Error)> {
        let fetch_next = Table::prefetch_match;
        self.each_prefetched(
            batch,
            |item| report(item).key,
            fetch_next,
            Self::fetch_nothing_late,
            |engine, item, start| {
                let report = report(item);
                crate::session::check_interval(report.timer)?;
                let found = engine.table.find_from(report.key, start);
                let i = found.ok_or(Error::UnknownSession(report.key))?;
                engine.refresh_slot(i, report.now_ms, report.timer);
                Ok(())
            },
        )
    }

    /// Many [`Engine::establish`] calls at once, in order, the memory of the
    /// sessions ahead fetched as in [`Engine::refreshed_batch`] (the free
    /// slot each would take, where a re-arm fetches its key's). Returns the position and error of each session
    /// that failed (a duplicate key, the cap); the others are established.
    pub fn establish_batch(&mut self, batch: &[(u64, Session)]) -> Vec<(usize, Error)> {
        let fetch_next = Table::prefetch_vacancy;
        self.each_prefetched(
            batch,
            |&(key, _)| key,
            fetch_next,
            Self::fetch_nothing_late,
            |engine, &(key, session), _| engine.establish(key, session),
        )
    }

    /// Many [`Engine::remove`] calls at once, in order, the memory of the
    /// sessions ahead fetched as in [`Engine::refreshed_batch`] (a host ending
    /// many dialogs at once: a trunk gone down, a node shutting down). The
    /// sessions are dropped. Returns the position and error of each key that
    /// failed ([`Error::UnknownSession`]); the others are removed.
    pub fn remove_batch(&mut self, keys: &[u64]) -> Vec<(usize, Error)> {
        let fetch_next = Table::prefetch_match;
        self.each_prefetched(
            keys,
            |&key| key,
            fetch_next,
            Self::fetch_removal,
            |engine, &key, _| engine.remove(key).map(drop),
        )
    }

    /// Starts fetching what removing `key` writes in the wheel (its place in
    /// its bucket, and the timer that moves into it), once `key`'s slot is in
    /// cache: a hint.
    fn fetch_removal(&self, key: u64, start: Start) {
        if let Some(i) = self.table.find_from(key, start) {
            self.wheel.prefetch_removal(self.table.slots(), i);
        }
    }

    /// No late stage: a batch whose items read nothing past their slot.
    fn fetch_nothing_late(&self, _key: u64, _start: Start) {}

    /// Applies `apply` to each item of `batch`, in order, with where its
    /// key's probe starts; returns the position and error of each that
    /// failed. Each key is hashed once, [`PREFETCH_HOME`] places ahead of
    /// its item, when the table starts fetching its control bytes and home
    /// slot; [`PREFETCH_NEXT`] places ahead, `fetch_next` starts fetching the
    /// slot its lookup goes to next; [`PREFETCH_LATE`] places ahead,
    /// `fetch_late` what applying it reads after the slot. Hints only: a
    /// prefetch never waits, and nothing depends on it.
    fn each_prefetched<T>(
        &mut self,
        batch: &[T],
        key: impl Fn(&T) -> u64,
        fetch_next: fn(&Table<Slot>, Start),
        fetch_late: fn(&Self, u64, Start),
        mut apply: impl FnMut(&mut Self, &T, Start) -> Result<()>,
    ) -> Vec<(usize, Error)> {
        let mut failed = Vec::new();
        // The starts of the next PREFETCH_HOME items, item n's at n % PREFETCH_HOME.
        let mut ahead = [Start::default(); PREFETCH_HOME];
        for (start, item) in ahead.iter_mut().zip(batch) {
            *start = self.start_prefetched(key(item));
        }
        for (n, item) in batch.iter().enumerate() {
            let start = ahead[n % PREFETCH_HOME];
            if let Some(later) = batch.get(n + PREFETCH_HOME) {
                ahead[n % PREFETCH_HOME] = self.start_prefetched(key(later));
            }
            if n + PREFETCH_NEXT < batch.len() {
                fetch_next(&self.table, ahead[(n + PREFETCH_NEXT) % PREFETCH_HOME]);
            }
            if let Some(late) = batch.get(n + PREFETCH_LATE) {
                fetch_late(self, key(late), ahead[(n + PREFETCH_LATE) % PREFETCH_HOME]);
            }
            if let Err(e) = apply(self, item, start) {
                failed.push((n, e));
            }
        }
        failed
    }

    /// Where `key`'s probe starts, its memory fetched from there on.
    fn start_prefetched(&self, key: u64) -> Start {
        let start = self.table.start_of(key);
        self.table.prefetch(start);
        start
    }

    /// The refresh of slot `i`: read once, written once. Every step of a
    /// re-arm counts: a host's calls overlap their memory reads only as far
    /// as the CPU sees past the work between them. Always inlined (see
    /// [`Engine::refreshed`]). The usual refresh (a narrow session, see
    /// [`slot`], the journal off, no session retrying) calls nothing, so
    /// the slot's bounds, checked where it is read, need no check where it
    /// is written; any other takes a path of its own, out of line.
    #[inline(always)]
    fn refresh_slot(&mut self, i: u32, now_ms: u64, timer: Option<Negotiated>) {
        let slot = self.table[i];
        let usual = slot.stays_narrow(timer) && !self.journal.enabled;
        if !usual || !self.retrying.is_empty() {
            return self.refresh_slot_aside(i, now_ms, timer);
        }
        self.refresh_slot_as::<true>(i, slot, now_ms, timer);
    }

    /// [`Engine::refresh_slot`] of a wide session, or of one that becomes
    /// wide, or while the journal is on or a session retries.
    #[cold]
    #[inline(never)]
    fn refresh_slot_aside(&mut self, i: u32, now_ms: u64, timer: Option<Negotiated>) {
        let slot = self.table[i];
        if slot.stays_narrow(timer) {
            self.refresh_slot_as::<true>(i, slot, now_ms, timer);
        } else {
            self.refresh_slot_as::<false>(i, slot, now_ms, timer);
        }
    }

    /// [`Engine::refresh_slot`] of `slot`, narrow before and after when
    /// `NARROW`.
    #[inline(always)]
    fn refresh_slot_as<const NARROW: bool>(
        &mut self,
        i: u32,
        mut slot: Slot,
        now_ms: u64,
        timer: Option<Negotiated>,
    ) {
        let before = slot.links();
        let mut session = match NARROW {
            true => slot.narrow_session(),
            false => slot.session(&self.wide),
        };
        session.set_timer(timer, now_ms.max(session.refreshed_at_ms()));
        tick(&mut self.counters.refreshes_succeeded);
        self.note(i, ChangeKind::Refreshed);
        self.set_retries(slot.key, Retries::default());
        let (phase, deadline) = self.timer_after_refresh(&session);
        if NARROW {
            let in_place = Wheel::moved_later(before, deadline).filter(|_| phase != Phase::Idle);
            if let Some(links) = in_place {
                // The usual re-arm: the slot's deadline and fields are all
                // that change, written in three stores (about 10
                // instructions fewer than storing the session, then the
                // links; 3 fewer than writing the whole slot).
                self.table[i].set_rearmed_in_place(session.pack(), links, phase);
                return;
            }
            slot.store_refreshed_narrow(session.pack());
        } else {
            slot.store(session.pack(), &mut self.wide);
        }
        self.arm_slot(i, slot, before, phase, deadline);
    }

    /// A mid-dialog INVITE or UPDATE from the peer: the UAS decision, with the
    /// peer's support and Min-SE recorded. Call [`Engine::refreshed`] with the
    /// decision's timer when the 2xx is sent.
    ///
    /// # Errors
    /// [`Error::UnknownSession`].
    pub fn answer(
        &mut self,
        key: u64,
        method: Method,
        request: &TimerHeaders,
    ) -> Result<UasDecision> {
        let uas = Uas::from_valid(self.config.policy);
        self.with_session(key, |session| session.answer(&uas, method, request))
    }

    /// A mid-dialog INVITE or UPDATE on one leg of a back-to-back UA, whose
    /// session this engine holds: [`B2bua::on_in_dialog_request`] on the stored
    /// session. On [`InDialogAction::Consume`], answer it on this leg and call
    /// [`Engine::refreshed`] when the 2xx is sent; on [`InDialogAction::Relay`],
    /// send it on the other leg and, once that leg answers 2xx, answer this one
    /// with [`Engine::answer`].
    ///
    /// # Errors
    /// [`Error::UnknownSession`].
    pub fn on_in_dialog_request(
        &mut self,
        key: u64,
        b2bua: &B2bua,
        leg: Leg,
        method: Method,
        request: &TimerHeaders,
        kind: RefreshKind,
    ) -> Result<InDialogAction> {
        self.with_session(key, |session| {
            b2bua.on_in_dialog_request(leg, session, method, request, kind)
        })
    }

    /// Runs `change` on the stored session of `key` (without touching its timers).
    fn with_session<R>(&mut self, key: u64, change: impl FnOnce(&mut Session) -> R) -> Result<R> {
        let i = self.slot_of(key)?;
        let mut session = self.table[i].session(&self.wide);
        let result = change(&mut session);
        self.table[i].store(session.pack(), &mut self.wide);
        self.note(i, ChangeKind::Updated);
        Ok(result)
    }

    /// The final response to a refresh the engine asked for (or to any
    /// re-INVITE or UPDATE the host sent on the dialog) arrived at `now_ms`. A
    /// transaction timeout is reported as 408. The outcome comes out of
    /// [`Engine::poll`]: a retry, a BYE, or nothing (the timer re-armed).
    ///
    /// The lifecycle: a 2xx re-arms; 422 retries at once with the larger
    /// interval (up to the policy's cap); 405 or 501 to UPDATE retries at once as
    /// re-INVITE and keeps to re-INVITE; 491 retries after RFC 3261 section
    /// 14.1's random delay; 408 or 481 ends the session with BYE; 502 or 503
    /// retries after `retry_delay_ms`, any other failure halfway to expiry, up
    /// to `max_refresh_retries`, then BYE. Retries never go past expiry.
    ///
    /// A `now_ms` earlier than the session's last refresh counts as that
    /// refresh's time, as in [`Engine::refreshed`].
    ///
    /// # Errors
    /// [`Error::UnknownSession`].
    pub fn on_refresh_response(
        &mut self,
        key: u64,
        now_ms: u64,
        status: u16,
        response: &TimerHeaders,
    ) -> Result<()> {
        let i = self.slot_of(key)?;
        let policy = self.config.policy;
        let mut session = self.table[i].session(&self.wide);
        // The session's clock never runs backwards; actions carry the host's `now`.
        let session_now = now_ms.max(session.refreshed_at_ms());
        let sent = session.refresh_request(&policy);
        let result = session.on_refresh_response(&policy, session_now, status, &sent, response);
        let before = self.table[i].links();
        self.table[i].store(session.pack(), &mut self.wide);
        self.note(i, ChangeKind::Updated);
        let phase = self.table[i].phase();
        let in_flight = matches!(phase, Phase::InFlight | Phase::InFlightForPeer);
        match result {
            RefreshOutcome::Refreshed(_) => {
                tick(&mut self.counters.refreshes_succeeded);
                self.note(i, ChangeKind::Refreshed);
                self.rearm_refreshed(i, self.table[i], before, &session);
            }
            RefreshOutcome::Terminate => {
                let reason = match status {
                    408 => Teardown::RefreshUnanswered,
                    _ => Teardown::RefreshRejected(status),
                };
                self.teardown(i, now_ms, reason);
            }
            _ if !in_flight => self.release_held_refresh(i, now_ms),
            // A refresh on a silent peer's behalf gets one chance (and its 422
            // or UPDATE-to-INVITE retries); any other failure ends the call.
            RefreshOutcome::RetryAfterGlare | RefreshOutcome::Failed { .. }
                if phase == Phase::InFlightForPeer =>
            {
                self.teardown(i, now_ms, Teardown::RefreshRejected(status));
            }
            RefreshOutcome::Retry(request) => {
                if status == 422 {
                    let mut retries = self.retries(key);
                    retries.retries_422 = retries.retries_422.saturating_add(1);
                    self.set_retries(key, retries);
                    if retries.retries_422 > policy.max_422_retries {
                        self.teardown(i, now_ms, Teardown::TooMany422);
                        return Ok(());
                    }
                }
                tick(&mut self.counters.refreshes_sent);
                self.push(i, now_ms, ActionKind::SendRefresh(request));
            }
            RefreshOutcome::RetryAfterGlare => {
                let owns = session.owns_call_id();
                let steps = if owns { 190 } else { 200 };
                let base = if owns { 2100 } else { 0 };
                let delay = base + 10 * rng::up_to(&mut *self.rng, steps);
                self.retry_at(i, now_ms, session_now.saturating_add(delay), status);
            }
            RefreshOutcome::Failed { status } => {
                let mut retries = self.retries(key);
                retries.attempts = retries.attempts.saturating_add(1);
                self.set_retries(key, retries);
                let slot = self.table[i];
                if retries.attempts > self.config.max_refresh_retries {
                    self.teardown(i, now_ms, Teardown::RefreshRejected(status));
                    return Ok(());
                }
                let at = match status {
                    502 | 503 => session_now.saturating_add(u64::from(self.config.retry_delay_ms)),
                    _ => session_now + slot.expires_at(&self.wide).saturating_sub(session_now) / 2,
                };
                self.retry_at(i, now_ms, at, status);
            }
        }
        Ok(())
    }

    /// The host starts an offer/answer of its own on the dialog at `now_ms` (a
    /// re-INVITE or UPDATE for a hold or a codec change). A refresh of ours that
    /// falls due meanwhile waits for it: one INVITE transaction at a time
    /// (RFC 3261 section 14.1), so a refresh never collides with the offer.
    /// Report the offer's final response with [`Engine::on_refresh_response`]:
    /// a 2xx counts as the refresh (its timer headers, or none, set the timer,
    /// RFC 4028 section 10); a failure sends the waiting refresh at once, or
    /// lets it fall due at its time. A refresh is never dropped nor sent twice.
    ///
    /// Returns `false` (and changes nothing) while a refresh of ours is in
    /// flight: the host waits for its answer, then starts the offer.
    ///
    /// # Errors
    /// [`Error::UnknownSession`].
    pub fn offer_started(&mut self, key: u64) -> Result<bool> {
        let i = self.slot_of(key)?;
        self.note(i, ChangeKind::Updated);
        let slot = &mut self.table[i];
        match slot.phase() {
            Phase::InFlight | Phase::InFlightForPeer => return Ok(false),
            // The deadline in the wheel stays: only what happens then changes.
            Phase::RefreshDue | Phase::RetryDue => slot.set_phase(Phase::OfferHeld),
            _ => {}
        }
        Ok(true)
    }

    /// A failure answered the host's offer: the refresh it held goes back to
    /// its time, or, when it fell due meanwhile, goes now.
    fn release_held_refresh(&mut self, i: u32, now_ms: u64) {
        let slot = &mut self.table[i];
        match slot.phase() {
            Phase::OfferHeld => slot.set_phase(Phase::RefreshDue),
            Phase::RefreshWaiting => self.send_refresh(i, now_ms),
            _ => {}
        }
    }

    /// The failures so far of `key`'s refresh in flight.
    fn retries(&self, key: u64) -> Retries {
        self.retrying.get(&key).copied().unwrap_or_default()
    }

    /// Records the failures so far of `key`'s refresh; none forgets them.
    /// Inline only the test that there is nothing to forget, the usual case.
    #[inline]
    fn set_retries(&mut self, key: u64, retries: Retries) {
        if retries != Retries::default() || !self.retrying.is_empty() {
            self.store_retries(key, retries);
        }
    }

    #[cold]
    #[inline(never)]
    fn store_retries(&mut self, key: u64, retries: Retries) {
        if retries == Retries::default() {
            self.retrying.remove(&key);
        } else {
            self.retrying.insert(key, retries);
        }
    }

    /// Hands out our refresh now; BYE at expiry if it stays unanswered.
    fn send_refresh(&mut self, i: u32, at: u64) {
        self.send_refresh_in(i, at, Phase::InFlight);
    }

    /// Hands out a refresh now, then waits in `phase` until expiry.
    fn send_refresh_in(&mut self, i: u32, at: u64, phase: Phase) {
        let slot = self.table[i];
        let request = slot
            .session(&self.wide)
            .refresh_request(&self.config.policy);
        tick(&mut self.counters.refreshes_sent);
        self.push(i, at, ActionKind::SendRefresh(request));
        self.arm(i, phase, slot.expires_at(&self.wide));
    }

    /// Schedules a retry at `at`, or gives up with BYE when that is not before expiry.
    fn retry_at(&mut self, i: u32, now_ms: u64, at: u64, status: u16) {
        if at < self.table[i].expires_at(&self.wide) {
            self.arm(i, Phase::RetryDue, at);
        } else {
            self.teardown(i, now_ms, Teardown::RefreshRejected(status));
        }
    }

    /// Forgets the session under `key` (the host ended the dialog), returning
    /// it. Every action queued for `key` and not yet polled goes with it, so
    /// none can reach a later dialog under the same key.
    ///
    /// # Errors
    /// [`Error::UnknownSession`] (queued actions are dropped all the same).
    //
    // Always inlined, as `establish` is: 200,000 cancels in the engine
    // bench's loop 42 -> 35 ms, and through `remove_batch` 19 -> 16 ms.
    #[inline(always)]
    pub fn remove(&mut self, key: u64) -> Result<Session> {
        if self.queued(key) {
            self.actions.retain(|a| a.key != key);
        }
        let i = self.slot_of(key)?;
        let session = self.table[i].session(&self.wide);
        self.counters.count(Teardown::RemovedByHost);
        self.note(i, ChangeKind::Removed);
        self.release(i);
        Ok(session)
    }

    /// When the host must call [`Engine::poll`] next, `None` when no timer
    /// runs. Never later than the earliest deadline: exact when that deadline
    /// falls in the wheel's current 64 ms window, otherwise the start of its wheel
    /// slot; an action already waiting gives its (past) due time. Constant time.
    #[must_use]
    pub fn next_deadline(&self) -> Option<u64> {
        match self.actions.front() {
            Some(action) => Some(action.at_ms),
            None => self.wheel.next_expiration(),
        }
    }

    /// The next action due at or before `now_ms`, in deadline order (ties by
    /// key); `None` when nothing is due. Call it until it returns `None`.
    ///
    /// A BYE or end is reported after the engine forgot the session; until it
    /// is polled (or [`Engine::remove`] drops it), the key cannot be reused.
    #[must_use = "an action not acted on is lost"]
    pub fn poll(&mut self, now_ms: u64) -> Option<Action> {
        if self.make_due(now_ms) {
            self.actions.pop_front()
        } else {
            None
        }
    }

    /// The action [`Engine::poll`] would return, left in place: a host that
    /// cannot act on it yet (its buffer is too small) polls it later. An
    /// action left here is dropped by [`Engine::remove`] of its key.
    #[must_use]
    pub fn peek(&mut self, now_ms: u64) -> Option<&Action> {
        if self.make_due(now_ms) {
            self.actions.front()
        } else {
            None
        }
    }

    /// Fires due timers until an action waits at the front of the queue;
    /// false when nothing is due.
    fn make_due(&mut self, now_ms: u64) -> bool {
        loop {
            if let Some(action) = self.actions.front() {
                // A refresh queued before its session ended (a 408 to an
                // earlier refresh, say) is never handed out.
                let stale = matches!(action.kind, ActionKind::SendRefresh(_))
                    && self.find(action.key).is_none();
                if !stale {
                    return true;
                }
                self.actions.pop_front();
                continue;
            }
            let (slots, ctrl) = self.table.slots_mut_and_ctrl();
            let Some((i, at)) = self.wheel.pop_due(slots, now_ms, |slots, i| {
                // Firing reads all of the slot, and its release the
                // control bytes around it.
                prefetch_item(slots, i as usize);
                ctrl.prefetch(i as usize);
            }) else {
                return false;
            };
            self.fire(i, at);
        }
    }

    fn push(&mut self, i: u32, at_ms: u64, kind: ActionKind) {
        let key = self.table[i].key;
        self.actions.push_back(Action { key, at_ms, kind });
    }

    fn teardown(&mut self, i: u32, at_ms: u64, reason: Teardown) {
        self.counters.count(reason);
        let kind = if self.table[i].phase() == Phase::ProxyExpiry {
            ActionKind::SessionEnded(reason)
        } else {
            ActionKind::SendBye(reason)
        };
        self.push(i, at_ms, kind);
        self.note(i, ChangeKind::TornDown);
        self.release(i);
    }

    fn fire(&mut self, i: u32, at: u64) {
        let slot = self.table[i];
        match slot.phase() {
            Phase::RefreshDue | Phase::RetryDue if at < slot.expires_at(&self.wide) => {
                self.send_refresh(i, at)
            }
            Phase::OfferHeld if at < slot.expires_at(&self.wide) => {
                self.arm(i, Phase::RefreshWaiting, slot.expires_at(&self.wide))
            }
            Phase::RefreshDue
            | Phase::RetryDue
            | Phase::ProxyExpiry
            | Phase::OfferHeld
            | Phase::RefreshWaiting => self.teardown(i, at, Teardown::Expired),
            Phase::ByeDue
                if self.config.policy.refresh_for_silent_peer
                    && at < slot.expires_at(&self.wide) =>
            {
                self.send_refresh_in(i, at, Phase::InFlightForPeer)
            }
            Phase::ByeDue => self.teardown(i, at, Teardown::NoRefreshReceived),
            Phase::InFlight | Phase::InFlightForPeer => {
                self.teardown(i, at, Teardown::RefreshUnanswered)
            }
            Phase::Idle => debug_assert!(false, "an idle session is never armed"),
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod journal_tests;

#[cfg(test)]
mod slot_tests;
