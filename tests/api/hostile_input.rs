//! The defects the scanner found, one by one: a control character in a
//! search, a filter, an export's filter, a path or a form never reaches the
//! database; each gets its own clear answer.

use reqwest::StatusCode;

use crate::helpers::{admin_with_org, spawn_app};

#[tokio::test]
async fn searches_and_filters_with_a_control_character_are_refused_with_a_page() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    for (path, name) in [
        (format!("/orgs/{slug}/members?q=%00abc"), "q"),
        (format!("/orgs/{slug}/activity?actor=%00"), "actor"),
        (format!("/orgs/{slug}/activity?action=a%1Bb"), "action"),
        (format!("/orgs/{slug}/projects?q=%00"), "q"),
        (format!("/orgs/{slug}/members?q=%FF"), "q"),
    ] {
        let res = app.browser.get(&path).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        let page = res.text().await.unwrap();
        assert!(page.contains(&format!("The parameter “{name}”")) && page.contains("Request id"), "{path}: {page}");
    }
    assert!(app.browser.get_html(&format!("/orgs/{slug}/members?q=a%09b")).await.contains("No member matches"));
    // An export's filter is refused before the status line: an error page, never a cut download.
    let res = app.browser.get(&format!("/orgs/{slug}/activity.csv?actor=%00")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("The parameter “actor”"));
    // A path that cannot name anything.
    assert_eq!(app.browser.get("/orgs/%00/members").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.browser.get("/orgs/a%ED%A0%80b").await.status(), StatusCode::NOT_FOUND);
    // The API answers in JSON, naming the parameter.
    let res = reqwest::get(format!("{}/api/v1/connection?x=%00", app.address)).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["field"], "x");
}

#[tokio::test]
async fn a_typed_field_keeps_the_input_and_says_why_next_to_it_and_other_fields_are_refused() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let res = app.browser.submit("/orgs/new", "/orgs", &[("name", "Globex\u{7}Corp"), ("slug", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("id=\"name-error\">Remove the control character U+0007: only printable text is accepted.</p>"),
        "{page}"
    );
    assert!(page.contains("value=\"Globex\u{7}Corp\""), "the input is kept");
    let orgs: i64 = {
        use diesel::prelude::*;
        orgportal::db::schema::organizations::table.count().get_result(&mut *app.conn()).unwrap()
    };
    assert_eq!(orgs, 1, "nothing was created");
    // A multi-line field takes line breaks, and no other control character.
    let ticket = |description: &'static str| {
        let browser = app.browser.clone();
        let base = format!("/orgs/{slug}/projects");
        async move {
            browser
                .submit(&format!("{base}/new"), &base, &[("name", "Fleet"), ("slug", ""), ("description", description)])
                .await
        }
    };
    let refused = ticket("line one\r\nline\0 two").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("id=\"description-error\">Remove the control character U+0000"));
    assert_eq!(ticket("line one\r\nline two").await.status(), StatusCode::SEE_OTHER);
    // A field nobody types (a select) with a control character: 400, naming it; nothing changes.
    app.browser.sign_in("owner@example.com", "Olivia Owner").await;
    let bob = app.member(&slug, "bob@example.com", "Billing").await;
    drop(bob);
    let bob_id = app.user_id("bob@example.com");
    let res = app
        .browser
        .submit(
            &format!("/orgs/{slug}/members"),
            &format!("/orgs/{slug}/members/{bob_id}/role"),
            &[("role", "Admin\0")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("The field “role” holds the control character U+0000"));
    assert_eq!(app.role_of(&slug, "bob@example.com").as_deref(), Some("Billing"));
}
