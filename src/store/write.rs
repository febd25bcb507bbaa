//! Every change to an NSS database goes through here, in one order:
//! take the store's lock (two certhelp processes are serialised), replay an
//! interrupted import's journal, plan (all checks before the first write),
//! back the store up, write the journal, create the objects, read them back,
//! and only then drop the journal. On any failure the objects this run
//! created are removed, so the app's own writes in between are never lost
//! (browsers may write the same database while it is open: SPEC §5).
//!
//! This module sequences the safety steps; what to create is `store::import`,
//! how to create it is `store::session`. It never prints or prompts.

use std::path::{Path, PathBuf};

use super::import::{self, ImportPlan};
use super::journal::{self, Journal, ObjectKind, PlannedObject, ReplayPlan};
use super::nss::NssStore;
use super::session::{Access, StoreSession};
use super::{backup, lock, Bundle, Pin, StoreError};

/// What a guarded import did.
#[derive(Debug, Default)]
pub struct ImportOutcome {
    /// The plan it carried out (nicknames, what was already there).
    pub plan: ImportPlan,
    /// Nothing was missing: the store was not changed.
    pub already_there: bool,
    /// The backup taken before the first change.
    pub backup: Option<PathBuf>,
    /// What the replay of an earlier, interrupted import did, if anything.
    pub recovered: Option<String>,
}

/// Import `bundle` into the NSS database `dir` (store id `id`) with every
/// safety step. `explicit_name` is the user's `--cert-name`; `reason` goes
/// into the backup's manifest.
pub fn import_into_nss(
    id: &str,
    dir: &Path,
    bundle: &Bundle,
    explicit_name: Option<&str>,
    pin: Option<&Pin>,
    reason: &str,
) -> Result<ImportOutcome, StoreError> {
    let _lock = lock::lock_store(dir)?;
    let store = NssStore::new(id, dir);
    let mut s = store.open(Access::ReadWrite)?;
    // Keys (and a journal's keys) are visible only after login.
    if bundle.identities.iter().any(|i| i.key.is_some()) || s.login_required() {
        s.login(pin)?;
    }
    let recovered = replay_pending(&s, dir)?;
    let plan = import::plan(&s, bundle, explicit_name)?;
    if plan.nothing_to_do() {
        return Ok(ImportOutcome { plan, already_there: true, backup: None, recovered });
    }
    let backup = backup::backup_nss(id, dir, reason)?;
    crate::fault::point("import:after-backup");
    let journal = Journal::begin(id, dir, Some(&backup.dir), planned_objects(bundle, &plan))?;
    crate::fault::point("import:after-journal");
    let (changes, applied) = import::apply(&s, bundle, &plan);
    if let Err(e) = applied.and_then(|()| import::verify(&s, bundle, &plan)) {
        // Undo exactly this run's changes. Only when that worked is the
        // journal dropped; otherwise the next write replays it.
        if import::rollback(&s, &changes) {
            journal.commit()?;
        }
        return Err(e);
    }
    crate::fault::point("import:before-commit");
    journal.commit()?;
    Ok(ImportOutcome { plan, already_there: false, backup: Some(backup.dir), recovered })
}

/// The objects `apply` will create, in creation order, for the journal.
fn planned_objects(bundle: &Bundle, plan: &ImportPlan) -> Vec<PlannedObject> {
    let mut out = Vec::new();
    for p in &plan.identities {
        let id = &bundle.identities[p.index];
        if let (false, Some(key)) = (p.key_present, &id.key) {
            out.push(PlannedObject::private_key(&p.key_id, key_type(key), Some(&p.nickname)));
        }
        if !p.cert_present {
            out.push(PlannedObject::certificate(&id.cert_der, Some(&p.key_id), Some(&p.nickname)));
        }
    }
    for c in &plan.cas {
        let der = &bundle.chain[c.index].der;
        if !c.present {
            out.push(PlannedObject::certificate(der, None, Some(&c.nickname)));
        }
        if c.trust.is_some() && !c.trust_present {
            if c.trust_object {
                let old = c.old_trust.iter().map(|(t, v)| (*t, crate::cert::hex(v))).collect();
                out.extend(PlannedObject::trust_change(der, old, Some(&c.nickname)));
            } else {
                out.extend(PlannedObject::trust(der, Some(&c.nickname)));
            }
        }
    }
    out
}

fn key_type(key: &super::PrivateKey) -> &'static str {
    match openssl::pkey::PKey::private_key_from_pkcs8(key.pkcs8_der()).map(|k| k.id()) {
        Ok(openssl::pkey::Id::EC) => "ec",
        _ => "rsa",
    }
}

/// Finish an interrupted import of this store: when all it planned is
/// there, keep it; otherwise remove exactly what it had created. Returns a
/// sentence for the user when there was something to replay.
pub fn replay_pending(s: &StoreSession, dir: &Path) -> Result<Option<String>, StoreError> {
    let Some(j) = journal::pending(dir) else {
        return Ok(None);
    };
    let listing = s.list()?;
    let cert_shas: Vec<String> =
        listing.certs.iter().filter_map(|c| crate::cert::parse(&c.der).ok()).map(|i| i.sha256).collect();
    let present = |o: &PlannedObject| -> bool {
        match o.kind {
            // A trust change "happened" when the values differ from the old.
            ObjectKind::TrustChange => trust_changed(s, o, &cert_shas).unwrap_or(false),
            _ => find(s, o, &cert_shas).map(|h| !h.is_empty()).unwrap_or(false),
        }
    };
    let said = match journal::replay_plan(&j, &present) {
        ReplayPlan::Complete => format!("an import interrupted on {} had finished; kept it", j.started),
        ReplayPlan::RemoveThese(objects) => {
            for o in &objects {
                for h in find(s, o, &cert_shas)? {
                    match o.kind {
                        ObjectKind::TrustChange => s.restore_trust(h, &old_trust(o))?,
                        _ => s.destroy(h)?,
                    }
                }
            }
            format!(
                "an import interrupted on {} was half done; removed the {} object(s) it had created",
                j.started,
                objects.len()
            )
        }
    };
    journal::finish_replay(&j)?;
    Ok(Some(said))
}

/// The store objects a journal entry names.
fn find(
    s: &StoreSession,
    o: &PlannedObject,
    cert_shas: &[String],
) -> Result<Vec<cryptoki::object::ObjectHandle>, StoreError> {
    let unhex = |h: &Option<String>| h.as_deref().and_then(from_hex);
    match o.kind {
        ObjectKind::Certificate => {
            let Some(sha) = &o.cert_sha256 else { return Ok(Vec::new()) };
            if !cert_shas.contains(sha) {
                return Ok(Vec::new());
            }
            s.find_cert_by_sha256(sha)
        }
        ObjectKind::PrivateKey => match unhex(&o.cka_id_hex) {
            Some(id) => s.find_private_keys(&id),
            None => Ok(Vec::new()),
        },
        ObjectKind::PublicKey => Ok(Vec::new()),
        ObjectKind::Trust | ObjectKind::TrustChange => match (unhex(&o.issuer_der_hex), unhex(&o.serial_der_hex)) {
            (Some(i), Some(sn)) => s.find_trust(&i, &sn),
            _ => Ok(Vec::new()),
        },
    }
}

/// The trust attributes a journal entry recorded before its change.
fn old_trust(o: &PlannedObject) -> Vec<cryptoki::object::Attribute> {
    use cryptoki::object::{Attribute, AttributeType};
    o.old_trust
        .iter()
        .flatten()
        .filter_map(|(t, v)| Some(Attribute::VendorDefined((AttributeType::VendorDefined(*t as _), from_hex(v)?))))
        .collect()
}

/// The trust object a TrustChange names no longer has its old values.
fn trust_changed(s: &StoreSession, o: &PlannedObject, cert_shas: &[String]) -> Result<bool, StoreError> {
    let want = old_trust(o);
    for h in find(s, o, cert_shas)? {
        if s.trust_snapshot(h)? != want {
            return Ok(true);
        }
    }
    Ok(false)
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}
