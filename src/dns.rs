//! DNS lookups for verified domains: the TXT strings at a name, asked of the
//! system's resolver (`/etc/resolv.conf`) or of the server
//! `ORGPORTAL_DNS_RESOLVER` names (tests run one of their own). Nothing is
//! cached: a record published a minute ago must be found by the next Verify.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;

/// Why a lookup gave no answer to compare.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DnsError {
    /// The resolver was reached and could not answer (timeout, refused, SERVFAIL).
    #[error("the DNS lookup failed: {0}")]
    Failed(String),
    /// No resolver could be set up from the system's configuration.
    #[error("no DNS resolver is configured: {0}")]
    NoResolver(String),
}

#[derive(Clone)]
pub struct Dns {
    resolver: Result<Arc<TokioResolver>, String>,
}

impl Dns {
    /// The system's resolver, or the one at `server` (UDP, then TCP for a
    /// truncated answer).
    pub fn new(server: Option<SocketAddr>) -> Self {
        let builder = match server {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                Ok(TokioResolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![ns]),
                    TokioRuntimeProvider::default(),
                ))
            }
            None => TokioResolver::builder_tokio().map_err(|e| e.to_string()),
        };
        let resolver = builder.and_then(|mut b| {
            let opts: &mut ResolverOpts = b.options_mut();
            opts.timeout = Duration::from_secs(3);
            opts.attempts = 2;
            opts.cache_size = 0;
            opts.positive_max_ttl = Some(Duration::ZERO);
            opts.negative_max_ttl = Some(Duration::ZERO);
            b.build().map(Arc::new).map_err(|e| e.to_string())
        });
        Self { resolver }
    }

    /// The TXT strings at `name` (each record's strings joined); empty when
    /// the name or its TXT records do not exist.
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let resolver = self.resolver.as_ref().map_err(|e| DnsError::NoResolver(e.clone()))?;
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match resolver.txt_lookup(fqdn).await {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::TXT(txt) => Some(txt.to_string()),
                    _ => None,
                })
                .collect()),
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
            Err(e) => Err(DnsError::Failed(e.to_string())),
        }
    }
}
