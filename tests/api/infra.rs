use std::process::Command;

use orgportal::config::{Secret, Settings};
use orgportal::db;
use orgportal::startup::Application;
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let res = app.browser.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.browser.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn pages_name_an_icon_and_the_default_icon_path_answers() {
    let app = spawn_app().await;
    let landing = app.browser.get_html("/").await;
    assert!(landing.contains(r#"<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">"#));
    for path in ["/static/favicon.svg", "/favicon.ico"] {
        let res = app.browser.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["content-type"], "image/svg+xml", "{path}");
        assert!(res.text().await.unwrap().starts_with("<svg"), "{path}");
    }
}

#[tokio::test]
async fn migrations_apply_on_an_empty_database_and_are_idempotent() {
    let app = spawn_app().await; // start-up applied them
    let mut conn = app.conn();
    assert_eq!(db::run_migrations(&mut conn).unwrap(), 0, "nothing left to apply");
    let reverted = db::revert_all_migrations(&mut conn).unwrap();
    assert!(reverted >= 1);
    assert_eq!(db::run_migrations(&mut conn).unwrap(), reverted, "every migration goes down and up again");
    assert_eq!(db::run_migrations(&mut conn).unwrap(), 0);
}

fn settings_in(dir: &tempfile::TempDir) -> Settings {
    let mut s = Settings::defaults();
    s.bind = "127.0.0.1:0".into();
    s.data_dir = dir.path().to_path_buf();
    s
}

#[tokio::test]
async fn a_bad_database_url_stops_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["mysql://root@localhost/db", "postgres://nobody@127.0.0.1:1/none"] {
        let mut s = settings_in(&dir);
        s.database_url = Some(Secret::new(url));
        let err = Application::build(s).await.err().expect("start-up fails");
        let msg = format!("{err:#}");
        assert!(msg.contains("ORGPORTAL_DATABASE_URL"), "{msg}");
    }
}

#[test]
fn the_binary_names_the_bad_setting_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("ORGPORTAL_DATABASE_URL", "mysql://root@localhost/db"),
        ("ORGPORTAL_ORGANIZATIONS_PER_USER", "lots"),
        ("ORGPORTAL_SESSION_KEY", "c2hvcnQ="),
    ];
    for (name, value) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_orgportal"))
            .current_dir(dir.path())
            .env(name, value)
            .env("ORGPORTAL_BIND", "127.0.0.1:0")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
}

#[test]
fn migrate_command_prepares_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orgportal")).arg("migrate").current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("data/orgportal.db").exists());
}

#[tokio::test]
async fn development_sign_in_refuses_a_public_bind_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings_in(&dir);
    s.bind = "0.0.0.0:0".into();
    let err = Application::build(s.clone()).await.err().expect("refused");
    assert!(format!("{err:#}").contains("ORGPORTAL_ALLOW_DEV_SIGN_IN"));
    s.allow_dev_sign_in = true;
    let app = Application::build(s).await.expect("allowed explicitly");
    assert!(app.port() > 0);
}

#[tokio::test]
async fn the_session_key_is_generated_once_with_private_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let path = app.data_dir.path().join("session.key");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

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

#[tokio::test]
async fn the_mail_worker_stops_between_messages_when_told_and_leaves_the_rest_queued() {
    use diesel::prelude::*;
    use orgportal::db::schema::mail_outbox;
    use orgportal::mail::worker::Worker;
    use orgportal::store::outbox::{self, OutgoingMail};
    let dir = tempfile::tempdir().unwrap();
    let database = crate::helpers::TestDatabase::create(&dir);
    let pool = db::connect(&database.url).unwrap();
    let mut conn = pool.get().unwrap();
    db::run_migrations(&mut conn).unwrap();
    let now = orgportal::clock::Clock::default().now();
    for i in 0..3 {
        let mail = OutgoingMail {
            to: format!("p{i}@example.com"),
            subject: "Hi".into(),
            text: "x".into(),
            html: "<p>x</p>".into(),
        };
        outbox::enqueue_for(&mut conn, None, &mail, now).unwrap();
    }
    let sent = |conn: &mut orgportal::db::AnyConnection| -> i64 {
        mail_outbox::table.filter(mail_outbox::state.eq("sent")).count().get_result(conn).unwrap()
    };
    let (stop_tx, stop) = tokio::sync::watch::channel(true);
    let worker = Worker {
        pool: pool.clone(),
        transport: std::sync::Arc::new(orgportal::mail::Transport::disk(dir.path().join("mail")).unwrap()),
        from: "orgportal <portal@example.com>".parse().unwrap(),
        clock: orgportal::clock::Clock::default(),
        retry_base: std::time::Duration::from_secs(30),
        wakeup: std::sync::Arc::new(tokio::sync::Notify::new()),
        stop,
    };
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
