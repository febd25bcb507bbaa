//! What a file is, told from its bytes: so that "this is not a PKCS#12
//! file" can say what it is instead ("a PEM certificate without its private
//! key", "random bytes", ...).
//!
//! Pure function over bytes; it reads nothing and decrypts nothing.

use openssl::pkey::PKey;
use openssl::x509::X509;

use super::der;
use super::pfx::oid;

/// The kinds of file people hand over as "my certificate".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Empty,
    Pkcs12,
    /// PEM with a certificate and a private key.
    PemCertAndKey,
    PemCertOnly,
    PemKeyOnly,
    PemPkcs7,
    PemCsr,
    PemOther,
    DerCert,
    DerKey,
    DerPkcs7,
    /// Starts like ASN.1 but ends early or is damaged.
    Truncated,
    Text,
    Random,
}

impl FileKind {
    /// A phrase for error messages: "FILE is not a PKCS#12 file: <this>",
    /// "FILE is not a file certhelp can use here: <this>".
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Empty => "an empty file",
            FileKind::Pkcs12 => "a PKCS#12 file",
            FileKind::PemCertAndKey => "a PEM file with a certificate and a private key",
            FileKind::PemCertOnly => "a PEM certificate without its private key",
            FileKind::PemKeyOnly => "a PEM private key without its certificate",
            FileKind::PemPkcs7 => "a PEM PKCS#7 certificate bundle (certificates only, no private key)",
            FileKind::PemCsr => "a certificate request (CSR), not a certificate",
            FileKind::PemOther => "a PEM file with neither a certificate nor a private key",
            FileKind::DerCert => "a DER certificate without its private key",
            FileKind::DerKey => "a DER private key without its certificate",
            FileKind::DerPkcs7 => "a PKCS#7 certificate bundle (.p7b/.p7c: certificates only, no private key)",
            FileKind::Truncated => "a damaged or truncated file (it ends early)",
            FileKind::Text => "a text file, not a certificate file",
            FileKind::Random => "random bytes: a damaged file, or not a certificate file at all",
        }
    }

    pub fn is_pem(self) -> bool {
        matches!(
            self,
            FileKind::PemCertAndKey
                | FileKind::PemCertOnly
                | FileKind::PemKeyOnly
                | FileKind::PemPkcs7
                | FileKind::PemCsr
                | FileKind::PemOther
        )
    }
}

/// Tell what `bytes` are. PKCS#12 is recognised by its outer structure
/// (version 3, authSafe of type data); nothing is decrypted.
pub fn sniff(bytes: &[u8]) -> FileKind {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return FileKind::Empty;
    }
    if let Some(kind) = pem_kind(bytes) {
        return kind;
    }
    if bytes[0] == der::SEQUENCE {
        return match der::parse_prefix(bytes) {
            Ok((node, _)) => {
                let is_oid = |i: usize, arcs: &[u64]| {
                    node.children
                        .get(i)
                        .and_then(|c| c.children.first().or(Some(c)))
                        .is_some_and(|n| n.tag == der::OID && n.prim == der::oid(arcs).as_slice())
                };
                let version3 = node.children.first().is_some_and(|v| v.uint().ok() == Some(3));
                if version3 && is_oid(1, oid::DATA) {
                    FileKind::Pkcs12
                } else if node.children.first().is_some_and(|c| c.tag == der::OID && c.prim == der::oid(PKCS7_SIGNED)) {
                    FileKind::DerPkcs7
                } else if X509::from_der(bytes).is_ok() {
                    FileKind::DerCert
                } else if PKey::private_key_from_der(bytes).is_ok() {
                    FileKind::DerKey
                } else {
                    FileKind::Random
                }
            }
            Err(_) => FileKind::Truncated,
        };
    }
    let printable = bytes.iter().filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()).count();
    if printable * 10 >= bytes.len() * 9 {
        FileKind::Text
    } else {
        FileKind::Random
    }
}

const PKCS7_SIGNED: &[u64] = &[1, 2, 840, 113549, 1, 7, 2];

fn pem_kind(bytes: &[u8]) -> Option<FileKind> {
    let text = std::str::from_utf8(bytes).ok()?;
    if !text.contains("-----BEGIN ") {
        return None;
    }
    let labels: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("-----BEGIN ").and_then(|r| r.strip_suffix("-----")))
        .collect();
    let cert = labels.iter().any(|l| *l == "CERTIFICATE" || *l == "X509 CERTIFICATE" || *l == "TRUSTED CERTIFICATE");
    let key = labels.iter().any(|l| l.ends_with("PRIVATE KEY"));
    Some(match (cert, key) {
        (true, true) => FileKind::PemCertAndKey,
        (true, false) => FileKind::PemCertOnly,
        (false, true) => FileKind::PemKeyOnly,
        _ if labels.contains(&"PKCS7") => FileKind::PemPkcs7,
        _ if labels.iter().any(|l| l.contains("CERTIFICATE REQUEST")) => FileKind::PemCsr,
        _ => FileKind::PemOther,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(sniff(b""), FileKind::Empty);
        assert_eq!(sniff(b"\n \n"), FileKind::Empty);
        assert_eq!(sniff(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), FileKind::PemCertOnly);
        assert_eq!(
            sniff(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA\n-----END ENCRYPTED PRIVATE KEY-----\n"),
            FileKind::PemKeyOnly
        );
        assert_eq!(sniff(b"hello, this is a letter\n"), FileKind::Text);
        assert_eq!(sniff(&[0x30, 0x82, 0x10, 0x00, 1, 2]), FileKind::Truncated);
        assert_eq!(sniff(&[0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]), FileKind::Random);
        let p12 = super::super::pfx::pfx(&der::seq(&[]), oid::SHA256, &[0; 32], &[0; 8], 1);
        assert_eq!(sniff(&p12), FileKind::Pkcs12);
    }
}
