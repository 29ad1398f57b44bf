//! What the console last saw of each watched object, kept in its database so a change made
//! while the console was down is recorded at the next start.

use super::OutsideError;
use super::decide::{Seen, Stamp};
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

impl Baseline {
    /// The baseline of nothing (an object not seen before).
    pub fn empty() -> Self {
        Baseline {
            seen: Seen {
                uid: String::new(),
                generation: 0,
            },
            stamps: Vec::new(),
            object: Value::Object(Default::default()),
        }
    }
}

/// Which object a baseline is of: its resource (as `oc` names it), namespace (empty for
/// cluster objects) and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaselineKey {
    pub resource: String,
    pub namespace: String,
    pub name: String,
}

/// The stored baseline of an object, if any.
pub async fn load_baseline(
    db: &SqlitePool,
    key: &BaselineKey,
) -> Result<Option<Baseline>, OutsideError> {
    let row = sqlx::query(
        "SELECT uid, generation, managed_fields, object FROM outside_baseline WHERE resource = ? AND namespace = ? AND name = ?",
    )
    .bind(&key.resource)
    .bind(&key.namespace)
    .bind(&key.name)
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
    key: &BaselineKey,
    baseline: &Baseline,
) -> Result<(), OutsideError> {
    sqlx::query(
        "INSERT INTO outside_baseline (resource, namespace, name, uid, generation, managed_fields, object, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (resource, namespace, name) DO UPDATE SET uid = excluded.uid, generation = excluded.generation, managed_fields = excluded.managed_fields, object = excluded.object, seen_at = excluded.seen_at",
    )
    .bind(&key.resource)
    .bind(&key.namespace)
    .bind(&key.name)
    .bind(&baseline.seen.uid)
    .bind(baseline.seen.generation)
    .bind(serde_json::to_string(&baseline.stamps)?)
    .bind(baseline.object.to_string())
    .bind(timestamp(chrono::Utc::now()))
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets an object's baseline (it was deleted).
pub async fn remove_baseline(db: &SqlitePool, key: &BaselineKey) -> Result<(), OutsideError> {
    sqlx::query("DELETE FROM outside_baseline WHERE resource = ? AND namespace = ? AND name = ?")
        .bind(&key.resource)
        .bind(&key.namespace)
        .bind(&key.name)
        .execute(db)
        .await?;
    Ok(())
}

/// The keys of every stored baseline of `resource` (as `oc` names it).
pub async fn keys_of(db: &SqlitePool, resource: &str) -> Result<Vec<BaselineKey>, OutsideError> {
    let rows = sqlx::query("SELECT namespace, name FROM outside_baseline WHERE resource = ?")
        .bind(resource)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(BaselineKey {
                resource: resource.to_string(),
                namespace: row.try_get("namespace")?,
                name: row.try_get("name")?,
            })
        })
        .collect()
}
