//! Members page under load (issues 3 and 11): `cargo bench --bench members_page`.
//!
//! Seeds organizations with 100,000, 10,000 and 100 members, starts the
//! release `orgportal` binary on them (SQLite, default settings: as many
//! workers as cores, two here), signs in through the development provider,
//! and loads the Members page with wrk (16 connections) through that session:
//! the first pages, and a search of the largest. The baseline is a bare
//! actix-web handler rendering the same template with 50 rows from memory.
//! With BENCH_POSTGRES_URL (a server where a database may be created) the
//! 10,000-member scenarios run on PostgreSQL too; with BENCH_BEFORE_BIN (an
//! earlier build of orgportal) its figures are measured first, in the same
//! run, on a database it made, which this build then upgrades in place.
//! Needs `wrk` (Debian package). BENCH_SECONDS sets each run's length; BENCH_HOLD=1 keeps the
//! seeded server running for a profiler instead.

mod common;

use std::path::{Path, PathBuf};

use diesel::Connection;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{check_page, next_page, seed_orgs, sign_in, start_binary, start_timed, wrk_on, Result_, CONNECTIONS};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--baseline-server") {
        return common::baseline_server(args[i + 1].parse()?);
    }
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?.block_on(run())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

/// `binary migrate` on the bench's data directory.
fn migrate(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let status = Command::new(binary).arg("migrate").env("ORGPORTAL_DATA_DIR", dir).stdout(Stdio::null()).status()?;
    anyhow::ensure!(status.success(), "{} migrate: {status}", binary.display());
    Ok(())
}

/// One build's runs on the seeded database.
struct Build {
    runs: Vec<Result_>,
    rss: f64,
    start_up: Duration,
}

async fn measure(binary: &Path, label: &str, dir: &Path, slugs: &[String], seconds: u64) -> anyhow::Result<Build> {
    let (server, base, start_up) = start_binary(binary, dir, None).await?;
    let cookie = sign_in(&base).await?;
    let (huge, big, small) = (&slugs[0], &slugs[1], &slugs[2]);
    let huge_first = format!("{base}/orgs/{huge}/members");
    let huge_search = format!("{base}/orgs/{huge}/members?q=member0999");
    let big_first = format!("{base}/orgs/{big}/members");
    let small_first = format!("{base}/orgs/{small}/members");
    // Each page without a search is kept in memory between changes: the
    // first by organization, later ones by cursor (issue 33). A page asked
    // for the first time is read as the search is, from the database.
    let huge_second = next_page(&base, &check_page(&huge_first, &cookie, "100000 members").await?)?;
    check_page(&huge_search, &cookie, "member09990@").await?;
    let big_second = next_page(&base, &check_page(&big_first, &cookie, "10000 members").await?)?;
    let small_second = next_page(&base, &check_page(&small_first, &cookie, "100 members").await?)?;
    for second in [&huge_second, &big_second, &small_second] {
        check_page(second, &cookie, "← First page").await?;
    }
    if std::env::var_os("BENCH_HOLD").is_some() {
        // For profiling: keep the seeded server up and say how to load it.
        println!(
            "server pid {}\n{big_first}\n{huge_first}\n{huge_search}\n{small_first}\n{big_second}\nCookie: {cookie}",
            server.0.id()
        );
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
    let name = |s: &str| format!("{label}{s}");
    let pid = Some(server.0.id());
    let runs = vec![
        wrk_on(pid, &name("10,000 members, first page"), &big_first, Some(&cookie), seconds)?,
        wrk_on(pid, &name("100,000 members, first page"), &huge_first, Some(&cookie), seconds)?,
        wrk_on(pid, &name("100,000 members, search"), &huge_search, Some(&cookie), seconds)?,
        wrk_on(pid, &name("100 members, first page"), &small_first, Some(&cookie), seconds)?,
        wrk_on(pid, &name("10,000 members, second page"), &big_second, Some(&cookie), seconds)?,
        wrk_on(pid, &name("100,000 members, second page"), &huge_second, Some(&cookie), seconds)?,
        wrk_on(pid, &name("100 members, second page"), &small_second, Some(&cookie), seconds)?,
    ];
    Ok(Build { runs, rss: server.peak_rss_mib(), start_up })
}

async fn run() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let orgs = [("Bench Hundred Thousand", 100_000), ("Bench Ten Thousand", 10_000), ("Bench Hundred", 100)];
    let url = common::sqlite_url(dir.path());
    // BENCH_BEFORE_BIN: an earlier build, measured first. Its own `migrate`
    // makes the schema, so that it can read the database; this build then
    // upgrades it in place, as an operator's upgrade would.
    let before_bin = std::env::var_os("BENCH_BEFORE_BIN").map(PathBuf::from);
    let slugs = match &before_bin {
        Some(bin) => {
            migrate(bin, dir.path())?;
            common::seed_orgs_as_is(&url, &orgs)?
        }
        None => seed_orgs(&url, &orgs)?,
    };
    println!("seeded 100,000 + 10,000 + 100 members in {:.1} s", started.elapsed().as_secs_f64());

    let (baseline, baseline_url) = common::start_baseline().await?;

    println!("wrk: 2 threads, {CONNECTIONS} connections, {seconds} s per run after a 2 s warm-up; server: release build, default settings, SQLite\n");
    let base_r = wrk_on(Some(baseline.0.id()), "baseline (template only, 50 rows)", &baseline_url, None, seconds)?;
    // BENCH_BEFORE_BIN: an earlier build, measured first on the same database.
    let before = match &before_bin {
        Some(bin) => Some(measure(bin, "before: ", dir.path(), &slugs, seconds).await?),
        None => None,
    };
    if before_bin.is_some() {
        let started = Instant::now();
        migrate(Path::new(env!("CARGO_BIN_EXE_orgportal")), dir.path())?;
        println!("upgraded in place by this build's migrate: {} ms", started.elapsed().as_millis());
    }
    let now = measure(Path::new(env!("CARGO_BIN_EXE_orgportal")), "", dir.path(), &slugs, seconds).await?;
    let postgres = postgres_runs(seconds).await?;

    let mut runs = vec![&base_r];
    if let Some(b) = &before {
        runs.extend(b.runs.iter());
    }
    runs.extend(now.runs.iter());
    runs.extend(postgres.iter());
    common::print_table(&base_r, &runs, "× baseline");
    println!();
    if let Some(b) = &before {
        println!("before: peak RSS {:.1} MiB, start-up {} ms", b.rss, b.start_up.as_millis());
    }
    println!("peak RSS: orgportal {:.1} MiB, baseline server {:.1} MiB", now.rss, baseline.peak_rss_mib());
    println!("start-up to a ready /readyz on the 110,100-member database: {} ms", now.start_up.as_millis());

    let [big_r, huge_r, search_r, small_r, big2_r, huge2_r, small2_r] = &now.runs[..] else { unreachable!() };
    println!("\ntargets (issue 11):");
    let ratio = big_r.rps / base_r.rps;
    println!("  10,000-member first page >= 0.4 x baseline: {ratio:.2} x  {}", verdict(ratio >= 0.4));
    if let (Some(page), Some(bare)) = (big_r.cpu_us, base_r.cpu_us) {
        // Not a target: the same comparison by the server's CPU time per request.
        println!("    (by CPU time per request: {:.2} x, {page:.0} against {bare:.0} µs)", bare / page);
    }
    // Not a target either: the second page, kept by its cursor.
    println!("    (the second page: {:.2} x)", big2_r.rps / base_r.rps);
    println!("  10,000-member first page p99 < 5 ms: {:.2} ms  {}", big_r.p99_ms, verdict(big_r.p99_ms < 5.0));
    let search = search_r.rps / huge_r.rps;
    println!("  search of 100,000 members >= 0.5 x their first page: {search:.2} x  {}", verdict(search >= 0.5));
    // Not a target: against their second page.
    println!("    (against their second page: {:.2} x)", search_r.rps / huge2_r.rps);
    common::within(huge_r, small_r, "100-member");
    common::within(huge2_r, small2_r, "100-member");
    println!("  peak RSS <= 64 MiB: {:.1} MiB  {}", now.rss, verdict(now.rss <= 64.0));
    let fast = now.start_up < Duration::from_secs(1);
    println!("  start-up under 1 s: {} ms  {}", now.start_up.as_millis(), verdict(fast));
    Ok(())
}

/// The 10,000-member first page and a search of it on PostgreSQL, when
/// BENCH_POSTGRES_URL says where.
async fn postgres_runs(seconds: u64) -> anyhow::Result<Vec<Result_>> {
    let Some(database) = common::PostgresDatabase::create()? else { return Ok(Vec::new()) };
    let slugs = seed_orgs(&database.url, &[("Bench Ten Thousand", 10_000)])?;
    // What autovacuum does within a minute of the seeding: the planner's statistics.
    let mut conn = diesel::PgConnection::establish(&database.url)?;
    diesel::RunQueryDsl::execute(diesel::sql_query("VACUUM ANALYZE"), &mut conn)?;
    let dir = tempfile::tempdir()?;
    let (server, base, _) = start_timed(dir.path(), Some(&database.url)).await?;
    let pid = Some(server.0.id());
    let cookie = sign_in(&base).await?;
    let first = format!("{base}/orgs/{}/members", slugs[0]);
    let search = format!("{base}/orgs/{}/members?q=member0999", slugs[0]);
    check_page(&search, &cookie, "member09990@").await?;
    Ok(vec![
        wrk_on(pid, "PostgreSQL: 10,000 members, first page", &first, Some(&cookie), seconds)?,
        wrk_on(pid, "PostgreSQL: 10,000 members, search", &search, Some(&cookie), seconds)?,
    ])
}
