//! The tamper-evident audit trail (SPEC §5, §6): a hash chain of append-only events in the
//! console's database. Pure parts: [`chain`] (hashing, verification) and [`redact`]
//! (secret values → keyed fingerprints); I/O: [`store`], and [`outside`] (changes made
//! outside the console, seen by a watcher).

pub mod chain;
pub mod export;
pub mod outside;
pub mod redact;
pub mod store;

/// `registry-console audit verify`: walks the chain of the configured database and says
/// whether it is intact (exit 0) or where it first breaks (exit 1).
pub async fn verify_command(config: &crate::config::Config) -> std::process::ExitCode {
    use std::process::ExitCode;
    let pool = match crate::db::open(&config.database_url).await {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("registry-console: {e}");
            return ExitCode::from(2);
        }
    };
    let store = store::AuditStore::new(pool);
    match store.verify().await {
        Ok(Ok(count)) => {
            println!("audit trail intact: {count} events verified");
            ExitCode::SUCCESS
        }
        Ok(Err(broken)) => {
            println!("audit trail BROKEN at {broken}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("registry-console: {e}");
            ExitCode::from(2)
        }
    }
}
