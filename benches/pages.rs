//! Every signed-in page side by side with a bare handler (issue 33):
//! `cargo bench --bench pages`.
//!
//! Seeds one organization of 1,000 members with 20 projects, starts the
//! release binary on it (SQLite, two workers, the default settings, /metrics
//! on a port of its own), signs in as its admin and loads each page with wrk
//! (16 connections): Organization, Members (first page, a later page, a
//! search), Roles, Projects, a project's Team, Activity, Billing, Usage and
//! Settings -> Sessions. The bare handler renders the Members template with
//! 50 rows from memory, no database, no session. For each page the table
//! gives the data statements one request sends to the database (BEGIN and
//! COMMIT apart), counted by the
//! server (`orgportal_db_statements_total` over `orgportal_http_requests_total`
//! across the run), and what one answer weighs (KiB, headers included).
//!
//! BENCH_POSTGRES_URL adds the same table on PostgreSQL; BENCH_BEFORE_BIN
//! (an earlier build) measures that build first on a copy of the database,
//! and on PostgreSQL on the same database (its statements are counted only
//! if it counts them). Needs `wrk`.
//! BENCH_SECONDS sets each run's length; BENCH_ONLY=NAME runs the pages
//! whose name contains NAME.

mod common;

use std::path::Path;

use anyhow::Context;
use common::{check_page, free_port, next_page, seed_orgs, sign_in, start_binary_with, Result_};
use diesel::prelude::*;

const MEMBERS: usize = 1_000;
const PROJECTS: usize = 20;
/// The statements that read or write data (BEGIN and COMMIT are counted apart).
const DATA_STATEMENTS: &str = "orgportal_db_statements_total{kind=\"data\"}";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--baseline-server") {
        return common::baseline_server(args[i + 1].parse()?);
    }
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?.block_on(run())
}

/// A counter of the server's /metrics: the sum of its series.
async fn metric(metrics: &str, name: &str) -> anyhow::Result<Option<f64>> {
    let text = reqwest::get(metrics).await?.text().await?;
    let values: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ', ',']))
        .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
        .collect();
    Ok((!values.is_empty()).then(|| values.iter().sum()))
}

/// One page's run and the statements a request ran.
struct PageRun {
    result: Result_,
    statements: Option<f64>,
}

/// The pages of the organization `slug` at `base`, each as (name, URL, a
/// text it shows).
async fn pages(base: &str, slug: &str, cookie: &str) -> anyhow::Result<Vec<(String, String, String)>> {
    let org = format!("{base}/orgs/{slug}");
    let first = check_page(&format!("{org}/members"), cookie, "members").await?;
    let later = next_page(base, &first)?;
    let list = [
        ("Organization", org.clone(), "Bench Pages"),
        ("Members, first page", format!("{org}/members"), "member00001@"),
        ("Members, a later page", later, "First page"),
        ("Member search", format!("{org}/members?q=member0099"), "member00990@"),
        ("Roles", format!("{org}/roles"), "Admin"),
        ("Projects", format!("{org}/projects"), "Project 00001"),
        ("Team", format!("{org}/projects/project-00001/team"), "Bench Admin"),
        ("Activity", format!("{org}/activity"), "Activity"),
        ("Billing", format!("{org}/billing"), "Billing"),
        ("Usage", format!("{org}/billing/usage"), "Usage"),
        ("Settings, Sessions", format!("{base}/settings/sessions"), "Sessions"),
    ];
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let mut out = Vec::new();
    for (name, url, expect) in list {
        if !name.to_lowercase().contains(&only.to_lowercase()) {
            continue;
        }
        check_page(&url, cookie, expect).await.with_context(|| name.to_string())?;
        out.push((name.to_string(), url, expect.to_string()));
    }
    Ok(out)
}

/// One build's runs of every page on the database at `database_url`.
async fn measure(
    binary: &Path,
    label: &str,
    dir: &Path,
    database_url: Option<&str>,
    slug: &str,
    seconds: u64,
) -> anyhow::Result<(Vec<PageRun>, f64)> {
    let metrics_port = free_port();
    let bind = format!("127.0.0.1:{metrics_port}");
    let (server, base, _) = start_binary_with(binary, dir, database_url, &[("ORGPORTAL_METRICS_BIND", &bind)]).await?;
    let metrics = format!("http://{bind}/metrics");
    let cookie = sign_in(&base).await?;
    let pid = Some(server.0.id());
    let mut runs = Vec::new();
    for (name, url, _) in pages(&base, slug, &cookie).await? {
        let before = (metric(&metrics, DATA_STATEMENTS).await?, requests(&metrics).await?);
        let result = common::wrk_on(pid, &format!("{label}{name}"), &url, Some(&cookie), seconds)?;
        let after = (metric(&metrics, DATA_STATEMENTS).await?, requests(&metrics).await?);
        let statements = match (before, after) {
            ((Some(s0), r0), (Some(s1), r1)) if r1 > r0 => Some((s1 - s0) / (r1 - r0)),
            _ => None,
        };
        runs.push(PageRun { result, statements });
    }
    Ok((runs, server.peak_rss_mib()))
}

/// Requests the server has answered, by /metrics.
async fn requests(metrics: &str) -> anyhow::Result<f64> {
    Ok(metric(metrics, "orgportal_http_requests_total").await?.unwrap_or(0.0))
}

fn print(title: &str, baseline: &Result_, runs: &[PageRun]) {
    println!("\n{title}");
    println!(
        "{:<40} {:>9} {:>8} {:>8} {:>10} {:>10} {:>11} {:>8}",
        "page", "req/s", "p50 ms", "p99 ms", "x bare", "CPU us/req", "statements", "KiB"
    );
    let row = |r: &Result_, statements: Option<f64>| {
        let cpu = r.cpu_us.map(|us| format!("{us:.0}")).unwrap_or_else(|| "-".into());
        let statements = statements.map(|s| format!("{s:.2}")).unwrap_or_else(|| "-".into());
        println!(
            "{:<40} {:>9.0} {:>8.2} {:>8.2} {:>10.2} {:>10} {:>11} {:>8.1}",
            r.name,
            r.rps,
            r.p50_ms,
            r.p99_ms,
            r.rps / baseline.rps,
            cpu,
            statements,
            r.kib
        );
    };
    row(baseline, Some(0.0));
    for r in runs {
        row(&r.result, r.statements);
    }
}

fn verdicts(baseline: &Result_, runs: &[PageRun], min_ratio: f64) {
    for r in runs {
        let ratio = r.result.rps / baseline.rps;
        let fast = r.result.p99_ms < 5.0;
        let few = r.statements.is_some_and(|s| s <= 2.05);
        let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
        println!(
            "  {:<40} >= {min_ratio} x: {ratio:.2} {:<7} p99 < 5 ms: {:.2} {:<7} <= 2 statements: {}",
            r.result.name,
            verdict(ratio >= min_ratio),
            r.result.p99_ms,
            verdict(fast),
            verdict(few)
        );
    }
}

async fn run() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(6);
    let dir = tempfile::tempdir()?;
    let url = common::sqlite_url(dir.path());
    let slug = seed_orgs(&url, &[("Bench Pages", MEMBERS)])?.remove(0);
    common::add_projects(&url, &slug, PROJECTS)?;

    let (baseline, baseline_url) = common::start_baseline().await?;
    println!(
        "wrk: 2 threads, 16 connections, {seconds} s per run after a 2 s warm-up; server: release build, two workers"
    );
    let bare = common::wrk_on(Some(baseline.0.id()), "bare handler (template, 50 rows)", &baseline_url, None, seconds)?;

    if let Some(before) = std::env::var_os("BENCH_BEFORE_BIN") {
        // A copy: this build's server must not find the earlier one's log.
        let copy = tempfile::tempdir()?;
        std::fs::copy(dir.path().join("orgportal.db"), copy.path().join("orgportal.db"))?;
        let (runs, rss) = measure(Path::new(&before), "before: ", copy.path(), None, &slug, seconds).await?;
        print(&format!("SQLite, the build at BENCH_BEFORE_BIN (peak RSS {rss:.1} MiB)"), &bare, &runs);
    }
    let this = Path::new(env!("CARGO_BIN_EXE_orgportal"));
    let (runs, rss) = measure(this, "", dir.path(), None, &slug, seconds).await?;
    print(&format!("SQLite (peak RSS {rss:.1} MiB)"), &bare, &runs);
    println!("\ntargets (issue 33), SQLite:");
    verdicts(&bare, &runs, 0.5);
    println!("  peak RSS < 64 MiB: {rss:.1} MiB  {}", if rss < 64.0 { "met" } else { "MISSED" });

    if let Some(database) = common::PostgresDatabase::create()? {
        let slug = seed_orgs(&database.url, &[("Bench Pages", MEMBERS)])?.remove(0);
        common::add_projects(&database.url, &slug, PROJECTS)?;
        let mut conn = diesel::PgConnection::establish(&database.url)?;
        diesel::sql_query("VACUUM ANALYZE").execute(&mut conn)?;
        if let Some(before) = std::env::var_os("BENCH_BEFORE_BIN") {
            let before_dir = tempfile::tempdir()?;
            let (runs, rss) = measure(
                Path::new(&before),
                "PostgreSQL, before: ",
                before_dir.path(),
                Some(&database.url),
                &slug,
                seconds,
            )
            .await?;
            print(&format!("PostgreSQL, the build at BENCH_BEFORE_BIN (peak RSS {rss:.1} MiB)"), &bare, &runs);
        }
        let pg_dir = tempfile::tempdir()?;
        let (runs, rss) = measure(this, "PostgreSQL: ", pg_dir.path(), Some(&database.url), &slug, seconds).await?;
        print(&format!("PostgreSQL (peak RSS {rss:.1} MiB)"), &bare, &runs);
        println!("\ntargets (issue 33), PostgreSQL:");
        verdicts(&bare, &runs, 0.3);
    }
    Ok(())
}
