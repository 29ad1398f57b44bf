//! A broken rule, as every check in the console reports it: the field to fix, a catalogue
//! key for the message (so it reads the same in English and Japanese), the values the
//! message names, and whether the change is refused or only warned about.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Severity {
    /// The change is refused.
    Error,
    /// Allowed, but the user must see it (e.g. emptyDir is not for production).
    Warning,
}

/// One broken rule: where, which message (catalogue key), with what values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Path of the field to fix, e.g. `spec.replicas`.
    pub field: String,
    /// Catalogue key of the message; `{field}` and the params fill its placeholders.
    pub key: String,
    pub params: Vec<(String, String)>,
    pub severity: Severity,
}

impl Violation {
    pub fn error(field: &str, key: &str) -> Self {
        Violation {
            field: field.to_string(),
            key: key.to_string(),
            params: Vec::new(),
            severity: Severity::Error,
        }
    }

    pub fn warning(field: &str, key: &str) -> Self {
        Violation {
            severity: Severity::Warning,
            ..Violation::error(field, key)
        }
    }

    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.push((name.to_string(), value.to_string()));
        self
    }
}

/// The violation's message in `lang`, placeholders filled.
pub fn message(lang: crate::i18n::Lang, violation: &Violation) -> String {
    // A parameter named `<name>_key` holds a catalogue key: its text in `lang` fills
    // `{<name>}` (words chosen by the rule, such as who gains what, in the user's language).
    let translated: Vec<(String, String)> = violation
        .params
        .iter()
        .filter_map(|(k, v)| {
            k.strip_suffix("_key").map(|name| {
                (
                    name.to_string(),
                    crate::i18n::translate(lang, v).to_string(),
                )
            })
        })
        .collect();
    let mut params: Vec<(&str, &str)> = vec![("field", violation.field.as_str())];
    params.extend(
        violation
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    params.extend(translated.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    crate::i18n::text(lang, &violation.key, &params)
}
