//! A `Timestamp` column read without diesel's general parser.
//!
//! On SQLite diesel reads a timestamp's text by trying `time`'s format
//! descriptions one after another; for the fifty join dates of a Members page
//! that was 4% of the request (issue 11), and the session, user and
//! organization rows of every signed-in page added 1.4% more. orgportal writes every timestamp
//! as `YYYY-MM-DD HH:MM:SS.fffffffff` (diesel's own format), which is read
//! here digit by digit; anything else goes to diesel's parser. PostgreSQL
//! sends binary timestamps and keeps diesel's reading.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::Timestamp;
use diesel::sqlite::{Sqlite, SqliteType};
use time::{Date, Month, PrimitiveDateTime, Time};

use super::{MultiBackend, MultiRawValue};

/// A `Timestamp` read fast; use with `#[diesel(deserialize_as = FastTimestamp)]`
/// on a `PrimitiveDateTime` field.
#[derive(Clone, Copy, diesel::deserialize::FromSqlRow)]
pub struct FastTimestamp(PrimitiveDateTime);

impl From<FastTimestamp> for PrimitiveDateTime {
    fn from(t: FastTimestamp) -> Self {
        t.0
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of 1 to 9 digits.
fn parse(s: &str) -> Option<PrimitiveDateTime> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            num(20..b.len())? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let month = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let date =
        Date::from_calendar_date(i32::try_from(num(0..4)?).ok()?, month, u8::try_from(num(8..10)?).ok()?).ok()?;
    let hms = |r| num(r).and_then(|n| u8::try_from(n).ok());
    let time = Time::from_hms_nano(hms(11..13)?, hms(14..16)?, hms(17..19)?, nanos).ok()?;
    Some(PrimitiveDateTime::new(date, time))
}

impl FromSql<Timestamp, Sqlite> for FastTimestamp {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if value.value_type() == Some(SqliteType::Text) {
            if let Some(t) = parse(value.read_text()) {
                return Ok(FastTimestamp(t));
            }
        }
        <PrimitiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(FastTimestamp)
    }
}

impl FromSql<Timestamp, Pg> for FastTimestamp {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <PrimitiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(FastTimestamp)
    }
}

impl FromSql<Timestamp, MultiBackend> for FastTimestamp {
    fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

/// `t` to the microsecond, as PostgreSQL keeps it: an answer built from
/// the values just written then says what the database holds, on both
/// backends (SQLite keeps the nanoseconds).
pub fn as_stored(t: PrimitiveDateTime) -> PrimitiveDateTime {
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn reads_what_diesel_writes() {
        assert_eq!(super::parse("2026-11-28 18:32:15.950409082"), Some(datetime!(2026-11-28 18:32:15.950409082)));
        assert_eq!(super::parse("2026-11-28 18:32:15.5"), Some(datetime!(2026-11-28 18:32:15.5)));
        assert_eq!(super::parse("2026-01-02 03:04:05"), Some(datetime!(2026-01-02 03:04:05)));
    }

    #[test]
    fn leaves_other_forms_to_diesel() {
        for s in [
            "2026-11-28T18:32:15",
            "2026-11-28 18:32",
            "2026-11-28 18:32:15Z",
            "2026-11-28 18:32:15.1234567891",
            "2026-13-28 18:32:15",
            "2026-02-30 18:32:15",
            "2026-11-28 24:00:00",
            "2026-11-28 18:32:1x",
            "2026-11-28 18:32:15.",
        ] {
            assert_eq!(super::parse(s), None, "{s}");
        }
    }
}
