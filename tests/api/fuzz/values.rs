//! The hostile values the fuzz sends.

/// A hostile value: text (sent percent-encoded), or bytes already encoded
/// (invalid UTF-8 cannot be a Rust string).
#[derive(Clone, Debug)]
pub enum Hostile {
    Text(String),
    Encoded(&'static str),
}

impl Hostile {
    pub fn encoded(&self) -> String {
        match self {
            Hostile::Text(t) => url::form_urlencoded::byte_serialize(t.as_bytes()).collect(),
            Hostile::Encoded(e) => e.to_string(),
        }
    }
}

/// The corpus. `round` picks which C0 control goes into the last value, so
/// that across a route's parameters every C0 control is sent on its own.
pub fn corpus(round: usize) -> Vec<Hostile> {
    let c0 = char::from_u32((round % 32) as u32).unwrap();
    let others: String = (1u32..32).filter_map(char::from_u32).filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let mut values: Vec<Hostile> = [
        "\0",
        "abc\0",
        "a\nb",
        "a\r\nb",
        "a\tb",
        others.as_str(),
        "\u{7f}\u{85}",
        "\u{202e}evil\u{200b}\u{feff}",
        "'\"<>%_\\*",
        "NEAR(",
        "\"",
        "a OR b",
        ":*",
        "a & !b | c:*",
        "' OR 1=1 --",
    ]
    .into_iter()
    .map(|s| Hostile::Text(s.to_string()))
    .collect();
    values.push(Hostile::Text(format!("x{c0}y")));
    values.push(Hostile::Text("a".repeat(100_000)));
    values.extend(["%FF", "%C0%80", "%ED%A0%80", "a%FE%FFb"].map(Hostile::Encoded));
    values
}
