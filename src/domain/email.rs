/// An email address, trimmed and lower-cased. The check is deliberately
/// loose about what exists (the provider or the invitation mail proves the
/// address is real) but strict about its form: what it accepts, a mail
/// relay accepts too (RFC 5321: a dot-atom before the @, host-name labels
/// after it), so an invitation is never stored for an address its mail can
/// never reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

/// RFC 5322 atext, besides letters and digits; non-ASCII letters count too (SMTPUTF8).
const ATEXT: &str = "!#$%&'*+-/=?^_`{|}~";

fn dot_atom(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(|c| c.is_alphanumeric() || ATEXT.contains(c)))
}

fn host_name(domain: &str) -> bool {
    domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim().to_lowercase();
        let bad = || format!("“{}” is not a valid email address.", input.trim());
        if s.is_empty() {
            return Err("Enter an email address.".into());
        }
        if s.len() > 254 {
            return Err(bad());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        if !dot_atom(local) || !host_name(domain) {
            return Err(bad());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalizes() {
        assert_eq!(Email::parse(" Ann@Example.COM ").unwrap().as_str(), "ann@example.com");
        for bad in ["", "ann", "@example.com", "ann@example", "a b@example.com", "a@b@c.com", "a@.com"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        for bad in
            ["a@b.com;env;", "a@b.com/../etc/passwd", "a..b@c.com", ".a@c.com", "a@-b.com", "a;b@c.com", "a\0@b.com"]
        {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        for good in ["o'brien+tag@example.co.uk", "jürgen@bücher.de", "a_b-c.d@sub-1.example.com"] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
    }
}
