//! A key generated once into the data directory (mode 0600, base64) and read
//! back at every start: where the session key and the secrets key live when
//! the settings do not give them.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use rand::RngCore;

/// The key in `path`, checked by `parse`; or `len` fresh random bytes
/// written there first.
pub fn load_or_create<E>(path: &Path, len: usize, parse: impl Fn(&str) -> Result<Vec<u8>, E>) -> anyhow::Result<Vec<u8>>
where
    E: std::error::Error + Send + Sync + 'static,
{
    if path.exists() {
        let text = fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        return parse(text.trim()).with_context(|| format!("{} is damaged", path.display()));
    }
    let mut key = vec![0u8; len];
    rand::rng().fill_bytes(&mut key);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("ORGPORTAL_DATA_DIR: cannot create {}", path.display()))?;
    file.write_all(base64::engine::general_purpose::STANDARD.encode(&key).as_bytes())?;
    Ok(key)
}
