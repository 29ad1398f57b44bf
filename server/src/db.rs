//! The console's own database: SQLite in WAL mode, migrated from `migrations/` at start.

use crate::error::{Error, Result};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// Migrations embedded at compile time, so the binary carries its schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Opens (creating if needed) the database and applies pending migrations.
pub async fn open(url: &str) -> Result<SqlitePool> {
    let open_error = |source| Error::DatabaseOpen {
        url: url.to_string(),
        source,
    };
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
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|source| Error::Migration { source })?;
    Ok(pool)
}

/// Proves the database accepts a write (used by `/readyz`).
pub async fn probe_write(pool: &SqlitePool) -> Result<()> {
    sqlx::query(
        "INSERT INTO health_probe (id, checked_at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
    )
    .execute(pool)
    .await?;
    Ok(())
}
