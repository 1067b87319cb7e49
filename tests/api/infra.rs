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
