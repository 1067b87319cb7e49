//! The key that encrypts session cookies: from the settings, or generated
//! once into the data directory (mode 0600) so restarts keep everyone signed
//! in and several instances can share it.

use std::path::Path;

use crate::config::{parse_session_key, Settings};

const FILE: &str = "session.key";

pub fn load_or_create(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = &settings.session_key {
        return Ok(key.clone());
    }
    load_or_create_in(&settings.data_dir)
}

fn load_or_create_in(dir: &Path) -> anyhow::Result<Vec<u8>> {
    super::key_file::load_or_create(&dir.join(FILE), 64, parse_session_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
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
