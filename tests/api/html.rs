//! Reading the portal's HTML the way a browser would: attribute values
//! unescaped, the pager's next link. Shared with the benches
//! (`benches/common/mod.rs` includes this file).

/// An attribute value as the templates write it, unescaped in one pass
/// (`&amp;`, `&quot;`, `&lt;`, `&gt;` and numeric references such as
/// `&#61;` or `&#x3d;`); anything else is kept as written.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').and_then(|end| Some((reference(&rest[1..end])?, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character of `&name;` (`name` without `&` and `;`).
fn reference(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "quot" => Some('"'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        _ => {
            let code = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => name.strip_prefix('#')?.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// The href of the page's `rel="next"` link, unescaped.
pub fn next_link(html: &str) -> Option<String> {
    let start = html.find("rel=\"next\"").map(|i| html[..i].rfind("href=\"").unwrap() + 6)?;
    Some(unescape(html[start..].split('"').next().unwrap()))
}

#[test]
fn references_are_decoded_once_and_unknown_ones_kept() {
    assert_eq!(unescape("q&#61;&amp;after&#x3d;1&#43;2&#X2F;"), "q=&after=1+2/");
    assert_eq!(unescape("&amp;#61; &lt;b&gt; &quot;x&quot;"), "&#61; <b> \"x\"");
    assert_eq!(unescape("a & b &bogus; &#zz; &"), "a & b &bogus; &#zz; &");
}
