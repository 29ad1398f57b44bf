//! `deploy/Containerfile` with Debian's buildah (vfs storage, chroot isolation).
//!
//! This machine cannot pull base images (no network to container registries) and has no
//! Rust toolchain to download into a build container, so the build stage cannot run here.
//! What does run: the runtime stage, exactly as written, on a stand-in for its base (made
//! here from scratch with the same libraries distroless "cc" has: glibc, libgcc, CA
//! certificates, the nonroot user) with this build's console binary as the build stage's
//! output. The image is then checked (non-root user, entrypoint, version label) and the
//! binary is run inside it, with no shell.

use std::path::Path;
use std::process::Command;

const CONTAINERFILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/Containerfile");

fn buildah(args: &[&str]) -> String {
    let output = Command::new("buildah")
        .args(["--storage-driver", "vfs"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("buildah is not installed (./dev deps installs it): {e}"));
    assert!(
        output.status.success(),
        "buildah {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn copy_into(context: &Path, file: &Path) {
    let target = context
        .join("base")
        .join(file.strip_prefix("/").expect("absolute"));
    std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
    std::fs::copy(file, &target).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
}

/// The runtime stage of deploy/Containerfile, taking the build stage's output from the
/// build context instead.
fn runtime_stage() -> String {
    let text = std::fs::read_to_string(CONTAINERFILE).expect("Containerfile");
    let args: String = text
        .lines()
        .take_while(|line| !line.starts_with("FROM"))
        .filter(|line| line.starts_with("ARG"))
        .map(|line| format!("{line}\n"))
        .collect();
    let stage = &text[text
        .find("FROM ${RUNTIME} AS runtime")
        .expect("a runtime stage")..];
    assert!(stage.contains("COPY --from=build /out/ /"), "{stage}");
    format!(
        "{args}{}",
        stage.replace("COPY --from=build /out/ /", "COPY out/ /")
    )
}

#[test]
fn the_runtime_stage_builds_and_the_console_runs_in_it_as_non_root() {
    let context = tempfile::tempdir().expect("dir");
    let tag = format!("{}-{}", std::process::id(), rand_suffix());
    let base = format!("localhost/registry-console-test-base:{tag}");
    let image = format!("localhost/registry-console-test:{tag}");

    // The stand-in base: what distroless "cc" provides.
    for library in [
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/lib/x86_64-linux-gnu/libgcc_s.so.1",
        "/lib64/ld-linux-x86-64.so.2",
        "/etc/ssl/certs/ca-certificates.crt",
    ] {
        copy_into(context.path(), Path::new(library));
    }
    std::fs::write(
        context.path().join("base/etc/passwd"),
        "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
    )
    .expect("passwd");
    std::fs::create_dir_all(context.path().join("base/tmp")).expect("tmp");
    std::fs::write(
        context.path().join("Base.Containerfile"),
        "FROM scratch\nCOPY base/ /\n",
    )
    .expect("write");
    // The build stage's output: this build's console, site embedded.
    let bin = context.path().join("out/usr/local/bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::fs::copy(
        env!("CARGO_BIN_EXE_registry-console"),
        bin.join("registry-console"),
    )
    .expect("binary");
    std::fs::write(
        context.path().join("Runtime.Containerfile"),
        runtime_stage(),
    )
    .expect("write");

    let ctx = context.path().display().to_string();
    let version = env!("CARGO_PKG_VERSION");
    let cleanup = Cleanup(vec![image.clone(), base.clone()]);
    buildah(&[
        "bud",
        "--isolation",
        "chroot",
        "-f",
        &format!("{ctx}/Base.Containerfile"),
        "-t",
        &base,
        &ctx,
    ]);
    buildah(&[
        "bud",
        "--isolation",
        "chroot",
        "--build-arg",
        &format!("RUNTIME={base}"),
        "--build-arg",
        &format!("VERSION={version}"),
        "-f",
        &format!("{ctx}/Runtime.Containerfile"),
        "-t",
        &image,
        &ctx,
    ]);
    let inspect =
        |format: &str| buildah(&["inspect", "--type", "image", "--format", format, &image]);
    assert_eq!(inspect("{{.OCIv1.Config.User}}"), "65532:65532");
    assert_eq!(
        inspect("{{.OCIv1.Config.Entrypoint}}"),
        "[/usr/local/bin/registry-console]"
    );
    assert_eq!(
        inspect("{{index .OCIv1.Config.Labels \"org.opencontainers.image.version\"}}"),
        version
    );

    // The console runs in the image, as its user, with no shell: it prints its settings.
    let container = buildah(&["from", &image]);
    let ran = buildah(&[
        "run",
        "--isolation",
        "chroot",
        &container,
        "--",
        "/usr/local/bin/registry-console",
        "config",
    ]);
    buildah(&["rm", &container]);
    assert!(ran.contains("listen_addr = \"127.0.0.1:8080\""), "{ran}");
    drop(cleanup);
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

/// Removes the test's images however the test ends (vfs copies every layer).
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for image in &self.0 {
            let _ = Command::new("buildah")
                .args(["--storage-driver", "vfs", "rmi", "-f", image])
                .output();
        }
    }
}
