//! The Usage page under load (issue 14): `cargo bench --bench usage_page`.
//!
//! Seeds three organizations on SQLite: one with 1,000 projects and
//! 1,000,000 usage records over the last year (plus ten billed members with
//! a personal project each), one with 10 projects and 100 records (and one
//! billed member), the reference, and one that fills exactly one
//! page the way the large one does (50 projects, ten billed members) with
//! 600 records: the same rows on the page, a thousandth of the data. Records go in through the same ingestion as
//! `POST /api/v1/usage`, so the monthly totals are what the API keeps.
//! Starts the release binary (two workers), signs in as their admin and
//! loads with wrk the Usage page of the current month: its first page, a
//! deep keyset page (after project 900) and the two smaller organizations'
//! pages. Flat with size means a ratio near 1 (target: within 1.5x). Prints
//! the server's peak RSS. Needs `wrk`. BENCH_SECONDS sets each run's length;
//! BENCH_BEFORE_BIN (an earlier build) measures that build first, on the
//! same data.

mod common;

use std::time::Instant;

use anyhow::Context;
use common::{check_page, sign_in, start_server, wrk, Result_};
use orgportal::db::{self, AnyConnection};
use orgportal::domain::usage::UsageRecord;
use orgportal::domain::{ProjectName, Slug};
use orgportal::store::accounts::users;
use orgportal::store::billing::billed_members;
use orgportal::store::billing::usage;
use orgportal::store::members::{self, Actor};
use orgportal::store::projects::{self, NewProject, Owner, Project};
use time::{Date, PrimitiveDateTime};

const METRICS: [&str; 3] = ["device.hours", "sim.data_mb", "api.calls"];

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?.block_on(run())
}

fn user(conn: &mut AnyConnection, email: &str, name: &str, now: PrimitiveDateTime) -> anyhow::Result<users::User> {
    Ok(users::sign_in(conn, &common::profile(email, name, "dev"), "127.0.0.1", now)?)
}

fn project(conn: &mut AnyConnection, owner: Owner, name: &str, actor: &Actor) -> anyhow::Result<Project> {
    let project_name = ProjectName::parse(name, "Project").map_err(anyhow::Error::msg)?;
    let slug = Slug::derive(name).context("slug")?;
    let new = NewProject { owner, name: &project_name, slug: &slug, explicit_slug: true, description: "" };
    projects::create(conn, &new, actor).map_err(|e| anyhow::anyhow!("{e}"))
}

/// `count` records of the project over the last year, in batches like the API's.
fn report(
    conn: &mut AnyConnection,
    p: &Project,
    count: usize,
    today: Date,
    now: PrimitiveDateTime,
) -> anyhow::Result<()> {
    let records: Vec<UsageRecord> = (0..count)
        .map(|i| UsageRecord {
            id: format!("r{i}"),
            metric: METRICS[i % METRICS.len()].to_string(),
            quantity: (i % 97) as i64,
            day: today - time::Duration::days((i % 365) as i64),
        })
        .collect();
    for batch in records.chunks(orgportal::domain::usage::MAX_RECORDS) {
        usage::ingest(conn, p.into(), batch, "127.0.0.1", now)?;
    }
    Ok(())
}

/// Signs in on the server at `base` and loads the Usage pages of the
/// organizations (large, small, one page): small, one page, large first
/// page, large after project 900.
async fn measure(base: &str, orgs: &[&String; 3], seconds: u64, label: &str) -> anyhow::Result<[Result_; 4]> {
    let [big, small, one_page] = *orgs;
    let cookie = sign_in(base).await?;
    let big_page = format!("{base}/orgs/{big}/billing/usage");
    let deep = orgportal::web::format::name_token("Project 00900", "");
    let big_deep =
        format!("{big_page}?after={}", url::form_urlencoded::byte_serialize(deep.as_bytes()).collect::<String>());
    let small_page = format!("{base}/orgs/{small}/billing/usage");
    let one_page_page = format!("{base}/orgs/{one_page}/billing/usage");
    check_page(&big_page, &cookie, "Project 00049").await?;
    check_page(&big_page, &cookie, "Billed 09&#39;s personal space").await.context("billed members")?;
    check_page(&big_deep, &cookie, "Project 00949").await.context("the deep page")?;
    check_page(&small_page, &cookie, "Project 00009").await?;
    check_page(&one_page_page, &cookie, "Project 00049").await?;
    Ok([
        wrk(&format!("{label}10 projects, 110 records"), &small_page, Some(&cookie), seconds)?,
        wrk(&format!("{label}50 projects, 600 records (one page)"), &one_page_page, Some(&cookie), seconds)?,
        wrk(&format!("{label}1,000 projects, 1,000,000 records"), &big_page, Some(&cookie), seconds)?,
        wrk(&format!("{label}1,000 projects, after project 900"), &big_deep, Some(&cookie), seconds)?,
    ])
}

/// An organization with `projects` projects of `per_project` records each and
/// `billed` billed members with a personal project of `per_project` records.
fn seed_org(
    conn: &mut AnyConnection,
    admin: &users::User,
    name: &str,
    (projects, per_project, billed): (usize, usize, usize),
) -> anyhow::Result<String> {
    let clock = orgportal::clock::Clock::default();
    let (now, today) = (clock.now(), clock.now().date());
    let org = common::create_org(conn, &admin.id, name, now)?;
    // Projects and billing periods start a year back, so the year's usage is the organization's.
    let past = now - time::Duration::days(400);
    let admin_actor = Actor::person(admin.id.clone(), "127.0.0.1", past);
    for i in 0..projects {
        let p = project(conn, Owner::Org(org.id.clone()), &format!("Project {i:05}"), &admin_actor)?;
        report(conn, &p, per_project, today, now)?;
    }
    for i in 0..billed {
        let email = format!("billed{i:02}@{}.test", org.slug);
        let person = user(conn, &email, &format!("Billed {i:02}"), past)?;
        members::add(conn, &org.id, &person.id, "Technical user", past)?;
        billed_members::add(conn, &org.id, &email, &admin_actor).map_err(|e| anyhow::anyhow!("{e}"))?;
        let own = Actor::person(person.id.clone(), "127.0.0.1", past);
        let p = project(conn, Owner::Personal(person.id.clone()), &format!("Device lab {i:02}"), &own)?;
        report(conn, &p, per_project, today, now)?;
    }
    Ok(org.slug)
}

async fn run() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let (big, small, one_page) = {
        let mut conn = db::connect_one(&format!("sqlite://{}", dir.path().join("orgportal.db").display()))
            .map_err(anyhow::Error::msg)?;
        db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
        let admin = user(&mut conn, "admin@bench.test", "Bench Admin", orgportal::clock::Clock::default().now())?;
        // 1,000 projects + 10 personal ones of 990 records: 1,000,000 records.
        let big = seed_org(&mut conn, &admin, "Bench Usage Large", (1_000, 990, 10))?;
        let small = seed_org(&mut conn, &admin, "Bench Usage Small", (10, 10, 1))?;
        let one_page = seed_org(&mut conn, &admin, "Bench Usage Page", (50, 10, 10))?;
        (big, small, one_page)
    };
    println!("seeded 1,000,000 + 110 + 600 usage records in {:.1} s", started.elapsed().as_secs_f64());
    println!(
        "wrk: 2 threads, {} connections, {seconds} s per run after a 2 s warm-up; release build, 2 workers, SQLite\n",
        common::CONNECTIONS
    );
    // The build at BENCH_BEFORE_BIN first, on the same data: the A/B of a change.
    if let Some(before) = std::env::var_os("BENCH_BEFORE_BIN") {
        let (server, base, _) = common::start_binary(std::path::Path::new(&before), dir.path(), None).await?;
        let [small_r, one_page_r, big, deep] = measure(&base, &[&big, &small, &one_page], seconds, "before: ").await?;
        common::print_table(&small_r, &[&small_r, &one_page_r, &big, &deep], "× small");
        println!("\nthe build at BENCH_BEFORE_BIN, peak RSS: orgportal {:.1} MiB\n", server.peak_rss_mib());
    }
    let (server, base) = start_server(dir.path()).await?;
    let [small_r, one_page_r, big_first, big_deep] = measure(&base, &[&big, &small, &one_page], seconds, "").await?;
    let big_r = [big_first, big_deep];
    common::print_table(&small_r, &[&small_r, &one_page_r, &big_r[0], &big_r[1]], "× small");
    println!("\npeak RSS: orgportal {:.1} MiB", server.peak_rss_mib());
    println!("\ntarget: within 1.5 x the 10-project page (which shows 10 projects and 2 spaces, not 50 and 11)");
    big_r.iter().for_each(|r| common::within(r, &small_r, "10-project"));
    println!("flat with data size: within 1.5 x the one-page organization's page (the same rows shown)");
    big_r.iter().for_each(|r| common::within(r, &one_page_r, "one-page"));
    Ok(())
}
