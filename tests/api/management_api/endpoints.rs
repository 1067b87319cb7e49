//! Every endpoint of the management API with a key that lacks its
//! permission (403 naming it), a key of another organization (404), and a
//! key that holds it; the database compared before and after each refusal.
//! Then the members area's rules, which hold on the API in the pages' words.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{call, make_key, ALL};
use crate::helpers::Browser;
use crate::permissions::{snapshot, world, World};

/// (name, method, path, body, the permission it needs, the status it answers with it).
type Endpoint = (&'static str, Method, String, Option<Value>, &'static str, StatusCode);

fn endpoints(w: &World) -> Vec<Endpoint> {
    let base = format!("/api/v1/orgs/{}", w.slug);
    let (t, i) = (&w.target_id, &w.invitation_id);
    vec![
        ("read org", Method::GET, base.clone(), None, "org.view", StatusCode::OK),
        ("list members", Method::GET, format!("{base}/members"), None, "org.view", StatusCode::OK),
        ("read member", Method::GET, format!("{base}/members/{t}"), None, "org.view", StatusCode::OK),
        ("roles", Method::GET, format!("{base}/roles"), None, "org.view", StatusCode::OK),
        ("list invitations", Method::GET, format!("{base}/invitations"), None, "members.invite", StatusCode::OK),
        ("rename", Method::PATCH, base.clone(), Some(json!({"name": "Acme Renamed"})), "org.manage", StatusCode::OK),
        (
            "change role",
            Method::PATCH,
            format!("{base}/members/{t}"),
            Some(json!({"role": "Billing"})),
            "members.manage",
            StatusCode::OK,
        ),
        (
            "default project role",
            Method::PATCH,
            format!("{base}/members/{t}"),
            Some(json!({"default_project_role": ""})),
            "projects.manage",
            StatusCode::OK,
        ),
        (
            "invite",
            Method::POST,
            format!("{base}/invitations"),
            Some(json!({"invitations": [{"email": "new@example.com", "role": "Billing"}]})),
            "members.invite",
            StatusCode::CREATED,
        ),
        ("resend", Method::POST, format!("{base}/invitations/{i}/resend"), None, "members.invite", StatusCode::OK),
        ("list projects", Method::GET, format!("{base}/projects"), None, "projects.view", StatusCode::OK),
        (
            "create project",
            Method::POST,
            format!("{base}/projects"),
            Some(json!({"name": "Made by key"})),
            "projects.create",
            StatusCode::CREATED,
        ),
        ("read project", Method::GET, format!("{base}/projects/fleet"), None, "projects.view", StatusCode::OK),
        ("team", Method::GET, format!("{base}/projects/fleet/team"), None, "projects.view", StatusCode::OK),
        (
            "role on project",
            Method::PUT,
            format!("{base}/projects/fleet/team/{t}"),
            Some(json!({"role": "Billing"})),
            "projects.manage",
            StatusCode::NO_CONTENT,
        ),
        (
            "update project",
            Method::PATCH,
            format!("{base}/projects/fleet"),
            Some(json!({"description": "Devices"})),
            "projects.manage",
            StatusCode::OK,
        ),
        (
            "delete project",
            Method::DELETE,
            format!("{base}/projects/fleet"),
            None,
            "projects.manage",
            StatusCode::NO_CONTENT,
        ),
        ("activity", Method::GET, format!("{base}/activity"), None, "activity.view", StatusCode::OK),
        // No customer account is linked here: 409 with the pages' words (linked: projects.rs).
        ("entitlements", Method::GET, format!("{base}/entitlements"), None, "customer.view", StatusCode::CONFLICT),
        ("tickets", Method::GET, format!("{base}/tickets"), None, "customer.view", StatusCode::CONFLICT),
        (
            "raise ticket",
            Method::POST,
            format!("{base}/tickets"),
            Some(json!({"subject": "Lag", "priority": "High", "description": "Behind."})),
            "tickets.create",
            StatusCode::CONFLICT,
        ),
        ("usage", Method::GET, format!("{base}/usage"), None, "billing.view", StatusCode::OK),
        (
            "remove member",
            Method::DELETE,
            format!("{base}/members/{t}"),
            None,
            "members.manage",
            StatusCode::NO_CONTENT,
        ),
        ("list webhooks", Method::GET, format!("{base}/webhooks"), None, "webhooks.manage", StatusCode::OK),
        ("read webhook", Method::GET, format!("{base}/webhooks/{HOOK}"), None, "webhooks.manage", StatusCode::OK),
        (
            "webhook deliveries",
            Method::GET,
            format!("{base}/webhooks/{HOOK}/deliveries"),
            None,
            "webhooks.manage",
            StatusCode::OK,
        ),
        (
            "add webhook",
            Method::POST,
            format!("{base}/webhooks"),
            Some(json!({"url": format!("https://{PUBLIC}/new")})),
            "webhooks.manage",
            StatusCode::CREATED,
        ),
        (
            "change webhook",
            Method::PATCH,
            format!("{base}/webhooks/{HOOK}"),
            Some(json!({"enabled": false})),
            "webhooks.manage",
            StatusCode::OK,
        ),
        (
            "ping webhook",
            Method::POST,
            format!("{base}/webhooks/{HOOK}/ping"),
            None,
            "webhooks.manage",
            StatusCode::ACCEPTED,
        ),
        (
            "rotate webhook",
            Method::POST,
            format!("{base}/webhooks/{HOOK}/rotate"),
            None,
            "webhooks.manage",
            StatusCode::OK,
        ),
        (
            "delete webhook",
            Method::DELETE,
            format!("{base}/webhooks/{HOOK}"),
            None,
            "webhooks.manage",
            StatusCode::NO_CONTENT,
        ),
        ("list domains", Method::GET, format!("{base}/domains"), None, "org.manage", StatusCode::OK),
        ("read sso", Method::GET, format!("{base}/sso"), None, "org.manage", StatusCode::OK),
        ("read domain", Method::GET, format!("{base}/domains/{CLAIMED}"), None, "org.manage", StatusCode::OK),
        (
            "claim domain",
            Method::POST,
            format!("{base}/domains"),
            Some(json!({"domain": "new.example"})),
            "org.manage",
            StatusCode::CREATED,
        ),
        (
            "domain policy",
            Method::PATCH,
            format!("{base}/domains/{CLAIMED}"),
            Some(json!({"join_policy": "automatic", "join_role": "Technical user"})),
            "org.manage",
            StatusCode::OK,
        ),
        // Nothing is published for it: the lookup finds no record.
        (
            "verify domain",
            Method::POST,
            format!("{base}/domains/new.example/verify"),
            None,
            "org.manage",
            StatusCode::CONFLICT,
        ),
        (
            "remove domain",
            Method::DELETE,
            format!("{base}/domains/{CLAIMED}"),
            None,
            "org.manage",
            StatusCode::NO_CONTENT,
        ),
    ]
}

/// The organization's single sign-on connection, written directly; its
/// secret must never be in an answer.
const SSO_SECRET: &str = "sealed:v1:00000000:not-a-real-seal";

fn add_connection(app: &crate::helpers::TestApp, slug: &str) {
    use diesel::prelude::*;
    use orgportal::db::schema::sso_connections as c;
    let now = app.settings.clock.now();
    diesel::insert_into(c::table)
        .values((
            c::id.eq("0190a1b2-c3d4-7e5f-8a9b-00000000550c"),
            c::org_id.eq(app.org_id(slug)),
            c::kind.eq("oidc"),
            c::issuer.eq("https://login.claimed.example"),
            c::client_id.eq("orgportal"),
            c::client_secret.eq(SSO_SECRET),
            c::domains.eq(CLAIMED),
            c::default_role.eq("View-only"),
            c::enabled.eq(false),
            c::created_at.eq(now),
            c::updated_at.eq(now),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

/// A verified domain of the organization, written directly.
const CLAIMED: &str = "claimed.example";

fn add_domain(app: &crate::helpers::TestApp, slug: &str) {
    use diesel::prelude::*;
    use orgportal::db::schema::org_domains as d;
    let now = app.settings.clock.now();
    diesel::insert_into(d::table)
        .values((
            d::id.eq("0190a1b2-c3d4-7e5f-8a9b-00000000d0d0"),
            d::org_id.eq(app.org_id(slug)),
            d::domain.eq(CLAIMED),
            d::challenge.eq("orgportal-verification=test"),
            d::verified_at.eq(Some(now)),
            d::checked_at.eq(Some(now)),
            d::join_policy.eq("none"),
            d::join_role.eq("View-only"),
            d::created_at.eq(now),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

/// A webhook endpoint of the organization, written directly: a public
/// address written in its URL, so no name is looked up (no network here).
const HOOK: &str = "0190a1b2-c3d4-7e5f-8a9b-00000000b00c";
const PUBLIC: &str = "93.184.215.14";

fn add_hook(app: &crate::helpers::TestApp, slug: &str) {
    use diesel::prelude::*;
    use orgportal::db::schema::webhook_endpoints as e;
    diesel::insert_into(e::table)
        .values((
            e::id.eq(HOOK),
            e::org_id.eq(app.org_id(slug)),
            e::url.eq(format!("https://{PUBLIC}/in")),
            e::description.eq(""),
            e::event_types.eq("*"),
            // Off: nothing is sent to it while the test runs.
            e::enabled.eq(false),
            e::secret.eq("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            e::created_at.eq(app.settings.clock.now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

/// The members area's snapshot, the organization's projects, roles set on
/// them and tickets, and the length of the activity log.
fn full_snapshot(app: &crate::helpers::TestApp, slug: &str) -> String {
    use diesel::prelude::*;
    use orgportal::db::schema::{activity, project_grants, projects, tickets};
    let mut conn = app.conn();
    let mut projects: Vec<(String, String, String)> =
        projects::table.select((projects::name, projects::slug, projects::description)).load(&mut *conn).unwrap();
    projects.sort();
    let mut grants: Vec<(String, String)> =
        project_grants::table.select((project_grants::user_id, project_grants::role)).load(&mut *conn).unwrap();
    grants.sort();
    let tickets: i64 = tickets::table.count().get_result(&mut *conn).unwrap();
    let hooks: Vec<(String, bool, String)> = {
        use orgportal::db::schema::webhook_endpoints as e;
        e::table.select((e::url, e::enabled, e::secret)).order(e::id).load(&mut *conn).unwrap()
    };
    let domains: Vec<(String, String, String)> = {
        use orgportal::db::schema::org_domains as d;
        d::table.select((d::domain, d::join_policy, d::join_role)).order(d::domain).load(&mut *conn).unwrap()
    };
    let log: i64 = activity::table.count().get_result(&mut *conn).unwrap();
    drop(conn);
    format!("{:?} {projects:?} {grants:?} {tickets} {log} {hooks:?} {domains:?}", snapshot(app, slug))
}

async fn key_without(w: &World, browser: &Browser, name: &str, missing: &str) -> String {
    let held: Vec<&str> = ALL.iter().copied().filter(|p| *p != missing).collect();
    make_key(browser, &w.slug, name, &held, "30").await
}

#[tokio::test]
async fn each_endpoint_needs_its_permission_and_its_organization() {
    let w = world().await;
    let app = &w.app;
    let res = crate::projects::create(&app.browser, &format!("/orgs/{}/projects", w.slug), "Fleet", "fleet").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let everything = make_key(&app.browser, &w.slug, "Everything", ALL, "30").await;
    let other = app.new_browser();
    other.sign_in("other@example.com", "Otto Other").await;
    let other_slug = other.create_org("Other Co").await;
    let foreign = make_key(&other, &other_slug, "Foreign", ALL, "30").await;
    add_hook(app, &w.slug);
    add_domain(app, &w.slug);
    add_connection(app, &w.slug);

    let mut without = std::collections::HashMap::new();
    for (_, _, _, _, needs, _) in endpoints(&w) {
        if !without.contains_key(needs) {
            without.insert(needs, key_without(&w, &app.browser, &format!("No {needs}"), needs).await);
        }
    }
    let before = full_snapshot(app, &w.slug);
    for (name, method, path, body, needs, _) in endpoints(&w) {
        let res = call(app, Some(&without[needs]), method.clone(), &path, body.clone()).await;
        let problem = res.problem(StatusCode::FORBIDDEN);
        assert_eq!(problem["permission"], needs, "{name}");
        assert!(problem["detail"].as_str().unwrap().contains(needs), "{name}");
        let res = call(app, Some(&foreign), method.clone(), &path, body.clone()).await;
        res.problem(StatusCode::NOT_FOUND);
        let res = call(app, None, method.clone(), &path, body.clone()).await;
        res.problem(StatusCode::UNAUTHORIZED);
        let res = call(app, Some("opk_not-a-key"), method, &path, body).await;
        assert_eq!(res.problem(StatusCode::UNAUTHORIZED)["detail"], "This API key is not valid.", "{name}");
        assert_eq!(full_snapshot(app, &w.slug), before, "{name}: refused, nothing changed");
    }
    // A slug that is no organization: the same 404 as another's.
    let res = call(app, Some(&everything), Method::GET, "/api/v1/orgs/no-such-org/members", None).await;
    assert_eq!(
        res.problem(StatusCode::NOT_FOUND)["detail"],
        call(app, Some(&foreign), Method::GET, &format!("/api/v1/orgs/{}", w.slug), None).await.body["detail"]
    );

    for (name, method, path, body, _, expected) in endpoints(&w) {
        let res = call(app, Some(&everything), method, &path, body).await;
        assert_eq!(res.status, expected, "{name}: {:?}", res.body);
        match expected {
            StatusCode::NO_CONTENT => {}
            StatusCode::OK if name == "read sso" => {
                assert_eq!(res.body["issuer"], "https://login.claimed.example");
                assert!(!res.body.to_string().contains(SSO_SECRET), "never the secret");
            }
            StatusCode::CONFLICT if name == "verify domain" => {
                assert!(
                    res.body["detail"].as_str().unwrap().contains("_orgportal-challenge.new.example"),
                    "{:?}",
                    res.body
                )
            }
            StatusCode::CONFLICT => {
                assert!(res.body["detail"].as_str().unwrap().contains("not linked to a customer account"))
            }
            _ => assert_eq!(res.content_type, "application/json", "{name}"),
        }
    }
    assert_eq!(app.role_of(&w.slug, "target@example.com"), None, "removed at last");
    let log = app.browser.get_html(&format!("/orgs/{}/activity", w.slug)).await;
    assert!(log.contains("API key Everything (created by Olivia Owner)"));
    for action in [
        "org.rename",
        "member.role_change",
        "member.project_role",
        "invitation.resend",
        "member.remove",
        "project.member_role",
        "project.update",
        "project.delete",
    ] {
        assert_eq!(app.activity_count(action), 1, "{action}");
    }
    assert_eq!(app.activity_count("invitation.create"), 2, "the world's own, and the key's");
    assert_eq!(app.activity_count("project.create"), 2, "Fleet on the page, and the key's");
}

#[tokio::test]
async fn the_pages_rules_hold_on_the_api_in_their_words() {
    let w = world().await;
    let app = &w.app;
    let key = make_key(&app.browser, &w.slug, "Rules", ALL, "30").await;
    let base = format!("/api/v1/orgs/{}", w.slug);
    let owner = app.user_id("owner@example.com");
    let before = snapshot(app, &w.slug);

    let res =
        call(app, Some(&key), Method::PATCH, &format!("{base}/members/{owner}"), Some(json!({"role": "Billing"})))
            .await;
    assert_eq!(
        res.problem(StatusCode::CONFLICT)["detail"],
        "You cannot change your own role. Ask another member who manages members."
    );
    let res = call(app, Some(&key), Method::DELETE, &format!("{base}/members/{owner}"), None).await;
    res.problem(StatusCode::CONFLICT);
    let res =
        call(app, Some(&key), Method::PATCH, &format!("{base}/members/{}", w.target_id), Some(json!({"role": "Boss"})))
            .await;
    let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (p["field"].as_str(), p["detail"].as_str()),
        (Some("role"), Some("“Boss” is not a role of this portal."))
    );
    let res =
        call(app, Some(&key), Method::PATCH, &format!("{base}/members/{}", w.target_id), Some(json!({"role": 7})))
            .await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "role");
    let res = call(
        app,
        Some(&key),
        Method::PATCH,
        &format!("{base}/members/{}", w.target_id),
        Some(json!({"colour": "red"})),
    )
    .await;
    res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let res = call(app, Some(&key), Method::PATCH, &base, Some(json!({"slug": "Not A Slug!"}))).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "slug");
    let res = call(app, Some(&key), Method::PATCH, &base, Some(json!({"name": "Bad\u{7}name"}))).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "name");

    // Invitations: at most ten; each row checked; nothing sent when one is bad.
    let eleven: Vec<Value> = (0..11).map(|n| json!({"email": format!("p{n}@example.com")})).collect();
    let res =
        call(app, Some(&key), Method::POST, &format!("{base}/invitations"), Some(json!({"invitations": eleven}))).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "invitations");
    let rows = json!({"invitations": [{"email": "ok@example.com"}, {"email": "not an address"}]});
    let res = call(app, Some(&key), Method::POST, &format!("{base}/invitations"), Some(rows)).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "invitations[1].email");
    let rows = json!({"invitations": [{"email": "ok@example.com", "role": "Boss"}]});
    let res = call(app, Some(&key), Method::POST, &format!("{base}/invitations"), Some(rows)).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "invitations[0].role");
    assert_eq!(snapshot(app, &w.slug), before, "refused, nothing changed");

    // A member and a pending address are refused per row; the valid row goes out.
    let rows = json!({"invitations": [
        {"email": "target@example.com"}, {"email": "pending@example.com"}, {"email": "fresh@example.com", "role": "Billing"}]});
    let res = call(app, Some(&key), Method::POST, &format!("{base}/invitations"), Some(rows)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{:?}", res.body);
    assert_eq!(res.body["invited"][0]["email"], "fresh@example.com");
    assert_eq!(res.body["invited"][0]["role"], "Billing");
    assert_eq!(res.body["refused"][0]["reason"], "Already a member of this organization.");
    assert_eq!(res.body["refused"][1]["index"], 1);
    let listed = call(app, Some(&key), Method::GET, &format!("{base}/invitations"), None).await;
    let emails: Vec<&str> =
        listed.body["items"].as_array().unwrap().iter().map(|i| i["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["fresh@example.com", "pending@example.com"]);
    // The answer is the invitation as the list shows it (its mail may have
    // gone out since: the delivery is left out of the comparison).
    let without_delivery = |mut v: Value| {
        v.as_object_mut().unwrap().remove("delivery");
        v
    };
    assert_eq!(
        without_delivery(res.body["invited"][0].clone()),
        without_delivery(listed.body["items"][0].clone()),
        "the answer and the list agree"
    );
    assert_eq!(res.body["invited"][0]["delivery"], "queued", "{:?}", res.body);

    // The same address twice in one batch: the second row is named, nothing made.
    let rows = json!({"invitations": [{"email": "twice@example.com"}, {"email": "twice@example.com"}]});
    let res = call(app, Some(&key), Method::POST, &format!("{base}/invitations"), Some(rows)).await;
    let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["field"], "invitations[1].email");
    assert_eq!(problem["detail"], "This address is already in the list above.");
    let made: i64 = {
        use diesel::prelude::*;
        use orgportal::db::schema::invitations;
        invitations::table
            .filter(invitations::email.eq("twice@example.com"))
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(made, 0, "nothing made for a refused batch");

    // Revoked: its link is dead and it is no longer listed; revoking again is 404.
    let id = w.invitation_id.clone();
    let res = call(app, Some(&key), Method::DELETE, &format!("{base}/invitations/{id}"), None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let res = call(app, Some(&key), Method::DELETE, &format!("{base}/invitations/{id}"), None).await;
    res.problem(StatusCode::NOT_FOUND);
    let res = call(app, Some(&key), Method::POST, &format!("{base}/invitations/{id}/resend"), None).await;
    res.problem(StatusCode::NOT_FOUND);
}
