//! Who may write a store right now: certhelp's own per-store lock, and the
//! signs that an app (Firefox, Thunderbird, Chromium...) has the store open.
//!
//! - [`lock_store`]: two certhelp processes that write one store are
//!   serialised by `flock(LOCK_EX)` on `<state>/locks/<key>.lock`, released
//!   when the [`StoreLock`] drops (or the process dies: the kernel drops
//!   flock locks with the last descriptor, so a killed certhelp never leaves
//!   a store locked). The holder's pid is written into the file so a reader
//!   can tell which process holds it ([`lock_holder`]).
//! - [`app_running`]: a Mozilla app holds an fcntl write lock on its
//!   profile's `.parentlock` for as long as it runs. The `lock` symlink is
//!   no signal: it stays behind after a crash or a headless run.
//! - [`store_users`]: other processes that have the store's database files
//!   open (Chromium's shared NSS DB has no `.parentlock`; any NSS app keeps
//!   `cert9.db` open while it runs). Linux `/proc` only; elsewhere empty.
//!
//! This module never removes a lock file (removing a flock file races with
//! a process that just opened it) and never decides what to do when a store
//! is in use: callers refuse or wait.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::store::StoreError;

/// A store's key in certhelp's state directory: the first 16 hex digits of
/// the SHA-256 of its canonical path. Locks, journals and backups of one
/// store share it, whatever spelling of the path the user typed.
pub fn store_key(dir: &Path) -> String {
    let canon = canonical(dir);
    let digest = openssl::sha::sha256(canon.as_os_str().as_encoded_bytes());
    crate::cert::hex(&digest[..8])
}

/// The canonical form of a store directory (symlinks resolved), or the path
/// as given when it does not exist.
pub fn canonical(dir: &Path) -> PathBuf {
    fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// An exclusive hold on one store for this process's writes. Dropping it
/// releases the lock.
#[derive(Debug)]
pub struct StoreLock {
    file: File,
    path: PathBuf,
}

impl StoreLock {
    /// The lock file (in certhelp's state directory).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        // Closing the descriptor releases the lock too; unlocking first makes
        // the release independent of any descriptor a child may share.
        unsafe {
            libc::flock(self.file.as_raw_fd(), libc::LOCK_UN);
        }
    }
}

/// Take the store's lock, waiting while another certhelp process holds it.
pub fn lock_store(dir: &Path) -> Result<StoreLock, StoreError> {
    lock_store_in(&crate::fsutil::state_dir()?, dir)
}

/// Take the store's lock if it is free; `Ok(None)` when another certhelp
/// process holds it.
pub fn try_lock_store(dir: &Path) -> Result<Option<StoreLock>, StoreError> {
    try_lock_store_in(&crate::fsutil::state_dir()?, dir)
}

/// [`lock_store`] with an explicit state directory.
pub fn lock_store_in(state: &Path, dir: &Path) -> Result<StoreLock, StoreError> {
    let (file, path) = open_lock_file(state, dir)?;
    loop {
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(StoreError::io(&path, &e));
        }
    }
    held(file, path)
}

/// [`try_lock_store`] with an explicit state directory.
pub fn try_lock_store_in(state: &Path, dir: &Path) -> Result<Option<StoreLock>, StoreError> {
    let (file, path) = open_lock_file(state, dir)?;
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let e = std::io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::EWOULDBLOCK) => Ok(None),
            _ => Err(StoreError::io(&path, &e)),
        };
    }
    held(file, path).map(Some)
}

/// The pid of the certhelp process that holds the store's lock now, if any.
/// A lock held by this very process counts (with this process's pid).
pub fn lock_holder(state: &Path, dir: &Path) -> Option<u32> {
    let path = lock_path(state, dir);
    let mut file = File::open(&path).ok()?;
    // A second open file description conflicts even with this process's
    // own flock, so a free lock is told apart from a held one everywhere.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) } == 0 {
        unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_UN) };
        return None;
    }
    let mut s = String::new();
    file.read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

fn lock_path(state: &Path, dir: &Path) -> PathBuf {
    state.join("locks").join(format!("{}.lock", store_key(dir)))
}

fn open_lock_file(state: &Path, dir: &Path) -> Result<(File, PathBuf), StoreError> {
    let locks = state.join("locks");
    crate::fsutil::private_dir(&locks)?;
    let path = lock_path(state, dir);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| StoreError::io(&path, &e))?;
    Ok((file, path))
}

fn held(mut file: File, path: PathBuf) -> Result<StoreLock, StoreError> {
    // Only the holder writes the file, so the pid is never torn for readers
    // that saw the lock held.
    let pid = std::process::id().to_string();
    let write = (|| {
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(pid.as_bytes())
    })();
    write.map_err(|e| StoreError::io(&path, &e))?;
    crate::verbose!("locked {}", path.display());
    Ok(StoreLock { file, path })
}

/// Whether a process with this pid exists (a zombie counts until reaped).
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// A Mozilla app (Firefox, Thunderbird, SeaMonkey) runs with this profile:
/// some other process holds an fcntl lock on its `.parentlock`. No
/// `.parentlock`, or one nobody locks, means closed.
///
/// fcntl locks belong to processes: a lock this process holds is not seen.
pub fn app_running(profile_dir: &Path) -> bool {
    let Ok(file) = File::open(profile_dir.join(".parentlock")) else { return false };
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = libc::F_WRLCK as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = 0;
    fl.l_len = 0;
    // Do not close `file` before asking: closing a descriptor drops this
    // process's own fcntl locks on the file, which it holds none of anyway.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut fl) };
    rc == 0 && fl.l_type != libc::F_UNLCK as libc::c_short
}

/// The database files of an NSS store that apps keep open.
pub const DB_FILES: [&str; 5] = ["cert9.db", "key4.db", "cert8.db", "key3.db", "secmod.db"];

/// Other processes that have one of the store's database files open, as
/// (pid, command name). Processes whose descriptors this user cannot read
/// are not seen (they belong to other users). Empty where there is no
/// `/proc`.
pub fn store_users(dir: &Path) -> Vec<(u32, String)> {
    let targets: Vec<(u64, u64)> =
        DB_FILES.iter().filter_map(|f| fs::metadata(dir.join(f)).ok()).map(|m| (m.dev(), m.ino())).collect();
    if targets.is_empty() {
        return Vec::new();
    }
    let me = std::process::id();
    let Ok(procs) = fs::read_dir("/proc") else { return Vec::new() };
    let mut users = Vec::new();
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(fds) = fs::read_dir(p.path().join("fd")) else { continue };
        // readlink first, stat only links named like a database file: a
        // stat of every descriptor of every process would reach into any
        // file system those processes use (a slow network mount blocks).
        let opened = fds
            .flatten()
            .filter(|fd| {
                fs::read_link(fd.path())
                    .is_ok_and(|t| t.file_name().and_then(|n| n.to_str()).is_some_and(|n| DB_FILES.contains(&n)))
            })
            .filter_map(|fd| fs::metadata(fd.path()).ok())
            .any(|m| targets.contains(&(m.dev(), m.ino())));
        if opened {
            let comm = fs::read_to_string(p.path().join("comm")).map(|s| s.trim().to_string()).unwrap_or_default();
            users.push((pid, comm));
        }
    }
    users.sort();
    users
}

/// Why the store must be left alone now, or `None` when no app has it
/// open: the profile's `.parentlock` is held, or other processes have its
/// database files open (then named). Phrased for [`StoreError::InUse`]:
/// "DIR (open in firefox-esr, pid 1234) is in use by a running app".
pub fn in_use_by(dir: &Path) -> Option<String> {
    if app_running(dir) {
        return Some(dir.display().to_string());
    }
    let users = store_users(dir);
    if users.is_empty() {
        return None;
    }
    let who: Vec<String> = users.iter().map(|(pid, comm)| format!("{comm} (pid {pid})")).collect();
    Some(format!("{} (open in {})", dir.display(), who.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("certhelp-lock-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn one_key_per_store_whatever_the_spelling() {
        let d = tmp("key");
        let store = d.join("profile");
        fs::create_dir_all(&store).unwrap();
        let dotted = d.join("profile/../profile");
        assert_eq!(store_key(&store), store_key(&dotted));
        assert_eq!(store_key(&store).len(), 16);
        assert_ne!(store_key(&store), store_key(&d));
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn try_lock_sees_a_held_lock_and_drop_releases_it() {
        let d = tmp("try");
        let state = d.join("state");
        let store = d.join("store");
        fs::create_dir_all(&store).unwrap();
        assert_eq!(lock_holder(&state, &store), None);
        let first = try_lock_store_in(&state, &store).unwrap().expect("free lock");
        assert_eq!(lock_holder(&state, &store), Some(std::process::id()));
        assert!(try_lock_store_in(&state, &store).unwrap().is_none());
        let mode = fs::metadata(first.path()).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(fs::metadata(state.join("locks")).unwrap().mode() & 0o777, 0o700);
        drop(first);
        assert_eq!(lock_holder(&state, &store), None);
        assert!(try_lock_store_in(&state, &store).unwrap().is_some());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn no_parentlock_or_a_stale_lock_symlink_is_not_running() {
        let d = tmp("app");
        assert!(!app_running(&d));
        std::os::unix::fs::symlink("127.0.0.1:+999999", d.join("lock")).unwrap();
        fs::write(d.join(".parentlock"), b"").unwrap();
        assert!(!app_running(&d));
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn this_process_is_alive_and_no_one_else_has_a_fresh_file_open() {
        assert!(pid_alive(std::process::id()));
        assert!(!pid_alive(0));
        let d = tmp("users");
        fs::write(d.join("cert9.db"), b"x").unwrap();
        let _open = File::open(d.join("cert9.db")).unwrap();
        // Our own descriptor does not count.
        assert!(store_users(&d).is_empty());
        assert_eq!(in_use_by(&d), None);
        let _ = fs::remove_dir_all(&d);
    }
}
