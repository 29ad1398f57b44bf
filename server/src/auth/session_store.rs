//! Where sessions live: tower-sessions' own SQLx stores, on whichever engine the console's
//! database is. On PostgreSQL every replica reads the same table, so a session signed in
//! through one console works through the others, and signing out through any one ends it
//! everywhere. Both stores use the `tower_sessions` table that migrations/ creates.

use crate::db::Db;
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{ExpiredDeletion, Result, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Clone, Debug)]
pub enum ConsoleSessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl ConsoleSessionStore {
    pub fn new(db: &Db) -> std::result::Result<Self, String> {
        Ok(match db {
            Db::Sqlite(pool) => ConsoleSessionStore::Sqlite(SqliteStore::new(pool.clone())),
            Db::Postgres(pool) => ConsoleSessionStore::Postgres(
                PostgresStore::new(pool.clone())
                    .with_schema_name("public")?
                    .with_table_name("tower_sessions")?,
            ),
        })
    }
}

#[async_trait]
impl SessionStore for ConsoleSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        match self {
            ConsoleSessionStore::Sqlite(store) => store.create(record).await,
            ConsoleSessionStore::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        match self {
            ConsoleSessionStore::Sqlite(store) => store.save(record).await,
            ConsoleSessionStore::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        match self {
            ConsoleSessionStore::Sqlite(store) => store.load(id).await,
            ConsoleSessionStore::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        match self {
            ConsoleSessionStore::Sqlite(store) => store.delete(id).await,
            ConsoleSessionStore::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for ConsoleSessionStore {
    async fn delete_expired(&self) -> Result<()> {
        match self {
            ConsoleSessionStore::Sqlite(store) => store.delete_expired().await,
            ConsoleSessionStore::Postgres(store) => store.delete_expired().await,
        }
    }
}
