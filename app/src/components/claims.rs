//! The persistent volume claims of the registry's namespace as a table (the storage
//! wizard and the Overview show the same columns).

use crate::components::language::I18n;
use crate::domain::storage::wizard::ClaimRow;
use leptos::prelude::*;

#[component]
pub fn ClaimsTable(claims: Vec<ClaimRow>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <table class="table" data-claims="">
            <thead>
                <tr>
                    <th scope="col">{i18n.t("storage.claims.name")}</th>
                    <th scope="col">{i18n.t("storage.claims.phase")}</th>
                    <th scope="col">{i18n.t("storage.claims.capacity")}</th>
                    <th scope="col">{i18n.t("storage.claims.modes")}</th>
                    <th scope="col">{i18n.t("storage.claims.class")}</th>
                </tr>
            </thead>
            <tbody>
                {claims
                    .into_iter()
                    .map(|c| {
                        let (name, phase) = (c.name.clone(), c.phase.clone());
                        view! {
                            <tr data-claim=name data-phase=phase>
                                <td>{c.name}</td>
                                <td>{c.phase}</td>
                                <td>{c.capacity}</td>
                                <td>{c.access_modes.join(", ")}</td>
                                <td>{c.storage_class}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
