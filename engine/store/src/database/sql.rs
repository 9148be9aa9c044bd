//! The store's low-level SQL helpers: hand-written statements for either backend (`?` placeholders,
//! numbered for PostgreSQL), primary-key reads, instants as stored (microseconds) and fingerprints;
//! and, from `unreadable.rs`, the error for a row the store cannot read back. Every other module of
//! `database/` builds on these; this one imports none of them.

use jiff::Timestamp;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use sha2::{Digest, Sha256};

use super::db;
use sportello_runtime::audit;
use sportello_runtime::error::Error;

/// `sql` with its `?` placeholders numbered `$1`, `$2`, … when written for PostgreSQL (marked by a
/// leading `$`), else as it is.
fn numbered(sql: &str) -> String {
    let Some(rest) = sql.strip_prefix('$') else { return sql.to_owned() };
    let mut out = String::with_capacity(rest.len() + 16);
    let mut n = 0;
    for c in rest.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// A hand-written statement (`?` placeholders) for `conn`'s backend.
pub fn statement(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = sea_orm::Value>,
) -> Statement {
    let backend = conn.get_database_backend();
    let sql = if backend == DbBackend::Postgres { numbered(&format!("${sql}")) } else { sql.to_owned() };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `n` comma-separated `?` placeholders, for an `IN (…)` list.
pub fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The row a primary-key lookup finds, if any. Not `.one()`: that adds `LIMIT ?`, and SQLite re-prepares
/// a statement whose `LIMIT` is a bound parameter every time a value is bound (it plans with the
/// value), which costs more than the lookup itself.
pub async fn by_key<E: EntityTrait>(
    select: sea_orm::Select<E>,
    conn: &impl ConnectionTrait,
) -> Result<Option<E::Model>, Error> {
    Ok(select.all(conn).await.map_err(db)?.into_iter().next())
}

/// An instant as stored: microseconds since the Unix epoch.
pub fn micros(instant: Timestamp) -> i64 {
    instant.as_microsecond()
}

/// A stored instant back.
pub fn from_micros(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// SHA-256 of some text, in hex.
pub fn sha256_hex(text: &str) -> String {
    audit::hex(&Sha256::digest(text.as_bytes()))
}

pub use crate::unreadable::{corrupt, is_unreadable};
