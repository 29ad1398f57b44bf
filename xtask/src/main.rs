//! Build steps of the Registry Console site that no installed tool does (`./dev build`
//! calls them).
//!
//! `xtask wasm-split <input.wasm> <out_dir> [--out-name NAME]`
//!
//! Splits the raw `cargo` output (linked with `-C link-args=--emit-relocs`) into a main
//! module and one lazily loaded `.wasm` chunk per `#[lazy]` / `#[island(lazy)]`, exactly as
//! cargo-leptos 0.3.6 does in `src/wasm_split_tools/mod.rs`. It exists because the
//! `wasm-split-cli` binary of `wasm_split_cli_support` can neither set the link-module name
//! (`./__wasm_split.______________________.js`, the name Leptos' `HydrationScripts` looks
//! for) nor write `__wasm_split_manifest.json` (read by Leptos to emit preload links).
//!
//! Writes into `out_dir` (the site's `pkg/` dir): the chunks, the link JS and the manifest.
//! Writes the main module next to the input as `<stem>_split.wasm` (feed that to
//! wasm-bindgen with `--keep-lld-exports --no-demangle --out-name NAME --out-dir out_dir`)
//! and prints its path on stdout. The chunks must be `wasm-opt`ed like the main module.

use std::{path::PathBuf, process::ExitCode};

/// Link-module name cargo-leptos uses; Leptos hard-codes it (unless files are hashed).
const LINK_NAME: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("wasm-split") => match wasm_split(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask wasm-split: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: xtask wasm-split <input.wasm> <out_dir> [--out-name NAME]");
            ExitCode::from(2)
        }
    }
}

fn wasm_split(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let (input, out_dir, out_name) = match args {
        [i, o] => (i, o, "registry_console"),
        [i, o, flag, name] if flag == "--out-name" => (i, o, name.as_str()),
        _ => return Err("usage: xtask wasm-split <input.wasm> <out_dir> [--out-name NAME]".into()),
    };
    let input = PathBuf::from(input);
    let out_dir = PathBuf::from(out_dir);
    let input_wasm = std::fs::read(&input)?;
    // As cargo-leptos: the split main module stays beside the cargo output ...
    let stem = input
        .file_stem()
        .ok_or("input has no file name")?
        .to_string_lossy();
    let main_out = input.with_file_name(format!("{stem}_split.wasm"));
    // ... and the link module imports `initSync` from the wasm-bindgen JS next to it.
    let main_module = format!("./{out_name}.js");
    std::fs::create_dir_all(&out_dir)?;
    // Not in cargo-leptos: drop chunks of an earlier build (their names carry source-location
    // hashes, so stale ones would otherwise pile up in pkg/).
    for entry in std::fs::read_dir(&out_dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".wasm") && (name.starts_with("split_") || name.starts_with("chunk_")) {
            std::fs::remove_file(&path)?;
        }
    }

    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input_wasm);
        opts.output_dir = &out_dir;
        opts.main_out_path = &main_out;
        opts.main_module = &main_module;
        opts.link_name = LINK_NAME;
        opts.verbose = false;
        opts
    })
    .map_err(|e| format!("{e:#}"))?;
    std::fs::write(
        out_dir.join(MANIFEST),
        serde_json::to_string_pretty(&split.prefetch_map)?,
    )?;
    for chunk in &split.split_modules {
        eprintln!("chunk {}", chunk.display());
    }
    println!("{}", main_out.display());
    Ok(())
}
