//! Member search (issue 11): substrings of names and addresses, ignoring
//! case, through the search index of each backend, kept in step with
//! sign-ins and deleted accounts.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use orgportal::store::accounts::users::{self, ProviderProfile};

use crate::helpers::{admin_with_org, spawn_app, Browser, TestApp};

fn profile(subject: &str, email: &str, name: &str) -> ProviderProfile {
    ProviderProfile {
        provider: "seed".into(),
        subject: subject.into(),
        email: email.into(),
        email_verified: true,
        name: name.into(),
    }
}

/// `n` members named "Person 000".. with addresses person000@example.com..
fn seed(app: &TestApp, slug: &str, n: usize) {
    let org_id = app.org_id(slug);
    let mut conn = app.conn();
    let base = app.settings.clock.now();
    for i in 0..n {
        let p = profile(&format!("s{i}"), &format!("person{i:03}@example.com"), &format!("Person {i:03}"));
        let user = users::sign_in(&mut conn, &p, "127.0.0.1", base).unwrap();
        let joined = base + time::Duration::seconds(i as i64 + 1);
        orgportal::store::members::add(&mut conn, &org_id, &user.id, "View-only", joined).unwrap();
    }
}

const NOW: &str = "'2026-11-28 12:00:00'";

/// `n` members added in one statement each for users and memberships: ids
/// `{prefix}-1`.., addresses `{prefix}1@example.org`.., names "{name} 1"..
fn bulk_members(app: &TestApp, org_id: &str, n: usize, prefix: &str, name: &str) {
    let numbers = if app.db.is_postgres() {
        format!("SELECT i FROM generate_series(1, {n}) AS i")
    } else {
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) SELECT i FROM n")
    };
    app.conn()
        .batch_execute(&format!(
            "INSERT INTO users (id, email, email_verified, name, created_at, last_sign_in_at)
             SELECT '{prefix}-' || i, '{prefix}' || i || '@example.org', true, '{name} ' || i, {NOW}, {NOW}
             FROM ({numbers}) AS p;
             INSERT INTO memberships (org_id, user_id, role, created_at)
             SELECT '{org_id}', id, 'View-only', created_at FROM users WHERE id LIKE '{prefix}-%'"
        ))
        .unwrap();
}

/// Member rows on a page (not the header, not the "no match" row).
fn rows(page: &str) -> usize {
    page.matches("<tr>").count() - 1 - usize::from(page.contains("No member matches"))
}

async fn search(app: &TestApp, slug: &str, q: &str) -> String {
    search_as(&app.browser, slug, q).await
}

async fn search_as(browser: &Browser, slug: &str, q: &str) -> String {
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    browser.get_html(&format!("/orgs/{slug}/members?q={q}")).await
}

#[tokio::test]
async fn search_matches_any_part_of_a_name_or_address_ignoring_case() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    seed(&app, &slug, 30);
    let globex_admin = app.new_browser();
    globex_admin.sign_in("other@example.net", "Otto Other").await;
    let other = globex_admin.create_org("Globex").await;
    app.join(&other, "person001@example.com", "View-only");
    {
        let mut conn = app.conn();
        users::sign_in(
            &mut conn,
            &profile("x", "zed@elsewhere.org", "Zed \"Quoted\" Person"),
            "127.0.0.1",
            app.settings.clock.now(),
        )
        .unwrap();
    }

    let by_name = search(&app, &slug, "SON 01").await;
    assert_eq!(rows(&by_name), 10, "Person 010..019, ignoring case");
    assert!(by_name.contains("person010@example.com") && by_name.contains("person019@example.com"));
    let by_address = search(&app, &slug, "n02").await;
    assert_eq!(rows(&by_address), 10, "person020..029 by address");
    let middle = search(&app, &slug, "rson00").await;
    assert_eq!(rows(&middle), 10);
    let everyone = search(&app, &slug, "example.com").await;
    assert_eq!(rows(&everyone), 31, "every member (the owner too), but no one outside Acme");
    assert!(!everyone.contains("zed@elsewhere.org") && !everyone.contains("other@example.net"));
    assert!(search(&app, &slug, "Quoted").await.contains("No member matches"), "not a member of Acme");
    assert_eq!(rows(&search(&app, &slug, "\"").await), 0, "a quote is a character, not syntax");
    assert_eq!(rows(&search(&app, &slug, "n0\"2").await), 0);

    // Globex sees only its own two members, whatever the index holds.
    let globex = search_as(&globex_admin, &other, "person").await;
    assert_eq!(rows(&globex), 1);
    assert!(globex.contains("person001@example.com"));
}

#[tokio::test]
async fn the_index_follows_new_names_and_deleted_accounts() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    seed(&app, &slug, 3);
    let now = app.settings.clock.now();
    {
        // Person 001 signs in again under a new name and address.
        let mut conn = app.conn();
        users::sign_in(&mut conn, &profile("s1", "renamed@example.org", "Wilhelmina"), "127.0.0.1", now).unwrap();
    }
    let found = search(&app, &slug, "helmin").await;
    assert_eq!(rows(&found), 1);
    assert!(found.contains("renamed@example.org"));
    assert!(search(&app, &slug, "Person 001").await.contains("No member matches"), "the old name is gone");
    assert!(search(&app, &slug, "person001@").await.contains("No member matches"), "the old address too");

    let gone = app.user_id("person002@example.com");
    let catalog = orgportal::domain::RoleCatalog::builtin();
    let actor = orgportal::store::members::Actor::person(gone, "", now);
    orgportal::store::accounts::delete_account(&mut app.conn(), &catalog, &actor).unwrap();
    assert!(search(&app, &slug, "person002").await.contains("No member matches"));
    let left = search(&app, &slug, "person").await;
    assert_eq!(rows(&left), 1, "001 is renamed and 002 deleted: only 000");
    let mut conn = app.conn();
    let accounts: i64 = orgportal::db::schema::users::table.count().get_result(&mut *conn).unwrap();
    if !app.db.is_postgres() {
        let indexed: i64 = orgportal::db::schema::users_search_docs::table.count().get_result(&mut *conn).unwrap();
        assert_eq!(indexed, accounts, "one search document per account");
    }
    // Renamed straight in the database: the search shows the new name (on
    // SQLite from the index's own copy, which the triggers keep).
    conn.batch_execute("UPDATE users SET name = 'Zed Quillfeather' WHERE email = 'person000@example.com'").unwrap();
    if !app.db.is_postgres() {
        // FTS5 compares the index with the copy it was built from.
        conn.batch_execute("INSERT INTO users_search (users_search, rank) VALUES ('integrity-check', 1)").unwrap();
    }
    drop(conn);
    let renamed = search(&app, &slug, "PERSON000@").await;
    assert!(renamed.contains("<td>Zed Quillfeather</td>") && !renamed.contains("Person 000"), "{renamed}");
    assert_eq!(rows(&search(&app, &slug, "quillfeather").await), 1);
}

#[tokio::test]
async fn the_page_and_its_search_use_their_indexes_on_each_backend() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    seed(&app, &slug, 300);
    let org_id = app.org_id(&slug);
    // With a few hundred members a database rightly reads them all and
    // filters; the index is for a large organization, so make Acme one.
    bulk_members(&app, &org_id, 50_000, "bulk", "Bulk");
    let mut conn = app.conn();
    if app.db.is_postgres() {
        // As autovacuum would: flush the GIN pending list, gather statistics.
        // (SQLite is left without statistics, as orgportal leaves it.)
        conn.batch_execute("VACUUM ANALYZE").unwrap();
    }
    // The first page: the members in join order from the covering index,
    // no sort, no second look at each membership (migration 000016).
    let first = orgportal::store::members::page::first_page_plan(&mut conn, &org_id, 50).unwrap();
    if app.db.is_postgres() {
        assert!(first.contains("Index Only Scan using memberships_org_page on memberships"), "{first}");
        assert!(!first.contains("Sort"), "{first}");
    } else {
        assert!(first.contains("SEARCH memberships USING COVERING INDEX memberships_org_page (org_id=?)"), "{first}");
        assert!(!first.contains("TEMP B-TREE"), "{first}");
    }
    let plan = orgportal::store::members::page::search_plan(&mut conn, &org_id, "person12", 50).unwrap();
    if app.db.is_postgres() {
        assert!(plan.contains("users_name_trgm") && plan.contains("users_email_trgm"), "{plan}");
    } else {
        // The index's matches (a list made first, in the same statement),
        // then each match's membership by key; never the organization's
        // members one by one.
        assert!(plan.contains("LIST SUBQUERY 1\nSCAN users_search VIRTUAL TABLE INDEX"), "{plan}");
        assert!(plan.contains("SEARCH users_search_docs USING INTEGER PRIMARY KEY (rowid=?)"), "{plan}");
        assert!(plan.contains("SEARCH memberships USING COVERING INDEX memberships_user_orgs (user_id=?)"), "{plan}");
        assert!(!plan.contains("memberships_org_page") && !plan.contains("SCAN memberships"), "{plan}");
    }
    drop(conn);
    // A term 50,000 people match is answered too (SQLite reads the members in
    // order instead), one page at a time. (A new browser: the seeding took
    // longer than the server keeps an idle connection open.)
    let owner = app.new_browser();
    owner.sign_in("owner@example.com", "Olivia Owner").await;
    let many = search_as(&owner, &slug, "bulk").await;
    assert_eq!(rows(&many), 50);
    let next = crate::helpers::next_link(&many).expect("a next page");
    assert_eq!(rows(&owner.get_html(&next).await), 50);
    let few = search_as(&owner, &slug, "bulk4999").await;
    assert_eq!(rows(&few), 11, "bulk4999 and bulk49990..49999");
}

/// With a large site, SQLite asks its index only for a term's uncommon
/// trigrams; whoever has those but not the whole term is not a match.
#[tokio::test]
async fn people_with_the_rare_pieces_of_a_term_but_not_the_term_are_not_found() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let org_id = app.org_id(&slug);
    bulk_members(&app, &org_id, 1500, "member", "Member");
    app.conn()
        .batch_execute(&format!(
            "INSERT INTO users (id, email, email_verified, name, created_at, last_sign_in_at)
             VALUES ('decoy', 'decoy@example.org', true, 'er9 r99 999 mem', {NOW}, {NOW});
             INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ('{org_id}', 'decoy', 'View-only', {NOW})"
        ))
        .unwrap();
    let found = search(&app, &slug, "MEMBER999").await;
    assert_eq!(rows(&found), 1, "{found}");
    assert!(found.contains("member999@example.org") && !found.contains("decoy@example.org"));
    let found = search(&app, &slug, "r99 999").await;
    assert_eq!(rows(&found), 1);
    assert!(found.contains("decoy@example.org"));
}

/// Accounts that came one by one leave the SQLite index in many segments,
/// each looked up by every search; the upkeep merges them into one, and the
/// index answers as before.
#[tokio::test]
async fn the_upkeep_merges_the_search_index_and_search_finds_the_same() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    seed(&app, &slug, 40);
    let before = search(&app, &slug, "PERSON01").await;
    assert_eq!(rows(&before), 10, "person010..person019");
    let mut conn = app.conn();
    let tidied = orgportal::store::members::search_index::tidy(&mut conn, 100).unwrap();
    if app.db.is_postgres() {
        assert_eq!(tidied, 0, "nothing to merge on PostgreSQL");
        return;
    }
    #[derive(QueryableByName)]
    struct Segments {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let segments = |conn: &mut orgportal::db::AnyConnection| {
        diesel::sql_query("SELECT count(DISTINCT segid) AS n FROM users_search_idx")
            .get_result::<Segments>(conn)
            .unwrap()
            .n
    };
    assert!(tidied > 0, "forty accounts, one transaction each, leave more than one segment");
    assert_eq!(segments(&mut conn), 1);
    assert_eq!(orgportal::store::members::search_index::tidy(&mut conn, 100).unwrap(), 0, "one segment: nothing to do");
    drop(conn);
    let table = |page: &str| page.split("<tbody>").nth(1).and_then(|t| t.split("</tbody>").next()).unwrap().to_string();
    assert_eq!(table(&search(&app, &slug, "PERSON01").await), table(&before));
    // A new account after the merge is found at once (a new small segment).
    seed_one(&app, &slug, "person01x@example.com", "Late Person");
    assert_eq!(rows(&search(&app, &slug, "person01").await), 11);
}

fn seed_one(app: &TestApp, slug: &str, email: &str, name: &str) {
    let mut conn = app.conn();
    let now = app.settings.clock.now();
    let user = users::sign_in(&mut conn, &profile(email, email, name), "127.0.0.1", now).unwrap();
    orgportal::store::members::add(&mut conn, &app.org_id(slug), &user.id, "View-only", now).unwrap();
}

#[tokio::test]
async fn a_term_grown_common_since_the_list_was_read_is_still_found_whole() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    // The first search reads which trigrams are common: none yet.
    assert_eq!(rows(&search(&app, &slug, "quokka").await), 0);
    let org_id = app.org_id(&slug);
    bulk_members(&app, &org_id, 1_200, "quokka", "Quokka");
    // Every trigram of "quokka" is on 1,200 people now, more than the index
    // is ever asked for at once, while the list still calls them rare: the
    // page must ask the index for all of them.
    let mut page = search(&app, &slug, "quokka").await;
    let mut found = rows(&page);
    while let Some(next) = crate::helpers::next_link(&page) {
        page = app.browser.get_html(&next).await;
        found += rows(&page);
    }
    assert_eq!(found, 1_200);
}
