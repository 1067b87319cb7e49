//! Invitation rules: tokens, the rows of the invite form, final states.

use time::PrimitiveDateTime;

use super::email::Email;
use super::roles::RoleCatalog;
pub use super::secret_token::{hash_token, SecretToken as InvitationToken};

/// How many addresses one submission of the invite form may carry.
pub const MAX_INVITES: usize = 10;

/// The state of an invitation as a person sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,
    /// A newer invitation was sent (Resend); this link is dead.
    Replaced,
}

impl InvitationState {
    /// The state stored in the database, with expiry applied at `now`.
    pub fn effective(stored: &str, expires_at: PrimitiveDateTime, now: PrimitiveDateTime) -> Self {
        match stored {
            "pending" if expires_at <= now => InvitationState::Expired,
            "pending" => InvitationState::Pending,
            "accepted" => InvitationState::Accepted,
            "declined" => InvitationState::Declined,
            "revoked" => InvitationState::Revoked,
            "replaced" => InvitationState::Replaced,
            _ => InvitationState::Expired,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Pending => "pending",
            InvitationState::Accepted => "accepted",
            InvitationState::Declined => "declined",
            InvitationState::Revoked => "revoked",
            InvitationState::Expired => "expired",
            InvitationState::Replaced => "replaced",
        }
    }

    /// What the link's page says when the invitation can no longer be used.
    pub fn final_message(self) -> &'static str {
        match self {
            InvitationState::Pending => "",
            InvitationState::Accepted => "This invitation has already been accepted.",
            InvitationState::Declined => "This invitation was declined.",
            InvitationState::Revoked => "This invitation was revoked by an administrator of the organization.",
            InvitationState::Expired => {
                "This invitation has expired. Ask an administrator of the organization to send a new one."
            }
            InvitationState::Replaced => {
                "A newer invitation was sent for this address; use the link in the most recent email."
            }
        }
    }
}

/// One row of the invite form after checking: the address and role, or
/// the message to show next to it.
pub type CheckedRow = Result<(Email, String), String>;

/// Checks the rows of the form on their own (the database checks current
/// members and pending invitations). Empty rows are skipped; a repeated
/// address is refused on its second row.
pub fn check_rows(rows: &[(String, String)], catalog: &RoleCatalog) -> Vec<(usize, CheckedRow)> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut filled = 0;
    for (i, (email, role)) in rows.iter().enumerate() {
        if email.trim().is_empty() {
            continue;
        }
        filled += 1;
        let checked = if filled > MAX_INVITES {
            Err(format!("You can invite at most {MAX_INVITES} people at a time. Send this one in the next batch."))
        } else {
            match Email::parse(email) {
                Err(e) => Err(e),
                Ok(_) if catalog.get(role).is_none() => Err("Choose a role.".to_string()),
                Ok(e) if seen.contains(&e.as_str().to_string()) => {
                    Err("This address is already in the list above.".into())
                }
                Ok(e) => {
                    seen.push(e.as_str().to_string());
                    Ok((e, role.clone()))
                }
            }
        };
        out.push((i, checked));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = InvitationToken::generate();
        let b = InvitationToken::generate();
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 43, "256 bits in base64url");
        assert_eq!(a.hash, hash_token(&a.token));
        assert_eq!(a.hash.len(), 64);
    }

    #[test]
    fn rows() {
        let c = RoleCatalog::builtin();
        let row = |e: &str, r: &str| (e.to_string(), r.to_string());
        let mut rows = vec![
            row("a@x.io", "Admin"),
            row("", ""),
            row("bad", "Admin"),
            row("A@x.io", "Billing"),
            row("b@x.io", "Boss"),
        ];
        rows.extend((0..7).map(|i| row(&format!("p{i}@x.io"), "Billing")));
        let checked = check_rows(&rows, &c);
        assert!(checked[0].1.is_ok());
        assert_eq!(checked[1].0, 2, "the empty row is skipped");
        assert!(checked[1].1.is_err());
        assert!(checked[2].1.as_ref().unwrap_err().contains("already in the list"));
        assert_eq!(checked[3].1.as_ref().unwrap_err(), "Choose a role.");
        let last = checked.last().unwrap();
        assert_eq!(last.0, 11);
        assert!(last.1.as_ref().unwrap_err().contains("at most 10"));
    }

    #[test]
    fn expiry_is_applied() {
        let t = time::macros::datetime!(2026-11-24 12:00);
        let later = time::macros::datetime!(2026-12-01 12:00);
        assert_eq!(InvitationState::effective("pending", later, t), InvitationState::Pending);
        assert_eq!(InvitationState::effective("pending", t, later), InvitationState::Expired);
        assert_eq!(InvitationState::effective("revoked", later, t), InvitationState::Revoked);
    }
}
