//! Logs: human-readable lines in dev mode, JSON lines otherwise, filtered by `RUST_LOG` (default
//! `info`). What is logged is chosen where it is logged: routes, statuses, latencies, codes; never a
//! token, a fiscal code, a name or a form field.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls do nothing.
pub fn init(dev: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if dev { builder.compact().try_init() } else { builder.json().try_init() };
}
