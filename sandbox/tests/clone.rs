//! A clone of the repository alone starts the sandbox: nothing beside the checkout (such as
//! `../shared`) is needed. The test copies what a clone holds, the tracked files, into an
//! empty directory and starts the sandbox binary with that directory as its root.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repository_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The tracked files of the checkout at `root`, copied (as they are in the working tree)
/// into `into`: a new file not yet added to git is missing here, as it is from a clone.
fn copy_tracked_files(root: &Path, into: &Path) -> usize {
    let listed = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z", "--cached"])
        .output()
        .expect("git ls-files (the tests run in a git checkout)");
    assert!(listed.status.success(), "git ls-files failed");
    let mut copied = 0;
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let source = root.join(&name);
        // Deleted in the working tree but still in the index: a clone of the next commit
        // will not have it either.
        if !source.exists() {
            continue;
        }
        let target = into.join(&name);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&source, &target).expect("copy");
        copied += 1;
    }
    copied
}

#[test]
fn a_clone_alone_starts_the_sandbox() {
    let temp = tempfile::tempdir().expect("temp dir");
    let clone = temp.path().join("clone");
    let copied = copy_tracked_files(&repository_root(), &clone);
    assert!(copied > 50, "only {copied} tracked files");
    assert!(
        !clone.join("../shared").exists(),
        "nothing may be beside the clone"
    );
    let state = temp.path().join("state");
    let output = std::fs::File::create(temp.path().join("sandbox.out")).expect("output file");
    let mut sandbox = Command::new(env!("CARGO_BIN_EXE_registry-console-sandbox"))
        .arg("up")
        .arg("--root")
        .arg(&clone)
        .arg("--dir")
        .arg(&state)
        .args(["--console-url", "http://127.0.0.1:9"])
        .stdin(Stdio::null())
        .stdout(output.try_clone().expect("output file"))
        .stderr(output)
        .spawn()
        .expect("start the sandbox");
    let deadline = Instant::now() + Duration::from_secs(300);
    let env = state.join("sandbox.env");
    while !env.exists() {
        if let Ok(Some(status)) = sandbox.try_wait() {
            let logs: String = [
                temp.path().join("sandbox.out"),
                state.join("oidc.log"),
                state.join("cluster.log"),
            ]
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap_or_default())
            .collect();
            panic!("the sandbox of the clone exited ({status}):\n{logs}");
        }
        if Instant::now() > deadline {
            let _ = sandbox.kill();
            panic!("the sandbox of the clone was not ready within 300 s");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let text = std::fs::read_to_string(&env).expect("sandbox.env");
    let kubeconfig = text
        .lines()
        .find_map(|l| l.strip_prefix("KUBECONFIG="))
        .expect("KUBECONFIG in sandbox.env")
        .to_string();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let found = runtime.block_on(async {
        let client = registry_console_sandbox::sandbox::admin_client(Path::new(&kubeconfig))
            .await
            .expect("admin client");
        let configs: kube::Api<kube::api::DynamicObject> = kube::Api::all_with(
            client,
            &registry_console_sandbox::operator::config_resource(),
        );
        configs.get("cluster").await
    });
    // SAFETY: plain kill(2) on our own child's PID.
    unsafe {
        libc::kill(sandbox.id() as libc::pid_t, libc::SIGTERM);
    }
    let _ = sandbox.wait();
    let config = found.expect("the clone's sandbox installed the CRDs and the Config");
    assert_eq!(
        config.data.pointer("/spec/managementState"),
        Some(&serde_json::json!("Removed"))
    );
}
