//! The Members page query: one page of an organization's members in the
//! order they joined, optionally only those whose name or address contains
//! a term (ignoring case).
//!
//! Search is indexed (migration 000015). On PostgreSQL, trigram GIN indexes
//! serve `LIKE '%term%'` and the planner weighs them against reading the
//! members in order. On SQLite an FTS5 trigram index finds the people whose
//! name or address contains the term; when they are few on the whole site
//! (under [`FEW`]), their memberships are looked up by key and sorted. When
//! they are many, reading the organization's members in order and keeping the
//! matching ones fills a page sooner, so that is done instead, as it is for a
//! term shorter than a trigram.
//!
//! FTS5 answers a phrase by reading the posting list of each of its
//! trigrams, and a trigram most people have (`mem` in "member") has a list as
//! long as the site. [`CommonTrigrams`] knows which those are; the index is
//! asked for the term's other trigrams only, and the few people found are
//! checked against the whole term. The list is a hint: out of date, it makes
//! a search slower, never wrong.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, QueryFragment, SqlQuery};
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::Sqlite;
use diesel::IntoSql;
use time::PrimitiveDateTime;

use super::json_list::in_list;
use super::lower;
use super::members::{MemberRow, MEMBER_COLUMNS};
use crate::db::schema::{memberships, users, users_search, users_search_docs};
use crate::db::AnyConnection;

/// Above this many matching people on the site, search reads members in order.
const FEW: i64 = 1000;

diesel::infix_operator!(Matches, " MATCH ");

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

/// A page's columns and order, and one row more than `$limit` (so the page
/// knows whether another follows).
macro_rules! paged {
    ($query:expr, $limit:expr) => {
        $query
            .select(MEMBER_COLUMNS)
            .order((memberships::created_at.asc(), memberships::user_id.asc()))
            .limit($limit + 1)
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

/// How often the list of common trigrams is read again (a full read of the
/// index's vocabulary: about 13 ms with 100,000 people).
const COMMON_REFRESH: Duration = Duration::from_secs(300);

/// The trigrams more than [`FEW`] people's names or addresses contain
/// (SQLite; read from the index's vocabulary every [`COMMON_REFRESH`]).
#[derive(Default)]
pub struct CommonTrigrams {
    known: RwLock<Option<(Instant, Arc<HashSet<String>>)>>,
    reading: Mutex<()>,
}

#[derive(QueryableByName)]
struct VocabTerm {
    #[diesel(sql_type = Text)]
    term: String,
}

impl CommonTrigrams {
    /// The list, read again first when it is old and no other request is
    /// reading it (the others go on with the old one).
    fn current(&self, conn: &mut SqliteConnection) -> QueryResult<Arc<HashSet<String>>> {
        let known = self.known.read().ok().and_then(|k| k.clone());
        if let Some((at, set)) = &known {
            if at.elapsed() < COMMON_REFRESH {
                return Ok(set.clone());
            }
        }
        let Ok(_reading) = self.reading.try_lock() else {
            return Ok(known.map(|(_, set)| set).unwrap_or_default());
        };
        conn.batch_execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.users_search_vocab USING fts5vocab(main, users_search, row)",
        )?;
        let terms: Vec<VocabTerm> =
            diesel::sql_query(format!("SELECT term FROM temp.users_search_vocab WHERE doc > {FEW}")).load(conn)?;
        let set: Arc<HashSet<String>> = Arc::new(terms.into_iter().map(|t| t.term).collect());
        if let Ok(mut k) = self.known.write() {
            *k = Some((Instant::now(), set.clone()));
        }
        Ok(set)
    }
}

/// The FTS5 query for `term`: its trigrams that are not common, each a
/// quoted token, all required; the whole term as one phrase when every
/// trigram is common (or none is). None when the term has no trigram.
/// Either way the people found are then checked against the whole term.
fn fts_query(term: Option<&str>, common: &HashSet<String>) -> Option<String> {
    let term = indexable(term)?;
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let chars: Vec<char> = term.to_lowercase().chars().collect();
    let mut trigrams: Vec<String> = chars.windows(3).map(|w| w.iter().collect::<String>()).collect();
    trigrams.sort();
    trigrams.dedup();
    let rare: Vec<&String> = trigrams.iter().filter(|t| !common.contains(*t)).collect();
    if rare.is_empty() || rare.len() == trigrams.len() {
        return Some(quote(term));
    }
    Some(rare.iter().map(|t| quote(t)).collect::<Vec<_>>().join(" AND "))
}

/// The term, when the index can be asked for it: three characters or more,
/// on one line (a document is a name and an address on two lines; a term
/// never spans them).
fn indexable(term: Option<&str>) -> Option<&str> {
    term.map(str::trim).filter(|t| t.chars().count() >= 3 && !t.contains('\n'))
}

/// The people who may match the term, as the SQLite index finds them (their
/// document numbers), when they are few; None when the index should not be
/// asked or they are many.
fn indexed_search(
    conn: &mut AnyConnection,
    search: Option<&str>,
    common: &CommonTrigrams,
) -> QueryResult<Option<Vec<i64>>> {
    let AnyConnection::Sqlite(conn) = conn else { return Ok(None) };
    if indexable(search).is_none() {
        return Ok(None);
    }
    let common = common.current(conn)?;
    let Some(query) = fts_query(search, &common) else { return Ok(None) };
    let found: Vec<i64> = matches_query(&query).load(conn)?;
    Ok((found.len() < FEW as usize).then_some(found))
}

#[allow(clippy::type_complexity)]
fn matches_query(
    phrase: &str,
) -> diesel::dsl::Limit<
    diesel::dsl::Select<
        diesel::dsl::Filter<users_search::table, Matches<users_search::document, diesel::dsl::AsExprOf<&str, Text>>>,
        users_search::rowid,
    >,
> {
    users_search::table
        .filter(Matches::new(users_search::document, phrase.into_sql::<Text>()))
        .select(users_search::rowid)
        .limit(FEW)
}

/// An organization's members among the index's matches (SQLite). The
/// organization is compared as `org_id || ''` so that SQLite cannot start
/// from the organization's members (without statistics it would): it starts
/// from the matches and finds each one's membership by user.
macro_rules! indexed_base {
    ($org_id:expr, $docs:expr) => {
        memberships::table
            .inner_join(users::table.inner_join(users_search_docs::table))
            .filter(memberships::org_id.concat("").eq($org_id))
            .filter(in_list(users_search_docs::doc, $docs))
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
    let pattern = super::contains_pattern(search);
    let indexed = match pattern {
        Some(_) => indexed_search(conn, search, common)?,
        None => None,
    };
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
    let mut rows = match (after, &pattern, &indexed) {
        (None, None, _) => finish!(base),
        (Some(c), None, _) => finish!(base.filter(after!(c))),
        (_, Some(_), Some(docs)) if docs.is_empty() => Vec::new(),
        (None, Some(p), Some(docs)) => {
            on_sqlite(conn, |c| paged!(indexed_base!(org_id, docs).filter(matching!(p)), limit).load(c))?
        }
        (Some(c), Some(p), Some(docs)) => on_sqlite(conn, |sq| {
            paged!(indexed_base!(org_id, docs).filter(after!(c)).filter(matching!(p)), limit).load(sq)
        })?,
        (None, Some(p), None) => finish!(base.filter(matching!(p))),
        (Some(c), Some(p), None) => finish!(base.filter(after!(c)).filter(matching!(p))),
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
    let pattern = super::contains_pattern(Some(term)).unwrap_or_default();
    let lines = match conn {
        AnyConnection::Sqlite(c) => {
            // Two statements: the index's matches, then their memberships.
            let phrase = fts_query(Some(term), &HashSet::new()).unwrap_or_default();
            let query = paged!(indexed_base!(org_id, &[1, 2]).filter(matching!(pattern)), limit);
            let mut lines = sqlite_plan(c, &matches_query(&phrase))?;
            lines.extend(sqlite_plan(c, &query)?);
            lines
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_is_asked_for_the_rare_trigrams_only() {
        let common: HashSet<String> = ["mem", "emb", "mbe", "ber"].into_iter().map(String::from).collect();
        assert_eq!(fts_query(Some("Member0999"), &common).unwrap(), r#""099" AND "999" AND "er0" AND "r09""#);
        assert_eq!(fts_query(Some(" member "), &common).unwrap(), r#""member""#, "all common: the phrase");
        assert_eq!(fts_query(Some("zoë"), &common).unwrap(), r#""zoë""#, "none common: the phrase");
        assert_eq!(fts_query(Some(r#"a"bc"#), &HashSet::new()).unwrap(), r#""a""bc""#);
        assert_eq!(fts_query(Some("ab"), &common), None);
        assert_eq!(fts_query(Some("two\nlines"), &common), None);
    }
}
