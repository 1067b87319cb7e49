//! Amounts of money: an integer count of the currency's minor unit (cents;
//! yen have none), never a float. Parsed exactly from the import's decimal
//! text and formatted per currency.

/// An ISO 4217 currency the portal knows: its minor unit's exponent and symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency {
    pub code: &'static str,
    pub exponent: u32,
    /// Written before the amount; None: the code after it ("1,200.00 CHF").
    pub symbol: Option<&'static str>,
}

const CURRENCIES: &[Currency] = &[
    Currency { code: "AUD", exponent: 2, symbol: Some("A$") },
    Currency { code: "BRL", exponent: 2, symbol: Some("R$") },
    Currency { code: "CAD", exponent: 2, symbol: Some("CA$") },
    Currency { code: "CHF", exponent: 2, symbol: None },
    Currency { code: "CNY", exponent: 2, symbol: Some("CN¥") },
    Currency { code: "CZK", exponent: 2, symbol: None },
    Currency { code: "DKK", exponent: 2, symbol: None },
    Currency { code: "EUR", exponent: 2, symbol: Some("€") },
    Currency { code: "GBP", exponent: 2, symbol: Some("£") },
    Currency { code: "HKD", exponent: 2, symbol: Some("HK$") },
    Currency { code: "HUF", exponent: 2, symbol: None },
    Currency { code: "INR", exponent: 2, symbol: Some("₹") },
    Currency { code: "JPY", exponent: 0, symbol: Some("¥") },
    Currency { code: "KRW", exponent: 0, symbol: Some("₩") },
    Currency { code: "MXN", exponent: 2, symbol: Some("MX$") },
    Currency { code: "NOK", exponent: 2, symbol: None },
    Currency { code: "NZD", exponent: 2, symbol: Some("NZ$") },
    Currency { code: "PLN", exponent: 2, symbol: None },
    Currency { code: "SEK", exponent: 2, symbol: None },
    Currency { code: "SGD", exponent: 2, symbol: Some("S$") },
    Currency { code: "USD", exponent: 2, symbol: Some("$") },
    Currency { code: "ZAR", exponent: 2, symbol: None },
];

pub fn currency(code: &str) -> Option<Currency> {
    CURRENCIES.iter().find(|c| c.code == code).copied()
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money {
    pub minor: i64,
    pub currency: String,
}

impl Money {
    /// Parses "1234.50" in `code`: digits, at most as many decimals as the
    /// currency has (none for JPY), an optional leading minus.
    pub fn parse(amount: &str, code: &str) -> Result<Money, String> {
        let cur = currency(code).ok_or_else(|| format!("`{code}` is not a currency this portal knows (ISO 4217)"))?;
        let text = amount.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || (digits.contains('.') && fraction.is_empty())
        {
            return Err(format!("`{amount}` is not an amount (digits, with a point before the decimals)"));
        }
        if fraction.len() > cur.exponent as usize {
            return Err(match cur.exponent {
                0 => format!("`{amount}`: {code} has no minor unit, so no decimals"),
                n => format!("`{amount}`: {code} has {n} decimals at most"),
            });
        }
        let scale = 10i64.pow(cur.exponent);
        let padded = format!("{fraction:0<width$}", width = cur.exponent as usize);
        let too_big = || format!("`{amount}` is too large");
        let whole: i64 = whole.parse().map_err(|_| too_big())?;
        let fraction: i64 = if padded.is_empty() { 0 } else { padded.parse().map_err(|_| too_big())? };
        let minor = whole.checked_mul(scale).and_then(|w| w.checked_add(fraction)).ok_or_else(too_big)?;
        Ok(Money { minor: if negative { -minor } else { minor }, currency: code.to_string() })
    }

    /// "€1,234.50", "$0.99", "¥1,500", "1,200.00 CHF".
    pub fn format(&self) -> String {
        let Some(cur) = currency(&self.currency) else { return format!("{} {}", self.minor, self.currency) };
        let scale = 10u64.pow(cur.exponent);
        let abs = self.minor.unsigned_abs();
        let (whole, fraction) = (abs / scale, abs % scale);
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if cur.exponent > 0 {
            grouped = format!("{grouped}.{fraction:0width$}", width = cur.exponent as usize);
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        match cur.symbol {
            Some(symbol) => format!("{sign}{symbol}{grouped}"),
            None => format!("{sign}{grouped} {}", cur.code),
        }
    }

    /// The amount as plain decimal text ("1234.50"), for spreadsheets.
    pub fn decimal(&self) -> String {
        let exponent = currency(&self.currency).map_or(0, |c| c.exponent);
        let scale = 10u64.pow(exponent);
        let abs = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        if exponent == 0 {
            return format!("{sign}{abs}");
        }
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = exponent as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_and_formats_per_currency() {
        let eur = Money::parse("1234.5", "EUR").unwrap();
        assert_eq!(eur.minor, 123_450);
        assert_eq!(eur.format(), "€1,234.50");
        assert_eq!(Money::parse("0.07", "USD").unwrap().format(), "$0.07");
        assert_eq!(Money::parse("1500", "JPY").unwrap().format(), "¥1,500");
        assert_eq!(Money::parse("1200", "CHF").unwrap().format(), "1,200.00 CHF");
        assert_eq!(Money::parse("-19.99", "USD").unwrap().format(), "-$19.99");
        assert_eq!(Money::parse("1000000.10", "GBP").unwrap().decimal(), "1000000.10");
        // 0.1 + 0.2 in floats is not 0.3; here it is exactly 30 cents.
        assert_eq!(Money::parse("0.1", "EUR").unwrap().minor + Money::parse("0.2", "EUR").unwrap().minor, 30);
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        assert!(Money::parse("15.5", "JPY").unwrap_err().contains("no minor unit"));
        assert!(Money::parse("1.234", "EUR").unwrap_err().contains("2 decimals at most"));
        for bad in ["", "1,000", "1e3", "12.", ".5", "abc", "1.2.3"] {
            assert!(Money::parse(bad, "EUR").is_err(), "{bad}");
        }
        assert!(Money::parse("1", "XYZ").unwrap_err().contains("not a currency"));
        assert!(Money::parse("99999999999999999999", "EUR").unwrap_err().contains("too large"));
    }
}
