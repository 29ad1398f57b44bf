//! A client machine of the sandbox's registry, for one command at a time: the commands the
//! console shows (`podman login`, `tag`, `push`, the `certs.d` step) run unchanged in it.
//!
//! The command runs as root in a mount namespace of its own, where
//! - `/etc/hosts` is the router's `client-hosts`: the Routes' hosts resolve to the
//!   sandbox's router, for this command and nobody else;
//! - `/etc/containers` is a copy of the machine's, so the `certs.d` step the Exposure page
//!   shows changes the copy, never the machine's;
//! - `/var/lib` and `/run` are directories of the sandbox, where podman keeps what it
//!   writes whatever its flags say (its blob cache, crun's state, the login);
//! - podman stores images with the `vfs` driver in `<sandbox>/client/storage`.
//!
//! State lives in `<sandbox>/client/`, so a login lasts from one command to the next, as on
//! a workstation. `oc whoami` and `oc whoami -t` (the only `oc` commands the podman steps
//! use) answer with the identity given here; `sudo` runs the command as it is (root).

use crate::{Error, Result};
use kube::Client;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Who the client is, as `oc whoami` and `oc whoami -t` would say.
#[derive(Clone)]
pub struct Identity {
    pub user: String,
    pub token: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// The sandbox's own client identity: a service account bound to `registry-editor` in
/// every project (pull and push), made when the sandbox starts.
pub const DEFAULT_SERVICE_ACCOUNT: (&str, &str) = ("default", "registry-client");

/// A token for service account `namespace/name` (TokenRequest, one hour).
pub async fn service_account_token(
    client: &Client,
    namespace: &str,
    name: &str,
) -> Result<Identity> {
    use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
    use k8s_openapi::api::core::v1::ServiceAccount;
    let accounts: kube::Api<ServiceAccount> = kube::Api::namespaced(client.clone(), namespace);
    let request = TokenRequest {
        spec: TokenRequestSpec {
            expiration_seconds: Some(3600),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        accounts.create_token_request(name, &Default::default(), &request),
    )
    .await
    .map_err(|_| {
        Error::Setup(format!(
            "TokenRequest for {namespace}/{name}: no answer in 10 s"
        ))
    })??;
    let token = answer.status.map(|s| s.token).ok_or_else(|| {
        Error::Setup(format!(
            "TokenRequest for {namespace}/{name}: no token in the answer"
        ))
    })?;
    Ok(Identity {
        user: format!("system:serviceaccount:{namespace}:{name}"),
        token,
    })
}

fn client_dir(sandbox_dir: &Path) -> PathBuf {
    sandbox_dir.join("client")
}

/// Where the client's images are (podman's vfs graph root).
pub fn storage_dir(sandbox_dir: &Path) -> PathBuf {
    client_dir(sandbox_dir).join("storage")
}

/// Makes `<sandbox>/client/` once: the copy of `/etc/containers` with the client's storage
/// settings, the private `/var/lib` and `/run`, and the `oc` and `sudo` stand-ins.
fn prepare(sandbox_dir: &Path) -> Result<PathBuf> {
    let dir = client_dir(sandbox_dir);
    for sub in ["var-lib", "run", "tmp", "storage", "bin"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let dir = dir.canonicalize()?;
    let etc = dir.join("etc-containers");
    if !etc.join("policy.json").exists() {
        if !Path::new("/etc/containers/policy.json").exists() {
            return Err(Error::Setup(
                "/etc/containers/policy.json is missing: ./dev deps installs Debian's podman"
                    .into(),
            ));
        }
        std::fs::create_dir_all(&etc)?;
        let copied = std::process::Command::new("cp")
            .arg("-a")
            .arg("/etc/containers/.")
            .arg(&etc)
            .status()?;
        if !copied.success() {
            return Err(Error::Setup(
                "cannot copy /etc/containers for the client".into(),
            ));
        }
    }
    std::fs::write(
        etc.join("storage.conf"),
        format!(
            "# The sandbox client's images: vfs (no overlay mounts needed), in the sandbox.\n\
             [storage]\ndriver = \"vfs\"\ngraphroot = \"{}\"\nrunroot = \"/run/containers/storage\"\n",
            dir.join("storage").display()
        ),
    )?;
    std::fs::write(
        etc.join("containers.conf"),
        "# The sandbox client: no journal, no cgroups, nothing outside the sandbox's directory.\n\
         [engine]\nevents_logger = \"none\"\ncgroup_manager = \"cgroupfs\"\n\
         [containers]\ncgroups = \"disabled\"\nnetns = \"none\"\n",
    )?;
    std::fs::write(
        etc.join("registries.conf"),
        "# Short names are local images only: the sandbox reaches no registry outside it.\n\
         unqualified-search-registries = []\n",
    )?;
    write_executable(
        &dir.join("bin/oc"),
        "#!/bin/sh\n\
         # The sandbox's stand-in for the two oc commands the podman steps use.\n\
         case \"$*\" in\n\
         \x20 whoami) printf '%s\\n' \"$SANDBOX_CLIENT_USER\" ;;\n\
         \x20 'whoami -t' | 'whoami --show-token') printf '%s\\n' \"$SANDBOX_CLIENT_TOKEN\" ;;\n\
         \x20 *) echo \"oc (sandbox stand-in): only 'oc whoami' and 'oc whoami -t' work here\" >&2; exit 1 ;;\n\
         esac\n",
    )?;
    write_executable(
        &dir.join("bin/sudo"),
        "#!/bin/sh\n# The sandbox client runs as root already.\nexec \"$@\"\n",
    )?;
    Ok(dir)
}

fn write_executable(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// The hosts the router serves now (from its `client-hosts`).
pub fn served_hosts(sandbox_dir: &Path) -> Vec<String> {
    std::fs::read_to_string(sandbox_dir.join("router/client-hosts"))
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.contains("localhost"))
        .filter_map(|line| line.split_whitespace().nth(1).map(str::to_string))
        .collect()
}

/// Waits (at most `within`) until the router serves `host`.
pub async fn wait_for_host(sandbox_dir: &Path, host: &str, within: Duration) -> Result<()> {
    let deadline = Instant::now() + within;
    while !served_hosts(sandbox_dir).iter().any(|h| h == host) {
        if Instant::now() > deadline {
            return Err(Error::Setup(format!(
                "the router does not serve {host} after {} s (is there a Route with that host?)",
                within.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// `argv` (a shell when empty) as a client of the sandbox in `sandbox_dir`, run in `cwd`.
pub fn command(
    sandbox_dir: &Path,
    identity: &Identity,
    argv: &[String],
) -> Result<std::process::Command> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Err(Error::Setup(
            "the sandbox client needs root: it runs the command in a mount namespace of its own"
                .into(),
        ));
    }
    let hosts = sandbox_dir.join("router/client-hosts");
    if !hosts.exists() {
        return Err(Error::Setup(format!(
            "{} is missing: is the sandbox running in {}?",
            hosts.display(),
            sandbox_dir.display()
        )));
    }
    let dir = prepare(sandbox_dir)?;
    let mut command = std::process::Command::new("unshare");
    command
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "set -e; mount -n --bind \"$1\" /etc/hosts; mount -n --bind \"$2/etc-containers\" /etc/containers; \
             mount -n --bind \"$2/var-lib\" /var/lib; mount -n --bind \"$2/run\" /run; shift 2; \
             if [ $# -eq 0 ]; then exec \"${SHELL:-/bin/sh}\"; fi; exec \"$@\"",
        )
        .arg("sandbox-client")
        .arg(&hosts)
        .arg(&dir)
        .args(argv)
        .env("PATH", format!("{}:{}", dir.join("bin").display(), std::env::var("PATH").unwrap_or_default()))
        .env("TMPDIR", dir.join("tmp"))
        .env("SANDBOX_CLIENT_USER", &identity.user)
        .env("SANDBOX_CLIENT_TOKEN", &identity.token)
        // The machine's global CA settings are not the client's: it trusts what
        // /etc/containers/certs.d says, as a workstation's podman does.
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("CONTAINERS_CONF")
        .env_remove("CONTAINERS_STORAGE_CONF")
        .env_remove("CONTAINERS_REGISTRIES_CONF")
        .env_remove("XDG_RUNTIME_DIR");
    Ok(command)
}
