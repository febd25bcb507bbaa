//! Chrome, Chromium, Edge and Evolution on Linux: which of them are installed
//! and which shared NSS database they use (pitfall 10: `~/.pki/nssdb`,
//! Chromium 146+ `~/.local/share/pki/nssdb` when the old one is absent, snap
//! Chromium's own copy).
//!
//! Tables plus existence checks; no database is opened here. On macOS and
//! Windows these browsers use the keychain / Windows store (see `probe::platform`).

use std::path::{Path, PathBuf};

/// A Chromium-family browser or a mail client using the shared NSS DB.
#[derive(Debug, Clone, Copy)]
pub struct NssDbApp {
    pub app: &'static str,
    pub name: &'static str,
    pub variant: Option<&'static str>,
    /// Config directories under `$HOME` whose presence means "used here".
    pub config_dirs: &'static [&'static str],
    /// Program paths whose presence means "installed".
    pub binaries: &'static [&'static str],
    /// File under the config dir holding the version (`Last Version`).
    pub version_file: Option<&'static str>,
    /// NSS DB candidates under `$HOME`, first existing wins.
    pub nssdb: &'static [&'static str],
}

const SHARED_DB: &[&str] = &[".pki/nssdb", ".local/share/pki/nssdb"];

pub const LINUX_APPS: &[NssDbApp] = &[
    NssDbApp {
        app: "chrome",
        name: "Google Chrome",
        variant: None,
        config_dirs: &[".config/google-chrome"],
        binaries: &["/opt/google/chrome/chrome", "/usr/bin/google-chrome"],
        version_file: Some(".config/google-chrome/Last Version"),
        nssdb: SHARED_DB,
    },
    NssDbApp {
        app: "chromium",
        name: "Chromium",
        variant: None,
        config_dirs: &[".config/chromium"],
        binaries: &["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"],
        version_file: Some(".config/chromium/Last Version"),
        nssdb: SHARED_DB,
    },
    NssDbApp {
        app: "chromium",
        name: "Chromium (snap)",
        variant: Some("snap"),
        config_dirs: &["snap/chromium"],
        binaries: &["/snap/bin/chromium"],
        version_file: Some("snap/chromium/current/.config/chromium/Last Version"),
        nssdb: &["snap/chromium/current/.pki/nssdb"],
    },
    NssDbApp {
        app: "edge",
        name: "Microsoft Edge",
        variant: None,
        config_dirs: &[".config/microsoft-edge"],
        binaries: &["/opt/microsoft/msedge/msedge", "/usr/bin/microsoft-edge"],
        version_file: Some(".config/microsoft-edge/Last Version"),
        nssdb: SHARED_DB,
    },
    NssDbApp {
        app: "evolution",
        name: "Evolution",
        variant: None,
        config_dirs: &[".config/evolution", ".local/share/evolution"],
        binaries: &["/usr/bin/evolution"],
        version_file: None,
        nssdb: SHARED_DB,
    },
];

/// Found: the app, its version when cheap, and its NSS DB directory when
/// one exists.
#[derive(Debug, Clone)]
pub struct FoundApp {
    pub def: NssDbApp,
    pub version: Option<String>,
    pub nssdb: Option<PathBuf>,
}

/// The first candidate directory that holds a database.
pub fn nssdb_dir(home: &Path, candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(|c| home.join(c)).find(|d| crate::store::nss::db_format(d).is_some())
}

/// Apps installed or used under `home`.
pub fn discover(home: &Path) -> Vec<FoundApp> {
    LINUX_APPS
        .iter()
        .filter(|a| {
            a.config_dirs.iter().any(|d| home.join(d).is_dir()) || a.binaries.iter().any(|b| Path::new(b).exists())
        })
        .map(|a| FoundApp {
            def: *a,
            version: a
                .version_file
                .and_then(|f| std::fs::read_to_string(home.join(f)).ok())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            nssdb: nssdb_dir(home, a.nssdb),
        })
        .collect()
}
