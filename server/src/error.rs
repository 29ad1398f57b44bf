//! The server's one error type. Messages are for operators reading a terminal or a log:
//! they say what failed and, where there is one, the fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line usage error, or `--help`/`--version` (which clap reports this way).
    #[error("{0}")]
    Cli(#[from] clap::Error),

    #[error("configuration: {0}")]
    Config(String),

    #[error("cannot read configuration file {path}: {source}")]
    ConfigFile {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "cannot open the database {url}: {source}. Check that the directory exists and is writable, or set --database-url"
    )]
    DatabaseOpen { url: String, source: sqlx::Error },

    #[error(
        "database migration failed: {source}. The server did not start; the failed migration's changes were rolled back. Restore the database from a backup or fix the migration named above"
    )]
    Migration { source: sqlx::migrate::MigrateError },

    #[error("database: {0}")]
    Database(#[from] sqlx::Error),

    #[error("Kubernetes client configuration: {0}")]
    KubeConfig(String),

    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },

    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
