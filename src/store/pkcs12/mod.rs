//! PKCS#12 (.p12/.pfx) and PEM files: read every certificate and key in
//! them, write one identity (with its chain) for modern or legacy
//! importers, verify a written file by reading it back, and convert PEM.
//!
//! Reading: OpenSSL parses the structure first; files in the algorithms
//! everyone writes today (PBES2/PBKDF2/AES, PBE-SHA1-3DES) are then opened
//! with all key derivations running side by side (`open.rs`); anything else,
//! and every failure, goes through OpenSSL's own PKCS#12 safe-bag functions
//! (declared in `ffi.rs`; no new crate this round) with its legacy provider
//! loaded, so RC2-40 files (macOS Keychain, old Windows and Firefox
//! exports) open too. Unlike `PKCS12_parse`, every key bag is kept:
//! Firefox's "Backup All" files hold several certificate + key pairs.
//! Writing assembles the DER itself (`pfx.rs`) so the three derivations run
//! side by side, and the check after writing reuses them (`crypto.rs`).
//!
//! This module works on bytes and paths it is given. It never prompts,
//! prints, logs a secret or writes a file (callers use
//! [`crate::fsutil::write_new_file`]); passwords arrive as [`Secret`]s.

mod crypto;
mod der;
mod ffi;
mod open;
mod pem;
mod pfx;
mod read;
mod sniff;
mod write;

use std::io::Read;
use std::path::Path;

pub use pem::{read_pem, read_pem_named, verify_pem, write_pem, PEM_KEY_ITERATIONS};
pub use read::read;
pub use sniff::{sniff, FileKind};
pub use write::{verify, verify_all, verify_written, write, write_all, write_keyed, Written};

use super::StoreError;
use crate::secret::Secret;

/// Iteration count of modern files: what NSS's pk12util 3.87 writes, and
/// the most current Windows accepts (it refuses counts above 600,000), so
/// never raise it.
pub const MODERN_ITERATIONS: u32 = 600_000;

/// Iteration count of legacy files: OpenSSL's `-legacy` default (2048), the
/// count the older importers these files are for (macOS Keychain before
/// OpenSSL 3 files, iOS, Android, Windows Server 2016) were tested with;
/// Windows' own TripleDES_SHA1 exports use 2000.
pub const LEGACY_ITERATIONS: u32 = 2048;

/// Above this count a file is refused before any key derivation: real
/// exporters stay far below (Firefox 1,000,000), and a crafted count would
/// keep the CPU busy for hours.
pub const MAX_ITERATIONS: u64 = 10_000_000;

/// Files larger than this are refused before being read: a PKCS#12 or PEM
/// file with even dozens of certificates is a few hundred KiB.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Which importers the written file must suit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compat {
    /// AES-256-CBC, PBKDF2-HMAC-SHA256, SHA-256 MAC, 600,000 iterations:
    /// current Windows, macOS 14+, Firefox, Chrome, OpenSSL 3.
    #[default]
    Modern,
    /// PBE-SHA1-3DES for key and certificates, SHA-1 MAC: older macOS
    /// Keychain, iOS, Android, Windows Server 2016 and older, which refuse
    /// modern files ("MAC verification failed", "invalid password").
    Legacy,
}

/// How to write a PKCS#12 file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteOptions {
    pub compat: Compat,
    /// `None`: [`MODERN_ITERATIONS`] or [`LEGACY_ITERATIONS`]. Tests use
    /// low counts.
    pub iterations: Option<u32>,
}

impl WriteOptions {
    pub fn iterations(&self) -> u32 {
        self.iterations.unwrap_or(match self.compat {
            Compat::Modern => MODERN_ITERATIONS,
            Compat::Legacy => LEGACY_ITERATIONS,
        })
    }

    /// The algorithms, for reports: "AES-256-CBC, PBKDF2-HMAC-SHA256, ...".
    pub fn describe(&self) -> String {
        match self.compat {
            Compat::Modern => {
                format!("AES-256-CBC with PBKDF2-HMAC-SHA256 and a SHA-256 MAC, {} iterations", self.iterations())
            }
            Compat::Legacy => {
                format!("3DES (PBE-SHA1-3DES) with a SHA-1 MAC, {} iterations", self.iterations())
            }
        }
    }
}

/// Read a file with the size bound applied before reading it whole: the
/// bytes of a PKCS#12 or PEM file, or an error naming the path.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, StoreError> {
    let f = std::fs::File::open(path).map_err(|e| StoreError::io(path, &e))?;
    let meta = f.metadata().map_err(|e| StoreError::io(path, &e))?;
    let too_big = || StoreError::Invalid {
        file: path.display().to_string(),
        problem: format!("larger than {} MiB, far more than any certificate file", MAX_FILE_SIZE >> 20),
    };
    if meta.is_dir() {
        return Err(StoreError::UnsupportedFormat { file: path.display().to_string(), found: "a directory".into() });
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_big());
    }
    // The size can change between stat and read (a pipe, a growing file):
    // read at most one byte more than the bound.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    f.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes).map_err(|e| StoreError::io(path, &e))?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_big());
    }
    crate::verbose!("read {} ({} bytes)", path.display(), bytes.len());
    Ok(bytes)
}

/// [`read`] a file from disk (size-bounded; a missing file is
/// [`StoreError::NotFound`] with its path).
pub fn read_file(path: &Path, password: &Secret) -> Result<super::Bundle, StoreError> {
    let bytes = zeroize::Zeroizing::new(read_bounded(path)?);
    read(&bytes, password, &path.display().to_string())
}

/// Load OpenSSL's legacy provider (RC2-40, DES) and the default one beside
/// it, once per process. Loading a provider by hand stops OpenSSL from
/// loading the default implicitly, hence both. They stay loaded for the
/// life of the process. Without the legacy module (a minimal OpenSSL), only
/// files with legacy ciphers fail, with their own error.
pub fn load_providers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for name in ["legacy", "default"] {
            if let Ok(p) = openssl::provider::Provider::try_load(None, name, true) {
                std::mem::forget(p);
            }
        }
        ffi::clear_errors();
    });
}

fn check_iterations(n: u64, file: &str) -> Result<(), StoreError> {
    if n > MAX_ITERATIONS {
        return Err(StoreError::Invalid {
            file: file.to_string(),
            problem: format!(
                "its iteration count ({n}) is far beyond any real exporter's (at most {MAX_ITERATIONS}); refused before deriving keys"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::{ChainCert, Identity, PrivateKey, Trust};
    use openssl::asn1::Asn1Time;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::{PKey, Private};
    use openssl::x509::{X509Name, X509};

    /// A certificate (EC P-256: fast) issued by `issuer`, or self-signed.
    pub(crate) fn make(cn: &str, issuer: Option<&(X509, PKey<Private>)>) -> (X509, PKey<Private>) {
        make_cert(cn, issuer, false)
    }

    /// The same, a CA certificate (basicConstraints cA) with `ca`.
    pub(crate) fn make_cert(cn: &str, issuer: Option<&(X509, PKey<Private>)>, ca: bool) -> (X509, PKey<Private>) {
        let key =
            PKey::from_ec_key(EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap())
                .unwrap();
        let mut n = X509Name::builder().unwrap();
        n.append_entry_by_text("CN", cn).unwrap();
        let n = n.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&n).unwrap();
        b.set_issuer_name(issuer.map(|i| i.0.subject_name()).unwrap_or(&n)).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
        b.set_not_after(&Asn1Time::days_from_now(30).unwrap()).unwrap();
        if ca {
            let bc = openssl::x509::extension::BasicConstraints::new().critical().ca().build().unwrap();
            b.append_extension(bc).unwrap();
        }
        b.sign(issuer.map(|i| &i.1).unwrap_or(&key), MessageDigest::sha256()).unwrap();
        (b.build(), key)
    }

    pub(crate) fn identity(m: &(X509, PKey<Private>), label: &str) -> Identity {
        Identity {
            label: Some(label.into()),
            cert_der: m.0.to_der().unwrap(),
            key: Some(PrivateKey::from_pkcs8_der(m.1.private_key_to_pkcs8().unwrap())),
        }
    }

    fn chain_of(m: &(X509, PKey<Private>)) -> ChainCert {
        ChainCert { label: None, der: m.0.to_der().unwrap(), trust: Trust::NONE }
    }

    const LOW: u32 = 1000;

    fn opts(compat: Compat) -> WriteOptions {
        WriteOptions { compat, iterations: Some(LOW) }
    }

    #[test]
    fn modern_and_legacy_round_trip_through_openssl() {
        let root = make("Root", None);
        let leaf = make("Jane", Some(&root));
        let id = identity(&leaf, "Jane's ID");
        let chain = [chain_of(&root)];
        let pw = Secret::new("s3cret pässword");
        for compat in [Compat::Modern, Compat::Legacy] {
            let w = write_keyed(&id, &chain, &pw, &opts(compat)).unwrap();
            verify_written(&w.bytes, &pw, &id, &chain, &w).unwrap();
            verify(&w.bytes, &pw, &id, &chain).unwrap();
            // OpenSSL's own PKCS12_parse agrees.
            let parsed = openssl::pkcs12::Pkcs12::from_der(&w.bytes).unwrap().parse2(pw.expose()).unwrap();
            assert_eq!(parsed.cert.unwrap().to_der().unwrap(), id.cert_der);
            assert!(parsed.pkey.unwrap().public_eq(&leaf.1));
            assert_eq!(parsed.ca.unwrap().len(), 1);
            // And our reader.
            let b = read(&w.bytes, &pw, "f").unwrap();
            assert_eq!(b.identities.len(), 1);
            assert_eq!(b.identities[0].label.as_deref(), Some("Jane's ID"));
            assert_eq!(b.identities[0].key.as_ref().unwrap().pkcs8_der(), id.key.as_ref().unwrap().pkcs8_der());
            assert_eq!(b.chain.len(), 1);
            assert!(matches!(read(&w.bytes, &Secret::new("nope"), "f"), Err(StoreError::WrongPassword { .. })));
            assert!(matches!(
                verify(&w.bytes, &Secret::new("nope"), &id, &chain),
                Err(StoreError::VerifyFailed { .. })
            ));
        }
    }

    #[test]
    fn verify_catches_differences() {
        let a = make("A", None);
        let b = make("B", None);
        let ida = identity(&a, "A");
        let idb = identity(&b, "B");
        let pw = Secret::new("pw");
        let w = write_keyed(&ida, &[], &pw, &opts(Compat::Modern)).unwrap();
        assert!(matches!(verify_written(&w.bytes, &pw, &idb, &[], &w), Err(StoreError::VerifyFailed { .. })));
        assert!(matches!(verify(&w.bytes, &pw, &ida, &[chain_of(&b)]), Err(StoreError::VerifyFailed { .. })));
        let mut flipped = w.bytes.clone();
        let n = flipped.len();
        flipped[n / 2] ^= 1;
        assert!(verify_written(&flipped, &pw, &ida, &[], &w).is_err());
        let relabeled = Identity { label: Some("other".into()), ..identity(&a, "") };
        let relabeled =
            Identity { key: ida.key.as_ref().map(|k| PrivateKey::from_pkcs8_der(k.pkcs8_der().to_vec())), ..relabeled };
        assert!(verify_written(&w.bytes, &pw, &relabeled, &[], &w).is_err());
    }

    #[test]
    fn several_keys_in_one_file_are_all_read() {
        let ca = make("ECA", None);
        let ids: Vec<Identity> = ["ID", "Enc", "Old enc"].iter().map(|l| identity(&make(l, Some(&ca)), l)).collect();
        let pw = Secret::new("pw");
        let w = write_all(&ids, &[chain_of(&ca)], &pw, &opts(Compat::Modern)).unwrap();
        verify_all(&w.bytes, &pw, &ids, &[chain_of(&ca)], Some(&w)).unwrap();
        assert!(verify_all(&w.bytes, &pw, &ids[..2], &[chain_of(&ca)], Some(&w)).is_err());
        let b = read(&w.bytes, &pw, "f").unwrap();
        let labels: Vec<_> = b.identities.iter().map(|i| i.label.clone().unwrap()).collect();
        assert_eq!(labels, ["ID", "Enc", "Old enc"]);
        for (got, want) in b.identities.iter().zip(&ids) {
            assert_eq!(got.cert_der, want.cert_der);
            assert_eq!(got.key.as_ref().unwrap().pkcs8_der(), want.key.as_ref().unwrap().pkcs8_der());
        }
        assert_eq!(b.chain.len(), 1);
    }

    #[test]
    fn refusals() {
        let a = make("A", None);
        let b = make("B", None);
        let pw = Secret::new("pw");
        let id = identity(&a, "A");
        assert!(matches!(write(&id, &[], &Secret::new(""), &opts(Compat::Modern)), Err(StoreError::Invalid { .. })));
        let mismatched = Identity { key: identity(&b, "B").key, ..identity(&a, "A") };
        assert!(matches!(write(&mismatched, &[], &pw, &opts(Compat::Modern)), Err(StoreError::Invalid { .. })));
        // Absurd counts are refused before any derivation (this would take
        // hours otherwise).
        let huge = WriteOptions { compat: Compat::Legacy, iterations: Some(1) };
        let w = write(&id, &[], &pw, &huge).unwrap();
        let mut p = pfx::parse_pfx(&w).unwrap();
        p.mac.as_mut().unwrap().iterations = 2_000_000_000;
        let m = p.mac.unwrap();
        let forged = pfx::pfx(&p.auth_safe, pfx::oid::SHA1, &m.mac, &m.salt, m.iterations);
        match read(&forged, &pw, "f") {
            Err(StoreError::Invalid { problem, .. }) => assert!(problem.contains("2000000000"), "{problem}"),
            other => panic!("{other:?}"),
        }
        for (bytes, found) in [
            (&b""[..], "empty"),
            (&a.0.to_pem().unwrap()[..], "PEM certificate without"),
            (&a.0.to_der().unwrap()[..], "DER certificate"),
            (&w[..w.len() / 2], "truncated"),
        ] {
            match read(bytes, &pw, "f") {
                Err(StoreError::UnsupportedFormat { found: f, .. }) => assert!(f.contains(found), "{f}"),
                other => panic!("{found}: {other:?}"),
            }
        }
    }

    #[test]
    fn pem_round_trip() {
        let root = make("Root", None);
        let leaf = make("Jane", Some(&root));
        let id = identity(&leaf, "x");
        let chain = [chain_of(&root)];
        let pw = Secret::new("pw");
        let enc = write_pem(&id, &chain, Some(&pw)).unwrap();
        assert!(String::from_utf8_lossy(&enc).contains("ENCRYPTED PRIVATE KEY"));
        verify_pem(&enc, Some(&pw), &id, &chain).unwrap();
        assert!(matches!(read_pem(&enc, None, Some(&Secret::new("no"))), Err(StoreError::WrongPassword { .. })));
        assert!(matches!(read_pem(&enc, None, None), Err(StoreError::WrongPassword { .. })));
        // OpenSSL reads the encrypted key.
        assert!(PKey::private_key_from_pem_passphrase(&enc, b"pw").unwrap().public_eq(&leaf.1));
        let plain = write_pem(&id, &[], None).unwrap();
        assert!(String::from_utf8_lossy(&plain).contains("BEGIN PRIVATE KEY"));
        let b = read_pem(&plain, None, None).unwrap();
        assert_eq!(b.identities[0].cert_der, id.cert_der);
        // Separate files, a traditional encrypted key, and a key that
        // belongs to another certificate.
        let trad = leaf
            .1
            .ec_key()
            .unwrap()
            .private_key_to_pem_passphrase(openssl::symm::Cipher::aes_128_cbc(), b"pw")
            .unwrap();
        let b = read_pem(&leaf.0.to_pem().unwrap(), Some(&trad), Some(&pw)).unwrap();
        assert_eq!(b.identities.len(), 1);
        let other = make("Other", None);
        let other_key = other.1.private_key_to_pem_pkcs8().unwrap();
        assert!(matches!(read_pem(&leaf.0.to_pem().unwrap(), Some(&other_key), None), Err(StoreError::Invalid { .. })));
        assert!(matches!(read_pem(&leaf.0.to_pem().unwrap(), None, None), Err(StoreError::UnsupportedFormat { .. })));
    }

    #[test]
    fn chain_comes_out_issuer_first_whatever_the_file_order() {
        let root = make("Root", None);
        let sub = make("Sub CA", Some(&root));
        let leaf = make("Jane", Some(&sub));
        let stray = make("Unrelated", None);
        let id = identity(&leaf, "Jane");
        let pw = Secret::new("pw");
        let file_order = [chain_of(&stray), chain_of(&root), chain_of(&sub)];
        let w = write(&id, &file_order, &pw, &opts(Compat::Modern)).unwrap();
        let b = read(&w, &pw, "f").unwrap();
        let names: Vec<String> =
            b.chain.iter().map(|c| crate::cert::parse(&c.der).unwrap().common_name.unwrap()).collect();
        assert_eq!(names, ["Sub CA", "Root", "Unrelated"]);
        let pem = write_pem(&id, &file_order, None).unwrap();
        let b = read_pem(&pem, None, None).unwrap();
        assert_eq!(crate::cert::parse(&b.chain[0].der).unwrap().common_name.as_deref(), Some("Sub CA"));
    }

    #[test]
    fn fast_path_and_openssl_path_agree() {
        use openssl::nid::Nid;
        let root = make("Root", None);
        let leaf = make("Jane", Some(&root));
        let pw = Secret::new("pw");
        for (alg, fast) in [
            (Nid::AES_256_CBC, true),
            (Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC, true),
            (Nid::PBE_WITHSHA1AND40BITRC2_CBC, false),
        ] {
            load_providers();
            let mut ca = openssl::stack::Stack::new().unwrap();
            ca.push(root.0.clone()).unwrap();
            let der = openssl::pkcs12::Pkcs12::builder()
                .name("Jane")
                .pkey(&leaf.1)
                .cert(&leaf.0)
                .ca(ca)
                .key_algorithm(alg)
                .cert_algorithm(alg)
                .build2("pw")
                .unwrap()
                .to_der()
                .unwrap();
            let parsed = pfx::parse_pfx(&der).unwrap();
            assert_eq!(open::open(&parsed, &pw, None, "f").unwrap().is_some(), fast, "{alg:?}");
            let a = read(&der, &pw, "f").unwrap();
            let b = read::read_with_openssl(&ffi::Pkcs12::from_der(&der).unwrap(), &pw, "f").unwrap();
            assert_eq!(a.identities.len(), 1);
            assert_eq!(format!("{:?}", a.identities), format!("{:?}", b.identities));
            assert_eq!(
                a.identities[0].key.as_ref().unwrap().pkcs8_der(),
                b.identities[0].key.as_ref().unwrap().pkcs8_der()
            );
            assert_eq!(
                a.chain.iter().map(|c| &c.der).collect::<Vec<_>>(),
                b.chain.iter().map(|c| &c.der).collect::<Vec<_>>()
            );
            // A wrong password is not opened here; OpenSSL says why.
            assert!(open::open(&parsed, &Secret::new("no"), None, "f").unwrap().is_none());
        }
    }

    #[test]
    fn files_with_an_empty_password_are_read() {
        let a = make("A", None);
        for alg in [openssl::nid::Nid::AES_256_CBC, openssl::nid::Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC] {
            let der = openssl::pkcs12::Pkcs12::builder()
                .pkey(&a.1)
                .cert(&a.0)
                .key_algorithm(alg)
                .cert_algorithm(alg)
                .build2("")
                .unwrap()
                .to_der()
                .unwrap();
            let b = read(&der, &Secret::new(""), "f").unwrap();
            assert_eq!(b.identities.len(), 1, "{alg:?}");
            assert!(matches!(read(&der, &Secret::new("x"), "f"), Err(StoreError::WrongPassword { .. })));
        }
    }

    #[test]
    fn keys_that_do_not_belong_are_refused() {
        let a = make("A", None);
        let b = make("B", None);
        let (ca, kb) = (a.0.to_der().unwrap(), b.1.private_key_to_pkcs8().unwrap());
        let pw = Secret::new("pw");
        // B's key linked (localKeyID) to A's certificate.
        let e = write::Entry { label: Some("A"), cert_der: &ca, pkcs8: &kb, lkid: vec![1; 20] };
        let w = write::assemble(&[e], &[], &pw, &opts(Compat::Modern)).unwrap();
        match read(&w.bytes, &pw, "f") {
            Err(StoreError::Invalid { problem, .. }) => assert!(problem.contains("does not match"), "{problem}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn huge_and_missing_files() {
        let d = std::env::temp_dir().join(format!("certhelp-p12-unit-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let big = d.join("big.p12");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_FILE_SIZE + 1).unwrap();
        assert!(matches!(read_file(&big, &Secret::new("x")), Err(StoreError::Invalid { .. })));
        assert!(matches!(
            read_file(&d.join("none.p12"), &Secret::new("x")),
            Err(StoreError::Io { kind: std::io::ErrorKind::NotFound, .. })
        ));
        let _ = std::fs::remove_dir_all(&d);
    }
}
