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

#[derive(Template)]
#[template(path = "emails/invoice.txt")]
struct InvoiceText<'a> {
    m: &'a InvoiceMail,
}

#[derive(Template)]
#[template(path = "emails/invoice.html")]
struct InvoiceHtml<'a> {
    m: &'a InvoiceMail,
}

/// The billing contact's mail about a new or an overdue invoice.
pub struct InvoiceMail {
    pub to: String,
    pub contact_name: String,
    pub org_name: String,
    pub number: String,
    pub amount: String,
    pub period: String,
    pub due_on: String,
    pub overdue: bool,
    /// The organization's Billing page.
    pub link: String,
}

impl InvoiceMail {
    /// The mail for `notice`; `base_url` is the portal's address ("https://portal.example").
    pub fn of(notice: &crate::store::billing::invoices::InvoiceNotice<'_>, base_url: &str) -> Self {
        let day = |d: time::Date| d.format(time::macros::format_description!("[day] [month repr:short] [year]"));
        let day = |d| day(d).unwrap_or_default();
        let inv = notice.invoice;
        InvoiceMail {
            to: notice.to.to_string(),
            contact_name: notice.contact_name.to_string(),
            org_name: notice.org_name.to_string(),
            number: inv.number.clone(),
            amount: inv.amount.format(),
            period: format!("{} to {}", day(inv.period_start), day(inv.period_end)),
            due_on: day(inv.due_on),
            overdue: notice.overdue,
            link: format!("{}/orgs/{}/billing", base_url.trim_end_matches('/'), notice.org_slug),
        }
    }

    pub fn render(&self) -> Result<OutgoingMail, askama::Error> {
        let subject = if self.overdue {
            format!("Invoice {} of {} is overdue", self.number, self.org_name)
        } else {
            format!("New invoice {} for {}", self.number, self.org_name)
        };
        Ok(OutgoingMail {
            to: self.to.clone(),
            subject,
            text: InvoiceText { m: self }.render()?,
            html: InvoiceHtml { m: self }.render()?,
        })
    }
}

#[derive(Template)]
#[template(path = "emails/provisioned.txt")]
struct ProvisionedText<'a> {
    m: &'a ProvisionedMail<'a>,
}

#[derive(Template)]
#[template(path = "emails/provisioned.html")]
struct ProvisionedHtml<'a> {
    m: &'a ProvisionedMail<'a>,
}

/// To the owner of an organization an operator set up for them.
pub struct ProvisionedMail<'a> {
    pub to: &'a str,
    pub owner_name: &'a str,
    pub org_name: &'a str,
    /// The catalog's nouns, lower case: "product", "products".
    pub noun: &'a str,
    pub nouns: &'a str,
    pub moved: Vec<String>,
    pub billed: usize,
    pub link: &'a str,
}

impl ProvisionedMail<'_> {
    pub fn render(&self) -> Result<OutgoingMail, askama::Error> {
        Ok(OutgoingMail {
            to: self.to.to_string(),
            subject: format!("{} is ready for you on orgportal", self.org_name),
            text: ProvisionedText { m: self }.render()?,
            html: ProvisionedHtml { m: self }.render()?,
        })
    }
}

/// The owner's mail about an organization set up for them, at `base_url`.
pub fn provisioned_mail(
    plan: &crate::store::staff::provisioning::Plan,
    org: &crate::store::orgs::Org,
    base_url: &str,
    catalog: &crate::domain::RoleCatalog,
) -> Option<OutgoingMail> {
    let link = format!("{}/orgs/{}", base_url.trim_end_matches('/'), org.slug);
    let (noun, nouns) = (catalog.project_noun().to_lowercase(), catalog.projects_noun().to_lowercase());
    let mail = ProvisionedMail {
        to: &plan.owner.email,
        owner_name: &plan.owner.name,
        org_name: &org.name,
        noun: &noun,
        nouns: &nouns,
        moved: plan.moves.iter().map(|m| m.project.name.clone()).collect(),
        billed: plan.billed.len(),
        link: &link,
    };
    match mail.render() {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::error!(error = %e, "the provisioning mail did not render");
            None
        }
    }
}

#[derive(Template)]
#[template(path = "emails/added.txt")]
struct AddedText<'a> {
    m: &'a AddedMail<'a>,
}

#[derive(Template)]
#[template(path = "emails/added.html")]
struct AddedHtml<'a> {
    m: &'a AddedMail<'a>,
}

/// To someone added to an organization directly (no invitation).
pub struct AddedMail<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub by_name: &'a str,
    pub org_name: &'a str,
    pub role: &'a str,
    pub link: &'a str,
}

impl AddedMail<'_> {
    pub fn render(&self) -> Result<OutgoingMail, askama::Error> {
        Ok(OutgoingMail {
            to: self.to.to_string(),
            subject: format!("{} added you to {} on orgportal", self.by_name, self.org_name),
            text: AddedText { m: self }.render()?,
            html: AddedHtml { m: self }.render()?,
        })
    }
}
