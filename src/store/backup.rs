//! Backups of NSS databases, taken before certhelp changes a store, and
//! read back by `certhelp restore`.
//!
//! - **Consistent while the app runs.** `cert9.db` and `key4.db` (NSS's
//!   `sql:` format) are copied with SQLite's online backup API, which reads
//!   one committed state even while Firefox writes; a raw file copy could
//!   tear. `pkcs11.txt` is small text and is copied as it is.
//! - **Legacy `dbm:` stores** (`cert8.db`, `key3.db`, `secmod.db`: old
//!   SeaMonkey profiles) have no such API: they are copied as files, and
//!   only while no app has the store open; otherwise the backup is refused
//!   with [`StoreError::InUse`].
//! - **Layout.** `<state>/backups/<UTC time>-<store key>/` (mode 0700), each
//!   file 0600 (a `key4.db` copy holds private keys, encrypted only by the
//!   database password, which is often empty), and `manifest.json`: format,
//!   store id and directory, creation time, the reason, each file's size
//!   and SHA-256, certhelp's version.
//! - **All or nothing.** A backup is built in a hidden temporary directory
//!   beside the others and renamed into place when complete, so a full disk
//!   ([`StoreError::NoSpace`]) or a crash never leaves a partial backup that
//!   looks whole.
//! - **Retention.** Per store, the 10 newest backups and every backup
//!   younger than 30 days are kept; older ones are pruned only after a new
//!   backup of that store succeeded, and never the one just made (nor the
//!   one a restore reads).
//!
//! This module never writes into a store: [`crate::action::restore`] does.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::store::lock;
use crate::store::StoreError;

/// The manifest format this code writes and reads.
pub const FORMAT: u32 = 1;
/// Per store, at least this many newest backups are kept.
pub const KEEP_NEWEST: usize = 10;
/// Per store, backups younger than this many days are kept.
pub const KEEP_DAYS: i64 = 30;

/// The files of a `sql:` store, in the order they are backed up.
pub const SQL_FILES: [&str; 2] = ["cert9.db", "key4.db"];
/// The files of a legacy `dbm:` store.
pub const DBM_FILES: [&str; 3] = ["cert8.db", "key3.db", "secmod.db"];
/// Text files copied beside the databases.
pub const TEXT_FILES: [&str; 1] = ["pkcs11.txt"];
/// App preference files a backup may hold (`associate` saves prefs.js
/// alone, kind "prefs"), so `restore` can put them back.
pub const PREFS_FILES: [&str; 1] = ["prefs.js"];

/// One file of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// File name, the same in the backup and in the store.
    pub name: String,
    pub size: u64,
    /// SHA-256 of the backup's copy, lower-case hex.
    pub sha256: String,
}

/// What a backup holds, written as `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: u32,
    /// The store id the user named (`firefox`, `nss:DIR`...).
    pub store_id: String,
    /// The store directory, canonical: where `restore` puts the files back.
    pub store_dir: PathBuf,
    /// RFC 3339 UTC.
    pub created: String,
    /// Why it was taken ("before import of jane.p12").
    pub reason: String,
    /// "sql" (online backup) or "dbm" (file copy of a closed store).
    pub kind: String,
    pub files: Vec<ManifestFile>,
    pub certhelp_version: String,
}

/// A complete backup on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

/// Back up the NSS store in `dir` into certhelp's state directory, then
/// prune that store's old backups. `reason` is kept in the manifest.
pub fn backup_nss(store_id: &str, dir: &Path, reason: &str) -> Result<Backup, StoreError> {
    backup_nss_in(&crate::fsutil::state_dir()?, store_id, dir, reason)
}

/// [`backup_nss`] with an explicit state directory.
pub fn backup_nss_in(state: &Path, store_id: &str, dir: &Path, reason: &str) -> Result<Backup, StoreError> {
    create(state, store_id, dir, reason, Method::Online, &[])
}

/// How database files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// SQLite's online backup for `sql:` files (safe while an app writes).
    Online,
    /// Plain file copies: only for a store nobody has open (`restore`
    /// saving a current state that SQLite cannot read, e.g. a damaged one).
    Raw,
}

/// Take a backup; `protect` names backups pruning must keep.
pub(crate) fn create(
    state: &Path,
    store_id: &str,
    dir: &Path,
    reason: &str,
    method: Method,
    protect: &[PathBuf],
) -> Result<Backup, StoreError> {
    let store_dir = lock::canonical(dir);
    if !store_dir.is_dir() {
        return Err(StoreError::NotFound { what: format!("the store directory {}", dir.display()) });
    }
    let kind = if SQL_FILES.iter().any(|f| store_dir.join(f).exists()) {
        "sql"
    } else if DBM_FILES[..2].iter().any(|f| store_dir.join(f).exists()) {
        "dbm"
    } else {
        return Err(StoreError::NotFound { what: format!("an NSS database in {}", dir.display()) });
    };
    if kind == "dbm" || method == Method::Raw {
        if let Some(what) = lock::in_use_by(&store_dir) {
            return Err(StoreError::InUse { what });
        }
    }

    let backups = state.join("backups");
    crate::fsutil::private_dir(&backups)?;
    let key = lock::store_key(&store_dir);
    let created_secs = now();
    let name = free_name(&backups, &format!("{}-{key}", stamp(created_secs)));
    let tmp = backups.join(format!(".tmp-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let result = (|| {
        crate::fsutil::private_dir(&tmp)?;
        let mut files = Vec::new();
        let db_files: &[&str] = if kind == "sql" { &SQL_FILES } else { &DBM_FILES };
        for f in db_files {
            let src = store_dir.join(f);
            if !src.exists() {
                continue;
            }
            let dst = tmp.join(f);
            if kind == "sql" && method == Method::Online {
                online_copy(&src, &dst)?;
            } else {
                raw_copy(&src, &dst)?;
            }
            files.push(describe(&dst)?);
        }
        for f in TEXT_FILES {
            let src = store_dir.join(f);
            if src.exists() {
                let dst = tmp.join(f);
                raw_copy(&src, &dst)?;
                files.push(describe(&dst)?);
            }
        }
        let manifest = Manifest {
            format: FORMAT,
            store_id: store_id.to_string(),
            store_dir: store_dir.clone(),
            created: crate::cert::rfc3339(created_secs),
            reason: reason.to_string(),
            kind: kind.to_string(),
            files,
            certhelp_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let dest = publish(&tmp, &manifest, &backups, &name)?;
        Ok(Backup { dir: dest, manifest })
    })();
    match result {
        Ok(b) => {
            let mut keep = protect.to_vec();
            keep.push(b.dir.clone());
            prune(state, &store_dir, &keep, now());
            Ok(b)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// A name for a new backup directory that is not taken yet.
fn free_name(backups: &Path, base: &str) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while backups.join(&name).exists() {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// `20261129T120708Z`: sorts by time, and is a valid file name everywhere.
fn stamp(secs: i64) -> String {
    crate::cert::rfc3339(secs).replace(['-', ':'], "")
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// How long a backup waits for a writer to let go of the source database
/// before it gives up (the browser normally commits in milliseconds).
const BUSY_TRIES: u32 = 400;
const BUSY_PAUSE: Duration = Duration::from_millis(25);

/// One committed state of the SQLite database `src`, written to the new
/// file `dst` (created 0600 first, so the copy is never readable by others).
fn online_copy(src: &Path, dst: &Path) -> Result<(), StoreError> {
    let sqlite_err = |path: &Path, e: rusqlite::Error| sqlite_error(path, e);
    // Read-write (not create): a hot journal a crashed app left is rolled
    // back, as NSS itself would on open. SQLite opens a write-protected
    // file read-only instead.
    let from = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| sqlite_err(src, e))?;
    // Opening already set a 5 s busy timeout (sqlite3_busy_timeout).
    // rusqlite's own busy_timeout()/busy_handler() need SQLite 3.44's
    // sqlite3_set_clientdata and do not link against older system
    // libraries (Debian 12 has 3.40): do not call them.
    write_private(dst, b"")?;
    let mut to = Connection::open_with_flags(dst, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| sqlite_err(dst, e))?;
    {
        let backup = rusqlite::backup::Backup::new(&from, &mut to).map_err(|e| sqlite_err(dst, e))?;
        let mut tries = 0;
        loop {
            // All pages in one step: the source stays read-locked for the
            // whole copy, so the copy is one committed state.
            match backup.step(-1).map_err(|e| sqlite_err(dst, e))? {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::More => {}
                _ => {
                    tries += 1;
                    if tries > BUSY_TRIES {
                        return Err(StoreError::InUse {
                            what: format!("{} (an app kept it busy while certhelp tried to back it up)", src.display()),
                        });
                    }
                    std::thread::sleep(BUSY_PAUSE);
                }
            }
        }
    }
    to.close().map_err(|(_, e)| sqlite_err(dst, e))?;
    drop(from);
    // SQLite removed its own journal of the copy; make the copy durable.
    File::open(dst).and_then(|f| f.sync_all()).map_err(|e| StoreError::io(dst, &e))
}

fn sqlite_error(path: &Path, e: rusqlite::Error) -> StoreError {
    let p = path.display().to_string();
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => StoreError::NoSpace { path: p },
        Some(rusqlite::ErrorCode::ReadOnly) | Some(rusqlite::ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly { path: p }
        }
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::InUse { what: p }
        }
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            StoreError::UnsupportedFormat { file: p, found: "a damaged or non-SQLite database".into() }
        }
        _ => {
            // An I/O error may be a full disk SQLite did not name as such.
            if is_disk_full(path) {
                return StoreError::NoSpace { path: p };
            }
            StoreError::Io { path: p, kind: std::io::ErrorKind::Other, message: e.to_string() }
        }
    }
}

/// The file system holding `path` has (almost) no free blocks left.
fn is_disk_full(path: &Path) -> bool {
    let dir = path.parent().unwrap_or(path);
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()) else { return false };
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return false;
    }
    (s.f_bavail as u64).saturating_mul(s.f_frsize as u64) < 64 * 1024
}

/// Create `path` 0600 (never over an existing file), write, fsync.
/// Seal a backup made in `tmp`: write its manifest (0600), fsync, and
/// rename the folder to `backups/name`, so a backup is there whole or not
/// at all. Returns its final directory.
fn publish(tmp: &Path, manifest: &Manifest, backups: &Path, name: &str) -> Result<PathBuf, StoreError> {
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| StoreError::Io {
        path: tmp.display().to_string(),
        kind: std::io::ErrorKind::InvalidData,
        message: e.to_string(),
    })?;
    write_private(&tmp.join("manifest.json"), &json)?;
    crate::fsutil::sync_dir(tmp);
    let dest = backups.join(name);
    fs::rename(tmp, &dest).map_err(|e| StoreError::io(&dest, &e))?;
    crate::fsutil::sync_dir(backups);
    crate::verbose!(
        "backup of {} written to {} ({} file(s))",
        manifest.store_dir.display(),
        dest.display(),
        manifest.files.len()
    );
    Ok(dest)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut f =
        OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| StoreError::io(path, &e))?;
    f.write_all(bytes).map_err(|e| StoreError::io(path, &e))?;
    f.sync_all().map_err(|e| StoreError::io(path, &e))
}

fn raw_copy(src: &Path, dst: &Path) -> Result<(), StoreError> {
    let bytes = fs::read(src).map_err(|e| StoreError::io(src, &e))?;
    write_private(dst, &bytes)
}

fn describe(path: &Path) -> Result<ManifestFile, StoreError> {
    let bytes = fs::read(path).map_err(|e| StoreError::io(path, &e))?;
    Ok(ManifestFile {
        name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        size: bytes.len() as u64,
        sha256: crate::cert::hex(&openssl::sha::sha256(&bytes)),
    })
}

/// Read a backup: its directory, or its `manifest.json`.
pub fn open_backup(path: &Path) -> Result<Backup, StoreError> {
    let dir = if path.file_name().is_some_and(|n| n == "manifest.json") {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        path.to_path_buf()
    };
    let manifest_path = dir.join("manifest.json");
    let bytes = fs::read(&manifest_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            StoreError::NotFound { what: format!("a certhelp backup at {}", path.display()) }
        }
        _ => StoreError::io(&manifest_path, &e),
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| StoreError::UnsupportedFormat {
        file: manifest_path.display().to_string(),
        found: format!("not a certhelp backup manifest ({e})"),
    })?;
    if manifest.format != FORMAT {
        return Err(StoreError::UnsupportedFormat {
            file: manifest_path.display().to_string(),
            found: format!("backup format {} (this certhelp reads {FORMAT})", manifest.format),
        });
    }
    let allowed: Vec<&str> =
        SQL_FILES.iter().chain(&DBM_FILES).chain(&TEXT_FILES).chain(&PREFS_FILES).copied().collect();
    if let Some(bad) = manifest.files.iter().find(|f| !allowed.contains(&f.name.as_str())) {
        return Err(StoreError::UnsupportedFormat {
            file: manifest_path.display().to_string(),
            found: format!("a manifest naming an unexpected file {:?}", bad.name),
        });
    }
    Ok(Backup { dir, manifest })
}

impl Backup {
    /// Read every file of the backup and check it against the manifest
    /// (size and SHA-256). Returns the contents, in manifest order, so the
    /// caller writes exactly the bytes that were checked.
    pub fn read_verified(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for f in &self.manifest.files {
            let path = self.dir.join(&f.name);
            let bytes = fs::read(&path).map_err(|e| StoreError::io(&path, &e))?;
            let sha = crate::cert::hex(&openssl::sha::sha256(&bytes));
            if bytes.len() as u64 != f.size || sha != f.sha256 {
                return Err(StoreError::VerifyFailed {
                    what: format!(
                        "{} in the backup is damaged (its SHA-256 differs from the manifest)",
                        path.display()
                    ),
                });
            }
            out.push((f.name.clone(), bytes));
        }
        Ok(out)
    }
}

/// certhelp's backups, newest first: all of them, or those of the store
/// in `store_dir`. Nothing is created; damaged or foreign entries are
/// skipped.
pub fn list_backups(store_dir: Option<&Path>) -> Vec<Backup> {
    match crate::dirs::state() {
        Some(state) => list_backups_in(&state, store_dir),
        None => Vec::new(),
    }
}

/// [`list_backups`] with an explicit state directory.
pub fn list_backups_in(state: &Path, store_dir: Option<&Path>) -> Vec<Backup> {
    let want = store_dir.map(lock::canonical);
    let Ok(entries) = fs::read_dir(state.join("backups")) else { return Vec::new() };
    let mut all: Vec<Backup> = entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| open_backup(&e.path()).ok())
        .filter(|b| want.as_ref().is_none_or(|w| *w == b.manifest.store_dir))
        .collect();
    all.sort_by(|a, b| (&b.manifest.created, &b.dir).cmp(&(&a.manifest.created, &a.dir)));
    all
}

/// Apply the retention rule to the backups of `store_dir`; `keep` are
/// never removed. Also removes temporary directories that a killed backup
/// left (their process is gone). Failures are ignored: pruning is tidying.
fn prune(state: &Path, store_dir: &Path, keep: &[PathBuf], now: i64) {
    for b in to_prune(&list_backups_in(state, Some(store_dir)), keep, now) {
        let _ = fs::remove_dir_all(&b);
    }
    if let Ok(entries) = fs::read_dir(state.join("backups")) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix(".tmp-") else { continue };
            let pid = rest.rsplit('-').next().and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| p != std::process::id() && !lock::pid_alive(p)) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Which of one store's backups (newest first) the retention rule drops.
fn to_prune(newest_first: &[Backup], keep: &[PathBuf], now: i64) -> Vec<PathBuf> {
    let cutoff = crate::cert::rfc3339(now - KEEP_DAYS * 86_400);
    newest_first
        .iter()
        .enumerate()
        .filter(|(i, b)| *i >= KEEP_NEWEST && b.manifest.created < cutoff && !keep.contains(&b.dir))
        .map(|(_, b)| b.dir.clone())
        .collect()
}

/// A backup of an app's text files (prefs.js: kind "prefs") as they are
/// now, given as (name, bytes), in the layout `restore` reads: a private
/// folder made under a temporary name and renamed into place, files 0600,
/// a manifest with their sums. Returns the backup directory.
pub fn backup_files_in(
    state: &Path,
    store_id: &str,
    dir: &Path,
    kind: &str,
    files: &[(&str, &[u8])],
    reason: &str,
) -> Result<PathBuf, StoreError> {
    let backups = state.join("backups");
    crate::fsutil::private_dir(&backups)?;
    let created =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let name = free_name(&backups, &format!("{}-{}-{kind}", stamp(created), lock::store_key(dir)));
    let tmp = backups.join(format!(".tmp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = (|| {
        crate::fsutil::private_dir(&tmp)?;
        for (name, bytes) in files {
            write_private(&tmp.join(name), bytes)?;
        }
        let manifest = Manifest {
            format: FORMAT,
            store_id: store_id.to_string(),
            store_dir: lock::canonical(dir),
            created: crate::cert::rfc3339(created),
            reason: reason.to_string(),
            kind: kind.into(),
            files: files
                .iter()
                .map(|(name, bytes)| ManifestFile {
                    name: name.to_string(),
                    size: bytes.len() as u64,
                    sha256: crate::cert::hex(&openssl::sha::sha256(bytes)),
                })
                .collect(),
            certhelp_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        publish(&tmp, &manifest, &backups, &name)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("certhelp-backup-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn fake(dir: &str, created: &str) -> Backup {
        Backup {
            dir: PathBuf::from(dir),
            manifest: Manifest {
                format: FORMAT,
                store_id: "s".into(),
                store_dir: "/s".into(),
                created: created.into(),
                reason: String::new(),
                kind: "sql".into(),
                files: vec![],
                certhelp_version: String::new(),
            },
        }
    }

    #[test]
    fn retention_keeps_ten_newest_and_the_last_thirty_days() {
        let now = 100 * 86_400;
        // 15 backups, one a day, the newest today.
        let list: Vec<Backup> =
            (0..15).map(|i| fake(&format!("/b{i}"), &crate::cert::rfc3339(now - i * 86_400))).collect();
        assert!(to_prune(&list, &[], now).is_empty(), "all younger than 30 days");
        // 15 backups, 40 days apart: only the five beyond the ten newest go.
        let old: Vec<Backup> =
            (0..15).map(|i| fake(&format!("/o{i}"), &crate::cert::rfc3339(now - i * 40 * 86_400))).collect();
        let gone = to_prune(&old, &[PathBuf::from("/o12")], now);
        assert_eq!(gone, ["/o10", "/o11", "/o13", "/o14"].map(PathBuf::from).to_vec());
    }

    #[test]
    fn stamps_sort_by_time() {
        assert_eq!(stamp(0), "19700101T000000Z");
        assert!(stamp(86_400 * 400) > stamp(86_400 * 399));
    }

    #[test]
    fn sqlite_backup_is_private_and_described() {
        let d = tmp("sqlite");
        let store = d.join("store");
        fs::create_dir_all(&store).unwrap();
        {
            let c = Connection::open(store.join("cert9.db")).unwrap();
            c.execute_batch("create table t(x); insert into t values (42);").unwrap();
        }
        fs::write(store.join("pkcs11.txt"), "library=\n").unwrap();
        let state = d.join("state");
        let b = backup_nss_in(&state, "nss:store", &store, "test").unwrap();
        assert_eq!(fs::metadata(&b.dir).unwrap().permissions().mode() & 0o777, 0o700);
        let names: Vec<&str> = b.manifest.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["cert9.db", "pkcs11.txt"]);
        for f in ["cert9.db", "pkcs11.txt", "manifest.json"] {
            assert_eq!(fs::metadata(b.dir.join(f)).unwrap().permissions().mode() & 0o777, 0o600, "{f}");
        }
        let c = Connection::open(b.dir.join("cert9.db")).unwrap();
        let x: i64 = c.query_row("select x from t", [], |r| r.get(0)).unwrap();
        assert_eq!(x, 42);
        assert_eq!(open_backup(&b.dir.join("manifest.json")).unwrap(), b);
        assert_eq!(b.read_verified().unwrap().len(), 2);
        assert_eq!(list_backups_in(&state, Some(&store)), vec![b.clone()]);
        assert!(list_backups_in(&state, Some(&d)).is_empty());
        // A second backup in the same second gets its own directory.
        let b2 = backup_nss_in(&state, "nss:store", &store, "again").unwrap();
        assert_ne!(b2.dir, b.dir);
        assert_eq!(list_backups_in(&state, None).len(), 2);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn no_database_is_not_found_and_leaves_nothing() {
        let d = tmp("empty");
        let state = d.join("state");
        assert!(matches!(backup_nss_in(&state, "x", &d, "r"), Err(StoreError::NotFound { .. })));
        assert!(matches!(backup_nss_in(&state, "x", &d.join("gone"), "r"), Err(StoreError::NotFound { .. })));
        assert!(list_backups_in(&state, None).is_empty());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn legacy_dbm_store_is_copied_while_closed() {
        let d = tmp("dbm");
        let store = d.join("store");
        fs::create_dir_all(&store).unwrap();
        for f in DBM_FILES {
            fs::write(store.join(f), f.as_bytes()).unwrap();
        }
        let state = d.join("state");
        let b = backup_nss_in(&state, "seamonkey", &store, "r").unwrap();
        assert_eq!(b.manifest.kind, "dbm");
        assert_eq!(b.read_verified().unwrap().len(), 3);
        assert_eq!(fs::read(b.dir.join("key3.db")).unwrap(), b"key3.db");
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_killed_backups_leftovers_are_removed_by_the_next_one() {
        let d = tmp("leftover");
        let store = d.join("store");
        fs::create_dir_all(&store).unwrap();
        fs::write(store.join("cert9.db"), b"").unwrap();
        let state = d.join("state");
        // No process has pid 0x7ffffffe on Linux (pid_max is at most 2^22).
        let dead = state.join("backups/.tmp-20200101T000000Z-0123456789abcdef-2147483646");
        fs::create_dir_all(&dead).unwrap();
        backup_nss_in(&state, "s", &store, "r").unwrap();
        assert!(!dead.exists());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn damaged_copy_fails_verification() {
        let d = tmp("damaged");
        let store = d.join("store");
        fs::create_dir_all(&store).unwrap();
        fs::write(store.join("pkcs11.txt"), "x").unwrap();
        Connection::open(store.join("key4.db")).unwrap().execute_batch("create table k(x);").unwrap();
        let b = backup_nss_in(&d.join("state"), "s", &store, "r").unwrap();
        fs::write(b.dir.join("pkcs11.txt"), "y").unwrap();
        assert!(matches!(b.read_verified(), Err(StoreError::VerifyFailed { .. })));
        let _ = fs::remove_dir_all(&d);
    }
}
