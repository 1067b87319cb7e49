//! The addresses a delivery may connect to: the endpoint's host resolved
//! and every address it resolves to judged ([`AddressKind`]). A name with
//! any refused address is refused whole, and a delivery connects to the
//! addresses judged here, not to what the name resolves to a moment later
//! (a name that answers a public address at the check and 127.0.0.1 at
//! the connection, DNS rebinding, reaches nothing).

use std::net::{IpAddr, SocketAddr};

use crate::domain::webhook::address::AddressKind;
use crate::domain::webhook::endpoint_url::EndpointUrl;

/// Why a host gets no delivery. An address written in the URL itself was
/// judged when the URL was parsed ([`EndpointUrl::parse`]).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The name resolved to nothing (or the lookup failed).
    #[error("{0} does not resolve to any address.")]
    NoAddress(String),
    /// The name resolved to an address of the portal's own network.
    #[error("{host} resolves to {ip}, {kind}; webhooks are sent only to public addresses.")]
    NotPublic { host: String, ip: IpAddr, kind: &'static str },
}

/// The socket addresses of `url`'s host, all of them allowed; with
/// `allow_private` (ORGPORTAL_WEBHOOKS_ALLOW_PRIVATE) any address is.
pub async fn allowed_addresses(url: &EndpointUrl, allow_private: bool) -> Result<Vec<SocketAddr>, Refused> {
    let (host, port) = url.host_and_port();
    let found: Vec<SocketAddr> = match tokio::net::lookup_host((host.as_str(), port)).await {
        Ok(found) => found.collect(),
        Err(_) => Vec::new(),
    };
    if found.is_empty() {
        return Err(Refused::NoAddress(host));
    }
    if !allow_private {
        for addr in &found {
            if let Some(kind) = AddressKind::of(addr.ip()).refused_as() {
                return Err(Refused::NotPublic { host, ip: addr.ip(), kind });
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str, allow_private: bool) -> EndpointUrl {
        EndpointUrl::parse(text, allow_private).unwrap()
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused() {
        let refused = allowed_addresses(&url("https://localhost:9443/hook", false), false).await.unwrap_err();
        let Refused::NotPublic { ref host, ip, kind } = refused else { panic!("{refused:?}") };
        assert_eq!((host.as_str(), ip.is_loopback(), kind), ("localhost", true, "a loopback address"));
        assert!(refused.to_string().starts_with("localhost resolves to "), "{refused}");
    }

    #[tokio::test]
    async fn allowing_private_addresses_lets_a_local_receiver_through() {
        let found = allowed_addresses(&url("http://localhost:9443/hook", true), true).await.unwrap();
        assert!(!found.is_empty() && found.iter().all(|a| a.ip().is_loopback() && a.port() == 9443));
        let literal = allowed_addresses(&url("http://127.0.0.1:8080/", true), true).await.unwrap();
        assert_eq!(literal, vec!["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]);
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_nothing_is_refused() {
        let refused = allowed_addresses(&url("https://nothing.invalid/hook", false), false).await.unwrap_err();
        assert_eq!(refused, Refused::NoAddress("nothing.invalid".into()));
        assert_eq!(refused.to_string(), "nothing.invalid does not resolve to any address.");
    }
}
