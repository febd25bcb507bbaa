//! Opening a PKCS#11 token (a USB token, a smart card, SoftHSM) named by an
//! RFC 7512 URI as a [`StoreSession`]: load its module, find the slot whose
//! token fits the URI. Never prompts; logging in is the caller's step.

use std::path::Path;

use super::pkcs11::Module;
use super::session::{Access, Flavor, StoreSession};
use super::target::{Pkcs11Uri, TokenFacts};
use super::StoreError;

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
