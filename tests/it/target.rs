//! STORE resolution and SEL selection against real parts: the fixture home's
//! profiles.ini files and NSS databases made by certutil/pk12util, listed
//! through softoken, and SoftHSM tokens behind two module files.

use crate::fixtures::{self, Fixture};
use crate::util::TempDir;
use certhelp::env::Os;
use certhelp::store::nss::{DbFormat, NssStore};
use certhelp::store::select::{self, Group};
use certhelp::store::target::{self, Context, ResolvedStore};
use certhelp::store::StoreError;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cx(fx: &Fixture) -> Context {
    Context { home: fx.home.clone(), xdg_config: None, os: Os::Linux, modules: Some(Vec::new()) }
}

fn resolve(fx: &Fixture, s: &str) -> Result<ResolvedStore, certhelp::error::Error> {
    target::resolve_in(&target::parse_store(s)?, &cx(fx))
}

fn nss_dir(r: ResolvedStore) -> (PathBuf, Option<String>, Option<String>) {
    match r {
        ResolvedStore::Nss { dir, app, profile, id, format } => {
            assert_eq!(id, format!("nss:{}", dir.display()));
            assert_eq!(format, DbFormat::Sql);
            (dir, app, profile)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mozilla_profiles_resolve_as_the_probe_finds_them() {
    let fx = fixtures::get();
    // The [Install] default wins over Default=1 (as the probe decides).
    let (dir, app, profile) = nss_dir(resolve(fx, "firefox").unwrap());
    assert_eq!(
        (dir, app.as_deref(), profile.as_deref()),
        (fx.ff_default.clone(), Some("firefox"), Some("default-release"))
    );
    assert_eq!(nss_dir(resolve(fx, "firefox:default").unwrap()).0, fx.ff_other);
    assert_eq!(nss_dir(resolve(fx, "thunderbird").unwrap()).0, fx.tb);
    // A directory profiles.ini does not list is still reachable as a path.
    let decoy = format!("firefox:{}", fx.ff_decoy.display());
    assert_eq!(nss_dir(resolve(fx, &decoy).unwrap()), (fx.ff_decoy.clone(), Some("firefox".into()), None));
    // nss:DIR of a profile learns which app and profile it is.
    let (_, app, profile) = nss_dir(resolve(fx, &format!("nss:sql:{}", fx.ff_other.display())).unwrap());
    assert_eq!((app.as_deref(), profile.as_deref()), (Some("firefox"), Some("default")));

    let e = resolve(fx, "firefox:work").unwrap_err();
    assert!(e.message.starts_with("no Firefox profile named \"work\"; there are: firefox:default"), "{e:?}");
    assert!(e.message.contains("firefox:default-release (Firefox, ~/.mozilla/firefox/Profiles/bbbb.default-release)"));
    let e = resolve(fx, "seamonkey").unwrap_err();
    assert!(e.message.contains("no SeaMonkey profile found"), "{e:?}");
    assert!(e.hint.contains("TS2011"));
}

#[test]
fn chromium_uses_the_shared_database_and_never_an_empty_directory() {
    let fx = fixtures::get();
    let (dir, app, _) = nss_dir(resolve(fx, "chromium").unwrap());
    assert_eq!((dir, app.as_deref()), (fx.chromium_db.clone(), Some("chromium")));
    assert_eq!(nss_dir(resolve(fx, "nss:~/.pki/nssdb").unwrap()).0, fx.chromium_db);

    // A home with an empty ~/.pki/nssdb: softoken would make a database
    // there, so it is an error; Chromium 146+'s XDG place is used instead
    // once it holds one.
    let home = TempDir::new("target-chromium");
    std::fs::create_dir_all(home.path().join(".pki/nssdb")).unwrap();
    let c = Context { home: home.path().to_path_buf(), xdg_config: None, os: Os::Linux, modules: Some(Vec::new()) };
    let spec = target::parse_store("chromium").unwrap();
    let e = target::resolve_in(&spec, &c).unwrap_err();
    assert!(e.message.contains("no NSS database for Chromium"), "{e:?}");
    assert!(e.hint.contains("never creates one"));
    assert!(std::fs::read_dir(home.path().join(".pki/nssdb")).unwrap().next().is_none(), "nothing created");
    let xdg = home.path().join(".local/share/pki/nssdb");
    fixtures::new_db(&xdg, None);
    assert_eq!(nss_dir(target::resolve_in(&spec, &c).unwrap()).0, xdg);
}

fn listing(dir: &Path) -> Vec<certhelp::store::StoredCert> {
    NssStore::new("test", dir).list_read_only(None).unwrap().certs
}

#[test]
fn selection_among_personal_certificates_of_a_real_profile() {
    let fx = fixtures::get();
    let certs = listing(&fx.ff_default);
    // Two CAs, the ECA pair with keys, an old encryption certificate
    // without its key.
    assert_eq!(certs.len(), 5);
    let all = select::select_personal(&certs, &[]).unwrap();
    // NSS gives every certificate of one subject the same nickname.
    let names: Vec<&str> = all.iter().map(|c| c.cert.label.as_deref().unwrap()).collect();
    assert_eq!(names, ["Jane ECA ID", "Jane ECA ID"]);

    // Without --all the pair is an ambiguity a person can resolve...
    let StoreError::Ambiguous { candidates } = select::exactly_one(all.clone(), 0).unwrap_err() else { panic!() };
    assert_eq!(candidates.len(), 2);
    assert!(candidates
        .iter()
        .any(|c| c.starts_with("\"Jane ECA ID\", CN Jane Q. Doe, jane.doe@example.com, identity")));
    assert!(candidates
        .iter()
        .any(|c| c.starts_with("\"Jane ECA ID\", CN Jane Q. Doe, jane.doe@example.com, encryption")));
    // ...and one pair where the verb takes pairs.
    let groups = select::group_pairs(all.clone());
    assert!(matches!(groups.as_slice(), [Group::Pair { .. }]), "{groups:?}");
    assert!(matches!(select::exactly_one_group(all, 0).unwrap(), Group::Pair { .. }));

    let sel = |s: &str| select::select_personal(&certs, &[select::parse_selector(s).unwrap()]);
    let one = select::exactly_one(sel(&format!("sha256:{}", &fx.id_sha256[..10])).unwrap(), 0).unwrap();
    assert_eq!(one.cert.label.as_deref(), Some("Jane ECA ID"));
    // The shared nickname names the pair.
    assert_eq!(sel("Jane ECA ID").unwrap().len(), 2);
    assert_eq!(sel(fixtures::EMAIL).unwrap().len(), 2);
    // "ECA" is in a CA's name only; the old encryption key is not here.
    let e = sel("ORC ECA").unwrap_err().to_string();
    assert!(e.contains("matches only the CA certificate"), "{e}");
    let e = sel("Jane old ECA Enc").unwrap_err().to_string();
    assert!(e.contains("private key is not in this store"), "{e}");
}

#[test]
fn keys_hidden_behind_a_password_still_count_as_personal() {
    let fx = fixtures::get();
    let certs = listing(&fx.chromium_db);
    let all = select::select_personal(&certs, &[]).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].cert.has_private_key, None);
    assert_eq!(all[0].cert.label.as_deref(), Some("Jane ECA ID"));
}

/// Token resolution loads modules, which read SOFTHSM2_CONF from the
/// environment: it runs in a child process of this test binary with its
/// own token directory, so no other test sees that variable.
#[test]
fn tokens_resolve_to_their_module() {
    if std::env::var_os("CERTHELP_TARGET_CHILD").is_some() {
        return;
    }
    let work = TempDir::new("target-token");
    let conf = fixtures::softhsm_conf(work.path());
    fixtures::init_token(&conf, "Same Label", "12345678", "123456");
    // The same token seen through a second module file.
    let copy = work.path().join("libsofthsm2-copy.so");
    std::fs::copy(fixtures::SOFTHSM, &copy).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "target::token_child", "--nocapture", "--test-threads=1"])
        .env("CERTHELP_TARGET_CHILD", work.path())
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && text.contains("1 passed"), "{text}");
}

#[test]
fn token_child() {
    let Some(work) = std::env::var_os("CERTHELP_TARGET_CHILD").map(PathBuf::from) else {
        return;
    };
    let copy = work.join("libsofthsm2-copy.so");
    let mut c = Context { home: work.clone(), xdg_config: None, os: Os::Linux, modules: None };
    let resolve = |c: &Context, s: &str| target::resolve_in(&target::parse_store(s).unwrap(), c);

    // One module: found without module-path, and the id names the module.
    c.modules = Some(vec![fixtures::SOFTHSM.to_string()]);
    let ResolvedStore::Pkcs11 { id, module, uri } = resolve(&c, "pkcs11:token=Same%20Label").unwrap() else { panic!() };
    assert_eq!(module.as_deref(), Some(Path::new(fixtures::SOFTHSM)));
    assert_eq!(id, format!("pkcs11:token=Same%20Label?module-path={}", fixtures::SOFTHSM));
    assert_eq!(uri.module_path.as_deref(), Some(Path::new(fixtures::SOFTHSM)));

    // Two modules with a token of the same label: ambiguous, and each
    // spelled with its module-path; naming the module settles it.
    c.modules = Some(vec![fixtures::SOFTHSM.to_string(), copy.display().to_string()]);
    let e = resolve(&c, "pkcs11:token=Same%20Label").unwrap_err();
    assert!(e.message.starts_with("several tokens match: "), "{e:?}");
    assert!(e.message.contains(&format!("?module-path={}", copy.display())), "{e:?}");
    let a = resolve(&c, &format!("pkcs11:token=Same%20Label?module-path={}", fixtures::SOFTHSM)).unwrap();
    let b = resolve(&c, &format!("pkcs11:token=Same%20Label?module-path={}", copy.display())).unwrap();
    assert_ne!(a.id(), b.id());

    // Nothing matches: what is there is listed, a broken module too.
    let broken = work.join("broken.so");
    std::fs::write(&broken, b"not a library").unwrap();
    c.modules = Some(vec![fixtures::SOFTHSM.to_string(), broken.display().to_string()]);
    let e = resolve(&c, "pkcs11:token=Other").unwrap_err();
    assert!(e.message.contains("no token matches pkcs11:token=Other: pkcs11:token=Same%20Label ("), "{e:?}");
    assert!(e.message.contains(&format!("module {} did not load", broken.display())), "{e:?}");
}

/// A command on a pseudo-terminal (util-linux `script`), read as it goes
/// so that typing can wait for a prompt.
struct Pty {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    seen: String,
}

impl Pty {
    /// `shell` runs under `sh -c` on the terminal, with `env` added.
    fn spawn(shell: &str, env: (&str, &str)) -> Pty {
        use std::io::Read;
        let mut child = Command::new("script")
            .args(["-qec", shell, "/dev/null"])
            .env(env.0, env.1)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("script (util-linux) runs commands on a terminal");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty { child, stdin, rx, seen: String::new() }
    }

    /// Read until `what` has appeared (a guard against a hang, not a
    /// timing assertion); false when the output ended first.
    fn wait_for(&mut self, what: &str) -> bool {
        while !self.seen.contains(what) {
            match self.rx.recv_timeout(std::time::Duration::from_secs(120)) {
                Ok(chunk) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return false,
                Err(_) => panic!("no {what:?} after two minutes: {}", self.seen),
            }
        }
        true
    }

    fn type_line(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// Everything until the command ends.
    fn finish(mut self) -> String {
        self.stdin = None;
        self.wait_for("\u{0}never");
        let _ = self.child.wait();
        self.seen
    }
}

fn this_test(name: &str) -> String {
    format!("{} --exact target::{name} --nocapture --test-threads=1", std::env::current_exe().unwrap().display())
}

/// The secret prompt on a real terminal: asked twice for a new file, typed
/// with echo off, so the password never shows in what the terminal
/// displayed.
#[test]
fn a_new_password_is_asked_twice_without_echo() {
    if std::env::var_os("CERTHELP_SECRET_CHILD").is_some() {
        return;
    }
    let mut t = Pty::spawn(&this_test("secret_child"), ("CERTHELP_SECRET_CHILD", "new"));
    // Typed once the prompt shows, as a person would.
    assert!(t.wait_for("The password of test.p12: "), "{}", t.seen);
    t.type_line("typed-Secret-9");
    assert!(t.wait_for("Type it again: "), "{}", t.seen);
    t.type_line("typed-Secret-9");
    let seen = t.finish();
    assert!(seen.contains("secret read: 14 characters, as typed"), "{seen}");
    assert!(!seen.contains("typed-Secret-9"), "the password was echoed: {seen}");
}

/// Killed while asking (Ctrl-C, a hangup, `kill`): the terminal gets its
/// echo back before the process ends.
#[test]
fn a_killed_prompt_gives_the_terminal_back() {
    if std::env::var_os("CERTHELP_SECRET_CHILD").is_some() {
        return;
    }
    let shell = format!("stty -g; {}; stty -g", this_test("secret_child"));
    let mut t = Pty::spawn(&shell, ("CERTHELP_SECRET_CHILD", "existing"));
    assert!(t.wait_for("The password of test.p12: "), "{}", t.seen);
    let pid = t.seen.split("pid=").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().to_string();
    fixtures::run(Command::new("kill").args(["-TERM", &pid]));
    let seen = t.finish();
    let settings: Vec<&str> = seen
        .lines()
        .map(str::trim)
        .filter(|l| l.len() > 20 && l.chars().all(|c| c.is_ascii_hexdigit() || c == ':'))
        .collect();
    assert_eq!(settings.len(), 2, "{seen}");
    assert_eq!(settings[0], settings[1], "terminal settings changed: {seen}");
    assert!(!seen.contains("secret read"), "{seen}");
}

#[test]
fn secret_child() {
    use certhelp::secret::{read_secret, SecretFlags, SecretMode};
    let mode = match std::env::var("CERTHELP_SECRET_CHILD").as_deref() {
        Ok("new") => SecretMode::New,
        Ok("existing") => SecretMode::Existing,
        _ => return,
    };
    println!("pid={}", std::process::id());
    let s = read_secret(None, None, "the password of test.p12", mode, true, SecretFlags::PASSWORD).unwrap();
    let same = if s.expose() == "typed-Secret-9" { "as typed" } else { "NOT as typed" };
    println!("secret read: {} characters, {same}", s.expose().len());
}
