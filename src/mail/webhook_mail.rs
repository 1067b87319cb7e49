//! The mail to an organization's webhook managers when the portal turns off
//! an endpoint that failed for three days.

use askama::Template;

use crate::store::outbox::OutgoingMail;

pub struct EndpointDisabledMail {
    pub to: String,
    pub name: String,
    pub org_name: String,
    pub url: String,
    pub failing_since: String,
    pub last_error: String,
    /// The endpoint's page.
    pub link: String,
}

#[derive(Template)]
#[template(path = "emails/webhook_disabled.txt")]
struct Text<'a> {
    m: &'a EndpointDisabledMail,
}

#[derive(Template)]
#[template(path = "emails/webhook_disabled.html")]
struct Html<'a> {
    m: &'a EndpointDisabledMail,
}

impl EndpointDisabledMail {
    pub fn render(&self) -> Result<OutgoingMail, askama::Error> {
        Ok(OutgoingMail {
            to: self.to.clone(),
            subject: format!("A webhook endpoint of {} was turned off", self.org_name),
            text: Text { m: self }.render()?,
            html: Html { m: self }.render()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_names_the_endpoint_why_and_where_to_turn_it_on() {
        let mail = EndpointDisabledMail {
            to: "ada@example.com".into(),
            name: "Ada".into(),
            org_name: "Acme & Co".into(),
            url: "https://hooks.example.com/in".into(),
            failing_since: "2027-01-31T12:00:00Z".into(),
            last_error: "answered 500 Internal Server Error".into(),
            link: "https://portal.example.com/orgs/acme/webhooks/1".into(),
        }
        .render()
        .unwrap();
        assert_eq!(mail.subject, "A webhook endpoint of Acme & Co was turned off");
        for part in [&mail.text, &mail.html] {
            assert!(part.contains("https://hooks.example.com/in") && part.contains("/orgs/acme/webhooks/1"), "{part}");
            assert!(part.contains("2027-01-31T12:00:00Z") && part.contains("answered 500"), "{part}");
        }
        assert!(mail.text.contains("Acme & Co") && !mail.html.contains("Acme & Co"), "escaped in HTML only");
    }
}
