//! Joining by a verified domain: automatic and suggest, only with a
//! verified address at a verified domain, the role a policy may give, and
//! the Members page's Approve and Decline.

use diesel::prelude::*;
use orgportal::db::schema::{activity, join_requests, users};
use reqwest::StatusCode;

use super::{app_with_dns, set_policy, verified_domain, DnsServer};
use crate::browser::location;
use crate::helpers::admin_with_org;

fn requests(app: &crate::helpers::TestApp) -> i64 {
    join_requests::table.count().get_result(&mut *app.conn()).unwrap()
}

#[tokio::test]
async fn automatic_lets_a_verified_address_join_with_the_chosen_role() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    let id = verified_domain(&app.browser, &app, &dns, &slug, "acme.example").await;

    // A role that manages members cannot be given by a domain.
    let res = set_policy(&app.browser, &slug, &id, "automatic", "Admin").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("“Admin” cannot be given by a domain"));
    let res = set_policy(&app.browser, &slug, &id, "automatic", "Technical user").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.activity_count("domain.join_policy"), 1);

    // Someone at another domain, or with an unverified address there, sees nothing.
    let stranger = app.new_browser();
    assert!(!stranger.sign_in("zed@elsewhere.example", "Zed").await.contains("Join Acme"));
    let unverified = app.new_browser();
    unverified.sign_in("uma@acme.example", "Uma").await;
    diesel::update(users::table.filter(users::email.eq("uma@acme.example")))
        .set(users::email_verified.eq(false))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(!unverified.get_html("/getting-started").await.contains("Join Acme"));
    let res = unverified.submit("/getting-started", &format!("/orgs/{slug}/join"), &[]).await;
    assert_eq!(location(&res), "/getting-started");
    let html = unverified.get_html("/getting-started").await;
    assert!(html.contains("This organization does not offer to let you join by your email address."));
    assert_eq!(app.role_of(&slug, "uma@acme.example"), None);

    // A verified address at the domain joins at once.
    let ben = app.new_browser();
    let html = ben.sign_in("ben@acme.example", "Ben").await;
    assert!(html.contains("Join Acme") && html.contains("your verified address at acme.example"), "{html}");
    let res = ben.submit("/getting-started", &format!("/orgs/{slug}/join"), &[]).await;
    assert_eq!(location(&res), format!("/orgs/{slug}"));
    assert!(ben.get_html(&format!("/orgs/{slug}")).await.contains("You joined Acme as Technical user."));
    assert_eq!(app.role_of(&slug, "ben@acme.example").as_deref(), Some("Technical user"));
    let details: String = activity::table
        .filter(activity::action.eq("member.join_by_domain"))
        .select(activity::details)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(details, "joined as Technical user with the verified address ben@acme.example (domain acme.example)");
    assert!(!ben.get_html("/getting-started").await.contains("Join Acme"), "a member is not offered it again");
    let res = ben.submit("/getting-started", &format!("/orgs/{slug}/join"), &[]).await;
    assert_eq!(location(&res), "/getting-started");
    assert!(ben.get_html("/getting-started").await.contains("You are already a member of this organization."));

    // Policy none: nothing offered any more.
    set_policy(&app.browser, &slug, &id, "none", "Technical user").await;
    let cid = app.new_browser();
    assert!(!cid.sign_in("cid@acme.example", "Cid").await.contains("Acme uses orgportal"));
    cid.submit("/getting-started", &format!("/orgs/{slug}/join"), &[]).await;
    assert_eq!(app.role_of(&slug, "cid@acme.example"), None);
    // And an organization that does not exist answers the same.
    let res = cid.submit("/getting-started", "/orgs/no-such-org/join", &[]).await;
    assert_eq!(location(&res), "/getting-started");
}

#[tokio::test]
async fn suggest_lets_people_ask_and_an_admin_approves_or_declines_on_the_members_page() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    let id = verified_domain(&app.browser, &app, &dns, &slug, "acme.example").await;
    assert_eq!(set_policy(&app.browser, &slug, &id, "suggest", "View-only").await.status(), StatusCode::SEE_OTHER);

    let ben = app.new_browser();
    let html = ben.sign_in("ben@acme.example", "Ben").await;
    assert!(html.contains("Acme uses orgportal: ask to join"), "{html}");
    // Joining at once is not what suggest offers.
    ben.submit("/getting-started", &format!("/orgs/{slug}/join"), &[]).await;
    assert_eq!(app.role_of(&slug, "ben@acme.example"), None);
    let res = ben.submit("/getting-started", &format!("/orgs/{slug}/join-requests"), &[]).await;
    assert_eq!(location(&res), "/getting-started");
    let html = ben.get_html("/getting-started").await;
    assert!(html.contains("You asked to join Acme") && !html.contains("Ask to join</button>"));
    ben.submit("/getting-started", &format!("/orgs/{slug}/join-requests"), &[]).await;
    assert_eq!(requests(&app), 1, "asking twice is one request");
    assert_eq!(app.activity_count("join.request"), 1);
    let cat = app.new_browser();
    cat.sign_in("cat@acme.example", "Cat").await;
    cat.submit("/getting-started", &format!("/orgs/{slug}/join-requests"), &[]).await;

    // A member who cannot invite sees the requests and no buttons; the
    // admin approves one and declines the other.
    let viewer = app.member(&slug, "val@acme.example", "Billing").await;
    let members = format!("/orgs/{slug}/members");
    let html = viewer.get_html(&members).await;
    assert!(html.contains("Requests to join") && html.contains("ben@acme.example") && !html.contains("/approve"));
    let ben_id = app.user_id("ben@acme.example");
    let res = viewer.submit(&members, &format!("/orgs/{slug}/join-requests/{ben_id}/approve"), &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let outsider = app.new_browser();
    outsider.sign_in("eve@rival.example", "Eve").await;
    let res = outsider.submit("/getting-started", &format!("/orgs/{slug}/join-requests/{ben_id}/approve"), &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!((requests(&app), app.role_of(&slug, "ben@acme.example")), (2, None), "nothing changed");

    let res = app.browser.submit(&members, &format!("/orgs/{slug}/join-requests/{ben_id}/approve"), &[]).await;
    assert_eq!(location(&res), members);
    assert!(app.browser.get_html(&members).await.contains("ben@acme.example is now a member."));
    assert_eq!(app.role_of(&slug, "ben@acme.example").as_deref(), Some("View-only"));
    let cat_id = app.user_id("cat@acme.example");
    app.browser.submit(&members, &format!("/orgs/{slug}/join-requests/{cat_id}/decline"), &[]).await;
    assert_eq!(app.role_of(&slug, "cat@acme.example"), None);
    assert_eq!(requests(&app), 0);
    assert_eq!((app.activity_count("join.approve"), app.activity_count("join.decline")), (1, 1));
    let res = app.browser.submit(&members, &format!("/orgs/{slug}/join-requests/{cat_id}/approve"), &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "an answered request is gone");
    assert!(cat.get_html("/getting-started").await.contains("Ask to join</button>"), "Cat may ask again");

    // Removing the domain withdraws what was asked through it.
    cat.submit("/getting-started", &format!("/orgs/{slug}/join-requests"), &[]).await;
    assert_eq!(requests(&app), 1);
    let page = format!("/orgs/{slug}/domains");
    app.browser.submit(&page, &format!("{page}/{id}/remove"), &[]).await;
    assert_eq!(requests(&app), 0);
    assert!(!cat.get_html("/getting-started").await.contains("Acme uses orgportal"));
}
