//! Email bodies: a plain-text and an HTML part from Askama templates.

use askama::Template;

use crate::store::outbox::OutgoingMail;

#[derive(Template)]
#[template(path = "emails/invitation.txt")]
struct InvitationText<'a> {
    m: &'a InvitationMail<'a>,
}

#[derive(Template)]
#[template(path = "emails/invitation.html")]
struct InvitationHtml<'a> {
    m: &'a InvitationMail<'a>,
}

pub struct InvitationMail<'a> {
    pub to: &'a str,
    pub org_name: &'a str,
    pub inviter_name: &'a str,
    pub role: &'a str,
    pub link: &'a str,
    pub expires_on: &'a str,
}

impl InvitationMail<'_> {
    pub fn render(&self) -> Result<OutgoingMail, askama::Error> {
        Ok(OutgoingMail {
            to: self.to.to_string(),
            subject: format!("{} invited you to join {} on orgportal", self.inviter_name, self.org_name),
            text: InvitationText { m: self }.render()?,
            html: InvitationHtml { m: self }.render()?,
        })
    }
}
