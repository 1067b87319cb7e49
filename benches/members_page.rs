//! Members page under load (issue 3): `cargo bench --bench members_page`.
//!
//! Seeds an organization with 10,000 members and one with 100, starts the
//! release `orgportal` binary on them (SQLite, two workers), signs in through
//! the development provider, and loads the Members page with wrk (16
//! connections) through that session: the first page and a search on the
//! large organization, the first page on the small one. The baseline is a
//! bare actix-web handler rendering the same template with 50 rows from
//! memory. Needs `wrk` (Debian package). BENCH_SECONDS sets each run's length;
//! BENCH_HOLD=1 keeps the seeded server running for a profiler instead.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use orgportal::db;
use orgportal::domain::{OrgLimit, OrgName, RoleCatalog, Slug};
use orgportal::store::{members, orgs, users};

const CONNECTIONS: u32 = 16;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--baseline-server") {
        return baseline_server(args[i + 1].parse()?);
    }
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?.block_on(run())
}

/// The baseline: the same template, 50 rows from memory, no database, no session.
fn baseline_server(port: u16) -> anyhow::Result<()> {
    use actix_web::{web, App, HttpResponse, HttpServer};
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new().route(
                "/members",
                web::get().to(|| async {
                    match orgportal::web::members::page::sample_page(50) {
                        Ok(body) => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body),
                        Err(_) => HttpResponse::InternalServerError().finish(),
                    }
                }),
            )
        })
        .workers(2)
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })?;
    Ok(())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    /// Peak resident memory (VmHWM) of the process, in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).unwrap_or_default();
        let kb = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        kb / 1024.0
    }
}

async fn wait_ready(url: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{url} did not answer within 30 s")
}

fn seed(data_dir: &std::path::Path) -> anyhow::Result<(String, String)> {
    let pool =
        db::connect(&format!("sqlite://{}", data_dir.join("orgportal.db").display())).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    let catalog = RoleCatalog::builtin();
    let profile = |email: &str, name: &str, provider: &str| users::ProviderProfile {
        provider: provider.into(),
        subject: format!("{provider}:{email}"),
        email: email.into(),
        email_verified: true,
        name: name.into(),
    };
    let now = orgportal::clock::Clock::default().now();
    let admin = users::sign_in(&mut conn, &profile("admin@bench.test", "Bench Admin", "dev"), "127.0.0.1", now)?;
    let mut slugs = Vec::new();
    for (name, count) in [("Bench Ten Thousand", 10_000), ("Bench Hundred", 100)] {
        let org_name = OrgName::parse(name).map_err(anyhow::Error::msg)?;
        let slug = orgs::SlugChoice::Derived(Slug::derive(name).context("slug")?);
        let new = orgs::NewOrg {
            name: &org_name,
            slug: &slug,
            owner_id: &admin.id,
            owner_role: catalog.owner_role(),
            limit: OrgLimit::Unlimited,
            now,
        };
        let org = orgs::create(&mut conn, &new, "127.0.0.1")?;
        let start = orgportal::clock::Clock::default().now();
        db::write_transaction(&mut conn, |conn| -> anyhow::Result<()> {
            for i in 1..count {
                let email = format!("member{i:05}@{}.test", org.slug);
                let user = users::sign_in(conn, &profile(&email, &format!("Member {i:05}"), "seed"), "127.0.0.1", now)?;
                let joined = start + time::Duration::milliseconds(i as i64);
                members::add(conn, &org.id, &user.id, "Technical user", joined)?;
            }
            Ok(())
        })?;
        slugs.push(org.slug);
    }
    Ok((slugs[0].clone(), slugs[1].clone()))
}

/// The development sign-in, as a browser does it; returns the session cookie.
async fn sign_in(base: &str) -> anyhow::Result<String> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_provider(jar.clone()).build()?;
    let location =
        |r: &reqwest::Response| r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let to_provider = client.get(format!("{base}/auth/dev/start")).send().await?;
    let form = client.get(location(&to_provider)).send().await?.text().await?;
    let field = |name: &str| -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = form.find(&marker).map(|i| i + marker.len()).unwrap_or(0);
        form[start..].split('"').next().unwrap_or("").replace("&#38;", "&").replace("&#43;", "+").replace("&#47;", "/")
    };
    let mut fields: Vec<(String, String)> = [
        "csrf_token",
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
    ]
    .iter()
    .map(|f| (f.to_string(), field(f)))
    .collect();
    fields.push(("email".into(), "admin@bench.test".into()));
    fields.push(("name".into(), "Bench Admin".into()));
    let to_app = client.post(format!("{base}/dev-oauth/authorize")).form(&fields).send().await?;
    let done = client.get(location(&to_app)).send().await?;
    if location(&done) != "/getting-started" {
        bail!("sign-in failed: {}", done.status());
    }
    let url = reqwest::Url::parse(base)?;
    let cookies = reqwest::cookie::CookieStore::cookies(&*jar, &url).context("no session cookie")?;
    Ok(cookies.to_str()?.to_string())
}

struct Result_ {
    name: &'static str,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn to_ms(v: &str) -> f64 {
    let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
    let n: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        _ => f64::NAN,
    }
}

fn wrk(name: &'static str, url: &str, cookie: Option<&str>, seconds: u64) -> anyhow::Result<Result_> {
    let run = |secs: u64| {
        let mut cmd = Command::new("wrk");
        cmd.args(["-t2", &format!("-c{CONNECTIONS}"), &format!("-d{secs}s"), "--latency"]);
        if let Some(c) = cookie {
            cmd.args(["-H", &format!("Cookie: {c}")]);
        }
        cmd.arg(url).output()
    };
    run(2).context("wrk (apt-get install wrk)")?; // warm-up
    let out = run(seconds)?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if text.contains("Non-2xx") {
        bail!("{name}: wrk saw non-2xx answers:\n{text}");
    }
    let find = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("")
    };
    let rps: f64 = find("Requests/sec:").parse().unwrap_or(f64::NAN);
    Ok(Result_ { name, rps, p50_ms: to_ms(find("50%")), p99_ms: to_ms(find("99%")) })
}

async fn check_page(url: &str, cookie: &str, expect: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let res = client.get(url).header("Cookie", cookie).send().await?;
    let status = res.status();
    let body = res.text().await?;
    if !status.is_success() || !body.contains(expect) {
        bail!("{url} answered {status} without `{expect}`");
    }
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let (big, small) = seed(dir.path())?;
    println!("seeded 10,000 + 100 members in {:.1} s", started.elapsed().as_secs_f64());

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    // MALLOC_ARENA_MAX, when set, reaches the server (it trades throughput for memory).
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_orgportal"))
            .current_dir(dir.path())
            .env("ORGPORTAL_DATA_DIR", dir.path())
            .env("ORGPORTAL_BIND", format!("127.0.0.1:{port}"))
            .env("ORGPORTAL_WORKERS", "2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    wait_ready(&format!("{base}/readyz")).await?;
    let cookie = sign_in(&base).await?;

    let baseline_port = free_port();
    let baseline = Server(
        Command::new(std::env::current_exe()?)
            .args(["--baseline-server", &baseline_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let baseline_url = format!("http://127.0.0.1:{baseline_port}/members");
    wait_ready(&baseline_url).await?;

    let big_first = format!("{base}/orgs/{big}/members");
    let big_search = format!("{base}/orgs/{big}/members?q=member0999");
    let small_first = format!("{base}/orgs/{small}/members");
    check_page(&big_first, &cookie, "10000 members").await?;
    check_page(&big_search, &cookie, "member09990@").await?;
    check_page(&small_first, &cookie, "100 members").await?;
    if std::env::var_os("BENCH_HOLD").is_some() {
        // For profiling: keep the seeded server up and say how to load it.
        println!("server pid {}\n{big_first}\n{big_search}\n{small_first}\nCookie: {cookie}", server.0.id());
        tokio::time::sleep(Duration::from_secs(600)).await;
    }

    println!("wrk: 2 threads, {CONNECTIONS} connections, {seconds} s per run after a 2 s warm-up; server: release build, 2 workers, SQLite\n");
    let base_r = wrk("baseline (template only, 50 rows)", &baseline_url, None, seconds)?;
    let runs = [
        wrk("10,000 members, first page", &big_first, Some(&cookie), seconds)?,
        wrk("10,000 members, search", &big_search, Some(&cookie), seconds)?,
        wrk("100 members, first page", &small_first, Some(&cookie), seconds)?,
    ];
    println!("{:<36} {:>10} {:>9} {:>9} {:>11}", "scenario", "req/s", "p50 ms", "p99 ms", "× baseline");
    let line = |r: &Result_| {
        println!("{:<36} {:>10.0} {:>9.2} {:>9.2} {:>11.2}", r.name, r.rps, r.p50_ms, r.p99_ms, r.rps / base_r.rps)
    };
    line(&base_r);
    runs.iter().for_each(line);
    let rss = server.peak_rss_mib();
    println!("\npeak RSS: orgportal {rss:.1} MiB, baseline server {:.1} MiB", baseline.peak_rss_mib());

    let big_r = &runs[0];
    let small_r = &runs[2];
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!("\ntargets (10,000-member first page):");
    println!(
        "  throughput >= 0.5 x baseline: {:.2} x  {}",
        big_r.rps / base_r.rps,
        verdict(big_r.rps >= 0.5 * base_r.rps)
    );
    println!("  p99 < 5 ms: {:.2} ms  {}", big_r.p99_ms, verdict(big_r.p99_ms < 5.0));
    println!(
        "  p99 within 1.5 x the 100-member page: {:.2} x  {}",
        big_r.p99_ms / small_r.p99_ms,
        verdict(big_r.p99_ms <= 1.5 * small_r.p99_ms)
    );
    println!("  peak RSS < 64 MiB: {rss:.1} MiB  {}", verdict(rss < 64.0));
    Ok(())
}
