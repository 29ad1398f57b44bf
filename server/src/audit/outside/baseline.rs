//! What the console last saw of each watched object, kept in its database so a change made
//! while the console was down is recorded at the next start.

use super::OutsideError;
use super::decide::{Seen, Stamp};
use crate::audit::store::timestamp;
use crate::db::{Bind, Db};
use serde_json::Value;

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
pub async fn load_baseline(db: &Db, key: &BaselineKey) -> Result<Option<Baseline>, OutsideError> {
    let row: Option<(String, i64, String, String)> = db
        .fetch_optional(
            "SELECT uid, generation, managed_fields, object FROM outside_baseline WHERE resource = ? AND namespace = ? AND name = ?",
            &key_binds(key),
        )
        .await?;
    let Some((uid, generation, stamps, object)) = row else {
        return Ok(None);
    };
    Ok(Some(Baseline {
        seen: Seen { uid, generation },
        stamps: serde_json::from_str(&stamps)?,
        object: serde_json::from_str(&object)?,
    }))
}

fn key_binds(key: &BaselineKey) -> [Bind; 3] {
    [
        (&key.resource).into(),
        (&key.namespace).into(),
        (&key.name).into(),
    ]
}

pub async fn save_baseline(
    db: &Db,
    key: &BaselineKey,
    baseline: &Baseline,
) -> Result<(), OutsideError> {
    let [resource, namespace, name] = key_binds(key);
    db.execute(
        "INSERT INTO outside_baseline (resource, namespace, name, uid, generation, managed_fields, object, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (resource, namespace, name) DO UPDATE SET uid = excluded.uid, generation = excluded.generation, managed_fields = excluded.managed_fields, object = excluded.object, seen_at = excluded.seen_at",
        &[
            resource,
            namespace,
            name,
            (&baseline.seen.uid).into(),
            baseline.seen.generation.into(),
            serde_json::to_string(&baseline.stamps)?.into(),
            baseline.object.to_string().into(),
            timestamp(chrono::Utc::now()).into(),
        ],
    )
    .await?;
    Ok(())
}

/// Forgets an object's baseline (it was deleted).
pub async fn remove_baseline(db: &Db, key: &BaselineKey) -> Result<(), OutsideError> {
    db.execute(
        "DELETE FROM outside_baseline WHERE resource = ? AND namespace = ? AND name = ?",
        &key_binds(key),
    )
    .await?;
    Ok(())
}

/// The keys of every stored baseline of `resource` (as `oc` names it).
pub async fn keys_of(db: &Db, resource: &str) -> Result<Vec<BaselineKey>, OutsideError> {
    let rows: Vec<(String, String)> = db
        .fetch_all(
            "SELECT namespace, name FROM outside_baseline WHERE resource = ?",
            &[resource.into()],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(namespace, name)| BaselineKey {
            resource: resource.to_string(),
            namespace,
            name,
        })
        .collect())
}
