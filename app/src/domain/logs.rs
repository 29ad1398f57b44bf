//! The Logs page's choices (guide §5.4: `oc logs deployments/image-registry`): which pod
//! and container, how many lines, since when, with timestamps or not, and a text filter.
//! Read from the page's query string; a value that is not one of the choices is an error
//! naming the field, never silently replaced.

use crate::domain::overview::{Panel, PodRow};
use serde::{Deserialize, Serialize};

/// Lines shown from the end of the log.
pub const TAIL_CHOICES: [u32; 4] = [100, 500, 1_000, 5_000];
pub const DEFAULT_TAIL: u32 = 500;
/// Lines the browser keeps while following; older ones are dropped, and the page says so.
pub const FOLLOW_LINES_KEPT: usize = 5_000;
/// `since` choices: (query value, seconds); the empty value is the whole log.
pub const SINCE_CHOICES: [(&str, Option<i64>); 5] = [
    ("", None),
    ("5m", Some(300)),
    ("1h", Some(3_600)),
    ("6h", Some(21_600)),
    ("24h", Some(86_400)),
];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogsQuery {
    pub pod: String,
    pub container: String,
    pub tail: u32,
    /// One of [`SINCE_CHOICES`]' values.
    pub since: String,
    pub timestamps: bool,
    pub filter: String,
}

/// A query field that is not one of its choices: the field and the message key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryProblem {
    pub field: String,
    pub key: String,
    pub value: String,
}

/// A pod name as Kubernetes allows it (DNS subdomain): lower-case letters, digits, `-`
/// and `.`, starting and ending with a letter or digit, at most 253 characters.
fn is_object_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !name.is_empty()
        && name.len() <= 253
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

impl LogsQuery {
    /// The query from the page's parameters (`get(name)`), checked.
    pub fn from_pairs(get: impl Fn(&str) -> Option<String>) -> Result<LogsQuery, QueryProblem> {
        let problem = |field: &str, key: &str, value: &str| QueryProblem {
            field: field.into(),
            key: key.into(),
            value: value.into(),
        };
        let pod = get("pod").unwrap_or_default();
        if !pod.is_empty() && !is_object_name(&pod) {
            return Err(problem("pod", "logs.problem.pod", &pod));
        }
        let container = get("container").unwrap_or_default();
        if !container.is_empty() && !is_object_name(&container) {
            return Err(problem("container", "logs.problem.container", &container));
        }
        let tail = match get("tail").filter(|t| !t.is_empty()) {
            None => DEFAULT_TAIL,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| TAIL_CHOICES.contains(n))
                .ok_or_else(|| problem("tail", "logs.problem.tail", &text))?,
        };
        let since = get("since").unwrap_or_default();
        if !SINCE_CHOICES.iter().any(|(value, _)| *value == since) {
            return Err(problem("since", "logs.problem.since", &since));
        }
        Ok(LogsQuery {
            pod,
            container,
            tail,
            since,
            timestamps: get("timestamps").is_some_and(|v| v == "on" || v == "true"),
            filter: get("filter").unwrap_or_default(),
        })
    }

    /// The same checks for a query that did not come from a query string (a server
    /// function's argument); a tail of 0 (absent) is the default.
    pub fn checked(&self) -> Result<LogsQuery, QueryProblem> {
        let tail = (self.tail != 0).then(|| self.tail.to_string());
        LogsQuery::from_pairs(|name| match name {
            "pod" => Some(self.pod.clone()),
            "container" => Some(self.container.clone()),
            "tail" => tail.clone(),
            "since" => Some(self.since.clone()),
            "timestamps" => self.timestamps.then(|| "on".to_string()),
            "filter" => Some(self.filter.clone()),
            _ => None,
        })
    }

    pub fn since_seconds(&self) -> Option<i64> {
        SINCE_CHOICES
            .iter()
            .find(|(value, _)| *value == self.since)
            .and_then(|(_, seconds)| *seconds)
    }
}

/// One log line: its API timestamp (RFC 3339 with nanoseconds, always read so following
/// can start exactly after it) and its text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub at: String,
    pub text: String,
}

/// Splits a line the API server gave with `timestamps=true`.
pub fn split_timestamp(line: &str) -> LogLine {
    match line.split_once(' ') {
        Some((at, text)) if at.len() >= 20 && at.as_bytes().get(4) == Some(&b'-') => LogLine {
            at: at.to_string(),
            text: text.to_string(),
        },
        _ => LogLine {
            at: String::new(),
            text: line.to_string(),
        },
    }
}

/// `text` lower-cased character by character (Unicode: `İ` becomes `i̇`, two characters),
/// with the byte range of the original character each byte of the result comes from, so
/// a match in the folded text maps back onto whole characters of the original.
fn fold(text: &str) -> (String, Vec<std::ops::Range<usize>>) {
    let mut folded = String::with_capacity(text.len());
    let mut source = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        let range = at..at + c.len_utf8();
        let before = folded.len();
        folded.extend(c.to_lowercase());
        source.extend(std::iter::repeat_n(range, folded.len() - before));
    }
    (folded, source)
}

/// The parts of `text` split where `filter` occurs (case-insensitively, in any script),
/// each with whether it is a match: for highlighting. `public/live.js` does the same for
/// lines that arrive while following.
pub fn highlight<'t>(text: &'t str, filter: &str) -> Vec<(&'t str, bool)> {
    let needle = fold(filter).0;
    if needle.is_empty() {
        return vec![(text, false)];
    }
    let (haystack, source) = fold(text);
    let mut parts = Vec::new();
    let mut from = 0;
    let mut searched = 0;
    while let Some(found) = haystack[searched..].find(&needle) {
        let start = searched + found;
        let end = start + needle.len();
        let (orig_start, orig_end) = (source[start].start, source[end - 1].end);
        searched = end;
        // A match that starts inside a character already marked (a folded character that
        // became several) is part of the previous one.
        if orig_start < from {
            continue;
        }
        if orig_start > from {
            parts.push((&text[from..orig_start], false));
        }
        parts.push((&text[orig_start..orig_end], true));
        from = orig_end;
    }
    if from < text.len() {
        parts.push((&text[from..], false));
    }
    parts
}

pub fn matches(text: &str, filter: &str) -> bool {
    filter.is_empty() || fold(text).0.contains(&fold(filter).0)
}

/// The Logs page's data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogsView {
    pub query: LogsQuery,
    pub pods: Panel<Vec<PodRow>>,
    /// The pod and container shown (the query's, or the first pod's first container).
    pub pod: Option<String>,
    pub container: Option<String>,
    /// The lines, oldest first; `Ok(empty)` when there is no pod.
    pub lines: Panel<Vec<LogLine>>,
}

/// `oc logs -n openshift-image-registry <pod> [-c <container>]`, each value one shell word.
pub fn oc_logs_command(pod: &str, container: &str) -> String {
    let mut parts = vec![
        "oc",
        "logs",
        "-n",
        crate::domain::access::REGISTRY_NAMESPACE,
        pod,
    ];
    if !container.is_empty() {
        parts.extend(["-c", container]);
    }
    crate::domain::shell::command(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn query(pairs: &[(&str, &str)]) -> Result<LogsQuery, QueryProblem> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LogsQuery::from_pairs(|name| map.get(name).cloned())
    }

    #[test]
    fn the_query_takes_only_its_choices() {
        let q = query(&[
            ("pod", "image-registry-1-x"),
            ("tail", "100"),
            ("since", "1h"),
            ("timestamps", "on"),
        ])
        .expect("valid");
        assert_eq!(q.tail, 100);
        assert_eq!(q.since_seconds(), Some(3_600));
        assert!(q.timestamps);
        assert_eq!(query(&[]).expect("defaults").tail, DEFAULT_TAIL);
        for (pairs, field) in [
            (vec![("tail", "7")], "tail"),
            (vec![("tail", "-1")], "tail"),
            (vec![("since", "2d")], "since"),
            (vec![("pod", "../etc")], "pod"),
            (vec![("pod", "Pod")], "pod"),
            (vec![("container", "a b")], "container"),
        ] {
            assert_eq!(
                query(&pairs).expect_err("refused").field,
                field,
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn timestamps_split_off_the_line() {
        let line = split_timestamp("2026-01-01T00:00:01.123456789Z time=\"x\" level=info");
        assert_eq!(line.at, "2026-01-01T00:00:01.123456789Z");
        assert_eq!(line.text, "time=\"x\" level=info");
        assert_eq!(
            split_timestamp("no timestamp here").text,
            "no timestamp here"
        );
    }

    #[test]
    fn highlighting_marks_every_match_case_insensitively() {
        assert_eq!(
            highlight("GET /v2/ get", "get"),
            [("GET", true), (" /v2/ ", false), ("get", true)]
        );
        assert_eq!(highlight("abc", ""), [("abc", false)]);
        assert_eq!(
            highlight("日本 level=info", "info"),
            [("日本 level=", false), ("info", true)]
        );
        assert!(matches("Level=INFO", "info"));
        assert!(!matches("level=warn", "info"));
    }

    #[test]
    fn highlighting_follows_characters_whose_lower_case_is_longer() {
        // `İ` lower-cases to `i` + a combining dot: the marks still fall on whole characters.
        let parts = highlight("İstanbul error: İzmir", "error");
        assert_eq!(
            parts,
            vec![("İstanbul ", false), ("error", true), (": İzmir", false)]
        );
        let parts = highlight("İİ ok", "i");
        assert!(parts.iter().all(|(text, _)| !text.is_empty()), "{parts:?}");
        assert_eq!(parts.concat_text(), "İİ ok");
        assert_eq!(
            highlight("ÜBER über", "über"),
            vec![("ÜBER", true), (" ", false), ("über", true)]
        );
        assert!(matches("Größe", "GRÖSSE") || matches("Größe", "größe"));
        assert!(matches("İzmir", "i̇zmir"));
    }

    trait ConcatText {
        fn concat_text(&self) -> String;
    }

    impl ConcatText for Vec<(&str, bool)> {
        fn concat_text(&self) -> String {
            self.iter().map(|(t, _)| *t).collect()
        }
    }
}
