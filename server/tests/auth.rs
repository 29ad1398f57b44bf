//! Sign-in, sessions, CSRF and acting as the user, against the sandbox's real OIDC provider
//! and real API server, with the console's real SQLite session store. Every negative case
//! also checks that nothing was created: no signed-in session, no changed cluster object.

mod support;

use std::path::Path;
use std::time::Duration;
use support::{SandboxConsole, browser, callback_url, sign_in, start_sandbox_console};

const OPERATOR_GROUP: &str = "imageregistry.operator.openshift.io";

async fn get(client: &reqwest::Client, url: String) -> reqwest::Response {
    client.get(url).send().await.expect("get")
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|l| l.to_str().expect("ascii").to_string())
        .unwrap_or_default()
}

/// Is `client` signed in? (`/your-access` answers 200 only to a signed-in admin or viewer;
/// anonymous requests are sent to sign in.)
async fn signed_in(console: &SandboxConsole, client: &reqwest::Client) -> bool {
    let response = get(client, format!("{}/", console.base)).await;
    !location(&response).starts_with("/sign-in")
}

/// Rows of signed-in sessions in the console's database.
async fn signed_in_rows(database: &Path) -> usize {
    sessions(database)
        .await
        .into_iter()
        .filter(|(_, record)| record.data.contains_key("signed_in"))
        .count()
}

/// The console's token seal (its key beside the database).
fn seal_of(console: &SandboxConsole) -> registry_console::auth::token_seal::TokenSeal {
    let key = console.database.with_file_name("session-tokens.key");
    registry_console::auth::token_seal::TokenSeal::load_or_create(&key).expect("session key")
}

async fn pool(database: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .expect("open the console's database")
}

async fn sessions(database: &Path) -> Vec<(String, tower_sessions::session::Record)> {
    let pool = pool(database).await;
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT id, data FROM tower_sessions")
        .fetch_all(&pool)
        .await
        .expect("sessions");
    pool.close().await;
    rows.into_iter()
        .map(|(id, data)| (id, rmp_serde::from_slice(&data).expect("session record")))
        .collect()
}

/// The raw row of the only session, to write it back later.
async fn raw_session_row(database: &Path) -> (String, Vec<u8>, String) {
    let pool = pool(database).await;
    let row = sqlx::query_as("SELECT id, data, expiry_date FROM tower_sessions")
        .fetch_one(&pool)
        .await
        .expect("one session");
    pool.close().await;
    row
}

async fn restore_session_row(database: &Path, row: &(String, Vec<u8>, String)) {
    let pool = pool(database).await;
    sqlx::query("INSERT OR REPLACE INTO tower_sessions (id, data, expiry_date) VALUES (?, ?, ?)")
        .bind(&row.0)
        .bind(&row.1)
        .bind(&row.2)
        .execute(&pool)
        .await
        .expect("restore");
    pool.close().await;
}

/// Changes the signed-in session(s) stored in the database, the way time passing would.
async fn edit_signed_in(database: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let pool = pool(database).await;
    for (id, mut record) in sessions(database).await {
        if let Some(value) = record.data.get_mut("signed_in") {
            edit(value);
            let data = rmp_serde::to_vec(&record).expect("encode");
            sqlx::query("UPDATE tower_sessions SET data = ? WHERE id = ?")
                .bind(data)
                .bind(id)
                .execute(&pool)
                .await
                .expect("update");
        }
    }
    pool.close().await;
}

/// The value of `key` in the query of `url`.
fn query_param(url: &str, key: &str) -> String {
    reqwest::Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| panic!("no {key} in {url}"))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64
}

async fn page_csrf(console: &SandboxConsole, client: &reqwest::Client) -> String {
    let html = get(client, format!("{}/your-access", console.base))
        .await
        .text()
        .await
        .expect("html");
    support::csrf_token(&html)
}

async fn call_my_access(
    console: &SandboxConsole,
    client: &reqwest::Client,
    origin: Option<&str>,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = client
        .post(format!("{}/api/my_access", console.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("");
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    if let Some(token) = token {
        request = request.header("x-csrf-token", token);
    }
    request.send().await.expect("post")
}

#[tokio::test(flavor = "multi_thread")]
async fn each_user_lands_on_the_page_for_their_role() {
    let console = start_sandbox_console(&[]).await;
    for (user, landing) in [
        ("admin", "/"),
        ("viewer", "/"),
        ("auditor", "/audit"),
        ("nobody", "/"),
    ] {
        let (client, location) = sign_in(&console, user, "/").await;
        assert_eq!(location, landing, "{user}");
        let page = get(&client, format!("{}{landing}", console.base)).await;
        let status = page.status();
        let html = page.text().await.expect("html");
        match user {
            "nobody" => {
                assert_eq!(status, 403, "nobody has no role");
                assert!(html.contains("No access"), "{html}");
                for group in ["registry-admins", "registry-viewers", "registry-auditors"] {
                    assert!(html.contains(group), "names {group}");
                }
            }
            _ => {
                assert_eq!(status, 200, "{user}");
                assert!(
                    html.contains("data-action=\"sign-out\""),
                    "{user} can sign out"
                );
            }
        }
        assert!(!html.contains("eyJ"), "no token in the page of {user}");
    }
    // A deep link survives sign-in.
    let (_, location) = sign_in(&console, "viewer", "/logs?tail=50").await;
    assert_eq!(location, "/logs?tail=50");
}

#[tokio::test(flavor = "multi_thread")]
async fn session_cookie_is_rotated_http_only_and_lax() {
    let console = start_sandbox_console(&[]).await;
    let browser = browser(console.sandbox);
    let callback = callback_url(&console, &browser, "admin", "/").await;
    let before: Vec<String> = sessions(&console.database)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        before.len(),
        1,
        "one pre-login session holding the pending sign-in"
    );
    let response = get(&browser, callback).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .find(|c| c.starts_with("rc_session="))
        .expect("a session cookie");
    assert!(cookie.starts_with("rc_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http public URL: {cookie}"
    );
    let after: Vec<String> = sessions(&console.database)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(after.len(), 1);
    assert_ne!(before, after, "the session id changed at sign-in");
    // Tokens stay in the database, never in the cookie.
    assert!(!cookie.contains("eyJ"));

    // Pages re-save the session (that is what slides the idle timeout); static files
    // neither load nor save it, but still carry the security headers.
    let page = get(&browser, format!("{}/your-access", console.base)).await;
    assert!(
        page.headers().get("set-cookie").is_some(),
        "a page extends the session"
    );
    let html = page.text().await.expect("page");
    let stylesheet = html
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with(".css"))
        .expect("the page links its stylesheet")
        .to_string();
    let asset = get(&browser, format!("{}{stylesheet}", console.base)).await;
    assert!(
        asset.headers().get("set-cookie").is_none(),
        "static files do not touch the session: {:?}",
        asset.headers()
    );
    assert!(asset.headers().get("content-security-policy").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_state_signs_nobody_in() {
    let console = start_sandbox_console(&[]).await;
    let browser = browser(console.sandbox);
    let callback = callback_url(&console, &browser, "admin", "/").await;
    let code = query_param(&callback, "code");
    for forged in [
        format!("{}/auth/callback?code={code}&state=forged", console.base),
        format!("{}/auth/callback?code={code}", console.base),
    ] {
        let response = get(&browser, forged).await;
        assert_eq!(location(&response), "/sign-in?error=state_mismatch");
        assert_eq!(signed_in_rows(&console.database).await, 0);
        assert!(!signed_in(&console, &browser).await);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_callback_is_refused() {
    let console = start_sandbox_console(&[]).await;
    let victim = browser(console.sandbox);
    let callback = callback_url(&console, &victim, "admin", "/").await;
    assert_eq!(get(&victim, callback.clone()).await.status(), 303);
    assert!(signed_in(&console, &victim).await);
    // Someone else replaying the victim's callback URL (no pending sign-in of theirs).
    let attacker = browser(console.sandbox);
    let response = get(&attacker, callback.clone()).await;
    assert_eq!(location(&response), "/sign-in?error=state_mismatch");
    assert!(!signed_in(&console, &attacker).await);
    // The victim's browser replaying it: the state was used up.
    let response = get(&victim, callback).await;
    assert_eq!(location(&response), "/sign-in?error=state_mismatch");
    assert_eq!(
        signed_in_rows(&console.database).await,
        1,
        "still only the victim"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_code_with_a_fresh_state_is_refused_by_the_provider() {
    let console = start_sandbox_console(&[]).await;
    let first = browser(console.sandbox);
    let callback = callback_url(&console, &first, "viewer", "/").await;
    assert_eq!(get(&first, callback.clone()).await.status(), 303);
    let old_code = query_param(&callback, "code");
    // A second browser starts its own sign-in (a real pending state) but brings the used
    // code: the provider refuses it (used, and issued for another PKCE challenge).
    let second = browser(console.sandbox);
    let fresh = callback_url(&console, &second, "viewer", "/").await;
    let state = query_param(&fresh, "state");
    let response = get(
        &second,
        format!(
            "{}/auth/callback?code={old_code}&state={state}",
            console.base
        ),
    )
    .await;
    assert_eq!(location(&response), "/sign-in?error=exchange_failed");
    assert!(!signed_in(&console, &second).await);
    assert_eq!(signed_in_rows(&console.database).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_error_is_explained_and_signs_nobody_in() {
    let console = start_sandbox_console(&[]).await;
    let browser = browser(console.sandbox);
    let callback = callback_url(&console, &browser, "admin", "/").await;
    let state = query_param(&callback, "state");
    let response = get(
        &browser,
        format!(
            "{}/auth/callback?error=access_denied&state={state}",
            console.base
        ),
    )
    .await;
    assert_eq!(location(&response), "/sign-in?error=provider");
    assert_eq!(signed_in_rows(&console.database).await, 0);
    let page = get(&browser, format!("{}/sign-in?error=provider", console.base)).await;
    let html = page.text().await.expect("html");
    assert!(
        html.contains("The identity provider refused the sign-in"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn return_to_cannot_leave_the_console() {
    let console = start_sandbox_console(&[]).await;
    for target in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let (_, location) = sign_in(&console, "viewer", target).await;
        assert_eq!(location, "/", "{target}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn state_changing_requests_need_the_sessions_csrf_token_and_our_origin() {
    let console = start_sandbox_console(&[]).await;
    let (admin, _) = sign_in(&console, "admin", "/").await;
    let (viewer, _) = sign_in(&console, "viewer", "/").await;
    let token = page_csrf(&console, &admin).await;
    let viewer_token = page_csrf(&console, &viewer).await;
    assert_ne!(token, viewer_token, "tokens are per session");
    let origin = console.base.as_str();

    for (why, origin, token) in [
        ("no token", Some(origin), None),
        ("wrong token", Some(origin), Some("x".repeat(43))),
        (
            "another session's token",
            Some(origin),
            Some(viewer_token.clone()),
        ),
        (
            "another site",
            Some("https://evil.example"),
            Some(token.clone()),
        ),
        ("no origin or referer", None, Some(token.clone())),
    ] {
        let response = call_my_access(&console, &admin, origin, token.as_deref()).await;
        assert_eq!(response.status(), 403, "{why}");
        let body = response.text().await.expect("body");
        assert!(body.contains("Nothing was changed"), "{why}: {body}");
    }
    let response = call_my_access(&console, &admin, Some(origin), Some(&token)).await;
    assert_eq!(response.status(), 200, "the right token from our origin");

    // Sign-out is a form post: without the token it is refused and the session lives on.
    let response = admin
        .post(format!("{}/auth/logout", console.base))
        .header("origin", origin)
        .form(&[("csrf_token", "wrong")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 403);
    let response = admin
        .post(format!("{}/auth/logout", console.base))
        .header("origin", "https://evil.example")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 403);
    assert!(signed_in(&console, &admin).await, "still signed in");
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_deletes_the_session_and_ends_the_providers_session() {
    let console = start_sandbox_console(&[]).await;
    let (admin, _) = sign_in(&console, "admin", "/").await;
    let token = page_csrf(&console, &admin).await;
    let cookie = sessions(&console.database).await[0].0.clone();
    let saved = raw_session_row(&console.database).await;
    assert_eq!(signed_in_rows(&console.database).await, 1);
    let response = admin
        .post(format!("{}/auth/logout", console.base))
        .header("origin", &console.base)
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 303);
    let end_session = location(&response);
    assert!(
        end_session.starts_with(&console.sandbox.oidc.issuer),
        "{end_session}"
    );
    // The ID token (a Kubernetes credential in token mode) never goes into a URL.
    assert!(!end_session.contains("id_token_hint"), "{end_session}");
    assert!(!end_session.contains("eyJ"), "{end_session}");
    assert_eq!(query_param(&end_session, "client_id"), "registry-console");
    assert_eq!(
        query_param(&end_session, "post_logout_redirect_uri"),
        format!("{}/signed-out", console.base)
    );
    assert_eq!(
        signed_in_rows(&console.database).await,
        0,
        "deleted server-side"
    );
    assert!(!signed_in(&console, &admin).await);

    // The old cookie, replayed by hand, opens nothing.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = replay
        .get(format!("{}/your-access", console.base))
        .header("cookie", format!("rc_session={cookie}"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 303);
    assert!(
        location(&response).starts_with("/sign-in?reason=required"),
        "{}",
        location(&response)
    );

    // A request that was still running when the user signed out writes the session back
    // when it ends (the store saves every session it served): it is still refused.
    restore_session_row(&console.database, &saved).await;
    assert_eq!(signed_in_rows(&console.database).await, 1, "written back");
    let response = replay
        .get(format!("{}/your-access", console.base))
        .header("cookie", format!("rc_session={cookie}"))
        .send()
        .await
        .expect("get");
    assert_eq!(
        response.status(),
        303,
        "a signed-out session stays signed out"
    );
    assert_eq!(
        signed_in_rows(&console.database).await,
        0,
        "and is deleted again"
    );

    // The provider's logout really ends its session: it asks for the password again.
    let confirm = admin.get(&end_session).send().await.expect("end session");
    assert!(confirm.status().is_success() || confirm.status().is_redirection());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_session_ends() {
    let console = start_sandbox_console(&["--session-idle-timeout", "2s"]).await;
    let (viewer, _) = sign_in(&console, "viewer", "/").await;
    // Activity keeps it alive past the idle timeout…
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert!(signed_in(&console, &viewer).await);
    }
    // …idleness ends it.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let response = get(&viewer, format!("{}/logs", console.base)).await;
    assert_eq!(location(&response), "/sign-in?reason=idle&return_to=/logs");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let console = start_sandbox_console(&["--session-absolute-timeout", "1h"]).await;
    let (viewer, _) = sign_in(&console, "viewer", "/").await;
    assert!(signed_in(&console, &viewer).await);
    edit_signed_in(&console.database, |s| {
        s["signed_in_at"] = serde_json::json!(now() - 3601);
    })
    .await;
    let response = get(&viewer, format!("{}/", console.base)).await;
    assert!(
        location(&response).starts_with("/sign-in?reason=expired"),
        "{}",
        location(&response)
    );
    assert_eq!(signed_in_rows(&console.database).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_refreshed_before_they_expire() {
    let console = start_sandbox_console(&[]).await;
    let (admin, _) = sign_in(&console, "admin", "/").await;
    // The sandbox provider rotates refresh tokens, so a new one proves the refresh happened
    // (the ID token itself may be byte-identical when issued within the same second).
    let seal = seal_of(&console);
    let token_of = |records: Vec<(String, tower_sessions::session::Record)>| {
        let stored = records[0].1.data["signed_in"]["tokens"]["refresh_token"]
            .as_str()
            .expect("token")
            .to_string();
        seal.open(&stored).expect("opens with the console's key")
    };
    let before = token_of(sessions(&console.database).await);
    // Pretend the ID token has 10 seconds left.
    edit_signed_in(&console.database, |s| {
        s["tokens"]["expires_at"] = serde_json::json!(now() + 10);
    })
    .await;
    let token = page_csrf(&console, &admin).await;
    let response = call_my_access(&console, &admin, Some(&console.base), Some(&token)).await;
    assert_eq!(
        response.status(),
        200,
        "the request succeeds with fresh tokens"
    );
    let records = sessions(&console.database).await;
    let expires = records[0].1.data["signed_in"]["tokens"]["expires_at"]
        .as_i64()
        .expect("exp");
    assert!(expires > now() + 300, "a new expiry from the provider");
    assert_ne!(token_of(records), before, "a new refresh token");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_refresh_sends_the_user_to_sign_in_again() {
    let console = start_sandbox_console(&[]).await;
    let (admin, _) = sign_in(&console, "admin", "/").await;
    let token = page_csrf(&console, &admin).await;
    edit_signed_in(&console.database, |s| {
        s["tokens"]["expires_at"] = serde_json::json!(now() - 5);
        s["tokens"]["refresh_token"] = serde_json::json!("revoked-or-forged");
    })
    .await;
    // A form submission in progress gets the typed error (the page keeps what was typed).
    let response = call_my_access(&console, &admin, Some(&console.base), Some(&token)).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.text().await.expect("body"), "\"SignInRequired\"");
    assert_eq!(signed_in_rows(&console.database).await, 0);

    let (admin, _) = sign_in(&console, "admin", "/").await;
    edit_signed_in(&console.database, |s| {
        s["tokens"]["expires_at"] = serde_json::json!(now() - 5);
        s["tokens"]["refresh_token"] = serde_json::json!("revoked-or-forged");
    })
    .await;
    // A page load goes to sign-in with the reason.
    let response = get(&admin, format!("{}/logs", console.base)).await;
    assert_eq!(
        location(&response),
        "/sign-in?reason=refresh_failed&return_to=/logs"
    );
    let html = get(&admin, format!("{}{}", console.base, location(&response)))
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("could not be renewed"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_endpoints_are_rate_limited_per_address() {
    let console = start_sandbox_console(&["--oidc-login-rate-limit", "3"]).await;
    let client = browser(console.sandbox);
    for _ in 0..3 {
        let response = get(&client, format!("{}/auth/login", console.base)).await;
        assert_eq!(response.status(), 303);
    }
    let response = get(
        &client,
        format!("{}/auth/callback?state=x&code=y", console.base),
    )
    .await;
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=20).contains(&wait), "{wait}");
}

#[tokio::test(flavor = "multi_thread")]
async fn permissions_come_from_the_api_server_for_the_user() {
    let console = start_sandbox_console(&[]).await;
    let (viewer, _) = sign_in(&console, "viewer", "/").await;
    let html = get(&viewer, format!("{}/your-access", console.base))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("data-action=\"action.read_config\" data-allowed=\"true\""),
        "{html}"
    );
    let row = html
        .split("data-action=\"action.change_config\" data-allowed=\"false\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the change_config row, not allowed");
    assert!(row.contains("needs"), "{row}");
    assert!(
        row.contains(&format!("update on configs.{OPERATOR_GROUP}")),
        "{row}"
    );
    assert!(html.contains("data-action=\"action.read_secrets\" data-allowed=\"false\""));

    let (admin, _) = sign_in(&console, "admin", "/").await;
    let html = get(&admin, format!("{}/your-access", console.base))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("data-action=\"action.change_config\" data-allowed=\"true\""),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn auditors_see_only_the_audit_trail() {
    let console = start_sandbox_console(&[]).await;
    let (auditor, _) = sign_in(&console, "auditor", "/").await;
    assert_eq!(
        location(&get(&auditor, format!("{}/", console.base)).await),
        "/audit"
    );
    for path in ["/logs", "/configuration", "/your-access"] {
        let response = get(&auditor, format!("{}{path}", console.base)).await;
        assert_eq!(response.status(), 403, "{path}");
    }
    let audit = get(&auditor, format!("{}/audit", console.base)).await;
    assert_eq!(audit.status(), 200);
    let html = audit.text().await.expect("html");
    assert!(
        !html.contains("href=\"/logs\""),
        "no navigation to other pages"
    );
}

/// Every server function that is not read-only refuses viewers and auditors (403 from the
/// console); the read-only ones answer exactly the roles they are for. New server
/// functions are covered without touching this test.
#[tokio::test(flavor = "multi_thread")]
async fn viewers_and_auditors_cannot_call_mutating_server_functions() {
    let console = start_sandbox_console(&[]).await;
    let paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    for (path, _) in app::domain::access::READ_ONLY_SERVER_FNS {
        assert!(paths.contains(path), "{path} is registered: {paths:?}");
    }
    for user in ["viewer", "auditor"] {
        let (client, _) = sign_in(&console, user, "/").await;
        let token = if user == "viewer" {
            page_csrf(&console, &client).await
        } else {
            let html = get(&client, format!("{}/audit", console.base))
                .await
                .text()
                .await
                .expect("html");
            support::csrf_token(&html)
        };
        for path in &paths {
            let response = client
                .post(format!("{}{path}", console.base))
                .header("origin", &console.base)
                .header("x-csrf-token", &token)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("")
                .send()
                .await
                .expect("post");
            let roles = app::domain::access::Roles {
                admin: false,
                viewer: user == "viewer",
                auditor: user == "auditor",
            };
            let readers = app::domain::access::READ_ONLY_SERVER_FNS
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, readers)| *readers);
            match readers {
                // Past the role check; an empty request may still be refused by the
                // function itself, naming what it lacks (a comparison needs a version).
                Some(readers) if readers.allow(roles) => {
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap_or_default();
                    assert!(
                        status == 200 || (status == 400 && !text.contains("Forbidden")),
                        "{user} may read {path}: {status} {text}"
                    )
                }
                _ => assert_eq!(response.status(), 403, "{user} {path}"),
            }
        }
    }
}

/// With the console's own check out of the way, the API server still refuses: the
/// console's clients carry the user's identity, in both modes.
#[tokio::test(flavor = "multi_thread")]
async fn the_api_server_refuses_a_viewer_whose_request_bypasses_the_console_check() {
    use kube::api::{Api, DynamicObject, Patch, PatchParams};
    use kube::core::{ApiResource, GroupVersionKind};
    use registry_console::auth::oidc::{Identity, Tokens};
    use registry_console::auth::session::SignedIn;
    use registry_console::config::{KubeAuthMode, KubeSettings};

    let sandbox = registry_console_sandbox::harness::shared();
    let tokens =
        registry_console_sandbox::oidc_login::sign_in(&sandbox.oidc, "viewer", "viewer-password")
            .await
            .expect("viewer tokens");
    let viewer = SignedIn {
        identity: Identity {
            subject: "viewer".into(),
            name: "viewer".into(),
            preferred_username: None,
            email: None,
            groups: vec!["registry-viewers".into()],
        },
        tokens: Tokens {
            id_token: tokens.id_token.clone(),
            refresh_token: None,
            expires_at: now() + 300,
        },
        signed_in_at: now(),
        last_active: None,
        csrf_token: String::new(),
    };
    let admin_config = {
        let kubeconfig =
            kube::config::Kubeconfig::read_from(&sandbox.kubeconfig).expect("kubeconfig");
        kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("config")
    };
    let impersonator_config = {
        let path = registry_console_sandbox::sandbox::impersonator_kubeconfig(sandbox)
            .await
            .expect("sa kubeconfig");
        let kubeconfig = kube::config::Kubeconfig::read_from(&path).expect("kubeconfig");
        kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("config")
    };
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(OPERATOR_GROUP, "v1", "Config"),
        "configs",
    );
    let before = Api::<DynamicObject>::all_with(
        kube::Client::try_from(admin_config.clone()).expect("admin"),
        &resource,
    )
    .get("cluster")
    .await
    .expect("config");

    for (mode, base) in [
        (KubeAuthMode::Token, admin_config.clone()),
        (KubeAuthMode::Impersonate, impersonator_config.clone()),
    ] {
        let settings = KubeSettings {
            kubeconfig: None,
            context: None,
            in_cluster: false,
            auth_mode: mode,
            impersonation_username_claim: "sub".into(),
            impersonation_prefix: "oidc:".into(),
            username_prefix: String::new(),
            connect_timeout: std::time::Duration::from_secs(5),
            request_timeout: std::time::Duration::from_secs(15),
        };
        let users = registry_console::kube::user::UserClients::new(
            base,
            &settings,
            registry_console::http::metrics::Metrics::new(),
        );
        let client = users.client_for(&viewer).expect("client");
        let configs = Api::<DynamicObject>::all_with(client, &resource);
        configs
            .get("cluster")
            .await
            .unwrap_or_else(|e| panic!("{mode:?}: the viewer reads: {e}"));
        let patch = serde_json::json!({ "spec": { "replicas": 7 } });
        match configs
            .patch("cluster", &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Err(kube::Error::Api(status)) => {
                assert_eq!(status.code, 403, "{mode:?}");
                assert!(
                    status.message.contains("oidc:viewer"),
                    "{mode:?}: {}",
                    status.message
                );
            }
            other => panic!("{mode:?}: expected 403, got {other:?}"),
        }
    }
    // The console's own service account (impersonate mode) may read it by itself (it
    // watches for changes made outside the console) but never change it.
    let own = Api::<DynamicObject>::all_with(
        kube::Client::try_from(impersonator_config).expect("sa"),
        &resource,
    );
    own.get("cluster")
        .await
        .expect("the service account reads the config");
    let patch = serde_json::json!({ "spec": { "replicas": 7 } });
    match own
        .patch("cluster", &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 403),
        other => panic!("the service account alone must not change the config: {other:?}"),
    }
    let after = Api::<DynamicObject>::all_with(
        kube::Client::try_from(admin_config).expect("admin"),
        &resource,
    )
    .get("cluster")
    .await
    .expect("config");
    assert_eq!(
        before.metadata.resource_version, after.metadata.resource_version,
        "unchanged"
    );
}

/// A console in impersonate mode whose own service account may only impersonate (and read
/// the objects it watches): users get exactly their own permissions.
#[tokio::test(flavor = "multi_thread")]
async fn impersonate_mode_acts_as_the_signed_in_user() {
    let sandbox = registry_console_sandbox::harness::shared();
    let kubeconfig = registry_console_sandbox::sandbox::impersonator_kubeconfig(sandbox)
        .await
        .expect("sa kubeconfig");
    let kubeconfig = kubeconfig.display().to_string();
    let console = start_sandbox_console(&[
        "--kubeconfig",
        &kubeconfig,
        "--kube-auth-mode",
        "impersonate",
        "--kube-impersonation-prefix",
        "oidc:",
    ])
    .await;
    for (user, may_change) in [("viewer", "false"), ("admin", "true")] {
        let (client, _) = sign_in(&console, user, "/").await;
        let html = get(&client, format!("{}/your-access", console.base))
            .await
            .text()
            .await
            .expect("html");
        assert!(
            html.contains("data-action=\"action.read_config\" data-allowed=\"true\""),
            "{user}: {html}"
        );
        assert!(
            html.contains(&format!(
                "data-action=\"action.change_config\" data-allowed=\"{may_change}\""
            )),
            "{user}: {html}"
        );
    }
}

/// A page load sends several requests at once; when the tokens are due, only one of them
/// refreshes (the provider rotates refresh tokens and accepts each once) and all succeed.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_requests_share_one_refresh() {
    let console = start_sandbox_console(&[]).await;
    let (admin, _) = sign_in(&console, "admin", "/").await;
    let token = page_csrf(&console, &admin).await;
    edit_signed_in(&console.database, |s| {
        s["tokens"]["expires_at"] = serde_json::json!(now() + 5);
    })
    .await;
    let calls = (0..6).map(|_| call_my_access(&console, &admin, Some(&console.base), Some(&token)));
    for response in futures::future::join_all(calls).await {
        assert_eq!(response.status(), 200);
    }
    // Some of those requests loaded the session before the refresh and saved the old
    // tokens back when they ended; the next request must still work.
    edit_signed_in(&console.database, |s| {
        s["tokens"]["expires_at"] = serde_json::json!(now() + 5);
    })
    .await;
    let response = call_my_access(&console, &admin, Some(&console.base), Some(&token)).await;
    assert_eq!(response.status(), 200);
    assert!(signed_in(&console, &admin).await);
}

/// The console's verifier with the real provider's keys and a real ID token: the right
/// nonce passes; a wrong nonce, another audience or a later clock fail.
#[tokio::test(flavor = "multi_thread")]
async fn real_id_tokens_are_checked_for_nonce_audience_and_expiry() {
    use registry_console::auth::oidc::OidcProvider;
    let sandbox = registry_console_sandbox::harness::shared();
    let tokens =
        registry_console_sandbox::oidc_login::sign_in(&sandbox.oidc, "admin", "admin-password")
            .await
            .expect("tokens");
    let provider = |client_id: &str| {
        let argv = [
            "registry-console",
            "--oidc-issuer-url",
            &sandbox.oidc.issuer,
            "--oidc-client-id",
            client_id,
            "--oidc-ca-file",
            &sandbox.oidc.ca_file.display().to_string(),
        ]
        .map(String::from);
        let (_, loaded) =
            registry_console::config::load(argv.map(std::ffi::OsString::from), Vec::new())
                .expect("config");
        OidcProvider::new(&loaded.config.oidc, "http://127.0.0.1:1")
            .expect("settings")
            .expect("configured")
    };
    let ours = provider("registry-console");
    ours.discover().await.expect("discovery");
    let now = chrono::Utc::now();
    let (identity, _) = ours
        .verify_token(&tokens.id_token, Some(&tokens.nonce), now)
        .expect("the real token verifies");
    assert_eq!(identity.subject, "admin");
    assert_eq!(identity.groups, vec!["registry-admins"]);
    assert!(
        ours.verify_token(&tokens.id_token, Some("another-nonce"), now)
            .is_err()
    );
    assert!(
        ours.verify_token(
            &tokens.id_token,
            Some(&tokens.nonce),
            now + chrono::Duration::hours(2)
        )
        .is_err(),
        "expired"
    );
    let theirs = provider("another-client");
    theirs.discover().await.expect("discovery");
    assert!(
        theirs
            .verify_token(&tokens.id_token, Some(&tokens.nonce), now)
            .is_err(),
        "issued for another audience"
    );
}

/// The audit exports stream the whole trail to auditors and admins, and to nobody else.
#[tokio::test(flavor = "multi_thread")]
async fn audit_exports_are_for_auditors_and_admins_only() {
    use registry_console::audit::chain::EventKind;
    use registry_console::audit::store::{Actor, AuditStore, NewEvent};
    let console = start_sandbox_console(&[]).await;
    let pool = registry_console::db::open(&format!("sqlite://{}", console.database.display()))
        .await
        .expect("console database");
    let store = AuditStore::new(pool);
    for (kind, outcome) in [
        (EventKind::Intent, None),
        (EventKind::Result, Some("applied")),
    ] {
        store
            .append(NewEvent {
                change_id: "c1".into(),
                kind,
                actor: Actor {
                    subject: "admin".into(),
                    name: "Sandbox Admin".into(),
                    email: None,
                    groups: vec!["registry-admins".into()],
                },
                client_addr: None,
                request_id: None,
                reason: Some("=cmd|' /C calc'!A0 guide 2.1".into()),
                objects: vec![],
                outcome: outcome.map(str::to_string),
                payload: json_payload(),
            })
            .await
            .expect("append");
    }
    for user in ["auditor", "admin"] {
        let (client, _) = sign_in(&console, user, "/").await;
        let response = get(&client, format!("{}/audit/export.jsonl", console.base)).await;
        assert_eq!(response.status(), 200, "{user}");
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .expect("ascii")
                .contains("attachment")
        );
        let body = response.text().await.expect("body");
        let lines: Vec<serde_json::Value> = body
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 2, "{user}");
        assert_eq!(lines[1]["outcome"], "applied");
        let csv = get(&client, format!("{}/audit/export.csv", console.base))
            .await
            .text()
            .await
            .expect("csv");
        assert_eq!(csv.lines().count(), 3, "header and two events");
        assert!(
            csv.contains(",'=cmd|' /C calc'!A0 guide 2.1,"),
            "formula defused: {csv}"
        );
    }
    let (viewer, _) = sign_in(&console, "viewer", "/").await;
    for path in ["/audit/export.jsonl", "/audit/export.csv"] {
        let response = get(&viewer, format!("{}{path}", console.base)).await;
        assert_eq!(response.status(), 403, "{path}");
    }
    let anonymous = browser(console.sandbox);
    let response = get(&anonymous, format!("{}/audit/export.jsonl", console.base)).await;
    assert!(
        location(&response).starts_with("/sign-in?"),
        "anonymous goes to sign in"
    );
}

fn json_payload() -> serde_json::Value {
    serde_json::json!({ "diff": [] })
}

/// The auditor's page: rows from the real store, filters in the URL, keyset pages and the
/// chain check.
#[tokio::test(flavor = "multi_thread")]
async fn the_audit_trail_page_lists_filters_pages_and_verifies() {
    use registry_console::audit::chain::EventKind;
    use registry_console::audit::store::{Actor, AuditStore, NewEvent, ObjectRef};
    let console = start_sandbox_console(&[]).await;
    let pool = registry_console::db::open(&format!("sqlite://{}", console.database.display()))
        .await
        .expect("console database");
    let store = AuditStore::new(pool);
    for i in 0..55 {
        let change = format!("c{i}");
        store
            .append(NewEvent {
                change_id: change.clone(),
                kind: EventKind::Intent,
                actor: Actor {
                    subject: "admin".into(),
                    name: "Sandbox Admin".into(),
                    email: None,
                    groups: vec![],
                },
                client_addr: None,
                request_id: None,
                reason: Some(format!("change number {i}")),
                objects: vec![ObjectRef {
                    group: "imageregistry.operator.openshift.io".into(),
                    kind: "Config".into(),
                    namespace: None,
                    name: "cluster".into(),
                }],
                outcome: None,
                payload: json_payload(),
            })
            .await
            .expect("intent");
        if i % 5 == 0 {
            store
                .append(NewEvent {
                    change_id: change,
                    kind: EventKind::Result,
                    actor: Actor {
                        subject: "admin".into(),
                        name: "Sandbox Admin".into(),
                        email: None,
                        groups: vec![],
                    },
                    client_addr: None,
                    request_id: None,
                    reason: None,
                    objects: vec![],
                    outcome: Some("conflict".into()),
                    payload: json_payload(),
                })
                .await
                .expect("result");
        }
    }
    let (auditor, _) = sign_in(&console, "auditor", "/").await;
    let page = |path: &str| {
        let auditor = auditor.clone();
        let url = format!("{}{path}", console.base);
        async move {
            let response = get(&auditor, url).await;
            assert_eq!(response.status(), 200);
            response.text().await.expect("html")
        }
    };
    let first = page("/audit").await;
    assert_eq!(first.matches("data-change=").count(), 50, "a page of 50");
    assert!(first.contains("Config cluster"));
    assert!(first.contains("change number 54"), "newest first");
    let next = first
        .split("data-action=\"next-page\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|rest| rest.split('"').next())
        .expect("a next-page link")
        .replace("&amp;", "&");
    let second = page(&next).await;
    assert_eq!(second.matches("data-change=").count(), 5, "the rest");
    assert!(second.contains("change number 0<"), "oldest last");
    assert!(!second.contains("data-action=\"next-page\""));
    let conflicts = page("/audit?outcome=conflict").await;
    assert_eq!(conflicts.matches("data-outcome=\"conflict\"").count(), 11);
    assert_eq!(conflicts.matches("data-change=").count(), 11);
    let text = page("/audit?text=number%2042").await;
    assert_eq!(text.matches("data-change=").count(), 1);
    let bad = get(&auditor, format!("{}/audit?from=yesterday", console.base)).await;
    let bad = bad.text().await.expect("html");
    assert!(
        bad.contains("from: `yesterday` is neither a day (2026-11-24) nor an RFC 3339 time"),
        "{bad}"
    );
    let verified = page("/audit?verify=1").await;
    assert!(verified.contains("data-chain=\"intact\""), "{verified}");
    assert!(
        verified.contains("66 events verified"),
        "55 intents and 11 results"
    );
}

/// Every page a role may open is complete in the HTML the server sends, in both languages:
/// nothing waits for JavaScript to replace a "Loading…" placeholder (a viewer without
/// JavaScript reads every part).
#[tokio::test(flavor = "multi_thread")]
async fn every_page_is_complete_without_javascript_for_every_role() {
    use app::domain::page::Page;
    let console = start_sandbox_console(&[]).await;
    for user in ["admin", "viewer", "auditor"] {
        let (client, _) = sign_in(&console, user, "/").await;
        for lang in ["en", "ja"] {
            let switched = get(
                &client,
                format!("{}/lang/{lang}?return_to=%2F", console.base),
            )
            .await;
            assert!(switched.status().is_redirection(), "{lang}");
            let loading = app::i18n::translate(
                app::i18n::Lang::from_tag(lang).expect("language"),
                "common.loading",
            );
            for page in Page::ALL {
                let response = get(&client, format!("{}{}", console.base, page.path())).await;
                let status = response.status();
                let html = response.text().await.expect("html");
                let may = match user {
                    "auditor" => page == Page::Audit,
                    "viewer" => page != Page::Audit,
                    _ => true,
                };
                if !may {
                    assert_ne!(status, 200, "{user} {}", page.path());
                    continue;
                }
                assert_eq!(status, 200, "{user} {}", page.path());
                assert!(
                    html.contains(&format!("data-page=\"{}\"", page.path())),
                    "{user} {lang} {}: the page's frame",
                    page.path()
                );
                assert!(
                    !html.contains(loading),
                    "{user} {lang} {}: still loading without JavaScript",
                    page.path()
                );
                assert!(
                    !html.contains("<template"),
                    "{user} {lang} {}: streamed out of order, for a script to put in place",
                    page.path()
                );
            }
        }
    }
}

/// The console's files are its own (the directory 0700, every file 0600), and the tokens in
/// the database are sealed: the database file holds no ID or refresh token.
#[tokio::test(flavor = "multi_thread")]
async fn the_data_directory_is_the_consoles_alone_and_tokens_are_sealed() {
    use std::os::unix::fs::PermissionsExt;
    let console = start_sandbox_console(&[]).await;
    let (_admin, _) = sign_in(&console, "admin", "/").await;
    let dir = console.database.parent().expect("data dir");
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        assert_eq!(mode(&entry.path()), 0o600, "{}", entry.path().display());
    }
    let records = sessions(&console.database).await;
    let stored = records
        .iter()
        .find_map(|(_, r)| r.data.get("signed_in"))
        .expect("a signed-in session")["tokens"]
        .clone();
    let seal = seal_of(&console);
    let mut raw = Vec::new();
    for field in ["id_token", "refresh_token"] {
        let sealed = stored[field].as_str().expect("token");
        assert!(sealed.starts_with("sealed:v1:"), "{field} is sealed");
        raw.push(seal.open(sealed).expect("opens"));
    }
    let mut bytes = std::fs::read(&console.database).expect("db");
    bytes.extend(std::fs::read(console.database.with_extension("db-wal")).unwrap_or_default());
    let text = String::from_utf8_lossy(&bytes);
    for token in raw {
        assert!(token.len() > 20);
        assert!(!text.contains(&token), "a raw token is in the database");
    }
}

/// A data directory left wider by an older version or a copy is narrowed at start, saying
/// so, before the console uses it.
#[tokio::test(flavor = "multi_thread")]
async fn a_wide_data_directory_is_narrowed_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    std::fs::write(data.join("registry-console.db"), "").expect("file");
    for (path, mode) in [
        (data.clone(), 0o755),
        (data.join("registry-console.db"), 0o644),
    ] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    std::fs::remove_file(data.join("registry-console.db")).expect("rm");
    std::fs::write(data.join("notes.txt"), "old").expect("file");
    std::fs::set_permissions(
        data.join("notes.txt"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    support::start_console(vec!["--data-dir".into(), data.display().to_string()]).await;
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("notes.txt")), 0o600);
    assert_eq!(mode(&data.join("registry-console.db")), 0o600);
}

/// What a page asks by itself (the Overview refreshing every few seconds, marked as the
/// page's own) is not activity: an open tab does not keep an idle session alive.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_refreshing_itself_does_not_keep_the_session_alive() {
    let console = start_sandbox_console(&["--session-idle-timeout", "4s"]).await;
    let (viewer, _) = sign_in(&console, "viewer", "/").await;
    let mut ended = None;
    for second in 0..12 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let response = viewer
            .get(format!("{}/", console.base))
            .header("X-Background-Refresh", "1")
            .send()
            .await
            .expect("refresh");
        if location(&response).starts_with("/sign-in") {
            ended = Some((second, location(&response)));
            break;
        }
    }
    let (second, to) = ended.expect("the session ended although the page kept refreshing");
    assert!(second <= 6, "ended after {second} s");
    assert!(to.starts_with("/sign-in?reason=idle"), "{to}");
}

/// A live stream (a followed log, the Overview's events) ends within seconds of its session
/// ending: signed out with the same session, the stream gets `end` and closes.
#[tokio::test(flavor = "multi_thread")]
async fn open_streams_end_soon_after_sign_out() {
    use futures::StreamExt;
    let kube = support::admin_kube().await;
    support::configs(kube.clone())
        .patch(
            "cluster",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(&serde_json::json!({ "spec": { "managementState": "Managed", "replicas": 1, "storage": { "emptyDir": {}, "pvc": null } } })),
        )
        .await
        .expect("running registry");
    let console = start_sandbox_console(&[]).await;
    let (viewer, _) = sign_in(&console, "viewer", "/").await;
    let pod = support::eventually("a running registry pod", async || {
        let html = get(&viewer, format!("{}/logs", console.base))
            .await
            .text()
            .await
            .ok()?;
        html.split("value=\"image-registry-")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(|suffix| format!("image-registry-{suffix}"))
    })
    .await;
    let token = page_csrf(&console, &viewer).await;
    for path in [
        format!("/logs/follow?pod={pod}&container=registry"),
        "/live/overview".to_string(),
    ] {
        let (viewer, _) = sign_in(&console, "viewer", "/").await;
        let token = page_csrf(&console, &viewer).await;
        let stream = viewer
            .get(format!("{}{path}", console.base))
            .send()
            .await
            .expect("stream");
        assert_eq!(stream.status(), 200, "{path}");
        let mut body = stream.bytes_stream();
        // Signed out in the same session (another tab of the same browser).
        let out = viewer
            .post(format!("{}/auth/logout", console.base))
            .header("origin", &console.base)
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .expect("sign out");
        assert!(out.status().is_redirection(), "{}", out.status());
        let signed_out = std::time::Instant::now();
        let mut after = String::new();
        let closed = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(chunk) = body.next().await {
                match chunk {
                    Ok(bytes) => after.push_str(&String::from_utf8_lossy(&bytes)),
                    Err(_) => break,
                }
            }
        })
        .await;
        assert!(
            closed.is_ok(),
            "{path}: still open 10 s after sign-out: {after}"
        );
        assert!(
            signed_out.elapsed() < Duration::from_secs(5),
            "{path}: closed {:?} after sign-out",
            signed_out.elapsed()
        );
        assert!(after.contains("event: end"), "{path}: {after}");
    }
    let _ = token;
}
