//! A draft read from one of a page's server-rendered forms by the shared change-forms
//! island (`components/change_forms.rs`): which form, and each field by its input's name.
//! The server decodes it into the page's own submission; nothing about a page's fields is
//! compiled into the browser.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Suffix of a file input's name: `certificate.file` holds the text of the file chosen for
/// the field `certificate` (the field may also be pasted).
pub const FILE_SUFFIX: &str = ".file";
/// The most a request to the console may carry (the server refuses more with 413): a file
/// larger than this is named under its field before anything is sent.
pub const MAX_REQUEST_BYTES: u64 = 1024 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormDraft {
    /// The form's `data-change-form` name, e.g. `add-route`.
    pub form: String,
    /// Input name → value; a checkbox is present only when checked; a file input holds the
    /// file's text.
    pub fields: BTreeMap<String, String>,
}

/// A value given both pasted and as a file, which differ: the user must say which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ambiguous(pub String);

impl FormDraft {
    pub fn new(form: &str, fields: &[(&str, &str)]) -> Self {
        FormDraft {
            form: form.to_string(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The field's text, trimmed of surrounding whitespace.
    pub fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    }

    /// A checkbox: checked when present with any value but `false`.
    pub fn flag(&self, name: &str) -> bool {
        self.fields.get(name).is_some_and(|v| v != "false")
    }

    /// A value that may be pasted (`name`) or uploaded (`name.file`): whichever is given.
    /// Both given and different is [`Ambiguous`], never one silently dropped.
    pub fn pasted_or_file(&self, name: &str) -> Result<String, Ambiguous> {
        let pasted = self.text(name);
        let file = self.text(&format!("{name}{FILE_SUFFIX}"));
        match (pasted.is_empty(), file.is_empty()) {
            (_, true) => Ok(pasted),
            (true, false) => Ok(file),
            (false, false) if pasted == file => Ok(pasted),
            (false, false) => Err(Ambiguous(name.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_comes_pasted_or_as_a_file_never_both_silently() {
        let pasted = FormDraft::new("f", &[("pem", " A \n")]);
        assert_eq!(pasted.pasted_or_file("pem"), Ok("A".into()));
        let file = FormDraft::new("f", &[("pem", ""), ("pem.file", "B")]);
        assert_eq!(file.pasted_or_file("pem"), Ok("B".into()));
        let same = FormDraft::new("f", &[("pem", "B"), ("pem.file", "B\n")]);
        assert_eq!(same.pasted_or_file("pem"), Ok("B".into()));
        let both = FormDraft::new("f", &[("pem", "A"), ("pem.file", "B")]);
        assert_eq!(both.pasted_or_file("pem"), Err(Ambiguous("pem".into())));
        assert_eq!(
            FormDraft::default().pasted_or_file("pem"),
            Ok(String::new())
        );
    }

    #[test]
    fn checkboxes_are_present_only_when_checked() {
        let draft = FormDraft::new("f", &[("a", "on"), ("b", "false")]);
        assert!(draft.flag("a"));
        assert!(!draft.flag("b"));
        assert!(!draft.flag("c"));
    }
}
