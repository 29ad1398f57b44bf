//! Two audited versions of an object side by side (or one with the object as it is now),
//! as the review's diff table, and for admins the restore of the version through the
//! change-forms island and the shared change review.

use crate::api::audit::audit_compare;
use crate::components::change_forms::ChangeForms;
use crate::components::diff_table::DiffTable;
use crate::components::error_notice::ErrorNotice;
use crate::components::health::Time;
use crate::components::language::I18n;
use crate::components::plain_fields::{BaseInput, ErrorSlot, ReviewButton};
use crate::domain::audit::{ObjectVersion, actor_label};
use crate::domain::change::ChangeArea;
use crate::domain::overview::utc_text;
use crate::domain::restore::{
    FIELD_CONFIRM_REMOVED, FIELD_NEW_HTTP_SECRET, FIELD_OBJECT, FIELD_REASON, FIELD_VERSION,
    FORM_RESTORE, NotRestorable, NowState, RestoreOffer, VersionComparison,
};
use crate::domain::return_to::encode_query_value;
use leptos::prelude::*;

/// The audit page's link to an entry.
pub(super) fn entry_href(change_id: &str) -> String {
    format!("/audit?change={}", encode_query_value(change_id))
}

/// The audit page's link comparing object `index` of change `change_id` with `with` (a
/// change id, or empty for now).
pub(super) fn compare_href(change_id: &str, index: usize, with: &str) -> String {
    let mut href = format!(
        "/audit?compare={}",
        encode_query_value(&format!("{change_id}:{index}"))
    );
    if !with.is_empty() {
        href.push_str("&with=");
        href.push_str(&encode_query_value(with));
    }
    href
}

/// "The version of <time> by <actor>", linked to its entry.
#[component]
fn VersionLabel(version: ObjectVersion) -> impl IntoView {
    let i18n = I18n::expect();
    let actor = actor_label(i18n.lang(), &version.actor_subject, &version.actor_name);
    view! {
        <a href=entry_href(&version.change_id) data-version-link=version.change_id.clone()>
            <Time at=version.at.clone() />
        </a>
        " · "
        <span title=version.actor_subject.clone()>{actor}</span>
        {version.outside.then(|| view! { " " <span class="badge">{i18n.t("audit.compare.outside")}</span> })}
    }
}

#[component]
pub fn VersionCompare(version: String, object: usize, with: String) -> impl IntoView {
    let i18n = I18n::expect();
    let comparison = Resource::new_blocking(
        move || (version.clone(), object, with.clone()),
        |(version, object, with)| audit_compare(version, object, with),
    );
    view! {
        <Suspense fallback=move || view! { <p>{i18n.t("common.loading")}</p> }>
            {move || comparison.get().map(|result| match result {
                Ok(comparison) => view! { <Comparison comparison /> }.into_any(),
                Err(e) => view! {
                    <section class="card" data-compare="failed"><ErrorNotice error=e /></section>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Comparison(comparison: VersionComparison) -> impl IntoView {
    let i18n = I18n::expect();
    let title = i18n.fill("audit.compare.title", &[("object", &comparison.object)]);
    let with_label = match comparison.with.clone() {
        Some(other) => view! { <VersionLabel version=other /> }.into_any(),
        None => view! { <strong>{i18n.t("audit.compare.now")}</strong> }.into_any(),
    };
    let now_notice = match (&comparison.now, comparison.with.is_none()) {
        (NowState::Absent, _) => Some(view! {
            <div class="notice notice-warning" role="status" data-now="absent"><p>{i18n.t("audit.compare.absent")}</p></div>
        }.into_any()),
        (NowState::Unreadable(why), true) => {
            let text = i18n.fill("audit.compare.unreadable", &[("why", why)]);
            Some(view! {
                <div class="notice notice-warning" role="status" data-now="unreadable"><p>{text}</p></div>
            }.into_any())
        }
        _ => None,
    };
    let unreadable_now =
        comparison.with.is_none() && matches!(comparison.now, NowState::Unreadable(_));
    let changes = if unreadable_now {
        // Nothing to compare with: saying "no field differs" would be wrong.
        ().into_any()
    } else if comparison.changes.is_empty() {
        view! { <p class="empty" data-compare-diff="none">{i18n.t("audit.compare.same")}</p> }
            .into_any()
    } else {
        view! { <div class="table-scroll" data-compare-diff=""><DiffTable changes=comparison.changes.clone() /></div> }.into_any()
    };
    let may_restore = comparison.restore.is_ok();
    let compared = comparison.version.change_id.clone();
    let restore = match comparison.restore.clone() {
        Ok(offer) => view! { <RestoreForm comparison=comparison.clone() offer /> }.into_any(),
        Err(why) => view! { <NoRestore why /> }.into_any(),
    };
    // All of it in the forms region: after a restore the island puts the page's fresh copy
    // in place (the comparison with the new now, and no restore left to offer).
    view! {
        <section class="card audit-compare" data-compare=compared aria-labelledby="compare-heading">
        <ChangeForms area=ChangeArea::Restore may_change=may_restore>
        <div data-forms-region="">
            <h2 id="compare-heading">{title}</h2>
            <dl class="facts">
                <dt>{i18n.t("diff.before")}</dt>
                <dd data-side="version"><VersionLabel version=comparison.version.clone() />
                    {comparison.version_deleted.then(|| view! { " " <span class="badge">{i18n.t("audit.compare.deleted")}</span> })}
                </dd>
                <dt>{i18n.t("diff.after")}</dt>
                <dd data-side="with">{with_label}</dd>
            </dl>
            {now_notice}
            {changes}
            {comparison.with.is_some().then(|| view! {
                <p><a href=compare_href(&comparison.version.change_id, comparison.object_index, "") data-action="compare-now">{i18n.t("audit.compare.with_now")}</a></p>
            })}
            {restore}
        </div>
        </ChangeForms>
        </section>
    }
}

/// Why this version offers no restore.
#[component]
fn NoRestore(why: NotRestorable) -> impl IntoView {
    let i18n = I18n::expect();
    let (key, links) = match why {
        NotRestorable::NotAdmin => ("audit.restore.admins_only", false),
        NotRestorable::Deletion => ("audit.restore.deletion", false),
        NotRestorable::SecretValues => ("audit.restore.secret_values", true),
        NotRestorable::NowUnreadable => ("audit.restore.now_unreadable", false),
        NotRestorable::Kind => ("audit.restore.kind", false),
        NotRestorable::Same => ("audit.restore.same", false),
    };
    let reason = format!("{why:?}");
    view! {
        <div class="notice notice-info" data-restore="none" data-why=reason>
            <p>{i18n.t(key)}</p>
            {links.then(|| view! {
                <p>
                    <a href="/storage">{i18n.t("audit.restore.rotate_storage")}</a>
                    " · "
                    <a href="/exposure">{i18n.t("audit.restore.rotate_routes")}</a>
                </p>
            })}
        </div>
    }
}

/// The restore: what it keeps, the choices it offers, and the shared review.
#[component]
fn RestoreForm(comparison: VersionComparison, offer: RestoreOffer) -> impl IntoView {
    let i18n = I18n::expect();
    let version = comparison.version;
    let actor = actor_label(i18n.lang(), &version.actor_subject, &version.actor_name);
    let at = utc_text(&version.at)
        .map(|(_, second)| second)
        .unwrap_or_else(|| version.at.clone());
    let reason = i18n.fill("audit.restore.reason", &[("time", &at), ("actor", &actor)]);
    let kept = (!offer.kept_secrets.is_empty()).then(|| {
        view! {
            <div class="notice notice-warning" data-kept-secrets="">
                <p>{i18n.fill("audit.restore.kept_secrets", &[("count", &offer.kept_secrets.len().to_string())])}</p>
                <ul class="plain-list">
                    {offer.kept_secrets.iter().map(|f| view! { <li><code>{f.clone()}</code></li> }).collect_view()}
                </ul>
            </div>
        }
    });
    let credentials = offer.credentials.clone().map(|storage| {
        let text = i18n.fill("audit.restore.credentials", &[("type", &storage)]);
        view! {
            <div class="notice notice-warning" data-credentials=storage.clone()>
                <p>{text}</p>
                <p><a href="/storage">{i18n.t("audit.restore.rotate_storage")}</a></p>
            </div>
        }
    });
    view! {
                <section class="audit-restore" aria-labelledby="restore-heading">
                    <h3 id="restore-heading">{i18n.t("audit.restore.title")}</h3>
                    <p class="help">{i18n.t("audit.restore.help")}</p>
                    {offer.creates.then(|| view! { <p class="notice notice-info" data-restore="creates">{i18n.t("audit.restore.creates")}</p> })}
                    {kept}
                    {credentials}
                    <form method="post" class="config-form" data-change-form=FORM_RESTORE>
                        <BaseInput base=offer.base.clone() />
                        <input type="hidden" name=FIELD_VERSION value=version.change_id.clone() />
                        <input type="hidden" name=FIELD_OBJECT value=comparison.object_index.to_string() />
                        <input type="hidden" name=FIELD_REASON value=reason />
                        <ErrorSlot field="form" />
                        <ErrorSlot field=FIELD_VERSION />
                        {offer.registry_config.then(|| view! {
                            <label class="field field-check" data-field=FIELD_NEW_HTTP_SECRET>
                                <input type="checkbox" name=FIELD_NEW_HTTP_SECRET />
                                <span class="label">{i18n.t("audit.restore.new_http_secret")}</span>
                                <span class="help">{i18n.t("audit.restore.new_http_secret_help")}</span>
                            </label>
                        })}
                        {offer.removal.then(|| view! {
                            <label class="field field-check" data-field=FIELD_CONFIRM_REMOVED>
                                <input type="checkbox" name=FIELD_CONFIRM_REMOVED />
                                <span class="label">{i18n.t("config.removed.confirm")}</span>
                            </label>
                            <ErrorSlot field="spec.managementState" />
                        })}
                        <ReviewButton label="audit.restore.review" />
                    </form>
                </section>
    }
}
