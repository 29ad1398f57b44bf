//! The Configuration page's form as the server renders it, with the Config's values now,
//! inside the change-forms island (which reads it as the user edits, has the server check
//! it, and hands it to the shared change review). Every input's name is the path of its
//! field, so the server's messages land next to it. What depends on a choice (the removal
//! confirmation, the new `httpSecret`) is shown by CSS (`:has()`), not by code.

use crate::components::language::I18n;
use crate::components::plain_fields::{BaseInput, ErrorSlot, FieldLabel, Setting, SettingsFacts};
use crate::domain::registry_config::form::{
    ConfigForm, ConfigView, FIELD_ADVANCED, FIELD_CONFIRM_REMOVED, FIELD_LOGGING, FIELD_ORIGINAL,
    FIELD_SECRET_MODE, FORM_CONFIG, RouteRow, SPARE_ROUTE_ROWS, SeenConfig, route_field,
};
use crate::domain::registry_config::rules::{
    LOG_LEVELS, MANAGEMENT_STATES, ROLLOUT_STRATEGIES, management_state_help_key,
};
use leptos::prelude::*;

/// A text input for the field at `field`, with its value now.
#[component]
fn Text(
    label: &'static str,
    #[prop(optional)] help: Option<&'static str>,
    field: &'static str,
    value: String,
    #[prop(optional)] numeric: bool,
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <label class="field" data-field=field>
            <FieldLabel label field />
            {help.map(|key| view! { <span class="help">{i18n.t(key)}</span> })}
            <input
                type="text"
                inputmode=if numeric { "numeric" } else { "text" }
                name=field
                value=value
                autocomplete="off"
            />
        </label>
        <ErrorSlot field />
    }
}

/// One of a fixed list of values, or the operator's default (empty).
#[component]
fn Select(
    label: &'static str,
    help: &'static str,
    field: &'static str,
    options: &'static [&'static str],
    value: String,
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <label class="field" data-field=field>
            <FieldLabel label field />
            <span class="help">{i18n.t(help)}</span>
            <select name=field>
                <option value="" selected=value.is_empty()>{i18n.t("field.default")}</option>
                {options
                    .iter()
                    .map(|o| view! { <option value=*o selected=value == *o>{*o}</option> })
                    .collect_view()}
            </select>
        </label>
        <ErrorSlot field />
    }
}

/// A flag.
#[component]
fn Check(
    label: &'static str,
    help: &'static str,
    field: &'static str,
    checked: bool,
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <label class="field field-check" data-field=field>
            <input type="checkbox" name=field checked=checked />
            <FieldLabel label field />
            <span class="help">{i18n.t(help)}</span>
        </label>
        <ErrorSlot field />
    }
}

#[component]
pub fn ConfigFields(view: ConfigView, denied: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let base = serde_json::to_string(&SeenConfig {
        version: view.resource_version.clone(),
        spec: view.spec.clone(),
    })
    .unwrap_or_default();
    let original = view.spec.to_string();
    let mut form = view.form;
    let state_now = form.management_state.clone();
    // A doctor's fix link pre-fills a few fields; the review shows what changes.
    let query = leptos_router::hooks::use_query_map();
    let prefilled = query.with_untracked(|q| {
        crate::domain::registry_config::form::prefill(&mut form, |name| q.get(name))
    });
    let prefilled_notice = (!prefilled.is_empty()).then(|| {
        view! {
            <p class="notice notice-info" data-prefilled=prefilled.join(" ")>
                {i18n.fill("config.prefilled", &[("fields", &prefilled.join(", "))])}
            </p>
        }
    });
    if denied {
        return view! { <ConfigSummary form http_secret_set=view.http_secret_set /> }.into_any();
    }
    let requests_set = [&form.read, &form.write].into_iter().any(|r| {
        !(r.max_running.is_empty() && r.max_in_queue.is_empty() && r.max_wait_in_queue.is_empty())
    });
    let advanced_set = form.disable_redirect || !form.advanced_yaml.trim().is_empty();
    view! {
        {prefilled_notice}
        // method="post": a submit before hydration is refused by the CSRF check instead
        // of putting the fields into a GET URL.
        <form class="config-form" method="post" data-change-form=FORM_CONFIG data-version=view.resource_version.clone()>
            <fieldset class="plain" disabled=denied>
                <BaseInput base />
                <input type="hidden" name=FIELD_ORIGINAL value=original />
                <ErrorSlot field="form" />
                <StateFieldset form=form.clone() state_now />
                <fieldset data-group="replicas">
                    <legend>{i18n.t("config.group.replicas")}</legend>
                    <Text label="field.replicas" help="config.help.replicas" field="spec.replicas" numeric=true value=form.replicas.clone() />
                    <Select label="field.rollout_strategy" help="config.help.rollout" field="spec.rolloutStrategy"
                        options=&ROLLOUT_STRATEGIES value=form.rollout_strategy.clone() />
                </fieldset>
                <RoutesFieldset form=form.clone() />
                // Rare settings folded; open when any is set, so nothing set is out of sight.
                <details class="advanced" open=requests_set>
                <summary>{i18n.t("config.group.requests")}</summary>
                <fieldset data-group="requests">
                    <legend class="visually-hidden">{i18n.t("config.group.requests")}</legend>
                    <p class="help">{i18n.t("config.help.requests")}</p>
                    <Text label="field.read_max_running" field="spec.requests.read.maxRunning" numeric=true value=form.read.max_running.clone() />
                    <Text label="field.read_max_in_queue" field="spec.requests.read.maxInQueue" numeric=true value=form.read.max_in_queue.clone() />
                    <Text label="field.read_max_wait" help="config.help.duration" field="spec.requests.read.maxWaitInQueue" value=form.read.max_wait_in_queue.clone() />
                    <Text label="field.write_max_running" field="spec.requests.write.maxRunning" numeric=true value=form.write.max_running.clone() />
                    <Text label="field.write_max_in_queue" field="spec.requests.write.maxInQueue" numeric=true value=form.write.max_in_queue.clone() />
                    <Text label="field.write_max_wait" help="config.help.duration" field="spec.requests.write.maxWaitInQueue" value=form.write.max_wait_in_queue.clone() />
                </fieldset>
                </details>
                <fieldset data-group="proxy">
                    <legend>{i18n.t("config.group.proxy")}</legend>
                    <p class="help">{i18n.t("config.help.proxy")}</p>
                    <Text label="field.proxy_http" field="spec.proxy.http" value=form.proxy_http.clone() />
                    <Text label="field.proxy_https" field="spec.proxy.https" value=form.proxy_https.clone() />
                    <Text label="field.proxy_no_proxy" field="spec.proxy.noProxy" value=form.proxy_no_proxy.clone() />
                </fieldset>
                <fieldset data-group="logging">
                    <legend>{i18n.t("config.group.logging")}</legend>
                    <Select label="field.log_level" help="config.help.log_level" field="spec.logLevel" options=&LOG_LEVELS value=form.log_level.clone() />
                    <Select label="field.operator_log_level" help="config.help.operator_log_level" field="spec.operatorLogLevel"
                        options=&LOG_LEVELS value=form.operator_log_level.clone() />
                    <Text label="field.logging" help="config.help.logging" field=FIELD_LOGGING numeric=true value=form.logging.clone() />
                </fieldset>
                <details class="advanced" open=advanced_set>
                    <summary>{i18n.t("config.group.advanced")}</summary>
                    <AdvancedFieldset form http_secret_set=view.http_secret_set />
                </details>
            </fieldset>
            <div class="actions">
                <button type="submit" class="button button-primary" data-action="preview" disabled=denied>
                    {i18n.t("config.preview")}
                </button>
                // The browser's own reset: back to the values the server rendered.
                <button type="reset" class="button" data-action="reset" disabled=denied>
                    {i18n.t("config.reset")}
                </button>
            </div>
        </form>
    }
    .into_any()
}

/// The Config's settings as they are, for a user who may not change them: the same labels
/// as the form's, without inputs that could not be used.
#[component]
fn ConfigSummary(form: ConfigForm, http_secret_set: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let routes = if form.routes.is_empty() {
        i18n.t("common.none").to_string()
    } else {
        form.routes
            .iter()
            .map(|r| {
                let secret = if r.secret_name.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.secret_name)
                };
                format!("{} → {}{secret}", r.name, r.hostname)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let secret = i18n
        .t(if http_secret_set {
            "config.secret.is_set"
        } else {
            "config.secret.not_set"
        })
        .to_string();
    let rows = vec![
        (
            "overview.fact.management_state",
            "spec.managementState",
            Setting::Said(form.management_state),
        ),
        (
            "field.read_only",
            "spec.readOnly",
            Setting::Flag(form.read_only),
        ),
        (
            "field.replicas",
            "spec.replicas",
            Setting::Text(form.replicas),
        ),
        (
            "field.rollout_strategy",
            "spec.rolloutStrategy",
            Setting::Text(form.rollout_strategy),
        ),
        (
            "field.default_route",
            "spec.defaultRoute",
            Setting::Flag(form.default_route),
        ),
        (
            "overview.routes.custom",
            "spec.routes",
            Setting::Said(routes),
        ),
        (
            "field.read_max_running",
            "spec.requests.read.maxRunning",
            Setting::Text(form.read.max_running),
        ),
        (
            "field.read_max_in_queue",
            "spec.requests.read.maxInQueue",
            Setting::Text(form.read.max_in_queue),
        ),
        (
            "field.read_max_wait",
            "spec.requests.read.maxWaitInQueue",
            Setting::Text(form.read.max_wait_in_queue),
        ),
        (
            "field.write_max_running",
            "spec.requests.write.maxRunning",
            Setting::Text(form.write.max_running),
        ),
        (
            "field.write_max_in_queue",
            "spec.requests.write.maxInQueue",
            Setting::Text(form.write.max_in_queue),
        ),
        (
            "field.write_max_wait",
            "spec.requests.write.maxWaitInQueue",
            Setting::Text(form.write.max_wait_in_queue),
        ),
        (
            "field.proxy_http",
            "spec.proxy.http",
            Setting::Text(form.proxy_http),
        ),
        (
            "field.proxy_https",
            "spec.proxy.https",
            Setting::Text(form.proxy_https),
        ),
        (
            "field.proxy_no_proxy",
            "spec.proxy.noProxy",
            Setting::Text(form.proxy_no_proxy),
        ),
        (
            "field.log_level",
            "spec.logLevel",
            Setting::Text(form.log_level),
        ),
        (
            "field.operator_log_level",
            "spec.operatorLogLevel",
            Setting::Text(form.operator_log_level),
        ),
        ("field.logging", "spec.logging", Setting::Text(form.logging)),
        (
            "field.http_secret",
            "spec.httpSecret",
            Setting::Said(secret),
        ),
        (
            "field.disable_redirect",
            "spec.disableRedirect",
            Setting::Flag(form.disable_redirect),
        ),
    ];
    view! {
        <section class="card" aria-labelledby="config-summary-heading" data-read-only-summary="config">
            <h2 id="config-summary-heading">{i18n.t("config.summary.title")}</h2>
            <SettingsFacts rows advanced=("config.advanced.label", form.advanced_yaml) />
        </section>
    }
}

#[component]
fn StateFieldset(form: ConfigForm, state_now: String) -> impl IntoView {
    let i18n = I18n::expect();
    let now = form.management_state.clone();
    view! {
        <fieldset data-group="state" data-state-now=state_now>
            <legend>{i18n.t("config.group.state")}</legend>
            {MANAGEMENT_STATES
                .into_iter()
                .map(|state| {
                    let help = management_state_help_key(state).unwrap_or_default();
                    view! {
                        <label class="choice">
                            <input type="radio" name="spec.managementState" value=state checked=now == state />
                            <strong>{state}</strong>
                            <span class="help">{i18n.t(help)}</span>
                        </label>
                    }
                })
                .collect_view()}
            // Shown (by CSS) when Removed is chosen and the registry is not Removed now.
            <label class="confirm" data-confirm-removed="">
                <input type="checkbox" name=FIELD_CONFIRM_REMOVED />
                {i18n.t("config.removed.confirm")}
            </label>
            <ErrorSlot field="spec.managementState" />
            <Check label="field.read_only" help="config.help.read_only" field="spec.readOnly" checked=form.read_only />
        </fieldset>
    }
}

#[component]
fn RoutesFieldset(form: ConfigForm) -> impl IntoView {
    let i18n = I18n::expect();
    let existing = form.routes.len();
    let rows = form
        .routes
        .into_iter()
        .chain(std::iter::repeat_n(RouteRow::default(), SPARE_ROUTE_ROWS))
        .enumerate()
        .map(|(index, row)| {
            let cell = |key: &'static str, value: String| {
                view! {
                    <td>
                        <input
                            type="text"
                            name=route_field(index, key)
                            aria-label=format!("{key} {}", index + 1)
                            value=value
                            autocomplete="off"
                        />
                    </td>
                }
            };
            view! {
                <tr data-route=index>
                    {cell("name", row.name)}
                    {cell("hostname", row.hostname)}
                    {cell("secretName", row.secret_name)}
                    <td>
                        {(index < existing)
                            .then(|| {
                                view! {
                                    <label>
                                        <input type="checkbox" name=route_field(index, "remove") />
                                        " "
                                        {i18n.t("config.route.remove")}
                                    </label>
                                }
                            })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <fieldset data-group="routes">
            <legend>{i18n.t("config.group.routes")}</legend>
            <Check label="field.default_route" help="config.help.default_route" field="spec.defaultRoute" checked=form.default_route />
            <p class="help">{i18n.t("config.help.routes")}</p>
            <table class="table routes">
                <thead>
                    <tr>
                        <th scope="col">"name"</th>
                        <th scope="col">"hostname"</th>
                        <th scope="col">"secretName"</th>
                        <th scope="col"><span class="visually-hidden">{i18n.t("config.route.actions")}</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="help">{i18n.t("config.route.spare")}</p>
            <ErrorSlot field="spec.routes" />
        </fieldset>
    }
}

/// The advanced fields: the write-only `httpSecret`, a flag, and the YAML editor for
/// the pod-scheduling fields.
#[component]
fn AdvancedFieldset(form: ConfigForm, http_secret_set: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let modes = [
        ("keep", "config.secret.keep"),
        ("generate", "config.secret.generate"),
        ("set", "config.secret.set"),
    ];
    view! {
        <fieldset data-group="advanced">
            <legend class="visually-hidden">{i18n.t("config.group.advanced")}</legend>
            <div class="field" data-field="spec.httpSecret" role="group" aria-labelledby="http-secret-label">
                <span class="label" id="http-secret-label">{i18n.t("field.http_secret")} " " <small class="api-path">"spec.httpSecret"</small></span>
                <p class="help">
                    {if http_secret_set { i18n.t("config.secret.is_set") } else { i18n.t("config.secret.not_set") }}
                </p>
                {modes
                    .into_iter()
                    .map(|(value, key)| {
                        view! {
                            <label class="choice">
                                <input type="radio" name=FIELD_SECRET_MODE value=value checked=value == "keep" />
                                {i18n.t(key)}
                            </label>
                        }
                    })
                    .collect_view()}
                // Shown (by CSS) when "set" is chosen.
                <input
                    type="password"
                    name="spec.httpSecret"
                    autocomplete="new-password"
                    aria-label="httpSecret"
                    data-new-secret=""
                />
                <ErrorSlot field="spec.httpSecret" />
            </div>
            <Check label="field.disable_redirect" help="config.help.disable_redirect" field="spec.disableRedirect" checked=form.disable_redirect />
            <label class="field" data-field=FIELD_ADVANCED>
                <span class="label">{i18n.t("config.advanced.label")}</span>
                <span class="help">{i18n.t("config.help.advanced")}</span>
                <textarea name=FIELD_ADVANCED rows="12" spellcheck="false" class="code">
                    {form.advanced_yaml.clone()}
                </textarea>
            </label>
            <ErrorSlot field=FIELD_ADVANCED />
            {["spec.nodeSelector", "spec.tolerations", "spec.affinity", "spec.topologySpreadConstraints", "spec.resources"]
                .into_iter()
                .map(|field| view! { <ErrorSlot field /> })
                .collect_view()}
        </fieldset>
    }
}
