//! A database outage (issue 12): PostgreSQL made unreachable by stopping a
//! TCP proxy in front of it while requests arrive. Pages answer 503 with the
//! error page, a request id and Retry-After within 2 s, /readyz says 503, and
//! service resumes without a restart when the database is back.

use std::time::{Duration, Instant};

use orgportal::config::Secret;
use reqwest::StatusCode;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::helpers::spawn_app_with;

/// Forwards 127.0.0.1:`port` to `upstream` until stopped; stopping closes
/// every forwarded connection too.
struct Proxy {
    port: u16,
    task: JoinHandle<()>,
}

impl Proxy {
    async fn start(port: u16, upstream: String) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            // Dropped with this task: every connection's task is aborted.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Proxy { port, task }
    }

    fn stop(self) -> u16 {
        self.task.abort();
        self.port
    }
}

#[tokio::test]
async fn a_database_outage_answers_503_soon_and_service_resumes_by_itself() {
    let Ok(url) = std::env::var("ORGPORTAL_TEST_DATABASE_URL") else {
        return; // SQLite is a file in the process: it has no outage to simulate.
    };
    let upstream = {
        let u = url::Url::parse(&url).unwrap();
        format!("{}:{}", u.host_str().unwrap(), u.port().unwrap_or(5432))
    };
    let proxy = Proxy::start(0, upstream.clone()).await;
    let port = proxy.port;
    let app = spawn_app_with(|s| {
        let direct = s.database_url.as_ref().unwrap().expose().to_string();
        let mut through = url::Url::parse(&direct).unwrap();
        through.set_port(Some(port)).unwrap();
        s.database_url = Some(Secret::new(through.to_string()));
    })
    .await;
    let slug = crate::helpers::admin_with_org(&app, "owner@example.com", "Acme").await;
    let members = format!("/orgs/{slug}/members");
    assert!(app.browser.get_html(&members).await.contains("owner@example.com"));

    let port = proxy.stop();
    let projects = format!("/orgs/{slug}/projects");
    for path in [members.as_str(), "/settings", projects.as_str()] {
        let started = Instant::now();
        let res = app.browser.get(path).await;
        let waited = started.elapsed();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(waited < Duration::from_secs(2), "{path}: answered after {waited:?}");
        assert_eq!(res.headers()["retry-after"], "5", "{path}");
        let request_id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        let body = res.text().await.unwrap();
        assert!(body.contains("Temporarily unavailable") && body.contains(&request_id), "{path}: {body}");
        assert!(!body.contains("r2d2") && !body.contains("timed out"), "no internals shown");
    }
    let res = app.browser.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.browser.get("/healthz").await.status(), StatusCode::OK, "the process lives on");
    assert_eq!(app.browser.get("/").await.status(), StatusCode::OK, "a page that needs no database still answers");

    // The database is back on the same address: no restart needed.
    let _proxy = Proxy::start(port, upstream).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let res = app.browser.get(&members).await;
        if res.status() == StatusCode::OK {
            assert!(res.text().await.unwrap().contains("owner@example.com"));
            break;
        }
        assert!(Instant::now() < deadline, "service did not resume: {}", res.status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.browser.get("/readyz").await.status(), StatusCode::OK);
}
