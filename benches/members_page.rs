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

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{check_page, free_port, seed, sign_in, start_server, wait_ready, wrk, Result_, Server, CONNECTIONS};

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

async fn run() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let (big, small) = seed(dir.path())?;
    println!("seeded 10,000 + 100 members in {:.1} s", started.elapsed().as_secs_f64());

    let (server, base) = start_server(dir.path()).await?;
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
