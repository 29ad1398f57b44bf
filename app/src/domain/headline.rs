//! The Overview's headline and tiles: the registry's state in one sentence and one tone,
//! then one tile per thing an admin checks first (state, storage, replicas, exposure,
//! read-only, pruner). Pure: it reads the same [`OverviewView`] the page shows below, so
//! the headline can never disagree with the details.

use crate::domain::overview::{OverviewView, Panel, TimedCondition};
use crate::domain::status::Tone;

/// A sentence from the catalogue with its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentence {
    pub key: &'static str,
    pub params: Vec<(&'static str, String)>,
}

impl Sentence {
    fn new(key: &'static str) -> Self {
        Self {
            key,
            params: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params.push((name, value.into()));
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headline {
    pub tone: Tone,
    pub sentence: Sentence,
    /// A second sentence: what is wrong, quoted from the operator (its own words).
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tile {
    /// `state`, `storage`, … (the `data-tile` value).
    pub id: &'static str,
    pub label_key: &'static str,
    pub tone: Tone,
    pub value: Sentence,
    /// The API field it reads, shown as the tile's caption.
    pub api_path: &'static str,
}

/// The catalogue key naming a storage type (`s3` → "Amazon S3"); `None` for a type the
/// catalogue does not name, which is then shown as the API names it.
pub fn storage_name_key(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "s3" => "overview.storage.kind.s3",
        "gcs" => "overview.storage.kind.gcs",
        "azure" => "overview.storage.kind.azure",
        "swift" => "overview.storage.kind.swift",
        "pvc" => "overview.storage.kind.pvc",
        "emptyDir" => "overview.storage.kind.empty_dir",
        _ => return None,
    })
}

fn true_condition<'a>(conditions: &'a [TimedCondition], kind: &str) -> Option<&'a TimedCondition> {
    conditions
        .iter()
        .find(|c| c.kind == kind && c.status == "True")
}

fn said(condition: &TimedCondition) -> String {
    if condition.message.is_empty() {
        condition.reason.clone()
    } else {
        format!("{}: {}", condition.reason, condition.message)
    }
}

/// The headline: the first of, in this order, what the state is when it is not serving
/// (unreadable, removed, unmanaged, no storage, no Deployment, no ready pod, degraded), a
/// rollout, partial readiness and read-only; else serving. The doctor's worst finding
/// can only make the tone worse, never better.
pub fn headline(view: &OverviewView) -> Headline {
    let mut headline = state_headline(view);
    let doctor = view.diagnosis.worst().map(|s| match s {
        crate::domain::doctor::Severity::Critical => Tone::Critical,
        crate::domain::doctor::Severity::Warning => Tone::Warning,
        crate::domain::doctor::Severity::Info => Tone::Good,
    });
    if let Some(tone) = doctor {
        headline.tone = headline.tone.min(tone);
    }
    headline
}

fn state_headline(view: &OverviewView) -> Headline {
    let plain = |tone, sentence| Headline {
        tone,
        sentence,
        detail: None,
    };
    let registry = match &view.registry {
        Err(_) => return plain(Tone::Unknown, Sentence::new("overview.headline.unreadable")),
        Ok(r) => r,
    };
    match registry.management_state.as_str() {
        "Removed" => return plain(Tone::Critical, Sentence::new("overview.headline.removed")),
        "Unmanaged" => {
            return plain(Tone::Warning, Sentence::new("overview.headline.unmanaged"));
        }
        _ => {}
    }
    let Some(kind) = registry.storage.kind.clone() else {
        return plain(
            Tone::Critical,
            Sentence::new("overview.headline.no_storage"),
        );
    };
    let mut conditions: Vec<TimedCondition> = registry.conditions.clone();
    if let Ok(operator) = &view.operator {
        conditions.extend(operator.iter().cloned());
    }
    let degraded = true_condition(&conditions, "Degraded").map(said);
    let (ready, desired) = match &view.deployment {
        Err(_) => {
            return Headline {
                tone: Tone::Unknown,
                sentence: Sentence::new("overview.headline.workload_unreadable")
                    .with("storage", kind),
                detail: degraded,
            };
        }
        Ok(None) => {
            return Headline {
                tone: Tone::Critical,
                sentence: Sentence::new("overview.headline.no_deployment"),
                detail: degraded,
            };
        }
        Ok(Some(d)) => (d.ready, d.desired.max(registry.replicas)),
    };
    let serving = |key| {
        Sentence::new(key)
            .with("storage", kind.clone())
            .with("count", ready.to_string())
            .with("desired", desired.to_string())
    };
    if ready == 0 {
        return Headline {
            tone: Tone::Critical,
            sentence: serving("overview.headline.down"),
            detail: degraded,
        };
    }
    if let Some(detail) = degraded {
        return Headline {
            tone: Tone::Critical,
            sentence: serving("overview.headline.degraded"),
            detail: Some(detail),
        };
    }
    if let Some(progressing) = true_condition(&conditions, "Progressing") {
        return Headline {
            tone: Tone::Warning,
            sentence: serving("overview.headline.rolling_out"),
            detail: Some(said(progressing)),
        };
    }
    if ready < desired {
        return plain(Tone::Warning, serving("overview.headline.partly_ready"));
    }
    if registry.read_only {
        return plain(Tone::Warning, serving("overview.headline.read_only"));
    }
    plain(Tone::Good, serving("overview.headline.serving"))
}

fn unreadable_tile<T>(
    id: &'static str,
    label_key: &'static str,
    api_path: &'static str,
    panel: &Panel<T>,
) -> Option<Tile> {
    panel.as_ref().err().map(|_| Tile {
        id,
        label_key,
        tone: Tone::Unknown,
        value: Sentence::new("overview.tile.unreadable"),
        api_path,
    })
}

/// The six tiles. A part that cannot be read is a tile that says so (the panel below
/// says why).
pub fn tiles(view: &OverviewView) -> Vec<Tile> {
    let mut tiles = Vec::with_capacity(6);
    match &view.registry {
        Err(_) => {
            for (id, label, path) in [
                ("state", "overview.tile.state", "spec.managementState"),
                ("storage", "overview.tile.storage", "spec.storage"),
            ] {
                tiles.extend(unreadable_tile(id, label, path, &view.registry));
            }
        }
        Ok(r) => {
            let (tone, key) = match r.management_state.as_str() {
                "Managed" => (Tone::Good, "overview.tile.state.managed"),
                "Removed" => (Tone::Critical, "overview.tile.state.removed"),
                "Unmanaged" => (Tone::Warning, "overview.tile.state.unmanaged"),
                _ => (Tone::Unknown, "overview.tile.state.custom"),
            };
            tiles.push(Tile {
                id: "state",
                label_key: "overview.tile.state",
                tone,
                value: Sentence::new(key).with("state", r.management_state.clone()),
                api_path: "spec.managementState",
            });
            let storage = match (&r.storage.kind, r.removed()) {
                (_, true) | (None, _) => Tile {
                    id: "storage",
                    label_key: "overview.tile.storage",
                    tone: if r.removed() {
                        Tone::Neutral
                    } else {
                        Tone::Critical
                    },
                    value: Sentence::new("overview.tile.storage.none"),
                    api_path: "spec.storage",
                },
                (Some(kind), false) => Tile {
                    id: "storage",
                    label_key: "overview.tile.storage",
                    tone: if kind == "emptyDir" {
                        Tone::Warning
                    } else {
                        Tone::Good
                    },
                    value: Sentence::new("overview.tile.storage.kind").with("storage", kind),
                    api_path: "spec.storage",
                },
            };
            tiles.push(storage);
        }
    }
    let replicas = match (&view.deployment, &view.registry) {
        (Err(_), _) => unreadable_tile(
            "replicas",
            "overview.tile.replicas",
            "status.readyReplicas",
            &view.deployment,
        ),
        (Ok(None), _) => Some(Tile {
            id: "replicas",
            label_key: "overview.tile.replicas",
            tone: match &view.registry {
                Ok(r) if r.removed() => Tone::Neutral,
                _ => Tone::Critical,
            },
            value: Sentence::new("overview.tile.replicas.none"),
            api_path: "status.readyReplicas",
        }),
        (Ok(Some(d)), registry) => {
            let desired = match registry {
                Ok(r) => d.desired.max(r.replicas),
                Err(_) => d.desired,
            };
            Some(Tile {
                id: "replicas",
                label_key: "overview.tile.replicas",
                tone: if d.ready == 0 {
                    Tone::Critical
                } else if d.ready < desired {
                    Tone::Warning
                } else {
                    Tone::Good
                },
                value: Sentence::new("overview.replicas.ready")
                    .with("count", d.ready.to_string())
                    .with("desired", desired.to_string()),
                api_path: "status.readyReplicas",
            })
        }
    };
    tiles.extend(replicas);
    match (&view.registry, &view.routes) {
        (Err(_), _) => tiles.extend(unreadable_tile(
            "exposure",
            "overview.tile.exposure",
            "spec.defaultRoute",
            &view.registry,
        )),
        (Ok(r), routes) => {
            let served = routes.as_ref().map_or(0, Vec::len);
            let configured = usize::from(r.default_route) + r.custom_routes.len();
            let value = if configured == 0 {
                Sentence::new("overview.tile.exposure.internal")
            } else {
                Sentence::new("overview.tile.exposure.routes").with("count", served.to_string())
            };
            tiles.push(Tile {
                id: "exposure",
                label_key: "overview.tile.exposure",
                // Configured routes the router does not have yet are a rollout to watch.
                tone: if configured > 0 && routes.is_ok() && served < configured {
                    Tone::Warning
                } else {
                    Tone::Neutral
                },
                value,
                api_path: "spec.defaultRoute, spec.routes",
            });
        }
    }
    match &view.registry {
        Err(_) => tiles.extend(unreadable_tile(
            "read_only",
            "overview.tile.read_only",
            "spec.readOnly",
            &view.registry,
        )),
        Ok(r) => tiles.push(Tile {
            id: "read_only",
            label_key: "overview.tile.read_only",
            tone: if r.read_only {
                Tone::Warning
            } else {
                Tone::Neutral
            },
            value: Sentence::new(if r.read_only {
                "overview.tile.read_only.on"
            } else {
                "overview.tile.read_only.off"
            }),
            api_path: "spec.readOnly",
        }),
    }
    let pruner = match &view.pruner {
        Err(_) => unreadable_tile(
            "pruner",
            "overview.tile.pruner",
            "imagepruners/cluster",
            &view.pruner,
        ),
        Ok(None) => Some(Tile {
            id: "pruner",
            label_key: "overview.tile.pruner",
            tone: Tone::Neutral,
            value: Sentence::new("overview.tile.pruner.none"),
            api_path: "imagepruners/cluster",
        }),
        Ok(Some(p)) => {
            let failed = p
                .conditions
                .iter()
                .any(|c| c.kind == "Failed" && c.status == "True");
            let (tone, key) = if failed {
                (Tone::Critical, "overview.tile.pruner.failed")
            } else if p.suspend {
                (Tone::Neutral, "overview.tile.pruner.suspended")
            } else {
                (Tone::Good, "overview.tile.pruner.scheduled")
            };
            let schedule = if p.schedule.is_empty() {
                "0 0 * * *".to_string()
            } else {
                p.schedule.clone()
            };
            Some(Tile {
                id: "pruner",
                label_key: "overview.tile.pruner",
                tone,
                value: Sentence::new(key).with("schedule", schedule),
                api_path: "spec.schedule, spec.suspend",
            })
        }
    };
    tiles.extend(pruner);
    tiles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::overview::tests::condition;
    use crate::domain::overview::{DeploymentSummary, PanelProblem, RegistrySummary};
    use crate::domain::registry_config::form::StorageSummary;

    fn serving(kind: &str, ready: i64, desired: i64) -> OverviewView {
        let missing = || PanelProblem::Unavailable("not in this test".into());
        let mut view = OverviewView {
            now: "2026-12-03T10:00:00Z".into(),
            operator: Ok(Vec::new()),
            registry: Err(missing()),
            deployment: Err(missing()),
            pods: Err(missing()),
            claims: Err(missing()),
            events: Err(missing()),
            routes: Err(missing()),
            pruner: Ok(None),
            metrics: Err(missing()),
            diagnosis: Default::default(),
        };
        view.registry = Ok(RegistrySummary {
            management_state: "Managed".into(),
            storage: StorageSummary {
                kind: Some(kind.into()),
                ..Default::default()
            },
            replicas: desired,
            default_route: true,
            conditions: vec![
                condition("Available", "True", "Ready", "The registry is ready"),
                condition("Degraded", "False", "", ""),
            ],
            ..Default::default()
        });
        view.deployment = Ok(Some(DeploymentSummary {
            desired,
            ready,
            ..Default::default()
        }));
        view.routes = Ok(vec![Default::default()]);
        view
    }

    fn param<'a>(headline: &'a Headline, name: &str) -> &'a str {
        headline
            .sentence
            .params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    #[test]
    fn a_fully_ready_registry_is_serving_and_green() {
        let h = headline(&serving("s3", 2, 2));
        assert_eq!(h.tone, Tone::Good);
        assert_eq!(h.sentence.key, "overview.headline.serving");
        assert_eq!(param(&h, "storage"), "s3");
        assert_eq!((param(&h, "count"), param(&h, "desired")), ("2", "2"));
    }

    #[test]
    fn each_state_gets_its_own_sentence_and_tone() {
        let mut removed = serving("s3", 0, 0);
        if let Ok(r) = &mut removed.registry {
            r.management_state = "Removed".into();
        }
        removed.deployment = Ok(None);
        let mut no_storage = serving("s3", 0, 1);
        if let Ok(r) = &mut no_storage.registry {
            r.storage.kind = None;
        }
        let mut degraded = serving("pvc", 1, 1);
        if let Ok(r) = &mut degraded.registry {
            r.conditions[1] = condition(
                "Degraded",
                "True",
                "Unavailable",
                "The deployment does not have available replicas",
            );
        }
        let mut rolling = serving("s3", 1, 2);
        if let Ok(o) = &mut rolling.operator {
            o.push(condition(
                "Progressing",
                "True",
                "DeploymentNotCompleted",
                "The deployment has not completed",
            ));
        }
        let mut read_only = serving("s3", 1, 1);
        if let Ok(r) = &mut read_only.registry {
            r.read_only = true;
        }
        let mut unreadable = serving("s3", 1, 1);
        unreadable.registry = Err(PanelProblem::Unavailable("timed out".into()));
        let mut pods_unreadable = serving("s3", 1, 1);
        pods_unreadable.deployment = Err(PanelProblem::Forbidden {
            permission: "get deployments".into(),
            reason: None,
        });
        for (view, key, tone) in [
            (removed, "overview.headline.removed", Tone::Critical),
            (no_storage, "overview.headline.no_storage", Tone::Critical),
            (
                serving("s3", 0, 2),
                "overview.headline.down",
                Tone::Critical,
            ),
            (
                degraded.clone(),
                "overview.headline.degraded",
                Tone::Critical,
            ),
            (rolling, "overview.headline.rolling_out", Tone::Warning),
            (
                serving("s3", 1, 2),
                "overview.headline.partly_ready",
                Tone::Warning,
            ),
            (read_only, "overview.headline.read_only", Tone::Warning),
            (unreadable, "overview.headline.unreadable", Tone::Unknown),
            (
                pods_unreadable,
                "overview.headline.workload_unreadable",
                Tone::Unknown,
            ),
        ] {
            let h = headline(&view);
            assert_eq!((h.sentence.key, h.tone), (key, tone));
        }
        // The operator's own words come with a degraded headline.
        let h = headline(&degraded);
        assert_eq!(
            h.detail.as_deref(),
            Some("Unavailable: The deployment does not have available replicas")
        );
    }

    #[test]
    fn the_tiles_follow_the_state() {
        let tone = |view: &OverviewView, id: &str| {
            tiles(view)
                .into_iter()
                .find(|t| t.id == id)
                .map(|t| (t.tone, t.value.key))
        };
        let good = serving("s3", 2, 2);
        let ids: Vec<_> = tiles(&good).into_iter().map(|t| t.id).collect();
        assert_eq!(
            ids,
            [
                "state",
                "storage",
                "replicas",
                "exposure",
                "read_only",
                "pruner"
            ]
        );
        assert_eq!(
            tone(&good, "state"),
            Some((Tone::Good, "overview.tile.state.managed"))
        );
        assert_eq!(
            tone(&good, "replicas"),
            Some((Tone::Good, "overview.replicas.ready"))
        );
        assert_eq!(
            tone(&serving("s3", 1, 2), "replicas").map(|t| t.0),
            Some(Tone::Warning)
        );
        assert_eq!(
            tone(&serving("emptyDir", 1, 1), "storage").map(|t| t.0),
            Some(Tone::Warning)
        );
        let mut unreadable = serving("s3", 1, 1);
        unreadable.registry = Err(PanelProblem::Unavailable("timed out".into()));
        assert_eq!(
            tone(&unreadable, "read_only"),
            Some((Tone::Unknown, "overview.tile.unreadable"))
        );
        assert_eq!(tiles(&unreadable).len(), 6);
    }
}
