//! Opening a PKCS#11 token (a USB token, a smart card, SoftHSM) named by an
//! RFC 7512 URI as a [`StoreSession`]: load its module, find the slot whose
//! token fits the URI; and putting a bundle onto it ([`import`]). Never
//! prompts; logging in (and the PIN counters it must look at first) is the
//! caller's step.
//!
//! On a token the objects are NSS-shaped so that Firefox and Thunderbird
//! see the pair: CKA_ID = SHA-1 of the RSA modulus or EC point (NSS's rule,
//! `session::nss_key_id`), CKA_LABEL = the nickname, on the private key, its
//! certificate and the public key object made beside them. There is no
//! trust object (softoken's vendor objects), no backup and no journal: a
//! token cannot be copied; an interrupted import leaves objects that the
//! next import's plan finds and completes.

use std::path::Path;

use super::import::{self, Change, ImportPlan};
use super::pkcs11::Module;
use super::session::{Access, Flavor, StoreSession};
use super::target::{Pkcs11Uri, TokenFacts};
use super::{Bundle, StoreError};

/// Open the token `uri` names behind `module` (required: a token id
/// carries its module so two tokens with one label do not collide).
pub fn open(id: &str, uri: &Pkcs11Uri, module: Option<&Path>, access: Access) -> Result<StoreSession, StoreError> {
    let module_path = module.or(uri.module_path.as_deref()).ok_or_else(|| StoreError::NotFound {
        what: format!("the PKCS#11 module for {id} (add ?module-path=/path/to/module.so to the URI)"),
    })?;
    let m = Module::load(&module_path.to_string_lossy())?;
    let mut found = Vec::new();
    for (slot, info) in m.tokens()? {
        let facts = TokenFacts {
            label: info.label().trim().to_string(),
            manufacturer: info.manufacturer_id().trim().to_string(),
            model: info.model().trim().to_string(),
            serial: info.serial_number().trim().to_string(),
            slot_id: slot.id(),
        };
        if uri.matches_token(&facts) {
            found.push((slot, facts));
        }
    }
    match found.len() {
        0 => Err(StoreError::NotFound { what: format!("token {id} (is it plugged in?)") }),
        1 => StoreSession::open(m, found[0].0, Flavor::Token, access, id, None),
        _ => Err(StoreError::Ambiguous {
            candidates: found.iter().map(|(_, f)| format!("{} (serial {})", f.label, f.serial)).collect(),
        }),
    }
}

/// What an import onto a token did.
#[derive(Debug)]
pub struct TokenImport {
    pub plan: ImportPlan,
    /// Everything was there already; nothing was written.
    pub already_there: bool,
    /// Public key objects made beside the new private keys.
    pub public_keys: usize,
}

/// Put `bundle` onto the logged-in token `s`: plan (every check, no
/// write), create the public keys, keys, certificates and chain
/// certificates, then read back and prove each new key signs for its certificate.
/// On any failure the objects this call created are destroyed; when even
/// that fails, the error says what is left.
pub fn import(s: &StoreSession, bundle: &Bundle, explicit_name: Option<&str>) -> Result<TokenImport, StoreError> {
    let plan = import::plan(s, bundle, explicit_name)?;
    if plan.nothing_to_do() {
        return Ok(TokenImport { plan, already_there: true, public_keys: 0 });
    }
    // Public key objects first, from the certificates: a kill after the
    // private key but before its public key would leave a pair the next
    // import sees as present and never completes; made first, a kill
    // leaves only objects that the next import's plan finds or finishes.
    let mut changes: Vec<Change> = Vec::new();
    let mut public_keys = 0;
    let made = (|| {
        for p in plan.identities.iter().filter(|p| p.has_key && !p.key_present) {
            if s.find_public_keys(&p.key_id)?.is_empty() {
                let cert = &bundle.identities[p.index].cert_der;
                changes.push(Change::Created(s.create_public_key(cert, &p.key_id, &p.nickname)?));
                public_keys += 1;
                crate::fault::point("import:after-public-key");
            }
        }
        Ok(())
    })();
    let result = made
        .and_then(|()| {
            let (created, applied) = import::apply(s, bundle, &plan);
            changes.extend(created);
            applied
        })
        .and_then(|()| import::verify(s, bundle, &plan))
        .and_then(|()| verify_keys(s, bundle, &plan));
    match result {
        Ok(()) => Ok(TokenImport { plan, already_there: false, public_keys }),
        // Pulled out mid-way: the rollback cannot reach it either; say
        // how much is left (the next import completes it).
        Err(e) if e.token_gone() => {
            let left = if import::rollback(s, &changes) { 0 } else { changes.len() };
            Err(StoreError::Removed { token: s.store.clone(), left })
        }
        Err(e) if import::rollback(s, &changes) => Err(e),
        Err(e) => Err(StoreError::VerifyFailed {
            what: format!(
                "{e}; and {} object(s) this import created could not be removed from {}: delete the objects labelled {} with the token's tool",
                changes.len(),
                s.store,
                plan.identities.iter().map(|p| format!("\"{}\"", p.nickname)).collect::<Vec<_>>().join(", ")
            ),
        }),
    }
}

/// Each new private key signs a random message that its certificate's
/// public key verifies: the key on the token is that certificate's.
fn verify_keys(s: &StoreSession, bundle: &Bundle, plan: &ImportPlan) -> Result<(), StoreError> {
    for p in plan.identities.iter().filter(|p| p.has_key && !p.key_present) {
        let cert = &bundle.identities[p.index].cert_der;
        let keys = s.find_private_keys(&p.key_id)?;
        if keys.len() != 1 || !s.key_signs_for(keys[0], cert)? {
            return Err(StoreError::VerifyFailed {
                what: format!("the private key of \"{}\" on the token does not match its certificate", p.nickname),
            });
        }
    }
    Ok(())
}
