//! The console's own database: SQLite in WAL mode (one console), or PostgreSQL (several
//! replicas sharing sessions, the audit chain and the outside-change baselines), chosen by
//! the scheme of `database_url` and migrated from `migrations/<engine>/` at start.
//!
//! Queries are written once with `?` placeholders and run on either engine ([`Db`]'s
//! helpers number them for PostgreSQL); only what the engines do differently (the audit
//! chain's lock, free-text search, sessions) is written per engine.

use crate::error::{Error, Result};
use futures::{Stream, TryStreamExt};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, FromRow};
use std::str::FromStr;
use std::time::Duration;

/// Migrations embedded at compile time, so the binary carries its schema.
pub static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
pub static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A query parameter (the console stores text and integers only).
#[derive(Clone, Debug, PartialEq)]
pub enum Bind {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
}

impl From<&str> for Bind {
    fn from(text: &str) -> Self {
        Bind::Text(text.to_string())
    }
}
impl From<String> for Bind {
    fn from(text: String) -> Self {
        Bind::Text(text)
    }
}
impl From<&String> for Bind {
    fn from(text: &String) -> Self {
        Bind::Text(text.clone())
    }
}
impl From<Option<String>> for Bind {
    fn from(text: Option<String>) -> Self {
        Bind::MaybeText(text)
    }
}
impl From<i64> for Bind {
    fn from(number: i64) -> Self {
        Bind::Int(number)
    }
}

/// Binds `binds`, in order, to a `sqlx::query` or `sqlx::query_as` of either engine.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                $crate::db::Bind::Text(text) => query.bind(text.clone()),
                $crate::db::Bind::MaybeText(text) => query.bind(text.clone()),
                $crate::db::Bind::Int(number) => query.bind(*number),
            };
        }
        query
    }};
}

/// `sql` with its `?` placeholders as PostgreSQL's `$1`, `$2`, … (the console's queries
/// have no `?` inside string literals).
pub fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
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

/// A row type both engines can decode.
pub trait AnyRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}
impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}

impl Db {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// Closes every connection (waiting for those in use).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub async fn execute(&self, sql: &str, binds: &[Bind]) -> sqlx::Result<u64> {
        Ok(match self {
            Db::Sqlite(pool) => bind_all!(sqlx::query(sql), binds)
                .execute(pool)
                .await?
                .rows_affected(),
            Db::Postgres(pool) => {
                let sql = numbered(sql);
                bind_all!(sqlx::query(&sql), binds)
                    .execute(pool)
                    .await?
                    .rows_affected()
            }
        })
    }

    pub async fn fetch_all<T: AnyRow>(&self, sql: &str, binds: &[Bind]) -> sqlx::Result<Vec<T>> {
        match self {
            Db::Sqlite(pool) => {
                bind_all!(sqlx::query_as::<_, T>(sql), binds)
                    .fetch_all(pool)
                    .await
            }
            Db::Postgres(pool) => {
                let sql = numbered(sql);
                bind_all!(sqlx::query_as::<_, T>(&sql), binds)
                    .fetch_all(pool)
                    .await
            }
        }
    }

    pub async fn fetch_optional<T: AnyRow>(
        &self,
        sql: &str,
        binds: &[Bind],
    ) -> sqlx::Result<Option<T>> {
        match self {
            Db::Sqlite(pool) => {
                bind_all!(sqlx::query_as::<_, T>(sql), binds)
                    .fetch_optional(pool)
                    .await
            }
            Db::Postgres(pool) => {
                let sql = numbered(sql);
                bind_all!(sqlx::query_as::<_, T>(&sql), binds)
                    .fetch_optional(pool)
                    .await
            }
        }
    }

    /// The rows of `sql`, streamed (the stream owns its pool handle, so it can be an HTTP
    /// response body); memory stays flat however many rows there are.
    pub fn fetch_stream<T: AnyRow>(
        &self,
        sql: String,
        binds: Vec<Bind>,
    ) -> impl Stream<Item = sqlx::Result<T>> + Send + 'static {
        let db = self.clone();
        async_stream::try_stream! {
            match db {
                Db::Sqlite(pool) => {
                    let mut rows = bind_all!(sqlx::query_as::<_, T>(&sql), &binds).fetch(&pool);
                    while let Some(row) = rows.try_next().await? {
                        yield row;
                    }
                }
                Db::Postgres(pool) => {
                    let sql = numbered(&sql);
                    let mut rows = bind_all!(sqlx::query_as::<_, T>(&sql), &binds).fetch(&pool);
                    while let Some(row) = rows.try_next().await? {
                        yield row;
                    }
                }
            }
        }
    }
}

/// Opens the database named by `url` (`sqlite://…`, created if missing, or
/// `postgres://…`) and applies pending migrations.
pub async fn open(url: &str) -> Result<Db> {
    let open_error = |source| Error::DatabaseOpen {
        url: redacted_url(url),
        source,
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = sqlx::postgres::PgConnectOptions::from_str(url)
            .map_err(open_error)?
            // Statements are logged at debug level only: a slow one is still worth a warning.
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // Fail closed and fast when the database is away: a request that needs it gets
            // an error in seconds, not a hang.
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(open_error)?;
        POSTGRES_MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| Error::Migration { source })?;
        return Ok(Db::Postgres(pool));
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(open_error)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL is durable in WAL mode except for the last transactions on power loss.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(parent) = options.get_filename().parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(open_error)?;
    SQLITE_MIGRATOR
        .run(&pool)
        .await
        .map_err(|source| Error::Migration { source })?;
    Ok(Db::Sqlite(pool))
}

/// `url` without its password, for messages and logs.
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// Proves the database accepts a write (used by `/readyz`).
pub async fn probe_write(db: &Db) -> Result<()> {
    let now = crate::audit::store::timestamp(chrono::Utc::now());
    db.execute(
        "INSERT INTO health_probe (id, checked_at) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
        &[Bind::Text(now)],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            numbered("SELECT a FROM t WHERE b = ? AND c LIKE ? ESCAPE '\\' LIMIT ?"),
            "SELECT a FROM t WHERE b = $1 AND c LIKE $2 ESCAPE '\\' LIMIT $3"
        );
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redacted_url("postgres://console:s3cret@db:5432/console"),
            "postgres://console:***@db:5432/console"
        );
        assert_eq!(
            redacted_url("sqlite://data/registry-console.db"),
            "sqlite://data/registry-console.db"
        );
    }
}
