//! The PKCS#12 (RFC 7292) structure without the cryptography: walk a PFX
//! into its MAC data, contents and safe bags, read PBE parameters, and
//! build the same structures for the writer.
//!
//! Nothing here derives a key, decrypts or verifies: callers do that with
//! what this module hands them. It reads only what it is given.

use super::der::{self, BerError, Node};

/// Object identifiers, as arcs.
pub mod oid {
    pub const DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 1];
    pub const ENCRYPTED_DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 6];
    pub const KEY_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 1];
    pub const SHROUDED_KEY_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 2];
    pub const CERT_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 3];
    pub const SAFE_CONTENTS_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 6];
    pub const X509_CERT: &[u64] = &[1, 2, 840, 113549, 1, 9, 22, 1];
    pub const FRIENDLY_NAME: &[u64] = &[1, 2, 840, 113549, 1, 9, 20];
    pub const LOCAL_KEY_ID: &[u64] = &[1, 2, 840, 113549, 1, 9, 21];
    pub const PBES2: &[u64] = &[1, 2, 840, 113549, 1, 5, 13];
    pub const PBKDF2: &[u64] = &[1, 2, 840, 113549, 1, 5, 12];
    pub const HMAC_SHA1: &[u64] = &[1, 2, 840, 113549, 2, 7];
    pub const HMAC_SHA256: &[u64] = &[1, 2, 840, 113549, 2, 9];
    pub const AES_128_CBC: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 1, 2];
    pub const AES_256_CBC: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 1, 42];
    pub const PBE_SHA1_3DES: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 3];
    pub const SHA1: &[u64] = &[1, 3, 14, 3, 2, 26];
    pub const SHA256: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 1];
}

fn is(n: &Node, arcs: &[u64]) -> bool {
    n.tag == der::OID && n.prim == der::oid(arcs).as_slice()
}

/// The integrity MAC of a PFX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacData {
    /// The digest's OID content octets (SHA-1, SHA-256, ...).
    pub digest_oid: Vec<u8>,
    pub mac: Vec<u8>,
    pub salt: Vec<u8>,
    pub iterations: u64,
}

/// A PFX split into what the MAC covers and the MAC itself.
#[derive(Debug, Clone)]
pub struct Pfx {
    /// The AuthenticatedSafe's encoding: the bytes the MAC covers.
    pub auth_safe: Vec<u8>,
    pub mac: Option<MacData>,
}

/// Password-based encryption parameters of a bag or of encrypted contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pbe {
    /// PBES2 with PBKDF2 (modern files).
    Pbes2 { salt: Vec<u8>, iterations: u64, prf: Vec<u8>, cipher: Vec<u8>, iv: Vec<u8> },
    /// A PKCS#12 PBES1 scheme (3DES, RC2-40, ...): `scheme` is its OID.
    Pkcs12 { scheme: Vec<u8>, salt: Vec<u8>, iterations: u64 },
    /// Anything else: left to OpenSSL.
    Other,
}

impl Pbe {
    pub fn iterations(&self) -> u64 {
        match self {
            Pbe::Pbes2 { iterations, .. } | Pbe::Pkcs12 { iterations, .. } => *iterations,
            Pbe::Other => 0,
        }
    }
}

/// One element of the AuthenticatedSafe.
#[derive(Debug, Clone)]
pub enum Content {
    /// Plain SafeContents (their encoding).
    Data(Vec<u8>),
    /// Encrypted SafeContents.
    Encrypted {
        pbe: Pbe,
        ciphertext: Vec<u8>,
    },
    Other,
}

/// One safe bag with the attributes this tool uses.
#[derive(Debug, Clone)]
pub struct SafeBag {
    /// The bag type's OID content octets.
    pub bag_oid: Vec<u8>,
    /// The encoding inside the bag's `[0]`.
    pub value: Vec<u8>,
    pub friendly_name: Option<String>,
    pub local_key_id: Option<Vec<u8>>,
}

impl SafeBag {
    pub fn is(&self, arcs: &[u64]) -> bool {
        self.bag_oid == der::oid(arcs)
    }
}

/// Walk the outer PFX: version 3, authSafe of type data, optional MacData.
pub fn parse_pfx(bytes: &[u8]) -> Result<Pfx, BerError> {
    let top = der::parse(bytes)?.expect(der::SEQUENCE)?.clone();
    if top.child(0)?.uint()? != 3 {
        return Err(BerError);
    }
    let ci = top.child(1)?;
    if !is(ci.child(0)?, oid::DATA) {
        return Err(BerError);
    }
    let auth_safe = ci.child(1)?.expect(der::CTX0)?.child(0)?.octets();
    let mac = match top.children.get(2) {
        None => None,
        Some(m) => {
            let digest_info = m.child(0)?;
            let alg = digest_info.child(0)?;
            let iterations = match m.children.get(2) {
                Some(i) => i.uint()?,
                None => 1,
            };
            Some(MacData {
                digest_oid: alg.child(0)?.expect(der::OID)?.prim.to_vec(),
                mac: digest_info.child(1)?.octets(),
                salt: m.child(1)?.octets(),
                iterations,
            })
        }
    };
    Ok(Pfx { auth_safe, mac })
}

/// The ContentInfos of an AuthenticatedSafe, in order.
pub fn contents(auth_safe: &[u8]) -> Result<Vec<Content>, BerError> {
    let seq = der::parse(auth_safe)?;
    let mut out = Vec::new();
    for ci in &seq.expect(der::SEQUENCE)?.children {
        let ty = ci.child(0)?;
        if is(ty, oid::DATA) {
            out.push(Content::Data(ci.child(1)?.expect(der::CTX0)?.child(0)?.octets()));
        } else if is(ty, oid::ENCRYPTED_DATA) {
            let ed = ci.child(1)?.expect(der::CTX0)?.child(0)?;
            let eci = ed.child(1)?;
            let pbe = parse_pbe(eci.child(1)?)?;
            let ciphertext = eci.children.get(2).map(|n| n.octets()).unwrap_or_default();
            out.push(Content::Encrypted { pbe, ciphertext });
        } else {
            out.push(Content::Other);
        }
    }
    Ok(out)
}

/// The bags of a SafeContents.
pub fn safe_bags(safe_contents: &[u8]) -> Result<Vec<SafeBag>, BerError> {
    let seq = der::parse(safe_contents)?;
    seq.expect(der::SEQUENCE)?.children.iter().map(safe_bag).collect()
}

/// One SafeBag element.
pub fn safe_bag(bag: &Node) -> Result<SafeBag, BerError> {
    let bag_oid = bag.child(0)?.expect(der::OID)?.prim.to_vec();
    let value_node = bag.child(1)?.expect(der::CTX0)?.child(0)?;
    let value = reencode(value_node);
    let mut friendly_name = None;
    let mut local_key_id = None;
    if let Some(attrs) = bag.children.get(2) {
        for a in &attrs.children {
            let v = a.child(1)?.children.first();
            if is(a.child(0)?, oid::FRIENDLY_NAME) {
                friendly_name = v.and_then(|v| der::decode_bmp(&v.octets()));
            } else if is(a.child(0)?, oid::LOCAL_KEY_ID) {
                local_key_id = v.map(|v| v.octets());
            }
        }
    }
    Ok(SafeBag { bag_oid, value, friendly_name, local_key_id })
}

/// A node's encoding; indefinite-length nodes are re-encoded with definite
/// lengths so later parsing sees one form.
pub fn reencode(n: &Node) -> Vec<u8> {
    if !n.raw.is_empty() {
        return n.raw.to_vec();
    }
    if n.constructed() {
        let parts: Vec<Vec<u8>> = n.children.iter().map(reencode).collect();
        der::tlv(n.tag, &parts.concat())
    } else {
        der::tlv(n.tag, n.prim)
    }
}

/// The certificate DER inside a CertBag value (X.509 certificates only).
pub fn cert_bag_der(value: &[u8]) -> Result<Option<Vec<u8>>, BerError> {
    let n = der::parse(value)?;
    if !is(n.child(0)?, oid::X509_CERT) {
        return Ok(None);
    }
    Ok(Some(n.child(1)?.expect(der::CTX0)?.child(0)?.octets()))
}

/// The algorithm and ciphertext of an EncryptedPrivateKeyInfo.
pub fn encrypted_key(value: &[u8]) -> Result<(Pbe, Vec<u8>), BerError> {
    let n = der::parse(value)?;
    Ok((parse_pbe(n.child(0)?)?, n.child(1)?.octets()))
}

/// The PBE parameters of an AlgorithmIdentifier node.
pub fn parse_pbe(alg: &Node) -> Result<Pbe, BerError> {
    let id = alg.child(0)?;
    if is(id, oid::PBES2) {
        let params = alg.child(1)?;
        let kdf = params.child(0)?;
        if !is(kdf.child(0)?, oid::PBKDF2) {
            return Ok(Pbe::Other);
        }
        let kp = kdf.child(1)?;
        let salt = kp.child(0)?.expect(der::OCTET_STRING)?.octets();
        let iterations = kp.child(1)?.uint()?;
        // keyLength is optional; the PRF (default HMAC-SHA1) comes last.
        let prf = match kp.children.last() {
            Some(p) if p.tag == der::SEQUENCE => p.child(0)?.prim.to_vec(),
            _ => der::oid(oid::HMAC_SHA1),
        };
        let enc = params.child(1)?;
        let cipher = enc.child(0)?.expect(der::OID)?.prim.to_vec();
        let iv = enc.children.get(1).filter(|n| n.tag == der::OCTET_STRING).map(|n| n.octets()).unwrap_or_default();
        Ok(Pbe::Pbes2 { salt, iterations, prf, cipher, iv })
    } else if id.tag == der::OID && id.prim.starts_with(&der::oid(&[1, 2, 840, 113549, 1, 12, 1])) {
        let params = alg.child(1)?;
        Ok(Pbe::Pkcs12 {
            scheme: id.prim.to_vec(),
            salt: params.child(0)?.octets(),
            iterations: params.child(1)?.uint()?,
        })
    } else {
        Ok(Pbe::Other)
    }
}

/// The largest iteration count anywhere in a PFX that can be seen without
/// a password: the MAC, encrypted contents, and key bags in plain contents.
pub fn max_visible_iterations(pfx: &Pfx) -> Result<u64, BerError> {
    let mut max = pfx.mac.as_ref().map(|m| m.iterations).unwrap_or(0);
    for c in contents(&pfx.auth_safe)? {
        match c {
            Content::Encrypted { pbe, .. } => max = max.max(pbe.iterations()),
            Content::Data(sc) => {
                for bag in safe_bags(&sc)? {
                    if bag.is(oid::SHROUDED_KEY_BAG) {
                        max = max.max(encrypted_key(&bag.value)?.0.iterations());
                    }
                }
            }
            Content::Other => {}
        }
    }
    Ok(max)
}

// ---- building ----

/// AlgorithmIdentifier for PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC.
pub fn alg_pbes2_aes256(salt: &[u8], iterations: u64, iv: &[u8]) -> Vec<u8> {
    let prf = der::seq(&[&der::oid_tlv(oid::HMAC_SHA256), &der::null()]);
    let kdf_params = der::seq(&[&der::octet_string(salt), &der::uint(iterations), &prf]);
    let kdf = der::seq(&[&der::oid_tlv(oid::PBKDF2), &kdf_params]);
    let enc = der::seq(&[&der::oid_tlv(oid::AES_256_CBC), &der::octet_string(iv)]);
    der::seq(&[&der::oid_tlv(oid::PBES2), &der::seq(&[&kdf, &enc])])
}

/// AlgorithmIdentifier for pbeWithSHAAnd3-KeyTripleDES-CBC.
pub fn alg_pbe_sha1_3des(salt: &[u8], iterations: u64) -> Vec<u8> {
    let params = der::seq(&[&der::octet_string(salt), &der::uint(iterations)]);
    der::seq(&[&der::oid_tlv(oid::PBE_SHA1_3DES), &params])
}

/// A SafeBag with friendlyName and localKeyID attributes.
pub fn bag(bag_oid: &[u64], value: &[u8], friendly_name: Option<&str>, local_key_id: Option<&[u8]>) -> Vec<u8> {
    let mut attrs = Vec::new();
    if let Some(id) = local_key_id {
        attrs.push(der::seq(&[&der::oid_tlv(oid::LOCAL_KEY_ID), &der::set_of(vec![der::octet_string(id)])]));
    }
    if let Some(name) = friendly_name {
        attrs.push(der::seq(&[&der::oid_tlv(oid::FRIENDLY_NAME), &der::set_of(vec![der::bmp_string(name)])]));
    }
    if attrs.is_empty() {
        return der::seq(&[&der::oid_tlv(bag_oid), &der::tlv(der::CTX0, value)]);
    }
    der::seq(&[&der::oid_tlv(bag_oid), &der::tlv(der::CTX0, value), &der::set_of(attrs)])
}

/// A CertBag value holding an X.509 certificate.
pub fn cert_bag_value(cert_der: &[u8]) -> Vec<u8> {
    der::seq(&[&der::oid_tlv(oid::X509_CERT), &der::tlv(der::CTX0, &der::octet_string(cert_der))])
}

/// EncryptedPrivateKeyInfo (a shrouded key bag's value, or a PEM
/// "ENCRYPTED PRIVATE KEY").
pub fn encrypted_key_value(alg: &[u8], ciphertext: &[u8]) -> Vec<u8> {
    der::seq(&[alg, &der::octet_string(ciphertext)])
}

/// ContentInfo of type data around SafeContents.
pub fn data_content(safe_contents: &[u8]) -> Vec<u8> {
    der::seq(&[&der::oid_tlv(oid::DATA), &der::tlv(der::CTX0, &der::octet_string(safe_contents))])
}

/// ContentInfo of type encryptedData.
pub fn encrypted_content(alg: &[u8], ciphertext: &[u8]) -> Vec<u8> {
    // encryptedContent is [0] IMPLICIT OCTET STRING: primitive context tag 0.
    let eci = der::seq(&[&der::oid_tlv(oid::DATA), alg, &der::tlv(0x80, ciphertext)]);
    let ed = der::seq(&[&der::uint(0), &eci]);
    der::seq(&[&der::oid_tlv(oid::ENCRYPTED_DATA), &der::tlv(der::CTX0, &ed)])
}

/// The whole PFX around an AuthenticatedSafe and its MAC.
pub fn pfx(auth_safe: &[u8], digest: &[u64], mac: &[u8], salt: &[u8], iterations: u64) -> Vec<u8> {
    let digest_info = der::seq(&[&der::seq(&[&der::oid_tlv(digest), &der::null()]), &der::octet_string(mac)]);
    let mac_data = der::seq(&[&digest_info, &der::octet_string(salt), &der::uint(iterations)]);
    der::seq(&[&der::uint(3), &data_content(auth_safe), &mac_data])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_structures_walk_back() {
        let alg = alg_pbes2_aes256(&[1; 16], 600_000, &[2; 16]);
        let key_bag = bag(oid::SHROUDED_KEY_BAG, &encrypted_key_value(&alg, &[7; 48]), Some("Jane"), Some(&[9; 20]));
        let sc = der::seq(&[&key_bag]);
        let cert_sc = der::seq(&[&bag(oid::CERT_BAG, &cert_bag_value(b"CERT"), Some("Jane"), Some(&[9; 20]))]);
        let auth_safe =
            der::seq(&[&encrypted_content(&alg_pbe_sha1_3des(&[3; 8], 2048), b"ciphertext"), &data_content(&sc)]);
        let bytes = pfx(&auth_safe, oid::SHA256, &[0; 32], &[4; 16], 600_000);
        let p = parse_pfx(&bytes).unwrap();
        assert_eq!(p.auth_safe, auth_safe);
        assert_eq!(p.mac.as_ref().unwrap().iterations, 600_000);
        assert_eq!(max_visible_iterations(&p).unwrap(), 600_000);
        let c = contents(&p.auth_safe).unwrap();
        match &c[0] {
            Content::Encrypted { pbe: Pbe::Pkcs12 { iterations, salt, .. }, ciphertext } => {
                assert_eq!(
                    (*iterations, salt.as_slice(), ciphertext.as_slice()),
                    (2048, &[3u8; 8][..], &b"ciphertext"[..])
                );
            }
            other => panic!("{other:?}"),
        }
        let Content::Data(sc2) = &c[1] else { panic!() };
        let bags = safe_bags(sc2).unwrap();
        assert_eq!(bags[0].friendly_name.as_deref(), Some("Jane"));
        assert_eq!(bags[0].local_key_id.as_deref(), Some(&[9u8; 20][..]));
        let (pbe, ct) = encrypted_key(&bags[0].value).unwrap();
        assert_eq!(ct, vec![7; 48]);
        let Pbe::Pbes2 { iterations, prf, cipher, iv, .. } = pbe else { panic!() };
        assert_eq!(iterations, 600_000);
        assert_eq!(prf, der::oid(oid::HMAC_SHA256));
        assert_eq!(cipher, der::oid(oid::AES_256_CBC));
        assert_eq!(iv, vec![2; 16]);
        let cb = &safe_bags(&cert_sc).unwrap()[0];
        assert_eq!(cert_bag_der(&cb.value).unwrap().unwrap(), b"CERT");
    }
}
