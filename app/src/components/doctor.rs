//! The registry doctor's findings (see [`crate::domain::doctor`]): how many of each
//! severity, then each finding with what it rests on and its fix. Admins get the fix as a
//! link to the pre-filled form and the `oc` command; viewers get it worded as what to ask
//! an admin. Rendered on the server; nothing here needs JavaScript.

use crate::components::health::Time;
use crate::components::language::I18n;
use crate::domain::doctor::{Diagnosis, Finding, Severity};
use leptos::prelude::*;

fn severity_key(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "doctor.severity.critical",
        Severity::Warning => "doctor.severity.warning",
        Severity::Info => "doctor.severity.info",
    }
}

/// "2 problems, 1 warning" (only the severities there are).
pub fn summary(i18n: &I18n, diagnosis: &Diagnosis) -> String {
    [Severity::Critical, Severity::Warning, Severity::Info]
        .into_iter()
        .filter_map(|s| {
            let count = diagnosis.count(s);
            (count > 0).then(|| {
                i18n.fill(
                    &format!("doctor.count.{}", s.as_str()),
                    &[("count", &count.to_string())],
                )
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn DoctorCard(diagnosis: Diagnosis) -> impl IntoView {
    let i18n = I18n::expect();
    let worst = diagnosis.worst().map_or("none", Severity::as_str);
    let counted = summary(&i18n, &diagnosis);
    let headline = if diagnosis.findings.is_empty() {
        i18n.t("doctor.healthy").to_string()
    } else {
        counted
    };
    let may_change = diagnosis.may_change;
    let findings = diagnosis
        .findings
        .into_iter()
        .map(|f| view! { <FindingItem finding=f may_change /> })
        .collect_view();
    let unchecked = (!diagnosis.unchecked.is_empty()).then(|| {
        // The permission as RBAC spells it and the API server's words stay as they are,
        // marked as such (code, lang="en"), inside the sentence in the user's language.
        let count = diagnosis.unchecked.len();
        let parts = diagnosis
            .unchecked
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let part = i18n.t(&u.part).to_string();
                let detail = if u.forbidden {
                    let template = i18n.t("doctor.unchecked.forbidden");
                    let (before, after) = template.split_once("{permission}").unwrap_or((template, ""));
                    Some(view! { " (" {before.to_string()} <code>{u.why.clone()}</code> {after.to_string()} ")" }.into_any())
                } else if u.why.is_empty() {
                    None
                } else {
                    Some(view! { " (" <span lang="en">{u.why.clone()}</span> ")" }.into_any())
                };
                let separator = (i + 1 < count).then_some("; ");
                view! { {part} {detail} {separator} }
            })
            .collect_view();
        view! { <p class="help" data-unchecked="">{i18n.t("doctor.unchecked")} " " {parts}</p> }
    });
    view! {
        <section class="card doctor" aria-labelledby="doctor-heading" data-panel="doctor" data-worst=worst>
            <h2 id="doctor-heading">{i18n.t("doctor.title")}</h2>
            <p class="doctor-summary" data-summary="">
                <strong>{headline}</strong>
            </p>
            <ol class="findings">{findings}</ol>
            {unchecked}
        </section>
    }
}

#[component]
fn FindingItem(finding: Finding, may_change: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let params: Vec<(&str, &str)> = finding
        .params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let title = i18n.fill_marked(&finding.key("title"), &params);
    let explain = i18n.fill_marked(&finding.key("explain"), &params);
    let fix_text = i18n.fill(&finding.key("fix"), &params);
    let severity = finding.severity.as_str();
    let evidence = finding
        .evidence
        .iter()
        .map(|e| {
            let kind = format!("{:?}", e.kind).to_ascii_lowercase();
            view! {
                <li data-evidence=kind>
                    <code>{e.object.clone()}</code>
                    {e.at.clone().map(|at| view! { " " <Time at /> })}
                    <pre class="evidence">{e.text.clone()}</pre>
                </li>
            }
        })
        .collect_view();
    let fix = if may_change {
        let link = finding.fix.as_ref().map(|fix| {
            let page = i18n.t(fix.page.title_key());
            view! {
                " "
                <a href=fix.href() data-fix=fix.page.path()>{i18n.fill("doctor.fix_link", &[("page", page)])}</a>
            }
        });
        let oc = finding.fix.as_ref().and_then(|f| f.oc.clone()).map(|oc| {
            view! {
                <p class="help">{i18n.t("doctor.oc")}</p>
                <pre class="code" data-oc-command="">{oc}</pre>
            }
        });
        view! {
            <p class="finding-fix" data-fix-text="">{i18n.fill("doctor.fix", &[("fix", &fix_text)])} {link}</p>
            {oc}
        }
        .into_any()
    } else {
        view! { <p class="finding-fix" data-ask-admin="">{i18n.fill("doctor.ask_admin", &[("fix", &fix_text)])}</p> }
            .into_any()
    };
    let after = finding.after_change.as_ref().map(|change| {
        let href = format!("/audit?change={}", change.change_id);
        view! {
            <p class="help" data-after-change=change.change_id.clone()>
                {i18n.fill_marked("doctor.after_change", &[("change", &change.change_id), ("actor", &change.actor)])}
                " "
                <a href=href data-action="open-change">{i18n.t("doctor.after_change.open")}</a>
            </p>
        }
    });
    view! {
        <li class=format!("finding finding-{severity}") data-finding=finding.class.clone() data-severity=severity>
            <p class="finding-title">
                <span class=format!("badge badge-{severity}")>{i18n.t(severity_key(finding.severity))}</span>
                " "
                <strong>{title}</strong>
            </p>
            <p>{explain}</p>
            {fix}
            {after}
            <details class="finding-evidence">
                <summary>{i18n.t("doctor.evidence")}</summary>
                <ul>{evidence}</ul>
            </details>
        </li>
    }
}
