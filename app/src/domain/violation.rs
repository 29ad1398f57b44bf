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
    let mut params: Vec<(&str, &str)> = vec![("field", violation.field.as_str())];
    params.extend(
        violation
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    crate::i18n::text(lang, &violation.key, &params)
}
