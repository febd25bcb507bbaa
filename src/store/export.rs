//! Copying personal certificates out of an open store session, each with
//! its private key and the CA certificates of its chain found in the same
//! store (issuer first, root last), trust included.
//!
//! Read-only on the store. A certificate whose key is missing or cannot
//! leave the store is an error, never a bundle without its key. This module
//! never prints or prompts.

use super::session::StoreSession;
use super::{Bundle, ChainCert, Identity, StoreError, StoredCert, Trust};
use crate::cert;

/// Export `chosen` (certificates as the store listed them) with their keys.
/// `with_chain`: add the CA certificates of their chains found in `listed`.
pub fn export(
    s: &StoreSession,
    chosen: &[&StoredCert],
    listed: &[StoredCert],
    with_chain: bool,
) -> Result<Bundle, StoreError> {
    let mut bundle = Bundle::default();
    for c in chosen {
        let what = describe(c);
        let keys = if c.id.is_empty() { Vec::new() } else { s.find_private_keys(&c.id)? };
        let Some(key) = keys.first() else {
            return Err(StoreError::NotFound {
                what: format!("the private key of {what} in {} (the certificate is there without it)", s.store),
            });
        };
        let key = s.export_private_key(*key, &what)?;
        check_key_matches(&c.der, &key, &what)?;
        bundle.identities.push(Identity { label: c.label.clone(), cert_der: c.der.clone(), key: Some(key) });
    }
    if with_chain {
        bundle.chain = chain_for(s, chosen, listed)?;
    }
    Ok(bundle)
}

/// The CA certificates from `listed` that chain `chosen` up to a root, each
/// once, issuer first; with the trust the store gives them.
fn chain_for(s: &StoreSession, chosen: &[&StoredCert], listed: &[StoredCert]) -> Result<Vec<ChainCert>, StoreError> {
    let parsed: Vec<(&StoredCert, cert::CertInfo)> =
        listed.iter().filter_map(|c| cert::parse(&c.der).ok().map(|i| (c, i))).collect();
    let pool: Vec<(&StoredCert, cert::CertInfo)> = parsed.into_iter().filter(|(_, i)| i.is_ca).collect();
    let infos: Vec<cert::CertInfo> = pool.iter().map(|(_, i)| i.clone()).collect();
    let mut out: Vec<ChainCert> = Vec::new();
    for c in chosen {
        let Ok(leaf) = cert::parse(&c.der) else { continue };
        for i in cert::build_chain(&leaf, &infos).path {
            let (stored, info) = &pool[i];
            if out.iter().any(|o| o.der == stored.der) {
                continue;
            }
            let trust = trust_in_store(s, &stored.der).unwrap_or(Trust::NONE);
            out.push(ChainCert {
                label: stored.label.clone().or(info.common_name.clone()),
                der: stored.der.clone(),
                trust,
            });
        }
    }
    Ok(out)
}

fn trust_in_store(s: &StoreSession, der: &[u8]) -> Result<Trust, StoreError> {
    let x = openssl::x509::X509::from_der(der).map_err(|e| StoreError::Pkcs11 {
        call: "trust".into(),
        rv: None,
        message: e.to_string(),
    })?;
    match s.find_trust(&super::session::issuer_der(&x)?, &super::session::serial_der(&x)?)?.first() {
        Some(h) => s.trust_of(*h),
        None => Ok(Trust::NONE),
    }
}

/// The key that came out must be the certificate's: a mismatch means the
/// store links them wrongly, and a file made from it would be useless.
pub fn check_key_matches(cert_der: &[u8], key: &super::PrivateKey, what: &str) -> Result<(), StoreError> {
    let fail = |m: String| StoreError::VerifyFailed { what: format!("{what}: {m}") };
    let x = openssl::x509::X509::from_der(cert_der).map_err(|e| fail(e.to_string()))?;
    let pk = openssl::pkey::PKey::private_key_from_pkcs8(key.pkcs8_der()).map_err(|e| fail(e.to_string()))?;
    let cert_pub = x.public_key().map_err(|e| fail(e.to_string()))?;
    if !cert_pub.public_eq(&pk) {
        return Err(fail("the private key does not belong to the certificate".into()));
    }
    Ok(())
}

/// "nickname" (CN, e-mail) for messages.
pub fn describe(c: &StoredCert) -> String {
    let info = cert::parse(&c.der).ok();
    let cn = info.as_ref().and_then(|i| i.common_name.clone());
    match (&c.label, cn) {
        (Some(l), Some(cn)) if *l != cn => format!("\"{l}\" ({cn})"),
        (Some(l), _) => format!("\"{l}\""),
        (None, Some(cn)) => cn,
        (None, None) => "the certificate".into(),
    }
}
