//! Reading a PKCS#12 file: every key and certificate in it, paired into
//! identities, the rest as the chain.
//!
//! This module decides the order of checks so that cheap refusals (not
//! PKCS#12, no MAC, absurd iteration counts) come before any key
//! derivation, tries the parallel path of `open.rs`, and otherwise leaves
//! the cryptography to OpenSSL's PKCS#12 code, mapping its failures to what
//! they mean. It pairs keys with certificates; it never writes.

use openssl::pkey::PKey;
use openssl::x509::X509;
use zeroize::Zeroizing;

use super::ffi::{self, Bag, CPass};
use super::sniff::{sniff, FileKind};
use super::{check_iterations, der, load_providers, pfx};
use crate::secret::Secret;
use crate::store::{Bundle, ChainCert, Identity, PrivateKey, StoreError, Trust};

/// A key or certificate found in a file, before pairing.
pub(super) struct Item<T> {
    pub name: Option<String>,
    pub local_key_id: Option<Vec<u8>>,
    pub der: T,
}

pub(super) type KeyItem = Item<Zeroizing<Vec<u8>>>;
pub(super) type CertItem = Item<Vec<u8>>;

/// Read every identity and chain certificate of a PKCS#12 file.
///
/// Errors: [`StoreError::UnsupportedFormat`] saying what the bytes are when
/// they are not PKCS#12; [`StoreError::NoMac`]; [`StoreError::Invalid`]
/// for an absurd iteration count, a key without its certificate or a key
/// that does not match its certificate; [`StoreError::WrongPassword`] when
/// the MAC does not verify. `file` names the file in errors.
pub fn read(bytes: &[u8], password: &Secret, file: &str) -> Result<Bundle, StoreError> {
    let kind = sniff(bytes);
    if kind != FileKind::Pkcs12 {
        return Err(StoreError::UnsupportedFormat { file: file.into(), found: kind.describe().into() });
    }
    let damaged = || StoreError::UnsupportedFormat {
        file: file.into(),
        found: "a damaged PKCS#12 file (its structure does not parse)".into(),
    };
    load_providers();
    let p12 = ffi::Pkcs12::from_der(bytes).ok_or_else(damaged)?;
    if !p12.mac_present() {
        return Err(StoreError::NoMac { file: file.into() });
    }
    let parsed = pfx::parse_pfx(bytes).map_err(|_| damaged())?;
    check_iterations(pfx::max_visible_iterations(&parsed).map_err(|_| damaged())?, file)?;

    // The common algorithms: all derivations at once, on every core.
    if let Some(o) = super::open::open(&parsed, password, None, file)? {
        return assemble(o.keys, o.certs, file);
    }
    read_with_openssl(&p12, password, file)
}

/// The reading of any PKCS#12 file, by OpenSSL's own code: every
/// algorithm its providers know, and the authoritative answer when the fast
/// path did not open the file (a wrong password included).
pub(super) fn read_with_openssl(p12: &ffi::Pkcs12, password: &Secret, file: &str) -> Result<Bundle, StoreError> {
    let damaged = || StoreError::UnsupportedFormat {
        file: file.into(),
        found: "a damaged PKCS#12 file (its structure does not parse)".into(),
    };
    let wrong = || StoreError::WrongPassword { file: file.into() };
    let pass = CPass::new(password.expose()).ok_or_else(wrong)?;
    if !p12.verify_mac(&pass) {
        return Err(wrong());
    }
    let safes = p12.authsafes().ok_or_else(damaged)?;
    let mut keys = Vec::new();
    let mut certs = Vec::new();
    for i in 0..safes.len() {
        let bags = safes.content_bags(i, &pass).ok_or_else(|| StoreError::UnsupportedFormat {
            file: file.into(),
            found: "a PKCS#12 file encrypted with an algorithm this system's OpenSSL cannot decrypt (its legacy provider is missing?)".into(),
        })?;
        for bag in bags.bags() {
            collect(&bag, &pass, file, &mut keys, &mut certs, 0)?;
        }
    }
    assemble(keys, certs, file)
}

fn collect(
    bag: &Bag,
    pass: &CPass,
    file: &str,
    keys: &mut Vec<KeyItem>,
    certs: &mut Vec<CertItem>,
    depth: usize,
) -> Result<(), StoreError> {
    let damaged = || StoreError::UnsupportedFormat { file: file.into(), found: "a damaged PKCS#12 file".into() };
    let nid = bag.nid();
    if nid == ffi::NID_SAFE_CONTENTS_BAG {
        if depth < 4 {
            for b in bag.nested() {
                collect(&b, pass, file, keys, certs, depth + 1)?;
            }
        }
        return Ok(());
    }
    if ![ffi::NID_KEY_BAG, ffi::NID_SHROUDED_KEY_BAG, ffi::NID_CERT_BAG].contains(&nid) {
        return Ok(()); // CRLs and secrets: not for certhelp.
    }
    let bag_der = Zeroizing::new(bag.to_der().ok_or_else(damaged)?);
    let sb = pfx::safe_bag(&der::parse(&bag_der).map_err(|_| damaged())?).map_err(|_| damaged())?;
    fn item<T>(sb: &pfx::SafeBag, der: T) -> Item<T> {
        Item { name: sb.friendly_name.clone(), local_key_id: sb.local_key_id.clone(), der }
    }
    if nid == ffi::NID_CERT_BAG {
        if let Some(c) = pfx::cert_bag_der(&sb.value).map_err(|_| damaged())? {
            certs.push(item(&sb, c));
        }
    } else if nid == ffi::NID_KEY_BAG {
        keys.push(item(&sb, Zeroizing::new(sb.value.clone())));
    } else {
        let (pbe, _) = pfx::encrypted_key(&sb.value).map_err(|_| damaged())?;
        check_iterations(pbe.iterations(), file)?;
        let p8 = bag.decrypt_key(pass).ok_or_else(|| StoreError::Invalid {
            file: file.into(),
            problem: format!(
                "the private key {} does not decrypt with the file's password, although the integrity check passed",
                name_of(&sb.friendly_name, &sb.local_key_id)
            ),
        })?;
        keys.push(item(&sb, p8));
    }
    Ok(())
}

fn name_of(name: &Option<String>, id: &Option<Vec<u8>>) -> String {
    match (name, id) {
        (Some(n), _) => format!("\"{n}\""),
        (None, Some(id)) => format!("with key id {}", crate::cert::hex(id)),
        (None, None) => "(no name)".into(),
    }
}

/// Pair keys with certificates (by localKeyID, else by public key) into
/// identities; the other certificates form the chain, issuer first.
pub(super) fn assemble(keys: Vec<KeyItem>, certs: Vec<CertItem>, file: &str) -> Result<Bundle, StoreError> {
    let invalid = |problem: String| StoreError::Invalid { file: file.into(), problem };
    let x509s: Vec<Option<X509>> = certs.iter().map(|c| X509::from_der(&c.der).ok()).collect();
    let mut used = vec![false; certs.len()];
    let mut identities = Vec::new();
    for k in keys {
        let who = name_of(&k.name, &k.local_key_id);
        let pkey = PKey::private_key_from_pkcs8(&k.der)
            .map_err(|_| invalid(format!("the private key {who} is not a key this tool can read")))?;
        ffi::clear_errors();
        let matches =
            |i: usize| x509s[i].as_ref().and_then(|x| x.public_key().ok()).is_some_and(|p| p.public_eq(&pkey));
        let by_id =
            (0..certs.len()).find(|&i| !used[i] && k.local_key_id.is_some() && certs[i].local_key_id == k.local_key_id);
        let ci = match by_id {
            Some(i) if matches(i) => i,
            Some(_) => return Err(invalid(format!("the private key {who} does not match its certificate"))),
            None => (0..certs.len())
                .find(|&i| !used[i] && matches(i))
                .ok_or_else(|| invalid(format!("the private key {who} has no certificate in the file")))?,
        };
        used[ci] = true;
        identities.push(Identity {
            label: certs[ci].name.clone().or(k.name.clone()),
            cert_der: certs[ci].der.clone(),
            key: Some(PrivateKey::from_pkcs8_der(k.der.to_vec())),
        });
    }
    let rest: Vec<&CertItem> = certs.iter().zip(&used).filter(|(_, u)| !**u).map(|(c, _)| c).collect();
    let chain = order_chain(&identities, &rest)
        .into_iter()
        .map(|c| ChainCert { label: c.name.clone(), der: c.der.clone(), trust: Trust::NONE })
        .collect();
    Ok(Bundle { identities, chain })
}

/// Chain certificates issuer-first for each identity in turn, then any
/// certificate no chain reached, in file order.
fn order_chain<'a>(identities: &[Identity], rest: &[&'a CertItem]) -> Vec<&'a CertItem> {
    let infos: Vec<Option<crate::cert::CertInfo>> = rest.iter().map(|c| crate::cert::parse(&c.der).ok()).collect();
    let pool: Vec<crate::cert::CertInfo> = infos.iter().flatten().cloned().collect();
    // Index in `pool` -> index in `rest`.
    let back: Vec<usize> = infos.iter().enumerate().filter(|(_, i)| i.is_some()).map(|(n, _)| n).collect();
    let mut order: Vec<usize> = Vec::new();
    for id in identities {
        if let Ok(leaf) = crate::cert::parse(&id.cert_der) {
            for p in crate::cert::build_chain(&leaf, &pool).path {
                if !order.contains(&back[p]) {
                    order.push(back[p]);
                }
            }
        }
    }
    for i in 0..rest.len() {
        if !order.contains(&i) {
            order.push(i);
        }
    }
    order.into_iter().map(|i| rest[i]).collect()
}
