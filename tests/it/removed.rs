//! A token pulled out mid-operation (issue 8, Stores): pinshim
//! (tests/shim/pinshim.c) forwards to SoftHSM until the call that
//! `PINSHIM_REMOVE_AT=FUNCTION:N` names, and from there answers
//! CKR_DEVICE_REMOVED to everything, as a reader does once the card is
//! gone. Timing a directory removal would be flaky; a chosen call is exact.
//! "Re-inserted" is SoftHSM itself, without the shim: pkcs11-tool lists it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::fixtures::{self, chain, SOFTHSM};
use crate::killed::{without_shells, Token, LABEL, USER_PIN};
use crate::ledger;
use crate::util::{certhelp, run, stderr, stdout, TempDir};

const PW: &str = "removed pw";

struct Setup {
    home: TempDir,
    token: Token,
    shim: PathBuf,
    existing: PathBuf,
    file: PathBuf,
}

impl Setup {
    fn new(tag: &str) -> Setup {
        let home = TempDir::new(tag);
        let work = home.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        let token = Token::new(home.path());
        let c = chain("Removed Token", false);
        let existing = work.join("existing.der");
        std::fs::write(&existing, c.sub.cert.to_der().unwrap()).unwrap();
        let file = work.join("in.p12");
        std::fs::write(&file, crate::fixtures::quick_p12("Removed Token", &c.leaf, &[&c.root], PW)).unwrap();
        std::fs::write(work.join("pw"), PW).unwrap();
        std::fs::write(work.join("pin"), USER_PIN).unwrap();
        let shim = work.join("libpinshim.so");
        let src = crate::util::repo().join("tests/shim/pinshim.c");
        fixtures::run(Command::new("cc").args(["-shared", "-fPIC", "-o"]).arg(&shim).arg(src).arg("-ldl"));
        token.reset(&existing);
        Setup { home, token, shim, existing, file }
    }
    fn work(&self, name: &str) -> PathBuf {
        self.home.path().join("work").join(name)
    }
    /// certhelp with the token behind the shim (`remove_at`) or, with
    /// None, the token as it is (SoftHSM directly).
    fn certhelp(&self, remove_at: Option<&str>) -> Command {
        let mut c = certhelp(self.home.path());
        c.env("SOFTHSM2_CONF", &self.token.conf).env("CERTHELP_STATE_DIR", self.home.path().join("state"));
        if let Some(at) = remove_at {
            c.env("PINSHIM_MODULE", SOFTHSM).env("PINSHIM_REMOVE_AT", at);
        }
        c
    }
    fn uri(&self, module: &Path) -> String {
        format!("pkcs11:token={LABEL}?module-path={}", module.display())
    }
    fn import(&self, remove_at: Option<&str>) -> Output {
        let module = if remove_at.is_some() { self.shim.clone() } else { PathBuf::from(SOFTHSM) };
        run(self
            .certhelp(remove_at)
            .arg("import")
            .arg(&self.file)
            .args(["--to", &self.uri(&module), "--password-file"])
            .arg(self.work("pw"))
            .arg("--pin-file")
            .arg(self.work("pin")))
    }
}

/// Exit 2, one `error:` line that names the token and says it was
/// removed, one `hint:` line.
fn removed_error(o: &Output) -> String {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stdout: {}\nstderr: {e}", stdout(o));
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains("was removed"), "{e}");
    assert!(lines[0].contains(&format!("token \"{LABEL}\"")), "the token is named: {e}");
    assert!(lines[1].starts_with("hint: ") && lines[1].contains("plug it back in"), "{e}");
    e
}

#[test]
fn a_token_pulled_out_before_the_first_write_keeps_what_it_had() {
    // Expected: removed at the first object the import creates (its
    // public key): exit 2, "token "killed-tok" was removed", hint "plug it
    // back in"; re-inserted, the token lists exactly what it had. The same
    // import then succeeds, once.
    let s = Setup::new("removed-first");
    let before = s.token.objects();
    let o = s.import(Some("C_CreateObject:1"));
    let e = removed_error(&o);
    assert!(!e.contains("still on it"), "{e}");
    let (after, _) = without_shells(s.token.objects());
    assert_eq!(after, before, "nothing was written");
    ledger::record(
        "token removed",
        "import, at its first write (C_CreateObject:1)",
        1,
        Some(ledger::lost_lines(&before.join("\n"), &after.join("\n"))),
    );
    let o = s.import(None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(s.token.objects().len(), before.len() + 4);
}

#[test]
fn a_token_pulled_out_mid_import_says_what_is_left_and_the_next_import_completes_it() {
    // Expected: removed while the key is unwrapped, after its public key
    // was made: exit 2, the error names the token and says 1 object is
    // still on it (the rollback cannot reach a token that is gone); the
    // hint says to run the same import again. Re-inserted: what it had,
    // plus only that public key. The same import again: the complete set,
    // each object once.
    let s = Setup::new("removed-mid");
    let before = s.token.objects();
    let o = s.import(Some("C_UnwrapKey:1"));
    let e = removed_error(&o);
    assert!(e.contains("1 object(s) this import had made are still on it"), "{e}");
    assert!(e.contains("run the same import again"), "{e}");
    let (mid, _) = without_shells(s.token.objects());
    assert!(before.iter().all(|o| mid.contains(o)), "{mid:?}");
    assert_eq!(mid.len(), before.len() + 1, "{mid:?}");
    assert!(mid.iter().any(|o| o.starts_with("Public Key Object | label: Removed Token")), "{mid:?}");
    let o = s.import(None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = s.token.objects();
    ledger::record(
        "token removed",
        "import, mid-way (C_UnwrapKey:1), then the same import",
        2,
        Some(ledger::lost_lines(&before.join("\n"), &after.join("\n"))),
    );
    assert_eq!(after.len(), before.len() + 4, "{after:?}");
    for o in &after {
        assert_eq!(after.iter().filter(|x| *x == o).count(), 1, "{o} twice: {after:?}");
    }
}

#[test]
fn a_token_pulled_out_during_an_export_writes_no_file() {
    // Expected: `export --from pkcs11:...` with the token gone while its
    // objects are listed (C_FindObjectsInit:1) and, in a second run, while
    // the key is read (C_GetAttributeValue:3): exit 2, the error names the
    // token, no output file and nothing hidden beside it; the token lists
    // what it had.
    let s = Setup::new("removed-export");
    assert_eq!(s.import(None).status.code(), Some(0));
    let before = s.token.objects();
    let outdir = s.work("out");
    std::fs::create_dir_all(&outdir).unwrap();
    let (mut runs, mut lost) = (0, 0);
    for at in ["C_FindObjectsInit:1", "C_GetAttributeValue:3", "C_Login:1"] {
        let o = run(s
            .certhelp(Some(at))
            .args(["export", "--from", &s.uri(&s.shim), "--out"])
            .arg(outdir.join("x.p12"))
            .arg("--password-file")
            .arg(s.work("pw"))
            .arg("--pin-file")
            .arg(s.work("pin")));
        runs += 1;
        removed_error(&o);
        assert_eq!(std::fs::read_dir(&outdir).unwrap().count(), 0, "{at}: a file was written");
        let now = s.token.objects();
        lost += ledger::lost_lines(&before.join("\n"), &now.join("\n"));
        assert_eq!(now, before, "{at}");
    }
    ledger::record("token removed", "export --from pkcs11: (listing, reading, login)", runs, Some(lost));
    assert_eq!(lost, 0, "the oracles list less than before");
    let _ = &s.existing;
}
