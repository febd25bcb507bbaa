//! Facts about files the apps need: who owns them, whether the owner may
//! write them, whether a profile is held open (lock files), whether pcscd's
//! socket is there. Cheap `stat` calls only; no file is opened for writing.

use std::path::Path;

/// The uid this process runs as (owner of /proc/self), Unix only.
#[cfg(unix)]
pub fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .ok()
        .map(|m| m.uid())
        .or_else(|| std::env::var_os("HOME").and_then(|h| std::fs::metadata(h).ok()).map(|m| m.uid()))
}

#[cfg(not(unix))]
pub fn current_uid() -> Option<u32> {
    None
}

/// `Some(owner_uid)` when `file` exists and the user cannot rely on writing
/// it: owned by another uid, or without the owner's write bit. Root ignores
/// modes, which is why ownership is what counts (NOTES-testing).
#[cfg(unix)]
pub fn not_writable(file: &Path, uid: Option<u32>) -> Option<Option<u32>> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(file).ok()?;
    let other_owner = uid.is_some_and(|u| u != m.uid());
    let no_write = m.mode() & 0o200 == 0;
    (other_owner || no_write).then_some(Some(m.uid()))
}

#[cfg(not(unix))]
pub fn not_writable(file: &Path, _uid: Option<u32>) -> Option<Option<u32>> {
    let m = std::fs::metadata(file).ok()?;
    m.permissions().readonly().then_some(None)
}

/// A Mozilla app holds the profile: the fcntl lock on `.parentlock`, which
/// only a running app holds (the `lock` symlink can stay behind after the
/// app exits). See [`crate::store::lock::app_running`].
pub fn profile_locked(dir: &Path) -> bool {
    crate::store::lock::app_running(dir)
}

/// pcscd listens on this socket when it runs (or is socket-activated).
/// `PCSCLITE_CSOCK_NAME` moves it, as in pcsc-lite itself.
pub fn pcscd_running() -> Option<bool> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let sock = std::env::var_os("PCSCLITE_CSOCK_NAME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/run/pcscd/pcscd.comm".into());
    Some(is_socket(&sock))
}

#[cfg(unix)]
fn is_socket(p: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(p).is_ok_and(|m| m.file_type().is_socket())
}

#[cfg(not(unix))]
fn is_socket(_p: &Path) -> bool {
    false
}
