//! The Members page query: one page of an organization's members in the
//! order they joined, optionally only those whose name or address contains
//! a term (ignoring case).
//!
//! Search is indexed (migration 000015). On PostgreSQL, trigram GIN indexes
//! serve `LIKE '%term%'` and the planner weighs them against reading the
//! members in order. On SQLite an FTS5 trigram index finds the people whose
//! name or address contains the term; when they are few on the whole site
//! (under [`search_index::FEW`]), their memberships are looked up by key and sorted. When
//! they are many, reading the organization's members in order and keeping the
//! matching ones fills a page sooner, so that is done instead, as it is for a
//! term shorter than a trigram. A term with a trigram few people have is
//! answered in one statement (the index as a subquery); one whose trigrams
//! are all common asks the index first, to learn whether its matches are few.
//!
//! The index and what it is asked are in [`crate::store::members::search_index`].

use std::collections::HashSet;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, QueryFragment, SqlQuery};
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::Sqlite;
use time::PrimitiveDateTime;

use crate::db::schema::{memberships, users, users_search_docs};
use crate::db::AnyConnection;
use crate::store::lower;
use crate::store::members::json_list::in_list;
use crate::store::members::search_index::{self, Candidates, CommonTrigrams};
use crate::store::members::{MemberRow, MEMBER_COLUMNS};

/// The organization's members, read in join order (no search index).
macro_rules! members_of {
    ($org_id:expr) => {
        memberships::table.inner_join(users::table).filter(memberships::org_id.eq($org_id))
    };
}

/// Names or addresses matching the LIKE pattern `$p` (see `contains_pattern`).
macro_rules! matching {
    ($p:expr) => {
        lower(users::name).like($p.as_str()).escape('\\').or(users::email.like($p.as_str()).escape('\\'))
    };
}

diesel::define_sql_function!(fn instr(haystack: Text, needle: Text) -> diesel::sql_types::Integer);

/// The index's matches whose name or address contains `$t` (the term in
/// lower case), as `matching!` finds them on SQLite: its `lower` and `LIKE`
/// both fold ASCII letters only, and so does this, without a pattern to
/// interpret.
macro_rules! containing {
    ($t:expr) => {
        instr(lower(users_search_docs::email), $t.as_str())
            .gt(0)
            .or(instr(lower(users_search_docs::name), $t.as_str()).gt(0))
    };
}

/// A page's columns and order, and one row more than `$limit` (so the page
/// knows whether another follows).
macro_rules! paged {
    ($query:expr, $limit:expr) => {
        paged!($query, $limit, MEMBER_COLUMNS)
    };
    ($query:expr, $limit:expr, $columns:expr) => {
        $query.select($columns).order((memberships::created_at.asc(), memberships::user_id.asc())).limit($limit + 1)
    };
}

/// Where the next page starts: after this (joined_at, user_id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub joined_at: PrimitiveDateTime,
    pub user_id: String,
}

pub struct MemberPage {
    pub rows: Vec<MemberRow>,
    pub next: Option<Cursor>,
}

/// An organization's members among the index's matches (SQLite), with the
/// name and address the index holds. The organization is compared as
/// `org_id || ''` so that SQLite cannot start from the organization's members
/// (without statistics it would): it starts from the matches and finds each
/// one's membership in `memberships_user_orgs`.
macro_rules! indexed_base {
    ($org_id:expr, $docs:expr) => {
        users_search_docs::table
            .inner_join(memberships::table.on(memberships::user_id.eq(users_search_docs::user_id)))
            .filter(memberships::org_id.concat("").eq($org_id))
            .filter($docs)
    };
}

/// A `MemberRow`'s columns from the index's copy of the name and address.
macro_rules! indexed_columns {
    () => {
        (
            users_search_docs::user_id,
            users_search_docs::name,
            users_search_docs::email,
            memberships::role,
            memberships::created_at,
            memberships::added_by,
        )
    };
}

/// One page of members in the order they joined. Each query shape is
/// written out (not boxed) so that its prepared statement is cached.
pub fn page(
    conn: &mut AnyConnection,
    org_id: &str,
    search: Option<&str>,
    after: Option<&Cursor>,
    limit: i64,
    common: &CommonTrigrams,
) -> QueryResult<MemberPage> {
    let term = crate::store::search_term(search);
    let pattern = crate::store::contains_pattern(search);
    let indexed = match term {
        Some(_) => search_index::candidates(conn, search, common)?,
        None => Candidates::None,
    };
    // Asked only in the arms that have a search.
    let term = term.unwrap_or_default();
    let base = members_of!(org_id);
    macro_rules! finish {
        ($query:expr) => {
            crate::db::native!(&mut *conn, |c| paged!($query, limit).load::<MemberRow>(c))?
        };
    }
    macro_rules! after {
        ($c:expr) => {
            // `joined >= x` first: the index range starts at the cursor.
            memberships::created_at
                .ge($c.joined_at)
                .and(memberships::created_at.gt($c.joined_at).or(memberships::user_id.gt($c.user_id.as_str())))
        };
    }
    // The organization's members among the documents `$docs` selects.
    macro_rules! indexed {
        ($docs:expr) => {
            on_sqlite(conn, |sq| {
                let query = indexed_base!(org_id, $docs).filter(containing!(term));
                match after {
                    None => paged!(query, limit, indexed_columns!()).load(sq),
                    Some(c) => paged!(query.filter(after!(c)), limit, indexed_columns!()).load(sq),
                }
            })?
        };
    }
    let mut rows = match (after, &pattern, &indexed) {
        (None, None, _) => finish!(base),
        (Some(c), None, _) => finish!(base.filter(after!(c))),
        (_, Some(_), Candidates::Found(docs)) if docs.is_empty() => Vec::new(),
        (_, Some(_), Candidates::Found(docs)) => indexed!(in_list(users_search_docs::doc, docs)),
        (_, Some(_), Candidates::Rare(phrase)) => {
            indexed!(users_search_docs::doc.eq_any(search_index::matching_docs(phrase)))
        }
        (None, Some(p), Candidates::None) => finish!(base.filter(matching!(p))),
        (Some(c), Some(p), Candidates::None) => finish!(base.filter(after!(c)).filter(matching!(p))),
    };
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor { joined_at: r.joined_at, user_id: r.user_id.clone() })
    } else {
        None
    };
    Ok(MemberPage { rows, next })
}

/// `read` on SQLite, where the search index is (only it finds documents).
fn on_sqlite<T>(
    conn: &mut AnyConnection,
    read: impl FnOnce(&mut SqliteConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    match conn {
        AnyConnection::Sqlite(c) => read(c),
        AnyConnection::Postgresql(_) => Err(diesel::result::Error::QueryBuilderError("no search index here".into())),
    }
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "detail")]
    line: String,
}

/// How the database runs the first page of members (EXPLAIN), for the tests
/// that check the page reads them in order from `memberships_org_page`.
pub fn first_page_plan(conn: &mut AnyConnection, org_id: &str, limit: i64) -> QueryResult<String> {
    let query = paged!(members_of!(org_id), limit);
    let lines = match conn {
        AnyConnection::Sqlite(c) => sqlite_plan(c, &query)?,
        AnyConnection::Postgresql(c) => {
            pg_plan(c, pg_explain(&query).bind::<Text, _>(org_id).bind::<BigInt, _>(limit + 1))?
        }
    };
    Ok(lines.join("\n"))
}

/// How the database runs the first page of a search for `term` (EXPLAIN), for
/// the tests that check the search index is used.
pub fn search_plan(conn: &mut AnyConnection, org_id: &str, term: &str, limit: i64) -> QueryResult<String> {
    let pattern = crate::store::contains_pattern(Some(term)).unwrap_or_default();
    let lines = match conn {
        AnyConnection::Sqlite(c) => {
            // A term with a rare trigram: one statement, the index's
            // matches as a subquery, then their memberships.
            let (phrase, _) = search_index::fts_query(Some(term), &HashSet::new()).unwrap_or_default();
            let lowered = crate::store::search_term(Some(term)).unwrap_or_default();
            let docs = users_search_docs::doc.eq_any(search_index::matching_docs(&phrase));
            let query = paged!(indexed_base!(org_id, docs).filter(containing!(lowered)), limit, indexed_columns!());
            sqlite_plan(c, &query)?
        }
        AnyConnection::Postgresql(c) => {
            let query = paged!(members_of!(org_id).filter(matching!(pattern)), limit);
            let explain = pg_explain(&query)
                .bind::<Text, _>(org_id)
                .bind::<Text, _>(&pattern)
                .bind::<Text, _>("\\")
                .bind::<Text, _>(&pattern)
                .bind::<Text, _>("\\")
                .bind::<BigInt, _>(limit + 1);
            pg_plan(c, explain)?
        }
    };
    Ok(lines.join("\n"))
}

/// SQLite's EXPLAIN QUERY PLAN of `query`, one line per step.
fn sqlite_plan<Q: QueryFragment<Sqlite>>(c: &mut SqliteConnection, query: &Q) -> QueryResult<Vec<String>> {
    let sql = sql_of(&diesel::debug_query::<Sqlite, _>(query).to_string());
    let lines: Vec<PlanLine> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).load(c)?;
    Ok(lines.into_iter().map(|l| l.line).collect())
}

/// PostgreSQL's EXPLAIN of `query`, waiting for the query's values in order.
fn pg_explain<'a, Q: QueryFragment<Pg>>(query: &Q) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    diesel::sql_query(format!("EXPLAIN {}", sql_of(&diesel::debug_query::<Pg, _>(query).to_string()))).into_boxed()
}

fn pg_plan(c: &mut PgConnection, explain: BoxedSqlQuery<'_, Pg, SqlQuery>) -> QueryResult<Vec<String>> {
    Ok(explain.load::<PgPlanLine>(c)?.into_iter().map(|l| l.line).collect())
}

#[derive(QueryableByName)]
struct PgPlanLine {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "QUERY PLAN")]
    line: String,
}

/// The statement of a `debug_query` rendering, without its binds.
fn sql_of(rendered: &str) -> String {
    rendered.split(" -- binds:").next().unwrap_or(rendered).to_string()
}
