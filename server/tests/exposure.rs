//! The exposure wizard and the CA-trust page against a real console, the sandbox's API
//! server and operator: a custom route with its certificate is exactly the Secret and the
//! `spec.routes` entry of the guide's `oc create secret tls` + `oc patch` (written out by
//! hand), and the operator creates the route with reencrypt TLS from that Secret; a
//! trusted CA is exactly the ConfigMap and `additionalTrustedCA` of the guide's
//! `oc create configmap --from-file` + `oc edit`; both validate against the CRDs; the
//! private key never comes back (searched for in every response, the page, the audit
//! export and the console's log); bad input is named and changes nothing; viewers read but
//! are refused changes.
//!
//! One test binary, one sandbox: each test takes the Config lock, as they share it.

mod support;

use app::domain::form_draft::FormDraft;
use base64::Engine;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::{Value, json};
use support::{
    Browser, SandboxConsole, admin_kube, capture_logs, captured_log, config_now, configs,
    eventually, start_sandbox_console, valid, without_status,
};

static CONFIG_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const NS: &str = "openshift-image-registry";
const HOST: &str = "myregistry.mycorp.organization";

fn api(
    client: kube::Client,
    group: &str,
    kind: &str,
    plural: &str,
    ns: Option<&str>,
) -> Api<DynamicObject> {
    support::dynamic_api(&client, group, "v1", kind, plural, ns)
}

fn secrets(kube: &kube::Client) -> Api<DynamicObject> {
    api(kube.clone(), "", "Secret", "secrets", Some(NS))
}

fn routes(kube: &kube::Client) -> Api<DynamicObject> {
    api(
        kube.clone(),
        "route.openshift.io",
        "Route",
        "routes",
        Some(NS),
    )
}

fn config_maps(kube: &kube::Client) -> Api<DynamicObject> {
    api(
        kube.clone(),
        "",
        "ConfigMap",
        "configmaps",
        Some("openshift-config"),
    )
}

fn images(kube: &kube::Client) -> Api<DynamicObject> {
    api(kube.clone(), "config.openshift.io", "Image", "images", None)
}

/// A running registry (emptyDir) without routes or trusted CAs.
async fn reset(kube: &kube::Client) {
    let patch = json!({ "spec": { "managementState": "Managed", "defaultRoute": false, "routes": null,
        "storage": { "emptyDir": {}, "pvc": null, "s3": null, "gcs": null, "azure": null, "swift": null } } });
    configs(kube.clone())
        .patch("cluster", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("reset config");
    images(kube)
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "additionalTrustedCA": null } })),
        )
        .await
        .expect("reset image config");
    for name in ["public-route-tls", "other-tls"] {
        let _ = secrets(kube).delete(name, &Default::default()).await;
    }
    let _ = config_maps(kube)
        .delete("registry-config", &Default::default())
        .await;
}

/// A private CA and a server certificate it issued for `hosts`.
struct Pki {
    ca_pem: String,
    chain: String,
    key: String,
}

fn pki(hosts: &[&str]) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.distinguished_name
        .push(DnType::CommonName, "Mycorp Registry CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().expect("key");
    let ca_pem = ca.self_signed(&ca_key).expect("ca").pem();
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf = CertificateParams::new(hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>())
        .expect("params");
    leaf.distinguished_name.push(DnType::CommonName, hosts[0]);
    let leaf_key = KeyPair::generate().expect("key");
    let chain = leaf.signed_by(&leaf_key, &issuer).expect("leaf").pem();
    Pki {
        ca_pem,
        chain,
        key: leaf_key.serialize_pem(),
    }
}

/// The lines of a PEM key's body: none may appear anywhere the console answers or writes.
fn canaries(key_pem: &str) -> Vec<String> {
    let mut out: Vec<String> = key_pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .map(str::to_string)
        .collect();
    out.push(base64::engine::general_purpose::STANDARD.encode(key_pem));
    out
}

async fn load(user: &Browser, console: &SandboxConsole, function: &str) -> (Value, String) {
    let (status, body, text) = user.call(console, function, &[]).await;
    assert_eq!(status, 200, "{text}");
    (body, text)
}

async fn submit(
    user: &Browser,
    console: &SandboxConsole,
    function: &str,
    area: &str,
    draft: &FormDraft,
    reason: &str,
) -> (u16, Value, String) {
    user.call(
        console,
        function,
        &[
            ("area", area.to_string()),
            ("draft", serde_json::to_string(draft).expect("json")),
            ("reason", reason.to_string()),
        ],
    )
    .await
}

fn with_base(form: &str, base: &Value, fields: &[(&str, &str)]) -> FormDraft {
    let mut draft = FormDraft::new(form, fields);
    draft.fields.insert("base".into(), base.to_string());
    draft
}

fn fields(error: &Value) -> Vec<String> {
    error["Change"]["Invalid"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|v| v["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_route_is_the_guides_secret_and_routes_entry_and_its_key_never_comes_back() {
    capture_logs();
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/exposure").await;
    let (view, _) = load(&admin, &console, "exposure").await;
    let pki = pki(&[HOST]);
    let mut bodies = Vec::new();
    let draft = with_base(
        "add-route",
        &view["base"],
        &[
            ("name", "public-routes"),
            ("hostname", HOST),
            ("secretName", "public-route-tls"),
            ("certificate", &pki.chain),
            ("key.file", &pki.key),
        ],
    );
    let (status, preview, text) =
        submit(&admin, &console, "preview_change", "Exposure", &draft, "").await;
    assert_eq!(status, 200, "{text}");
    bodies.push(text);
    assert_eq!(preview["steps"][0]["object"]["kind"], "Secret");
    assert_eq!(preview["steps"][1]["object"]["kind"], "Config");
    let (status, applied, text) = submit(
        &admin,
        &console,
        "apply_change",
        "Exposure",
        &draft,
        "expose the registry as myregistry",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    bodies.push(text);
    let commands: Vec<&str> = applied["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["oc_command"].as_str())
        .collect();
    assert_eq!(
        commands,
        vec![
            "oc create secret tls public-route-tls -n openshift-image-registry --cert=tls.crt --key=tls.key",
            r#"oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"routes":[{"hostname":"myregistry.mycorp.organization","name":"public-routes","secretName":"public-route-tls"}]}}'"#,
        ]
    );

    // What `oc create secret tls public-route-tls -n openshift-image-registry --cert=tls.crt
    // --key=tls.key` creates from the two files.
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let expected_secret = json!({
        "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
        "metadata": { "name": "public-route-tls", "namespace": NS },
        "data": { "tls.crt": b64(&pki.chain), "tls.key": b64(&pki.key) }
    });
    let secret = serde_json::to_value(
        secrets(&kube)
            .get("public-route-tls")
            .await
            .expect("secret"),
    )
    .expect("json");
    for pointer in ["/type", "/metadata/name", "/metadata/namespace", "/data"] {
        assert_eq!(
            secret.pointer(pointer),
            expected_secret.pointer(pointer),
            "{pointer}"
        );
    }
    // And guide 6.1's `spec.routes` entry.
    let config = config_now(&kube).await;
    assert_eq!(
        config["spec"]["routes"],
        json!([{ "name": "public-routes", "hostname": HOST, "secretName": "public-route-tls" }])
    );
    valid(
        "imageregistry.operator.openshift.io",
        "Config",
        &without_status(config),
    );

    // The operator creates the route: reencrypt, with the Secret's certificate and key.
    let route = eventually("the route", async || {
        routes(&kube)
            .get_opt("public-routes")
            .await
            .ok()
            .flatten()
            .map(|r| serde_json::to_value(r).expect("json"))
    })
    .await;
    assert_eq!(route["spec"]["host"], HOST);
    assert_eq!(route["spec"]["tls"]["termination"], "reencrypt");
    assert_eq!(route["spec"]["tls"]["certificate"], pki.chain.as_str());

    // The page lists the host with its certificate's facts, and podman trusts the CA.
    let (after, text) = load(&admin, &console, "exposure").await;
    bodies.push(text);
    let host = after["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .find(|h| h["route"] == "public-routes")
        .cloned()
        .expect("listed");
    assert_eq!(host["host"], HOST);
    assert_eq!(host["exists"], true);
    assert_eq!(host["trust"], "IssuedCa", "{host}");
    assert_eq!(
        host["certificates"]["Ok"][0]["info"]["dns_names"],
        json!([HOST])
    );
    let html = admin
        .client
        .get(format!("{}/exposure", console.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&format!(
            r#"podman login -u openshift -p "$(oc whoami -t)" {HOST}"#
        )),
        "podman commands"
    );
    bodies.push(html);

    // Removing it removes the entry and, as asked, its Secret: one change.
    let (view, _) = load(&admin, &console, "exposure").await;
    let remove = with_base(
        "remove-route",
        &view["base"],
        &[("route", "public-routes"), ("deleteSecret", "on")],
    );
    let (status, applied, text) = submit(
        &admin,
        &console,
        "apply_change",
        "Exposure",
        &remove,
        "stop exposing myregistry",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    bodies.push(text);
    assert_eq!(
        applied["steps"].as_array().map(Vec::len),
        Some(2),
        "{applied}"
    );
    assert!(config_now(&kube).await["spec"].get("routes").is_none());
    assert!(
        secrets(&kube)
            .get_opt("public-route-tls")
            .await
            .expect("get")
            .is_none()
    );

    let export = admin
        .client
        .get(format!("{}/audit/export.jsonl", console.base))
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("text");
    assert!(
        export.contains("expose the registry as myregistry") && export.contains("fingerprint:")
    );
    bodies.push(export);
    bodies.push(captured_log());
    for body in &bodies {
        for canary in canaries(&pki.key) {
            assert!(
                !body.contains(&canary),
                "the private key leaked: {}",
                &body[..body.len().min(300)]
            );
        }
    }
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_problems_and_form_mistakes_are_named_and_change_nothing() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/exposure").await;
    let (view, _) = load(&admin, &console, "exposure").await;
    let before = config_now(&kube).await["metadata"]["resourceVersion"].clone();
    let right = pki(&[HOST]);
    let other = pki(&["elsewhere.example.com"]);
    // (fields added to the form, the fields named, the message key)
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a str>, &'a str);
    let cases: Vec<Case> = vec![
        // Someone else's key.
        (
            vec![("certificate", &right.chain), ("key", &other.key)],
            vec!["key"],
            "tls.key_mismatch",
        ),
        // A certificate for another host.
        (
            vec![("certificate", &other.chain), ("key", &other.key)],
            vec!["certificate"],
            "tls.host_not_covered",
        ),
        // The key pasted where the certificate goes.
        (
            vec![("certificate", &right.key), ("key", &right.key)],
            vec!["certificate"],
            "tls.cert_private_key",
        ),
        // A file and different pasted text.
        (
            vec![
                ("certificate", &right.chain),
                ("certificate.file", &other.chain),
                ("key", &right.key),
            ],
            vec!["certificate"],
            "form.ambiguous_file",
        ),
        // A certificate without its key.
        (
            vec![("certificate", &right.chain)],
            vec!["key"],
            "exposure.certificate_without_key",
        ),
    ];
    for (extra, expected_fields, key) in cases {
        let mut all = vec![("name", "public-routes"), ("hostname", HOST)];
        all.extend(extra);
        let draft = with_base("add-route", &view["base"], &all);
        let (status, error, text) =
            submit(&admin, &console, "preview_change", "Exposure", &draft, "").await;
        assert_eq!(status, 422, "{key}: {text}");
        assert_eq!(fields(&error), expected_fields, "{key}: {text}");
        assert!(text.contains(key), "{key}: {text}");
        // The live check names the same field, in the user's language.
        let (status, reply, text) = admin
            .call(
                &console,
                "review_change",
                &[
                    ("area", "Exposure".into()),
                    ("step", "Check".into()),
                    ("draft", serde_json::to_string(&draft).expect("json")),
                ],
            )
            .await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(
            reply["field_errors"][0]["field"], expected_fields[0],
            "{text}"
        );
    }
    // A name the operator reserves, and a wildcard host.
    let draft = with_base(
        "add-route",
        &view["base"],
        &[
            ("name", "default-route"),
            ("hostname", "*.mycorp.organization"),
        ],
    );
    let (status, error, text) =
        submit(&admin, &console, "preview_change", "Exposure", &draft, "").await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(fields(&error), vec!["name", "hostname"]);
    assert_eq!(
        config_now(&kube).await["metadata"]["resourceVersion"],
        before
    );
    assert!(
        secrets(&kube)
            .get_opt("public-routes-tls")
            .await
            .expect("get")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_route_gets_the_apps_domain_host_and_podman_needs_tls_verify_false() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/exposure").await;
    let (view, _) = load(&admin, &console, "exposure").await;
    let draft = with_base("default-route", &view["base"], &[("defaultRoute", "on")]);
    let (status, applied, text) = submit(
        &admin,
        &console,
        "apply_change",
        "Exposure",
        &draft,
        "expose with the default route",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    // Guide 6.1, step 1.
    assert_eq!(
        applied["steps"][0]["oc_command"],
        r#"oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"defaultRoute":true}}'"#
    );
    let host = "default-route-openshift-image-registry.apps.sandbox.example";
    let route = eventually("the default route", async || {
        routes(&kube)
            .get_opt("default-route")
            .await
            .ok()
            .flatten()
            .map(|r| serde_json::to_value(r).expect("json"))
    })
    .await;
    assert_eq!(route["spec"]["host"], host);
    let html = admin
        .client
        .get(format!("{}/exposure", console.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&format!(
            r#"podman login -u openshift -p "$(oc whoami -t)" --tls-verify=false {host}"#
        )),
        "guide 6.1 step 2"
    );

    // A viewer reads the page but is refused the change, by the console.
    let viewer = Browser::open(&console, "viewer", "/exposure").await;
    let (viewed, _) = load(&viewer, &console, "exposure").await;
    assert_eq!(viewed["default_route"], true);
    let off = with_base("default-route", &viewed["base"], &[]);
    let (status, _, text) = submit(
        &viewer,
        &console,
        "apply_change",
        "Exposure",
        &off,
        "viewer tries",
    )
    .await;
    assert_eq!(status, 403, "{text}");
    let (status, _, text) = submit(
        &viewer,
        &console,
        "apply_change",
        "CaTrust",
        &off,
        "viewer tries",
    )
    .await;
    assert_eq!(status, 403, "{text}");
    assert_eq!(config_now(&kube).await["spec"]["defaultRoute"], true);
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_ca_is_the_guides_config_map_and_reference_in_one_change() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/ca-trust").await;
    let (view, _) = load(&admin, &console, "ca_trust").await;
    assert!(view["entries"].as_array().expect("entries").is_empty());
    let ca = pki(&["registry.example.com"]).ca_pem;

    // A private key pasted by mistake, and host:port in the host field, are refused.
    let key = pki(&["x.example.com"]).key;
    let wrong = with_base(
        "add-ca",
        &view["seen"],
        &[("host", "registry.example.com:5000"), ("pem", &key)],
    );
    let (status, error, text) =
        submit(&admin, &console, "preview_change", "CaTrust", &wrong, "").await;
    assert_eq!(status, 422, "{text}");
    // Both named at once: the host with the key to use, and what was pasted.
    assert_eq!(fields(&error), vec!["host", "pem"], "{text}");
    assert!(text.contains("registry.example.com..5000"), "{text}");
    let wrong = with_base(
        "add-ca",
        &view["seen"],
        &[
            ("host", "registry.example.com"),
            ("port", "5000"),
            ("pem", &key),
        ],
    );
    let (status, error, text) =
        submit(&admin, &console, "preview_change", "CaTrust", &wrong, "").await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(fields(&error), vec!["pem"], "{text}");
    assert!(text.contains("tls.cert_private_key"), "{text}");
    assert!(
        config_maps(&kube)
            .get_opt("registry-config")
            .await
            .expect("get")
            .is_none()
    );

    let add = with_base(
        "add-ca",
        &view["seen"],
        &[
            ("host", "registry.example.com"),
            ("port", "5000"),
            ("pem.file", &ca),
            ("configMap", "registry-config"),
        ],
    );
    let (status, applied, text) = submit(
        &admin,
        &console,
        "apply_change",
        "CaTrust",
        &add,
        "trust the mycorp registry CA",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let commands: Vec<&str> = applied["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["oc_command"].as_str())
        .collect();
    // Guide 2.5: `oc create configmap … --from-file=<host..port>=ca.crt -n openshift-config`,
    // then the image config names it.
    assert_eq!(
        commands,
        vec![
            "oc create configmap registry-config --from-file=registry.example.com..5000=ca.crt -n openshift-config",
            r#"oc patch images.config.openshift.io cluster --type merge -p '{"spec":{"additionalTrustedCA":{"name":"registry-config"}}}'"#,
        ]
    );
    let expected = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": "registry-config", "namespace": "openshift-config" },
        "data": { "registry.example.com..5000": ca }
    });
    let map = serde_json::to_value(
        config_maps(&kube)
            .get("registry-config")
            .await
            .expect("map"),
    )
    .expect("json");
    for pointer in ["/metadata/name", "/metadata/namespace", "/data"] {
        assert_eq!(map.pointer(pointer), expected.pointer(pointer), "{pointer}");
    }
    let image =
        serde_json::to_value(images(&kube).get("cluster").await.expect("image")).expect("json");
    assert_eq!(
        image["spec"]["additionalTrustedCA"],
        json!({ "name": "registry-config" })
    );
    valid("config.openshift.io", "Image", &without_status(image));

    // Listed with its facts; the page shows both forms of the key.
    let (view, _) = load(&admin, &console, "ca_trust").await;
    let entry = &view["entries"][0];
    assert_eq!(entry["key"], "registry.example.com..5000");
    let cert = &entry["certificates"]["Ok"][0];
    assert_eq!(cert["info"]["is_ca"], true);
    assert!(
        cert["info"]["sha256_fingerprint"]
            .as_str()
            .expect("fp")
            .len()
            == 95
    );
    let html = admin
        .client
        .get(format!("{}/ca-trust", console.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("registry.example.com:5000") && html.contains("registry.example.com..5000")
    );

    // Removing the last CA, unsetting the reference: the ConfigMap goes with it.
    let remove = with_base(
        "remove-ca",
        &view["seen"],
        &[
            ("key", "registry.example.com..5000"),
            ("whenEmpty", "unset"),
        ],
    );
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        "CaTrust",
        &remove,
        "the mycorp registry is gone",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(
        config_maps(&kube)
            .get_opt("registry-config")
            .await
            .expect("get")
            .is_none()
    );
    let image =
        serde_json::to_value(images(&kube).get("cluster").await.expect("image")).expect("json");
    assert!(
        image["spec"].get("additionalTrustedCA").is_none(),
        "{image}"
    );
    reset(&kube).await;
}

/// The review shows every certificate warning of a CA being trusted: expired, and not a CA
/// (a server certificate pasted where its CA belongs), in the user's language.
#[tokio::test(flavor = "multi_thread")]
async fn the_review_shows_an_expired_ca_and_a_certificate_that_is_not_a_ca() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/ca-trust").await;
    let (view, _) = load(&admin, &console, "ca_trust").await;
    let mut expired = CertificateParams::new(Vec::<String>::new()).expect("params");
    expired
        .distinguished_name
        .push(DnType::CommonName, "Expired Registry CA");
    expired.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    expired.not_before = rcgen::date_time_ymd(2020, 1, 1);
    expired.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let expired_pem = expired
        .self_signed(&KeyPair::generate().expect("key"))
        .expect("ca")
        .pem();
    let leaf_only = pki(&["leaf.example.com"]).chain;
    for (pem, key, words, field) in [
        (expired_pem.as_str(), "tls.ca_bundle_expired", "expired on"),
        (
            leaf_only.as_str(),
            "tls.ca_bundle_not_ca",
            "is not a CA certificate",
        ),
    ]
    .into_iter()
    .flat_map(|case| ["pem", "pem.file"].map(move |field| (case, field)))
    .map(|((pem, key, words), field)| (pem, key, words, field))
    .collect::<Vec<_>>()
    {
        // Pasted, or chosen as a file.
        let draft = with_base(
            "add-ca",
            &view["seen"],
            &[("host", "registry.example.com"), (field, pem)],
        );
        let (status, preview, text) =
            submit(&admin, &console, "preview_change", "CaTrust", &draft, "").await;
        assert_eq!(status, 200, "a warning, not a refusal: {text}");
        assert!(
            preview["warnings"]
                .as_array()
                .expect("warnings")
                .iter()
                .any(|w| w["key"] == key),
            "{key}: {text}"
        );
        let (status, reply, text) = admin
            .call(
                &console,
                "review_change",
                &[
                    ("area", "CaTrust".into()),
                    ("step", "Preview".into()),
                    ("draft", serde_json::to_string(&draft).expect("json")),
                ],
            )
            .await;
        assert_eq!(status, 200, "{text}");
        let html = reply["html"].as_str().expect("html");
        assert!(html.contains("data-violations=\"warning\""), "{html}");
        assert!(html.contains(words), "{key} ({field}): {html}");
    }
}
