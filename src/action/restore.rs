//! `certhelp restore BACKUP` (SPEC §5): put a store back exactly as one of
//! certhelp's backups recorded it, whole files (`cert9.db`, `key4.db`,
//! `pkcs11.txt`).
//!
//! Order, so that a refusal changes nothing and a restore can be undone:
//! 1. read the manifest and check every backup file's SHA-256 (a damaged
//!    backup is refused);
//! 2. the store directory must still exist (a restore never creates one);
//! 3. take certhelp's store lock (refuse while another certhelp command
//!    holds it), and refuse while an app has the store
//!    open (`.parentlock` held, or its database files open elsewhere):
//!    replacing files under a running browser loses its later writes;
//! 4. back up the current state (so `restore` of that backup undoes this);
//! 5. per file: remove SQLite's stale `-journal`/`-wal`/`-shm` (a journal
//!    left beside a restored database would be rolled into it), then write
//!    it atomically (temporary file in the store, fsync, rename), keeping
//!    the owner and mode the old file had;
//! 6. drop the store's pending intent journal (the restored state is
//!    authoritative) and read every file back.
//!
//! Files the store has now but the backup does not (a `pkcs11.txt` created
//! later) are left as they are, and the report says so.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Report, Ui};
use crate::error::{Error, Result};
use crate::store::backup::{self, Backup, Method};
use crate::store::{journal, lock, StoreError};

pub fn run(args: &crate::cli::RestoreArgs, _ui: Ui) -> Result<Report> {
    let state = crate::fsutil::state_dir()?;
    restore_in(&state, &args.backup)
}

/// The restore, with an explicit state directory (backups, locks, journals).
pub fn restore_in(state: &Path, backup_path: &Path) -> Result<Report> {
    let b = backup::open_backup(backup_path).map_err(|e| bad_backup(state, backup_path, e))?;
    let contents = b.read_verified().map_err(|e| {
        let message = match e {
            StoreError::VerifyFailed { what } => what,
            other => other.to_string(),
        };
        Error::new(message, "this backup cannot be trusted; choose another one (certhelp prints where each is made)")
    })?;
    let store = b.manifest.store_dir.clone();
    if !store.is_dir() {
        return Err(Error::new(
            format!("the store this backup belongs to no longer exists: {}", store.display()),
            "a restore puts files back into an existing profile or database directory; create the profile first (start the app once)",
        ));
    }

    // Refuse rather than wait: a restore replaces whole files, and the
    // other command's result should be seen before deciding to.
    let Some(_lock) = lock::try_lock_store_in(state, &store)? else {
        return Err(Error::new(
            format!("another certhelp command is changing {} right now", store.display()),
            "wait for it to finish, then run the restore again",
        ));
    };
    if let Some(what) = lock::in_use_by(&store) {
        return Err(StoreError::InUse { what }.into());
    }

    let mut report = Report::default();
    let undo = save_current(state, &b, &mut report)?;

    if let Err(e) = put_files(&store, &contents, &mut report) {
        // Put back what was there before, from the backup just made.
        let undone = undo.as_deref().and_then(|u| backup::open_backup(u).ok()).and_then(|u| u.read_verified().ok());
        let hint = match undone.map(|files| put_files(&store, &files, &mut Report::default())) {
            Some(Ok(())) => {
                "the store was put back as it was before; fix the cause and run the command again".to_string()
            }
            _ => match &undo {
                Some(u) => format!("the store may be half restored: run `certhelp restore {}` to undo", u.display()),
                None => "the store may be half restored; run the command again once the cause is fixed".to_string(),
            },
        };
        return Err(Error::new(e.to_string(), hint));
    }

    // Read back what is now in the store.
    for f in &b.manifest.files {
        let path = store.join(&f.name);
        let now = fs::read(&path).map_err(|e| StoreError::io(&path, &e))?;
        if crate::cert::hex(&openssl::sha::sha256(&now)) != f.sha256 {
            return Err(StoreError::VerifyFailed { what: format!("{} after the restore", path.display()) }.into());
        }
    }
    if journal::discard_in(state, &store)? {
        report.say("dropped the unfinished import's journal: the restored files are authoritative");
    }

    let names: Vec<&str> = b.manifest.files.iter().map(|f| f.name.as_str()).collect();
    report.lines.insert(
        0,
        format!(
            "restored {} from the backup of {} ({}): {}",
            store.display(),
            b.manifest.created,
            b.manifest.reason,
            names.join(", ")
        ),
    );
    for extra in backup::SQL_FILES.iter().chain(&backup::TEXT_FILES) {
        if !names.contains(extra) && store.join(extra).exists() {
            report.warn(format!("kept {}: the backup has no copy of it", store.join(extra).display()));
        }
    }
    if let Some(u) = undo {
        report.say(format!("the state before this restore is backed up in {}", u.display()));
        report.say(format!("undo: certhelp restore {}", u.display()));
    }
    Ok(report)
}

/// Write the files into the store, each after removing its stale SQLite
/// side files.
fn put_files(store: &Path, files: &[(String, Vec<u8>)], report: &mut Report) -> std::result::Result<(), StoreError> {
    for (name, bytes) in files {
        for suffix in ["-journal", "-wal", "-shm"] {
            let side = store.join(format!("{name}{suffix}"));
            match fs::remove_file(&side) {
                Ok(()) => report.say(format!("removed stale {}", side.display())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(&side, &e)),
            }
        }
        crate::fsutil::replace_app_file(&store.join(name), bytes, None)?;
    }
    crate::fsutil::sync_dir(store);
    Ok(())
}

fn bad_backup(state: &Path, path: &Path, e: StoreError) -> Error {
    let hint = match backup::list_backups_in(state, None).first() {
        Some(newest) => format!(
            "give a backup directory certhelp printed, or its manifest.json; the newest is {} ({} of {}, {})",
            newest.dir.display(),
            newest.manifest.store_id,
            newest.manifest.store_dir.display(),
            newest.manifest.reason
        ),
        None => format!(
            "give a backup directory certhelp printed, or its manifest.json; there are none in {} yet",
            state.join("backups").display()
        ),
    };
    match e {
        StoreError::UnsupportedFormat { file, found } => Error::new(format!("{file}: {found}"), hint),
        _ => Error::new(format!("{} is not a certhelp backup (no readable manifest.json)", path.display()), hint),
    }
}

/// Back up the store as it is now. A state SQLite cannot read (a damaged
/// database, often the reason for a restore) is saved as plain files,
/// which is consistent here: nobody has the store open. `None` when the
/// store holds no database to save.
fn save_current(state: &Path, b: &Backup, report: &mut Report) -> Result<Option<PathBuf>> {
    let store = &b.manifest.store_dir;
    let reason = format!("before restore of {}", b.dir.display());
    let protect = [b.dir.clone()];
    let id = &b.manifest.store_id;
    if b.manifest.kind == "prefs" {
        // A prefs backup puts prefs.js back: save the current one first.
        let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
        for name in backup::PREFS_FILES {
            if let Ok(bytes) = fs::read(store.join(name)) {
                files.push((name, bytes));
            }
        }
        if files.is_empty() {
            return Ok(None);
        }
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        return Ok(Some(backup::backup_files_in(state, id, store, "prefs", &refs, &reason)?));
    }
    match backup::create(state, id, store, &reason, Method::Online, &protect) {
        Ok(saved) => Ok(Some(saved.dir)),
        Err(StoreError::NotFound { .. }) => {
            report.warn("the store had no database to back up first");
            Ok(None)
        }
        Err(e @ (StoreError::NoSpace { .. } | StoreError::ReadOnly { .. } | StoreError::InUse { .. })) => Err(e.into()),
        Err(_) => {
            let saved = backup::create(state, id, store, &reason, Method::Raw, &protect)?;
            report.warn("the current database could not be read by SQLite; it was saved as plain files");
            Ok(Some(saved.dir))
        }
    }
}
