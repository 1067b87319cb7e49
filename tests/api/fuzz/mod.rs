//! Hostile input on every route of the route table, as an admin (who is
//! also support staff) and as a member with no rights to change anything:
//! every path parameter, every query parameter a page reads (its filter
//! forms and its links) and every field of every form gets NUL and the other
//! control characters, bytes that are not UTF-8, 100 KB, right-to-left and
//! zero-width characters, SQL and FTS5/tsquery syntax. No answer may be a
//! 5xx or a connection cut short; a refused form changes nothing in the
//! database; and at the end no stored text holds a refused character.
//!
//! The routes are read from the source (`src/web/routes.rs` and the
//! `#[get]`/`#[post]` handlers), so a new route is fuzzed without anyone
//! adding it here.
mod dump;
mod pages;
mod routes;
mod values;

use std::collections::BTreeMap;

use diesel::prelude::*;
use reqwest::StatusCode;

use crate::browser::Browser;
use crate::customer_pages::linked_app;
use crate::helpers::{hidden_field, TestApp};
use dump::{difference, dump, tables};
use pages::{forms, query_names, FormFields};
use routes::{params_of, route_table, Route, World};
use values::corpus;

const SLUG: &str = "northwind-databases";

async fn send(browser: &Browser, method: &str, url: &str, body: Option<String>) -> (StatusCode, String) {
    let shown = &url[..url.len().min(300)];
    if url.len() > 65_000 {
        // Longer than an HTTP client sends (http's Uri stops at 64 KB): a raw request.
        let status = raw_get(url).await;
        assert!(!status.is_server_error(), "{method} {shown}: {status}");
        return (status, String::new());
    }
    let request = if method == "GET" {
        browser.client.get(url)
    } else {
        browser
            .client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.unwrap_or_default())
    };
    let res = request.send().await.unwrap_or_else(|e| panic!("{method} {shown}: no answer: {}", e.without_url()));
    let status = res.status();
    let text = res
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{method} {shown}: {status}, then the connection was cut: {}", e.without_url()));
    assert!(
        !status.is_server_error(),
        "{method} {shown}: {status}\n{}",
        String::from_utf8_lossy(&text[..text.len().min(2000)])
    );
    (status, String::from_utf8_lossy(&text).into_owned())
}

/// A GET written by hand on a socket; the status the server answers with.
async fn raw_get(url: &str) -> StatusCode {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut socket = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    // The server may answer (and close) before it has read the whole line.
    let _ = socket.write_all(head.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), socket.read_to_end(&mut answer)).await;
    let line = String::from_utf8_lossy(&answer[..answer.len().min(40)]).into_owned();
    let code = line.split(' ').nth(1).and_then(|c| c.parse::<u16>().ok());
    StatusCode::from_u16(code.unwrap_or_else(|| panic!("GET {}: no answer ({line:?})", &url[..300]))).unwrap()
}

struct Person<'a> {
    browser: Browser,
    email: &'a str,
    name: &'a str,
}

impl Person<'_> {
    async fn csrf(&self) -> String {
        if !self.browser.is_signed_in("/settings").await {
            self.browser.sign_in(self.email, self.name).await;
        }
        hidden_field(&self.browser.get_html("/settings").await, "csrf_token")
    }
}

/// Sets up an organization with something behind every path parameter.
async fn world(app: &TestApp) -> World {
    let ada = &app.browser;
    let projects = format!("/orgs/{SLUG}/projects");
    crate::projects::create(ada, &projects, "Fleet", "").await;
    crate::projects::create(ada, "/personal/projects", "Notes", "").await;
    let project_token = crate::project_tokens::new_token(ada, &format!("{projects}/fleet"), "Platform").await;
    crate::usage::report(
        app,
        &project_token,
        &serde_json::json!([crate::usage::rec("r1", "m", 1, &app.settings.clock.now().date().to_string())]),
    )
    .await;
    let team = format!("{projects}/fleet/team");
    assert_eq!(
        ada.submit(&team, &format!("{team}/invite"), &[("email", "colin@example.com"), ("role", "View-only")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let members = format!("/orgs/{SLUG}/members");
    let res = ada
        .submit(
            &format!("{members}/invite"),
            &format!("/orgs/{SLUG}/invitations"),
            &[("email", "ivy@example.com"), ("role", "Admin")],
        )
        .await;
    assert!(res.status().is_success() || res.status() == StatusCode::SEE_OTHER, "{}", res.status());
    let services = format!("/orgs/{SLUG}/services");
    assert_eq!(ada.submit(&services, &services, &[("name", "PMM")]).await.status(), StatusCode::OK);
    crate::management_api::make_key(ada, SLUG, "Fuzz", &["org.view"], "30").await;
    // A SCIM token and a group its directory pushed (Provisioning page).
    let scim_token = crate::scim::make_token(ada, SLUG, "Fuzz IdP").await;
    let group = crate::scim::Directory::new(app, SLUG, &scim_token)
        .post("/Groups", serde_json::json!({"displayName": "Fuzzers"}))
        .await;
    assert_eq!(group.status, StatusCode::CREATED);
    app.new_browser().sign_in("vic@example.com", "Vic Viewer").await;
    app.join(SLUG, "vic@example.com", "View-only");
    // A second session of Ada's, to revoke.
    app.new_browser().sign_in("ada@northwind.example", "Ada Admin").await;
    orgportal::store::staff::add(&mut app.conn(), "ada@northwind.example", true, app.settings.clock.now()).unwrap();

    // A webhook endpoint (written here: this app refuses loopback receivers,
    // and its name never resolves offline) with one delivery, its ping.
    let (webhook, org_id) = ("0190a1b2-c3d4-7e5f-8a9b-00000000f022".to_string(), app.org_id(SLUG));
    diesel::insert_into(orgportal::db::schema::webhook_endpoints::table)
        .values((
            orgportal::db::schema::webhook_endpoints::id.eq(&webhook),
            orgportal::db::schema::webhook_endpoints::org_id.eq(&org_id),
            orgportal::db::schema::webhook_endpoints::url.eq("https://hooks.example.com/in"),
            orgportal::db::schema::webhook_endpoints::description.eq(""),
            orgportal::db::schema::webhook_endpoints::event_types.eq("*"),
            orgportal::db::schema::webhook_endpoints::enabled.eq(false),
            orgportal::db::schema::webhook_endpoints::secret.eq("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            orgportal::db::schema::webhook_endpoints::created_at.eq(app.settings.clock.now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let endpoint = format!("/orgs/{SLUG}/webhooks/{webhook}");
    assert_eq!(ada.submit(&endpoint, &format!("{endpoint}/ping"), &[]).await.status(), StatusCode::SEE_OTHER);

    // A claimed domain (not verified: this app's lookups find nothing).
    let domains = format!("/orgs/{SLUG}/domains");
    assert_eq!(
        ada.submit(&domains, &domains, &[("domain", "northwind.example")]).await.status(),
        StatusCode::SEE_OTHER
    );

    let tokens = wait_for_tokens(app).await;
    let mut conn = app.conn();
    use orgportal::db::schema::*;
    let one = |q: Result<String, diesel::result::Error>| q.unwrap();
    let project_id = one(projects::table.filter(projects::slug.eq("fleet")).select(projects::id).first(&mut *conn));
    let ada_id = one(users::table.filter(users::email.eq("ada@northwind.example")).select(users::id).first(&mut *conn));
    let values = BTreeMap::from([
        ("slug", SLUG.to_string()),
        ("project", "fleet".to_string()),
        ("personal_project", "notes".to_string()),
        ("project_id", project_id),
        ("user_id", one(users::table.filter(users::email.eq("vic@example.com")).select(users::id).first(&mut *conn))),
        ("provider", "dev".to_string()),
        // No payment provider is configured here: its pages answer 404.
        ("payment_method", "pm_none".to_string()),
        ("service", one(service_tokens::table.select(service_tokens::id).first(&mut *conn))),
        ("api_key", one(api_keys::table.select(api_keys::id).first(&mut *conn))),
        ("webhook", webhook),
        ("domain", one(org_domains::table.select(org_domains::id).first(&mut *conn))),
        ("webhook_delivery", one(webhook_deliveries::table.select(webhook_deliveries::id).first(&mut *conn))),
        ("ticket", one(tickets::table.select(tickets::id).first(&mut *conn))),
        (
            "session",
            one(sessions::table
                .filter(sessions::user_id.eq(&ada_id))
                .order(sessions::created_at.desc())
                .select(sessions::id)
                .first(&mut *conn)),
        ),
        ("invitation", one(invitations::table.select(invitations::id).first(&mut *conn))),
        ("project_invitation", one(project_invitations::table.select(project_invitations::id).first(&mut *conn))),
        ("project_token", one(project_tokens::table.select(project_tokens::id).first(&mut *conn))),
        ("scim_token", one(scim_tokens::table.select(scim_tokens::id).first(&mut *conn))),
        ("scim_group", one(scim_groups::table.select(scim_groups::id).first(&mut *conn))),
        ("invitation_token", tokens.0),
        ("project_invitation_token", tokens.1),
    ]);
    World { values }
}

/// The links of the two invitations, from the mail written to disk.
async fn wait_for_tokens(app: &TestApp) -> (String, String) {
    let token_after = |text: &str, marker: &str| -> Option<String> {
        let at = text.find(marker)? + marker.len();
        Some(text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect())
    };
    for _ in 0..100 {
        let mut found = (None, None);
        if let Ok(dir) = std::fs::read_dir(app.data_dir.path().join("mail")) {
            for entry in dir.flatten() {
                let text =
                    std::fs::read_to_string(entry.path()).unwrap_or_default().replace("=\r\n", "").replace("=\n", "");
                found.0 = found.0.or_else(|| {
                    token_after(&text, "/invitations/").filter(|_| !text.contains("/project-invitations/"))
                });
                found.1 = found.1.or_else(|| token_after(&text, "/project-invitations/"));
            }
        }
        if let (Some(a), Some(b)) = found {
            return (a, b);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the invitations' mail was not written");
}

#[tokio::test]
async fn every_route_survives_hostile_input() {
    let app = linked_app().await;
    let world = world(&app).await;
    let routes = route_table();
    assert!(routes.len() >= 100, "the route table was read: {routes:?}");
    for (method, pattern) in [
        ("GET", "/orgs/{slug}"),
        ("GET", "/orgs/{slug}/members"),
        ("POST", "/shared/{project}/team/{user_id}"),
        ("GET", "/orgs/{slug}/projects/{project}/team"),
        ("GET", "/staff/orgs/{slug}/domains"),
        ("POST", "/api/v1/usage"),
    ] {
        let route = Route { method, pattern: pattern.to_string() };
        assert!(routes.contains(&route), "{method} {pattern} is in the table: {routes:?}");
    }
    let tables = tables(&app);
    let people = [
        Person { browser: app.browser.clone(), email: "ada@northwind.example", name: "Ada Admin" },
        Person { browser: app.new_browser(), email: "vic@example.com", name: "Vic Viewer" },
    ];
    let base = app.address.clone();
    let (mut requests, mut refused_forms) = (0usize, 0usize);
    for person in &people {
        let mut csrf = person.csrf().await;
        // The forms each page offers, by action: what a POST route is sent.
        let mut form_fields: BTreeMap<String, FormFields> = BTreeMap::new();
        for (round, route) in routes.iter().filter(|r| r.method == "GET").enumerate() {
            let path = world.fill(&route.pattern, None);
            let (_, html) = send(&person.browser, "GET", &format!("{base}{path}"), None).await;
            for (method, action, fields) in forms(&html) {
                if method == "post" {
                    form_fields.entry(action).or_insert(fields);
                }
            }
            let corpus = corpus(round);
            for param in params_of(&route.pattern) {
                for value in &corpus {
                    let url = format!("{base}{}", world.fill(&route.pattern, Some((&param, &value.encoded()))));
                    send(&person.browser, "GET", &url, None).await;
                    requests += 1;
                }
            }
            for name in query_names(&html, &path) {
                for value in &corpus {
                    send(&person.browser, "GET", &format!("{base}{path}?{name}={}", value.encoded()), None).await;
                    requests += 1;
                }
            }
            if !person.browser.is_signed_in("/settings").await {
                csrf = person.csrf().await;
            }
        }
        // Forms that end a session or a membership go last.
        let mut posts: Vec<&Route> = routes.iter().filter(|r| r.method == "POST").collect();
        let ends = |r: &&Route| {
            ["logout", "revoke", "leave", "delete", "remove", "transfer"].iter().any(|w| r.pattern.contains(w))
        };
        posts.sort_by_key(|r| ends(r));
        let mut before = dump(&app, &tables);
        for (round, route) in posts.iter().enumerate() {
            let path = world.fill(&route.pattern, None);
            let fields = form_fields.get(&path).cloned().unwrap_or_else(|| vec![("name".into(), "x".into())]);
            let corpus = corpus(round);
            let targets: Vec<String> = fields.iter().map(|(n, _)| n.clone()).filter(|n| n != "csrf_token").collect();
            for target in targets {
                for value in &corpus {
                    let body = std::iter::once(format!(
                        "csrf_token={}",
                        url::form_urlencoded::byte_serialize(csrf.as_bytes()).collect::<String>()
                    ))
                    .chain(fields.iter().filter(|(n, _)| n != "csrf_token").map(|(n, v)| {
                        let v = if *n == target {
                            value.encoded()
                        } else {
                            url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
                        };
                        format!("{}={v}", url::form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>())
                    }))
                    .collect::<Vec<_>>()
                    .join("&");
                    let (status, _) = send(&person.browser, "POST", &format!("{base}{path}"), Some(body)).await;
                    requests += 1;
                    let after = dump(&app, &tables);
                    if status.is_client_error() {
                        refused_forms += 1;
                        if let Some(change) = difference(&before, &after) {
                            panic!("POST {path} with {target}={value:?}: {status}, yet the database changed: {change}");
                        }
                    }
                    before = after;
                    if !person.browser.is_signed_in("/settings").await {
                        csrf = person.csrf().await;
                    }
                }
            }
        }
        // The hostile values reach the refused paths and keyed lookups too.
        for value in corpus(0) {
            send(&person.browser, "GET", &format!("{base}/orgs/{}/members", value.encoded()), None).await;
        }
    }
    // Nothing stored holds a refused character (a line break only where a field takes several lines).
    for (table, rows) in dump(&app, &tables) {
        let bad = rows.chars().find(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
        assert_eq!(bad, None, "table {table} holds a control character");
    }
    eprintln!("fuzz: {} routes, {requests} hostile requests, {refused_forms} refused forms", routes.len());
    assert!(requests > 5_000 && refused_forms > 500, "{requests} requests, {refused_forms} refused forms");
}
