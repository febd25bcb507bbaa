//! The intent journal: before an import changes a store, what it is about
//! to create is written down OUTSIDE the store, so that a write cut short
//! (a crash, `kill -9`) can be finished or undone by the next writer.
//!
//! One journal per store at most: `<state>/journal/<store key>.json`
//! (mode 0600, written atomically and fsynced before the first object is
//! created). [`JournalHandle::commit`] removes it once the importer has
//! verified its work, or has itself removed everything it created. A handle
//! dropped without `commit` leaves the file: that is what a crash leaves,
//! and the next writer replays it.
//!
//! Replay is split in two: this module keeps the data and decides
//! ([`replay_plan`], pure); the NSS code looks at the store (which listed
//! objects exist) and deletes what the plan names. Nothing secret is ever
//! written here: objects are named by fingerprints, CKA_IDs and labels.
//!
//! This module must not touch a store, and must not drop a journal whose
//! writer is still at work ([`Journal::writer_alive`]).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::store::lock;
use crate::store::StoreError;

/// The journal file format this code writes and reads.
pub const FORMAT: u32 = 1;

/// What kind of store object a planned creation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Certificate,
    PrivateKey,
    PublicKey,
    /// NSS's vendor trust object (CKO_NSS_TRUST) for a certificate.
    Trust,
    /// A trust object that existed and whose trust the import changes:
    /// replay puts `old_trust` back instead of removing anything.
    TrustChange,
}

/// One object an import is about to create, named so that replay can find
/// exactly it and nothing else:
/// - a certificate by the SHA-256 of its DER;
/// - a key by its CKA_ID and key type;
/// - a trust object by its certificate's issuer and serial (CKA_ISSUER,
///   CKA_SERIAL_NUMBER) and that certificate's SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedObject {
    pub kind: ObjectKind,
    /// CKA_ID, lower-case hex (keys; certificates too, where known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cka_id_hex: Option<String>,
    /// SHA-256 of the certificate's DER, lower-case hex (certificates, and
    /// the certificate a trust object is for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_sha256: Option<String>,
    /// TrustChange: the trust attributes before the change, as
    /// (CKA type, value hex) pairs, to put back exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_trust: Option<Vec<(u64, String)>>,
    /// Nickname / CKA_LABEL given to the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Key type of a key: "rsa" or "ec" (CKK_RSA, CKK_EC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    /// Trust objects: the certificate's issuer Name, DER in hex (CKA_ISSUER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_der_hex: Option<String>,
    /// Trust objects: the serial as CKA_SERIAL_NUMBER holds it (the DER
    /// INTEGER, tag and length included), hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_der_hex: Option<String>,
}

impl PlannedObject {
    fn new(kind: ObjectKind) -> PlannedObject {
        PlannedObject {
            kind,
            cka_id_hex: None,
            cert_sha256: None,
            label: None,
            key_type: None,
            old_trust: None,
            issuer_der_hex: None,
            serial_der_hex: None,
        }
    }

    /// A certificate, named by its DER.
    pub fn certificate(der: &[u8], cka_id: Option<&[u8]>, label: Option<&str>) -> PlannedObject {
        PlannedObject {
            cert_sha256: Some(crate::cert::hex(&openssl::sha::sha256(der))),
            cka_id_hex: cka_id.map(crate::cert::hex),
            label: label.map(str::to_string),
            ..PlannedObject::new(ObjectKind::Certificate)
        }
    }

    /// A private key, named by its CKA_ID and type ("rsa" or "ec").
    pub fn private_key(cka_id: &[u8], key_type: &str, label: Option<&str>) -> PlannedObject {
        PlannedObject::key(ObjectKind::PrivateKey, cka_id, key_type, label)
    }

    /// A public key, named by its CKA_ID and type ("rsa" or "ec").
    pub fn public_key(cka_id: &[u8], key_type: &str, label: Option<&str>) -> PlannedObject {
        PlannedObject::key(ObjectKind::PublicKey, cka_id, key_type, label)
    }

    fn key(kind: ObjectKind, cka_id: &[u8], key_type: &str, label: Option<&str>) -> PlannedObject {
        PlannedObject {
            cka_id_hex: Some(crate::cert::hex(cka_id)),
            key_type: Some(key_type.to_string()),
            label: label.map(str::to_string),
            ..PlannedObject::new(kind)
        }
    }

    /// The trust object for the certificate `der` (issuer and serial are
    /// taken from it). `None` when `der` is not a certificate.
    pub fn trust(der: &[u8], label: Option<&str>) -> Option<PlannedObject> {
        let x = openssl::x509::X509::from_der(der).ok()?;
        let issuer = x.issuer_name().to_der().ok()?;
        let serial = crate::store::session::serial_der(&x).ok()?;
        Some(PlannedObject {
            cert_sha256: Some(crate::cert::hex(&openssl::sha::sha256(der))),
            issuer_der_hex: Some(crate::cert::hex(&issuer)),
            serial_der_hex: Some(crate::cert::hex(&serial)),
            label: label.map(str::to_string),
            ..PlannedObject::new(ObjectKind::Trust)
        })
    }

    /// A change of the existing trust object of `der`, with the attribute
    /// values it had before.
    pub fn trust_change(der: &[u8], old: Vec<(u64, String)>, label: Option<&str>) -> Option<PlannedObject> {
        let mut o = PlannedObject::trust(der, label)?;
        o.kind = ObjectKind::TrustChange;
        o.old_trust = Some(old);
        Some(o)
    }
}

/// What an import wrote down before changing a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// [`FORMAT`] of the file.
    pub format: u32,
    /// The store directory, canonical.
    pub store_dir: PathBuf,
    /// The store id the user named (`firefox`, `nss:DIR`...).
    pub store_id: String,
    /// When the import began, RFC 3339 UTC.
    pub started: String,
    /// The importing process.
    pub pid: u32,
    /// The backup taken before the import, when there is one.
    pub backup: Option<PathBuf>,
    /// The objects about to be created, in the order they will be.
    pub objects: Vec<PlannedObject>,
}

/// Journals this process has begun and not yet committed or dropped.
static ACTIVE: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

fn set_active(path: &Path, on: bool) {
    let mut guard = ACTIVE.lock().unwrap_or_else(|p| p.into_inner());
    let set = guard.get_or_insert_with(HashSet::new);
    if on {
        set.insert(path.to_path_buf());
    } else {
        set.remove(path);
    }
}

fn is_active(path: &Path) -> bool {
    let guard = ACTIVE.lock().unwrap_or_else(|p| p.into_inner());
    guard.as_ref().is_some_and(|s| s.contains(path))
}

/// A journal on disk that belongs to the import under way in this process.
#[derive(Debug)]
pub struct JournalHandle {
    path: PathBuf,
    journal: Journal,
    done: bool,
}

impl JournalHandle {
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store is consistent again: every planned object was created and
    /// verified, or the importer removed all it had created. Removes the
    /// journal file (and fsyncs its directory).
    pub fn commit(mut self) -> Result<(), StoreError> {
        match fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&self.path, &e)),
        }
        if let Some(dir) = self.path.parent() {
            crate::fsutil::sync_dir(dir);
        }
        self.done = true;
        set_active(&self.path, false);
        crate::verbose!("journal {} removed: the write is complete", self.path.display());
        Ok(())
    }
}

impl Drop for JournalHandle {
    fn drop(&mut self) {
        // Without commit the file stays, as after a crash: the next writer
        // replays it. This process no longer works on it.
        if !self.done {
            set_active(&self.path, false);
        }
    }
}

impl Journal {
    /// Write the journal for an import into the store `dir` (before its
    /// first write). Refuses when a journal for that store is already there:
    /// the caller replays [`pending`] first.
    pub fn begin(
        store_id: &str,
        dir: &Path,
        backup: Option<&Path>,
        objects: Vec<PlannedObject>,
    ) -> Result<JournalHandle, StoreError> {
        Journal::begin_in(&crate::fsutil::state_dir()?, store_id, dir, backup, objects)
    }

    /// [`Journal::begin`] with an explicit state directory.
    pub fn begin_in(
        state: &Path,
        store_id: &str,
        dir: &Path,
        backup: Option<&Path>,
        objects: Vec<PlannedObject>,
    ) -> Result<JournalHandle, StoreError> {
        let journal = Journal {
            format: FORMAT,
            store_dir: lock::canonical(dir),
            store_id: store_id.to_string(),
            started: crate::cert::rfc3339(now()),
            pid: std::process::id(),
            backup: backup.map(Path::to_path_buf),
            objects,
        };
        let jdir = state.join("journal");
        crate::fsutil::private_dir(&jdir)?;
        let path = journal_path(state, dir);
        let bytes = serde_json::to_vec_pretty(&journal).map_err(|e| StoreError::Io {
            path: path.display().to_string(),
            kind: std::io::ErrorKind::InvalidData,
            message: e.to_string(),
        })?;
        // Never replace: an existing journal is unfinished work to replay.
        crate::fsutil::write_new_file(&path, &bytes, false)?;
        crate::verbose!("journal {} written ({} object(s) planned)", path.display(), journal.objects.len());
        set_active(&path, true);
        Ok(JournalHandle { path, journal, done: false })
    }

    /// The writer is still at work: it is this process with its handle
    /// open, or another live process that holds the store's lock.
    pub fn writer_alive(&self, state: &Path) -> bool {
        let path = journal_path(state, &self.store_dir);
        if self.pid == std::process::id() {
            return is_active(&path);
        }
        lock::pid_alive(self.pid) && lock::lock_holder(state, &self.store_dir) == Some(self.pid)
    }
}

fn journal_path(state: &Path, dir: &Path) -> PathBuf {
    state.join("journal").join(format!("{}.json", lock::store_key(dir)))
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The unfinished journal of the store `dir` that the next writer must
/// replay: `None` when there is none, or its writer is still at work.
pub fn pending(dir: &Path) -> Option<Journal> {
    let state = crate::dirs::state()?;
    pending_in(&state, dir)
}

/// [`pending`] with an explicit state directory. A journal that cannot be
/// read as one (damaged from outside: certhelp writes them atomically) is
/// kept aside as `<key>.json.damaged` and not replayed.
pub fn pending_in(state: &Path, dir: &Path) -> Option<Journal> {
    let path = journal_path(state, dir);
    let bytes = fs::read(&path).ok()?;
    match serde_json::from_slice::<Journal>(&bytes) {
        Ok(j) if j.format == FORMAT => (!j.writer_alive(state)).then_some(j),
        _ => {
            let _ = fs::rename(&path, path.with_extension("json.damaged"));
            None
        }
    }
}

/// Remove the store's journal whatever it says (after `restore` put whole
/// files back, the restored state is authoritative). `Ok(true)` when there
/// was one.
pub fn discard_in(state: &Path, dir: &Path) -> Result<bool, StoreError> {
    let path = journal_path(state, dir);
    match fs::remove_file(&path) {
        Ok(()) => {
            if let Some(d) = path.parent() {
                crate::fsutil::sync_dir(d);
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io(&path, &e)),
    }
}

/// Drop the replayed journal once the store holds exactly what the plan
/// left (all objects present and verified, or the listed ones removed).
pub fn finish_replay_in(state: &Path, journal: &Journal) -> Result<(), StoreError> {
    discard_in(state, &journal.store_dir).map(|_| ())
}

/// [`finish_replay_in`] in certhelp's state directory.
pub fn finish_replay(journal: &Journal) -> Result<(), StoreError> {
    finish_replay_in(&crate::fsutil::state_dir()?, journal)
}

/// What replaying a journal must do to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayPlan {
    /// Every planned object is there: the import finished before the
    /// interruption. Verify (key matches certificate), then drop the journal.
    Complete,
    /// The import stopped half-way: remove exactly these objects (those of
    /// the plan that exist), in this order (the reverse of creation:
    /// trust, certificate, then keys), then drop the journal.
    RemoveThese(Vec<PlannedObject>),
}

/// Decide a replay from which planned objects the store holds now.
/// `present` looks one object up in the store.
pub fn replay_plan(journal: &Journal, present: &dyn Fn(&PlannedObject) -> bool) -> ReplayPlan {
    let found: Vec<&PlannedObject> = journal.objects.iter().filter(|o| present(o)).collect();
    if found.len() == journal.objects.len() {
        return ReplayPlan::Complete;
    }
    ReplayPlan::RemoveThese(found.into_iter().rev().cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("certhelp-journal-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn objects() -> Vec<PlannedObject> {
        vec![
            PlannedObject::private_key(&[0xab, 0x01], "rsa", Some("Jane")),
            PlannedObject::public_key(&[0xab, 0x01], "rsa", None),
            PlannedObject::certificate(b"not really DER", Some(&[0xab, 0x01]), Some("Jane")),
        ]
    }

    fn journal(objects: Vec<PlannedObject>) -> Journal {
        Journal {
            format: FORMAT,
            store_dir: "/p".into(),
            store_id: "nss:/p".into(),
            started: "2026-01-01T00:00:00Z".into(),
            pid: 1,
            backup: None,
            objects,
        }
    }

    #[test]
    fn all_present_is_complete() {
        assert_eq!(replay_plan(&journal(objects()), &|_| true), ReplayPlan::Complete);
        assert_eq!(replay_plan(&journal(vec![]), &|_| false), ReplayPlan::Complete);
    }

    #[test]
    fn half_done_removes_exactly_what_exists_newest_first() {
        let j = journal(objects());
        let plan = replay_plan(&j, &|o| o.kind != ObjectKind::Certificate);
        assert_eq!(plan, ReplayPlan::RemoveThese(vec![j.objects[1].clone(), j.objects[0].clone()]));
        assert_eq!(replay_plan(&j, &|_| false), ReplayPlan::RemoveThese(vec![]));
    }

    #[test]
    fn round_trip_on_disk_and_commit_removes_it() {
        let d = tmp("rt");
        let state = d.join("state");
        let store = d.join("store");
        fs::create_dir_all(&store).unwrap();
        let h = Journal::begin_in(&state, "nss:store", &store, Some(Path::new("/b")), objects()).unwrap();
        assert_eq!(fs::metadata(h.path()).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(state.join("journal")).unwrap().permissions().mode() & 0o777, 0o700);
        // Our own open handle: still at work, not for replay.
        assert_eq!(pending_in(&state, &store), None);
        // A second import cannot start over an unfinished journal.
        assert!(matches!(Journal::begin_in(&state, "nss:store", &store, None, vec![]), Err(StoreError::Exists { .. })));
        let written = h.journal().clone();
        h.commit().unwrap();
        assert_eq!(pending_in(&state, &store), None);
        assert_eq!(fs::read_dir(state.join("journal")).unwrap().count(), 0);
        assert_eq!(written.objects, objects());
        assert_eq!(written.store_dir, fs::canonicalize(&store).unwrap());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_dropped_handle_is_what_a_crash_leaves() {
        let d = tmp("crash");
        let state = d.join("state");
        let store = d.join("store");
        fs::create_dir_all(&store).unwrap();
        let h = Journal::begin_in(&state, "nss:store", &store, None, objects()).unwrap();
        let written = h.journal().clone();
        drop(h);
        let j = pending_in(&state, &store).expect("left for replay");
        assert_eq!(j, written);
        finish_replay_in(&state, &j).unwrap();
        assert_eq!(pending_in(&state, &store), None);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn another_process_is_alive_only_while_it_holds_the_lock() {
        let d = tmp("alive");
        let state = d.join("state");
        let store = d.join("store");
        fs::create_dir_all(&store).unwrap();
        let mut child = std::process::Command::new("sleep").arg("60").spawn().unwrap();
        let mut j = journal(objects());
        j.store_dir = fs::canonicalize(&store).unwrap();
        j.pid = child.id();
        // Alive, but the lock is not its: stale (pid reuse, a crashed writer).
        assert!(!j.writer_alive(&state));
        // Pretend the child holds the lock: the lock file names it.
        let held = lock::lock_store_in(&state, &store).unwrap();
        fs::write(held.path(), child.id().to_string()).unwrap();
        assert!(j.writer_alive(&state));
        drop(held);
        assert!(!j.writer_alive(&state));
        child.kill().unwrap();
        child.wait().unwrap();
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn damaged_journal_is_kept_aside() {
        let d = tmp("damaged");
        let state = d.join("state");
        let store = d.join("store");
        fs::create_dir_all(state.join("journal")).unwrap();
        fs::create_dir_all(&store).unwrap();
        let path = journal_path(&state, &store);
        fs::write(&path, b"{not json").unwrap();
        assert_eq!(pending_in(&state, &store), None);
        assert!(path.with_extension("json.damaged").exists());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn trust_is_named_by_issuer_and_serial() {
        use openssl::asn1::Asn1Time;
        use openssl::bn::BigNum;
        use openssl::hash::MessageDigest;
        use openssl::pkey::PKey;
        use openssl::rsa::Rsa;
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = openssl::x509::X509Name::builder().unwrap();
        name.append_entry_by_text("CN", "Root").unwrap();
        let name = name.build();
        let mut b = openssl::x509::X509::builder().unwrap();
        b.set_serial_number(&BigNum::from_u32(0x80).unwrap().to_asn1_integer().unwrap()).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
        b.set_not_after(&Asn1Time::days_from_now(1).unwrap()).unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        let der = b.build().to_der().unwrap();
        let t = PlannedObject::trust(&der, Some("Root")).unwrap();
        assert_eq!(t.kind, ObjectKind::Trust);
        assert_eq!(t.serial_der_hex.as_deref(), Some("02020080"));
        assert_eq!(t.issuer_der_hex.as_deref(), Some(crate::cert::hex(&name.to_der().unwrap()).as_str()));
        assert!(PlannedObject::trust(b"junk", None).is_none());
    }
}
