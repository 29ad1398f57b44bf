//! The sandbox kubelet's container runtime: every registry pod the stand-in operator
//! schedules onto the sandbox's node runs Debian's `docker-registry` (distribution 2.8.2)
//! as a process, with the environment its pod spec carries.
//!
//! - **Environment**: each `env` entry of the container, `valueFrom` resolved (Secrets,
//!   ConfigMaps, the pod's own fields) as the kubelet does. Left out: `REGISTRY_OPENSHIFT_*`
//!   (only OpenShift's fork of the registry reads them; upstream would warn about each),
//!   `REGISTRY_HTTP_TLS_*` (no service CA signs a serving certificate here: the process
//!   serves plain HTTP on 127.0.0.1 and the front and the router add TLS). Set by the
//!   runtime: `REGISTRY_HTTP_ADDR` (a port of 127.0.0.1 of its own) and the debug address
//!   with Prometheus on, where the guide's metrics are computed from.
//! - **Volumes**: an `emptyDir` is a directory of the pod, gone with it (the guide's warning
//!   is observably true); a claim is the directory of its bound PersistentVolume, shared by
//!   every pod that mounts it and kept when pods are replaced. Paths under a mount
//!   (`REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/registry`) are mapped onto them.
//! - **Names**: the process runs in a mount namespace of its own whose `/etc/hosts` maps
//!   the sandbox's service names (the S3 server) to 127.0.0.1 and whose `/etc/resolv.conf`
//!   names no server, so nothing outside 127.0.0.0/8 is ever asked.
//! - **Status**: Ready when `GET /v2/` answers 200 (readiness), Running while the process
//!   lives. A process that exits makes its container terminated with its exit code and
//!   last log lines, then waiting in `CrashLoopBackOff` while the kubelet's back-off runs
//!   (10 s doubling to 5 minutes), then restarted with the restart count raised.
//! - **Logs**: the process's output, each line stamped as it arrives, one file per run of
//!   the container (the previous run's kept for `previous=true`).
//!
//! Storage Debian's registry has no driver for (GCS, Azure, IBM COS) keeps the stand-in:
//! such a pod runs no process and says so in its log.

use crate::operator::NAMESPACE;
use crate::{Error, Result};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Container, PersistentVolumeClaim, Pod, Secret};
use kube::Client;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;

/// The registry's label on the pods the runtime runs.
pub const REGISTRY_SELECTOR: &str = "docker-registry=default";
/// Drivers Debian's registry has (`docker-registry`: filesystem, inmemory, s3, swift).
const DRIVERS: [&str; 5] = ["filesystem", "inmemory", "s3", "s3aws", "swift"];
/// Back-off between restarts of a crashing container, as the kubelet's.
/// How often a Ready pod is probed (the real operator's readiness probe: 10 s; shorter here
/// so that tests see a failing storage check soon).
const PROBE_PERIOD: Duration = Duration::from_secs(3);
const BACKOFF_START: Duration = Duration::from_secs(10);
const BACKOFF_MAX: Duration = Duration::from_secs(300);
const FIELD_MANAGER: &str = "kubelet";

/// One running registry pod, as the front, the metrics and the log endpoint see it.
#[derive(Clone, Debug, Default)]
pub struct RunningPod {
    pub uid: String,
    /// Where its registry serves (plain HTTP on 127.0.0.1); `None` while it does not run.
    pub addr: Option<SocketAddr>,
    /// Its debug address (`/metrics`).
    pub debug: Option<SocketAddr>,
    pub ready: bool,
    /// The log of the current run of its container, and of the one before.
    pub log: Option<PathBuf>,
    pub previous_log: Option<PathBuf>,
    /// Why no process runs for it (a storage driver Debian's registry lacks).
    pub stand_in: Option<String>,
}

/// The registry pods the runtime runs, by name.
pub type PodTable = Arc<RwLock<HashMap<String, RunningPod>>>;

/// What the runtime needs to run pods.
#[derive(Clone)]
pub struct Settings {
    pub client: Client,
    pub state_dir: PathBuf,
    pub node_name: String,
    /// The pods' IP (the machine's address the API server's service proxy reaches).
    pub pod_ip: String,
    /// `/etc/hosts` of the pods' mount namespace.
    pub hosts_file: PathBuf,
    pub resolv_file: PathBuf,
    /// The configuration file the registry is started with (`version: 0.1`; the rest is
    /// the environment).
    pub config_file: PathBuf,
    pub table: PodTable,
}

/// Checks that Debian's registry is there and writes the pods' shared files: the sandbox
/// fails at start-up naming what is missing rather than every pod failing later.
pub fn prepare(state_dir: &Path, hosts: &[(&str, &str)]) -> Result<(PathBuf, PathBuf, PathBuf)> {
    let version = std::process::Command::new("docker-registry")
        .arg("--version")
        .output()
        .map_err(|e| {
            Error::Setup(format!(
                "the registry binary `docker-registry` cannot run ({e}): ./dev deps installs Debian's docker-registry"
            ))
        })?;
    if !version.status.success() {
        return Err(Error::Setup(format!(
            "`docker-registry --version` failed: {}",
            String::from_utf8_lossy(&version.stderr)
        )));
    }
    let dir = state_dir.join("runtime");
    std::fs::create_dir_all(&dir)?;
    let mut hosts_text = String::from("127.0.0.1 localhost\n::1 localhost\n");
    for (ip, name) in hosts {
        hosts_text.push_str(&format!("{ip} {name}\n"));
    }
    let hosts_file = dir.join("hosts");
    std::fs::write(&hosts_file, hosts_text)?;
    // No name server: a name not in the hosts file fails at once, never leaves the machine.
    let resolv_file = dir.join("resolv.conf");
    std::fs::write(&resolv_file, "# sandbox: names come from /etc/hosts only\n")?;
    let config_file = dir.join("registry.yml");
    std::fs::write(&config_file, "version: 0.1\n")?;
    Ok((hosts_file, resolv_file, config_file))
}

/// `docker-registry --version`'s version (`v2.8.2+ds1`), for the guide's build info.
pub fn registry_version() -> String {
    std::process::Command::new("docker-registry")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|t| t.split_whitespace().last().map(str::to_string))
        .map(|v| {
            if v.starts_with('v') {
                v
            } else {
                format!("v{v}")
            }
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Runs every registry pod on the node until the runtime ends.
pub async fn run(settings: Settings) {
    let pods: Api<Pod> = Api::namespaced(settings.client.clone(), NAMESPACE);
    let watch = kube::runtime::watcher(
        pods.clone(),
        kube::runtime::watcher::Config::default().labels(REGISTRY_SELECTOR),
    );
    let mut watch = std::pin::pin!(watch);
    let mut resync = tokio::time::interval(Duration::from_secs(2));
    let mut supervised: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
    loop {
        tokio::select! {
            event = watch.next() => match event {
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "pod watch error; the watcher retries");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
                None => return,
            },
            _ = resync.tick() => {}
        }
        let Ok(list) = pods
            .list(&ListParams::default().labels(REGISTRY_SELECTOR))
            .await
        else {
            continue;
        };
        let mut present = Vec::new();
        for pod in list.items {
            let uid = pod.metadata.uid.clone().unwrap_or_default();
            let on_node = pod.spec.as_ref().and_then(|s| s.node_name.as_deref())
                == Some(settings.node_name.as_str());
            if !on_node || pod.metadata.deletion_timestamp.is_some() || uid.is_empty() {
                continue;
            }
            present.push(uid.clone());
            if let std::collections::hash_map::Entry::Vacant(slot) = supervised.entry(uid) {
                slot.insert(tokio::spawn(supervise(settings.clone(), pod)));
            }
        }
        let gone: Vec<String> = supervised
            .keys()
            .filter(|uid| !present.contains(uid))
            .cloned()
            .collect();
        for uid in gone {
            if let Some(task) = supervised.remove(&uid) {
                // Aborting drops the child, which kills the process (kill_on_drop).
                task.abort();
            }
            forget(&settings, &uid);
        }
    }
}

/// A pod that is gone: out of the table, its emptyDir volumes removed.
fn forget(settings: &Settings, uid: &str) {
    if let Ok(mut table) = settings.table.write() {
        table.retain(|_, p| p.uid != uid);
    }
    let _ = std::fs::remove_dir_all(settings.state_dir.join("pods").join(uid).join("volumes"));
}

/// Runs one pod's registry container for as long as the pod exists.
async fn supervise(settings: Settings, pod: Pod) {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let Some(container) = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .cloned()
    else {
        return;
    };
    let pods: Api<Pod> = Api::namespaced(settings.client.clone(), NAMESPACE);
    let started_at = now();
    let mut restarts: i32 = 0;
    let mut last_termination: Option<Value> = None;
    loop {
        // Volumes and environment, again for each run (a Secret may have been fixed).
        let prepared = match prepare_run(&settings, &pod, &container).await {
            Ok(prepared) => prepared,
            Err(waiting) => {
                let status = pod_status(
                    &settings,
                    &started_at,
                    &container,
                    restarts,
                    ContainerState::Waiting(waiting.0.clone(), waiting.1.clone()),
                    last_termination.clone(),
                    false,
                );
                let _ = pods
                    .patch_status(&name, &params(), &Patch::Merge(status))
                    .await;
                event(
                    &settings.client,
                    &name,
                    &uid,
                    "Warning",
                    waiting.2,
                    &waiting.1,
                )
                .await;
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        let dir = settings
            .state_dir
            .join("pods")
            .join(&uid)
            .join(&container.name);
        let _ = std::fs::create_dir_all(&dir);
        let log = dir.join(format!("{restarts}.log"));
        if let Some(reason) = prepared.stand_in.clone() {
            let _ = std::fs::write(&log, format!("{} {reason}\n", timestamp()));
            record(
                &settings,
                &name,
                RunningPod {
                    uid: uid.clone(),
                    ready: true,
                    log: Some(log.clone()),
                    stand_in: Some(reason),
                    ..Default::default()
                },
            );
            let status = pod_status(
                &settings,
                &started_at,
                &container,
                restarts,
                ContainerState::Running(now()),
                None,
                true,
            );
            let _ = pods
                .patch_status(&name, &params(), &Patch::Merge(status))
                .await;
            std::future::pending::<()>().await;
        }
        let previous_log = (restarts > 0).then(|| dir.join(format!("{}.log", restarts - 1)));
        let run_started = now();
        let mut child = match spawn(&settings, &prepared, &log) {
            Ok(child) => child,
            Err(e) => {
                tracing::error!(pod = %name, error = %e, "cannot start the registry");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        event(
            &settings.client,
            &name,
            &uid,
            "Normal",
            "Started",
            "Started container registry",
        )
        .await;
        record(
            &settings,
            &name,
            RunningPod {
                uid: uid.clone(),
                addr: Some(prepared.addr),
                debug: Some(prepared.debug),
                ready: false,
                log: Some(log.clone()),
                previous_log: previous_log.clone(),
                stand_in: None,
            },
        );
        let mut ready = None;
        let mut last_probe_event: Option<Instant> = None;
        let exit = loop {
            // Often before the first answer (a pod is Ready within a second of its start),
            // each second while not ready, then as a kubelet probes (each probe is a line
            // in the registry's log).
            let period = if ready == Some(true) {
                PROBE_PERIOD
            } else if ready.is_none() {
                Duration::from_millis(200)
            } else {
                Duration::from_secs(1)
            };
            tokio::select! {
                status = child.wait() => break status.ok(),
                _ = tokio::time::sleep(period) => {}
            }
            let probe = probe(prepared.addr).await;
            let is_ready = probe.is_ok();
            if ready != Some(is_ready) {
                ready = Some(is_ready);
                set_ready(&settings, &name, is_ready);
                let status = pod_status(
                    &settings,
                    &started_at,
                    &container,
                    restarts,
                    ContainerState::Running(run_started.clone()),
                    last_termination.clone(),
                    is_ready,
                );
                let _ = pods
                    .patch_status(&name, &params(), &Patch::Merge(status))
                    .await;
            }
            // A registry that answers but not 200 (its storage health check failing): the
            // kubelet's Unhealthy event, at most every 30 s.
            if let Err(why) = probe
                && why.contains("statuscode")
                && last_probe_event.is_none_or(|at| at.elapsed() > Duration::from_secs(30))
            {
                last_probe_event = Some(Instant::now());
                event(
                    &settings.client,
                    &name,
                    &uid,
                    "Warning",
                    "Unhealthy",
                    &format!("Readiness probe failed: {why}"),
                )
                .await;
            }
        };
        // The process ended: terminated with its last lines, then the back-off.
        set_ready(&settings, &name, false);
        let code = exit.and_then(|s| s.code()).unwrap_or(-1);
        let message = tail(&log, 8);
        last_termination = Some(json!({
            "terminated": {
                "exitCode": code,
                "reason": if code == 0 { "Completed" } else { "Error" },
                "message": message,
                "startedAt": run_started,
                "finishedAt": now(),
            }
        }));
        restarts += 1;
        let delay = BACKOFF_START
            .saturating_mul(1u32 << (restarts - 1).clamp(0, 5) as u32)
            .min(BACKOFF_MAX);
        let waiting = format!(
            "back-off {}s restarting failed container={} pod={name}_{NAMESPACE}({uid})",
            delay.as_secs(),
            container.name
        );
        let status = pod_status(
            &settings,
            &started_at,
            &container,
            restarts,
            ContainerState::Waiting("CrashLoopBackOff".into(), waiting.clone()),
            last_termination.clone(),
            false,
        );
        let _ = pods
            .patch_status(&name, &params(), &Patch::Merge(status))
            .await;
        event(
            &settings.client,
            &name,
            &uid,
            "Warning",
            "BackOff",
            "Back-off restarting failed container",
        )
        .await;
        tokio::time::sleep(delay).await;
    }
}

/// What one run of the container needs.
struct Prepared {
    env: Vec<(String, String)>,
    addr: SocketAddr,
    debug: SocketAddr,
    /// Why no process is run (a driver Debian's registry lacks).
    stand_in: Option<String>,
}

/// Waiting: reason, message and the event reason.
type Waiting = (String, String, &'static str);

/// The volumes mounted (container path → host directory) and the environment resolved.
async fn prepare_run(
    settings: &Settings,
    pod: &Pod,
    container: &Container,
) -> std::result::Result<Prepared, Waiting> {
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let spec = pod.spec.clone().unwrap_or_default();
    let mut mounts: Vec<(String, PathBuf)> = Vec::new();
    for mount in container.volume_mounts.iter().flatten() {
        let Some(volume) = spec.volumes.iter().flatten().find(|v| v.name == mount.name) else {
            continue;
        };
        let host = if volume.empty_dir.is_some() {
            settings
                .state_dir
                .join("pods")
                .join(&uid)
                .join("volumes")
                .join(&volume.name)
        } else if let Some(claim) = &volume.persistent_volume_claim {
            let claims: Api<PersistentVolumeClaim> =
                Api::namespaced(settings.client.clone(), NAMESPACE);
            let bound = claims
                .get_opt(&claim.claim_name)
                .await
                .ok()
                .flatten()
                .and_then(|c| c.spec.and_then(|s| s.volume_name));
            match bound {
                Some(volume_name) => settings.state_dir.join("volumes").join(volume_name),
                None => {
                    return Err((
                        "ContainerCreating".into(),
                        format!(
                            "persistentvolumeclaim \"{}\" is not bound",
                            claim.claim_name
                        ),
                        "FailedMount",
                    ));
                }
            }
        } else {
            continue;
        };
        let _ = std::fs::create_dir_all(&host);
        mounts.push((mount.mount_path.clone(), host));
    }
    let mut env = Vec::new();
    for var in container.env.iter().flatten() {
        if var.name.starts_with("REGISTRY_OPENSHIFT_") || var.name.starts_with("REGISTRY_HTTP_TLS_")
        {
            continue;
        }
        let value = match (&var.value, &var.value_from) {
            (Some(value), _) => value.clone(),
            (None, Some(from)) => {
                if let Some(key) = &from.secret_key_ref {
                    let secrets: Api<Secret> = Api::namespaced(settings.client.clone(), NAMESPACE);
                    let secret = secrets.get_opt(&key.name).await.ok().flatten();
                    let value = secret
                        .as_ref()
                        .and_then(|s| s.data.as_ref())
                        .and_then(|d| d.get(&key.key))
                        .map(|b| String::from_utf8_lossy(&b.0).into_owned());
                    match (secret.is_some(), value) {
                        (_, Some(value)) => value,
                        (false, None) => {
                            return Err((
                                "CreateContainerConfigError".into(),
                                format!("secret \"{}\" not found", key.name),
                                "Failed",
                            ));
                        }
                        (true, None) => {
                            return Err((
                                "CreateContainerConfigError".into(),
                                format!(
                                    "couldn't find key {} in Secret {NAMESPACE}/{}",
                                    key.key, key.name
                                ),
                                "Failed",
                            ));
                        }
                    }
                } else if let Some(key) = &from.config_map_key_ref {
                    let maps: Api<ConfigMap> = Api::namespaced(settings.client.clone(), NAMESPACE);
                    match maps
                        .get_opt(&key.name)
                        .await
                        .ok()
                        .flatten()
                        .and_then(|m| m.data)
                        .and_then(|d| d.get(&key.key).cloned())
                    {
                        Some(value) => value,
                        None => {
                            return Err((
                                "CreateContainerConfigError".into(),
                                format!(
                                    "configmap \"{}\" or its key {} not found",
                                    key.name, key.key
                                ),
                                "Failed",
                            ));
                        }
                    }
                } else if let Some(field) = &from.field_ref {
                    match field.field_path.as_str() {
                        "metadata.name" => pod.metadata.name.clone().unwrap_or_default(),
                        "metadata.namespace" => NAMESPACE.to_string(),
                        "status.podIP" => settings.pod_ip.clone(),
                        _ => String::new(),
                    }
                } else {
                    String::new()
                }
            }
            (None, None) => String::new(),
        };
        env.push((var.name.clone(), value));
    }
    // Paths inside the container, onto the volumes' directories.
    for (_, value) in env.iter_mut() {
        if let Some((path, host)) = mounts
            .iter()
            .find(|(path, _)| value == path || value.starts_with(&format!("{path}/")))
        {
            let rest = value[path.len()..].trim_start_matches('/').to_string();
            *value = host.join(rest).display().to_string();
        }
    }
    let driver = env
        .iter()
        .find(|(k, _)| k == "REGISTRY_STORAGE")
        .map(|(_, v)| v.trim_matches('"').to_string())
        .unwrap_or_default();
    let stand_in = (!driver.is_empty() && !DRIVERS.contains(&driver.as_str())).then(|| {
        format!("sandbox: Debian's docker-registry has no {driver} storage driver, so this pod runs no registry process (a stand-in)")
    });
    let addr = free_addr().map_err(|e| ("ContainerCreating".into(), e.to_string(), "Failed"))?;
    let debug = free_addr().map_err(|e| ("ContainerCreating".into(), e.to_string(), "Failed"))?;
    env.retain(|(k, _)| !k.starts_with("REGISTRY_HTTP_DEBUG_") && k != "REGISTRY_HTTP_ADDR");
    env.push(("REGISTRY_HTTP_ADDR".into(), addr.to_string()));
    env.push(("REGISTRY_HTTP_DEBUG_ADDR".into(), debug.to_string()));
    env.push((
        "REGISTRY_HTTP_DEBUG_PROMETHEUS_ENABLED".into(),
        "true".into(),
    ));
    Ok(Prepared {
        env,
        addr,
        debug,
        stand_in,
    })
}

fn free_addr() -> std::io::Result<SocketAddr> {
    std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()
}

/// Starts the registry: in a mount namespace of its own (as root) with the pods' hosts and
/// resolver files, with exactly the pod's environment, its output stamped into `log`.
fn spawn(settings: &Settings, prepared: &Prepared, log: &Path) -> Result<tokio::process::Child> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let is_root = unsafe { libc::geteuid() } == 0;
    let mut command = if is_root {
        let mut c = tokio::process::Command::new("unshare");
        c.args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg("mount -n --bind \"$1\" /etc/hosts && mount -n --bind \"$2\" /etc/resolv.conf && exec docker-registry serve \"$3\"")
            .arg("sh")
            .arg(&settings.hosts_file)
            .arg(&settings.resolv_file)
            .arg(&settings.config_file);
        c
    } else {
        let mut c = tokio::process::Command::new("docker-registry");
        c.arg("serve").arg(&settings.config_file);
        c
    };
    command
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .envs(prepared.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    // The registry ends with the sandbox however the sandbox ends (a test process exits
    // without dropping anything): SIGTERM when the thread that started it ends.
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| Error::Setup(format!("cannot start docker-registry: {e}")))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let file = Arc::new(std::sync::Mutex::new(file));
    let streams: Vec<Box<dyn tokio::io::AsyncRead + Unpin + Send>> = vec![
        Box::new(
            child
                .stdout
                .take()
                .ok_or_else(|| Error::Setup("no stdout".into()))?,
        ),
        Box::new(
            child
                .stderr
                .take()
                .ok_or_else(|| Error::Setup("no stderr".into()))?,
        ),
    ];
    for stream in streams {
        let file = file.clone();
        tokio::spawn(async move {
            use std::io::Write;
            let mut lines = tokio::io::BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(mut f) = file.lock() {
                    let _ = writeln!(f, "{} {line}", timestamp());
                }
            }
        });
    }
    Ok(child)
}

/// Ready when the registry answers `/v2/` with 200; otherwise why not. (The real operator
/// probes `/healthz`, which only OpenShift's registry serves; upstream's `/v2/` answers 503
/// as soon as its storage health check fails, which is what the probe is for.)
async fn probe(addr: SocketAddr) -> std::result::Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    match client.get(format!("http://{addr}/v2/")).send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!(
            "HTTP probe failed with statuscode: {}",
            r.status().as_u16()
        )),
        Err(e) => Err(format!("Get \"http://{addr}/v2/\": {e}")),
    }
}

fn record(settings: &Settings, name: &str, pod: RunningPod) {
    if let Ok(mut table) = settings.table.write() {
        table.insert(name.to_string(), pod);
    }
}

fn set_ready(settings: &Settings, name: &str, ready: bool) {
    if let Ok(mut table) = settings.table.write()
        && let Some(pod) = table.get_mut(name)
    {
        pod.ready = ready;
    }
}

enum ContainerState {
    Running(String),
    /// Reason and message.
    Waiting(String, String),
}

fn pod_status(
    settings: &Settings,
    started_at: &str,
    container: &Container,
    restarts: i32,
    state: ContainerState,
    last_state: Option<Value>,
    ready: bool,
) -> Value {
    let ready_text = if ready { "True" } else { "False" };
    let condition = |kind: &str, status: &str| {
        let mut c = json!({ "type": kind, "status": status, "lastTransitionTime": now() });
        if status == "False" {
            c["reason"] = json!("ContainersNotReady");
            c["message"] = json!(format!(
                "containers with unready status: [{}]",
                container.name
            ));
        }
        c
    };
    let (state, started) = match state {
        ContainerState::Running(at) => (json!({ "running": { "startedAt": at } }), true),
        ContainerState::Waiting(reason, message) => (
            json!({ "waiting": { "reason": reason, "message": message } }),
            false,
        ),
    };
    let image = container.image.clone().unwrap_or_default();
    json!({
        "status": {
            "phase": "Running",
            "hostIP": settings.pod_ip,
            "podIP": settings.pod_ip,
            "startTime": started_at,
            "conditions": [
                condition("Initialized", "True"),
                condition("Ready", ready_text),
                condition("ContainersReady", ready_text),
                condition("PodScheduled", "True"),
            ],
            "containerStatuses": [{
                "name": container.name,
                "ready": ready,
                "started": started,
                "restartCount": restarts,
                "image": image,
                "imageID": format!("{image}@sha256:{}", "0".repeat(64)),
                "state": state,
                "lastState": last_state.unwrap_or_else(|| json!({})),
            }]
        }
    })
}

fn params() -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..Default::default()
    }
}

/// A Kubernetes event about the pod, as the kubelet records them.
async fn event(client: &Client, pod: &str, uid: &str, kind: &str, reason: &str, message: &str) {
    use k8s_openapi::api::core::v1::Event;
    let events: Api<Event> = Api::namespaced(client.clone(), NAMESPACE);
    let at = now();
    let object = json!({
        "metadata": { "generateName": format!("{pod}."), "namespace": NAMESPACE },
        "involvedObject": { "kind": "Pod", "name": pod, "namespace": NAMESPACE, "uid": uid, "apiVersion": "v1", "fieldPath": "spec.containers{registry}" },
        "reason": reason,
        "message": message,
        "type": kind,
        "source": { "component": "kubelet", "host": crate::kubelet::NODE_NAME },
        "firstTimestamp": at,
        "lastTimestamp": at,
        "count": 1,
    });
    if let Ok(event) = serde_json::from_value::<Event>(object) {
        let _ = events.create(&PostParams::default(), &event).await;
    }
}

/// The last `lines` lines of a log file, without their timestamps.
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text
        .lines()
        .map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest))
        .collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A log line's stamp, as the kubelet writes them (RFC 3339 with nanoseconds).
pub fn timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// The ready registry pods' addresses (where the front forwards to).
pub fn ready_upstreams(table: &PodTable) -> Vec<SocketAddr> {
    table
        .read()
        .map(|t| {
            let mut ready: Vec<(String, SocketAddr)> = t
                .iter()
                .filter(|(_, p)| p.ready)
                .filter_map(|(name, p)| p.addr.map(|a| (name.clone(), a)))
                .collect();
            ready.sort();
            ready.into_iter().map(|(_, a)| a).collect()
        })
        .unwrap_or_default()
}

/// The guide's metrics from every running registry pod's own.
pub async fn metrics_text(table: &PodTable, version: &str) -> String {
    let debug: Vec<SocketAddr> = table
        .read()
        .map(|t| t.values().filter_map(|p| p.debug).collect())
        .unwrap_or_default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .no_proxy()
        .build();
    let mut texts = Vec::new();
    if let Ok(client) = client {
        for addr in debug {
            if let Ok(r) = client.get(format!("http://{addr}/metrics")).send().await
                && let Ok(text) = r.text().await
            {
                texts.push(text);
            }
        }
    }
    crate::registry_metrics::translate(&texts, version)
}
