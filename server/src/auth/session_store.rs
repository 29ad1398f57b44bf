//! Where sessions live: tower-sessions' own SQLx stores, on whichever engine the console's
//! database is. On PostgreSQL every replica reads the same table, so a session signed in
//! through one console works through the others, and signing out through any one ends it
//! everywhere. Both stores use the `tower_sessions` table that migrations/ creates. The
//! user's tokens are sealed before a session is written and opened when it is read
//! ([`super::token_seal`]).

use super::token_seal::TokenSeal;
use crate::db::Db;
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{ExpiredDeletion, Result, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Clone, Debug)]
enum Engine {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

#[derive(Clone, Debug)]
pub struct ConsoleSessionStore {
    engine: Engine,
    seal: std::sync::Arc<TokenSeal>,
}

impl ConsoleSessionStore {
    pub fn new(db: &Db, seal: std::sync::Arc<TokenSeal>) -> std::result::Result<Self, String> {
        let engine = match db {
            Db::Sqlite(pool) => Engine::Sqlite(SqliteStore::new(pool.clone())),
            Db::Postgres(pool) => Engine::Postgres(
                PostgresStore::new(pool.clone())
                    .with_schema_name("public")?
                    .with_table_name("tower_sessions")?,
            ),
        };
        Ok(ConsoleSessionStore { engine, seal })
    }

    fn sealed(&self, record: &Record) -> Record {
        let mut stored = record.clone();
        self.seal.seal_session(&mut stored.data);
        stored
    }
}

#[async_trait]
impl SessionStore for ConsoleSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let mut stored = self.sealed(record);
        match &self.engine {
            Engine::Sqlite(store) => store.create(&mut stored).await?,
            Engine::Postgres(store) => store.create(&mut stored).await?,
        }
        // The store may have given the record another id (a collision).
        record.id = stored.id;
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let stored = self.sealed(record);
        match &self.engine {
            Engine::Sqlite(store) => store.save(&stored).await,
            Engine::Postgres(store) => store.save(&stored).await,
        }
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let loaded = match &self.engine {
            Engine::Sqlite(store) => store.load(id).await?,
            Engine::Postgres(store) => store.load(id).await?,
        };
        let Some(mut record) = loaded else {
            return Ok(None);
        };
        match self.seal.open_session(&mut record.data) {
            Ok(()) => Ok(Some(record)),
            Err(why) => {
                // Another key (a replica without the shared key) or a changed row: no
                // session, so the user signs in again; never a session without its tokens.
                tracing::warn!(reason = %why, "a stored session's tokens do not open; it is not used");
                Ok(None)
            }
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(store) => store.delete(id).await,
            Engine::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for ConsoleSessionStore {
    async fn delete_expired(&self) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(store) => store.delete_expired().await,
            Engine::Postgres(store) => store.delete_expired().await,
        }
    }
}
