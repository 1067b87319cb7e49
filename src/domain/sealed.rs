//! Secrets the portal must read back (webhook signing secrets; next, an
//! organization's SSO client secret) are kept in the database sealed with
//! AES-256-GCM under a key from the settings, never as typed. A sealed
//! value names the key that sealed it, so a key can be rotated: the new key
//! seals, the previous one still opens, and the start-up pass re-seals
//! everything under the new key. The column it belongs to is bound in as
//! associated data, so a value copied into another column does not open.

use base64::Engine;
use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use sha2::{Digest, Sha256};

/// How a sealed value starts: `sealed:v1:<key id>:<base64 of nonce and ciphertext>`.
pub const PREFIX: &str = "sealed:v1:";
/// The length of a key, in bytes.
pub const KEY_LEN: usize = 32;

/// The column a webhook signing secret is sealed for.
pub const WEBHOOK_SECRET: &str = "webhook_endpoints.secret";
/// The column an organization's OpenID Connect client secret is sealed for.
pub const SSO_CLIENT_SECRET: &str = "sso_connections.client_secret";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("a secrets key is {KEY_LEN} bytes")]
    KeyLength,
    #[error("sealed with a key this portal does not have (key {0}): set ORGPORTAL_SECRETS_KEY_PREVIOUS to it")]
    UnknownKey(String),
    #[error("the sealed value is damaged")]
    Damaged,
}

/// A value as the database keeps it: sealed, or (written before sealing
/// existed) as typed until the start-up pass seals it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed(pub String);

impl Sealed {
    pub fn is_sealed(&self) -> bool {
        self.0.starts_with(PREFIX)
    }
}

struct Key {
    id: String,
    aead: LessSafeKey,
}

impl Key {
    fn new(bytes: &[u8]) -> Result<Self, SealError> {
        if bytes.len() != KEY_LEN {
            return Err(SealError::KeyLength);
        }
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| SealError::KeyLength)?;
        let digest = Sha256::digest(bytes);
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Key { id, aead: LessSafeKey::new(unbound) })
    }
}

/// The key that seals, and the one before it, which only opens.
pub struct SecretsKey {
    current: Key,
    previous: Option<Key>,
}

impl SecretsKey {
    pub fn new(current: &[u8], previous: Option<&[u8]>) -> Result<Self, SealError> {
        Ok(SecretsKey { current: Key::new(current)?, previous: previous.map(Key::new).transpose()? })
    }

    /// Seals `plain` for the column `context` under the current key.
    pub fn seal(&self, context: &str, plain: &str) -> Sealed {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut data = plain.as_bytes().to_vec();
        self.current
            .aead
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut data)
            .expect("AES-GCM seals any length the database holds");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out);
        Sealed(format!("{PREFIX}{}:{encoded}", self.current.id))
    }

    /// The value `stored` holds for the column `context`; one written
    /// before sealing existed is returned as it is.
    pub fn open(&self, context: &str, stored: &Sealed) -> Result<String, SealError> {
        let Some(rest) = stored.0.strip_prefix(PREFIX) else { return Ok(stored.0.clone()) };
        let (id, encoded) = rest.split_once(':').ok_or(SealError::Damaged)?;
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)
            .ok_or_else(|| SealError::UnknownKey(id.to_string()))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(encoded).map_err(|_| SealError::Damaged)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Damaged);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Damaged)?;
        let mut data = sealed.to_vec();
        let plain =
            key.aead.open_in_place(nonce, Aad::from(context.as_bytes()), &mut data).map_err(|_| SealError::Damaged)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SealError::Damaged)
    }

    /// Whether `stored` is sealed under the current key (nothing to redo).
    pub fn is_current(&self, stored: &Sealed) -> bool {
        stored.0.strip_prefix(PREFIX).and_then(|r| r.split_once(':')).is_some_and(|(id, _)| id == self.current.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> Vec<u8> {
        vec![byte; KEY_LEN]
    }

    #[test]
    fn a_sealed_value_opens_for_its_column_only() {
        let k = SecretsKey::new(&key(1), None).unwrap();
        let sealed = k.seal(WEBHOOK_SECRET, "whsec_abc");
        assert!(sealed.is_sealed() && !sealed.0.contains("whsec_abc"));
        assert_ne!(sealed, k.seal(WEBHOOK_SECRET, "whsec_abc"), "a fresh nonce each time");
        assert_eq!(k.open(WEBHOOK_SECRET, &sealed).unwrap(), "whsec_abc");
        assert_eq!(k.open("sso_connections.client_secret", &sealed), Err(SealError::Damaged));
        let mut tampered = sealed.0.clone();
        tampered.pop();
        tampered.push(if sealed.0.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(k.open(WEBHOOK_SECRET, &Sealed(tampered)), Err(SealError::Damaged));
        assert_eq!(
            k.open(WEBHOOK_SECRET, &Sealed("whsec_typed".into())).unwrap(),
            "whsec_typed",
            "written before sealing"
        );
    }

    #[test]
    fn a_rotated_key_opens_what_the_previous_one_sealed() {
        let old = SecretsKey::new(&key(1), None).unwrap();
        let sealed = old.seal(WEBHOOK_SECRET, "whsec_abc");
        let new = SecretsKey::new(&key(2), Some(&key(1))).unwrap();
        assert!(!new.is_current(&sealed) && old.is_current(&sealed));
        assert_eq!(new.open(WEBHOOK_SECRET, &sealed).unwrap(), "whsec_abc");
        let without = SecretsKey::new(&key(2), None).unwrap();
        assert!(matches!(without.open(WEBHOOK_SECRET, &sealed), Err(SealError::UnknownKey(_))));
        assert_eq!(SecretsKey::new(&[0; 16], None).err(), Some(SealError::KeyLength));
    }
}
