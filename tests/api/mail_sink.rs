//! A real SMTP server (mailin-embedded) in the test process that keeps what
//! it receives, so tests read invitation links out of delivered mail.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::{response, Handler, Response, Server, SslConfig};

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub raw: String,
}

impl Received {
    /// The raw message with quoted-printable soft line breaks removed.
    fn unfolded(&self) -> String {
        self.raw.replace("=\r\n", "").replace("=3D", "=")
    }

    /// The invitation token in the link of the message.
    pub fn invitation_token(&self) -> String {
        let text = self.unfolded();
        // `/invitations/{token}` or `/project-invitations/{token}`.
        let start = text.find("invitations/").expect("an invitation link in the mail") + "invitations/".len();
        text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.unfolded().contains(needle)
    }
}

#[derive(Clone)]
struct Collector {
    to: Vec<String>,
    data: Vec<u8>,
    inbox: Arc<Mutex<Vec<Received>>>,
    /// How long each message's final reply waits (a slow relay).
    hold: Duration,
    /// Messages whose final reply is waiting now, and the most at once.
    holding: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if !self.hold.is_zero() {
            let now = self.holding.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(self.hold);
            self.holding.fetch_sub(1, Ordering::SeqCst);
        }
        let raw = String::from_utf8_lossy(&self.data).into_owned();
        self.inbox.lock().unwrap().push(Received { to: self.to.clone(), raw });
        response::OK
    }
}

pub struct MailSink {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
    peak: Arc<AtomicUsize>,
}

/// "SMTP is down" on a port this test keeps: every connection is closed at
/// once, before the greeting. Keeping the port bound until the sink takes it
/// over means no other socket (another test's server, an outgoing
/// connection's local port) can take it in between.
pub struct DownServer {
    listener: Option<TcpListener>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DownServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let accepting = listener.try_clone().unwrap();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in accepting.incoming() {
                drop(conn);
                if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
            }
        });
        Self { listener: Some(listener), stop, thread: Some(thread) }
    }

    pub fn port(&self) -> u16 {
        self.listener.as_ref().unwrap().local_addr().unwrap().port()
    }

    /// SMTP comes up on the same port.
    pub fn bring_up(mut self) -> MailSink {
        let port = self.port();
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", port)); // wakes the accept loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        drop(self.listener.take());
        MailSink::start_on(port)
    }
}

impl MailSink {
    pub fn start() -> Self {
        Self::start_on(0)
    }

    pub fn start_on(port: u16) -> Self {
        Self::serve(port, Duration::ZERO)
    }

    /// A relay that takes `hold` to accept each message, eight sessions at once.
    pub fn start_slow(hold: Duration) -> Self {
        Self::serve(0, hold)
    }

    fn serve(port: u16, hold: Duration) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the SMTP sink");
        let port = listener.local_addr().unwrap().port();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let peak = Arc::new(AtomicUsize::new(0));
        let handler = Collector {
            to: Vec::new(),
            data: Vec::new(),
            inbox: inbox.clone(),
            hold,
            holding: Arc::new(AtomicUsize::new(0)),
            peak: peak.clone(),
        };
        let mut server = Server::new(handler);
        server
            .with_name("sink.test")
            .with_ssl(SslConfig::None)
            .unwrap()
            .with_num_threads(8)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, inbox, peak }
    }

    /// The most messages a slow sink was accepting at once.
    pub fn peak_at_once(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    pub fn url(port: u16) -> String {
        format!("smtp://127.0.0.1:{port}")
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    /// Waits (bounded) until a message to `to` arrives; returns the newest.
    pub async fn wait_for(&self, to: &str, count: usize) -> Received {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mine: Vec<Received> =
                self.received().into_iter().filter(|m| m.to.iter().any(|t| t.contains(to))).collect();
            if mine.len() >= count {
                return mine.last().unwrap().clone();
            }
            assert!(Instant::now() < deadline, "no mail for {to} within 20 s; got {:?}", self.received().len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
