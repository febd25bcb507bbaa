//! `certhelp token enable/disable` end to end: a private home with a
//! Firefox-like profile (profiles.ini + `certutil -N`) and Chrome's
//! `~/.pki/nssdb`, the real SoftHSM module, and NSS itself as the oracle
//! (`modutil -list` loads what pkcs11.txt lists). A running Firefox is a
//! child process holding the fcntl lock on `.parentlock`, as Firefox does.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::fixtures::{new_db, SOFTHSM};
use crate::util::{certhelp, fails, ok, run, stderr, TempDir};

/// What certhelp appends for SoftHSM (the vendor table names it).
const ENTRY: &str = "library=/usr/lib/softhsm/libsofthsm2.so\nname=SoftHSM\n\n";

struct Home {
    dir: TempDir,
}

impl Home {
    fn new(tag: &str) -> Home {
        let dir = TempDir::new(tag);
        // SoftHSM reads its configuration when NSS loads it: an empty
        // token directory of this test's own.
        crate::fixtures::softhsm_conf(&dir.path().join("softhsm"));
        Home { dir }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn certhelp(&self) -> Command {
        let mut c = certhelp(self.path());
        c.env("CERTHELP_STATE_DIR", self.path().join("state")).env("SOFTHSM2_CONF", self.conf());
        c
    }
    fn conf(&self) -> PathBuf {
        self.path().join("softhsm/softhsm2.conf")
    }
    /// Firefox profiles listed in profiles.ini; `with_db` says which get a
    /// database.
    fn firefox(&self, profiles: &[(&str, bool)]) -> Vec<PathBuf> {
        let root = self.path().join(".mozilla/firefox");
        let mut ini = String::new();
        let mut dirs = Vec::new();
        for (i, (name, with_db)) in profiles.iter().enumerate() {
            let dir = root.join(format!("{name}.p"));
            std::fs::create_dir_all(&dir).unwrap();
            if *with_db {
                new_db(&dir, None);
            }
            ini.push_str(&format!(
                "[Profile{i}]\nName={name}\nIsRelative=1\nPath={name}.p\nDefault={}\n\n",
                u8::from(i == 0)
            ));
            dirs.push(dir);
        }
        ini.push_str("[General]\nStartWithLastProfile=1\nVersion=2\n");
        std::fs::write(root.join("profiles.ini"), ini).unwrap();
        dirs
    }
    /// Chrome's shared database, `~/.pki/nssdb`, with Chrome's config dir.
    fn chrome(&self) -> PathBuf {
        std::fs::create_dir_all(self.path().join(".config/google-chrome")).unwrap();
        let d = self.path().join(".pki/nssdb");
        new_db(&d, None);
        d
    }
}

fn pkcs11_txt(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("pkcs11.txt")).unwrap()
}

/// NSS's own view: the library paths `modutil -list` reports.
pub(crate) fn modutil_libraries(dir: &Path, conf: &Path) -> Vec<String> {
    let o = Command::new("modutil")
        .env("SOFTHSM2_CONF", conf)
        .args(["-list", "-dbdir"])
        .arg(format!("sql:{}", dir.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "modutil: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("library name:").map(|v| v.trim().to_string()))
        .collect()
}

/// A process that holds the fcntl lock on the profile's `.parentlock`, as
/// a running Firefox does; killed on drop.
struct RunningApp(Child);

impl RunningApp {
    fn start(profile: &Path) -> RunningApp {
        let lock = profile.join(".parentlock");
        let script = "import fcntl,sys,time\nf=open(sys.argv[1],'w')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)\n";
        let mut child =
            Command::new("python3").args(["-c", script]).arg(&lock).stdout(Stdio::piped()).spawn().expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "locked");
        RunningApp(child)
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn enable_twice_gives_one_entry_and_disable_gives_the_file_back() {
    let h = Home::new("token-twice");
    let ff = h.firefox(&[("default-release", true)]).remove(0);
    let chrome = h.chrome();
    // Lines certhelp must keep byte for byte: a comment and a vendor
    // module's entry written by hand.
    let mut extra = pkcs11_txt(&ff);
    extra.extend_from_slice(b"# added by hand\nlibrary=/nonexistent/vendor-pkcs11.so\nname=Vendor\n\n");
    std::fs::write(ff.join("pkcs11.txt"), &extra).unwrap();
    let before = [(ff.clone(), pkcs11_txt(&ff)), (chrome.clone(), pkcs11_txt(&chrome))];
    assert!(modutil_libraries(&chrome, &h.conf()).iter().all(|l| !l.contains("softhsm")));

    let out = ok(&run(h.certhelp().args(["token", "enable", "--module", SOFTHSM])));
    assert!(out.contains("Added SoftHSM"), "{out}");
    assert!(out.contains("Backup of"), "{out}");
    let second = ok(&run(h.certhelp().args(["token", "enable", "--module", SOFTHSM])));
    assert!(second.contains("Already registered") && second.contains("nothing changed"), "{second}");

    for (dir, old) in &before {
        let now = pkcs11_txt(dir);
        let mut want = old.clone();
        want.extend_from_slice(ENTRY.as_bytes());
        assert_eq!(String::from_utf8_lossy(&now), String::from_utf8_lossy(&want), "{}", dir.display());
        let libs = modutil_libraries(dir, &h.conf());
        assert_eq!(libs.iter().filter(|l| *l == SOFTHSM).count(), 1, "modutil sees it once: {libs:?}");
    }

    let out = ok(&run(h.certhelp().args(["token", "disable", "--module", SOFTHSM])));
    assert!(out.contains("Removed SoftHSM"), "{out}");
    for (dir, old) in &before {
        assert_eq!(&pkcs11_txt(dir), old, "{}: every other line byte for byte", dir.display());
        assert!(!modutil_libraries(dir, &h.conf()).iter().any(|l| l == SOFTHSM));
    }
    let again = ok(&run(h.certhelp().args(["token", "disable", "--module", SOFTHSM])));
    assert!(again.contains("Not registered") && again.contains("Nothing changed"), "{again}");
}

#[test]
fn only_the_store_named_with_in() {
    let h = Home::new("token-in");
    let ff = h.firefox(&[("default-release", true)]).remove(0);
    let chrome = h.chrome();
    let ff_before = pkcs11_txt(&ff);
    ok(&run(h.certhelp().args(["token", "enable", "--module", SOFTHSM, "--in", "chrome"])));
    assert_eq!(pkcs11_txt(&ff), ff_before);
    assert_eq!(modutil_libraries(&chrome, &h.conf()), [SOFTHSM]);
    fails(&run(h.certhelp().args(["token", "enable", "--module", SOFTHSM, "--in", "file:/x.p12"])), "not a store");
}

#[test]
fn a_running_profile_is_skipped_and_left_alone() {
    let h = Home::new("token-running");
    let dirs = h.firefox(&[("default-release", true), ("work", true)]);
    let before = pkcs11_txt(&dirs[1]);
    let app = RunningApp::start(&dirs[1]);
    let o = run(h.certhelp().args(["token", "enable", "--module", SOFTHSM]));
    let out = ok(&o);
    assert!(out.contains("Added SoftHSM") && out.contains("default-release"), "{out}");
    let err = stderr(&o);
    assert!(err.contains("skipped Firefox profile \"work\"") && err.contains("running"), "{err}");
    assert_eq!(pkcs11_txt(&dirs[1]), before, "the running profile is unchanged");
    assert_eq!(modutil_libraries(&dirs[0], &h.conf()), [SOFTHSM]);

    // Only that profile: nothing could be done.
    fails(&run(h.certhelp().args(["token", "enable", "--module", SOFTHSM, "--in", "firefox:work"])), "running");
    assert_eq!(pkcs11_txt(&dirs[1]), before);
    drop(app);
    // Closed: now it is added.
    ok(&run(h.certhelp().args(["token", "enable", "--module", SOFTHSM, "--in", "firefox:work"])));
    assert_eq!(modutil_libraries(&dirs[1], &h.conf()), [SOFTHSM]);
}

#[test]
fn a_store_without_a_database_is_never_created() {
    let h = Home::new("token-nodb");
    let dirs = h.firefox(&[("fresh", false)]);
    let o = run(h.certhelp().args(["token", "enable", "--module", SOFTHSM]));
    fails(&o, "no certificate database");
    assert_eq!(std::fs::read_dir(&dirs[0]).unwrap().count(), 0, "nothing written into the profile");
    assert!(!h.path().join(".pki").exists(), "no shared database created");
    // A database without pkcs11.txt: not created either.
    new_db(&dirs[0], None);
    std::fs::remove_file(dirs[0].join("pkcs11.txt")).unwrap();
    fails(&run(h.certhelp().args(["token", "enable", "--module", SOFTHSM])), "no pkcs11.txt");
    assert!(!dirs[0].join("pkcs11.txt").exists());
}

#[test]
fn a_missing_module_changes_nothing() {
    let h = Home::new("token-missing");
    let ff = h.firefox(&[("default-release", true)]).remove(0);
    let before = pkcs11_txt(&ff);
    let gone = h.path().join("no-such-pkcs11.so");
    fails(&run(h.certhelp().args(["token", "enable", "--module"]).arg(&gone)), "no PKCS#11 module at");
    // A file that is not a PKCS#11 module.
    let not = h.path().join("not-a-module.so");
    std::fs::write(&not, b"text").unwrap();
    fails(&run(h.certhelp().args(["token", "enable", "--module"]).arg(&not)), "not a shared library");
    assert_eq!(pkcs11_txt(&ff), before);
    assert!(!h.path().join("state/backups").exists(), "no backup: nothing was to change");
}

#[test]
fn a_module_p11kit_proxy_provides_is_not_added_twice() {
    let h = Home::new("token-p11kit");
    let ff = h.firefox(&[("default-release", true)]).remove(0);
    // The user's p11-kit config names SoftHSM; the profile loads the proxy.
    let modules = h.path().join(".config/pkcs11/modules");
    std::fs::create_dir_all(&modules).unwrap();
    std::fs::write(modules.join("softhsm-test.module"), format!("module: {SOFTHSM}\n")).unwrap();
    let mut text = pkcs11_txt(&ff);
    text.extend_from_slice(b"library=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-proxy.so\nname=p11-kit-proxy\n\n");
    std::fs::write(ff.join("pkcs11.txt"), &text).unwrap();
    let out = ok(&run(h.certhelp().args(["token", "enable", "--module", SOFTHSM])));
    assert!(out.contains("p11-kit-proxy") && out.contains("not added a second time"), "{out}");
    assert_eq!(pkcs11_txt(&ff), text);
}

#[test]
fn a_dry_run_says_what_would_change_and_changes_nothing() {
    use certhelp::action::token::{run_in, Op, Places};
    let h = Home::new("token-dry");
    let ff = h.firefox(&[("default-release", true)]).remove(0);
    let before = pkcs11_txt(&ff);
    let at = Places { home: h.path().to_path_buf(), xdg_config: None, state: h.path().join("state"), dry_run: true };
    let r = run_in(Op::Enable, Path::new(SOFTHSM), None, &at).unwrap();
    let text = r.lines.join("\n");
    assert!(text.contains("Would add SoftHSM") && text.contains("Dry run: nothing was changed"), "{text}");
    assert_eq!(pkcs11_txt(&ff), before);
    assert!(!h.path().join("state/backups").exists());
}
