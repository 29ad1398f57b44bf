//! The Access page (SPEC §6; guide 5.1, 5.5), rendered on the server: what each registry
//! role allows (from its real rules), who has it where (RoleBindings per project,
//! ClusterRoleBindings cluster-wide), filtered by project, role and subject; granting and
//! revoking the way `oc policy` does, through the change-forms island and the shared
//! change review.

use crate::api::access::registry_access;
use crate::components::health::PanelNotice;
use crate::components::language::I18n;
use crate::components::plain_fields::{ErrorSlot, FormsPage, PlainText, ReviewButton};
use crate::components::status::Status;
use crate::domain::access::REGISTRY_ROLES;
use crate::domain::change::ChangeArea;
use crate::domain::overview::Panel;
use crate::domain::page::Page;
use crate::domain::registry_access::{
    AccessView, Binding, FIELD_CONFIRM, FIELD_KIND, FIELD_NAME, FIELD_PROJECT, FIELD_ROLE,
    FIELD_SA_NAMESPACE, FIELD_SCOPE, FORM_GRANT, FORM_REVOKE, RoleExplanation, Subject,
    SubjectKind, documented_allows,
};
use crate::domain::status::Tone;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The list's filters, from the page's query (`?project=…&role=…&subject=…`).
#[derive(Clone, Debug, Default)]
struct Filters {
    project: String,
    role: String,
    subject: String,
}

impl Filters {
    fn keeps(&self, binding: &Binding, subject: &Subject) -> bool {
        (self.project.is_empty() || binding.namespace.as_deref() == Some(self.project.as_str()))
            && (self.role.is_empty() || binding.role == self.role)
            && (self.subject.is_empty() || subject.oc_name().contains(&self.subject))
    }
}

/// What a role is for, in the guide's words (5.1, 5.5).
fn meaning_key(role: &str) -> &'static str {
    match role {
        "registry-viewer" => "access.meaning.viewer",
        "registry-editor" => "access.meaning.editor",
        "system:image-builder" => "access.meaning.builder",
        _ => "access.meaning.scraper",
    }
}

fn kind_key(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::User => "access.kind.user",
        SubjectKind::Group => "access.kind.group",
        SubjectKind::ServiceAccount => "access.kind.service_account",
    }
}

#[component]
pub fn AccessPage() -> impl IntoView {
    let query = use_query_map();
    let filters = query.with_untracked(|q| Filters {
        project: q.get("project").unwrap_or_default(),
        role: q.get("role").unwrap_or_default(),
        subject: q.get("subject").unwrap_or_default(),
    });
    view! {
        <FormsPage
            page=Page::Access
            area=ChangeArea::Access
            load=registry_access
            denied=|view| view.grant_denied.clone()
            content=move |view, denied| {
                view! {
                    <RolesCard roles=view.roles.clone() />
                    <AccessContent view filters=filters.clone() denied />
                }
            }
        />
    }
}

/// What each role allows in the registry, and its rules. A user who may not read the
/// ClusterRoles gets what OpenShift documents for them, said to be that, and one notice.
#[component]
fn RolesCard(roles: Vec<RoleExplanation>) -> impl IntoView {
    let i18n = I18n::expect();
    let unreadable = roles.iter().find_map(|r| r.rules.clone().err());
    let documented = unreadable.is_some();
    let allowed = move |allowed: bool| {
        if allowed {
            view! { <Status tone=Tone::Good text=i18n.t("access.yes") /> }
        } else {
            view! { <Status tone=Tone::Neutral text=i18n.t("access.no") /> }
        }
    };
    let cell = move |read: bool, known: Option<bool>| match known {
        Some(value) => allowed(value).into_any(),
        // Neither the cluster's rules nor the documentation say: "unknown", never "no".
        None if !read => {
            view! { <Status tone=Tone::Unknown text=i18n.t("access.unknown") /> }.into_any()
        }
        None => allowed(false).into_any(),
    };
    view! {
        <section class="card" aria-labelledby="roles-heading" data-roles-source=if documented { "documented" } else { "cluster" }>
            <h2 id="roles-heading">{i18n.t("access.roles.title")}</h2>
            {unreadable.map(|problem| view! {
                <PanelNotice problem what="access.roles.what" grant_key="access.roles.documented" />
            })}
            <div class="table-scroll">
            <table class="table" data-roles="">
                <thead>
                    <tr>
                        <th scope="col">{i18n.t("access.col.role")}</th>
                        <th scope="col">{i18n.t("access.col.pull")}</th>
                        <th scope="col">{i18n.t("access.col.push")}</th>
                        <th scope="col">{i18n.t("access.col.metrics")}</th>
                        <th scope="col">{i18n.t("access.col.meaning")}</th>
                    </tr>
                </thead>
                <tbody>
                    {roles
                        .into_iter()
                        .map(|r| {
                            let read = r.rules.is_ok();
                            let (pull, push, metrics) = if read {
                                (Some(r.pull), Some(r.push), Some(r.metrics))
                            } else {
                                documented_allows(&r.role)
                                    .map_or((None, None, None), |(a, b, c)| (Some(a), Some(b), Some(c)))
                            };
                            let rules = r.rules.clone().ok().map(|rules| view! {
                                <details>
                                    <summary>{i18n.t("access.rules")}</summary>
                                    <ul class="plain-list">
                                        {rules
                                            .into_iter()
                                            .map(|rule| {
                                                view! {
                                                    <li><code>{format!(
                                                        "{} {} [{}]",
                                                        rule.verbs.join(","),
                                                        rule.resources.join(","),
                                                        rule.api_groups.iter().map(|g| if g.is_empty() { "\"\"" } else { g.as_str() }).collect::<Vec<_>>().join(","),
                                                    )}</code></li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                </details>
                            });
                            view! {
                                <tr data-role=r.role.clone()>
                                    <th scope="row"><code>{r.role.clone()}</code></th>
                                    <td data-allows="pull">{cell(read, pull)}</td>
                                    <td data-allows="push">{cell(read, push)}</td>
                                    <td data-allows="metrics">{cell(read, metrics)}</td>
                                    <td>{i18n.t(meaning_key(&r.role))}{rules}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            </div>
        </section>
    }
}

#[component]
fn AccessContent(view: AccessView, filters: Filters, denied: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let filter_form = view! {
        <form method="get" class="filters" data-filters="">
            <label>
                <span>{i18n.t("access.filter.project")}</span>
                <input type="text" name="project" value=filters.project.clone() />
            </label>
            <label>
                <span>{i18n.t("access.filter.role")}</span>
                <select name="role">
                    <option value="" selected=filters.role.is_empty()>{i18n.t("access.filter.any")}</option>
                    {REGISTRY_ROLES
                        .iter()
                        .map(|r| view! { <option value=*r selected=filters.role == *r>{*r}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{i18n.t("access.filter.subject")}</span>
                <input type="text" name="subject" value=filters.subject.clone() />
            </label>
            <button type="submit" class="button">{i18n.t("access.filter.apply")}</button>
        </form>
    };
    view! {
        <section class="card" aria-labelledby="who-heading">
            <h2 id="who-heading">{i18n.t("access.who.title")}</h2>
            // Nothing to filter when neither list can be read.
            {(view.bindings.is_ok() || view.cluster_bindings.is_ok()).then_some(filter_form)}
            <h3>{i18n.t("access.projects.title")}</h3>
            <BindingsTable bindings=view.bindings.clone() filters=filters.clone() denied unreadable="access.projects.unreadable" />
            <h3>{i18n.t("access.cluster.title")}</h3>
            <BindingsTable bindings=view.cluster_bindings.clone() filters denied unreadable="access.cluster.unreadable" />
        </section>
        {if denied {
            view! { <GrantSummary /> }.into_any()
        } else {
            view! { <GrantCard /> }.into_any()
        }}
    }
}

/// Each subject of each binding, with its revoke form.
#[component]
fn BindingsTable(
    bindings: Panel<Vec<Binding>>,
    filters: Filters,
    denied: bool,
    unreadable: &'static str,
) -> impl IntoView {
    let i18n = I18n::expect();
    let bindings = match bindings {
        Ok(list) => list,
        Err(problem) => {
            return view! {
                <div data-unreadable=unreadable>
                    <PanelNotice problem what=unreadable grant_key="access.bindings.who_can" />
                </div>
            }
            .into_any();
        }
    };
    let rows: Vec<(Binding, Subject)> = bindings
        .iter()
        .flat_map(|b| b.subjects.iter().map(move |s| (b.clone(), s.clone())))
        .filter(|(b, s)| filters.keeps(b, s))
        .collect();
    if rows.is_empty() {
        return view! { <p class="empty">{i18n.t("access.none")}</p> }.into_any();
    }
    view! {
        <table class="table" data-bindings="">
            <thead>
                <tr>
                    <th scope="col">{i18n.t("access.col.where")}</th>
                    <th scope="col">{i18n.t("access.col.role")}</th>
                    <th scope="col">{i18n.t("access.col.subject")}</th>
                    <th scope="col">{i18n.t("access.col.binding")}</th>
                    {(!denied).then(|| view! {
                        <th scope="col"><span class="visually-hidden">{i18n.t("access.col.actions")}</span></th>
                    })}
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|(binding, subject)| {
                        let project = binding.namespace.clone().unwrap_or_default();
                        let scope = if binding.namespace.is_some() { "project" } else { "cluster" };
                        let place = binding
                            .namespace
                            .clone()
                            .unwrap_or_else(|| i18n.t("access.cluster_wide").to_string());
                        let place_attr = place.clone();
                        view! {
                            <tr data-subject=subject.oc_name() data-role=binding.role.clone() data-where=place_attr>
                                <td>{place}</td>
                                <td><code>{binding.role.clone()}</code></td>
                                <td>
                                    <span class="badge">{i18n.t(kind_key(subject.kind))}</span>
                                    " "
                                    <code>{subject.oc_name()}</code>
                                </td>
                                <td><code>{binding.name.clone()}</code></td>
                                {(!denied).then(|| view! {
                                <td>
                                    <form method="post" data-change-form=FORM_REVOKE class="inline-form">
                                        <fieldset class="plain">
                                            <input type="hidden" name=FIELD_ROLE value=binding.role.clone() />
                                            <input type="hidden" name=FIELD_KIND value=subject.kind.as_str() />
                                            <input type="hidden" name=FIELD_NAME value=subject.name.clone() />
                                            <input type="hidden" name=FIELD_SA_NAMESPACE value=subject.namespace.clone() />
                                            <input type="hidden" name=FIELD_SCOPE value=scope />
                                            <input type="hidden" name=FIELD_PROJECT value=project />
                                            <label class="field field-check">
                                                <input type="checkbox" name=FIELD_CONFIRM />
                                                <span class="help">{i18n.t("access.confirm")}</span>
                                            </label>
                                            <ReviewButton label="access.revoke" danger=true />
                                            <ErrorSlot field=FIELD_CONFIRM />
                                            <ErrorSlot field=FIELD_NAME />
                                        </fieldset>
                                    </form>
                                </td>
                                })}
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// For a user who may not grant or revoke: who can, and the commands they run, instead of
/// a form that would only be disabled.
#[component]
fn GrantSummary() -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <section class="card" aria-labelledby="grant-heading" data-read-only-summary="grant">
            <h2 id="grant-heading">{i18n.t("access.grant.title")}</h2>
            <p>{i18n.t("access.grant.read_only")}</p>
            <ul class="plain-list">
                <li><code>"oc policy add-role-to-user registry-viewer <user> -n <project>"</code></li>
                <li><code>"oc policy remove-role-from-user registry-viewer <user> -n <project>"</code></li>
                <li><code>"oc adm policy add-cluster-role-to-user prometheus-scraper <user>"</code></li>
            </ul>
        </section>
    }
}

/// Granting a role to a user, group or service account, in a project or cluster-wide.
#[component]
fn GrantCard() -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <section class="card" aria-labelledby="grant-heading">
            <h2 id="grant-heading">{i18n.t("access.grant.title")}</h2>
            <p>{i18n.t("access.grant.help")}</p>
            <form method="post" data-change-form=FORM_GRANT>
                <fieldset class="plain">
                    <ErrorSlot field="form" />
                    <label class="field" data-field=FIELD_ROLE>
                        <span class="label">{i18n.t("access.col.role")}</span>
                        <select name=FIELD_ROLE>
                            {REGISTRY_ROLES.iter().map(|r| view! { <option value=*r>{*r}</option> }).collect_view()}
                        </select>
                    </label>
                    <ErrorSlot field=FIELD_ROLE />
                    <fieldset class="field" data-field=FIELD_KIND>
                        <legend class="label">{i18n.t("access.grant.kind")}</legend>
                        {[SubjectKind::User, SubjectKind::Group, SubjectKind::ServiceAccount]
                            .into_iter()
                            .map(|kind| {
                                view! {
                                    <label class="choice">
                                        <input type="radio" name=FIELD_KIND value=kind.as_str() checked=kind == SubjectKind::User />
                                        {i18n.t(kind_key(kind))}
                                    </label>
                                }
                            })
                            .collect_view()}
                    </fieldset>
                    <ErrorSlot field=FIELD_KIND />
                    <PlainText label="access.grant.name" help=i18n.t("access.grant.name_help").to_string() field=FIELD_NAME placeholder="alice" />
                    <PlainText label="access.grant.sa_namespace" help=i18n.t("access.grant.sa_namespace_help").to_string() field=FIELD_SA_NAMESPACE />
                    <fieldset class="field" data-field=FIELD_SCOPE>
                        <legend class="label">{i18n.t("access.grant.scope")}</legend>
                        <label class="choice">
                            <input type="radio" name=FIELD_SCOPE value="project" checked=true />
                            {i18n.t("access.grant.scope_project")}
                        </label>
                        <label class="choice">
                            <input type="radio" name=FIELD_SCOPE value="cluster" />
                            {i18n.t("access.grant.scope_cluster")}
                        </label>
                    </fieldset>
                    <PlainText label="access.grant.project" help=i18n.t("access.grant.project_help").to_string() field=FIELD_PROJECT placeholder="team-a" />
                    <ReviewButton label="access.grant.review" />
                </fieldset>
            </form>
        </section>
    }
}
