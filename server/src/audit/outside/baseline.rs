//! What the console last saw of each watched object, kept in its database so a change made
//! while the console was down is recorded at the next start.

use super::decide::{Seen, Stamp};
use super::{OutsideError, Watched};
use crate::audit::store::timestamp;
use serde_json::Value;
use sqlx::{Row, SqlitePool};

/// What the console last saw of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    pub seen: Seen,
    /// Who had written the object then.
    pub stamps: Vec<Stamp>,
    /// Noise-stripped and redacted.
    pub object: Value,
}

/// The stored baseline of `watched`, if any.
pub async fn load_baseline(
    db: &SqlitePool,
    watched: &Watched,
) -> Result<Option<Baseline>, OutsideError> {
    let row = sqlx::query(
        "SELECT uid, generation, managed_fields, object FROM outside_baseline WHERE resource = ? AND namespace = ? AND name = ?",
    )
    .bind(watched.resource())
    .bind(watched.namespace.unwrap_or_default())
    .bind(watched.name)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let object: String = row.try_get("object")?;
    let stamps: String = row.try_get("managed_fields")?;
    Ok(Some(Baseline {
        seen: Seen {
            uid: row.try_get("uid")?,
            generation: row.try_get("generation")?,
        },
        stamps: serde_json::from_str(&stamps)?,
        object: serde_json::from_str(&object)?,
    }))
}

pub async fn save_baseline(
    db: &SqlitePool,
    watched: &Watched,
    baseline: &Baseline,
) -> Result<(), OutsideError> {
    sqlx::query(
        "INSERT INTO outside_baseline (resource, namespace, name, uid, generation, managed_fields, object, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (resource, namespace, name) DO UPDATE SET uid = excluded.uid, generation = excluded.generation, managed_fields = excluded.managed_fields, object = excluded.object, seen_at = excluded.seen_at",
    )
    .bind(watched.resource())
    .bind(watched.namespace.unwrap_or_default())
    .bind(watched.name)
    .bind(&baseline.seen.uid)
    .bind(baseline.seen.generation)
    .bind(serde_json::to_string(&baseline.stamps)?)
    .bind(baseline.object.to_string())
    .bind(timestamp(chrono::Utc::now()))
    .execute(db)
    .await?;
    Ok(())
}
