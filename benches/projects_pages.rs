//! Project list and Team page under load (issues 9 and 11):
//! `cargo bench --bench projects_pages`.
//!
//! Seeds organizations of 100,000 and 100 members with 10,000 and 100
//! projects, starts the release binary on them (SQLite, two workers), signs
//! in as their admin and loads with wrk: the project list's first page and a
//! deep keyset page (after 9,000 projects), and a project's Team page, first
//! and after 90,000 members. Each is compared with
//! the same page of the 100-sized organization (the deep Team page with its
//! second page, also read each time): flat with size means a ratio near 1. Needs `wrk`. BENCH_SECONDS sets each run's length.

mod common;

use std::time::Instant;

use anyhow::Context;
use common::{check_page, seed_orgs, sign_in, start_server, wrk};
use diesel::prelude::*;
use orgportal::db;
use orgportal::db::schema::{memberships, projects};

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?.block_on(run())
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Adds `count` projects to the organization; returns the list's keyset
/// cursor after project 9,000 (or the last) and the Team page's after member
/// 90,000 (or, in a smaller organization, after its first page of 50).
fn seed_projects(dir: &std::path::Path, slug: &str, count: usize) -> anyhow::Result<(String, String)> {
    let url = format!("sqlite://{}", dir.join("orgportal.db").display());
    let org_id = common::add_projects(&url, slug, count)?;
    let mut conn = db::connect_one(&url).map_err(anyhow::Error::msg)?;
    let deep = 9_000.min(count as i64 - 1);
    let (id, name): (String, String) = projects::table
        .filter(projects::org_id.eq(&org_id))
        .order((projects::name.asc(), projects::id.asc()))
        .offset(deep)
        .select((projects::id, projects::name))
        .first(&mut conn)?;
    let (joined, user_id): (time::PrimitiveDateTime, String) = memberships::table
        .filter(memberships::org_id.eq(&org_id))
        .order((memberships::created_at.asc(), memberships::user_id.asc()))
        .offset(if deep >= 9_000 { 90_000 } else { 49 })
        .select((memberships::created_at, memberships::user_id))
        .first(&mut conn)?;
    Ok((format!("{id}~{name}"), orgportal::web::format::keyset_token(joined, &user_id)))
}

async fn run() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let orgs = [("Bench Hundred Thousand", 100_000), ("Bench Hundred", 100)];
    let slugs = seed_orgs(&common::sqlite_url(dir.path()), &orgs)?;
    let (big, small) = (slugs[0].clone(), slugs[1].clone());
    let (list_after, team_after) = seed_projects(dir.path(), &big, 10_000)?;
    let (_, small_team_after) = seed_projects(dir.path(), &small, 100)?;
    println!("seeded 100,000 + 100 members and 10,000 + 100 projects in {:.1} s", started.elapsed().as_secs_f64());
    let (server, base) = start_server(dir.path()).await?;
    let cookie = sign_in(&base).await?;

    let big_list = format!("{base}/orgs/{big}/projects");
    let big_deep = format!("{big_list}?after={}", encode(&list_after));
    let small_list = format!("{base}/orgs/{small}/projects");
    let big_team = format!("{base}/orgs/{big}/projects/project-00001/team");
    let big_team_deep = format!("{big_team}?after={}", encode(&team_after));
    let small_team = format!("{base}/orgs/{small}/projects/project-00001/team");
    let small_team_second = format!("{small_team}?after={}", encode(&small_team_after));
    check_page(&big_list, &cookie, "Project 00050").await?;
    check_page(&big_deep, &cookie, "Project 09002").await?;
    check_page(&small_list, &cookie, "Project 00050").await?;
    check_page(&big_team, &cookie, "member00001@").await?;
    check_page(&big_team_deep, &cookie, "member90001@").await.context("the deep Team page")?;
    check_page(&small_team, &cookie, "member00001@").await?;
    check_page(&small_team_second, &cookie, "member00051@").await.context("the small Team page's second page")?;

    println!(
        "wrk: 2 threads, {} connections, {seconds} s per run after a 2 s warm-up; release build, 2 workers, SQLite\n",
        common::CONNECTIONS
    );
    let small_list_r = wrk("100 projects, first page", &small_list, Some(&cookie), seconds)?;
    let lists = [
        wrk("10,000 projects, first page", &big_list, Some(&cookie), seconds)?,
        wrk("10,000 projects, after 9,000", &big_deep, Some(&cookie), seconds)?,
    ];
    let small_team_r = wrk("Team page, 100 members", &small_team, Some(&cookie), seconds)?;
    let big_team_r = wrk("Team page, 100,000 members, first page", &big_team, Some(&cookie), seconds)?;
    // A later page is read each time; the first is kept under versions. So
    // the deep page is held to the small organization's second page.
    let small_second_r = wrk("Team page, 100 members, second page", &small_team_second, Some(&cookie), seconds)?;
    let deep_r = wrk("Team page, 100,000 members, after 90,000", &big_team_deep, Some(&cookie), seconds)?;
    common::print_table(&small_list_r, &[&small_list_r, &lists[0], &lists[1]], "× 100-size");
    println!();
    common::print_table(&small_team_r, &[&small_team_r, &big_team_r, &small_second_r, &deep_r], "× 100-size");
    println!("\npeak RSS: orgportal {:.1} MiB", server.peak_rss_mib());

    println!("\ntarget: within 1.5 x the 100-size page");
    lists.iter().for_each(|r| common::within(r, &small_list_r, "100-size"));
    common::within(&big_team_r, &small_team_r, "100-size");
    common::within(&deep_r, &small_second_r, "100-size second");
    println!("    (against the 100-size first page, kept: {:.2} x)", deep_r.rps / small_team_r.rps);
    Ok(())
}
