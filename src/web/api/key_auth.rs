//! Who calls the management API: the organization API key of the
//! `Authorization: Bearer opk_...` header, checked in this order: present,
//! known (failures count against the client address), working (not revoked,
//! not expired, its creator still a member), within its rate, and of the
//! organization in the URL (otherwise 404, as for no organization at all).
//! It acts with its permissions intersected with its creator's current ones.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::db;
use crate::domain::api_key::{self, PREFIX};
use crate::domain::secret_token::hash_token;
use crate::domain::service_token::bearer_credentials;
use crate::domain::Permission;
use crate::store::api_keys::{self, KeyRow};
use crate::store::changes::Actor;
use crate::store::orgs::Org;
use crate::web::problem::Problem;
use crate::web::AppState;

/// A working key of the organization in the URL.
pub struct KeyAuth {
    pub key: KeyRow,
    pub org: Org,
    pub permissions: BTreeSet<Permission>,
    /// The key's own permissions, before the creator's role: a project's
    /// permissions come from the creator's access to the project instead.
    pub held: BTreeSet<Permission>,
    pub state: web::Data<AppState>,
    ip: String,
}

impl KeyAuth {
    pub fn require(&self, p: Permission) -> Result<(), Problem> {
        require_in(&self.permissions, p)
    }

    /// The key's creator acting through the key: the log names the key.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.key.created_by.clone(),
            ip: self.ip.clone(),
            now: self.state.clock.now(),
            via: Some(self.key.acting_label()),
        }
    }

    pub fn org_id(&self) -> &str {
        &self.org.id
    }

    async fn load(req: HttpRequest) -> Result<Self, Problem> {
        let state = req.app_data::<web::Data<AppState>>().cloned().ok_or_else(Problem::not_found)?;
        let ip = crate::web::client::client_ip(&req);
        state.limits.token_failures.check_refused(&ip).map_err(|l| Problem::too_many(l.0))?;
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_credentials)
            .ok_or_else(|| Problem::unauthorized(format!("Send an API key as `Authorization: Bearer {PREFIX}...`.")))?;
        let (hash, now) = (hash_token(token), state.clock.now());
        // A read on the worker's own thread (SQLite); the write of "last
        // used", at most once a minute per key, goes to the blocking pool.
        let found = if token.starts_with(PREFIX) {
            db::run_read(&state.pool, move |conn| api_keys::find(conn, &hash).map_err(Problem::from)).await?
        } else {
            None
        };
        if let Some(f) = found.as_ref().filter(|f| f.needs_touch(now)) {
            let id = f.key.id.clone();
            db::run(&state.pool, move |conn| api_keys::touch(conn, &id, now).map_err(Problem::from)).await?;
        }
        let Some(found) = found else {
            state.limits.token_failures.failure(&ip).map_err(|l| Problem::too_many(l.0))?;
            return Err(Problem::unauthorized("This API key is not valid."));
        };
        found.key.state(now).map_err(|why| Problem::unauthorized(why.message()))?;
        state.limits.api.hit(&found.key.id).map_err(|l| Problem::too_many(l.0))?;
        if req.match_info().get("slug") != Some(found.org.slug.as_str()) {
            return Err(Problem::not_found());
        }
        let creator = found.key.creator_role.as_deref().map(|r| state.catalog.permissions_of(r)).unwrap_or_default();
        let held = api_key::split_permissions(&found.key.permissions);
        let permissions = held.intersection(&creator).copied().collect();
        Ok(KeyAuth { key: found.key, org: found.org, permissions, held, state, ip })
    }
}

/// 403 naming `p` unless `held` has it.
pub fn require_in(held: &BTreeSet<Permission>, p: Permission) -> Result<(), Problem> {
    if held.contains(&p) {
        Ok(())
    } else {
        Err(Problem::forbidden(p.key()))
    }
}

impl FromRequest for KeyAuth {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(KeyAuth::load(req.clone()))
    }
}
