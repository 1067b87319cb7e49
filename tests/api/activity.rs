use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{admin_with_org, spawn_app};

fn rows_in(html: &str) -> usize {
    html.matches("<td class=\"log-details\">").count()
}

#[tokio::test]
async fn the_activity_page_filters_pages_and_is_permission_checked() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let bob = app.member(&slug, "bob@example.com", "Billing").await;
    let viewer = app.member(&slug, "vic@example.com", "View-only").await;
    let tech = app.member(&slug, "tec@example.com", "Technical user").await;
    let bob_id = app.user_id("bob@example.com");

    // 60 role changes, the last ten three days later.
    for i in 0..60 {
        if i == 50 {
            app.settings.clock.advance(Duration::from_secs(3 * 24 * 3600));
        }
        let role = if i % 2 == 0 { "View-only" } else { "Billing" };
        let res = app
            .browser
            .submit(&format!("/orgs/{slug}/members"), &format!("/orgs/{slug}/members/{bob_id}/role"), &[("role", role)])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }

    let first = app.browser.get_html(&format!("/orgs/{slug}/activity")).await;
    assert_eq!(rows_in(&first), 50);
    assert!(first.contains("<code>member.role_change</code>"));
    let next = crate::helpers::next_link(&first).expect("an Older link");
    let second = app.browser.get_html(&next).await;
    // 60 role changes + org.create + the admin's sign-in is not in the org (it had none then).
    assert_eq!(rows_in(&second), 61 - 50);
    let back = format!("<a href=\"/orgs/{slug}/activity?actor=&#38;action=&#38;from=&#38;to=\">← First page</a>");
    assert!(!first.contains("First page") && second.contains(&back), "{second}");

    let by_action = app.browser.get_html(&format!("/orgs/{slug}/activity?action=org.create")).await;
    assert_eq!(rows_in(&by_action), 1);
    let owner_id = app.user_id("owner@example.com");
    let by_actor =
        app.browser.get_html(&format!("/orgs/{slug}/activity?actor={owner_id}&action=member.role_change")).await;
    assert_eq!(rows_in(&by_actor), 50, "first page of the owner's 60 changes");
    let later = app.settings.clock.now().date();
    let from = format!("{}", later);
    let recent = app.browser.get_html(&format!("/orgs/{slug}/activity?from={from}&to={from}")).await;
    assert_eq!(rows_in(&recent), 10, "only the changes of the later day");
    let bad = app.browser.get_html(&format!("/orgs/{slug}/activity?from=yesterday")).await;
    assert!(bad.contains("id=\"from-error\">“yesterday” is not a date") && bad.contains("value=\"yesterday\""));

    // View-only may read it; Billing and Technical user may not, and see no link.
    assert_eq!(viewer.get(&format!("/orgs/{slug}/activity")).await.status(), StatusCode::OK);
    for browser in [&bob, &tech] {
        assert_eq!(browser.get(&format!("/orgs/{slug}/activity")).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(browser.get(&format!("/orgs/{slug}/activity.csv")).await.status(), StatusCode::FORBIDDEN);
        assert!(!browser.get_html(&format!("/orgs/{slug}")).await.contains("/activity\""));
    }
    let stranger = app.new_browser();
    stranger.sign_in("stranger@example.com", "S").await;
    assert_eq!(stranger.get(&format!("/orgs/{slug}/activity")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn csv_export_round_trips_awkward_values() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let awkward = "Doe, \"Jo\"\nJunior";
    let joe = app.new_browser();
    // A line break is refused at every form, so the name is stored by hand
    // (as an operator's SQL might): the export must still round-trip it.
    let res = joe.sign_in_from("/auth/dev/start", "jo@example.com", "Jo").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (org_id, jo_id) = (app.org_id(&slug), app.user_id("jo@example.com"));
    {
        use diesel::prelude::*;
        let mut conn = app.conn();
        diesel::update(orgportal::db::schema::users::table.find(&jo_id))
            .set(orgportal::db::schema::users::name.eq(awkward))
            .execute(&mut *conn)
            .unwrap();
        orgportal::store::members::add(&mut conn, &org_id, &jo_id, "Admin", app.settings.clock.now()).unwrap();
    }
    let owner_id = app.user_id("owner@example.com");
    let res = joe
        .submit(
            &format!("/orgs/{slug}/members"),
            &format!("/orgs/{slug}/members/{owner_id}/role"),
            &[("role", "Admin")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "a no-op change by Jo is allowed");
    let bob = app.member(&slug, "bob@example.com", "Billing").await;
    drop(bob);
    let bob_id = app.user_id("bob@example.com");
    let res = joe
        .submit(
            &format!("/orgs/{slug}/members"),
            &format!("/orgs/{slug}/members/{bob_id}/role"),
            &[("role", "View-only")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let res = app.browser.get(&format!("/orgs/{slug}/activity.csv?actor={jo_id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[1], "actor_name");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1, "only Jo's change, as filtered");
    assert_eq!(&records[0][1], awkward, "comma, quotes and newline survive");
    assert_eq!(&records[0][3], "member.role_change");
    assert_eq!(&records[0][4], "bob@example.com");
}

/// The filter choices kept for each log: (kind, value) of `scope` ('' site-wide).
fn facets(app: &crate::helpers::TestApp, scope: &str) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use orgportal::db::schema::activity_facets;
    let mut rows: Vec<(String, String)> = activity_facets::table
        .filter(activity_facets::scope.eq(scope))
        .select((activity_facets::kind, activity_facets::value))
        .load(&mut *app.conn())
        .unwrap();
    rows.sort();
    rows
}

#[tokio::test]
async fn the_filter_choices_are_each_log_s_own_and_kept_as_rows_are_written() {
    let app = spawn_app().await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    let gina = app.new_browser();
    gina.sign_in("gina@example.com", "Gina").await;
    let globex = gina.create_org("Globex").await;
    app.member(&acme, "bob@example.com", "View-only").await;
    let bob_id = app.user_id("bob@example.com");
    let role = format!("/orgs/{acme}/members/{bob_id}/role");
    for r in ["Billing", "View-only"] {
        app.browser.submit(&format!("/orgs/{acme}/members"), &role, &[("role", r)]).await;
    }
    let (owner, gina_id) = (app.user_id("owner@example.com"), app.user_id("gina@example.com"));
    let acme_id = app.org_id(&acme);
    let expected = |action: &[&str], actor: &str| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = action.iter().map(|a| ("action".to_string(), a.to_string())).collect();
        v.push(("actor".into(), actor.into()));
        v.sort();
        v
    };
    assert_eq!(facets(&app, &acme_id), expected(&["member.role_change", "org.create"], &owner), "once each");
    assert_eq!(facets(&app, &app.org_id(&globex)), expected(&["org.create"], &gina_id));

    let page = app.browser.get_html(&format!("/orgs/{acme}/activity")).await;
    assert!(page.contains("<option value=\"member.role_change\">") && page.contains("owner@example.com</option>"));
    assert!(!page.contains("gina@example.com"), "another log's actor is not offered");
    let other = gina.get_html(&format!("/orgs/{globex}/activity")).await;
    assert!(!other.contains("member.role_change"), "another log's action is not offered");

    // A deleted organization's choices go with it.
    let globex_id = app.org_id(&globex);
    let res =
        gina.submit(&format!("/orgs/{globex}"), &format!("/orgs/{globex}/delete"), &[("confirm_name", "Globex")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(facets(&app, &globex_id).is_empty());
}

/// The filter choices are kept per organization (issue 33): a new action
/// or actor, an actor's new address and an actor's deleted account show on
/// the next request, whichever instance or tool made the change.
#[tokio::test]
async fn the_kept_filter_choices_show_every_change_on_the_next_request() {
    use diesel::prelude::*;
    use orgportal::db::schema::{activity_facets, users};
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let bob = app.member(&slug, "bob@example.com", "Admin").await;
    app.member(&slug, "vic@example.com", "View-only").await;
    let (org_id, bob_id, vic_id) = (app.org_id(&slug), app.user_id("bob@example.com"), app.user_id("vic@example.com"));
    let log = format!("/orgs/{slug}/activity");
    let offered = |page: &str, option: &str| page.contains(&format!(">{option}</option>"));
    let page = app.browser.get_html(&log).await;
    assert!(offered(&page, "owner@example.com") && !offered(&page, "bob@example.com"));
    assert!(!offered(&page, "member.role_change"));

    // Bob changes a role on another instance: a new actor and a new action here.
    let other = app.second_instance().await;
    let there = bob.at(&other.address);
    let res = there
        .submit(
            &format!("/orgs/{slug}/members"),
            &format!("/orgs/{slug}/members/{vic_id}/role"),
            &[("role", "Billing")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app.browser.get_html(&log).await;
    assert!(offered(&page, "bob@example.com") && offered(&page, "member.role_change"), "{page}");

    // Behind the portal's back: a choice added, an actor's new address.
    diesel::insert_into(activity_facets::table)
        .values((
            activity_facets::scope.eq(&org_id),
            activity_facets::kind.eq("action"),
            activity_facets::value.eq("import.members"),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(offered(&app.browser.get_html(&log).await, "import.members"));
    diesel::update(users::table.find(&bob_id))
        .set(users::email.eq("robert@example.com"))
        .execute(&mut *app.conn())
        .unwrap();
    let page = app.browser.get_html(&log).await;
    assert!(offered(&page, "robert@example.com") && !offered(&page, "bob@example.com"), "{page}");

    // Bob deletes his account: he is no longer offered.
    let res = bob.submit("/settings/delete", "/settings/delete", &[("confirm_email", "robert@example.com")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app.browser.get_html(&log).await;
    assert!(!offered(&page, "robert@example.com") && offered(&page, "owner@example.com"), "{page}");
}

#[tokio::test]
async fn the_csv_export_sends_every_row_once_across_its_batches() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let org_id = app.org_id(&slug);
    let start = app.settings.clock.now() - time::Duration::days(1);
    // 2,500 rows, several at each instant: the batches of 1,000 must not lose or repeat one at a seam.
    orgportal::db::write_transaction(&mut app.conn(), |conn| -> diesel::QueryResult<()> {
        for i in 0..2_500 {
            orgportal::store::activity::record(
                conn,
                &orgportal::store::activity::NewActivity {
                    id: format!("row-{i:05}"),
                    org_id: Some(&org_id),
                    actor_id: None,
                    action: "bench.row",
                    target: &format!("target {i:05}"),
                    details: "",
                    ip: "",
                    created_at: start + time::Duration::seconds(i / 7),
                    via: None,
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
    let res = app.browser.get(&format!("/orgs/{slug}/activity.csv?action=bench.row")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("activity-acme.csv"));
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("time,actor_name"), "one header, first");
    let mut targets: Vec<&str> = lines.map(|l| l.split(',').nth(4).unwrap()).collect();
    assert_eq!(targets.len(), 2_500);
    assert_eq!(targets.first(), Some(&"target 02499"), "newest first");
    targets.sort();
    targets.dedup();
    assert_eq!(targets.len(), 2_500, "no row twice");
}
