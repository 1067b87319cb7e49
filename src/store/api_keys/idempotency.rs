//! The answers kept for `Idempotency-Key` (24 hours, per API key): a repeat
//! of the same request gets the first answer again; the same key with
//! another request is refused. A placeholder row (status 0) is written
//! before the request runs, so two copies sent at once cannot both create.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::api_idempotency as idem;
use crate::db::AnyConnection;
use crate::store::is_unique_violation;

/// How long an answer is kept.
pub const KEPT: time::Duration = time::Duration::hours(24);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// First use of the key: run the request, then `finish`.
    New,
    /// The same request was answered: send this again.
    Replay { status: u16, body: String },
    /// The key was used for another request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

pub fn begin(
    conn: &mut AnyConnection,
    api_key_id: &str,
    key: &str,
    request_hash: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Begin> {
    crate::db::write_transaction(conn, |conn| begin_in(conn, api_key_id, key, request_hash, now))
}

fn begin_in(
    conn: &mut AnyConnection,
    api_key_id: &str,
    key: &str,
    request_hash: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Begin> {
    diesel::delete(idem::table.filter(idem::api_key_id.eq(api_key_id)).filter(idem::created_at.le(now - KEPT)))
        .execute(conn)?;
    // In a savepoint: on PostgreSQL a refused insert would otherwise end
    // the transaction the key's row is then read in.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(idem::table)
            .values((
                idem::api_key_id.eq(api_key_id),
                idem::idempotency_key.eq(key),
                idem::request_hash.eq(request_hash),
                idem::status.eq(0),
                idem::body.eq(""),
                idem::created_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => return Ok(Begin::New),
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e),
    }
    let (hash, status, body): (String, i32, String) =
        idem::table.find((api_key_id, key)).select((idem::request_hash, idem::status, idem::body)).first(conn)?;
    Ok(if hash != request_hash {
        Begin::Mismatch
    } else if status == 0 {
        Begin::InProgress
    } else {
        Begin::Replay { status: u16::try_from(status).unwrap_or(500), body }
    })
}

/// Keeps the answer to the request begun with `key`.
pub fn finish(conn: &mut AnyConnection, api_key_id: &str, key: &str, status: u16, body: &str) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let this = idem::api_key_id.eq(api_key_id).and(idem::idempotency_key.eq(key));
        crate::db::kept_update(idem::table, this, (idem::status.eq(i32::from(status)), idem::body.eq(body)))
            .execute(conn)
            .map(|_| ())
    })
}

/// Forgets the key (the request failed in a way worth retrying).
pub fn abandon(conn: &mut AnyConnection, api_key_id: &str, key: &str) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        diesel::delete(idem::table.find((api_key_id, key))).execute(conn).map(|_| ())
    })
}
