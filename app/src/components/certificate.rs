//! A certificate as the pages show it (exposure, CA trust): subject and expiry, flagged
//! when it is expired, not yet valid, or expires within 30 days.

use crate::components::language::I18n;
use crate::domain::certificate::{Expiry, ShownCertificate};
use leptos::prelude::*;

/// A certificate's subject and expiry, flagged when expired or close to it.
#[component]
pub fn CertificateFacts(cert: ShownCertificate) -> impl IntoView {
    let i18n = I18n::expect();
    let days = cert.days_left.to_string();
    let (class, text) = match cert.expiry() {
        Expiry::Expired => (
            "text-error",
            i18n.fill("cert.expired", &[("date", &cert.info.not_after)]),
        ),
        Expiry::NotYetValid => (
            "text-warning",
            i18n.fill("cert.not_yet_valid", &[("date", &cert.info.not_before)]),
        ),
        Expiry::Soon => (
            "text-warning",
            i18n.fill(
                "cert.expires_soon",
                &[("days", &days), ("date", &cert.info.not_after)],
            ),
        ),
        Expiry::Fine => (
            "",
            i18n.fill(
                "cert.expires",
                &[("days", &days), ("date", &cert.info.not_after)],
            ),
        ),
    };
    view! {
        <span class="cert-facts">
            <span>{cert.info.subject.clone()}</span>
            <br />
            <small class=class data-expiry=format!("{:?}", cert.expiry()).to_lowercase()>{text}</small>
        </span>
    }
}
