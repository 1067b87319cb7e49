/// The URL name of an organization: lower-case ASCII letters, digits and
/// single hyphens, 2 to 40 characters, not starting or ending with a hyphen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

const MIN_LEN: usize = 2;
const MAX_LEN: usize = 40;
/// Words that are routes under /orgs/ or would read as such.
const RESERVED: &[&str] = &["new", "edit", "admin", "staff", "settings", "api", "static"];

impl Slug {
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim();
        if s.len() < MIN_LEN || s.len() > MAX_LEN {
            return Err(format!("The URL name must be {MIN_LEN} to {MAX_LEN} characters."));
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !s.chars().all(allowed) {
            return Err("Use only lower-case letters, digits and hyphens.".into());
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err("Hyphens cannot start or end the URL name, or come in pairs.".into());
        }
        if RESERVED.contains(&s) {
            return Err(format!("“{s}” is reserved; choose another URL name."));
        }
        Ok(Self(s.to_string()))
    }

    /// Derives a slug from a display name: ASCII letters and digits kept and
    /// lower-cased, every other run of characters becomes one hyphen.
    /// Returns None when nothing usable is left.
    pub fn derive(name: &str) -> Option<Self> {
        let mut out = String::new();
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        out.truncate(MAX_LEN);
        let trimmed = out.trim_matches('-');
        Self::parse(trimmed).ok()
    }

    /// The same slug with a numeric suffix, kept within the length limit.
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("-{n}");
        let mut base = self.0.clone();
        base.truncate(MAX_LEN - suffix.len());
        Self(format!("{}{suffix}", base.trim_end_matches('-')))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rules() {
        assert!(Slug::parse("acme-corp").is_ok());
        assert!(Slug::parse("a").is_err());
        assert!(Slug::parse("Acme").is_err());
        assert!(Slug::parse("-acme").is_err());
        assert!(Slug::parse("ac--me").is_err());
        assert!(Slug::parse("new").is_err());
        assert!(Slug::parse(&"a".repeat(41)).is_err());
    }

    #[test]
    fn derive_from_names() {
        assert_eq!(Slug::derive("Acme Corp, Inc.").unwrap().as_str(), "acme-corp-inc");
        assert_eq!(Slug::derive("<script>alert(1)</script>").unwrap().as_str(), "script-alert-1-script");
        assert!(Slug::derive("!!!").is_none());
        assert!(Slug::derive("New").is_none());
        let long = Slug::derive(&"x".repeat(80)).unwrap();
        assert_eq!(long.with_suffix(12).as_str().len(), 40);
    }
}
