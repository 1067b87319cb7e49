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

#[derive(Template)]
#[template(path = "emails/project_invitation.txt")]
struct ProjectInvitationText<'a> {
    m: &'a ProjectInvitationMail<'a>,
}

#[derive(Template)]
#[template(path = "emails/project_invitation.html")]
struct ProjectInvitationHtml<'a> {
    m: &'a ProjectInvitationMail<'a>,
}

/// An invitation to one project as a direct collaborator.
pub struct ProjectInvitationMail<'a> {
    pub to: &'a str,
    /// The catalog's noun, lower case: "product".
    pub noun: &'a str,
    pub project_name: &'a str,
    /// The organization, or "Tess’s personal space".
    pub owner_name: &'a str,
    pub inviter_name: &'a str,
    pub role: &'a str,
    pub link: &'a str,
    pub expires_on: &'a str,
}

impl ProjectInvitationMail<'_> {
    pub fn render(&self) -> Result<OutgoingMail, askama::Error> {
        Ok(OutgoingMail {
            to: self.to.to_string(),
            subject: format!(
                "{} invited you to the {} {} on orgportal",
                self.inviter_name, self.noun, self.project_name
            ),
            text: ProjectInvitationText { m: self }.render()?,
            html: ProjectInvitationHtml { m: self }.render()?,
        })
    }
}
