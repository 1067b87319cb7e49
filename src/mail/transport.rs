use std::path::{Path, PathBuf};

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use serde::{Deserialize, Serialize};

use super::relay::Relay;
use crate::store::outbox::DueMail;

/// Where mail goes: an SMTP relay, or `.eml` files (the embedded default,
/// listed at /dev/mailbox).
pub enum Transport {
    Smtp(Relay),
    Disk(PathBuf),
}

/// What /dev/mailbox lists for each message written to disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiskMessage {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub written_at: String,
}

impl DiskMessage {
    /// The web links in the text part (the invitation link), to click.
    pub fn links(&self) -> Vec<String> {
        self.text
            .split_whitespace()
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(String::from)
            .collect()
    }
}

impl Transport {
    /// An SMTP relay from its URL (lettre's: `smtps://` is TLS from the
    /// start, `?tls=required` STARTTLS); `ca_file` adds trusted authorities.
    pub fn smtp(url: &str, ca_file: Option<&Path>) -> anyhow::Result<Self> {
        Ok(Transport::Smtp(Relay::from_url(url, ca_file)?))
    }

    pub fn disk(dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Transport::Disk(dir))
    }

    pub fn mailbox_dir(&self) -> Option<&PathBuf> {
        match self {
            Transport::Disk(dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// Sends one message; the error text is kept in the outbox row.
    pub async fn deliver(&self, from: &Mailbox, mail: &DueMail) -> Result<(), String> {
        let to: Mailbox = mail.to_addr.parse().map_err(|e| format!("bad recipient address: {e}"))?;
        // The same id on every attempt: a relay or mail client that gets a
        // message twice (sent, then the process died before recording it)
        // can tell it is one message.
        let message_id = format!("<{}@{}>", mail.id, from.email.domain());
        let message = Message::builder()
            .message_id(Some(message_id))
            .from(from.clone())
            .to(to)
            .subject(&mail.subject)
            .multipart(MultiPart::alternative_plain_html(mail.body_text.clone(), mail.body_html.clone()))
            .map_err(|e| format!("cannot build the message: {e}"))?;
        match self {
            Transport::Smtp(relay) => relay.send(message.envelope(), &message.formatted()).await,
            Transport::Disk(dir) => {
                let written_at = time::OffsetDateTime::now_utc();
                let stamp = written_at.unix_timestamp_nanos();
                let base = dir.join(format!("{stamp}-{}", mail.id));
                let meta = DiskMessage {
                    id: format!("{stamp}-{}", mail.id),
                    to: mail.to_addr.clone(),
                    subject: mail.subject.clone(),
                    text: mail.body_text.clone(),
                    written_at: written_at
                        .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC"))
                        .unwrap_or_default(),
                };
                let json = serde_json::to_vec_pretty(&meta).map_err(|e| e.to_string())?;
                let eml = message.formatted();
                // Creating files blocks (ext4 searches its inode bitmaps for a
                // free one): on the blocking pool, not the runtime's thread.
                tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                    std::fs::write(base.with_extension("eml"), eml)?;
                    std::fs::write(base.with_extension("json"), json)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
            }
        }
    }
}

/// Messages written to disk, newest first.
pub fn read_mailbox(dir: &std::path::Path) -> Vec<DiskMessage> {
    let mut out: Vec<DiskMessage> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect();
    out.sort_by(|a, b| b.id.cmp(&a.id));
    out
}

#[cfg(test)]
mod tests {
    use lettre::message::Mailbox;

    use crate::domain::Email;

    /// What the portal accepts as an address, lettre (which sends the mail)
    /// accepts as a recipient; the scanner's `a@b.com;env;` once passed the
    /// first and failed every delivery.
    #[test]
    fn every_address_the_portal_accepts_is_one_lettre_can_send_to() {
        let corpus = [
            "ann@example.com",
            "o'brien+tag@example.co.uk",
            "a_b-c.d@sub-1.example.com",
            "jürgen@bücher.de",
            "x@b.com;env;",
            "x@b.com/../../etc/passwd",
            "x@b.com%00",
            "x;y@b.com",
            "\"quoted\"@b.com",
            "a..b@b.com",
            "a.@b.com",
            "a@b..com",
            "a@-b.com",
            "a@b_c.com",
            "a@[127.0.0.1]",
            "a@b.com>",
            "<a@b.com>",
            "a b@c.com",
            "a@b.c\u{0}m",
            "a(comment)@b.com",
            "{x}@b.com",
        ];
        let mut accepted = 0;
        for address in corpus {
            if let Ok(email) = Email::parse(address) {
                accepted += 1;
                assert!(email.as_str().parse::<Mailbox>().is_ok(), "{address}: accepted here, refused by lettre");
            }
        }
        assert!(accepted >= 5, "{accepted}");
    }
}
