//! `registry-console site-sizes`: what each page of the built site loads before it is
//! interactive, gzip -9, without the page's own HTML (which needs a running console; the
//! browser test `end2end/tests/first-load.spec.mjs` adds it and holds the budgets). Sizes
//! are deterministic for a build, so `./dev build --release` prints them after building.

use crate::http::BUNDLE_NAME;
use app::domain::page::{Page, SPLIT_MANIFEST, island_chunks};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Bytes of `bytes` gzipped at level 9 (as the browser test and `gzip -9` measure).
pub fn gzipped(bytes: &[u8]) -> std::io::Result<u64> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

/// One file a page loads: its path under the site root and gzipped size.
#[derive(Debug, PartialEq, Eq)]
pub struct Asset {
    pub path: String,
    pub gzipped: u64,
}

/// A page and the files it loads besides its HTML.
#[derive(Debug, PartialEq, Eq)]
pub struct PageLoad {
    pub path: &'static str,
    pub assets: Vec<Asset>,
}

impl PageLoad {
    pub fn total(&self) -> u64 {
        self.assets.iter().map(|a| a.gzipped).sum()
    }
}

/// Every page of the site under `site_root`: the stylesheet for all; for a page with
/// islands also the JS glue, the split loader, the main module and the islands' chunks.
pub fn measure(site_root: &Path) -> std::io::Result<Vec<PageLoad>> {
    let pkg = site_root.join("pkg");
    let manifest: HashMap<String, Vec<String>> =
        serde_json::from_str(&std::fs::read_to_string(pkg.join(SPLIT_MANIFEST))?)
            .map_err(std::io::Error::other)?;
    let mut sizes: HashMap<String, u64> = HashMap::new();
    let mut asset = |file: String| -> std::io::Result<Asset> {
        let gzipped = match sizes.get(&file) {
            Some(size) => *size,
            None => {
                let size = gzipped(&std::fs::read(pkg.join(&file))?)?;
                sizes.insert(file.clone(), size);
                size
            }
        };
        Ok(Asset {
            path: format!("pkg/{file}"),
            gzipped,
        })
    };
    let mut split_loader = None;
    for entry in std::fs::read_dir(&pkg)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with("__wasm_split") && name.ends_with(".js") {
            split_loader = Some(name);
        }
    }
    let mut pages = Vec::new();
    for page in Page::ALL {
        let mut assets = vec![asset(format!("{BUNDLE_NAME}.css"))?];
        let islands = page.islands();
        if !islands.is_empty() {
            assets.push(asset(format!("{BUNDLE_NAME}.js"))?);
            if let Some(loader) = &split_loader {
                assets.push(asset(loader.clone())?);
            }
            assets.push(asset(format!("{BUNDLE_NAME}_bg.wasm"))?);
            for chunk in island_chunks(&manifest, islands) {
                assets.push(asset(format!("{chunk}.wasm"))?);
            }
        }
        pages.push(PageLoad {
            path: page.path(),
            assets,
        });
    }
    Ok(pages)
}

/// The report `./dev build --release` prints.
pub fn report(pages: &[PageLoad]) -> String {
    let mut out = String::from(
        "first load per page without its HTML (gzip -9; pages not listed load the stylesheet only)\n",
    );
    for page in pages {
        out.push_str(&format!("  {:<18}{:>10} B\n", page.path, page.total()));
        if page.assets.len() > 1 {
            for asset in &page.assets {
                out.push_str(&format!(
                    "      {:<60}{:>10} B\n",
                    asset.path, asset.gzipped
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_with_an_island_adds_the_bundle_and_its_chunks_the_others_only_the_css() {
        let dir = tempfile::tempdir().expect("dir");
        let pkg = dir.path().join("pkg");
        std::fs::create_dir(&pkg).expect("pkg");
        let island = Page::ALL
            .into_iter()
            .find(|p| !p.islands().is_empty())
            .expect("a page with an island");
        let loader = format!("{}_loader_42", island.islands()[0]);
        let manifest = serde_json::json!({ loader.clone(): [format!("split_{loader}")], "other_loader_1": ["split_other"] });
        for (name, body) in [
            (SPLIT_MANIFEST.to_string(), manifest.to_string()),
            (format!("{BUNDLE_NAME}.css"), "body{}".repeat(10)),
            (format!("{BUNDLE_NAME}.js"), "js".repeat(100)),
            ("__wasm_split.____.js".to_string(), "loader".into()),
            (format!("{BUNDLE_NAME}_bg.wasm"), "main".repeat(100)),
            (format!("split_{loader}.wasm"), "chunk".repeat(100)),
            ("split_other.wasm".to_string(), "other".repeat(1000)),
        ] {
            std::fs::write(pkg.join(name), body).expect("write");
        }
        let pages = measure(dir.path()).expect("measured");
        let css = gzipped("body{}".repeat(10).as_bytes()).expect("gz");
        for page in &pages {
            let paths: Vec<&str> = page.assets.iter().map(|a| a.path.as_str()).collect();
            // Pages sharing the island load the same files.
            let shares = app::domain::page::Page::from_path(page.path)
                .is_some_and(|p| p.islands().contains(&island.islands()[0]));
            if shares {
                assert_eq!(
                    paths,
                    [
                        "pkg/registry_console.css",
                        "pkg/registry_console.js",
                        "pkg/__wasm_split.____.js",
                        "pkg/registry_console_bg.wasm",
                        &format!("pkg/split_{loader}.wasm"),
                    ]
                );
                assert!(page.total() > css);
            } else if app::domain::page::Page::from_path(page.path)
                .is_some_and(|p| !p.islands().is_empty())
            {
                // Another page with islands: the bundle, and only its own chunks (none in
                // this manifest).
                assert_eq!(paths.len(), 4, "{}", page.path);
            } else {
                assert_eq!(paths, ["pkg/registry_console.css"], "{}", page.path);
                assert_eq!(page.total(), css);
            }
        }
        assert!(report(&pages).contains(&format!("split_{loader}.wasm")));
    }
}
