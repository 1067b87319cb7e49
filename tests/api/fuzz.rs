//! Hostile input on every route of the route table, as an admin (who is
//! also support staff) and as a member with no rights to change anything:
//! every path parameter, every query parameter a page reads (its filter
//! forms and its links) and every field of every form gets NUL and the other
//! control characters, bytes that are not UTF-8, 100 KB, right-to-left and
//! zero-width characters, SQL and FTS5/tsquery syntax. No answer may be a
//! 5xx or a connection cut short; a refused form changes nothing in the
//! database; and at the end no stored text holds a refused character.
//!
//! The routes are read from the source (`#[get]`/`#[post]` handlers and the
//! table in `src/startup.rs`), so a new route is fuzzed without anyone
//! adding it here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::Text;
use reqwest::StatusCode;

use crate::browser::Browser;
use crate::customer_pages::linked_app;
use crate::helpers::{hidden_field, TestApp};
use crate::html::unescape;

const SLUG: &str = "northwind-databases";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    method: &'static str,
    pattern: String,
}

/// Every route the portal declares: the handlers' attributes and the routes
/// `src/startup.rs` adds by hand.
fn route_table() -> Vec<Route> {
    let mut routes = BTreeSet::new();
    let mut files = Vec::new();
    collect_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (method, marker) in [("GET", "#[get(\""), ("POST", "#[post(\"")] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len()..];
                routes.insert(Route { method, pattern: rest[..rest.find('"').unwrap()].to_string() });
            }
        }
        if !file.ends_with("startup.rs") {
            continue;
        }
        let bases: Vec<String> = text
            .lines()
            .filter(|l| l.trim_start().starts_with("for base in ["))
            .flat_map(|l| l.split('"').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>())
            .collect();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let method = |l: &str| if l.contains("web::post()") { "POST" } else { "GET" };
            if let Some(rest) = line.split("&format!(\"{base}").nth(1) {
                let suffix = rest[..rest.find('"').unwrap()].replace("{{", "{").replace("}}", "}");
                for base in &bases {
                    routes.insert(Route { method: method(line), pattern: format!("{base}{suffix}") });
                }
            } else if let Some(rest) = line.split("web::resource(\"").nth(1) {
                let path = &rest[..rest.find('"').unwrap()];
                let route = lines[i..].iter().take(4).find(|l| l.contains(".route(")).expect("a resource's route");
                routes.insert(Route { method: method(route), pattern: path.to_string() });
            }
        }
    }
    routes.into_iter().collect()
}

fn collect_sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A hostile value: text (sent percent-encoded), or bytes already encoded
/// (invalid UTF-8 cannot be a Rust string).
#[derive(Clone, Debug)]
enum Hostile {
    Text(String),
    Encoded(&'static str),
}

impl Hostile {
    fn encoded(&self) -> String {
        match self {
            Hostile::Text(t) => url::form_urlencoded::byte_serialize(t.as_bytes()).collect(),
            Hostile::Encoded(e) => e.to_string(),
        }
    }
}

/// The corpus. `round` picks which C0 control goes into the last value, so
/// that across a route's parameters every C0 control is sent on its own.
fn corpus(round: usize) -> Vec<Hostile> {
    let c0 = char::from_u32((round % 32) as u32).unwrap();
    let others: String = (1u32..32).filter_map(char::from_u32).filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let mut values: Vec<Hostile> = [
        "\0",
        "abc\0",
        "a\nb",
        "a\r\nb",
        "a\tb",
        others.as_str(),
        "\u{7f}\u{85}",
        "\u{202e}evil\u{200b}\u{feff}",
        "'\"<>%_\\*",
        "NEAR(",
        "\"",
        "a OR b",
        ":*",
        "a & !b | c:*",
        "' OR 1=1 --",
    ]
    .into_iter()
    .map(|s| Hostile::Text(s.to_string()))
    .collect();
    values.push(Hostile::Text(format!("x{c0}y")));
    values.push(Hostile::Text("a".repeat(100_000)));
    values.extend(["%FF", "%C0%80", "%ED%A0%80", "a%FE%FFb"].map(Hostile::Encoded));
    values
}

/// What the fuzz needs to fill each path parameter.
struct World {
    values: BTreeMap<&'static str, String>,
}

impl World {
    fn value(&self, route: &str, param: &str) -> String {
        let key = match param {
            "id" if route.contains("/services/") => "service",
            "id" if route.contains("/tickets/") => "ticket",
            "id" if route.contains("/sessions/") => "session",
            "id" if route.contains("/team/invitations/") => "project_invitation",
            "id" if route.contains("/invitations/") => "invitation",
            "id" if route.contains("/tokens/") => "project_token",
            "token" if route.starts_with("/project-invitations/") => "project_invitation_token",
            "project" if route.starts_with("/orgs/") => "project",
            "project" => "personal_project",
            other => match other {
                "slug" => "slug",
                "user_id" => "user_id",
                "project_id" => "project_id",
                "provider" => "provider",
                "token" => "invitation_token",
                _ => panic!("the fuzz does not know the path parameter {{{other}}} of {route}: add it to World"),
            },
        };
        self.values[key].clone()
    }

    /// The route's path with its parameters filled, one of them (by name) hostile.
    fn fill(&self, pattern: &str, hostile: Option<(&str, &str)>) -> String {
        let mut out = String::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').unwrap();
            let name = &rest[open + 1..close];
            match hostile {
                Some((h, value)) if h == name => out.push_str(value),
                _ => out.push_str(&self.value(pattern, name)),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

fn params_of(pattern: &str) -> Vec<String> {
    pattern.split('{').skip(1).map(|p| p[..p.find('}').unwrap()].to_string()).collect()
}

/// A form's fields with the values the page gave them.
type FormFields = Vec<(String, String)>;

/// The forms of a page: (method, action, fields).
fn forms(html: &str) -> Vec<(String, String, FormFields)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        Some(unescape(&tag[start..start + tag[start..].find('"')?]))
    };
    let mut out = Vec::new();
    for part in html.split("<form").skip(1) {
        let body = &part[..part.find("</form>").unwrap_or(part.len())];
        let tag = &body[..body.find('>').unwrap_or(0)];
        let method = attr(tag, "method").unwrap_or_else(|| "get".into()).to_lowercase();
        let action = attr(tag, "action").unwrap_or_default();
        let mut fields = Vec::new();
        for kind in ["<input", "<select", "<textarea", "<button"] {
            for piece in body.split(kind).skip(1) {
                let tag = &piece[..piece.find('>').unwrap_or(piece.len())];
                if let Some(name) = attr(tag, "name") {
                    let value = attr(tag, "value").unwrap_or_default();
                    if !fields.iter().any(|(n, _): &(String, String)| *n == name) {
                        fields.push((name, value));
                    }
                }
            }
        }
        out.push((method, action, fields));
    }
    out
}

/// The query parameters a page reads: its GET forms' fields and the
/// parameters of its links back to itself.
fn query_names(html: &str, path: &str) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = ["q".to_string()].into();
    for (method, _, fields) in forms(html) {
        if method == "get" {
            names.extend(fields.into_iter().map(|(n, _)| n));
        }
    }
    for href in html.split("href=\"").skip(1).map(|h| unescape(&h[..h.find('"').unwrap_or(0)])) {
        if let Some((p, query)) = href.split_once('?') {
            if p == path {
                names.extend(url::form_urlencoded::parse(query.as_bytes()).map(|(k, _)| k.into_owned()));
            }
        }
    }
    names
}

/// Every table's rows as text, in one statement: what a refused form must
/// leave as it was, and where no refused character may be stored.
#[derive(QueryableByName)]
struct Dump {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    rows: String,
}

fn tables(app: &TestApp) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let sql = if app.db.is_postgres() {
        "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    };
    let names: Vec<Name> = diesel::sql_query(sql).load(&mut *app.conn()).unwrap();
    names.into_iter().map(|n| n.name).filter(|n| !n.starts_with("__diesel")).collect()
}

fn dump(app: &TestApp, tables: &[String]) -> BTreeMap<String, String> {
    let mut conn = app.conn();
    let parts: Vec<String> = if app.db.is_postgres() {
        tables
            .iter()
            .map(|t| format!("SELECT '{t}' AS name, coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') AS rows FROM {t} x"))
            .collect()
    } else {
        tables
            .iter()
            .map(|t| {
                #[derive(QueryableByName)]
                struct Column {
                    #[diesel(sql_type = Text)]
                    name: String,
                }
                let columns: Vec<Column> =
                    diesel::sql_query(format!("SELECT name FROM pragma_table_info('{t}')")).load(&mut *conn).unwrap();
                let row =
                    columns.iter().map(|c| format!("quote(\"{}\")", c.name)).collect::<Vec<_>>().join(" || ',' || ");
                format!("SELECT '{t}' AS name, coalesce(group_concat({row}, char(10)), '') AS rows FROM \"{t}\"")
            })
            .collect()
    };
    let rows: Vec<Dump> = diesel::sql_query(parts.join(" UNION ALL ")).load(&mut *conn).unwrap();
    rows.into_iter().map(|d| (d.name, d.rows)).collect()
}

/// The tables a request may change without having done anything: the
/// session's last use, the mail worker's progress, SQLite's search index
/// merges, the row SQLite's write transactions take their lock with.
fn compared(all: &BTreeMap<String, String>) -> BTreeMap<&String, &String> {
    all.iter()
        .filter(|(t, _)| !matches!(t.as_str(), "sessions" | "mail_outbox" | "write_lock") && !t.contains("search"))
        .collect()
}

/// The first change between two dumps, in the tables compared: the table
/// and the rows one has that the other has not.
fn difference(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Option<String> {
    let (before, after) = (compared(before), compared(after));
    let table = before.keys().chain(after.keys()).find(|t| before.get(*t) != after.get(*t))?;
    let lines = |d: &BTreeMap<&String, &String>| -> BTreeSet<String> {
        d.get(table).map(|rows| rows.lines().map(|l| l.chars().take(300).collect()).collect()).unwrap_or_default()
    };
    let (old, new) = (lines(&before), lines(&after));
    Some(format!(
        "{table}: gone {:?}, new {:?}",
        old.difference(&new).collect::<Vec<_>>(),
        new.difference(&old).collect::<Vec<_>>()
    ))
}

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
    app.new_browser().sign_in("vic@example.com", "Vic Viewer").await;
    app.join(SLUG, "vic@example.com", "View-only");
    // A second session of Ada's, to revoke.
    app.new_browser().sign_in("ada@northwind.example", "Ada Admin").await;
    orgportal::store::staff::add(&mut app.conn(), "ada@northwind.example", true, app.settings.clock.now()).unwrap();

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
        ("service", one(service_tokens::table.select(service_tokens::id).first(&mut *conn))),
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
