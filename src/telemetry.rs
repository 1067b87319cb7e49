use tracing_subscriber::EnvFilter;

/// Structured logs on stderr: `RUST_LOG` filters (default `info`),
/// `ORGPORTAL_LOG_FORMAT=json` prints one JSON object a line.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("ORGPORTAL_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
