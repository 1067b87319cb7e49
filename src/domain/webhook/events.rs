//! The event types an endpoint can receive, as the Webhooks page lists
//! them and deliveries name them.

/// Each type and what it tells, in the order the page shows them.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("member.added", "Someone joined: an invitation accepted, a direct add, provisioning or an automatic link"),
    ("member.role_changed", "A member's role changed"),
    ("member.removed", "A member was removed, left, or deleted their account"),
    ("invitation.created", "An invitation was sent"),
    ("invitation.revoked", "An invitation was revoked"),
    ("invitation.expired", "An invitation ran out unanswered"),
    ("project.created", "A project was created"),
    ("project.updated", "A project was renamed or changed"),
    ("project.deleted", "A project was deleted"),
    ("project.transferred", "A project moved to or from another organization"),
    ("project.team_changed", "Someone's role on a project changed"),
    ("org.updated", "The organization was renamed or its URL name changed"),
    ("org.deleted", "The organization was deleted"),
    ("api_key.created", "An API key was created"),
    ("api_key.revoked", "An API key was revoked"),
    ("billing.member_added", "A member was added to the bill"),
    ("billing.member_removed", "A member was taken off the bill"),
];

/// Sent by the page's test button only, to every endpoint whatever it chose.
pub const PING: &str = "ping";

/// Which types an endpoint receives: all (also those added later), or the
/// chosen ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    All,
    Chosen(Vec<String>),
}

impl Subscription {
    /// The chosen types of a form or API request; an unknown one is named.
    pub fn chosen<I: IntoIterator<Item = S>, S: AsRef<str>>(types: I) -> Result<Subscription, String> {
        let mut chosen = Vec::new();
        for t in types {
            let t = t.as_ref();
            if !EVENT_TYPES.iter().any(|(known, _)| *known == t) {
                return Err(format!("{t} is not an event type."));
            }
            if !chosen.iter().any(|c| c == t) {
                chosen.push(t.to_string());
            }
        }
        if chosen.is_empty() {
            return Err("Choose at least one event type, or all of them.".into());
        }
        Ok(Subscription::Chosen(chosen))
    }

    /// As the endpoint's row keeps it: `*`, or the types separated by spaces.
    pub fn stored(&self) -> String {
        match self {
            Subscription::All => "*".into(),
            Subscription::Chosen(types) => types.join(" "),
        }
    }

    /// The row's text back; a type no longer known is kept and never matches.
    pub fn from_stored(text: &str) -> Subscription {
        match text.trim() {
            "*" => Subscription::All,
            t => Subscription::Chosen(t.split_whitespace().map(String::from).collect()),
        }
    }

    pub fn receives(&self, event_type: &str) -> bool {
        event_type == PING
            || match self {
                Subscription::All => true,
                Subscription::Chosen(types) => types.iter().any(|t| t == event_type),
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_receives_what_it_chose_and_pings() {
        let chosen = Subscription::chosen(["member.added", "member.removed", "member.added"]).unwrap();
        assert_eq!(chosen, Subscription::Chosen(vec!["member.added".into(), "member.removed".into()]));
        assert!(chosen.receives("member.added") && chosen.receives(PING));
        assert!(!chosen.receives("project.created"));
        assert!(Subscription::All.receives("org.deleted"));
        assert_eq!(chosen.stored(), "member.added member.removed");
        assert_eq!(Subscription::from_stored(&chosen.stored()), chosen);
        assert_eq!(Subscription::from_stored("*"), Subscription::All);
    }

    #[test]
    fn an_unknown_or_empty_choice_is_refused() {
        assert_eq!(Subscription::chosen(["member.joined"]), Err("member.joined is not an event type.".into()));
        assert!(Subscription::chosen(Vec::<String>::new()).is_err());
        let names: std::collections::HashSet<_> = EVENT_TYPES.iter().map(|(n, _)| n).collect();
        assert_eq!(names.len(), EVENT_TYPES.len(), "no type twice");
    }
}
