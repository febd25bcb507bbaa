//! NSS's database key of a certificate ("dbKey"), as Thunderbird stores it
//! in `mail.identity.idN.signing_cert_dbkey` / `encryption_cert_dbkey` and
//! looks it up with `nsIX509CertDB::findCertByDBKey`.
//!
//! Layout (Gecko's `nsNSSCertificate::GetDbKey`, read back by
//! `nsNSSCertificateDB::FindCertByDBKey`), base64 of:
//!
//! | bytes | what |
//! | --- | --- |
//! | 4 | module id, always 0 (never implemented) |
//! | 4 | slot id, always 0 (never implemented) |
//! | 4 | serial number length, big-endian |
//! | 4 | issuer name length, big-endian |
//! | n | serial number: the content octets of the DER INTEGER as the certificate encodes them (mozilla::pkix `CertificateSerialNumber`), so a leading 0x00 that keeps a high-bit serial positive is included |
//! | m | issuer: the whole DER `Name` (tag and length included) |
//!
//! Computed from the certificate's own bytes, never from a re-encoding: a
//! number type would drop the leading zero and the key would not match.
//! Pure: no store is opened here.

use crate::store::StoreError;

/// The dbKey of the DER certificate `der`, base64 (standard alphabet,
/// padded, one line), as Thunderbird writes it into prefs.js.
pub fn dbkey(der: &[u8]) -> Result<String, StoreError> {
    let (serial, issuer) = serial_and_issuer(der)?;
    let mut raw = Vec::with_capacity(16 + serial.len() + issuer.len());
    raw.extend_from_slice(&[0u8; 8]);
    raw.extend_from_slice(&len32(serial.len())?.to_be_bytes());
    raw.extend_from_slice(&len32(issuer.len())?.to_be_bytes());
    raw.extend_from_slice(serial);
    raw.extend_from_slice(issuer);
    Ok(openssl::base64::encode_block(&raw))
}

fn len32(n: usize) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| bad("a field longer than 4 GiB"))
}

fn bad(problem: &str) -> StoreError {
    StoreError::Invalid { file: "certificate".into(), problem: format!("not a DER X.509 certificate: {problem}") }
}

/// (serial INTEGER content octets, issuer Name TLV) of a certificate.
fn serial_and_issuer(der: &[u8]) -> Result<(&[u8], &[u8]), StoreError> {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
    let (cert, _) = take(der, 0x30)?;
    // TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
    //                               signature, issuer, ... }
    let (tbs, _) = take(cert, 0x30)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = take(rest, 0xa0)?.1;
    }
    let (serial, rest) = take(rest, 0x02)?;
    if serial.is_empty() {
        return Err(bad("an empty serial number"));
    }
    let (_, rest) = take(rest, 0x30)?; // signature AlgorithmIdentifier
    let (issuer_content, after) = take(rest, 0x30)?;
    let issuer_len = rest.len() - after.len();
    debug_assert!(issuer_len >= issuer_content.len());
    Ok((serial, &rest[..issuer_len]))
}

/// One DER element with tag `tag` at the start of `input`: (content, rest).
fn take(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), StoreError> {
    let (&t, rest) = input.split_first().ok_or_else(|| bad("truncated"))?;
    if t != tag {
        return Err(bad(&format!("tag {t:#04x} where {tag:#04x} was expected")));
    }
    let (&first, mut rest) = rest.split_first().ok_or_else(|| bad("truncated length"))?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(bad("a length DER does not allow"));
        }
        let v = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        rest = &rest[n..];
        v
    };
    if rest.len() < len {
        return Err(bad("truncated"));
    }
    Ok(rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::{Asn1Integer, Asn1Time};
    use openssl::bn::BigNum;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::x509::{X509Name, X509};

    fn cert(serial_hex: &str) -> X509 {
        let key = PKey::from_ec_key(
            openssl::ec::EcKey::generate(
                &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        let mut n = X509Name::builder().unwrap();
        n.append_entry_by_text("CN", "Issuer CA").unwrap();
        let n = n.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_hex_str(serial_hex).unwrap()).unwrap()).unwrap();
        b.set_subject_name(&n).unwrap();
        b.set_issuer_name(&n).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
        b.set_not_after(&Asn1Time::days_from_now(1).unwrap()).unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        b.build()
    }

    fn decode(k: &str) -> Vec<u8> {
        openssl::base64::decode_block(k).unwrap()
    }

    #[test]
    fn layout_with_a_serial_that_needs_a_leading_zero() {
        let c = cert("80C0FFEE");
        let raw = decode(&dbkey(&c.to_der().unwrap()).unwrap());
        let issuer = c.issuer_name().to_der().unwrap();
        assert_eq!(&raw[..8], &[0u8; 8]);
        assert_eq!(&raw[8..12], &5u32.to_be_bytes(), "00 80 c0 ff ee: five bytes");
        assert_eq!(&raw[12..16], &(issuer.len() as u32).to_be_bytes());
        assert_eq!(&raw[16..21], &[0x00, 0x80, 0xc0, 0xff, 0xee]);
        assert_eq!(&raw[21..], &issuer[..]);
    }

    #[test]
    fn small_serial_has_no_padding() {
        let c = cert("1001");
        let raw = decode(&dbkey(&c.to_der().unwrap()).unwrap());
        assert_eq!(&raw[8..12], &2u32.to_be_bytes());
        assert_eq!(&raw[16..18], &[0x10, 0x01]);
        assert_eq!(crate::probe::mozilla::dbkey_serial(&dbkey(&c.to_der().unwrap()).unwrap()).as_deref(), Some("1001"));
    }

    #[test]
    fn garbage_is_refused() {
        assert!(dbkey(b"").is_err());
        assert!(dbkey(&[0x30, 0x03, 0x02, 0x01]).is_err());
        assert!(dbkey(b"-----BEGIN CERTIFICATE-----").is_err());
    }
}
