//! Who pays for a project's usage on a given day: the space that owned the
//! project at the end of that day (UTC); for a personal space, the
//! organization that billed its owner at the end of that day, if any.
//! Later changes never move a day already past to another payer.

use time::Date;

/// One period of a project's ownership, from `since` to the next period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerPeriod {
    pub since: Date,
    pub org_id: Option<String>,
    pub user_id: Option<String>,
}

/// A period during which `org_id` paid for `user_id`'s personal usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledPeriod {
    pub user_id: String,
    pub org_id: String,
    pub since: Date,
    /// The day it ended; that day is no longer billed.
    pub until: Option<Date>,
}

/// The payer of one day: the organization ("" none) and the billed member
/// through whom it pays ("" when the organization owned the project).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Payer<'a> {
    pub org_id: &'a str,
    pub via_user_id: &'a str,
}

pub const NOBODY: Payer<'static> = Payer { org_id: "", via_user_id: "" };

#[derive(Debug, Clone, Default)]
pub struct Payers {
    /// Ordered by `since`.
    owners: Vec<OwnerPeriod>,
    billed: Vec<BilledPeriod>,
}

impl Payers {
    pub fn new(mut owners: Vec<OwnerPeriod>, billed: Vec<BilledPeriod>) -> Self {
        owners.sort_by_key(|p| p.since);
        Payers { owners, billed }
    }

    /// The personal spaces that owned the project at some time (whose
    /// billed periods `new` needs).
    pub fn owner_users(owners: &[OwnerPeriod]) -> Vec<String> {
        let mut users: Vec<String> = owners.iter().filter_map(|p| p.user_id.clone()).collect();
        users.sort();
        users.dedup();
        users
    }

    pub fn of(&self, day: Date) -> Payer<'_> {
        // A day before the first period (usage reported for before the
        // project existed) counts for its first owner.
        let owner = self.owners.iter().rev().find(|p| p.since <= day).or(self.owners.first());
        match owner {
            Some(OwnerPeriod { org_id: Some(org), .. }) => Payer { org_id: org, via_user_id: "" },
            Some(OwnerPeriod { user_id: Some(user), .. }) => self
                .billed
                .iter()
                .filter(|b| b.user_id == *user && b.since <= day && b.until.is_none_or(|until| until > day))
                .max_by_key(|b| b.since)
                .map_or(NOBODY, |b| Payer { org_id: &b.org_id, via_user_id: &b.user_id }),
            _ => NOBODY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn personal(since: Date) -> OwnerPeriod {
        OwnerPeriod { since, org_id: None, user_id: Some("ann".into()) }
    }

    fn org(since: Date, id: &str) -> OwnerPeriod {
        OwnerPeriod { since, org_id: Some(id.into()), user_id: None }
    }

    fn billed(org: &str, since: Date, until: Option<Date>) -> BilledPeriod {
        BilledPeriod { user_id: "ann".into(), org_id: org.into(), since, until }
    }

    #[test]
    fn the_owner_at_the_end_of_the_day_pays() {
        let p = Payers::new(vec![org(date!(2026 - 10 - 31), "acme"), personal(date!(2026 - 10 - 01))], vec![]);
        assert_eq!(p.of(date!(2026 - 10 - 30)), NOBODY);
        assert_eq!(p.of(date!(2026 - 10 - 31)).org_id, "acme", "moved that day: the new owner pays");
        assert_eq!(p.of(date!(2026 - 11 - 02)).org_id, "acme");
        assert_eq!(p.of(date!(2026 - 09 - 01)), NOBODY, "before creation: the first owner");
    }

    #[test]
    fn a_billed_member_s_personal_usage_goes_to_the_organization_for_the_period() {
        let periods = vec![
            billed("acme", date!(2026 - 10 - 20), Some(date!(2026 - 11 - 10))),
            billed("globex", date!(2026 - 11 - 10), None),
        ];
        let p = Payers::new(vec![personal(date!(2026 - 01 - 01))], periods);
        assert_eq!(p.of(date!(2026 - 10 - 19)), NOBODY);
        assert_eq!(p.of(date!(2026 - 10 - 20)), Payer { org_id: "acme", via_user_id: "ann" });
        assert_eq!(p.of(date!(2026 - 11 - 09)).org_id, "acme");
        assert_eq!(p.of(date!(2026 - 11 - 10)).org_id, "globex", "moved that day: the new organization");
        let bob = BilledPeriod { user_id: "bob".into(), ..billed("acme", date!(2026 - 01 - 01), None) };
        let other = Payers::new(vec![personal(date!(2026 - 01 - 01))], vec![bob]);
        assert_eq!(other.of(date!(2026 - 11 - 10)), NOBODY, "someone else's billing");
    }

    #[test]
    fn an_organization_s_project_is_not_billed_through_a_person() {
        let p = Payers::new(
            vec![personal(date!(2026 - 01 - 01)), org(date!(2026 - 11 - 05), "globex")],
            vec![billed("acme", date!(2026 - 01 - 01), None)],
        );
        assert_eq!(p.of(date!(2026 - 11 - 04)), Payer { org_id: "acme", via_user_id: "ann" });
        assert_eq!(p.of(date!(2026 - 11 - 05)), Payer { org_id: "globex", via_user_id: "" });
    }
}
