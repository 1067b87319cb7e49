//! Shared by the benchmarks: seeding the two organizations, starting the
//! release server, signing in through the development provider, and wrk.

#![allow(dead_code)]

#[path = "../../tests/api/html.rs"]
mod html;
pub mod mail_sink;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use orgportal::db;
use orgportal::domain::{OrgLimit, OrgName, RoleCatalog, Slug};
use orgportal::store::accounts::users;
use orgportal::store::members;
use orgportal::store::orgs;

pub const CONNECTIONS: u32 = 16;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    /// Peak resident memory (VmHWM) of the process, in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
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

pub async fn wait_ready(url: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bail!("{url} did not answer within 30 s")
}

/// A verified account as `provider` reports it; "dev" is the development sign-in's.
pub fn profile(email: &str, name: &str, provider: &str) -> users::ProviderProfile {
    users::ProviderProfile {
        provider: provider.into(),
        subject: format!("{provider}:{email}"),
        email: email.into(),
        email_verified: true,
        name: name.into(),
    }
}

/// A new organization named `name` owned by `owner_id` with the built-in
/// catalog's owner role, its URL name derived from the name.
pub fn create_org(
    conn: &mut db::AnyConnection,
    owner_id: &str,
    name: &str,
    now: time::PrimitiveDateTime,
) -> anyhow::Result<orgs::Org> {
    let org_name = OrgName::parse(name).map_err(anyhow::Error::msg)?;
    let slug = orgs::SlugChoice::Derived(Slug::derive(name).context("slug")?);
    let catalog = RoleCatalog::builtin();
    let new = orgs::NewOrg {
        name: &org_name,
        slug: &slug,
        owner_id,
        owner_role: catalog.owner_role(),
        limit: OrgLimit::Unlimited,
        now,
    };
    Ok(orgs::create(conn, &new, "127.0.0.1")?)
}

/// Prints whether `r` is within 1.5x of `reference`'s throughput and p99.
pub fn within(r: &Result_, reference: &Result_, label: &str) {
    let ok = r.rps >= reference.rps / 1.5 && r.p99_ms <= 1.5 * reference.p99_ms;
    println!(
        "  {}: {:.2} x the throughput, {:.2} x the p99 of the {label} page  {}",
        r.name,
        r.rps / reference.rps,
        r.p99_ms / reference.p99_ms,
        if ok { "met" } else { "MISSED" }
    );
}

/// The SQLite database of a bench's data directory.
pub fn sqlite_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}", data_dir.join("orgportal.db").display())
}

/// The organizations with 10,000 and 100 members of the Projects bench.
pub fn seed(data_dir: &std::path::Path) -> anyhow::Result<(String, String)> {
    let slugs = seed_orgs(&sqlite_url(data_dir), &[("Bench Ten Thousand", 10_000), ("Bench Hundred", 100)])?;
    Ok((slugs[0].clone(), slugs[1].clone()))
}

/// One organization per (name, members) owned by admin@bench.test, its
/// members named "Member 00001".. with addresses member00001@{slug}.test..;
/// returns their slugs.
pub fn seed_orgs(database_url: &str, orgs: &[(&str, usize)]) -> anyhow::Result<Vec<String>> {
    seed_members(database_url, orgs, true)
}

/// [`seed_orgs`] into a database whose schema is left as it is (one an
/// earlier build created: the seed writes only what both builds know).
pub fn seed_orgs_as_is(database_url: &str, orgs: &[(&str, usize)]) -> anyhow::Result<Vec<String>> {
    seed_members(database_url, orgs, false)
}

fn seed_members(database_url: &str, orgs: &[(&str, usize)], migrate: bool) -> anyhow::Result<Vec<String>> {
    let pool = db::connect(database_url).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    if migrate {
        db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let now = orgportal::clock::Clock::default().now();
    let admin = users::sign_in(&mut conn, &profile("admin@bench.test", "Bench Admin", "dev"), "127.0.0.1", now)?;
    let mut slugs = Vec::new();
    for &(name, count) in orgs {
        let org = create_org(&mut conn, &admin.id, name, now)?;
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
    Ok(slugs)
}

/// The development sign-in, as a browser does it; returns the session cookie.
pub async fn sign_in(base: &str) -> anyhow::Result<String> {
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

pub struct Result_ {
    pub name: String,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The server's CPU time (user + system) per request, in microseconds,
    /// when its process was given: steadier than req/s on a shared machine,
    /// where wrk and the neighbours take the cores' time.
    pub cpu_us: Option<f64>,
    /// What one answer weighs, headers included, in KiB (wrk's bytes read
    /// over its requests): a page's rows cost in escaping and in sending.
    pub kib: f64,
}

/// The unit of `/proc/PID/stat`'s CPU times, asked of `getconf` once.
fn clock_ticks_per_second() -> Option<&'static f64> {
    static TICKS: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    TICKS
        .get_or_init(|| {
            let out = Command::new("getconf").arg("CLK_TCK").output().ok()?;
            String::from_utf8_lossy(&out.stdout).trim().parse().ok()
        })
        .as_ref()
}

/// A process's CPU time so far (user + system), in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / *clock_ticks_per_second()?)
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

pub fn wrk(name: &str, url: &str, cookie: Option<&str>, seconds: u64) -> anyhow::Result<Result_> {
    wrk_on(None, name, url, cookie, seconds)
}

/// `wrk`, also measuring the CPU time of the server process `pid` per request.
pub fn wrk_on(pid: Option<u32>, name: &str, url: &str, cookie: Option<&str>, seconds: u64) -> anyhow::Result<Result_> {
    let headers: Vec<String> = cookie.map(|c| format!("Cookie: {c}")).into_iter().collect();
    wrk_with(pid, name, url, &headers, None, seconds)
}

/// `wrk_on` with any request headers and, optionally, a Lua script that
/// makes each request (a POST with a body of its own, say).
pub fn wrk_with(
    pid: Option<u32>,
    name: &str,
    url: &str,
    headers: &[String],
    script: Option<&std::path::Path>,
    seconds: u64,
) -> anyhow::Result<Result_> {
    let run = |secs: u64| {
        let mut cmd = Command::new("wrk");
        cmd.args(["-t2", &format!("-c{CONNECTIONS}"), &format!("-d{secs}s"), "--latency"]);
        for h in headers {
            cmd.args(["-H", h]);
        }
        if let Some(script) = script {
            cmd.arg("-s").arg(script);
        }
        cmd.arg(url).output()
    };
    run(2).context("wrk (apt-get install wrk)")?; // warm-up
    let perf = pid.and_then(|pid| profiler(pid, name, seconds));
    let cpu_before = pid.and_then(cpu_seconds);
    let out = run(seconds)?;
    if let Some(mut perf) = perf {
        let _ = perf.wait();
    }
    let cpu = pid.and_then(cpu_seconds).zip(cpu_before).map(|(after, before)| after - before);
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
    // "123456 requests in 10.00s, 1.23GB read"
    let summary: Vec<&str> =
        text.lines().find(|l| l.contains(" requests in ")).map(|l| l.split_whitespace().collect()).unwrap_or_default();
    let requests: f64 = summary.first().and_then(|n| n.parse().ok()).unwrap_or(f64::NAN);
    let cpu_us = cpu.map(|seconds| seconds * 1e6 / requests);
    let kib = summary.get(4).map_or(f64::NAN, |read| to_kib(read)) / requests;
    Ok(Result_ { name: name.to_string(), rps, p50_ms: to_ms(find("50%")), p99_ms: to_ms(find("99%")), cpu_us, kib })
}

/// wrk's "1.23GB" (binary units) in KiB.
fn to_kib(amount: &str) -> f64 {
    let unit = amount.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let number: f64 = amount[..amount.len() - unit.len()].parse().unwrap_or(f64::NAN);
    number
        * match unit {
            "B" => 1.0 / 1024.0,
            "KB" => 1.0,
            "MB" => 1024.0,
            "GB" => 1024.0 * 1024.0,
            _ => f64::NAN,
        }
}

/// With `BENCH_PERF=DIR`, `perf record` (999 samples a second, with call
/// graphs) on the server for the measured run, into DIR/NAME.data (`perf
/// report -i ...` reads it): the profile a change starts from, taken under
/// the same load the bench reports.
/// `BENCH_PERF_CALLGRAPH=dwarf` unwinds with the debug info instead of frame
/// pointers, which the release build omits (callers of libc's memmove and
/// malloc show only that way).
fn profiler(pid: u32, name: &str, seconds: u64) -> Option<Child> {
    let dir = std::path::PathBuf::from(std::env::var_os("BENCH_PERF")?);
    std::fs::create_dir_all(&dir).ok()?;
    let file: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let out = dir.join(format!("{file}.data"));
    let callgraph = std::env::var("BENCH_PERF_CALLGRAPH").unwrap_or_else(|_| "fp".into());
    let child = Command::new("perf")
        .args(["record", "-F", "999", "--call-graph", &callgraph, "-q", "-p", &pid.to_string(), "-o"])
        .arg(&out)
        .args(["--", "sleep", &seconds.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    child.map_err(|e| eprintln!("BENCH_PERF: perf did not start: {e}")).ok()
}

pub async fn check_page(url: &str, cookie: &str, expect: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let res = client.get(url).header("Cookie", cookie).send().await?;
    let status = res.status();
    let body = res.text().await?;
    if !status.is_success() || !body.contains(expect) {
        bail!("{url} answered {status} without `{expect}`");
    }
    Ok(body)
}

/// The address of the page a page's pager links to as the next one.
pub fn next_page(base: &str, body: &str) -> anyhow::Result<String> {
    html::next_link(body).map(|href| format!("{base}{href}")).ok_or_else(|| anyhow::anyhow!("no link to a next page"))
}

/// Starts the release binary on the seeded data directory (SQLite, two workers).
pub async fn start_server(dir: &std::path::Path) -> anyhow::Result<(Server, String)> {
    start_server_on(dir, None).await
}

/// `start_server`, on the database at `database_url` when one is given.
pub async fn start_server_on(dir: &std::path::Path, database_url: Option<&str>) -> anyhow::Result<(Server, String)> {
    let (server, base, _) = start_timed(dir, database_url).await?;
    Ok((server, base))
}

/// `start_server_on`, also saying how long the server took to answer `/readyz`.
pub async fn start_timed(
    dir: &std::path::Path,
    database_url: Option<&str>,
) -> anyhow::Result<(Server, String, Duration)> {
    start_binary(std::path::Path::new(env!("CARGO_BIN_EXE_orgportal")), dir, database_url).await
}

/// `start_timed` with another build of orgportal (an earlier commit's, to
/// compare in one run).
pub async fn start_binary(
    binary: &std::path::Path,
    dir: &std::path::Path,
    database_url: Option<&str>,
) -> anyhow::Result<(Server, String, Duration)> {
    start_binary_with(binary, dir, database_url, &[]).await
}

/// `start_binary` with settings of its own (`ORGPORTAL_*` variables).
pub async fn start_binary_with(
    binary: &std::path::Path,
    dir: &std::path::Path,
    database_url: Option<&str>,
    env: &[(&str, &str)],
) -> anyhow::Result<(Server, String, Duration)> {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    // MALLOC_ARENA_MAX, when set, reaches the server (it trades throughput for memory).
    let mut command = Command::new(binary);
    command
        .current_dir(dir)
        .env("ORGPORTAL_DATA_DIR", dir)
        .env("ORGPORTAL_BIND", format!("127.0.0.1:{port}"))
        .env("ORGPORTAL_WORKERS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(url) = database_url {
        command.env("ORGPORTAL_DATABASE_URL", url);
    }
    command.envs(env.iter().copied());
    let started = Instant::now();
    let server = Server(command.spawn()?);
    wait_ready(&format!("{base}/readyz")).await?;
    Ok((server, base, started.elapsed()))
}

/// A database of its own on the PostgreSQL server at `BENCH_POSTGRES_URL`,
/// dropped with this value.
pub struct PostgresDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl PostgresDatabase {
    /// None when BENCH_POSTGRES_URL is not set.
    pub fn create() -> anyhow::Result<Option<Self>> {
        use diesel::{Connection, RunQueryDsl};
        let Ok(admin) = std::env::var("BENCH_POSTGRES_URL") else { return Ok(None) };
        let name = format!("orgportal_bench_{}", std::process::id());
        let mut conn = diesel::PgConnection::establish(&admin)?;
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn)?;
        let url = format!("{}/{name}", admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base));
        Ok(Some(Self { admin, name, url }))
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin) {
            let _ = diesel::sql_query(format!("DROP DATABASE {} WITH (FORCE)", self.name)).execute(&mut conn);
        }
    }
}

/// Prints a table of runs, each also as a ratio to `reference`.
pub fn print_table(reference: &Result_, runs: &[&Result_], ratio_label: &str) {
    println!(
        "{:<40} {:>10} {:>9} {:>9} {:>11} {:>11}",
        "scenario", "req/s", "p50 ms", "p99 ms", ratio_label, "CPU µs/req"
    );
    for r in runs {
        let cpu = r.cpu_us.map(|us| format!("{us:.0}")).unwrap_or_else(|| "-".into());
        println!(
            "{:<40} {:>10.0} {:>9.2} {:>9.2} {:>11.2} {:>11}",
            r.name,
            r.rps,
            r.p50_ms,
            r.p99_ms,
            r.rps / reference.rps,
            cpu
        );
    }
}

/// Projects "Project 00001".. (URL names project-00001..) in the organization
/// `slug`, made by its owner through the store, as the New Project form
/// would; returns the organization's id.
pub fn add_projects(database_url: &str, slug: &str, count: usize) -> anyhow::Result<String> {
    use diesel::prelude::*;
    use orgportal::db::schema::organizations;
    use orgportal::domain::ProjectName;
    use orgportal::store::projects::{self as project_store, NewProject, Owner};
    let mut conn = db::connect_one(database_url).map_err(anyhow::Error::msg)?;
    let (org_id, owner_id): (String, String) = organizations::table
        .filter(organizations::slug.eq(slug))
        .select((organizations::id, organizations::owner_id))
        .first(&mut conn)?;
    let actor = members::Actor::person(owner_id, "127.0.0.1", orgportal::clock::Clock::default().now());
    db::write_transaction(&mut conn, |conn| -> anyhow::Result<()> {
        for i in 1..=count {
            let name = ProjectName::parse(&format!("Project {i:05}"), "Project").map_err(anyhow::Error::msg)?;
            let slug = Slug::parse(&format!("project-{i:05}")).map_err(anyhow::Error::msg)?;
            let owner = Owner::Org(org_id.clone());
            let new = NewProject { owner, name: &name, slug: &slug, explicit_slug: true, description: "" };
            project_store::create(conn, &new, &actor)?;
        }
        Ok(())
    })?;
    Ok(org_id)
}

/// The benches' bare handler, run as `BENCH_EXE --baseline-server PORT`:
/// the Members template with 50 rows from memory, no database, no session,
/// two workers.
pub fn baseline_server(port: u16) -> anyhow::Result<()> {
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

/// Starts the bare handler in a process of its own; returns it and its URL.
pub async fn start_baseline() -> anyhow::Result<(Server, String)> {
    let port = free_port();
    let server = Server(
        Command::new(std::env::current_exe()?)
            .args(["--baseline-server", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let url = format!("http://127.0.0.1:{port}/members");
    wait_ready(&url).await?;
    Ok((server, url))
}
