//! `column IN (SELECT value FROM json_each(?))` for SQLite: a list of any
//! length bound as one JSON array, so that the statement text is the same
//! whatever the length and diesel prepares it once per connection. Diesel's
//! `eq_any` writes `IN (?, ?, ...)` and its raw SQL pieces are never cached;
//! preparing the Members search anew each time was a fifth of its time.

use diesel::expression::{AppearsOnTable, Expression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::Sqlite;
use diesel::QueryResult;

#[derive(Debug, Clone)]
pub struct InJsonList<C> {
    column: C,
    json: String,
}

/// `column` is one of `values`.
pub fn in_list<C>(column: C, values: &[i64]) -> InJsonList<C> {
    let list: Vec<String> = values.iter().map(i64::to_string).collect();
    InJsonList { column, json: format!("[{}]", list.join(",")) }
}

impl<C> Expression for InJsonList<C> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for InJsonList<C> {}

impl<C: ValidGrouping<GB>, GB> ValidGrouping<GB> for InJsonList<C> {
    type IsAggregate = C::IsAggregate;
}

impl<C: QueryId> QueryId for InJsonList<C> {
    type QueryId = InJsonList<C::QueryId>;
    // The same SQL whatever the list: the statement can be kept.
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for InJsonList<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::users_search_docs;
    use diesel::prelude::*;

    fn sql(values: &[i64]) -> String {
        let query =
            users_search_docs::table.filter(in_list(users_search_docs::doc, values)).select(users_search_docs::doc);
        let rendered = diesel::debug_query::<Sqlite, _>(&query).to_string();
        rendered.split(" -- binds:").next().unwrap().to_string()
    }

    #[test]
    fn one_statement_text_whatever_the_length_of_the_list() {
        assert_eq!(sql(&[1]), sql(&[1, 2, 3, 4, 5]));
        assert!(sql(&[]).ends_with("IN (SELECT value FROM json_each(?))"), "{}", sql(&[]));
        assert_eq!(in_list(users_search_docs::doc, &[3, -7]).json, "[3,-7]");
        const { assert!(<InJsonList<users_search_docs::doc> as QueryId>::HAS_STATIC_QUERY_ID) };
    }

    #[test]
    fn it_selects_the_listed_values() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "CREATE TABLE users_search_docs (doc INTEGER PRIMARY KEY, user_id TEXT NOT NULL UNIQUE);
             INSERT INTO users_search_docs VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd');",
        )
        .unwrap();
        let mut found = |values: &[i64]| -> Vec<i64> {
            users_search_docs::table
                .filter(in_list(users_search_docs::doc, values))
                .select(users_search_docs::doc)
                .order(users_search_docs::doc)
                .load(&mut conn)
                .unwrap()
        };
        assert_eq!(found(&[4, 2, 9]), vec![2, 4]);
        assert_eq!(found(&[]), Vec::<i64>::new());
    }
}
