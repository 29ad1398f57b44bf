//! The Access page's grants and revokes against a real console, the sandbox's API server
//! and its RBAC: a grant is exactly the RoleBinding `oc policy add-role-to-user
//! registry-viewer alice -n team-a` creates (written out by hand), a second subject joins
//! that binding, a revoke removes only its subject and deletes the binding it empties, an
//! admin without the role's permissions is refused by the API server's escalation check
//! (said in plain words) and nothing changes, and viewers read but cannot change.

mod support;

use app::domain::form_draft::FormDraft;
use kube::api::{Api, DynamicObject, PostParams};
use serde_json::{Value, json};
use support::{Browser, SandboxConsole, admin_kube, start_sandbox_console};

const PROJECT: &str = "team-a";

/// Both tests change the project's bindings; one at a time.
static PROJECT_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn api(
    kube: &kube::Client,
    kind: &str,
    plural: &str,
    group: &str,
    ns: Option<&str>,
) -> Api<DynamicObject> {
    support::dynamic_api(kube, group, "v1", kind, plural, ns)
}

fn role_bindings(kube: &kube::Client) -> Api<DynamicObject> {
    api(
        kube,
        "RoleBinding",
        "rolebindings",
        "rbac.authorization.k8s.io",
        Some(PROJECT),
    )
}

/// The project, where the project admins' group may manage RoleBindings and nothing else
/// (the sandbox has no controller manager to fill the aggregated `admin` role).
async fn project(kube: &kube::Client) {
    let create = |api: Api<DynamicObject>, object: Value| async move {
        let object: DynamicObject = serde_json::from_value(object).expect("object");
        let _ = api.create(&PostParams::default(), &object).await;
    };
    create(
        api(kube, "Namespace", "namespaces", "", None),
        json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": PROJECT } }),
    )
    .await;
    create(
        api(
            kube,
            "Role",
            "roles",
            "rbac.authorization.k8s.io",
            Some(PROJECT),
        ),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": { "name": "binding-manager", "namespace": PROJECT },
            "rules": [{ "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"],
                "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"] }]
        }),
    )
    .await;
    // A roleRef cannot change: an older binding of that name is replaced.
    let _ = role_bindings(kube)
        .delete("project-admins", &Default::default())
        .await;
    create(
        role_bindings(kube),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": { "name": "project-admins", "namespace": PROJECT },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "binding-manager" },
            "subjects": [{ "kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "oidc:project-admins" }]
        }),
    )
    .await;
    for name in ["registry-viewer", "registry-editor"] {
        let _ = role_bindings(kube).delete(name, &Default::default()).await;
    }
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
            ("area", "Access".to_string()),
            ("draft", serde_json::to_string(draft).expect("json")),
            ("reason", reason.to_string()),
        ],
    )
    .await
}

fn change(form: &str, role: &str, name: &str) -> FormDraft {
    FormDraft::new(
        form,
        &[
            ("role", role),
            ("kind", "User"),
            ("name", name),
            ("scope", "project"),
            ("project", PROJECT),
        ],
    )
}

fn binding(object: DynamicObject) -> Value {
    let mut value = serde_json::to_value(object).expect("json");
    for noise in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "managedFields",
    ] {
        if let Some(meta) = value["metadata"].as_object_mut() {
            meta.remove(noise);
        }
    }
    value
}

#[tokio::test(flavor = "multi_thread")]
async fn grants_and_revokes_are_what_oc_policy_does() {
    let _lock = PROJECT_LOCK.lock().await;
    let kube = admin_kube().await;
    project(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/access").await;

    let grant = change("grant", "registry-viewer", "alice");
    let (status, preview, text) = submit(&admin, &console, "preview_change", &grant, "").await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        preview["steps"][0]["oc_command"],
        "oc policy add-role-to-user registry-viewer alice -n team-a"
    );
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        &grant,
        "alice pulls team-a's images",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    // What `oc policy add-role-to-user registry-viewer alice -n team-a` creates.
    let expected = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": { "name": "registry-viewer", "namespace": "team-a" },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-viewer" },
        "subjects": [{ "kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice" }]
    });
    assert_eq!(
        binding(
            role_bindings(&kube)
                .get("registry-viewer")
                .await
                .expect("binding")
        ),
        expected
    );

    // Granting it again changes nothing; a second user joins the same binding.
    let (status, _, text) = submit(&admin, &console, "preview_change", &grant, "").await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("access.already"), "{text}");
    let bob = change("grant", "registry-viewer", "bob");
    let (status, _, text) = submit(&admin, &console, "apply_change", &bob, "bob pulls too").await;
    assert_eq!(status, 200, "{text}");
    let names = |b: Value| -> Vec<String> {
        b["subjects"]
            .as_array()
            .expect("subjects")
            .iter()
            .map(|s| s["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        names(binding(
            role_bindings(&kube)
                .get("registry-viewer")
                .await
                .expect("binding")
        )),
        ["alice", "bob"]
    );
    let list = role_bindings(&kube)
        .list(&Default::default())
        .await
        .expect("list");
    assert_eq!(
        list.items
            .iter()
            .filter(|b| b.data["roleRef"]["name"] == "registry-viewer")
            .count(),
        1,
        "no binding per click"
    );

    // The page lists them.
    let (status, view, text) = admin.call(&console, "registry_access", &[]).await;
    assert_eq!(status, 200, "{text}");
    let listed = view["bindings"]["Ok"].as_array().expect("bindings");
    assert!(
        listed
            .iter()
            .any(|b| b["namespace"] == PROJECT && b["role"] == "registry-viewer"),
        "{text}"
    );
    assert_eq!(view["roles"][0]["pull"], true);
    assert_eq!(view["roles"][1]["push"], true);
    assert_eq!(view["roles"][3]["metrics"], true);
    // What a viewer is shown for the roles (OpenShift's documented rules) is what the
    // cluster's own rules say.
    for role in view["roles"].as_array().expect("roles") {
        let name = role["role"].as_str().expect("name");
        let documented = app::domain::registry_access::documented_allows(name).expect(name);
        assert!(role["rules"]["Ok"].is_array(), "{role}");
        assert_eq!(
            (
                role["pull"] == true,
                role["push"] == true,
                role["metrics"] == true
            ),
            documented,
            "{name}"
        );
    }

    // Revoking alice removes only alice; revoking bob deletes the emptied binding.
    let (status, applied, text) = submit(
        &admin,
        &console,
        "apply_change",
        &change("revoke", "registry-viewer", "alice"),
        "alice moved teams",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        applied["steps"][0]["oc_command"],
        "oc policy remove-role-from-user registry-viewer alice -n team-a"
    );
    assert_eq!(
        names(binding(
            role_bindings(&kube)
                .get("registry-viewer")
                .await
                .expect("binding")
        )),
        ["bob"]
    );
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        &change("revoke", "registry-viewer", "bob"),
        "bob moved teams",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(
        role_bindings(&kube)
            .get_opt("registry-viewer")
            .await
            .expect("get")
            .is_none()
    );
    let (status, _, text) = submit(
        &admin,
        &console,
        "preview_change",
        &change("revoke", "registry-viewer", "bob"),
        "",
    )
    .await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("access.not_granted"), "{text}");

    // A viewer is refused by the console.
    let viewer = Browser::open(&console, "viewer", "/access").await;
    let (status, _, text) = submit(&viewer, &console, "apply_change", &grant, "viewer tries").await;
    assert_eq!(status, 403, "{text}");
    // What the viewer may not read is named as a permission, not dumped as an error.
    let (status, view, text) = viewer.call(&console, "registry_access", &[]).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        view["bindings"]["Err"]["Forbidden"]["permission"], "list rolebindings in all namespaces",
        "{text}"
    );
    let html = viewer.page(&console, "/access").await;
    assert!(html.contains("data-read-only-summary=\"grant\""));
    assert!(!html.contains("data-change-form=\"grant\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_without_the_roles_permissions_is_refused_by_the_api_server_in_plain_words() {
    let _lock = PROJECT_LOCK.lock().await;
    let kube = admin_kube().await;
    project(&kube).await;
    let console =
        start_sandbox_console(&["--oidc-admin-groups", "registry-admins,project-admins"]).await;
    let project_admin = Browser::open(&console, "projectadmin", "/access").await;
    let grant = change("grant", "registry-editor", "carol");
    let (status, error, text) = submit(
        &project_admin,
        &console,
        "apply_change",
        &grant,
        "carol pushes to team-a",
    )
    .await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(error["Change"]["Invalid"][0]["field"], "role", "{text}");
    assert_eq!(
        error["Change"]["Invalid"][0]["key"], "access.escalation",
        "{text}"
    );
    assert!(
        role_bindings(&kube)
            .get_opt("registry-editor")
            .await
            .expect("get")
            .is_none()
    );
    // In plain words, in the review the page shows.
    let (status, reply, text) = project_admin
        .call(
            &console,
            "review_change",
            &[
                ("area", "Access".into()),
                ("step", "Preview".into()),
                ("draft", serde_json::to_string(&grant).expect("json")),
            ],
        )
        .await;
    assert_eq!(status, 200, "{text}");
    assert!(
        reply["field_errors"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("you do not hold all of its permissions")),
        "{text}"
    );
}

/// A grant to everyone (`system:anonymous`, `system:authenticated`) is confirmed first, in
/// words that say who gains what; confirmed, it is applied like any other. A 10,000
/// character name is refused naming the limit; a user name with spaces can be granted and
/// revoked.
#[tokio::test(flavor = "multi_thread")]
async fn public_grants_are_confirmed_and_unusual_names_are_handled() {
    let _lock = PROJECT_LOCK.lock().await;
    let kube = admin_kube().await;
    project(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/access").await;
    let grant = |kind: &str, name: &str, confirm: bool| {
        let mut fields = vec![
            ("role", "registry-viewer"),
            ("kind", kind),
            ("name", name),
            ("scope", "cluster"),
        ];
        if confirm {
            fields.push(("confirm", "on"));
        }
        FormDraft::new(app::domain::registry_access::FORM_GRANT, &fields)
    };
    for (kind, name, words) in [
        ("User", "system:anonymous", "anyone, signed in or not"),
        ("Group", "system:authenticated", "every signed-in user"),
    ] {
        let (status, body, text) = submit(
            &admin,
            &console,
            "preview_change",
            &grant(kind, name, false),
            "",
        )
        .await;
        assert_eq!(status, 422, "refused until confirmed: {text}");
        let violation = &body["Change"]["Invalid"][0];
        assert_eq!(violation["key"], "access.confirm_public", "{text}");
        let violation: app::domain::violation::Violation =
            serde_json::from_value(violation.clone()).expect("violation");
        let said = app::domain::violation::message(app::i18n::Lang::En, &violation);
        assert!(said.contains(words), "{name}: {said}");
    }
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        &grant("User", "system:anonymous", true),
        "public pulls for the demo registry",
    )
    .await;
    assert_eq!(status, 200, "confirmed, the grant is applied: {text}");
    let cluster_bindings = api(
        &kube,
        "ClusterRoleBinding",
        "clusterrolebindings",
        "rbac.authorization.k8s.io",
        None,
    );
    let anonymous: Vec<String> = cluster_bindings
        .list(&Default::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .filter(|b| b.data["subjects"].to_string().contains("system:anonymous"))
        .filter_map(|b| b.metadata.name)
        .collect();
    assert_eq!(anonymous.len(), 1, "{anonymous:?}");
    let _ = cluster_bindings
        .delete(&anonymous[0], &Default::default())
        .await;

    let long = "a".repeat(10_000);
    let (status, body, _) = submit(
        &admin,
        &console,
        "preview_change",
        &grant("User", &long, false),
        "",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["Change"]["Invalid"][0]["key"], "access.name_too_long");

    let spaced = "John Smith";
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        &change(
            app::domain::registry_access::FORM_GRANT,
            "registry-viewer",
            spaced,
        ),
        "a directory user with a space",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        &change(
            app::domain::registry_access::FORM_REVOKE,
            "registry-viewer",
            spaced,
        ),
        "the directory user left",
    )
    .await;
    assert_eq!(status, 200, "a name with spaces can be revoked: {text}");
}

/// Legal but unusual binding names (`<img src=x>`, `probe-<svg onload=alert(40)>`, spaces,
/// `#`, `?`, unicode) work like any other: the console percent-encodes every name in every
/// API path.
#[tokio::test(flavor = "multi_thread")]
async fn bindings_with_unusual_names_can_be_granted_into_and_revoked_from() {
    let _lock = PROJECT_LOCK.lock().await;
    let kube = admin_kube().await;
    project(&kube).await;
    let cluster_bindings = api(
        &kube,
        "ClusterRoleBinding",
        "clusterrolebindings",
        "rbac.authorization.k8s.io",
        None,
    );
    let create = |api: Api<DynamicObject>, object: Value| async move {
        let object: DynamicObject = serde_json::from_value(object).expect("object");
        api.create(&PostParams::default(), &object)
            .await
            .expect("create");
    };
    let odd_cluster = "<img src=x>";
    create(
        cluster_bindings.clone(),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": { "name": odd_cluster },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-viewer" },
            "subjects": [{ "kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "probe-user" }]
        }),
    )
    .await;
    let odd_names = ["probe-<svg onload=alert(40)>", "a b#c?d ü"];
    for name in odd_names {
        create(
            role_bindings(&kube),
            json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": { "name": name, "namespace": PROJECT },
                "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-editor" },
                "subjects": [
                    { "kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "carol" },
                    { "kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": format!("dave-{}", name.len()) }
                ]
            }),
        )
        .await;
    }
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/access").await;
    let html = admin.page(&console, "/access").await;
    assert!(
        !html.contains("<img src=x>") && !html.contains("<svg onload"),
        "names are escaped in the page"
    );
    // A cluster-wide grant joins the role's first binding, the odd one.
    let grant = FormDraft::new(
        app::domain::registry_access::FORM_GRANT,
        &[
            ("role", "registry-viewer"),
            ("kind", "User"),
            ("name", "erin"),
            ("scope", "cluster"),
        ],
    );
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        &grant,
        "erin reads the registry",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("\\u003cimg") || text.contains("<img"),
        "joined {odd_cluster}: {text}"
    );
    let joined = cluster_bindings
        .get(&registry_console::kube::resources::path_segment(
            odd_cluster,
        ))
        .await
        .expect("get");
    assert!(joined.data["subjects"].to_string().contains("erin"));
    // Revoking carol takes her from both odd RoleBindings, keeping dave.
    let revoke = change(
        app::domain::registry_access::FORM_REVOKE,
        "registry-editor",
        "carol",
    );
    let (status, _, text) = submit(
        &admin,
        &console,
        "apply_change",
        &revoke,
        "carol left the team",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    for name in odd_names {
        let binding = role_bindings(&kube)
            .get(&registry_console::kube::resources::path_segment(name))
            .await
            .expect("kept: dave is still in it");
        let subjects = binding.data["subjects"].to_string();
        assert!(
            !subjects.contains("carol") && subjects.contains("dave"),
            "{name}: {subjects}"
        );
    }
    let _ = cluster_bindings
        .delete(
            &registry_console::kube::resources::path_segment(odd_cluster),
            &Default::default(),
        )
        .await;
    for name in odd_names {
        let _ = role_bindings(&kube)
            .delete(
                &registry_console::kube::resources::path_segment(name),
                &Default::default(),
            )
            .await;
    }
}
