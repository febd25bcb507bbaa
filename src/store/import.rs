//! Putting a [`Bundle`] into an open store session: personal certificates
//! with their keys, and the CA certificates of their chains with trust.
//!
//! Two phases, so that nothing is created before every check has passed:
//! [`plan`] reads the store and decides nicknames, CKA_IDs and what is
//! already there (a nickname that another subject uses is refused here,
//! before any key exists); [`apply`] creates exactly the planned objects and,
//! if any creation fails, destroys the ones it made (no orphan key).
//! [`verify`] reads the store back afterwards.
//!
//! This module knows nothing about backups, journals or locks (see
//! `store::write`); it never prints or prompts.

use cryptoki::object::{Attribute, AttributeType, ObjectHandle};

use super::session::{nss_key_id, Flavor, StoreSession};
use super::{Bundle, ChainCert, StoreError, Trust};
use crate::cert;

/// One personal certificate the import will add (or finds already there).
#[derive(Debug, Clone)]
pub struct PlannedIdentity {
    pub index: usize,
    pub nickname: String,
    pub key_id: Vec<u8>,
    pub sha256: String,
    pub cert_present: bool,
    pub key_present: bool,
    /// The bundle carries a key for this certificate.
    pub has_key: bool,
}

/// One CA certificate of the chain.
#[derive(Debug, Clone)]
pub struct PlannedCa {
    pub index: usize,
    pub nickname: String,
    pub sha256: String,
    pub present: bool,
    /// Trust to set (softoken only); `None`: leave the trust as it is.
    pub trust: Option<Trust>,
    /// The trust object already says `trust`.
    pub trust_present: bool,
    /// A trust object exists for it (to change rather than create).
    pub trust_object: bool,
    /// That trust object's attributes before this import, as (CKA type,
    /// value) pairs: what a rollback or a replay puts back.
    pub old_trust: Vec<(u64, Vec<u8>)>,
}

/// What an import will do, decided before the first write.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub identities: Vec<PlannedIdentity>,
    pub cas: Vec<PlannedCa>,
}

impl ImportPlan {
    /// Nothing to create: the store already has all of it.
    pub fn nothing_to_do(&self) -> bool {
        self.identities.iter().all(|i| i.cert_present && (i.key_present || !i.has_key))
            && self.cas.iter().all(|c| c.present && (c.trust.is_none() || c.trust_present))
    }
}

/// One change `apply` made, for the rollback.
#[derive(Debug, Clone)]
pub enum Change {
    /// An object it created.
    Created(ObjectHandle),
    /// An existing trust object whose trust it changed, with what it was.
    TrustChanged { handle: ObjectHandle, old: Vec<Attribute> },
}

/// Decide nicknames and what is missing. `explicit_name` (the user's
/// `--cert-name`) names a subject the store does not know yet (one it knows
/// keeps its nickname), and must not clash with another subject's nickname:
/// that is an error here, before anything is written. Names that come from the file
/// or from NSS's rule get " #2", " #3"... instead, as NSS itself does.
pub fn plan(s: &StoreSession, bundle: &Bundle, explicit_name: Option<&str>) -> Result<ImportPlan, StoreError> {
    let mut plan = ImportPlan::default();
    // Nicknames this import gives, with the subject they are for.
    let mut taken: Vec<(String, Vec<u8>)> = Vec::new();
    for (index, id) in bundle.identities.iter().enumerate() {
        let info = parse(&id.cert_der)?;
        let key_id = nss_key_id(&id.cert_der)?;
        let present = s.find_cert(&id.cert_der)?;
        if present.is_empty() {
            ensure_no_twin(s, &id.cert_der, &info)?;
        }
        let existing_label = existing_nickname_for_subject(s, &info)?;
        let nickname = match (explicit_name, existing_label) {
            // NSS keeps one nickname per subject, and its own PKCS#12 import
            // gives a certificate the nickname its subject already has,
            // whatever the file or the user asked (p12d.c,
            // sec_pkcs12_validate_cert_nickname). A second name would split
            // the subject's certificates under two nicknames.
            (_, Some(l)) => l,
            (Some(n), None) => {
                ensure_free(s, n, &info.subject_der, &taken)?;
                n.to_string()
            }
            (None, None) => {
                let base =
                    id.label.clone().filter(|l| !l.trim().is_empty()).unwrap_or_else(|| nss_default_nickname(&info));
                unique_nickname(s, &base, &info.subject_der, &taken)?
            }
        };
        taken.push((nickname.clone(), info.subject_der.clone()));
        let key_present = !s.find_private_keys(&key_id)?.is_empty();
        plan.identities.push(PlannedIdentity {
            index,
            nickname,
            key_id,
            sha256: info.sha256.clone(),
            cert_present: !present.is_empty(),
            key_present,
            has_key: id.key.is_some(),
        });
    }
    for (index, ca) in bundle.chain.iter().enumerate() {
        let info = parse(&ca.der)?;
        let present = !s.find_cert(&ca.der)?.is_empty();
        if !present {
            ensure_no_twin(s, &ca.der, &info)?;
        }
        let (mut trust, mut trust_present, mut trust_object, mut old_trust) = (None, false, false, Vec::new());
        if s.flavor == Flavor::Softoken && ca.trust != Trust::NONE {
            let x = openssl::x509::X509::from_der(&ca.der).map_err(|e| bad_cert(e.to_string()))?;
            let existing = s.find_trust(&super::session::issuer_der(&x)?, &super::session::serial_der(&x)?)?;
            match existing.first() {
                // The user distrusted it: never overridden. Trust is only
                // ever raised from "not decided", never lowered.
                Some(h) if s.distrusted(*h)? => {}
                Some(h) => {
                    trust = Some(ca.trust);
                    trust_present = s.trust_of(*h)? == ca.trust;
                    trust_object = true;
                    old_trust = raw_trust(&s.trust_snapshot(*h)?);
                }
                None => trust = Some(ca.trust),
            }
        }
        let nickname = match existing_nickname_for_subject(s, &info)? {
            Some(l) => l,
            None => {
                let base = ca.label.clone().filter(|l| !l.trim().is_empty()).unwrap_or_else(|| ca_nickname(&info));
                unique_nickname(s, &base, &info.subject_der, &taken)?
            }
        };
        taken.push((nickname.clone(), info.subject_der.clone()));
        plan.cas.push(PlannedCa {
            index,
            nickname,
            sha256: info.sha256.clone(),
            present,
            trust,
            trust_present,
            trust_object,
            old_trust,
        });
    }
    Ok(plan)
}

/// Create what `plan` found missing, in order: keys, their certificates,
/// then CA certificates and their trust. Returns every change made, and
/// how it ended: on an error the caller undoes the changes with
/// [`rollback`] (and keeps its journal if that fails).
pub fn apply(s: &StoreSession, bundle: &Bundle, plan: &ImportPlan) -> (Vec<Change>, Result<(), StoreError>) {
    let mut changes: Vec<Change> = Vec::new();
    let result = (|| {
        for p in &plan.identities {
            let id = &bundle.identities[p.index];
            // Key first: a certificate without its key is what users see as
            // "certificate but no private key", the worse half-state.
            if let (false, Some(key)) = (p.key_present, &id.key) {
                changes.push(Change::Created(s.import_private_key(key, &p.key_id, &p.nickname)?));
                crate::fault::point("import:after-key");
            }
            if !p.cert_present {
                changes.push(Change::Created(s.create_cert(&id.cert_der, &p.nickname, Some(&p.key_id))?));
                crate::fault::point("import:after-cert");
            }
        }
        for c in &plan.cas {
            let ca: &ChainCert = &bundle.chain[c.index];
            if !c.present {
                changes.push(Change::Created(s.create_cert(&ca.der, &c.nickname, None)?));
                crate::fault::point("import:after-ca");
            }
            if let (Some(trust), false) = (c.trust, c.trust_present) {
                let x = openssl::x509::X509::from_der(&ca.der).map_err(|e| bad_cert(e.to_string()))?;
                match s.find_trust(&super::session::issuer_der(&x)?, &super::session::serial_der(&x)?)?.first() {
                    // A trust object the user had: changed, with its old
                    // values kept for the rollback.
                    Some(h) if c.trust_object => {
                        let old = s.trust_snapshot(*h)?;
                        s.set_trust(*h, trust)?;
                        changes.push(Change::TrustChanged { handle: *h, old });
                    }
                    // One softoken made along with the certificate just
                    // created: this import's, so a rollback removes it.
                    Some(h) => {
                        s.set_trust(*h, trust)?;
                        changes.push(Change::Created(*h));
                    }
                    None => changes.push(Change::Created(s.create_trust(&ca.der, trust)?)),
                }
                crate::fault::point("import:after-trust");
            }
        }
        Ok(())
    })();
    (changes, result)
}

/// Undo `changes`, newest first: destroy what was created, put old trust
/// back. True when everything was undone.
pub fn rollback(s: &StoreSession, changes: &[Change]) -> bool {
    let mut all = true;
    for c in changes.iter().rev() {
        all &= match c {
            Change::Created(h) => s.destroy(*h).is_ok(),
            Change::TrustChanged { handle, old } => s.restore_trust(*handle, old).is_ok(),
        };
    }
    all
}

/// Trust attributes as (CKA type, value) pairs, for the plan and journal.
// CK_ULONG is 32 bits on some platforms; the cast is a no-op only here.
#[allow(clippy::unnecessary_cast)]
fn raw_trust(attrs: &[Attribute]) -> Vec<(u64, Vec<u8>)> {
    attrs
        .iter()
        .filter_map(|a| match a {
            Attribute::VendorDefined((AttributeType::VendorDefined(t), v)) => Some((*t as u64, v.clone())),
            _ => None,
        })
        .collect()
}

/// Read back: every planned certificate is there, every key it carried is
/// there under the certificate's CKA_ID, and trust is as asked.
pub fn verify(s: &StoreSession, bundle: &Bundle, plan: &ImportPlan) -> Result<(), StoreError> {
    for p in &plan.identities {
        let id = &bundle.identities[p.index];
        if s.find_cert(&id.cert_der)?.is_empty() {
            return Err(StoreError::VerifyFailed {
                what: format!("certificate \"{}\" is not in the store", p.nickname),
            });
        }
        if id.key.is_some() && s.find_private_keys(&p.key_id)?.is_empty() {
            return Err(StoreError::VerifyFailed {
                what: format!("the private key of \"{}\" is not in the store", p.nickname),
            });
        }
    }
    for c in &plan.cas {
        let ca = &bundle.chain[c.index];
        if s.find_cert(&ca.der)?.is_empty() {
            return Err(StoreError::VerifyFailed {
                what: format!("CA certificate \"{}\" is not in the store", c.nickname),
            });
        }
        if let Some(trust) = c.trust {
            let x = openssl::x509::X509::from_der(&ca.der).map_err(|e| bad_cert(e.to_string()))?;
            let t = s.find_trust(&super::session::issuer_der(&x)?, &super::session::serial_der(&x)?)?;
            let ok = match t.first() {
                Some(h) => s.trust_of(*h)? == trust,
                None => false,
            };
            if !ok {
                return Err(StoreError::VerifyFailed { what: format!("trust of \"{}\" is not as set", c.nickname) });
            }
        }
    }
    Ok(())
}

/// A certificate that is not there must not share its issuer and serial
/// with one that is: softoken refuses to create it (CKR_GENERAL_ERROR), and
/// it means two different certificates claim one identity (a CA made again
/// for tests, or a mis-issued certificate).
fn ensure_no_twin(s: &StoreSession, der: &[u8], info: &cert::CertInfo) -> Result<(), StoreError> {
    let x = openssl::x509::X509::from_der(der).map_err(|e| bad_cert(e.to_string()))?;
    let twins = s.find_cert_by_issuer_serial(&super::session::issuer_der(&x)?, &super::session::serial_der(&x)?)?;
    if twins.is_empty() {
        return Ok(());
    }
    Err(StoreError::Invalid {
        file: s.store.clone(),
        problem: format!(
            "it already holds a different certificate with the same issuer and serial number as \"{}\" ({}); remove that one first if it is stale",
            info.common_name.as_deref().unwrap_or(&info.subject),
            info.issuer
        ),
    })
}

fn parse(der: &[u8]) -> Result<cert::CertInfo, StoreError> {
    cert::parse(der).map_err(|e| bad_cert(e.to_string()))
}

fn bad_cert(m: String) -> StoreError {
    StoreError::Pkcs11 { call: "import".into(), rv: None, message: m }
}

/// The nickname a certificate of the same subject already has.
fn existing_nickname_for_subject(s: &StoreSession, info: &cert::CertInfo) -> Result<Option<String>, StoreError> {
    let listing = s.list()?;
    for c in &listing.certs {
        if let (Some(l), Ok(i)) = (&c.label, cert::parse(&c.der)) {
            if i.subject_der == info.subject_der {
                return Ok(Some(l.clone()));
            }
        }
    }
    Ok(None)
}

/// Refuse a nickname that another subject uses (in the store, or earlier in
/// this same import).
fn ensure_free(s: &StoreSession, name: &str, subject: &[u8], taken: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
    let in_store = s.subjects_with_label(name)?.into_iter().any(|sub| sub != subject);
    let in_import = taken.iter().any(|(n, sub)| n == name && sub != subject);
    if in_store || in_import {
        return Err(StoreError::NicknameClash { nickname: name.into() });
    }
    Ok(())
}

/// `base`, or `base #2`, `base #3`... whichever no other subject uses.
fn unique_nickname(
    s: &StoreSession,
    base: &str,
    subject: &[u8],
    taken: &[(String, Vec<u8>)],
) -> Result<String, StoreError> {
    for n in 1..1000 {
        let name = if n == 1 { base.to_string() } else { format!("{base} #{n}") };
        if ensure_free(s, &name, subject, taken).is_ok() {
            return Ok(name);
        }
    }
    Err(StoreError::NicknameClash { nickname: base.into() })
}

/// NSS's rule for a certificate that comes without a name
/// (CERT_MakeCANickname): "CN - issuer's O"; the subject's OU when there is
/// no CN; the CN alone when the issuer has no organisation.
pub fn nss_default_nickname(info: &cert::CertInfo) -> String {
    let first = info.common_name.clone().or_else(|| name_part(&info.subject, "OU"));
    let org = name_part(&info.issuer, "O").or_else(|| name_part(&info.issuer, "DC"));
    match (first, org) {
        (Some(f), Some(o)) => format!("{f} - {o}"),
        (Some(f), None) => f,
        (None, Some(o)) => o,
        (None, None) => "Unknown CA".into(),
    }
}

/// A CA certificate's nickname: its CN (what Firefox shows), else the rule.
fn ca_nickname(info: &cert::CertInfo) -> String {
    info.common_name.clone().unwrap_or_else(|| nss_default_nickname(info))
}

/// The first `KEY=value` of an RFC 4514-like name string (see
/// `cert::name_string`).
fn name_part(name: &str, key: &str) -> Option<String> {
    name.split(", ").find_map(|p| p.strip_prefix(&format!("{key}=")).map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_parts() {
        assert_eq!(name_part("CN=Jane, O=Acme, C=US", "O").as_deref(), Some("Acme"));
        assert_eq!(name_part("CN=Jane, O=Acme, C=US", "OU"), None);
    }
}
