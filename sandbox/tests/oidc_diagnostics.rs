//! A provider that never becomes ready is named with what it was doing: the sandbox fails
//! at start-up (it does not hang), with the provider's own output and its JavaScript stack.

use registry_console_sandbox::sandbox::{Options, Sandbox};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_provider_is_reported_with_its_output_and_stack() {
    let temp = tempfile::tempdir().expect("temp");
    let scripts = temp.path().join("scripts");
    std::fs::create_dir_all(scripts.join("oidc")).expect("mkdir");
    let start = scripts.join("oidc/start.sh");
    // Prints a line, then runs forever without serving (a busy timer keeps node alive).
    std::fs::write(
        &start,
        "#!/bin/sh\necho 'stand-in provider: started, never serving'\nexec node -e 'function stuckHere() { setInterval(() => {}, 1000); } stuckHere();'\n",
    )
    .expect("script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&start, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut options =
        Options::for_checkout(temp.path().join("state"), vec!["http://127.0.0.1:9".into()]);
    options.scripts_dir = scripts;
    options.oidc_ready_within = Duration::from_secs(3);
    let started = std::time::Instant::now();
    let error = match Sandbox::start(options).await {
        Ok(_) => panic!("a provider that never serves cannot be ready"),
        Err(e) => e.to_string(),
    };
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "it does not hang"
    );
    assert!(error.contains("did not answer"), "{error}");
    assert!(
        error.contains("stand-in provider: started, never serving"),
        "{error}"
    );
    assert!(error.contains("JavaScript stack"), "{error}");
}
