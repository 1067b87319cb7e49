//! The management API under load (issue 29): `cargo bench --bench api`.
//!
//! Seeds organizations with 100,000 and 100 members (SQLite), starts the
//! release binary (two workers) with the API's and the invitations' rate
//! limits lifted, makes an API key on each organization's API keys page, and
//! loads with wrk (16 connections): the members list 100 per page (the first
//! page, and the page after the 90,000th member) against the 100-member
//! organization's and against the HTML Members page of the same
//! organization; and POST .../invitations with ten new addresses per request.
//! The server's mail goes to the development mailbox (`BENCH_MAIL=smtp`: to
//! an SMTP server in the bench process). Needs `wrk` (Debian package).
//! BENCH_SECONDS sets each run's length; BENCH_BEFORE_BIN (an earlier
//! build) runs that build's list pages first, on the same database.

mod common;

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use diesel::prelude::*;
use orgportal::db::schema::{activity, memberships, organizations};

use common::{check_page, next_page, seed_orgs, sign_in, start_binary_with, wrk_on, wrk_with, Result_};

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?.block_on(run())
}

/// Makes a key named `name` holding org.view and members.invite on the API
/// keys page.
async fn make_key(base: &str, cookie: &str, slug: &str, name: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let page = format!("{base}/orgs/{slug}/api-keys");
    let html = client.get(&page).header("Cookie", cookie).send().await?.text().await?;
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).context("no CSRF token")? + marker.len();
    let token = html[at..].split('"').next().unwrap_or_default().to_string();
    let fields = [
        ("csrf_token", token.as_str()),
        ("name", name),
        ("expiry", "30"),
        ("permission", "org.view"),
        ("permission", "members.invite"),
    ];
    let made = client.post(&page).header("Cookie", cookie).form(&fields).send().await?.text().await?;
    let marker = "readonly value=\"";
    let at = made.find(marker).context("no key shown")? + marker.len();
    Ok(made[at..].split('"').next().unwrap_or_default().to_string())
}

/// The API's cursor after the `n`th member of the organization (join order).
fn cursor_after(database_url: &str, slug: &str, n: i64) -> anyhow::Result<String> {
    let pool = orgportal::db::connect(database_url).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let org_id: String =
        organizations::table.filter(organizations::slug.eq(slug)).select(organizations::id).first(&mut *conn)?;
    // OFFSET here only, to find the place; the API itself never skips rows.
    let (joined, user): (time::PrimitiveDateTime, String) = memberships::table
        .filter(memberships::org_id.eq(&org_id))
        .order((memberships::created_at.asc(), memberships::user_id.asc()))
        .select((memberships::created_at, memberships::user_id))
        .offset(n - 1)
        .first(&mut *conn)?;
    Ok(orgportal::web::api::paging::cursor(joined, &user))
}

async fn check_api(url: &str, key: &str, items: usize) -> anyhow::Result<()> {
    let res = reqwest::Client::new().get(url).bearer_auth(key).send().await?;
    let status = res.status();
    let body: serde_json::Value = res.json().await?;
    let n = body["items"].as_array().map_or(0, Vec::len);
    if !status.is_success() || n != items {
        bail!("{url} answered {status} with {n} members, not {items}");
    }
    Ok(())
}

/// Ten new addresses a request, each wrk thread counting on its own.
const INVITE_SCRIPT: &str = r#"
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  math.randomseed(os.time() * 100 + tid)
  run = math.random(1, 1000000000)
  counter = 0
  wrk.headers["Content-Type"] = "application/json"
end
request = function()
  counter = counter + 1
  local rows = {}
  for i = 1, 10 do
    rows[i] = string.format('{"email":"r%d-t%d-n%d-%d@bench.test","role":"View-only"}', run, tid, counter, i)
  end
  return wrk.format("POST", nil, nil, '{"invitations":[' .. table.concat(rows, ",") .. ']}')
end
"#;

/// The same requests paced to about 200 a second over the 16 connections:
/// each waits a random time after its answer, 75 ms on average
/// (16 / 0.080 s = 200 with a 5 ms answer), drawn from an exponential
/// distribution, so the arrivals are those of independent clients. The
/// latency of the rate the target names, where the closed loop measures
/// the most the server can take (and so its queue). A fixed 75 ms kept
/// the 16 connections in step: they arrived together and queued for the
/// one writer (measured with 900 ms, 16 requests a second: p50 12 ms, where
/// a request alone takes 2 to 3).
const PACED: &str = "\nfunction delay()\n  return math.floor(-math.log(1 - math.random()) * 75)\nend\n";

/// `count` invite requests one after another, 5 ms apart: what a request
/// costs with nobody ahead of it. (p50, p99) in ms.
async fn alone(url: &str, key: &str, count: usize) -> anyhow::Result<(f64, f64)> {
    let client = reqwest::Client::new();
    let mut times = Vec::with_capacity(count);
    for n in 0..count {
        let rows: Vec<String> =
            (0..10).map(|i| format!(r#"{{"email":"alone{n}-{i}@bench.test","role":"View-only"}}"#)).collect();
        let body = format!(r#"{{"invitations":[{}]}}"#, rows.join(","));
        let started = Instant::now();
        let res = client
            .post(url)
            .header("Authorization", format!("Bearer {key}"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await?;
        anyhow::ensure!(res.status() == 201, "invite alone: {}", res.status());
        res.bytes().await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((count as f64) * q) as usize];
    Ok((at(0.5), at(0.99)))
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

/// The lists' A/B (`BENCH_BEFORE_BIN`, an earlier build): that build's
/// HTML first page and API pages of the large organization, on the same
/// database, before this build's runs.
async fn before_lists(
    binary: &std::path::Path,
    dir: &std::path::Path,
    url: &str,
    huge: &str,
    seconds: u64,
) -> anyhow::Result<()> {
    let env = [("ORGPORTAL_RATE_API", "1000000000/1m")];
    let (server, base, _) = start_binary_with(binary, dir, None, &env).await?;
    let pid = Some(server.0.id());
    let cookie = sign_in(&base).await?;
    let key = make_key(&base, &cookie, huge, "Bench before").await?;
    let first = format!("{base}/api/v1/orgs/{huge}/members?limit=100");
    let deep = format!("{first}&cursor={}", cursor_after(url, huge, 90_000)?);
    check_api(&first, &key, 100).await?;
    check_api(&deep, &key, 100).await?;
    let bearer = vec![format!("Authorization: Bearer {key}")];
    let html = wrk_on(
        pid,
        "before: HTML Members page, first",
        &format!("{base}/orgs/{huge}/members"),
        Some(&cookie),
        seconds,
    )?;
    let first = wrk_with(pid, "before: API members, first 100", &first, &bearer, None, seconds)?;
    let deep = wrk_with(pid, "before: API members, after 90,000", &deep, &bearer, None, seconds)?;
    common::print_table(&html, &[&html, &first, &deep], "× HTML page");
    println!("before: peak RSS {:.1} MiB\n", server.peak_rss_mib());
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let url = common::sqlite_url(dir.path());
    // BENCH_ONLY=invite: the invite run alone, on the small organization
    // (for profiling the write path without seeding 100,000 members).
    let only_invite = std::env::var("BENCH_ONLY").is_ok_and(|v| v == "invite");
    let huge_size = if only_invite { 1 } else { 100_000 };
    let slugs = seed_orgs(&url, &[("Bench Hundred Thousand", huge_size), ("Bench Hundred", 100)])?;
    println!("seeded 100,000 + 100 members in {:.1} s", started.elapsed().as_secs_f64());
    let (huge, small) = (&slugs[0], &slugs[1]);
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_orgportal"));
    if let Some(before) = std::env::var_os("BENCH_BEFORE_BIN") {
        before_lists(std::path::Path::new(&before), dir.path(), &url, huge, seconds).await?;
    }
    let mut env = vec![("ORGPORTAL_RATE_API", "1000000000/1m"), ("ORGPORTAL_RATE_INVITATIONS_SENT", "1000000000/1h")];
    // Mail goes to the development mailbox (two files a message); with
    // BENCH_MAIL=smtp to an SMTP server in the bench, as in a deployment.
    // The mailbox's files can cost the server more than the invites do: on
    // a filesystem where earlier runs deleted hundreds of thousands of them,
    // 40% of its CPU went to ext4 finding free inodes. After each invite
    // run the bench says how much of the queued mail was sent by then.
    let sink = match std::env::var("BENCH_MAIL").as_deref() {
        Ok("smtp") => Some(common::mail_sink::MailSink::start().await?),
        _ => None,
    };
    if let Some(sink) = &sink {
        env.push(("ORGPORTAL_SMTP_URL", sink.url.as_str()));
    }
    let (server, base, _) = start_binary_with(binary, dir.path(), None, &env).await?;
    let mail = if sink.is_some() { "mail to an SMTP server in the bench" } else { "mail to the development mailbox" };
    let pid = Some(server.0.id());
    let cookie = sign_in(&base).await?;
    let (huge_key, small_key) =
        (make_key(&base, &cookie, huge, "Bench").await?, make_key(&base, &cookie, small, "Bench").await?);

    let bearer = |key: &str| vec![format!("Authorization: Bearer {key}")];
    let script = dir.path().join("invite.lua");
    std::fs::write(&script, INVITE_SCRIPT)?;
    let paced = dir.path().join("invite-paced.lua");
    std::fs::write(&paced, format!("{INVITE_SCRIPT}{PACED}"))?;
    let invite_url = format!("{base}/api/v1/orgs/{small}/invitations");
    let invite_runs = || -> anyhow::Result<(Result_, Result_)> {
        let keyed = bearer(&small_key);
        // Paced first: the closed loop leaves tens of thousands of mails
        // for the worker to send, which the paced run would meet.
        let at = wrk_with(pid, "API invite, paced to ~200 req/s", &invite_url, &keyed, Some(&paced), seconds)?;
        println!("{}", mail_sent(&url, "the paced run")?);
        let most = wrk_with(pid, "API invite, 10 addresses a request", &invite_url, &keyed, Some(&script), seconds)?;
        println!("{}", mail_sent(&url, "the closed loop")?);
        Ok((most, at))
    };
    let (alone_p50, alone_p99) = alone(&invite_url, &small_key, 400).await?;
    let alone_line =
        format!("API invite one at a time (nobody queued ahead): p50 {alone_p50:.2} ms, p99 {alone_p99:.2} ms");
    if only_invite {
        let (invite, paced) = invite_runs()?;
        println!("{mail}");
        common::print_table(&invite, &[&invite, &paced], "");
        println!("{alone_line}");
        if let Some(sink) = &sink {
            println!("messages the SMTP server received: {}", sink.received());
        }
        return Ok(());
    }
    let html_first = format!("{base}/orgs/{huge}/members");
    let html_second = next_page(&base, &check_page(&html_first, &cookie, "100000 members").await?)?;
    let api_first = format!("{base}/api/v1/orgs/{huge}/members?limit=100");
    let api_deep = format!("{api_first}&cursor={}", cursor_after(&url, huge, 90_000)?);
    let api_small = format!("{base}/api/v1/orgs/{small}/members?limit=100");
    // The same organization's members after its first: read from the
    // database once, then kept by cursor (issue 33) until they change.
    let api_small_later = format!("{api_small}&cursor={}", cursor_after(&url, small, 1)?);
    check_api(&api_first, &huge_key, 100).await?;
    check_api(&api_deep, &huge_key, 100).await?;
    check_api(&api_small, &small_key, 100).await?;
    check_api(&api_small_later, &small_key, 99).await?;

    println!("wrk: 2 threads, {} connections, {seconds} s per run after a 2 s warm-up; server: release build, SQLite, 2 workers, {mail}\n", common::CONNECTIONS);
    let html = wrk_on(pid, "HTML Members page, 100,000, first page", &html_first, Some(&cookie), seconds)?;
    let html2 = wrk_on(pid, "HTML Members page, 100,000, second page", &html_second, Some(&cookie), seconds)?;
    let first = wrk_with(pid, "API members, 100,000, first 100", &api_first, &bearer(&huge_key), None, seconds)?;
    let deep = wrk_with(pid, "API members, 100,000, after 90,000", &api_deep, &bearer(&huge_key), None, seconds)?;
    let small_r = wrk_with(pid, "API members, 100, first 100", &api_small, &bearer(&small_key), None, seconds)?;
    let small_later =
        wrk_with(pid, "API members, 100, after the 1st", &api_small_later, &bearer(&small_key), None, seconds)?;
    let made_before = invitations_made(&url)?;
    let (invite, invite_paced) = invite_runs()?;
    let made = invitations_made(&url)? - made_before;

    let runs: Vec<&Result_> = vec![&html, &html2, &first, &deep, &small_r, &small_later, &invite, &invite_paced];
    common::print_table(&html, &runs, "× HTML page");
    println!("{alone_line}");
    println!("\ninvitations made during the invite runs (warm-up included): {made}");
    println!("peak RSS: {:.1} MiB", server.peak_rss_mib());
    if let Some(sink) = &sink {
        println!("messages the SMTP server received: {}", sink.received());
    }

    println!("\ntargets (issue 29):");
    common::within(&first, &small_r, "100-member");
    common::within(&deep, &small_later, "100-member (after the 1st, 99 rows)");
    println!("    (against the 100-member first page, kept in memory: {:.2} x)", deep.rps / small_r.rps);
    let ok = first.rps >= html.rps;
    println!("  API first page >= the HTML Members page: {:.2} x  {}", first.rps / html.rps, verdict(ok));
    let ok = deep.rps >= html.rps;
    println!("  API page after 90,000 >= the HTML Members page: {:.2} x  {}", deep.rps / html.rps, verdict(ok));
    println!("    (against the HTML second page: {:.2} x)", deep.rps / html2.rps);
    println!("  invite 10 a request >= 200 req/s: {:.0}  {}", invite.rps, verdict(invite.rps >= 200.0));
    println!(
        "    (closed loop, 16 connections: p99 {:.1} ms is the queue for SQLite's one writer; the p99 below is at the paced rate)",
        invite.p99_ms
    );
    for r in [&first, &deep, &small_r, &small_later, &invite_paced] {
        println!("  {} p99 < 10 ms: {:.2} ms  {}", r.name, r.p99_ms, verdict(r.p99_ms < 10.0));
    }
    drop(server);
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

/// How much of the mail queued so far the worker has sent: whether the
/// invite runs met the load of their own mail.
fn mail_sent(database_url: &str, when: &str) -> anyhow::Result<String> {
    let pool = orgportal::db::connect(database_url).map_err(anyhow::Error::msg)?;
    let counts = orgportal::store::outbox::counts(&mut *pool.get()?)?;
    let sent: i64 = counts.iter().filter(|(state, _)| state == "sent").map(|(_, n)| n).sum();
    let all: i64 = counts.iter().map(|(_, n)| n).sum();
    Ok(format!("mail sent when {when} ended: {sent} of {all} queued ({:.0}%)", 100.0 * sent as f64 / all.max(1) as f64))
}

fn invitations_made(database_url: &str) -> anyhow::Result<i64> {
    let pool = orgportal::db::connect(database_url).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    Ok(activity::table.filter(activity::action.eq("invitation.create")).count().get_result(&mut *conn)?)
}
