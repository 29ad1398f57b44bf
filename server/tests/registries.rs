//! The Registries page (guide chapter 4) against a real console and the sandbox's API
//! server: an allow-list and an import allow-list are exactly the image config the
//! documented `oc` edits give, and validate against its CRD; one registry's credentials
//! added to a pull secret with three entries keep the others byte for byte, as
//! `oc registry login --to` + `oc set data` would; bad input is refused naming the row
//! and changes nothing; a canary password is nowhere the console answers or writes; two
//! admins at once give one conflict and lose nobody's entry; "Test these credentials"
//! follows a registry's Basic challenge over TLS the cluster trusts.
//!
//! One test binary, one sandbox: each test takes the lock, as they share the objects.

mod support;

use app::domain::form_draft::FormDraft;
use base64::Engine;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};
use support::{
    Browser, SandboxConsole, admin_kube, capture_logs, captured_log, eventually,
    start_sandbox_console, valid, without_status,
};

static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const SOURCES: &str = "registry-sources";
const SET: &str = "set-credential";
const ALLOWED: &str = "spec.registrySources.allowedRegistries";
const BLOCKED: &str = "spec.registrySources.blockedRegistries";
const IMPORT: &str = "spec.allowedRegistriesForImport";
const INTERNAL: &str = "image-registry.openshift-image-registry.svc:5000";
const CANARY: &str = "Canary-Pw-7f3a9d-registries";

fn api(
    kube: &kube::Client,
    group: &str,
    kind: &str,
    plural: &str,
    ns: Option<&str>,
) -> Api<DynamicObject> {
    let resource = kube::core::ApiResource::from_gvk_with_plural(
        &kube::core::GroupVersionKind::gvk(group, "v1", kind),
        plural,
    );
    match ns {
        Some(ns) => Api::namespaced_with(kube.clone(), ns, &resource),
        None => Api::all_with(kube.clone(), &resource),
    }
}

fn images(kube: &kube::Client) -> Api<DynamicObject> {
    api(kube, "config.openshift.io", "Image", "images", None)
}

fn secrets(kube: &kube::Client, ns: &str) -> Api<DynamicObject> {
    api(kube, "", "Secret", "secrets", Some(ns))
}

async fn image_spec(kube: &kube::Client) -> Value {
    serde_json::to_value(images(kube).get("cluster").await.expect("image")).expect("json")["spec"]
        .clone()
}

/// The pull secret's `.dockerconfigjson`, as text.
async fn pull_secret_text(kube: &kube::Client) -> String {
    let secret = serde_json::to_value(
        secrets(kube, "openshift-config")
            .get("pull-secret")
            .await
            .expect("pull secret"),
    )
    .expect("json");
    let encoded = secret["data"][".dockerconfigjson"].as_str().expect("key");
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64"),
    )
    .expect("utf-8")
}

/// The pull secret deleted and created again with `kind` (its type cannot change).
async fn replace_pull_secret(kube: &kube::Client, kind: &str, text: &str) {
    let _ = secrets(kube, "openshift-config")
        .delete("pull-secret", &Default::default())
        .await;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    secrets(kube, "openshift-config")
        .create(
            &Default::default(),
            &serde_json::from_value(json!({
                "apiVersion": "v1", "kind": "Secret", "type": kind,
                "metadata": { "name": "pull-secret", "namespace": "openshift-config" },
                "data": { ".dockerconfigjson": encoded }
            }))
            .expect("secret"),
        )
        .await
        .expect("create pull secret");
}

/// The image config without registry sources, and the sandbox's installed pull secret.
async fn reset(kube: &kube::Client) {
    images(kube)
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(
                json!({ "spec": { "registrySources": null, "allowedRegistriesForImport": null,
                "externalRegistryHostnames": null, "additionalTrustedCA": null } }),
            ),
        )
        .await
        .expect("reset image config");
    replace_pull_secret(
        kube,
        "kubernetes.io/dockerconfigjson",
        registry_console_sandbox::content::SANDBOX_PULL_SECRET,
    )
    .await;
    let _ = secrets(kube, "openshift")
        .delete("samples-registry-credentials", &Default::default())
        .await;
    let _ = api(
        kube,
        "",
        "ConfigMap",
        "configmaps",
        Some("openshift-config"),
    )
    .delete("registry-config", &Default::default())
    .await;
}

async fn view(user: &Browser, console: &SandboxConsole) -> Value {
    let (status, body, text) = user.call(console, "registries", &[]).await;
    assert_eq!(status, 200, "{text}");
    body
}

fn draft(form: &str, base: &Value, fields: &[(&str, &str)]) -> FormDraft {
    let mut draft = FormDraft::new(form, fields);
    draft.fields.insert("base".into(), base.to_string());
    draft
}

async fn submit(
    user: &Browser,
    console: &SandboxConsole,
    function: &str,
    draft: &FormDraft,
    reason: &str,
) -> (u16, Value, String) {
    user.call(
        console,
        function,
        &[
            ("area", "Registries".to_string()),
            ("draft", serde_json::to_string(draft).expect("json")),
            ("reason", reason.to_string()),
        ],
    )
    .await
}

/// The refused rules: (field, key).
fn refused(error: &Value) -> Vec<(String, String)> {
    error["Change"]["Invalid"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|v| {
                    (
                        v["field"].as_str().unwrap_or_default().to_string(),
                        v["key"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn warning_keys(preview: &Value) -> Vec<String> {
    preview["warnings"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|w| w["key"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn registry_sources_are_the_guides_image_config_and_bad_rows_are_named() {
    let _lock = LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/registries").await;
    // A managed registry (the sandbox starts Removed, as a bare-metal install does).
    support::configs(kube.clone())
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(
                json!({ "spec": { "managementState": "Managed", "storage": { "emptyDir": {} } } }),
            ),
        )
        .await
        .expect("managed");
    // The operator reports the internal registry's hostname in the image config's status.
    let shown = eventually("the internal registry hostname", async || {
        let shown = view(&admin, &console).await;
        (shown["internal_hostname"] == INTERNAL).then_some(shown)
    })
    .await;
    assert_eq!(shown["nodes"]["Known"], 1, "{shown}");
    let base = shown["seen"].clone();
    let before = image_spec(&kube).await;

    // Each bad row is named, by its line, and nothing changes.
    let many: String = (0..1025).map(|i| format!("r{i}.example.com\n")).collect();
    for (lists, expected) in [
        (
            vec![(ALLOWED, "quay.io"), (BLOCKED, "docker.io")],
            vec![(BLOCKED.to_string(), "registries.allowed_and_blocked")],
        ),
        (
            vec![(ALLOWED, "quay.io\nregistry.example.com:port")],
            vec![(ALLOWED.to_string(), "registries.entry_port")],
        ),
        (
            vec![(BLOCKED, "https://quay.io")],
            vec![(BLOCKED.to_string(), "registries.entry_scheme")],
        ),
        (
            vec![(BLOCKED, "quay.io/org/app:latest")],
            vec![(BLOCKED.to_string(), "registries.entry_tag")],
        ),
        (
            vec![(BLOCKED, "quay.io/org/app@sha256:0123")],
            vec![(BLOCKED.to_string(), "registries.entry_digest")],
        ),
        (
            vec![(BLOCKED, many.as_str())],
            vec![(BLOCKED.to_string(), "registries.too_many")],
        ),
    ] {
        let bad = draft(SOURCES, &base, &lists);
        let (status, error, text) = submit(&admin, &console, "preview_change", &bad, "").await;
        assert_eq!(status, 422, "{text}");
        let found = refused(&error);
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(f, k)| (f.clone(), k.to_string()))
            .collect();
        assert_eq!(found, want, "{lists:?}");
    }
    assert_eq!(image_spec(&kube).await, before);

    // An allow-list without registry.redhat.io: the risk and the rollout need confirming.
    let list = format!("quay.io\n{INTERNAL}\nregistry.example.com");
    let unconfirmed = draft(SOURCES, &base, &[(ALLOWED, &list)]);
    let (status, error, text) = submit(&admin, &console, "preview_change", &unconfirmed, "").await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(
        refused(&error),
        vec![
            (
                ALLOWED.to_string(),
                "registries.risk.allow_misses".to_string()
            ),
            (
                "confirm.risks".to_string(),
                "registries.confirm_risks".to_string()
            ),
            (
                "confirm.rollout".to_string(),
                "registries.rollout".to_string()
            ),
        ]
    );
    assert!(text.contains("registry.redhat.io"), "{text}");
    let confirmed = draft(
        SOURCES,
        &base,
        &[
            (ALLOWED, &list),
            ("confirm.risks", "on"),
            ("confirm.rollout", "on"),
        ],
    );
    let (status, preview, text) = submit(&admin, &console, "preview_change", &confirmed, "").await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        warning_keys(&preview),
        vec!["registries.risk.allow_misses", "registries.rollout"]
    );

    // The allow-list the guide's `oc edit image.config.openshift.io/cluster` writes.
    let list = format!("quay.io\nregistry.redhat.io\n{INTERNAL}\nregistry.example.com");
    let allow = draft(
        SOURCES,
        &base,
        &[(ALLOWED, &list), ("confirm.rollout", "on")],
    );
    let (status, applied, text) = submit(
        &admin,
        &console,
        "apply_change",
        &allow,
        "allow only the registries we use",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        applied["steps"][0]["oc_command"],
        format!(
            r#"oc patch images.config.openshift.io cluster --type merge -p '{{"spec":{{"registrySources":{{"allowedRegistries":["quay.io","registry.redhat.io","{INTERNAL}","registry.example.com"]}}}}}}'"#
        )
    );
    let mut expected = before.clone();
    expected["registrySources"] = json!({ "allowedRegistries": ["quay.io", "registry.redhat.io", INTERNAL, "registry.example.com"] });
    assert_eq!(image_spec(&kube).await, expected);

    // Then the import allow-list, on top (the page's base is fresh after an apply).
    let base = view(&admin, &console).await["seen"].clone();
    let import = draft(
        SOURCES,
        &base,
        &[
            (ALLOWED, &list),
            (
                IMPORT,
                "registry.redhat.io\nquay.io\nregistry.example.com:5000 insecure",
            ),
            ("confirm.risks", "on"),
        ],
    );
    let (status, preview, text) = submit(&admin, &console, "preview_change", &import, "").await;
    assert_eq!(status, 200, "{text}");
    // Only the import list changes: no node rolls out anything; the insecure row is named.
    assert_eq!(
        warning_keys(&preview),
        vec!["registries.risk.import_insecure"]
    );
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        &import,
        "import only from our registries",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    expected["allowedRegistriesForImport"] = json!([
        { "domainName": "registry.redhat.io" },
        { "domainName": "quay.io" },
        { "domainName": "registry.example.com:5000", "insecure": true },
    ]);
    let image =
        serde_json::to_value(images(&kube).get("cluster").await.expect("image")).expect("json");
    assert_eq!(image["spec"], expected);
    valid("config.openshift.io", "Image", &without_status(image));

    // A viewer reads the lists, not the credentials, and is refused the change.
    let viewer = Browser::open(&console, "viewer", "/registries").await;
    let seen = view(&viewer, &console).await;
    assert_eq!(seen["sources"]["allowed"][1], "registry.redhat.io");
    assert!(seen["pull_secret"]["Unavailable"].is_string(), "{seen}");
    let (status, _, text) =
        submit(&viewer, &console, "apply_change", &import, "viewer tries").await;
    assert_eq!(status, 403, "{text}");
    reset(&kube).await;
}

/// `oc registry login --registry=<host> --auth-basic=<user>:<password> --to=pull-secret.json`
/// on the installed pull secret: its entries, and the new one (`auth` = base64 of
/// `user:password`).
fn oc_registry_login(document: &str, host: &str, user: &str, password: &str) -> Value {
    let mut config: Value = serde_json::from_str(document).expect("json");
    config["auths"][host] = json!({ "auth": base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")) });
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_are_one_entry_the_others_stay_byte_for_byte_and_the_password_is_nowhere() {
    capture_logs();
    let _lock = LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/registries").await;
    let other = Browser::open(&console, "admin", "/registries").await;
    let shown = view(&admin, &console).await;
    let hosts: Vec<&str> = shown["pull_secret"]["Entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["registry"].as_str())
        .collect();
    assert_eq!(
        hosts,
        vec!["cloud.openshift.com", "quay.io", "registry.redhat.io"]
    );
    assert_eq!(
        shown["pull_secret"]["Entries"][0]["facts"],
        json!({ "auth": true, "email": true, "identity_token": false })
    );
    let base = shown["seen"].clone();
    let installed = registry_console_sandbox::content::SANDBOX_PULL_SECRET;
    let mut bodies = vec![shown.to_string()];

    // An empty password and a pull secret that is not JSON are refused, changing nothing.
    let empty = draft(
        SET,
        &base,
        &[
            ("registry", "registry.example.com"),
            ("username", "robot"),
            ("secret", ""),
        ],
    );
    let (status, error, text) = submit(&admin, &console, "preview_change", &empty, "").await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(
        refused(&error),
        vec![(
            "secret".to_string(),
            "registries.credential.secret_required".to_string()
        )]
    );
    // The API server checks the JSON of a kubernetes.io/dockerconfigjson Secret: a pull
    // secret that is not JSON can only be an Opaque one.
    replace_pull_secret(&kube, "Opaque", "not json {").await;
    let broken = view(&admin, &console).await;
    assert!(
        broken["pull_secret"]["Unreadable"]
            .as_str()
            .expect("reason")
            .contains("line 1"),
        "{broken}"
    );
    let add = draft(
        SET,
        &broken["seen"],
        &[
            ("registry", "registry.example.com"),
            ("username", "robot"),
            ("secret", CANARY),
        ],
    );
    let (status, error, text) =
        submit(&admin, &console, "apply_change", &add, "add our registry").await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(
        refused(&error),
        vec![(
            "form".to_string(),
            "registries.pull_secret.unreadable".to_string()
        )]
    );
    assert_eq!(pull_secret_text(&kube).await, "not json {");
    replace_pull_secret(&kube, "kubernetes.io/dockerconfigjson", installed).await;
    let base = view(&admin, &console).await["seen"].clone();

    // Two admins add a registry each from the same page: one wins, the other conflicts.
    let mine = draft(
        SET,
        &base,
        &[
            ("registry", "registry.example.com"),
            ("username", "robot"),
            ("secret", CANARY),
        ],
    );
    let theirs = draft(
        SET,
        &base,
        &[
            ("registry", "quay.example.com:8443"),
            ("kind", "password"),
            ("username", "alice"),
            ("secret", "alice-password"),
        ],
    );
    let (status, preview, text) = submit(&admin, &console, "preview_change", &mine, "").await;
    assert_eq!(status, 200, "{text}");
    bodies.push(text.clone());
    assert_eq!(warning_keys(&preview), vec!["registries.credential.sets"]);
    let command = preview["steps"][0]["oc_command"].as_str().expect("command");
    assert!(command.contains("oc registry login --registry=registry.example.com --auth-basic='<user>:<password>' --to=pull-secret.json"), "{command}");
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        &mine,
        "pull from our registry",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    bodies.push(text);
    let (status, conflict, text) = submit(
        &other,
        &console,
        "apply_change",
        &theirs,
        "pull from alice's registry",
    )
    .await;
    assert_eq!(status, 409, "{text}");
    assert!(
        conflict["Change"]["Conflict"]["object"]["name"] == "pull-secret",
        "{text}"
    );
    bodies.push(text);

    // The document is what `oc registry login --to` gives, the other entries byte for byte.
    let now = pull_secret_text(&kube).await;
    assert_eq!(
        serde_json::from_str::<Value>(&now).expect("json"),
        oc_registry_login(installed, "registry.example.com", "robot", CANARY)
    );
    for entry in [
        r#""cloud.openshift.com":{"auth":"c2FuZGJveDpub3QtYS1yZWFsLXRva2VuLWZvci1jbG91ZC5vcGVuc2hpZnQuY29t","email":"admin@example.com"}"#,
        r#""quay.io":{"auth":"c2FuZGJveDpub3QtYS1yZWFsLXRva2VuLWZvci1xdWF5Lmlv","email":"admin@example.com"}"#,
        r#""registry.redhat.io":{"auth":"c2FuZGJveDpub3QtYS1yZWFsLXRva2VuLWZvci1yZWdpc3RyeS5yZWRoYXQuaW8=","email":"admin@example.com"}"#,
    ] {
        assert!(now.contains(entry), "{entry} changed: {now}");
    }

    // The other admin re-applies on the page as it is now: both entries are there.
    let fresh = view(&other, &console).await["seen"].clone();
    let again = draft(
        SET,
        &fresh,
        &[
            ("registry", "quay.example.com:8443"),
            ("kind", "password"),
            ("username", "alice"),
            ("secret", "alice-password"),
        ],
    );
    let (status, _, text) = submit(
        &other,
        &console,
        "apply_change",
        &again,
        "pull from alice's registry",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let both: Value = serde_json::from_str(&pull_secret_text(&kube).await).expect("json");
    assert_eq!(
        both["auths"].as_object().map(|a| a.len()),
        Some(5),
        "{both}"
    );
    assert!(
        both["auths"]["registry.example.com"].is_object()
            && both["auths"]["quay.example.com:8443"].is_object()
    );

    // Listed with who set it; the samples copy is one change of the guide's Secret.
    let listed = view(&admin, &console).await;
    bodies.push(listed.to_string());
    let entry = listed["pull_secret"]["Entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["registry"] == "registry.example.com")
        .cloned()
        .expect("listed");
    assert_eq!(entry["set_by"]["actor"], "Sandbox Admin", "{entry}");
    assert!(
        entry["fingerprint"]
            .as_str()
            .expect("fingerprint")
            .starts_with("fingerprint:")
    );
    assert!(
        listed["pull_secret"]["Entries"][0]["set_by"].is_null(),
        "installed entries were set outside the console"
    );
    let copy = draft("copy-samples-credential", &listed["seen"], &[]);
    let (status, applied, text) = submit(
        &admin,
        &console,
        "apply_change",
        &copy,
        "let the samples import",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        applied["steps"][0]["oc_command"],
        "oc create secret generic samples-registry-credentials --from-file=.dockerconfigjson=<path/to/config.json> --type=kubernetes.io/dockerconfigjson -n openshift"
    );
    let samples = serde_json::to_value(
        secrets(&kube, "openshift")
            .get("samples-registry-credentials")
            .await
            .expect("samples"),
    )
    .expect("json");
    assert_eq!(samples["type"], "kubernetes.io/dockerconfigjson");
    let copied = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(samples["data"][".dockerconfigjson"].as_str().expect("key"))
            .expect("b64"),
    )
    .expect("utf-8");
    assert_eq!(
        copied,
        r#"{"auths":{"registry.redhat.io":{"auth":"c2FuZGJveDpub3QtYS1yZWFsLXRva2VuLWZvci1yZWdpc3RyeS5yZWRoYXQuaW8=","email":"admin@example.com"}}}"#
    );
    let after_copy = view(&admin, &console).await;
    assert_eq!(
        after_copy["samples"]["Entries"][0]["registry"],
        "registry.redhat.io"
    );

    // Removing one registry leaves the rest.
    let remove = draft(
        "remove-credential",
        &after_copy["seen"],
        &[("registry", "quay.example.com:8443")],
    );
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        &remove,
        "alice's registry is gone",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let left: Value = serde_json::from_str(&pull_secret_text(&kube).await).expect("json");
    assert_eq!(
        left,
        oc_registry_login(installed, "registry.example.com", "robot", CANARY)
    );

    // The canary password is in none of the answers, pages, exports, logs or the database.
    for (user, name) in [
        (&admin, "admin"),
        (
            &Browser::open(&console, "viewer", "/registries").await,
            "viewer",
        ),
        (
            &Browser::open(&console, "auditor", "/audit").await,
            "auditor",
        ),
    ] {
        for page in ["/registries", "/audit", "/"] {
            let html = user
                .client
                .get(format!("{}{page}", console.base))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html");
            assert!(!html.contains(CANARY), "{name} {page}");
            bodies.push(html);
        }
    }
    for export in ["/audit/export.jsonl", "/audit/export.csv"] {
        bodies.push(
            admin
                .client
                .get(format!("{}{export}", console.base))
                .send()
                .await
                .expect("export")
                .text()
                .await
                .expect("text"),
        );
    }
    bodies.push(captured_log());
    let mut database = std::fs::read(&console.database).expect("database");
    database.extend(std::fs::read(console.database.with_extension("db-wal")).unwrap_or_default());
    bodies.push(String::from_utf8_lossy(&database).into_owned());
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("robot:{CANARY}"));
    for body in &bodies {
        for canary in [CANARY, auth.as_str()] {
            assert!(
                !body.contains(canary),
                "the password leaked: {}",
                &body[..body.len().min(300)]
            );
        }
    }
    reset(&kube).await;
}

/// A registry that answers `GET /v2/` with a Basic challenge, over TLS from its own CA.
async fn basic_registry(
    user: &'static str,
    password: &'static str,
) -> (std::net::SocketAddr, String) {
    use axum::http::{HeaderMap, StatusCode, header};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Test Registry CA");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let ca_pem = ca.self_signed(&ca_key).expect("ca").pem();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
    let leaf_key = rcgen::KeyPair::generate().expect("key");
    let cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf").pem();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    );
    let app = axum::Router::new().route(
        "/v2/",
        axum::routing::get(move |headers: HeaderMap| {
            let expected = expected.clone();
            async move {
                let given = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok());
                if given == Some(expected.as_str()) {
                    (StatusCode::OK, HeaderMap::new(), "{}")
                } else {
                    let mut challenge = HeaderMap::new();
                    challenge.insert(
                        header::WWW_AUTHENTICATE,
                        "Basic realm=\"test\"".parse().expect("header"),
                    );
                    (StatusCode::UNAUTHORIZED, challenge, "{}")
                }
            }
        }),
    );
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(
        cert.into_bytes(),
        leaf_key.serialize_pem().into_bytes(),
    )
    .await
    .expect("tls");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum_server::from_tcp_rustls(listener, config)
            .expect("server")
            .serve(app.into_make_service())
            .await;
    });
    (addr, ca_pem)
}

#[tokio::test(flavor = "multi_thread")]
async fn testing_credentials_follows_the_registrys_challenge_with_the_cas_the_cluster_trusts() {
    let _lock = LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/registries").await;
    let (addr, ca) = basic_registry("robot", CANARY).await;
    let registry = addr.to_string();
    let outcome = async |secret: &str| -> (String, String) {
        let base = view(&admin, &console).await["seen"].clone();
        let test = draft(
            SET,
            &base,
            &[
                ("registry", &registry),
                ("username", "robot"),
                ("secret", secret),
                ("test", "on"),
            ],
        );
        let (status, preview, text) = submit(&admin, &console, "preview_change", &test, "").await;
        assert_eq!(status, 200, "{text}");
        assert!(!text.contains(CANARY), "the review quotes the password");
        let test = preview["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .find(|w| w["field"] == "test")
            .cloned()
            .expect("a test result");
        let param = |name: &str| {
            test["params"]
                .as_array()
                .and_then(|p| p.iter().find(|p| p[0] == name))
                .and_then(|p| p[1].as_str())
                .unwrap_or_default()
                .to_string()
        };
        (param("outcome"), param("detail"))
    };
    // The cluster does not trust the registry's CA yet: a TLS failure, named.
    let (result, detail) = outcome(CANARY).await;
    assert_eq!(result, "tls", "{detail}");
    assert!(
        detail.to_lowercase().contains("unknown") || detail.contains("issuer"),
        "{detail}"
    );
    // Trusted as the CA-trust page writes it (key host..port), accepted; a wrong one refused.
    api(
        &kube,
        "",
        "ConfigMap",
        "configmaps",
        Some("openshift-config"),
    )
    .create(
        &Default::default(),
        &serde_json::from_value(json!({
            "metadata": { "name": "registry-config", "namespace": "openshift-config" },
            "data": { format!("127.0.0.1..{}", addr.port()): ca }
        }))
        .expect("config map"),
    )
    .await
    .expect("trust");
    images(&kube)
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(
                json!({ "spec": { "additionalTrustedCA": { "name": "registry-config" } } }),
            ),
        )
        .await
        .expect("reference");
    assert_eq!(outcome(CANARY).await.0, "accepted");
    assert_eq!(
        outcome("wrong-password").await,
        ("refused".to_string(), "401".to_string())
    );
    // A port nothing listens on: unreachable, within the deadline.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let base = view(&admin, &console).await["seen"].clone();
    let test = draft(
        SET,
        &base,
        &[
            ("registry", &closed.to_string()),
            ("username", "robot"),
            ("secret", "x"),
            ("test", "on"),
        ],
    );
    let (status, preview, text) = submit(&admin, &console, "preview_change", &test, "").await;
    assert_eq!(status, 200, "{text}");
    assert!(
        warning_keys(&preview).contains(&"registries.test.unreachable".to_string()),
        "{text}"
    );

    // The sandbox's own registry, which requires a login (a token as the password), behind
    // its plain-HTTP front: listed as insecure, the test falls back to HTTP as CRI-O does.
    support::configs(kube.clone())
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(
                json!({ "spec": { "managementState": "Managed", "storage": { "emptyDir": {} } } }),
            ),
        )
        .await
        .expect("managed");
    let front = console.sandbox.front.to_string();
    images(&kube)
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(
                json!({ "spec": { "registrySources": { "insecureRegistries": [front] } } }),
            ),
        )
        .await
        .expect("insecure");
    let (namespace, account) = registry_console_sandbox::client::DEFAULT_SERVICE_ACCOUNT;
    let token = registry_console_sandbox::client::service_account_token(&kube, namespace, account)
        .await
        .expect("token")
        .token;
    let front_test = async |secret: &str| -> String {
        let base = view(&admin, &console).await["seen"].clone();
        let test = draft(
            SET,
            &base,
            &[
                ("registry", &front),
                ("username", "openshift"),
                ("secret", secret),
                ("test", "on"),
            ],
        );
        let (status, preview, text) = submit(&admin, &console, "preview_change", &test, "").await;
        assert_eq!(status, 200, "{text}");
        preview["warnings"]
            .as_array()
            .and_then(|l| l.iter().find(|w| w["field"] == "test"))
            .map(|w| w["key"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    // The front forwards to the registry once its pod serves.
    eventually("the sandbox registry accepts a token", async || {
        (front_test(&token).await == "registries.test.accepted").then_some(())
    })
    .await;
    assert_eq!(front_test("not-a-token").await, "registries.test.refused");
    reset(&kube).await;
}
