//! The storage wizard as steps (path → that path's fields → credentials → review), each
//! its own form that works without JavaScript: which step follows which, and which step
//! owns a field, so that a broken rule sends the admin back to the step where it is fixed.

use super::wizard::{StorageIntent, StoragePath, StorageSubmission};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Path,
    Fields,
    Credentials,
    Review,
    /// Applied: the change, its follow-up and the next step.
    Done,
}

impl Step {
    /// The four steps an admin goes through (Done is where they end).
    pub const ALL: [Step; 4] = [Step::Path, Step::Fields, Step::Credentials, Step::Review];

    pub fn id(self) -> &'static str {
        match self {
            Step::Path => "path",
            Step::Fields => "fields",
            Step::Credentials => "credentials",
            Step::Review => "review",
            Step::Done => "done",
        }
    }

    pub fn from_id(id: &str) -> Option<Step> {
        [Step::Done]
            .into_iter()
            .chain(Step::ALL)
            .find(|step| step.id() == id)
    }

    pub fn title_key(self) -> &'static str {
        match self {
            Step::Path => "storage.step.path",
            Step::Fields => "storage.step.fields",
            Step::Credentials => "storage.step.credentials",
            Step::Review => "storage.step.review",
            Step::Done => "storage.step.done",
        }
    }

    /// Whether the draft goes through this step: rotation keeps the storage (no path or
    /// fields), and claims and emptyDir take no credentials.
    pub fn applies(self, draft: &StorageSubmission) -> bool {
        let rotate = draft.intent == StorageIntent::RotateCredentials;
        match self {
            Step::Fields => !rotate,
            Step::Credentials => rotate || needs_credentials(&draft.form.path),
            _ => true,
        }
    }

    /// The step after this one for this draft.
    pub fn next(self, draft: &StorageSubmission) -> Step {
        Step::ALL
            .into_iter()
            .find(|step| *step > self && step.applies(draft))
            .unwrap_or(Step::Review)
    }

    /// The step before this one for this draft (the path step has none).
    pub fn previous(self, draft: &StorageSubmission) -> Step {
        Step::ALL
            .into_iter()
            .rev()
            .find(|step| *step < self && step.applies(draft))
            .unwrap_or(Step::Path)
    }
}

/// Whether a path keeps its keys in the credentials Secret.
fn needs_credentials(path: &str) -> bool {
    matches!(
        StoragePath::from_id(path),
        Some(StoragePath::S3 | StoragePath::Gcs | StoragePath::Azure | StoragePath::Swift)
    )
}

/// The step whose form holds the field a rule names.
pub fn step_of_field(field: &str) -> Step {
    match field {
        "path" | "platform" | "intent" => Step::Path,
        "confirm.switch" => Step::Review,
        f if f.starts_with("secret.") => Step::Credentials,
        f if f.starts_with("spec.")
            || f.starts_with("claim.")
            || f.starts_with("confirm.")
            || f == "swiftCredential" =>
        {
            Step::Fields
        }
        // Anything else (the config as a whole, the Secret) is shown with the review.
        _ => Step::Review,
    }
}

/// Where an admin leaving `from` goes when the draft breaks `fields`: back to the first
/// step up to `from` that holds one of them, else on to the next step.
pub fn after_checks<'a>(
    from: Step,
    draft: &StorageSubmission,
    fields: impl IntoIterator<Item = &'a str>,
) -> Result<Step, Step> {
    let first_broken = fields
        .into_iter()
        .map(step_of_field)
        .filter(|step| *step <= from && step.applies(draft))
        .min();
    match first_broken {
        Some(step) => Err(step),
        None => Ok(from.next(draft)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(path: &str, intent: StorageIntent) -> StorageSubmission {
        let mut draft = StorageSubmission {
            intent,
            ..Default::default()
        };
        draft.form.path = path.into();
        draft
    }

    #[test]
    fn a_cloud_path_goes_through_every_step_and_a_claim_skips_the_credentials() {
        let s3 = draft("s3", StorageIntent::Configure);
        assert_eq!(Step::Path.next(&s3), Step::Fields);
        assert_eq!(Step::Fields.next(&s3), Step::Credentials);
        assert_eq!(Step::Credentials.next(&s3), Step::Review);
        assert_eq!(Step::Review.previous(&s3), Step::Credentials);
        let pvc = draft("pvc", StorageIntent::Configure);
        assert_eq!(Step::Fields.next(&pvc), Step::Review);
        assert_eq!(Step::Review.previous(&pvc), Step::Fields);
    }

    #[test]
    fn rotation_goes_from_the_path_step_straight_to_the_credentials() {
        let rotate = draft("s3", StorageIntent::RotateCredentials);
        assert_eq!(Step::Path.next(&rotate), Step::Credentials);
        assert_eq!(Step::Credentials.previous(&rotate), Step::Path);
    }

    #[test]
    fn a_broken_rule_sends_the_admin_back_to_the_step_that_holds_the_field() {
        let s3 = draft("s3", StorageIntent::Configure);
        assert_eq!(
            after_checks(
                Step::Credentials,
                &s3,
                ["secret.REGISTRY_STORAGE_S3_ACCESSKEY"]
            ),
            Err(Step::Credentials)
        );
        assert_eq!(
            after_checks(Step::Credentials, &s3, ["spec.storage.s3.bucket"]),
            Err(Step::Fields)
        );
        // A later step's rule does not hold an earlier step back.
        assert_eq!(
            after_checks(Step::Fields, &s3, ["secret.REGISTRY_STORAGE_S3_ACCESSKEY"]),
            Ok(Step::Credentials)
        );
        assert_eq!(after_checks(Step::Path, &s3, ["path"]), Err(Step::Path));
    }

    #[test]
    fn every_step_has_an_id_that_reads_back() {
        for step in Step::ALL.into_iter().chain([Step::Done]) {
            assert_eq!(Step::from_id(step.id()), Some(step));
        }
        assert_eq!(Step::from_id("nonsense"), None);
    }
}
