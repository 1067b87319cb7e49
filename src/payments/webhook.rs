//! The provider's webhook signatures (`Stripe-Signature: t=TIME,v1=HEX`):
//! HMAC-SHA256 of `TIME.BODY` with the endpoint's secret; an event older
//! than the tolerance is refused, so a captured request cannot be replayed
//! later. Each event id is then handled once (store::billing::payment_methods).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How old a signed event may be (Stripe's own libraries use five minutes).
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header is not t=...,v1=...")]
    Malformed,
    #[error("the event was signed {0} s from now: outside the tolerance")]
    Stale(i64),
    #[error("no v1 signature matches")]
    Mismatch,
}

fn mac(secret: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length")
}

/// The header for `body` at `time`, as the provider writes it (for tests and stand-ins).
pub fn sign(secret: &str, time: i64, body: &[u8]) -> String {
    let mut m = mac(secret);
    m.update(format!("{time}.").as_bytes());
    m.update(body);
    let hex: String = m.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={time},v1={hex}")
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// Checks `header` against `body`; `now` is the current Unix time.
pub fn verify(header: Option<&str>, body: &[u8], secret: &str, now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut time = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => time = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(unhex(sig).ok_or(SignatureError::Malformed)?),
            _ => {}
        }
    }
    let time = time.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - time).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale(time - now));
    }
    let matches = signatures.iter().any(|sig| {
        let mut m = mac(secret);
        m.update(format!("{time}.").as_bytes());
        m.update(body);
        m.verify_slice(sig).is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_bad_stale_and_rotated_signatures() {
        let (secret, body, now) = ("whsec_test", br#"{"id":"evt_1"}"#.as_slice(), 1_800_000_000);
        let good = sign(secret, now, body);
        assert_eq!(verify(Some(&good), body, secret, now + 10), Ok(()));
        assert_eq!(verify(Some(&good), b"{}", secret, now), Err(SignatureError::Mismatch));
        assert_eq!(verify(Some(&good), body, "whsec_other", now), Err(SignatureError::Mismatch));
        assert_eq!(verify(Some(&good), body, secret, now + 301), Err(SignatureError::Stale(-301)));
        assert_eq!(verify(None, body, secret, now), Err(SignatureError::Missing));
        assert_eq!(verify(Some("v1=00"), body, secret, now), Err(SignatureError::Malformed));
        assert_eq!(verify(Some("t=1,v1=xyz"), body, secret, 1), Err(SignatureError::Malformed));
        // An old secret's signature beside the new one (rotation) is fine.
        let both = format!("{},v1={}", sign("whsec_old", now, body), &good.split("v1=").nth(1).unwrap());
        assert_eq!(verify(Some(&both), body, secret, now), Ok(()));
    }
}
