//! `chain install` and its sources, on real parts: certificates made with
//! the openssl crate (EC keys, for speed), PKCS#7 bundles made by the
//! `openssl crl2pkcs7` CLI, an HTTP server on 127.0.0.1 started by each
//! test, and NSS databases made and read back by certutil.
//! The store-writing tests (`needs_store_*`) go through the real write path
//! (lock, backup, journal, verify) and check the trust with `certutil -L`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use certhelp::chain::aia::{self, AiaError, End};
use certhelp::chain::http::{self, FetchError};
use certhelp::chain::source::{self, FileContent};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509Extension, X509Name, X509};

use crate::util::{certhelp, run, stderr, stdout, TempDir};

// ---------------------------------------------------------------- parts --

fn new_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

struct Cert {
    x: X509,
    key: PKey<Private>,
}

impl Cert {
    fn der(&self) -> Vec<u8> {
        self.x.to_der().unwrap()
    }
    fn pem(&self) -> Vec<u8> {
        self.x.to_pem().unwrap()
    }
    fn sha256(&self) -> String {
        certhelp::cert::hex(&self.x.digest(MessageDigest::sha256()).unwrap())
    }
}

struct Spec<'a> {
    cn: &'a str,
    /// None: self-signed.
    issuer: Option<&'a Cert>,
    /// Reuse a key (cross-certificates share subject and key).
    key: Option<&'a PKey<Private>>,
    ca: bool,
    /// caIssuers URLs.
    aia: &'a [&'a str],
    serial: u32,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Spec { cn: "x", issuer: None, key: None, ca: true, aia: &[], serial: 1 }
    }
}

fn make(s: Spec) -> Cert {
    let key = s.key.cloned().unwrap_or_else(new_key);
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_text("O", "certhelp test PKI").unwrap();
    name.append_entry_by_text("CN", s.cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(s.serial).unwrap()).unwrap()).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(s.issuer.map(|i| i.x.subject_name()).unwrap_or(&name)).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::days_from_now(3650).unwrap()).unwrap();
    if s.ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap()).unwrap();
        b.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build().unwrap()).unwrap();
    } else {
        b.append_extension(KeyUsage::new().critical().digital_signature().build().unwrap()).unwrap();
    }
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None)).unwrap();
    b.append_extension(ski).unwrap();
    if !s.aia.is_empty() {
        let value = s.aia.iter().map(|u| format!("caIssuers;URI:{u}")).collect::<Vec<_>>().join(",");
        #[allow(deprecated)] // the typed builder has no AIA; this is the documented way
        let ext = X509Extension::new_nid(None, None, Nid::INFO_ACCESS, &value).unwrap();
        b.append_extension(ext).unwrap();
    }
    b.sign(s.issuer.map(|i| &i.key).unwrap_or(&key), MessageDigest::sha256()).unwrap();
    Cert { x: b.build(), key }
}

/// A PKCS#7 certificate bundle made by the openssl CLI (the independent
/// producer), DER or PEM.
fn p7(dir: &Path, certs: &[&Cert], der: bool) -> Vec<u8> {
    let input = dir.join("p7-input.pem");
    std::fs::write(&input, certs.iter().flat_map(|c| c.pem()).collect::<Vec<u8>>()).unwrap();
    let out = dir.join("out.p7");
    let mut c = Command::new("openssl");
    c.args(["crl2pkcs7", "-nocrl", "-certfile"]).arg(&input).arg("-out").arg(&out);
    if der {
        c.args(["-outform", "DER"]);
    }
    assert!(c.status().unwrap().success());
    std::fs::read(out).unwrap()
}

// -------------------------------------------------------- a tiny server --

#[derive(Clone)]
enum Route {
    Body(Vec<u8>),
    Chunked(Vec<u8>),
    Status(u16),
    Redirect(String),
    /// Bytes that are not an HTTP answer at all.
    Raw(Vec<u8>),
}

struct Server {
    port: u16,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    /// Request paths, in order.
    hits: Arc<Mutex<Vec<String>>>,
    /// Host headers seen.
    hosts: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<Mutex<HashMap<String, Route>>> = Arc::default();
        let hits: Arc<Mutex<Vec<String>>> = Arc::default();
        let hosts: Arc<Mutex<Vec<String>>> = Arc::default();
        let (r, h, hs) = (routes.clone(), hits.clone(), hosts.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    if let Some(v) = header.strip_prefix("Host: ") {
                        hs.lock().unwrap().push(v.trim().to_string());
                    }
                }
                h.lock().unwrap().push(path.clone());
                let route = r.lock().unwrap().get(&path).cloned().unwrap_or(Route::Status(404));
                let answer = match route {
                    Route::Body(b) => {
                        [format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", b.len()).into_bytes(), b].concat()
                    }
                    Route::Chunked(b) => {
                        let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                        for chunk in b.chunks(100) {
                            out.extend(format!("{:x}\r\n", chunk.len()).into_bytes());
                            out.extend(chunk);
                            out.extend(b"\r\n");
                        }
                        out.extend(b"0\r\n\r\n");
                        out
                    }
                    Route::Status(code) => format!("HTTP/1.1 {code} Nope\r\nContent-Length: 0\r\n\r\n").into_bytes(),
                    Route::Redirect(to) => {
                        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n").into_bytes()
                    }
                    Route::Raw(b) => b,
                };
                let _ = stream.write_all(&answer);
            }
        });
        Server { port, routes, hits, hosts }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn route(&self, path: &str, r: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), r);
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }
}

/// A chain served over HTTP: root <- inter <- leaf, each with a caIssuers
/// link to its issuer (the root as DER at /root.cer, the intermediate as a
/// PEM at /inter.crt).
struct Served {
    server: Server,
    root: Cert,
    inter: Cert,
    leaf: Cert,
}

fn served_chain() -> Served {
    let server = Server::start();
    let root = make(Spec { cn: "Test Root CA", serial: 1, ..Default::default() });
    let root_url = server.url("/root.cer");
    let inter =
        make(Spec { cn: "Test Issuing CA", issuer: Some(&root), aia: &[&root_url], serial: 2, ..Default::default() });
    let inter_url = server.url("/inter.crt");
    let leaf = make(Spec {
        cn: "Jane Doe",
        issuer: Some(&inter),
        ca: false,
        aia: &[&inter_url],
        serial: 3,
        ..Default::default()
    });
    server.route("/root.cer", Route::Body(root.der()));
    server.route("/inter.crt", Route::Body(inter.pem()));
    Served { server, root, inter, leaf }
}

fn walk(start: &Cert) -> Result<aia::Walk, AiaError> {
    aia::walk(&start.der(), &mut http::get, aia::MAX_HOPS)
}

fn ders(w: &aia::Walk) -> Vec<Vec<u8>> {
    w.issuers.iter().map(|f| f.der.clone()).collect()
}

// ------------------------------------------------------------- sources --

#[test]
fn bundles_in_every_format_give_the_same_cas_issuer_first() {
    let t = TempDir::new("chain-src");
    let root = make(Spec { cn: "Root", ..Default::default() });
    let inter = make(Spec { cn: "Inter", issuer: Some(&root), serial: 2, ..Default::default() });
    let sub = make(Spec { cn: "Sub", issuer: Some(&inter), serial: 3, ..Default::default() });
    let leaf = make(Spec { cn: "Leaf", issuer: Some(&sub), ca: false, serial: 4, ..Default::default() });
    let expect = vec![sub.der(), inter.der(), root.der()];
    // Shuffled, with the leaf and a duplicate in it.
    let shuffled = [&root, &leaf, &sub, &inter, &root];
    let pem: Vec<u8> = shuffled.iter().flat_map(|c| c.pem()).collect();
    for (what, bytes) in [
        ("PEM bundle", pem),
        ("PKCS#7 DER", p7(t.path(), &shuffled, true)),
        ("PKCS#7 PEM", p7(t.path(), &shuffled, false)),
    ] {
        let certs = source::certs_from_bytes(&bytes, what).unwrap();
        let sel = source::select_cas(certs);
        let got: Vec<Vec<u8>> = sel.cas.iter().map(|c| c.der.clone()).collect();
        assert_eq!(got, expect, "{what}");
        assert_eq!(sel.skipped, vec!["Leaf"], "{what}");
        assert!(sel.cas.last().unwrap().root && !sel.cas[0].root);
    }
    assert_eq!(source::certs_from_bytes(&root.der(), "one.cer").unwrap(), vec![root.der()]);
}

#[test]
fn a_pkcs12_is_recognised_not_opened() {
    let root = make(Spec { cn: "Root", ..Default::default() });
    let leaf = make(Spec { cn: "Leaf", issuer: Some(&root), ca: false, serial: 2, ..Default::default() });
    let p12 = Pkcs12::builder().pkey(&leaf.key).cert(&leaf.x).build2("pw").unwrap().to_der().unwrap();
    assert!(matches!(source::classify(&p12, "id.p12").unwrap(), FileContent::Pkcs12));
    let e = source::certs_from_bytes(&p12, "id.p12").unwrap_err().to_string();
    assert!(e.contains("password"), "{e}");
}

// ----------------------------------------------------------------- AIA --

#[test]
fn walks_caissuers_over_http_to_the_root() {
    let s = served_chain();
    let w = walk(&s.leaf).unwrap();
    assert_eq!(w.end, End::Root);
    assert_eq!(ders(&w), vec![s.inter.der(), s.root.der()]);
    assert_eq!(s.server.hits(), vec!["/inter.crt", "/root.cer"]);
    assert_eq!(s.server.hosts.lock().unwrap()[0], format!("127.0.0.1:{}", s.server.port));
}

#[test]
fn redirects_and_chunked_answers_are_followed() {
    let s = served_chain();
    s.server.route("/inter.crt", Route::Redirect("/moved/inter.crt".into()));
    s.server.route("/moved/inter.crt", Route::Chunked(s.inter.pem()));
    let w = walk(&s.leaf).unwrap();
    assert_eq!(ders(&w), vec![s.inter.der(), s.root.der()]);
    assert_eq!(s.server.hits(), vec!["/inter.crt", "/moved/inter.crt", "/root.cer"]);
}

#[test]
fn a_p7c_with_cross_certificates_yields_the_issuer_that_verifies() {
    let t = TempDir::new("chain-p7c");
    let server = Server::start();
    let other_root = make(Spec { cn: "Bridge Root", serial: 9, ..Default::default() });
    let root = make(Spec { cn: "Test Root CA", serial: 1, ..Default::default() });
    // Same subject and key as the root, signed by the bridge.
    let cross = make(Spec {
        cn: "Test Root CA",
        issuer: Some(&other_root),
        key: Some(&root.key),
        serial: 7,
        ..Default::default()
    });
    // Same subject, another key: must not be taken.
    let impostor = make(Spec { cn: "Test Root CA", serial: 8, ..Default::default() });
    let url = server.url("/issuedto/ROOT_IT.p7c");
    let inter =
        make(Spec { cn: "Test Issuing CA", issuer: Some(&root), aia: &[&url], serial: 2, ..Default::default() });
    server.route("/issuedto/ROOT_IT.p7c", Route::Body(p7(t.path(), &[&impostor, &cross, &other_root, &root], true)));
    let w = walk(&inter).unwrap();
    assert_eq!(w.end, End::Root);
    assert_eq!(ders(&w), vec![root.der()], "the self-signed root wins over the cross-certificate");
    assert!(
        w.notes.iter().any(|n| n.contains("skipped cross-certificate") && n.contains("Bridge Root")),
        "{:?}",
        w.notes
    );

    // Without the self-signed one, the cross-certificate is the issuer.
    server.route("/issuedto/ROOT_IT.p7c", Route::Body(p7(t.path(), &[&impostor, &cross], true)));
    let w = walk(&inter).unwrap();
    assert_eq!(ders(&w), vec![cross.der()]);
    assert!(matches!(w.end, End::NoLink(ref n) if n.contains("Test Root CA")), "{:?}", w.end);

    // Only the impostor: an error that names the URL.
    server.route("/issuedto/ROOT_IT.p7c", Route::Body(p7(t.path(), &[&impostor], false)));
    assert!(matches!(walk(&inter), Err(AiaError::NoIssuer { url: u, .. }) if u == url));
}

#[test]
fn an_aia_loop_stops() {
    let server = Server::start();
    let (a_url, b_url) = (server.url("/a.cer"), server.url("/b.cer"));
    let (ka, kb) = (new_key(), new_key());
    // Two CAs that certify each other, each pointing at the other.
    let b_self = make(Spec { cn: "CA B", key: Some(&kb), serial: 1, ..Default::default() });
    let a = make(Spec {
        cn: "CA A",
        key: Some(&ka),
        issuer: Some(&b_self),
        aia: &[&b_url],
        serial: 2,
        ..Default::default()
    });
    let b =
        make(Spec { cn: "CA B", key: Some(&kb), issuer: Some(&a), aia: &[&a_url], serial: 3, ..Default::default() });
    let leaf = make(Spec { cn: "Leaf", issuer: Some(&a), ca: false, aia: &[&a_url], serial: 4, ..Default::default() });
    server.route("/a.cer", Route::Body(a.der()));
    server.route("/b.cer", Route::Body(b.der()));
    let w = walk(&leaf).unwrap();
    assert_eq!(ders(&w), vec![a.der(), b.der()]);
    assert!(matches!(w.end, End::Loop(ref u) if *u == a_url), "{:?}", w.end);
    assert_eq!(server.hits(), vec!["/a.cer", "/b.cer"], "no URL is fetched twice");
}

#[test]
fn the_walk_is_bounded() {
    let server = Server::start();
    let mut certs = vec![make(Spec { cn: "CA 0", serial: 100, ..Default::default() })];
    for i in 1..6 {
        let url = server.url(&format!("/ca{}.cer", i - 1));
        let c = make(Spec {
            cn: &format!("CA {i}"),
            issuer: Some(&certs[i - 1]),
            aia: &[&url],
            serial: 100 + i as u32,
            ..Default::default()
        });
        server.route(&format!("/ca{}.cer", i - 1), Route::Body(certs[i - 1].der()));
        certs.push(c);
    }
    let w = aia::walk(&certs[5].der(), &mut http::get, 3).unwrap();
    assert_eq!(w.issuers.len(), 3);
    assert_eq!(w.end, End::TooDeep);
    let w = aia::walk(&certs[5].der(), &mut http::get, 8).unwrap();
    assert_eq!((w.issuers.len(), w.end), (5, End::Root));
}

#[test]
fn broken_servers_are_errors_that_name_the_url() {
    let s = served_chain();
    let inter_url = s.server.url("/inter.crt");
    s.server.route("/inter.crt", Route::Status(404));
    assert_eq!(
        walk(&s.leaf).unwrap_err(),
        AiaError::Fetch { url: inter_url.clone(), error: FetchError::Status(404, "Nope".into()) }
    );
    s.server.route("/inter.crt", Route::Body(b"<html>not a certificate</html>".to_vec()));
    assert!(matches!(walk(&s.leaf), Err(AiaError::NotCertificates { ref url, .. }) if *url == inter_url));
    s.server.route("/inter.crt", Route::Raw(vec![0x16, 0x03, 0x01, 0x02, 0x00, 0xde, 0xad, 0xbe, 0xef]));
    assert!(matches!(walk(&s.leaf), Err(AiaError::Fetch { error: FetchError::Malformed(_), .. })));
    s.server.route("/inter.crt", Route::Redirect("https://127.0.0.1/x".into()));
    assert!(matches!(walk(&s.leaf), Err(AiaError::Fetch { error: FetchError::Scheme(_), .. })));
    // Nothing listening: a refused connection, not a hang.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = http::get(&format!("http://127.0.0.1:{closed}/x")).unwrap_err();
    assert!(matches!(e, FetchError::Connect(_)), "{e:?}");
}

#[test]
fn a_certificate_without_http_links_is_an_error() {
    let root = make(Spec { cn: "Root", ..Default::default() });
    let leaf = make(Spec {
        cn: "Leaf",
        issuer: Some(&root),
        ca: false,
        aia: &["ldap://dir.example/cn=Root"],
        serial: 2,
        ..Default::default()
    });
    match walk(&leaf) {
        Err(AiaError::NoLinks { other, .. }) => assert_eq!(other, vec!["ldap://dir.example/cn=Root"]),
        other => panic!("{other:?}"),
    }
    let bare = make(Spec { cn: "Bare", issuer: Some(&root), ca: false, serial: 3, ..Default::default() });
    assert!(matches!(walk(&bare), Err(AiaError::NoLinks { .. })));
    // A root needs no links: nothing to fetch.
    assert!(walk(&root).unwrap().issuers.is_empty());
}

// ------------------------------------------------------ the verb: input --

fn new_db(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let ok = Command::new("certutil")
        .args(["-N", "-d"])
        .arg(format!("sql:{}", dir.display()))
        .arg("--empty-password")
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Every file of a directory, for "nothing changed" checks.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

fn fails(cmd: &mut Command, needle: &str) -> String {
    let o = run(cmd);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "stdout: {} stderr: {err}", stdout(&o));
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() == 2 && lines[0].starts_with("error: ") && lines[1].starts_with("hint: "), "{err}");
    assert!(err.contains(needle), "expected {needle:?} in {err}");
    err
}

#[test]
fn bad_input_changes_nothing() {
    let t = TempDir::new("chain-bad");
    let db = t.path().join("db");
    new_db(&db);
    let before = snapshot(&db);
    let to = format!("nss:{}", db.display());
    let root = make(Spec { cn: "Root", ..Default::default() });
    let leaf = make(Spec { cn: "Leaf", issuer: Some(&root), ca: false, serial: 2, ..Default::default() });
    let leaf_only = t.path().join("leaf.pem");
    std::fs::write(&leaf_only, leaf.pem()).unwrap();
    let garbage = t.path().join("garbage.p7b");
    std::fs::write(&garbage, [0x30, 0x80, 0x01, 0x02, 0x03]).unwrap();
    let p12 = t.path().join("id.p12");
    let mut stack = openssl::stack::Stack::new().unwrap();
    stack.push(root.x.clone()).unwrap();
    let built = Pkcs12::builder().pkey(&leaf.key).cert(&leaf.x).ca(stack).build2("right").unwrap();
    std::fs::write(&p12, built.to_der().unwrap()).unwrap();
    let wrong = t.path().join("wrong-pw");
    std::fs::write(&wrong, "wrong\n").unwrap();
    let home = t.path();
    let chain = |args: &[&str]| {
        let mut c = certhelp(home);
        c.args(["chain", "install"]).args(args);
        c
    };

    fails(&mut chain(&["--to", &to]), "--from-file");
    fails(&mut chain(&["--to", "nss:", "--from-file", leaf_only.to_str().unwrap()]), "nss:DIR");
    let missing = t.path().join("no-such-db");
    fails(
        &mut chain(&["--to", &format!("nss:{}", missing.display()), "--from-file", leaf_only.to_str().unwrap()]),
        "cert9.db",
    );
    assert!(!missing.exists(), "a typo must not create a database");
    fails(
        &mut chain(&["--to", &format!("file:{}", p12.display()), "--from-file", leaf_only.to_str().unwrap()]),
        "is a file, not a store",
    );
    fails(&mut chain(&["--to", &to, "--from-file", leaf_only.to_str().unwrap()]), "no CA certificates");
    fails(&mut chain(&["--to", &to, "--from-file", garbage.to_str().unwrap()]), "unrecognised binary data");
    fails(&mut chain(&["--to", &to, "--from-file", t.path().join("absent.pem").to_str().unwrap()]), "absent.pem");
    fails(&mut chain(&["--to", &to, "--from-file", p12.to_str().unwrap()]), "--password-file");
    fails(
        &mut chain(&["--to", &to, "--from-file", p12.to_str().unwrap(), "--password-file", wrong.to_str().unwrap()]),
        "wrong password",
    );
    fails(&mut chain(&["--to", &to, "--from-cert", leaf_only.to_str().unwrap()]), "no issuer link");
    fails(&mut chain(&["--to", &to, "--from-cert", p12.to_str().unwrap()]), "use --from-file");
    fails(
        &mut chain(&["--to", &to, "--from-cert", leaf_only.to_str().unwrap(), "--trust-root", "sha256:abcd"]),
        "64 hex",
    );

    // A fetched chain with the wrong --trust-root: refused before writing.
    let s = served_chain();
    let leaf_file = t.path().join("served-leaf.pem");
    std::fs::write(&leaf_file, s.leaf.pem()).unwrap();
    let wrong_fp = format!("sha256:{}", "ab".repeat(32));
    let err = fails(
        &mut chain(&["--to", &to, "--from-cert", leaf_file.to_str().unwrap(), "--trust-root", &wrong_fp]),
        "is not the chain's root",
    );
    assert!(err.contains(&s.root.sha256()), "the error shows the real fingerprint: {err}");
    // The intermediate's fingerprint is not a root's either.
    fails(
        &mut chain(&[
            "--to",
            &to,
            "--from-cert",
            leaf_file.to_str().unwrap(),
            "--trust-root",
            &format!("sha256:{}", s.inter.sha256()),
        ]),
        "is not the chain's root",
    );
    // A 404 half-way: nothing installed.
    s.server.route("/root.cer", Route::Status(404));
    fails(&mut chain(&["--to", &to, "--from-cert", leaf_file.to_str().unwrap()]), "404");

    assert!(snapshot(&db) == before, "the database files are byte-for-byte unchanged");
}

// ------------------------------------------------- the verb: real writes --

/// `certutil -L`: nickname -> trust flags ("CT,C,", ",,", ...).
fn nss_trust(db: &Path) -> HashMap<String, String> {
    let o = Command::new("certutil").args(["-L", "-d"]).arg(format!("sql:{}", db.display())).output().unwrap();
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let l = l.trim_end();
            let (name, flags) = l.rsplit_once(char::is_whitespace)?;
            let name = name.trim();
            // The header's second line ("SSL,S/MIME,JAR/XPI") has no name.
            (flags.contains(',') && !name.is_empty()).then(|| (name.to_string(), flags.to_string()))
        })
        .collect()
}

/// Trusted as a root for websites and e-mail: a CA flag (C) in the SSL
/// and S/MIME columns.
fn is_trusted_root(flags: &str) -> bool {
    let cols: Vec<&str> = flags.split(',').collect();
    cols.len() == 3 && cols[0].contains('C') && cols[1].contains('C')
}

fn no_trust(flags: &str) -> bool {
    !flags.contains('C') && !flags.contains('T')
}

fn overlay_pinning(dir: &Path, sha256: &str) {
    let shipped = std::fs::read_to_string(certhelp_repo_kb("SO10186.md")).unwrap();
    let start = shipped.find("pinned_roots:").unwrap();
    let end = start + shipped[start..].find('\n').unwrap();
    let text = format!("{}pinned_roots: [{sha256}]{}", &shipped[..start], &shipped[end..]);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("SO10186.md"), text).unwrap();
}

fn certhelp_repo_kb(file: &str) -> PathBuf {
    crate::util::repo().join("kb").join(file)
}

#[test]
fn needs_store_a_file_chain_installs_with_root_trust_once() {
    let t = TempDir::new("chain-file");
    let db = t.path().join("db");
    new_db(&db);
    let to = format!("nss:{}", db.display());
    let root = make(Spec { cn: "Test Root CA", ..Default::default() });
    let inter = make(Spec { cn: "Test Issuing CA", issuer: Some(&root), serial: 2, ..Default::default() });
    let leaf = make(Spec { cn: "Jane Doe", issuer: Some(&inter), ca: false, serial: 3, ..Default::default() });
    let bundle = t.path().join("chain.p7b");
    std::fs::write(&bundle, p7(t.path(), &[&root, &leaf, &inter], true)).unwrap();
    let o = run(certhelp(t.path()).args(["chain", "install", "--to", &to, "--from-file"]).arg(&bundle));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("Jane Doe"), "the skipped end-entity is reported: {}", stderr(&o));
    let flags = nss_trust(&db);
    assert!(is_trusted_root(&flags["Test Root CA"]), "{flags:?}");
    assert!(no_trust(&flags["Test Issuing CA"]), "{flags:?}");
    assert!(!flags.contains_key("Jane Doe"), "{flags:?}");
    // Again: already there, still one copy each.
    let o = run(certhelp(t.path()).args(["chain", "install", "--to", &to, "--from-file"]).arg(&bundle));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("already there"), "{}", stdout(&o));
    assert_eq!(nss_trust(&db).len(), 2);
}

#[test]
fn a_root_the_user_distrusted_is_left_alone() {
    // Expected: the user marked the root "p,p,p" (not trusted) in the
    // database; installing a chain that contains it adds the intermediate
    // and leaves that decision as it is.
    let t = TempDir::new("chain-distrust");
    let db = t.path().join("db");
    new_db(&db);
    let to = format!("nss:{}", db.display());
    let root = make(Spec { cn: "Distrusted Root", ..Default::default() });
    let inter = make(Spec { cn: "Some Issuing CA", issuer: Some(&root), serial: 2, ..Default::default() });
    let pem = t.path().join("root.pem");
    std::fs::write(&pem, root.x.to_pem().unwrap()).unwrap();
    let o = std::process::Command::new("certutil")
        .args(["-A", "-n", "Distrusted Root", "-t", "p,p,p", "-d"])
        .arg(format!("sql:{}", db.display()))
        .arg("-i")
        .arg(&pem)
        .output()
        .unwrap();
    assert!(o.status.success());
    let bundle = t.path().join("chain.pem");
    let mut both = root.x.to_pem().unwrap();
    both.extend(inter.x.to_pem().unwrap());
    std::fs::write(&bundle, both).unwrap();
    let o = run(certhelp(t.path()).args(["chain", "install", "--to", &to, "--from-file"]).arg(&bundle));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let flags = nss_trust(&db);
    assert_eq!(flags["Distrusted Root"], "p,p,p", "{flags:?}");
    assert!(flags.contains_key("Some Issuing CA"), "{flags:?}");
}

#[test]
fn needs_store_a_pkcs12_chain_installs_with_its_password() {
    let t = TempDir::new("chain-p12");
    let db = t.path().join("db");
    new_db(&db);
    let root = make(Spec { cn: "P12 Root", ..Default::default() });
    let inter = make(Spec { cn: "P12 Issuing CA", issuer: Some(&root), serial: 2, ..Default::default() });
    let leaf = make(Spec { cn: "Jane Doe", issuer: Some(&inter), ca: false, serial: 3, ..Default::default() });
    let mut stack = openssl::stack::Stack::new().unwrap();
    stack.push(root.x.clone()).unwrap();
    stack.push(inter.x.clone()).unwrap();
    let p12 = Pkcs12::builder().pkey(&leaf.key).cert(&leaf.x).ca(stack).build2("secret").unwrap();
    let file = t.path().join("id.p12");
    std::fs::write(&file, p12.to_der().unwrap()).unwrap();
    let o = run(certhelp(t.path())
        .args([
            "chain",
            "install",
            "--to",
            &format!("nss:{}", db.display()),
            "--password-env",
            "CHAIN_TEST_PW",
            "--from-file",
        ])
        .arg(&file)
        .env("CHAIN_TEST_PW", "secret"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let flags = nss_trust(&db);
    assert!(is_trusted_root(&flags["P12 Root"]), "{flags:?}");
    assert!(no_trust(&flags["P12 Issuing CA"]), "{flags:?}");
    assert!(!flags.contains_key("Jane Doe"), "chain install adds no personal certificate: {flags:?}");
}

#[test]
fn needs_store_a_fetched_root_is_trusted_only_when_pinned_or_confirmed() {
    let t = TempDir::new("chain-aia");
    let s = served_chain();
    let leaf_file = t.path().join("jane.cer");
    std::fs::write(&leaf_file, s.leaf.der()).unwrap();
    let install = |db: &Path, extra: &[&str], kb: Option<&Path>| {
        let mut c = certhelp(t.path());
        c.args(["chain", "install", "--to", &format!("nss:{}", db.display()), "--from-cert"])
            .arg(&leaf_file)
            .args(extra);
        if let Some(k) = kb {
            c.env("CERTHELP_KB", k);
        }
        run(&mut c)
    };

    // Not pinned, not confirmed: installed without trust, and told how.
    let db = t.path().join("plain");
    new_db(&db);
    let o = install(&db, &[], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let flags = nss_trust(&db);
    assert!(no_trust(&flags["Test Root CA"]) && no_trust(&flags["Test Issuing CA"]), "{flags:?}");
    assert!(stderr(&o).contains(&format!("--trust-root sha256:{}", s.root.sha256())), "{}", stderr(&o));

    // Confirmed on the command line.
    let db = t.path().join("confirmed");
    new_db(&db);
    let o = install(&db, &["--trust-root", &format!("sha256:{}", s.root.sha256().to_uppercase())], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let flags = nss_trust(&db);
    assert!(is_trusted_root(&flags["Test Root CA"]) && no_trust(&flags["Test Issuing CA"]), "{flags:?}");

    // Pinned by a chain article (an organisation's override of SO10186).
    let db = t.path().join("pinned");
    new_db(&db);
    let kb = t.path().join("org-kb");
    overlay_pinning(&kb, &s.root.sha256());
    let o = install(&db, &[], Some(&kb));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("SO10186"), "{}", stdout(&o));
    assert!(is_trusted_root(&nss_trust(&db)["Test Root CA"]));

    // The user's own trust decision comes later: the same command with
    // --trust-root on the store that has the root untrusted raises it.
    let db = t.path().join("plain");
    let o = install(&db, &["--trust-root", &format!("sha256:{}", s.root.sha256())], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(is_trusted_root(&nss_trust(&db)["Test Root CA"]), "trust is raised on a root already present");
    assert!(stdout(&o).contains("already there, now trusted for websites and e-mail: Test Root CA"), "{}", stdout(&o));
    assert!(stdout(&o).contains("already there (left as they were): Test Issuing CA"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("added:"), "nothing new was added: {}", stdout(&o));
    assert_eq!(nss_trust(&db).len(), 2, "still one copy each");
    // And an install without --trust-root leaves the raised trust alone.
    let o = install(&db, &[], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(is_trusted_root(&nss_trust(&db)["Test Root CA"]), "trust is never lowered");
    // ...and says so, instead of telling how to trust it again.
    assert!(stdout(&o).contains("trusted in this store already"), "{}", stdout(&o));
    assert!(!stderr(&o).contains("--trust-root"), "{}", stderr(&o));
}

#[test]
fn run_installs_the_chain_of_the_certificate_a_profile_holds() {
    // Expected: `run --yes "install the chain ..."` finds the personal
    // certificate in the Firefox profile, follows its issuer links (an HTTP
    // server on 127.0.0.1) and installs the issuing CA and the root into
    // that profile; the fetched root is not pinned, so it gets no trust and
    // the report says how to trust it.
    let t = TempDir::new("chain-run");
    let s = served_chain();
    let prof = crate::fixtures::mozilla_profile(&t.path().join(".mozilla/firefox"), "abcd.default-release", None);
    let p12 = openssl::pkcs12::Pkcs12::builder().name("Jane").pkey(&s.leaf.key).cert(&s.leaf.x).build2("pw").unwrap();
    let f = t.path().join("jane.p12");
    std::fs::write(&f, p12.to_der().unwrap()).unwrap();
    let o = Command::new("pk12util")
        .arg("-i")
        .arg(&f)
        .arg("-d")
        .arg(format!("sql:{}", prof.display()))
        .args(["-W", "pw", "-K", ""])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o =
        run(certhelp(t.path()).current_dir(t.path()).args(["run", "--yes", "install the chain for my certificate"]));
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let flags = nss_trust(&prof);
    assert!(flags.contains_key("Test Issuing CA") && flags.contains_key("Test Root CA"), "{flags:?}");
    assert!(stderr(&o).contains("--trust-root sha256:"), "{}", stderr(&o));
}
