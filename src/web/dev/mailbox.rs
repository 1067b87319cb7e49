//! /dev/mailbox: the mail written to disk when no SMTP relay is configured,
//! so a newcomer can open an invitation link without a mail server.

use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;

use crate::error::AppError;
use crate::mail::transport::{read_mailbox, DiskMessage};
use crate::web::extract::anonymous_layout;
use crate::web::layout::{render, Layout};
use crate::web::AppState;

#[derive(Template)]
#[template(path = "dev_mailbox.html")]
struct MailboxPage {
    layout: Layout,
    messages: Vec<DiskMessage>,
}

#[get("/dev/mailbox")]
pub async fn mailbox(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let dir = state.mailbox_dir.clone().ok_or(AppError::NotFound)?;
    let messages = web::block(move || read_mailbox(&dir)).await.map_err(AppError::internal)?;
    render(&MailboxPage { layout: anonymous_layout(&req, "Mailbox"), messages })
}
