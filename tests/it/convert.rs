//! `certhelp convert` through the binary: re-pack, PEM <-> PKCS#12, modes,
//! no overwrite without --force, errors as one error line and one hint.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use crate::pkcs12::{info, oracle, oracle_key_matches, Files, PW};
use crate::util::{certhelp, fails, ok, run, stderr, TempDir};

fn convert(home: &Path, args: &[&str]) -> Output {
    run(certhelp(home).arg("convert").args(args))
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn modern_file_repacked_as_legacy_for_a_mac() {
    let d = TempDir::new("conv-legacy");
    let f = Files::new(d.path());
    let src = f.openssl_export("in.p12", &[]);
    let out = d.path().join("for-mac.p12");
    let pw = f.path("pw");
    let o = convert(d.path(), &[s(&src), "--out", s(&out), "--compat", "legacy", "--password-file", s(&pw)]);
    let text = ok(&o);
    assert!(text.contains("3DES") && text.contains("legacy algorithms because"), "{text}");
    assert!(text.contains("password: the same as"), "{text}");
    assert_eq!(mode(&out), 0o600);
    let i = info(&out, &pw);
    assert!(i.contains("MAC: sha1, Iteration 2048") && i.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{i}");
    assert_eq!(oracle_key_matches(&out, &pw), 2);
    assert!(oracle(&out, &pw, &["-nokeys", "-clcerts"]).contains("friendlyName: Jane ID"));

    // Again without --force: refused, the file is untouched.
    let before = std::fs::read(&out).unwrap();
    let o = convert(d.path(), &[s(&src), "--out", s(&out), "--password-file", s(&pw)]);
    fails(&o, "already exists");
    assert_eq!(std::fs::read(&out).unwrap(), before);
    // With --force and a new password from the environment: modern again.
    std::fs::write(d.path().join("pw2"), "new pass\n").unwrap();
    let o = run(certhelp(d.path())
        .args(["convert", s(&out), "--out", s(&out), "--force", "--password-file", s(&pw)])
        .args(["--new-password-env", "NEWPW"])
        .env("NEWPW", "new pass"));
    assert!(ok(&o).contains("password: the new one given"));
    let i = info(&out, &d.path().join("pw2"));
    assert!(i.contains("MAC: sha256, Iteration 600000"), "{i}");
    assert_eq!(mode(&out), 0o600);
}

#[test]
fn pem_key_and_cert_to_pkcs12_and_back() {
    let d = TempDir::new("conv-pem");
    let f = Files::new(d.path());
    let pw = f.path("pw");
    // Certificate and chain in one file, key in another.
    let certs = d.path().join("certs.pem");
    std::fs::write(&certs, [f.leaf.pem(), f.ca.pem()].concat()).unwrap();
    let p12 = d.path().join("out.pfx");
    let o = convert(
        d.path(),
        &[s(&certs), "--key", s(&f.path("key.pem")), "--out", s(&p12), "--new-password-file", s(&pw)],
    );
    let text = ok(&o);
    assert!(text.contains("1 chain certificate"), "{text}");
    assert_eq!(oracle_key_matches(&p12, &pw), 2);

    // PKCS#12 -> PEM: the key encrypted with the same password.
    let pem = d.path().join("back.pem");
    ok(&convert(d.path(), &[s(&p12), "--out", s(&pem), "--password-file", s(&pw)]));
    assert_eq!(mode(&pem), 0o600);
    let text = std::fs::read_to_string(&pem).unwrap();
    assert!(text.contains("BEGIN ENCRYPTED PRIVATE KEY") && !text.contains("BEGIN PRIVATE KEY"));
    assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 2);
    let o = std::process::Command::new("openssl")
        .args(["pkey", "-noout", "-text", "-in", s(&pem), "-passin"])
        .arg(format!("file:{}", pw.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let key_block = &text[text.find("-----BEGIN ENCRYPTED").unwrap()..];
    let kf = d.path().join("k.pem");
    std::fs::write(&kf, key_block).unwrap();
    let o = std::process::Command::new("openssl").args(["asn1parse", "-in", s(&kf)]).output().unwrap();
    let a = String::from_utf8_lossy(&o.stdout);
    assert!(a.contains("PBES2") && a.contains("hmacWithSHA256") && a.contains("aes-256-cbc"), "{a}");
    assert!(a.contains(":0927C0"), "600000 iterations: {a}");

    // Unencrypted only when asked, with a warning.
    let plain = d.path().join("plain.pem");
    let o = convert(d.path(), &[s(&p12), "--out", s(&plain), "--password-file", s(&pw), "--no-key-encryption"]);
    ok(&o);
    assert!(stderr(&o).contains("NOT encrypted"));
    assert!(std::fs::read_to_string(&plain).unwrap().contains("BEGIN PRIVATE KEY"));
    assert_eq!(mode(&plain), 0o600);

    // A PEM file holding key + certificate converts without --key, and
    // its encrypted key needs the password.
    let back = d.path().join("again.p12");
    let o = convert(d.path(), &[s(&pem), "--out", s(&back)]);
    fails(&o, "is needed, and there is no terminal");
    ok(&convert(d.path(), &[s(&pem), "--out", s(&back), "--password-file", s(&pw)]));
    assert_eq!(oracle_key_matches(&back, &pw), 2);
    assert!(std::fs::read_to_string(d.path().join("pw")).unwrap().starts_with(PW));
}

#[test]
fn bad_input_is_one_error_and_one_hint() {
    let d = TempDir::new("conv-bad");
    let f = Files::new(d.path());
    let src = f.openssl_export("in.p12", &[]);
    std::fs::write(d.path().join("wrong"), "nope\n").unwrap();
    let out = d.path().join("o.p12");
    fails(
        &convert(d.path(), &[s(&src), "--out", s(&out), "--password-file", s(&d.path().join("wrong"))]),
        "wrong password",
    );
    fails(&convert(d.path(), &[s(&src), "--out", s(&out)]), "is needed, and there is no terminal");
    fails(&convert(d.path(), &[s(&d.path().join("nope.p12")), "--out", s(&out)]), "nope.p12");
    fails(
        &convert(d.path(), &[s(&f.path("cert.pem")), "--out", s(&out), "--new-password-file", s(&f.path("pw"))]),
        "without its private key",
    );
    fails(
        &convert(d.path(), &[s(&src), "--out", s(&d.path().join("o.der")), "--password-file", s(&f.path("pw"))]),
        "output format",
    );
    std::fs::write(d.path().join("empty"), "\n").unwrap();
    fails(
        &convert(
            d.path(),
            &[
                s(&src),
                "--out",
                s(&out),
                "--password-file",
                s(&f.path("pw")),
                "--new-password-file",
                s(&d.path().join("empty")),
            ],
        ),
        "is empty: a new file needs a password",
    );
    // Nothing was written by any failure.
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn an_expired_certificate_converts_with_a_warning() {
    // Old encryption certificates are still needed to read old mail.
    let d = TempDir::new("conv-expired");
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let old = crate::fixtures::make(crate::fixtures::Spec {
        subject: &[("CN", "Jane old encryption")],
        issuer: None,
        ca: false,
        ku: &["keyEncipherment"],
        eku: &["emailProtection"],
        san_email: None,
        not_before: t - 86_400 * 800,
        not_after: t - 86_400 * 30,
        serial: 9,
    });
    let pem = d.path().join("old.pem");
    std::fs::write(&pem, [old.pem(), old.key.private_key_to_pem_pkcs8().unwrap()].concat()).unwrap();
    std::fs::write(d.path().join("pw"), "pw\n").unwrap();
    let out = d.path().join("old.p12");
    let o = convert(d.path(), &[s(&pem), "--out", s(&out), "--new-password-file", s(&d.path().join("pw"))]);
    ok(&o);
    assert!(stderr(&o).contains("expired"), "{}", stderr(&o));
    assert_eq!(oracle_key_matches(&out, &d.path().join("pw")), 1);
    // Replacing it with --force leaves no temporary file behind.
    ok(&convert(d.path(), &[s(&pem), "--out", s(&out), "--force", "--new-password-file", s(&d.path().join("pw"))]));
    let names: Vec<String> =
        std::fs::read_dir(d.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    assert_eq!(mode(&out), 0o600);
}
