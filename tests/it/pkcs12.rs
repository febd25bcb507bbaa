//! PKCS#12 and PEM files made by real tools (the openssl CLI, NSS's
//! pk12util) read by certhelp, and files certhelp writes checked by those
//! same tools as oracles. Passwords go to the oracles through files.

use std::path::{Path, PathBuf};
use std::process::Command;

use certhelp::secret::Secret;
use certhelp::store::pkcs12::{self, Compat, WriteOptions};
use certhelp::store::{ChainCert, Identity, StoreError, Trust};

use crate::fixtures::{self, now, Made, Spec};
use crate::util::TempDir;

pub const PW: &str = "correct horse";

/// A CA, a personal certificate it issued, and their files in `dir`.
pub struct Files {
    pub ca: Made,
    pub leaf: Made,
    pub dir: PathBuf,
}

impl Files {
    pub fn new(dir: &Path) -> Files {
        let t = now();
        let ca = fixtures::make(Spec {
            subject: &[("C", "US"), ("O", "ORC PKI"), ("CN", "ORC ECA 6")],
            issuer: None,
            ca: true,
            ku: &["keyCertSign", "cRLSign"],
            eku: &[],
            san_email: None,
            not_before: t - 86_400,
            not_after: t + 86_400 * 900,
            serial: 7,
        });
        let leaf = fixtures::make(Spec {
            subject: &[("C", "US"), ("O", "U.S. Government"), ("CN", "Jane Q. Doe")],
            issuer: Some(&ca),
            ca: false,
            ku: &["digitalSignature"],
            eku: &["clientAuth", "emailProtection"],
            san_email: Some("jane.doe@example.com"),
            not_before: t - 86_400,
            not_after: t + 86_400 * 300,
            serial: 8,
        });
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.join("cert.pem"), leaf.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), leaf.key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        std::fs::write(dir.join("pw"), format!("{PW}\n")).unwrap();
        Files { ca, leaf, dir: dir.to_path_buf() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn identity(&self, label: &str) -> Identity {
        self.leaf.identity(Some(label))
    }

    pub fn chain(&self) -> Vec<ChainCert> {
        vec![ChainCert { label: None, der: self.ca.cert.to_der().unwrap(), trust: Trust::NONE }]
    }

    /// `openssl pkcs12 -export` of the key, certificate and CA with `extra` options.
    pub fn openssl_export(&self, out: &str, extra: &[&str]) -> PathBuf {
        let f = self.path(out);
        let mut c = Command::new("openssl");
        c.args(["pkcs12", "-export", "-name", "Jane ID", "-passout"])
            .arg(format!("file:{}", self.path("pw").display()))
            .arg("-inkey")
            .arg(self.path("key.pem"))
            .arg("-in")
            .arg(self.path("cert.pem"))
            .arg("-certfile")
            .arg(self.path("ca.pem"))
            .arg("-out")
            .arg(&f)
            .args(extra);
        fixtures::run(&mut c);
        f
    }
}

/// `openssl pkcs12 ARGS -in F -passin file:PW` -> stdout + stderr.
pub fn oracle(f: &Path, pwfile: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(["pkcs12", "-in"])
        .arg(f)
        .arg("-passin")
        .arg(format!("file:{}", pwfile.display()))
        .args(args)
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "openssl pkcs12 {args:?}: {text}");
    text
}

/// What `openssl pkcs12 -info -noout` says about algorithms and counts.
pub fn info(f: &Path, pwfile: &Path) -> String {
    oracle(f, pwfile, &["-info", "-noout"])
}

/// The oracle's view: the key it decrypts matches the certificate, and the
/// number of certificates.
pub fn oracle_key_matches(f: &Path, pwfile: &Path) -> usize {
    let pem = oracle(f, pwfile, &["-nodes"]);
    let key = openssl::pkey::PKey::private_key_from_pem(pem.as_bytes()).unwrap();
    let leaf = oracle(f, pwfile, &["-nokeys", "-clcerts"]);
    let cert = openssl::x509::X509::from_pem(leaf.as_bytes()).unwrap();
    assert!(cert.public_key().unwrap().public_eq(&key), "key does not match certificate");
    openssl::x509::X509::stack_from_pem(oracle(f, pwfile, &["-nokeys"]).as_bytes()).unwrap().len()
}

fn secret() -> Secret {
    Secret::new(PW)
}

fn read(f: &Path) -> Result<certhelp::store::Bundle, StoreError> {
    pkcs12::read_file(f, &secret())
}

#[test]
fn reads_openssl_files_modern_and_legacy_rc2() {
    let d = TempDir::new("p12-openssl");
    let f = Files::new(d.path());
    for (name, extra) in [
        ("modern.p12", &[][..]),
        ("legacy.p12", &["-legacy"][..]),
        ("rc2.p12", &["-legacy", "-certpbe", "PBE-SHA1-RC2-40", "-keypbe", "PBE-SHA1-RC2-40"][..]),
    ] {
        let p = f.openssl_export(name, extra);
        let b = read(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(b.identities.len(), 1, "{name}");
        let id = &b.identities[0];
        assert_eq!(id.label.as_deref(), Some("Jane ID"));
        assert_eq!(id.cert_der, f.leaf.cert.to_der().unwrap());
        let key = openssl::pkey::PKey::private_key_from_pkcs8(id.key.as_ref().unwrap().pkcs8_der()).unwrap();
        assert!(key.public_eq(&f.leaf.key));
        assert_eq!(b.chain.len(), 1);
        assert_eq!(b.chain[0].der, f.ca.cert.to_der().unwrap());
    }
    // The oracle needs its legacy provider for this file, as certhelp does.
    let rc2 = oracle(&f.path("rc2.p12"), &f.path("pw"), &["-info", "-noout", "-legacy"]);
    assert!(rc2.contains("pbeWithSHA1And40BitRC2-CBC"), "{rc2}");
}

#[test]
fn reads_pk12util_files_with_indefinite_lengths() {
    let d = TempDir::new("p12-nss");
    let f = Files::new(d.path());
    let db = d.path().join("db");
    fixtures::new_db(&db, None);
    fixtures::add_p12(&db, "Jane NSS", &f.leaf, d.path(), None);
    let out = d.path().join("nss.p12");
    fixtures::run(
        Command::new("pk12util")
            .arg("-o")
            .arg(&out)
            .args(["-n", "Jane NSS", "-d"])
            .arg(format!("sql:{}", db.display()))
            .arg("-w")
            .arg(f.path("pw"))
            .args(["-K", ""]),
    );
    let b = read(&out).unwrap();
    assert_eq!(b.identities.len(), 1);
    assert_eq!(b.identities[0].label.as_deref(), Some("Jane NSS"));
    assert_eq!(b.identities[0].cert_der, f.leaf.cert.to_der().unwrap());
}

#[test]
fn bad_inputs_say_what_they_are() {
    let d = TempDir::new("p12-bad");
    let f = Files::new(d.path());
    let good = f.openssl_export("good.p12", &[]);
    let bytes = std::fs::read(&good).unwrap();
    let put = |name: &str, b: &[u8]| {
        let p = d.path().join(name);
        std::fs::write(&p, b).unwrap();
        p
    };
    assert!(matches!(pkcs12::read_file(&good, &Secret::new("wrong")), Err(StoreError::WrongPassword { .. })));
    let cases: Vec<(PathBuf, &str)> = vec![
        (put("trunc.p12", &bytes[..bytes.len() - 40]), "truncated"),
        (put("empty.p12", b""), "an empty file"),
        (put("random.p12", &(0..2000u32).map(|i| (i * 7919 % 251) as u8 | 0x80).collect::<Vec<_>>()), "random bytes"),
        (put("cert.p12", &f.leaf.pem()), "PEM certificate without its private key"),
        (put("der.p12", &f.leaf.cert.to_der().unwrap()), "DER certificate"),
        (f.path("key.pem"), "PEM private key"),
    ];
    for (p, want) in cases {
        match read(&p) {
            Err(StoreError::UnsupportedFormat { found, file }) => {
                assert!(found.contains(want), "{}: {found}", p.display());
                assert_eq!(file, p.display().to_string());
            }
            other => panic!("{}: {other:?}", p.display()),
        }
    }
    match read(&d.path().join("missing.p12")) {
        Err(StoreError::Io { path, kind: std::io::ErrorKind::NotFound, .. }) => assert!(path.ends_with("missing.p12")),
        other => panic!("{other:?}"),
    }
    let nomac = f.openssl_export("nomac.p12", &["-nomac"]);
    assert!(matches!(read(&nomac), Err(StoreError::NoMac { .. })));
    // A key without its certificate.
    let keyonly = f.openssl_export("keyonly.p12", &["-nocerts"]);
    match read(&keyonly) {
        Err(StoreError::Invalid { problem, .. }) => assert!(problem.contains("no certificate"), "{problem}"),
        other => panic!("{other:?}"),
    }
    // A huge file is refused before it is read.
    let huge = d.path().join("huge.p12");
    std::fs::File::create(&huge).unwrap().set_len(9 << 20).unwrap();
    assert!(matches!(read(&huge), Err(StoreError::Invalid { .. })));
}

#[test]
fn absurd_iteration_count_is_refused_before_deriving() {
    let d = TempDir::new("p12-iter");
    let f = Files::new(d.path());
    // -nomaciter would drop the count; the default MAC count is 2048
    // (INTEGER 02 02 08 00) at the very end of OpenSSL's DER.
    let p = f.openssl_export("iter.p12", &["-iter", "2048", "-legacy"]);
    let mut b = std::fs::read(&p).unwrap();
    fixtures::forge_mac_iterations(&mut b);
    let forged = d.path().join("forged.p12");
    std::fs::write(&forged, &b).unwrap();
    match read(&forged) {
        Err(StoreError::Invalid { problem, .. }) => assert!(problem.contains("2147483647"), "{problem}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn written_files_pass_the_openssl_and_nss_oracles() {
    let d = TempDir::new("p12-write");
    let f = Files::new(d.path());
    let id = f.identity("Jane ECA ID");
    let chain = f.chain();
    for (compat, name, want) in [
        (
            Compat::Modern,
            "modern.p12",
            &[
                "MAC: sha256, Iteration 600000",
                "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256",
                "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256",
            ][..],
        ),
        (
            Compat::Legacy,
            "legacy.p12",
            &[
                "MAC: sha1, Iteration 2048",
                "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048",
                "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048",
            ][..],
        ),
    ] {
        let opts = WriteOptions { compat, iterations: None };
        let w = pkcs12::write_keyed(&id, &chain, &secret(), &opts).unwrap();
        let p = d.path().join(name);
        certhelp::fsutil::write_new_file(&p, &w.bytes, false).unwrap();
        let again = std::fs::read(&p).unwrap();
        pkcs12::verify_written(&again, &secret(), &id, &chain, &w).unwrap();
        let text = info(&p, &f.path("pw"));
        for line in want {
            assert!(text.contains(line), "{name}: missing {line:?} in\n{text}");
        }
        assert_eq!(oracle_key_matches(&p, &f.path("pw")), 2, "{name}: leaf + CA");
        let names = oracle(&p, &f.path("pw"), &["-nokeys", "-clcerts"]);
        assert!(names.contains("friendlyName: Jane ECA ID"), "{names}");
        assert!(names.contains("localKeyID:"), "{names}");
        // NSS imports it, and lists the key.
        let db = d.path().join(format!("db-{name}"));
        fixtures::new_db(&db, None);
        fixtures::run(
            Command::new("pk12util")
                .arg("-i")
                .arg(&p)
                .arg("-d")
                .arg(format!("sql:{}", db.display()))
                .arg("-w")
                .arg(f.path("pw"))
                .args(["-K", ""]),
        );
        let keys = Command::new("certutil").args(["-K", "-d"]).arg(format!("sql:{}", db.display())).output().unwrap();
        assert!(String::from_utf8_lossy(&keys.stdout).contains("Jane ECA ID"), "{name}");
    }
}

#[test]
fn a_backup_all_file_with_several_keys_reads_whole() {
    // Several identities in one file, as Firefox's "Backup All" makes:
    // openssl's PKCS12_parse would keep one key.
    let d = TempDir::new("p12-multi");
    let f = Files::new(d.path());
    let other = Files::new(&d.path().join("x").tap_mkdir());
    let ids = vec![f.identity("Jane ID"), other.identity("Jane Enc")];
    let w = pkcs12::write_all(
        &ids,
        &f.chain(),
        &secret(),
        &WriteOptions { compat: Compat::Modern, iterations: Some(2048) },
    )
    .unwrap();
    let p = d.path().join("all.p12");
    std::fs::write(&p, &w.bytes).unwrap();
    let b = read(&p).unwrap();
    assert_eq!(b.identities.len(), 2);
    assert_eq!(b.identities[1].label.as_deref(), Some("Jane Enc"));
    // The oracle sees two keys and three certificates.
    let keys = oracle(&p, &f.path("pw"), &["-nocerts", "-nodes"]);
    assert_eq!(keys.matches("BEGIN PRIVATE KEY").count(), 2);
    let certs = oracle(&p, &f.path("pw"), &["-nokeys"]);
    assert_eq!(certs.matches("BEGIN CERTIFICATE").count(), 3);
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}

/// The speed bench (not a timed test): `benches/pkcs12.sh`, or
/// `cargo test --test it bench_pkcs12 -- --ignored --nocapture`. Prints
/// medians and ratios against `pk12util -o` on the same key and
/// certificate at equal parameters (600,000 iterations, AES-256, SHA-256
/// MAC), all in this one run.
#[test]
#[ignore]
fn bench_pkcs12_export_against_pk12util() {
    use std::time::{Duration, Instant};
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    let d = TempDir::new("p12-bench");
    let f = Files::new(d.path());
    let db = d.path().join("db");
    fixtures::new_db(&db, None);
    fixtures::add_p12(&db, "Jane", &f.leaf, d.path(), None);
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let time = |label: &str, body: &mut dyn FnMut(usize)| {
        body(usize::MAX); // warm-up
        let v: Vec<Duration> = (0..runs)
            .map(|i| {
                let t = Instant::now();
                body(i);
                t.elapsed()
            })
            .collect();
        let m = median(v);
        println!("{label:<58} {:>8.1} ms", m.as_secs_f64() * 1e3);
        m
    };
    let out = |i: usize, tag: &str| d.path().join(format!("{tag}-{i}.p12"));
    let pk12util = time("pk12util -o (process, NSS DB open, 3 x PBKDF2 600k)", &mut |i| {
        let p = out(i, "nss");
        let _ = std::fs::remove_file(&p);
        fixtures::run(
            Command::new("pk12util")
                .arg("-o")
                .arg(&p)
                .args(["-n", "Jane", "-d"])
                .arg(format!("sql:{}", db.display()))
                .arg("-w")
                .arg(f.path("pw"))
                .args(["-K", ""]),
        );
    });
    let nss_info = info(&out(0, "nss"), &f.path("pw"));
    assert!(nss_info.contains("Iteration 600000"), "pk12util's parameters changed: {nss_info}");

    let id = f.identity("Jane");
    let chain = f.chain();
    let opts = WriteOptions { compat: Compat::Modern, iterations: None };
    let write_only = time("certhelp write (3 derivations in parallel)", &mut |i| {
        let w = pkcs12::write(&id, &chain, &secret(), &opts).unwrap();
        let p = out(i, "w");
        certhelp::fsutil::write_new_file(&p, &w, true).unwrap();
    });
    let verified = time("certhelp write + re-read from disk + verify (keys reused)", &mut |i| {
        let w = pkcs12::write_keyed(&id, &chain, &secret(), &opts).unwrap();
        let p = out(i, "v");
        certhelp::fsutil::write_new_file(&p, &w.bytes, true).unwrap();
        let back = pkcs12::read_bounded(&p).unwrap();
        pkcs12::verify_written(&back, &secret(), &id, &chain, &w).unwrap();
    });
    let fresh = time("certhelp write + verify with fresh derivations", &mut |i| {
        let w = pkcs12::write(&id, &chain, &secret(), &opts).unwrap();
        let p = out(i, "f");
        certhelp::fsutil::write_new_file(&p, &w, true).unwrap();
        let back = pkcs12::read_bounded(&p).unwrap();
        pkcs12::verify(&back, &secret(), &id, &chain).unwrap();
    });
    let naive = time("baseline: OpenSSL PKCS12_create + full OpenSSL re-read", &mut |i| {
        let b = openssl::pkcs12::Pkcs12::builder()
            .name("Jane")
            .pkey(&f.leaf.key)
            .cert(&f.leaf.cert)
            .key_algorithm(openssl::nid::Nid::AES_256_CBC)
            .cert_algorithm(openssl::nid::Nid::AES_256_CBC)
            .mac_md(openssl::hash::MessageDigest::sha256())
            .key_iter(600_000)
            .mac_iter(600_000)
            .build2(PW)
            .unwrap();
        let p = out(i, "o");
        certhelp::fsutil::write_new_file(&p, &b.to_der().unwrap(), true).unwrap();
        pkcs12::read_file(&p, &secret()).unwrap();
    });
    // The import side: pk12util -i into a fresh database (made beforehand)
    // against certhelp's read of the same file (the NSS write is not ours).
    let nss_file = out(0, "nss");
    let dbs: Vec<PathBuf> = (0..=runs)
        .map(|i| {
            let p = d.path().join(format!("import-{i}"));
            fixtures::new_db(&p, None);
            p
        })
        .collect();
    let import = time("pk12util -i (process, NSS DB open, 3 x KDF, NSS write)", &mut |i| {
        let db = &dbs[if i == usize::MAX { runs } else { i }];
        fixtures::run(
            Command::new("pk12util")
                .arg("-i")
                .arg(&nss_file)
                .arg("-d")
                .arg(format!("sql:{}", db.display()))
                .arg("-w")
                .arg(f.path("pw"))
                .args(["-K", ""]),
        );
    });
    let read_fast = time("certhelp read of pk12util's file (derivations in parallel)", &mut |_| {
        assert_eq!(pkcs12::read_file(&nss_file, &secret()).unwrap().identities.len(), 1);
    });
    println!("import side: certhelp read / pk12util -i = {:.2}", read_fast.as_secs_f64() / import.as_secs_f64());
    let r = |x: Duration| x.as_secs_f64() / pk12util.as_secs_f64();
    println!(
        "ratios to pk12util -o: write {:.2}, write+verify {:.2}, verify with fresh keys {:.2}, OpenSSL baseline {:.2}",
        r(write_only),
        r(verified),
        r(fresh),
        r(naive)
    );
}
