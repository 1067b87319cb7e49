//! Setting up an organization for a customer (Particle's Enterprise
//! onboarding): what the operator asks for, checked before anything is
//! looked up. The same request comes from the staff form and from
//! `orgportal orgs create`; each problem names the field and what was typed.

use super::{Email, OrgName, Slug};

/// What the operator typed: transfers as "owner-email/project-url-name".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub name: String,
    pub slug: String,
    pub owner: String,
    pub transfers: Vec<String>,
    pub billed: Vec<String>,
    pub customer: String,
}

/// One thing wrong with a request: the field ("name", "slug", "owner",
/// "transfer", "billed", "customer"), the value concerned and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub value: String,
    pub message: String,
}

impl Problem {
    pub fn new(field: &'static str, value: &str, message: impl Into<String>) -> Self {
        Problem { field, value: value.trim().to_string(), message: message.into() }
    }
}

/// A personal project to move: its owner's address and its URL name or name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub owner: Email,
    pub project: String,
    /// As typed, for messages.
    pub typed: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub name: OrgName,
    /// None: derived from the name.
    pub slug: Option<Slug>,
    pub owner: Email,
    pub transfers: Vec<Transfer>,
    pub billed: Vec<Email>,
    pub customer: Option<String>,
}

fn transfer(typed: &str) -> Result<Transfer, String> {
    let bad = || "write the project as OWNER-EMAIL/PROJECT (its URL name or its name)".to_string();
    let (owner, project) = typed.trim().split_once('/').ok_or_else(bad)?;
    let project = project.trim();
    if project.is_empty() {
        return Err(bad());
    }
    super::text::check(project, super::text::Lines::One)?;
    Ok(Transfer { owner: Email::parse(owner)?, project: project.to_string(), typed: typed.trim().to_string() })
}

/// Collects the problems while each field is read.
struct Keep<'a>(&'a mut Vec<Problem>);

impl Keep<'_> {
    fn of<T>(&mut self, field: &'static str, value: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.0.push(Problem::new(field, value, message))).ok()
    }
}

/// Checks the form of every field; every problem is returned, not only the first.
pub fn check(r: &Request) -> Result<Checked, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut keep = Keep(&mut problems);
    let name = keep.of("name", &r.name, OrgName::parse(&r.name));
    let slug = match r.slug.trim() {
        "" => Some(None),
        s => keep.of("slug", s, Slug::parse(s)).map(Some),
    };
    let owner = keep.of("owner", &r.owner, Email::parse(&r.owner));
    let mut transfers: Vec<Transfer> = Vec::new();
    for typed in r.transfers.iter().filter(|t| !t.trim().is_empty()) {
        let Some(t) = keep.of("transfer", typed, transfer(typed)) else { continue };
        if transfers.iter().any(|seen| seen.owner == t.owner && seen.project.eq_ignore_ascii_case(&t.project)) {
            keep.of("transfer", typed, Err::<(), _>("the same project is named twice".to_string()));
            continue;
        }
        transfers.push(t);
    }
    let mut billed: Vec<Email> = Vec::new();
    for typed in r.billed.iter().filter(|b| !b.trim().is_empty()) {
        let Some(email) = keep.of("billed", typed, Email::parse(typed)) else { continue };
        if billed.contains(&email) {
            keep.of("billed", typed, Err::<(), _>("this person is named twice".to_string()));
            continue;
        }
        billed.push(email);
    }
    let customer = Some(r.customer.trim()).filter(|c| !c.is_empty()).map(str::to_string);
    if let Some(c) = &customer {
        keep.of("customer", c, super::text::check(c, super::text::Lines::One));
    }
    match (name, slug, owner, problems.is_empty()) {
        (Some(name), Some(slug), Some(owner), true) => Ok(Checked { name, slug, owner, transfers, billed, customer }),
        _ => Err(problems),
    }
}

/// One value per line (the staff form's text areas), blank lines dropped.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            name: "Acme Robotics".into(),
            owner: "Olivia@Example.com".into(),
            transfers: vec!["carol@example.com/fleet".into(), " olivia@example.com/notes ".into()],
            billed: vec!["carol@example.com".into()],
            ..Request::default()
        }
    }

    #[test]
    fn a_good_request_is_read() {
        let c = check(&request()).unwrap();
        assert_eq!(c.owner.as_str(), "olivia@example.com");
        assert_eq!(c.slug, None);
        assert_eq!(c.transfers[1].project, "notes");
        assert_eq!(c.billed.len(), 1);
    }

    #[test]
    fn every_problem_is_named_with_its_field_and_value() {
        let mut r = request();
        r.name = " ".into();
        r.slug = "Not A Slug!".into();
        r.transfers.push("carol@example.com/fleet".into());
        r.transfers.push("fleet".into());
        r.billed.push("carol@example.com".into());
        r.billed.push("nobody".into());
        let problems = check(&r).unwrap_err();
        let fields: Vec<(&str, &str)> = problems.iter().map(|p| (p.field, p.value.as_str())).collect();
        assert_eq!(
            fields,
            vec![
                ("name", ""),
                ("slug", "Not A Slug!"),
                ("transfer", "carol@example.com/fleet"),
                ("transfer", "fleet"),
                ("billed", "carol@example.com"),
                ("billed", "nobody"),
            ]
        );
        assert!(problems[2].message.contains("named twice"));
        assert!(problems[3].message.contains("OWNER-EMAIL/PROJECT"));
    }

    #[test]
    fn text_areas_give_one_value_per_line() {
        assert_eq!(lines("a\n\n  b  \r\n"), vec!["a", "b"]);
    }
}
