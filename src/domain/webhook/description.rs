//! An endpoint's description, as typed on the Webhooks page: optional, one
//! line, at most [`LONGEST`] characters, printable text only.

use crate::domain::text::{self, Lines};

pub const LONGEST: usize = 200;

pub fn parse(text: &str) -> Result<String, String> {
    let text = text.trim();
    text::check(text, Lines::One)?;
    if text.chars().count() > LONGEST {
        return Err(format!("Keep the description under {LONGEST} characters."));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_is_one_printable_line_of_some_length() {
        assert_eq!(parse("  Provisioning at Acme "), Ok("Provisioning at Acme".into()));
        assert_eq!(parse(""), Ok(String::new()));
        assert!(parse("a\u{0}b").unwrap_err().contains("U+0000"));
        assert!(parse(&"x".repeat(LONGEST + 1)).unwrap_err().contains("200"));
    }
}
