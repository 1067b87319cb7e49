//! A webhook endpoint's URL as an organization's admin types it: absolute,
//! `https` (plain `http` only where private addresses are allowed, for tests
//! and private deployments), without a user name, password or fragment. An
//! address written in the URL is judged here; a host name only once it is
//! resolved, when the endpoint is saved and on each delivery ([`super::address`]).

use std::net::IpAddr;

use super::address::AddressKind;

const LONGEST: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(url::Url);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("Enter a full URL, such as https://example.com/webhooks.")]
    NotAUrl,
    #[error("The URL is longer than {LONGEST} characters.")]
    TooLong,
    #[error("The URL must start with https://.")]
    Scheme,
    #[error("Leave the user name and password out of the URL: the signature tells your receiver the request is ours.")]
    Credentials,
    #[error("Leave out the part after #: it is never sent.")]
    Fragment,
    #[error("{0} is {1}; webhooks are sent only to public addresses.")]
    Address(IpAddr, &'static str),
}

impl EndpointUrl {
    pub fn parse(text: &str, allow_private: bool) -> Result<EndpointUrl, UrlError> {
        let text = text.trim();
        if text.len() > LONGEST {
            return Err(UrlError::TooLong);
        }
        let url = url::Url::parse(text).map_err(|_| UrlError::NotAUrl)?;
        match url.scheme() {
            "https" => {}
            "http" if allow_private => {}
            _ => return Err(UrlError::Scheme),
        }
        if !url.has_host() {
            return Err(UrlError::NotAUrl);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::Credentials);
        }
        if url.fragment().is_some() {
            return Err(UrlError::Fragment);
        }
        if let (Some(ip), false) = (Self::literal_address(&url), allow_private) {
            if let Some(kind) = AddressKind::of(ip).refused_as() {
                return Err(UrlError::Address(ip, kind));
            }
        }
        Ok(EndpointUrl(url))
    }

    fn literal_address(url: &url::Url) -> Option<IpAddr> {
        match url.host()? {
            url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            url::Host::Domain(_) => None,
        }
    }

    /// The host to resolve, and the port to connect to.
    pub fn host_and_port(&self) -> (String, u16) {
        // Without the brackets `host_str` keeps around an IPv6 address.
        let host = match self.0.host() {
            Some(url::Host::Ipv6(v6)) => v6.to_string(),
            _ => self.0.host_str().unwrap_or_default().to_string(),
        };
        (host, self.0.port_or_known_default().unwrap_or(443))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> UrlError {
        EndpointUrl::parse(text, false).unwrap_err()
    }

    #[test]
    fn a_public_https_url_is_taken_as_typed() {
        let url = EndpointUrl::parse("  https://hooks.example.com:8443/in?team=7 ", false).unwrap();
        assert_eq!(url.as_str(), "https://hooks.example.com:8443/in?team=7");
        assert_eq!(url.host_and_port(), ("hooks.example.com".into(), 8443));
        let v6 = EndpointUrl::parse("https://[2606:4700::1111]/", false).unwrap();
        assert_eq!(v6.host_and_port(), ("2606:4700::1111".into(), 443));
    }

    #[test]
    fn everything_else_is_refused_with_its_reason() {
        assert_eq!(refused("hooks.example.com/in"), UrlError::NotAUrl);
        assert_eq!(refused("http://hooks.example.com/in"), UrlError::Scheme);
        assert_eq!(refused("ftp://hooks.example.com/in"), UrlError::Scheme);
        assert_eq!(refused("https://user:pw@hooks.example.com/"), UrlError::Credentials);
        assert_eq!(refused("https://hooks.example.com/#x"), UrlError::Fragment);
        assert_eq!(refused(&format!("https://example.com/{}", "a".repeat(2000))), UrlError::TooLong);
        let loopback = refused("https://127.0.0.1/in");
        assert_eq!(
            loopback.to_string(),
            "127.0.0.1 is a loopback address; webhooks are sent only to public addresses."
        );
        assert!(matches!(refused("https://[::1]/"), UrlError::Address(_, "a loopback address")));
        assert!(matches!(refused("https://169.254.169.254/latest"), UrlError::Address(_, "a link-local address")));
        assert!(matches!(refused("https://[fd00::5]/"), UrlError::Address(_, "a unique-local address")));
        assert!(matches!(refused("https://0x7f000001/"), UrlError::Address(_, "a loopback address")));
    }

    #[test]
    fn allowing_private_addresses_allows_plain_http_to_them() {
        let local = EndpointUrl::parse("http://127.0.0.1:9000/hook", true).unwrap();
        assert_eq!(local.host_and_port(), ("127.0.0.1".into(), 9000));
        assert_eq!(EndpointUrl::parse("ftp://127.0.0.1/", true), Err(UrlError::Scheme));
        assert_eq!(EndpointUrl::parse("http://u:p@127.0.0.1/", true), Err(UrlError::Credentials));
    }
}
