//! The Configuration editor's fieldsets, one component each. Every field is one of the
//! shared field components, bound to the form by a getter and a setter.

use crate::api::changes::FieldError;
use crate::components::fields::{CheckField, SelectField, TextField};
use crate::components::language::I18n;
use crate::components::violations::FieldErrors;
use crate::domain::registry_config::form::{ConfigForm, RouteRow};
use crate::domain::registry_config::rules::{
    LOG_LEVELS, MANAGEMENT_STATES, ROLLOUT_STRATEGIES, management_state_help_key,
};
use leptos::prelude::*;

/// What to do with the write-only `httpSecret`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretMode {
    Keep,
    Generate,
    Set,
}

#[component]
pub fn StateFieldset(
    form: RwSignal<ConfigForm>,
    original: RwSignal<ConfigForm>,
    confirm_removed: RwSignal<bool>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let removing = move || {
        form.with(|f| f.management_state == "Removed")
            && original.with(|f| f.management_state != "Removed")
    };
    view! {
        <fieldset data-group="state">
            <legend>{i18n.t("config.group.state")}</legend>
            {MANAGEMENT_STATES
                .into_iter()
                .map(|state| {
                    let help = management_state_help_key(state).unwrap_or_default();
                    view! {
                        <label class="choice">
                            <input
                                type="radio"
                                name="managementState"
                                value=state
                                checked=form.with_untracked(|f| f.management_state == state)
                                prop:checked=move || form.with(|f| f.management_state == state)
                                on:change=move |_| form.update(|f| f.management_state = state.to_string())
                            />
                            <strong>{state}</strong>
                            <span class="help">{i18n.t(help)}</span>
                        </label>
                    }
                })
                .collect_view()}
            <Show when=removing>
                <label class="confirm">
                    <input
                        type="checkbox"
                        name="confirmRemoved"
                        prop:checked=move || confirm_removed.get()
                        on:change=move |ev| confirm_removed.set(event_target_checked(&ev))
                    />
                    {i18n.t("config.removed.confirm")}
                </label>
            </Show>
            <FieldErrors all=errors field="spec.managementState" />
        </fieldset>
    }
}

#[component]
pub fn ReplicasFieldset(
    form: RwSignal<ConfigForm>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <fieldset data-group="replicas">
            <legend>{i18n.t("config.group.replicas")}</legend>
            <TextField label="replicas" help="config.help.replicas" field="spec.replicas" numeric=true form errors
                get=|f| f.replicas.clone() set=|f, v| f.replicas = v />
            <SelectField label="rolloutStrategy" help="config.help.rollout" field="spec.rolloutStrategy"
                options=&ROLLOUT_STRATEGIES form errors
                get=|f| f.rollout_strategy.clone() set=|f, v| f.rollout_strategy = v />
        </fieldset>
    }
}

/// One text cell of the routes table.
#[component]
fn RouteCell(
    form: RwSignal<ConfigForm>,
    index: usize,
    name: &'static str,
    get: fn(&RouteRow) -> String,
    set: fn(&mut RouteRow, String),
) -> impl IntoView {
    let value = move || form.with(|f| f.routes.get(index).map(get).unwrap_or_default());
    view! {
        <td>
            <input
                type="text"
                name=format!("routes[{index}].{name}")
                aria-label=format!("{name} {}", index + 1)
                value=form.with_untracked(|f| f.routes.get(index).map(get).unwrap_or_default())
                prop:value=value
                on:input=move |ev| {
                    form.update(|f| {
                        if let Some(route) = f.routes.get_mut(index) {
                            set(route, event_target_value(&ev))
                        }
                    })
                }
            />
        </td>
    }
}

#[component]
pub fn RoutesFieldset(
    form: RwSignal<ConfigForm>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let count = move || form.with(|f| f.routes.len());
    view! {
        <fieldset data-group="routes">
            <legend>{i18n.t("config.group.routes")}</legend>
            <CheckField label="defaultRoute" help="config.help.default_route" field="spec.defaultRoute" form
                get=|f| f.default_route set=|f, v| f.default_route = v />
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
                <tbody>
                    {move || {
                        (0..count())
                            .map(|index| {
                                view! {
                                    <tr data-route=index>
                                        <RouteCell form index name="name" get=|r| r.name.clone() set=|r, v| r.name = v />
                                        <RouteCell form index name="hostname" get=|r| r.hostname.clone() set=|r, v| r.hostname = v />
                                        <RouteCell form index name="secretName" get=|r| r.secret_name.clone() set=|r, v| r.secret_name = v />
                                        <td>
                                            <button
                                                type="button"
                                                class="button"
                                                on:click=move |_| {
                                                    form.update(|f| {
                                                        if index < f.routes.len() {
                                                            f.routes.remove(index);
                                                        }
                                                    })
                                                }
                                            >
                                                {i18n.t("config.route.remove")}
                                            </button>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
            <button
                type="button"
                class="button"
                data-action="add-route"
                on:click=move |_| form.update(|f| f.routes.push(RouteRow::default()))
            >
                {i18n.t("config.route.add")}
            </button>
            <FieldErrors all=errors field="spec.routes" />
        </fieldset>
    }
}

#[component]
pub fn RequestsFieldset(
    form: RwSignal<ConfigForm>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <fieldset data-group="requests">
            <legend>{i18n.t("config.group.requests")}</legend>
            <p class="help">{i18n.t("config.help.requests")}</p>
            <TextField label="read.maxRunning" field="spec.requests.read.maxRunning" numeric=true form errors
                get=|f| f.read.max_running.clone() set=|f, v| f.read.max_running = v />
            <TextField label="read.maxInQueue" field="spec.requests.read.maxInQueue" numeric=true form errors
                get=|f| f.read.max_in_queue.clone() set=|f, v| f.read.max_in_queue = v />
            <TextField label="read.maxWaitInQueue" help="config.help.duration" field="spec.requests.read.maxWaitInQueue" form errors
                get=|f| f.read.max_wait_in_queue.clone() set=|f, v| f.read.max_wait_in_queue = v />
            <TextField label="write.maxRunning" field="spec.requests.write.maxRunning" numeric=true form errors
                get=|f| f.write.max_running.clone() set=|f, v| f.write.max_running = v />
            <TextField label="write.maxInQueue" field="spec.requests.write.maxInQueue" numeric=true form errors
                get=|f| f.write.max_in_queue.clone() set=|f, v| f.write.max_in_queue = v />
            <TextField label="write.maxWaitInQueue" help="config.help.duration" field="spec.requests.write.maxWaitInQueue" form errors
                get=|f| f.write.max_wait_in_queue.clone() set=|f, v| f.write.max_wait_in_queue = v />
        </fieldset>
    }
}

#[component]
pub fn ProxyFieldset(form: RwSignal<ConfigForm>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <fieldset data-group="proxy">
            <legend>{i18n.t("config.group.proxy")}</legend>
            <p class="help">{i18n.t("config.help.proxy")}</p>
            <TextField label="proxy.http" field="spec.proxy.http" form errors
                get=|f| f.proxy_http.clone() set=|f, v| f.proxy_http = v />
            <TextField label="proxy.https" field="spec.proxy.https" form errors
                get=|f| f.proxy_https.clone() set=|f, v| f.proxy_https = v />
            <TextField label="proxy.noProxy" field="spec.proxy.noProxy" form errors
                get=|f| f.proxy_no_proxy.clone() set=|f, v| f.proxy_no_proxy = v />
        </fieldset>
    }
}

#[component]
pub fn LoggingFieldset(
    form: RwSignal<ConfigForm>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <fieldset data-group="logging">
            <legend>{i18n.t("config.group.logging")}</legend>
            <SelectField label="logLevel" help="config.help.log_level" field="spec.logLevel" options=&LOG_LEVELS form errors
                get=|f| f.log_level.clone() set=|f, v| f.log_level = v />
            <SelectField label="operatorLogLevel" help="config.help.operator_log_level" field="spec.operatorLogLevel"
                options=&LOG_LEVELS form errors
                get=|f| f.operator_log_level.clone() set=|f, v| f.operator_log_level = v />
            <TextField label="logging" help="config.help.logging" field="spec.logging" numeric=true form errors
                get=|f| f.logging.clone() set=|f, v| f.logging = v />
        </fieldset>
    }
}

/// The advanced fields: the write-only `httpSecret`, two flags, and the YAML editor for
/// the pod-scheduling fields.
#[component]
pub fn AdvancedFieldset(
    form: RwSignal<ConfigForm>,
    errors: Signal<Vec<FieldError>>,
    http_secret_set: RwSignal<bool>,
    secret: RwSignal<SecretMode>,
    secret_value: RwSignal<String>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let modes = [
        (SecretMode::Keep, "keep", "config.secret.keep"),
        (SecretMode::Generate, "generate", "config.secret.generate"),
        (SecretMode::Set, "set", "config.secret.set"),
    ];
    view! {
        <fieldset data-group="advanced">
            <legend>{i18n.t("config.group.advanced")}</legend>
            <div class="field" data-field="spec.httpSecret" role="group" aria-labelledby="http-secret-label">
                <span class="label" id="http-secret-label">"httpSecret"</span>
                <p class="help">
                    {move || {
                        if http_secret_set.get() {
                            i18n.t("config.secret.is_set")
                        } else {
                            i18n.t("config.secret.not_set")
                        }
                    }}
                </p>
                {modes
                    .into_iter()
                    .map(|(mode, value, key)| {
                        view! {
                            <label class="choice">
                                <input
                                    type="radio"
                                    name="httpSecretMode"
                                    value=value
                                    checked=mode == SecretMode::Keep
                                    prop:checked=move || secret.get() == mode
                                    on:change=move |_| secret.set(mode)
                                />
                                {i18n.t(key)}
                            </label>
                        }
                    })
                    .collect_view()}
                <Show when=move || secret.get() == SecretMode::Set>
                    <input
                        type="password"
                        name="httpSecret"
                        autocomplete="new-password"
                        aria-label="httpSecret"
                        prop:value=move || secret_value.get()
                        on:input=move |ev| secret_value.set(event_target_value(&ev))
                    />
                </Show>
                <FieldErrors all=errors field="spec.httpSecret" />
            </div>
            <CheckField label="readOnly" help="config.help.read_only" field="spec.readOnly" form
                get=|f| f.read_only set=|f, v| f.read_only = v />
            <CheckField label="disableRedirect" help="config.help.disable_redirect" field="spec.disableRedirect" form
                get=|f| f.disable_redirect set=|f, v| f.disable_redirect = v />
            <label class="field" data-field="advanced">
                <span class="label">{i18n.t("config.advanced.label")}</span>
                <span class="help">{i18n.t("config.help.advanced")}</span>
                <textarea
                    name="advanced"
                    rows="12"
                    spellcheck="false"
                    class="code"
                    prop:value=move || form.with(|f| f.advanced_yaml.clone())
                    on:input=move |ev| form.update(|f| f.advanced_yaml = event_target_value(&ev))
                >
                    {form.with_untracked(|f| f.advanced_yaml.clone())}
                </textarea>
            </label>
            <FieldErrors all=errors field="advanced" />
            {["spec.nodeSelector", "spec.tolerations", "spec.affinity", "spec.topologySpreadConstraints", "spec.resources"]
                .into_iter()
                .map(|field| view! { <FieldErrors all=errors field /> })
                .collect_view()}
        </fieldset>
    }
}
