//! An organization's billing details as the Billing page's form checks
//! them, and invoice states.

use super::countries;
use super::email::Email;

/// The billing details as typed (also what is saved).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillingDetails {
    pub contact_name: String,
    pub contact_email: String,
    pub legal_name: String,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub tax_id: String,
}

/// A message next to one field.
pub type FieldErrors = Vec<(&'static str, String)>;

fn check_len(errors: &mut FieldErrors, field: &'static str, value: &str, required: bool, max: usize) {
    if required && value.is_empty() {
        errors.push((field, "Required.".into()));
    } else if value.chars().count() > max {
        errors.push((field, format!("At most {max} characters.")));
    } else if let Err(e) = super::text::check(value, super::text::Lines::One) {
        errors.push((field, e));
    }
}

impl BillingDetails {
    /// Trims every field in place and checks it (the email is lower-cased);
    /// the messages next to fields when it is not right.
    pub fn check(&mut self) -> Result<(), FieldErrors> {
        for f in [
            &mut self.contact_name,
            &mut self.contact_email,
            &mut self.legal_name,
            &mut self.address_line1,
            &mut self.address_line2,
            &mut self.city,
            &mut self.postal_code,
            &mut self.country,
            &mut self.tax_id,
        ] {
            *f = f.trim().to_string();
        }
        let mut errors = FieldErrors::new();
        check_len(&mut errors, "contact_name", &self.contact_name, true, 100);
        match Email::parse(&self.contact_email) {
            Ok(e) => self.contact_email = e.as_str().to_string(),
            Err(e) => errors.push(("contact_email", e)),
        }
        check_len(&mut errors, "legal_name", &self.legal_name, true, 200);
        check_len(&mut errors, "address_line1", &self.address_line1, true, 200);
        check_len(&mut errors, "address_line2", &self.address_line2, false, 200);
        check_len(&mut errors, "city", &self.city, true, 100);
        check_len(&mut errors, "postal_code", &self.postal_code, false, 20);
        if countries::name(&self.country).is_none() {
            errors.push(("country", "Choose a country.".into()));
        }
        check_len(&mut errors, "tax_id", &self.tax_id, false, 50);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// "legal name: A → B; city: X → Y" for the activity log.
    pub fn changes(&self, after: &BillingDetails) -> String {
        let pairs = [
            ("contact name", &self.contact_name, &after.contact_name),
            ("contact email", &self.contact_email, &after.contact_email),
            ("legal name", &self.legal_name, &after.legal_name),
            ("address line 1", &self.address_line1, &after.address_line1),
            ("address line 2", &self.address_line2, &after.address_line2),
            ("city", &self.city, &after.city),
            ("postal code", &self.postal_code, &after.postal_code),
            ("country", &self.country, &after.country),
            ("tax id", &self.tax_id, &after.tax_id),
        ];
        let say = |v: &str| if v.is_empty() { "—".to_string() } else { v.to_string() };
        pairs
            .iter()
            .filter(|(_, a, b)| a != b)
            .map(|(label, a, b)| format!("{label}: {} → {}", say(a), say(b)))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub const INVOICE_STATUSES: [&str; 4] = ["open", "paid", "overdue", "void"];

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> BillingDetails {
        BillingDetails {
            contact_name: " Bea Billing ".into(),
            contact_email: "Bea@Acme.example".into(),
            legal_name: "Acme GmbH".into(),
            address_line1: "Hauptstraße 1".into(),
            city: "Berlin".into(),
            postal_code: "10115".into(),
            country: "DE".into(),
            ..BillingDetails::default()
        }
    }

    #[test]
    fn checks_every_field() {
        let mut ok = good();
        ok.check().unwrap();
        assert_eq!(ok.contact_name, "Bea Billing");
        assert_eq!(ok.contact_email, "bea@acme.example");
        let mut bad =
            BillingDetails { contact_email: "nope".into(), country: "XX".into(), city: "x".repeat(101), ..good() };
        let errors = bad.check().unwrap_err();
        assert_eq!(bad.country, "XX", "what was typed is kept");
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["contact_email", "city", "country"]);
    }

    #[test]
    fn says_what_changed() {
        let mut before = good();
        before.check().unwrap();
        let after = BillingDetails { city: "Hamburg".into(), tax_id: "DE123".into(), ..before.clone() };
        assert_eq!(before.changes(&after), "city: Berlin → Hamburg; tax id: — → DE123");
    }
}
