//! An import killed (SIGKILL) at every point between its first and last
//! write: the store still opens, the backup is there, and the next import
//! of the same file finishes with exactly one copy (SPEC §5, "interrupted
//! writes"). certutil is the oracle throughout.

use crate::fixtures::{add_ca, certutil_stdout, chain, new_db, temp_dir};
use crate::ledger;
use crate::util::{certhelp, run, stderr, stdout};
use std::os::unix::process::ExitStatusExt;

fn count(listing: &str, name: &str) -> usize {
    listing.lines().filter(|l| l.contains(name)).count()
}

#[test]
fn an_import_killed_anywhere_is_finished_or_undone_by_the_next_one() {
    let work = temp_dir("interrupted");
    let c = chain("Killed Import User", false);
    // The file to import: key, certificate and two chain certificates.
    let pw = work.join("pw");
    std::fs::write(&pw, "kill-test-pw\n").unwrap();
    let file = work.join("killed.p12");
    std::fs::write(&file, c.p12("Killed Import", "kill-test-pw")).unwrap();

    let existing = crate::fixtures::existing_root();
    let (mut runs, mut lost) = (0, 0);
    for point in [
        "import:after-backup",
        "import:after-journal",
        "import:after-key",
        "import:after-cert",
        "import:after-ca",
        "import:before-commit",
    ] {
        let home = work.join(point.replace(':', "-"));
        let db = home.join("db");
        new_db(&db, None);
        // Something the user had before, which must survive.
        add_ca(&db, "Existing CA", &existing, &work);
        let before = certutil_stdout(&db, &["-L"]);
        let to = format!("nss:{}", db.display());

        let o = run(certhelp(&home)
            .env("CERTHELP_CRASH_AT", point)
            .args(["import"])
            .arg(&file)
            .args(["--to", &to, "--password-file"])
            .arg(&pw));
        assert_eq!(o.status.signal(), Some(9), "{point}: not killed: {}", stderr(&o));

        // The store opens, and what was there is still there.
        let after_kill = certutil_stdout(&db, &["-L"]);
        lost += ledger::lost_lines(&before, &after_kill);
        assert!(after_kill.contains("Existing CA"), "{point}: {after_kill}");
        // The backup was taken before the first write.
        let backups = home.join(".local/state/certhelp/backups");
        assert!(std::fs::read_dir(&backups).map(|d| d.count()).unwrap_or(0) >= 1, "{point}: no backup");

        // The same import again: finished, one copy of each object.
        let o = run(certhelp(&home).args(["import"]).arg(&file).args(["--to", &to, "--password-file"]).arg(&pw));
        assert_eq!(o.status.code(), Some(0), "{point}: {}", stderr(&o));
        let out = stdout(&o);
        if point != "import:after-backup" {
            assert!(out.contains("Recovered"), "{point}: the journal was not replayed: {out}");
        }
        let l = certutil_stdout(&db, &["-L"]);
        let k = certutil_stdout(&db, &["-K"]);
        lost += ledger::lost_lines(&before, &l);
        runs += 3;
        assert_eq!(count(&l, "Killed Import"), 1, "{point}: {l}");
        assert_eq!(count(&k, "Killed Import"), 1, "{point}: {k}");
        assert_eq!(count(&l, "Test Issuing CA"), 1, "{point}: {l}");
        assert_eq!(count(&l, "Test Root CA"), 1, "{point}: {l}");
        assert!(l.contains("Existing CA"), "{point}");
        assert!(before.lines().all(|line| l.contains(line.trim_end())), "{point}: lost {before} -> {l}");
        // A third run changes nothing.
        let o = run(certhelp(&home).args(["import"]).arg(&file).args(["--to", &to, "--password-file"]).arg(&pw));
        assert!(stdout(&o).contains("Already there"), "{point}: {}", stdout(&o));
    }
    ledger::record("kill -9", "import FILE --to nss: 6 crash points, each run again twice", runs, Some(lost));
    assert_eq!(lost, 0, "the oracles list less than before");
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_chain_install_killed_anywhere_leaves_one_copy_and_the_right_trust() {
    // Expected: killed after the backup, after each CA certificate, after
    // the root's trust is set, or before the journal is dropped, the store
    // opens and the next chain install ends with each CA once and the root
    // trusted for websites and e-mail.
    let work = temp_dir("interrupted-chain");
    let c = chain("Chain Kill User", false);
    let file = work.join("chain.pem");
    let mut pem = c.sub.cert.to_pem().unwrap();
    pem.extend(c.root.cert.to_pem().unwrap());
    std::fs::write(&file, pem).unwrap();
    let (mut runs, mut lost) = (0, 0);
    for point in ["import:after-backup", "import:after-ca", "import:after-trust", "import:before-commit"] {
        let home = work.join(point.replace(':', "-"));
        let db = home.join("db");
        new_db(&db, None);
        let to = format!("nss:{}", db.display());
        let install = || {
            let mut c = certhelp(&home);
            c.args(["chain", "install", "--to", &to, "--from-file"]).arg(&file);
            c
        };
        let before = certutil_stdout(&db, &["-L"]);
        let o = run(install().env("CERTHELP_CRASH_AT", point));
        assert_eq!(o.status.signal(), Some(9), "{point}: not killed: {}", stderr(&o));
        lost += ledger::lost_lines(&before, &certutil_stdout(&db, &["-L"]));
        let o = run(&mut install());
        runs += 2;
        assert_eq!(o.status.code(), Some(0), "{point}: {}", stderr(&o));
        let l = certutil_stdout(&db, &["-L"]);
        assert_eq!(count(&l, "Test Issuing CA"), 1, "{point}: {l}");
        assert_eq!(count(&l, "Test Root CA"), 1, "{point}: {l}");
        let root_line = l.lines().find(|x| x.contains("Test Root CA")).unwrap();
        assert!(root_line.trim_end().ends_with("CT,C,"), "{point}: {root_line}");
        lost += ledger::lost_lines(&before, &l);
    }
    ledger::record("kill -9", "chain install --to nss: 4 crash points, each run again", runs, Some(lost));
    assert_eq!(lost, 0, "the oracles list less than before");
    let _ = std::fs::remove_dir_all(&work);
}
