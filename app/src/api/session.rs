//! The session of the page being rendered: on the server, what the request's
//! authentication found; in the browser, the JSON the server wrote into the page.

#[cfg(feature = "hydrate")]
use crate::domain::session::SESSION_ELEMENT_ID;
use crate::domain::session::SessionView;
use leptos::prelude::*;

/// Provided by the server for each request (`None` when nobody is signed in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestSession(pub Option<SessionView>);

/// The session for this render: the server's [`RequestSession`], or on the client the JSON
/// the server wrote into the page.
pub fn initial_session() -> Option<SessionView> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(SESSION_ELEMENT_ID))
            .and_then(|e| e.text_content())
            .and_then(|json| serde_json::from_str(&json).ok())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        use_context::<RequestSession>().and_then(|s| s.0)
    }
}

/// The session in context (`None` when signed out). An island hydrating in the browser has
/// no context from the server's render, so it reads the page's JSON instead.
pub fn use_session() -> Option<SessionView> {
    match use_context::<Option<SessionView>>() {
        Some(session) => session,
        None => initial_session(),
    }
}
