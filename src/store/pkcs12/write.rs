//! Writing one identity (certificate, key, optional chain) as a PKCS#12
//! file, and checking a written file by reading it back.
//!
//! The file is assembled here (`pfx.rs`) rather than by OpenSSL's
//! `PKCS12_create`, for two reasons: the three key derivations (key bag,
//! certificate bag, MAC) then run side by side instead of one after the
//! other, and the check after writing can reuse the derived keys instead of
//! running the KDF three more times. A re-read file whose parameters are not
//! the ones derived for (or any file given to [`verify`] alone) is checked
//! with freshly derived keys, and files in algorithms this module does not
//! write go through the full OpenSSL reader.

use openssl::hash::{hash, MessageDigest};
use openssl::pkey::PKey;
use openssl::x509::X509;
use zeroize::Zeroizing;

use super::crypto::{self, KeyReq, Keys};
use super::open::Opened;
use super::pfx::{self, oid, MacData, Pbe};
use super::{der, ffi, Compat, WriteOptions};
use crate::secret::Secret;
use crate::store::{ChainCert, Identity, StoreError};

/// A written file and the keys derived for it (kept for [`verify_written`];
/// wiped on drop).
#[derive(Debug)]
pub struct Written {
    pub bytes: Vec<u8>,
    keys: Keys,
}

const TARGET: &str = "the new PKCS#12 file";

fn invalid(problem: impl Into<String>) -> StoreError {
    StoreError::Invalid { file: TARGET.into(), problem: problem.into() }
}

fn random(n: usize) -> Result<Vec<u8>, StoreError> {
    let mut v = vec![0u8; n];
    openssl::rand::rand_bytes(&mut v).map_err(|_| invalid("the system's random number generator failed"))?;
    Ok(v)
}

/// Write `identity` (which must carry its key) and `chain` as a PKCS#12
/// file's bytes. An empty password is refused.
pub fn write(
    identity: &Identity,
    chain: &[ChainCert],
    password: &Secret,
    opts: &WriteOptions,
) -> Result<Vec<u8>, StoreError> {
    write_keyed(identity, chain, password, opts).map(|w| w.bytes)
}

/// [`write`], keeping the derived keys for [`verify_written`].
pub fn write_keyed(
    identity: &Identity,
    chain: &[ChainCert],
    password: &Secret,
    opts: &WriteOptions,
) -> Result<Written, StoreError> {
    write_all(std::slice::from_ref(identity), chain, password, opts)
}

/// Several identities in one file, as Firefox's "Backup All" writes them
/// (each key linked to its certificate by localKeyID). certhelp's exports
/// write one identity per file; this serves backups and tests.
pub fn write_all(
    identities: &[Identity],
    chain: &[ChainCert],
    password: &Secret,
    opts: &WriteOptions,
) -> Result<Written, StoreError> {
    if password.is_empty() {
        return Err(invalid("an empty password is refused: importers reject it, and it protects nothing"));
    }
    if identities.is_empty() {
        return Err(invalid("nothing to write"));
    }
    let mut keyed = Vec::new();
    for identity in identities {
        let key = identity.key.as_ref().ok_or_else(|| invalid("the certificate has no private key to put in it"))?;
        let pkey =
            PKey::private_key_from_pkcs8(key.pkcs8_der()).map_err(|_| invalid("the private key does not parse"))?;
        let cert = X509::from_der(&identity.cert_der).map_err(|_| invalid("the certificate does not parse"))?;
        let pub_key = cert.public_key().map_err(|_| invalid("the certificate's public key does not parse"))?;
        if !pub_key.public_eq(&pkey) {
            return Err(invalid("the private key does not match the certificate"));
        }
        // localKeyID as OpenSSL writes it: the certificate's SHA-1.
        let lkid = hash(MessageDigest::sha1(), &identity.cert_der).map_err(|_| invalid("SHA-1 failed"))?.to_vec();
        keyed.push(Entry {
            label: identity.label.as_deref(),
            cert_der: &identity.cert_der,
            pkcs8: key.pkcs8_der(),
            lkid,
        });
    }
    ffi::clear_errors();
    assemble(&keyed, chain, password, opts)
}

/// One identity as it goes into the file.
pub(super) struct Entry<'a> {
    pub label: Option<&'a str>,
    pub cert_der: &'a [u8],
    pub pkcs8: &'a [u8],
    pub lkid: Vec<u8>,
}

/// Build the file from entries already checked (tests feed it unchecked
/// ones to make broken files).
pub(super) fn assemble(
    keyed: &[Entry],
    chain: &[ChainCert],
    password: &Secret,
    opts: &WriteOptions,
) -> Result<Written, StoreError> {
    let iterations = opts.iterations().max(1);
    if iterations > super::MODERN_ITERATIONS {
        return Err(invalid(format!(
            "{iterations} iterations: current Windows refuses files above {}",
            super::MODERN_ITERATIONS
        )));
    }
    let pbe = |salt_len: usize| -> Result<Pbe, StoreError> {
        Ok(match opts.compat {
            Compat::Modern => Pbe::Pbes2 {
                salt: random(salt_len)?,
                iterations: iterations.into(),
                prf: der::oid(oid::HMAC_SHA256),
                cipher: der::oid(oid::AES_256_CBC),
                iv: random(16)?,
            },
            Compat::Legacy => Pbe::Pkcs12 {
                scheme: der::oid(oid::PBE_SHA1_3DES),
                salt: random(salt_len)?,
                iterations: iterations.into(),
            },
        })
    };
    // Legacy salts are 8 bytes, as the importers of that era expect.
    let salt_len = if opts.compat == Compat::Modern { 16 } else { 8 };
    let key_pbes = keyed.iter().map(|_| pbe(salt_len)).collect::<Result<Vec<_>, _>>()?;
    let cert_pbe = pbe(salt_len)?;
    let (digest, digest_len) = if opts.compat == Compat::Modern { (oid::SHA256, 32) } else { (oid::SHA1, 20) };
    let mac = MacData {
        digest_oid: der::oid(digest),
        mac: vec![0; digest_len],
        salt: random(salt_len)?,
        iterations: iterations.into(),
    };

    let mac_req = crypto::mac_req(&mac).ok_or_else(|| invalid("MAC digest"))?;
    let mut reqs: Vec<KeyReq> = vec![mac_req.clone()];
    for p in key_pbes.iter().chain([&cert_pbe]) {
        reqs.extend(crypto::pbe_reqs(p).ok_or_else(|| invalid("cipher"))?);
    }
    let mut keys = Keys::default();
    keys.derive(password, &reqs).map_err(|_| invalid("the password cannot be used (it holds a NUL character)"))?;

    let encrypt = |p: &Pbe, data: &[u8]| -> Result<Zeroizing<Vec<u8>>, StoreError> {
        crypto::crypt(p, &keys, data, true).ok_or_else(|| invalid("cipher"))?.map_err(|_| invalid("encryption failed"))
    };
    let mut key_bags = Vec::new();
    let mut cert_bags = Vec::new();
    for (e, key_pbe) in keyed.iter().zip(&key_pbes) {
        let enc = encrypt(key_pbe, e.pkcs8)?;
        let value = pfx::encrypted_key_value(&alg_der(key_pbe), &enc);
        key_bags.push(pfx::bag(oid::SHROUDED_KEY_BAG, &value, e.label, Some(&e.lkid)));
        cert_bags.push(pfx::bag(oid::CERT_BAG, &pfx::cert_bag_value(e.cert_der), e.label, Some(&e.lkid)));
    }
    for c in chain {
        cert_bags.push(pfx::bag(oid::CERT_BAG, &pfx::cert_bag_value(&c.der), c.label.as_deref(), None));
    }
    let cert_sc = der::tlv(der::SEQUENCE, &cert_bags.concat());
    // Certificates first, then the key, as OpenSSL orders them.
    let auth_safe = der::seq(&[
        &pfx::encrypted_content(&alg_der(&cert_pbe), &encrypt(&cert_pbe, &cert_sc)?),
        &pfx::data_content(&der::tlv(der::SEQUENCE, &key_bags.concat())),
    ]);
    let mac_value = crypto::hmac(&mac_req, &keys, &auth_safe).ok_or_else(|| invalid("MAC failed"))?;
    let bytes = pfx::pfx(&auth_safe, digest, &mac_value, &mac.salt, iterations.into());
    Ok(Written { bytes, keys })
}

fn alg_der(p: &Pbe) -> Vec<u8> {
    match p {
        Pbe::Pbes2 { salt, iterations, iv, .. } => pfx::alg_pbes2_aes256(salt, *iterations, iv),
        Pbe::Pkcs12 { salt, iterations, .. } => pfx::alg_pbe_sha1_3des(salt, *iterations),
        Pbe::Other => Vec::new(),
    }
}

/// Check that `bytes` (a file re-read from disk) hold exactly `expected`
/// (certificate, key, label) and `chain`, that the MAC verifies with
/// `password` and that the key matches the certificate. Any difference is
/// [`StoreError::VerifyFailed`].
pub fn verify(bytes: &[u8], password: &Secret, expected: &Identity, chain: &[ChainCert]) -> Result<(), StoreError> {
    check(bytes, password, std::slice::from_ref(expected), chain, None)
}

/// [`verify`] for a file of several identities (see [`write_all`]),
/// reusing `written`'s keys when given.
pub fn verify_all(
    bytes: &[u8],
    password: &Secret,
    expected: &[Identity],
    chain: &[ChainCert],
    written: Option<&Written>,
) -> Result<(), StoreError> {
    check(bytes, password, expected, chain, written.map(|w| &w.keys))
}

/// [`verify`] reusing the keys derived when the file was written: no KDF
/// runs again when the re-read file has the parameters written.
pub fn verify_written(
    bytes: &[u8],
    password: &Secret,
    expected: &Identity,
    chain: &[ChainCert],
    written: &Written,
) -> Result<(), StoreError> {
    check(bytes, password, std::slice::from_ref(expected), chain, Some(&written.keys))
}

fn failed(what: impl Into<String>) -> StoreError {
    StoreError::VerifyFailed { what: what.into() }
}

fn check(
    bytes: &[u8],
    password: &Secret,
    expected: &[Identity],
    chain: &[ChainCert],
    cache: Option<&Keys>,
) -> Result<(), StoreError> {
    // OpenSSL must parse the structure too, not only this module.
    let p12 = ffi::Pkcs12::from_der(bytes).ok_or_else(|| failed("OpenSSL cannot parse the written file"))?;
    if !p12.mac_present() {
        return Err(failed("the written file has no MAC"));
    }
    let parsed = pfx::parse_pfx(bytes).map_err(|_| failed("the written file does not parse"))?;
    let visible = pfx::max_visible_iterations(&parsed).map_err(|_| failed("the written file does not parse"))?;
    super::check_iterations(visible, "the written file")?;
    match super::open::open(&parsed, password, cache, "the written file")? {
        Some(found) => compare(found, expected, chain),
        None => check_by_reading(&p12, password, expected, chain),
    }
}

fn compare(found: Opened, expected: &[Identity], chain: &[ChainCert]) -> Result<(), StoreError> {
    if found.keys.len() != expected.len() {
        return Err(failed(format!("the written file holds {} keys, {} expected", found.keys.len(), expected.len())));
    }
    for want in expected {
        let want_key = want.key.as_ref().ok_or_else(|| failed("no key expected"))?;
        let key = found
            .keys
            .iter()
            .find(|k| k.der.as_slice() == want_key.pkcs8_der())
            .ok_or_else(|| failed("a key in the written file differs from the key given"))?;
        let cert = found
            .certs
            .iter()
            .find(|c| key.local_key_id.is_some() && c.local_key_id == key.local_key_id)
            .ok_or_else(|| failed("a key's certificate is not linked to it (localKeyID)"))?;
        if cert.der != want.cert_der {
            return Err(failed("the certificate in the written file differs from the one given"));
        }
        if cert.name != want.label {
            return Err(failed("the certificate's name (friendlyName) differs"));
        }
        key_matches(&cert.der, &key.der)?;
    }
    same_certs(found.certs.into_iter().map(|c| c.der).collect(), expected, chain)
}

fn key_matches(cert_der: &[u8], p8: &[u8]) -> Result<(), StoreError> {
    let ok = match (X509::from_der(cert_der), PKey::private_key_from_pkcs8(p8)) {
        (Ok(c), Ok(k)) => c.public_key().is_ok_and(|p| p.public_eq(&k)),
        _ => false,
    };
    ffi::clear_errors();
    if ok {
        Ok(())
    } else {
        Err(failed("the written key does not match its certificate"))
    }
}

fn same_certs(mut got: Vec<Vec<u8>>, expected: &[Identity], chain: &[ChainCert]) -> Result<(), StoreError> {
    let mut want: Vec<Vec<u8>> = chain.iter().map(|c| c.der.clone()).collect();
    want.extend(expected.iter().map(|i| i.cert_der.clone()));
    got.sort();
    want.sort();
    if got != want {
        return Err(failed(format!("the written file holds {} certificates, {} expected", got.len(), want.len())));
    }
    Ok(())
}

/// The slow path: read the file with the full OpenSSL reader and compare.
fn check_by_reading(
    p12: &ffi::Pkcs12,
    password: &Secret,
    expected: &[Identity],
    chain: &[ChainCert],
) -> Result<(), StoreError> {
    super::load_providers();
    let b = super::read::read_with_openssl(p12, password, "the written file").map_err(|e| failed(e.to_string()))?;
    if b.identities.len() != expected.len() {
        return Err(failed(format!(
            "the written file holds {} identities, {} expected",
            b.identities.len(),
            expected.len()
        )));
    }
    for (got, want) in b.identities.iter().zip(expected) {
        if got.key.as_ref().map(|k| k.pkcs8_der()) != want.key.as_ref().map(|k| k.pkcs8_der()) {
            return Err(failed("a key in the written file differs from the key given"));
        }
        if got.cert_der != want.cert_der || got.label != want.label {
            return Err(failed("a certificate or its name in the written file differs"));
        }
    }
    let mut got: Vec<Vec<u8>> = b.chain.iter().map(|c| c.der.clone()).collect();
    got.extend(b.identities.iter().map(|i| i.cert_der.clone()));
    same_certs(got, expected, chain)
}
