//! The signed-in user as the pages see it. The server renders it into the page head as
//! JSON (no tokens: only who the user is, their roles and the CSRF token, which exists to
//! be sent back); hydration reads the same JSON so both renders agree.

use crate::domain::access::{RoleMapping, Roles};
use serde::{Deserialize, Serialize};

/// Id of the `<script type="application/json">` element holding the [`SessionView`].
pub const SESSION_ELEMENT_ID: &str = "rc-session";
/// Name of the `<meta>` element holding the CSRF token for server function calls.
pub const CSRF_META_NAME: &str = "csrf-token";
/// Header carrying the CSRF token on `fetch` requests.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Form field carrying the CSRF token on plain HTML form posts.
pub const CSRF_FIELD: &str = "csrf_token";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub subject: String,
    pub name: String,
    pub email: Option<String>,
    pub groups: Vec<String>,
    pub roles: Roles,
    pub csrf_token: String,
    /// Which groups grant which role, so "no access" can say whom to ask for what.
    pub mapping: RoleMapping,
}

/// JSON for a `<script type="application/json">` element: `<`, `>` and `&` are escaped so
/// no value can close the element or start markup.
pub fn script_json(session: &SessionView) -> String {
    serde_json::to_string(session)
        .unwrap_or_else(|_| "null".to_string())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_element() {
        let session = SessionView {
            subject: "s".into(),
            name: "</script><script>alert(1)</script>&amp;".into(),
            email: None,
            groups: vec![],
            roles: Roles::default(),
            csrf_token: "t".into(),
            mapping: RoleMapping::default(),
        };
        let json = script_json(&session);
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: SessionView = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, session);
    }
}
