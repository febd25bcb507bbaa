//! The cryptography of PKCS#12 that this module does itself: deriving
//! keys (PBKDF2 and the PKCS#12 KDF) side by side on several cores, keeping
//! them for a later check of the same file, and the ciphers and MACs that
//! use them.
//!
//! Only the algorithms certhelp writes are handled here (PBES2 with
//! PBKDF2-HMAC-SHA256/SHA1 and AES-CBC, PBE-SHA1-3DES, HMAC-SHA1/SHA256
//! MACs); everything else is read through OpenSSL's own PKCS#12 code.
//! Derived keys are wiped on drop and never leave this module's types.

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sha::Sha256;
use openssl::sign::Signer;
use openssl::symm::Cipher;
use zeroize::Zeroizing;

use super::der;
use super::ffi::{self, CPass};
use super::pfx::{oid, MacData, Pbe};
use crate::secret::Secret;

/// A digest this module derives or MACs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Md {
    Sha1,
    Sha256,
}

impl Md {
    fn openssl(self) -> MessageDigest {
        match self {
            Md::Sha1 => MessageDigest::sha1(),
            Md::Sha256 => MessageDigest::sha256(),
        }
    }
    fn size(self) -> usize {
        match self {
            Md::Sha1 => 20,
            Md::Sha256 => 32,
        }
    }
    /// From a digest OID (MAC) or an HMAC OID (PBKDF2's PRF).
    fn from_oid(o: &[u8]) -> Option<Md> {
        if o == der::oid(oid::SHA1) || o == der::oid(oid::HMAC_SHA1) {
            Some(Md::Sha1)
        } else if o == der::oid(oid::SHA256) || o == der::oid(oid::HMAC_SHA256) {
            Some(Md::Sha256)
        } else {
            None
        }
    }
}

/// Which derivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// PBKDF2 with HMAC over this digest (password as UTF-8 bytes).
    Pbkdf2(Md),
    /// The PKCS#12 KDF: `id` 1 = key, 2 = IV, 3 = MAC key.
    Pkcs12 { id: u8, md: Md },
}

/// One key to derive: the derivation, its salt and count, and the length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyReq {
    pub kdf: Kdf,
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub len: usize,
}

/// Derived keys, kept so a re-read of the same file needs no second KDF run.
#[derive(Default)]
pub struct Keys(Vec<(KeyReq, Zeroizing<Vec<u8>>)>);

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({} derived, redacted)", self.0.len())
    }
}

/// The password could not be used (a NUL byte in it) or OpenSSL failed.
#[derive(Debug)]
pub struct KdfError;

impl Keys {
    pub fn get(&self, req: &KeyReq) -> Option<&[u8]> {
        self.0.iter().find(|(r, _)| r == req).map(|(_, k)| k.as_slice())
    }

    /// Derive every request not derived yet, each on its own thread: the
    /// derivations are independent, so two cores take about half the time.
    pub fn derive(&mut self, password: &Secret, reqs: &[KeyReq]) -> Result<(), KdfError> {
        let mut todo: Vec<&KeyReq> = Vec::new();
        for r in reqs {
            if self.get(r).is_none() && !todo.contains(&r) {
                todo.push(r);
            }
        }
        let most = todo.iter().map(|r| r.iterations).max().unwrap_or(0);
        let _progress = (!todo.is_empty())
            .then(|| crate::progress::spinner(format!("Deriving keys from the password ({most} iterations)")));
        let results: Vec<Result<Zeroizing<Vec<u8>>, KdfError>> = std::thread::scope(|s| {
            let handles: Vec<_> = todo.iter().skip(1).map(|r| s.spawn(move || derive_one(password, r))).collect();
            let mut out = Vec::with_capacity(todo.len());
            if let Some(first) = todo.first() {
                out.push(derive_one(password, first));
            }
            out.extend(handles.into_iter().map(|h| h.join().unwrap_or(Err(KdfError))));
            out
        });
        for (r, k) in todo.into_iter().zip(results) {
            self.0.push((r.clone(), k?));
        }
        Ok(())
    }
}

fn derive_one(password: &Secret, r: &KeyReq) -> Result<Zeroizing<Vec<u8>>, KdfError> {
    let mut out = Zeroizing::new(vec![0u8; r.len]);
    match r.kdf {
        Kdf::Pbkdf2(Md::Sha256) => pbkdf2_sha256(password.expose().as_bytes(), &r.salt, r.iterations, &mut out),
        Kdf::Pbkdf2(md) => {
            openssl::pkcs5::pbkdf2_hmac(
                password.expose().as_bytes(),
                &r.salt,
                r.iterations as usize,
                md.openssl(),
                &mut out,
            )
            .map_err(|_| KdfError)?;
        }
        Kdf::Pkcs12 { id, md } => {
            let pass = CPass::new(password.expose()).ok_or(KdfError)?;
            if !ffi::pkcs12_key_gen(&pass, &r.salt, id, r.iterations, &mut out, md.openssl()) {
                return Err(KdfError);
            }
        }
    }
    Ok(out)
}

/// A SHA-256 state holding key material: overwritten when dropped.
struct Wiped(Sha256);

impl Drop for Wiped {
    fn drop(&mut self) {
        // SHA256_CTX is plain data: a fresh state over it removes the
        // password-derived one.
        unsafe { std::ptr::write_volatile(&mut self.0, Sha256::new()) }
    }
}

/// PBKDF2-HMAC-SHA256 (RFC 8018) with the HMAC key's inner and outer
/// states computed once and copied for each of the iterations, as NSS
/// does. OpenSSL 3.0's `PKCS5_PBKDF2_HMAC` goes through its provider layer
/// on every iteration and is about twice as slow at 600,000 iterations
/// (measured: `kdf_speed` below); the result is the same (tested).
fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    let mut key = Zeroizing::new([0u8; 64]);
    if password.len() > 64 {
        key[..32].copy_from_slice(&openssl::sha::sha256(password));
    } else {
        key[..password.len()].copy_from_slice(password);
    }
    let pad = |b: u8| {
        let mut p = Zeroizing::new([0u8; 64]);
        for (d, k) in p.iter_mut().zip(key.iter()) {
            *d = k ^ b;
        }
        let mut h = Sha256::new();
        h.update(&p[..]);
        Wiped(h)
    };
    let (inner, outer) = (pad(0x36), pad(0x5c));
    // u and t are wiped at the end; the per-iteration digests live in
    // these same stack slots.
    let mut u = Zeroizing::new([0u8; 32]);
    let mut t = Zeroizing::new([0u8; 32]);
    for (block, chunk) in out.chunks_mut(32).enumerate() {
        let mut i = inner.0.clone();
        i.update(salt);
        i.update(&(block as u32 + 1).to_be_bytes());
        let mut o = outer.0.clone();
        o.update(&i.finish());
        *u = o.finish();
        *t = *u;
        for _ in 1..iterations {
            let mut i = inner.0.clone();
            i.update(&u[..]);
            let mut o = outer.0.clone();
            o.update(&i.finish());
            *u = o.finish();
            for (a, b) in t.iter_mut().zip(u.iter()) {
                *a ^= b;
            }
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
}

/// A cipher this module encrypts or decrypts with itself.
fn cipher_of(pbe: &Pbe) -> Option<Cipher> {
    match pbe {
        Pbe::Pbes2 { cipher, .. } if *cipher == der::oid(oid::AES_256_CBC) => Some(Cipher::aes_256_cbc()),
        Pbe::Pbes2 { cipher, .. } if *cipher == der::oid(oid::AES_128_CBC) => Some(Cipher::aes_128_cbc()),
        Pbe::Pkcs12 { scheme, .. } if *scheme == der::oid(oid::PBE_SHA1_3DES) => Some(Cipher::des_ede3_cbc()),
        _ => None,
    }
}

/// The keys a PBE needs (key, and for PKCS#12 PBEs the IV), or `None` when
/// this module does not handle that PBE.
pub fn pbe_reqs(pbe: &Pbe) -> Option<Vec<KeyReq>> {
    let cipher = cipher_of(pbe)?;
    match pbe {
        Pbe::Pbes2 { salt, iterations, prf, .. } => Some(vec![KeyReq {
            kdf: Kdf::Pbkdf2(Md::from_oid(prf)?),
            salt: salt.clone(),
            iterations: u32::try_from(*iterations).ok()?,
            len: cipher.key_len(),
        }]),
        Pbe::Pkcs12 { salt, iterations, .. } => {
            let iterations = u32::try_from(*iterations).ok()?;
            let req = |id, len| KeyReq { kdf: Kdf::Pkcs12 { id, md: Md::Sha1 }, salt: salt.clone(), iterations, len };
            Some(vec![req(1, cipher.key_len()), req(2, cipher.iv_len().unwrap_or(8))])
        }
        Pbe::Other => None,
    }
}

/// Encrypt or decrypt with keys already derived; `None` when a key is
/// missing or the PBE is not one of ours, `Some(Err)` when the cipher fails
/// (wrong key: bad padding).
pub fn crypt(pbe: &Pbe, keys: &Keys, data: &[u8], encrypt: bool) -> Option<Result<Zeroizing<Vec<u8>>, KdfError>> {
    let cipher = cipher_of(pbe)?;
    let reqs = pbe_reqs(pbe)?;
    let key = keys.get(&reqs[0])?;
    let iv = match pbe {
        Pbe::Pbes2 { iv, .. } => iv.as_slice(),
        _ => keys.get(&reqs[1])?,
    };
    // A file whose IV does not fit its cipher goes to OpenSSL's reader,
    // which refuses it cleanly (Crypter would panic on a short IV).
    if cipher.iv_len().is_some_and(|n| n != iv.len()) || key.len() != cipher.key_len() {
        return None;
    }
    let run = || -> Result<Zeroizing<Vec<u8>>, openssl::error::ErrorStack> {
        let mode = if encrypt { openssl::symm::Mode::Encrypt } else { openssl::symm::Mode::Decrypt };
        let mut c = openssl::symm::Crypter::new(cipher, mode, key, Some(iv))?;
        let mut out = Zeroizing::new(vec![0u8; data.len() + cipher.block_size()]);
        let n = c.update(data, &mut out)?;
        let m = c.finalize(&mut out[n..])?;
        out.truncate(n + m);
        Ok(out)
    };
    let r = run().map_err(|_| KdfError);
    ffi::clear_errors();
    Some(r)
}

/// The MAC key a MacData needs, or `None` for a digest this module does not
/// handle.
pub fn mac_req(mac: &MacData) -> Option<KeyReq> {
    let md = Md::from_oid(&mac.digest_oid)?;
    Some(KeyReq {
        kdf: Kdf::Pkcs12 { id: 3, md },
        salt: mac.salt.clone(),
        iterations: u32::try_from(mac.iterations).ok()?,
        len: md.size(),
    })
}

/// HMAC of `data` with a key derived for `req` (whose digest it uses).
pub fn hmac(req: &KeyReq, keys: &Keys, data: &[u8]) -> Option<Vec<u8>> {
    let Kdf::Pkcs12 { md, .. } = req.kdf else { return None };
    let key = PKey::hmac(keys.get(req)?).ok()?;
    let mut s = Signer::new(md.openssl(), &key).ok()?;
    s.update(data).ok()?;
    s.sign_to_vec().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_matches_openssl_and_rfc_7914() {
        // RFC 7914 section 11, first PBKDF2-HMAC-SHA256 vector.
        let mut out = [0u8; 64];
        pbkdf2_sha256(b"passwd", b"salt", 1, &mut out);
        assert_eq!(&out[..8], &[0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f]);
        for (pw_len, salt_len, iters, len) in [(0, 8, 1, 32), (13, 16, 1000, 32), (64, 16, 3, 48), (100, 20, 7, 16)] {
            let pw: Vec<u8> = (0..pw_len).map(|i| (i * 31 + 7) as u8).collect();
            let salt: Vec<u8> = (0..salt_len).map(|i| (i * 17 + 3) as u8).collect();
            let mut ours = vec![0u8; len];
            let mut theirs = vec![0u8; len];
            pbkdf2_sha256(&pw, &salt, iters, &mut ours);
            openssl::pkcs5::pbkdf2_hmac(&pw, &salt, iters as usize, MessageDigest::sha256(), &mut theirs).unwrap();
            assert_eq!(ours, theirs, "{pw_len} {salt_len} {iters} {len}");
        }
    }

    #[test]
    fn keys_are_derived_once_and_match_openssl() {
        let pw = Secret::new("pässword");
        let r1 = KeyReq { kdf: Kdf::Pbkdf2(Md::Sha256), salt: vec![1; 16], iterations: 1000, len: 32 };
        let r2 = KeyReq { kdf: Kdf::Pkcs12 { id: 3, md: Md::Sha256 }, salt: vec![2; 16], iterations: 1000, len: 32 };
        let mut k = Keys::default();
        k.derive(&pw, &[r1.clone(), r2.clone(), r1.clone()]).unwrap();
        assert_eq!(k.0.len(), 2);
        let mut want = [0u8; 32];
        openssl::pkcs5::pbkdf2_hmac("pässword".as_bytes(), &[1; 16], 1000, MessageDigest::sha256(), &mut want).unwrap();
        assert_eq!(k.get(&r1).unwrap(), &want);
        assert!(format!("{k:?}").contains("redacted"));
    }
}

#[cfg(test)]
mod speed {
    use super::*;

    /// Timings of each derivation alone: `cargo test --lib kdf_speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn kdf_speed() {
        let pw = Secret::new("correct horse");
        for (name, kdf) in [
            ("PBKDF2-HMAC-SHA256", Kdf::Pbkdf2(Md::Sha256)),
            ("PKCS12 KDF SHA-256 (MAC)", Kdf::Pkcs12 { id: 3, md: Md::Sha256 }),
        ] {
            let r = KeyReq { kdf, salt: vec![1; 16], iterations: 600_000, len: 32 };
            let t = std::time::Instant::now();
            derive_one(&pw, &r).unwrap();
            println!("{name}: {:?}", t.elapsed());
        }
        let t = std::time::Instant::now();
        let mut out = [0u8; 32];
        openssl::pkcs5::pbkdf2_hmac(b"correct horse", &[1; 16], 600_000, MessageDigest::sha256(), &mut out).unwrap();
        println!("OpenSSL PKCS5_PBKDF2_HMAC SHA-256: {:?}", t.elapsed());
        let reqs: Vec<KeyReq> = (0..3u8)
            .map(|i| KeyReq { kdf: Kdf::Pbkdf2(Md::Sha256), salt: vec![i; 16], iterations: 600_000, len: 32 })
            .collect();
        let t = std::time::Instant::now();
        Keys::default().derive(&pw, &reqs).unwrap();
        println!("3 x PBKDF2 in threads: {:?}", t.elapsed());
    }
}
