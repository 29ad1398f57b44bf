//! Invariants of the crate as a whole, checked by tests: imports run one way through the
//! layers, and every catalogue key chosen at run time exists in every language.

use crate::i18n::{Lang, has_key};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import from its own layer and the ones before
/// it, never from a later one. `i18n` and `domain` share the lowest level (violations name
/// their message through the catalogue).
const LAYERS: [(&str, u8); 6] = [
    ("i18n", 0),
    ("domain", 0),
    ("api", 1),
    ("components", 2),
    ("pages", 3),
    ("app", 4),
];

fn layer_of(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// Every `.rs` file below `dir` (the i18n tests read them too).
pub(crate) fn rust_sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The top-level modules a source names through `crate::…`, including inside `use`
/// groups (`use crate::{a, b::c}`).
fn crate_modules(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        } else {
            out.push(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    out
}

#[test]
fn imports_run_one_way_through_the_layers() {
    let src = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut wrong = Vec::new();
    let mut checked = 0;
    for path in rust_sources(&src) {
        let relative = path.strip_prefix(&src).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|s| s.trim_end_matches(".rs").to_string())
            .unwrap_or_default();
        let Some(own) = layer_of(&top) else { continue };
        let text = std::fs::read_to_string(&path).expect("read source");
        for module in crate_modules(&text) {
            checked += 1;
            if let Some(theirs) = layer_of(&module)
                && theirs > own
            {
                wrong.push(format!("{} imports crate::{module}", relative.display()));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} imports found: is the scan still right?"
    );
    assert!(wrong.is_empty(), "imports that run upward: {wrong:#?}");
}

#[test]
fn the_layer_scan_sees_groups_and_paths() {
    assert_eq!(
        crate_modules("use crate::{pages::x, domain};\nlet a = crate::api::f();"),
        vec!["pages", "domain", "api"]
    );
}

#[test]
fn keys_chosen_at_run_time_exist_in_every_language() {
    let mut keys: Vec<&str> = Vec::new();
    keys.extend(crate::domain::access::console_actions().iter().map(|a| {
        // Leaked once per test run: the actions own their keys.
        &*Box::leak(a.action_key.clone().into_boxed_str())
    }));
    keys.extend(crate::domain::registry_config::rules::MESSAGE_KEYS);
    keys.extend(crate::domain::registry_config::form::MESSAGE_KEYS);
    keys.extend(crate::domain::podspec::MESSAGE_KEYS);
    keys.extend(crate::domain::exposure::MESSAGE_KEYS);
    keys.extend(crate::domain::ca_trust::MESSAGE_KEYS);
    keys.extend(crate::domain::registries::MESSAGE_KEYS);
    keys.extend(crate::domain::registry_access::MESSAGE_KEYS);
    keys.extend(crate::domain::pruner::MESSAGE_KEYS);
    keys.extend(crate::domain::audit::OUTCOMES.iter().map(|(_, key)| *key));
    keys.extend(crate::domain::audit::MANAGERS.iter().map(|(_, key)| *key));
    keys.extend(crate::domain::storage::wizard::MESSAGE_KEYS);
    keys.extend(
        crate::domain::page::Page::ALL
            .iter()
            .flat_map(|p| [p.title_key(), p.summary_key()]),
    );
    for lang in Lang::ALL {
        for key in &keys {
            assert!(has_key(lang, key), "{} lacks {key}", lang.code());
        }
    }
}

/// One term per concept in Japanese (issue: the product's language): the variants that
/// crept in, each with the term every page uses instead.
const JA_GLOSSARY: [(&str, &str); 3] = [
    // "レジストリ" directly followed by anything but "ー" (checked below).
    ("レジストリ", "レジストリー"),
    ("永続ボリューム要求", "クレーム (PVC)"),
    ("クレーム要求", "クレーム"),
];

#[test]
fn japanese_uses_one_term_per_concept() {
    let text = Lang::Ja.catalogue_source();
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        for (variant, term) in JA_GLOSSARY {
            let mut rest = line;
            while let Some(at) = rest.find(variant) {
                let after = &rest[at + variant.len()..];
                // The canonical term may begin with the variant (レジストリー).
                let is_term = term
                    .strip_prefix(variant)
                    .is_some_and(|tail| after.starts_with(tail));
                if !is_term {
                    found.push(format!(
                        "line {}: {variant} (write {term}): {line}",
                        number + 1
                    ));
                }
                rest = after;
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The user guide (docs/, an mdBook): every chapter SUMMARY.md lists exists, every image a
/// chapter shows exists, and every page has its chapter with a screenshot in each language.
#[test]
fn the_user_guide_has_a_chapter_with_screenshots_for_every_page() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/src");
    let read = |path: &Path| {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let summary = read(&src.join("SUMMARY.md"));
    // Markdown links `[title](target)` and images `![alt](target)`: the target up to `)`.
    let targets = |text: &str, image: bool| -> Vec<String> {
        let mut out = Vec::new();
        for (i, _) in text.match_indices("](") {
            let is_image = text[..i]
                .rfind('[')
                .is_some_and(|open| text[..open].ends_with('!'));
            if is_image != image {
                continue;
            }
            if let Some(end) = text[i + 2..].find(')') {
                out.push(text[i + 2..i + 2 + end].to_string());
            }
        }
        out
    };
    let chapters = targets(&summary, false);
    assert!(chapters.len() >= 15, "{chapters:?}");
    for chapter in &chapters {
        let path = src.join(chapter);
        let text = read(&path);
        for image in targets(&text, true) {
            let file = path.parent().expect("dir").join(&image);
            assert!(file.is_file(), "{chapter} shows {image}, which is missing");
        }
    }
    for page in crate::domain::page::Page::ALL {
        let name = match page.path().trim_start_matches('/') {
            "" => "overview",
            other => other,
        };
        let chapter = format!("pages/{name}.md");
        assert!(chapters.contains(&chapter), "SUMMARY.md has no {chapter}");
        let text = read(&src.join(&chapter));
        for lang in ["en", "ja"] {
            let shot = format!("../screens/{name}-{lang}.jpg");
            assert!(text.contains(&shot), "{chapter} does not show {shot}");
        }
    }
}
