//! The one internationalisation layer: every user-visible string is looked up here.
//!
//! Catalogues are plain `key = value` files (`app/locales/*.txt`) compiled into the server.
//! The browser only needs text inside islands, and only in the page's language: the server
//! writes that one catalogue into pages that have islands (see [`CATALOGUE_ELEMENT_ID`]),
//! so the WASM bundle carries no catalogue at all. Parsing is pure and done once per
//! catalogue.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Name of the cookie that remembers the chosen language. Not a secret and not
/// `HttpOnly`: the browser-side switch writes it without a round trip.
pub const LANG_COOKIE: &str = "rc_lang";

/// Id of the `<script type="text/plain">` element holding the page language's catalogue.
pub const CATALOGUE_ELEMENT_ID: &str = "rc-catalogue";

/// The messages every island shows: the change review's browser half and its errors.
const SHARED_ISLAND_KEY_PREFIXES: [&str; 3] = ["review.", "error.", "signin.button"];

/// The messages an island shows (everything else is rendered on the server): only these
/// travel to the browser, and only to pages with that island. A test checks that each
/// island's code uses no other key.
pub fn island_key_prefixes(island: &str) -> &'static [&'static str] {
    match island {
        // The wizard's form and the messages of its checks are rendered on the server.
        "storage_wizard" => &["storage.wizard.", "storage.gcs.keyfile_loaded"],
        _ => &[],
    }
}

/// Whether a page with `islands` carries the message `key`.
pub fn island_carries(islands: &[&str], key: &str) -> bool {
    SHARED_ISLAND_KEY_PREFIXES
        .iter()
        .chain(islands.iter().flat_map(|i| island_key_prefixes(i)))
        .any(|p| key.starts_with(p))
}

/// The lines of `lang`'s catalogue that a page with `islands` needs, as catalogue text
/// for the page (computed once per language and page).
#[cfg(not(feature = "hydrate"))]
pub fn island_catalogue(lang: Lang, islands: &'static [&'static str]) -> &'static str {
    use std::collections::HashMap;
    use std::sync::Mutex;
    type Cache = Mutex<HashMap<(Lang, &'static [&'static str]), &'static str>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(text) = cache
        .lock()
        .ok()
        .and_then(|c| c.get(&(lang, islands)).copied())
    {
        return text;
    }
    let text: &'static str = lang
        .catalogue_source()
        .lines()
        .filter(|line| island_carries(islands, line.split('=').next().unwrap_or_default().trim()))
        .collect::<Vec<_>>()
        .join("\n")
        .leak();
    // Leaked once per language and page with islands: a handful of strings.
    if let Ok(mut c) = cache.lock() {
        c.entry((lang, islands)).or_insert(text);
    }
    text
}

/// Provided by the server for each request: the language negotiated from the cookie and
/// `Accept-Language`. The shell writes it into `<html lang>`, where islands read it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLang(pub Lang);

/// A language the console speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    /// BCP 47 tag, as used in `<html lang>`, the cookie and the switch URL.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// The language's name in that language, as language pickers conventionally show it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ja => "日本語",
        }
    }

    /// Parses a tag such as `ja`, `ja-JP` or `EN-us`; other languages give `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }

    /// The catalogue's text, as shipped (server only: the browser gets it from the page).
    #[cfg(not(feature = "hydrate"))]
    pub fn catalogue_source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../../locales/en.txt"),
            Lang::Ja => include_str!("../../locales/ja.txt"),
        }
    }

    #[cfg(not(feature = "hydrate"))]
    fn catalogue(self) -> &'static Catalogue {
        static EN: OnceLock<Catalogue> = OnceLock::new();
        static JA: OnceLock<Catalogue> = OnceLock::new();
        let cell = match self {
            Lang::En => &EN,
            Lang::Ja => &JA,
        };
        cell.get_or_init(|| {
            // The catalogues are compiled in and checked by tests, so a parse error here
            // is a build defect; show keys rather than take the page down.
            parse_catalogue(self.catalogue_source()).unwrap_or_default()
        })
    }

    /// In the browser there is one catalogue: the page's language, read once from the page.
    #[cfg(feature = "hydrate")]
    fn catalogue(self) -> &'static Catalogue {
        static PAGE: OnceLock<Catalogue> = OnceLock::new();
        PAGE.get_or_init(|| {
            let text = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(CATALOGUE_ELEMENT_ID))
                .and_then(|e| e.text_content())
                .unwrap_or_default();
            // Parsed once per page load and kept for its lifetime.
            parse_catalogue(Box::leak(text.into_boxed_str())).unwrap_or_default()
        })
    }
}

/// The plural categories a catalogue may give a message in (CLDR's names).
pub const PLURAL_CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// The parameters that decide a plural form, in order of precedence: the first one a
/// message has is the number its noun agrees with ("1 entry", "2 entries").
pub const PLURAL_PARAMS: [&str; 5] = ["count", "days", "length", "min", "max"];

/// The CLDR plural category of `count` in `lang`, from ICU4X's rules (English: `one` for
/// 1, `other` otherwise; Japanese: always `other`).
pub fn plural_category(lang: Lang, count: u64) -> &'static str {
    use icu_plurals::{PluralCategory, PluralRules};
    // Built once per language and thread (the rules are not `Sync`): they are compiled
    // in, but each construction still walks them, and plurals appear in every table row.
    thread_local! {
        static EN: Option<PluralRules> =
            PluralRules::try_new_cardinal(icu_locale_core::locale!("en").into()).ok();
        static JA: Option<PluralRules> =
            PluralRules::try_new_cardinal(icu_locale_core::locale!("ja").into()).ok();
    }
    let category = |rules: &Option<PluralRules>| rules.as_ref().map(|r| r.category_for(count));
    let category = match lang {
        Lang::En => EN.with(category),
        Lang::Ja => JA.with(category),
    };
    match category {
        Some(PluralCategory::Zero) => "zero",
        Some(PluralCategory::One) => "one",
        Some(PluralCategory::Two) => "two",
        Some(PluralCategory::Few) => "few",
        Some(PluralCategory::Many) => "many",
        Some(PluralCategory::Other) | None => "other",
    }
}

/// The message `key` in `lang` with its placeholders filled. A message whose wording
/// depends on a number has one catalogue entry per plural category (`key.one`,
/// `key.other`, …); the form is chosen by the first of [`PLURAL_PARAMS`] among `params`,
/// falling back to `key.other`.
pub fn text(lang: Lang, key: &str, params: &[(&str, &str)]) -> String {
    let catalogue = lang.catalogue();
    if let Some(template) = catalogue.get(key) {
        return fill(template, params);
    }
    let count = PLURAL_PARAMS
        .iter()
        .find_map(|name| params.iter().find(|(n, _)| n == name))
        .and_then(|(_, value)| value.parse::<u64>().ok());
    let form = count.map(|n| plural_category(lang, n)).unwrap_or("other");
    let template = catalogue
        .get(format!("{key}.{form}").as_str())
        .or_else(|| catalogue.get(format!("{key}.other").as_str()))
        .copied()
        .unwrap_or_else(|| missing(key));
    fill(template, params)
}

/// The unfilled template of `key` in the plural form `lang` uses for `count`, for a
/// script that fills in numbers it counts itself.
pub fn plural_template(lang: Lang, key: &str, count: u64) -> &'static str {
    let catalogue = lang.catalogue();
    let form = plural_category(lang, count);
    catalogue
        .get(format!("{key}.{form}").as_str())
        .or_else(|| catalogue.get(format!("{key}.other").as_str()))
        .copied()
        .unwrap_or_else(|| missing(key))
}

/// Replaces each `{name}` in `template` with its value.
pub fn fill(template: &str, params: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in params {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Looks `key` up in the catalogue of `lang`. A missing key renders as the key itself
/// (tests make sure no shipped key is missing).
pub fn translate(lang: Lang, key: &str) -> &'static str {
    match lang.catalogue().get(key) {
        Some(text) => text,
        None => missing(key),
    }
}

/// Whether `lang`'s catalogue has the message `key`, plain or in plural forms (for tests of
/// keys chosen at run time).
pub fn has_key(lang: Lang, key: &str) -> bool {
    let catalogue = lang.catalogue();
    catalogue.contains_key(key) || catalogue.contains_key(format!("{key}.other").as_str())
}

/// Every key of `lang`'s catalogue (for tests of a module's keys).
pub fn keys(lang: Lang) -> Vec<&'static str> {
    lang.catalogue().keys().copied().collect()
}

/// A key the catalogue lacks: the English text on the server (tests make sure no shipped
/// key is missing), a marker in the browser.
#[cfg(not(feature = "hydrate"))]
fn missing(key: &str) -> &'static str {
    Lang::En
        .catalogue()
        .get(key)
        .copied()
        .unwrap_or("[missing translation]")
}

#[cfg(feature = "hydrate")]
fn missing(_key: &str) -> &'static str {
    "[missing translation]"
}

/// Key → text of one language.
pub type Catalogue = HashMap<&'static str, &'static str>;

/// A line of a catalogue that is neither a comment, blank, nor `key = value`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("line {line}: expected `key = value`")]
    NotKeyValue { line: usize },
    #[error("line {line}: key `{key}` is defined twice")]
    DuplicateKey { line: usize, key: String },
    #[error("line {line}: key `{key}` has an empty value")]
    EmptyValue { line: usize, key: String },
    #[error("line {line}: key `{key}` may contain only a-z, 0-9, `.` and `_`")]
    BadKey { line: usize, key: String },
}

/// Parses a catalogue file. Keys are `[a-z0-9._]+`; values are trimmed and may contain `=`.
pub fn parse_catalogue(source: &'static str) -> Result<Catalogue, CatalogueError> {
    let mut map = Catalogue::new();
    for (index, raw) in source.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (key, value) = trimmed
            .split_once('=')
            .ok_or(CatalogueError::NotKeyValue { line })?;
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
        {
            return Err(CatalogueError::BadKey {
                line,
                key: key.to_string(),
            });
        }
        if value.is_empty() {
            return Err(CatalogueError::EmptyValue {
                line,
                key: key.to_string(),
            });
        }
        if map.insert(key, value).is_some() {
            return Err(CatalogueError::DuplicateKey {
                line,
                key: key.to_string(),
            });
        }
    }
    Ok(map)
}

/// Chooses the language for a request: the remembered cookie first, then the browser's
/// `Accept-Language` preferences (highest q first, ties in header order), then English.
pub fn negotiate(cookie_value: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = cookie_value.and_then(Lang::from_tag) {
        return lang;
    }
    accept_language.and_then(best_accepted).unwrap_or_default()
}

fn best_accepted(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality.is_nan() || quality <= 0.0 {
            continue;
        }
        if let Some(lang) = Lang::from_tag(tag) {
            // Strictly greater keeps the earlier of equal preferences.
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
    }
    best.map(|(_, lang)| lang)
}

/// Reads one cookie's value out of a `Cookie` header.
pub fn cookie_value<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookie_header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k.trim() == name).then_some(v.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(lang: Lang) -> BTreeSet<&'static str> {
        parse_catalogue(lang.catalogue_source())
            .unwrap_or_else(|e| panic!("{} catalogue: {e}", lang.code()))
            .keys()
            .copied()
            .collect()
    }

    /// A key without its plural category (`a.b.one` → `a.b`), and the category.
    fn split_plural(key: &str) -> (&str, Option<&str>) {
        match key.rsplit_once('.') {
            Some((base, form)) if PLURAL_CATEGORIES.contains(&form) => (base, Some(form)),
            _ => (key, None),
        }
    }

    /// The same messages in both languages. A message in plural forms has its `other` form
    /// in each, and only forms the language has (English: one, other; Japanese: other).
    #[test]
    fn catalogues_have_the_same_messages() {
        let messages = |lang: Lang| -> BTreeSet<&'static str> {
            keys(lang).into_iter().map(|k| split_plural(k).0).collect()
        };
        let (en, ja) = (messages(Lang::En), messages(Lang::Ja));
        let only_en: Vec<_> = en.difference(&ja).collect();
        let only_ja: Vec<_> = ja.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_ja.is_empty(),
            "messages only in en.txt: {only_en:?}; only in ja.txt: {only_ja:?}"
        );
        let forms = |lang: Lang| -> BTreeSet<&'static str> {
            (0..200u64).map(|n| plural_category(lang, n)).collect()
        };
        for lang in Lang::ALL {
            let all = keys(lang);
            let has_forms = forms(lang);
            for key in &all {
                let (base, form) = split_plural(key);
                if let Some(form) = form {
                    assert!(
                        has_forms.contains(form),
                        "{lang:?} has no `{form}` form: {key}"
                    );
                    assert!(
                        all.contains(format!("{base}.other").as_str()),
                        "{lang:?} {base} lacks .other"
                    );
                    assert!(
                        !all.contains(base),
                        "{lang:?} {base} is both plain and plural"
                    );
                }
            }
        }
    }

    #[test]
    fn plural_forms_follow_the_number() {
        assert_eq!(plural_category(Lang::En, 1), "one");
        assert_eq!(plural_category(Lang::En, 0), "other");
        assert_eq!(plural_category(Lang::En, 2), "other");
        assert_eq!(plural_category(Lang::Ja, 1), "other");
        let one = text(Lang::En, "audit.verify.intact", &[("count", "1")]);
        let many = text(Lang::En, "audit.verify.intact", &[("count", "12")]);
        assert!(one.contains("1 event verified"), "{one}");
        assert!(many.contains("12 events verified"), "{many}");
        let ja = text(Lang::Ja, "audit.verify.intact", &[("count", "1")]);
        assert!(ja.contains('1') && !ja.contains('{'), "{ja}");
        // The number that decides is named by the message: days, here.
        let days = text(
            Lang::En,
            "tls.cert_expiring",
            &[
                ("position", "1"),
                ("subject", "CN=x"),
                ("days", "1"),
                ("date", "2030-01-01"),
            ],
        );
        assert!(days.contains("in 1 day,"), "{days}");
    }

    /// Every literal key passed to `I18n::t` or `I18n::fill` in the app's source must exist in the catalogues, so a typo
    /// cannot ship as `[missing translation]`.
    #[test]
    fn every_key_used_in_source_is_in_the_catalogue() {
        let mut missing = Vec::new();
        let mut used = 0;
        for path in crate::invariants::rust_sources(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))) {
            let text = std::fs::read_to_string(&path).expect("read source");
            for key in used_keys(&text) {
                used += 1;
                if !has_key(Lang::En, &key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(
            used > 10,
            "the scan found only {used} keys: is the pattern still right?"
        );
        assert!(
            missing.is_empty(),
            "keys used but not in the catalogues: {missing:?}"
        );
    }

    /// Literal keys passed to `I18n::t`, the one way views look text up.
    fn used_keys(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for marker in [".t(\"", ".fill(\""] {
            let mut rest = text;
            while let Some(pos) = rest.find(marker) {
                rest = &rest[pos + marker.len()..];
                let end = rest.find('"').unwrap_or(0);
                out.push(rest[..end].to_string());
            }
        }
        out
    }

    /// The islands' code (what runs in the browser) looks up only keys the page's
    /// catalogue carries.
    #[test]
    fn islands_use_only_keys_the_page_carries() {
        let src = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
        let island_files = [
            ("storage_wizard", "pages/storage/wizard.rs"),
            ("storage_wizard", "pages/storage/paths.rs"),
            ("storage_wizard", "api/changes.rs"),
            ("change_forms", "components/change_forms.rs"),
            ("change_forms", "components/form_dom.rs"),
        ];
        let mut keys_found = 0;
        for (island, file) in island_files {
            let text = std::fs::read_to_string(src.join(file)).expect("read source");
            // `I18n::fill` picks plural forms: the plural rules would add about 15 KB
            // gzipped to every island.
            let plural_fill = ["i18n", "fill("].join(".");
            assert!(
                !text.contains(&plural_fill),
                "{file}: use crate::i18n::fill with the looked-up text in islands"
            );
            for key in used_keys(&text) {
                keys_found += 1;
                assert!(
                    island_carries(&[island], &key),
                    "{file} uses `{key}`, which {island} does not get"
                );
            }
        }
        // The change review's client half (its server half renders on the server).
        let review =
            std::fs::read_to_string(src.join("components/change_review.rs")).expect("read");
        let client = review.split("pub mod render").next().unwrap_or_default();
        for key in used_keys(client) {
            keys_found += 1;
            assert!(
                island_carries(&[], &key),
                "change_review.rs uses `{key}` in the browser"
            );
        }
        // 12 on 2026-11-29: the islands show few messages since their forms and checks
        // are rendered on the server.
        assert!(
            keys_found > 8,
            "only {keys_found} keys found: is the scan right?"
        );
        // The change-forms island shows only the review's messages: its pages' forms and
        // the messages of their checks are rendered on the server.
        let forms = island_catalogue(Lang::Ja, &["change_forms"]);
        assert!(forms.contains("review.title =") && !forms.contains("audit."));
        let has_key =
            |catalogue: &str, prefix: &str| catalogue.lines().any(|l| l.starts_with(prefix));
        assert!(
            !has_key(forms, "config.") && !has_key(forms, "rule.") && !has_key(forms, "exposure.")
        );
        let storage = island_catalogue(Lang::Ja, &["storage_wizard"]);
        assert!(storage.contains("storage.wizard.preview =") && !has_key(storage, "config."));
        assert!(
            !has_key(storage, "rule."),
            "the checks' messages come from the server"
        );
        assert!(
            !storage.contains("storage.help."),
            "the form is rendered on the server"
        );
    }

    #[test]
    fn shipped_catalogues_parse() {
        for lang in Lang::ALL {
            assert!(!keys(lang).is_empty());
        }
    }

    #[test]
    fn translate_finds_both_languages() {
        assert_eq!(translate(Lang::En, "nav.overview"), "Overview");
        assert_eq!(translate(Lang::Ja, "nav.overview"), "概要");
        assert_eq!(translate(Lang::Ja, "no.such.key"), "[missing translation]");
    }

    #[test]
    fn parse_rejects_malformed_lines() {
        assert_eq!(
            parse_catalogue("a.b = x\nnot a pair\n"),
            Err(CatalogueError::NotKeyValue { line: 2 })
        );
        assert_eq!(
            parse_catalogue("a.b = x\na.b = y\n"),
            Err(CatalogueError::DuplicateKey {
                line: 2,
                key: "a.b".into()
            })
        );
        assert_eq!(
            parse_catalogue("a.b =   \n"),
            Err(CatalogueError::EmptyValue {
                line: 1,
                key: "a.b".into()
            })
        );
        assert_eq!(
            parse_catalogue("A b = x\n"),
            Err(CatalogueError::BadKey {
                line: 1,
                key: "A b".into()
            })
        );
    }

    #[test]
    fn parse_keeps_equals_signs_in_values_and_skips_comments() {
        let cat = parse_catalogue("# c\n\n  x.y = a = b  \n").expect("parses");
        assert_eq!(cat.get("x.y"), Some(&"a = b"));
        assert_eq!(cat.len(), 1);
    }

    #[test]
    fn negotiation_prefers_cookie_then_header_then_english() {
        assert_eq!(negotiate(Some("ja"), Some("en")), Lang::Ja);
        assert_eq!(negotiate(Some("fr"), Some("ja-JP,en;q=0.5")), Lang::Ja);
        assert_eq!(negotiate(None, Some("en-US,en;q=0.9,ja;q=0.8")), Lang::En);
        assert_eq!(negotiate(None, Some("fr-FR, ja;q=0.7, en;q=0.3")), Lang::Ja);
        assert_eq!(negotiate(None, Some("ja;q=0, en;q=0.1")), Lang::En);
        assert_eq!(negotiate(None, Some("de, fr")), Lang::En);
        assert_eq!(negotiate(None, Some("")), Lang::En);
        assert_eq!(negotiate(None, Some("ja;q=abc")), Lang::Ja);
        assert_eq!(negotiate(None, None), Lang::En);
        // Equal quality: the first listed wins.
        assert_eq!(negotiate(None, Some("ja, en")), Lang::Ja);
    }

    #[test]
    fn tags_parse_case_insensitively() {
        assert_eq!(Lang::from_tag("JA-jp"), Some(Lang::Ja));
        assert_eq!(Lang::from_tag("en_GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("zh"), None);
        assert_eq!(Lang::from_tag(""), None);
    }

    #[test]
    fn cookie_value_finds_the_named_cookie_only() {
        let header = "a=1; rc_lang=ja ; rc_langx=en";
        assert_eq!(cookie_value(header, "rc_lang"), Some("ja"));
        assert_eq!(cookie_value(header, "rc"), None);
        assert_eq!(cookie_value("garbage", "rc_lang"), None);
    }

    /// The islands' messages travel unescaped as the text of a `<script type="text/plain">`
    /// (the browser does not decode entities there): none may end the element early.
    #[cfg(not(feature = "hydrate"))]
    #[test]
    fn island_messages_survive_a_script_element() {
        for lang in [Lang::En, Lang::Ja] {
            let catalogue = [
                island_catalogue(lang, &["change_forms"]),
                island_catalogue(lang, &["storage_wizard"]),
            ]
            .join("\n");
            assert!(!catalogue.is_empty());
            for line in catalogue.lines() {
                let lower = line.to_ascii_lowercase();
                assert!(
                    !lower.contains("</script") && !lower.contains("<!--"),
                    "{}: an island message would end its script element: {line}",
                    lang.code()
                );
            }
        }
    }
}
