//! The site's files (WASM bundle, CSS, `public/`) under `/assets/<site hash>/<path>`.
//!
//! One hash names the whole site, in the directory part of every URL, so the WASM loader's
//! relative fetches (its chunks, `registry_console_bg.wasm`) stay inside the same hashed
//! directory. A URL therefore never changes meaning, and the embedded site is served with a
//! year-long `immutable` cache lifetime and its precompressed brotli or gzip variant
//! (build.rs). A URL with another hash (a page from an older or newer replica during a
//! rolling update) gets 404 and `no-store`: serving this build's file there would put the
//! wrong bytes in caches for good.
//!
//! With `--site-root` (development), files come from that directory and are hashed at
//! start; they may change while the console runs, so they are never cached long.

use axum::extract::{Path as UrlPath, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use sha2::{Digest, Sha256};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// One file of the site as build.rs embedded it.
pub struct EmbeddedAsset {
    /// Relative to the site's root, `/`-separated (`pkg/registry_console.js`).
    pub path: &'static str,
    pub sha256: &'static str,
    pub identity: &'static [u8],
    pub gzip: Option<&'static [u8]>,
    pub brotli: Option<&'static [u8]>,
}

mod embedded {
    use super::EmbeddedAsset;
    include!(concat!(env!("OUT_DIR"), "/embedded_site.rs"));
}

/// The stylesheet, the bundle and the split manifest are under this directory of the site.
pub const PKG_DIR: &str = "pkg";
/// Where a build without an embedded site finds the site when no `--site-root` is given.
pub const DEFAULT_SITE_ROOT: &str = "target/site";

enum Source {
    Embedded(&'static [EmbeddedAsset]),
    Directory(PathBuf),
}

pub struct Site {
    source: Source,
    hash: String,
}

impl Site {
    /// `site_root` if given, else the site embedded in this binary, else
    /// [`DEFAULT_SITE_ROOT`] (a development build made without `./dev build`).
    pub fn open(site_root: Option<&Path>) -> Site {
        match site_root {
            None if !embedded::ASSETS.is_empty() => Site::embedded(embedded::ASSETS),
            None => Site::directory(Path::new(DEFAULT_SITE_ROOT)),
            Some(root) => Site::directory(root),
        }
    }

    fn embedded(assets: &'static [EmbeddedAsset]) -> Site {
        Site {
            source: Source::Embedded(assets),
            hash: embedded::SITE_HASH.to_string(),
        }
    }

    /// The directory's files hashed now (a missing directory hashes as empty: its pages
    /// then load without styles, and the start-up log says where it looked).
    fn directory(root: &Path) -> Site {
        let mut files = Vec::new();
        files_under(root, &mut files);
        files.sort();
        let mut hash = Sha256::new();
        for file in &files {
            hash.update(
                file.strip_prefix(root)
                    .unwrap_or(file)
                    .as_os_str()
                    .as_encoded_bytes(),
            );
            hash.update(std::fs::read(file).unwrap_or_default());
        }
        Site {
            source: Source::Directory(root.to_path_buf()),
            hash: hex(&hash.finalize()[..8]),
        }
    }

    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Leptos' `site_pkg_dir`: the hashed URL directory of [`PKG_DIR`], without slashes
    /// around it.
    pub fn pkg_url_dir(&self) -> String {
        format!("assets/{}/{PKG_DIR}", self.hash)
    }

    /// For the start-up log.
    pub fn describe(&self) -> String {
        match &self.source {
            Source::Embedded(assets) => format!("embedded ({} files)", assets.len()),
            Source::Directory(root) => format!("directory {}", root.display()),
        }
    }

    /// A file's whole content (`pkg/__wasm_split_manifest.json` for the shell).
    pub fn read(&self, path: &str) -> Option<Vec<u8>> {
        match &self.source {
            Source::Embedded(assets) => assets
                .iter()
                .find(|a| a.path == path)
                .map(|a| a.identity.to_vec()),
            Source::Directory(root) => std::fs::read(root.join(safe_relative(path)?)).ok(),
        }
    }

    async fn respond(&self, hash: &str, path: &str, request: &HeaderMap) -> Response {
        if hash != self.hash {
            return not_found();
        }
        match &self.source {
            Source::Embedded(assets) => match assets.iter().find(|a| a.path == path) {
                Some(asset) => embedded_response(asset, request),
                None => not_found(),
            },
            Source::Directory(root) => {
                let Some(relative) = safe_relative(path) else {
                    return not_found();
                };
                match tokio::fs::read(root.join(relative)).await {
                    Ok(bytes) => (
                        [
                            (header::CONTENT_TYPE, content_type(path)),
                            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                        ],
                        bytes,
                    )
                        .into_response(),
                    Err(_) => not_found(),
                }
            }
        }
    }
}

/// `/assets/<hash>/<path>` and `/favicon.svg` (browsers ask for it at the root).
pub fn routes<S>(site: Arc<Site>) -> axum::Router<S> {
    axum::Router::new()
        .route(
            "/assets/{hash}/{*path}",
            get(
                |State(site): State<Arc<Site>>,
                 UrlPath((hash, path)): UrlPath<(String, String)>,
                 headers: HeaderMap| async move {
                    site.respond(&hash, &path, &headers).await
                },
            ),
        )
        .route(
            "/favicon.svg",
            get(|State(site): State<Arc<Site>>| async move {
                match site.read("favicon.svg") {
                    Some(bytes) => (
                        [
                            (header::CONTENT_TYPE, content_type("favicon.svg")),
                            (
                                header::CACHE_CONTROL,
                                HeaderValue::from_static("max-age=86400"),
                            ),
                        ],
                        bytes,
                    )
                        .into_response(),
                    None => not_found(),
                }
            }),
        )
        .with_state(site)
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn embedded_response(asset: &EmbeddedAsset, request: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", asset.sha256);
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    let revalidated = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if revalidated {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, content_type(asset.path));
    let accepted = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let body = match (asset.brotli, asset.gzip) {
        (Some(br), _) if accepts(accepted, "br") => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            br
        }
        (_, Some(gz)) if accepts(accepted, "gzip") => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            gz
        }
        _ => asset.identity,
    };
    (headers, body).into_response()
}

/// Whether an `Accept-Encoding` value accepts `coding` (named, or `*`, and not `q=0`).
fn accepts(accept_encoding: &str, coding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
    })
}

fn content_type(path: &str) -> HeaderValue {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    HeaderValue::from_str(mime.essence_str())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
    )
        .into_response()
}

/// `path` as a relative path with plain components only (no `..`, no root).
fn safe_relative(path: &str) -> Option<PathBuf> {
    let relative = PathBuf::from(path);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(relative)
}

fn files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("gzip;q=1.0, br;q=0.5", "br"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(accepts("*", "gzip"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("identity", "gzip"));
    }

    #[test]
    fn only_plain_relative_paths_are_read() {
        assert!(safe_relative("pkg/registry_console.js").is_some());
        assert!(safe_relative("../Cargo.toml").is_none());
        assert!(safe_relative("pkg/../../etc/passwd").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
    }

    static FIXTURE: [EmbeddedAsset; 1] = [EmbeddedAsset {
        path: "pkg/app.js",
        sha256: "abc",
        identity: b"console.log('identity')",
        gzip: Some(b"gzip bytes"),
        brotli: Some(b"brotli bytes"),
    }];

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec()
    }

    #[tokio::test]
    async fn embedded_files_are_immutable_precompressed_and_revalidated() {
        let site = Site {
            source: Source::Embedded(&FIXTURE),
            hash: "h1".into(),
        };
        let mut request = HeaderMap::new();
        request.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br"),
        );
        let response = site.respond("h1", "pkg/app.js", &request).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(response.headers()[header::CACHE_CONTROL], IMMUTABLE);
        assert_eq!(response.headers()[header::ETAG], "\"abc\"");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/javascript");
        assert_eq!(body(response).await, b"brotli bytes");

        request.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        let response = site.respond("h1", "pkg/app.js", &request).await;
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(body(response).await, b"gzip bytes");

        request.remove(header::ACCEPT_ENCODING);
        let response = site.respond("h1", "pkg/app.js", &request).await;
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body(response).await, b"console.log('identity')");

        request.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abc\""));
        let response = site.respond("h1", "pkg/app.js", &request).await;
        assert_eq!(response.status(), 304);

        // Another build's hash, or a file this build lacks: 404, never cached.
        for (hash, path) in [("h0", "pkg/app.js"), ("h1", "pkg/missing.js")] {
            let response = site.respond(hash, path, &HeaderMap::new()).await;
            assert_eq!(response.status(), 404);
            assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        }
    }
}
