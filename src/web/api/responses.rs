//! The problem answers every operation shares, as the OpenAPI document
//! names them (`#/components/responses/...`); each is a `Problem`.

use utoipa::ToResponse;

use crate::web::problem::Problem;

#[derive(ToResponse)]
#[response(
    description = "No API key, or one that does not work: unknown, revoked, expired, or its creator left",
    content_type = "application/problem+json"
)]
pub struct Unauthorized(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "The key lacks the permission named in `permission`",
    content_type = "application/problem+json"
)]
pub struct Forbidden(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(description = "Nothing here, or outside the key's organization", content_type = "application/problem+json")]
pub struct NotFound(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "A rule of the organization refuses the change (the last member who manages members, the primary owner, your own role)",
    content_type = "application/problem+json"
)]
pub struct Conflict(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(description = "A value is not accepted; `field` names it", content_type = "application/problem+json")]
pub struct Invalid(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(description = "The body is not JSON", content_type = "application/problem+json")]
pub struct BadRequest(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(description = "The body is larger than 1 MiB", content_type = "application/problem+json")]
pub struct TooLarge(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(description = "Too many requests with this key; `Retry-After` says when to try again",
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait")))]
pub struct TooMany(#[allow(dead_code)] Problem);
