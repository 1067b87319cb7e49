//! An SMTP server in the bench process that counts the messages it accepts
//! and keeps nothing: where a bench's server sends its mail, as a deployment
//! sends it to its relay, instead of the development mailbox (two files a
//! message in one directory). Just enough of RFC 5321 for lettre: every
//! command is answered at once, without a reply waiting on the next packet
//! (TCP_NODELAY), so the portal's mail worker is never held up by the sink.
//! Not the tests' mailin-embedded sink (tests/api/mail_sink.rs): with the
//! worker's eight messages at once it took 76 messages in a
//! `BENCH_MAIL=smtp BENCH_ONLY=invite` run where this one took 3,966
//! (lettre's own connections then; about 60,000 since `mail/relay.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

pub struct MailSink {
    pub url: String,
    received: Arc<AtomicU64>,
}

impl MailSink {
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("smtp://127.0.0.1:{}", listener.local_addr()?.port());
        let received = Arc::new(AtomicU64::new(0));
        let count = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let count = count.clone();
                tokio::spawn(async move {
                    let _ = session(stream, &count).await;
                });
            }
        });
        Ok(MailSink { url, received })
    }

    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

async fn session(stream: TcpStream, received: &AtomicU64) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.bench ESMTP\r\n").await?;
    let (mut line, mut in_data) = (String::new(), false);
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        if in_data {
            if line == ".\r\n" {
                in_data = false;
                received.fetch_add(1, Ordering::Relaxed);
                write.write_all(b"250 2.0.0 accepted\r\n").await?;
            }
            continue;
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.bench\r\n250 8BITMIME\r\n",
            "DATA" => {
                in_data = true;
                b"354 end with <CRLF>.<CRLF>\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => b"250 2.0.0 ok\r\n",
        };
        write.write_all(reply).await?;
    }
}
