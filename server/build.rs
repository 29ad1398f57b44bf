//! Embeds the built site in the binary when `EMBED_SITE_ROOT` names it (`./dev
//! build` does): every file with its SHA-256, and gzip -9 and brotli (quality 11) variants
//! made here, once, so the server never compresses an asset at run time. Without the
//! variable the binary embeds nothing and serves the site from `--site-root`.
//!
//! Written by hand rather than with memory-serve: that crate decompresses every asset into
//! memory at start (the idle memory budget is 30 MB; these bytes stay in the binary's
//! pages until asked for), and its per-file hashed URLs would break the WASM loader, which
//! fetches its chunks relative to its own URL. Here the whole site gets one hash, in the
//! directory name (`/assets/<hash>/…`, see `http/assets.rs`).

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn files_under(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files_under(&path, found)?;
        } else {
            found.push(path);
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut text, b| {
        let _ = write!(text, "{b:02x}");
        text
    })
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn brotli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        encoder.write_all(bytes)?;
    }
    Ok(out)
}

fn main() -> std::io::Result<()> {
    println!("cargo:rerun-if-env-changed=EMBED_SITE_ROOT");
    let out = PathBuf::from(
        std::env::var_os("OUT_DIR")
            .ok_or_else(|| std::io::Error::other("cargo sets OUT_DIR for build scripts"))?,
    );
    let mut code = String::from("pub static ASSETS: &[EmbeddedAsset] = &[\n");
    let mut site_hash = Sha256::new();
    if let Some(root) = std::env::var_os("EMBED_SITE_ROOT") {
        // A relative path is from the workspace's root (where `./dev` runs).
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(root);
        let root = std::fs::canonicalize(&root).map_err(|e| {
            std::io::Error::other(format!(
                "EMBED_SITE_ROOT names {}, which cannot be read ({e}); build the site first: ./dev site",
                root.display()
            ))
        })?;
        println!("cargo:rerun-if-changed={}", root.display());
        let mut files = Vec::new();
        files_under(&root, &mut files)?;
        files.sort();
        for (index, file) in files.iter().enumerate() {
            println!("cargo:rerun-if-changed={}", file.display());
            let relative = file
                .strip_prefix(&root)
                .map_err(std::io::Error::other)?
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(file)?;
            let digest = hex(&Sha256::digest(&bytes));
            site_hash.update(relative.as_bytes());
            site_hash.update([0]);
            site_hash.update(digest.as_bytes());
            // A variant is kept only when it saves something worth a header.
            let variant = |name: &str, compressed: Vec<u8>| -> std::io::Result<String> {
                if compressed.len() * 10 > bytes.len() * 9 {
                    return Ok("None".to_string());
                }
                let path = out.join(format!("site-{index}.{name}"));
                std::fs::write(&path, compressed)?;
                Ok(format!(
                    "Some(include_bytes!({:?}))",
                    path.display().to_string()
                ))
            };
            let _ = writeln!(
                code,
                "    EmbeddedAsset {{ path: {relative:?}, sha256: {digest:?}, identity: include_bytes!({:?}), gzip: {}, brotli: {} }},",
                file.display().to_string(),
                variant("gz", gzip(&bytes)?)?,
                variant("br", brotli(&bytes)?)?,
            );
        }
    }
    code.push_str("];\n");
    let hash = if code.contains("EmbeddedAsset {") {
        hex(&site_hash.finalize())[..16].to_string()
    } else {
        String::new()
    };
    let _ = writeln!(code, "pub const SITE_HASH: &str = {hash:?};");
    std::fs::write(out.join("embedded_site.rs"), code)
}
