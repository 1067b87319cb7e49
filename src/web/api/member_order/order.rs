//! One organization's kept member order ([`Order`]): its members' pieces,
//! and a page of the API's member list written from them. The orders kept,
//! and their builds, are in the parent module.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use time::PrimitiveDateTime;
use uuid::Uuid;

use super::super::paging;
use super::super::Rfc3339;
use crate::store::members::page::Cursor;
use crate::store::members::MemberRow;

/// One organization's members, in the pieces a page writes: each member's
/// text as JSON strings, its role and join time; the object around them is
/// written per page. (Kept as whole objects, 100,000 members held 29 MiB
/// and the API bench's server peaked at 81 MiB; issue 33's target is 64.)
pub struct Order {
    pub(super) version: i64,
    pub(super) owner_id: String,
    /// Each member's place: join time, role, and where its name and email
    /// end in `text`.
    keys: Vec<Key>,
    /// Each member's id: a UUID, 16 bytes instead of 36 of text.
    ids: Vec<Uuid>,
    /// Each member's name then email, as JSON strings (quoted, escaped).
    text: Vec<u8>,
    /// The roles members hold: as read, and as a JSON string.
    roles: Vec<(String, Vec<u8>)>,
}

struct Key {
    joined_at: PrimitiveDateTime,
    name_end: u32,
    email_end: u32,
    role: u16,
}

/// A UUID's length as text.
const ID_TEXT: usize = uuid::fmt::Hyphenated::LENGTH;

/// The most a member's object holds besides its name and email: its keys
/// and punctuation, role and `false` (120), id and time. A page's buffer is
/// sized with it.
const OBJECT_BYTES: usize = 120 + ID_TEXT + 30;

impl Order {
    pub(super) fn new(version: i64, owner_id: &str) -> Self {
        Order {
            version,
            owner_id: owner_id.to_string(),
            keys: Vec::new(),
            ids: Vec::new(),
            text: Vec::new(),
            roles: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, row: &MemberRow) -> serde_json::Result<()> {
        use serde::ser::Error;
        // The portal's ids are UUIDs in lower-case text, kept as their 16
        // bytes and written back as the same text; any other id fails the
        // build, and the list is read from the database.
        let id = Uuid::try_parse(&row.user_id).ok().filter(|id| {
            let mut text = [0u8; ID_TEXT];
            *id.hyphenated().encode_lower(&mut text) == *row.user_id
        });
        let id = id.ok_or_else(|| serde_json::Error::custom("a member id that is not a UUID in lower case"))?;
        let end = |n: usize| u32::try_from(n).map_err(serde_json::Error::custom);
        self.ids.push(id);
        serde_json::to_writer(&mut self.text, &row.name)?;
        let name_end = end(self.text.len())?;
        serde_json::to_writer(&mut self.text, &row.email)?;
        let email_end = end(self.text.len())?;
        let role = match self.roles.iter().position(|(read, _)| *read == row.role) {
            Some(i) => i,
            None => {
                self.roles.push((row.role.clone(), serde_json::to_vec(&row.role)?));
                self.roles.len() - 1
            }
        };
        let role = u16::try_from(role).map_err(serde_json::Error::custom)?;
        self.keys.push(Key { joined_at: row.joined_at, name_end, email_end, role });
        Ok(())
    }

    pub(super) fn bytes(&self) -> usize {
        let roles: usize = self.roles.iter().map(|(read, json)| read.len() + json.len()).sum();
        self.text.len() + self.ids.len() * size_of::<Uuid>() + self.keys.len() * size_of::<Key>() + roles
    }

    /// Where member `i`'s name and email start in `text`.
    fn text_start(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.keys[i - 1].email_end as usize
        }
    }

    /// Member `i`'s id as text, written into `buf`.
    fn id<'b>(&self, i: usize, buf: &'b mut [u8; ID_TEXT]) -> &'b str {
        self.ids[i].hyphenated().encode_lower(buf)
    }

    /// Member `i`'s object, as `member_json::Member` serializes (the unit
    /// test below holds the two to the same bytes).
    fn write(&self, i: usize, out: &mut Vec<u8>) {
        let key = &self.keys[i];
        let text_start = self.text_start(i);
        let mut buf = [0u8; ID_TEXT];
        let id = self.id(i, &mut buf);
        out.extend_from_slice(b"{\"user_id\":\"");
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(b"\",\"name\":");
        out.extend_from_slice(&self.text[text_start..key.name_end as usize]);
        out.extend_from_slice(b",\"email\":");
        out.extend_from_slice(&self.text[key.name_end as usize..key.email_end as usize]);
        out.extend_from_slice(b",\"role\":");
        out.extend_from_slice(&self.roles[usize::from(key.role)].1);
        out.extend_from_slice(b",\"joined_at\":\"");
        let (time, len) = Rfc3339(key.joined_at).bytes();
        out.extend_from_slice(&time[..len]);
        out.extend_from_slice(b"\",\"primary_owner\":");
        out.extend_from_slice(if id == self.owner_id { b"true}" } else { b"false}" });
    }

    /// The page of `limit` members after `after` (from the first without),
    /// byte for byte what `paging::respond` writes for the same page.
    pub fn respond(&self, req: &HttpRequest, after: Option<&Cursor>, limit: usize) -> HttpResponse {
        let (body, next) = self.page(after, limit);
        paging::linked(req, next.as_deref()).insert_header(header::ContentType::json()).body(body)
    }

    /// Where the members after the cursor start, in the database's order:
    /// join time, then id. Ids are UUIDs in text, whose byte order is the
    /// order of both databases.
    fn after(&self, c: &Cursor) -> usize {
        let ties = self.keys.partition_point(|k| k.joined_at < c.joined_at);
        let (mut lo, mut hi) = (ties, ties + self.keys[ties..].partition_point(|k| k.joined_at == c.joined_at));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.id(mid, &mut [0u8; ID_TEXT]) <= c.user_id.as_str() {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn page(&self, after: Option<&Cursor>, limit: usize) -> (Vec<u8>, Option<String>) {
        let from = after.map_or(0, |c| self.after(c));
        let to = (from + limit).min(self.keys.len());
        let next = (to < self.keys.len() && to > from)
            .then(|| paging::cursor(self.keys[to - 1].joined_at, self.id(to - 1, &mut [0u8; ID_TEXT])));
        let mut body = Vec::new();
        if to > from {
            let text = self.keys[to - 1].email_end as usize - self.text_start(from);
            body.reserve(text + (to - from) * OBJECT_BYTES + 64);
        }
        body.extend_from_slice(b"{\"items\":[");
        for i in from..to {
            if i > from {
                body.push(b',');
            }
            self.write(i, &mut body);
        }
        body.extend_from_slice(b"],\"next\":");
        match &next {
            // A cursor is URL-safe base64: nothing in it to escape.
            Some(cursor) => {
                body.push(b'"');
                body.extend_from_slice(cursor.as_bytes());
                body.push(b'"');
            }
            None => body.extend_from_slice(b"null"),
        }
        body.push(b'}');
        (body, next)
    }
}

/// Rows, orders and expected pages for the tests here and in the parent.
#[cfg(test)]
pub(super) mod samples {
    use super::*;
    use crate::web::api::member_json::{member, MemberList};

    pub fn at(minute: u8) -> PrimitiveDateTime {
        time::macros::datetime!(2027-01-31 12:00).replace_minute(minute).unwrap()
    }

    /// The UUID whose last digits are `short` (hex).
    pub fn uid(short: &str) -> String {
        format!("9b1f2c3d-4e5f-4a6b-8c7d-{short:0>12}")
    }

    /// Text JSON must escape (quotes, a backslash, control characters),
    /// text it must not (beyond ASCII), two roles, and a join time with a
    /// fraction of a second for the last.
    pub fn row(id: &str, minute: u8) -> MemberRow {
        let odd = id.ends_with('1');
        MemberRow {
            user_id: uid(id),
            name: if odd { format!("Name \"{id}\"\\\n\u{1}é") } else { format!("Zoë {id}") },
            email: format!("{id}@acme.test"),
            role: if odd { "Member".into() } else { "Billing \"admin\"".into() },
            joined_at: if id.starts_with('d') {
                at(minute).replace_nanosecond(120_000_000).unwrap()
            } else {
                at(minute)
            },
            added_by: None,
        }
    }

    /// Members joined at minutes 1, 2, 2, 2, 3 (a tie of three), 4.
    pub fn rows() -> Vec<MemberRow> {
        vec![row("a1", 1), row("b1", 2), row("b2", 2), row("b3", 2), row("c1", 3), row("d1", 4)]
    }

    pub fn order(rows: &[MemberRow]) -> Order {
        let mut order = Order::new(7, &uid("b2"));
        rows.iter().for_each(|r| order.push(r).unwrap());
        order
    }

    /// What the list writes for the page read from the database.
    pub fn expected(rows: &[MemberRow], after: Option<&Cursor>, limit: usize) -> (Vec<u8>, Option<String>) {
        let key = |r: &MemberRow| (r.joined_at, r.user_id.clone());
        let rest: Vec<&MemberRow> =
            rows.iter().filter(|r| after.is_none_or(|c| key(r) > (c.joined_at, c.user_id.clone()))).collect();
        let page = &rest[..limit.min(rest.len())];
        let next = (rest.len() > limit).then(|| paging::cursor(page[limit - 1].joined_at, &page[limit - 1].user_id));
        let list = MemberList { items: page.iter().map(|r| member(r, &uid("b2"))).collect(), next: next.clone() };
        (serde_json::to_vec(&list).unwrap(), next)
    }
}

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;

    #[test]
    fn every_page_is_the_one_the_database_gives() {
        let rows = rows();
        let order = order(&rows);
        let mut cursors = vec![None];
        // After each member, and between them (a time nobody joined at, an
        // id inside a tie that nobody has, and one that is no UUID).
        cursors.extend(rows.iter().map(|r| Some(Cursor { joined_at: r.joined_at, user_id: r.user_id.clone() })));
        cursors.push(Some(Cursor { joined_at: at(2), user_id: uid("b15") }));
        cursors.push(Some(Cursor { joined_at: at(2), user_id: format!("{}5", uid("b1")) }));
        cursors.push(Some(Cursor { joined_at: at(0), user_id: "z".into() }));
        cursors.push(Some(Cursor { joined_at: at(9), user_id: "a".into() }));
        for after in &cursors {
            for limit in [1, 2, 3, 6, 100] {
                let (body, next) = order.page(after.as_ref(), limit);
                let (want, want_next) = expected(&rows, after.as_ref(), limit);
                assert_eq!(String::from_utf8(body).unwrap(), String::from_utf8(want).unwrap(), "{after:?} {limit}");
                assert_eq!(next, want_next);
            }
        }
    }

    #[test]
    fn an_id_that_is_no_lower_case_uuid_is_not_kept() {
        // Such an id would not be written back as it was read: the build
        // fails, and the list is read from the database instead.
        let mut order = Order::new(7, &uid("b2"));
        for id in ["a\"1".to_string(), "00a1".into(), uid("A1"), format!("{{{}}}", uid("a1"))] {
            let odd = MemberRow { user_id: id.clone(), ..row("a1", 1) };
            assert!(order.push(&odd).is_err(), "{id}");
        }
        assert!(order.push(&row("a1", 1)).is_ok());
    }
}
