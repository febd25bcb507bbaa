//! X.509 classification: what a certificate is, for whom, from whom, until
//! when, and whether its chain is complete in a given pool of CA certificates.
//!
//! Pure functions over DER bytes (and an explicit "now"), built on the openssl
//! crate. This module must not read files, stores or the clock: callers pass
//! the certificates and the time in, so every rule here is unit-testable.
//! The product rules are SPEC §5 ("Identifying products from real
//! certificates"); the use rules are the identity/encryption split there.

use crate::env::{CertUse, ProductKind};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::x509::{X509ExtendedKeyUsage, X509KeyUsage, X509NameRef, X509};

/// Everything the probe and doctor need to know about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// RFC 4514-like, most specific first: `CN=Jane Doe, O=Acme, C=US`.
    pub subject: String,
    pub common_name: Option<String>,
    /// SAN rfc822Name entries and subject emailAddress, lower-cased, unique.
    pub emails: Vec<String>,
    /// The subjectAltName rfc822Name entries alone.
    pub san_emails: Vec<String>,
    pub issuer: String,
    /// Upper-case hex, no separators.
    pub serial: String,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// Names as in `openssl x509 -text`'s long forms, e.g. `digitalSignature`.
    pub key_usage: Vec<String>,
    /// Short names: `clientAuth`, `emailProtection`, `serverAuth`, ...
    pub ext_key_usage: Vec<String>,
    /// The Key Usage extension is present.
    pub has_key_usage: bool,
    /// The Extended Key Usage extension is present.
    pub has_ext_key_usage: bool,
    pub usage: CertUse,
    pub product: ProductKind,
    /// basicConstraints cA=TRUE.
    pub is_ca: bool,
    /// Subject equals issuer (a root, or a self-signed end-entity).
    pub self_issued: bool,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    /// DER of the subject and issuer names, for exact chain matching.
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    /// Lower-case hex SHA-256 of the DER.
    pub sha256: String,
}

/// A certificate that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not an X.509 certificate: {}", self.0)
    }
}

impl std::error::Error for ParseError {}

fn err(e: impl std::fmt::Display) -> ParseError {
    ParseError(e.to_string())
}

/// Parse and classify one DER certificate.
pub fn parse(der: &[u8]) -> Result<CertInfo, ParseError> {
    let x = X509::from_der(der).map_err(err)?;
    let subject = name_string(x.subject_name());
    let issuer = name_string(x.issuer_name());
    let common_name = first_entry(x.subject_name(), Nid::COMMONNAME);

    let mut emails: Vec<String> = Vec::new();
    if let Some(sans) = x.subject_alt_names() {
        for gn in sans.iter() {
            if let Some(e) = gn.email() {
                push_unique(&mut emails, e.trim().to_ascii_lowercase());
            }
        }
    }
    let san_emails = emails.clone();
    for e in x.subject_name().entries_by_nid(Nid::PKCS9_EMAILADDRESS) {
        if let Ok(s) = e.data().to_string() {
            push_unique(&mut emails, s.trim().to_ascii_lowercase());
        }
    }

    let serial = x.serial_number().to_bn().and_then(|b| b.to_hex_str().map(|s| s.to_string())).map_err(err)?;
    let epoch = Asn1Time::from_unix(0).map_err(err)?;
    let not_before = seconds_since(&epoch, x.not_before()).map_err(err)?;
    let not_after = seconds_since(&epoch, x.not_after()).map_err(err)?;

    let ku = x.key_usage();
    let eku = x.extended_key_usage();
    let key_usage = ku.map(key_usage_names).unwrap_or_default();
    let ext_key_usage = eku.map(ext_key_usage_names).unwrap_or_default();
    let usage = classify_use(ku, eku);
    let product = product(&subject, &issuer);

    let subject_der = x.subject_name().to_der().map_err(err)?;
    let issuer_der = x.issuer_name().to_der().map_err(err)?;
    let self_issued = subject_der == issuer_der;
    let sha256 = hex(&x.digest(MessageDigest::sha256()).map_err(err)?);

    Ok(CertInfo {
        subject,
        common_name,
        emails,
        san_emails,
        issuer,
        serial,
        not_before,
        not_after,
        has_key_usage: ku.is_some(),
        has_ext_key_usage: eku.is_some(),
        key_usage,
        ext_key_usage,
        usage,
        product,
        is_ca: basic_constraints_ca(der),
        self_issued,
        subject_key_id: x.subject_key_id().map(|o| o.as_slice().to_vec()),
        authority_key_id: x.authority_key_id().map(|o| o.as_slice().to_vec()),
        subject_der,
        issuer_der,
        sha256,
    })
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !s.is_empty() && !v.contains(&s) {
        v.push(s);
    }
}

fn seconds_since(epoch: &Asn1Time, t: &openssl::asn1::Asn1TimeRef) -> Result<i64, openssl::error::ErrorStack> {
    let d = epoch.diff(t)?;
    Ok(i64::from(d.days) * 86_400 + i64::from(d.secs))
}

fn first_entry(name: &X509NameRef, nid: Nid) -> Option<String> {
    name.entries_by_nid(nid).next().and_then(|e| e.data().to_string().ok().map(|s| s.to_string()))
}

/// `CN=..., OU=..., O=..., C=...`: the order people read in certificate
/// viewers (most specific first, the reverse of the DER order).
pub fn name_string(name: &X509NameRef) -> String {
    let mut parts: Vec<String> = name
        .entries()
        .map(|e| {
            let key = match e.object().nid() {
                Nid::PKCS9_EMAILADDRESS => "E".to_string(),
                Nid::UNDEF => e.object().to_string(),
                nid => nid.short_name().unwrap_or("?").to_string(),
            };
            let val = e.data().to_string().map(|s| s.to_string()).unwrap_or_else(|_| "?".into());
            format!("{key}={val}")
        })
        .collect();
    parts.reverse();
    parts.join(", ")
}

fn key_usage_names(ku: X509KeyUsage) -> Vec<String> {
    const TABLE: &[(X509KeyUsage, &str)] = &[
        (X509KeyUsage::DIGITAL_SIGNATURE, "digitalSignature"),
        (X509KeyUsage::NON_REPUDIATION, "nonRepudiation"),
        (X509KeyUsage::KEY_ENCIPHERMENT, "keyEncipherment"),
        (X509KeyUsage::DATA_ENCIPHERMENT, "dataEncipherment"),
        (X509KeyUsage::KEY_AGREEMENT, "keyAgreement"),
        (X509KeyUsage::KEY_CERT_SIGN, "keyCertSign"),
        (X509KeyUsage::CRL_SIGN, "cRLSign"),
        (X509KeyUsage::ENCIPHER_ONLY, "encipherOnly"),
        (X509KeyUsage::DECIPHER_ONLY, "decipherOnly"),
    ];
    TABLE.iter().filter(|(f, _)| ku.contains(*f)).map(|(_, n)| n.to_string()).collect()
}

fn ext_key_usage_names(eku: X509ExtendedKeyUsage) -> Vec<String> {
    const TABLE: &[(X509ExtendedKeyUsage, &str)] = &[
        (X509ExtendedKeyUsage::SSL_CLIENT, "clientAuth"),
        (X509ExtendedKeyUsage::SMIME, "emailProtection"),
        (X509ExtendedKeyUsage::SSL_SERVER, "serverAuth"),
        (X509ExtendedKeyUsage::CODE_SIGN, "codeSigning"),
        (X509ExtendedKeyUsage::OCSP_SIGN, "OCSPSigning"),
        (X509ExtendedKeyUsage::TIMESTAMP, "timeStamping"),
        (X509ExtendedKeyUsage::ANYEKU, "anyExtendedKeyUsage"),
    ];
    TABLE.iter().filter(|(f, _)| eku.contains(*f)).map(|(_, n)| n.to_string()).collect()
}

/// SPEC §5: identity = digitalSignature; encryption = keyEncipherment (or
/// keyAgreement for EC keys) without digitalSignature. Without a Key Usage
/// extension the EKU decides: clientAuth alone means identity.
pub fn classify_use(ku: Option<X509KeyUsage>, eku: Option<X509ExtendedKeyUsage>) -> CertUse {
    match ku {
        Some(ku) => {
            let digital = ku.contains(X509KeyUsage::DIGITAL_SIGNATURE);
            let sign = digital || ku.contains(X509KeyUsage::NON_REPUDIATION);
            let enc = ku.contains(X509KeyUsage::KEY_ENCIPHERMENT)
                || ku.contains(X509KeyUsage::KEY_AGREEMENT)
                || ku.contains(X509KeyUsage::DATA_ENCIPHERMENT);
            if digital && enc {
                CertUse::Both
            } else if sign {
                CertUse::Identity
            } else if enc {
                CertUse::Encryption
            } else {
                CertUse::Other
            }
        }
        None => match eku {
            Some(e) if e.contains(X509ExtendedKeyUsage::SSL_CLIENT) => CertUse::Identity,
            _ => CertUse::Other,
        },
    }
}

/// SPEC §5: ECA issuers carry "ECA" (as a word) or "External Certificate
/// Authority"; Digital ID for Secure Email is issued to "Persona Not
/// Validated" by a "Class 1 ... Individual Subscriber CA".
pub fn product(subject: &str, issuer: &str) -> ProductKind {
    let il = issuer.to_ascii_lowercase();
    let has_eca_word = issuer.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == "ECA");
    if has_eca_word || il.contains("external certificate authority") {
        return ProductKind::Eca;
    }
    let class1 = il.find("class 1").is_some_and(|i| il[i..].contains("individual subscriber ca"));
    if subject.to_ascii_lowercase().contains("persona not validated") || class1 {
        return ProductKind::DigitalId;
    }
    ProductKind::Other
}

/// basicConstraints cA=TRUE, read from the DER: the openssl crate has no
/// accessor for it. The extension is OID 2.5.29.19 (06 03 55 1D 13),
/// optionally a critical BOOLEAN, then an OCTET STRING wrapping
/// `SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLen INTEGER OPTIONAL }`.
pub fn basic_constraints_ca(der: &[u8]) -> bool {
    const OID: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x13];
    let Some(pos) = der.windows(OID.len()).position(|w| w == OID) else {
        return false;
    };
    let mut rest = &der[pos + OID.len()..];
    if rest.len() >= 3 && rest[0] == 0x01 && rest[1] == 0x01 {
        rest = &rest[3..]; // critical flag
    }
    // OCTET STRING, short length form (basicConstraints is tiny).
    if rest.len() < 4 || rest[0] != 0x04 || rest[2] != 0x30 {
        return false;
    }
    let seq = &rest[4..];
    seq.len() >= 3 && seq[0] == 0x01 && seq[1] == 0x01 && seq[2] != 0
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whole days from `now` until `not_after` (negative once expired).
pub fn days_left(not_after: i64, now: i64) -> i64 {
    (not_after - now).div_euclid(86_400)
}

/// RFC 3339 UTC (`2026-11-25T08:00:00Z`) from Unix seconds.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Result of following a certificate's issuers through a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// Indexes into the pool, leaf's issuer first.
    pub path: Vec<usize>,
    /// Reached a self-issued certificate.
    pub complete: bool,
    /// Issuer name of the first certificate whose issuer is not in the pool.
    pub missing_issuer: Option<String>,
}

/// Does `issuer` plausibly issue `child`? Names must match exactly (DER);
/// when both key identifiers are present they must match too, so a renewed
/// CA with the same name but a new key is not mistaken for the old one.
pub fn issued_by(child: &CertInfo, issuer: &CertInfo) -> bool {
    if child.issuer_der != issuer.subject_der {
        return false;
    }
    match (&child.authority_key_id, &issuer.subject_key_id) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}

/// Follow `leaf`'s issuers through `pool` (the CA certificates of one store)
/// up to a self-issued root. Cycles and paths longer than 10 stop the walk.
pub fn build_chain(leaf: &CertInfo, pool: &[CertInfo]) -> Chain {
    let mut path = Vec::new();
    let mut cur = leaf;
    if cur.self_issued {
        return Chain { path, complete: true, missing_issuer: None };
    }
    for _ in 0..10 {
        // Prefer an issuer that is still valid longest (a renewed CA).
        let next = pool
            .iter()
            .enumerate()
            .filter(|(i, c)| !path.contains(i) && issued_by(cur, c) && c.sha256 != cur.sha256)
            .max_by_key(|(_, c)| c.not_after);
        match next {
            Some((i, c)) => {
                path.push(i);
                if c.self_issued {
                    return Chain { path, complete: true, missing_issuer: None };
                }
                cur = c;
            }
            None => return Chain { path, complete: false, missing_issuer: Some(cur.issuer.clone()) },
        }
    }
    Chain { path, complete: false, missing_issuer: Some(cur.issuer.clone()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::Asn1Integer;
    use openssl::bn::BigNum;
    use openssl::pkey::{PKey, Private};
    use openssl::rsa::Rsa;
    use openssl::x509::extension::{
        AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
        SubjectKeyIdentifier,
    };
    use openssl::x509::X509Name;

    fn key() -> PKey<Private> {
        // 1024 bits: fast, and only the structure matters here.
        PKey::from_rsa(Rsa::generate(1024).unwrap()).unwrap()
    }

    fn name(cn: &str, email: Option<&str>) -> X509Name {
        let mut b = X509Name::builder().unwrap();
        b.append_entry_by_text("C", "US").unwrap();
        b.append_entry_by_text("O", "Test Org").unwrap();
        b.append_entry_by_text("CN", cn).unwrap();
        if let Some(e) = email {
            b.append_entry_by_nid(Nid::PKCS9_EMAILADDRESS, e).unwrap();
        }
        b.build()
    }

    struct Made {
        cert: X509,
        key: PKey<Private>,
    }

    #[allow(clippy::too_many_arguments)]
    fn make(
        cn: &str,
        issuer: Option<&Made>,
        ca: bool,
        ku: Option<KeyUsage>,
        eku: Option<ExtendedKeyUsage>,
        san_email: Option<&str>,
        subj_email: Option<&str>,
        days: (i64, i64),
    ) -> Made {
        let k = key();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        let sn = Asn1Integer::from_bn(&BigNum::from_u32(0x1234_5678).unwrap()).unwrap();
        b.set_serial_number(&sn).unwrap();
        let subj = name(cn, subj_email);
        b.set_subject_name(&subj).unwrap();
        b.set_issuer_name(issuer.map(|i| i.cert.subject_name()).unwrap_or(&subj)).unwrap();
        b.set_pubkey(&k).unwrap();
        let now = 1_700_000_000i64;
        b.set_not_before(&Asn1Time::from_unix(now + days.0 * 86400).unwrap()).unwrap();
        b.set_not_after(&Asn1Time::from_unix(now + days.1 * 86400).unwrap()).unwrap();
        if ca {
            b.append_extension(BasicConstraints::new().critical().ca().build().unwrap()).unwrap();
        }
        let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None)).unwrap();
        b.append_extension(ski).unwrap();
        if let Some(i) = issuer {
            let aki = AuthorityKeyIdentifier::new().keyid(true).build(&b.x509v3_context(Some(&i.cert), None)).unwrap();
            b.append_extension(aki).unwrap();
        }
        if let Some(ku) = ku {
            b.append_extension(ku.build().unwrap()).unwrap();
        }
        if let Some(e) = eku {
            b.append_extension(e.build().unwrap()).unwrap();
        }
        if let Some(e) = san_email {
            let san = SubjectAlternativeName::new().email(e).build(&b.x509v3_context(None, None)).unwrap();
            b.append_extension(san).unwrap();
        }
        let signer = issuer.map(|i| &i.key).unwrap_or(&k);
        b.sign(signer, MessageDigest::sha256()).unwrap();
        Made { cert: b.build(), key: k }
    }

    fn ca(cn: &str, issuer: Option<&Made>) -> Made {
        let mut ku = KeyUsage::new();
        ku.key_cert_sign().crl_sign();
        make(cn, issuer, true, Some(ku), None, None, None, (-10, 3000))
    }

    fn info(m: &Made) -> CertInfo {
        parse(&m.cert.to_der().unwrap()).unwrap()
    }

    #[test]
    fn eca_identity_and_encryption_pair() {
        let root = ca("ECA Root CA 4", None);
        let sub = ca("ORC ECA 6", Some(&root));
        let mut ku = KeyUsage::new();
        ku.digital_signature().non_repudiation();
        let mut eku = ExtendedKeyUsage::new();
        eku.client_auth().email_protection();
        let id =
            make("Jane Q. Doe", Some(&sub), false, Some(ku), Some(eku), Some("Jane.Doe@Example.com"), None, (-1, 300));
        let mut ku = KeyUsage::new();
        ku.key_encipherment();
        let enc = make("Jane Q. Doe", Some(&sub), false, Some(ku), None, None, Some("jane.doe@example.com"), (-1, 300));
        let i = info(&id);
        assert_eq!(i.usage, CertUse::Identity);
        assert_eq!(i.product, ProductKind::Eca);
        assert_eq!(i.emails, vec!["jane.doe@example.com"]);
        assert_eq!(i.common_name.as_deref(), Some("Jane Q. Doe"));
        assert_eq!(i.subject, "CN=Jane Q. Doe, O=Test Org, C=US");
        assert_eq!(i.ext_key_usage, vec!["clientAuth", "emailProtection"]);
        assert_eq!(i.serial, "12345678");
        assert!(!i.is_ca);
        let e = info(&enc);
        assert_eq!(e.usage, CertUse::Encryption);
        assert_eq!(e.key_usage, vec!["keyEncipherment"]);
        assert_eq!(e.emails, vec!["jane.doe@example.com"]);
        assert!(e.san_emails.is_empty());
        assert_eq!(i.san_emails, vec!["jane.doe@example.com"]);
        assert!(e.subject.contains("E=jane.doe@example.com"));

        let pool = vec![info(&sub), info(&root)];
        assert!(pool[0].is_ca && pool[1].is_ca && pool[1].self_issued);
        let ch = build_chain(&i, &pool);
        assert!(ch.complete);
        assert_eq!(ch.path, vec![0, 1]);
        // Without the intermediate: incomplete, naming what is missing.
        let ch = build_chain(&i, &pool[1..]);
        assert!(!ch.complete);
        assert_eq!(ch.missing_issuer.as_deref(), Some("CN=ORC ECA 6, O=Test Org, C=US"));
        // Same name, other key: not the issuer.
        let impostor = ca("ORC ECA 6", Some(&root));
        let ch = build_chain(&i, &[info(&impostor), info(&root)]);
        assert!(!ch.complete);
    }

    #[test]
    fn product_rules() {
        assert_eq!(product("CN=x", "CN=ORC ECA 6, O=ORC PKI"), ProductKind::Eca);
        assert_eq!(product("CN=x", "CN=IdenTrust ECA S22C"), ProductKind::Eca);
        assert_eq!(product("CN=x", "CN=Symantec Client External Certificate Authority - G2"), ProductKind::Eca);
        assert_eq!(
            product("CN=Persona Not Validated, E=a@b.c", "CN=Symantec Class 1 Individual Subscriber CA - G5"),
            ProductKind::DigitalId
        );
        assert_eq!(product("CN=Jane", "CN=Class 1 Individual Subscriber CA"), ProductKind::DigitalId);
        // "ECA" inside another word is not ECA.
        assert_eq!(product("CN=x", "CN=DECAF Root"), ProductKind::Other);
        assert_eq!(product("CN=x", "CN=Let's Encrypt R3"), ProductKind::Other);
    }

    #[test]
    fn use_rules() {
        use X509ExtendedKeyUsage as E;
        use X509KeyUsage as K;
        assert_eq!(classify_use(Some(K::DIGITAL_SIGNATURE), None), CertUse::Identity);
        assert_eq!(classify_use(Some(K::KEY_ENCIPHERMENT), None), CertUse::Encryption);
        assert_eq!(classify_use(Some(K::DIGITAL_SIGNATURE | K::KEY_ENCIPHERMENT), None), CertUse::Both);
        assert_eq!(classify_use(None, Some(E::SSL_CLIENT)), CertUse::Identity);
        assert_eq!(classify_use(None, None), CertUse::Other);
        assert_eq!(classify_use(Some(K::KEY_CERT_SIGN), None), CertUse::Other);
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(days_left(86_400 * 10, 0), 10);
        assert_eq!(days_left(0, 1), -1);
        let m = make("x", None, false, None, None, None, None, (-5, 30));
        let i = info(&m);
        assert_eq!(i.not_after - i.not_before, 35 * 86400);
        assert_eq!(i.not_after, 1_700_000_000 + 30 * 86400);
        assert!(i.self_issued && !i.is_ca);
        assert!(build_chain(&i, &[]).complete);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"not a cert").is_err());
        assert!(!basic_constraints_ca(b""));
    }
}
