//! The one rule for text that comes from outside (query strings, forms, JSON
//! bodies, the customer import file, command-line arguments): control
//! characters are refused, never stored or sent to SQL or FTS5. A tab is
//! text; a line break is text only in a multi-line field. NUL is why: it
//! ends a string for SQLite's FTS5 and PostgreSQL refuses it in text.

/// Whether a field may hold several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// The first character the rule refuses, if any: a C0 control (U+0000 to
/// U+001F), DEL or a C1 control (U+0080 to U+009F), except a tab, and
/// except CR and LF where `lines` is [`Lines::Many`].
pub fn refused_char(text: &str, lines: Lines) -> Option<char> {
    text.chars().find(|&c| refused(c, lines))
}

fn refused(c: char, lines: Lines) -> bool {
    c.is_control() && c != '\t' && !(lines == Lines::Many && matches!(c, '\n' | '\r'))
}

/// The message next to a field that holds a refused character.
pub fn message(c: char) -> String {
    format!("Remove the control character U+{:04X}: only printable text is accepted.", c as u32)
}

/// `Ok` when `text` follows the rule; else the message for its field.
pub fn check(text: &str, lines: Lines) -> Result<(), String> {
    refused_char(text, lines).map_or(Ok(()), |c| Err(message(c)))
}

/// A short one-line name typed into a form (an API key's, a service's, a
/// SCIM token's): trimmed, 1 to `max` characters; `empty` says what to enter.
pub fn short_name(input: &str, max: usize, empty: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err(empty.to_string());
    }
    if name.chars().count() > max {
        return Err(format!("The name can be at most {max} characters."));
    }
    check(name, Lines::One)?;
    Ok(name.to_string())
}

/// Text that comes from another system rather than a person at a form (an
/// identity provider's profile): it cannot be sent back to be fixed, so each
/// refused character becomes a space instead, and the ends are trimmed.
pub fn printable(text: &str) -> String {
    let cleaned: String = text.chars().map(|c| if refused(c, Lines::One) { ' ' } else { c }).collect();
    cleaned.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_controls_but_tabs_and_the_line_breaks_of_a_multi_line_field() {
        for c in (0u32..0x20).chain([0x7f, 0x80, 0x9f]).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            let expected = if c == '\t' { None } else { Some(c) };
            let many = if matches!(c, '\t' | '\n' | '\r') { None } else { Some(c) };
            assert_eq!(refused_char(&text, Lines::One), expected, "{:?}", c);
            assert_eq!(refused_char(&text, Lines::Many), many, "{:?}", c);
        }
        for fine in ["", "Ünïcödé \u{202e} RTL \u{200b} zero-width", "'\"<>%_\\*", "NEAR( a OR b :*"] {
            assert_eq!(check(fine, Lines::One), Ok(()));
        }
        assert_eq!(printable(" Jo\0 Doe\n"), "Jo  Doe");
        assert_eq!(
            check("a\0", Lines::Many).unwrap_err(),
            "Remove the control character U+0000: only printable text is accepted."
        );
    }
}
