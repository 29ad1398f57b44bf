use registry_console::config::{self, Command};
use std::process::ExitCode;

/// See server/Cargo.toml: page renders make many small allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let (command, loaded) = match config::load(std::env::args_os(), std::env::vars_os()) {
        Ok(loaded) => loaded,
        // Usage errors, --help and --version: clap prints and picks the exit code.
        Err(registry_console::error::Error::Cli(e)) => e.exit(),
        Err(e) => {
            eprintln!("registry-console: {e}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::ShowConfig => {
            print!("{}", config::render(&loaded));
            ExitCode::SUCCESS
        }
        Command::SiteSizes => {
            let site_root = loaded
                .config
                .site_root
                .clone()
                .unwrap_or_else(|| registry_console::http::assets::DEFAULT_SITE_ROOT.into());
            match registry_console::site_sizes::measure(&site_root) {
                Ok(pages) => {
                    print!("{}", registry_console::site_sizes::report(&pages));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!(
                        "registry-console: cannot measure the site in {}: {e}",
                        site_root.display()
                    );
                    ExitCode::FAILURE
                }
            }
        }
        Command::Doctor(output) => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(e) => {
                    eprintln!("registry-console: cannot start the async runtime: {e}");
                    return ExitCode::from(3);
                }
            };
            runtime.block_on(registry_console::doctor_command::run(
                &loaded.config,
                output,
            ))
        }
        Command::AuditVerify => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(e) => {
                    eprintln!("registry-console: cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            runtime.block_on(registry_console::audit::verify_command(&loaded.config))
        }
        Command::Serve => {
            if let Err(e) = registry_console::telemetry::init(&loaded.config.log) {
                eprintln!("registry-console: {e}");
                return ExitCode::from(2);
            }
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(e) => {
                    eprintln!("registry-console: cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(registry_console::serve(loaded.config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e}");
                    eprintln!("registry-console: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
