//! The customer import file (`orgportal customers import FILE`): parsed with
//! serde, then checked as a whole, so that a bad file is refused before
//! anything is written, with the line or the field at fault.

use serde::Deserialize;
use time::{Date, PrimitiveDateTime};

use super::email::Email;
use super::money::Money;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    customers: Vec<CustomerIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerIn {
    external_id: String,
    name: String,
    #[serde(default)]
    contacts: Vec<ContactIn>,
    #[serde(default)]
    entitlements: Vec<EntitlementIn>,
    #[serde(default)]
    tickets: Vec<TicketIn>,
    #[serde(default)]
    invoices: Vec<InvoiceIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactIn {
    email: String,
    name: String,
    portal_role: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntitlementIn {
    product: String,
    support_level: String,
    start: String,
    end: String,
    quantity: i32,
    /// The price of the entitlement's term, as decimal text ("1200.00"), with `currency`.
    price: Option<String>,
    currency: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvoiceIn {
    number: String,
    issued: String,
    period_start: String,
    period_end: String,
    /// Decimal text in the currency ("1234.50"; "1500" in JPY): never a float.
    amount: String,
    currency: String,
    status: String,
    due: String,
    pdf_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TicketIn {
    number: String,
    subject: String,
    status: String,
    priority: String,
    opened: String,
    updated: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Contact {
    pub email: String,
    pub name: String,
    pub portal_role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entitlement {
    pub product: String,
    pub support_level: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub quantity: i32,
    pub price: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Invoice {
    pub number: String,
    pub issued_on: Date,
    pub period_start: Date,
    pub period_end: Date,
    pub amount: Money,
    pub status: String,
    pub due_on: Date,
    pub pdf_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ticket {
    pub number: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub opened_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// One customer account, checked; its lists are sorted so that two imports
/// of the same data compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub external_id: String,
    pub name: String,
    pub contacts: Vec<Contact>,
    pub entitlements: Vec<Entitlement>,
    pub tickets: Vec<Ticket>,
    pub invoices: Vec<Invoice>,
}

fn date(v: &str, at: &str) -> Result<Date, String> {
    Date::parse(v, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{at}: `{v}` is not a date (YYYY-MM-DD)"))
}

fn date_time(v: &str, at: &str) -> Result<PrimitiveDateTime, String> {
    let parsed = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
        .map(|t| t.to_offset(time::UtcOffset::UTC))
        .map(|t| PrimitiveDateTime::new(t.date(), t.time()));
    parsed
        .or_else(|_| date(v, at).map(|d| d.midnight()))
        .map_err(|_| format!("{at}: `{v}` is not a date or an RFC 3339 time"))
}

fn text(v: &str, at: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(format!("{at}: must not be empty"));
    }
    Ok(v.to_string())
}

fn invoice(v: &InvoiceIn, seen: &[Invoice], here: &str) -> Result<Invoice, String> {
    let number = text(&v.number, &format!("{here}.number"))?;
    if seen.iter().any(|x| x.number == number) {
        return Err(format!("{here}.number: `{number}` appears twice for this customer"));
    }
    let status = v.status.trim().to_lowercase();
    if !super::billing::INVOICE_STATUSES.contains(&status.as_str()) {
        return Err(format!("{here}.status: `{}` is not one of open, paid, overdue, void", v.status));
    }
    let (period_start, period_end) =
        (date(&v.period_start, &format!("{here}.period_start"))?, date(&v.period_end, &format!("{here}.period_end"))?);
    if period_end < period_start {
        return Err(format!("{here}.period_end: ends before it starts"));
    }
    let pdf_url = match v.pdf_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => Some(u.to_string()),
        Some(u) => return Err(format!("{here}.pdf_url: `{u}` is not an http(s) address")),
        None => None,
    };
    Ok(Invoice {
        number,
        issued_on: date(&v.issued, &format!("{here}.issued"))?,
        period_start,
        period_end,
        amount: Money::parse(&v.amount, v.currency.trim()).map_err(|m| format!("{here}.amount: {m}"))?,
        status,
        due_on: date(&v.due, &format!("{here}.due"))?,
        pdf_url,
    })
}

/// Every text of the file follows domain::text's rule (one line); the error
/// names the first that does not, by its place.
fn refuse_controls(value: &serde_json::Value, at: &str) -> Result<(), String> {
    use serde_json::Value;
    match value {
        Value::String(s) => super::text::check(s, super::text::Lines::One).map_err(|e| format!("{at}: {e}")),
        Value::Array(items) => {
            items.iter().enumerate().try_for_each(|(i, v)| refuse_controls(v, &format!("{at}[{i}]")))
        }
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            super::text::check(k, super::text::Lines::One).map_err(|e| format!("{at}: a field name: {e}"))?;
            let at = if at == "file" { k.clone() } else { format!("{at}.{k}") };
            refuse_controls(v, &at)
        }),
        _ => Ok(()),
    }
}

/// Parses and checks a whole file. The error names the line and column
/// (JSON syntax, missing or unknown fields) or the record and field.
pub fn parse(json: &str) -> Result<Vec<CustomerRecord>, String> {
    // serde_json's message names the line and column.
    let file: File = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(json) {
        refuse_controls(&value, "file")?;
    }
    let mut out: Vec<CustomerRecord> = Vec::new();
    for (i, c) in file.customers.into_iter().enumerate() {
        let at = format!("customers[{i}]");
        let external_id = text(&c.external_id, &format!("{at}.external_id"))?;
        if out.iter().any(|o| o.external_id == external_id) {
            return Err(format!("{at}.external_id: `{external_id}` appears twice in the file"));
        }
        let at = format!("customers[{i}] ({external_id})");
        let name = text(&c.name, &format!("{at}.name"))?;
        let mut contacts = Vec::new();
        for (j, k) in c.contacts.iter().enumerate() {
            let here = format!("{at}.contacts[{j}]");
            let email = Email::parse(&k.email).map_err(|e| format!("{here}.email: {e}"))?;
            if contacts.iter().any(|x: &Contact| x.email == email.as_str()) {
                return Err(format!("{here}.email: `{}` appears twice for this customer", email.as_str()));
            }
            contacts.push(Contact {
                email: email.as_str().to_string(),
                name: text(&k.name, &format!("{here}.name"))?,
                portal_role: text(&k.portal_role, &format!("{here}.portal_role"))?,
            });
        }
        let mut entitlements = Vec::new();
        for (j, e) in c.entitlements.iter().enumerate() {
            let here = format!("{at}.entitlements[{j}]");
            let (starts_on, ends_on) =
                (date(&e.start, &format!("{here}.start"))?, date(&e.end, &format!("{here}.end"))?);
            if ends_on < starts_on {
                return Err(format!("{here}.end: ends before it starts"));
            }
            if e.quantity < 0 {
                return Err(format!("{here}.quantity: must not be negative"));
            }
            let price = match (&e.price, &e.currency) {
                (None, None) => None,
                (Some(p), Some(c)) => Some(Money::parse(p, c).map_err(|m| format!("{here}.price: {m}"))?),
                _ => return Err(format!("{here}: price and currency go together")),
            };
            entitlements.push(Entitlement {
                product: text(&e.product, &format!("{here}.product"))?,
                support_level: text(&e.support_level, &format!("{here}.support_level"))?,
                starts_on,
                ends_on,
                quantity: e.quantity,
                price,
            });
        }
        let mut tickets = Vec::new();
        for (j, t) in c.tickets.iter().enumerate() {
            let here = format!("{at}.tickets[{j}]");
            let number = text(&t.number, &format!("{here}.number"))?;
            if tickets.iter().any(|x: &Ticket| x.number == number) {
                return Err(format!("{here}.number: `{number}` appears twice for this customer"));
            }
            tickets.push(Ticket {
                number,
                subject: text(&t.subject, &format!("{here}.subject"))?,
                status: text(&t.status, &format!("{here}.status"))?,
                priority: text(&t.priority, &format!("{here}.priority"))?,
                opened_at: date_time(&t.opened, &format!("{here}.opened"))?,
                updated_at: date_time(&t.updated, &format!("{here}.updated"))?,
            });
        }
        let mut invoices = Vec::new();
        for (j, v) in c.invoices.iter().enumerate() {
            invoices.push(invoice(v, &invoices, &format!("{at}.invoices[{j}]"))?);
        }
        contacts.sort();
        entitlements.sort();
        tickets.sort();
        invoices.sort();
        out.push(CustomerRecord { external_id, name, contacts, entitlements, tickets, invoices });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../examples/customers.json");

    #[test]
    fn the_example_file_parses() {
        let records = parse(EXAMPLE).unwrap();
        assert_eq!(records.len(), 2);
        assert!(records[0].contacts.iter().all(|c| c.email == c.email.to_lowercase()));
    }

    #[test]
    fn errors_name_the_place() {
        let err = parse("{\"customers\": [\n  {\"external_id\": \"A\"}\n]}").unwrap_err();
        assert!(err.contains("line 2") && err.contains("missing field `name`"), "{err}");
        let err = parse("{\"customers\": [{\"external_id\": \"A\", \"name\": \"A\", \"colour\": 1}]}").unwrap_err();
        assert!(err.contains("unknown field `colour`"), "{err}");
        let bad_date = r#"{"customers": [{"external_id": "A", "name": "A", "entitlements": [{"product": "P", "support_level": "S", "start": "2026-13-01", "end": "2027-01-01", "quantity": 1}]}]}"#;
        assert!(parse(bad_date).unwrap_err().contains("customers[0] (A).entitlements[0].start"));
        let twice = r#"{"customers": [{"external_id": "A", "name": "A"}, {"external_id": "A", "name": "B"}]}"#;
        assert!(parse(twice).unwrap_err().contains("appears twice"));
        let mail = r#"{"customers": [{"external_id": "A", "name": "A", "contacts": [{"email": "nope", "name": "N", "portal_role": "Admin"}]}]}"#;
        assert!(parse(mail).unwrap_err().contains("contacts[0].email"));
        let nul = r#"{"customers": [{"external_id": "A", "name": "A", "contacts": [{"email": "a@b.c", "name": "N\u0000", "portal_role": "Admin"}]}]}"#;
        assert_eq!(
            parse(nul).unwrap_err(),
            format!("customers[0].contacts[0].name: {}", crate::domain::text::message('\0'))
        );
    }

    #[test]
    fn invoices_are_checked_with_their_place() {
        let with = |invoice: &str| {
            format!(
                r#"{{"customers": [{{"external_id": "A", "name": "A", "invoices": [
{invoice}
]}}]}}"#
            )
        };
        let good = r#"{"number": "I-1", "issued": "2026-11-01", "period_start": "2026-11-01", "period_end": "2026-11-30", "amount": "1500", "currency": "JPY", "status": "Overdue", "due": "2026-12-01"}"#;
        let records = parse(&with(good)).unwrap();
        assert_eq!(records[0].invoices[0].amount.minor, 1500);
        assert_eq!(records[0].invoices[0].status, "overdue");
        let float = good.replace(r#""1500""#, "1500.5");
        let err = parse(&with(&float)).unwrap_err();
        assert!(err.contains("invalid type: floating point") && err.contains("line 2"), "{err}");
        let decimals = good.replace(r#""1500""#, r#""15.5""#);
        assert!(parse(&with(&decimals)).unwrap_err().contains("invoices[0].amount: `15.5`: JPY has no minor unit"));
        let status = good.replace("Overdue", "pending");
        assert!(parse(&with(&status)).unwrap_err().contains("invoices[0].status"));
        let unknown = good.replace(r#""due""#, r#""colour": 1, "due""#);
        assert!(parse(&with(&unknown)).unwrap_err().contains("unknown field `colour`"));
        let twice = format!("{good}, {good}");
        assert!(parse(&with(&twice)).unwrap_err().contains("`I-1` appears twice"));
        let pdf = good.replace(r#""due""#, r#""pdf_url": "javascript:alert(1)", "due""#);
        assert!(parse(&with(&pdf)).unwrap_err().contains("is not an http(s) address"));
    }
}
