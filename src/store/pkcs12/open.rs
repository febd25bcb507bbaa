//! Opening a PFX with this module's own cryptography: every key derivation
//! the file needs runs at once, side by side (and not at all when the keys
//! derived while writing it are at hand), then the MAC is checked and the
//! contents and keys are decrypted.
//!
//! Only the algorithms of `crypto.rs` are handled: PBES2 with PBKDF2 and
//! AES-CBC, PBE-SHA1-3DES, SHA-1/SHA-256 MACs; that is what certhelp,
//! OpenSSL 3, NSS and Windows write. For anything else, and for anything
//! that does not check out (a wrong password included), this module answers
//! "not here" and the caller asks OpenSSL's reader, whose answer is the
//! authoritative one. It refuses absurd iteration counts itself.

use zeroize::Zeroizing;

use super::crypto::{self, KeyReq, Keys};
use super::pfx::{self, oid, Content, Pbe, Pfx};
use super::read::{CertItem, Item, KeyItem};
use crate::secret::Secret;
use crate::store::StoreError;

/// The keys and certificates of an opened file.
pub(super) struct Opened {
    pub keys: Vec<KeyItem>,
    pub certs: Vec<CertItem>,
}

/// Open `parsed` with `password`, reusing `cache` when it holds the keys.
/// `Ok(None)`: not here (see the module doc); `Err` only for a refused
/// iteration count.
pub(super) fn open(
    parsed: &Pfx,
    password: &Secret,
    cache: Option<&Keys>,
    file: &str,
) -> Result<Option<Opened>, StoreError> {
    let Some(mac) = parsed.mac.as_ref() else { return Ok(None) };
    let Some(mac_req) = crypto::mac_req(mac) else { return Ok(None) };
    let Ok(contents) = pfx::contents(&parsed.auth_safe) else { return Ok(None) };
    // Round one: the MAC, the encrypted contents, and key bags in plain
    // contents, all derived at once.
    let mut reqs = vec![mac_req.clone()];
    let mut plain_bags = Vec::new();
    for c in &contents {
        match c {
            Content::Encrypted { pbe, .. } => match crypto::pbe_reqs(pbe) {
                Some(r) => reqs.extend(r),
                None => return Ok(None),
            },
            Content::Data(sc) => {
                let Ok(bags) = pfx::safe_bags(sc) else { return Ok(None) };
                for bag in bags.iter().filter(|b| b.is(oid::SHROUDED_KEY_BAG)) {
                    let Ok((pbe, _)) = pfx::encrypted_key(&bag.value) else { return Ok(None) };
                    match crypto::pbe_reqs(&pbe) {
                        Some(r) => reqs.extend(r),
                        None => return Ok(None),
                    }
                }
                plain_bags.push(bags);
            }
            Content::Other => return Ok(None),
        }
    }
    let mut local = Keys::default();
    let keys: &Keys = match cache {
        Some(c) if reqs.iter().all(|r| c.get(r).is_some()) => c,
        _ => {
            if local.derive(password, &reqs).is_err() {
                return Ok(None);
            }
            &local
        }
    };
    let Some(computed) = crypto::hmac(&mac_req, keys, &parsed.auth_safe) else { return Ok(None) };
    if computed.len() != mac.mac.len() || !openssl::memcmp::eq(&computed, &mac.mac) {
        return Ok(None);
    }
    let mut bags = Vec::new();
    let mut plain = plain_bags.into_iter();
    for c in &contents {
        match c {
            Content::Data(_) => bags.extend(plain.next().unwrap_or_default()),
            Content::Encrypted { pbe, ciphertext } => {
                let Some(Ok(sc)) = crypto::crypt(pbe, keys, ciphertext, false) else { return Ok(None) };
                let Ok(b) = pfx::safe_bags(&sc) else { return Ok(None) };
                bags.extend(b);
            }
            Content::Other => return Ok(None),
        }
    }
    // Round two, rarely needed: key bags that were inside encrypted contents.
    let mut shrouded: Vec<(usize, Pbe, Vec<u8>)> = Vec::new();
    let mut late: Vec<KeyReq> = Vec::new();
    for (i, bag) in bags.iter().enumerate() {
        if bag.is(oid::SHROUDED_KEY_BAG) {
            let Ok((pbe, ct)) = pfx::encrypted_key(&bag.value) else { return Ok(None) };
            super::check_iterations(pbe.iterations(), file)?;
            let Some(r) = crypto::pbe_reqs(&pbe) else { return Ok(None) };
            late.extend(r.into_iter().filter(|r| keys.get(r).is_none()));
            shrouded.push((i, pbe, ct));
        }
    }
    let mut more = Keys::default();
    if !late.is_empty() && more.derive(password, &late).is_err() {
        return Ok(None);
    }
    let mut out = Opened { keys: Vec::new(), certs: Vec::new() };
    for (i, pbe, ct) in shrouded {
        let decrypted = crypto::crypt(&pbe, keys, &ct, false).or_else(|| crypto::crypt(&pbe, &more, &ct, false));
        let Some(Ok(der)) = decrypted else { return Ok(None) };
        out.keys.push(Item { name: bags[i].friendly_name.clone(), local_key_id: bags[i].local_key_id.clone(), der });
    }
    for bag in &bags {
        if bag.is(oid::CERT_BAG) {
            match pfx::cert_bag_der(&bag.value) {
                Ok(Some(der)) => out.certs.push(Item {
                    name: bag.friendly_name.clone(),
                    local_key_id: bag.local_key_id.clone(),
                    der,
                }),
                Ok(None) => {} // not an X.509 certificate
                Err(_) => return Ok(None),
            }
        } else if bag.is(oid::KEY_BAG) {
            let der = Zeroizing::new(bag.value.clone());
            out.keys.push(Item { name: bag.friendly_name.clone(), local_key_id: bag.local_key_id.clone(), der });
        } else if bag.is(oid::SAFE_CONTENTS_BAG) {
            return Ok(None);
        }
    }
    Ok(Some(out))
}
