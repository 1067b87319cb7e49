//! The billing contact's mail when a payment method is added or removed.

use askama::Template;

use crate::store::outbox::OutgoingMail;

pub struct PaymentMethodMail {
    pub to: String,
    pub contact_name: String,
    pub org_name: String,
    /// "Visa ending in 4242".
    pub method: String,
    pub added: bool,
    /// "Added by Ada Admin." or "Reported by the payment provider."
    pub by: String,
    /// The organization's Payment methods page.
    pub link: String,
}

#[derive(Template)]
#[template(path = "emails/payment_method.txt")]
struct Text<'a> {
    m: &'a PaymentMethodMail,
}

#[derive(Template)]
#[template(path = "emails/payment_method.html")]
struct Html<'a> {
    m: &'a PaymentMethodMail,
}

impl PaymentMethodMail {
    pub fn render(&self) -> Result<OutgoingMail, askama::Error> {
        let subject = if self.added {
            format!("Payment method added to {}", self.org_name)
        } else {
            format!("Payment method removed from {}", self.org_name)
        };
        Ok(OutgoingMail {
            to: self.to.clone(),
            subject,
            text: Text { m: self }.render()?,
            html: Html { m: self }.render()?,
        })
    }
}
