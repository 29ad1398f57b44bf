//! The audit trail as pages and exports see it (SPEC §6): the filters as they appear in the
//! URL, a page of changes, one change's events, and the chain check.

use crate::domain::return_to::encode_query_value;
use serde::{Deserialize, Serialize};

/// The filters and the page cursor, as they appear in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub object: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub text: Option<String>,
    /// `oldest` for oldest first; newest first otherwise.
    pub order: Option<String>,
    /// Continue after this change (the last row of the previous page).
    pub before: Option<i64>,
}

/// The query parameters the form and the links use, in order.
pub const FILTER_FIELDS: [&str; 7] = ["actor", "object", "outcome", "from", "to", "text", "order"];

/// The `order` value that lists the oldest changes first.
pub const OLDEST_FIRST: &str = "oldest";

impl AuditQuery {
    pub fn from_pairs(get: impl Fn(&str) -> Option<String>) -> Self {
        let field = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        AuditQuery {
            actor: field("actor"),
            object: field("object"),
            outcome: field("outcome"),
            from: field("from"),
            to: field("to"),
            text: field("text"),
            order: field("order").filter(|o| o == OLDEST_FIRST),
            before: field("before").and_then(|b| b.parse().ok()),
        }
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        match name {
            "actor" => self.actor.as_deref(),
            "object" => self.object.as_deref(),
            "outcome" => self.outcome.as_deref(),
            "from" => self.from.as_deref(),
            "to" => self.to.as_deref(),
            "text" => self.text.as_deref(),
            "order" => self.order.as_deref(),
            _ => None,
        }
    }

    /// The filters as a query string (`actor=…&outcome=…`), without the cursor.
    pub fn filters_query(&self) -> String {
        FILTER_FIELDS
            .iter()
            .filter_map(|name| {
                self.value(name)
                    .map(|v| format!("{name}={}", encode_query_value(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// An export of the changes these filters select.
    pub fn export_href(&self, format: &str) -> String {
        match self.filters_query() {
            q if q.is_empty() => format!("/audit/export.{format}"),
            q => format!("/audit/export.{format}?{q}"),
        }
    }

    /// `/audit?…` with these filters and another cursor.
    pub fn href(&self, before: Option<i64>) -> String {
        let mut query = self.filters_query();
        if let Some(cursor) = before {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("before={cursor}"));
        }
        if query.is_empty() {
            "/audit".to_string()
        } else {
            format!("/audit?{query}")
        }
    }
}

/// One change in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub first_seq: i64,
    pub change_id: String,
    pub at: String,
    pub actor_name: String,
    pub actor_subject: String,
    pub objects: Vec<String>,
    pub reason: Option<String>,
    pub outcome: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Cursor of the next (older) page, when there may be one.
    pub next_before: Option<i64>,
}

/// Result of walking the hash chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCheck {
    pub checked: u64,
    /// The first broken event and what is wrong with it.
    pub broken: Option<(i64, String)>,
}

/// One event of a change, for the entry's detail view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub seq: i64,
    /// `intent`, `result`, `follow_up` or `outside`.
    pub kind: String,
    pub at: String,
    pub actor_subject: String,
    pub actor_name: String,
    pub actor_email: Option<String>,
    pub actor_groups: Vec<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    pub objects: Vec<String>,
    pub outcome: Option<String>,
    /// Before/after, diff, `oc` commands, dry run, apply result, follow-up (redacted).
    pub payload: serde_json::Value,
    pub hash: String,
}

/// One recorded version of an object: the change that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectVersion {
    pub change_id: String,
    pub at: String,
    pub actor_subject: String,
    pub actor_name: String,
    pub reason: Option<String>,
    /// Made outside the console (seen by the recorder).
    pub outside: bool,
    pub outcome: String,
    /// The field paths this change changed in the object.
    pub fields: Vec<String>,
    /// Where the object is in that change's list of objects (what a comparison names).
    #[serde(default)]
    pub object_index: usize,
}

/// Every recorded version of one object, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectHistory {
    /// `Config cluster`, as the change's objects read.
    pub object: String,
    pub versions: Vec<ObjectVersion>,
    /// More versions are in the trail than are listed.
    pub more: bool,
}

/// An object named in a URL: `group:kind:namespace:name` (the namespace empty for a
/// cluster-scoped object; the name last, as it may hold colons itself).
pub fn object_key(object: &crate::domain::change::ObjectRef) -> String {
    format!(
        "{}:{}:{}:{}",
        object.group,
        object.kind,
        object.namespace.as_deref().unwrap_or_default(),
        object.name
    )
}

/// [`object_key`] read back.
pub fn parse_object_key(key: &str) -> Option<crate::domain::change::ObjectRef> {
    let mut parts = key.splitn(4, ':');
    let (group, kind, namespace, name) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (!kind.is_empty() && !name.is_empty()).then(|| crate::domain::change::ObjectRef {
        group: group.to_string(),
        kind: kind.to_string(),
        namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
        name: name.to_string(),
    })
}

/// Versions listed per object.
pub const HISTORY_SIZE: u32 = 50;

/// The field changes recorded in a payload: `diff` is one list per object (intents) or
/// one list (changes seen outside the console).
pub fn payload_diffs(payload: &serde_json::Value) -> Vec<Vec<crate::domain::diff::FieldChange>> {
    let Some(diff) = payload.get("diff") else {
        return Vec::new();
    };
    if let Ok(per_object) =
        serde_json::from_value::<Vec<Vec<crate::domain::diff::FieldChange>>>(diff.clone())
    {
        return per_object;
    }
    serde_json::from_value::<Vec<crate::domain::diff::FieldChange>>(diff.clone())
        .map(|one| vec![one])
        .unwrap_or_default()
}

/// Rows per page.
pub const PAGE_SIZE: u32 = 50;

/// Outcomes the filter offers, with their catalogue keys.
pub const OUTCOMES: [(&str, &str); 10] = [
    ("pending", "outcome.pending"),
    ("applied", "outcome.applied"),
    ("healthy", "outcome.healthy"),
    ("degraded", "outcome.degraded"),
    ("timeout", "outcome.timeout"),
    ("superseded", "outcome.superseded"),
    ("conflict", "outcome.conflict"),
    ("failed", "outcome.failed"),
    ("partial", "outcome.partial"),
    ("outside", "outcome.outside"),
];

/// A field manager (who wrote an object, from `metadata.managedFields`) as people say it:
/// `kubectl-patch` is "kubectl patch", the operator's manager "the registry operator", a
/// write that named no manager "a client that named no field manager". Others as they are.
pub fn manager_label(lang: crate::i18n::Lang, manager: &str) -> String {
    let name = if manager.is_empty() {
        "unknown"
    } else {
        manager
    };
    match MANAGERS.iter().find(|(m, _)| *m == name) {
        Some((_, key)) => crate::i18n::text(lang, key, &[]),
        None => manager.to_string(),
    }
}

/// The field managers named in plain words, and their catalogue keys.
pub const MANAGERS: [(&str, &str); 14] = [
    ("kubectl-patch", "audit.manager.kubectl_patch"),
    ("kubectl-edit", "audit.manager.kubectl_edit"),
    ("kubectl-client-side-apply", "audit.manager.kubectl_apply"),
    ("kubectl", "audit.manager.kubectl_server_side_apply"),
    ("kubectl-create", "audit.manager.kubectl_create"),
    ("kubectl-replace", "audit.manager.kubectl_replace"),
    ("kubectl-label", "audit.manager.kubectl_label"),
    ("kubectl-annotate", "audit.manager.kubectl_annotate"),
    ("kubectl-set", "audit.manager.kubectl_set"),
    ("kubectl-rollout", "audit.manager.kubectl_rollout"),
    ("oc", "audit.manager.oc"),
    ("cluster-image-registry-operator", "audit.manager.operator"),
    ("unknown", "audit.manager.unknown"),
    ("deleted", "audit.manager.deleted"),
];

/// The actor as a page shows it in `lang`: a field manager stored under its English label
/// ([`manager_label`]) in the page's language, anyone else as stored.
pub fn actor_label(lang: crate::i18n::Lang, subject: &str, stored_name: &str) -> String {
    let english = manager_label(crate::i18n::Lang::En, subject);
    if english != subject && stored_name == english {
        manager_label(lang, subject)
    } else {
        stored_name.to_string()
    }
}

pub fn outcome_key(outcome: &str) -> &'static str {
    OUTCOMES
        .iter()
        .find(|(code, _)| *code == outcome)
        .map(|(_, key)| *key)
        .unwrap_or("outcome.unknown")
}

#[cfg(test)]
mod tests {
    #[test]
    fn object_keys_round_trip_names_with_colons() {
        let binding = crate::domain::change::ObjectRef {
            group: "rbac.authorization.k8s.io".into(),
            kind: "RoleBinding".into(),
            namespace: Some("team".into()),
            name: "system:image-pullers".into(),
        };
        assert_eq!(parse_object_key(&object_key(&binding)), Some(binding));
        let config = parse_object_key("imageregistry.operator.openshift.io:Config::cluster")
            .expect("cluster-scoped");
        assert_eq!(config.namespace, None);
        assert_eq!(parse_object_key("Config:cluster"), None);
        assert_eq!(parse_object_key("g:Config::"), None);
    }

    use super::*;

    #[test]
    fn diffs_are_read_from_intents_and_outside_changes() {
        let change =
            serde_json::json!({ "path": "spec.logLevel", "before": "Normal", "after": "Debug" });
        let intent = serde_json::json!({ "diff": [[change.clone()], []] });
        assert_eq!(payload_diffs(&intent).len(), 2);
        assert_eq!(payload_diffs(&intent)[0][0].path, "spec.logLevel");
        let outside = serde_json::json!({ "diff": [change] });
        assert_eq!(
            payload_diffs(&outside)[0][0].after,
            Some(serde_json::json!("Debug"))
        );
        assert!(payload_diffs(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn the_url_round_trips_filters_and_cursor() {
        let query = AuditQuery {
            actor: Some("Ada Admin".into()),
            outcome: Some("degraded".into()),
            text: Some("a&b=c".into()),
            ..Default::default()
        };
        let href = query.href(Some(120));
        assert_eq!(
            href,
            "/audit?actor=Ada%20Admin&outcome=degraded&text=a%26b%3Dc&before=120"
        );
        let pairs: Vec<(String, String)> = href
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or_default()
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| {
                (
                    k.to_string(),
                    v.replace("%20", " ")
                        .replace("%26", "&")
                        .replace("%3D", "="),
                )
            })
            .collect();
        let back = AuditQuery::from_pairs(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        });
        assert_eq!(
            back,
            AuditQuery {
                before: Some(120),
                ..query.clone()
            }
        );
        assert_eq!(AuditQuery::default().href(None), "/audit");
        assert_eq!(
            query.export_href("csv"),
            "/audit/export.csv?actor=Ada%20Admin&outcome=degraded&text=a%26b%3Dc"
        );
        assert_eq!(
            AuditQuery::default().export_href("jsonl"),
            "/audit/export.jsonl"
        );
    }

    #[test]
    fn blank_filters_are_no_filters() {
        let q = AuditQuery::from_pairs(|name| (name == "actor").then(|| "  ".to_string()));
        assert_eq!(q, AuditQuery::default());
        let q = AuditQuery::from_pairs(|name| (name == "before").then(|| "x".to_string()));
        assert_eq!(q.before, None);
    }
}
