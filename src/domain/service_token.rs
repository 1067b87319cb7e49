//! Connection tokens for services (Percona's PMM server): the name a member
//! gives one, and the token's recognisable form.

pub use super::secret_token::hash_token;
use super::secret_token::SecretToken;

pub const MAX_SERVICE_NAME: usize = 60;
/// Every connection token starts with this, so a leaked one is easy to spot.
pub const TOKEN_PREFIX: &str = "opsvc_";

pub fn generate() -> SecretToken {
    SecretToken::with_prefix(TOKEN_PREFIX)
}

/// A project's connection tokens start with this instead.
pub const PROJECT_TOKEN_PREFIX: &str = "opprj_";

pub fn generate_for_project() -> SecretToken {
    SecretToken::with_prefix(PROJECT_TOKEN_PREFIX)
}

/// The token of an `Authorization: Bearer TOKEN` header. The scheme's name is
/// case-insensitive (RFC 9110, section 11.1), so `bearer` and `BEARER` count.
pub fn bearer_credentials(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim_start().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A service's name: trimmed, 1 to 60 characters, one line.
pub fn parse_name(input: &str) -> Result<String, String> {
    super::text::short_name(input, MAX_SERVICE_NAME, "Name the service, e.g. “PMM production”.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_in_any_letter_case() {
        for header in ["Bearer opprj_x", "bearer opprj_x", "BEARER  opprj_x ", "bEaReR\topprj_x"] {
            assert_eq!(bearer_credentials(header), Some("opprj_x"), "{header}");
        }
        for header in ["Basic opprj_x", "Bearer", "Bearer   ", "Beareropprj_x", ""] {
            assert_eq!(bearer_credentials(header), None, "{header}");
        }
    }

    #[test]
    fn names_and_tokens() {
        assert_eq!(parse_name("  PMM prod ").unwrap(), "PMM prod");
        assert!(parse_name(" ").is_err());
        assert!(parse_name(&"a".repeat(61)).is_err());
        let t = generate();
        assert!(t.token.starts_with(TOKEN_PREFIX) && t.token.len() > 40);
        assert_eq!(t.hash, hash_token(&t.token));
        assert_ne!(generate().token, t.token);
    }
}
