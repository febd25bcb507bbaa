//! Progress for long operations (src/progress.rs): shown on a terminal,
//! never written anywhere else. The runs set `CERTHELP_PROGRESS_DELAY_MS=0`
//! so a spinner would appear at once if it were allowed: what the tests
//! see does not depend on how fast the machine is.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::fixtures::{add_p12, make, new_db, Made, Spec, SOFTHSM};
use crate::util::{certhelp, run, stderr, stdout, TempDir};

const PW: &str = "progress-test-password";

/// Words only a progress line says.
const PROGRESS_TEXT: &[&str] = &["Deriving keys", "Loading token module", "Carrying out the plan"];

/// A home with a Firefox profile holding a personal certificate and its
/// key, an empty Thunderbird profile and a password file.
fn home() -> (TempDir, PathBuf) {
    let h = TempDir::new("progress");
    let work = h.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("pw"), format!("{PW}\n")).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let me: Made = make(Spec {
        subject: &[("CN", "Pat Progress")],
        issuer: None,
        ca: false,
        ku: &["digitalSignature", "keyEncipherment"],
        eku: &["clientAuth", "emailProtection"],
        san_email: Some("pat@example.com"),
        not_before: now - 86_400,
        not_after: now + 300 * 86_400,
        serial: 4242,
    });
    for (app, dir) in [(".mozilla/firefox", "ff01.default-release"), (".thunderbird", "tb01.default-release")] {
        let root = h.path().join(app);
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::write(
            root.join("profiles.ini"),
            format!("[Profile0]\nName=default-release\nIsRelative=1\nPath={dir}\nDefault=1\n\n[General]\nVersion=2\n"),
        )
        .unwrap();
        new_db(&root.join(dir), None);
    }
    add_p12(&h.path().join(".mozilla/firefox/ff01.default-release"), "Pat", &me, &work, None);
    (h, work)
}

fn quiet_command(home: &Path, work: &Path) -> Command {
    let mut c = certhelp(home);
    c.current_dir(work)
        .env("CERTHELP_STATE_DIR", home.join("state"))
        .env("CERTHELP_PROGRESS_DELAY_MS", "0")
        .env("SOFTHSM2_CONF", work.join("no-softhsm.conf"))
        .env("CERTHELP_PKCS11_MODULES", SOFTHSM)
        .stdin(Stdio::null());
    c
}

fn assert_no_progress(what: &str, err: &str) {
    assert!(!err.contains('\x1b') && !err.contains('\r'), "{what}: control characters on stderr: {err:?}");
    for text in PROGRESS_TEXT {
        assert!(!err.contains(text), "{what}: progress text on a pipe: {err:?}");
    }
}

#[test]
fn no_progress_reaches_a_pipe() {
    let (h, work) = home();
    let pw = work.join("pw");
    // A run of steps with a real-strength PKCS#12 KDF (600,000 iterations).
    let o = run(quiet_command(h.path(), &work)
        .args(["run", "--yes", "back up my certificate from firefox", "--password-file"])
        .arg(&pw));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_no_progress("run (backup)", &stderr(&o));
    let backup = std::fs::read_dir(&work)
        .unwrap()
        .map(|d| d.unwrap().path())
        .find(|p| p.is_dir())
        .and_then(|d| std::fs::read_dir(d).unwrap().map(|f| f.unwrap().path()).next())
        .unwrap_or_else(|| panic!("the backup wrote no file: {}", stdout(&o)));

    let o =
        run(quiet_command(h.path(), &work).args(["run", "--yes", "move my certificate from firefox to thunderbird"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_no_progress("run (move)", &stderr(&o));

    let o = run(quiet_command(h.path(), &work)
        .arg("convert")
        .arg(&backup)
        .args(["--out", "legacy.p12", "--compat", "legacy", "--password-file"])
        .arg(&pw));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_no_progress("convert", &stderr(&o));

    // A probe that loads a token module (SoftHSM without a config: it loads
    // and fails, which is the slow path that shows progress on a terminal).
    for args in [&["probe"][..], &["probe", "--json"], &["doctor"]] {
        let o = run(quiet_command(h.path(), &work).args(args));
        assert!(o.status.code().is_some_and(|c| c <= 1), "{args:?}: {}", stderr(&o));
        assert_no_progress(&format!("{args:?}"), &stderr(&o));
    }
}

/// certhelp on a terminal (util-linux `script`); everything it wrote there.
fn on_terminal(home: &Path, work: &Path, args: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_certhelp");
    let out = Command::new("script")
        .args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .current_dir(work)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("CERTHELP_STATE_DIR", home.join("state"))
        .env("CERTHELP_PROGRESS_DELAY_MS", "0")
        .env("SOFTHSM2_CONF", work.join("no-softhsm.conf"))
        .env("CERTHELP_PKCS11_MODULES", SOFTHSM)
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs commands on a terminal");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_terminal_sees_progress_and_json_stays_quiet() {
    let (h, work) = home();
    let input = work.join("in.p12");
    let p = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=t", "-days", "2", "-keyout"])
        .arg(work.join("k.pem"))
        .arg("-out")
        .arg(work.join("c.pem"))
        .output()
        .unwrap();
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    let p = std::process::Command::new("openssl")
        .args(["pkcs12", "-export", "-passout"])
        .arg(format!("file:{}", work.join("pw").display()))
        .arg("-inkey")
        .arg(work.join("k.pem"))
        .arg("-in")
        .arg(work.join("c.pem"))
        .arg("-out")
        .arg(&input)
        .output()
        .unwrap();
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));

    let shown = on_terminal(
        h.path(),
        &work,
        &format!("convert {} --out out.p12 --password-file {}", input.display(), work.join("pw").display()),
    );
    assert!(shown.contains("Deriving keys from the password"), "no progress on a terminal: {shown:?}");
    assert!(work.join("out.p12").exists(), "{shown}");

    let shown = on_terminal(h.path(), &work, "probe");
    assert!(shown.contains("Loading token module"), "no progress while loading modules: {shown:?}");
    let shown = on_terminal(h.path(), &work, "probe --json");
    for text in PROGRESS_TEXT {
        assert!(!shown.contains(text), "progress beside JSON output: {shown:?}");
    }
}
