//! The console's status language: one tone for every state it shows (conditions, the
//! Overview's headline and tiles, outcomes, allowed or denied, expiry). A tone always comes
//! with an icon and words on the page, never colour alone (SPEC §9, WCAG 1.4.1).

use crate::domain::overview::TimedCondition;
use serde::{Deserialize, Serialize};

/// How good a state is, worst first (so `min()` of several is the worst).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tone {
    /// Images cannot be pushed or pulled, or something is broken.
    Critical,
    /// It works, but not fully or not as configured (rolling out, read-only, 1 of 2 ready).
    Warning,
    /// It cannot be told (not readable, not decided yet).
    Unknown,
    /// A neutral fact (off, not set).
    Neutral,
    /// Working as configured.
    Good,
}

impl Tone {
    /// The CSS class suffix and `data-tone` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Critical => "critical",
            Tone::Warning => "warning",
            Tone::Unknown => "unknown",
            Tone::Neutral => "neutral",
            Tone::Good => "good",
        }
    }

    /// The icon beside the words (decorative: the words say the same).
    pub fn icon(self) -> &'static str {
        match self {
            Tone::Critical => "✕",
            Tone::Warning => "!",
            Tone::Unknown => "?",
            Tone::Neutral => "–",
            Tone::Good => "✓",
        }
    }

    /// The catalogue key of the tone's name, read by screen readers before the words.
    pub fn label_key(self) -> &'static str {
        match self {
            Tone::Critical => "status.critical",
            Tone::Warning => "status.warning",
            Tone::Unknown => "status.unknown",
            Tone::Neutral => "status.neutral",
            Tone::Good => "status.good",
        }
    }
}

/// The tone of a condition in its status: a problem is critical (a Progressing error a
/// warning), the good state of each type is good, Progressing=True (a rollout) a warning,
/// Unknown unknown, and any other state neutral.
pub fn condition_tone(condition: &TimedCondition) -> Tone {
    let kind = condition.kind.as_str();
    let status = condition.status.as_str();
    if status != "True" && status != "False" {
        return Tone::Unknown;
    }
    if condition.is_problem() {
        return if kind == "Progressing" {
            Tone::Warning
        } else {
            Tone::Critical
        };
    }
    match (kind, status) {
        ("Available" | "StorageExists", "True") => Tone::Good,
        ("Degraded" | "Removed" | "Progressing", "False") => Tone::Good,
        ("Progressing", "True") => Tone::Warning,
        _ => Tone::Neutral,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(kind: &str, status: &str, reason: &str) -> TimedCondition {
        TimedCondition {
            kind: kind.into(),
            status: status.into(),
            reason: reason.into(),
            ..Default::default()
        }
    }

    #[test]
    fn each_condition_state_has_the_tone_an_admin_expects() {
        for (kind, status, reason, tone) in [
            ("Available", "True", "Ready", Tone::Good),
            ("Available", "False", "NoReplicasAvailable", Tone::Critical),
            ("Degraded", "True", "Unavailable", Tone::Critical),
            ("Degraded", "False", "AsExpected", Tone::Good),
            (
                "Progressing",
                "True",
                "DeploymentNotCompleted",
                Tone::Warning,
            ),
            ("Progressing", "True", "Error", Tone::Warning),
            ("Progressing", "False", "Ready", Tone::Good),
            ("Removed", "True", "Removed", Tone::Critical),
            ("StorageExists", "False", "S3Error", Tone::Critical),
            ("StorageEncrypted", "True", "", Tone::Neutral),
            ("Available", "Unknown", "", Tone::Unknown),
        ] {
            assert_eq!(
                condition_tone(&condition(kind, status, reason)),
                tone,
                "{kind}={status}"
            );
        }
    }

    #[test]
    fn the_worst_tone_is_the_smallest() {
        let tones = [Tone::Good, Tone::Warning, Tone::Neutral];
        assert_eq!(tones.into_iter().min(), Some(Tone::Warning));
        assert!(Tone::Critical < Tone::Unknown);
    }
}
