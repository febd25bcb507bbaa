//! End to end with a real browser (issue 6): a personal certificate is moved
//! from a Firefox-like NSS profile into a brand-new profile that Firefox ESR
//! itself created, and headless Firefox then presents it to an
//! `openssl s_server` on 127.0.0.1 that demands a client certificate
//! (`-Verify 3 -verify_return_error`). The server's log is the witness: it
//! must show the verified client certificate's CN.
//!
//! Real parts only: certificates made with the openssl crate, the source
//! profile filled by certutil/pk12util, the new profile created by Firefox,
//! the handshake done by Firefox. The move itself is done either by certhelp
//! (the test the issue asks for) or by pk12util (which proves the harness).
//!
//! Must NOT: skip when Firefox is missing (the issue requires the test to run
//! wherever `cargo test` runs; `.ci/install-deps` installs firefox-esr), let
//! Firefox reach any address but 127.0.0.1, leave processes or files behind,
//! or share a port or a directory between tests.

use crate::fixtures::{self, Made};
use crate::util::{self, TempDir};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier,
};
use openssl::x509::{X509Name, X509};
use std::fs::File;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The browser under test: Debian's package and binary name, unless
/// CERTHELP_TEST_FIREFOX names another binary (a wrapper that traces it, say).
fn firefox() -> String {
    std::env::var("CERTHELP_TEST_FIREFOX").unwrap_or_else(|_| "firefox-esr".into())
}
/// The PKCS#12 password of the moved file (test-only; passed through files).
const P12_PASSWORD: &str = "browser-test-p12";
/// Hang guards, not timing assertions: a healthy run takes a few seconds.
const FIREFOX_LIMIT: Duration = Duration::from_secs(60);
const SERVER_START_LIMIT: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, Debug)]
enum KeyAlg {
    Rsa,
    EcP256,
}

impl KeyAlg {
    fn generate(self) -> PKey<Private> {
        match self {
            KeyAlg::Rsa => PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
            KeyAlg::EcP256 => {
                let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
                PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
            }
        }
    }
}

/// Who moves the certificate from the source profile to the new one.
#[derive(Clone, Copy, Debug)]
enum Mover {
    Certhelp,
    Pk12util,
}

#[test]
fn browser_harness_with_pk12util() {
    present_moved_certificate("h-rsa", KeyAlg::Rsa, Mover::Pk12util);
}

#[test]
fn browser_harness_with_pk12util_ec() {
    present_moved_certificate("h-ec", KeyAlg::EcP256, Mover::Pk12util);
}

#[test]
fn firefox_presents_certificate_moved_by_certhelp() {
    present_moved_certificate("c-rsa", KeyAlg::Rsa, Mover::Certhelp);
}

#[test]
fn firefox_presents_ec_certificate_moved_by_certhelp() {
    present_moved_certificate("c-ec", KeyAlg::EcP256, Mover::Certhelp);
}

/// The whole scenario; `tag` keeps names and directories apart per test.
fn present_moved_certificate(tag: &str, alg: KeyAlg, mover: Mover) {
    let t = TempDir::new(&format!("browser-{tag}"));
    let work = t.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    // The CN is unique per test, so the server log cannot show another's.
    let cn = format!("Jane Browser {tag} {}", std::process::id());
    let pki = Pki::make(&cn, alg, &work);

    let src = t.path().join("source-profile");
    source_profile(&src, &pki, &work);

    let new = t.path().join("new-profile");
    let ff_home = t.path().join("ff-home");
    firefox_creates_profile(&new, &ff_home, &work);

    match mover {
        Mover::Pk12util => move_with_pk12util(&src, &new, &pki.nick, &work),
        Mover::Certhelp => move_with_certhelp(&t.path().join("certhelp-home"), &src, &new, &work),
    }
    assert_personal_cert_in(&new);

    // Firefox presents a client certificate only to a server it trusts.
    // (Its preferences were written before Firefox made the profile.)
    fixtures::run(
        Command::new("certutil")
            .args(["-A", "-t", "C,,", "-n", "srvca", "-d"])
            .arg(db(&new))
            .arg("-i")
            .arg(&pki.srvca_pem),
    );

    let server = Server::start(&pki, &work);
    let shot = work.join("shot.png");
    let visit = run_firefox(&new, &ff_home, &format!("https://127.0.0.1:{}/", server.port), &shot, &work);
    let log = server.stop();
    if let Err(e) = visit {
        panic!("{e}\nthe server's log:\n{log}");
    }
    assert_presented(&log, &cn);
    assert!(shot.exists(), "Firefox wrote no screenshot");
}

/// The move done by NSS's own tool: `pk12util -o` from the source, `pk12util
/// -i` into the new profile (both databases have no password, as Firefox
/// makes them). Proves the harness independently of certhelp.
fn move_with_pk12util(src: &Path, dst: &Path, nick: &str, work: &Path) {
    let pw = password_file(work);
    let p12 = work.join("moved-pk12util.p12");
    fixtures::run(
        Command::new("pk12util")
            .arg("-o")
            .arg(&p12)
            .args(["-n", nick, "-d"])
            .arg(db(src))
            .arg("-w")
            .arg(&pw)
            .args(["-K", ""]),
    );
    fixtures::run(
        Command::new("pk12util").arg("-i").arg(&p12).arg("-d").arg(db(dst)).arg("-w").arg(&pw).args(["-K", ""]),
    );
}

/// The move under test: `certhelp export` then `certhelp import`, the
/// PKCS#12 password from a file, certhelp in its own private HOME.
fn move_with_certhelp(home: &Path, src: &Path, dst: &Path, work: &Path) {
    std::fs::create_dir_all(home).unwrap();
    let pw = password_file(work);
    let p12 = work.join("moved-certhelp.p12");
    let from = format!("nss:{}", src.display());
    let to = format!("nss:{}", dst.display());
    let o = util::run(
        util::certhelp(home)
            .args(["export", "--from", &from, "--out"])
            .arg(&p12)
            .arg("--password-file")
            .arg(&pw)
            .stdin(Stdio::null()),
    );
    assert!(o.status.success(), "certhelp export failed: {}{}", util::stdout(&o), util::stderr(&o));
    let o = util::run(
        util::certhelp(home)
            .arg("import")
            .arg(&p12)
            .args(["--to", &to, "--password-file"])
            .arg(&pw)
            .stdin(Stdio::null()),
    );
    assert!(o.status.success(), "certhelp import failed: {}{}", util::stdout(&o), util::stderr(&o));
}

/// Oracle check before Firefox is involved: certutil lists a certificate
/// with a key (trust `u`) and the key itself in the new profile.
fn assert_personal_cert_in(profile: &Path) {
    let certs = output(Command::new("certutil").args(["-L", "-d"]).arg(db(profile)));
    assert!(certs.lines().any(|l| l.trim_end().ends_with("u,u,u")), "no personal certificate after the move:\n{certs}");
    let keys = output(Command::new("certutil").args(["-K", "-d"]).arg(db(profile)).args(["-f", "/dev/null"]));
    assert!(keys.lines().any(|l| l.starts_with('<')), "no private key after the move:\n{keys}");
}

/// s_server's verify callback prints each certificate of the client's chain
/// as `depth=N <subject>` and then `verify return:1` when it holds. Only the
/// moved certificate can pass: its CN is unique to this test, and it must
/// chain to this test's freshly made client CA.
fn assert_presented(log: &str, cn: &str) {
    let lines: Vec<&str> = log.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("depth=0 ") && l.contains(&format!("CN = {cn}")))
        .unwrap_or_else(|| panic!("the server never saw the client certificate {cn:?}; its log:\n{log}"));
    assert_eq!(lines.get(at + 1).copied(), Some("verify return:1"), "the client certificate did not verify:\n{log}");
    assert!(!log.contains("verify error"), "a verify error in the server log:\n{log}");
}

// ---------------------------------------------------------------------------
// Certificates and the source profile

/// Everything one test needs, made fresh: the server's CA and certificate
/// (127.0.0.1 and localhost), and a client chain root -> intermediate ->
/// personal certificate (clientAuth + emailProtection).
struct Pki {
    nick: String,
    srvca_pem: PathBuf,
    srv_pem: PathBuf,
    srv_key: PathBuf,
    /// Intermediate and root: what the server accepts client chains up to.
    client_chain_pem: PathBuf,
    root: Made,
    inter: Made,
    /// The personal certificate and key as a PKCS#12 file (with the
    /// intermediate), to fill the source profile.
    p12: PathBuf,
}

impl Pki {
    fn make(cn: &str, alg: KeyAlg, work: &Path) -> Pki {
        let tag = cn.rsplit_once(' ').map(|(_, pid)| pid).unwrap_or("0");
        let srvca = issue(&format!("Browser Test Server CA {tag}"), KeyAlg::Rsa.generate(), None, Role::Ca, 1);
        let srv = issue("localhost", KeyAlg::Rsa.generate(), Some(&srvca), Role::Server, 2);
        let root = issue(&format!("Browser Test Client Root {tag}"), KeyAlg::Rsa.generate(), None, Role::Ca, 3);
        let inter = issue(&format!("Browser Test Client CA {tag}"), KeyAlg::Rsa.generate(), Some(&root), Role::Ca, 4);
        let ee = issue(cn, alg.generate(), Some(&inter), Role::Client, 5);

        let nick = cn.to_string();
        let srvca_pem = work.join("srvca.pem");
        std::fs::write(&srvca_pem, srvca.pem()).unwrap();
        let srv_pem = work.join("srv.pem");
        std::fs::write(&srv_pem, srv.pem()).unwrap();
        let srv_key = work.join("srv.key");
        write_private(&srv_key, &srv.key.private_key_to_pem_pkcs8().unwrap());
        let client_chain_pem = work.join("clientchain.pem");
        std::fs::write(&client_chain_pem, [inter.pem(), root.pem()].concat()).unwrap();

        let p12_path = work.join("source.p12");
        write_private(&p12_path, &fixtures::p12(&nick, &ee, &[&inter], P12_PASSWORD));
        Pki { nick, srvca_pem, srv_pem, srv_key, client_chain_pem, root, inter, p12: p12_path }
    }
}

enum Role {
    Ca,
    Server,
    Client,
}

/// One certificate signed by `issuer` (self-signed without), valid from a
/// day ago for 30 days, with the extensions its role needs.
fn issue(cn: &str, key: PKey<Private>, issuer: Option<&Made>, role: Role, serial: u32) -> Made {
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_text("O", "certhelp tests").unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;

    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap()).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map(|i| i.cert.subject_name()).unwrap_or(&name)).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(now - 86_400).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::from_unix(now + 30 * 86_400).unwrap()).unwrap();
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None)).unwrap();
    b.append_extension(ski).unwrap();
    if let Some(i) = issuer {
        let aki = AuthorityKeyIdentifier::new().keyid(true).build(&b.x509v3_context(Some(&i.cert), None)).unwrap();
        b.append_extension(aki).unwrap();
    }
    let is_rsa = key.rsa().is_ok();
    match role {
        Role::Ca => {
            b.append_extension(BasicConstraints::new().critical().ca().build().unwrap()).unwrap();
            b.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build().unwrap()).unwrap();
        }
        Role::Server => {
            b.append_extension(BasicConstraints::new().build().unwrap()).unwrap();
            b.append_extension(KeyUsage::new().critical().digital_signature().key_encipherment().build().unwrap())
                .unwrap();
            b.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap()).unwrap();
            let san = SubjectAlternativeName::new()
                .ip("127.0.0.1")
                .dns("localhost")
                .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
                .unwrap();
            b.append_extension(san).unwrap();
        }
        Role::Client => {
            b.append_extension(BasicConstraints::new().build().unwrap()).unwrap();
            let mut ku = KeyUsage::new();
            ku.critical().digital_signature();
            // An EC key cannot encipher keys; RSA identities usually may.
            if is_rsa {
                ku.key_encipherment();
            }
            b.append_extension(ku.build().unwrap()).unwrap();
            b.append_extension(ExtendedKeyUsage::new().client_auth().email_protection().build().unwrap()).unwrap();
            let san = SubjectAlternativeName::new()
                .email("jane.browser@example.com")
                .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
                .unwrap();
            b.append_extension(san).unwrap();
        }
    }
    b.sign(issuer.map(|i| &i.key).unwrap_or(&key), MessageDigest::sha256()).unwrap();
    Made { cert: b.build(), key }
}

/// The "Firefox-like profile" the certificate leaves: a database without a
/// password (as Firefox makes it), the root trusted, the intermediate
/// present, the personal certificate and its key imported by pk12util.
fn source_profile(dir: &Path, pki: &Pki, work: &Path) {
    fixtures::new_db(dir, None);
    fixtures::add_ca(dir, "Browser Test Client Root", &pki.root, work);
    fixtures::add_ca(dir, "Browser Test Client CA", &pki.inter, work);
    let pw = password_file(work);
    fixtures::run(
        Command::new("pk12util").arg("-i").arg(&pki.p12).arg("-d").arg(db(dir)).arg("-w").arg(&pw).args(["-K", ""]),
    );
}

// ---------------------------------------------------------------------------
// Firefox

/// One Firefox at a time: each run is CPU-heavy for a few seconds, and the
/// machines that run the tests have two cores.
static FIREFOX_TURN: Mutex<()> = Mutex::new(());

/// A brand-new profile made by Firefox itself (cert9.db, key4.db,
/// pkcs11.txt, prefs.js), from a screenshot of about:blank. Only the
/// preferences are there first, so that even this first run stays offline.
fn firefox_creates_profile(profile: &Path, home: &Path, work: &Path) {
    std::fs::create_dir_all(profile).unwrap();
    write_user_js(profile);
    run_firefox(profile, home, "about:blank", &work.join("blank.png"), work).unwrap_or_else(|e| panic!("{e}"));
    for f in ["cert9.db", "key4.db", "pkcs11.txt", "prefs.js"] {
        assert!(profile.join(f).exists(), "Firefox did not create {f} in its new profile");
    }
}

/// Headless Firefox takes a screenshot of `url` and exits. Private HOME and
/// temp dir; killed (its whole process group) if it hangs, e.g. on a
/// certificate dialog when no certificate is selected automatically.
fn run_firefox(profile: &Path, home: &Path, url: &str, shot: &Path, work: &Path) -> Result<(), String> {
    let _turn = FIREFOX_TURN.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = home.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let log_path = work.join(format!("firefox-{}.log", shot.file_stem().unwrap().to_string_lossy()));
    let log = File::create(&log_path).unwrap();
    let mut cmd = Command::new(firefox());
    cmd.args(["--headless", "--no-remote", "--profile"])
        .arg(profile)
        .arg("--screenshot")
        .arg(shot)
        .arg(url)
        .env("HOME", home)
        .env("TMPDIR", &tmp)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("MOZ_HEADLESS", "1")
        .env("MOZ_CRASHREPORTER_DISABLE", "1")
        // Lets the user.js point remote settings at a dead local port:
        // release builds ignore `services.settings.server` without it.
        .env("MOZ_REMOTE_SETTINGS_DEVTOOLS", "1")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        // Its own process group, so a hang guard can end the content
        // processes too.
        .process_group(0);
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot start {} ({e}): the browser test needs it; run .ci/install-deps (Debian package firefox-esr)",
            firefox()
        )
    });
    let status = wait_or_kill(&mut child, FIREFOX_LIMIT);
    let out = std::fs::read_to_string(&log_path).unwrap_or_default();
    match status {
        None => Err(format!("Firefox did not finish {url} within {FIREFOX_LIMIT:?}; its output:\n{out}")),
        Some(s) if !s.success() => Err(format!("Firefox failed on {url} ({s}); its output:\n{out}")),
        Some(_) => Ok(()),
    }
}

/// Waits for `child`; past `limit`, kills its process group and answers None.
fn wait_or_kill(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        if start.elapsed() > limit {
            let pgid = child.id() as libc::pid_t;
            // SAFETY: kill(2) on the process group this test created.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Preferences for an unattended, offline run: the certificate is chosen
/// without a dialog, and nothing reaches any address but 127.0.0.1 (no
/// updates, telemetry, remote settings, safe browsing, captive-portal or
/// connectivity checks, and no DNS at all: the test uses an IP literal).
fn write_user_js(profile: &Path) {
    const DEAD: &str = "http://127.0.0.1:9/";
    let prefs: &[(&str, &str)] = &[
        ("security.default_personal_cert", "\"Select Automatically\""),
        ("security.enterprise_roots.enabled", "false"),
        ("security.OCSP.enabled", "0"),
        ("security.remote_settings.crlite_filters.enabled", "false"),
        ("security.remote_settings.intermediates.enabled", "false"),
        ("network.dns.disabled", "true"),
        ("network.trr.mode", "5"),
        ("network.proxy.type", "0"),
        ("network.captive-portal-service.enabled", "false"),
        ("network.connectivity-service.enabled", "false"),
        ("network.dns.disablePrefetch", "true"),
        ("network.prefetch-next", "false"),
        ("network.predictor.enabled", "false"),
        ("network.http.speculative-parallel-limit", "0"),
        ("services.settings.server", &format!("\"{DEAD}v1\"")),
        ("app.update.enabled", "false"),
        ("app.update.auto", "false"),
        ("app.normandy.enabled", "false"),
        ("app.shield.optoutstudies.enabled", "false"),
        ("browser.shell.checkDefaultBrowser", "false"),
        ("browser.startup.homepage_override.mstone", "\"ignore\""),
        ("browser.startup.page", "0"),
        ("browser.aboutwelcome.enabled", "false"),
        ("browser.newtabpage.enabled", "false"),
        ("browser.search.update", "false"),
        ("browser.region.update.enabled", "false"),
        ("browser.region.network.url", "\"\""),
        ("browser.safebrowsing.malware.enabled", "false"),
        ("browser.safebrowsing.phishing.enabled", "false"),
        ("browser.safebrowsing.downloads.enabled", "false"),
        ("browser.safebrowsing.downloads.remote.enabled", "false"),
        ("browser.safebrowsing.blockedURIs.enabled", "false"),
        ("browser.safebrowsing.provider.mozilla.updateURL", "\"\""),
        ("browser.safebrowsing.provider.google.updateURL", "\"\""),
        ("browser.safebrowsing.provider.google4.updateURL", "\"\""),
        ("datareporting.policy.dataSubmissionEnabled", "false"),
        ("datareporting.healthreport.uploadEnabled", "false"),
        ("toolkit.telemetry.enabled", "false"),
        ("toolkit.telemetry.unified", "false"),
        ("toolkit.telemetry.server", "\"\""),
        ("extensions.update.enabled", "false"),
        ("extensions.getAddons.cache.enabled", "false"),
        ("extensions.systemAddon.update.enabled", "false"),
        ("media.gmp-manager.url", "\"\""),
        ("dom.push.connection.enabled", "false"),
        ("geo.enabled", "false"),
        ("identity.fxaccounts.enabled", "false"),
        ("toolkit.startup.max_resumed_crashes", "-1"),
    ];
    let mut js = String::new();
    for (k, v) in prefs {
        js.push_str(&format!("user_pref(\"{k}\", {v});\n"));
    }
    std::fs::write(profile.join("user.js"), js).unwrap();
}

// ---------------------------------------------------------------------------
// The server

/// `openssl s_server` on 127.0.0.1 requiring a client certificate that
/// chains to the client CA; killed on drop.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    /// Picks a free port (bind to 0, release it, start s_server) and tries
    /// again with another if someone took it in between.
    fn start(pki: &Pki, work: &Path) -> Server {
        let log = work.join("s_server.log");
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let f = File::create(&log).unwrap();
            let mut child = Command::new("openssl")
                .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-cert"])
                .arg(&pki.srv_pem)
                .arg("-key")
                .arg(&pki.srv_key)
                .arg("-CAfile")
                .arg(&pki.client_chain_pem)
                .args(["-Verify", "3", "-verify_return_error", "-www"])
                .stdin(Stdio::null())
                .stdout(f.try_clone().unwrap())
                .stderr(f)
                .spawn()
                .expect("start openssl s_server");
            // s_server prints ACCEPT once it listens; it exits if the port
            // was taken.
            let start = Instant::now();
            loop {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                if text.contains("ACCEPT") {
                    return Server { child, port, log };
                }
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                if start.elapsed() > SERVER_START_LIMIT {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("openssl s_server did not start listening; its output:\n{text}");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!(
            "openssl s_server found no free port; last output:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Ends the server and answers its log.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// Small helpers

fn db(dir: &Path) -> String {
    format!("sql:{}", dir.display())
}

/// The PKCS#12 password in a 0600 file (no secret on a command line).
fn password_file(work: &Path) -> PathBuf {
    let p = work.join("p12.pw");
    if !p.exists() {
        write_private(&p, P12_PASSWORD.as_bytes());
    }
    p
}

/// A file only its owner can read, from the first byte.
fn write_private(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

fn output(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}
