//! Layered configuration: built-in defaults → TOML file (`--config`) → `REGISTRY_CONSOLE_*`
//! environment → command-line flags, each later layer overriding the earlier ones.
//!
//! Every setting is declared once in [`SETTINGS`] with its file key, environment variable
//! and flag, so the three spellings cannot drift apart and the README's reference is
//! checked against the same table. Values are checked in the layer they come from, so an
//! error names the file key, variable or flag to fix. Unknown keys and variables are
//! errors, with a suggestion when one is close.
//!
//! Each checked layer is a figment [`Provider`]; figment merges them and remembers which
//! layer each effective value came from ([`Figment::find_metadata`]), which is what
//! `registry-console config` shows. The file is parsed here (with the `toml` crate the
//! rest of the server uses) rather than by figment's `Toml` provider, and the environment
//! is read here rather than by its `Env` provider: both would accept keys and variables
//! we must reject by name, `Env` reads only the process's own environment (tests pass
//! theirs in), and the values must be checked as text in the layer they come from.

use crate::error::{Error, Result};
use app::domain::duration;
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Prefix of every environment variable the console reads.
pub const ENV_PREFIX: &str = "REGISTRY_CONSOLE_";
/// Environment variable naming the configuration file (same as `--config`).
pub const CONFIG_FILE_ENV: &str = "REGISTRY_CONSOLE_CONFIG";

/// How a setting's text is checked and turned into a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Path,
    Bool,
    SocketAddr,
    /// An absolute `http://` or `https://` URL.
    HttpUrl,
    /// A `sqlite:` or `postgres://` URL.
    DatabaseUrl,
    /// Comma-separated in the environment and on the command line; an array in TOML.
    List,
    LogFormat,
    /// More than zero: `90s`, `30m`, `1h30m`, `12h`, `1d`, `500ms` or plain seconds (see
    /// [`duration::parse_setting`]).
    Duration,
    /// `token` or `impersonate` (see [`KubeAuthMode`]).
    KubeAuthMode,
    /// Text that may be empty (e.g. a prefix).
    Prefix,
    /// A whole number of at least 1.
    Count,
}

/// One configuration setting and its three spellings.
#[derive(Debug)]
pub struct Setting {
    /// Dotted key in the TOML file (`oidc.issuer_url` is `issuer_url` in `[oidc]`).
    pub key: &'static str,
    pub env: &'static str,
    pub flag: &'static str,
    pub kind: Kind,
    /// Default in environment syntax; `None` means unset or derived (see [`Config`]).
    pub default: Option<&'static str>,
    pub help: &'static str,
}

macro_rules! setting {
    ($key:literal, $env:literal, $flag:literal, $kind:ident, $default:expr, $help:literal) => {
        Setting {
            key: $key,
            env: $env,
            flag: $flag,
            kind: Kind::$kind,
            default: $default,
            help: $help,
        }
    };
}

/// Every setting the console understands.
pub const SETTINGS: &[Setting] = &[
    setting!(
        "listen_addr",
        "REGISTRY_CONSOLE_LISTEN_ADDR",
        "listen-addr",
        SocketAddr,
        Some("127.0.0.1:8080"),
        "Address and port the HTTP server listens on"
    ),
    setting!(
        "public_url",
        "REGISTRY_CONSOLE_PUBLIC_URL",
        "public-url",
        HttpUrl,
        None,
        "URL users open, used for redirects and cookie security (default: http://<listen_addr>)"
    ),
    setting!(
        "data_dir",
        "REGISTRY_CONSOLE_DATA_DIR",
        "data-dir",
        Path,
        Some("data"),
        "Directory for the console's own files (the SQLite database by default)"
    ),
    setting!(
        "database_url",
        "REGISTRY_CONSOLE_DATABASE_URL",
        "database-url",
        DatabaseUrl,
        None,
        "Database URL (default: sqlite://<data_dir>/registry-console.db)"
    ),
    setting!(
        "site_root",
        "REGISTRY_CONSOLE_SITE_ROOT",
        "site-root",
        Path,
        None,
        "Directory holding the built WASM bundle, CSS and public files (default: the site embedded in the binary; target/site in a build without one)"
    ),
    setting!(
        "kube.kubeconfig",
        "REGISTRY_CONSOLE_KUBECONFIG",
        "kubeconfig",
        Path,
        None,
        "Kubeconfig file for the cluster (default: $KUBECONFIG, ~/.kube/config, then in-cluster)"
    ),
    setting!(
        "kube.context",
        "REGISTRY_CONSOLE_KUBE_CONTEXT",
        "kube-context",
        Text,
        None,
        "Kubeconfig context to use (default: the file's current context)"
    ),
    setting!(
        "kube.in_cluster",
        "REGISTRY_CONSOLE_IN_CLUSTER",
        "in-cluster",
        Bool,
        Some("false"),
        "Use the pod's service account instead of a kubeconfig"
    ),
    setting!(
        "kube.auth_mode",
        "REGISTRY_CONSOLE_KUBE_AUTH_MODE",
        "kube-auth-mode",
        KubeAuthMode,
        Some("token"),
        "How user requests reach the API server: token (the user's ID token; the API server trusts the issuer) or impersonate (the console's credentials with Impersonate-User/-Group)"
    ),
    setting!(
        "kube.impersonation_username_claim",
        "REGISTRY_CONSOLE_KUBE_IMPERSONATION_USERNAME_CLAIM",
        "kube-impersonation-username-claim",
        Text,
        Some("sub"),
        "In impersonate mode, the ID token claim that names the user: sub or preferred_username"
    ),
    setting!(
        "kube.impersonation_prefix",
        "REGISTRY_CONSOLE_KUBE_IMPERSONATION_PREFIX",
        "kube-impersonation-prefix",
        Prefix,
        Some(""),
        "In impersonate mode, prefix put before the user name and each group (match the API server's --oidc-username-prefix, e.g. oidc:)"
    ),
    setting!(
        "kube.username_prefix",
        "REGISTRY_CONSOLE_KUBE_USERNAME_PREFIX",
        "kube-username-prefix",
        Prefix,
        Some(""),
        "In token mode, the prefix the API server puts before this issuer's user names and groups (its --oidc-username-prefix and --oidc-groups-prefix, e.g. oidc:), so the Access page knows which bindings name you"
    ),
    setting!(
        "kube.connect_timeout",
        "REGISTRY_CONSOLE_KUBE_CONNECT_TIMEOUT",
        "kube-connect-timeout",
        Duration,
        Some("5s"),
        "Deadline for connecting to the Kubernetes API server (e.g. 5s)"
    ),
    setting!(
        "kube.request_timeout",
        "REGISTRY_CONSOLE_KUBE_REQUEST_TIMEOUT",
        "kube-request-timeout",
        Duration,
        Some("15s"),
        "Deadline for each whole Kubernetes API request, watches excepted (e.g. 15s)"
    ),
    setting!(
        "log.format",
        "REGISTRY_CONSOLE_LOG_FORMAT",
        "log-format",
        LogFormat,
        Some("text"),
        "Log format: text or json"
    ),
    setting!(
        "log.level",
        "REGISTRY_CONSOLE_LOG_LEVEL",
        "log-level",
        Text,
        Some("info"),
        "Log filter in tracing's EnvFilter syntax, e.g. info or registry_console=debug,info"
    ),
    setting!(
        "oidc.issuer_url",
        "REGISTRY_CONSOLE_OIDC_ISSUER_URL",
        "oidc-issuer-url",
        HttpUrl,
        None,
        "OIDC issuer URL (discovery is read from <issuer>/.well-known/openid-configuration)"
    ),
    setting!(
        "oidc.client_id",
        "REGISTRY_CONSOLE_OIDC_CLIENT_ID",
        "oidc-client-id",
        Text,
        None,
        "OIDC client id of the console"
    ),
    setting!(
        "oidc.client_secret_file",
        "REGISTRY_CONSOLE_OIDC_CLIENT_SECRET_FILE",
        "oidc-client-secret-file",
        Path,
        None,
        "File holding the OIDC client secret (a file, so the secret stays out of process listings)"
    ),
    setting!(
        "oidc.ca_file",
        "REGISTRY_CONSOLE_OIDC_CA_FILE",
        "oidc-ca-file",
        Path,
        None,
        "PEM bundle of CAs trusted for the OIDC issuer (default: the system's roots)"
    ),
    setting!(
        "oidc.scopes",
        "REGISTRY_CONSOLE_OIDC_SCOPES",
        "oidc-scopes",
        List,
        Some("openid,profile,email,groups,offline_access"),
        "Scopes requested at sign-in"
    ),
    setting!(
        "oidc.groups_claim",
        "REGISTRY_CONSOLE_OIDC_GROUPS_CLAIM",
        "oidc-groups-claim",
        Text,
        Some("groups"),
        "ID token claim that lists the user's groups"
    ),
    setting!(
        "oidc.admin_groups",
        "REGISTRY_CONSOLE_OIDC_ADMIN_GROUPS",
        "oidc-admin-groups",
        List,
        Some("registry-admins"),
        "Groups whose members are admins"
    ),
    setting!(
        "oidc.viewer_groups",
        "REGISTRY_CONSOLE_OIDC_VIEWER_GROUPS",
        "oidc-viewer-groups",
        List,
        Some("registry-viewers"),
        "Groups whose members are viewers"
    ),
    setting!(
        "oidc.auditor_groups",
        "REGISTRY_CONSOLE_OIDC_AUDITOR_GROUPS",
        "oidc-auditor-groups",
        List,
        Some("registry-auditors"),
        "Groups whose members are auditors"
    ),
    setting!(
        "oidc.signing_algs",
        "REGISTRY_CONSOLE_OIDC_SIGNING_ALGS",
        "oidc-signing-algs",
        List,
        Some("RS256,ES256"),
        "ID token signature algorithms accepted (none is never accepted)"
    ),
    setting!(
        "oidc.login_rate_limit",
        "REGISTRY_CONSOLE_OIDC_LOGIN_RATE_LIMIT",
        "oidc-login-rate-limit",
        Count,
        Some("30"),
        "Sign-in and callback requests allowed per client address per minute"
    ),
    setting!(
        "session.idle_timeout",
        "REGISTRY_CONSOLE_SESSION_IDLE_TIMEOUT",
        "session-idle-timeout",
        Duration,
        Some("30m"),
        "Sign a user out after this long without a request (e.g. 30m)"
    ),
    setting!(
        "session.absolute_timeout",
        "REGISTRY_CONSOLE_SESSION_ABSOLUTE_TIMEOUT",
        "session-absolute-timeout",
        Duration,
        Some("12h"),
        "Sign a user out this long after sign-in, however active (e.g. 12h)"
    ),
    setting!(
        "audit.min_reason_length",
        "REGISTRY_CONSOLE_AUDIT_MIN_REASON_LENGTH",
        "audit-min-reason-length",
        Count,
        Some("10"),
        "Characters a change's reason needs at least"
    ),
    setting!(
        "audit.max_reason_length",
        "REGISTRY_CONSOLE_AUDIT_MAX_REASON_LENGTH",
        "audit-max-reason-length",
        Count,
        Some("2000"),
        "Characters a change's reason may have at most (at least audit.min_reason_length)"
    ),
    setting!(
        "audit.follow_up_timeout",
        "REGISTRY_CONSOLE_AUDIT_FOLLOW_UP_TIMEOUT",
        "audit-follow-up-timeout",
        Duration,
        Some("10m"),
        "How long to watch the operator after a change before recording a timeout"
    ),
    setting!(
        "audit.record_outside_changes",
        "REGISTRY_CONSOLE_AUDIT_RECORD_OUTSIDE_CHANGES",
        "audit-record-outside-changes",
        Bool,
        Some("true"),
        "Watch the registry's objects and record changes made outside the console"
    ),
    setting!(
        "audit.lease_namespace",
        "REGISTRY_CONSOLE_AUDIT_LEASE_NAMESPACE",
        "audit-lease-namespace",
        Text,
        Some("registry-console"),
        "Namespace of the Lease that lets exactly one console (of several replicas) record outside changes"
    ),
    setting!(
        "doctor.enabled",
        "REGISTRY_CONSOLE_DOCTOR_ENABLED",
        "doctor-enabled",
        Bool,
        Some("true"),
        "Show the registry doctor at the top of the Overview (off spares the API server its extra reads: the log tails, the trusted CAs, the credentials secret's key names, the pruner's Jobs, each kept 10 s per user)"
    ),
    setting!(
        "doctor.error_percent",
        "REGISTRY_CONSOLE_DOCTOR_ERROR_PERCENT",
        "doctor-error-percent",
        Count,
        Some("1"),
        "The registry doctor warns when more than this whole percentage of the registry's answers are 5xx over the metrics window"
    ),
    setting!(
        "doctor.slow_p99",
        "REGISTRY_CONSOLE_DOCTOR_SLOW_P99",
        "doctor-slow-p99",
        Duration,
        Some("2s"),
        "The registry doctor warns when the slowest 1 % of the registry's answers take longer than this (e.g. 2s)"
    ),
    setting!(
        "doctor.change_window",
        "REGISTRY_CONSOLE_DOCTOR_CHANGE_WINDOW",
        "doctor-change-window",
        Duration,
        Some("10m"),
        "A problem that began this soon after a console change is shown with that change (for users who may read the audit trail)"
    ),
    setting!(
        "tls.cert_file",
        "REGISTRY_CONSOLE_TLS_CERT_FILE",
        "tls-cert-file",
        Path,
        None,
        "PEM certificate chain to serve HTTPS with (with tls.key_file; e.g. the service CA's serving certificate behind a reencrypt Route)"
    ),
    setting!(
        "tls.key_file",
        "REGISTRY_CONSOLE_TLS_KEY_FILE",
        "tls-key-file",
        Path,
        None,
        "PEM private key of tls.cert_file"
    ),
];

/// The effective configuration.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen_addr: SocketAddr,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub site_root: Option<PathBuf>,
    pub kube: KubeSettings,
    pub log: LogSettings,
    pub oidc: OidcSettings,
    pub session: SessionSettings,
    pub audit: AuditSettings,
    pub doctor: DoctorSettings,
    /// Absent unless one of its files is set.
    #[serde(default)]
    pub tls: TlsSettings,
}

/// HTTPS on the listener itself: both files, or neither (plain HTTP).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
}

/// The registry doctor's thresholds.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DoctorSettings {
    pub enabled: bool,
    pub error_percent: u32,
    #[serde(with = "setting_duration")]
    pub slow_p99: Duration,
    #[serde(with = "setting_duration")]
    pub change_window: Duration,
}

impl DoctorSettings {
    pub fn thresholds(&self) -> app::domain::doctor::Thresholds {
        app::domain::doctor::Thresholds {
            error_percent: f64::from(self.error_percent),
            p99_seconds: self.slow_p99.as_secs_f64(),
            change_window_seconds: i64::try_from(self.change_window.as_secs()).unwrap_or(i64::MAX),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    pub min_reason_length: u32,
    /// Never less than `min_reason_length`.
    pub max_reason_length: u32,
    #[serde(with = "setting_duration")]
    pub follow_up_timeout: Duration,
    pub record_outside_changes: bool,
    pub lease_namespace: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KubeSettings {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub in_cluster: bool,
    pub auth_mode: KubeAuthMode,
    pub impersonation_username_claim: String,
    pub impersonation_prefix: String,
    pub username_prefix: String,
    #[serde(with = "setting_duration")]
    pub connect_timeout: Duration,
    /// For each whole request, watches excepted.
    #[serde(with = "setting_duration")]
    pub request_timeout: Duration,
}

/// How requests made for a user reach the API server. Neither mode ever falls back to the
/// console's own identity.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum KubeAuthMode {
    /// The user's ID token as the bearer token (the API server trusts the issuer).
    Token,
    /// The console's own credentials plus `Impersonate-User` / `Impersonate-Group` taken
    /// from the verified ID token.
    Impersonate,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    /// Time without a request after which the session ends.
    #[serde(with = "setting_duration")]
    pub idle_timeout: Duration,
    /// Time after sign-in after which the session ends.
    #[serde(with = "setting_duration")]
    pub absolute_timeout: Duration,
}

/// Durations are written as the settings take them (`30m`, `12h`), so what
/// `registry-console config` prints can be pasted into a file.
mod setting_duration {
    use app::domain::duration;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&duration::format_setting(*value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(deserializer)?;
        duration::parse_setting(&text).map_err(serde::de::Error::custom)
    }
}

/// Whole seconds, rounded up (a session timeout of `500ms` is one second, not none).
pub fn whole_seconds(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    pub issuer_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub scopes: Vec<String>,
    pub groups_claim: String,
    pub admin_groups: Vec<String>,
    pub viewer_groups: Vec<String>,
    pub auditor_groups: Vec<String>,
    pub signing_algs: Vec<String>,
    pub login_rate_limit: u32,
}

impl Config {
    /// `https://` public URL: cookies get `Secure`, responses get HSTS.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Where a setting's effective value came from (shown by `registry-console config`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    Derived,
    File(PathBuf),
    Env(&'static str),
    Flag(&'static str),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::Derived => write!(f, "derived"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Env(name) => write!(f, "environment {name}"),
            Source::Flag(flag) => write!(f, "flag --{flag}"),
        }
    }
}

/// The configuration and the source of each value.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub sources: BTreeMap<&'static str, Source>,
}

/// What the command line asked for besides settings.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    /// Print the effective configuration and where each value came from.
    ShowConfig,
    /// Verify the audit trail's hash chain.
    AuditVerify,
    /// Print each page's first load from the built site.
    SiteSizes,
    /// Diagnose the registry (the Overview's doctor) and exit with the worst severity.
    Doctor(crate::doctor_command::Output),
}

/// Builds the command-line parser from [`SETTINGS`].
pub fn cli() -> clap::Command {
    use clap::{Arg, ArgAction};
    let mut command = clap::Command::new("registry-console")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Admin console for the OpenShift integrated image registry")
        .arg(
            Arg::new("config")
                .long("config")
                .value_name("FILE")
                .global(true)
                .value_parser(clap::value_parser!(PathBuf))
                .help(format!("TOML configuration file (env {CONFIG_FILE_ENV})")),
        )
        .subcommand(clap::Command::new("serve").about("Run the console (the default)"))
        .subcommand(
            clap::Command::new("audit")
                .about("Work with the audit trail")
                .subcommand_required(true)
                .subcommand(clap::Command::new("verify").about(
                    "Check the audit trail's hash chain; exit 1 naming the first broken link",
                )),
        )
        .subcommand(
            clap::Command::new("config")
                .about("Print the effective configuration and the source of each value"),
        )
        .subcommand(
            clap::Command::new("doctor")
                .about("Diagnose the registry as the Overview's doctor does; exit 0 (fine or notes), 1 (a warning), 2 (a problem) or 3 (could not read the registry)")
                .arg(
                    Arg::new("output")
                        .long("output")
                        .value_name("FORMAT")
                        .value_parser(["text", "json"])
                        .default_value("text")
                        .help("text for people, json for scripts (a stable shape: README, The registry doctor)"),
                ),
        )
        .subcommand(clap::Command::new("site-sizes").about(
            "Print what each page of the built site (--site-root) loads before it is interactive, gzip -9",
        ));
    for setting in SETTINGS {
        let mut arg = Arg::new(setting.key)
            .long(setting.flag)
            .global(true)
            .help(format!("{} (env {})", setting.help, setting.env));
        arg = if setting.kind == Kind::Bool {
            // `--in-cluster` alone means true; `--in-cluster=false` is allowed too.
            arg.num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true")
                .value_name("BOOL")
                .action(ArgAction::Set)
        } else {
            arg.value_name(value_name(setting.kind))
        };
        command = command.arg(arg);
    }
    command
}

fn value_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Text => "TEXT",
        Kind::Path => "PATH",
        Kind::Bool => "BOOL",
        Kind::SocketAddr => "ADDR:PORT",
        Kind::HttpUrl | Kind::DatabaseUrl => "URL",
        Kind::List => "A,B,…",
        Kind::LogFormat => "text|json",
        Kind::Duration => "DURATION",
        Kind::KubeAuthMode => "token|impersonate",
        Kind::Prefix => "TEXT",
        Kind::Count => "N",
    }
}

/// Parses the command line, reads the file and the environment, and merges the layers.
pub fn load(
    args: impl IntoIterator<Item = OsString>,
    env: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<(Command, Loaded)> {
    let matches = cli().try_get_matches_from(args)?;
    let command = match matches.subcommand_name() {
        Some("config") => Command::ShowConfig,
        Some("audit") => Command::AuditVerify,
        Some("site-sizes") => Command::SiteSizes,
        Some("doctor") => Command::Doctor(
            match matches
                .subcommand_matches("doctor")
                .and_then(|m| m.get_one::<String>("output"))
                .map(String::as_str)
            {
                Some("json") => crate::doctor_command::Output::Json,
                _ => crate::doctor_command::Output::Text,
            },
        ),
        _ => Command::Serve,
    };

    let env = read_env(env)?;
    let mut defaults = Layer::new(Metadata::named(DEFAULTS));
    for setting in SETTINGS {
        if let Some(default) = setting.default {
            defaults.set(setting, parse_text(setting, default, &Source::Default)?);
        }
    }
    let mut figment = Figment::from(defaults);

    let file = matches
        .get_one::<PathBuf>("config")
        .cloned()
        .or_else(|| env.config_file.clone());
    if let Some(path) = file {
        let text = std::fs::read_to_string(&path).map_err(|source| Error::ConfigFile {
            path: path.clone(),
            source,
        })?;
        figment = figment.merge(file_layer(&path, &text)?);
    }

    let mut environment = Layer::new(Metadata::named(ENVIRONMENT));
    for (setting, text) in env.values {
        environment.set(
            setting,
            parse_text(setting, &text, &Source::Env(setting.env))?,
        );
    }
    figment = figment.merge(environment);

    let mut flags = Layer::new(Metadata::named(FLAGS));
    for setting in SETTINGS {
        if let Some(text) = matches.get_one::<String>(setting.key) {
            flags.set(
                setting,
                parse_text(setting, text, &Source::Flag(setting.flag))?,
            );
        }
    }
    figment = figment.merge(flags);

    Ok((command, finish(figment)?))
}

/// Metadata names of the layers that are not a file (a file's metadata has its path).
const DEFAULTS: &str = "built-in defaults";
const ENVIRONMENT: &str = "environment";
const FLAGS: &str = "command line";
const DERIVED: &str = "derived";

/// One layer's checked values, for figment to merge over the layers before it.
struct Layer {
    metadata: Metadata,
    values: Dict,
}

impl Layer {
    fn new(metadata: Metadata) -> Self {
        Layer {
            metadata,
            values: Dict::new(),
        }
    }

    /// Keys are `name` or `section.name` (a test keeps it so).
    fn set(&mut self, setting: &Setting, value: Value) {
        match setting.key.split_once('.') {
            None => {
                self.values.insert(setting.key.to_string(), value);
            }
            Some((section, name)) => {
                let table = self
                    .values
                    .entry(section.to_string())
                    .or_insert_with(|| Value::from(Dict::new()));
                if let Value::Dict(_, table) = table {
                    table.insert(name.to_string(), value);
                }
            }
        }
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn data(&self) -> std::result::Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.values.clone()))
    }
}

/// Adds the derived defaults, extracts the configuration and each value's source.
fn finish(figment: Figment) -> Result<Loaded> {
    let internal = |e: figment::Error| Error::Config(format!("internal: {e}"));
    // Derived defaults follow the settings they depend on, whichever layer set those.
    let mut derived = Layer::new(Metadata::named(DERIVED));
    if !figment.contains("public_url") {
        let listen: String = figment.extract_inner("listen_addr").map_err(internal)?;
        derived.set(
            setting("public_url")?,
            Value::from(format!("http://{listen}")),
        );
    }
    if !figment.contains("database_url") {
        let dir: String = figment.extract_inner("data_dir").map_err(internal)?;
        let url = format!("sqlite://{}/registry-console.db", dir.trim_end_matches('/'));
        derived.set(setting("database_url")?, Value::from(url));
    }
    let figment = figment.merge(derived);

    let config: Config = figment.extract().map_err(internal)?;
    let sources: BTreeMap<&'static str, Source> = SETTINGS
        .iter()
        .filter_map(|s| Some((s.key, source_of(&figment, s)?)))
        .collect();

    let (min, max) = (
        config.audit.min_reason_length,
        config.audit.max_reason_length,
    );
    if max < min {
        let source = |key| {
            sources
                .get(key)
                .map(ToString::to_string)
                .unwrap_or_default()
        };
        return Err(Error::Config(format!(
            "audit.max_reason_length `{max}` ({}) is less than audit.min_reason_length `{min}` ({}); a reason's maximum length must be at least its minimum",
            source("audit.max_reason_length"),
            source("audit.min_reason_length"),
        )));
    }
    if config.tls.cert_file.is_some() != config.tls.key_file.is_some() {
        return Err(Error::Config(
            "tls.cert_file and tls.key_file go together: set both to serve HTTPS, or neither for plain HTTP".into(),
        ));
    }
    Ok(Loaded { config, sources })
}

fn setting(key: &str) -> Result<&'static Setting> {
    SETTINGS
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| Error::Config(format!("internal: no setting `{key}`")))
}

/// The layer that gave `setting` its effective value, from figment's metadata.
fn source_of(figment: &Figment, setting: &'static Setting) -> Option<Source> {
    let metadata = figment.find_metadata(setting.key)?;
    Some(match (&metadata.source, metadata.name.as_ref()) {
        (Some(figment::Source::File(path)), _) => Source::File(path.clone()),
        (_, ENVIRONMENT) => Source::Env(setting.env),
        (_, FLAGS) => Source::Flag(setting.flag),
        (_, DERIVED) => Source::Derived,
        _ => Source::Default,
    })
}

struct EnvLayer {
    config_file: Option<PathBuf>,
    values: Vec<(&'static Setting, String)>,
}

fn read_env(env: impl IntoIterator<Item = (OsString, OsString)>) -> Result<EnvLayer> {
    let mut layer = EnvLayer {
        config_file: None,
        values: Vec::new(),
    };
    let mut vars: Vec<(OsString, OsString)> = env.into_iter().collect();
    vars.sort();
    for (name, value) in vars {
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(ENV_PREFIX) {
            continue;
        }
        let value = value.into_string().map_err(|_| {
            Error::Config(format!("environment variable {name} is not valid UTF-8"))
        })?;
        if name == CONFIG_FILE_ENV {
            layer.config_file = Some(PathBuf::from(value));
            continue;
        }
        match SETTINGS.iter().find(|s| s.env == name) {
            Some(setting) => layer.values.push((setting, value)),
            None => {
                let known = SETTINGS.iter().map(|s| s.env).chain([CONFIG_FILE_ENV]);
                return Err(Error::Config(format!(
                    "unknown environment variable {name}{}",
                    suggestion(name, known)
                )));
            }
        }
    }
    Ok(layer)
}

/// The file's layer: every key known, every value checked; its metadata names the file.
fn file_layer(path: &std::path::Path, text: &str) -> Result<Layer> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        Error::Config(format!(
            "{}: not valid TOML: {}",
            path.display(),
            e.message()
        ))
    })?;
    let mut flat = Vec::new();
    flatten("", &table, &mut flat);
    let mut layer = Layer::new(Metadata::from("TOML file", path));
    for (key, value) in flat {
        let Some(setting) = SETTINGS.iter().find(|s| s.key == key) else {
            return Err(Error::Config(format!(
                "{}: unknown key `{key}`{}",
                path.display(),
                suggestion(&key, SETTINGS.iter().map(|s| s.key))
            )));
        };
        let source = Source::File(path.to_path_buf());
        layer.set(setting, check_file_value(setting, value, &source)?);
    }
    Ok(layer)
}

/// Flattens `[oidc] issuer_url = …` into `("oidc.issuer_url", …)`. Tables nested deeper
/// than the settings go are left as values so that they are reported as unknown keys.
fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (key, value) in table {
        let dotted = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner)
                if SETTINGS
                    .iter()
                    .any(|s| s.key.starts_with(&format!("{dotted}."))) =>
            {
                flatten(&dotted, inner, out)
            }
            other => out.push((dotted, other.clone())),
        }
    }
}

fn check_file_value(setting: &Setting, value: toml::Value, source: &Source) -> Result<Value> {
    match (setting.kind, value) {
        (Kind::Bool, toml::Value::Boolean(b)) => Ok(Value::from(b)),
        (Kind::Duration | Kind::Count, toml::Value::Integer(n)) => {
            parse_text(setting, &n.to_string(), source)
        }
        (Kind::List, toml::Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    toml::Value::String(s) if !s.trim().is_empty() => {
                        out.push(s.trim().to_string())
                    }
                    _ => {
                        return Err(invalid(
                            setting,
                            source,
                            "every item must be a non-empty string",
                        ));
                    }
                }
            }
            Ok(Value::from(out))
        }
        (_, toml::Value::String(text)) => parse_text(setting, &text, source),
        (kind, _) => Err(invalid(
            setting,
            source,
            match kind {
                Kind::Bool => "expected true or false",
                Kind::List => "expected an array of strings, e.g. [\"a\", \"b\"]",
                _ => "expected a string",
            },
        )),
    }
}

/// Checks a setting given as text (environment, flag or a default) and converts it.
fn parse_text(setting: &Setting, text: &str, source: &Source) -> Result<Value> {
    let text = text.trim();
    let string = |s: &str| Ok(Value::from(s));
    match setting.kind {
        Kind::Text | Kind::Path if text.is_empty() => {
            Err(invalid(setting, source, "must not be empty"))
        }
        Kind::Text | Kind::Path => string(text),
        Kind::Bool => match text {
            "true" | "1" => Ok(Value::from(true)),
            "false" | "0" => Ok(Value::from(false)),
            _ => Err(invalid(
                setting,
                source,
                &format!("`{text}` is not true or false"),
            )),
        },
        Kind::SocketAddr => match text.parse::<SocketAddr>() {
            Ok(_) => string(text),
            Err(_) => Err(invalid(
                setting,
                source,
                &format!("`{text}` is not an address and port, e.g. 127.0.0.1:8080 or [::]:8080"),
            )),
        },
        Kind::HttpUrl => {
            let ok = text
                .parse::<http::Uri>()
                .ok()
                .filter(|uri| matches!(uri.scheme_str(), Some("http" | "https")))
                .is_some_and(|uri| uri.host().is_some_and(|h| !h.is_empty()));
            if ok {
                string(text.trim_end_matches('/'))
            } else {
                Err(invalid(
                    setting,
                    source,
                    &format!("`{text}` is not an absolute http:// or https:// URL"),
                ))
            }
        }
        Kind::DatabaseUrl => {
            if ["sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|scheme| text.starts_with(scheme))
            {
                string(text)
            } else {
                Err(invalid(
                    setting,
                    source,
                    &format!(
                        "`{}` is not supported; use a sqlite:// URL (one console, e.g. sqlite://data/registry-console.db) or a postgres:// URL (several replicas, e.g. postgres://console@db:5432/console)",
                        crate::db::redacted_url(text)
                    ),
                ))
            }
        }
        Kind::List => Ok(Value::from(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>(),
        )),
        Kind::LogFormat => match text {
            "text" | "json" => string(text),
            _ => Err(invalid(
                setting,
                source,
                &format!("`{text}` is not text or json"),
            )),
        },
        Kind::KubeAuthMode => match text {
            "token" | "impersonate" => string(text),
            _ => Err(invalid(
                setting,
                source,
                &format!("`{text}` is not token or impersonate"),
            )),
        },
        Kind::Prefix => string(text),
        Kind::Duration => match duration::parse_setting(text) {
            Ok(d) if !d.is_zero() => string(&duration::format_setting(d)),
            Ok(_) => Err(invalid(
                setting,
                source,
                &format!("`{text}` must be longer than zero; use e.g. 90s, 30m, 12h or 1d"),
            )),
            Err(e) => Err(invalid(
                setting,
                source,
                &format!("`{text}` is not a duration ({e}); use e.g. 90s, 30m, 1h30m, 12h or 1d"),
            )),
        },
        Kind::Count => match text.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Value::from(n)),
            _ => Err(invalid(
                setting,
                source,
                &format!("`{text}` is not a whole number of at least 1"),
            )),
        },
    }
}

fn invalid(setting: &Setting, source: &Source, problem: &str) -> Error {
    let name = match source {
        Source::Env(name) => (*name).to_string(),
        Source::Flag(flag) => format!("--{flag}"),
        Source::File(path) => format!("{}: key `{}`", path.display(), setting.key),
        Source::Default | Source::Derived => format!("built-in default of `{}`", setting.key),
    };
    Error::Config(format!("{name}: {problem}"))
}

/// " (did you mean `x`?)" when a known name is within a small edit distance.
fn suggestion<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    known
        .map(|k| (strsim::levenshtein(name, k), k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 4))
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_else(|| " (see `registry-console --help` for the settings)".to_string())
}

/// The effective configuration as TOML, with each value's source as a comment.
pub fn render(loaded: &Loaded) -> String {
    let mut out = String::new();
    let mut section = "";
    for setting in SETTINGS {
        let (this_section, key) = setting.key.split_once('.').unwrap_or(("", setting.key));
        if this_section != section {
            out.push_str(&format!("\n[{this_section}]\n"));
            section = this_section;
        }
        match lookup(&loaded.config, setting.key) {
            Some(value) => {
                // A database URL may carry a password: never printed.
                let value = match (setting.kind, value) {
                    (Kind::DatabaseUrl, toml::Value::String(url)) => {
                        toml::Value::String(crate::db::redacted_url(&url))
                    }
                    (_, value) => value,
                };
                let source = loaded
                    .sources
                    .get(setting.key)
                    .map(ToString::to_string)
                    .unwrap_or_default();
                out.push_str(&format!("{key} = {value}  # {source}\n"));
            }
            None => out.push_str(&format!("# {key} is not set\n")),
        }
    }
    out
}

fn lookup(config: &Config, key: &str) -> Option<toml::Value> {
    let mut value = toml::Value::try_from(config).ok()?;
    for part in key.split('.') {
        value = value.as_table()?.get(part)?.clone();
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn args(list: &[&str]) -> Vec<OsString> {
        std::iter::once("registry-console")
            .chain(list.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn env(list: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        list.iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect()
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(text.as_bytes()).expect("write");
        f
    }

    fn load_ok(a: &[&str], e: &[(&str, &str)]) -> Loaded {
        load(args(a), env(e)).expect("loads").1
    }

    #[test]
    fn postgres_urls_are_accepted_and_their_passwords_never_printed() {
        let loaded = load_ok(
            &[
                "--database-url",
                "postgres://console:hunter2-canary@db:5432/console",
            ],
            &[],
        );
        assert_eq!(
            loaded.config.database_url,
            "postgres://console:hunter2-canary@db:5432/console"
        );
        let shown = render(&loaded);
        assert!(!shown.contains("hunter2-canary"), "{shown}");
        assert!(
            shown.contains("postgres://console:***@db:5432/console"),
            "{shown}"
        );
        let refused = load_err(&["--database-url", "mysql://u:hunter2-canary@db/c"], &[]);
        assert!(refused.contains("postgres://"), "{refused}");
        assert!(!refused.contains("hunter2-canary"), "{refused}");
    }

    fn load_err(a: &[&str], e: &[(&str, &str)]) -> String {
        match load(args(a), env(e)) {
            Ok(_) => panic!("expected an error"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn defaults_alone_give_a_complete_config() {
        let loaded = load_ok(&[], &[]);
        let c = &loaded.config;
        assert_eq!(c.listen_addr, "127.0.0.1:8080".parse().expect("addr"));
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://data/registry-console.db");
        assert_eq!(c.log.format, LogFormat::Text);
        assert!(!c.kube.in_cluster);
        assert_eq!(c.kube.kubeconfig, None);
        assert_eq!(c.oidc.admin_groups, vec!["registry-admins"]);
        assert_eq!(loaded.sources["listen_addr"], Source::Default);
        assert_eq!(loaded.sources["public_url"], Source::Derived);
    }

    #[test]
    fn each_layer_overrides_the_one_before() {
        let f = file(
            "listen_addr = \"127.0.0.1:1000\"\nlog = { level = \"debug\" }\n[oidc]\nclient_id = \"from-file\"\nadmin_groups = [\"a\", \"b\"]\n",
        );
        let path = f.path().to_str().expect("utf-8 path");
        let e = [
            ("REGISTRY_CONSOLE_LISTEN_ADDR", "127.0.0.1:2000"),
            ("REGISTRY_CONSOLE_OIDC_CLIENT_ID", "from-env"),
            ("UNRELATED", "ignored"),
        ];
        let loaded = load_ok(&["--config", path, "--oidc-client-id", "from-flag"], &e);
        let c = &loaded.config;
        assert_eq!(c.listen_addr.port(), 2000, "env beats file");
        assert_eq!(
            c.oidc.client_id.as_deref(),
            Some("from-flag"),
            "flag beats env"
        );
        assert_eq!(c.log.level, "debug", "file beats default");
        assert_eq!(c.oidc.admin_groups, vec!["a", "b"]);
        assert_eq!(
            c.public_url, "http://127.0.0.1:2000",
            "derived from the effective listen_addr"
        );
        assert_eq!(
            loaded.sources["oidc.client_id"],
            Source::Flag("oidc-client-id")
        );
        assert_eq!(
            loaded.sources["listen_addr"],
            Source::Env("REGISTRY_CONSOLE_LISTEN_ADDR")
        );
        assert_eq!(
            loaded.sources["log.level"],
            Source::File(f.path().to_path_buf())
        );
    }

    #[test]
    fn config_file_can_come_from_the_environment() {
        let f = file("data_dir = \"/var/lib/rc\"\n");
        let path = f.path().to_str().expect("utf-8 path");
        let c = load_ok(&[], &[(CONFIG_FILE_ENV, path)]).config;
        assert_eq!(c.database_url, "sqlite:///var/lib/rc/registry-console.db");
    }

    #[test]
    fn unknown_file_key_is_named_with_a_suggestion() {
        let f = file("[oidc]\nisuer_url = \"https://idp.example\"\n");
        let path = f.path().to_str().expect("utf-8 path");
        let err = load_err(&["--config", path], &[]);
        assert!(err.contains("unknown key `oidc.isuer_url`"), "{err}");
        assert!(err.contains("did you mean `oidc.issuer_url`"), "{err}");
    }

    #[test]
    fn unknown_top_level_and_section_keys_are_errors() {
        for text in [
            "colour = \"blue\"\n",
            "[metrics]\nport = 1\n",
            "[kube.extra]\nx = 1\n",
        ] {
            let f = file(text);
            let err = load_err(&["--config", f.path().to_str().expect("path")], &[]);
            assert!(err.contains("unknown key"), "{text}: {err}");
        }
    }

    #[test]
    fn unknown_environment_variable_is_named() {
        let err = load_err(&[], &[("REGISTRY_CONSOLE_LISTEN_ADR", "x")]);
        assert!(
            err.contains("unknown environment variable REGISTRY_CONSOLE_LISTEN_ADR"),
            "{err}"
        );
        assert!(err.contains("REGISTRY_CONSOLE_LISTEN_ADDR"), "{err}");
    }

    #[test]
    fn unknown_flag_is_rejected() {
        let err = load_err(&["--listen-adr", "x"], &[]);
        assert!(err.contains("--listen-adr"), "{err}");
    }

    #[test]
    fn bad_values_name_their_source() {
        let err = load_err(&[], &[("REGISTRY_CONSOLE_LISTEN_ADDR", "localhost")]);
        assert!(
            err.starts_with(
                "configuration: REGISTRY_CONSOLE_LISTEN_ADDR: `localhost` is not an address"
            ),
            "{err}"
        );
        let err = load_err(&["--public-url", "ftp://x"], &[]);
        assert!(
            err.contains("--public-url: `ftp://x` is not an absolute http"),
            "{err}"
        );
        let err = load_err(&["--log-format", "xml"], &[]);
        assert!(
            err.contains("--log-format: `xml` is not text or json"),
            "{err}"
        );
        let err = load_err(&[], &[("REGISTRY_CONSOLE_IN_CLUSTER", "yes")]);
        assert!(
            err.contains("REGISTRY_CONSOLE_IN_CLUSTER: `yes` is not true or false"),
            "{err}"
        );
        let err = load_err(&["--database-url", "mysql://x"], &[]);
        assert!(err.contains("--database-url"), "{err}");
        let f = file("in_cluster = 1\n");
        let err = load_err(&["--config", f.path().to_str().expect("path")], &[]);
        assert!(err.contains("unknown key `in_cluster`"), "{err}");
        let f = file("[kube]\nin_cluster = \"sure\"\n");
        let err = load_err(&["--config", f.path().to_str().expect("path")], &[]);
        assert!(
            err.contains("key `kube.in_cluster`: `sure` is not true or false"),
            "{err}"
        );
        let f = file("[oidc]\nscopes = \"openid\"\nadmin_groups = [1]\n");
        let err = load_err(&["--config", f.path().to_str().expect("path")], &[]);
        assert!(
            err.contains("key `oidc.admin_groups`: every item must be a non-empty string"),
            "{err}"
        );
    }

    #[test]
    fn invalid_toml_and_missing_file_are_reported() {
        let f = file("listen_addr = \n");
        let err = load_err(&["--config", f.path().to_str().expect("path")], &[]);
        assert!(err.contains("not valid TOML"), "{err}");
        let err = load_err(&["--config", "/nonexistent/rc.toml"], &[]);
        assert!(
            err.contains("cannot read configuration file /nonexistent/rc.toml"),
            "{err}"
        );
    }

    #[test]
    fn bool_flags_and_lists() {
        let c = load_ok(&["--in-cluster", "--oidc-scopes", "openid, groups,,"], &[]).config;
        assert!(c.kube.in_cluster);
        assert_eq!(c.oidc.scopes, vec!["openid", "groups"]);
        let c = load_ok(
            &["--in-cluster=false"],
            &[("REGISTRY_CONSOLE_IN_CLUSTER", "true")],
        )
        .config;
        assert!(!c.kube.in_cluster);
    }

    #[test]
    fn flags_may_follow_the_subcommand() {
        let (command, loaded) =
            load(args(&["config", "--kubeconfig", "/k"]), env(&[])).expect("loads");
        assert_eq!(command, Command::ShowConfig);
        assert_eq!(loaded.config.kube.kubeconfig, Some(PathBuf::from("/k")));
    }

    #[test]
    fn every_default_is_valid() {
        for setting in SETTINGS {
            if let Some(default) = setting.default {
                parse_text(setting, default, &Source::Default)
                    .unwrap_or_else(|e| panic!("{}: {e}", setting.key));
            }
        }
    }

    /// The env and flag spellings follow one rule, so users can guess them.
    #[test]
    fn spellings_follow_the_naming_rule() {
        for s in SETTINGS {
            let flag = s.key.replace(['.', '_'], "-");
            let env = format!("{ENV_PREFIX}{}", s.key.replace('.', "_").to_uppercase());
            let exceptions = ["kube.kubeconfig", "kube.context", "kube.in_cluster"];
            if !exceptions.contains(&s.key) {
                assert_eq!(s.flag, flag, "{}", s.key);
                assert_eq!(s.env, env, "{}", s.key);
            }
        }
    }

    #[test]
    fn the_user_guide_documents_every_setting_and_command() {
        let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/src");
        // The README keeps the table at a glance; the guide's chapter explains it.
        for file in [
            concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md").to_string(),
            format!("{docs}/settings.md"),
        ] {
            let text = std::fs::read_to_string(&file).expect("the settings reference");
            for s in SETTINGS {
                for needle in [
                    s.key.to_string(),
                    s.env.to_string(),
                    format!("--{}", s.flag),
                ] {
                    assert!(text.contains(&needle), "{file} does not mention {needle}");
                }
            }
        }
        // The commands anywhere in the guide (each has its chapter: the doctor's, …).
        let mut guide = String::new();
        for entry in walk(std::path::Path::new(docs)) {
            guide.push_str(&std::fs::read_to_string(entry).unwrap_or_default());
        }
        for command in cli().get_subcommands() {
            let needle = format!("registry-console {}", command.get_name());
            assert!(
                guide.contains(&needle),
                "the user guide (docs/src) does not mention {needle}"
            );
        }
    }

    /// Every Markdown file under `dir`.
    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
        out
    }

    #[test]
    fn render_shows_values_and_sources() {
        let loaded = load_ok(&["--kubeconfig", "/k"], &[]);
        let text = render(&loaded);
        assert!(
            text.contains("listen_addr = \"127.0.0.1:8080\"  # default"),
            "{text}"
        );
        assert!(
            text.contains("kubeconfig = \"/k\"  # flag --kubeconfig"),
            "{text}"
        );
        assert!(text.contains("# client_id is not set"), "{text}");
        assert!(
            text.contains("idle_timeout = \"30m\"  # default"),
            "durations print as the settings take them: {text}"
        );
        assert!(
            text.contains("database_url = \"sqlite://data/registry-console.db\"  # derived"),
            "{text}"
        );
    }

    #[test]
    fn durations_take_go_syntax_days_and_seconds() {
        let f = file("[audit]\nfollow_up_timeout = 90\n");
        let loaded = load_ok(
            &[
                "--config",
                f.path().to_str().expect("path"),
                "--session-idle-timeout",
                "1h30m",
            ],
            &[("REGISTRY_CONSOLE_SESSION_ABSOLUTE_TIMEOUT", "1.5d")],
        );
        let c = &loaded.config;
        assert_eq!(c.session.idle_timeout, Duration::from_secs(5400));
        assert_eq!(c.session.absolute_timeout, Duration::from_secs(129_600));
        assert_eq!(c.audit.follow_up_timeout, Duration::from_secs(90));
        assert_eq!(
            loaded.sources["audit.follow_up_timeout"],
            Source::File(f.path().to_path_buf())
        );
        for (args, problem) in [
            (
                ["--session-idle-timeout", "0s"],
                "--session-idle-timeout: `0s` must be longer than zero",
            ),
            (
                // A value starting with `-` needs `=`, or it reads as a flag.
                ["config", "--session-absolute-timeout=-5s"],
                "--session-absolute-timeout: `-5s` is not a duration (negative)",
            ),
            (
                ["--session-idle-timeout", "5 minutes"],
                "--session-idle-timeout: `5 minutes` is not a duration (unknown unit ` minutes`)",
            ),
            (
                ["--audit-follow-up-timeout", "1h30"],
                "--audit-follow-up-timeout: `1h30` is not a duration",
            ),
        ] {
            let err = load_err(&args, &[]);
            assert!(err.contains(problem), "{err}");
        }
        let f = file("[session]\nidle_timeout = \"2w\"\n");
        let err = load_err(&["--config", f.path().to_str().expect("path")], &[]);
        assert!(
            err.contains("key `session.idle_timeout`: `2w` is not a duration"),
            "{err}"
        );
    }

    #[test]
    fn kube_timeouts_default_and_parse() {
        let loaded = load_ok(
            &["--kube-connect-timeout", "500ms"],
            &[("REGISTRY_CONSOLE_KUBE_REQUEST_TIMEOUT", "1m30s")],
        );
        let c = &loaded.config;
        assert_eq!(c.kube.connect_timeout, Duration::from_millis(500));
        assert_eq!(c.kube.request_timeout, Duration::from_secs(90));
        assert_eq!(
            loaded.sources["kube.request_timeout"],
            Source::Env("REGISTRY_CONSOLE_KUBE_REQUEST_TIMEOUT")
        );
        let c = load_ok(&[], &[]).config;
        assert_eq!(c.kube.connect_timeout, Duration::from_secs(5));
        assert_eq!(c.kube.request_timeout, Duration::from_secs(15));
        let err = load_err(&["--kube-request-timeout", "soon"], &[]);
        assert!(
            err.contains("--kube-request-timeout: `soon` is not a duration"),
            "{err}"
        );
    }

    #[test]
    fn reason_length_bounds_must_not_cross() {
        let c = load_ok(&[], &[]).config;
        assert_eq!(
            (c.audit.min_reason_length, c.audit.max_reason_length),
            (10, 2000)
        );
        let c = load_ok(&["--audit-max-reason-length", "10"], &[]).config;
        assert_eq!(c.audit.max_reason_length, 10, "equal bounds are allowed");
        let err = load_err(
            &["--audit-min-reason-length", "3000"],
            &[("REGISTRY_CONSOLE_AUDIT_MAX_REASON_LENGTH", "2500")],
        );
        assert!(
            err.contains(
                "audit.max_reason_length `2500` (environment REGISTRY_CONSOLE_AUDIT_MAX_REASON_LENGTH) is less than audit.min_reason_length `3000` (flag --audit-min-reason-length)"
            ),
            "{err}"
        );
        let err = load_err(&["--audit-max-reason-length", "0"], &[]);
        assert!(
            err.contains("--audit-max-reason-length: `0` is not a whole number"),
            "{err}"
        );
    }

    /// [`Layer::set`] nests one level: `section.name`.
    #[test]
    fn keys_have_at_most_one_section() {
        for s in SETTINGS {
            assert!(s.key.matches('.').count() <= 1, "{}", s.key);
        }
    }

    #[test]
    fn whole_seconds_round_up() {
        assert_eq!(whole_seconds(Duration::from_millis(500)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(1800)), 1800);
        assert_eq!(whole_seconds(Duration::from_millis(1001)), 2);
    }

    #[test]
    fn suggestions_pick_the_nearest_known_name() {
        let known = ["listen_addr", "log.level", "log.format"];
        assert_eq!(
            suggestion("listen_adr", known.into_iter()),
            " (did you mean `listen_addr`?)"
        );
        assert_eq!(
            suggestion("log.lvel", known.into_iter()),
            " (did you mean `log.level`?)"
        );
        assert!(suggestion("colour", known.into_iter()).contains("--help"));
    }
}
