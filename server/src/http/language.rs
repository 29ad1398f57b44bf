//! `GET /lang/{code}`: the language switch for browsers without JavaScript (and the link
//! target of the switch everywhere). Remembers the choice in a cookie and goes back.

use app::domain::return_to::{encode_for_location, safe_return_path};
use app::i18n::{LANG_COOKIE, Lang};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SwitchQuery {
    return_to: Option<String>,
}

pub async fn switch(
    State(policy): State<super::security_headers::HeaderPolicy>,
    Path(code): Path<String>,
    Query(query): Query<SwitchQuery>,
) -> Response {
    let Some(lang) = Lang::from_tag(&code) else {
        return (
            StatusCode::NOT_FOUND,
            format!("unknown language `{code}`; available: en, ja"),
        )
            .into_response();
    };
    let target = encode_for_location(safe_return_path(query.return_to.as_deref()));
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
        lang.code(),
        if policy.https { "; Secure" } else { "" }
    );
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let (Ok(location), Ok(cookie)) = (
        HeaderValue::from_str(&target),
        HeaderValue::from_str(&cookie),
    ) {
        headers.insert(header::LOCATION, location);
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}
