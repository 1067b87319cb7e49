//! Cells of an exported CSV file that a spreadsheet would run as a formula
//! (OWASP "CSV injection"): names and targets come from users and identity
//! providers, so any of them may start with `=`.

use std::borrow::Cow;

/// The cell as written: one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'`, which spreadsheets show as text.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::neutralize;

    #[test]
    fn formulas_become_text() {
        for bad in ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(neutralize(bad), format!("'{bad}"));
        }
        for fine in ["Ada", "", "a=b", "203.0.113.9", "2026-11-28T10:00:00Z"] {
            assert_eq!(neutralize(fine), fine);
        }
    }
}
