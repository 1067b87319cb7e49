//! SQLite's member search index (migrations 000015, 000018): an FTS5 table
//! with the trigram tokenizer over every person's name and address (kept in
//! `users_search_docs`), what it is asked, and its upkeep.
//!
//! FTS5 answers a phrase by reading the posting list of each of its
//! trigrams, and a trigram most people have (`mem` in "member") has a list as
//! long as the site. [`CommonTrigrams`] knows which those are; the index is
//! asked for the term's other trigrams only, and the few people found are
//! checked against the whole term. The list is a hint: out of date, it makes
//! a search slower, never wrong.
//!
//! The index is a set of b-trees (segments). Each new account adds one and
//! FTS5 merges them only a few at a time, so a site whose accounts came one
//! by one ends with a dozen, and every search looks each trigram up in every
//! one of them (about half of the index's time with 100,000 accounts).
//! [`tidy`] merges them into one, a little at a time.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::IntoSql;

use crate::db::schema::users_search;
use crate::db::AnyConnection;

/// Above this many matching people on the site, search reads members in
/// order instead of asking the index.
pub(super) const FEW: i64 = 1000;

diesel::infix_operator!(Matches, " MATCH ");

/// How often the list of common trigrams is read again (a full read of the
/// index's vocabulary: about 13 ms with 100,000 people).
const COMMON_REFRESH: Duration = Duration::from_secs(300);

/// The trigrams more than [`FEW`] people's names or addresses contain
/// (read from the index's vocabulary every [`COMMON_REFRESH`]).
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
/// The flag says whether a rare trigram is in the query: then at most
/// [`FEW`] people match it (as of the list of common ones).
pub(super) fn fts_query(term: Option<&str>, common: &HashSet<String>) -> Option<(String, bool)> {
    let term = indexable(term)?;
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let chars: Vec<char> = term.to_lowercase().chars().collect();
    let mut trigrams: Vec<String> = chars.windows(3).map(|w| w.iter().collect::<String>()).collect();
    trigrams.sort();
    trigrams.dedup();
    let rare: Vec<&String> = trigrams.iter().filter(|t| !common.contains(*t)).collect();
    if rare.is_empty() || rare.len() == trigrams.len() {
        return Some((quote(term), !rare.is_empty()));
    }
    Some((rare.iter().map(|t| quote(t)).collect::<Vec<_>>().join(" AND "), true))
}

/// The term, when the index can be asked for it: three characters or more
/// (the trigram tokenizer indexes nothing shorter).
fn indexable(term: Option<&str>) -> Option<&str> {
    term.map(str::trim).filter(|t| t.chars().count() >= 3)
}

/// What the index gives for a search term.
pub(super) enum Candidates {
    /// Nothing: the index is not asked (PostgreSQL, a term shorter than a
    /// trigram), or too many people match for it to help.
    None,
    /// The few people who may match (their document numbers).
    Found(Vec<i64>),
    /// An FTS5 query with a rare trigram in it: few people match, so the
    /// page's own statement asks the index ([`matching_docs`]), one
    /// statement fewer. A stale list of common trigrams makes it slower,
    /// never wrong: the subquery has no limit.
    Rare(String),
}

/// What the index gives for `search`: when the term has a rare trigram, the
/// query to ask it; when all its trigrams are common, the people it finds
/// (read here, as they may be many).
pub(super) fn candidates(
    conn: &mut AnyConnection,
    search: Option<&str>,
    common: &CommonTrigrams,
) -> QueryResult<Candidates> {
    let AnyConnection::Sqlite(conn) = conn else { return Ok(Candidates::None) };
    if indexable(search).is_none() {
        return Ok(Candidates::None);
    }
    let common = common.current(conn)?;
    let Some((query, rare)) = fts_query(search, &common) else { return Ok(Candidates::None) };
    if rare {
        return Ok(Candidates::Rare(query));
    }
    let found: Vec<i64> = matches_query(&query).load(conn)?;
    Ok(if found.len() < FEW as usize { Candidates::Found(found) } else { Candidates::None })
}

/// The documents matching `phrase`, as a subquery (no limit).
#[allow(clippy::type_complexity)]
pub(super) fn matching_docs(
    phrase: &str,
) -> diesel::dsl::Select<
    diesel::dsl::Filter<users_search::table, Matches<users_search::any_column, diesel::dsl::AsExprOf<&str, Text>>>,
    users_search::rowid,
> {
    users_search::table
        .filter(Matches::new(users_search::any_column, phrase.into_sql::<Text>()))
        .select(users_search::rowid)
}

#[allow(clippy::type_complexity)]
pub(super) fn matches_query(
    phrase: &str,
) -> diesel::dsl::Limit<
    diesel::dsl::Select<
        diesel::dsl::Filter<users_search::table, Matches<users_search::any_column, diesel::dsl::AsExprOf<&str, Text>>>,
        users_search::rowid,
    >,
> {
    matching_docs(phrase).limit(FEW)
}

/// One merge step: a negative page count merges across levels, as
/// 'optimize' would, but stops after about that many pages (200: some 20 ms
/// with 100,000 accounts, so writers wait no longer than that).
const MERGE_STEP: &str = "INSERT INTO users_search (users_search, rank) VALUES ('merge', -200)";

#[derive(QueryableByName)]
struct Changes {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Merges the index's segments, one step per transaction, until they are
/// one or `max_steps` were taken; returns the steps that did work. A no-op
/// on PostgreSQL (its trigram indexes need no upkeep from us).
pub fn tidy(conn: &mut AnyConnection, max_steps: usize) -> QueryResult<usize> {
    let AnyConnection::Sqlite(conn) = conn else { return Ok(0) };
    let mut worked = 0;
    while worked < max_steps {
        // When the index is one segment the step changes nothing;
        // total_changes() then only counts the command's own row.
        let changed = conn.immediate_transaction(|c| {
            let before = total_changes(c)?;
            diesel::sql_query(MERGE_STEP).execute(c)?;
            Ok::<_, diesel::result::Error>(total_changes(c)? - before > 1)
        })?;
        if !changed {
            break;
        }
        worked += 1;
    }
    Ok(worked)
}

fn total_changes(conn: &mut SqliteConnection) -> QueryResult<i64> {
    Ok(diesel::sql_query("SELECT total_changes() AS n").get_result::<Changes>(conn)?.n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_is_asked_for_the_rare_trigrams_only() {
        let common: HashSet<String> = ["mem", "emb", "mbe", "ber"].into_iter().map(String::from).collect();
        let query = |term: &str, common: &HashSet<String>| fts_query(Some(term), common).unwrap();
        assert_eq!(query("Member0999", &common), (r#""099" AND "999" AND "er0" AND "r09""#.into(), true));
        assert_eq!(query(" member ", &common), (r#""member""#.into(), false), "all common: the phrase");
        assert_eq!(query("zoë", &common), (r#""zoë""#.into(), true), "none common: the phrase");
        assert_eq!(query(r#"a"bc"#, &HashSet::new()), (r#""a""bc""#.into(), true));
        assert_eq!(fts_query(Some("ab"), &common), None);
    }
}
