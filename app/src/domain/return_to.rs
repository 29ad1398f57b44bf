//! Checks that a "return to" target is a path on this site, never another origin.
//!
//! Used wherever the console redirects back to a page named in a query parameter
//! (language switch now, sign-in later): an unchecked value would be an open redirect.

/// Returns `candidate` when it is a local absolute path, otherwise `/`.
///
/// Rejected: anything not starting with a single `/` (absolute URLs, scheme-relative
/// `//host`, relative paths), backslashes (browsers treat `/\host` as `//host`), and
/// control characters (header injection).
pub fn safe_return_path(candidate: Option<&str>) -> &str {
    match candidate {
        Some(path) if is_local_path(path) => path,
        _ => "/",
    }
}

fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control())
}

/// Percent-encodes what may not appear raw in a `Location` header (non-ASCII, spaces),
/// keeping the URL's structure (`/`, `?`, `&`, `=`, `#`, existing `%xx`).
pub fn encode_for_location(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_graphic() {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-encodes a value for use inside a query string.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_pass() {
        assert_eq!(safe_return_path(Some("/")), "/");
        assert_eq!(safe_return_path(Some("/audit?page=2#x")), "/audit?page=2#x");
    }

    #[test]
    fn other_targets_fall_back_to_root() {
        for bad in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "audit",
            "",
            "/ok\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_return_path(Some(bad)), "/", "{bad:?} must be rejected");
        }
        assert_eq!(safe_return_path(None), "/");
    }

    #[test]
    fn location_values_are_header_safe() {
        assert_eq!(
            encode_for_location("/a b/設?x=1#y"),
            "/a%20b/%E8%A8%AD?x=1#y"
        );
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode_query_value("/a b?c=d&e#f"), "/a%20b%3Fc%3Dd%26e%23f");
        assert_eq!(encode_query_value("/設定"), "/%E8%A8%AD%E5%AE%9A");
    }
}
