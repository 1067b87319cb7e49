//! The SMTP relay the mail worker sends through: its URL read once, the
//! connections the portal opens to it, and the idle ones kept for the next
//! message.
//!
//! lettre speaks SMTP (EHLO, STARTTLS, AUTH, the message), but the portal
//! opens each TCP connection itself so it can turn Nagle's algorithm off.
//! lettre 0.11.23, the newest release, writes a message's closing "." in a
//! write of its own, which Nagle holds back until the relay acknowledges the
//! body. Relays delay that acknowledgement, so every message waited about
//! 40 ms (issue 29's bench: 20 messages a second per connection). lettre's
//! PR #1159 sets TCP_NODELAY itself; once it is released, `AsyncSmtpTransport`
//! can take this module's place.

use std::path::Path;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
#[allow(deprecated)] // lettre's own TLS stream, the only way to hand it one that is TLS from the start
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, FuturesAsyncReadCompatExt};

/// A message, from connecting to the relay's answer to its last line.
const TIMEOUT: Duration = Duration::from_secs(15);
/// Idle connections kept: one for each message the worker sends at once.
const KEEP: usize = 8;
/// A connection idle longer than this is asked for a NOOP before it is used.
const TRUST_IDLE: Duration = Duration::from_secs(5);
/// A connection idle longer than this is closed (relays close them after
/// a few minutes; Postfix after 300 s).
const MAX_IDLE: Duration = Duration::from_secs(60);

pub struct Relay {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Relay {
    /// The relay from its URL, as lettre reads one: `smtp://` (port 25),
    /// `?tls=required` or `?tls=opportunistic` (STARTTLS, port 587),
    /// `smtps://` (TLS from the start, port 465), `user:password@` for AUTH,
    /// a path for the EHLO name. `ca_file` adds trusted authorities.
    pub fn from_url(url: &str, ca_file: Option<&Path>) -> anyhow::Result<Self> {
        let bad = "ORGPORTAL_SMTP_URL: not a usable SMTP URL";
        let parsed = url::Url::parse(url).context(bad)?;
        let host = parsed.host_str().filter(|h| !h.is_empty()).with_context(|| format!("{bad}: no host"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let mode = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let params = || tls_parameters(&host, ca_file);
        let (tls, port): (Tls, u16) = match (parsed.scheme(), mode.as_deref()) {
            ("smtp", None) => (Tls::None, 25),
            ("smtp", Some("required")) => (Tls::Required(params()?), 587),
            ("smtp", Some("opportunistic")) => (Tls::Opportunistic(params()?), 587),
            ("smtps", _) => (Tls::Wrapper(params()?), 465),
            (scheme, mode) => anyhow::bail!("{bad}: unknown scheme {scheme:?} or tls={mode:?}"),
        };
        if ca_file.is_some() && matches!(tls, Tls::None) {
            anyhow::bail!(
                "ORGPORTAL_SMTP_CA_FILE is set but ORGPORTAL_SMTP_URL uses no TLS (use smtps:// or ?tls=required)"
            );
        }
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8().map(|s| s.into_owned());
        let credentials = match parsed.password() {
            Some(password) => {
                Some(Credentials::new(decode(parsed.username()).context(bad)?, decode(password).context(bad)?))
            }
            None => None,
        };
        let name = parsed.path().trim_matches('/');
        let hello = if name.is_empty() { ClientId::default() } else { ClientId::Domain(name.to_string()) };
        Ok(Relay { port: parsed.port().unwrap_or(port), host, tls, credentials, hello, idle: Mutex::new(Vec::new()) })
    }

    /// Sends one message, on a kept connection when one is idle.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), String> {
        let attempt = async {
            let mut conn = match self.take_idle().await {
                Some(conn) => conn,
                None => self.connect().await?,
            };
            conn.send(envelope, message).await.map_err(|e| e.to_string())?;
            // After any refusal lettre has quit the connection (has_broken).
            if !conn.has_broken() {
                self.park(conn);
            }
            Ok(())
        };
        match tokio::time::timeout(TIMEOUT, attempt).await {
            Ok(result) => result,
            Err(_) => Err(format!("the relay did not finish within {} s", TIMEOUT.as_secs())),
        }
    }

    async fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()?;
            let idle = since.elapsed();
            if idle > MAX_IDLE {
                conn.abort().await;
            } else if idle <= TRUST_IDLE || conn.test_connected().await {
                return Some(conn);
            }
        }
    }

    fn park(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < KEEP {
            idle.push((conn, Instant::now()));
        }
    }

    /// A new connection: greeted, encrypted as the URL says, authenticated.
    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let tcp = open(&self.host, self.port)
            .await
            .map_err(|e| format!("cannot connect to {}:{}: {e}", self.host, self.port))?;
        self.greet(tcp).await.map_err(|e| e.to_string())
    }

    async fn greet(&self, tcp: TcpStream) -> Result<AsyncSmtpConnection, lettre::transport::smtp::Error> {
        let mut conn = match &self.tls {
            Tls::Wrapper(params) => {
                #[allow(deprecated)]
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
                stream.upgrade_tls(params.clone()).await?;
                AsyncSmtpConnection::connect_with_transport(Box::new(Encrypted(stream.compat())), &self.hello).await?
            }
            _ => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?,
        };
        match &self.tls {
            Tls::Required(params) => conn.starttls(params.clone(), &self.hello).await?,
            Tls::Opportunistic(params) if conn.can_starttls() => conn.starttls(params.clone(), &self.hello).await?,
            _ => {}
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await?;
        }
        Ok(conn)
    }
}

/// A TCP connection to the relay with Nagle's algorithm off.
async fn open(host: &str, port: u16) -> std::io::Result<TcpStream> {
    let tcp = TcpStream::connect((host, port)).await?;
    tcp.set_nodelay(true)?;
    Ok(tcp)
}

/// The host's TLS parameters, trusting `ca_file`'s authorities too.
fn tls_parameters(host: &str, ca_file: Option<&Path>) -> anyhow::Result<TlsParameters> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(ca_file) = ca_file {
        let pem = std::fs::read(ca_file)
            .with_context(|| format!("ORGPORTAL_SMTP_CA_FILE: cannot read {}", ca_file.display()))?;
        // lettre takes a file without any certificate as an empty list.
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            anyhow::bail!("ORGPORTAL_SMTP_CA_FILE: {} holds no PEM certificate", ca_file.display());
        }
        let ca = Certificate::from_pem(&pem)
            .with_context(|| format!("ORGPORTAL_SMTP_CA_FILE: {} holds no PEM certificate", ca_file.display()))?;
        builder = builder.add_root_certificate(ca);
    }
    Ok(builder.build_rustls()?)
}

/// lettre's TLS stream (futures' I/O traits) as a stream lettre's client
/// takes (tokio's).
#[allow(deprecated)]
#[derive(Debug)]
struct Encrypted(Compat<AsyncNetworkStream>);

impl AsyncTokioStream for Encrypted {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().peer_addr()
    }
}

impl AsyncRead for Encrypted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Encrypted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_connection_to_the_relay_sends_without_waiting_for_acknowledgements() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tcp = open("127.0.0.1", port).await.unwrap();
        assert!(tcp.nodelay().unwrap());
    }

    #[test]
    fn the_url_says_where_how_and_as_whom() {
        let relay = Relay::from_url("smtp://mailer:s3cr%40t@relay.example.com?tls=required", None).unwrap();
        assert_eq!((relay.host.as_str(), relay.port), ("relay.example.com", 587));
        assert!(matches!(relay.tls, Tls::Required(_)));
        assert!(relay.credentials.is_some());
        let relay = Relay::from_url("smtps://relay.example.com:2465/portal.example.com", None).unwrap();
        assert_eq!(relay.port, 2465);
        assert!(matches!(relay.tls, Tls::Wrapper(_)));
        assert!(matches!(relay.hello, ClientId::Domain(ref d) if d == "portal.example.com"));
        let relay = Relay::from_url("smtp://127.0.0.1", None).unwrap();
        assert_eq!(relay.port, 25);
        assert!(matches!(relay.tls, Tls::None) && relay.credentials.is_none());
        for bad in
            ["http://relay.example.com", "smtp://relay.example.com?tls=sometimes", "relay.example.com", "smtp://"]
        {
            assert!(Relay::from_url(bad, None).is_err(), "{bad}");
        }
    }
}
