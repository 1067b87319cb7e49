//! Test harness: each test gets its own server on port 0 and its own
//! database (a temporary SQLite file, or a fresh PostgreSQL database when
//! ORGPORTAL_TEST_DATABASE_URL is set), and drives it like a browser.

use std::sync::Arc;

use actix_web::dev::ServerHandle;
use diesel::connection::SimpleConnection;
use orgportal::config::Settings;
use orgportal::db::{self, AnyConnection};
use orgportal::startup::Application;
use reqwest::cookie::Jar;
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use tempfile::TempDir;

/// A database of its own for one test; a PostgreSQL one is dropped at the end.
pub struct TestDatabase {
    pub url: String,
    admin_url: Option<String>,
    name: String,
}

impl TestDatabase {
    fn create(data_dir: &TempDir) -> Self {
        match std::env::var("ORGPORTAL_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("orgportal_test_{}", uuid::Uuid::new_v4().simple());
                // Through db:: so that OpenSSL is set up the portal's way first.
                let mut conn = db::connect_one(&admin_url).expect("connect to the test PostgreSQL server");
                conn.batch_execute(&format!("CREATE DATABASE {name}")).expect("create the test database");
                let mut url = url::Url::parse(&admin_url).expect("ORGPORTAL_TEST_DATABASE_URL is a URL");
                url.set_path(&format!("/{name}"));
                Self { url: url.to_string(), admin_url: Some(admin_url), name }
            }
            _ => Self {
                url: format!("sqlite://{}", data_dir.path().join("test.db").display()),
                admin_url: None,
                name: String::new(),
            },
        }
    }
}

impl TestDatabase {
    pub fn is_postgres(&self) -> bool {
        self.admin_url.is_some()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(admin) = &self.admin_url {
            if let Ok(mut conn) = db::connect_one(admin) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
            }
        }
    }
}

/// A browser: its own cookie jar, no automatic redirects.
#[derive(Clone)]
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
    jar: Arc<Jar>,
}

impl Browser {
    pub fn new(address: &str) -> Self {
        Self::with_jar(address, Arc::new(Jar::default()))
    }

    fn with_jar(address: &str, jar: Arc<Jar>) -> Self {
        let client =
            reqwest::Client::builder().redirect(Policy::none()).cookie_provider(jar.clone()).build().expect("client");
        Self { address: address.to_string(), client, jar }
    }

    /// The cookies this browser would send, as a `Cookie` header value.
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = self.address.parse().unwrap();
        self.jar.cookies(&url).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }

    /// Another browser that starts with a copy of this one's cookies (a stolen
    /// cookie, or a second device restored from a backup).
    pub fn copy(&self) -> Browser {
        let jar = Arc::new(Jar::default());
        let url = self.address.parse().unwrap();
        for cookie in self.cookie_header().split("; ").filter(|c| !c.is_empty()) {
            jar.add_cookie_str(cookie, &url);
        }
        Browser::with_jar(&self.address, jar)
    }

    /// The same browser (same cookie jar) talking to another address.
    pub fn at(&self, address: &str) -> Browser {
        Browser::with_jar(address, self.jar.clone())
    }

    /// True when `path` answers with the page rather than a redirect to sign-in.
    pub async fn is_signed_in(&self, path: &str) -> bool {
        let res = self.get(path).await;
        match res.status() {
            StatusCode::OK => true,
            StatusCode::SEE_OTHER if location(&res).starts_with("/login") => false,
            other => panic!("GET {path}: unexpected {other}"),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.address, path)
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.text().await.unwrap()
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client.post(self.url(path)).form(fields).send().await.expect("POST")
    }

    /// Opens `page` as a person would, then submits a form to `action` with
    /// the CSRF token that page carried.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let html = self.get_html(page).await;
        let token = hidden_field(&html, "csrf_token");
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Follows `start` to the development provider's form; returns the form's
    /// hidden fields (the authorization request and the CSRF token).
    pub async fn open_provider_form(&self, start: &str) -> Vec<(String, String)> {
        let to_provider = self.get(start).await;
        assert_eq!(to_provider.status(), StatusCode::SEE_OTHER);
        let authorize = location(&to_provider);
        assert!(authorize.contains("/dev-oauth/authorize?"), "{authorize}");
        assert!(authorize.contains("code_challenge_method=S256") && authorize.contains("state="));
        let html = self.get_html(&authorize).await;
        const HIDDEN: [&str; 7] = [
            "csrf_token",
            "response_type",
            "client_id",
            "redirect_uri",
            "state",
            "code_challenge",
            "code_challenge_method",
        ];
        HIDDEN.iter().map(|f| (f.to_string(), hidden_field(&html, f))).collect()
    }

    /// Submits the provider's form as `email` / `name`.
    pub async fn submit_provider_form(&self, hidden: &[(String, String)], email: &str, name: &str) -> Response {
        let mut fields = hidden.to_vec();
        fields.push(("email".into(), email.into()));
        fields.push(("name".into(), name.into()));
        self.client.post(self.url("/dev-oauth/authorize")).form(&fields).send().await.unwrap()
    }

    /// The whole OAuth dance through the development provider.
    /// Returns the response of the callback (a redirect to `next`).
    pub async fn sign_in_from(&self, start: &str, email: &str, name: &str) -> Response {
        let hidden = self.open_provider_form(start).await;
        let to_app = self.submit_provider_form(&hidden, email, name).await;
        assert_eq!(to_app.status(), StatusCode::SEE_OTHER, "dev provider refused: {}", to_app.text().await.unwrap());
        let callback = location(&to_app);
        assert!(callback.contains("/auth/dev/callback?code="), "{callback}");
        self.get(&callback).await
    }

    /// Signs in and follows the redirect to the Getting Started page.
    pub async fn sign_in(&self, email: &str, name: &str) -> String {
        let res = self.sign_in_from("/auth/dev/start", email, name).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/getting-started");
        self.get_html("/getting-started").await
    }

    pub async fn sign_out(&self) {
        let res = self.submit("/getting-started", "/logout", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }

    /// Creates an organization through the form; returns its slug.
    pub async fn create_org(&self, name: &str) -> String {
        let res = self.submit("/orgs/new", "/orgs", &[("name", name), ("slug", "")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "create {name}: {}", res.text().await.unwrap());
        location(&res).trim_start_matches("/orgs/").to_string()
    }
}

pub fn location(res: &Response) -> String {
    res.headers().get("location").expect("a Location header").to_str().unwrap().to_string()
}

/// The href of the page's `rel="next"` link, unescaped.
pub fn next_link(html: &str) -> Option<String> {
    let start = html.find("rel=\"next\"").map(|i| html[..i].rfind("href=\"").unwrap() + 6)?;
    Some(unescape(html[start..].split('"').next().unwrap()).replace("&amp;", "&"))
}

/// The value of `<input ... name="NAME" value="...">` in `html`, unescaped.
pub fn hidden_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no field {name} in page:\n{html}")) + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    unescape(&html[start..end])
}

fn unescape(s: &str) -> String {
    s.replace("&#43;", "+")
        .replace("&#x2b;", "+")
        .replace("&#47;", "/")
        .replace("&#x2f;", "/")
        .replace("&#61;", "=")
        .replace("&#x3d;", "=")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub struct TestApp {
    pub address: String,
    pub browser: Browser,
    pub settings: Settings,
    handle: ServerHandle,
    // Dropped last: the database, then the data directory.
    pub db: TestDatabase,
    pub data_dir: TempDir,
}

/// Settings for a test: loopback on port 0, its own data directory and database.
pub fn test_settings(data_dir: &TempDir, db: &TestDatabase) -> Settings {
    let mut settings = Settings::defaults();
    settings.bind = "127.0.0.1:0".into();
    settings.data_dir = data_dir.path().to_path_buf();
    settings.database_url = Some(orgportal::config::Secret::new(db.url.clone()));
    settings.workers = Some(2);
    // Tests sign in many people from one address; the limit tests set their own.
    let plenty = orgportal::config::Rate::new(100_000, std::time::Duration::from_secs(60));
    settings.rate_limits = orgportal::config::RateLimits {
        sign_in: plenty,
        invitation_links: plenty,
        invitations_sent: plenty,
        token_failures: plenty,
    };
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(|_| {}, configure).await
}

/// An app started on a database that `prepare` filled first (a copy made by
/// an earlier release, say).
pub async fn spawn_app_on(prepare: impl FnOnce(&TestDatabase), configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(&data_dir);
    prepare(&db);
    let mut settings = test_settings(&data_dir, &db);
    configure(&mut settings);
    let (address, handle) = start(settings.clone()).await;
    TestApp { browser: Browser::new(&address), address, settings, handle, db, data_dir }
}

async fn start(settings: Settings) -> (String, ServerHandle) {
    let app = Application::build(settings).await.expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    (address, handle)
}

impl TestApp {
    /// A second person with a browser of their own.
    pub fn new_browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    /// Stops the server and starts a new process-equivalent on the same data
    /// directory and database; the browser keeps its cookies.
    pub async fn restart(&mut self) {
        self.handle.stop(true).await;
        let (address, handle) = start(self.settings.clone()).await;
        self.browser = Browser::with_jar(&address, self.browser.jar.clone());
        self.address = address;
        self.handle = handle;
    }

    /// A second instance of the portal on the same database and data directory
    /// (so the same cookie key). It stops when dropped.
    pub async fn second_instance(&self) -> Instance {
        let (address, handle) = start(self.settings.clone()).await;
        Instance { address, handle }
    }

    /// A direct connection to the test database, for assertions (no pool:
    /// a pool would leave its threads connecting after the test).
    pub fn conn(&self) -> DirectConnection {
        DirectConnection(db::connect_one(&self.db.url).expect("connect to the test database"))
    }
}

pub struct Instance {
    pub address: String,
    handle: ServerHandle,
}

impl Drop for Instance {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

pub struct DirectConnection(AnyConnection);

impl std::ops::Deref for DirectConnection {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

impl std::ops::DerefMut for DirectConnection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting connections; the database is dropped right after.
        let handle = self.handle.clone();
        drop(handle.stop(false));
    }
}

impl TestApp {
    pub fn org_id(&self, slug: &str) -> String {
        use diesel::prelude::*;
        use orgportal::db::schema::organizations;
        let mut conn = self.conn();
        organizations::table.filter(organizations::slug.eq(slug)).select(organizations::id).first(&mut *conn).unwrap()
    }

    pub fn user_id(&self, email: &str) -> String {
        use diesel::prelude::*;
        use orgportal::db::schema::users;
        let mut conn = self.conn();
        users::table.filter(users::email.eq(email)).select(users::id).first(&mut *conn).unwrap()
    }

    /// A new person, signed in in a browser of their own, added to the
    /// organization with `role` directly in the database.
    pub async fn member(&self, slug: &str, email: &str, role: &str) -> Browser {
        let browser = self.new_browser();
        browser.sign_in(email, &email.split('@').next().unwrap().replace('.', " ")).await;
        let (org_id, user_id) = (self.org_id(slug), self.user_id(email));
        let mut conn = self.conn();
        orgportal::store::members::add(&mut conn, &org_id, &user_id, role, self.settings.clock.now()).unwrap();
        browser
    }

    /// The current role of `email` in the organization, if a member.
    pub fn role_of(&self, slug: &str, email: &str) -> Option<String> {
        use diesel::prelude::*;
        use orgportal::db::schema::{memberships, users};
        let org_id = self.org_id(slug);
        let mut conn = self.conn();
        memberships::table
            .inner_join(users::table)
            .filter(memberships::org_id.eq(org_id))
            .filter(users::email.eq(email))
            .select(memberships::role)
            .first(&mut *conn)
            .optional()
            .unwrap()
    }

    /// How many activity rows with `action` there are.
    pub fn activity_count(&self, action: &str) -> i64 {
        use diesel::prelude::*;
        use orgportal::db::schema::activity;
        let mut conn = self.conn();
        activity::table.filter(activity::action.eq(action)).count().get_result(&mut *conn).unwrap()
    }
}

/// An app that sends mail over SMTP to `port`, retrying quickly.
pub async fn spawn_app_with_smtp(port: u16) -> TestApp {
    spawn_app_with(move |s| {
        s.smtp_url = Some(orgportal::config::Secret::new(crate::mail_sink::MailSink::url(port)));
        s.mail_retry_base = std::time::Duration::from_millis(200);
    })
    .await
}

/// Signs in an admin who owns a new organization; returns its slug.
pub async fn admin_with_org(app: &TestApp, email: &str, org: &str) -> String {
    app.browser.sign_in(email, "Olivia Owner").await;
    app.browser.create_org(org).await
}
