//! The Configuration page (SPEC §6): every field of the registry `Config`, grouped, with
//! the guide's help; a change is previewed (rules, schema, diff, `oc` command, the API
//! server's dry run), applied with a reason, and followed live until the operator reports
//! the registry healthy or Degraded.

use crate::change::{Applied, ChangeError, ChangePreview};
use crate::config_form::{
    ConfigForm, ConfigSubmission, ConfigView, HttpSecretChange, RolloutView, RouteRow,
};
use crate::config_rules::{Severity, Violation, management_state_help_key, message};
use crate::diff::FieldChange;
use crate::error::ConsoleError;
use crate::language::I18n;
use leptos::prelude::*;

/// Server functions take the submission as JSON text: the role check runs before anything
/// is decoded, and nested values (the base spec) keep their types, which a form encoding
/// would turn into strings.
#[cfg(feature = "ssr")]
fn decode(submission: &str) -> Result<ConfigSubmission, ConsoleError> {
    serde_json::from_str(submission).map_err(|e| ConsoleError::Invalid(format!("submission: {e}")))
}

fn encode(submission: &ConfigSubmission) -> String {
    serde_json::to_string(submission).unwrap_or_default()
}

/// Runs `op` on the registry Config as the signed-in user if their role passes `allowed`;
/// any error also sets the response status.
#[cfg(feature = "ssr")]
async fn with_config<T, Fut>(
    allowed: impl Fn(crate::access::Roles) -> bool,
    what: &str,
    op: impl FnOnce(std::sync::Arc<dyn crate::server_api::ConfigAccess>) -> Fut,
) -> Result<T, ConsoleError>
where
    Fut: std::future::Future<Output = Result<T, ConsoleError>>,
{
    use crate::server_api::{require, set_status};
    let result = async { op(require(allowed, what)?.config()?).await }.await;
    if let Err(e) = &result {
        set_status(e);
    }
    result
}

#[leptos::server(prefix = "/api", endpoint = "registry_config", client = crate::csrf_client::CsrfClient)]
pub async fn registry_config() -> Result<ConfigView, ConsoleError> {
    with_config(
        |r| r.admin || r.viewer,
        "reading the registry configuration",
        |config| async move { config.load().await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "registry_rollout", client = crate::csrf_client::CsrfClient)]
pub async fn registry_rollout(
    #[server(default)] generation: i64,
) -> Result<RolloutView, ConsoleError> {
    with_config(
        |r| r.admin || r.viewer,
        "reading the registry status",
        |config| async move { config.rollout(generation).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "preview_config_change", client = crate::csrf_client::CsrfClient)]
pub async fn preview_config_change(
    #[server(default)] submission: String,
) -> Result<ChangePreview, ConsoleError> {
    with_config(
        |r| r.admin,
        "changing the registry configuration",
        |config| async move { config.preview(decode(&submission)?).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "apply_config_change", client = crate::csrf_client::CsrfClient)]
pub async fn apply_config_change(
    #[server(default)] submission: String,
) -> Result<Applied, ConsoleError> {
    with_config(
        |r| r.admin,
        "changing the registry configuration",
        |config| async move { config.apply(decode(&submission)?).await },
    )
    .await
}

const STATES: [&str; 3] = ["Managed", "Unmanaged", "Removed"];
const LOG_LEVELS: [&str; 4] = ["Normal", "Debug", "Trace", "TraceAll"];
const STRATEGIES: [&str; 2] = ["RollingUpdate", "Recreate"];

#[component]
pub fn ConfigurationPage() -> impl IntoView {
    let i18n = I18n::expect();
    let config = Resource::new_blocking(|| (), |_| registry_config());
    view! {
        <section class="page" data-page="/configuration">
            <h1>{move || i18n.t("nav.configuration")}</h1>
            <p class="summary">{move || i18n.t("page.configuration.summary")}</p>
            <Suspense fallback=move || view! { <p>{move || i18n.t("common.loading")}</p> }>
                {move || {
                    config
                        .get()
                        .map(|result| match result {
                            Ok(view) => view! { <ConfigEditor view /> }.into_any(),
                            Err(e) => view! { <crate::auth_pages::ErrorNotice error=e /> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}

/// Where the user is in the preview → apply → follow-up sequence.
#[derive(Clone, Debug, PartialEq)]
enum Review {
    None,
    /// The preview of exactly this submission (apply is offered only for it).
    Previewed(Box<(ConfigSubmission, ChangePreview)>),
    Refused(ConsoleError),
    Applied(Applied),
}

/// Violations of `field` and the fields under it.
fn field_messages(review: &Review, field: &'static str) -> Vec<Violation> {
    match review {
        Review::Refused(ConsoleError::Change(error)) => match error.as_ref() {
            ChangeError::Invalid(list) => list
                .iter()
                .filter(|v| {
                    v.field == field
                        || v.field.starts_with(&format!("{field}."))
                        || v.field.starts_with(&format!("{field}["))
                })
                .cloned()
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

#[component]
fn ConfigEditor(view: ConfigView) -> impl IntoView {
    let i18n = I18n::expect();
    let denied = view.update_denied.clone();
    // The console's role and the API server must both allow it (the server checks both
    // again on every call).
    let is_admin = crate::session::use_session().is_some_and(|s| s.roles.admin);
    let may_change = denied.is_none() && is_admin;
    let original = RwSignal::new(view.form.clone());
    let edited = RwSignal::new(view.form.clone());
    let base = RwSignal::new((view.resource_version.clone(), view.spec.clone()));
    let http_secret_set = RwSignal::new(view.http_secret_set);
    let secret_mode = RwSignal::new("keep".to_string());
    let secret_value = RwSignal::new(String::new());
    let confirm_removed = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let review = RwSignal::new(Review::None);
    // A refused apply that leaves the preview valid (a too-short reason) shows beside it.
    let apply_error = RwSignal::new(None::<ChangeError>);
    let rollout = RwSignal::new(None::<RolloutView>);
    let storage = view.storage.clone();
    let status = RwSignal::new(view.rollout.clone());

    let submission = move || ConfigSubmission {
        base_version: base.with(|b| b.0.clone()),
        base_spec: base.with(|b| b.1.clone()),
        original: original.get(),
        edited: edited.get(),
        http_secret: match secret_mode.get().as_str() {
            "generate" => HttpSecretChange::Generate,
            "set" => HttpSecretChange::Set(secret_value.get()),
            _ => HttpSecretChange::Keep,
        },
        confirm_removed: confirm_removed.get(),
        reason: String::new(),
    };
    let preview = Action::new(move |s: &ConfigSubmission| {
        let s = s.clone();
        async move { (s.clone(), preview_config_change(encode(&s)).await) }
    });
    Effect::new(move |_| {
        if let Some((s, result)) = preview.value().get() {
            review.set(match result {
                Ok(p) => Review::Previewed(Box::new((s, p))),
                Err(e) => Review::Refused(e),
            });
        }
    });
    let apply = Action::new(move |s: &ConfigSubmission| {
        let s = s.clone();
        async move { apply_config_change(encode(&s)).await }
    });
    // After an apply, the page continues from the new version.
    let reload = Action::new(move |keep_edits: &bool| {
        let keep_edits = *keep_edits;
        async move { (keep_edits, registry_config().await) }
    });
    Effect::new(move |_| {
        if let Some((_, Err(e))) = reload.value().get() {
            review.set(Review::Refused(e));
        }
        if let Some((keep_edits, Ok(fresh))) = reload.value().get() {
            base.set((fresh.resource_version.clone(), fresh.spec.clone()));
            http_secret_set.set(fresh.http_secret_set);
            status.set(fresh.rollout.clone());
            if !keep_edits {
                original.set(fresh.form.clone());
                edited.set(fresh.form);
                secret_mode.set("keep".into());
                secret_value.set(String::new());
                confirm_removed.set(false);
                reason.set(String::new());
            }
        }
    });
    Effect::new(move |_| match apply.value().get() {
        Some(Ok(applied)) => {
            if let Some(generation) = applied.config_generation {
                follow(generation, rollout);
            }
            review.set(Review::Applied(applied));
            reload.dispatch(false);
        }
        Some(Err(ConsoleError::Change(e))) if matches!(*e, ChangeError::ReasonTooShort { .. }) => {
            apply_error.set(Some(*e))
        }
        Some(Err(e)) => review.set(Review::Refused(e)),
        None => {}
    });
    let current_matches_preview = move || match review.get() {
        Review::Previewed(previewed) => previewed.0 == submission(),
        _ => false,
    };
    let busy = move || preview.pending().get() || apply.pending().get() || reload.pending().get();

    view! {
        <div class="config-editor" data-version=move || base.with(|b| b.0.clone())>
            {denied.map(|reason| view! {
                <div class="notice notice-warning" role="status" data-denied="change_config">
                    <p>{move || i18n.t("config.read_only")}</p>
                    <p><small>{reason.clone()}</small></p>
                </div>
            })}
            {view! { <StatusCard status /> }.into_any()}
            {view! { <section class="card" aria-labelledby="storage-heading">
                <h2 id="storage-heading">{move || i18n.t("config.group.storage")}</h2>
                <p data-storage=storage.kind.clone().unwrap_or_default()>
                    {match storage.kind.clone() {
                        Some(kind) => kind.into_any(),
                        None => (move || i18n.t("config.storage.none")).into_any(),
                    }}
                </p>
                <dl class="facts">
                    {storage.details.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                    {storage.management_state.clone().map(|m| view! {
                        <dt>"managementState"</dt><dd>{m}</dd>
                    })}
                </dl>
                <p><small>{move || i18n.t("config.storage.wizard")}</small></p>
            </section> }.into_any()}

            // method="post": a submit before hydration is refused by the CSRF check instead
            // of putting the fields into a GET URL.
            {view! { <form class="config-form" method="post" on:submit=move |ev| {
                ev.prevent_default();
                review.set(Review::None);
                apply_error.set(None);
                preview.dispatch(submission());
            }>
                {view! { <fieldset data-group="state">
                    <legend>{move || i18n.t("config.group.state")}</legend>
                    {STATES.into_iter().map(|state| {
                        let help = management_state_help_key(state).unwrap_or_default();
                        view! {
                            <label class="choice">
                                <input type="radio" name="managementState" value=state
                                    checked=edited.with_untracked(|f| f.management_state == state)
                                    prop:checked=move || edited.with(|f| f.management_state == state)
                                    on:change=move |_| edited.update(|f| f.management_state = state.to_string()) />
                                <strong>{state}</strong>
                                <span class="help">{move || i18n.t(help)}</span>
                            </label>
                        }
                    }).collect_view()}
                    <Show when=move || edited.with(|f| f.management_state == "Removed") && original.with(|f| f.management_state != "Removed")>
                        <label class="confirm">
                            <input type="checkbox" name="confirmRemoved"
                                prop:checked=move || confirm_removed.get()
                                on:change=move |ev| confirm_removed.set(event_target_checked(&ev)) />
                            {move || i18n.t("config.removed.confirm")}
                        </label>
                    </Show>
                    <FieldErrors review field="spec.managementState" />
                </fieldset> }.into_any()}

                {view! { <fieldset data-group="replicas">
                    <legend>{move || i18n.t("config.group.replicas")}</legend>
                    <TextField label="replicas" help="config.help.replicas" field="spec.replicas" numeric=true edited review
                        get=|f| f.replicas.clone() set=|f, v| f.replicas = v />
                    <SelectField label="rolloutStrategy" help="config.help.rollout" field="spec.rolloutStrategy" options=&STRATEGIES edited review
                        get=|f| f.rollout_strategy.clone() set=|f, v| f.rollout_strategy = v />
                </fieldset> }.into_any()}

                {view! { <fieldset data-group="routes">
                    <legend>{move || i18n.t("config.group.routes")}</legend>
                    <CheckField label="defaultRoute" help="config.help.default_route" edited
                        get=|f| f.default_route set=|f, v| f.default_route = v />
                    <RoutesEditor edited />
                    <FieldErrors review field="spec.routes" />
                </fieldset> }.into_any()}

                {view! { <fieldset data-group="requests">
                    <legend>{move || i18n.t("config.group.requests")}</legend>
                    <p class="help">{move || i18n.t("config.help.requests")}</p>
                    <TextField label="read.maxRunning" help="" field="spec.requests.read.maxRunning" numeric=true edited review
                        get=|f| f.read.max_running.clone() set=|f, v| f.read.max_running = v />
                    <TextField label="read.maxInQueue" help="" field="spec.requests.read.maxInQueue" numeric=true edited review
                        get=|f| f.read.max_in_queue.clone() set=|f, v| f.read.max_in_queue = v />
                    <TextField label="read.maxWaitInQueue" help="config.help.duration" field="spec.requests.read.maxWaitInQueue" edited review
                        get=|f| f.read.max_wait_in_queue.clone() set=|f, v| f.read.max_wait_in_queue = v />
                    <TextField label="write.maxRunning" help="" field="spec.requests.write.maxRunning" numeric=true edited review
                        get=|f| f.write.max_running.clone() set=|f, v| f.write.max_running = v />
                    <TextField label="write.maxInQueue" help="" field="spec.requests.write.maxInQueue" numeric=true edited review
                        get=|f| f.write.max_in_queue.clone() set=|f, v| f.write.max_in_queue = v />
                    <TextField label="write.maxWaitInQueue" help="config.help.duration" field="spec.requests.write.maxWaitInQueue" edited review
                        get=|f| f.write.max_wait_in_queue.clone() set=|f, v| f.write.max_wait_in_queue = v />
                </fieldset> }.into_any()}

                {view! { <fieldset data-group="proxy">
                    <legend>{move || i18n.t("config.group.proxy")}</legend>
                    <p class="help">{move || i18n.t("config.help.proxy")}</p>
                    <TextField label="proxy.http" help="" field="spec.proxy.http" edited review
                        get=|f| f.proxy_http.clone() set=|f, v| f.proxy_http = v />
                    <TextField label="proxy.https" help="" field="spec.proxy.https" edited review
                        get=|f| f.proxy_https.clone() set=|f, v| f.proxy_https = v />
                    <TextField label="proxy.noProxy" help="" field="spec.proxy.noProxy" edited review
                        get=|f| f.proxy_no_proxy.clone() set=|f, v| f.proxy_no_proxy = v />
                </fieldset> }.into_any()}

                {view! { <fieldset data-group="logging">
                    <legend>{move || i18n.t("config.group.logging")}</legend>
                    <SelectField label="logLevel" help="config.help.log_level" field="spec.logLevel" options=&LOG_LEVELS edited review
                        get=|f| f.log_level.clone() set=|f, v| f.log_level = v />
                    <SelectField label="operatorLogLevel" help="config.help.operator_log_level" field="spec.operatorLogLevel" options=&LOG_LEVELS edited review
                        get=|f| f.operator_log_level.clone() set=|f, v| f.operator_log_level = v />
                    <TextField label="logging" help="config.help.logging" field="spec.logging" numeric=true edited review
                        get=|f| f.logging.clone() set=|f, v| f.logging = v />
                </fieldset> }.into_any()}

                {view! { <fieldset data-group="advanced">
                    <legend>{move || i18n.t("config.group.advanced")}</legend>
                    <div class="field" data-field="spec.httpSecret">
                        <span class="label">"httpSecret"</span>
                        <p class="help">
                            {move || if http_secret_set.get() { i18n.t("config.secret.is_set") } else { i18n.t("config.secret.not_set") }}
                        </p>
                        {[("keep", "config.secret.keep"), ("generate", "config.secret.generate"), ("set", "config.secret.set")].into_iter().map(|(mode, key)| view! {
                            <label class="choice">
                                <input type="radio" name="httpSecretMode" value=mode
                                    checked=mode == "keep"
                                    prop:checked=move || secret_mode.get() == mode
                                    on:change=move |_| secret_mode.set(mode.to_string()) />
                                {move || i18n.t(key)}
                            </label>
                        }).collect_view()}
                        <Show when=move || secret_mode.get() == "set">
                            <input type="password" name="httpSecret" autocomplete="new-password"
                                aria-label="httpSecret"
                                prop:value=move || secret_value.get()
                                on:input=move |ev| secret_value.set(event_target_value(&ev)) />
                        </Show>
                        <FieldErrors review field="spec.httpSecret" />
                    </div>
                    <CheckField label="readOnly" help="config.help.read_only" edited
                        get=|f| f.read_only set=|f, v| f.read_only = v />
                    <CheckField label="disableRedirect" help="config.help.disable_redirect" edited
                        get=|f| f.disable_redirect set=|f, v| f.disable_redirect = v />
                    <label class="field" data-field="advanced">
                        <span class="label">{move || i18n.t("config.advanced.label")}</span>
                        <span class="help">{move || i18n.t("config.help.advanced")}</span>
                        <textarea name="advanced" rows="12" spellcheck="false" class="code"
                            prop:value=move || edited.with(|f| f.advanced_yaml.clone())
                            on:input=move |ev| edited.update(|f| f.advanced_yaml = event_target_value(&ev))>
                            {edited.with_untracked(|f| f.advanced_yaml.clone())}
                        </textarea>
                    </label>
                    <FieldErrors review field="advanced" />
                    {["spec.nodeSelector", "spec.tolerations", "spec.affinity", "spec.topologySpreadConstraints", "spec.resources"].into_iter().map(|field| view! {
                        <FieldErrors review field />
                    }).collect_view()}
                </fieldset> }.into_any()}

                <div class="actions">
                    <button type="submit" class="button button-primary" data-action="preview"
                        disabled=move || !may_change || busy()>
                        {move || i18n.t("config.preview")}
                    </button>
                    <button type="button" class="button" data-action="reset"
                        on:click=move |_| {
                            edited.set(original.get());
                            secret_mode.set("keep".into());
                            secret_value.set(String::new());
                            confirm_removed.set(false);
                            apply_error.set(None);
                            review.set(Review::None);
                        }>
                        {move || i18n.t("config.reset")}
                    </button>
                </div>
            </form> }.into_any()}

            <ReviewPanel review reason apply_error may_change busy=Signal::derive(busy) current=Signal::derive(current_matches_preview)
                on_apply=Callback::new(move |_| {
                    apply_error.set(None);
                    let mut s = submission();
                    s.reason = reason.get();
                    apply.dispatch(s);
                })
                on_reapply=Callback::new(move |_| {
                    review.set(Review::None);
                    reload.dispatch(true);
                }) />
            {move || rollout.get().map(|r| view! { <FollowUpPanel rollout=r /> })}
        </div>
    }
}

/// Polls the operator's progress on `generation` until it is healthy or Degraded (the
/// server records the outcome on its own; this is what the user watches).
fn follow(generation: i64, rollout: RwSignal<Option<RolloutView>>) {
    fn step(generation: i64, rollout: RwSignal<Option<RolloutView>>, left: u32) {
        leptos::task::spawn_local(async move {
            // The page is gone (or the editor was rebuilt): stop polling.
            if rollout.is_disposed() {
                return;
            }
            if let Ok(view) = registry_rollout(generation).await {
                let pending = view.state == "pending";
                // `try_set` hands the value back when the page has gone meanwhile.
                if rollout.try_set(Some(view)).is_some() || !pending || left == 0 {
                    return;
                }
            }
            if left > 0 {
                set_timeout(
                    move || step(generation, rollout, left - 1),
                    std::time::Duration::from_millis(1500),
                );
            }
        });
    }
    // Ten minutes at most; the server's follow-up timeout is shorter by default.
    step(generation, rollout, 400);
}

#[component]
fn StatusCard(status: RwSignal<RolloutView>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <section class="card" aria-labelledby="status-heading">
            <h2 id="status-heading">{move || i18n.t("config.group.status")}</h2>
            <ConditionsTable rollout=Signal::derive(move || status.get()) />
        </section>
    }
}

#[component]
fn ConditionsTable(#[prop(into)] rollout: Signal<RolloutView>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <table class="table conditions">
            <thead>
                <tr>
                    <th scope="col">{move || i18n.t("config.condition.type")}</th>
                    <th scope="col">{move || i18n.t("config.condition.status")}</th>
                    <th scope="col">{move || i18n.t("config.condition.reason")}</th>
                    <th scope="col">{move || i18n.t("config.condition.message")}</th>
                </tr>
            </thead>
            <tbody>
                {move || rollout.get().conditions.into_iter().map(|c| {
                    let (kind, status) = (c.kind.clone(), c.status.clone());
                    view! {
                        <tr data-condition=kind data-status=status>
                            <td>{c.kind}</td><td>{c.status}</td><td>{c.reason}</td><td>{c.message}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn FollowUpPanel(rollout: RolloutView) -> impl IntoView {
    let i18n = I18n::expect();
    let (class, key) = match rollout.state.as_str() {
        "healthy" => ("notice notice-info", "config.follow.healthy"),
        "degraded" => ("notice notice-error", "config.follow.degraded"),
        _ => ("notice notice-warning", "config.follow.pending"),
    };
    let (observed, generation) = (
        rollout.observed_generation.to_string(),
        rollout.generation.to_string(),
    );
    let progress = move || {
        crate::i18n::fill(
            i18n.t("config.follow.progress"),
            &[("observed", &observed), ("generation", &generation)],
        )
    };
    let message = rollout.message.clone();
    let state = rollout.state.clone();
    view! {
        <section class=class role="status" aria-live="polite" data-follow-up=state>
            <h2>{move || i18n.t(key)}</h2>
            <p>{progress}</p>
            {(!message.is_empty()).then(|| view! { <p><strong>{message}</strong></p> })}
            <ConditionsTable rollout=Signal::derive(move || rollout.clone()) />
        </section>
    }
}

#[component]
fn FieldErrors(review: RwSignal<Review>, field: &'static str) -> impl IntoView {
    let i18n = I18n::expect();
    move || {
        let list = review.with(|r| field_messages(r, field));
        (!list.is_empty()).then(|| {
            view! {
                <ul class="field-errors" data-errors-for=field>
                    {list.into_iter().map(|v| {
                        let text = move || message(i18n.lang(), &v);
                        view! { <li>{text}</li> }
                    }).collect_view()}
                </ul>
            }
        })
    }
}

#[component]
fn TextField(
    label: &'static str,
    help: &'static str,
    field: &'static str,
    /// Whole numbers: typed as text (a number input would hand over "" for a typo, which
    /// would read as "remove the field"), checked on preview with the field named.
    #[prop(optional)]
    numeric: bool,
    edited: RwSignal<ConfigForm>,
    review: RwSignal<Review>,
    get: fn(&ConfigForm) -> String,
    set: fn(&mut ConfigForm, String),
) -> impl IntoView {
    let i18n = I18n::expect();
    let invalid = move || review.with(|r| !field_messages(r, field).is_empty());
    view! {
        <label class="field" data-field=field>
            <span class="label">{label}</span>
            {(!help.is_empty()).then(|| view! { <span class="help">{move || i18n.t(help)}</span> })}
            <input type="text" inputmode=if numeric { "numeric" } else { "text" } name=field aria-invalid=move || invalid().to_string()
                value=edited.with_untracked(get)
                prop:value=move || edited.with(get)
                on:input=move |ev| edited.update(|f| set(f, event_target_value(&ev))) />
        </label>
        <FieldErrors review field />
    }
}

#[component]
fn SelectField(
    label: &'static str,
    help: &'static str,
    field: &'static str,
    options: &'static [&'static str],
    edited: RwSignal<ConfigForm>,
    review: RwSignal<Review>,
    get: fn(&ConfigForm) -> String,
    set: fn(&mut ConfigForm, String),
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <label class="field" data-field=field>
            <span class="label">{label}</span>
            <span class="help">{move || i18n.t(help)}</span>
            <select name=field
                prop:value=move || edited.with(get)
                on:change=move |ev| edited.update(|f| set(f, event_target_value(&ev)))>
                <option value="">{move || i18n.t("config.default")}</option>
                {options.iter().map(|o| view! {
                    <option value=*o selected=move || edited.with(get) == *o>{*o}</option>
                }).collect_view()}
            </select>
        </label>
        <FieldErrors review field />
    }
}

#[component]
fn CheckField(
    label: &'static str,
    help: &'static str,
    edited: RwSignal<ConfigForm>,
    get: fn(&ConfigForm) -> bool,
    set: fn(&mut ConfigForm, bool),
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <label class="field field-check" data-field=format!("spec.{label}")>
            <input type="checkbox" name=label
                checked=edited.with_untracked(get)
                prop:checked=move || edited.with(get)
                on:change=move |ev| edited.update(|f| set(f, event_target_checked(&ev))) />
            <span class="label">{label}</span>
            <span class="help">{move || i18n.t(help)}</span>
        </label>
    }
}

#[component]
fn RoutesEditor(edited: RwSignal<ConfigForm>) -> impl IntoView {
    let i18n = I18n::expect();
    let count = move || edited.with(|f| f.routes.len());
    let cell = move |index: usize,
                     get: fn(&RouteRow) -> String,
                     set: fn(&mut RouteRow, String),
                     name: &'static str| {
        view! {
            <td>
                <input type="text" name=format!("routes[{index}].{name}") aria-label=name
                    value=edited.with_untracked(|f| f.routes.get(index).map(get).unwrap_or_default())
                    prop:value=move || edited.with(|f| f.routes.get(index).map(get).unwrap_or_default())
                    on:input=move |ev| edited.update(|f| if let Some(r) = f.routes.get_mut(index) { set(r, event_target_value(&ev)) }) />
            </td>
        }
    };
    view! {
        <p class="help">{move || i18n.t("config.help.routes")}</p>
        <table class="table routes">
            <thead>
                <tr>
                    <th scope="col">"name"</th>
                    <th scope="col">"hostname"</th>
                    <th scope="col">"secretName"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {move || (0..count()).map(|index| view! {
                    <tr data-route=index>
                        {cell(index, |r| r.name.clone(), |r, v| r.name = v, "name")}
                        {cell(index, |r| r.hostname.clone(), |r, v| r.hostname = v, "hostname")}
                        {cell(index, |r| r.secret_name.clone(), |r, v| r.secret_name = v, "secretName")}
                        <td>
                            <button type="button" class="button" on:click=move |_| edited.update(|f| { if index < f.routes.len() { f.routes.remove(index); } })>
                                {move || i18n.t("config.route.remove")}
                            </button>
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <button type="button" class="button" data-action="add-route" on:click=move |_| edited.update(|f| f.routes.push(RouteRow::default()))>
            {move || i18n.t("config.route.add")}
        </button>
    }
}

#[component]
pub(crate) fn DiffTable(changes: Vec<FieldChange>) -> impl IntoView {
    let i18n = I18n::expect();
    let show = |v: Option<serde_json::Value>| match v {
        None => "—".to_string(),
        Some(serde_json::Value::String(s)) => s,
        Some(other) => other.to_string(),
    };
    view! {
        <table class="table diff">
            <thead>
                <tr>
                    <th scope="col">{move || i18n.t("config.diff.field")}</th>
                    <th scope="col">{move || i18n.t("config.diff.before")}</th>
                    <th scope="col">{move || i18n.t("config.diff.after")}</th>
                </tr>
            </thead>
            <tbody>
                {changes.into_iter().map(|c| view! {
                    <tr data-path=c.path.clone()>
                        <td><code>{c.path.clone()}</code></td>
                        <td class="before">{show(c.before)}</td>
                        <td class="after">{show(c.after)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ViolationList(list: Vec<Violation>, #[prop(optional)] warning: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let class = if warning {
        "notice notice-warning"
    } else {
        "notice notice-error"
    };
    view! {
        <div class=class role="alert" data-violations=if warning { "warning" } else { "error" }>
            <p>{move || if warning { i18n.t("config.warnings") } else { i18n.t("config.invalid") }}</p>
            <ul>
                {list.into_iter().map(|v| {
                    let field = v.field.clone();
                    let text = move || message(i18n.lang(), &v);
                    view! { <li><code>{field}</code>": "{text}</li> }
                }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn ReviewPanel(
    review: RwSignal<Review>,
    reason: RwSignal<String>,
    apply_error: RwSignal<Option<ChangeError>>,
    may_change: bool,
    busy: Signal<bool>,
    current: Signal<bool>,
    on_apply: Callback<()>,
    on_reapply: Callback<()>,
) -> impl IntoView {
    let i18n = I18n::expect();
    move || match review.get() {
        Review::None => ().into_any(),
        Review::Previewed(previewed) => {
            let preview = previewed.1;
            let warnings = preview
                .warnings
                .iter()
                .filter(|v| v.severity == Severity::Warning)
                .cloned()
                .collect::<Vec<_>>();
            view! {
                <section class="card review" data-review="preview" aria-labelledby="review-heading">
                    <h2 id="review-heading">{move || i18n.t("config.review")}</h2>
                    {(!warnings.is_empty()).then(|| view! { <ViolationList list=warnings.clone() warning=true /> })}
                    {preview.steps.into_iter().map(|step| view! {
                        <h3>{step.object.to_string()}</h3>
                        <DiffTable changes=step.diff />
                        <p>{move || i18n.t("config.oc_command")}</p>
                        <pre class="code" data-oc-command="">{step.oc_command}</pre>
                    }).collect_view()}
                    <p class="notice notice-info" data-dry-run="accepted">{move || i18n.t("config.dry_run_ok")}</p>
                    <label class="field">
                        <span class="label">{move || i18n.t("config.reason")}</span>
                        <span class="help">{move || i18n.t("config.help.reason")}</span>
                        <textarea name="reason" rows="2"
                            prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    </label>
                    {move || apply_error.get().map(|error| view! { <ChangeRefused error on_reapply /> })}
                    <Show when=move || !current.get()>
                        <p class="notice notice-warning">{move || i18n.t("config.preview_stale")}</p>
                    </Show>
                    <button type="button" class="button button-primary" data-action="apply"
                        disabled=move || !may_change || busy.get() || !current.get()
                        on:click=move |_| on_apply.run(())>
                        {move || i18n.t("config.apply")}
                    </button>
                </section>
            }
            .into_any()
        }
        Review::Refused(ConsoleError::Change(error)) => {
            view! { <ChangeRefused error=*error on_reapply /> }.into_any()
        }
        Review::Refused(other) => {
            view! { <crate::auth_pages::ErrorNotice error=other /> }.into_any()
        }
        Review::Applied(applied) => {
            let id = applied.change_id.clone();
            let text = move || crate::i18n::fill(i18n.t("config.applied"), &[("id", &id)]);
            view! {
                <section class="notice notice-info" role="status" data-review="applied" data-change=applied.change_id.clone()>
                    <p>{text}</p>
                    {applied.steps.into_iter().map(|step| view! {
                        <pre class="code" data-oc-command="">{step.oc_command}</pre>
                    }).collect_view()}
                </section>
            }
            .into_any()
        }
    }
}

#[component]
fn ChangeRefused(error: ChangeError, on_reapply: Callback<()>) -> impl IntoView {
    let i18n = I18n::expect();
    let objects = |list: &[crate::change::ObjectRef]| {
        list.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match error {
        ChangeError::Invalid(list) => view! { <ViolationList list /> }.into_any(),
        ChangeError::Conflict { object, underneath } => view! {
            <section class="notice notice-warning" role="alert" data-review="conflict">
                <p>{move || crate::i18n::fill(i18n.t("config.conflict"), &[("object", &object.to_string())])}</p>
                <DiffTable changes=underneath />
                <button type="button" class="button button-primary" data-action="reapply" on:click=move |_| on_reapply.run(())>
                    {move || i18n.t("config.reapply")}
                </button>
            </section>
        }
        .into_any(),
        ChangeError::DryRunRejected { object, message } => view! {
            <div class="notice notice-error" role="alert" data-review="dry-run-rejected">
                <p>{move || crate::i18n::fill(i18n.t("config.dry_run_rejected"), &[("object", &object.to_string())])}</p>
                <p><small>{message}</small></p>
            </div>
        }
        .into_any(),
        ChangeError::ApplyFailed { applied, failed, not_applied, message } => {
            let (failed, applied, not_applied) =
                (failed.to_string(), objects(&applied), objects(&not_applied));
            let text = move || {
                crate::i18n::fill(
                    i18n.t("config.apply_failed"),
                    &[
                        ("failed", &failed),
                        ("applied", &applied),
                        ("not_applied", &not_applied),
                    ],
                )
            };
            view! {
                <div class="notice notice-error" role="alert" data-review="apply-failed">
                    <p>{text}</p>
                    <p><small>{message}</small></p>
                </div>
            }
            .into_any()
        }
        ChangeError::ReasonTooShort { min } => view! {
            <div class="notice notice-error" role="alert" data-review="reason">
                <p>{move || crate::i18n::fill(i18n.t("config.reason_short"), &[("min", &min.to_string())])}</p>
            </div>
        }
        .into_any(),
        ChangeError::NoChange => view! {
            <div class="notice notice-info" role="status" data-review="no-change">
                <p>{move || i18n.t("config.no_change")}</p>
            </div>
        }
        .into_any(),
        ChangeError::AuditUnavailable(detail) => view! {
            <div class="notice notice-error" role="alert" data-review="audit-unavailable">
                <p>{move || i18n.t("config.audit_unavailable")}</p>
                <p><small>{detail}</small></p>
            </div>
        }
        .into_any(),
        ChangeError::Kubernetes(detail) => view! {
            <div class="notice notice-error" role="alert" data-review="kubernetes">
                <p>{move || i18n.t("error.generic")}</p>
                <p><small>{detail}</small></p>
            </div>
        }
        .into_any(),
    }
}
