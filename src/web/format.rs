//! How dates look on pages and in emails.

use time::macros::format_description;
use time::PrimitiveDateTime;

/// "24 Nov 2026"
pub fn date(t: PrimitiveDateTime) -> String {
    t.format(format_description!("[day padding:none] [month repr:short] [year]")).unwrap_or_default()
}

/// "24 November 2026"
pub fn long_date(t: PrimitiveDateTime) -> String {
    t.format(format_description!("[day padding:none] [month repr:long] [year]")).unwrap_or_default()
}

/// "24 Nov 2026, 14:05 UTC"
pub fn date_time(t: PrimitiveDateTime) -> String {
    t.format(format_description!("[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"))
        .unwrap_or_default()
}
