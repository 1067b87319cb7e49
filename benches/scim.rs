//! SCIM provisioning under load (issue 32): `cargo bench --bench scim`.
//!
//! 1. A directory sync through the HTTP endpoint at 8 connections, as Okta
//!    or Entra ID's first sync: 10,000 Users created, 50 Groups of 200
//!    members created, then one change each (a PATCH of every User's
//!    displayName, and of every Group: renamed, one member out, one in).
//!    Target: under 60 s on SQLite.
//! 2. `GET /Users?filter=userName eq "x"` (wrk, 16 connections) against an
//!    organization with 100 Users and one with 100,000 (seeded in the
//!    database): the lookup stays flat, within 1.5x.
//!
//! Starts the release binary (two workers) on a SQLite database of its own;
//! needs `wrk` (Debian package). BENCH_SECONDS sets each wrk run's length.

mod common;

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use diesel::prelude::*;
use orgportal::db::schema::{memberships, organizations, scim_users, users};
use serde_json::{json, Value};

use common::{seed_orgs, sign_in, start_binary_with, within, wrk_with};

const USERS: usize = 10_000;
const GROUPS: usize = 50;
const GROUP_SIZE: usize = 200;
const CONNECTIONS: usize = 8;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?.block_on(run())
}

/// Makes a SCIM token on the organization's Provisioning page.
async fn make_token(base: &str, cookie: &str, slug: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let page = format!("{base}/orgs/{slug}/sso/provisioning");
    let html = client.get(&page).header("Cookie", cookie).send().await?.text().await?;
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).context("no CSRF token")? + marker.len();
    let csrf = html[at..].split('"').next().unwrap_or_default().to_string();
    let made = client
        .post(format!("{page}/tokens"))
        .header("Cookie", cookie)
        .form(&[("csrf_token", csrf.as_str()), ("name", "Bench directory")])
        .send()
        .await?
        .text()
        .await?;
    let at = made.find("value=\"opscim_").context("no token shown")? + "value=\"".len();
    Ok(made[at..].split('"').next().unwrap_or_default().to_string())
}

struct Directory {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Directory {
    async fn send(&self, method: reqwest::Method, path: &str, body: Value, want: u16) -> anyhow::Result<Value> {
        let res = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        if status != want {
            bail!("{method} {path}: {status} {text}");
        }
        Ok(serde_json::from_str(&text)?)
    }
}

/// Runs `work(i)` for i in 0..n over `CONNECTIONS` concurrent workers.
async fn fan_out<F, Fut>(n: usize, work: F) -> anyhow::Result<()>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let work = Arc::new(work);
    let mut tasks = Vec::new();
    for w in 0..CONNECTIONS {
        let work = work.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..n).step_by(CONNECTIONS) {
                work(i).await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

async fn sync(dir: Arc<Directory>) -> anyhow::Result<()> {
    let ids = Arc::new(std::sync::Mutex::new(vec![String::new(); USERS]));
    let started = Instant::now();
    let (d, out) = (dir.clone(), ids.clone());
    fan_out(USERS, move |i| {
        let (d, out) = (d.clone(), out.clone());
        async move {
            let email = format!("person{i:05}@directory.test");
            let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": email,
                "externalId": format!("ext-{i}"), "name": {"givenName": "Person", "familyName": format!("{i:05}")},
                "emails": [{"value": email, "type": "work", "primary": true}], "active": true});
            let user = d.send(reqwest::Method::POST, "/Users", body, 201).await?;
            out.lock().unwrap()[i] = user["id"].as_str().unwrap_or_default().to_string();
            Ok(())
        }
    })
    .await?;
    let created = started.elapsed().as_secs_f64();
    let ids: Arc<Vec<String>> = Arc::new(ids.lock().unwrap().clone());
    let group_ids = Arc::new(std::sync::Mutex::new(vec![String::new(); GROUPS]));
    let (d, members, out) = (dir.clone(), ids.clone(), group_ids.clone());
    fan_out(GROUPS, move |g| {
        let (d, members, out) = (d.clone(), members.clone(), out.clone());
        async move {
            let list: Vec<Value> = (0..GROUP_SIZE).map(|k| json!({"value": members[g * GROUP_SIZE + k]})).collect();
            let body = json!({"displayName": format!("Group {g:02}"), "members": list});
            let group = d.send(reqwest::Method::POST, "/Groups", body, 201).await?;
            out.lock().unwrap()[g] = group["id"].as_str().unwrap_or_default().to_string();
            Ok(())
        }
    })
    .await?;
    let grouped = started.elapsed().as_secs_f64();
    let (d, users) = (dir.clone(), ids.clone());
    fan_out(USERS, move |i| {
        let (d, users) = (d.clone(), users.clone());
        async move {
            let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "displayName", "value": format!("Person {i:05} (renamed)")}]});
            d.send(reqwest::Method::PATCH, &format!("/Users/{}", users[i]), ops, 200).await?;
            Ok(())
        }
    })
    .await?;
    let groups: Arc<Vec<String>> = Arc::new(group_ids.lock().unwrap().clone());
    let (d, users) = (dir.clone(), ids.clone());
    fan_out(GROUPS, move |g| {
        let (d, users, groups) = (d.clone(), users.clone(), groups.clone());
        async move {
            let out = &users[g * GROUP_SIZE];
            let into = &users[(g * GROUP_SIZE + GROUP_SIZE * 7 + 1) % USERS];
            let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
                {"op": "replace", "path": "displayName", "value": format!("Group {g:02} (renamed)")},
                {"op": "remove", "path": format!("members[value eq \"{out}\"]")},
                {"op": "add", "path": "members", "value": [{"value": into}]}]});
            d.send(reqwest::Method::PATCH, &format!("/Groups/{}", groups[g]), ops, 200).await?;
            Ok(())
        }
    })
    .await?;
    let total = started.elapsed().as_secs_f64();
    let requests = 2 * (USERS + GROUPS);
    println!("directory sync at {CONNECTIONS} connections, {requests} requests:");
    println!("  {USERS} Users created                 {created:7.1} s");
    println!("  {GROUPS} Groups of {GROUP_SIZE} created          {:7.1} s", grouped - created);
    println!("  one change each (PATCH)             {:7.1} s", total - grouped);
    println!(
        "  total                               {total:7.1} s ({:.0} req/s); target under 60 s: {}",
        requests as f64 / total,
        if total < 60.0 { "met" } else { "MISSED" }
    );
    Ok(())
}

/// A SCIM User for every member of the organization, straight into the database.
fn seed_scim_users(database_url: &str, slug: &str) -> anyhow::Result<usize> {
    let pool = orgportal::db::connect(database_url).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let org_id: String =
        organizations::table.filter(organizations::slug.eq(slug)).select(organizations::id).first(&mut *conn)?;
    let people: Vec<(String, String, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::org_id.eq(&org_id))
        .select((users::id, users::email, users::name))
        .load(&mut *conn)?;
    let now = orgportal::clock::Clock::default().now();
    orgportal::db::write_transaction(&mut conn, |conn| -> anyhow::Result<()> {
        for (user_id, email, name) in &people {
            diesel::insert_into(scim_users::table)
                .values((
                    scim_users::id.eq(orgportal::store::new_id()),
                    scim_users::org_id.eq(&org_id),
                    scim_users::user_id.eq(user_id),
                    scim_users::external_id.eq(Some(format!("ext-{email}"))),
                    scim_users::user_name.eq(email),
                    scim_users::user_name_key.eq(email.to_lowercase()),
                    scim_users::display_name.eq(name),
                    scim_users::given_name.eq(""),
                    scim_users::family_name.eq(""),
                    scim_users::email.eq(email),
                    scim_users::email_key.eq(email.to_lowercase()),
                    scim_users::email_type.eq("work"),
                    scim_users::email_primary.eq(Some(true)),
                    scim_users::employee_number.eq(""),
                    scim_users::department.eq(""),
                    scim_users::active.eq(true),
                    scim_users::active_sent.eq(true),
                    scim_users::version.eq(1),
                    scim_users::created_at.eq(now),
                    scim_users::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;
    Ok(people.len())
}

async fn run() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(8);
    let dir = tempfile::tempdir()?;
    let url = common::sqlite_url(dir.path());
    let started = Instant::now();
    let slugs =
        seed_orgs(&url, &[("Bench Directory", 1), ("Bench Hundred", 100), ("Bench Hundred Thousand", 100_000)])?;
    let (hundred, huge) = (seed_scim_users(&url, &slugs[1])?, seed_scim_users(&url, &slugs[2])?);
    println!("seeded organizations of {hundred} and {huge} SCIM Users in {:.1} s", started.elapsed().as_secs_f64());
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_orgportal"));
    let lifted = [("ORGPORTAL_RATE_SCIM", "1000000000/1m")];
    let (server, base, _) = start_binary_with(binary, dir.path(), None, &lifted).await?;
    let pid = Some(server.0.id());
    let cookie = sign_in(&base).await?;

    let mut lookups = Vec::new();
    for (slug, n) in [(&slugs[1], 100), (&slugs[2], 100_000)] {
        let token = make_token(&base, &cookie, slug).await?;
        // A member near the end of the userName order.
        let who = format!("member{:05}@{slug}.test", n - 2);
        let filter: String =
            url::form_urlencoded::byte_serialize(format!("userName eq \"{who}\"").as_bytes()).collect();
        let target = format!("{base}/scim/v2/orgs/{slug}/Users?filter={filter}");
        let check: Value = reqwest::Client::new().get(&target).bearer_auth(&token).send().await?.json().await?;
        if check["totalResults"] != 1 {
            bail!("{target} found {}", check["totalResults"]);
        }
        let headers = vec![format!("Authorization: Bearer {token}")];
        lookups.push(wrk_with(pid, &format!("filter userName eq, {n} Users"), &target, &headers, None, seconds)?);
    }
    println!("GET /Users?filter=userName eq \"x\" (wrk, 16 connections, {seconds} s):");
    common::print_table(&lookups[0], &[&lookups[0], &lookups[1]], "vs 100");
    within(&lookups[1], &lookups[0], "100-User");

    let token = make_token(&base, &cookie, &slugs[0]).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(CONNECTIONS).build()?;
    let directory = Arc::new(Directory { client, base: format!("{base}/scim/v2/orgs/{}", slugs[0]), token });
    sync(directory).await?;
    drop(server);
    Ok(())
}
