//! The CA-trust page (SPEC §6, guide 2.5), rendered on the server: the registry CAs the
//! cluster trusts (per registry host and port, each certificate's subject, issuer,
//! validity and SHA-256 fingerprint, expiry flagged), adding or replacing one, removing
//! one. The forms are read by the change-forms island and go through the shared change
//! review.

use crate::api::exposure::ca_trust;
use crate::components::certificate::CertificateFacts;
use crate::components::language::I18n;
use crate::components::plain_fields::{
    BaseInput, ErrorSlot, FormsPage, PemField, PlainText, ReviewButton, Unreadable,
};
use crate::domain::ca_trust::{
    CONFIG_NAMESPACE, CaTrustView, DEFAULT_CONFIG_MAP, FIELD_CONFIG_MAP, FIELD_HOST, FIELD_KEY,
    FIELD_PEM, FIELD_PORT, FIELD_WHEN_EMPTY, FORM_ADD_CA, FORM_REMOVE_CA, TrustedCa,
    registry_address,
};
use crate::domain::change::ChangeArea;
use crate::domain::page::Page;
use crate::domain::violation::message;
use leptos::prelude::*;

#[component]
pub fn CaTrustPage() -> impl IntoView {
    view! {
        <FormsPage
            page=Page::CaTrust
            area=ChangeArea::CaTrust
            load=ca_trust
            denied=|view| view.update_denied.clone()
            content=|view, denied| view! { <TrustContent view denied /> }
        />
    }
}

#[component]
fn TrustContent(view: CaTrustView, denied: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let base = serde_json::to_string(&view.seen).unwrap_or_default();
    let reference = view.seen.reference();
    let reference_text = match &reference {
        Some(name) => i18n.fill(
            "ca_trust.reference",
            &[("name", name), ("namespace", CONFIG_NAMESPACE)],
        ),
        None => i18n.t("ca_trust.reference.none").to_string(),
    };
    let last = view.entries.len() == 1;
    let none = view.entries.is_empty();
    let entries = view
        .entries
        .into_iter()
        .map(|entry| view! { <CaEntry entry base=base.clone() denied last /> })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="cas-heading">
            <h2 id="cas-heading">{i18n.t("ca_trust.list.title")}</h2>
            <crate::components::versions_link::VersionsLink group="config.openshift.io" kind="Image" name="cluster" />
            <p data-reference=reference.clone().unwrap_or_default()>{reference_text}</p>
            {view
                .config_map_missing
                .then(|| {
                    view! {
                        <p class="notice notice-warning" data-config-map="missing">
                            {i18n.t("ca_trust.config_map.missing")}
                        </p>
                    }
                })}
            {view
                .config_map_error
                .map(|why| view! { <Unreadable what="ca_trust.config_map.unreadable" why /> })}
            {none.then(|| view! { <p data-trusted-cas="none">{i18n.t("ca_trust.none")}</p> })}
            <div data-trusted-cas="">{entries}</div>
        </section>
        <section class="card" aria-labelledby="add-ca-heading">
            <h2 id="add-ca-heading">{i18n.t("ca_trust.add.title")}</h2>
            {if denied {
                view! { <p data-read-only-summary="add-ca">{i18n.fill("ca_trust.add.read_only", &[("namespace", CONFIG_NAMESPACE)])}</p> }.into_any()
            } else {
                view! {
            <p>{i18n.t("ca_trust.add.help")}</p>
            <form method="post" data-change-form=FORM_ADD_CA>
                <fieldset class="plain" disabled=denied>
                    <BaseInput base=base.clone() />
                    <ErrorSlot field="form" />
                    <PlainText label="ca_trust.host.label" help=i18n.t("ca_trust.host.help").to_string() field=FIELD_HOST placeholder="registry.example.com" />
                    <PlainText label="ca_trust.port.label" help=i18n.t("ca_trust.port.help").to_string() field=FIELD_PORT placeholder="5000" />
                    <PemField label="ca_trust.pem.label" help="ca_trust.pem.help" field=FIELD_PEM />
                    {reference
                        .is_none()
                        .then(|| {
                            view! {
                                <PlainText
                                    label="ca_trust.config_map.label"
                                    help=i18n.fill("ca_trust.config_map.help", &[("namespace", CONFIG_NAMESPACE)])
                                    field=FIELD_CONFIG_MAP
                                    value=DEFAULT_CONFIG_MAP
                                />
                            }
                        })}
                    <ReviewButton label="ca_trust.review" />
                </fieldset>
            </form>
                }
                .into_any()
            }}
        </section>
    }
}

/// One registry's CA bundle: its address and key, each certificate, and its removal.
#[component]
fn CaEntry(entry: TrustedCa, base: String, denied: bool, last: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let address = registry_address(&entry.key);
    let certificates = match entry.certificates {
        Ok(list) => list
            .into_iter()
            .map(|c| {
                let not_ca = (!c.info.is_ca).then(|| {
                    view! { <p class="text-warning" data-not-ca="">{i18n.t("ca_trust.not_ca")}</p> }
                });
                view! {
                    <li class="certificate" data-fingerprint=c.info.sha256_fingerprint.clone()>
                        <CertificateFacts cert=c.clone() />
                        <dl class="facts">
                            <dt>{i18n.t("cert.issuer")}</dt>
                            <dd>{c.info.issuer.clone()}</dd>
                            <dt>{i18n.t("cert.validity")}</dt>
                            <dd>{format!("{} – {}", c.info.not_before, c.info.not_after)}</dd>
                            <dt>"SHA-256"</dt>
                            <dd><code class="fingerprint">{c.info.sha256_fingerprint.clone()}</code></dd>
                        </dl>
                        {not_ca}
                    </li>
                }
            })
            .collect_view()
            .into_any(),
        Err(problem) => view! {
            <li class="text-error" data-unparsable="">{message(i18n.lang(), &problem)}</li>
        }
        .into_any(),
    };
    view! {
        <article class="ca-entry" data-ca-key=entry.key.clone()>
            <h3>
                <code>{address.clone()}</code>
                " "
                <small>{i18n.fill("ca_trust.key_form", &[("key", &entry.key)])}</small>
            </h3>
            <ul class="plain-list">{certificates}</ul>
            {(!denied).then(|| view! {
            <form method="post" data-change-form=FORM_REMOVE_CA class="inline-form">
                <fieldset class="plain">
                    <BaseInput base=base.clone() />
                    <input type="hidden" name=FIELD_KEY value=entry.key.clone() />
                    {last
                        .then(|| {
                            view! {
                                <fieldset class="field" data-field=FIELD_WHEN_EMPTY>
                                    <legend class="label">{i18n.t("ca_trust.when_empty")}</legend>
                                    <label class="choice">
                                        <input type="radio" name=FIELD_WHEN_EMPTY value="keep" checked=true />
                                        {i18n.t("ca_trust.when_empty.keep")}
                                    </label>
                                    <label class="choice">
                                        <input type="radio" name=FIELD_WHEN_EMPTY value="unset" />
                                        {i18n.t("ca_trust.when_empty.unset")}
                                    </label>
                                </fieldset>
                            }
                        })}
                    <ErrorSlot field=FIELD_KEY />
                    <ReviewButton label="ca_trust.remove" danger=true />
                </fieldset>
            </form>
            })}
        </article>
    }
}
