//! The storage wizard's fields as the server renders them, inside the wizard island (as
//! its children, which the browser does not hydrate). Values come from the registry as it
//! is; the island reads them back as the user edits.

use super::paths::{ALL_CREDENTIAL_KEYS, FIELDS, FieldRow, Kind, credential_group};
use crate::api::changes::FieldError;
use crate::components::language::I18n;
use crate::domain::storage::validate::{AZURE_CLOUDS, SWIFT_AUTH_VERSIONS};
use crate::domain::storage::wizard::{
    FILE_KEYS, OPERATOR_CLAIM, PLATFORMS, StorageIntent, StoragePath, StorageSubmission,
    WizardState, credential_field, paths_for_platform,
};
use leptos::prelude::*;

/// A path's notes above its fields.
fn notes(path: StoragePath) -> &'static [&'static str] {
    match path {
        StoragePath::S3 => &[
            "storage.s3.advice",
            "storage.s3.advice.multipart",
            "storage.s3.advice.public",
        ],
        StoragePath::SharedClaim => &["storage.pvc.auto"],
        StoragePath::BlockClaim => &["storage.block.effect"],
        StoragePath::EmptyDir => &["storage.emptydir.warning"],
        _ => &[],
    }
}

/// A field's name for people (the CRD's name is its caption).
fn human_label(label: &str) -> &'static str {
    match label {
        "bucket" => "storage.label.bucket",
        "region" => "storage.label.region",
        "regionEndpoint" => "storage.label.region_endpoint",
        "keyID" => "storage.label.key_id",
        "chunkSizeMiB" => "storage.label.chunk",
        "encrypt" => "storage.label.encrypt",
        "virtualHostedStyle" => "storage.label.virtual_hosted",
        "cloudFront.baseURL" => "storage.label.cloudfront_url",
        "cloudFront.keypairID" => "storage.label.cloudfront_keypair",
        "cloudFront.privateKey.name" => "storage.label.cloudfront_secret",
        "cloudFront.privateKey.key" => "storage.label.cloudfront_key",
        "cloudFront.duration" => "storage.label.cloudfront_duration",
        "projectID" => "storage.label.project",
        "accountName" => "storage.label.account",
        "container" => "storage.label.container",
        "cloudName" => "storage.label.cloud",
        "authURL" => "storage.label.auth_url",
        "authVersion" => "storage.label.auth_version",
        "domain" => "storage.label.domain",
        "domainID" => "storage.label.domain_id",
        "tenant" => "storage.label.tenant",
        "tenantID" => "storage.label.tenant_id",
        "regionName" => "storage.label.region",
        "metadata.name" => "storage.label.claim_name",
        "resources.requests.storage" => "storage.label.claim_size",
        "claim" => "storage.label.claim",
        "storageClassName" => "storage.label.storage_class",
        _ => "storage.label.other",
    }
}

/// The API path a field writes: the Config's, or the new claim's.
fn api_path(row: &FieldRow) -> String {
    if row.field.starts_with("spec.") {
        row.field.to_string()
    } else {
        format!("PersistentVolumeClaim {}", row.label)
    }
}

/// Where a field's errors go: the island writes them; a stepped form's come rendered.
fn slot(field: &str, errors: &[FieldError]) -> impl IntoView + use<> {
    let mine: Vec<FieldError> = errors
        .iter()
        .filter(|e| crate::components::violations::concerns(&e.field, field))
        .cloned()
        .collect();
    let list = (!mine.is_empty()).then(|| {
        view! {
            <ul class="field-errors" data-errors-for=field.to_string() id=format!("{field}-errors")>
                {mine
                    .into_iter()
                    .map(|e| {
                        let sub = (e.field != field).then(|| view! { <code>{e.field.clone()}</code> " " });
                        view! { <li>{sub}{e.text}</li> }
                    })
                    .collect_view()}
            </ul>
        }
    });
    view! { <div data-error-slot=field.to_string()>{list}</div> }
}

/// The wizard's fields. In the island they show the registry as it is; in a stepped form
/// (no JavaScript, `draft` given) they show the draft so far, its broken rules in the
/// slots, and the key file as text (a file cannot be posted with the form's encoding).
#[component]
pub fn WizardFields(
    state: WizardState,
    #[prop(optional)] draft: Option<StorageSubmission>,
    #[prop(optional)] typed_keys: Vec<String>,
    #[prop(optional)] errors: Vec<FieldError>,
    #[prop(optional)] asks_switch: bool,
) -> impl IntoView {
    let i18n = I18n::expect();
    let stepped = draft.is_some();
    let draft = draft.unwrap_or_else(|| StorageSubmission {
        form: state.form(),
        ..Default::default()
    });
    let form = draft.form.clone();
    let errors = StoredValue::new(errors);
    let slot = move |field: &str| errors.with_value(|errors| slot(field, errors));
    let fill = move |key: &str| crate::i18n::fill(i18n.t(key), &[("claim", OPERATOR_CLAIM)]);
    let (own, others) = paths_for_platform(state.platform.as_deref());
    // The guide's first choice for this platform (its production path) carries a badge.
    let best = own.first().copied();
    let path_choice = |path: StoragePath| {
        view! {
            <label class="choice" data-path=path.id()>
                <input type="radio" name="path" value=path.id() checked=form.path == path.id() />
                <strong>{i18n.t(path.title_key())}</strong>
                {(best == Some(path))
                    .then(|| view! { " " <span class="badge badge-ok" data-recommended="">{i18n.t("storage.wizard.badge")}</span> })}
                <span class="help">{i18n.t(path.help_key())}</span>
            </label>
        }
    };
    let recommended = state.platform.clone().map(|platform| {
        view! { <h3>{crate::i18n::fill(i18n.t("storage.wizard.recommended"), &[("platform", &platform)])}</h3> }
    });
    let others_heading =
        (!own.is_empty()).then(|| view! { <h3>{i18n.t("storage.wizard.others")}</h3> });
    let fieldsets = StoragePath::ALL
        .into_iter()
        .map(|path| {
            let field_view = |row: &FieldRow| {
                    let value = (row.get)(&form);
                    let check = row.kind == Kind::Check;
                    let list = match row.kind {
                        Kind::Suggest(list) => Some(list),
                        _ => None,
                    };
                    view! {
                        <label class=if check { "field field-check" } else { "field" } data-field=row.field>
                            <span class="label">
                                {i18n.t(human_label(row.label))}
                                " "
                                <small class="api-path">{api_path(row)}</small>
                            </span>
                            <span class="help">{i18n.t(row.help)}</span>
                            <input
                                type=if check { "checkbox" } else { "text" }
                                name=row.field
                                list=list
                                inputmode=if row.field.ends_with("MiB") { "numeric" } else { "text" }
                                value=if check { "true".to_string() } else { value.clone() }
                                checked=check && value == "true"
                            />
                        </label>
                        {slot(row.field)}
                    }
            };
            // CloudFront is rare: folded, and open when any of it is set.
            let (rare, common): (Vec<&FieldRow>, Vec<&FieldRow>) = FIELDS
                .iter()
                .filter(|row| row.path == path)
                .partition(|row| row.label.starts_with("cloudFront."));
            let rare_set = rare.iter().any(|row| !(row.get)(&form).is_empty());
            let fields = common.into_iter().map(field_view).collect_view();
            let rare = (!rare.is_empty()).then(|| {
                view! {
                    <details class="advanced" open=rare_set>
                        <summary>{i18n.t("storage.s3.cloudfront")}</summary>
                        {rare.into_iter().map(field_view).collect_view()}
                    </details>
                }
            });
            let swift = (path == StoragePath::Swift).then(|| {
                view! {
                    <div class="field" data-field="swiftCredential">
                        <span class="label">{i18n.t("storage.swift.credential")}</span>
                        {[
                            ("password", "storage.swift.credential.password"),
                            ("application", "storage.swift.credential.application"),
                            ("token", "storage.swift.credential.token"),
                        ]
                            .map(|(kind, key)| {
                                view! {
                                    <label class="choice">
                                        <input type="radio" name="swiftCredential" value=kind checked=form.swift_credential == kind />
                                        {i18n.t(key)}
                                    </label>
                                }
                            })}
                        {slot("swiftCredential")}
                    </div>
                }
            });
            let empty_dir = (path == StoragePath::EmptyDir).then(|| {
                view! {
                    <label class="confirm">
                        <input type="checkbox" name="confirm.emptyDir" value="true" checked=draft.confirm_empty_dir />
                        {i18n.t("storage.emptydir.confirm")}
                    </label>
                    {slot("confirm.emptyDir")}
                }
            });
            let notes = notes(path);
            view! {
                <fieldset data-path-fields=path.id()>
                    <legend>{i18n.t(path.title_key())}</legend>
                    {(!notes.is_empty()).then(|| view! {
                        <div class="notice notice-info" data-advice=path.id()>
                            {notes.iter().map(|key| view! { <p>{fill(key)}</p> }).collect_view()}
                        </div>
                    })}
                    {fields}
                    {rare}
                    {swift}
                    {empty_dir}
                </fieldset>
            }
        })
        .collect_view();
    let credentials = ALL_CREDENTIAL_KEYS
        .into_iter()
        .map(|key| {
            let field = credential_field(key);
            let file = FILE_KEYS.contains(&key);
            let kept = state.existing_keys.iter().any(|k| k == key);
            let typed = typed_keys.iter().any(|k| k == key);
            let input = if file && stepped {
                view! { <textarea name=field.clone() rows="4" autocomplete="off" spellcheck="false"></textarea> }.into_any()
            } else {
                view! {
                    <input
                        type=if file { "file" } else { "password" }
                        accept=file.then_some("application/json,.json")
                        autocomplete="off"
                        name=field.clone()
                    />
                }
                .into_any()
            };
            view! {
                <div data-credential=credential_group(key)>
                    <label class="field" data-field=field.clone()>
                        <span class="label"><code>{key}</code></span>
                        <span class="help" data-kept=key hidden=!kept || typed>{i18n.t("storage.credentials.kept")}</span>
                        <span class="help" data-typed=key hidden=!typed>{i18n.t("storage.credentials.typed")}</span>
                        {input}
                        {(file && !stepped).then(|| view! { <span class="help" data-key-file=""></span> })}
                    </label>
                    {slot(&field)}
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset data-group="intent" hidden=!state.can_rotate()>
            <legend>{i18n.t("storage.intent.title")}</legend>
            <label class="choice">
                <input type="radio" name="intent" value="configure" checked=draft.intent == StorageIntent::Configure />
                {i18n.t("storage.intent.configure")}
            </label>
            <label class="choice">
                <input type="radio" name="intent" value="rotate" checked=draft.intent == StorageIntent::RotateCredentials />
                {i18n.t("storage.intent.rotate")}
            </label>
        </fieldset>
        <fieldset data-group="path">
            <legend>{i18n.t("storage.wizard.path")}</legend>
            {state.platform.is_none().then(|| view! {
                <label class="field" data-field="platform">
                    <span class="label">{i18n.t("storage.platform.ask")}</span>
                    <select name="platform">
                        <option value="">{i18n.t("storage.platform.unknown")}</option>
                        {PLATFORMS.map(|p| view! { <option value=p>{p}</option> })}
                    </select>
                </label>
            })}
            <div class="paths" data-paths="own">
                {recommended}
                {own.into_iter().map(path_choice).collect_view()}
            </div>
            <div class="paths" data-paths="others">
                {others_heading}
                {others.into_iter().map(path_choice).collect_view()}
            </div>
            {slot("path")}
            <p class="notice notice-info" data-from-removed="" hidden=state.management_state() != "Removed">
                {i18n.t("storage.wizard.from_removed")}
            </p>
        </fieldset>
        {fieldsets}
        <fieldset data-group="credentials">
            <legend>{i18n.t("storage.credentials.title")}</legend>
            <p class="help">{i18n.t("storage.credentials.write_only")}</p>
            {credentials}
        </fieldset>
        <div class="notice notice-warning" data-switch="" hidden=!asks_switch>
            <p>{i18n.t("storage.switch.warning")}</p>
            <label class="confirm">
                <input type="checkbox" name="confirm.switch" value="true" checked=draft.confirm_switch />
                {i18n.t("storage.switch.confirm")}
            </label>
            {slot("confirm.switch")}
        </div>
        <datalist id="azure-clouds">{AZURE_CLOUDS.map(|v| view! { <option value=v></option> })}</datalist>
        <datalist id="swift-versions">{SWIFT_AUTH_VERSIONS.map(|v| view! { <option value=v></option> })}</datalist>
        <datalist id="claims">
            {state.claims.iter().map(|c| {
                let label = format!("{}, {}, {}", c.access_modes.join(" "), c.capacity, c.phase);
                view! { <option value=c.name.clone()>{label}</option> }
            }).collect_view()}
        </datalist>
        <datalist id="classes">
            {state.storage_classes.clone().unwrap_or_default().into_iter().map(|c| {
                let label = if c.default { i18n.t("storage.classes.default") } else { "" };
                view! { <option value=c.name>{label}</option> }
            }).collect_view()}
        </datalist>
    }
}
