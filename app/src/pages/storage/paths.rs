//! The storage wizard's fieldsets, one per path, plus the credentials. Every field is one
//! of the shared field components; labels are the CRD's field names, help in both
//! languages.

use crate::api::changes::FieldError;
use crate::components::fields::{CheckField, SelectField, TextField};
use crate::components::language::I18n;
use crate::components::violations::FieldErrors;
use crate::domain::storage::validate::{AZURE_CLOUDS, SWIFT_AUTH_VERSIONS};
use crate::domain::storage::wizard::{
    ClaimRow, FILE_KEYS, OPERATOR_CLAIM, StorageClassRow, StorageForm, credential_field,
    credential_keys,
};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[component]
pub fn S3Fields(form: RwSignal<StorageForm>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <fieldset data-group="s3">
            <legend>{i18n.t("storage.path.s3")}</legend>
            <div class="notice notice-info" data-advice="s3">
                <p>{i18n.t("storage.s3.advice")}</p>
                <ul>
                    <li>{i18n.t("storage.s3.advice.multipart")}</li>
                    <li>{i18n.t("storage.s3.advice.public")}</li>
                </ul>
            </div>
            <TextField label="bucket" help="storage.help.s3.bucket" field="spec.storage.s3.bucket" form errors
                get=|f| f.s3_bucket.clone() set=|f, v| f.s3_bucket = v />
            <TextField label="region" help="storage.help.s3.region" field="spec.storage.s3.region" form errors
                get=|f| f.s3_region.clone() set=|f, v| f.s3_region = v />
            <TextField label="regionEndpoint" help="storage.help.s3.region_endpoint" field="spec.storage.s3.regionEndpoint" form errors
                get=|f| f.s3_region_endpoint.clone() set=|f, v| f.s3_region_endpoint = v />
            <CheckField label="encrypt" help="storage.help.s3.encrypt" field="spec.storage.s3.encrypt" form
                get=|f| f.s3_encrypt set=|f, v| f.s3_encrypt = v />
            <TextField label="keyID" help="storage.help.s3.key_id" field="spec.storage.s3.keyID" form errors
                get=|f| f.s3_key_id.clone() set=|f, v| f.s3_key_id = v />
            <CheckField label="virtualHostedStyle" help="storage.help.s3.virtual_hosted" field="spec.storage.s3.virtualHostedStyle" form
                get=|f| f.s3_virtual_hosted_style set=|f, v| f.s3_virtual_hosted_style = v />
            <TextField label="chunkSizeMiB" help="storage.help.s3.chunk" field="spec.storage.s3.chunkSizeMiB" numeric=true form errors
                get=|f| f.s3_chunk_size_mib.clone() set=|f, v| f.s3_chunk_size_mib = v />
            <details>
                <summary>"cloudFront"</summary>
                <p class="help">{i18n.t("storage.help.cloudfront")}</p>
                <TextField label="baseURL" field="spec.storage.s3.cloudFront.baseURL" form errors
                    get=|f| f.cloudfront_base_url.clone() set=|f, v| f.cloudfront_base_url = v />
                <TextField label="keypairID" field="spec.storage.s3.cloudFront.keypairID" form errors
                    get=|f| f.cloudfront_keypair_id.clone() set=|f, v| f.cloudfront_keypair_id = v />
                <TextField label="privateKey.name" help="storage.help.cloudfront.secret" field="spec.storage.s3.cloudFront.privateKey.name" form errors
                    get=|f| f.cloudfront_key_secret.clone() set=|f, v| f.cloudfront_key_secret = v />
                <TextField label="privateKey.key" field="spec.storage.s3.cloudFront.privateKey.key" form errors
                    get=|f| f.cloudfront_key_key.clone() set=|f, v| f.cloudfront_key_key = v />
                <TextField label="duration" help="storage.help.cloudfront.duration" field="spec.storage.s3.cloudFront.duration" form errors
                    get=|f| f.cloudfront_duration.clone() set=|f, v| f.cloudfront_duration = v />
            </details>
        </fieldset>
    }
}

#[component]
pub fn GcsFields(form: RwSignal<StorageForm>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <fieldset data-group="gcs">
            <legend>{i18n.t("storage.path.gcs")}</legend>
            <TextField label="bucket" help="storage.help.gcs.bucket" field="spec.storage.gcs.bucket" form errors
                get=|f| f.gcs_bucket.clone() set=|f, v| f.gcs_bucket = v />
            <TextField label="region" help="storage.help.gcs.region" field="spec.storage.gcs.region" form errors
                get=|f| f.gcs_region.clone() set=|f, v| f.gcs_region = v />
            <TextField label="projectID" help="storage.help.gcs.project" field="spec.storage.gcs.projectID" form errors
                get=|f| f.gcs_project_id.clone() set=|f, v| f.gcs_project_id = v />
            <TextField label="keyID" help="storage.help.gcs.key_id" field="spec.storage.gcs.keyID" form errors
                get=|f| f.gcs_key_id.clone() set=|f, v| f.gcs_key_id = v />
        </fieldset>
    }
}

#[component]
pub fn AzureFields(form: RwSignal<StorageForm>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <fieldset data-group="azure">
            <legend>{i18n.t("storage.path.azure")}</legend>
            <TextField label="accountName" help="storage.help.azure.account" field="spec.storage.azure.accountName" form errors
                get=|f| f.azure_account_name.clone() set=|f, v| f.azure_account_name = v />
            <TextField label="container" help="storage.help.azure.container" field="spec.storage.azure.container" form errors
                get=|f| f.azure_container.clone() set=|f, v| f.azure_container = v />
            <SelectField label="cloudName" help="storage.help.azure.cloud" field="spec.storage.azure.cloudName"
                options=&AZURE_CLOUDS form errors
                get=|f| f.azure_cloud_name.clone() set=|f, v| f.azure_cloud_name = v />
        </fieldset>
    }
}

#[component]
pub fn SwiftFields(form: RwSignal<StorageForm>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <fieldset data-group="swift">
            <legend>{i18n.t("storage.path.swift")}</legend>
            <TextField label="authURL" help="storage.help.swift.auth_url" field="spec.storage.swift.authURL" form errors
                get=|f| f.swift_auth_url.clone() set=|f, v| f.swift_auth_url = v />
            <SelectField label="authVersion" help="storage.help.swift.auth_version" field="spec.storage.swift.authVersion"
                options=&SWIFT_AUTH_VERSIONS form errors
                get=|f| f.swift_auth_version.clone() set=|f, v| f.swift_auth_version = v />
            <TextField label="container" help="storage.help.swift.container" field="spec.storage.swift.container" form errors
                get=|f| f.swift_container.clone() set=|f, v| f.swift_container = v />
            <TextField label="domain" help="storage.help.swift.domain" field="spec.storage.swift.domain" form errors
                get=|f| f.swift_domain.clone() set=|f, v| f.swift_domain = v />
            <TextField label="domainID" field="spec.storage.swift.domainID" form errors
                get=|f| f.swift_domain_id.clone() set=|f, v| f.swift_domain_id = v />
            <TextField label="tenant" help="storage.help.swift.tenant" field="spec.storage.swift.tenant" form errors
                get=|f| f.swift_tenant.clone() set=|f, v| f.swift_tenant = v />
            <TextField label="tenantID" field="spec.storage.swift.tenantID" form errors
                get=|f| f.swift_tenant_id.clone() set=|f, v| f.swift_tenant_id = v />
            <TextField label="regionName" field="spec.storage.swift.regionName" form errors
                get=|f| f.swift_region_name.clone() set=|f, v| f.swift_region_name = v />
            <div class="field" data-field="swiftCredential">
                <span class="label">{i18n.t("storage.swift.credential")}</span>
                {[
                    ("password", "storage.swift.credential.password"),
                    ("application", "storage.swift.credential.application"),
                    ("token", "storage.swift.credential.token"),
                ]
                    .into_iter()
                    .map(|(kind, key)| {
                        view! {
                            <label class="choice">
                                <input
                                    type="radio"
                                    name="swiftCredential"
                                    value=kind
                                    checked=form.with_untracked(|f| f.swift_credential == kind)
                                    prop:checked=move || form.with(|f| f.swift_credential == kind)
                                    on:change=move |_| form.update(|f| f.swift_credential = kind.to_string())
                                />
                                {i18n.t(key)}
                            </label>
                        }
                    })
                    .collect_view()}
                <FieldErrors all=errors field="swiftCredential" />
            </div>
        </fieldset>
    }
}

/// A shared claim: an existing one from the list, or none (the operator's own).
#[component]
pub fn SharedClaimFields(
    form: RwSignal<StorageForm>,
    errors: Signal<Vec<FieldError>>,
    claims: Signal<Vec<ClaimRow>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <fieldset data-group="pvc">
            <legend>{i18n.t("storage.path.pvc")}</legend>
            <p class="help">{i18n.fill("storage.pvc.auto", &[("claim", OPERATOR_CLAIM)])}</p>
            <label class="field" data-field="spec.storage.pvc.claim">
                <span class="label">"claim"</span>
                <span class="help">{i18n.t("storage.help.pvc.claim")}</span>
                <select
                    name="spec.storage.pvc.claim"
                    prop:value=move || form.with(|f| f.claim.clone())
                    on:change=move |ev| form.update(|f| f.claim = event_target_value(&ev))
                >
                    <option value="">{i18n.fill("storage.pvc.operator_claim", &[("claim", OPERATOR_CLAIM)])}</option>
                    {move || {
                        claims
                            .get()
                            .into_iter()
                            .map(|c| {
                                let name = c.name.clone();
                                let label = format!("{} ({}, {}, {})", c.name, c.access_modes.join(", "), c.capacity, c.phase);
                                view! { <option value=name.clone() selected=move || form.with(|f| f.claim == name)>{label}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <FieldErrors all=errors field="spec.storage.pvc.claim" />
            <FieldErrors all=errors field="spec.replicas" />
            <FieldErrors all=errors field="spec.rolloutStrategy" />
        </fieldset>
    }
}

/// A new ReadWriteOnce claim (guide 3.4.6, 3.5.5).
#[component]
pub fn BlockFields(
    form: RwSignal<StorageForm>,
    errors: Signal<Vec<FieldError>>,
    classes: Signal<Vec<StorageClassRow>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <fieldset data-group="block">
            <legend>{i18n.t("storage.path.block")}</legend>
            <p class="help">{i18n.t("storage.block.effect")}</p>
            <TextField label="metadata.name" help="storage.help.block.name" field="claim.name" form errors
                get=|f| f.block_name.clone() set=|f, v| f.block_name = v />
            <TextField label="resources.requests.storage" help="storage.help.block.size" field="claim.size" form errors
                get=|f| f.block_size.clone() set=|f, v| f.block_size = v />
            <label class="field" data-field="claim.storageClassName">
                <span class="label">"storageClassName"</span>
                <span class="help">{i18n.t("storage.help.block.class")}</span>
                <select
                    name="claim.storageClassName"
                    prop:value=move || form.with(|f| f.block_class.clone())
                    on:change=move |ev| form.update(|f| f.block_class = event_target_value(&ev))
                >
                    <option value="">{i18n.t("storage.block.default_class")}</option>
                    {move || {
                        classes
                            .get()
                            .into_iter()
                            .map(|c| {
                                let name = c.name.clone();
                                let label = if c.default {
                                    format!("{} ({})", c.name, i18n.t("storage.classes.default"))
                                } else {
                                    c.name.clone()
                                };
                                view! { <option value=name.clone() selected=move || form.with(|f| f.block_class == name)>{label}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <FieldErrors all=errors field="claim.storageClassName" />
        </fieldset>
    }
}

/// The credentials the path writes to `image-registry-private-configuration-user`:
/// write-only inputs, a key file read in the browser and sent once.
#[component]
pub fn CredentialFields(
    form: RwSignal<StorageForm>,
    errors: Signal<Vec<FieldError>>,
    credentials: RwSignal<BTreeMap<String, String>>,
    existing: Signal<Vec<String>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let keys = move || form.with(credential_keys);
    view! {
        <Show when=move || !keys().is_empty()>
            <fieldset data-group="credentials">
                <legend>{i18n.t("storage.credentials.title")}</legend>
                <p class="help">{i18n.t("storage.credentials.write_only")}</p>
                {move || {
                    keys()
                        .iter()
                        .map(|key| {
                            let key: &'static str = key;
                            let field = credential_field(key);
                            let kept = existing.with(|e| e.iter().any(|k| k == key));
                            let input = if FILE_KEYS.contains(&key) {
                                view! {
                                    <input
                                        type="file"
                                        accept="application/json,.json"
                                        name=field.clone()
                                        on:change=move |ev| {
                                            read_file(ev, move |text| {
                                                credentials.try_update(|c| {
                                                    c.insert(key.to_string(), text);
                                                });
                                            })
                                        }
                                    />
                                    <span class="help" data-key-file="">{move || key_file_summary(credentials, key)}</span>
                                }
                                .into_any()
                            } else {
                                view! {
                                    <input
                                        type="password"
                                        autocomplete="off"
                                        name=field.clone()
                                        prop:value=move || credentials.with(|c| c.get(key).cloned().unwrap_or_default())
                                        on:input=move |ev| {
                                            let value = event_target_value(&ev);
                                            credentials.update(|c| {
                                                c.insert(key.to_string(), value);
                                            })
                                        }
                                    />
                                }
                                .into_any()
                            };
                            view! {
                                <label class="field" data-field=field.clone()>
                                    <span class="label"><code>{key}</code></span>
                                    {kept.then(|| view! { <span class="help" data-kept="">{i18n.t("storage.credentials.kept")}</span> })}
                                    {input}
                                </label>
                                <ErrorsFor errors field />
                            }
                        })
                        .collect_view()
                }}
            </fieldset>
        </Show>
    }
}

/// [`FieldErrors`] for a field named at run time.
#[component]
fn ErrorsFor(errors: Signal<Vec<FieldError>>, field: String) -> impl IntoView {
    move || {
        let texts: Vec<String> = errors.with(|all| {
            all.iter()
                .filter(|e| e.field == field)
                .map(|e| e.text.clone())
                .collect()
        });
        (!texts.is_empty()).then(|| {
            view! {
                <ul class="field-errors" data-errors-for=field.clone()>
                    {texts.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
                </ul>
            }
        })
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
