//! Commands the console shows users to paste (`oc`, `podman`, `sudo mkdir`, …): the one
//! place that turns values into shell text (pure).
//!
//! Every value that came from a user or from the cluster (a host, a name, a patch) becomes
//! exactly one POSIX shell word, so pasting a command can never run anything the value
//! holds (`$(…)`, backticks, `;`, newlines) nor split it into several arguments. Written by
//! hand: the rule is two lines, and the crates that quote (shell-escape, shlex) either quote
//! differently for non-ASCII text or are built for parsing, not for showing.

/// Characters no POSIX shell (nor bash or zsh in their default modes) gives a meaning to in
/// the middle or at the start of a word.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '_' | '-' | '.' | '/' | ':' | '@' | '%' | '+' | ',' | '=')
}

/// `text` as one shell word: unchanged when every character is plain (so `oc get pods`
/// reads as the guide writes it), else in single quotes, inside which nothing is special
/// but the quote itself (written `'\''`). The empty value is `''`.
pub fn word(text: &str) -> String {
    // `=` first would read as an assignment before a command name; `-` first is still one
    // word (an option to the program, which only the program can refuse).
    if !text.is_empty() && text.chars().all(is_plain) && !text.starts_with('=') {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A command line: each part one word (fixed parts such as `oc` or `--type` come out as they
/// are).
pub fn command<S: AsRef<str>>(parts: &[S]) -> String {
    parts
        .iter()
        .map(|p| word(p.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `line <<'DELIM'`, then `body`, then `DELIM` alone: the quoted delimiter keeps the body
/// from any expansion, and it is chosen so that no line of the body ends the text early.
pub fn heredoc(line: &str, body: &str) -> String {
    let mut delimiter = "EOF".to_string();
    let mut n = 0;
    while body.lines().any(|l| l == delimiter) {
        n += 1;
        delimiter = format!("EOF_{n}");
    }
    format!("{line} <<'{delimiter}'\n{body}\n{delimiter}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_stay_as_they_are_and_the_rest_is_quoted() {
        assert_eq!(
            word("registry.example.com:5000"),
            "registry.example.com:5000"
        );
        assert_eq!(word("--type"), "--type");
        assert_eq!(word(""), "''");
        assert_eq!(word("a b"), "'a b'");
        assert_eq!(word("it's"), "'it'\\''s'");
        assert_eq!(word("$(touch /tmp/x)"), "'$(touch /tmp/x)'");
        assert_eq!(word("=x"), "'=x'");
        assert_eq!(word("~root"), "'~root'");
        assert_eq!(word("ユーザー"), "'ユーザー'");
        assert_eq!(
            command(&["oc", "delete", "secrets", "a;b", "-n", "ns"]),
            "oc delete secrets 'a;b' -n ns"
        );
    }

    #[test]
    fn a_heredoc_is_never_ended_by_its_body() {
        assert_eq!(
            heredoc("oc create -f -", "a: 1"),
            "oc create -f - <<'EOF'\na: 1\nEOF"
        );
        let text = heredoc("cat", "EOF\nEOF_1\nx");
        assert!(text.starts_with("cat <<'EOF_2'\n"), "{text}");
        assert!(text.ends_with("\nEOF_2"), "{text}");
    }
}
