use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::activity;
use crate::db::AnyConnection;

/// One row of the activity log, as written.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = activity)]
pub struct NewActivity<'a> {
    pub id: String,
    pub org_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub target: &'a str,
    pub details: &'a str,
    pub ip: &'a str,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = activity)]
pub struct Activity {
    pub id: String,
    pub org_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: String,
    pub target: String,
    pub details: String,
    pub ip: String,
    pub created_at: PrimitiveDateTime,
}

pub fn record(conn: &mut AnyConnection, row: &NewActivity<'_>) -> QueryResult<()> {
    diesel::insert_into(activity::table).values(row).execute(conn)?;
    Ok(())
}

/// Newest first; the Activity page adds filters and keyset paging later.
pub fn recent_for_org(conn: &mut AnyConnection, org_id: &str, limit: i64) -> QueryResult<Vec<Activity>> {
    activity::table
        .filter(activity::org_id.eq(org_id))
        .order((activity::created_at.desc(), activity::id.desc()))
        .limit(limit)
        .select(Activity::as_select())
        .load(conn)
}
