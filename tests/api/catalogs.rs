use reqwest::StatusCode;

use crate::helpers::{admin_with_org, spawn_app, spawn_app_with};

fn catalog(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogs").join(name)
}

#[tokio::test]
async fn the_roles_page_shows_the_permission_matrix() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let viewer = app.member(&slug, "viewer@example.com", "View-only").await;
    let page = viewer.get_html(&format!("/orgs/{slug}/roles")).await;
    for role in ["Admin", "Technical user", "Billing", "View-only"] {
        assert!(page.contains(&format!(">{role}</th>")), "{role}");
    }
    assert!(page.contains("Your role: <strong>View-only</strong>"));
    assert!(page.contains("<code class=\"muted\">members.manage</code>"));
    // Admin holds all 17 permissions; View-only only the five views.
    assert_eq!(page.matches("aria-label=\"yes\"").count(), 17 + 6 + 3 + 5);
}

#[tokio::test]
async fn example_catalogs_run_the_portal() {
    for (file, owner_role, other) in [
        ("particle.toml", "Administrator", "Developer"),
        ("packet.toml", "Admin", "Collaborator"),
        ("segments.toml", "Administrator", "Member"),
    ] {
        let path = catalog(file);
        let app = spawn_app_with(move |s| s.roles_file = Some(path)).await;
        let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
        assert_eq!(app.role_of(&slug, "owner@example.com").as_deref(), Some(owner_role), "{file}");
        let roles = app.browser.get_html(&format!("/orgs/{slug}/roles")).await;
        assert!(roles.contains(&format!(">{other}</th>")), "{file}");
        let form = app.browser.get_html(&format!("/orgs/{slug}/members/invite")).await;
        assert!(form.contains(&format!("<option value=\"{other}\" selected>")), "{file}: the catalog's default role");
    }
}

#[tokio::test]
async fn a_bad_catalog_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[[roles]]\nname = \"A\"\npermissions = [\"org.fly\", \"members.manage\"]\n", "unknown permission `org.fly`"),
        ("[[roles]]\nname = \"A\"\npermissions = [\"org.view\"]\n", "no role can manage members"),
        (
            "[[roles]]\nname = \"A\"\npermissions = [\"*\"]\n[[roles]]\nname = \"A\"\npermissions = [\"*\"]\n",
            "defined twice",
        ),
    ];
    for (text, expected) in cases {
        let path = dir.path().join("roles.toml");
        std::fs::write(&path, text).unwrap();
        let mut s = orgportal::config::Settings::defaults();
        s.bind = "127.0.0.1:0".into();
        s.data_dir = dir.path().join("data");
        s.roles_file = Some(path);
        let err = orgportal::startup::Application::build(s).await.err().expect("refused");
        let msg = format!("{err:#}");
        assert!(msg.contains("ORGPORTAL_ROLES_FILE") && msg.contains(expected), "{msg}");
    }
}

#[tokio::test]
async fn the_development_mailbox_shows_mail_written_to_disk() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let gs = app.browser.get_html("/getting-started").await;
    assert!(gs.contains(&format!("href=\"/orgs/{slug}/members\"")), "Invite your team links to the Members page");
    let res = app
        .browser
        .submit(
            &format!("/orgs/{slug}/members/invite"),
            &format!("/orgs/{slug}/invitations"),
            &[("email", "new@example.com"), ("role", "Billing")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let page = loop {
        let page = app.new_browser().get_html("/dev/mailbox").await;
        if page.contains("new@example.com") {
            break page;
        }
        assert!(std::time::Instant::now() < deadline, "no mail on disk");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(page.contains("invited you to join Acme"));
    let start = page.find(&format!("{}/invitations/", app.address)).unwrap();
    let link: String = page[start..].chars().take_while(|c| *c != '"' && *c != '<' && !c.is_whitespace()).collect();
    let invitee = app.new_browser();
    let res = invitee.get(&link).await;
    assert_eq!(res.status(), StatusCode::OK);
    let emls = std::fs::read_dir(app.data_dir.path().join("mail"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml"))
        .count();
    assert_eq!(emls, 1);
}
