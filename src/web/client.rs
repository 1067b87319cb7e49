//! Who is on the other end: the client's address (through trusted proxies
//! only) and browser, as written to sessions, logs and rate limits.

use std::net::IpAddr;

use actix_web::{web, HttpRequest};

use super::AppState;
use crate::store::accounts::sessions::Client;

/// The client's address. `X-Forwarded-For` is believed only when the peer is
/// one of ORGPORTAL_TRUSTED_PROXIES, and then only up to the first address
/// that is not a trusted proxy (read from the right: what the proxies added).
pub fn client_ip(req: &HttpRequest) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let trusted = req.app_data::<web::Data<AppState>>().map(|s| s.trusted_proxies.as_slice()).unwrap_or(&[]);
    let forwarded: Vec<&str> = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    resolve(peer, &forwarded, trusted).map(|ip| ip.to_string()).unwrap_or_default()
}

fn resolve(peer: Option<IpAddr>, forwarded: &[&str], trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded.iter().flat_map(|h| h.split(',')).rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(client)
}

/// The request's address and user agent (cut to a sane length).
pub fn client(req: &HttpRequest) -> Client {
    let ua = req.headers().get(actix_web::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    Client { ip: client_ip(req), user_agent: ua.chars().take(400).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        assert_eq!(resolve(Some(ip("203.0.113.9")), &["1.2.3.4"], &[proxy]), Some(ip("203.0.113.9")));
        assert_eq!(resolve(Some(proxy), &["1.2.3.4"], &[proxy]), Some(ip("1.2.3.4")));
        // A client cannot hide behind a forged first entry.
        assert_eq!(resolve(Some(proxy), &["6.6.6.6, 1.2.3.4"], &[proxy]), Some(ip("1.2.3.4")));
        assert_eq!(resolve(Some(proxy), &["1.2.3.4, 10.0.0.2"], &[proxy, ip("10.0.0.2")]), Some(ip("1.2.3.4")));
        assert_eq!(resolve(Some(proxy), &[], &[proxy]), Some(proxy));
    }
}
