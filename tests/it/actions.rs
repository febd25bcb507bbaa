//! `certhelp export` and `certhelp import` end to end through the real
//! binary, on NSS databases made by certutil/pk12util and SoftHSM tokens
//! made by softhsm2-util/pkcs11-tool. Independent oracles check what
//! certhelp wrote: `openssl pkcs12` reads the files, `certutil -L/-K` and
//! `pk12util` read the databases. Every test states its expected outcome
//! first, and makes (and removes) its own home directory.
//!
//! Most tests set `CERTHELP_P12_ITERATIONS=2048` to stay fast; one runs at
//! the default 600,000.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use openssl::hash::MessageDigest;
use openssl::x509::X509;

use crate::fixtures::{self, add_ca, add_chain, add_chain_cas, add_p12, chain, person, Home, Made, DB_PW, SOFTHSM};
use crate::pkcs12::{info, oracle, oracle_key_matches, PW};
use crate::util::{fails, ok, run, stderr, stdout};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

impl Home {
    /// A Firefox profile listed in profiles.ini (the `firefox` store),
    /// with an empty database.
    fn firefox_profile(&self) -> PathBuf {
        fixtures::mozilla_profile(&self.path().join(".mozilla/firefox"), "abcd1234.default-release", None)
    }
}

/// `certutil ARGS -d sql:DIR`, stdout (must succeed).
fn certutil(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("certutil").args(args).arg("-d").arg(format!("sql:{}", dir.display())).output().unwrap();
    assert!(o.status.success(), "certutil {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The oracle's listing: certificates with trust, and keys after login
/// (`certutil -K` fails with "no keys found" on a store without keys, so
/// its whole output is the listing).
fn listing(dir: &Path, pwfile: Option<&Path>) -> (String, String) {
    let mut k = Command::new("certutil");
    k.arg("-K").arg("-d").arg(format!("sql:{}", dir.display()));
    if let Some(p) = pwfile {
        k.arg("-f").arg(p);
    }
    let o = k.output().unwrap();
    let keys = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() || keys.contains("no keys found"), "certutil -K: {keys}");
    (certutil(dir, &["-L"]), keys)
}

/// The trust column `certutil -L` shows for `nick`.
fn trust_of(list: &str, nick: &str) -> String {
    let line = list.lines().find(|l| l.starts_with(nick) && l[nick.len()..].starts_with("  ")).unwrap_or_else(|| {
        panic!("{nick} not listed: {list}");
    });
    line.split_whitespace().last().unwrap().to_string()
}

/// How many certificates carry `nick` (`certutil -L -n NICK -a`).
fn copies(dir: &Path, nick: &str) -> usize {
    certutil(dir, &["-L", "-n", nick, "-a"]).matches("BEGIN CERTIFICATE").count()
}

/// SHA-256 of cert9.db and key4.db: "byte for byte unchanged".
fn hashes(dir: &Path) -> Vec<String> {
    ["cert9.db", "key4.db"]
        .iter()
        .map(|f| certhelp::cert::hex(&openssl::sha::sha256(&std::fs::read(dir.join(f)).unwrap())))
        .collect()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn sha256(c: &X509) -> String {
    certhelp::cert::hex(&c.digest(MessageDigest::sha256()).unwrap())
}

/// The personal certificate in a PKCS#12 file, as openssl reads it.
fn leaf_in(f: &Path, pw: &Path) -> X509 {
    X509::from_pem(oracle(f, pw, &["-nokeys", "-clcerts"]).as_bytes()).unwrap()
}

/// `pk12util -o`: NSS itself can take the key and certificate back out.
fn pk12util_export(dir: &Path, nick: &str, out: &Path, h: &Home, db_pw: bool) {
    let mut c = Command::new("pk12util");
    c.arg("-o").arg(out).args(["-n", nick, "-d"]).arg(format!("sql:{}", dir.display()));
    c.arg("-w").arg(h.pw());
    if db_pw {
        c.arg("-k").arg(h.dbpw());
    } else {
        c.args(["-K", ""]);
    }
    fixtures::run(&mut c);
}

fn export(h: &Home, from: &str, out: &Path, extra: &[&str]) -> Output {
    run(h.certhelp().args(["export", "--from", from, "--out", s(out), "--password-file", s(&h.pw())]).args(extra))
}

/// The lines of `openssl pkcs12 -info` that name an algorithm or a count.
fn algorithms(i: &str) -> Vec<&str> {
    i.lines().filter(|l| l.contains("Iteration")).collect()
}

#[test]
fn rsa_from_a_firefox_profile_modern_file_then_into_another_profile() {
    // Expected: exit 0; a 0600 file with AES-256-CBC/PBKDF2-SHA256 bags at
    // 2048 iterations and a SHA-256 MAC, the leaf and both CAs, the key
    // matching the certificate; --no-chain leaves the CAs out. Imported into
    // another database: the certificate u,u,u with its key, the CAs `,,`;
    // pk12util can export it again; a second import says "Already there",
    // exit 0, and leaves one copy.
    let h = Home::new("act-rsa");
    let c = chain("Rsa Person", false);
    let prof = h.firefox_profile();
    add_chain(&prof, &c, "Rsa Person", &h.work(), None);

    let out = h.work().join("rsa.p12");
    let text = ok(&export(&h, "firefox", &out, &[]));
    assert!(text.contains("Exported \"Rsa Person\"") && text.contains("with 2 chain certificate(s)"), "{text}");
    assert_eq!(mode(&out), 0o600);
    let i = info(&out, &h.pw());
    assert!(i.contains("MAC: sha256, Iteration 2048"), "{i}");
    let bags = algorithms(&i);
    assert_eq!(bags.len(), 3, "MAC, certificates, key: {i}");
    for l in &bags[1..] {
        assert!(l.contains("PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256"), "{i}");
    }
    assert_eq!(oracle_key_matches(&out, &h.pw()), 3, "leaf, issuing CA, root");
    assert_eq!(sha256(&leaf_in(&out, &h.pw())), sha256(&c.leaf.cert));

    let bare = h.work().join("bare.p12");
    ok(&export(&h, "firefox", &bare, &["--no-chain"]));
    assert_eq!(oracle_key_matches(&bare, &h.pw()), 1, "--no-chain: the leaf only");

    let dst = h.db("dst", None);
    let text = ok(&h.import(&out, &dst, &[]));
    assert!(text.contains("Imported \"Rsa Person\""), "{text}");
    let (l, k) = listing(&dst, None);
    assert_eq!(trust_of(&l, "Rsa Person"), "u,u,u", "{l}");
    assert_eq!(trust_of(&l, "Test Root CA"), ",,", "{l}");
    assert_eq!(trust_of(&l, "Test Issuing CA"), ",,", "{l}");
    assert!(k.contains("rsa") && k.contains("Rsa Person"), "{k}");
    let back = h.work().join("back.p12");
    pk12util_export(&dst, "Rsa Person", &back, &h, false);
    assert_eq!(oracle_key_matches(&back, &h.pw()), 3);

    let o = h.import(&out, &dst, &[]);
    assert!(ok(&o).contains("Already there"), "{}", stdout(&o));
    assert_eq!(copies(&dst, "Rsa Person"), 1);
    assert_eq!(listing(&dst, None), (l, k), "nothing changed");
}

#[test]
fn ec_from_nss_dir_legacy_file_then_back_into_another_database() {
    // Expected: exit 0; a 0600 legacy file (3DES bags, SHA-1 MAC), the EC
    // key matching the certificate, with its chain; pk12util imports it;
    // certhelp imports it into another database, which lists an "ec" key
    // beside the certificate, and pk12util can export it again.
    let h = Home::new("act-ec");
    let c = chain("Ec Person", true);
    let src = h.db("src", None);
    add_chain(&src, &c, "Ec Person", &h.work(), None);

    let out = h.work().join("ec-legacy.p12");
    let text = ok(&export(&h, &format!("nss:{}", src.display()), &out, &["--compat", "legacy"]));
    assert!(text.contains("legacy PKCS#12 (3DES, SHA-1 MAC"), "{text}");
    assert_eq!(mode(&out), 0o600);
    let i = info(&out, &h.pw());
    assert!(i.contains("MAC: sha1, Iteration 2048"), "{i}");
    let bags = algorithms(&i);
    assert_eq!(bags.len(), 3, "{i}");
    for l in &bags[1..] {
        assert!(l.contains("pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"), "{i}");
    }
    assert_eq!(oracle_key_matches(&out, &h.pw()), 3);
    // NSS's own reader takes the legacy file too.
    let nss = h.db("nss", None);
    fixtures::run(
        Command::new("pk12util")
            .arg("-i")
            .arg(&out)
            .arg("-d")
            .arg(format!("sql:{}", nss.display()))
            .arg("-w")
            .arg(h.pw())
            .args(["-K", ""]),
    );
    assert!(certutil(&nss, &["-K"]).contains("Ec Person"));

    let dst = h.db("dst", None);
    ok(&h.import(&out, &dst, &[]));
    let (l, k) = listing(&dst, None);
    assert_eq!(trust_of(&l, "Ec Person"), "u,u,u", "{l}");
    assert_eq!(trust_of(&l, "Test Root CA"), ",,", "{l}");
    assert!(k.lines().any(|x| x.contains(" ec ") && x.contains("Ec Person")), "{k}");
    let back = h.work().join("back.p12");
    pk12util_export(&dst, "Ec Person", &back, &h, false);
    let key = openssl::pkey::PKey::private_key_from_pem(oracle(&back, &h.pw(), &["-nodes"]).as_bytes()).unwrap();
    assert!(key.public_eq(&c.leaf.key), "the key NSS holds is the original");
}

#[test]
fn default_count_is_600000_and_pk12util_reads_the_file() {
    // Expected: without CERTHELP_P12_ITERATIONS, PBKDF2 and the MAC run
    // 600,000 iterations (the most Windows accepts); pk12util, an
    // independent reader, imports the file with its key.
    let h = Home::new("act-600k");
    let c = chain("Slow Person", false);
    let src = h.db("src", None);
    add_chain(&src, &c, "Slow Person", &h.work(), None);
    let out = h.work().join("slow.p12");
    let o = run(h
        .certhelp()
        .env_remove("CERTHELP_P12_ITERATIONS")
        .args(["export", "--from", &format!("nss:{}", src.display()), "--out", s(&out)])
        .args(["--password-file", s(&h.pw())]));
    assert!(ok(&o).contains("600000 iterations"), "{}", stdout(&o));
    let i = info(&out, &h.pw());
    assert!(i.contains("MAC: sha256, Iteration 600000"), "{i}");
    for l in &algorithms(&i)[1..] {
        assert!(l.contains("AES-256-CBC, Iteration 600000, PRF hmacWithSHA256"), "{i}");
    }
    let dst = h.db("dst", None);
    fixtures::run(
        Command::new("pk12util")
            .arg("-i")
            .arg(&out)
            .arg("-d")
            .arg(format!("sql:{}", dst.display()))
            .arg("-w")
            .arg(h.pw())
            .args(["-K", ""]),
    );
    assert!(certutil(&dst, &["-K"]).contains("Slow Person"));
}

#[test]
fn files_from_pk12util_and_openssl_rc2_import() {
    // Expected: a file written by `pk12util -o` (modern, NSS's own) and one
    // written by `openssl pkcs12 -export -legacy` (RC2-40 certificates,
    // 3DES key, SHA-1 MAC) both import, exit 0, key and certificate listed.
    let h = Home::new("act-foreign");
    let c = chain("Foreign Person", false);
    let src = h.db("src", None);
    add_chain(&src, &c, "Foreign Person", &h.work(), None);
    let nss_file = h.work().join("from-pk12util.p12");
    pk12util_export(&src, "Foreign Person", &nss_file, &h, false);

    let w = h.work();
    let rc2 = w.join("rc2.p12");
    fixtures::openssl_p12(&w, &c.leaf, &[&c.sub, &c.root], &h.pw(), &rc2, &["-legacy", "-name", "Old Export"]);
    let legacy_info = oracle(&rc2, &h.pw(), &["-info", "-noout", "-legacy"]);
    assert!(legacy_info.contains("pbeWithSHA1And40BitRC2-CBC"), "{legacy_info}");

    for (file, nick) in [(&nss_file, "Foreign Person"), (&rc2, "Old Export")] {
        let dst = h.db(&format!("dst-{nick}").replace(' ', "_"), None);
        let text = ok(&h.import(file, &dst, &[]));
        assert!(text.contains(&format!("Imported \"{nick}\"")), "{text}");
        let (l, k) = listing(&dst, None);
        assert_eq!(trust_of(&l, nick), "u,u,u", "{l}");
        assert!(k.contains(nick), "{k}");
    }
}

#[test]
fn database_with_a_password_both_ways_and_a_wrong_one_changes_nothing() {
    // Expected: with --pin-file, export from and import into a database
    // that has a password work (exit 0). No password and no terminal, or a
    // wrong one: exit 2, one error line and one hint, the database byte for
    // byte unchanged.
    let h = Home::new("act-dbpw");
    let c = chain("Locked Person", false);
    let src = h.db("src", Some(DB_PW));
    add_chain(&src, &c, "Locked Person", &h.work(), Some(DB_PW));
    let out = h.work().join("locked.p12");
    let from = format!("nss:{}", src.display());
    ok(&export(&h, &from, &out, &["--pin-file", s(&h.dbpw())]));
    assert_eq!(oracle_key_matches(&out, &h.pw()), 3);

    let dst = h.db("dst", Some(DB_PW));
    let before = listing(&dst, Some(&h.dbpw()));
    let bytes_before = hashes(&dst);
    let (e, hint) = fails(&h.import(&out, &dst, &[]), "the password of the certificate database");
    assert!(e.starts_with("error: the password of the certificate database") && e.contains("no terminal"), "{e}");
    assert!(hint.contains("--pin-file"), "{hint}");
    let wrong = h.work().join("wrong");
    std::fs::write(&wrong, "not it").unwrap();
    let (e, _) = fails(&h.import(&out, &dst, &["--pin-file", s(&wrong)]), "wrong password or PIN");
    assert!(e.contains(s(&dst)), "{e}");
    assert_eq!(hashes(&dst), bytes_before, "caught before the first write");
    assert_eq!(listing(&dst, Some(&h.dbpw())), before);

    ok(&h.import(&out, &dst, &["--pin-file", s(&h.dbpw())]));
    let (l, k) = listing(&dst, Some(&h.dbpw()));
    // certutil -L does not log in, so it cannot show `u` here: -K can.
    assert_eq!(trust_of(&l, "Locked Person"), ",,", "{l}");
    assert!(k.contains("Locked Person"), "{k}");
    let back = h.work().join("back.p12");
    pk12util_export(&dst, "Locked Person", &back, &h, true);
    assert_eq!(oracle_key_matches(&back, &h.pw()), 3);
}

/// An ECA profile: identity and encryption certificates of one subject, an
/// older encryption certificate with its key, and another person.
struct Eca {
    home: Home,
    profile: PathBuf,
    id: Made,
    enc: Made,
    old_enc: Made,
    other: Made,
}

fn eca() -> Eca {
    let home = Home::new("act-eca");
    let c = chain("unused", false);
    let mail = "jane.doe@example.com";
    let id = person(
        &c.sub,
        "Jane Q. Doe",
        mail,
        &["digitalSignature", "nonRepudiation"],
        &["clientAuth", "emailProtection"],
        (-10, 700),
        0x1001,
    );
    let enc = person(&c.sub, "Jane Q. Doe", mail, &["keyEncipherment"], &["emailProtection"], (-10, 700), 0x1002);
    let old_enc = person(&c.sub, "Jane Q. Doe", mail, &["keyEncipherment"], &["emailProtection"], (-600, 100), 0x1003);
    let other =
        person(&c.sub, "Other Person", "other@example.org", &["digitalSignature"], &["clientAuth"], (-1, 300), 0x2001);
    let profile = home.firefox_profile();
    let w = home.work();
    add_chain_cas(&profile, &c, &w, None);
    add_p12(&profile, "Jane ECA ID", &id, &w, None);
    add_p12(&profile, "Jane ECA Enc", &enc, &w, None);
    add_p12(&profile, "Jane old ECA Enc", &old_enc, &w, None);
    add_p12(&profile, "Other Person", &other, &w, None);
    Eca { home, profile, id, enc, old_enc, other }
}

#[test]
fn all_writes_one_file_per_certificate_and_without_it_the_choice_is_explained() {
    // Expected: --all writes four files into the directory (identity,
    // encryption, old encryption, the other person), each with its own key.
    // Without --all and without --cert: exit 2, the four candidates told
    // apart by use, expiry and fingerprint. --cert sha256:PREFIX, an e-mail
    // and a nickname each select exactly one. All four files import into
    // one database, each certificate with its key.
    let e = eca();
    let h = &e.home;
    let dir = h.work().join("all");
    let text = ok(&export(h, "firefox", &dir, &["--all"]));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|d| d.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 4, "{text}\n{files:?}");
    assert_eq!(mode(&dir) & 0o077, 0, "the directory is private");
    let mut got: Vec<String> = files
        .iter()
        .map(|f| {
            assert_eq!(mode(f), 0o600);
            assert_eq!(oracle_key_matches(f, &h.pw()), 3, "{}", f.display());
            sha256(&leaf_in(f, &h.pw()))
        })
        .collect();
    got.sort();
    let mut want: Vec<String> = [&e.id, &e.enc, &e.old_enc, &e.other].iter().map(|m| sha256(&m.cert)).collect();
    want.sort();
    assert_eq!(got, want);
    let names: Vec<String> = files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names.iter().filter(|n| n.starts_with("jane-eca-id-identity-")).count(), 1, "{names:?}");
    assert_eq!(names.iter().filter(|n| n.starts_with("other-person-identity-")).count(), 1, "{names:?}");
    assert_eq!(names.iter().filter(|n| n.starts_with("jane-eca-id-encryption-")).count(), 2, "{names:?}");

    // The import it suggests names one of the files (import takes a file),
    // and works; the directory itself is refused clearly.
    let line =
        text.lines().find(|l| l.contains("one file at a time: certhelp import ")).unwrap_or_else(|| panic!("{text}"));
    let suggested = PathBuf::from(line.split("certhelp import ").nth(1).unwrap().split(" --to ").next().unwrap());
    assert!(files.contains(&suggested), "{line}");
    let dst = h.db("dst", None);
    ok(&h.import(&suggested, &dst, &[]));
    let (_, hint) = fails(&h.import(&dir, &dst, &[]), "is a folder");
    assert!(hint.contains("one at a time"), "{hint}");
    // Every file into one database: the pair and the old key arrive whole,
    // Jane's three certificates under one nickname (NSS keeps one per
    // subject), each with its key.
    for f in &files {
        ok(&h.import(f, &dst, &[]));
    }
    let (_, k) = listing(&dst, None);
    assert_eq!(k.lines().filter(|l| l.contains("rsa")).count(), 4, "{k}");
    assert_eq!(copies(&dst, "Jane ECA ID"), 3);
    assert_eq!(copies(&dst, "Other Person"), 1);

    let one = h.work().join("one.p12");
    let (err, hint) = fails(&export(h, "firefox", &one, &[]), "several personal certificates match");
    assert!(!one.exists());
    let cands: Vec<&str> = err.trim_start_matches("error: several personal certificates match: ").split("; ").collect();
    assert_eq!(cands.len(), 4, "{err}");
    for m in [&e.id, &e.enc, &e.old_enc, &e.other] {
        let prefix = format!("sha256:{}", &sha256(&m.cert)[..8]);
        assert_eq!(cands.iter().filter(|c| c.contains(&prefix)).count(), 1, "{prefix}: {err}");
    }
    assert_eq!(cands.iter().filter(|c| c.contains("identity")).count(), 2, "Jane's and the other person's: {err}");
    assert_eq!(cands.iter().filter(|c| c.contains("encryption")).count(), 2, "{err}");
    let enc_line = cands.iter().find(|c| c.contains(&sha256(&e.enc.cert)[..8])).unwrap();
    let old_line = cands.iter().find(|c| c.contains(&sha256(&e.old_enc.cert)[..8])).unwrap();
    assert_ne!(enc_line.split("expires").nth(1), old_line.split("expires").nth(1), "expiry tells them apart");
    assert!(hint.contains("--all") && hint.contains("--cert"), "{hint}");

    for (sel, want) in [
        (format!("sha256:{}", &sha256(&e.enc.cert)[..12]), &e.enc),
        ("other@example.org".to_string(), &e.other),
        ("Other Person".to_string(), &e.other),
    ] {
        let _ = std::fs::remove_file(&one);
        ok(&export(h, "firefox", &one, &["--cert", &sel]));
        assert_eq!(sha256(&leaf_in(&one, &h.pw())), sha256(&want.cert), "{sel}");
    }
    assert!(e.profile.join("cert9.db").exists());
}

#[test]
fn an_existing_file_is_kept_without_force_and_a_missing_folder_writes_nothing() {
    // Expected: an existing --out: exit 2 and the file byte for byte as it
    // was; with --force it is replaced by a valid 0600 file. A --out in a
    // folder that does not exist: exit 2, nothing created. The same for
    // --all's directory, which is made (0700) only when a file goes in it.
    let h = Home::new("act-force");
    let c = chain("Force Person", false);
    let src = h.db("src", None);
    add_chain(&src, &c, "Force Person", &h.work(), None);
    let from = format!("nss:{}", src.display());
    let out = h.work().join("there.p12");
    std::fs::write(&out, b"the user's own file").unwrap();
    let o = export(&h, &from, &out, &[]);
    fails(&o, "already exists");
    assert_eq!(std::fs::read(&out).unwrap(), b"the user's own file");

    ok(&export(&h, &from, &out, &["--force"]));
    assert_eq!(mode(&out), 0o600);
    assert_eq!(oracle_key_matches(&out, &h.pw()), 3);

    let missing = h.work().join("no-such-folder");
    let (e, _) = fails(&export(&h, &from, &missing.join("x.p12"), &[]), "does not exist");
    assert!(e.contains("no-such-folder"), "{e}");
    assert!(!missing.exists());

    // --all: a missing directory is made only when there is something to
    // write, not for a refused export; one in a missing folder is an error;
    // a directory the user has keeps its mode.
    let newdir = h.work().join("new-dir");
    fails(&export(&h, &from, &newdir, &["--all", "--cert", "nobody@example.org"]), "not found");
    assert!(!newdir.exists(), "a failed export leaves no folder behind");
    fails(&export(&h, &from, &missing.join("dir"), &["--all"]), "does not exist");
    assert!(!missing.exists());
    ok(&export(&h, &from, &newdir, &["--all"]));
    assert_eq!(mode(&newdir), 0o700);
    let mine = h.work().join("my-dir");
    std::fs::create_dir(&mine).unwrap();
    std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o755)).unwrap();
    ok(&export(&h, &from, &mine, &["--all"]));
    assert_eq!(mode(&mine), 0o755, "the user's folder is not chmod-ed");
    let files: Vec<PathBuf> = std::fs::read_dir(&mine).unwrap().map(|d| d.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    assert_eq!(mode(&files[0]), 0o600);
}

#[test]
fn bad_input_to_import_changes_nothing() {
    // Expected, for each: exit 2, one `error:` line saying what is wrong
    // and one `hint:` line; cert9.db and key4.db byte for byte unchanged.
    // A wrong PKCS#12 password is called a password, not a PIN; a PEM
    // certificate without its key says so and offers `certhelp convert`.
    let h = Home::new("act-bad");
    let c = chain("Bad Input", false);
    let dst = h.db("dst", None);
    add_ca(&dst, "Test Root CA", &c.root, &h.work());
    let before = hashes(&dst);
    let w = h.work();

    let good = w.join("good.p12");
    std::fs::write(&good, c.p12("From A File", PW)).unwrap();
    std::fs::write(w.join("wrongpw"), "not the password\n").unwrap();
    let pem = w.join("cert.pem");
    std::fs::write(&pem, c.leaf.pem()).unwrap();
    let random = w.join("random.p12");
    std::fs::write(&random, (0..700u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<u8>>())
        .unwrap();
    let empty = w.join("empty.p12");
    std::fs::write(&empty, b"").unwrap();
    let nomac = w.join("nomac.p12");
    fixtures::openssl_p12(&w, &c.leaf, &[], &h.pw(), &nomac, &["-nomac"]);
    let to = format!("nss:{}", dst.display());
    let wrong_pw = run(h.certhelp().args(["import", s(&good), "--to", &to, "--password-file"]).arg(w.join("wrongpw")));
    let (e, hint) = fails(&wrong_pw, "wrong password");
    assert!(!e.contains("PIN"), "a PKCS#12 password is not a PIN: {e}");
    assert!(hint.contains("password"), "{hint}");

    let (e, hint) = fails(&h.import(&pem, &dst, &[]), "without its private key");
    assert!(e.contains("cert.pem"), "{e}");
    assert!(hint.contains("certhelp convert"), "{hint}");
    fails(&h.import(&random, &dst, &[]), "not a PKCS#12 file");
    fails(&h.import(&empty, &dst, &[]), "empty");
    fails(&h.import(&w.join("missing.p12"), &dst, &[]), "missing.p12");
    let (_, hint) = fails(&h.import(&nomac, &dst, &[]), "no integrity check (MAC)");
    assert!(hint.contains("export the file again"), "{hint}");
    assert_eq!(hashes(&dst), before, "the store is untouched");
}

#[test]
fn a_nickname_of_another_subject_is_refused_without_an_orphan_key() {
    // Expected: --cert-name naming another subject's certificate: exit 2,
    // the error names the nickname, the hint offers --cert-name; certutil
    // -L and -K list exactly what they listed before, and the files are
    // byte for byte the same (the clash is found before the first write).
    // A new certificate of that other subject joins its nickname instead.
    let h = Home::new("act-clash");
    let c = chain("Clash Person", false);
    let dst = h.db("dst", None);
    let someone =
        person(&c.sub, "Someone Else", "someone@example.org", &["digitalSignature"], &["clientAuth"], (-1, 100), 9);
    add_p12(&dst, "Taken", &someone, &h.work(), None);
    let before = listing(&dst, None);
    let bytes_before = hashes(&dst);
    let file = h.work().join("clash.p12");
    std::fs::write(&file, c.p12("From A File", PW)).unwrap();
    let (e, hint) = fails(&h.import(&file, &dst, &["--cert-name", "Taken"]), "\"Taken\" is already used");
    assert!(e.contains("another certificate"), "{e}");
    assert!(hint.contains("--cert-name"), "{hint}");
    assert_eq!(listing(&dst, None), before, "no orphan key, no certificate");
    assert_eq!(hashes(&dst), bytes_before, "caught before the first write");

    // A second certificate of a subject the store knows keeps the subject's
    // nickname, whatever --cert-name asks, as NSS's own import does: one
    // nickname per subject.
    let renewed = person(
        &c.sub,
        "Someone Else",
        "someone@example.org",
        &["keyEncipherment"],
        &["emailProtection"],
        (-1, 200),
        10,
    );
    let file = h.work().join("renewed.p12");
    std::fs::write(&file, fixtures::p12("Renewed", &renewed, &[], PW)).unwrap();
    let text = ok(&h.import(&file, &dst, &["--cert-name", "Fresh Name"]));
    assert!(text.contains("Kept the nickname \"Taken\" instead of \"Fresh Name\""), "{text}");
    let (l, k) = listing(&dst, None);
    assert!(!l.contains("Fresh Name") && !k.contains("Fresh Name"), "{l}{k}");
    assert_eq!(copies(&dst, "Taken"), 2);
    assert_eq!(k.lines().filter(|x| x.contains("Taken")).count(), 2, "{k}");
}

#[test]
fn the_backup_an_import_prints_restores_the_store() {
    // Expected: the import adds the issuing CA without trust and keeps the
    // root's trust as it was; it prints its backup directory, 0700 with
    // 0600 files; `certhelp restore DIR` exits 0 and certutil -L/-K list
    // the store as before the import.
    let h = Home::new("act-backup");
    let c = chain("Backup Person", false);
    let dst = h.db("dst", None);
    add_ca(&dst, "Test Root CA", &c.root, &h.work());
    let before = listing(&dst, None);
    let file = h.work().join("in.p12");
    std::fs::write(&file, c.p12("From A File", PW)).unwrap();
    let text = ok(&h.import(&file, &dst, &[]));
    let line = text.lines().find(|l| l.starts_with("Backup of the store before the change: ")).unwrap();
    let backup = PathBuf::from(
        line.trim_start_matches("Backup of the store before the change: ").split(" (undo with").next().unwrap(),
    );
    assert!(backup.starts_with(h.state()), "{}", backup.display());
    assert_eq!(mode(&backup), 0o700);
    let files: Vec<PathBuf> = std::fs::read_dir(&backup).unwrap().map(|d| d.unwrap().path()).collect();
    assert!(files.iter().any(|f| f.ends_with("key4.db")) && files.iter().any(|f| f.ends_with("cert9.db")), "{files:?}");
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    let (l, _) = listing(&dst, None);
    assert_eq!(trust_of(&l, "Test Root CA"), "CT,C,C", "the trust the store gave is kept: {l}");
    assert_eq!(trust_of(&l, "Test Issuing CA"), ",,", "{l}");
    assert_eq!(trust_of(&l, "From A File"), "u,u,u", "{l}");
    assert_ne!(listing(&dst, None), before, "the import changed the store");

    ok(&run(h.certhelp().args(["restore", s(&backup)])));
    assert_eq!(listing(&dst, None), before);
}

#[test]
fn an_expired_certificate_imports_with_a_warning() {
    // Expected: exit 0, a `warning:` on stderr saying it expired, the
    // certificate and key listed.
    let h = Home::new("act-expired");
    let c = chain("unused", false);
    let old = person(
        &c.sub,
        "Expired Person",
        "old@example.com",
        &["keyEncipherment"],
        &["emailProtection"],
        (-900, -5),
        0x44,
    );
    let file = h.work().join("expired.p12");
    std::fs::write(&file, fixtures::p12("Expired Person", &old, &[], PW)).unwrap();
    let dst = h.db("dst", None);
    let o = h.import(&file, &dst, &[]);
    ok(&o);
    let e = stderr(&o);
    assert!(e.lines().any(|l| l.starts_with("warning: ") && l.contains("expired")), "{e}");
    let (l, k) = listing(&dst, None);
    assert_eq!(trust_of(&l, "Expired Person"), "u,u,u", "{l}");
    assert!(k.contains("Expired Person"), "{k}");
}

/// A SoftHSM token of its own: a config, a token directory, a PIN file; the
/// certificate and key written with pkcs11-tool (`extractable` or not).
struct Token {
    conf: PathBuf,
    pin: PathBuf,
    label: &'static str,
}

const SO_PIN: &str = "12345678";
const USER_PIN: &str = "123456";

fn token(h: &Home, label: &'static str, m: &Made, extractable: bool) -> Token {
    let conf = fixtures::softhsm_conf(&h.path().join("softhsm"));
    fixtures::init_token(&conf, label, SO_PIN, USER_PIN);
    let key = h.work().join("tok.key.der");
    let cert = h.work().join("tok.crt.der");
    std::fs::write(&key, m.key.private_key_to_pkcs8().unwrap()).unwrap();
    std::fs::write(&cert, m.cert.to_der().unwrap()).unwrap();
    for (f, ty) in [(&key, "privkey"), (&cert, "cert")] {
        let mut c = Command::new("pkcs11-tool");
        c.env("SOFTHSM2_CONF", &conf).args(["--module", SOFTHSM, "--token-label", label, "--login", "--pin", USER_PIN]);
        c.arg("--write-object").arg(f).args(["--type", ty, "--id", "01", "--label", "Token Person"]);
        if ty == "privkey" {
            c.arg("--sensitive");
            if extractable {
                c.arg("--extractable");
            }
        }
        fixtures::run(&mut c);
    }
    std::fs::remove_file(&key).unwrap();
    let pin = h.work().join("pin");
    std::fs::write(&pin, USER_PIN).unwrap();
    Token { conf, pin, label }
}

impl Token {
    fn uri(&self) -> String {
        format!("pkcs11:token={}?module-path={SOFTHSM}", self.label)
    }
    /// The Access line pkcs11-tool shows for the private key.
    fn key_access(&self) -> String {
        let o = Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", &self.conf)
            .args(["--module", SOFTHSM, "--token-label", self.label, "--login", "--pin", USER_PIN, "-O"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let after = text.split("Private Key Object").nth(1).unwrap_or_else(|| panic!("no key: {text}"));
        after.lines().find(|l| l.trim_start().starts_with("Access:")).unwrap_or_else(|| panic!("{text}")).to_string()
    }
    fn export(&self, h: &Home, out: &Path) -> Output {
        run(h
            .certhelp()
            .env("SOFTHSM2_CONF", &self.conf)
            .args(["export", "--from", &self.uri(), "--out", s(out)])
            .args(["--password-file", s(&h.pw()), "--pin-file", s(&self.pin)]))
    }
}

#[test]
fn a_token_key_that_may_leave_is_exported_and_verifies() {
    // Expected (measured: SoftHSM 2.6 wraps an extractable key with RFC 5649
    // AES key wrap): exit 0, a 0600 file whose key matches the certificate.
    let h = Home::new("act-tok-x");
    let c = chain("Token Person", false);
    let t = token(&h, "export-ok", &c.leaf, true);
    assert!(t.key_access().contains("extractable"), "{}", t.key_access());
    let out = h.work().join("token.p12");
    let text = ok(&t.export(&h, &out));
    assert!(text.contains("Exported \"Token Person\""), "{text}");
    assert_eq!(mode(&out), 0o600);
    assert_eq!(oracle_key_matches(&out, &h.pw()), 1);
    assert_eq!(sha256(&leaf_in(&out, &h.pw())), sha256(&c.leaf.cert));
}

#[test]
fn a_token_key_that_may_not_leave_is_refused_and_nothing_is_written() {
    // Expected: the key is sensitive and not extractable; exit 2, the error
    // says the key cannot leave, the hint names SO28695, and the output
    // folder stays empty.
    let h = Home::new("act-tok-nx");
    let c = chain("Token Person", false);
    let t = token(&h, "export-no", &c.leaf, false);
    let access = t.key_access();
    assert!(access.contains("sensitive") && !access.contains("extractable"), "{access}");
    let outdir = h.path().join("out");
    std::fs::create_dir_all(&outdir).unwrap();
    let (e, hint) = fails(&t.export(&h, &outdir.join("token.p12")), "cannot leave its store");
    assert!(e.contains("Token Person"), "{e}");
    assert!(hint.contains("SO28695"), "{hint}");
    assert_eq!(std::fs::read_dir(&outdir).unwrap().count(), 0, "nothing written");
}

#[test]
fn a_move_between_two_stores_here_crosses_in_memory() {
    // Expected: `import --from firefox --to nss:DST --cert jane --all`
    // brings Jane's identity, encryption and old encryption certificates
    // with their keys and the chain (the root keeps the trust it has in the
    // source) into DST. No password is asked (no terminal, no option: it
    // would fail) and no file is written anywhere in the home but the
    // backup. A second run is "Already there"; --from and --to naming one
    // store is refused.
    let e = eca();
    let h = &e.home;
    let dst = h.db("dst", None);
    let before = walk(h.path());
    let o = run(h
        .certhelp()
        .args(["import", "--from", "firefox", "--cert", "jane.doe@example.com", "--all", "--to"])
        .arg(format!("nss:{}", dst.display())));
    let text = ok(&o);
    let (l, k) = listing(&dst, None);
    assert_eq!(copies(&dst, "Jane ECA ID"), 3, "{l}");
    assert_eq!(k.lines().filter(|x| x.contains("Jane ECA ID")).count(), 3, "{k}");
    assert!(!l.contains("Other Person"), "only the selected person moves: {l}");
    assert_eq!(trust_of(&l, "Test Root CA"), "CT,C,", "{l}");
    assert!(text.contains("with the trust they have in firefox"), "{text}");
    // New files: only the target database's and the backup's.
    let new: Vec<PathBuf> = walk(h.path())
        .into_iter()
        .filter(|p| !before.contains(p) && !p.starts_with(&dst) && !p.starts_with(h.state()))
        .collect();
    assert!(new.is_empty(), "no key file anywhere: {new:?}");
    let again = ok(&run(h
        .certhelp()
        .args(["import", "--from", "firefox", "--cert", "jane.doe@example.com", "--all", "--to"])
        .arg(format!("nss:{}", dst.display()))));
    assert!(again.contains("Already there"), "{again}");
    let same = run(h.certhelp().args(["import", "--from", "firefox", "--to", "firefox"]));
    fails(&same, "same store");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A Thunderbird profile listed in ~/.thunderbird/profiles.ini.
fn thunderbird_profile(h: &Home) -> PathBuf {
    fixtures::mozilla_profile(&h.path().join(".thunderbird"), "tb01.default-release", None)
}

#[test]
fn run_dry_run_changes_nothing_and_says_what_it_would_do() {
    // Expected: the plan's tasks, the in-memory move named as its certhelp
    // command, and every database byte for byte as before; exit 0.
    let e = eca();
    let h = &e.home;
    let tb = thunderbird_profile(h);
    let before = (hashes(&e.profile), hashes(&tb));
    let o = run(h.certhelp().current_dir(h.work()).args([
        "run",
        "--dry-run",
        "move my certificate from firefox to thunderbird",
    ]));
    let text = ok(&o);
    assert!(text.contains("certhelp import --from nss:") && text.contains("--to thunderbird --all"), "{text}");
    assert!(text.contains("Dry run: nothing was changed"), "{text}");
    assert_eq!((hashes(&e.profile), hashes(&tb)), before);
    // Without --yes and without a terminal: refused before any change.
    let o = run(h.certhelp().current_dir(h.work()).args(["run", "move my certificate from firefox to thunderbird"]));
    fails(&o, "no terminal to ask on");
    assert_eq!((hashes(&e.profile), hashes(&tb)), before);
}

#[test]
fn run_moves_between_two_profiles_and_backs_up_every_key() {
    // Expected: `run --yes` moves Jane's pair, her old encryption key and
    // the other person's certificate from Firefox into Thunderbird (the
    // source store holds them all), each with its key; a backup run writes
    // one verified file per personal certificate into a folder it names.
    let e = eca();
    let h = &e.home;
    let tb = thunderbird_profile(h);
    let o = run(h.certhelp().current_dir(h.work()).args([
        "run",
        "--yes",
        "move my certificate from firefox to thunderbird",
    ]));
    let text = ok(&o);
    assert!(text.contains("Step 1: certhelp import --from"), "{text}");
    let (_, k) = listing(&tb, None);
    assert_eq!(k.lines().filter(|l| l.contains("rsa")).count(), 4, "{k}");

    let o = run(h
        .certhelp()
        .current_dir(h.work())
        .args(["run", "--yes", "back up my certificates from firefox", "--password-file"])
        .arg(h.pw()));
    let text = ok(&o);
    let folder = std::fs::read_dir(h.work())
        .unwrap()
        .map(|d| d.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("certificate-backup-"))
        .unwrap_or_else(|| panic!("{text}"));
    let files: Vec<PathBuf> = std::fs::read_dir(&folder).unwrap().map(|d| d.unwrap().path()).collect();
    assert_eq!(files.len(), 4, "the pair, the old encryption key and the other person: {files:?}");
    for f in &files {
        assert_eq!(mode(f), 0o600);
        assert_eq!(oracle_key_matches(f, &h.pw()), 3, "{}", f.display());
    }
}

#[test]
fn run_for_a_token_registers_its_module_in_every_profile_once() {
    // Expected: the token plan's step carried out here: OpenSC (installed
    // by CI) registered in the Firefox profile, as NSS itself lists it
    // (modutil); a second run changes nothing.
    let e = eca();
    let h = &e.home;
    let q = "use my smart card on this computer";
    ok(&run(h.certhelp().current_dir(h.work()).args(["run", "--yes", q])));
    let again = ok(&run(h.certhelp().current_dir(h.work()).args(["run", "--yes", q])));
    assert!(again.contains("Already registered"), "{again}");
    let o =
        Command::new("modutil").args(["-list", "-dbdir"]).arg(format!("sql:{}", e.profile.display())).output().unwrap();
    let listed = String::from_utf8_lossy(&o.stdout);
    assert_eq!(listed.matches("opensc-pkcs11.so").count(), 1, "{listed}");
}

#[test]
fn run_for_mail_moves_the_pair_into_thunderbird_and_associates_it() {
    // Expected: "use my certificate from firefox in thunderbird" moves the
    // certificates in memory, then sets identity 1 (Jane's address) to sign
    // with her identity certificate and encrypt with her newest encryption
    // certificate: four prefs with dbKeys, other lines byte for byte.
    let e = eca();
    let h = &e.home;
    let tb = thunderbird_profile(h);
    let prefs = "// Mozilla User Preferences\nuser_pref(\"mail.identity.id1.useremail\", \"jane.doe@example.com\");\nuser_pref(\"mail.identity.id1.fullName\", \"Jane Q. Doe\");\n";
    std::fs::write(tb.join("prefs.js"), prefs).unwrap();
    let q = "set up thunderbird to sign and encrypt with my certificate from firefox";
    let text = ok(&run(h.certhelp().current_dir(h.work()).args(["run", "--yes", q])));
    assert!(text.contains("certhelp associate --cert jane.doe@example.com --client thunderbird"), "{text}");
    let after = std::fs::read_to_string(tb.join("prefs.js")).unwrap();
    assert!(after.starts_with(prefs), "other lines kept: {after}");
    assert_eq!(after.matches("mail.identity.id1.signing_cert_dbkey").count(), 1, "{after}");
    assert_eq!(after.matches("mail.identity.id1.encryption_cert_dbkey").count(), 1, "{after}");
    assert!(after.contains(&fixtures::dbkey(&e.id.cert)), "signs with the identity certificate: {after}");
    assert!(after.contains(&fixtures::dbkey(&e.enc.cert)), "encrypts with the newest encryption certificate: {after}");
}

#[test]
fn run_imports_the_file_the_question_names() {
    // Expected: "import PATH into firefox" imports that file (its password
    // from --password-file) into the default Firefox profile.
    let h = Home::new("act-run-import");
    let prof = h.firefox_profile();
    let c = chain("Run Import User", false);
    let file = h.work().join("run-import.p12");
    std::fs::write(&file, fixtures::p12("Run Import", &c.leaf, &[], PW)).unwrap();
    let q = format!("import {} into firefox", file.display());
    let text = ok(&run(h.certhelp().current_dir(h.work()).args(["run", "--yes", &q, "--password-file"]).arg(h.pw())));
    assert!(text.contains("certhelp import"), "{text}");
    assert_eq!(copies(&prof, "Run Import"), 1);
    let (_, k) = listing(&prof, None);
    assert!(k.contains("Run Import"), "{k}");
}
