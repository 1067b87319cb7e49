//! Rules for the customer data pages: which entitlements count as expired,
//! which ticket statuses count as closed, and the raise-a-ticket form.

use time::Date;

/// Where an entitlement stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntitlementState {
    Upcoming,
    Active,
    Expired,
}

impl EntitlementState {
    /// The end date is the last day of cover.
    pub fn on(today: Date, starts_on: Date, ends_on: Date) -> Self {
        if ends_on < today {
            Self::Expired
        } else if starts_on > today {
            Self::Upcoming
        } else {
            Self::Active
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Upcoming => "Not started",
            Self::Active => "Active",
            Self::Expired => "Expired",
        }
    }
}

/// Imported statuses are free text from the support system; these mean the
/// ticket needs nothing more (compared ignoring case).
const CLOSED_STATUSES: [&str; 5] = ["closed", "resolved", "solved", "cancelled", "canceled"];

pub fn is_closed(status: &str) -> bool {
    let s = status.trim().to_lowercase();
    CLOSED_STATUSES.contains(&s.as_str())
}

/// The status a ticket raised in the portal starts with.
pub const NEW_TICKET_STATUS: &str = "Open";
pub const PRIORITIES: [&str; 4] = ["Low", "Normal", "High", "Urgent"];
pub const MAX_SUBJECT: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;

/// The number of the `n`th ticket raised in the portal for a customer. The
/// prefix keeps them apart from the support system's numbers.
pub fn portal_ticket_number(n: i64) -> String {
    format!("OP-{n:04}")
}

/// A ticket as typed into the form, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub subject: String,
    pub priority: String,
    pub description: String,
}

/// The message for each field that is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketErrors {
    pub subject: Option<String>,
    pub priority: Option<String>,
    pub description: Option<String>,
}

impl NewTicket {
    pub fn parse(subject: &str, priority: &str, description: &str) -> Result<Self, TicketErrors> {
        let mut errors = TicketErrors::default();
        let subject = subject.trim();
        if subject.is_empty() {
            errors.subject = Some("Enter a subject.".into());
        } else if subject.chars().count() > MAX_SUBJECT {
            errors.subject = Some(format!("The subject can be at most {MAX_SUBJECT} characters."));
        } else if let Err(e) = super::text::check(subject, super::text::Lines::One) {
            errors.subject = Some(e);
        }
        let priority = PRIORITIES.iter().find(|p| p.eq_ignore_ascii_case(priority.trim()));
        if priority.is_none() {
            errors.priority = Some(format!("Choose a priority: {}.", PRIORITIES.join(", ")));
        }
        let description = description.trim();
        if description.is_empty() {
            errors.description = Some("Describe the problem: what you see, what you expected, since when.".into());
        } else if description.chars().count() > MAX_DESCRIPTION {
            errors.description = Some(format!("The description can be at most {MAX_DESCRIPTION} characters."));
        } else if let Err(e) = super::text::check(description, super::text::Lines::Many) {
            errors.description = Some(e);
        }
        match priority {
            Some(p) if errors == TicketErrors::default() => {
                Ok(Self { subject: subject.to_string(), priority: p.to_string(), description: description.to_string() })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn entitlement_states() {
        let (s, e) = (date!(2026 - 01 - 01), date!(2026 - 12 - 31));
        assert_eq!(EntitlementState::on(date!(2025 - 12 - 31), s, e), EntitlementState::Upcoming);
        assert_eq!(EntitlementState::on(s, s, e), EntitlementState::Active);
        assert_eq!(EntitlementState::on(e, s, e), EntitlementState::Active);
        assert_eq!(EntitlementState::on(date!(2027 - 01 - 01), s, e), EntitlementState::Expired);
    }

    #[test]
    fn closed_statuses() {
        assert!(is_closed("Closed"));
        assert!(is_closed(" RESOLVED "));
        assert!(!is_closed("Open"));
        assert!(!is_closed("Awaiting customer"));
    }

    #[test]
    fn ticket_form() {
        let t = NewTicket::parse("  Slow queries ", "high", " It is slow. ").unwrap();
        assert_eq!(
            (t.subject.as_str(), t.priority.as_str(), t.description.as_str()),
            ("Slow queries", "High", "It is slow.")
        );
        let e = NewTicket::parse("", "Whenever", "").unwrap_err();
        assert!(e.subject.is_some() && e.priority.is_some() && e.description.is_some());
        assert!(NewTicket::parse(&"x".repeat(201), "Low", "d").unwrap_err().subject.is_some());
        assert!(NewTicket::parse("a\nb", "Low", "d").unwrap_err().subject.is_some());
        assert_eq!(portal_ticket_number(7), "OP-0007");
    }
}
