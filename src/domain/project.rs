//! A project's name and description, as typed into its forms.

/// Trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName(String);

pub const MAX_DESCRIPTION: usize = 1000;

impl ProjectName {
    /// `noun` is what the catalog calls a project ("Product", "Dataset").
    pub fn parse(input: &str, noun: &str) -> Result<Self, String> {
        let name = input.trim();
        if name.is_empty() {
            return Err(format!("Enter a name for the {}.", noun.to_lowercase()));
        }
        if name.chars().count() > 100 {
            return Err("The name can be at most 100 characters.".into());
        }
        super::text::check(name, super::text::Lines::One)?;
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A description: trimmed, at most [`MAX_DESCRIPTION`] characters.
pub fn parse_description(input: &str) -> Result<String, String> {
    let d = input.trim();
    if d.chars().count() > MAX_DESCRIPTION {
        return Err(format!("The description can be at most {MAX_DESCRIPTION} characters."));
    }
    super::text::check(d, super::text::Lines::Many)?;
    Ok(d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions() {
        assert_eq!(ProjectName::parse("  Fleet  ", "Product").unwrap().as_str(), "Fleet");
        assert_eq!(ProjectName::parse(" ", "Dataset").unwrap_err(), "Enter a name for the dataset.");
        assert!(ProjectName::parse(&"x".repeat(101), "Project").is_err());
        assert!(parse_description(&"d".repeat(1001)).is_err());
        assert_eq!(parse_description("  notes ").unwrap(), "notes");
    }
}
