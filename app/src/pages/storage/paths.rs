//! The storage wizard's fields, as data: one table row per CRD field, rendered by one
//! component, grouped into one fieldset per path. One view type for every field (rather
//! than a component per path) keeps the island's WASM within the first-load budget.
//! Labels are the CRD's field names; help in both languages.

use crate::api::changes::FieldError;
use crate::components::language::I18n;
use crate::domain::storage::validate::{AZURE_CLOUDS, SWIFT_AUTH_VERSIONS};
use crate::domain::storage::wizard::{
    ClaimRow, FILE_KEYS, OPERATOR_CLAIM, StorageClassRow, StorageForm, StoragePath,
    credential_field, credential_keys,
};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// How a field is typed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// A flag: `get` gives `"true"` or `""`.
    Check,
    /// Text with suggestions: the id of the `<datalist>` of allowed or existing values.
    Suggest(&'static str),
}

/// One field of a path: where it shows, its label (the CRD's name), help, error path, and
/// how it reads and writes the form.
struct FieldRow {
    path: StoragePath,
    label: &'static str,
    help: &'static str,
    field: &'static str,
    kind: Kind,
    get: fn(&StorageForm) -> String,
    set: fn(&mut StorageForm, String),
}

fn flag(on: bool) -> String {
    if on { "true".into() } else { String::new() }
}

macro_rules! row {
    ($path:ident, $label:literal, $help:literal, $field:literal, $kind:expr, $member:ident) => {
        FieldRow {
            path: StoragePath::$path,
            label: $label,
            help: $help,
            field: $field,
            kind: $kind,
            get: |f| f.$member.clone(),
            set: |f, v| f.$member = v,
        }
    };
}

const FIELDS: [FieldRow; 31] = [
    row!(
        S3,
        "bucket",
        "storage.help.s3.bucket",
        "spec.storage.s3.bucket",
        Kind::Text,
        s3_bucket
    ),
    row!(
        S3,
        "region",
        "storage.help.s3.region",
        "spec.storage.s3.region",
        Kind::Text,
        s3_region
    ),
    row!(
        S3,
        "regionEndpoint",
        "storage.help.s3.region_endpoint",
        "spec.storage.s3.regionEndpoint",
        Kind::Text,
        s3_region_endpoint
    ),
    FieldRow {
        path: StoragePath::S3,
        label: "encrypt",
        help: "storage.help.s3.encrypt",
        field: "spec.storage.s3.encrypt",
        kind: Kind::Check,
        get: |f| flag(f.s3_encrypt),
        set: |f, v| f.s3_encrypt = v == "true",
    },
    row!(
        S3,
        "keyID",
        "storage.help.s3.key_id",
        "spec.storage.s3.keyID",
        Kind::Text,
        s3_key_id
    ),
    FieldRow {
        path: StoragePath::S3,
        label: "virtualHostedStyle",
        help: "storage.help.s3.virtual_hosted",
        field: "spec.storage.s3.virtualHostedStyle",
        kind: Kind::Check,
        get: |f| flag(f.s3_virtual_hosted_style),
        set: |f, v| f.s3_virtual_hosted_style = v == "true",
    },
    row!(
        S3,
        "chunkSizeMiB",
        "storage.help.s3.chunk",
        "spec.storage.s3.chunkSizeMiB",
        Kind::Text,
        s3_chunk_size_mib
    ),
    row!(
        S3,
        "cloudFront.baseURL",
        "storage.help.cloudfront",
        "spec.storage.s3.cloudFront.baseURL",
        Kind::Text,
        cloudfront_base_url
    ),
    row!(
        S3,
        "cloudFront.keypairID",
        "storage.help.cloudfront.keypair",
        "spec.storage.s3.cloudFront.keypairID",
        Kind::Text,
        cloudfront_keypair_id
    ),
    row!(
        S3,
        "cloudFront.privateKey.name",
        "storage.help.cloudfront.secret",
        "spec.storage.s3.cloudFront.privateKey.name",
        Kind::Text,
        cloudfront_key_secret
    ),
    row!(
        S3,
        "cloudFront.privateKey.key",
        "storage.help.cloudfront.key",
        "spec.storage.s3.cloudFront.privateKey.key",
        Kind::Text,
        cloudfront_key_key
    ),
    row!(
        S3,
        "cloudFront.duration",
        "storage.help.cloudfront.duration",
        "spec.storage.s3.cloudFront.duration",
        Kind::Text,
        cloudfront_duration
    ),
    row!(
        Gcs,
        "bucket",
        "storage.help.gcs.bucket",
        "spec.storage.gcs.bucket",
        Kind::Text,
        gcs_bucket
    ),
    row!(
        Gcs,
        "region",
        "storage.help.gcs.region",
        "spec.storage.gcs.region",
        Kind::Text,
        gcs_region
    ),
    row!(
        Gcs,
        "projectID",
        "storage.help.gcs.project",
        "spec.storage.gcs.projectID",
        Kind::Text,
        gcs_project_id
    ),
    row!(
        Gcs,
        "keyID",
        "storage.help.gcs.key_id",
        "spec.storage.gcs.keyID",
        Kind::Text,
        gcs_key_id
    ),
    row!(
        Azure,
        "accountName",
        "storage.help.azure.account",
        "spec.storage.azure.accountName",
        Kind::Text,
        azure_account_name
    ),
    row!(
        Azure,
        "container",
        "storage.help.azure.container",
        "spec.storage.azure.container",
        Kind::Text,
        azure_container
    ),
    row!(
        Azure,
        "cloudName",
        "storage.help.azure.cloud",
        "spec.storage.azure.cloudName",
        Kind::Suggest("azure-clouds"),
        azure_cloud_name
    ),
    row!(
        Swift,
        "authURL",
        "storage.help.swift.auth_url",
        "spec.storage.swift.authURL",
        Kind::Text,
        swift_auth_url
    ),
    row!(
        Swift,
        "authVersion",
        "storage.help.swift.auth_version",
        "spec.storage.swift.authVersion",
        Kind::Suggest("swift-versions"),
        swift_auth_version
    ),
    row!(
        Swift,
        "container",
        "storage.help.swift.container",
        "spec.storage.swift.container",
        Kind::Text,
        swift_container
    ),
    row!(
        Swift,
        "domain",
        "storage.help.swift.domain",
        "spec.storage.swift.domain",
        Kind::Text,
        swift_domain
    ),
    row!(
        Swift,
        "domainID",
        "storage.help.swift.domain_id",
        "spec.storage.swift.domainID",
        Kind::Text,
        swift_domain_id
    ),
    row!(
        Swift,
        "tenant",
        "storage.help.swift.tenant",
        "spec.storage.swift.tenant",
        Kind::Text,
        swift_tenant
    ),
    row!(
        Swift,
        "tenantID",
        "storage.help.swift.tenant_id",
        "spec.storage.swift.tenantID",
        Kind::Text,
        swift_tenant_id
    ),
    row!(
        Swift,
        "regionName",
        "storage.help.swift.region",
        "spec.storage.swift.regionName",
        Kind::Text,
        swift_region_name
    ),
    row!(
        BlockClaim,
        "metadata.name",
        "storage.help.block.name",
        "claim.name",
        Kind::Text,
        block_name
    ),
    row!(
        BlockClaim,
        "resources.requests.storage",
        "storage.help.block.size",
        "claim.size",
        Kind::Text,
        block_size
    ),
    // Typed like the others, chosen from the lists below (claims, classes).
    row!(
        SharedClaim,
        "claim",
        "storage.help.pvc.claim",
        "spec.storage.pvc.claim",
        Kind::Suggest("claims"),
        claim
    ),
    row!(
        BlockClaim,
        "storageClassName",
        "storage.help.block.class",
        "claim.storageClassName",
        Kind::Suggest("classes"),
        block_class
    ),
];

/// Every credential key a path may ask for; the form shows the ones its path needs.
const ALL_CREDENTIAL_KEYS: [&str; 10] = [
    "REGISTRY_STORAGE_S3_ACCESSKEY",
    "REGISTRY_STORAGE_S3_SECRETKEY",
    "REGISTRY_STORAGE_GCS_KEYFILE",
    "REGISTRY_STORAGE_AZURE_ACCOUNTKEY",
    "REGISTRY_STORAGE_SWIFT_USERNAME",
    "REGISTRY_STORAGE_SWIFT_PASSWORD",
    "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALID",
    "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALNAME",
    "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALSECRET",
    "REGISTRY_STORAGE_SWIFT_TOKENID",
];

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

/// The errors of `field` among `all` (the messages are already in the user's language).
fn errors_of(all: Signal<Vec<FieldError>>, field: String) -> impl IntoView {
    move || {
        let texts: Vec<String> = all.with(|all| {
            all.iter()
                .filter(|e| {
                    e.field == field
                        || e.field
                            .strip_prefix(field.as_str())
                            .is_some_and(|rest| rest.starts_with('.'))
                })
                .map(|e| e.text.clone())
                .collect()
        });
        (!texts.is_empty()).then(|| {
            view! {
                <ul class="field-errors" data-errors-for=field.clone() id=format!("{field}-errors")>
                    {texts.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
                </ul>
            }
        })
    }
}

/// One fieldset per path (hidden unless chosen), every field, the credentials, the lists
/// the claim fields choose from, and the confirmations.
#[component]
pub fn PathFields(
    form: RwSignal<StorageForm>,
    errors: Signal<Vec<FieldError>>,
    credentials: RwSignal<BTreeMap<String, String>>,
    existing: Signal<Vec<String>>,
    claims: Signal<Vec<ClaimRow>>,
    classes: Signal<Vec<StorageClassRow>>,
    confirm_empty_dir: RwSignal<bool>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let text =
        move |key: &'static str| crate::i18n::fill(i18n.t(key), &[("claim", OPERATOR_CLAIM)]);
    let fieldsets = StoragePath::ALL
        .into_iter()
        .map(|path| {
            let fields = FIELDS
                .iter()
                .filter(|row| row.path == path)
                .map(|row| field_view(row, form, errors))
                .collect_view();
            let swift = (path == StoragePath::Swift).then(|| swift_credential(form, errors));
            let empty_dir = (path == StoragePath::EmptyDir).then(|| {
                view! {
                    <label class="confirm">
                        <input type="checkbox" name="confirm.emptyDir"
                            prop:checked=move || confirm_empty_dir.get()
                            on:change=move |ev| confirm_empty_dir.set(event_target_checked(&ev)) />
                        {i18n.t("storage.emptydir.confirm")}
                    </label>
                    {errors_of(errors, "confirm.emptyDir".into())}
                }
            });
            view! {
                <fieldset data-group=path.id() hidden=move || form.with(|f| f.path() != Some(path))>
                    <legend>{i18n.t(path.title_key())}</legend>
                    <div class="notice notice-info" data-advice=path.id() hidden=notes(path).is_empty()>
                        {notes(path).iter().map(|key| view! { <p>{text(key)}</p> }).collect_view()}
                    </div>
                    {fields}
                    {swift}
                    {empty_dir}
                </fieldset>
            }
        })
        .collect_view();
    let credential_inputs = ALL_CREDENTIAL_KEYS
        .into_iter()
        .map(|key| credential_view(key, form, errors, credentials, existing))
        .collect_view();
    view! {
        {fieldsets}
        <fieldset data-group="credentials" hidden=move || form.with(|f| credential_keys(f).is_empty())>
            <legend>{i18n.t("storage.credentials.title")}</legend>
            <p class="help">{i18n.t("storage.credentials.write_only")}</p>
            {credential_inputs}
        </fieldset>
        <datalist id="azure-clouds">{AZURE_CLOUDS.map(|v| view! { <option value=v></option> })}</datalist>
        <datalist id="swift-versions">{SWIFT_AUTH_VERSIONS.map(|v| view! { <option value=v></option> })}</datalist>
        <datalist id="claims">
            {move || claims.get().into_iter().map(|c| {
                let label = format!("{}, {}, {}", c.access_modes.join(" "), c.capacity, c.phase);
                view! { <option value=c.name>{label}</option> }
            }).collect_view()}
        </datalist>
        <datalist id="classes">
            {move || classes.get().into_iter().map(|c| {
                let label = if c.default { i18n.t("storage.classes.default") } else { "" };
                view! { <option value=c.name>{label}</option> }
            }).collect_view()}
        </datalist>
    }
}

/// A field of the table: its label, help, input and errors.
fn field_view(
    row: &'static FieldRow,
    form: RwSignal<StorageForm>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let field = row.field;
    let (get, set) = (row.get, row.set);
    let check = row.kind == Kind::Check;
    let list = match row.kind {
        Kind::Suggest(list) => Some(list),
        _ => None,
    };
    let invalid = move || {
        errors.with(|all| {
            all.iter()
                .any(|e| e.field == field || e.field.starts_with(&format!("{field}.")))
        })
    };
    view! {
        <label class=if check { "field field-check" } else { "field" } data-field=field>
            <span class="label">{row.label}</span>
            <span class="help">{i18n.t(row.help)}</span>
            <input
                type=if check { "checkbox" } else { "text" }
                name=field
                list=list
                inputmode=if field.ends_with("MiB") { "numeric" } else { "text" }
                aria-invalid=move || invalid().to_string()
                aria-describedby=move || invalid().then(|| format!("{field}-errors"))
                prop:value=move || if check { "true".to_string() } else { form.with(get) }
                prop:checked=move || check && form.with(get) == "true"
                on:input=move |ev| {
                    let value = if check {
                        flag(event_target_checked(&ev))
                    } else {
                        event_target_value(&ev)
                    };
                    form.update(|f| set(f, value))
                }
                on:change=move |ev| {
                    if check {
                        form.update(|f| set(f, flag(event_target_checked(&ev))))
                    }
                }
            />
        </label>
        {errors_of(errors, field.to_string())}
    }
}

/// How the registry signs in to Swift: one of three credential kinds.
fn swift_credential(form: RwSignal<StorageForm>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let i18n = I18n::expect();
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
                            <input
                                type="radio"
                                name="swiftCredential"
                                value=kind
                                prop:checked=move || form.with(|f| f.swift_credential == kind)
                                on:change=move |_| form.update(|f| f.swift_credential = kind.to_string())
                            />
                            {i18n.t(key)}
                        </label>
                    }
                })}
            {errors_of(errors, "swiftCredential".into())}
        </div>
    }
}

/// A credential's write-only input (a key file is read from disk instead of typed).
fn credential_view(
    key: &'static str,
    form: RwSignal<StorageForm>,
    errors: Signal<Vec<FieldError>>,
    credentials: RwSignal<BTreeMap<String, String>>,
    existing: Signal<Vec<String>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let field = credential_field(key);
    let file = FILE_KEYS.contains(&key);
    view! {
        <div hidden=move || form.with(|f| !credential_keys(f).contains(&key))>
            <label class="field" data-field=field.clone()>
                <span class="label"><code>{key}</code></span>
                <span class="help" data-kept="" hidden=move || !existing.with(|e| e.iter().any(|k| k == key))>
                    {i18n.t("storage.credentials.kept")}
                </span>
                <input
                    type=if file { "file" } else { "password" }
                    accept=file.then_some("application/json,.json")
                    autocomplete="off"
                    name=field.clone()
                    prop:value=move || {
                        if file { String::new() } else { credentials.with(|c| c.get(key).cloned().unwrap_or_default()) }
                    }
                    on:input=move |ev| {
                        if !file {
                            let value = event_target_value(&ev);
                            credentials.update(|c| {
                                c.insert(key.to_string(), value);
                            });
                        }
                    }
                    on:change=move |ev| {
                        if file {
                            read_file(ev, move |text| {
                                credentials.try_update(|c| {
                                    c.insert(key.to_string(), text);
                                });
                            });
                        }
                    }
                />
                <span class="help" data-key-file="">{move || if file { key_file_summary(credentials, key) } else { String::new() }}</span>
            </label>
            {errors_of(errors, field)}
        </div>
    }
}

/// What a loaded key file is, from its public fields only (the account and project).
fn key_file_summary(credentials: RwSignal<BTreeMap<String, String>>, key: &str) -> String {
    let i18n = I18n::expect();
    credentials.with(|c| {
        let Some(text) = c.get(key) else {
            return String::new();
        };
        let parsed: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let field = |name: &str| {
            parsed
                .get(name)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("—")
                .to_string()
        };
        crate::i18n::fill(
            i18n.t("storage.gcs.keyfile_loaded"),
            &[
                ("email", &field("client_email")),
                ("project", &field("project_id")),
            ],
        )
    })
}

/// Reads the file chosen in a file input as text, in the browser; `done` gets it.
fn read_file(_ev: leptos::ev::Event, _done: impl FnOnce(String) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(file) = _ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                && let Some(text) = text.as_string()
            {
                _done(text);
            }
        });
    }
}
