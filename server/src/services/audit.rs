//! The audit trail page's service: the audit store as the page sees it.

use crate::audit::store::{AuditError, AuditStore, Filter};
use app::api::error::ConsoleError;
use app::api::ports::{AuditAccess, BoxFuture};
use app::domain::audit::{
    AuditEventView, AuditPage, AuditQuery, AuditRow, ChainCheck, HISTORY_SIZE, ObjectHistory,
    ObjectVersion, PAGE_SIZE,
};

/// `Config cluster`, `Secret openshift-image-registry/name` for each object of a change.
pub(crate) fn object_labels(objects_json: &str) -> Vec<String> {
    let objects: Vec<serde_json::Value> = serde_json::from_str(objects_json).unwrap_or_default();
    objects
        .iter()
        .map(|o| {
            let kind = o["kind"].as_str().unwrap_or_default();
            let name = o["name"].as_str().unwrap_or_default();
            match o["namespace"].as_str() {
                Some(ns) => format!("{kind} {ns}/{name}"),
                None => format!("{kind} {name}"),
            }
        })
        .collect()
}

impl From<AuditQuery> for Filter {
    fn from(query: AuditQuery) -> Self {
        Filter {
            oldest_first: query.order.as_deref() == Some(app::domain::audit::OLDEST_FIRST),
            actor: query.actor,
            object: query.object,
            outcome: query.outcome,
            from: query.from,
            to: query.to,
            text: query.text,
        }
    }
}

fn error(e: AuditError) -> ConsoleError {
    match e {
        AuditError::Filter(message) => ConsoleError::Invalid(message),
        other => ConsoleError::Unavailable(other.to_string()),
    }
}

impl AuditAccess for AuditStore {
    fn list(&self, query: AuditQuery) -> BoxFuture<'_, Result<AuditPage, ConsoleError>> {
        Box::pin(async move {
            let before = query.before;
            let filter = Filter::from(query);
            let rows = AuditStore::list(self, &filter, before, PAGE_SIZE)
                .await
                .map_err(error)?;
            let next_before = (rows.len() == PAGE_SIZE as usize)
                .then(|| rows.last().map(|r| r.first_seq))
                .flatten();
            Ok(AuditPage {
                rows: rows
                    .into_iter()
                    .map(|r| AuditRow {
                        first_seq: r.first_seq,
                        objects: object_labels(&r.objects),
                        change_id: r.change_id,
                        at: r.at,
                        actor_name: r.actor_name,
                        actor_subject: r.actor_subject,
                        reason: r.reason,
                        outcome: r.outcome,
                    })
                    .collect(),
                next_before,
            })
        })
    }

    fn change(
        &self,
        change_id: String,
    ) -> BoxFuture<'_, Result<Vec<AuditEventView>, ConsoleError>> {
        Box::pin(async move {
            let events = self.change_events(&change_id).await.map_err(error)?;
            Ok(events
                .into_iter()
                .map(|e| AuditEventView {
                    seq: e.seq,
                    kind: e.kind.as_str().to_string(),
                    at: e.at,
                    actor_subject: e.actor_subject,
                    actor_name: e.actor_name,
                    actor_email: e.actor_email,
                    actor_groups: serde_json::from_str(&e.actor_groups).unwrap_or_default(),
                    client_addr: e.client_addr,
                    request_id: e.request_id,
                    reason: e.reason,
                    objects: object_labels(&e.objects),
                    outcome: e.outcome,
                    payload: serde_json::from_str(&e.payload).unwrap_or_default(),
                    hash: e.hash,
                })
                .collect())
        })
    }

    fn object_histories(
        &self,
        change_id: String,
    ) -> BoxFuture<'_, Result<Vec<ObjectHistory>, ConsoleError>> {
        Box::pin(async move {
            let events = self.change_events(&change_id).await.map_err(error)?;
            let Some(first) = events.first() else {
                return Ok(Vec::new());
            };
            let objects: Vec<crate::audit::store::ObjectRef> =
                serde_json::from_str(&first.objects).unwrap_or_default();
            let mut histories = Vec::with_capacity(objects.len());
            for object in &objects {
                histories.push(history_of(self, object).await?);
            }
            Ok(histories)
        })
    }

    fn object_versions(
        &self,
        object: String,
    ) -> BoxFuture<'_, Result<ObjectHistory, ConsoleError>> {
        Box::pin(async move {
            let object = app::domain::audit::parse_object_key(&object).ok_or_else(|| {
                ConsoleError::Invalid(format!(
                    "`{object}` names no object: write group:kind:namespace:name"
                ))
            })?;
            history_of(self, &object).await
        })
    }

    fn verify(&self) -> BoxFuture<'_, Result<ChainCheck, ConsoleError>> {
        Box::pin(async move {
            match AuditStore::verify(self).await.map_err(error)? {
                Ok(checked) => Ok(ChainCheck {
                    checked,
                    broken: None,
                }),
                Err(link) => Ok(ChainCheck {
                    checked: 0,
                    broken: Some((link.seq, link.problem)),
                }),
            }
        })
    }
}

/// The recorded versions of `object`, newest first, at most [`HISTORY_SIZE`].
async fn history_of(
    store: &AuditStore,
    object: &crate::audit::store::ObjectRef,
) -> Result<ObjectHistory, ConsoleError> {
    // One more than shown tells whether there are more.
    let mut rows = store
        .object_history(object, HISTORY_SIZE + 1)
        .await
        .map_err(error)?;
    let more = rows.len() > HISTORY_SIZE as usize;
    rows.truncate(HISTORY_SIZE as usize);
    Ok(ObjectHistory {
        object: object_labels(&serde_json::to_string(&[object]).unwrap_or_default())
            .into_iter()
            .next()
            .unwrap_or_default(),
        versions: rows
            .into_iter()
            .map(|(row, fields, object_index)| ObjectVersion {
                outside: row.kind == "outside",
                change_id: row.change_id,
                at: row.at,
                actor_subject: row.actor_subject,
                actor_name: row.actor_name,
                reason: row.reason,
                outcome: row.outcome,
                fields,
                object_index,
            })
            .collect(),
        more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_read_like_oc_output() {
        let json = r#"[{"group":"imageregistry.operator.openshift.io","kind":"Config","namespace":null,"name":"cluster"},{"group":"","kind":"Secret","namespace":"openshift-image-registry","name":"image-registry-private-configuration-user"}]"#;
        assert_eq!(
            object_labels(json),
            vec![
                "Config cluster",
                "Secret openshift-image-registry/image-registry-private-configuration-user"
            ]
        );
        assert!(object_labels("not json").is_empty());
    }
}
