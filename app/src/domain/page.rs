//! The console's pages (SPEC §6): their paths and the catalogue keys of their names.

/// A page of the console, in navigation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Page {
    Overview,
    Logs,
    Configuration,
    Storage,
    Exposure,
    CaTrust,
    Registries,
    Access,
    Pruner,
    Audit,
}

impl Page {
    pub const ALL: [Page; 10] = [
        Page::Overview,
        Page::Logs,
        Page::Configuration,
        Page::Storage,
        Page::Exposure,
        Page::CaTrust,
        Page::Registries,
        Page::Access,
        Page::Pruner,
        Page::Audit,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Page::Overview => "/",
            Page::Logs => "/logs",
            Page::Configuration => "/configuration",
            Page::Storage => "/storage",
            Page::Exposure => "/exposure",
            Page::CaTrust => "/ca-trust",
            Page::Registries => "/registries",
            Page::Access => "/access",
            Page::Pruner => "/pruner",
            Page::Audit => "/audit",
        }
    }

    /// The page at `path` (exactly), if any.
    pub fn from_path(path: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|page| page.path() == path)
    }

    /// The islands (interactive parts) of the page, by the snake-case name of their
    /// component. Only pages with islands load the WASM bundle, and each island's chunk is
    /// preloaded; the other pages are complete as the server renders them. A test checks
    /// this against the rendered pages.
    pub fn islands(self) -> &'static [&'static str] {
        match self {
            Page::Storage => &["storage_wizard"],
            Page::Configuration
            | Page::Exposure
            | Page::CaTrust
            | Page::Registries
            | Page::Access
            | Page::Pruner => &["change_forms"],
            _ => &[],
        }
    }

    /// The islands of the page at `path` with `query`: [`Self::islands`], and on the audit
    /// page the change-forms island while a comparison (which offers the restore) is open.
    pub fn islands_at(path: &str, query: &str) -> &'static [&'static str] {
        match Page::from_path(path) {
            Some(Page::Audit) if query.split('&').any(|p| p.starts_with(COMPARE_PARAM)) => {
                &["change_forms"]
            }
            Some(page) => page.islands(),
            None => &[],
        }
    }

    /// Whether the page updates live: it loads [`LIVE_SCRIPT`] (a few kilobytes) instead
    /// of the WASM bundle, which it does not need: it is rendered whole on the server and
    /// its live part only fetches itself again or appends log lines.
    pub fn is_live(self) -> bool {
        matches!(self, Page::Overview | Page::Logs)
    }

    /// Catalogue key of the page's name in the navigation and its heading.
    pub fn title_key(self) -> &'static str {
        match self {
            Page::Overview => "nav.overview",
            Page::Logs => "nav.logs",
            Page::Configuration => "nav.configuration",
            Page::Storage => "nav.storage",
            Page::Exposure => "nav.exposure",
            Page::CaTrust => "nav.ca_trust",
            Page::Registries => "nav.registries",
            Page::Access => "nav.access",
            Page::Pruner => "nav.pruner",
            Page::Audit => "nav.audit",
        }
    }

    /// Catalogue key of the one-sentence description under the heading.
    pub fn summary_key(self) -> &'static str {
        match self {
            Page::Overview => "page.overview.summary",
            Page::Logs => "page.logs.summary",
            Page::Configuration => "page.configuration.summary",
            Page::Storage => "page.storage.summary",
            Page::Exposure => "page.exposure.summary",
            Page::CaTrust => "page.ca_trust.summary",
            Page::Registries => "page.registries.summary",
            Page::Access => "page.access.summary",
            Page::Pruner => "page.pruner.summary",
            Page::Audit => "page.audit.summary",
        }
    }
}

/// The audit page's query parameter that opens a comparison of versions (`compare=<change
/// id>:<object index>`).
pub const COMPARE_PARAM: &str = "compare=";

/// The live pages' script (`public/live.js`), relative to the site's root.
pub const LIVE_SCRIPT: &str = "live.js";

/// The split step's manifest in the site's `pkg/` (see [`island_chunks`]).
pub const SPLIT_MANIFEST: &str = "__wasm_split_manifest.json";

/// The WASM chunk files (names without `.wasm`) that `islands` need, from the split step's
/// manifest (`__wasm_split_manifest.json`: lazy function → the files it loads), sorted and
/// without repeats. An island's loader function is named `<island>_loader_<hash>`.
pub fn island_chunks<'m>(
    manifest: &'m std::collections::HashMap<String, Vec<String>>,
    islands: &[&str],
) -> Vec<&'m str> {
    let mut files: Vec<&str> = manifest
        .iter()
        .filter(|(function, _)| {
            islands
                .iter()
                .any(|island| function.starts_with(&format!("{island}_loader_")))
        })
        .flat_map(|(_, files)| files.iter().map(String::as_str))
        .collect();
    files.sort_unstable();
    files.dedup();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_islands_chunks_come_from_its_loaders_entry_only() {
        let manifest = std::collections::HashMap::from([
            (
                "config_editor_loader_1".to_string(),
                vec![
                    "split_config_editor_loader_1".to_string(),
                    "chunk_0".to_string(),
                ],
            ),
            (
                "config_editor_extra_loader_2".to_string(),
                vec![
                    "split_config_editor_extra_loader_2".to_string(),
                    "chunk_0".to_string(),
                ],
            ),
        ]);
        assert_eq!(
            island_chunks(&manifest, &["config_editor"]),
            ["chunk_0", "split_config_editor_loader_1"]
        );
        assert!(island_chunks(&manifest, &[]).is_empty());
    }

    #[test]
    fn paths_are_unique_and_absolute() {
        let mut paths: Vec<_> = Page::ALL.iter().map(|p| p.path()).collect();
        assert!(paths.iter().all(|p| p.starts_with('/')));
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), Page::ALL.len());
    }
}
