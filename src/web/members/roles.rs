//! The Roles page: the role catalog as a permission matrix.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::domain::{Permission, Role};
use crate::error::AppError;
use crate::web::extract::OrgMember;
use crate::web::layout::{render, Layout};
use crate::web::AppState;

pub struct MatrixRow {
    pub key: &'static str,
    pub label: &'static str,
    pub granted: Vec<bool>,
}

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    layout: Layout,
    roles: Vec<Role>,
    rows: Vec<MatrixRow>,
    my_role: String,
}

#[get("/roles")]
pub async fn matrix(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgView)?;
    let roles = state.catalog.roles().to_vec();
    let rows = Permission::ALL
        .iter()
        .map(|p| MatrixRow { key: p.key(), label: p.label(), granted: roles.iter().map(|r| r.has(*p)).collect() })
        .collect();
    render(&RolesPage { layout: member.layout("Roles", "roles"), roles, rows, my_role: member.view.role.clone() })
}
