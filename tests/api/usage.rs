//! Usage reported by the platform (`POST /api/v1/usage`) with a project's
//! token: idempotent by record id, checked whole, totals kept per month and
//! attributed to the owner of the day (also across a transfer).

use diesel::prelude::*;
use orgportal::db::schema::{activity, usage_monthly, usage_records};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{admin_with_org, spawn_app, TestApp};
use crate::project_tokens::new_token;
use crate::projects::create;

pub async fn report(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/usage", app.address))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub fn rec(id: &str, metric: &str, quantity: i64, day: &str) -> Value {
    json!({ "id": id, "metric": metric, "quantity": quantity, "day": day })
}

/// (record count, monthly totals as (project slug is not needed) month, metric, payer, quantity).
fn stored(app: &TestApp) -> (i64, Vec<(String, String, String, i64)>) {
    let mut conn = app.conn();
    let n = usage_records::table.count().get_result(&mut *conn).unwrap();
    let mut totals: Vec<(time::Date, String, String, i64)> = usage_monthly::table
        .select((usage_monthly::month, usage_monthly::metric, usage_monthly::payer_org_id, usage_monthly::quantity))
        .load(&mut *conn)
        .unwrap();
    totals.sort();
    (n, totals.into_iter().map(|(m, metric, payer, q)| (m.to_string(), metric, payer, q)).collect())
}

/// An organization with two projects and a token of each, made on
/// 1 October 2026; the clock then moves to 15 November 2026 (sessions last
/// that long here).
async fn setup() -> (TestApp, String, String, String) {
    let app = crate::helpers::spawn_app_at(time::macros::datetime!(2026-10-01 12:00), |s| {
        (s.session_idle, s.session_max) =
            (std::time::Duration::from_secs(90 * 86_400), std::time::Duration::from_secs(90 * 86_400))
    })
    .await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{slug}/projects");
    create(&app.browser, &base, "Fleet", "").await;
    create(&app.browser, &base, "Radar", "").await;
    let fleet = new_token(&app.browser, &format!("{base}/fleet"), "Platform").await;
    let radar = new_token(&app.browser, &format!("{base}/radar"), "Platform").await;
    app.settings.clock.advance(std::time::Duration::from_secs(45 * 86_400));
    (app, slug, fleet, radar)
}

#[tokio::test]
async fn usage_is_stored_once_per_record_and_totalled_per_month() {
    let (app, slug, fleet, _) = setup().await;
    let org_id = app.org_id(&slug);
    let today = app.settings.clock.now().date();
    let body = json!([
        rec("r1", "device.hours", 5, "2026-10-31"),
        rec("r2", "device.hours", 7, &today.to_string()),
        rec("r3", "sim.data_mb", 100, &today.to_string()),
    ]);
    let (status, answer) = report(&app, &fleet, &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({ "new": 3, "repeats": 0 }));
    // A retry counts once, and may add new records beside the repeats.
    let retry = json!([rec("r2", "device.hours", 7, &today.to_string()), rec("r4", "device.hours", 1, "2026-10-01")]);
    assert_eq!(report(&app, &fleet, &retry).await.1, json!({ "new": 1, "repeats": 1 }));
    let month = format!("{}-{:02}-01", today.year(), u8::from(today.month()));
    let (n, totals) = stored(&app);
    assert_eq!(n, 4);
    assert_eq!(
        totals,
        vec![
            ("2026-10-01".into(), "device.hours".into(), org_id.clone(), 6),
            (month.clone(), "device.hours".into(), org_id.clone(), 7),
            (month, "sim.data_mb".into(), org_id, 100),
        ]
    );
    // The project page shows its usage to whoever may view the project.
    let tech = app.member(&slug, "tech@example.com", "Technical user").await;
    let page = tech.get_html(&format!("/orgs/{slug}/projects/fleet")).await;
    assert!(page.contains("October 2026") && page.contains("<code>device.hours</code>"), "{page}");
    assert!(page.contains("<td class=\"num\">6</td>") && page.contains("<td class=\"num\">100</td>"));
    let radar = app.browser.get_html(&format!("/orgs/{slug}/projects/radar")).await;
    assert!(radar.contains("No usage reported for this project yet."), "another project's usage is not shown");
    let billing = app.member(&slug, "bill@example.com", "Billing").await;
    assert_eq!(billing.get(&format!("/orgs/{slug}/projects/fleet")).await.status(), StatusCode::NOT_FOUND);
    // One activity row per request that added records, none per record.
    assert_eq!(app.activity_count("usage.report"), 2);
    let empty = report(&app, &fleet, &json!([rec("r1", "device.hours", 5, "2026-10-31")])).await;
    assert_eq!(empty.1, json!({ "new": 0, "repeats": 1 }));
    assert_eq!(app.activity_count("usage.report"), 2);
}

#[tokio::test]
async fn bad_requests_are_refused_whole_and_store_nothing() {
    let (app, _, fleet, _) = setup().await;
    report(&app, &fleet, &json!([rec("kept", "device.hours", 5, "2026-11-01")])).await;
    let before = stored(&app);
    let good = rec("new", "device.hours", 1, "2026-11-01");
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (json!([good, rec("b", "device.hours", -1, "2026-11-01")]), StatusCode::BAD_REQUEST, "record 1, quantity"),
        (
            json!([good, {"id": "b", "metric": "m", "quantity": 1.5, "day": "2026-11-01"}]),
            StatusCode::BAD_REQUEST,
            "whole number",
        ),
        (json!([good, rec("b", "Device Hours", 1, "2026-11-01")]), StatusCode::BAD_REQUEST, "record 1, metric"),
        (json!([good, rec("b", "m", 1, "2099-01-01")]), StatusCode::BAD_REQUEST, "record 1, day: is in the future"),
        (
            json!([good, rec("b", "m", 1, "1970-01-01")]),
            StatusCode::BAD_REQUEST,
            "record 1, day: is before the project existed (the earliest day it accepts is 2026-09-30)",
        ),
        (
            json!([good, rec("b", "m", 1 << 62, "2026-11-01")]),
            StatusCode::BAD_REQUEST,
            "record 1, quantity: must be at most 1000000000000",
        ),
        (
            json!([good, rec("b\u{0}", "m", 1, "2026-11-01")]),
            StatusCode::BAD_REQUEST,
            "record 1, id: must not contain control characters",
        ),
        (
            json!([good, {"id": "b", "metric": "m", "quantity": 1, "day": "2026-11-01", "colour": 1}]),
            StatusCode::BAD_REQUEST,
            "colour: unknown field",
        ),
        (json!({"records": []}), StatusCode::BAD_REQUEST, "JSON list"),
        (
            json!([good, rec("kept", "device.hours", 6, "2026-11-01")]),
            StatusCode::CONFLICT,
            "record kept was already reported",
        ),
        (json!([good, rec("new", "device.hours", 2, "2026-11-01")]), StatusCode::CONFLICT, "record new"),
    ];
    for (body, status, message) in cases {
        let (got, answer) = report(&app, &fleet, &body).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["error"].as_str().unwrap_or_default().contains(message), "{message}: {answer}");
        assert_eq!(stored(&app), before, "{message}: nothing stored");
    }
    let (_, answer) = report(&app, &fleet, &json!([good, rec("b", "m", -1, "2026-11-01")])).await;
    assert_eq!((answer["index"].clone(), answer["field"].clone()), (json!(1), json!("quantity")));

    // Too many records, or too large a body: 413.
    let many: Vec<Value> = (0..10_001).map(|i| rec(&format!("x{i}"), "m", 1, "2026-11-01")).collect();
    assert_eq!(report(&app, &fleet, &json!(many)).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    let padded = format!("[{}]", " ".repeat(5 * 1024 * 1024));
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/usage", app.address))
        .bearer_auth(&fleet)
        .header("content-type", "application/json")
        .body(padded)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "a body over the limit");
    // Unknown or malformed tokens: 401.
    for token in ["opprj_unknown", "not-a-token", ""] {
        assert_eq!(report(&app, token, &json!([good])).await.0, StatusCode::UNAUTHORIZED, "{token}");
    }
    assert_eq!(stored(&app), before);
}

#[tokio::test]
async fn a_token_writes_only_its_own_project_and_a_revoked_one_nothing() {
    let (app, slug, fleet, radar) = setup().await;
    report(&app, &fleet, &json!([rec("same-id", "m", 1, "2026-11-01")])).await;
    // The same platform id in another project is another record.
    assert_eq!(report(&app, &radar, &json!([rec("same-id", "m", 9, "2026-11-01")])).await.1["new"], json!(1));
    let per_project: Vec<(String, i64)> = usage_records::table
        .inner_join(orgportal::db::schema::projects::table)
        .select((orgportal::db::schema::projects::slug, usage_records::quantity))
        .order(orgportal::db::schema::projects::slug.asc())
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(per_project, vec![("fleet".to_string(), 1), ("radar".to_string(), 9)]);
    let tokens = format!("/orgs/{slug}/projects/fleet/tokens");
    let page = app.browser.get_html(&tokens).await;
    let id: String = orgportal::db::schema::project_tokens::table
        .inner_join(orgportal::db::schema::projects::table)
        .filter(orgportal::db::schema::projects::slug.eq("fleet"))
        .select(orgportal::db::schema::project_tokens::id)
        .first(&mut *app.conn())
        .unwrap();
    let csrf = crate::helpers::hidden_field(&page, "csrf_token");
    app.browser.post(&format!("{tokens}/{id}/revoke"), &[("csrf_token", &csrf)]).await;
    let before = stored(&app);
    assert_eq!(report(&app, &fleet, &json!([rec("late", "m", 1, "2026-11-01")])).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(stored(&app), before);
    let rows: i64 =
        activity::table.filter(activity::action.eq("usage.report")).count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn usage_counts_for_the_owner_of_the_day_across_a_transfer() {
    let app = spawn_app().await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    create(&app.browser, "/personal/projects", "Notes", "").await;
    let token = new_token(&app.browser, "/personal/projects/notes", "Platform").await;
    let yesterday = (app.settings.clock.now().date() - time::Duration::days(1)).to_string();
    report(&app, &token, &json!([rec("before", "m", 3, &yesterday)])).await;
    app.settings.clock.advance(std::time::Duration::from_secs(60));
    let transfer = "/personal/projects/notes/transfer";
    let res = app.browser.submit(transfer, transfer, &[("to", &acme)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let today = app.settings.clock.now().date().to_string();
    // Reported late, yesterday's usage still belongs to the personal space that owned it then.
    let (status, answer) =
        report(&app, &token, &json!([rec("late", "m", 4, &yesterday), rec("after", "m", 5, &today)])).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let org_id = app.org_id(&acme);
    let payers: Vec<(String, i64)> = stored(&app).1.into_iter().map(|(_, _, payer, q)| (payer, q)).collect();
    let personal: i64 = payers.iter().filter(|(p, _)| p.is_empty()).map(|(_, q)| q).sum();
    let org: i64 = payers.iter().filter(|(p, _)| *p == org_id).map(|(_, q)| q).sum();
    assert_eq!((personal, org), (7, 5), "{payers:?}");
}

#[tokio::test]
async fn a_monthly_total_never_leaves_the_64_bit_range() {
    let (app, slug, fleet, _) = setup().await;
    // 2^62 three times was a wrong total on SQLite and a 500 on PostgreSQL.
    for i in 0..3 {
        let (status, answer) =
            report(&app, &fleet, &json!([rec(&format!("big{i}"), "m", 1 << 62, "2026-11-01")])).await;
        assert_eq!(
            (status, answer["index"].clone(), answer["field"].clone()),
            (StatusCode::BAD_REQUEST, json!(0), json!("quantity"))
        );
    }
    assert_eq!(stored(&app), (0, vec![]));
    // The largest quantity, then a total brought near the limit by hand: the
    // request that would pass it is refused whole, on both totals.
    assert_eq!(report(&app, &fleet, &json!([rec("a", "m", 1_000_000_000_000, "2026-11-01")])).await.0, StatusCode::OK);
    let near = i64::MAX - 5;
    diesel::update(usage_monthly::table).set(usage_monthly::quantity.eq(near)).execute(&mut *app.conn()).unwrap();
    let before = stored(&app);
    let (status, answer) =
        report(&app, &fleet, &json!([rec("b", "n", 1, "2026-11-02"), rec("c", "m", 6, "2026-11-02")])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("the total of m for 2026-11 would pass"), "{answer}");
    assert_eq!(stored(&app), before, "nothing of the request is stored");
    assert_eq!(
        report(&app, &fleet, &json!([rec("d", "m", 5, "2026-11-02")])).await.0,
        StatusCode::OK,
        "up to the limit"
    );
    assert_eq!(stored(&app).1[0].3, i64::MAX);
    let org_total: i64 = orgportal::db::schema::usage_org_monthly::table
        .filter(orgportal::db::schema::usage_org_monthly::org_id.eq(app.org_id(&slug)))
        .select(orgportal::db::schema::usage_org_monthly::quantity)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(org_total, 1_000_000_000_005, "the organization's total has its own check");
}

#[tokio::test]
async fn the_bearer_scheme_is_read_in_any_letter_case() {
    let (app, _, fleet, _) = setup().await;
    for (i, scheme) in ["bearer", "BEARER", "Bearer"].iter().enumerate() {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/usage", app.address))
            .header("authorization", format!("{scheme} {fleet}"))
            .json(&json!([rec(&format!("r{i}"), "m", 1, "2026-11-01")]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{scheme}");
    }
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/usage", app.address))
        .header("authorization", format!("Basic {fleet}"))
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
