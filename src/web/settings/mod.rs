//! Personal settings (user menu -> Settings): profile, organizations with
//! Leave, sessions, the security log, deleting the account.

pub mod delete_account;
pub mod organizations;
pub mod profile;
pub mod security_log;
pub mod sessions;

use crate::web::extract::CurrentUser;
use crate::web::layout::Layout;

/// The layout of a settings tab: the settings navigation beside it.
pub fn layout(current: &CurrentUser, title: &str, section: &'static str) -> Layout {
    let mut layout = current.layout(title);
    layout.settings_section = Some(section);
    layout
}
