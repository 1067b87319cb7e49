//! What a page offers to fuzz: its forms and the query parameters it reads.

use std::collections::BTreeSet;

use crate::html::unescape;

/// A form's fields with the values the page gave them.
pub type FormFields = Vec<(String, String)>;

/// The forms of a page: (method, action, fields).
pub fn forms(html: &str) -> Vec<(String, String, FormFields)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        Some(unescape(&tag[start..start + tag[start..].find('"')?]))
    };
    let mut out = Vec::new();
    for part in html.split("<form").skip(1) {
        let body = &part[..part.find("</form>").unwrap_or(part.len())];
        let tag = &body[..body.find('>').unwrap_or(0)];
        let method = attr(tag, "method").unwrap_or_else(|| "get".into()).to_lowercase();
        let action = attr(tag, "action").unwrap_or_default();
        let mut fields = Vec::new();
        for kind in ["<input", "<select", "<textarea", "<button"] {
            for piece in body.split(kind).skip(1) {
                let tag = &piece[..piece.find('>').unwrap_or(piece.len())];
                if let Some(name) = attr(tag, "name") {
                    let value = attr(tag, "value").unwrap_or_default();
                    if !fields.iter().any(|(n, _): &(String, String)| *n == name) {
                        fields.push((name, value));
                    }
                }
            }
        }
        out.push((method, action, fields));
    }
    out
}

/// The query parameters a page reads: its GET forms' fields and the
/// parameters of its links back to itself.
pub fn query_names(html: &str, path: &str) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = ["q".to_string()].into();
    for (method, _, fields) in forms(html) {
        if method == "get" {
            names.extend(fields.into_iter().map(|(n, _)| n));
        }
    }
    for href in html.split("href=\"").skip(1).map(|h| unescape(&h[..h.find('"').unwrap_or(0)])) {
        if let Some((p, query)) = href.split_once('?') {
            if p == path {
                names.extend(url::form_urlencoded::parse(query.as_bytes()).map(|(k, _)| k.into_owned()));
            }
        }
    }
    names
}
