//! The mail to an organization's admins when one of its verified domains
//! returns to unverified after seven days of failed daily checks.

use askama::Template;

use crate::store::outbox::OutgoingMail;

pub struct DomainLapsedMail {
    pub to: String,
    pub name: String,
    pub org_name: String,
    pub domain: String,
    /// `_orgportal-challenge.<domain>`
    pub record: String,
    /// The Domains page.
    pub link: String,
}

#[derive(Template)]
#[template(path = "emails/domain_unverified.txt")]
struct Text<'a> {
    m: &'a DomainLapsedMail,
}

#[derive(Template)]
#[template(path = "emails/domain_unverified.html")]
struct Html<'a> {
    m: &'a DomainLapsedMail,
}

impl DomainLapsedMail {
    pub fn render(&self) -> Result<OutgoingMail, askama::Error> {
        Ok(OutgoingMail {
            to: self.to.clone(),
            subject: format!("{} is no longer verified for {}", self.domain, self.org_name),
            text: Text { m: self }.render()?,
            html: Html { m: self }.render()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_names_the_domain_the_record_and_the_page() {
        let mail = DomainLapsedMail {
            to: "ada@example.com".into(),
            name: "Ada".into(),
            org_name: "Acme & Co".into(),
            domain: "acme.example".into(),
            record: "_orgportal-challenge.acme.example".into(),
            link: "https://portal.example.com/orgs/acme/domains".into(),
        }
        .render()
        .unwrap();
        assert_eq!(mail.subject, "acme.example is no longer verified for Acme & Co");
        for part in [&mail.text, &mail.html] {
            assert!(
                part.contains("_orgportal-challenge.acme.example") && part.contains("/orgs/acme/domains"),
                "{part}"
            );
        }
        assert!(mail.text.contains("Acme & Co") && !mail.html.contains("Acme & Co"), "escaped in HTML only");
    }
}
