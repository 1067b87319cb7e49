//! How dates look on pages and in emails.

use time::macros::format_description;
use time::PrimitiveDateTime;

/// "24 Nov 2026"
pub fn date(t: PrimitiveDateTime) -> String {
    t.format(format_description!("[day padding:none] [month repr:short] [year]")).unwrap_or_default()
}

/// A calendar day: "24 Nov 2026".
pub fn day(d: time::Date) -> String {
    date(d.midnight())
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

/// "14:05 UTC"
pub fn time_of_day(t: PrimitiveDateTime) -> String {
    t.format(format_description!("[hour]:[minute] UTC")).unwrap_or_default()
}

/// A keyset position in a URL: `{unix nanoseconds}~{id}`.
pub fn keyset_token(at: PrimitiveDateTime, id: &str) -> String {
    format!("{}~{id}", at.assume_utc().unix_timestamp_nanos())
}

pub fn parse_keyset_token(s: &str) -> Option<(PrimitiveDateTime, String)> {
    let (nanos, id) = s.split_once('~')?;
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(nanos.parse().ok()?).ok()?;
    Some((PrimitiveDateTime::new(t.date(), t.time()), id.to_string()))
}
