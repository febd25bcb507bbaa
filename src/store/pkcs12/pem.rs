//! PEM files: a certificate (and chain) with its private key, in one file
//! or two, read into a [`Bundle`] and written from an [`Identity`].
//!
//! A key is written as encrypted PKCS#8 (PBES2: AES-256-CBC with
//! PBKDF2-HMAC-SHA256) unless the caller passes no password, which means
//! the user explicitly asked for an unencrypted key. This module reads and
//! returns bytes; it never touches files itself.

use openssl::pkey::PKey;
use openssl::x509::X509;
use zeroize::Zeroizing;

use super::crypto::{self, Keys};
use super::pfx::{self, oid, Pbe};
use super::read::{assemble, Item};
use super::{der, ffi, sniff};
use crate::secret::Secret;
use crate::store::{Bundle, ChainCert, Identity, StoreError};

/// Iteration count for encrypted PEM keys: as for modern PKCS#12 files.
pub const PEM_KEY_ITERATIONS: u32 = super::MODERN_ITERATIONS;

const FILE: &str = "the PEM file";

/// Read certificates from `cert_bytes` and the private key from
/// `key_bytes` (or from `cert_bytes` when `None`): unencrypted, encrypted
/// PKCS#8, or traditional ("Proc-Type: 4,ENCRYPTED") keys. The certificate
/// that matches the key is the identity; the others form the chain.
pub fn read_pem(cert_bytes: &[u8], key_bytes: Option<&[u8]>, password: Option<&Secret>) -> Result<Bundle, StoreError> {
    read_pem_named(cert_bytes, key_bytes, password, FILE, FILE)
}

/// [`read_pem`] with the file names to use in errors.
pub fn read_pem_named(
    cert_bytes: &[u8],
    key_bytes: Option<&[u8]>,
    password: Option<&Secret>,
    cert_file: &str,
    key_file: &str,
) -> Result<Bundle, StoreError> {
    let certs = X509::stack_from_pem(cert_bytes).unwrap_or_default();
    ffi::clear_errors();
    if certs.is_empty() {
        let kind = sniff::sniff(cert_bytes);
        return Err(StoreError::UnsupportedFormat { file: cert_file.into(), found: kind.describe().into() });
    }
    let (src, src_name) = match key_bytes {
        Some(k) => (k, key_file),
        None => (cert_bytes, cert_file),
    };
    let text = String::from_utf8_lossy(src);
    if !text.contains("PRIVATE KEY-----") {
        let found = if key_bytes.is_some() {
            sniff::sniff(src).describe()
        } else {
            "a PEM certificate without its private key (give the key file with --key)"
        };
        return Err(StoreError::UnsupportedFormat { file: src_name.into(), found: found.into() });
    }
    let encrypted = text.contains("BEGIN ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED");
    let pkey = if encrypted {
        let wrong = || StoreError::WrongPassword { file: src_name.into() };
        let pw = password.ok_or_else(wrong)?;
        PKey::private_key_from_pem_passphrase(src, pw.expose().as_bytes()).map_err(|_| wrong())?
    } else {
        PKey::private_key_from_pem(src).map_err(|_| StoreError::Invalid {
            file: src_name.into(),
            problem: "its private key does not parse".into(),
        })?
    };
    ffi::clear_errors();
    let p8 = Zeroizing::new(pkey.private_key_to_pkcs8().map_err(|_| StoreError::Invalid {
        file: src_name.into(),
        problem: "its private key cannot be turned into PKCS#8".into(),
    })?);
    if !certs.iter().any(|c| c.public_key().is_ok_and(|p| p.public_eq(&pkey))) {
        ffi::clear_errors();
        return Err(StoreError::Invalid {
            file: src_name.into(),
            problem: "the private key does not match the certificate".into(),
        });
    }
    let certs = certs
        .iter()
        .map(|c| c.to_der().map(|der| Item { name: None, local_key_id: None, der }))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| StoreError::Invalid { file: cert_file.into(), problem: "a certificate does not encode".into() })?;
    assemble(vec![Item { name: None, local_key_id: None, der: p8 }], certs, cert_file)
}

/// The identity's certificate, its chain, then its key, as PEM. With a
/// password the key is encrypted PKCS#8 (an empty password is refused);
/// `None` writes it unencrypted.
pub fn write_pem(identity: &Identity, chain: &[ChainCert], password: Option<&Secret>) -> Result<Vec<u8>, StoreError> {
    let invalid = |p: &str| StoreError::Invalid { file: "the new PEM file".into(), problem: p.into() };
    let key = identity.key.as_ref().ok_or_else(|| invalid("the certificate has no private key to put in it"))?;
    let mut out = Vec::new();
    for der in std::iter::once(&identity.cert_der).chain(chain.iter().map(|c| &c.der)) {
        out.extend(armor("CERTIFICATE", der));
    }
    match password {
        None => out.extend(armor("PRIVATE KEY", key.pkcs8_der())),
        Some(pw) if pw.is_empty() => return Err(invalid("an empty password is refused")),
        Some(pw) => {
            let mut salt = vec![0u8; 16];
            let mut iv = vec![0u8; 16];
            openssl::rand::rand_bytes(&mut salt)
                .and_then(|_| openssl::rand::rand_bytes(&mut iv))
                .map_err(|_| invalid("no randomness"))?;
            let pbe = Pbe::Pbes2 {
                salt: salt.clone(),
                iterations: PEM_KEY_ITERATIONS.into(),
                prf: der::oid(oid::HMAC_SHA256),
                cipher: der::oid(oid::AES_256_CBC),
                iv: iv.clone(),
            };
            let mut keys = Keys::default();
            keys.derive(pw, &crypto::pbe_reqs(&pbe).unwrap_or_default())
                .map_err(|_| invalid("key derivation failed"))?;
            let ct = crypto::crypt(&pbe, &keys, key.pkcs8_der(), true)
                .ok_or_else(|| invalid("cipher"))?
                .map_err(|_| invalid("encryption failed"))?;
            let alg = pfx::alg_pbes2_aes256(&salt, PEM_KEY_ITERATIONS.into(), &iv);
            out.extend(armor("ENCRYPTED PRIVATE KEY", &pfx::encrypted_key_value(&alg, &ct)));
        }
    }
    Ok(out)
}

/// Check a written PEM file (re-read from disk): the same certificate, key
/// and chain, and the key decrypts with `password`.
pub fn verify_pem(
    bytes: &[u8],
    password: Option<&Secret>,
    expected: &Identity,
    chain: &[ChainCert],
) -> Result<(), StoreError> {
    let failed = |w: &str| StoreError::VerifyFailed { what: w.into() };
    let b = read_pem(bytes, None, password).map_err(|e| StoreError::VerifyFailed { what: e.to_string() })?;
    let [id] = b.identities.as_slice() else { return Err(failed("not exactly one key in the written file")) };
    if id.cert_der != expected.cert_der {
        return Err(failed("the certificate in the written file differs"));
    }
    if id.key.as_ref().map(|k| k.pkcs8_der()) != expected.key.as_ref().map(|k| k.pkcs8_der()) {
        return Err(failed("the key in the written file differs"));
    }
    let mut got: Vec<&[u8]> = b.chain.iter().map(|c| c.der.as_slice()).collect();
    let mut want: Vec<&[u8]> = chain.iter().map(|c| c.der.as_slice()).collect();
    got.sort();
    want.sort();
    if got != want {
        return Err(failed("the chain in the written file differs"));
    }
    Ok(())
}

fn armor(label: &str, der: &[u8]) -> Vec<u8> {
    let b64 = Zeroizing::new(openssl::base64::encode_block(der));
    let mut s = Zeroizing::new(format!("-----BEGIN {label}-----\n"));
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s.as_bytes().to_vec()
}
