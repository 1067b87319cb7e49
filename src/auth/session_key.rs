//! The key that encrypts session cookies: from the settings, or generated
//! once into the data directory (mode 0600) so restarts keep everyone signed
//! in and several instances can share it.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use rand::RngCore;

use crate::config::{parse_session_key, Settings};

const FILE: &str = "session.key";

pub fn load_or_create(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = &settings.session_key {
        return Ok(key.clone());
    }
    load_or_create_in(&settings.data_dir)
}

fn load_or_create_in(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = dir.join(FILE);
    if path.exists() {
        let text = fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        return parse_session_key(text.trim()).with_context(|| format!("{} is damaged", path.display()));
    }
    let mut key = vec![0u8; 64];
    rand::rng().fill_bytes(&mut key);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&key);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("ORGPORTAL_DATA_DIR: cannot create {}", path.display()))?;
    file.write_all(encoded.as_bytes())?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn generated_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_in(dir.path()).unwrap();
        let second = load_or_create_in(dir.path()).unwrap();
        assert_eq!(first, second);
        let mode = fs::metadata(dir.path().join(FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
