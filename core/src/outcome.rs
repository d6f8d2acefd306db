//! What a negotiation settles on, in the vocabulary every role shares: which
//! side of the dialog refreshes, which side of a transaction we are, and the
//! timer agreed. Methods and reason phrases are in [`crate::sip`].

use crate::header::Refresher;

/// A side of the dialog, absolute: it does not change from one transaction to
/// the next. The dialog state stores who refreshes as a `Side`, never as
/// `uac`/`uas`, which flip whenever the peer sends the next request (the bug
/// behind most dropped-call reports; see the anchors, section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// This party.
    Local,
    /// The peer at the other end of the dialog.
    Remote,
}

/// Our role in one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// We sent the request.
    Uac,
    /// We received the request.
    Uas,
}

impl Side {
    /// The side a `refresher` parameter names, given our role in its transaction.
    pub const fn from_refresher(refresher: Refresher, we_are: Role) -> Side {
        match (refresher, we_are) {
            (Refresher::Uac, Role::Uac) | (Refresher::Uas, Role::Uas) => Side::Local,
            _ => Side::Remote,
        }
    }

    /// The `refresher` parameter naming this side in a transaction where we are `we_are`.
    pub const fn to_refresher(self, we_are: Role) -> Refresher {
        match (self, we_are) {
            (Side::Local, Role::Uac) | (Side::Remote, Role::Uas) => Refresher::Uac,
            _ => Refresher::Uas,
        }
    }
}

/// A session timer that a negotiation settled on: the interval and who refreshes.
/// `Option<Negotiated>::None` means no session expiration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Negotiated {
    /// The session interval in seconds.
    pub interval: u32,
    /// Who sends the refreshes.
    pub refresher: Side,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_translation_is_relative_to_the_transaction() {
        for side in [Side::Local, Side::Remote] {
            for role in [Role::Uac, Role::Uas] {
                assert_eq!(Side::from_refresher(side.to_refresher(role), role), side);
            }
        }
        // The peer's request says refresher=uac: the peer (its UAC) refreshes.
        assert_eq!(
            Side::from_refresher(Refresher::Uac, Role::Uas),
            Side::Remote
        );
    }
}
