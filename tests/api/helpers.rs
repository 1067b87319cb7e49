//! Test harness: each test gets its own server on port 0 and its own
//! database (a temporary SQLite file, or a fresh PostgreSQL database when
//! ORGPORTAL_TEST_DATABASE_URL is set), and drives it like a browser.

use actix_web::dev::ServerHandle;
use diesel::connection::SimpleConnection;
use orgportal::config::Settings;
use orgportal::db::{self, AnyConnection};
use orgportal::startup::Application;
use tempfile::TempDir;

pub use crate::browser::{hidden_field, location, Browser};
pub use crate::html::next_link;

/// A database of its own for one test; a PostgreSQL one is dropped at the end.
pub struct TestDatabase {
    pub url: String,
    admin_url: Option<String>,
    name: String,
}

impl TestDatabase {
    pub fn create(data_dir: &TempDir) -> Self {
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

pub struct TestApp {
    pub address: String,
    pub browser: Browser,
    pub settings: Settings,
    /// `/metrics`'s address, when the settings ask for it.
    pub metrics_url: Option<String>,
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
    settings.clock = orgportal::clock::Clock::starting_at(test_start());
    // Tests sign in many people from one address; the limit tests set their own.
    let plenty = orgportal::config::Rate::new(100_000, std::time::Duration::from_secs(60));
    settings.rate_limits = orgportal::config::RateLimits {
        sign_in: plenty,
        invitation_links: plenty,
        invitations_sent: plenty,
        token_failures: plenty,
        api: plenty,
        scim: plenty,
    };
    settings
}

/// The moment every test's clock starts at, so that no test depends on the
/// day it runs: `ORGPORTAL_TEST_CLOCK` (`2028-02-29` or `2028-02-29T23:30`,
/// UTC) pins the whole suite to another; tests that move the clock across
/// months run from the days of [`START_DAYS`] too.
pub fn test_start() -> time::PrimitiveDateTime {
    match std::env::var("ORGPORTAL_TEST_CLOCK") {
        Ok(text) if !text.trim().is_empty() => parse_start(text.trim())
            .unwrap_or_else(|| panic!("ORGPORTAL_TEST_CLOCK: {text:?} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM")),
        _ => time::macros::datetime!(2027-01-31 12:00),
    }
}

fn parse_start(text: &str) -> Option<time::PrimitiveDateTime> {
    let (day, at) = text.split_once('T').unwrap_or((text, "12:00"));
    let numbers = |s: &str, sep: char| s.split(sep).map(|n| n.parse::<u16>().ok()).collect::<Option<Vec<_>>>();
    let (d, t) = (numbers(day, '-')?, numbers(at, ':')?);
    let (&[y, m, dd], &[h, min]) = (d.as_slice(), t.as_slice()) else { return None };
    let date = time::Date::from_calendar_date(y as i32, time::Month::try_from(m as u8).ok()?, dd as u8).ok()?;
    Some(time::PrimitiveDateTime::new(date, time::Time::from_hms(h as u8, min as u8, 0).ok()?))
}

/// Starting days for the tests whose dates matter: the ends of 31- and
/// 30-day months, the end of a year, around a leap day, and the day the
/// suite once failed on (a move to next month crossed the session lifetime).
/// Noon, so a test's own minutes never cross midnight.
pub const START_DAYS: [time::PrimitiveDateTime; 8] = [
    time::macros::datetime!(2026-12-02 12:00),
    time::macros::datetime!(2027-01-01 12:00),
    time::macros::datetime!(2027-01-31 12:00),
    time::macros::datetime!(2027-04-30 12:00),
    time::macros::datetime!(2027-12-31 12:00),
    time::macros::datetime!(2028-02-28 12:00),
    time::macros::datetime!(2028-02-29 12:00),
    time::macros::datetime!(2028-03-01 12:00),
];

/// An app whose clock starts at `start`.
pub async fn spawn_app_at(start: time::PrimitiveDateTime, configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(move |s| {
        s.clock = orgportal::clock::Clock::starting_at(start);
        configure(s);
    })
    .await
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
    let (address, handle, metrics_url) = start(settings.clone()).await;
    TestApp { browser: Browser::new(&address), address, settings, metrics_url, handle, db, data_dir }
}

async fn start(settings: Settings) -> (String, ServerHandle, Option<String>) {
    let app = Application::build(settings).await.expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics = app.metrics_port().map(|port| format!("http://127.0.0.1:{port}/metrics"));
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    (address, handle, metrics)
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
        let (address, handle, metrics_url) = start(self.settings.clone()).await;
        self.metrics_url = metrics_url;
        self.browser = self.browser.at(&address);
        self.address = address;
        self.handle = handle;
    }

    /// A second instance of the portal on the same database and data directory
    /// (so the same cookie key). It stops when dropped.
    pub async fn second_instance(&self) -> Instance {
        let (address, handle, _) = start(self.settings.clone()).await;
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
        self.join(slug, email, role);
        browser
    }

    /// Adds the existing account of `email` to the organization with `role`,
    /// directly in the database.
    pub fn join(&self, slug: &str, email: &str, role: &str) {
        let (org_id, user_id) = (self.org_id(slug), self.user_id(email));
        orgportal::store::members::add(&mut self.conn(), &org_id, &user_id, role, self.settings.clock.now()).unwrap();
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
