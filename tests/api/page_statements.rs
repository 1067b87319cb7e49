//! How many statements each signed-in page sends to the database (issue 33:
//! at most two for a page whose data has not changed since the last
//! request), counted by the portal itself (`orgportal_db_statements_total`
//! on /metrics).

use crate::helpers::{admin_with_org, spawn_app_with, TestApp};

/// The portal's statement counts as /metrics says: (data, transaction).
async fn counts(app: &TestApp) -> (u64, u64) {
    let url = app.metrics_url.as_ref().expect("metrics are on");
    let text = reqwest::get(url).await.unwrap().text().await.unwrap();
    let read = |kind: &str| -> u64 {
        let prefix = format!("orgportal_db_statements_total{{kind=\"{kind}\"}} ");
        text.lines().find_map(|l| l.strip_prefix(&prefix)).map_or(0, |v| v.trim().parse().unwrap())
    };
    (read("data"), read("transaction"))
}

/// The statements a scrape itself runs: the fewest of five back-to-back
/// pairs (the mail worker and upkeep run statements of their own now and
/// then, which only ever add).
async fn scrape_cost(app: &TestApp) -> (u64, u64) {
    let mut fewest = (u64::MAX, u64::MAX);
    let mut last = counts(app).await;
    for _ in 0..5 {
        let next = counts(app).await;
        fewest = fewest.min((next.0.saturating_sub(last.0), next.1.saturating_sub(last.1)));
        last = next;
    }
    fewest
}

/// Statements one GET of `path` runs: the fewest of five tries, each the
/// counts' difference around the request less a scrape's own.
async fn statements_of(app: &TestApp, path: &str, scrape: (u64, u64)) -> (u64, u64) {
    let mut fewest = (u64::MAX, u64::MAX);
    for _ in 0..5 {
        let before = counts(app).await;
        let res = app.browser.get(path).await;
        assert_eq!(res.status(), reqwest::StatusCode::OK, "{path}");
        let after = counts(app).await;
        let page = (
            after.0.saturating_sub(before.0).saturating_sub(scrape.0),
            after.1.saturating_sub(before.1).saturating_sub(scrape.1),
        );
        fewest = fewest.min(page);
    }
    fewest
}

#[tokio::test]
async fn each_signed_in_page_runs_its_statements() {
    let app = spawn_app_with(|s| s.metrics_bind = Some("127.0.0.1:0".into())).await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    for i in 0..60 {
        app.member(&slug, &format!("member{i:02}@example.com"), "Member").await;
    }
    let res = crate::projects::create(&app.browser, &format!("/orgs/{slug}/projects"), "Fleet", "fleet").await;
    assert!(res.status().is_redirection());
    let members = app.browser.get_html(&format!("/orgs/{slug}/members")).await;
    let second = crate::html::next_link(&members).expect("a second page of members");
    // (page, the data statements it may run on SQLite, on PostgreSQL): the
    // session, user, memberships and switcher in one, then the page's own.
    // On PostgreSQL a connection that answered a moment ago is lent without
    // a `SELECT 1` first (requests here follow one another closely), and
    // each page reads over one checkout, so the counts are SQLite's (member
    // search one fewer: SQLite asks its FTS index apart, store/members/search_index.rs).
    // Pages over two are issue 33's open rows (docs/benchmarks.md says what
    // each reads).
    let pages = [
        (format!("/orgs/{slug}"), 1, 1),
        (format!("/orgs/{slug}/members"), 1, 1),
        // A later page is kept by its cursor, as the first is.
        (second, 1, 1),
        (format!("/orgs/{slug}/members?q=member0"), 2, 2),
        (format!("/orgs/{slug}/roles"), 1, 1),
        (format!("/orgs/{slug}/projects"), 2, 2),
        (format!("/orgs/{slug}/projects/fleet"), 3, 3),
        (format!("/orgs/{slug}/projects/fleet/team"), 2, 2),
        (format!("/orgs/{slug}/activity"), 2, 2),
        (format!("/orgs/{slug}/billing"), 1, 1),
        (format!("/orgs/{slug}/billing/usage"), 2, 2),
        ("/settings/sessions".to_string(), 2, 2),
    ];
    let scrape = scrape_cost(&app).await;
    let mut table = String::new();
    let mut over = Vec::new();
    for (page, on_sqlite, on_postgres) in &pages {
        let most = if app.db.is_postgres() { on_postgres } else { on_sqlite };
        let (data, transaction) = statements_of(&app, page, scrape).await;
        table.push_str(&format!("{page}: {data} data, {transaction} transaction\n"));
        if data > *most {
            over.push(format!("{page}: {data} > {most}"));
        }
    }
    println!("{table}");
    assert!(over.is_empty(), "pages that run more statements than they did: {over:?}\n{table}");
}
