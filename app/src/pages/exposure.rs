//! The exposure wizard (SPEC §6, guide 2.4 and 6.1), rendered on the server: where the
//! registry is reachable from outside the cluster, the default route on or off, a custom
//! route with its own certificate, removing one, and afterwards the `podman` commands for
//! each host. The forms are read by the change-forms island and go through the shared
//! change review.

use crate::api::exposure::exposure;
use crate::components::certificate::CertificateFacts;
use crate::components::language::I18n;
use crate::components::plain_fields::{
    BaseInput, CopyButton, ErrorSlot, FactLabel, FieldLabel, FormsPage, PemField, PlainText,
    ReviewButton, Unreadable,
};
use crate::domain::change::ChangeArea;
use crate::domain::exposure::{
    EXAMPLE_ROUTE_NAME, ExposedHost, ExposureView, FIELD_CA, FIELD_CERTIFICATE,
    FIELD_DEFAULT_ROUTE, FIELD_DELETE_SECRET, FIELD_HOSTNAME, FIELD_KEY, FIELD_NAME, FIELD_ROUTE,
    FIELD_SECRET, FORM_ADD_ROUTE, FORM_DEFAULT_ROUTE, FORM_REMOVE_ROUTE, ImageTarget, Trust,
    default_secret_name, generated_host, podman_commands,
};
use crate::domain::page::Page;
use crate::domain::registry_config::rules::DEFAULT_ROUTE;
use leptos::prelude::*;

#[component]
pub fn ExposurePage() -> impl IntoView {
    view! {
        <FormsPage
            page=Page::Exposure
            area=ChangeArea::Exposure
            load=exposure
            denied=|view| view.update_denied.clone()
            content=|view, denied| view! { <ExposureContent view denied /> }
        />
    }
}

#[component]
fn ExposureContent(view: ExposureView, denied: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let base = serde_json::to_string(&view.base).unwrap_or_default();
    let domain = view.apps_domain.clone().ok().flatten();
    let domain_notice = match &view.apps_domain {
        Err(why) => Some(
            view! { <Unreadable what="exposure.domain.unreadable" why=why.clone() /> }.into_any(),
        ),
        Ok(None) => Some(
            view! { <p class="help" data-domain="">{i18n.t("exposure.domain.absent")}</p> }
                .into_any(),
        ),
        Ok(Some(_)) => None,
    };
    let default_host = domain
        .as_deref()
        .map(|d| generated_host(DEFAULT_ROUTE, d))
        .unwrap_or_else(|| format!("{DEFAULT_ROUTE}-openshift-image-registry.<apps domain>"));
    let name_help = match &domain {
        Some(d) => i18n.fill(
            "exposure.hostname.help",
            &[("host", &generated_host("<name>", d))],
        ),
        None => i18n.t("exposure.hostname.help_no_domain").to_string(),
    };
    view! {
        <section class="card" aria-labelledby="hosts-heading">
            <h2 id="hosts-heading">{i18n.t("exposure.hosts.title")}</h2>
            {domain_notice}
            {view
                .route_objects_error
                .clone()
                .map(|why| view! { <Unreadable what="exposure.routes.unreadable" why /> })}
            <HostsTable hosts=view.hosts.clone() />
        </section>
        <section class="card" aria-labelledby="default-route-heading">
            <h2 id="default-route-heading">{i18n.t("exposure.default.title")}</h2>
            <p>{i18n.fill("exposure.default.help", &[("host", &default_host)])}</p>
            {if denied {
                view! {
                    <dl class="facts" data-read-only-summary="default-route">
                        <FactLabel label="field.default_route" path="spec.defaultRoute" />
                        <dd data-fact="spec.defaultRoute">
                            {i18n.t(if view.default_route { "overview.fact.default_route.on" } else { "overview.fact.default_route.off" })}
                        </dd>
                    </dl>
                }
                .into_any()
            } else {
                view! {
            <form method="post" data-change-form=FORM_DEFAULT_ROUTE>
                <fieldset class="plain" disabled=denied>
                    <BaseInput base=base.clone() />
                    <label class="field field-check" data-field=FIELD_DEFAULT_ROUTE>
                        <input type="checkbox" name=FIELD_DEFAULT_ROUTE checked=view.default_route />
                        <FieldLabel label="field.default_route" field=FIELD_DEFAULT_ROUTE />
                        <span class="help">{i18n.t("exposure.default.field")}</span>
                    </label>
                    <ErrorSlot field=FIELD_DEFAULT_ROUTE />
                    <ReviewButton label="exposure.review" />
                </fieldset>
            </form>
                }
                .into_any()
            }}
        </section>
        <section class="card" aria-labelledby="add-route-heading">
            <h2 id="add-route-heading">{i18n.t("exposure.add.title")}</h2>
            {if denied {
                view! { <p data-read-only-summary="add-route">{i18n.t("exposure.add.read_only")}</p> }.into_any()
            } else {
                view! {
            <p>{i18n.t("exposure.add.help")}</p>
            <form method="post" data-change-form=FORM_ADD_ROUTE>
                <fieldset class="plain" disabled=denied>
                    <BaseInput base=base.clone() />
                    <ErrorSlot field="form" />
                    <PlainText label="exposure.name" help=i18n.t("exposure.name.help").to_string() field=FIELD_NAME placeholder=EXAMPLE_ROUTE_NAME />
                    <PlainText label="exposure.hostname" help=name_help field=FIELD_HOSTNAME placeholder="myregistry.mycorp.organization" />
                    <p class="notice notice-info" data-tls-default="">{i18n.t("exposure.tls.default")}</p>
                    <PemField label="exposure.certificate" help="exposure.certificate.help" field=FIELD_CERTIFICATE />
                    <PemField label="exposure.key" help="exposure.key.help" field=FIELD_KEY secret=true />
                    <PemField label="exposure.ca" help="exposure.ca.help" field=FIELD_CA />
                    <PlainText label="exposure.secret" help=i18n.t("exposure.secret.help").to_string() field=FIELD_SECRET placeholder=default_secret_name(EXAMPLE_ROUTE_NAME) />
                    <ReviewButton label="exposure.review" />
                </fieldset>
            </form>
                }
                .into_any()
            }}
        </section>
        <RoutesCard view=view.clone() base denied />
        <CommandsCard hosts=view.hosts />
    }
}

/// Where the registry is reachable: each route's host, whether the route exists yet, and
/// its certificate.
#[component]
fn HostsTable(hosts: Vec<ExposedHost>) -> impl IntoView {
    let i18n = I18n::expect();
    if hosts.is_empty() {
        return view! { <p data-hosts="none">{i18n.t("exposure.hosts.none")}</p> }.into_any();
    }
    view! {
        <table class="table" data-hosts="">
            <thead>
                <tr>
                    <th scope="col">{i18n.t("exposure.col.route")}</th>
                    <th scope="col">{i18n.t("exposure.col.host")}</th>
                    <th scope="col">{i18n.t("exposure.col.state")}</th>
                    <th scope="col">{i18n.t("exposure.col.certificate")}</th>
                </tr>
            </thead>
            <tbody>
                {hosts
                    .into_iter()
                    .map(|h| {
                        let state = if h.exists { "exposure.state.exists" } else { "exposure.state.pending" };
                        let route = h.route.clone();
                        let route_attr = h.route.clone();
                        let host = h.host.clone().unwrap_or_else(|| "—".into());
                        view! {
                            <tr data-route=route_attr>
                                <th scope="row">{route}</th>
                                <td><code>{host}</code></td>
                                <td>{i18n.t(state)}</td>
                                <td><CertificateCell host=h /></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn CertificateCell(host: ExposedHost) -> impl IntoView {
    let i18n = I18n::expect();
    match host.certificates {
        None => view! { <span data-certificate="ingress-default">{i18n.t("exposure.cert.ingress_default")}</span> }.into_any(),
        Some(Err(why)) => view! {
            <span class="text-warning" data-certificate="unreadable">{i18n.fill("exposure.cert.unreadable", &[("secret", &host.secret_name), ("reason", &why)])}</span>
        }
        .into_any(),
        Some(Ok(chain)) => {
            let leaf = chain.first().cloned();
            view! {
                <span data-certificate="own">
                    <code>{host.secret_name.clone()}</code>
                    {leaf.map(|c| view! { <br /><CertificateFacts cert=c /> })}
                </span>
            }
            .into_any()
        }
    }
}

/// The custom routes in the Config, each with its removal.
#[component]
fn RoutesCard(view: ExposureView, base: String, denied: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let none = view.routes.is_empty();
    let rows = view
        .routes
        .into_iter()
        .map(|route| {
            let secret = route.secret_name.clone();
            let host = if route.hostname.is_empty() {
                "—".to_string()
            } else {
                route.hostname.clone()
            };
            if denied {
                return view! {
                    <li data-custom-route=route.name.clone()>
                        <strong>{route.name.clone()}</strong> " " <code>{host}</code>
                        {(!secret.is_empty()).then(|| view! { " · " <code>{secret.clone()}</code> })}
                    </li>
                }
                .into_any();
            }
            let delete_label = i18n.fill("exposure.remove.delete_secret", &[("secret", &secret)]);
            view! {
                <li data-custom-route=route.name.clone()>
                    <form method="post" data-change-form=FORM_REMOVE_ROUTE class="inline-form">
                        <fieldset class="plain" disabled=denied>
                            <BaseInput base=base.clone() />
                            <input type="hidden" name=FIELD_ROUTE value=route.name.clone() />
                            <strong>{route.name.clone()}</strong>
                            " "
                            <code>{host}</code>
                            {(!secret.is_empty())
                                .then(|| {
                                    view! {
                                        <label class="field field-check">
                                            <input type="checkbox" name=FIELD_DELETE_SECRET />
                                            <span class="label">{delete_label}</span>
                                        </label>
                                    }
                                })}
                            <ErrorSlot field=FIELD_ROUTE />
                            <ReviewButton label="exposure.remove" danger=true />
                        </fieldset>
                    </form>
                </li>
            }
            .into_any()
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="routes-heading">
            <h2 id="routes-heading">{i18n.t("exposure.routes.title")}</h2>
            {none.then(|| view! { <p>{i18n.t("exposure.routes.none")}</p> })}
            <ul class="plain-list" data-custom-routes="">{rows}</ul>
        </section>
    }
}

/// Afterwards (guide 6.1, 5.2): logging in to each host and pushing an image there. The
/// image's names come from the page's address (a plain GET form sets them), so the commands
/// can be pasted as they are.
#[component]
fn CommandsCard(hosts: Vec<ExposedHost>) -> impl IntoView {
    let i18n = I18n::expect();
    let query = leptos_router::hooks::use_query_map();
    let image = query.with_untracked(|q| ImageTarget::from_query(|name| q.get(name)));
    let problems: Vec<String> = image
        .problems()
        .into_iter()
        .map(|(field, key)| format!("{field}: {}", i18n.t(key)))
        .collect();
    let blocks = hosts
        .into_iter()
        .filter_map(|h| {
            let host = h.host.clone()?;
            let host_attr = host.clone();
            let commands = podman_commands(&host, &h.trust, &image);
            let why = match &h.trust {
                Trust::IngressDefault => i18n.t("exposure.trust.ingress_default").to_string(),
                Trust::PrivateCa => i18n.t("exposure.trust.private_ca").to_string(),
                Trust::IssuedCa => i18n.fill("exposure.trust.issued", &[("host", &host)]),
                Trust::Unknown(reason) => i18n.fill("exposure.trust.unknown", &[("reason", reason)]),
            };
            let text = [commands.trust_ca, Some(commands.login), Some(commands.tag), Some(commands.push)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\n");
            Some(view! {
                <div class="commands" data-commands-for=host_attr data-insecure=commands.insecure.to_string()>
                    <h3><code>{host}</code></h3>
                    <p>{why}</p>
                    <pre><code>{text}</code></pre>
                    <CopyButton />
                </div>
            })
        })
        .collect::<Vec<_>>();
    let empty = blocks.is_empty();
    let image_field = |name: &'static str, label: &'static str, value: String| {
        view! {
            <label class="field">
                <span class="label">{i18n.t(label)}</span>
                <input type="text" name=name value=value autocomplete="off" spellcheck="false" />
            </label>
        }
    };
    let image_form = view! {
        <form method="get" action="/exposure" class="inline-form" data-image-target="">
            <fieldset class="plain">
                <legend class="label">{i18n.t("exposure.image.title")}</legend>
                {image_field("local", "exposure.image.local", image.local.clone())}
                {image_field("project", "exposure.image.project", image.project.clone())}
                {image_field("image", "exposure.image.image", image.image.clone())}
                {image_field("tag", "exposure.image.tag", image.tag.clone())}
                <div class="actions">
                    <button type="submit" class="button">{i18n.t("exposure.image.show")}</button>
                </div>
            </fieldset>
        </form>
        {(!problems.is_empty()).then(|| view! {
            <ul class="notice notice-warning" data-image-problems="">
                {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
            </ul>
        })}
    };
    view! {
        <section class="card" aria-labelledby="commands-heading">
            <h2 id="commands-heading">{i18n.t("exposure.commands.title")}</h2>
            <p>{i18n.t("exposure.commands.help")}</p>
            {image_form}
            {empty.then(|| view! { <p>{i18n.t("exposure.commands.none")}</p> })}
            {blocks}
        </section>
    }
}
