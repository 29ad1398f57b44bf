//! `registry-console-sandbox up`: starts the sandbox and keeps it running until Ctrl-C or
//! SIGTERM, printing what a developer needs to use it.
//! `registry-console-sandbox client`: runs a command (a shell by default) as a client of a
//! running sandbox's registry (see `client.rs`): its Route hosts resolve, podman is ready,
//! and `oc whoami -t` answers with the sandbox client's token. `--root` names the checkout whose
//! scripts and CRDs it uses (default: the one it was built from). With `--postgres`, also a PostgreSQL
//! server for the console's database (its URL goes into sandbox.env as `DATABASE_URL`).

use registry_console_sandbox::sandbox::{Options, Sandbox};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: registry-console-sandbox up [--dir DIR] [--root CHECKOUT] [--console-url URL]… [--oidc-port PORT] [--postgres]\n       registry-console-sandbox client [--dir DIR] [--wait-for-host HOST]… [-- COMMAND [ARG]…]\n         (identity: $SANDBOX_CLIENT_USER and $SANDBOX_CLIENT_TOKEN, else the sandbox's registry-client service account)";

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SANDBOX_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,kube=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("up") => {}
        Some("client") => return client(args.collect()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let mut dir = PathBuf::from(".cache/sandbox");
    let mut console_urls = Vec::new();
    let mut oidc_port = None;
    let mut postgres = false;
    let mut root = registry_console_sandbox::sandbox::checkout_root();
    while let Some(arg) = args.next() {
        if arg == "--postgres" {
            postgres = true;
            continue;
        }
        let value = args.next();
        match (arg.as_str(), value) {
            ("--dir", Some(v)) => dir = PathBuf::from(v),
            ("--root", Some(v)) => root = PathBuf::from(v),
            ("--console-url", Some(v)) => console_urls.push(v),
            ("--oidc-port", Some(v)) => match v.parse() {
                Ok(port) => oidc_port = Some(port),
                Err(_) => {
                    eprintln!("--oidc-port: `{v}` is not a port number");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        if console_urls.is_empty() {
            console_urls.push("http://127.0.0.1:8080".to_string());
        }
        let mut options = Options::for_root(&root, dir, console_urls);
        options.oidc_port = oidc_port;
        let sandbox = match Sandbox::start(options).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("registry-console-sandbox: {e}");
                return ExitCode::FAILURE;
            }
        };
        let info = &sandbox.info;
        // Kept until the sandbox stops (dropping it stops the server).
        let _database = if postgres {
            let started = registry_console_sandbox::postgres::Postgres::start(&info.dir.join("postgres"))
                .and_then(|server| {
                    let url = server.create_database("registry_console")?;
                    use std::io::Write;
                    let mut env = std::fs::OpenOptions::new()
                        .append(true)
                        .open(info.dir.join("sandbox.env"))?;
                    writeln!(env, "DATABASE_URL={url}")?;
                    println!("  PostgreSQL      {url}");
                    Ok(server)
                });
            match started {
                Ok(server) => Some(server),
                Err(e) => {
                    eprintln!("registry-console-sandbox: PostgreSQL: {e}");
                    return ExitCode::FAILURE;
                }
            }
        } else {
            None
        };
        println!("sandbox ready in {:.1} s", info.startup_seconds);
        println!("  API server      {}", info.apiserver_url);
        println!("  admin kubeconfig {}", info.kubeconfig.display());
        println!("  OIDC issuer     {}", info.oidc.issuer);
        println!("  registry metrics {}", info.registry_metrics_url);
        println!("  environment     {}", info.dir.join("sandbox.env").display());
        println!("  users (sandbox only): admin/admin-password, viewer/viewer-password, auditor/auditor-password, nobody/nobody-password, projectadmin/projectadmin-password");
        wait_for_stop_signal().await;
        eprintln!("stopping the sandbox");
        sandbox.stop();
        ExitCode::SUCCESS
    })
}

fn client(args: Vec<String>) -> ExitCode {
    use registry_console_sandbox::client;
    let mut dir = PathBuf::from(".cache/sandbox");
    let mut hosts = Vec::new();
    let mut argv = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            argv = args.by_ref().collect();
            break;
        }
        match (arg.as_str(), args.next()) {
            ("--dir", Some(v)) => dir = PathBuf::from(v),
            ("--wait-for-host", Some(v)) => hosts.push(v),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let prepared = runtime.block_on(async {
        for host in &hosts {
            client::wait_for_host(&dir, host, std::time::Duration::from_secs(20)).await?;
        }
        let identity = match (
            std::env::var("SANDBOX_CLIENT_USER"),
            std::env::var("SANDBOX_CLIENT_TOKEN"),
        ) {
            (Ok(user), Ok(token)) => client::Identity { user, token },
            _ => {
                let env = std::fs::read_to_string(dir.join("sandbox.env")).map_err(|e| {
                    registry_console_sandbox::Error::Setup(format!(
                        "{}: {e}: is the sandbox running there?",
                        dir.join("sandbox.env").display()
                    ))
                })?;
                let kubeconfig = env
                    .lines()
                    .find_map(|l| l.strip_prefix("KUBECONFIG="))
                    .unwrap_or_default();
                let admin = registry_console_sandbox::sandbox::admin_client(std::path::Path::new(
                    kubeconfig,
                ))
                .await?;
                let (namespace, name) = client::DEFAULT_SERVICE_ACCOUNT;
                client::service_account_token(&admin, namespace, name).await?
            }
        };
        client::command(&dir, &identity, &argv)
    });
    let mut command = match prepared {
        Ok(c) => c,
        Err(e) => {
            eprintln!("registry-console-sandbox client: {e}");
            return ExitCode::FAILURE;
        }
    };
    drop(runtime);
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    eprintln!("registry-console-sandbox client: cannot run unshare: {error}");
    ExitCode::FAILURE
}

async fn wait_for_stop_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
