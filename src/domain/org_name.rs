/// An organization name: trimmed, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

pub const MAX_ORG_NAME: usize = 100;

impl OrgName {
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.trim();
        if name.is_empty() {
            return Err("Enter a name for the organization.".into());
        }
        if name.chars().count() > MAX_ORG_NAME {
            return Err(format!("The name can be at most {MAX_ORG_NAME} characters."));
        }
        super::text::check(name, super::text::Lines::One)?;
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(OrgName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert!(OrgName::parse("   ").is_err());
        assert!(OrgName::parse(&"é".repeat(100)).is_ok());
        assert!(OrgName::parse(&"a".repeat(101)).is_err());
        assert!(OrgName::parse("a\u{0}b").is_err());
    }
}
