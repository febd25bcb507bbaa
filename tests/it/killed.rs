//! `kill -9` loops (issue 8, Faults) over the verbs that write besides the
//! NSS import and chain install (those are in `interrupted`): a PKCS#12
//! export, an import onto a SoftHSM token, `associate` (Thunderbird's
//! prefs.js) and `token enable` (pkcs11.txt).
//!
//! Each verb is killed twice over: at its named crash points
//! (`CERTHELP_CRASH_AT`, src/fault.rs), and after a spread of delays (spawn,
//! sleep d, SIGKILL) across the length of one uninterrupted run, so kills
//! also land between the points. Whether a given delay lands before,
//! inside or after the write does not matter: every assertion must hold
//! wherever the kill fell (no timed assertion). After each kill the
//! oracles say:
//! - the store opens (certutil, pkcs11-tool, modutil) and holds the old
//!   state or the complete new one (prefs.js and pkcs11.txt as text);
//! - where the verb backs up, a backup of the old state exists as soon as
//!   the file differs;
//! - no partial file is under the final name;
//! - the same command again ends with exactly one copy.
//!
//! Fixtures use low KDF iteration counts (CERTHELP_P12_ITERATIONS, a
//! PKCS#12 made with 1 iteration) so many kills fit in CI's time.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::fixtures::{self, add_chain, add_p12, chain, make, new_db, Spec, SOFTHSM};
use crate::ledger;
use crate::util::{certhelp, run, stderr, stdout, TempDir};

/// Kills after delays spread over one run: this many per verb.
const DELAYS: u32 = 8;
const PW: &str = "killed pw";

/// Start `cmd`, SIGKILL it after `after`; true when the kill ended it
/// (false: it had finished first). The child is not reaped before the
/// kill, so its pid cannot have been reused.
fn kill_after(cmd: &mut Command, after: Duration) -> bool {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(after);
    // SAFETY: kill(2) on the child this test started and has not reaped.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap().signal() == Some(libc::SIGKILL)
}

/// Run `cmd` with `CERTHELP_CRASH_AT=point`; it must die by SIGKILL there.
fn crash_at(cmd: &mut Command, point: &str) {
    let o = run(cmd.env("CERTHELP_CRASH_AT", point));
    assert_eq!(o.status.signal(), Some(libc::SIGKILL), "{point}: not reached: {}{}", stdout(&o), stderr(&o));
}

/// A kill: at a named point, or after a delay.
#[derive(Clone, Debug)]
enum Kill {
    At(&'static str),
    After(Duration),
}

/// The named points, then `DELAYS` delays from 0 to a little past the
/// length of one run (`full`).
fn kills(points: &[&'static str], full: Duration) -> Vec<Kill> {
    let mut v: Vec<Kill> = points.iter().map(|p| Kill::At(p)).collect();
    v.extend((0..DELAYS).map(|i| Kill::After(full * i / (DELAYS - 1) + Duration::from_millis(1))));
    v
}

/// Apply `k` to `cmd`; true when certhelp was killed.
fn apply(k: &Kill, cmd: &mut Command) -> bool {
    match k {
        Kill::At(p) => {
            crash_at(cmd, p);
            true
        }
        Kill::After(d) => kill_after(cmd, *d),
    }
}

fn timed(cmd: &mut Command) -> (Output, Duration) {
    let t = Instant::now();
    let o = run(cmd);
    (o, t.elapsed())
}

/// certutil's listing of certificates and keys: the store opens, and this
/// is what it holds.
fn nss_listing(dir: &Path) -> String {
    fixtures::certutil_stdout(dir, &["-L"]) + &fixtures::certutil_stdout(dir, &["-K"])
}

/// Names in `dir` that certhelp left behind (hidden temporary names).
fn leftovers(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.retain(|n| n.contains(".certhelp-"));
    v.sort();
    v
}

/// Files under the backups folder holding exactly `bytes` under `name`.
fn backups_holding(state: &Path, name: &str, bytes: &[u8]) -> usize {
    let Ok(d) = std::fs::read_dir(state.join("backups")) else { return 0 };
    d.flatten().filter(|e| std::fs::read(e.path().join(name)).is_ok_and(|b| b == bytes)).count()
}

// ------------------------------------------------------------- export

#[test]
fn an_export_killed_anywhere_leaves_no_partial_file_and_the_store_alone() {
    // Expected, wherever the kill falls: the source store lists the same
    // certificates and keys; out.p12 is absent or a complete file the
    // oracle (openssl pkcs12) decrypts with a key matching its certificate;
    // anything else left is hidden, certhelp-named and 0600. The same
    // command again: absent -> written and complete; present -> refused
    // ("exists"), the file as it was. One out.p12 in the folder.
    let h = TempDir::new("killed-export");
    let work = h.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let pw = work.join("pw");
    std::fs::write(&pw, PW).unwrap();
    let c = chain("Killed Export", false);
    let db = h.path().join("db");
    new_db(&db, None);
    add_chain(&db, &c, "Killed Export", &work, None);
    let before = nss_listing(&db);
    let outdir = h.path().join("out");
    std::fs::create_dir_all(&outdir).unwrap();
    let out = outdir.join("out.p12");
    let from = format!("nss:{}", db.display());
    let export = || {
        let mut cmd = certhelp(h.path());
        cmd.env("CERTHELP_STATE_DIR", h.path().join("state"))
            .env("CERTHELP_P12_ITERATIONS", "1000")
            .args(["export", "--from", &from, "--out", out.to_str().unwrap(), "--password-file"])
            .arg(&pw);
        cmd
    };
    let (o, full) = timed(&mut export());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut runs = 1;
    let mut lost = 0;
    let mut left = 0;
    for k in kills(&["file:before-link", "export:after-staged", "export:after-rename"], full) {
        for e in std::fs::read_dir(&outdir).unwrap().flatten() {
            std::fs::remove_file(e.path()).unwrap();
        }
        apply(&k, &mut export());
        runs += 1;
        let after = nss_listing(&db);
        lost += ledger::lost_lines(&before, &after);
        assert_eq!(after, before, "{k:?}: the source store changed");
        let was_there = out.exists();
        if was_there {
            assert_eq!(crate::pkcs12::oracle_key_matches(&out, &pw), 3, "{k:?}: partial file under the final name");
        }
        for name in leftovers(&outdir) {
            let mode = std::fs::metadata(outdir.join(&name)).unwrap().permissions().mode() & 0o777;
            assert!(
                name.starts_with(".") && name.contains("out.p12.certhelp-") && mode == 0o600,
                "{k:?}: {name} {mode:o}"
            );
            left += 1;
        }
        let bytes = std::fs::read(&out).ok();
        let o = run(&mut export());
        runs += 1;
        if was_there {
            assert_eq!(o.status.code(), Some(2), "{k:?}: {}", stderr(&o));
            assert!(stderr(&o).contains("exists"), "{k:?}: {}", stderr(&o));
            assert_eq!(std::fs::read(&out).ok(), bytes, "{k:?}: the file was touched");
        } else {
            assert_eq!(o.status.code(), Some(0), "{k:?}: {}", stderr(&o));
            assert_eq!(
                leftovers(&outdir),
                Vec::<String>::new(),
                "{k:?}: the next export clears what the killed one left"
            );
        }
        assert_eq!(crate::pkcs12::oracle_key_matches(&out, &pw), 3, "{k:?}");
        let visible = std::fs::read_dir(&outdir)
            .unwrap()
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count();
        assert_eq!(visible, 1, "{k:?}: exactly one file");
    }
    ledger::record(
        "kill -9",
        "export --out FILE (PKCS#12): 3 crash points + 8 kill delays, each run again",
        runs,
        Some(lost),
    );
    assert_eq!(lost, 0, "the oracles list less than before");
    eprintln!("export: {runs} runs, {left} hidden leftover file(s) after kills");
}

#[test]
fn an_export_of_all_killed_anywhere_leaves_no_half_filled_folder() {
    // Expected, wherever the kill falls: the folder `all` is absent or
    // holds both files, each complete (openssl decrypts it, key matching);
    // anything left beside it is hidden and certhelp-named. The same
    // command again: absent -> both files written; present -> refused, the
    // folder as it was.
    let h = TempDir::new("killed-export-all");
    let work = h.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let pw = work.join("pw");
    std::fs::write(&pw, PW).unwrap();
    let c = chain("Killed All", false);
    let second = make(Spec {
        subject: &[("C", "US"), ("O", "Test PKI"), ("CN", "Killed All Two")],
        issuer: Some(&c.sub),
        ca: false,
        ku: &["keyEncipherment"],
        eku: &["emailProtection"],
        san_email: Some("two@example.com"),
        not_before: 1_700_000_000,
        not_after: 2_100_000_000,
        serial: 0x7777,
    });
    let db = h.path().join("db");
    new_db(&db, None);
    add_p12(&db, "Killed All", &c.leaf, &work, None);
    add_p12(&db, "Killed All Two", &second, &work, None);
    let before = nss_listing(&db);
    let parent = h.path().join("out");
    std::fs::create_dir_all(&parent).unwrap();
    let all = parent.join("all");
    let from = format!("nss:{}", db.display());
    let export = || {
        let mut cmd = certhelp(h.path());
        cmd.env("CERTHELP_STATE_DIR", h.path().join("state"))
            .env("CERTHELP_P12_ITERATIONS", "1000")
            .args(["export", "--from", &from, "--all", "--out", all.to_str().unwrap(), "--password-file"])
            .arg(&pw);
        cmd
    };
    let files = || -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> =
            std::fs::read_dir(&all).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        v.sort();
        v
    };
    let (o, full) = timed(&mut export());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (mut runs, mut lost) = (1, 0);
    for k in kills(&["export:after-staged", "export:after-rename"], full) {
        let _ = std::fs::remove_dir_all(&all);
        apply(&k, &mut export());
        runs += 1;
        lost += ledger::lost_lines(&before, &nss_listing(&db));
        let was_there = all.exists();
        if was_there {
            assert_eq!(files().len(), 2, "{k:?}: a half-filled folder: {:?}", files());
            for f in files() {
                crate::pkcs12::oracle_key_matches(&f, &pw);
            }
        }
        for name in leftovers(&parent) {
            assert!(name.starts_with(".all.certhelp-new-"), "{k:?}: {name}");
        }
        let o = run(&mut export());
        runs += 1;
        if was_there {
            assert_eq!(o.status.code(), Some(2), "{k:?}: {}", stderr(&o));
        } else {
            assert_eq!(o.status.code(), Some(0), "{k:?}: {}", stderr(&o));
            assert_eq!(leftovers(&parent), Vec::<String>::new(), "{k:?}");
        }
        assert_eq!(files().len(), 2, "{k:?}");
    }
    ledger::record(
        "kill -9",
        "export --all --out NEW-FOLDER (2 files): 2 crash points + 8 kill delays, each run again",
        runs,
        Some(lost),
    );
    assert_eq!(lost, 0, "the oracles list less than before");
}

// -------------------------------------------------------- token import

/// A SoftHSM token of this test's own, re-made for every kill.
pub struct Token {
    dir: PathBuf,
    pub conf: PathBuf,
}

pub const LABEL: &str = "killed-tok";
pub const USER_PIN: &str = "123456";
const SO_PIN: &str = "12345678";

impl Token {
    pub fn new(dir: &Path) -> Token {
        let conf = fixtures::softhsm_conf(dir);
        Token { dir: dir.to_path_buf(), conf }
    }
    /// A fresh token holding one certificate the user had before.
    pub fn reset(&self, existing_der: &Path) {
        let _ = std::fs::remove_dir_all(self.dir.join("tokens"));
        std::fs::create_dir_all(self.dir.join("tokens")).unwrap();
        fixtures::init_token(&self.conf, LABEL, SO_PIN, USER_PIN);
        let o = self.tool(&["--write-object", existing_der.to_str().unwrap(), "--type", "cert", "--label", "Existing"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    /// pkcs11-tool, logged in with the PIN from its environment.
    fn tool(&self, args: &[&str]) -> Output {
        Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", &self.conf)
            .env("KILLED_TEST_PIN", USER_PIN)
            .args(["--module", SOFTHSM, "--token-label", LABEL, "--login", "--pin", "env:KILLED_TEST_PIN"])
            .args(args)
            .output()
            .unwrap()
    }
    /// The oracle's objects as (kind, label, ID) lines, sorted: the token
    /// opens, and this is what it holds.
    pub fn objects(&self) -> Vec<String> {
        self.try_objects().unwrap_or_else(|e| panic!("the token does not open: {e}"))
    }
    /// The objects, or why the token does not open.
    fn try_objects(&self) -> Result<Vec<String>, String> {
        let o = self.tool(&["-O"]);
        if o.status.success() {
            Ok(token_objects(&stdout(&o)))
        } else {
            Err(stderr(&o))
        }
    }
    /// After a kill, the token does not load although its files are all
    /// there: SoftHSM's own file store was cut while it rewrote one of them
    /// (it writes in place, not atomically). A hardware token has no such
    /// store on the host; certhelp never creates, removes or initialises a
    /// token, so a token gone from disk would still fail the test.
    fn store_cut_by_the_kill(&self) -> bool {
        let tokens =
            std::fs::read_dir(self.dir.join("tokens")).map(|d| d.flatten().collect::<Vec<_>>()).unwrap_or_default();
        tokens.len() == 1 && tokens[0].path().join("token.object").exists()
    }
}

/// `pkcs11-tool -O` as one line per object: its kind, label and ID.
pub fn token_objects(listing: &str) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for l in listing.lines() {
        if !l.starts_with([' ', '\t']) {
            v.push(l.split(';').next().unwrap_or(l).trim().to_string());
        } else if let Some(last) = v.last_mut() {
            let t = l.trim();
            if t.starts_with("label:") || t.starts_with("ID:") {
                last.push_str(" | ");
                last.push_str(&t.split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
    }
    v.sort();
    v
}

/// SoftHSM's file store does not make an object in one write: a kill
/// inside its C_UnwrapKey or C_CreateObject was seen to leave an object
/// with no label, no ID and no value (pkcs11-tool shows an RSA key with no
/// size, or, when even the class was not written yet, a "Data object").
/// certhelp never makes an object without label and ID, no tool can tie
/// such a shell to an import, and certhelp leaves objects it cannot
/// identify alone; the oracle sets these shells apart and counts them. A
/// real token's firmware writes an object at once.
pub fn without_shells(objects: Vec<String>) -> (Vec<String>, usize) {
    let unlabelled = |o: &str| o.ends_with("| label:") || o.ends_with("| label: <empty>");
    let (shells, real): (Vec<String>, Vec<String>) =
        objects.into_iter().partition(|o| unlabelled(o) && !o.contains("| ID:"));
    (real, shells.len())
}

#[test]
fn a_token_import_killed_anywhere_is_completed_by_the_next_one() {
    // Expected, wherever the kill falls: the token opens and still holds
    // the certificate it had; every object on it is one the complete
    // import makes, none twice (a token has no backup and no journal:
    // what was created before the kill stays until the next import); the
    // same import again ends with exactly the complete set: the old
    // certificate, one private key, one public key, the certificate and
    // its root.
    let h = TempDir::new("killed-token-import");
    let work = h.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let t = Token::new(h.path());
    let c = chain("Killed Token", false);
    let existing = fixtures::existing_root();
    let existing_der = work.join("existing.der");
    std::fs::write(&existing_der, existing.cert.to_der().unwrap()).unwrap();
    let file = work.join("in.p12");
    std::fs::write(&file, crate::fixtures::quick_p12("Killed Token", &c.leaf, &[&c.root], PW)).unwrap();
    let (pw, pin) = (work.join("pw"), work.join("pin"));
    std::fs::write(&pw, PW).unwrap();
    std::fs::write(&pin, USER_PIN).unwrap();
    let to = format!("pkcs11:token={LABEL}?module-path={SOFTHSM}");
    let import = || {
        let mut cmd = certhelp(h.path());
        cmd.env("SOFTHSM2_CONF", &t.conf)
            .env("CERTHELP_STATE_DIR", h.path().join("state"))
            .arg("import")
            .arg(&file)
            .args(["--to", &to, "--password-file"])
            .arg(&pw)
            .arg("--pin-file")
            .arg(&pin);
        cmd
    };

    t.reset(&existing_der);
    let before = t.objects();
    let (o, full_time) = timed(&mut import());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let full = t.objects();
    assert_eq!(full.len(), 5, "{full:?}");
    let mut runs = 1;
    let mut lost = 0;
    let mut partial = 0;
    let mut shells = 0;
    let mut store_cuts = 0;
    let points = ["import:after-key", "import:after-cert", "import:after-ca", "import:after-public-key"];
    for k in kills(&points, full_time) {
        t.reset(&existing_der);
        apply(&k, &mut import());
        runs += 1;
        let mid = match t.try_objects() {
            Ok(mid) => mid,
            Err(e) => {
                assert!(t.store_cut_by_the_kill(), "{k:?}: the token is gone: {e}");
                store_cuts += 1;
                continue;
            }
        };
        let (mid, made) = without_shells(mid);
        shells += made;
        lost += before.iter().filter(|o| !mid.contains(o)).count();
        assert!(mid.contains(&before[0]), "{k:?}: the old certificate is gone: {mid:?}");
        for o in &mid {
            assert!(full.contains(o), "{k:?}: {o} is not part of the import: {mid:?}");
            assert_eq!(mid.iter().filter(|x| *x == o).count(), 1, "{k:?}: {o} twice");
        }
        if mid != before && mid != full {
            partial += 1;
        }
        let o = run(&mut import());
        runs += 1;
        assert_eq!(o.status.code(), Some(0), "{k:?}: {}{}", stdout(&o), stderr(&o));
        let (after, _) = without_shells(t.objects());
        lost += before.iter().filter(|o| !after.contains(o)).count();
        assert_eq!(after, full, "{k:?}: not exactly one copy");
    }
    ledger::record(
        "kill -9",
        "import FILE --to pkcs11: (SoftHSM): 4 crash points + 8 kill delays, each run again",
        runs,
        Some(lost),
    );
    assert_eq!(lost, 0, "the oracles list less than before");
    eprintln!(
        "token import: {runs} runs; {partial} kill(s) left a partial import that the next run completed; \
         {shells} SoftHSM object shell(s) (no label, no ID, no key value); \
         {store_cuts} kill(s) cut SoftHSM's own token file so that the token no longer loads"
    );
}

// ------------------------------------------------------------ associate

const PREFS: &str = "// Mozilla User Preferences\n\
\n\
user_pref(\"mail.account.account1.identities\", \"id1\");\n\
user_pref(\"mail.identity.id1.fullName\", \"Kim Killed\");\n\
user_pref(\"mail.identity.id1.useremail\", \"tester@example.com\");\n\
user_pref(\"mail.server.server1.hostname\", \"imap.example.com\");\n";

/// A home with a Thunderbird profile holding the chain's certificate and
/// key, and the prefs.js above.
fn thunderbird(h: &Path, c: &crate::fixtures::Chain) -> PathBuf {
    let work = h.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let profile = fixtures::mozilla_profile(&h.join(".thunderbird"), "tb.default-release", None);
    add_chain(&profile, c, "Kim Killed", &work, None);
    profile
}

#[test]
fn associate_killed_anywhere_leaves_old_or_new_prefs_and_a_backup() {
    // Expected, wherever the kill falls: prefs.js is byte for byte the old
    // file or the new one (never a mix, never missing); when it is the new
    // one, a backup holds the old; the certificate database lists the same.
    // The same command again: prefs.js is the new file, each certificate
    // pref once.
    let h = TempDir::new("killed-associate");
    let c = chain("Kim Killed", false);
    let profile = thunderbird(h.path(), &c);
    let prefs = profile.join("prefs.js");
    let state = h.path().join("state");
    let db_before = nss_listing(&profile);
    let associate = || {
        let mut cmd = certhelp(h.path());
        cmd.env("CERTHELP_STATE_DIR", &state).args([
            "associate",
            "--cert",
            "tester@example.com",
            "--client",
            "thunderbird",
        ]);
        cmd
    };
    std::fs::write(&prefs, PREFS).unwrap();
    let (o, full) = timed(&mut associate());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let new = std::fs::read(&prefs).unwrap();
    assert_ne!(new, PREFS.as_bytes());
    let mut runs = 1;
    let mut lost = 0;
    let mut left = 0;
    for k in kills(&["associate:after-backup", "app-file:before-rename", "associate:after-write"], full) {
        let _ = std::fs::remove_dir_all(&state);
        std::fs::write(&prefs, PREFS).unwrap();
        apply(&k, &mut associate());
        runs += 1;
        let mid = std::fs::read(&prefs).unwrap_or_default();
        assert!(mid == PREFS.as_bytes() || mid == new, "{k:?}: prefs.js is neither: {}", String::from_utf8_lossy(&mid));
        lost += ledger::lost_lines(PREFS, &String::from_utf8_lossy(&mid));
        if mid == new {
            assert_eq!(
                backups_holding(&state, "prefs.js", PREFS.as_bytes()),
                1,
                "{k:?}: no backup of the old prefs.js"
            );
        }
        left += leftovers(&profile).len();
        let o = run(&mut associate());
        runs += 1;
        assert_eq!(o.status.code(), Some(0), "{k:?}: {}{}", stdout(&o), stderr(&o));
        let after = std::fs::read(&prefs).unwrap();
        assert_eq!(after, new, "{k:?}");
        let text = String::from_utf8_lossy(&after);
        assert_eq!(text.matches("mail.identity.id1.signing_cert_dbkey").count(), 1, "{k:?}: {text}");
        assert_eq!(leftovers(&profile), Vec::<String>::new(), "{k:?}: the next run clears what the killed one left");
        lost += ledger::lost_lines(&db_before, &nss_listing(&profile));
    }
    ledger::record(
        "kill -9",
        "associate (Thunderbird prefs.js): 3 crash points + 8 kill delays, each run again",
        runs,
        Some(lost),
    );
    assert_eq!(lost, 0, "the oracles list less than before");
    eprintln!("associate: {runs} runs, {left} hidden leftover file(s) after kills");
}

// --------------------------------------------------------- token enable

#[test]
fn token_enable_killed_anywhere_leaves_old_or_new_module_lists() {
    // Expected, wherever the kill falls, in a Firefox profile and Chrome's
    // database: each pkcs11.txt is byte for byte the old file or the new
    // one; NSS opens the database (modutil -list); a changed file has a
    // backup holding the old. The same command again: one SoftHSM entry in
    // each, and modutil lists the module once.
    let h = TempDir::new("killed-token-enable");
    let conf = fixtures::softhsm_conf(h.path());
    let ff_root = h.path().join(".mozilla/firefox");
    let ff = ff_root.join("ff.p");
    new_db(&ff, None);
    std::fs::write(ff_root.join("profiles.ini"), "[Profile0]\nName=ff\nIsRelative=1\nPath=ff.p\nDefault=1\n").unwrap();
    std::fs::create_dir_all(h.path().join(".config/google-chrome")).unwrap();
    let chrome = h.path().join(".pki/nssdb");
    new_db(&chrome, None);
    let dirs = [ff, chrome];
    let old: Vec<Vec<u8>> = dirs.iter().map(|d| std::fs::read(d.join("pkcs11.txt")).unwrap()).collect();
    let state = h.path().join("state");
    let enable = || {
        let mut cmd = certhelp(h.path());
        cmd.env("CERTHELP_STATE_DIR", &state)
            .env("SOFTHSM2_CONF", &conf)
            .args(["token", "enable", "--module", SOFTHSM]);
        cmd
    };
    let (o, full) = timed(&mut enable());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let new: Vec<Vec<u8>> = dirs.iter().map(|d| std::fs::read(d.join("pkcs11.txt")).unwrap()).collect();
    let mut runs = 1;
    let mut lost = 0;
    let mut left = 0;
    for k in kills(&["token:after-backup", "app-file:before-rename", "token:after-write"], full) {
        let _ = std::fs::remove_dir_all(&state);
        for (d, o) in dirs.iter().zip(&old) {
            std::fs::write(d.join("pkcs11.txt"), o).unwrap();
        }
        apply(&k, &mut enable());
        runs += 1;
        for ((d, o), n) in dirs.iter().zip(&old).zip(&new) {
            let mid = std::fs::read(d.join("pkcs11.txt")).unwrap_or_default();
            assert!(mid == *o || mid == *n, "{k:?}: {} is neither: {}", d.display(), String::from_utf8_lossy(&mid));
            lost += ledger::lost_lines(&String::from_utf8_lossy(o), &String::from_utf8_lossy(&mid));
            if mid == *n {
                assert!(backups_holding(&state, "pkcs11.txt", o) >= 1, "{k:?}: no backup for {}", d.display());
            }
            crate::token::modutil_libraries(d, &conf);
            left += leftovers(d).len();
        }
        let o = run(&mut enable());
        runs += 1;
        assert_eq!(o.status.code(), Some(0), "{k:?}: {}{}", stdout(&o), stderr(&o));
        for (d, n) in dirs.iter().zip(&new) {
            assert_eq!(&std::fs::read(d.join("pkcs11.txt")).unwrap(), n, "{k:?}: {}", d.display());
            let libs = crate::token::modutil_libraries(d, &conf);
            assert_eq!(libs.iter().filter(|l| l.contains("libsofthsm2")).count(), 1, "{k:?}: {libs:?}");
            assert_eq!(leftovers(d), Vec::<String>::new(), "{k:?}: the next run clears what the killed one left");
        }
    }
    ledger::record(
        "kill -9",
        "token enable (pkcs11.txt of Firefox and Chrome): 3 crash points + 8 kill delays, each run again",
        runs,
        Some(lost),
    );
    assert_eq!(lost, 0, "the oracles list less than before");
    eprintln!("token enable: {runs} runs, {left} hidden leftover file(s) after kills");
}
