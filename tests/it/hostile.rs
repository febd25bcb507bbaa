//! Hostile input and faults (issue 8) through the real binary: files that
//! are not probe files, a full disk under an export and under an import's
//! backup, another process writing the same NSS database, two certhelp
//! imports at once, and the bad requests no other module covers.
//!
//! Each test writes its expected outcome first. Stores are judged by the
//! oracles (`certutil -L/-K`) or byte for byte (a failure before the first
//! write); every test makes and removes its own directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::fixtures::{self, add_ca, add_chain, add_p12, chain, make, now, Chain, Home, Spec};
use crate::ledger;
use crate::pkcs12::PW;
use crate::util::{certhelp, ok, run, stderr, stdout};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Exit 2, one `error:` line containing `want` (case-insensitive) and one
/// `hint:` line, nothing else on stderr.
fn fails(o: &Output, want: &str) -> (String, String) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stdout: {}\nstderr: {e}", stdout(o));
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].to_lowercase().contains(&want.to_lowercase()),
        "want {want:?}: {e}"
    );
    assert!(lines[1].starts_with("hint: "), "{e}");
    (lines[0].to_string(), lines[1].to_string())
}

/// Every file of a directory (not recursive) with its bytes' SHA-256.
fn files_of(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            let h = certhelp::cert::hex(&openssl::sha::sha256(&std::fs::read(e.path()).unwrap()));
            (e.file_name().to_string_lossy().into_owned(), h)
        })
        .collect();
    v.sort();
    v
}

/// `certutil ARGS -d sql:DIR`: stdout and stderr together, and success.
fn certutil(dir: &Path, args: &[&str]) -> (bool, String) {
    let o = Command::new("certutil").args(args).arg("-d").arg(format!("sql:{}", dir.display())).output().unwrap();
    (o.status.success(), String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr))
}

/// The oracle's listing of a database: certificates with trust, and keys
/// (without certutil's `< N>` key numbers, which shift as keys are added,
/// and its "no keys found" message).
fn listing(dir: &Path) -> String {
    let keys = certutil(dir, &["-K"]).1;
    let keys = keys
        .lines()
        .filter(|l| !l.contains("no keys found"))
        .map(|l| l.trim_start().strip_prefix('<').and_then(|r| r.split_once('>')).map_or(l, |(_, rest)| rest.trim()))
        .collect::<Vec<_>>()
        .join("\n");
    certutil(dir, &["-L"]).1 + &keys
}

fn copies(dir: &Path, nick: &str) -> usize {
    certutil(dir, &["-L", "-n", nick, "-a"]).1.matches("BEGIN CERTIFICATE").count()
}

// ---------------------------------------------------------------- --env

#[test]
fn env_files_that_are_not_probe_files_are_errors_for_doctor_and_plan() {
    // Expected: package.json-like JSON, `{}`, an unknown schema version and
    // a probe file without an OS are each one error + one hint, exit 2, for
    // both doctor and plan (never "0 checks: 0 failed", never this
    // machine's OS). A real `probe --json` output is accepted (exit 0 or 1).
    let h = Home::new("hostile-env");
    let w = h.work();
    let probe = run(certhelp(h.path()).args(["probe", "--json"]));
    assert!(matches!(probe.status.code(), Some(0 | 1)), "{}", stderr(&probe));
    let real = stdout(&probe);
    let mut no_os: serde_json::Value = serde_json::from_str(&real).unwrap();
    no_os.as_object_mut().unwrap().remove("os");
    let mut v99: serde_json::Value = serde_json::from_str(&real).unwrap();
    v99["schema"] = 99.into();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "package.json",
            r#"{"name":"left-pad","version":"1.3.0","main":"index.js","license":"WTFPL"}"#.into(),
            "not a certhelp probe file",
        ),
        ("empty-object.json", "{}".into(), "not a certhelp probe file"),
        ("array.json", "[1, 2]".into(), "not a certhelp probe file"),
        ("string-schema.json", r#"{"schema":"1","os":{"id":"linux"}}"#.into(), "not a certhelp probe file"),
        ("v99.json", v99.to_string(), "schema version 99"),
        ("no-os.json", no_os.to_string(), "operating system"),
        ("no-os-id.json", r#"{"schema":1,"os":{"name":"Ubuntu"}}"#.into(), "operating system"),
    ];
    for (name, text, want) in &cases {
        let f = w.join(name);
        std::fs::write(&f, text).unwrap();
        let (e, _) = fails(&run(certhelp(h.path()).args(["doctor", "--env", s(&f)])), want);
        assert!(e.contains(name), "{e}");
        fails(&run(certhelp(h.path()).args(["doctor", "--json", "--env", s(&f)])), want);
        fails(&run(certhelp(h.path()).args(["plan", "--env", s(&f), "backup my certificate"])), want);
    }
    ledger::record(
        "bad input: files handed to certhelp",
        "--env JSON that is not a probe file (7 kinds), to doctor, doctor --json and plan",
        cases.len() * 3,
        None,
    );
    let f = w.join("probe.json");
    std::fs::write(&f, &real).unwrap();
    let o = run(certhelp(h.path()).args(["doctor", "--env", s(&f)]));
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(stdout(&o).contains("check"), "{}", stdout(&o));
    let o = run(certhelp(h.path()).args(["plan", "--format", "json", "--env", s(&f), "backup my certificate"]));
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap();
}

// ------------------------------------------------------------ disk full

/// A small tmpfs mounted on a directory, unmounted on drop (also when the
/// test panics). Mounting needs root, which CI has.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, kib: u64) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k,mode=0700"), "tmpfs"])
            .arg(dir)
            .output()
            .expect("run mount");
        assert!(
            o.status.success(),
            "this test needs to mount a small tmpfs (run it as root, as CI does): {}",
            String::from_utf8_lossy(&o.stderr)
        );
        Tmpfs(dir.to_path_buf())
    }

    /// Fills the file system, then frees one page: the next writer gets a
    /// little room and then ENOSPC mid-write.
    fn fill(&self) {
        use std::io::Write;
        let filler = self.0.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = [0xa5u8; 4096];
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "{e}");
                    break;
                }
            }
        }
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(4096)).unwrap();
    }

    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A source database: both CAs and the personal certificate with its key.
fn filled(h: &Home, c: &Chain, name: &str) -> PathBuf {
    let d = h.db(name, None);
    add_chain(&d, c, "Jane ID", &h.work(), None);
    d
}

#[test]
fn an_export_onto_a_full_disk_is_no_space_and_leaves_nothing() {
    // Expected: exit 2, one "no space" error + hint; the full directory
    // holds only the filler (no x.p12, no temporary file); the source
    // database byte for byte unchanged.
    let h = Home::new("hostile-full-export");
    let c = chain("Full Export", false);
    let src = filled(&h, &c, "src");
    let before = files_of(&src);
    let listed = listing(&src);
    let out_dir = h.path().join("full");
    let fs = Tmpfs::mount(&out_dir, 64);
    fs.fill();
    let out = out_dir.join("x.p12");
    let o = run(h.certhelp().args([
        "export",
        "--from",
        &format!("nss:{}", src.display()),
        "--out",
        s(&out),
        "--password-file",
        s(&h.pw()),
    ]));
    fails(&o, "no space");
    ledger::record(
        "fault: disk full",
        "export onto a full disk (64 KiB tmpfs)",
        1,
        Some(ledger::lost_lines(&listed, &listing(&src))),
    );
    assert_eq!(fs.names(), vec!["filler".to_string()]);
    assert_eq!(files_of(&src), before, "the source store is untouched");
}

#[test]
fn an_import_whose_backup_cannot_be_written_changes_nothing() {
    // Expected: the backup comes before the first write, so a full state
    // directory stops the import: exit 2, "no space" error + hint, the
    // target database byte for byte unchanged.
    let h = Home::new("hostile-full-backup");
    let c = chain("Full Backup", false);
    let dst = h.db("dst", None);
    add_ca(&dst, "Test Root CA", &c.root, &h.work());
    let before = files_of(&dst);
    let listed = listing(&dst);
    let file = h.work().join("in.p12");
    std::fs::write(&file, c.p12("Jane ID", PW)).unwrap();
    let state = h.path().join("state-full");
    let fs = Tmpfs::mount(&state, 64);
    fs.fill();
    let to = format!("nss:{}", dst.display());
    let o = run(h.certhelp_in(&state).args(["import", s(&file), "--to", &to, "--password-file", s(&h.pw())]));
    fails(&o, "no space");
    ledger::record(
        "fault: disk full",
        "import whose backup cannot be written (full state directory)",
        1,
        Some(ledger::lost_lines(&listed, &listing(&dst))),
    );
    assert_eq!(files_of(&dst), before, "the target store is untouched");
    // Lock files stay by design (flock); anything else would be a partial
    // backup or journal.
    let mut left = Vec::new();
    let mut todo = vec![state.clone()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                if e.file_name() != "locks" {
                    todo.push(e.path());
                }
            } else if e.file_name() != "filler" {
                left.push(e.path());
            }
        }
    }
    assert!(left.is_empty(), "a partial backup is left: {left:?}");
}

// ------------------------------------------------------- concurrent use

#[test]
fn an_import_while_certutil_writes_the_same_database_loses_nothing() {
    // Expected: certhelp's import and a loop of `certutil -A` then `-L`
    // (as a running browser reads and writes) all succeed; afterwards the
    // database opens and certutil lists every CA the loop added, the
    // imported certificate once and its key. The loop starts before the
    // import and runs until it has ended, so the two overlap whatever the
    // speeds.
    let h = Home::new("hostile-concurrent");
    let c = chain("Busy Store", false);
    let dst = h.db("dst", None);
    let file = h.work().join("in.p12");
    std::fs::write(&file, c.p12("Jane ID", PW)).unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (dst, work, done) = (dst.clone(), h.work(), done.clone());
        std::thread::spawn(move || {
            let db = format!("sql:{}", dst.display());
            let mut added = 0u32;
            // At most 200 rounds: a hang guard should the import never end.
            while added < 200 && !(done.load(std::sync::atomic::Ordering::SeqCst) && added >= 3) {
                let pem = work.join(format!("ca{added}.pem"));
                std::fs::write(&pem, fixtures::root_ca("Hostile Test", &format!("Busy CA {added}"), 100 + added).pem())
                    .unwrap();
                let nick = format!("Busy CA {added}");
                let o = Command::new("certutil")
                    .args(["-A", "-n", &nick, "-t", "C,,", "-i"])
                    .arg(&pem)
                    .args(["-d", &db])
                    .output()
                    .unwrap();
                assert!(o.status.success(), "certutil -A {added}: {}", String::from_utf8_lossy(&o.stderr));
                let o = Command::new("certutil").args(["-L", "-d", &db]).output().unwrap();
                assert!(o.status.success(), "certutil -L: {}", String::from_utf8_lossy(&o.stderr));
                added += 1;
                if added == 1 {
                    started_tx.send(()).unwrap();
                }
            }
            added
        })
    };
    started_rx.recv().unwrap();
    let o = h.import(&file, &dst, &["--cert-name", "Jane ID"]);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let added = writer.join().unwrap();
    ok(&o);

    let (opened, list) = certutil(&dst, &["-L"]);
    assert!(opened, "{list}");
    let missing = (0..added).filter(|i| !list.contains(&format!("Busy CA {i} "))).count();
    ledger::record(
        "fault: concurrent use",
        "import while certutil -A/-L writes the same database",
        1,
        Some(missing + 1 - copies(&dst, "Jane ID").min(1)),
    );
    for i in 0..added {
        assert!(list.contains(&format!("Busy CA {i} ")), "Busy CA {i} lost: {list}");
    }
    assert_eq!(copies(&dst, "Jane ID"), 1, "{list}");
    let (_, keys) = certutil(&dst, &["-K"]);
    assert!(keys.contains("Jane ID"), "{keys}");
}

#[test]
fn two_imports_into_one_store_at_once_are_serialised() {
    // Expected: both exit 0 (the second waits for the first's lock, or
    // finds the store free), each certificate once with its key, the
    // database opens.
    let h = Home::new("hostile-two");
    let a = chain("First Person", false);
    let b = make(Spec {
        subject: &[("C", "US"), ("O", "Test PKI"), ("CN", "Second Person")],
        issuer: Some(&a.sub),
        ca: false,
        ku: &["digitalSignature"],
        eku: &["clientAuth"],
        san_email: Some("second@example.com"),
        not_before: now() - 86_400,
        not_after: now() + 300 * 86_400,
        serial: 0x4242,
    });
    let dst = h.db("dst", None);
    let fa = h.work().join("a.p12");
    let fb = h.work().join("b.p12");
    std::fs::write(&fa, a.p12("First", PW)).unwrap();
    std::fs::write(&fb, fixtures::p12("Second", &b, &[&a.sub, &a.root], PW)).unwrap();
    let to = format!("nss:{}", dst.display());
    let spawn = |f: &Path, nick: &str| {
        h.certhelp()
            .args(["import", s(f), "--to", &to, "--password-file", s(&h.pw()), "--cert-name", nick])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let pa = spawn(&fa, "First");
    let pb = spawn(&fb, "Second");
    ok(&pa.wait_with_output().unwrap());
    ok(&pb.wait_with_output().unwrap());
    assert_eq!(copies(&dst, "First"), 1);
    assert_eq!(copies(&dst, "Second"), 1);
    let (opened, keys) = certutil(&dst, &["-K"]);
    assert!(opened, "{keys}");
    let missing = ["First", "Second"].iter().filter(|n| !keys.contains(*n) || copies(&dst, n) == 0).count();
    ledger::record("fault: concurrent use", "two certhelp imports into one store at once", 2, Some(missing));
    assert!(keys.contains("First") && keys.contains("Second"), "{keys}");
}

// ------------------------------------------------------------ bad input

/// `openssl pkcs12 -export` of the leaf as "Jane ID" (and with `extra`
/// options) into `out`.
fn openssl_p12(h: &Home, c: &Chain, out: &Path, extra: &[&str]) {
    fixtures::openssl_p12(&h.work(), &c.leaf, &[], &h.pw(), out, &[&["-name", "Jane ID"], extra].concat());
}

#[test]
fn bad_files_given_to_import_change_nothing() {
    // Expected, for each: exit 2, one error naming the cause + one hint,
    // the target database byte for byte unchanged:
    // - a PEM certificate with a --key that belongs to another certificate;
    // - a PKCS#12 holding the certificate but no private key;
    // - a truncated PKCS#12; a huge file (refused before it is read whole);
    // - a PKCS#12 whose MAC iteration count is 2^31-1 (refused before the
    //   key derivation, so it does not hang).
    let h = Home::new("hostile-bad-files");
    let c = chain("Bad Files", false);
    let other = chain("Someone Else", false);
    let dst = h.db("dst", None);
    add_ca(&dst, "Test Root CA", &c.root, &h.work());
    let before = files_of(&dst);
    let listed = listing(&dst);
    let w = h.work();
    let record = |case: &str| {
        let lost = ledger::lost_lines(&listed, &listing(&dst));
        ledger::record("bad input: PKCS#12 and key files", case, 1, Some(lost));
        assert_eq!(lost, 0, "{case}: the oracle lists less than before");
    };

    let cert = w.join("cert.pem");
    std::fs::write(&cert, c.leaf.pem()).unwrap();
    let wrong_key = w.join("other.key");
    std::fs::write(&wrong_key, other.leaf.key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    fails(&h.import(&cert, &dst, &["--key", s(&wrong_key)]), "does not match");
    record("a PEM certificate with a key that is not its own");

    let nokey = w.join("nokey.p12");
    openssl_p12(&h, &c, &nokey, &["-nokeys"]);
    fails(&h.import(&nokey, &dst, &[]), "key");
    record("a PKCS#12 without a private key");

    let good = w.join("good.p12");
    std::fs::write(&good, c.p12("Jane ID", PW)).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let trunc = w.join("trunc.p12");
    std::fs::write(&trunc, &bytes[..bytes.len() / 2]).unwrap();
    fails(&h.import(&trunc, &dst, &[]), "truncated");
    record("a truncated PKCS#12");

    let huge = w.join("huge.p12");
    std::fs::File::create(&huge).unwrap().set_len(64 << 20).unwrap();
    fails(&h.import(&huge, &dst, &[]), "huge.p12");
    record("a 64 MiB file (refused before it is read whole)");

    let iter = w.join("iter.p12");
    openssl_p12(&h, &c, &iter, &["-iter", "2048", "-legacy"]);
    let mut b = std::fs::read(&iter).unwrap();
    fixtures::forge_mac_iterations(&mut b);
    std::fs::write(&iter, &b).unwrap();
    fails(&h.import(&iter, &dst, &[]), "2147483647");
    record("a MAC iteration count of 2^31-1");

    assert_eq!(files_of(&dst), before, "the store is untouched");
}

#[test]
fn other_bad_files_and_the_two_allowed_exceptions() {
    // Expected: a wrong password, random bytes, an empty file, a missing
    // file, a PEM certificate where a .p12 is expected (the hint offers
    // `certhelp convert`) and a PKCS#12 without a MAC are each exit 2, one
    // error + one hint, the database byte for byte unchanged. The
    // exceptions: an expired certificate is imported with a warning (exit
    // 0), and an RC2-40 legacy file is imported (exit 0); nothing the
    // database held before is lost (certutil).
    let h = Home::new("hostile-more-files");
    let c = chain("More Files", false);
    let dst = h.db("dst", None);
    add_ca(&dst, "Test Root CA", &c.root, &h.work());
    let before = files_of(&dst);
    let listed = listing(&dst);
    let w = h.work();
    let record = |case: &str| {
        let lost = ledger::lost_lines(&listed, &listing(&dst));
        ledger::record("bad input: PKCS#12 and key files", case, 1, Some(lost));
        assert_eq!(lost, 0, "{case}: the oracle lists less than before");
    };
    let good = w.join("good.p12");
    std::fs::write(&good, c.p12("Jane ID", PW)).unwrap();
    let wrong = w.join("wrong-pw");
    std::fs::write(&wrong, "not the password\n").unwrap();
    let to = format!("nss:{}", dst.display());
    fails(&run(h.certhelp().args(["import", s(&good), "--to", &to, "--password-file", s(&wrong)])), "wrong password");
    record("a wrong password");

    let random = w.join("random.p12");
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&random, bytes).unwrap();
    fails(&h.import(&random, &dst, &[]), "");
    record("random bytes");

    let empty = w.join("empty.p12");
    std::fs::write(&empty, b"").unwrap();
    fails(&h.import(&empty, &dst, &[]), "empty");
    record("an empty file");

    fails(&h.import(&w.join("missing.p12"), &dst, &[]), "missing.p12");
    record("a missing file");

    let pem = w.join("cert.pem");
    std::fs::write(&pem, c.leaf.pem()).unwrap();
    let (_, hint) = fails(&h.import(&pem, &dst, &[]), "");
    assert!(hint.contains("convert") || hint.contains("--key"), "{hint}");
    record("a PEM certificate where a .p12 is expected");

    let nomac = w.join("nomac.p12");
    openssl_p12(&h, &c, &nomac, &["-nomac"]);
    fails(&h.import(&nomac, &dst, &[]), "MAC");
    record("a PKCS#12 without a MAC");
    assert_eq!(files_of(&dst), before, "the store is untouched");

    let rc2 = w.join("rc2.p12");
    openssl_p12(&h, &c, &rc2, &["-legacy", "-certpbe", "PBE-SHA1-RC2-40", "-keypbe", "PBE-SHA1-RC2-40"]);
    ok(&h.import(&rc2, &dst, &[]));
    assert_eq!(copies(&dst, "Jane ID"), 1);
    record("an RC2-40 legacy file (must work: imported)");

    let expired = make(Spec {
        subject: &[("C", "US"), ("O", "Test PKI"), ("CN", "Old Expired")],
        issuer: Some(&c.sub),
        ca: false,
        ku: &["digitalSignature"],
        eku: &["clientAuth"],
        san_email: Some("old@example.com"),
        not_before: now() - 800 * 86_400,
        not_after: now() - 86_400,
        serial: 0x0e0e,
    });
    let old = w.join("expired.p12");
    std::fs::write(&old, fixtures::p12("Old Expired", &expired, &[&c.sub, &c.root], PW)).unwrap();
    let o = h.import(&old, &dst, &[]);
    ok(&o);
    assert!(stderr(&o).contains("warning:") && stderr(&o).contains("expired"), "{}", stderr(&o));
    assert_eq!(copies(&dst, "Old Expired"), 1);
    record("an expired certificate (allowed with a warning: imported)");
}

#[test]
fn bad_stores_are_named_and_left_alone() {
    // Expected: exit 2, one error + one hint, for an unknown STORE syntax,
    // a Firefox profile that does not exist, a directory without a
    // database, and a corrupt cert9.db (left byte for byte as it was).
    let h = Home::new("hostile-bad-stores");
    let c = chain("Bad Stores", false);
    let file = h.work().join("in.p12");
    std::fs::write(&file, c.p12("Jane ID", PW)).unwrap();
    let import_to = |to: &str| run(h.certhelp().args(["import", s(&file), "--to", to, "--password-file", s(&h.pw())]));
    fails(&import_to("bogus:thing"), "unknown store");
    ledger::record("bad input: requests", "an unknown STORE syntax (bogus:thing)", 1, None);
    fails(&import_to("firefox:nosuchprofile"), "");
    ledger::record("bad input: stores", "a Firefox profile that does not exist", 1, None);
    let empty = h.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    fails(&import_to(&format!("nss:{}", empty.display())), "no NSS database");
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0, "no database was created");
    ledger::record("bad input: stores", "a directory without a database (none is created)", 1, None);

    let bad = h.db("corrupt", None);
    let mut junk: Vec<u8> = b"SQLite format 3\0".to_vec();
    junk.extend((0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8));
    std::fs::write(bad.join("cert9.db"), &junk).unwrap();
    let before = files_of(&bad);
    fails(&import_to(&format!("nss:{}", bad.display())), "");
    ledger::record(
        "bad input: stores",
        "a corrupt cert9.db (left byte for byte)",
        1,
        Some(usize::from(files_of(&bad) != before)),
    );
    assert_eq!(files_of(&bad), before, "the corrupt database is left as it was");
}

#[test]
fn an_ambiguous_cert_lists_the_candidates_and_writes_nothing() {
    // Expected: `export --cert` with a selector two personal certificates
    // match is exit 2, one error listing both + one hint; no output file,
    // the store byte for byte unchanged.
    let h = Home::new("hostile-ambiguous");
    let c = chain("Jane Doe", false);
    let src = filled(&h, &c, "src");
    let second = make(Spec {
        subject: &[("C", "US"), ("O", "Test PKI"), ("CN", "Jane Doe")],
        issuer: Some(&c.sub),
        ca: false,
        ku: &["keyEncipherment"],
        eku: &["emailProtection"],
        san_email: Some("tester@example.com"),
        not_before: now() - 86_400,
        not_after: now() + 300 * 86_400,
        serial: 0x5151,
    });
    add_p12(&src, "Jane Encryption", &second, &h.work(), None);
    let before = files_of(&src);
    let listed = listing(&src);
    let out = h.work().join("x.p12");
    let o = run(h.certhelp().args([
        "export",
        "--from",
        &format!("nss:{}", src.display()),
        "--cert",
        "tester@example.com",
        "--out",
        s(&out),
        "--password-file",
        s(&h.pw()),
    ]));
    // NSS keeps one nickname per subject, so the two are told apart by
    // their use and fingerprint.
    let (e, _) = fails(&o, "several personal certificates match");
    assert_eq!(e.matches("sha256:").count(), 2, "{e}");
    ledger::record(
        "bad input: requests",
        "an ambiguous --cert (export)",
        1,
        Some(ledger::lost_lines(&listed, &listing(&src))),
    );
    assert!(!out.exists());
    assert_eq!(files_of(&src), before);
}

/// Runs `cmd` to completion, killing it (and failing) if it is still
/// running after a generous 120 s: a hang guard, not a timing assertion.
fn without_hang(cmd: &mut Command) -> Output {
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null()).spawn().unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let guard = std::thread::spawn(move || {
        if rx.recv_timeout(std::time::Duration::from_secs(120)).is_err() {
            // SAFETY: kill(2) on the child this test started.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            return true;
        }
        false
    });
    let o = child.wait_with_output().unwrap();
    let _ = tx.send(());
    assert!(!guard.join().unwrap(), "certhelp hung and was killed");
    o
}

#[test]
fn odd_questions_get_a_plan_or_a_clean_error() {
    // Expected: a 100 KB question and questions in other languages and
    // scripts give a plan (exit 0 or 1) or one error + hint (exit 2),
    // never a crash (signal, panic) or a hang.
    let h = Home::new("hostile-questions");
    let mut big = String::new();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let words = ["export", "certificate", "firefox", "token", "ключ", "证书", "🔑", "p12", "move", "\u{200b}"];
    while big.len() < 100 * 1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        big.push_str(words[(x % words.len() as u64) as usize]);
        big.push(' ');
    }
    let questions = [
        big.as_str(),
        &"a".repeat(100 * 1024),
        "¿Cómo exporto mi certificado de Firefox a un archivo?",
        "Wie importiere ich mein Zertifikat in Thunderbird?",
        "如何将证书从火狐浏览器导出",
        "كيف أنقل شهادتي إلى حاسوب جديد",
        "\u{202e}xodniw\u{7}\u{1b}[2J?",
    ];
    for q in questions {
        for format in ["text", "json"] {
            let o = without_hang(h.certhelp().args(["plan", "--no-probe", "--format", format, "--", q]));
            let code = o.status.code();
            let err = stderr(&o);
            assert!(matches!(code, Some(0..=2)), "{code:?}: {err}");
            assert!(!err.contains("panicked"), "{err}");
            if code == Some(2) {
                fails(&o, "");
            } else if format == "json" {
                serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap();
            }
        }
    }
    ledger::record(
        "bad input: requests",
        "100 KB questions, questions in 4 other languages and scripts, control characters (text and JSON)",
        questions.len() * 2,
        None,
    );
}

#[test]
fn a_read_only_database_is_refused_and_left_alone() {
    // Expected: run as an unprivileged user (root ignores file modes), an
    // import into a database that user may read but not write is exit 2,
    // one error + one hint, and the database byte for byte unchanged.
    use std::os::unix::fs::{chown, PermissionsExt};
    let h = Home::new("hostile-readonly");
    let c = chain("Read Only", false);
    let dst = h.db("dst", None);
    add_ca(&dst, "Test Root CA", &c.root, &h.work());
    let file = h.work().join("in.p12");
    std::fs::write(&file, c.p12("Jane ID", PW)).unwrap();
    let public = |p: &Path, mode: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    for f in [&file, &h.pw()] {
        public(f, 0o644);
    }
    for e in std::fs::read_dir(&dst).unwrap().flatten() {
        public(&e.path(), 0o444);
    }
    public(&dst, 0o555);
    for d in [h.path(), &h.work()] {
        public(d, 0o755);
    }
    let state = h.path().join("state-nobody");
    std::fs::create_dir_all(&state).unwrap();
    chown(&state, Some(65534), Some(65534)).unwrap();
    let before = files_of(&dst);
    let listed = listing(&dst);
    let cmd = h.certhelp_in(&state);
    let inner = cmd.get_program().to_owned();
    let mut as_nobody = Command::new("setpriv");
    as_nobody.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(inner);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => as_nobody.env(k, v),
            None => as_nobody.env_remove(k),
        };
    }
    let to = format!("nss:{}", dst.display());
    let o = run(as_nobody.args(["import", s(&file), "--to", &to, "--password-file", s(&h.pw())]));
    let (e, hint) = fails(&o, "cannot be written (read-only or no permission)");
    assert!(e.contains(s(&dst)), "{e}");
    assert!(hint.contains("permissions"), "{hint}");
    ledger::record(
        "bad input: stores",
        "a read-only database (run as nobody)",
        1,
        Some(ledger::lost_lines(&listed, &listing(&dst))),
    );
    assert_eq!(files_of(&dst), before, "the read-only store is untouched");
    public(&dst, 0o755);
}

#[test]
fn broken_knowledge_base_overrides_are_named_by_file_and_line() {
    // Expected: `kb lint DIR` exits 2 naming file:line for an unclosed
    // front matter and for a `related` id that is no article; with that
    // directory as an overlay, list and plan still answer (exit 0/1) from
    // the shipped knowledge base, with a warning naming the file.
    let h = Home::new("hostile-kb");
    let org = h.path().join("org");
    std::fs::create_dir_all(&org).unwrap();
    let shipped = std::fs::read_to_string(crate::util::repo().join("kb/CH1001.md")).unwrap();
    assert!(shipped.contains("related: [CH1002"));
    std::fs::write(org.join("CH1001.md"), shipped.replacen("related: [CH1002", "related: [ZZ9999, CH1002", 1)).unwrap();
    std::fs::write(org.join("SO7079.md"), "---\nid: SO7079\ntitle: never closed\n").unwrap();
    let o = run(certhelp(h.path()).args(["kb", "lint", s(&org)]));
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("SO7079.md:1: front matter opened here is not closed"), "{out}");
    let line = shipped.lines().position(|l| l.starts_with("related:")).unwrap() + 1;
    assert!(out.contains(&format!("CH1001.md:{line}: `related` names `ZZ9999`")), "{out}");

    let o = run(certhelp(h.path()).args(["--kb", s(&org), "list"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("SO7079.md"), "{}", stderr(&o));
    assert!(stdout(&o).contains("SO7079") && stdout(&o).contains("CH1001"));
    let o = run(certhelp(h.path()).args(["--kb", s(&org), "plan", "--no-probe", "export my certificate from firefox"]));
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    ledger::record(
        "bad input: files handed to certhelp",
        "knowledge-base overrides: unclosed front matter, an unknown article id (kb lint, list, plan)",
        3,
        None,
    );
}
