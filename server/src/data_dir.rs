//! The console's own files (`data_dir`): the SQLite database with its sessions and audit
//! trail, and the keys. Only the console's user may read them: the directory is 0700 and
//! every file in it 0600. Files the console creates get that from its umask; a directory
//! or file found wider at start is narrowed, and the console says so (a copy made with
//! `cp`, an old version that left 0644 files). A file it cannot narrow stops the start; a
//! directory it does not own (a mounted volume) is left, with a warning.
//!
//! Also the one place that makes a key file (a random 32-byte key, hex, 0600, created on
//! first use): the audit fingerprint key and the session token key.

use std::io::{Error, ErrorKind};
use std::path::{Path, PathBuf};

/// Creates `dir` (0700) if missing and narrows it and the files in it; the paths it
/// changed. The process's umask is set so that files created later are 0600 as well.
pub fn secure(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        // SAFETY: umask(2) only sets the calling process's file mode creation mask.
        unsafe {
            libc::umask(0o077);
        }
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        let mut narrowed = Vec::new();
        let mut narrow = |path: &Path, wanted: u32| -> std::io::Result<()> {
            let meta = std::fs::symlink_metadata(path)?;
            if meta.file_type().is_symlink() {
                return Ok(());
            }
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & wanted))
                    .map_err(|e| {
                        Error::new(
                            e.kind(),
                            format!(
                                "{} is readable by others (mode {mode:o}) and cannot be narrowed: {e}",
                                path.display()
                            ),
                        )
                    })?;
                narrowed.push(path.to_path_buf());
            }
            Ok(())
        };
        // A directory the console does not own (a volume mounted for it, such as an
        // emptyDir in a pod with an fsGroup) cannot be narrowed by it; its files still are,
        // which is what protects their contents.
        if let Err(e) = narrow(dir, 0o700) {
            tracing::warn!(error = %e, "the data directory stays as it is; its files are the console's alone");
        }
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                narrow(&entry.path(), 0o600)?;
            }
        }
        Ok(narrowed)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)?;
        Ok(Vec::new())
    }
}

/// The 32-byte key in `path` (64 hex digits), created at random (0600) when missing. It is
/// kept beside the database rather than in it, so a copy of the database alone reveals
/// nothing the key protects.
pub fn load_or_create_key(path: &Path) -> std::io::Result<[u8; 32]> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let text = text.trim();
            let invalid = || {
                Error::new(
                    ErrorKind::InvalidData,
                    format!("{}: expected 64 hex digits", path.display()),
                )
            };
            if text.len() != 64 {
                return Err(invalid());
            }
            let mut key = [0u8; 32];
            for (i, byte) in key.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).map_err(|_| invalid())?;
            }
            Ok(key)
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            use rand::RngCore;
            use std::io::Write;
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(path)?;
            file.write_all(crate::audit::chain::hex(&key).as_bytes())?;
            Ok(key)
        }
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn a_new_directory_is_0700_and_wide_files_are_narrowed() {
        let temp = tempfile::tempdir().expect("temp");
        let dir = temp.path().join("data");
        assert!(secure(&dir).expect("secure").is_empty());
        assert_eq!(mode(&dir), 0o700);
        let db = dir.join("registry-console.db");
        std::fs::write(&db, "x").expect("write");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let narrowed = secure(&dir).expect("secure");
        assert_eq!(narrowed, vec![dir.clone(), db.clone()]);
        assert_eq!((mode(&dir), mode(&db)), (0o700, 0o600));
        // Files created from now on are the console's alone.
        let key = dir.join("k.key");
        load_or_create_key(&key).expect("key");
        std::fs::write(dir.join("new"), "y").expect("write");
        assert_eq!((mode(&key), mode(&dir.join("new"))), (0o600, 0o600));
        assert_eq!(
            load_or_create_key(&key).expect("again"),
            load_or_create_key(&key).expect("same")
        );
    }
}
