//! What operators run and watch (issue 12): check-config, backup, the mail
//! worker's stop, /metrics.

use std::process::Command;

use orgportal::db;
use orgportal::startup::Application;
use reqwest::StatusCode;

use crate::helpers::spawn_app;

/// `orgportal check-config` with only these settings (and a scratch data
/// directory); its exit status and everything it printed.
fn check_config(data_dir: &std::path::Path, env: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orgportal"));
    command.arg("check-config").current_dir(data_dir.parent().unwrap()).env("RUST_LOG", "warn");
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("ORGPORTAL_")) {
        command.env_remove(k);
    }
    command.env("ORGPORTAL_DATA_DIR", data_dir);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn check_config_prints_the_settings_in_force_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, out) =
        check_config(&data, &[("ORGPORTAL_SESSION_IDLE", "12h"), ("ORGPORTAL_STAFF_EMAILS", "Sam@Example.com")]);
    assert!(ok, "{out}");
    assert!(out.contains("ORGPORTAL_BIND=127.0.0.1:8080\n"), "defaults are shown: {out}");
    assert!(out.contains("ORGPORTAL_SESSION_IDLE=12h\n") && out.contains("ORGPORTAL_SESSION_MAX=30d\n"));
    assert!(out.contains("ORGPORTAL_STAFF_EMAILS=sam@example.com\n"), "as the portal reads it");
    assert!(out.contains("database: SQLite") && out.contains("(created at start-up)"));
    assert!(out.contains("the configuration is usable"));
    assert!(!data.exists(), "no data directory, database or key file is created");
}

#[tokio::test]
async fn check_config_hides_secrets_and_fails_on_a_bad_setting() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check_config(
        dir.path(),
        &[
            ("ORGPORTAL_DATABASE_URL", "postgres://app:s3cret-db@127.0.0.1:1/portal"),
            ("ORGPORTAL_SMTP_URL", "smtp://mailer:s3cret-smtp@relay.example.com:587"),
            ("ORGPORTAL_OIDC_ISSUER", "https://login.example.com"),
            ("ORGPORTAL_OIDC_CLIENT_ID", "portal"),
            ("ORGPORTAL_OIDC_CLIENT_SECRET", "s3cret-oidc"),
        ],
    );
    assert!(!ok, "an unreachable database is a problem: {out}");
    assert!(!out.contains("s3cret"), "{out}");
    assert!(out.contains("ORGPORTAL_DATABASE_URL=postgres://app:hidden@127.0.0.1:1/portal"));
    assert!(out.contains("ORGPORTAL_OIDC_CLIENT_SECRET=(set, hidden)"));
    assert!(out.contains("PROBLEM  database: ORGPORTAL_DATABASE_URL: cannot connect"), "{out}");
    assert!(out.contains("ok       sign-in: OAuth"), "{out}");

    let (ok, out) = check_config(dir.path(), &[("ORGPORTAL_BIND", "0.0.0.0:8080")]);
    assert!(!ok && out.contains("PROBLEM  sign-in: ORGPORTAL_BIND: 0.0.0.0:8080 is not a loopback address"), "{out}");
    let (ok, out) = check_config(dir.path(), &[("ORGPORTAL_SESSION_IDLE", "7x")]);
    assert!(!ok && out.contains("invalid setting ORGPORTAL_SESSION_IDLE"), "{out}");
    let (ok, out) = check_config(dir.path(), &[("ORGPORTAL_MAIL_FROM", "not an address")]);
    assert!(!ok && out.contains("PROBLEM  mail: ORGPORTAL_MAIL_FROM"), "{out}");
}

#[tokio::test]
async fn backup_copies_the_sqlite_database_while_it_serves_and_points_postgres_to_pg_dump() {
    let app = spawn_app().await;
    let slug = crate::helpers::admin_with_org(&app, "owner@example.com", "Acme").await;
    app.member(&slug, "bob@example.com", "Technical user").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.db");
    let path = file.to_str().unwrap();
    let (ok, out) = crate::staff::cli(&app, &["backup", path]);
    if app.db.is_postgres() {
        assert!(!ok && out.contains("back it up with pg_dump"), "{out}");
        return;
    }
    assert!(ok, "{out}");
    use diesel::prelude::*;
    let count = |conn: &mut orgportal::db::AnyConnection| -> (i64, i64) {
        let users = orgportal::db::schema::users::table.count().get_result(conn).unwrap();
        let members = orgportal::db::schema::memberships::table.count().get_result(conn).unwrap();
        (users, members)
    };
    let mut copy = db::connect_one(&format!("sqlite://{path}")).unwrap();
    assert_eq!(count(&mut copy), count(&mut app.conn()), "every row is in the copy");
    assert_eq!(count(&mut copy), (2, 2));
    assert!(app.browser.get_html(&format!("/orgs/{slug}/members")).await.contains("bob@example.com"), "still serving");
    let (ok, out) = crate::staff::cli(&app, &["backup", path]);
    assert!(!ok && out.contains("exists already"), "never overwrites: {out}");
}

/// A database with `n` messages queued in its outbox.
fn queued_mail(n: usize) -> (tempfile::TempDir, crate::helpers::TestDatabase, db::Pool) {
    let dir = tempfile::tempdir().unwrap();
    let database = crate::helpers::TestDatabase::create(&dir);
    let pool = db::connect(&database.url).unwrap();
    let mut conn = pool.get().unwrap();
    db::run_migrations(&mut conn).unwrap();
    let now = orgportal::clock::Clock::default().now();
    for i in 0..n {
        let mail = orgportal::store::outbox::OutgoingMail {
            to: format!("p{i}@example.com"),
            subject: "Hi".into(),
            text: "x".into(),
            html: "<p>x</p>".into(),
        };
        orgportal::store::outbox::enqueue_for(&mut conn, None, &mail, now).unwrap();
    }
    (dir, database, pool)
}

fn mail_worker(
    pool: &db::Pool,
    transport: orgportal::mail::Transport,
    stop: tokio::sync::watch::Receiver<bool>,
) -> orgportal::mail::worker::Worker {
    orgportal::mail::worker::Worker {
        pool: pool.clone(),
        transport: std::sync::Arc::new(transport),
        from: "orgportal <portal@example.com>".parse().unwrap(),
        clock: orgportal::clock::Clock::default(),
        retry_base: std::time::Duration::from_secs(30),
        wakeup: std::sync::Arc::new(tokio::sync::Notify::new()),
        stop,
    }
}

fn sent(conn: &mut orgportal::db::AnyConnection) -> i64 {
    use diesel::prelude::*;
    use orgportal::db::schema::mail_outbox;
    mail_outbox::table.filter(mail_outbox::state.eq("sent")).count().get_result(conn).unwrap()
}

#[tokio::test]
async fn the_mail_worker_stops_between_messages_when_told_and_leaves_the_rest_queued() {
    use diesel::prelude::*;
    use orgportal::db::schema::mail_outbox;
    use orgportal::mail::worker::Worker;
    let (dir, _database, pool) = queued_mail(3);
    let mut conn = pool.get().unwrap();
    let (stop_tx, stop) = tokio::sync::watch::channel(true);
    let worker = mail_worker(&pool, orgportal::mail::Transport::disk(dir.path().join("mail")).unwrap(), stop);
    // Told to stop before the first message: none is claimed or sent.
    assert_eq!(worker.tick().await.unwrap(), 0);
    assert_eq!(sent(&mut conn), 0);
    assert_eq!(mail_outbox::table.count().get_result::<i64>(&mut *conn).unwrap(), 3, "all still in the outbox");

    // A running worker ends when told to (before, it was aborted wherever it was).
    let (stop_tx2, stop) = tokio::sync::watch::channel(false);
    let running = Worker { stop, ..worker }.spawn();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop_tx2.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), running).await.expect("the worker stops").unwrap();
    assert_eq!(sent(&mut conn), 3, "what it was given before, it delivered");
    drop(stop_tx);
}

#[tokio::test]
async fn the_mail_worker_sends_several_messages_at_once() {
    // A relay that takes a while to accept each message: one at a time, the
    // worker would keep it busy with one session.
    let sink = crate::mail_sink::MailSink::start_slow(std::time::Duration::from_millis(300));
    let (_dir, _database, pool) = queued_mail(6);
    let url = crate::mail_sink::MailSink::url(sink.port);
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let worker = mail_worker(&pool, orgportal::mail::Transport::smtp(&url, None).unwrap(), stop);
    assert_eq!(worker.tick().await.unwrap(), 6);
    assert_eq!(sent(&mut pool.get().unwrap()), 6, "each recorded as sent");
    assert_eq!(sink.received().len(), 6, "each delivered once");
    assert!(sink.peak_at_once() >= 2, "at most {} message on its way at a time", sink.peak_at_once());
}

#[tokio::test]
async fn metrics_are_off_by_default_and_served_apart_when_configured() {
    let app = crate::helpers::spawn_app().await;
    assert_eq!(app.browser.get("/metrics").await.status(), StatusCode::NOT_FOUND, "never on the portal's address");

    let dir = tempfile::TempDir::new().unwrap();
    let database = crate::helpers::TestDatabase::create(&dir);
    let mut settings = crate::helpers::test_settings(&dir, &database);
    settings.metrics_bind = Some("127.0.0.1:0".into());
    let application = Application::build(settings).await.unwrap();
    let (port, metrics_port) = (application.port(), application.metrics_port().expect("a metrics port"));
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());
    let browser = crate::helpers::Browser::new(&format!("http://127.0.0.1:{port}"));
    browser.sign_in("ada@example.com", "Ada").await;
    let slug = browser.create_org("Acme").await;
    for _ in 0..3 {
        assert!(browser.get_html(&format!("/orgs/{slug}/members")).await.contains("ada@example.com"));
    }
    assert_eq!(browser.get("/metrics").await.status(), StatusCode::NOT_FOUND);

    let text = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics")).await.unwrap().text().await.unwrap();
    assert!(
        text.contains(r#"orgportal_http_requests_total{route="/orgs/{slug}/members",status="200"} 3"#),
        "by route pattern, never the path: {text}"
    );
    assert!(!text.contains("/orgs/acme"), "no organization names in the series");
    assert!(text.contains(r#"orgportal_http_request_duration_seconds_count{route="/orgs/{slug}/members"} 3"#));
    assert!(text.contains("orgportal_db_pool_connections "), "{text}");
    assert!(text.contains(r#"orgportal_mail_outbox{state="queued"}"#), "{text}");
    handle.stop(true).await;
}
