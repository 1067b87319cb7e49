//! The whole database as text, in one statement: what a refused form must
//! leave as it was, and where no refused character may be stored.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::helpers::TestApp;

/// Every table's rows as text, in one statement: what a refused form must
/// leave as it was, and where no refused character may be stored.
#[derive(QueryableByName)]
struct Dump {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    rows: String,
}

pub fn tables(app: &TestApp) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let sql = if app.db.is_postgres() {
        "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    };
    let names: Vec<Name> = diesel::sql_query(sql).load(&mut *app.conn()).unwrap();
    names.into_iter().map(|n| n.name).filter(|n| !n.starts_with("__diesel")).collect()
}

pub fn dump(app: &TestApp, tables: &[String]) -> BTreeMap<String, String> {
    let mut conn = app.conn();
    let parts: Vec<String> = if app.db.is_postgres() {
        tables
            .iter()
            .map(|t| format!("SELECT '{t}' AS name, coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') AS rows FROM {t} x"))
            .collect()
    } else {
        tables
            .iter()
            .map(|t| {
                #[derive(QueryableByName)]
                struct Column {
                    #[diesel(sql_type = Text)]
                    name: String,
                }
                let columns: Vec<Column> =
                    diesel::sql_query(format!("SELECT name FROM pragma_table_info('{t}')")).load(&mut *conn).unwrap();
                let row =
                    columns.iter().map(|c| format!("quote(\"{}\")", c.name)).collect::<Vec<_>>().join(" || ',' || ");
                format!("SELECT '{t}' AS name, coalesce(group_concat({row}, char(10)), '') AS rows FROM \"{t}\"")
            })
            .collect()
    };
    let rows: Vec<Dump> = diesel::sql_query(parts.join(" UNION ALL ")).load(&mut *conn).unwrap();
    rows.into_iter().map(|d| (d.name, d.rows)).collect()
}

/// The tables a request may change without having done anything: the
/// session's last use, the mail worker's progress, SQLite's search index
/// merges, the row SQLite's write transactions take their lock with.
fn compared(all: &BTreeMap<String, String>) -> BTreeMap<&String, &String> {
    all.iter()
        .filter(|(t, _)| !matches!(t.as_str(), "sessions" | "mail_outbox" | "write_lock") && !t.contains("search"))
        .collect()
}

/// The first change between two dumps, in the tables compared: the table
/// and the rows one has that the other has not.
pub fn difference(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Option<String> {
    let (before, after) = (compared(before), compared(after));
    let table = before.keys().chain(after.keys()).find(|t| before.get(*t) != after.get(*t))?;
    let lines = |d: &BTreeMap<&String, &String>| -> BTreeSet<String> {
        d.get(table).map(|rows| rows.lines().map(|l| l.chars().take(300).collect()).collect()).unwrap_or_default()
    };
    let (old, new) = (lines(&before), lines(&after));
    Some(format!(
        "{table}: gone {:?}, new {:?}",
        old.difference(&new).collect::<Vec<_>>(),
        new.difference(&old).collect::<Vec<_>>()
    ))
}
