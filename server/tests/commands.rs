//! Every kind of command the console shows users to paste, built with hostile values (from
//! a user or from the cluster): each must parse (`sh -n`), and, run with its programs
//! replaced by an argument printer, deliver every value as exactly one argument, unchanged,
//! and run nothing else.

use app::domain::exposure::{ImageTarget, Trust, podman_commands};
use app::domain::registry_access::{Scope, Subject, SubjectKind, oc_command};
use registry_console::change::oc::{create_command, delete_command, patch_command};
use registry_console::kube::resources::{CONFIG_MAP, REGISTRY_CONFIG, SECRET};
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// Values a shell would act on if they were not quoted.
const HOSTILE: [&str; 10] = [
    "r.example.com$(touch${IFS}/tmp/pwned)",
    "`touch /tmp/pwned`",
    "a;touch /tmp/pwned",
    "a|touch /tmp/pwned",
    "a\ntouch /tmp/pwned",
    "it's \"quoted\"",
    "two words",
    "ユーザー名",
    "*",
    "$HOME",
];

/// A directory with `oc`, `podman` and `sudo` that record their arguments (one file per
/// call, NUL-separated) and do nothing else. `oc whoami` answers like the real one.
fn printers(dir: &Path) {
    let log = dir.join("calls");
    std::fs::create_dir_all(&log).expect("mkdir");
    for program in ["oc", "podman", "sudo"] {
        let script = format!(
            "#!/bin/sh\n\
             if [ \"$1\" = whoami ] && [ \"$#\" = 1 ]; then echo 'sandbox user'; exit 0; fi\n\
             if [ \"$1\" = whoami ] && [ \"$2\" = -t ]; then echo 'token value'; exit 0; fi\n\
             n=$(ls {log} | wc -l)\n\
             {{ printf '%s\\0' {program} \"$@\"; if [ ! -t 0 ]; then printf 'STDIN\\0'; cat; fi; }} > {log}/$(printf %03d \"$n\")\n",
            log = log.display()
        );
        let path = dir.join(program);
        std::fs::write(&path, script).expect("write");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// The calls `text` makes: each as its arguments (program first), and what it read on
/// standard input.
fn run(text: &str) -> Vec<(Vec<String>, Option<String>)> {
    let checked = Command::new("sh")
        .args(["-n", "-c", text])
        .output()
        .expect("sh -n");
    assert!(
        checked.status.success(),
        "sh -n refuses {text:?}: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let dir = tempfile::tempdir().expect("temp");
    printers(dir.path());
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Nothing the values hold may run: the marker file must not appear.
    let marker = Path::new("/tmp/pwned");
    let _ = std::fs::remove_file(marker);
    let status = Command::new("sh")
        .args(["-c", text])
        .env("PATH", path)
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .status()
        .expect("sh");
    assert!(status.success(), "{text:?} failed");
    assert!(!marker.exists(), "{text:?} ran code from a value");
    let mut files: Vec<_> = std::fs::read_dir(dir.path().join("calls"))
        .expect("calls")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(file).expect("call");
            let text = String::from_utf8(bytes).expect("utf-8");
            let (args, stdin) = match text.split_once("STDIN\0") {
                Some((args, stdin)) => (args.to_string(), Some(stdin.to_string())),
                None => (text, None),
            };
            let args = args
                .trim_end_matches('\0')
                .split('\0')
                .map(str::to_string)
                .collect();
            (args, stdin)
        })
        .collect()
}

fn args(call: &(Vec<String>, Option<String>)) -> Vec<&str> {
    call.0.iter().map(String::as_str).collect()
}

#[test]
fn podman_and_certs_d_commands_deliver_each_value_as_one_argument() {
    for host in HOSTILE {
        let image = ImageTarget {
            local: format!("local {host}"),
            project: "p;q".into(),
            image: "i$(x)".into(),
            tag: "t`y`".into(),
        };
        let target = format!("{host}/p;q/i$(x):t`y`");
        let default = podman_commands(host, &Trust::IngressDefault, &image);
        let calls = run(&format!(
            "{}\n{}\n{}",
            default.login, default.tag, default.push
        ));
        assert_eq!(
            args(&calls[0]),
            [
                "podman",
                "login",
                "-u",
                "openshift",
                "-p",
                "token value",
                "--tls-verify=false",
                host
            ],
            "{}",
            default.login
        );
        assert_eq!(
            args(&calls[1]),
            ["podman", "tag", image.local.as_str(), target.as_str()]
        );
        assert_eq!(
            args(&calls[2]),
            ["podman", "push", "--tls-verify=false", target.as_str()]
        );
        let private = podman_commands(host, &Trust::PrivateCa, &image);
        let calls = run(private.trust_ca.as_deref().expect("certs.d step"));
        let dir = format!("/etc/containers/certs.d/{host}");
        assert_eq!(args(&calls[0]), ["sudo", "mkdir", "-p", dir.as_str()]);
        assert_eq!(
            args(&calls[1]),
            ["sudo", "cp", "ca.crt", format!("{dir}/ca.crt").as_str()]
        );
    }
}

#[test]
fn oc_commands_deliver_each_value_as_one_argument() {
    for value in HOSTILE {
        // A patch: the name, namespace and the JSON patch are one argument each.
        let patch = json!({ "spec": { "logLevel": value } });
        let shown = patch_command(&CONFIG_MAP, Some(value), value, &patch);
        let calls = run(&shown.command);
        let patch_text = patch.to_string();
        assert_eq!(
            args(&calls[0]),
            [
                "oc",
                "patch",
                "configmaps",
                value,
                "-n",
                value,
                "--type",
                "merge",
                "-p",
                patch_text.as_str()
            ]
        );
        // A delete.
        let calls = run(&delete_command(&SECRET, Some(value), value).command);
        assert_eq!(
            args(&calls[0]),
            ["oc", "delete", "secrets", value, "-n", value]
        );
        // A create from YAML: the object reaches `oc` on standard input, whole.
        let object = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": { "name": "n", "namespace": "openshift-config", "annotations": { "note": format!("{value}\nEOF\ntouch /tmp/pwned") } },
            "data": { "key": value }
        });
        let shown = create_command(&CONFIG_MAP, &object);
        let calls = run(&shown.command);
        assert_eq!(args(&calls[0]), ["oc", "create", "-f", "-"]);
        let stdin = calls[0].1.clone().expect("the YAML on stdin");
        let read: serde_json::Value = serde_saphyr::from_str(&stdin).expect("YAML");
        assert_eq!(read, object, "{stdin}");
        // A ConfigMap of CA files: the key is part of one --from-file argument.
        let pem = "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n";
        let map = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": { "name": value, "namespace": value },
            "data": { value: pem }
        });
        let calls = run(&create_command(&CONFIG_MAP, &map).command);
        assert_eq!(
            args(&calls[0]),
            [
                "oc",
                "create",
                "configmap",
                value,
                format!("--from-file={value}=ca.crt").as_str(),
                "-n",
                value
            ]
        );
        // A TLS Secret from files.
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": { "name": value, "namespace": value },
            "data": { "tls.crt": "QQ==", "tls.key": "Qg==" }
        });
        let calls = run(&create_command(&SECRET, &secret).command);
        assert_eq!(
            args(&calls[0]),
            [
                "oc",
                "create",
                "secret",
                "tls",
                value,
                "-n",
                value,
                "--cert=tls.crt",
                "--key=tls.key"
            ]
        );
        // Grants and revokes, in a project and cluster-wide.
        for kind in [SubjectKind::User, SubjectKind::Group] {
            let subject = Subject {
                kind,
                name: value.to_string(),
                namespace: String::new(),
            };
            let command = oc_command(
                true,
                "registry-viewer",
                &subject,
                &Scope::Project(value.into()),
            );
            let calls = run(&command);
            let verb = if kind == SubjectKind::User {
                "add-role-to-user"
            } else {
                "add-role-to-group"
            };
            assert_eq!(
                args(&calls[0]),
                ["oc", "policy", verb, "registry-viewer", value, "-n", value]
            );
            let command = oc_command(false, "registry-editor", &subject, &Scope::Cluster);
            let calls = run(&command);
            let verb = if kind == SubjectKind::User {
                "remove-cluster-role-from-user"
            } else {
                "remove-cluster-role-from-group"
            };
            assert_eq!(
                args(&calls[0]),
                ["oc", "adm", "policy", verb, "registry-editor", value]
            );
        }
        // The Logs page's command.
        let calls = run(&app::domain::logs::oc_logs_command(value, value));
        assert_eq!(
            args(&calls[0]),
            [
                "oc",
                "logs",
                "-n",
                "openshift-image-registry",
                value,
                "-c",
                value
            ]
        );
    }
}

/// Secret values never reach a command, not even as fingerprints: placeholders stand for
/// them, and the command names them.
#[test]
fn secret_values_are_placeholders_in_every_command() {
    let canary = "CANARY-7f3e";
    let secret_patch = json!({ "data": { "REGISTRY_STORAGE_GCS_KEYFILE": "Q0FOQVJZLTdmM2U=" } });
    let shown = patch_command(
        &SECRET,
        Some("openshift-image-registry"),
        "s",
        &secret_patch,
    );
    assert!(!shown.command.contains("Q0FOQVJZ") && !shown.command.contains("fingerprint"));
    let calls = run(&shown.command);
    let sent: serde_json::Value = serde_json::from_str(&calls[0].0[9]).expect("patch JSON");
    assert_eq!(
        sent,
        json!({ "stringData": { "REGISTRY_STORAGE_GCS_KEYFILE": "<REGISTRY_STORAGE_GCS_KEYFILE>" } })
    );
    assert_eq!(shown.placeholders, vec!["<REGISTRY_STORAGE_GCS_KEYFILE>"]);
    let config_patch = json!({ "spec": {
        "httpSecret": canary,
        "proxy": { "https": format!("https://u:{canary}@proxy.example.com:3128") }
    }});
    let shown = patch_command(&REGISTRY_CONFIG, None, "cluster", &config_patch);
    assert!(
        !shown.command.contains(canary) && !shown.command.contains("fingerprint"),
        "{}",
        shown.command
    );
    assert_eq!(shown.placeholders, vec!["<httpSecret>", "<proxy password>"]);
    let created = create_command(
        &SECRET,
        &json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": { "name": "s", "namespace": "n" },
            "data": { "REGISTRY_STORAGE_S3_SECRETKEY": "Q0FOQVJZ" }
        }),
    );
    assert!(!created.command.contains("Q0FOQVJZ"), "{}", created.command);
    assert_eq!(
        created.placeholders,
        vec!["<REGISTRY_STORAGE_S3_SECRETKEY>"]
    );
}
