//! The Configuration page's form as the server renders it, with the Config's values now,
//! inside the change-forms island (which reads it as the user edits, has the server check
//! it, and hands it to the shared change review). Every input's name is the path of its
//! field, so the server's messages land next to it. What depends on a choice (the removal
//! confirmation, the new `httpSecret`) is shown by CSS (`:has()`), not by code.

use crate::components::language::I18n;
use crate::components::plain_fields::{BaseInput, ErrorSlot};
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
            <span class="label">{label}</span>
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
            <span class="label">{label}</span>
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

/// A flag; `label` is its name.
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
            <span class="label">{label}</span>
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
                    <Text label="replicas" help="config.help.replicas" field="spec.replicas" numeric=true value=form.replicas.clone() />
                    <Select label="rolloutStrategy" help="config.help.rollout" field="spec.rolloutStrategy"
                        options=&ROLLOUT_STRATEGIES value=form.rollout_strategy.clone() />
                </fieldset>
                <RoutesFieldset form=form.clone() />
                <fieldset data-group="requests">
                    <legend>{i18n.t("config.group.requests")}</legend>
                    <p class="help">{i18n.t("config.help.requests")}</p>
                    <Text label="read.maxRunning" field="spec.requests.read.maxRunning" numeric=true value=form.read.max_running.clone() />
                    <Text label="read.maxInQueue" field="spec.requests.read.maxInQueue" numeric=true value=form.read.max_in_queue.clone() />
                    <Text label="read.maxWaitInQueue" help="config.help.duration" field="spec.requests.read.maxWaitInQueue" value=form.read.max_wait_in_queue.clone() />
                    <Text label="write.maxRunning" field="spec.requests.write.maxRunning" numeric=true value=form.write.max_running.clone() />
                    <Text label="write.maxInQueue" field="spec.requests.write.maxInQueue" numeric=true value=form.write.max_in_queue.clone() />
                    <Text label="write.maxWaitInQueue" help="config.help.duration" field="spec.requests.write.maxWaitInQueue" value=form.write.max_wait_in_queue.clone() />
                </fieldset>
                <fieldset data-group="proxy">
                    <legend>{i18n.t("config.group.proxy")}</legend>
                    <p class="help">{i18n.t("config.help.proxy")}</p>
                    <Text label="proxy.http" field="spec.proxy.http" value=form.proxy_http.clone() />
                    <Text label="proxy.https" field="spec.proxy.https" value=form.proxy_https.clone() />
                    <Text label="proxy.noProxy" field="spec.proxy.noProxy" value=form.proxy_no_proxy.clone() />
                </fieldset>
                <fieldset data-group="logging">
                    <legend>{i18n.t("config.group.logging")}</legend>
                    <Select label="logLevel" help="config.help.log_level" field="spec.logLevel" options=&LOG_LEVELS value=form.log_level.clone() />
                    <Select label="operatorLogLevel" help="config.help.operator_log_level" field="spec.operatorLogLevel"
                        options=&LOG_LEVELS value=form.operator_log_level.clone() />
                    <Text label="logging" help="config.help.logging" field=FIELD_LOGGING numeric=true value=form.logging.clone() />
                </fieldset>
                <AdvancedFieldset form http_secret_set=view.http_secret_set />
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
            <Check label="defaultRoute" help="config.help.default_route" field="spec.defaultRoute" checked=form.default_route />
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

/// The advanced fields: the write-only `httpSecret`, two flags, and the YAML editor for
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
            <legend>{i18n.t("config.group.advanced")}</legend>
            <div class="field" data-field="spec.httpSecret" role="group" aria-labelledby="http-secret-label">
                <span class="label" id="http-secret-label">"httpSecret"</span>
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
            <Check label="readOnly" help="config.help.read_only" field="spec.readOnly" checked=form.read_only />
            <Check label="disableRedirect" help="config.help.disable_redirect" field="spec.disableRedirect" checked=form.disable_redirect />
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
