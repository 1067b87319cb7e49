//! What the base template needs on every page: the header's switcher and
//! user menu, the organization navigation, the CSRF token for its forms.

use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;

#[derive(Debug, Clone)]
pub struct OrgLink {
    pub name: String,
    pub slug: String,
}

#[derive(Debug, Clone)]
pub struct UserMenu {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct OrgNav {
    pub name: String,
    pub slug: String,
    /// Which left-navigation entry is current: "overview", ...
    pub section: &'static str,
    /// Which pages the member may open (only links that work are shown).
    pub show_activity: bool,
    pub show_customer: bool,
    pub show_services: bool,
    pub show_billing: bool,
    pub show_api_keys: bool,
    pub show_webhooks: bool,
    pub show_domains: bool,
    /// "Projects", "Products", "Datasets": the catalog's noun.
    pub projects_label: String,
}

/// The navigation of the personal space.
#[derive(Debug, Clone)]
pub struct PersonalNav {
    pub section: &'static str,
    pub projects_label: String,
}

/// The navigation of a support staff member's read-only view of an organization.
#[derive(Debug, Clone)]
pub struct StaffNav {
    pub name: String,
    pub slug: String,
    /// "entitlements", "tickets", "contacts" or "members".
    pub section: &'static str,
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user: Option<UserMenu>,
    pub orgs: Vec<OrgLink>,
    pub org: Option<OrgNav>,
    pub staff_org: Option<StaffNav>,
    pub personal: Option<PersonalNav>,
    /// A project shared with the user as a direct collaborator ("Shared with me").
    pub shared: bool,
    /// The switcher lists the personal space first.
    pub personal_spaces: bool,
    /// The header's + menu ("New product"); None before sign-in.
    pub new_project_label: Option<String>,
    /// Personal settings: which tab is open ("profile", "organizations", ...).
    pub settings_section: Option<&'static str>,
    /// The user menu's link to the staff area.
    pub show_staff: bool,
    /// A page without sidebar whose tables need the whole width.
    pub wide: bool,
    pub csrf: String,
    /// A one-time message from the previous request ("Organization created.").
    pub flash: Option<String>,
    pub dev_sign_in: bool,
    /// The header's Sign in button (not on error pages, which do not know who is asking).
    pub show_sign_in: bool,
}

impl Layout {
    /// A page with no signed-in user (landing, login, errors).
    pub fn bare(title: &str) -> Self {
        Self {
            title: title.to_string(),
            user: None,
            orgs: Vec::new(),
            org: None,
            staff_org: None,
            personal: None,
            shared: false,
            personal_spaces: false,
            new_project_label: None,
            settings_section: None,
            show_staff: false,
            wide: false,
            csrf: String::new(),
            flash: None,
            dev_sign_in: false,
            show_sign_in: false,
        }
    }

    pub fn has_sidebar(&self) -> bool {
        self.org.is_some() || self.staff_org.is_some() || self.settings_section.is_some() || self.personal.is_some()
    }

    pub fn current_org_name(&self) -> &str {
        if self.personal.is_some() {
            return "Personal";
        }
        if self.shared {
            return "Shared with me";
        }
        let fallback = if self.personal_spaces { "Select space" } else { "Select organization" };
        self.org.as_ref().map(|o| o.name.as_str()).unwrap_or(fallback)
    }

    pub fn is_current(&self, slug: &str) -> bool {
        self.org.as_ref().is_some_and(|o| o.slug == slug)
    }

    pub fn initial(&self) -> String {
        let name = self.user.as_ref().map(|u| u.name.as_str()).unwrap_or("?");
        name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()
    }
}

impl Default for Layout {
    fn default() -> Self {
        Layout::bare("")
    }
}

/// Renders a page template to a 200 response.
pub fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    render_with(actix_web::http::StatusCode::OK, page)
}

pub fn render_with(status: actix_web::http::StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    let body = page.render()?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}
