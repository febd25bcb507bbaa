//! Where certhelp keeps its cache and reads its configuration (XDG base
//! directories). Pure lookups of environment variables; creates nothing.
//!
//! Empty or relative values are ignored, as the XDG specification asks: a
//! cache must never land in whatever the current directory happens to be.

use std::path::PathBuf;

fn absolute_var(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).map(PathBuf::from).filter(|p| p.is_absolute())
}

/// `$XDG_CACHE_HOME/certhelp`, else `$HOME/.cache/certhelp`.
pub fn cache() -> Option<PathBuf> {
    absolute_var("XDG_CACHE_HOME")
        .or_else(|| absolute_var("HOME").map(|h| h.join(".cache")))
        .map(|d| d.join("certhelp"))
}

/// `$XDG_CONFIG_HOME/certhelp`, else `$HOME/.config/certhelp`.
pub fn config() -> Option<PathBuf> {
    absolute_var("XDG_CONFIG_HOME")
        .or_else(|| absolute_var("HOME").map(|h| h.join(".config")))
        .map(|d| d.join("certhelp"))
}

/// The home directory, when it is an absolute path.
pub fn home() -> Option<PathBuf> {
    absolute_var("HOME")
}

/// certhelp's state (backups, journals, locks): `CERTHELP_STATE_DIR`, else
/// `$XDG_STATE_HOME/certhelp`, else `$HOME/.local/state/certhelp`.
pub fn state() -> Option<PathBuf> {
    absolute_var("CERTHELP_STATE_DIR")
        .or_else(|| absolute_var("XDG_STATE_HOME").map(|d| d.join("certhelp")))
        .or_else(|| absolute_var("HOME").map(|h| h.join(".local/state/certhelp")))
}
