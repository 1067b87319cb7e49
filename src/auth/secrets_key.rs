//! The key that seals the secrets kept in the database (domain::sealed):
//! from the settings, or generated once into the data directory (mode 0600)
//! as the session key is. Several instances must be given the same key.

use crate::config::{parse_secrets_key, Settings};
use crate::domain::sealed::{SecretsKey, KEY_LEN};

const FILE: &str = "secrets.key";

pub fn load_or_create(settings: &Settings) -> anyhow::Result<SecretsKey> {
    let current = match &settings.secrets_key {
        Some(key) => key.clone(),
        None => super::key_file::load_or_create(&settings.data_dir.join(FILE), KEY_LEN, |text| {
            parse_secrets_key("secrets_key", text)
        })?,
    };
    Ok(SecretsKey::new(&current, settings.secrets_key_previous.as_deref())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sealed::WEBHOOK_SECRET;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn generated_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::defaults();
        settings.data_dir = dir.path().to_path_buf();
        let sealed = load_or_create(&settings).unwrap().seal(WEBHOOK_SECRET, "whsec_x");
        assert_eq!(load_or_create(&settings).unwrap().open(WEBHOOK_SECRET, &sealed).unwrap(), "whsec_x");
        let mode = fs::metadata(dir.path().join(FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
