//! Certificates out of the bytes a user hands over or a CA's web server
//! returns: a PEM bundle (several CERTIFICATE blocks), one DER certificate,
//! or a PKCS#7 bundle (`.p7b`/`.p7c`, DER or PEM). A PKCS#12 file is
//! recognised but not opened here: it needs its password, which the caller
//! reads and hands to the PKCS#12 reader.
//!
//! Then: keep the CA certificates (an end-entity in a bundle is reported,
//! never installed as a CA), drop duplicates, and order them issuer first
//! (intermediates, then the root).
//!
//! Pure functions over bytes: no files, no network, no stores.

use openssl::pkcs12::Pkcs12;
use openssl::pkcs7::Pkcs7;
use openssl::x509::X509;

use crate::cert::CertInfo;
use crate::store::StoreError;

/// What a chain file turned out to be.
#[derive(Debug)]
pub enum FileContent {
    /// DER certificates, in file order.
    Certs(Vec<Vec<u8>>),
    /// A PKCS#12 file: its chain is inside, behind its password.
    Pkcs12,
}

/// The certificates in `bytes` (PEM, DER or PKCS#7). `file_label` names the
/// file or URL in errors. A PKCS#12 file is an error here that says it
/// needs its password; callers that can ask for one use [`classify`].
pub fn certs_from_bytes(bytes: &[u8], file_label: &str) -> Result<Vec<Vec<u8>>, StoreError> {
    match classify(bytes, file_label)? {
        FileContent::Certs(c) => Ok(c),
        FileContent::Pkcs12 => Err(unsupported(file_label, "a PKCS#12 file, whose chain needs its password")),
    }
}

/// Tell what `bytes` hold and read the certificates out when no password is
/// needed.
pub fn classify(bytes: &[u8], file_label: &str) -> Result<FileContent, StoreError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(unsupported(file_label, "an empty file"));
    }
    if let Some(text) = pem_text(bytes) {
        return from_pem(text, file_label).map(FileContent::Certs);
    }
    if let Ok(x) = X509::from_der(bytes) {
        return Ok(FileContent::Certs(vec![x.to_der().map_err(|e| unsupported(file_label, &e.to_string()))?]));
    }
    if let Ok(p7) = Pkcs7::from_der(bytes) {
        return pkcs7_certs(&p7, file_label).map(FileContent::Certs);
    }
    if Pkcs12::from_der(bytes).is_ok() {
        return Ok(FileContent::Pkcs12);
    }
    let found =
        if std::str::from_utf8(bytes).is_ok() { "text without certificates" } else { "unrecognised binary data" };
    Err(unsupported(file_label, found))
}

fn unsupported(file: &str, found: &str) -> StoreError {
    StoreError::UnsupportedFormat { file: file.to_string(), found: found.to_string() }
}

/// PEM is text with a `-----BEGIN` line; anything else is taken as DER.
fn pem_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.contains("-----BEGIN ").then_some(text)
}

/// One `-----BEGIN LABEL-----` ... `-----END LABEL-----` block, decoded.
#[derive(Debug, PartialEq, Eq)]
struct PemBlock {
    label: String,
    der: Option<Vec<u8>>,
}

/// The PEM blocks of a text, in order. RFC 7468 headers (`Proc-Type: ...`)
/// and text between blocks are skipped; a block whose base64 does not decode
/// has `der: None`.
fn pem_blocks(text: &str) -> Vec<PemBlock> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines().map(str::trim) {
        if let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
            current = Some((label.to_string(), String::new()));
        } else if let Some(label) = line.strip_prefix("-----END ").and_then(|l| l.strip_suffix("-----")) {
            if let Some((begin, b64)) = current.take() {
                let der = (begin == label).then(|| openssl::base64::decode_block(&b64).ok()).flatten();
                blocks.push(PemBlock { label: begin, der });
            }
        } else if let Some((_, b64)) = current.as_mut() {
            if !line.contains(':') {
                b64.push_str(line);
            }
        }
    }
    blocks
}

fn from_pem(text: &str, file_label: &str) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut certs = Vec::new();
    let mut other = Vec::new();
    for block in pem_blocks(text) {
        let Some(der) = block.der else {
            return Err(unsupported(file_label, &format!("a damaged PEM block ({})", block.label)));
        };
        match block.label.as_str() {
            // TRUSTED CERTIFICATE is OpenSSL's certificate + trust settings;
            // the certificate comes first and d2i reads only it.
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                let x = X509::from_der(&der)
                    .map_err(|_| unsupported(file_label, "a CERTIFICATE block that is not a certificate"))?;
                certs.push(x.to_der().map_err(|e| unsupported(file_label, &e.to_string()))?);
            }
            "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS" => {
                let p7 = Pkcs7::from_der(&der)
                    .map_err(|_| unsupported(file_label, "a PKCS7 block that is not a PKCS#7 bundle"))?;
                certs.extend(pkcs7_certs(&p7, file_label)?);
            }
            label => other.push(label.to_string()),
        }
    }
    if certs.is_empty() {
        let found = match other.first() {
            Some(l) if l.contains("PRIVATE KEY") => "a private key without certificates".to_string(),
            Some(l) => format!("PEM blocks of type {l}, no certificates"),
            None => "text without certificates".to_string(),
        };
        return Err(unsupported(file_label, &found));
    }
    Ok(certs)
}

fn pkcs7_certs(p7: &Pkcs7, file_label: &str) -> Result<Vec<Vec<u8>>, StoreError> {
    let certs: Vec<Vec<u8>> = p7
        .signed()
        .and_then(|s| s.certificates())
        .map(|stack| stack.iter().filter_map(|c| c.to_der().ok()).collect())
        .unwrap_or_default();
    if certs.is_empty() {
        return Err(unsupported(file_label, "a PKCS#7 file without certificates"));
    }
    Ok(certs)
}

/// A certificate's signature verifies with its own key (a root, as opposed
/// to a certificate that merely has the same subject and issuer name).
pub fn self_signed(der: &[u8]) -> bool {
    let Ok(x) = X509::from_der(der) else { return false };
    let same_name = match (x.subject_name().to_der(), x.issuer_name().to_der()) {
        (Ok(s), Ok(i)) => s == i,
        _ => false,
    };
    same_name && x.public_key().and_then(|k| x.verify(&k)).unwrap_or(false)
}

/// One certificate with what the chain code needs to know about it.
#[derive(Debug, Clone)]
pub struct CaCert {
    pub der: Vec<u8>,
    pub info: CertInfo,
    /// Self-signed: a root.
    pub root: bool,
}

impl CaCert {
    pub fn new(der: Vec<u8>) -> Option<CaCert> {
        let info = crate::cert::parse(&der).ok()?;
        let root = self_signed(&der);
        Some(CaCert { der, info, root })
    }

    /// The name people know the CA by: its CN, else the whole subject.
    pub fn name(&self) -> String {
        self.info.common_name.clone().unwrap_or_else(|| self.info.subject.clone())
    }

    /// basicConstraints cA, or an old v1 root that predates extensions
    /// (self-signed, and its key usage, if any, allows certificate signing).
    pub fn is_ca(&self) -> bool {
        self.info.is_ca
            || (self.root && (!self.info.has_key_usage || self.info.key_usage.iter().any(|u| u == "keyCertSign")))
    }
}

/// What [`select_cas`] kept and left out.
#[derive(Debug, Default)]
pub struct Selection {
    /// CA certificates, issuer first: intermediates, then roots last.
    pub cas: Vec<CaCert>,
    /// Names of end-entity certificates that were left out.
    pub skipped: Vec<String>,
    /// Items that are not certificates at all (described).
    pub unreadable: usize,
}

/// Keep the CA certificates of `certs` (duplicates once) and order them
/// issuer first: a certificate comes before the one that issued it, roots
/// come last.
pub fn select_cas(certs: Vec<Vec<u8>>) -> Selection {
    let mut sel = Selection::default();
    for der in certs {
        match CaCert::new(der) {
            None => sel.unreadable += 1,
            Some(c) if !c.is_ca() => sel.skipped.push(c.name()),
            Some(c) => {
                if !sel.cas.iter().any(|k| k.info.sha256 == c.info.sha256) {
                    sel.cas.push(c);
                }
            }
        }
    }
    order_issuer_first(&mut sel.cas);
    sel
}

/// Sort by distance from the top: the further a CA is from a root (within
/// the set), the earlier it comes; roots last. Stable, so file order breaks
/// ties.
pub fn order_issuer_first(cas: &mut [CaCert]) {
    let depth: Vec<usize> = (0..cas.len()).map(|i| depth_of(cas, i)).collect();
    let mut idx: Vec<usize> = (0..cas.len()).collect();
    idx.sort_by_key(|&i| (cas[i].root, std::cmp::Reverse(depth[i])));
    let sorted: Vec<CaCert> = idx.iter().map(|&i| cas[i].clone()).collect();
    cas.clone_from_slice(&sorted);
}

/// How many issuers above `i` are in the set (bounded: cross-certificates
/// can make the issuer relation cyclic).
fn depth_of(cas: &[CaCert], i: usize) -> usize {
    let mut cur = i;
    let mut depth = 0;
    while depth < cas.len() && !cas[cur].root {
        match (0..cas.len()).find(|&j| j != cur && crate::cert::issued_by(&cas[cur].info, &cas[j].info)) {
            Some(next) => {
                cur = next;
                depth += 1;
            }
            None => break,
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_skip_headers_and_text() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\nAAEC\nAw==\n-----END CERTIFICATE-----\n\
                    -----BEGIN X-----\n!!!\n-----END X-----\n";
        let b = pem_blocks(text);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0], PemBlock { label: "CERTIFICATE".into(), der: Some(vec![0, 1, 2, 3]) });
        assert_eq!(b[1].der, None);
    }

    #[test]
    fn mismatched_end_label_is_damaged() {
        let b = pem_blocks("-----BEGIN CERTIFICATE-----\nAAEC\n-----END PKCS7-----\n");
        assert_eq!(b[0].der, None);
    }

    #[test]
    fn recognises_what_is_not_a_chain() {
        let found = |bytes: &[u8]| match classify(bytes, "f") {
            Err(StoreError::UnsupportedFormat { found, .. }) => found,
            other => panic!("{other:?}"),
        };
        assert_eq!(found(b""), "an empty file");
        assert_eq!(found(b"hello"), "text without certificates");
        assert_eq!(found(&[0x30, 0x03, 0x02, 0x01, 0xff, 0x99]), "unrecognised binary data");
        assert_eq!(
            found(b"-----BEGIN PRIVATE KEY-----\nAAEC\n-----END PRIVATE KEY-----\n"),
            "a private key without certificates"
        );
    }
}
