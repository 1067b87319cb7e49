//! Random 256-bit tokens of which only a SHA-256 hash is stored: invitation
//! links and service connection tokens.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh token to hand out once, and the hash that is stored.
pub struct SecretToken {
    pub token: String,
    pub hash: String,
}

impl SecretToken {
    pub fn generate() -> Self {
        Self::with_prefix("")
    }

    /// A token that starts with `prefix` so that it can be recognised
    /// (in a leaked config file, say) as one of ours.
    pub fn with_prefix(prefix: &str) -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        let hash = hash_token(&token);
        Self { token, hash }
    }
}

pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
