//! Usage the platform reports (`POST /api/v1/usage`): a JSON list of
//! `{id, metric, quantity, day}` records, checked whole before anything is
//! stored, with the index and field of the first bad record.

use serde_json::Value;
use time::Date;

/// How many records one request may carry.
pub const MAX_RECORDS: usize = 10_000;

/// The largest quantity one record may carry (10^12). With at most
/// [`MAX_RECORDS`] a request, a monthly total cannot leave the 64-bit range
/// through one request; the store checks the running total as well.
pub const MAX_QUANTITY: i64 = 1_000_000_000_000;

/// The days a project's usage may be reported for: from the day before it
/// was created (a platform reports its own local day, which may lie behind
/// UTC) to today (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub first: Date,
    pub last: Date,
}

impl Days {
    pub fn for_project(created: Date, today: Date) -> Self {
        Self { first: created.previous_day().unwrap_or(created), last: today }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRecord {
    /// The platform's own id: a retry of the same id counts once.
    pub id: String,
    pub metric: String,
    pub quantity: i64,
    pub day: Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// Not JSON, or not a list.
    Malformed(String),
    TooMany(usize),
    Bad {
        index: usize,
        field: String,
        message: String,
    },
}

impl BatchError {
    pub fn message(&self) -> String {
        match self {
            BatchError::Malformed(m) => m.clone(),
            BatchError::TooMany(n) => format!("{n} records: at most {MAX_RECORDS} per request"),
            BatchError::Bad { index, field, message } => format!("record {index}, {field}: {message}"),
        }
    }
}

/// Lower-case letters, digits, `.`, `_`, `-`; 1 to 64 characters.
pub fn valid_metric(m: &str) -> bool {
    (1..=64).contains(&m.len())
        && m.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

fn record(index: usize, v: &Value, days: Days) -> Result<UsageRecord, BatchError> {
    let bad =
        |field: &str, message: &str| BatchError::Bad { index, field: field.to_string(), message: message.to_string() };
    let Value::Object(map) = v else { return Err(bad("record", "must be an object")) };
    if let Some(unknown) = map.keys().find(|k| !["id", "metric", "quantity", "day"].contains(&k.as_str())) {
        return Err(bad(unknown, "unknown field"));
    }
    let text = |field: &str| match map.get(field) {
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(_) => Err(bad(field, "must be a string")),
        None => Err(bad(field, "missing")),
    };
    let id = text("id")?;
    if id.is_empty() || id.len() > 128 {
        return Err(bad("id", "must be 1 to 128 characters"));
    }
    if super::text::refused_char(id, super::text::Lines::One).is_some() {
        return Err(bad("id", "must not contain control characters"));
    }
    let metric = text("metric")?;
    if !valid_metric(metric) {
        return Err(bad("metric", "lower-case letters, digits, '.', '_' or '-', at most 64"));
    }
    let quantity = match map.get("quantity") {
        Some(Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(q), _) if q < 0 => return Err(bad("quantity", "must not be negative")),
            (Some(q), _) if q > MAX_QUANTITY => {
                return Err(bad("quantity", &format!("must be at most {MAX_QUANTITY}")))
            }
            (Some(q), _) => q,
            (None, Some(_)) => return Err(bad("quantity", &format!("must be at most {MAX_QUANTITY}"))),
            (None, None) => return Err(bad("quantity", "must be a whole number")),
        },
        Some(_) => return Err(bad("quantity", "must be a number")),
        None => return Err(bad("quantity", "missing")),
    };
    let day = Date::parse(text("day")?, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| bad("day", "must be a date (YYYY-MM-DD)"))?;
    if day > days.last {
        return Err(bad("day", "is in the future"));
    }
    if day < days.first {
        let first = days.first;
        return Err(bad("day", &format!("is before the project existed (the earliest day it accepts is {first})")));
    }
    Ok(UsageRecord { id: id.to_string(), metric: metric.to_string(), quantity, day })
}

/// Parses and checks a whole request body; each day must be one of `days`.
pub fn parse_batch(body: &[u8], days: Days) -> Result<Vec<UsageRecord>, BatchError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| BatchError::Malformed(format!("not JSON: {e}")))?;
    let Value::Array(items) = value else {
        return Err(BatchError::Malformed("the body must be a JSON list of records".into()));
    };
    if items.len() > MAX_RECORDS {
        return Err(BatchError::TooMany(items.len()));
    }
    items.iter().enumerate().map(|(i, v)| record(i, v, days)).collect()
}

/// The first day of the month of `day`.
pub fn month_of(day: Date) -> Date {
    day.replace_day(1).unwrap_or(day)
}

/// The first day of the month after `month`'s.
pub fn next_month(month: Date) -> Date {
    let first = month_of(month);
    let (year, m) = match first.month() {
        time::Month::December => (first.year() + 1, time::Month::January),
        other => (first.year(), other.next()),
    };
    Date::from_calendar_date(year, m, 1).unwrap_or(first)
}

/// A month as a query parameter writes it ("2026-11"); None when it is not one.
pub fn parse_month(s: &str) -> Option<Date> {
    let (year, month) = s.split_once('-')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) {
        return None;
    }
    let (year, month): (i32, u8) = (year.parse().ok()?, month.parse().ok()?);
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, 1).ok()
}

/// "2026-11", the form `parse_month` reads.
pub fn month_key(month: Date) -> String {
    format!("{:04}-{:02}", month.year(), u8::from(month.month()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);
    const DAYS: Days = Days { first: date!(2026 - 01 - 01), last: TODAY };

    fn bad(body: &str) -> String {
        parse_batch(body.as_bytes(), DAYS).unwrap_err().message()
    }

    #[test]
    fn good_records_parse() {
        let body = r#"[{"id": "r1", "metric": "device.hours", "quantity": 3, "day": "2026-11-28"}]"#;
        let records = parse_batch(body.as_bytes(), DAYS).unwrap();
        assert_eq!(records[0].quantity, 3);
        assert_eq!(month_of(records[0].day), date!(2026 - 11 - 01));
    }

    #[test]
    fn the_first_bad_record_is_named() {
        let ok = r#"{"id": "a", "metric": "sim.data_mb", "quantity": 1, "day": "2026-11-01"}"#;
        let with = |second: &str| format!("[{ok}, {second}]");
        assert_eq!(
            bad(&with(r#"{"id": "b", "metric": "m", "quantity": -1, "day": "2026-11-01"}"#)),
            "record 1, quantity: must not be negative"
        );
        assert_eq!(
            bad(&with(r#"{"id": "b", "metric": "m", "quantity": 1.5, "day": "2026-11-01"}"#)),
            "record 1, quantity: must be a whole number"
        );
        assert!(bad(&with(r#"{"id": "b", "metric": "Device Hours", "quantity": 1, "day": "2026-11-01"}"#))
            .starts_with("record 1, metric:"));
        assert_eq!(
            bad(&with(r#"{"id": "b", "metric": "m", "quantity": 1, "day": "2026-11-29"}"#)),
            "record 1, day: is in the future"
        );
        assert_eq!(
            bad(&with(r#"{"id": "b", "metric": "m", "quantity": 1, "day": "29/11/2026"}"#)),
            "record 1, day: must be a date (YYYY-MM-DD)"
        );
        assert_eq!(
            bad(&with(r#"{"id": "b", "metric": "m", "quantity": 1, "day": "2026-11-01", "x": 1}"#)),
            "record 1, x: unknown field"
        );
        assert_eq!(bad(&with(r#"{"metric": "m", "quantity": 1, "day": "2026-11-01"}"#)), "record 1, id: missing");
        assert_eq!(
            bad(&with(r#"{"id": "b", "metric": "m", "quantity": 1000000000001, "day": "2026-11-01"}"#)),
            "record 1, quantity: must be at most 1000000000000"
        );
        assert_eq!(
            bad(&with(r#"{"id": "b", "metric": "m", "quantity": 18446744073709551615, "day": "2026-11-01"}"#)),
            "record 1, quantity: must be at most 1000000000000"
        );
        assert_eq!(
            bad(&with(r#"{"id": "b", "metric": "m", "quantity": 1, "day": "1970-01-01"}"#)),
            "record 1, day: is before the project existed (the earliest day it accepts is 2026-01-01)"
        );
        assert_eq!(
            bad(&with(r#"{"id": "b\u0000", "metric": "m", "quantity": 1, "day": "2026-11-01"}"#)),
            "record 1, id: must not contain control characters"
        );
        assert_eq!(Days::for_project(date!(2028 - 03 - 01), TODAY).first, date!(2028 - 02 - 29));
        assert!(bad("{").starts_with("not JSON"));
        assert!(bad("{}").contains("JSON list"));
        assert!(valid_metric(&"a".repeat(64)) && !valid_metric(&"a".repeat(65)));
    }

    #[test]
    fn months_are_named_and_read() {
        assert_eq!(next_month(date!(2026 - 12 - 15)), date!(2027 - 01 - 01));
        assert_eq!(next_month(date!(2026 - 01 - 31)), date!(2026 - 02 - 01));
        assert_eq!(parse_month("2026-11"), Some(date!(2026 - 11 - 01)));
        assert_eq!(month_key(date!(2026 - 03 - 09)), "2026-03");
        for bad in ["2026-13", "2026", "x-11", "2026-00", "2026-011", "+202-11", ""] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }
}
