//! Files certhelp writes: new files that may hold keys (mode 0600 from the
//! first byte, temp + fsync + rename, never over an existing file unless the
//! caller says so) and certhelp's own state directory (backups, journals,
//! locks; mode 0700).
//!
//! This module decides nothing about *whether* to overwrite: the caller asks
//! the user and passes `replace`. It must not print or prompt.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::store::StoreError;

/// Write `bytes` to `path` atomically: a temporary file in the same
/// directory, created 0600 with O_EXCL, written, fsynced, then renamed over
/// `path` and the directory fsynced. Without `replace`, an existing `path`
/// is an error ([`StoreError::Exists`]) and nothing is written. On any
/// failure the temporary file is removed and `path` is as it was.
pub fn write_new_file(path: &Path, bytes: &[u8], replace: bool) -> Result<(), StoreError> {
    if !replace && fs::symlink_metadata(path).is_ok() {
        return Err(StoreError::Exists { path: path.display().to_string() });
    }
    let dir = parent_dir(path);
    let tmp = temp_name(path);
    remove_stale_temps(&dir, &format!(".{}.certhelp-", file_name(path)));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| StoreError::io(&tmp, &e))?;
        f.write_all(bytes).map_err(|e| StoreError::io(path, &e))?;
        f.sync_all().map_err(|e| StoreError::io(path, &e))?;
        drop(f);
        crate::fault::point("file:before-link");
        if !replace {
            // link(2) fails when the name exists: no window in which another
            // process's file could be replaced.
            match fs::hard_link(&tmp, path) {
                Ok(()) => {
                    let _ = fs::remove_file(&tmp);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(StoreError::Exists { path: path.display().to_string() })
                }
                // FAT/exFAT (USB sticks) and some network file systems have
                // no hard links: rename without replacing instead.
                Err(_) => rename_no_replace(&tmp, path)?,
            }
        } else {
            fs::rename(&tmp, path).map_err(|e| StoreError::io(path, &e))?;
        }
        sync_dir(&dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Rename `from` to `to` unless `to` exists (renameat2 RENAME_NOREPLACE;
/// where the file system cannot, a check just before a plain rename).
fn rename_no_replace(from: &Path, to: &Path) -> Result<(), StoreError> {
    use std::os::unix::ffi::OsStrExt;
    let exists = || StoreError::Exists { path: to.display().to_string() };
    let (Ok(f), Ok(t)) =
        (std::ffi::CString::new(from.as_os_str().as_bytes()), std::ffi::CString::new(to.as_os_str().as_bytes()))
    else {
        return Err(StoreError::Io {
            path: to.display().to_string(),
            kind: std::io::ErrorKind::InvalidInput,
            message: "the path contains a NUL byte".into(),
        });
    };
    // SAFETY: two valid NUL-terminated paths, relative to the working
    // directory (AT_FDCWD) as std's own calls are.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, f.as_ptr(), libc::AT_FDCWD, t.as_ptr(), libc::RENAME_NOREPLACE) };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EEXIST) => Err(exists()),
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => {
            if fs::symlink_metadata(to).is_ok() {
                return Err(exists());
            }
            fs::rename(from, to).map_err(|e| StoreError::io(to, &e))
        }
        _ => Err(StoreError::io(to, &e)),
    }
}

/// Write `bytes` as a new file and check it as it is on disk with `check`
/// (a PKCS#12 read back, say); a file that fails the check is removed. An
/// existing file (`replace`) is only replaced by a copy that passed: the
/// copy is written and checked under a temporary name beside it first, then
/// renamed over it, so a failed check never costs the user the old file.
pub fn write_checked(
    out: &Path,
    bytes: &[u8],
    replace: bool,
    check: impl Fn(&[u8]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let read_back =
        |p: &Path| std::fs::read(p).map_err(|e| StoreError::io(p, &e)).and_then(|b| check(&zeroize::Zeroizing::new(b)));
    if !(replace && fs::symlink_metadata(out).is_ok()) {
        write_new_file(out, bytes, false)?;
        if let Err(e) = read_back(out) {
            let _ = fs::remove_file(out);
            return Err(e);
        }
        return Ok(());
    }
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = out.with_file_name(format!(".{name}.certhelp-check-{}", std::process::id()));
    write_new_file(&tmp, bytes, false)?;
    let done = read_back(&tmp).and_then(|_| fs::rename(&tmp, out).map_err(|e| StoreError::io(out, &e)));
    if let Err(e) = done {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&parent_dir(out));
    Ok(())
}

/// Replace a file that an app owns (a database, `pkcs11.txt`, `prefs.js`)
/// with `bytes`, atomically: a temporary file beside it, created 0600 and
/// then given the old file's owner and mode (an app running as its user
/// must still read a file that root wrote; 0600 when there was none),
/// written, fsynced, renamed over `target`, the directory fsynced.
/// `expect`: replace only while the file still holds these bytes (a last
/// check just before the rename), else [`StoreError::InUse`]. On any
/// failure the temporary file is removed and `target` is as it was.
pub fn replace_app_file(target: &Path, bytes: &[u8], expect: Option<&[u8]>) -> Result<(), StoreError> {
    use std::os::unix::fs::MetadataExt;
    let old = fs::metadata(target).ok();
    let dir = parent_dir(target);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.certhelp-{}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    remove_stale_temps(&dir, &format!(".{name}.certhelp-"));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| StoreError::io(&tmp, &e))?;
        if let Some(m) = &old {
            // SAFETY: geteuid/getegid only read the process's ids.
            let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
            if m.uid() != uid || m.gid() != gid {
                std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid())).map_err(|e| StoreError::io(target, &e))?;
            }
            f.set_permissions(fs::Permissions::from_mode(m.mode() & 0o7777)).map_err(|e| StoreError::io(target, &e))?;
        }
        f.write_all(bytes).map_err(|e| StoreError::io(target, &e))?;
        f.sync_all().map_err(|e| StoreError::io(target, &e))?;
        drop(f);
        if let Some(expect) = expect {
            let now = fs::read(target).map_err(|e| StoreError::io(target, &e))?;
            if now != expect {
                return Err(StoreError::InUse {
                    what: format!("{} (it changed while certhelp edited it)", target.display()),
                });
            }
        }
        crate::fault::point("app-file:before-rename");
        fs::rename(&tmp, target).map_err(|e| StoreError::io(target, &e))?;
        sync_dir(&dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Create a directory (and parents) with mode 0700, or tighten an existing
/// one that certhelp owns.
pub fn private_dir(dir: &Path) -> Result<(), StoreError> {
    // Made 0700 by mkdir itself: never briefly open to others.
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| StoreError::io(dir, &e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| StoreError::io(dir, &e))
}

/// certhelp's state directory ([`crate::dirs::state`]), created 0700.
pub fn state_dir() -> Result<PathBuf, StoreError> {
    let dir = crate::dirs::state().ok_or_else(|| StoreError::NotFound {
        what: "a home directory for certhelp's backups (set HOME or CERTHELP_STATE_DIR)".into(),
    })?;
    private_dir(&dir)?;
    Ok(dir)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Remove the hidden temporary files (and an export's hidden folder) a
/// killed certhelp left in `dir`:
/// names `{prefix}{pid}...` whose process is gone (`kill -9` or a power
/// cut between creating and renaming). A live process's file (or one of
/// another user's, which kill(2) cannot probe) is left alone.
pub fn remove_stale_temps(dir: &Path, prefix: &str) {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else { continue };
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Ok(pid) = digits.parse::<libc::pid_t>() else { continue };
        // SAFETY: kill(2) with signal 0 only checks that the pid exists.
        let gone = pid > 0
            && unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            // An export's hidden folder (`--all`) holds only its own files.
            let _ = if e.file_type().is_ok_and(|t| t.is_dir()) {
                fs::remove_dir_all(e.path())
            } else {
                fs::remove_file(e.path())
            };
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn temp_name(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "out".into());
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    parent_dir(path).join(format!(".{name}.certhelp-{}-{nanos}.tmp", std::process::id()))
}

/// fsync a directory so a rename in it survives a crash.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("certhelp-fsutil-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn new_files_are_private_and_never_replace_silently() {
        let d = tmp("new");
        let f = d.join("a.p12");
        write_new_file(&f, b"one", false).unwrap();
        assert_eq!(fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(matches!(write_new_file(&f, b"two", false), Err(StoreError::Exists { .. })));
        assert_eq!(fs::read(&f).unwrap(), b"one");
        write_new_file(&f, b"two", true).unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"two");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn missing_directory_is_an_error_and_leaves_nothing() {
        let d = tmp("missing");
        let f = d.join("no/such/dir/a.p12");
        assert!(write_new_file(&f, b"x", false).is_err());
        assert_eq!(fs::read_dir(&d).unwrap().count(), 0);
        let _ = fs::remove_dir_all(&d);
    }
}
