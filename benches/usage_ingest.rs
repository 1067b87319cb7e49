//! Usage ingestion (issue 14): `cargo bench --bench usage_ingest`.
//!
//! Seeds one organization with a project and its token, starts the release
//! binary (two workers) and posts batches of 1,000 new records from four
//! concurrent clients to `POST /api/v1/usage`, then the same batches again
//! (all repeats); prints records per second. On SQLite always; on
//! PostgreSQL too when BENCH_POSTGRES_URL names a server (a database is made
//! and dropped). BENCH_BATCHES sets how many batches (default 60).

mod common;

use std::time::Instant;

use orgportal::db;
use orgportal::domain::{service_token, ProjectName, Slug};
use orgportal::store::accounts::users;
use orgportal::store::members::Actor;
use orgportal::store::projects::tokens;
use orgportal::store::projects::{self, NewProject, Owner};

const BATCH: usize = 1_000;
const CLIENTS: usize = 4;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build()?.block_on(run())
}

/// Makes the schema, an organization, a project and its token; returns the token.
fn seed(url: &str) -> anyhow::Result<String> {
    let pool = db::connect(url).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = orgportal::clock::Clock::default().now();
    let admin =
        users::sign_in(&mut conn, &common::profile("admin@bench.test", "Bench Admin", "dev"), "127.0.0.1", now)?;
    let org = common::create_org(&mut conn, &admin.id, "Bench Usage", now)?;
    let actor = Actor::person(admin.id.clone(), "127.0.0.1", now);
    let project_name = ProjectName::parse("Fleet", "Project").map_err(anyhow::Error::msg)?;
    let project_slug = Slug::derive("fleet").ok_or_else(|| anyhow::anyhow!("slug"))?;
    let project = projects::create(
        &mut conn,
        &NewProject {
            owner: Owner::Org(org.id.clone()),
            name: &project_name,
            slug: &project_slug,
            explicit_slug: false,
            description: "",
        },
        &actor,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let token = service_token::generate_for_project();
    tokens::create(&mut conn, &project, "bench", &token.hash, &actor).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(token.token)
}

fn body(batch: usize, day: &str) -> String {
    let records: Vec<String> = (0..BATCH)
        .map(|i| {
            let metric = if i % 2 == 0 { "device.hours" } else { "sim.data_mb" };
            format!(r#"{{"id":"b{batch}-r{i}","metric":"{metric}","quantity":{},"day":"{day}"}}"#, i % 97)
        })
        .collect();
    format!("[{}]", records.join(","))
}

/// Posts `batches` batches from CLIENTS clients; returns records per second.
async fn load(base: &str, token: &str, batches: usize, day: &str, expect_new: bool) -> anyhow::Result<f64> {
    let bodies: Vec<String> = (0..batches).map(|b| body(b, day)).collect();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let mine: Vec<String> = bodies.iter().skip(client).step_by(CLIENTS).cloned().collect();
        let (url, token) = (format!("{base}/api/v1/usage"), token.to_string());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for b in mine {
                let res = http.post(&url).bearer_auth(&token).header("content-type", "application/json").body(b);
                let res = res.send().await?;
                let status = res.status();
                let answer: serde_json::Value = res.json().await?;
                let key = if expect_new { "new" } else { "repeats" };
                anyhow::ensure!(status.is_success() && answer[key] == BATCH, "{status} {answer}");
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((batches * BATCH) as f64 / start.elapsed().as_secs_f64())
}

async fn scenario(label: &str, database_url: &str, batches: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let token = seed(database_url)?;
    let (server, base) = common::start_server_on(dir.path(), Some(database_url)).await?;
    let day = orgportal::clock::Clock::default().now().date().to_string();
    let new = load(&base, &token, batches, &day, true).await?;
    let repeats = load(&base, &token, batches, &day, false).await?;
    println!("{label:<12} {:>8} {new:>14.0} {repeats:>16.0} {:>10.1}", batches * BATCH, server.peak_rss_mib());
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    let batches: usize = std::env::var("BENCH_BATCHES").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    println!("batches of {BATCH} records from {CLIENTS} clients; release build, 2 workers");
    println!(
        "{:<12} {:>8} {:>14} {:>16} {:>10}",
        "database", "records", "new records/s", "repeat records/s", "RSS MiB"
    );
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}", dir.path().join("orgportal.db").display());
    scenario("SQLite", &sqlite, batches).await?;
    if let Some(postgres) = common::PostgresDatabase::create()? {
        scenario("PostgreSQL", &postgres.url, batches).await?;
    }
    Ok(())
}
