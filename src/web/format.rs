//! How dates look on pages and in emails.

use time::macros::format_description;
use time::PrimitiveDateTime;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "24 Nov 2026". Written digit by digit into one allocation rather than
/// through a format description or `format!`: a Members page shows fifty of
/// these, and they were 2-3% of its request (issue 11).
pub fn date(t: PrimitiveDateTime) -> String {
    let Some(year) = u32::try_from(t.year()).ok().filter(|y| *y <= 9999) else {
        return t.format(format_description!("[day padding:none] [month repr:short] [year]")).unwrap_or_default();
    };
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let mut s = String::with_capacity(11);
    let day = u32::from(t.day());
    if day >= 10 {
        s.push(digit(day / 10));
    }
    s.push(digit(day));
    s.push(' ');
    s.push_str(MONTHS[usize::from(u8::from(t.month())) - 1]);
    s.push(' ');
    for n in [year / 1000, year / 100, year / 10, year] {
        s.push(digit(n));
    }
    s
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

/// A keyset position in name order: `{id}~{name}` (the id holds no `~`).
pub fn name_token(name: &str, id: &str) -> String {
    format!("{id}~{name}")
}

/// (name, id) from `name_token`.
pub fn parse_name_token(s: &str) -> Option<(String, String)> {
    let (id, name) = s.split_once('~')?;
    Some((name.to_string(), id.to_string()))
}

/// "November 2026"
pub fn month(d: time::Date) -> String {
    format!("{} {}", d.month(), d.year())
}

/// A whole number with thousands separated: "1,234,567".
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::count(0), "0");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(1_000), "1,000");
        assert_eq!(super::count(-1_234_567), "-1,234,567");
    }

    #[test]
    fn name_tokens_round_trip() {
        let token = super::name_token("Fleet ~ radar", "id-1");
        assert_eq!(super::parse_name_token(&token), Some(("Fleet ~ radar".into(), "id-1".into())));
    }

    #[test]
    fn dates_read_as_the_general_formatter_writes_them() {
        use time::macros::format_description;
        let general = format_description!("[day padding:none] [month repr:short] [year]");
        for (y, m, d) in
            [(2026, 1, 1), (2026, 11, 24), (999, 5, 9), (2030, 12, 31), (2028, 2, 29), (-44, 3, 15), (9999, 12, 31)]
        {
            let month = time::Month::try_from(m).unwrap();
            let t = time::Date::from_calendar_date(y, month, d).unwrap().with_hms(23, 59, 59).unwrap();
            assert_eq!(super::date(t), t.format(general).unwrap());
        }
        assert_eq!(super::date(time::macros::datetime!(2026-09-03 00:00)), "3 Sep 2026");
    }
}
