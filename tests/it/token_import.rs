//! `certhelp import FILE --to pkcs11:...` onto a real SoftHSM token of each
//! test's own (SOFTHSM2_CONF in a temp dir). pkcs11-tool is the oracle for
//! what is on the token (it takes the test PIN on its command line: a test
//! PIN, for an oracle only), and OpenSSL checks a signature the token makes.
//!
//! PIN care is proven with pinshim (tests/shim/pinshim.c), a PKCS#11 module
//! compiled here with `cc` that forwards to SoftHSM, reports the PIN
//! counter flags a test asks for, counts C_Login calls in a file, and can
//! make certificate creation fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use openssl::hash::MessageDigest;

use crate::fixtures::{self, now, Made, Spec, DAY, SOFTHSM};
use crate::util::{certhelp, run, stderr, stdout, TempDir};

const SO_PIN: &str = "12345678";
const USER_PIN: &str = "123456";
const P12_PW: &str = "p12 pass";

/// A home with a SoftHSM token "certhelp-tok", a PIN file and a password file.
struct Tok {
    dir: TempDir,
    conf: PathBuf,
}

const LABEL: &str = "certhelp-tok";

impl Tok {
    fn new(tag: &str) -> Tok {
        let dir = TempDir::new(tag);
        let conf = fixtures::softhsm_conf(&dir.path().join("softhsm"));
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        fixtures::init_token(&conf, LABEL, SO_PIN, USER_PIN);
        std::fs::write(dir.path().join("work/pin"), USER_PIN).unwrap();
        std::fs::write(dir.path().join("work/badpin"), "654321").unwrap();
        std::fs::write(dir.path().join("work/pw"), P12_PW).unwrap();
        Tok { dir, conf }
    }
    fn home(&self) -> &Path {
        self.dir.path()
    }
    fn work(&self, name: &str) -> PathBuf {
        self.home().join("work").join(name)
    }
    fn uri(&self, module: &Path) -> String {
        format!("pkcs11:token={LABEL}?module-path={}", module.display())
    }
    /// pinshim built into this test's directory.
    fn shim(&self) -> PathBuf {
        let src = crate::util::repo().join("tests/shim/pinshim.c");
        let out = self.work("libpinshim.so");
        fixtures::run(Command::new("cc").args(["-shared", "-fPIC", "-o"]).arg(&out).arg(src).arg("-ldl"));
        out
    }
    /// `certhelp import FILE --to URI` with the PIN in `pin` (a file name
    /// under work/) and, for the shim, its environment.
    fn import(&self, file: &Path, module: &Path, pin: &str, shim_env: &[(&str, &str)]) -> Output {
        let mut c = certhelp(self.home());
        c.env("SOFTHSM2_CONF", &self.conf)
            .env("PINSHIM_MODULE", SOFTHSM)
            .env("PINSHIM_LOGINS", self.work("logins"))
            .arg("import")
            .arg(file)
            .args(["--to", &self.uri(module), "--password-file"])
            .arg(self.work("pw"))
            .arg("--pin-file")
            .arg(self.work(pin));
        for (k, v) in shim_env {
            c.env(k, v);
        }
        run(&mut c)
    }
    /// C_Login calls the shim saw.
    fn logins(&self) -> usize {
        std::fs::read_to_string(self.work("logins")).map(|s| s.lines().count()).unwrap_or(0)
    }
    /// pkcs11-tool's list of objects, logged in (the oracle).
    fn objects(&self) -> String {
        let o = self.pkcs11_tool(&["-O"]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    }
    fn pkcs11_tool(&self, args: &[&str]) -> Output {
        Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", &self.conf)
            .args(["--module", SOFTHSM, "--token-label", LABEL, "--login", "--pin", USER_PIN])
            .args(args)
            .output()
            .unwrap()
    }
}

fn spec<'a>(subject: &'a [(&'a str, &'a str)], issuer: Option<&'a Made>, ca: bool, serial: u32) -> Spec<'a> {
    Spec {
        subject,
        issuer,
        ca,
        ku: if ca { &["keyCertSign", "cRLSign"] } else { &["digitalSignature", "keyEncipherment"] },
        eku: if ca { &[] } else { &["clientAuth", "emailProtection"] },
        san_email: if ca { None } else { Some("jane@example.org") },
        not_before: now() - DAY,
        not_after: now() + 300 * DAY,
        serial,
    }
}

/// A root and a leaf ("Jane Doe", RSA or P-256), and a PKCS#12 with both.
fn p12(t: &Tok, ec: bool) -> (PathBuf, Made, Made) {
    let root = fixtures::make(spec(&[("O", "Token Test"), ("CN", "Token Test Root")], None, true, 1));
    let subject = [("O", "Token Test"), ("CN", "Jane Doe")];
    let leaf_spec = spec(&subject, Some(&root), false, 2);
    let leaf = if ec { fixtures::make_ec(leaf_spec) } else { fixtures::make(leaf_spec) };
    let f = t.work("jane.p12");
    std::fs::write(&f, fixtures::p12("Jane Doe", &leaf, &[&root], P12_PW)).unwrap();
    (f, leaf, root)
}

/// NSS's CKA_ID, computed here from the certificate: SHA-1 of the RSA
/// modulus or of the uncompressed EC point, as lower-case hex.
fn expected_id(m: &Made) -> String {
    let pk = m.cert.public_key().unwrap();
    let material = match pk.ec_key() {
        Ok(ec) => {
            let mut ctx = openssl::bn::BigNumContext::new().unwrap();
            ec.public_key().to_bytes(ec.group(), openssl::ec::PointConversionForm::UNCOMPRESSED, &mut ctx).unwrap()
        }
        Err(_) => pk.rsa().unwrap().n().to_vec(),
    };
    openssl::hash::hash(MessageDigest::sha1(), &material).unwrap().iter().map(|b| format!("{b:02x}")).collect()
}

/// The blocks of `pkcs11-tool -O` output of one kind ("Private Key Object").
fn blocks(listing: &str, kind: &str) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for l in listing.lines() {
        if !l.starts_with([' ', '\t']) || all.is_empty() {
            all.push(String::new());
        }
        let last = all.last_mut().unwrap();
        last.push_str(l);
        last.push('\n');
    }
    all.into_iter().filter(|b| b.starts_with(kind)).collect()
}

/// Sign with the token's key of this ID through pkcs11-tool and check the
/// signature against the certificate with OpenSSL. EC signs a SHA-256
/// digest with plain ECDSA (SoftHSM has no ECDSA-SHA256).
fn token_key_signs_for(t: &Tok, id: &str, m: &Made, ec: bool) -> bool {
    let text = b"a message the token signs";
    let digest = openssl::sha::sha256(text);
    let msg = t.work("msg");
    let sig = t.work("sig");
    std::fs::write(&msg, if ec { &digest[..] } else { &text[..] }).unwrap();
    let mech = if ec { "ECDSA" } else { "SHA256-RSA-PKCS" };
    let mut args = vec!["--sign", "--id", id, "-m", mech, "-i", msg.to_str().unwrap(), "-o", sig.to_str().unwrap()];
    if ec {
        args.extend(["--signature-format", "openssl"]);
    }
    let o = t.pkcs11_tool(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let signature = std::fs::read(&sig).unwrap();
    let pk = m.cert.public_key().unwrap();
    if ec {
        let s = openssl::ecdsa::EcdsaSig::from_der(&signature).unwrap();
        return s.verify(&digest, &pk.ec_key().unwrap()).unwrap();
    }
    let mut v = openssl::sign::Verifier::new(MessageDigest::sha256(), &pk).unwrap();
    v.update(text).unwrap();
    v.verify(&signature).unwrap_or(false)
}

fn field<'a>(block: &'a str, name: &str) -> &'a str {
    block
        .lines()
        .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim_start_matches(':').trim()))
        .unwrap_or_else(|| panic!("no {name} in {block}"))
}

fn imports_and_checks(ec: bool) {
    // Expected: exit 0; pkcs11-tool lists one private key, one public key
    // and the certificate, each labelled "Jane Doe" with NSS's CKA_ID, the
    // root as a second certificate; the key signs for the certificate and
    // cannot leave the token. A second import: "Already there", nothing new.
    let t = Tok::new(if ec { "tok-ec" } else { "tok-rsa" });
    let (file, leaf, root) = p12(&t, ec);
    let o = t.import(&file, Path::new(SOFTHSM), "pin", &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Imported \"Jane Doe\""), "{out}");
    assert!(out.contains("token \"certhelp-tok\""), "{out}");
    assert!(out.contains("Token Test Root"), "the chain certificate is named: {out}");

    let listing = t.objects();
    let id = expected_id(&leaf);
    let keys = blocks(&listing, "Private Key Object");
    assert_eq!(keys.len(), 1, "{listing}");
    assert_eq!(field(&keys[0], "label"), "Jane Doe", "{listing}");
    assert_eq!(field(&keys[0], "ID"), id, "{listing}");
    assert!(keys[0].contains(if ec { "EC" } else { "RSA" }), "{listing}");
    assert!(!keys[0].contains(" extractable"), "the key stays on the token: {listing}");
    let pubs = blocks(&listing, "Public Key Object");
    assert_eq!(pubs.len(), 1, "{listing}");
    assert_eq!(field(&pubs[0], "ID"), id, "{listing}");
    let certs = blocks(&listing, "Certificate Object");
    assert_eq!(certs.len(), 2, "leaf and root: {listing}");
    let leaf_block = certs.iter().find(|b| field(b, "label") == "Jane Doe").expect("leaf certificate");
    assert_eq!(field(leaf_block, "ID"), id, "{listing}");
    assert!(certs.iter().any(|b| field(b, "label") == "Token Test Root"), "{listing}");

    // The certificate on the token is the leaf, byte for byte.
    let der = t.work("leaf.der");
    let o = t.pkcs11_tool(&["--read-object", "--type", "cert", "--id", &id, "-o", der.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&der).unwrap(), leaf.cert.to_der().unwrap());
    // The public key object is the certificate's.
    let pubder = t.work("pub.der");
    let o = t.pkcs11_tool(&["--read-object", "--type", "pubkey", "--id", &id, "-o", pubder.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&pubder).unwrap(), leaf.cert.public_key().unwrap().public_key_to_der().unwrap());
    assert!(token_key_signs_for(&t, &id, &leaf, ec), "the key on the token signs for the certificate");
    let _ = root;

    let o = t.import(&file, Path::new(SOFTHSM), "pin", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Already there"), "{}", stdout(&o));
    assert_eq!(t.objects(), listing, "a second import adds nothing");
}

#[test]
fn an_rsa_pkcs12_goes_onto_the_token_once() {
    imports_and_checks(false);
}

#[test]
fn an_ec_pkcs12_goes_onto_the_token_once() {
    imports_and_checks(true);
}

#[test]
fn a_wrong_pin_is_tried_once_and_nothing_is_written() {
    // Expected: exit 2, one error and one hint line, exactly one C_Login,
    // the token's objects as before.
    let t = Tok::new("tok-badpin");
    let shim = t.shim();
    let (file, _, _) = p12(&t, false);
    let before = t.objects();
    let o = t.import(&file, &shim, "badpin", &[]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let e = stderr(&o);
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains("wrong"), "{e}");
    assert!(lines[1].starts_with("hint: "), "{e}");
    assert_eq!(t.logins(), 1, "the PIN is tried exactly once");
    let after = t.objects();
    crate::ledger::record(
        "bad input: stores",
        "a token with a wrong PIN (tried once)",
        1,
        Some(crate::ledger::lost_lines(&before, &after)),
    );
    assert_eq!(after, before);
}

#[test]
fn a_low_pin_count_is_warned_about_before_the_one_try() {
    // Expected: the warning is the first stderr line, before the error of
    // the wrong PIN it preceded; one C_Login; nothing written. With the
    // right PIN the import then goes through (one more C_Login).
    let t = Tok::new("tok-low");
    let shim = t.shim();
    let (file, _, _) = p12(&t, false);
    let before = t.objects();
    let low = [("PINSHIM_FLAGS", "0x10000")];
    let o = t.import(&file, &shim, "badpin", &low);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 3, "{e}");
    assert!(lines[0].starts_with("warning: ") && lines[0].contains("few tries"), "{e}");
    assert!(lines[1].starts_with("error: ") && lines[1].contains("wrong"), "{e}");
    assert_eq!(t.logins(), 1);
    let after = t.objects();
    crate::ledger::record(
        "bad input: stores",
        "a token whose PIN count is low (warned, tried once)",
        1,
        Some(crate::ledger::lost_lines(&before, &after)),
    );
    assert_eq!(after, before);

    let o = t.import(&file, &shim, "pin", &[("PINSHIM_FLAGS", "0x20000")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("final PIN try"), "{}", stderr(&o));
    assert_eq!(t.logins(), 2);
    assert_eq!(blocks(&t.objects(), "Private Key Object").len(), 1);
}

#[test]
fn a_locked_token_is_refused_without_a_try() {
    // Expected: exit 2, the error says locked, the hint names SO28695 and
    // the PUK/SO PIN; no C_Login at all; nothing written.
    let t = Tok::new("tok-locked");
    let shim = t.shim();
    let (file, _, _) = p12(&t, false);
    let before = t.objects();
    let o = t.import(&file, &shim, "pin", &[("PINSHIM_FLAGS", "0x40000")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(lines[0].contains("locked"), "{e}");
    assert!(lines[1].contains("SO28695") && lines[1].contains("SO PIN"), "{e}");
    assert_eq!(t.logins(), 0, "a locked token's PIN is never tried");
    let after = t.objects();
    crate::ledger::record(
        "bad input: stores",
        "a locked token (no try)",
        1,
        Some(crate::ledger::lost_lines(&before, &after)),
    );
    assert_eq!(after, before);
}

#[test]
fn a_failure_mid_import_removes_the_key_it_made() {
    // Expected: the token refuses the certificate after the key was
    // unwrapped; exit 2 and the key is gone again (listing as before).
    let t = Tok::new("tok-fail");
    let shim = t.shim();
    let (file, _, _) = p12(&t, true);
    let before = t.objects();
    let o = t.import(&file, &shim, "pin", &[("PINSHIM_FAIL_CERT", "1")]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let after = t.objects();
    crate::ledger::record(
        "fault: token",
        "a token that refuses the certificate after the key (full)",
        1,
        Some(crate::ledger::lost_lines(&before, &after)),
    );
    assert_eq!(after, before, "{}", stderr(&o));
    assert_eq!(t.logins(), 1);
}

#[test]
fn an_import_killed_after_the_key_is_finished_by_the_next() {
    // Expected: killed after the key: the key alone is on the token; the
    // next import adds the rest, and the token has one key, one public key
    // and both certificates.
    let t = Tok::new("tok-crash");
    let (file, leaf, _) = p12(&t, false);
    let mut c = certhelp(t.home());
    c.env("SOFTHSM2_CONF", &t.conf).env("CERTHELP_CRASH_AT", "import:after-key");
    let o = run(c
        .arg("import")
        .arg(&file)
        .args(["--to", &t.uri(Path::new(SOFTHSM)), "--password-file"])
        .arg(t.work("pw"))
        .arg("--pin-file")
        .arg(t.work("pin")));
    assert_ne!(o.status.code(), Some(0));
    let mid = t.objects();
    assert_eq!(blocks(&mid, "Private Key Object").len(), 1, "{mid}");
    assert_eq!(blocks(&mid, "Certificate Object").len(), 0, "{mid}");

    let o = t.import(&file, Path::new(SOFTHSM), "pin", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = t.objects();
    assert_eq!(blocks(&after, "Private Key Object").len(), 1, "{after}");
    assert_eq!(blocks(&after, "Certificate Object").len(), 2, "{after}");
    assert!(token_key_signs_for(&t, &expected_id(&leaf), &leaf, false));
}

#[test]
fn a_certificate_moves_from_an_nss_database_onto_the_token() {
    // Expected: `import --from nss:DIR --to pkcs11:...` copies the key and
    // certificate in memory (no file); the NSS database is only read.
    let t = Tok::new("tok-from");
    let (_, leaf, _) = p12(&t, false);
    let db = t.home().join("nssdb");
    fixtures::new_db(&db, None);
    fixtures::add_p12(&db, "Jane Doe", &leaf, &t.home().join("work"), None);
    let o = run(certhelp(t.home())
        .env("SOFTHSM2_CONF", &t.conf)
        .args(["import", "--from", &format!("nss:{}", db.display()), "--to", &t.uri(Path::new(SOFTHSM))])
        .arg("--pin-file")
        .arg(t.work("pin")));
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let listing = t.objects();
    let keys = blocks(&listing, "Private Key Object");
    assert_eq!(keys.len(), 1, "{listing}");
    assert_eq!(field(&keys[0], "ID"), expected_id(&leaf));
    assert!(token_key_signs_for(&t, &expected_id(&leaf), &leaf, false));
}

#[test]
fn a_token_that_cannot_unwrap_gets_the_key_from_its_parts() {
    // Expected: C_UnwrapKey refused (as by most smart cards): the key goes
    // in with C_CreateObject instead; RSA and EC both sign for their
    // certificates, with NSS's CKA_ID, and the key still cannot leave.
    for ec in [false, true] {
        let t = Tok::new(if ec { "tok-plain-ec" } else { "tok-plain-rsa" });
        let shim = t.shim();
        let (file, leaf, _) = p12(&t, ec);
        let o = t.import(&file, &shim, "pin", &[("PINSHIM_NO_UNWRAP", "1")]);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        let listing = t.objects();
        let keys = blocks(&listing, "Private Key Object");
        assert_eq!(keys.len(), 1, "{listing}");
        assert_eq!(field(&keys[0], "ID"), expected_id(&leaf), "{listing}");
        assert!(!keys[0].contains(" extractable"), "{listing}");
        assert!(token_key_signs_for(&t, &expected_id(&leaf), &leaf, ec));
    }
}

#[test]
fn on_the_final_try_a_person_at_a_terminal_can_stop_before_it() {
    // Expected (run under `script`, so stdin and stderr are a terminal):
    // the final-try warning, then "Try the PIN now?"; "n" stops with exit
    // 2 before any C_Login, and nothing is written.
    let t = Tok::new("tok-final");
    let shim = t.shim();
    let (file, _, _) = p12(&t, true);
    let before = t.objects();
    let cmd = format!(
        "'{}' import '{}' --to '{}' --password-file '{}' --pin-file '{}'",
        env!("CARGO_BIN_EXE_certhelp"),
        file.display(),
        t.uri(&shim),
        t.work("pw").display(),
        t.work("pin").display()
    );
    // certhelp's environment (util::certhelp), with `script` in front.
    let home = t.home();
    let mut c = Command::new("script");
    c.env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("CERTHELP_KB")
        .env("SOFTHSM2_CONF", &t.conf)
        .env("PINSHIM_MODULE", SOFTHSM)
        .env("PINSHIM_LOGINS", t.work("logins"))
        .env("PINSHIM_FLAGS", "0x20000")
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"n\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let screen = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{screen}");
    let warn = screen.find("final PIN try").unwrap_or_else(|| panic!("{screen}"));
    let ask = screen.find("Try the PIN now?").unwrap_or_else(|| panic!("{screen}"));
    assert!(warn < ask, "{screen}");
    assert!(screen.contains("stopped before trying the PIN"), "{screen}");
    assert_eq!(t.logins(), 0);
    assert_eq!(t.objects(), before);
}
