//! A payment method as the provider describes it (never a card number), and
//! what the Payment methods page says of it.

use time::Date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The provider's id (`pm_...`).
    pub id: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i32,
    pub exp_year: i32,
}

impl Card {
    /// Expired after the last day of its expiry month.
    pub fn is_expired(&self, today: Date) -> bool {
        (self.exp_year, self.exp_month) < (today.year(), u8::from(today.month()) as i32)
    }

    /// "Visa ending in 4242".
    pub fn describe(&self) -> String {
        let brand = match self.brand.as_str() {
            "visa" => "Visa",
            "mastercard" => "Mastercard",
            "amex" => "American Express",
            "discover" => "Discover",
            "jcb" => "JCB",
            "diners" => "Diners Club",
            "unionpay" => "UnionPay",
            _ => "Card",
        };
        format!("{brand} ending in {}", self.last4)
    }

    /// "12/2030".
    pub fn expiry(&self) -> String {
        format!("{:02}/{}", self.exp_month, self.exp_year)
    }
}

/// Why a method cannot be removed, when it cannot.
pub fn removal_refused(is_default: bool, others: usize) -> Option<&'static str> {
    (is_default && others > 0)
        .then_some("This is the default payment method. Make another one the default first, then remove this one.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn card(m: i32, y: i32) -> Card {
        Card { id: "pm_1".into(), brand: "visa".into(), last4: "4242".into(), exp_month: m, exp_year: y }
    }

    #[test]
    fn expiry_and_words() {
        assert!(!card(12, 2026).is_expired(date!(2026 - 12 - 31)));
        assert!(card(11, 2026).is_expired(date!(2026 - 12 - 01)));
        assert!(card(12, 2025).is_expired(date!(2026 - 01 - 01)));
        assert_eq!(card(3, 2030).describe(), "Visa ending in 4242");
        assert_eq!(card(3, 2030).expiry(), "03/2030");
        assert_eq!(removal_refused(true, 0), None);
        assert!(removal_refused(true, 1).is_some());
        assert_eq!(removal_refused(false, 3), None);
    }
}
