//! The Registries page (guide chapter 4), rendered on the server: where the cluster may
//! pull and import images from (the image config's registry sources), the registries the
//! cluster's pull secret has credentials for (never a value), adding, replacing or removing
//! one registry's credentials, and the Samples Operator's copy of the registry.redhat.io
//! credentials. The forms are read by the change-forms island and go through the shared
//! change review.

use crate::api::exposure::registries;
use crate::components::health::Time;
use crate::components::language::I18n;
use crate::components::plain_fields::{
    BaseInput, CopyButton, ErrorSlot, FormsPage, PlainText, ReviewButton,
};
use crate::domain::change::ChangeArea;
use crate::domain::page::Page;
use crate::domain::registries::sources::{
    FIELD_ALLOWED, FIELD_BLOCKED, FIELD_CONFIRM_RISKS, FIELD_CONFIRM_ROLLOUT, FIELD_EXTERNAL,
    FIELD_IMPORT, FIELD_INSECURE, FIELD_SEARCH, SAMPLES_SOURCE, import_text,
};
use crate::domain::registries::{
    CredentialEntry, FIELD_KIND, FIELD_REGISTRY, FIELD_SECRET, FIELD_TEST, FIELD_USERNAME,
    FORM_COPY_SAMPLES, FORM_REMOVE_CREDENTIAL, FORM_SET_CREDENTIAL, FORM_SOURCES, NodeCount,
    PULL_SECRET, PULL_SECRET_NAMESPACE, PullSecretState, RegistriesView, SAMPLES_NAMESPACE,
    SAMPLES_SECRET,
};
use leptos::prelude::*;

#[component]
pub fn RegistriesPage() -> impl IntoView {
    view! {
        <FormsPage
            page=Page::Registries
            area=ChangeArea::Registries
            load=registries
            denied=|view| view.image_denied.clone()
            content=|view, denied| view! { <RegistriesContent view denied /> }
        />
    }
}

#[component]
fn RegistriesContent(view: RegistriesView, denied: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let base = serde_json::to_string(&view.seen).unwrap_or_default();
    let secrets_denied = denied || view.secret_denied.is_some();
    let secret_notice = (!denied).then_some(view.secret_denied.clone()).flatten().map(|why| {
        view! {
            <div class="notice notice-warning" role="status" data-denied="pull-secret">
                <p>{i18n.t("registries.credentials.denied")}</p>
                <details><summary>{i18n.t("common.details")}</summary><p><small lang="en">{why}</small></p></details>
            </div>
        }
    });
    let has_samples_source = matches!(&view.pull_secret, PullSecretState::Entries(list) if list.iter().any(|e| e.registry == SAMPLES_SOURCE));
    view! {
        <SourcesCard view=view.clone() base=base.clone() denied />
        <section class="card" aria-labelledby="credentials-heading">
            <h2 id="credentials-heading">{i18n.t("registries.credentials.title")}</h2>
            <p>
                {i18n.fill(
                    "registries.credentials.help",
                    &[("name", PULL_SECRET), ("namespace", PULL_SECRET_NAMESPACE)],
                )}
            </p>
            <p class="help" data-outside-changes="pull-secret">{i18n.t("registries.credentials.outside")}</p>
            {secret_notice}
            <CredentialList
                state=view.pull_secret.clone()
                base=base.clone()
                denied=secrets_denied
                removable=true
                missing="registries.credentials.missing"
                unavailable="registries.credentials.unavailable"
            />
            <h3>{i18n.t("registries.set.title")}</h3>
            {if secrets_denied {
                // No form for someone who may not write the Secret: who can, and how.
                view! {
                    <p data-read-only-summary="set-credential">
                        {i18n.fill(
                            "registries.set.read_only",
                            &[("name", PULL_SECRET), ("namespace", PULL_SECRET_NAMESPACE)],
                        )}
                    </p>
                }
                .into_any()
            } else {
                view! {
            <p>{i18n.t("registries.set.help")}</p>
            <form method="post" data-change-form=FORM_SET_CREDENTIAL>
                <fieldset class="plain">
                    <BaseInput base=base.clone() />
                    <ErrorSlot field="form" />
                    <PlainText label="registries.registry.label" help=i18n.t("registries.registry.help").to_string() field=FIELD_REGISTRY placeholder="registry.example.com" />
                    <fieldset class="field" data-field=FIELD_KIND>
                        <legend class="label">{i18n.t("registries.kind.label")}</legend>
                        <label class="choice">
                            <input type="radio" name=FIELD_KIND value="token" checked=true />
                            {i18n.t("registries.kind.token.choice")}
                        </label>
                        <label class="choice">
                            <input type="radio" name=FIELD_KIND value="password" />
                            {i18n.t("registries.kind.password.choice")}
                        </label>
                    </fieldset>
                    <ErrorSlot field=FIELD_KIND />
                    <PlainText label="registries.username.label" help=i18n.t("registries.username.help").to_string() field=FIELD_USERNAME />
                    <label class="field" data-field=FIELD_SECRET>
                        <span class="label">{i18n.t("registries.secret.label")}</span>
                        <span class="help">{i18n.t("registries.secret.help")}</span>
                        <input type="password" name=FIELD_SECRET autocomplete="new-password" spellcheck="false" />
                    </label>
                    <ErrorSlot field=FIELD_SECRET />
                    <label class="choice" data-field=FIELD_TEST>
                        <input type="checkbox" name=FIELD_TEST checked=true />
                        {i18n.t("registries.test.label")}
                    </label>
                    <ErrorSlot field=FIELD_TEST />
                    <ReviewButton label="registries.set.review" />
                </fieldset>
            </form>
                }
                .into_any()
            }}
            <details class="commands">
                <summary>{i18n.t("registries.commands.title")}</summary>
                <pre class="code" data-commands="pull-secret">
                    {format!(
                        "oc get secret/pull-secret -n {PULL_SECRET_NAMESPACE} --template='{{{{index .data \".dockerconfigjson\" | base64decode}}}}' > pull-secret.json\noc registry login --registry='<host>' --auth-basic='<user>:<password>' --to=pull-secret.json\noc set data secret/pull-secret -n {PULL_SECRET_NAMESPACE} --from-file=.dockerconfigjson=pull-secret.json"
                    )}
                </pre>
                <CopyButton />
            </details>
        </section>
        <section class="card" aria-labelledby="samples-heading">
            <h2 id="samples-heading">{i18n.t("registries.samples.title")}</h2>
            <p>
                {i18n.fill(
                    "registries.samples.help",
                    &[("name", SAMPLES_SECRET), ("namespace", SAMPLES_NAMESPACE), ("registry", SAMPLES_SOURCE)],
                )}
            </p>
            <CredentialList
                state=view.samples.clone()
                base=base.clone()
                denied=true
                removable=false
                missing="registries.samples.missing"
                unavailable="registries.samples.unavailable"
            />
            {if secrets_denied {
                // The credentials card says why; a copy they may not make is not offered.
                ().into_any()
            } else if has_samples_source {
                view! {
                    <form method="post" data-change-form=FORM_COPY_SAMPLES class="inline-form">
                        <fieldset class="plain">
                            <BaseInput base=base.clone() />
                            <ErrorSlot field="form" />
                            <ReviewButton label="registries.samples.copy" />
                        </fieldset>
                    </form>
                }
                .into_any()
            } else if matches!(view.pull_secret, PullSecretState::Entries(_) | PullSecretState::Missing) {
                view! {
                    <p class="help" data-samples-copy="unavailable">
                        {i18n.fill("registries.samples.no_source", &[("registry", SAMPLES_SOURCE)])}
                    </p>
                }
                .into_any()
            } else {
                ().into_any()
            }}
        </section>
    }
}

/// The registry sources: what the cluster reports, and the form of the six lists.
#[component]
fn SourcesCard(view: RegistriesView, base: String, denied: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let sources = &view.sources;
    let hostnames = match (&view.internal_hostname, view.status_external.is_empty()) {
        (None, true) => i18n.t("registries.status.none").to_string(),
        _ => {
            let mut parts = Vec::new();
            if let Some(internal) = &view.internal_hostname {
                parts.push(i18n.fill("registries.status.internal", &[("host", internal)]));
            }
            if !view.status_external.is_empty() {
                parts.push(i18n.fill(
                    "registries.status.external",
                    &[("hosts", &view.status_external.join(", "))],
                ));
            }
            parts.join(" ")
        }
    };
    let rollout = match &view.nodes {
        NodeCount::Known(count) => i18n.fill(
            "registries.confirm.rollout",
            &[("count", &count.to_string())],
        ),
        NodeCount::Forbidden => i18n.fill(
            "registries.confirm.rollout_unknown",
            &[("reason", i18n.t("registries.nodes.forbidden"))],
        ),
        NodeCount::Failed(why) => {
            i18n.fill("registries.confirm.rollout_unknown", &[("reason", why)])
        }
    };
    let lists = [
        (
            FIELD_ALLOWED,
            "registries.allowed",
            sources.allowed.join("\n"),
        ),
        (
            FIELD_BLOCKED,
            "registries.blocked",
            sources.blocked.join("\n"),
        ),
        (
            FIELD_INSECURE,
            "registries.insecure",
            sources.insecure.join("\n"),
        ),
        (FIELD_SEARCH, "registries.search", sources.search.join("\n")),
        (
            FIELD_IMPORT,
            "registries.import",
            sources
                .import
                .iter()
                .map(import_text)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (
            FIELD_EXTERNAL,
            "registries.external",
            sources.external.join("\n"),
        ),
    ];
    view! {
        <section class="card" aria-labelledby="sources-heading">
            <h2 id="sources-heading">{i18n.t("registries.sources.title")}</h2>
            <crate::components::versions_link::VersionsLink group="config.openshift.io" kind="Image" name="cluster" />
            <p data-status-hostnames="">{hostnames}</p>
            {if denied {
                // The lists as they are, for a user who may not change them.
                view! {
                    <dl class="facts" data-read-only-summary="sources">
                        {lists
                            .into_iter()
                            .map(|(field, key, value)| {
                                let entries: Vec<String> = value.lines().map(str::to_string).collect();
                                view! {
                                    <dt>{i18n.t(key)} " " <small class="api-path">{field}</small></dt>
                                    <dd data-fact=field>
                                        {if entries.is_empty() {
                                            view! { {i18n.t("common.none")} }.into_any()
                                        } else {
                                            view! {
                                                <ul class="plain-list">
                                                    {entries.into_iter().map(|e| view! { <li><code>{e}</code></li> }).collect_view()}
                                                </ul>
                                            }
                                            .into_any()
                                        }}
                                    </dd>
                                }
                            })
                            .collect_view()}
                    </dl>
                }
                .into_any()
            } else {
                view! {
            <p>{i18n.t("registries.sources.help")}</p>
            <form method="post" data-change-form=FORM_SOURCES>
                <fieldset class="plain" disabled=denied>
                    <BaseInput base />
                    <ErrorSlot field="form" />
                    {lists
                        .into_iter()
                        .map(|(field, key, value)| view! { <ListField field key value /> })
                        .collect_view()}
                    <label class="choice" data-field=FIELD_CONFIRM_RISKS>
                        <input type="checkbox" name=FIELD_CONFIRM_RISKS />
                        {i18n.t("registries.confirm.risks")}
                    </label>
                    <ErrorSlot field=FIELD_CONFIRM_RISKS />
                    <label class="choice" data-field=FIELD_CONFIRM_ROLLOUT>
                        <input type="checkbox" name=FIELD_CONFIRM_ROLLOUT />
                        {rollout}
                    </label>
                    <ErrorSlot field=FIELD_CONFIRM_ROLLOUT />
                    <ReviewButton label="registries.sources.review" />
                </fieldset>
            </form>
                }
                .into_any()
            }}
        </section>
    }
}

/// One list of the registry sources: a text area, one entry per line.
#[component]
fn ListField(field: &'static str, key: &'static str, value: String) -> impl IntoView {
    let i18n = I18n::expect();
    let rows = value.lines().count().clamp(2, 12);
    view! {
        <label class="field" data-field=field>
            <span class="label">{i18n.t(key)}</span>
            <span class="help">{i18n.t(&format!("{key}.help"))} " " <code class="api-path">{field}</code></span>
            <textarea name=field rows=rows spellcheck="false" autocomplete="off">{value}</textarea>
        </label>
        <ErrorSlot field />
    }
}

/// The registries a docker-config Secret has credentials for: never a value.
#[component]
fn CredentialList(
    state: PullSecretState,
    base: String,
    denied: bool,
    removable: bool,
    /// What to say when the Secret is absent, or cannot be read.
    missing: &'static str,
    unavailable: &'static str,
) -> impl IntoView {
    let i18n = I18n::expect();
    match state {
        PullSecretState::Missing => {
            view! { <p class="empty" data-credentials="missing">{i18n.t(missing)}</p> }.into_any()
        }
        PullSecretState::Unavailable(why) => view! {
            <div class="notice notice-warning" role="status" data-credentials="unavailable">
                <p>{i18n.t(unavailable)}</p>
                <details><summary>{i18n.t("common.details")}</summary><p><small lang="en">{why}</small></p></details>
            </div>
        }
        .into_any(),
        PullSecretState::Unreadable(why) => view! {
            <div class="notice notice-error" role="alert" data-credentials="unreadable">
                <p>{i18n.t("registries.credentials.unreadable")}</p>
                <p><small lang="en">{why}</small></p>
            </div>
        }
        .into_any(),
        PullSecretState::Entries(list) if list.is_empty() => {
            view! { <p class="empty" data-credentials="none">{i18n.t("registries.credentials.none")}</p> }.into_any()
        }
        PullSecretState::Entries(list) => view! {
            <div class="table-scroll">
                <table class="table" data-credentials="">
                    <thead>
                        <tr>
                            <th scope="col">{i18n.t("registries.col.registry")}</th>
                            <th scope="col">{i18n.t("registries.col.holds")}</th>
                            <th scope="col">{i18n.t("registries.col.set_by")}</th>
                            <th scope="col">{i18n.t("registries.col.fingerprint")}</th>
                            {removable.then(|| view! { <th scope="col">{i18n.t("registries.col.actions")}</th> })}
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .into_iter()
                            .map(|entry| view! { <CredentialRow entry base=base.clone() denied removable /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
    }
}

#[component]
fn CredentialRow(
    entry: CredentialEntry,
    base: String,
    denied: bool,
    removable: bool,
) -> impl IntoView {
    let i18n = I18n::expect();
    let mut holds = Vec::new();
    if entry.facts.auth {
        holds.push(i18n.t("registries.holds.auth"));
    }
    if entry.facts.identity_token {
        holds.push(i18n.t("registries.holds.identity_token"));
    }
    if entry.facts.email {
        holds.push(i18n.t("registries.holds.email"));
    }
    let holds = if holds.is_empty() {
        i18n.t("registries.holds.nothing").to_string()
    } else {
        holds.join(", ")
    };
    let set_by = match &entry.set_by {
        Some(by) => view! {
            <span>
                {by.actor.clone()} " · "
                <Time at=by.at.clone() />
                " · "
                <a href=format!("/audit?change={}", crate::domain::return_to::encode_query_value(&by.change_id))>
                    {i18n.t("registries.set_by.entry")}
                </a>
            </span>
        }
        .into_any(),
        None => view! { <span class="muted">{i18n.t("registries.set_by.outside")}</span> }.into_any(),
    };
    let remove = removable.then(|| {
        view! {
            <td>
                <form method="post" data-change-form=FORM_REMOVE_CREDENTIAL class="inline-form">
                    <fieldset class="plain" disabled=denied>
                        <BaseInput base />
                        <input type="hidden" name=FIELD_REGISTRY value=entry.registry.clone() />
                        <ErrorSlot field=FIELD_REGISTRY />
                        <div class="actions">
                            <button type="submit" class="button button-danger" data-action="preview">
                                {i18n.t("registries.remove")}
                            </button>
                        </div>
                    </fieldset>
                </form>
            </td>
        }
    });
    view! {
        <tr data-registry=entry.registry.clone()>
            <td><code>{entry.registry.clone()}</code></td>
            <td>{holds}</td>
            <td>{set_by}</td>
            <td><code class="fingerprint">{entry.fingerprint.clone()}</code></td>
            {remove}
        </tr>
    }
}
