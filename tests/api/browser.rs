//! A browser for the tests: its own cookie jar, no automatic redirects, the
//! development provider's sign-in, forms submitted with their CSRF token.

use std::sync::Arc;

use crate::html::unescape;
use reqwest::cookie::Jar;
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};

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

/// The value of `<input ... name="NAME" value="...">` in `html`, unescaped.
pub fn hidden_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no field {name} in page:\n{html}")) + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    unescape(&html[start..end])
}
