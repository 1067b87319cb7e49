//! The Activity page over a large log (issue 11): `cargo bench --bench activity_page`.
//!
//! Seeds two organizations on SQLite: one with 1,000,000 activity rows
//! (20 actions, 50 actors, a minute apart), one with 100. Starts the release
//! binary (two workers), signs in as their admin and loads with wrk the
//! first page and a deep keyset page (after 900,000 rows) of the large log,
//! and the small log's first page. Flat with size means a ratio near 1
//! (target: within 1.5x). Then downloads the large log's CSV export and
//! prints rows per second and the server's peak RSS. Needs `wrk`.
//! BENCH_SECONDS sets each run's length.

mod common;

use std::time::Instant;

use anyhow::Context;
use common::{check_page, profile, sign_in, start_server, wrk};
use diesel::prelude::*;
use orgportal::db::schema::activity;
use orgportal::db::{self, AnyConnection};
use orgportal::store::accounts::users;
use orgportal::store::activity::NewActivity;
use orgportal::store::members;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?.block_on(run())
}

/// An organization of `admin` with `rows` activity rows by 50 members; returns
/// its slug and the keyset token after 90 % of its rows (newest first).
fn seed_org(
    conn: &mut AnyConnection,
    admin: &users::User,
    name: &str,
    rows: usize,
) -> anyhow::Result<(String, String)> {
    let start = orgportal::clock::Clock::default().now() - time::Duration::minutes(rows as i64 + 10);
    let org = common::create_org(conn, &admin.id, name, start)?;
    let mut actors = Vec::new();
    for i in 0..50 {
        let email = format!("actor{i:02}@{}.test", org.slug);
        let user = users::sign_in(conn, &profile(&email, &format!("Actor {i:02}"), "seed"), "127.0.0.1", start)?;
        members::add(conn, &org.id, &user.id, "Technical user", start)?;
        actors.push(user.id);
    }
    let actions: Vec<String> = (0..20).map(|i| format!("bench.action_{i:02}")).collect();
    for chunk in (0..rows).collect::<Vec<_>>().chunks(10_000) {
        db::write_transaction(conn, |conn| -> anyhow::Result<()> {
            for &i in chunk {
                orgportal::store::activity::record(
                    conn,
                    &NewActivity {
                        id: format!("{}-{i:012}", org.slug),
                        org_id: Some(&org.id),
                        actor_id: Some(&actors[i % actors.len()]),
                        action: &actions[i % actions.len()],
                        target: "member@example.com",
                        details: "seeded",
                        ip: "127.0.0.1",
                        created_at: start + time::Duration::minutes(i as i64),
                        via: None,
                    },
                )?;
            }
            Ok(())
        })?;
    }
    // Newest first: the row after 90 % of them.
    let (at, id): (time::PrimitiveDateTime, String) = activity::table
        .filter(activity::org_id.eq(&org.id))
        .order((activity::created_at.desc(), activity::id.desc()))
        .offset((rows as i64 * 9 / 10).max(1) - 1)
        .select((activity::created_at, activity::id))
        .first(conn)?;
    Ok((org.slug, orgportal::web::format::keyset_token(at, &id)))
}

async fn run() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let ((big, deep), (small, _)) = {
        let mut conn = db::connect_one(&format!("sqlite://{}", dir.path().join("orgportal.db").display()))
            .map_err(anyhow::Error::msg)?;
        db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
        let now = orgportal::clock::Clock::default().now();
        let admin = users::sign_in(&mut conn, &profile("admin@bench.test", "Bench Admin", "dev"), "127.0.0.1", now)?;
        (
            seed_org(&mut conn, &admin, "Bench Log Large", 1_000_000)?,
            seed_org(&mut conn, &admin, "Bench Log Small", 100)?,
        )
    };
    println!("seeded 1,000,000 + 100 activity rows in {:.1} s", started.elapsed().as_secs_f64());
    let (server, base) = start_server(dir.path()).await?;
    let cookie = sign_in(&base).await?;
    let big_page = format!("{base}/orgs/{big}/activity");
    let token: String = url::form_urlencoded::byte_serialize(deep.as_bytes()).collect();
    let big_deep = format!("{big_page}?before={token}");
    let small_page = format!("{base}/orgs/{small}/activity");
    check_page(&big_page, &cookie, "bench.action_").await?;
    check_page(&big_deep, &cookie, "bench.action_").await.context("the deep page")?;
    check_page(&small_page, &cookie, "bench.action_").await?;

    println!(
        "wrk: 2 threads, {} connections, {seconds} s per run after a 2 s warm-up; release build, 2 workers, SQLite\n",
        common::CONNECTIONS
    );
    let small_r = wrk("100 rows, first page", &small_page, Some(&cookie), seconds)?;
    let big_r = [
        wrk("1,000,000 rows, first page", &big_page, Some(&cookie), seconds)?,
        wrk("1,000,000 rows, after 900,000", &big_deep, Some(&cookie), seconds)?,
    ];
    common::print_table(&small_r, &[&small_r, &big_r[0], &big_r[1]], "× 100 rows");
    println!("\npeak RSS after the pages: orgportal {:.1} MiB", server.peak_rss_mib());

    // The CSV export of the whole log, read as it arrives.
    let started = Instant::now();
    let mut res = reqwest::Client::new().get(format!("{big_page}.csv")).header("Cookie", &cookie).send().await?;
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = res.chunk().await? {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let secs = started.elapsed().as_secs_f64();
    let rows = lines.saturating_sub(1);
    println!(
        "CSV export: {rows} rows, {:.1} MiB in {secs:.1} s = {:.0} rows/s; peak RSS now {:.1} MiB (targets: 100,000 rows/s, 64 MiB)",
        bytes as f64 / 1048576.0,
        rows as f64 / secs,
        server.peak_rss_mib()
    );
    println!("\ntarget: within 1.5 x the 100-row log's page");
    big_r.iter().for_each(|r| common::within(r, &small_r, "100-row log's"));
    Ok(())
}
