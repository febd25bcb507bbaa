//! Test parts made with real tools, and one shared fake home.
//!
//! The shared home (`get`), made once per test binary: openssl-made CA
//! chains with realistic names, NSS databases made and filled by
//! certutil/pk12util (Firefox profiles with profiles.ini, a Thunderbird
//! profile with mail identities, Chromium's ~/.pki/nssdb with a password)
//! and a SoftHSM token holding a key and certificate. Tests only read it;
//! anything that must change a store makes its own copy.
//!
//! The helpers make a test's own parts, by section: certificates (`make`,
//! `person`, `root_ca`, `chain`), PKCS#12 files (`p12`, `quick_p12`,
//! `openssl_p12`), NSS databases and Mozilla profiles (`new_db`,
//! `add_chain`, `mozilla_profile`), SoftHSM tokens (`softhsm_conf`,
//! `init_token`) and a private home to run certhelp in (`Home`). They make
//! parts and check only that their own tools succeeded; what a test
//! asserts stays in the test.

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::{Pkcs12, Pkcs12Builder};
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier,
};
use openssl::x509::{X509Name, X509};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

use crate::pkcs12::PW;
use crate::util::{certhelp, TempDir};

pub const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
pub const TOKEN_LABEL: &str = "certhelp-test";
pub const EMAIL: &str = "jane.doe@example.com";
pub const CHROMIUM_DB_PASSWORD: &str = "fixture-db-pw";

/// A module file registered twice in the default Firefox profile.
pub const DUP_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

/// What the fixture made, for the tests to compare against.
pub struct Fixture {
    pub home: PathBuf,
    pub softhsm_conf: PathBuf,
    pub ff_default: PathBuf,
    pub ff_other: PathBuf,
    pub ff_decoy: PathBuf,
    pub tb: PathBuf,
    pub chromium_db: PathBuf,
    pub id_sha256: String,
    pub enc_serial: String,
    pub enc_dbkey: String,
    pub expired_serial: String,
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

/// The fixture's SoftHSM token is shared: one certhelp run at a time
/// touches it.
static SOFTHSM_LOCK: Mutex<()> = Mutex::new(());

impl Fixture {
    /// certhelp with `args` in the fixture home: its NSS databases and its
    /// SoftHSM token (the module named in CERTHELP_PKCS11_MODULES), one run
    /// at a time.
    pub fn certhelp(&self, args: &[&str]) -> Output {
        let _g = SOFTHSM_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        Command::new(env!("CARGO_BIN_EXE_certhelp"))
            .args(args)
            .env("HOME", &self.home)
            .env_remove("XDG_CONFIG_HOME")
            .env("SOFTHSM2_CONF", &self.softhsm_conf)
            .env("CERTHELP_PKCS11_MODULES", SOFTHSM)
            .output()
            .unwrap()
    }
}

pub fn get() -> &'static Fixture {
    FIXTURE.get_or_init(|| {
        // The test binary leaves nothing behind: the shared home goes when
        // the process exits.
        // SAFETY: registers a plain `extern "C" fn` with no arguments.
        unsafe { libc::atexit(remove_fixture_home) };
        build()
    })
}

extern "C" fn remove_fixture_home() {
    if let Some(f) = FIXTURE.get() {
        let _ = std::fs::remove_dir_all(&f.home);
    }
}

// ------------------------------------------------------------ Certificates

pub struct Made {
    pub cert: X509,
    pub key: PKey<Private>,
}

impl Made {
    pub fn pem(&self) -> Vec<u8> {
        self.cert.to_pem().unwrap()
    }
    /// The certificate and its key as certhelp's in-memory identity (for
    /// tests that call the library's store code directly).
    pub fn identity(&self, label: Option<&str>) -> certhelp::store::Identity {
        certhelp::store::Identity {
            label: label.map(String::from),
            cert_der: self.cert.to_der().unwrap(),
            key: Some(certhelp::store::PrivateKey::from_pkcs8_der(self.key.private_key_to_pkcs8().unwrap())),
        }
    }
}

fn name(entries: &[(&str, &str)]) -> X509Name {
    let mut b = X509Name::builder().unwrap();
    for (k, v) in entries {
        if *k == "emailAddress" {
            b.append_entry_by_nid(Nid::PKCS9_EMAILADDRESS, v).unwrap();
        } else {
            b.append_entry_by_text(k, v).unwrap();
        }
    }
    b.build()
}

pub struct Spec<'a> {
    pub subject: &'a [(&'a str, &'a str)],
    pub issuer: Option<&'a Made>,
    pub ca: bool,
    pub ku: &'a [&'a str],
    pub eku: &'a [&'a str],
    pub san_email: Option<&'a str>,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub serial: u32,
}

/// The time now, in Unix seconds (for certificate validity).
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// One day in seconds.
pub const DAY: i64 = 86_400;

pub fn make(s: Spec) -> Made {
    make_with_key(s, PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap())
}

/// The same with a P-256 key.
pub fn make_ec(s: Spec) -> Made {
    let group = openssl::ec::EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    make_with_key(s, PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap())
}

pub fn make_with_key(s: Spec, key: PKey<Private>) -> Made {
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(s.serial).unwrap()).unwrap()).unwrap();
    let subj = name(s.subject);
    b.set_subject_name(&subj).unwrap();
    b.set_issuer_name(s.issuer.map(|i| i.cert.subject_name()).unwrap_or(&subj)).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(s.not_before).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::from_unix(s.not_after).unwrap()).unwrap();
    if s.ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap()).unwrap();
    }
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None)).unwrap();
    b.append_extension(ski).unwrap();
    if let Some(i) = s.issuer {
        let aki = AuthorityKeyIdentifier::new().keyid(true).build(&b.x509v3_context(Some(&i.cert), None)).unwrap();
        b.append_extension(aki).unwrap();
    }
    if !s.ku.is_empty() {
        let mut ku = KeyUsage::new();
        ku.critical();
        for u in s.ku {
            match *u {
                "digitalSignature" => ku.digital_signature(),
                "nonRepudiation" => ku.non_repudiation(),
                "keyEncipherment" => ku.key_encipherment(),
                "keyCertSign" => ku.key_cert_sign(),
                "cRLSign" => ku.crl_sign(),
                other => panic!("{other}"),
            };
        }
        b.append_extension(ku.build().unwrap()).unwrap();
    }
    if !s.eku.is_empty() {
        let mut e = ExtendedKeyUsage::new();
        for u in s.eku {
            match *u {
                "clientAuth" => e.client_auth(),
                "emailProtection" => e.email_protection(),
                other => panic!("{other}"),
            };
        }
        b.append_extension(e.build().unwrap()).unwrap();
    }
    if let Some(m) = s.san_email {
        let san = SubjectAlternativeName::new()
            .email(m)
            .build(&b.x509v3_context(s.issuer.map(|i| i.cert.as_ref()), None))
            .unwrap();
        b.append_extension(san).unwrap();
    }
    b.sign(s.issuer.map(|i| &i.key).unwrap_or(&key), MessageDigest::sha256()).unwrap();
    Made { cert: b.build(), key }
}

fn ca(cn: &str, o: &str, issuer: Option<&Made>, serial: u32) -> Made {
    make(Spec {
        subject: &[("C", "US"), ("O", o), ("CN", cn)],
        issuer,
        ca: true,
        ku: &["keyCertSign", "cRLSign"],
        eku: &[],
        san_email: None,
        not_before: now() - 400 * DAY,
        not_after: now() + 3000 * DAY,
        serial,
    })
}

/// A personal certificate "C=US, O=Test PKI, CN=`cn`" issued by `issuer`,
/// with `email` as its subjectAltName, valid from `days.0` to `days.1` days
/// from now (negative: in the past).
pub fn person(issuer: &Made, cn: &str, email: &str, ku: &[&str], eku: &[&str], days: (i64, i64), serial: u32) -> Made {
    let t = now();
    make(Spec {
        subject: &[("C", "US"), ("O", "Test PKI"), ("CN", cn)],
        issuer: Some(issuer),
        ca: false,
        ku,
        eku,
        san_email: Some(email),
        not_before: t + days.0 * DAY,
        not_after: t + days.1 * DAY,
        serial,
    })
}

/// A self-signed CA "C=US, O=`o`, CN=`cn`" valid from yesterday for a
/// year.
pub fn root_ca(o: &str, cn: &str, serial: u32) -> Made {
    make(Spec {
        subject: &[("C", "US"), ("O", o), ("CN", cn)],
        issuer: None,
        ca: true,
        ku: &["keyCertSign", "cRLSign"],
        eku: &[],
        san_email: None,
        not_before: now() - DAY,
        not_after: now() + 365 * DAY,
        serial,
    })
}

/// A self-signed root "O=Elsewhere, CN=Existing Root" with fixed dates: a
/// certificate a store already held before the test, unrelated to the
/// chain the test moves.
pub fn existing_root() -> Made {
    make(Spec {
        subject: &[("O", "Elsewhere"), ("CN", "Existing Root")],
        issuer: None,
        ca: true,
        ku: &["keyCertSign", "cRLSign"],
        eku: &[],
        san_email: None,
        not_before: 1_700_000_000,
        not_after: 2_100_000_000,
        serial: 77,
    })
}

/// A personal certificate with the CAs that issued it.
pub struct Chain {
    pub root: Made,
    pub sub: Made,
    pub leaf: Made,
}

/// root -> issuing CA -> personal certificate; `ec`: the leaf has a P-256 key.
pub fn chain(cn: &str, ec: bool) -> Chain {
    let t = now();
    let root = make(Spec {
        subject: &[("C", "US"), ("O", "Test PKI"), ("CN", "Test Root CA")],
        issuer: None,
        ca: true,
        ku: &["keyCertSign", "cRLSign"],
        eku: &[],
        san_email: None,
        not_before: t - DAY,
        not_after: t + 3000 * DAY,
        serial: 1,
    });
    let sub = make(Spec {
        subject: &[("C", "US"), ("O", "Test PKI"), ("CN", "Test Issuing CA")],
        issuer: Some(&root),
        ca: true,
        ku: &["keyCertSign", "cRLSign"],
        eku: &[],
        san_email: None,
        not_before: t - DAY,
        not_after: t + 2000 * DAY,
        serial: 2,
    });
    let spec = Spec {
        subject: &[("C", "US"), ("O", "Test PKI"), ("CN", cn)],
        issuer: Some(&sub),
        ca: false,
        ku: &["digitalSignature", "keyEncipherment"],
        eku: &["clientAuth", "emailProtection"],
        san_email: Some("tester@example.com"),
        not_before: t - DAY,
        not_after: t + 300 * DAY,
        // Unique per name (a leading byte >= 0x80 needs NSS's sign byte).
        serial: 0x80_00_00 | (cn.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) & 0xFFFF),
    };
    let leaf = if ec { make_ec(spec) } else { make(spec) };
    Chain { root, sub, leaf }
}

/// NSS's dbKey for a certificate: module and slot ids (0), serial and
/// issuer lengths, serial contents, issuer DER; base64.
///
/// The serial is the DER INTEGER's content octets (Gecko takes them from
/// mozilla::pkix as encoded). OpenSSL's BigNum gives the magnitude alone, so
/// a positive serial whose first byte has the high bit set (0x80...) gets
/// back the 0x00 that DER puts before it, and zero is the one byte 0x00;
/// without this the key of such a certificate would not match NSS's.
pub fn dbkey(c: &X509) -> String {
    let mut serial = c.serial_number().to_bn().unwrap().to_vec();
    if serial.first().is_none_or(|b| b & 0x80 != 0) {
        serial.insert(0, 0);
    }
    let issuer = c.issuer_name().to_der().unwrap();
    let mut raw = vec![0u8; 8];
    raw.extend((serial.len() as u32).to_be_bytes());
    raw.extend((issuer.len() as u32).to_be_bytes());
    raw.extend(&serial);
    raw.extend(&issuer);
    openssl::base64::encode_block(&raw)
}

// ----------------------------------------------------------- PKCS#12 files

impl Chain {
    /// The personal certificate and its key under the friendly name `name`,
    /// with the issuing CA and the root, as a PKCS#12 (`p12`).
    pub fn p12(&self, name: &str, password: &str) -> Vec<u8> {
        p12(name, &self.leaf, &[&self.sub, &self.root], password)
    }
}

/// The openssl crate's PKCS#12 builder for `leaf` (key and certificate)
/// under the friendly name `name`, with `cas` as its chain (none: no chain).
fn p12_builder(name: &str, leaf: &Made, cas: &[&Made]) -> Pkcs12Builder {
    let mut b = Pkcs12::builder();
    b.name(name).pkey(&leaf.key).cert(&leaf.cert);
    if !cas.is_empty() {
        let mut chain = openssl::stack::Stack::new().unwrap();
        for ca in cas {
            chain.push(ca.cert.clone()).unwrap();
        }
        b.ca(chain);
    }
    b
}

/// A PKCS#12 (DER) of `leaf` with `cas` as its chain, with the openssl
/// crate's defaults (OpenSSL's default algorithms, 2048 KDF and MAC
/// iterations).
pub fn p12(name: &str, leaf: &Made, cas: &[&Made], password: &str) -> Vec<u8> {
    p12_builder(name, leaf, cas).build2(password).unwrap().to_der().unwrap()
}

/// The same at 1 KDF and MAC iteration (fast fixtures for loops that run
/// certhelp many times).
pub fn quick_p12(name: &str, leaf: &Made, cas: &[&Made], password: &str) -> Vec<u8> {
    p12_builder(name, leaf, cas).key_iter(1).mac_iter(1).build2(password).unwrap().to_der().unwrap()
}

/// `openssl pkcs12 -export` (the openssl command, not certhelp's code) of
/// `leaf`'s key and certificate, with `cas` as -certfile when there are
/// any, its password from the file `pwfile`, into `out`; `args` adds
/// options (-name, -legacy, -nomac...). The PEM inputs go to `work`
/// (leaf.key, leaf.pem, chain.pem).
pub fn openssl_p12(work: &Path, leaf: &Made, cas: &[&Made], pwfile: &Path, out: &Path, args: &[&str]) {
    std::fs::write(work.join("leaf.pem"), leaf.pem()).unwrap();
    std::fs::write(work.join("leaf.key"), leaf.key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let mut c = Command::new("openssl");
    c.args(["pkcs12", "-export", "-inkey"]).arg(work.join("leaf.key")).arg("-in").arg(work.join("leaf.pem"));
    if !cas.is_empty() {
        let chain: Vec<u8> = cas.iter().flat_map(|ca| ca.pem()).collect();
        std::fs::write(work.join("chain.pem"), chain).unwrap();
        c.arg("-certfile").arg(work.join("chain.pem"));
    }
    c.arg("-passout").arg(format!("file:{}", pwfile.display())).arg("-out").arg(out).args(args);
    run(&mut c);
}

/// A PKCS#12 file's MAC iteration count rewritten to 2^31-1 in place. The
/// file must come from OpenSSL with its default MAC count (not
/// -nomaciter): 2048, INTEGER 02 02 08 00, at the very end of its DER. The
/// new INTEGER is two bytes longer, so the MacData and outer lengths are
/// fixed too.
pub fn forge_mac_iterations(b: &mut Vec<u8>) {
    let n = b.len();
    assert_eq!(&b[n - 4..], &[2, 2, 8, 0]);
    b.truncate(n - 4);
    b.extend([2, 4, 0x7f, 0xff, 0xff, 0xff]);
    let mac_start = (0..n).rev().find(|&i| b[i] == 0x30 && usize::from(b[i + 1]) + 2 == n - i).unwrap();
    b[mac_start + 1] += 2;
    assert_eq!(&b[..2], &[0x30, 0x82]);
    let outer = usize::from(b[2]) << 8 | usize::from(b[3]);
    b[2..4].copy_from_slice(&((outer + 2) as u16).to_be_bytes());
}

// -------------------------------------- NSS databases and Mozilla profiles

fn db(dir: &Path) -> String {
    format!("sql:{}", dir.display())
}

/// A new NSS database; `password` None: no password (as Firefox makes it).
pub fn new_db(dir: &Path, password: Option<&str>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut c = Command::new("certutil");
    c.args(["-N", "-d", &db(dir)]);
    match password {
        None => {
            c.arg("--empty-password");
        }
        Some(p) => {
            let f = dir.join(".pw");
            std::fs::write(&f, p).unwrap();
            c.arg("-f").arg(&f);
        }
    }
    run(&mut c);
    let _ = std::fs::remove_file(dir.join(".pw"));
}

/// A Mozilla profile (Firefox or Thunderbird) as the app makes it: the
/// directory `dir` under `app_root` (e.g. HOME/.mozilla/firefox or
/// HOME/.thunderbird), a profiles.ini there listing it as the one default
/// profile, and an empty NSS database in it (`new_db`). Returns the
/// profile's path.
pub fn mozilla_profile(app_root: &Path, dir: &str, db_password: Option<&str>) -> PathBuf {
    let profile = app_root.join(dir);
    std::fs::create_dir_all(&profile).unwrap();
    std::fs::write(
        app_root.join("profiles.ini"),
        format!(
            "[Profile0]\nName=default-release\nIsRelative=1\nPath={dir}\nDefault=1\n\n\
             [General]\nStartWithLastProfile=1\nVersion=2\n"
        ),
    )
    .unwrap();
    new_db(&profile, db_password);
    profile
}

pub fn add_ca(dir: &Path, nick: &str, m: &Made, work: &Path) {
    add_ca_pw(dir, nick, m, work, None)
}

/// A CA certificate (trusted for TLS clients and e-mail), as a chain install
/// does; `db_password` for a database that has one.
pub fn add_ca_pw(dir: &Path, nick: &str, m: &Made, work: &Path, db_password: Option<&str>) {
    let f = work.join(format!("{}.pem", nick.replace(' ', "_")));
    std::fs::write(&f, m.pem()).unwrap();
    let mut c = Command::new("certutil");
    c.args(["-A", "-d", &db(dir), "-n", nick, "-t", "CT,C,C", "-i"]).arg(&f);
    if let Some(p) = db_password {
        let pw = work.join("dbpw");
        std::fs::write(&pw, p).unwrap();
        c.arg("-f").arg(pw);
    }
    run(&mut c);
}

/// A certificate without its key (as importing a .cer does).
pub fn add_cert_only(dir: &Path, nick: &str, m: &Made, work: &Path) {
    let f = work.join(format!("{}.pem", nick.replace(' ', "_")));
    std::fs::write(&f, m.pem()).unwrap();
    run(Command::new("certutil").args(["-A", "-d", &db(dir), "-n", nick, "-t", ",,", "-i"]).arg(&f));
}

/// Key and certificate through a PKCS#12 file and pk12util.
pub fn add_p12(dir: &Path, nick: &str, m: &Made, work: &Path, db_password: Option<&str>) {
    let f = work.join(format!("{}.p12", nick.replace(' ', "_")));
    std::fs::write(&f, p12(nick, m, &[], "p12pass")).unwrap();
    let mut c = Command::new("pk12util");
    c.args(["-i"]).arg(&f).args(["-d", &db(dir), "-W", "p12pass"]);
    match db_password {
        Some(p) => {
            let pw = work.join("dbpw");
            std::fs::write(&pw, p).unwrap();
            c.arg("-k").arg(pw);
        }
        None => {
            c.args(["-K", ""]);
        }
    }
    run(&mut c);
}

/// The chain's root and issuing CA, trusted as a chain install does, under
/// the nicknames "Test Root CA" and "Test Issuing CA".
pub fn add_chain_cas(dir: &Path, c: &Chain, work: &Path, db_password: Option<&str>) {
    add_ca_pw(dir, "Test Root CA", &c.root, work, db_password);
    add_ca_pw(dir, "Test Issuing CA", &c.sub, work, db_password);
}

/// A filled source store: the chain's CAs trusted (`add_chain_cas`) and
/// its personal certificate with its key under `nick` (`add_p12`).
pub fn add_chain(dir: &Path, c: &Chain, nick: &str, work: &Path, db_password: Option<&str>) {
    add_chain_cas(dir, c, work, db_password);
    add_p12(dir, nick, &c.leaf, work, db_password);
}

/// `certutil ARGS -d sql:DIR`'s stdout: the oracle's listing. It must
/// succeed, except `-K`, which fails on a database that holds no key.
pub fn certutil_stdout(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("certutil").args(args).arg("-d").arg(db(dir)).output().unwrap();
    assert!(o.status.success() || args == ["-K"], "certutil {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

// ---------------------------------------------------------- SoftHSM tokens

/// A SoftHSM configuration of a test's own: DIR/tokens (made, empty) as
/// the token directory, file object store, errors only in the log. Returns
/// DIR/softhsm2.conf, for SOFTHSM2_CONF.
pub fn softhsm_conf(dir: &Path) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()),
    )
    .unwrap();
    conf
}

/// A new SoftHSM token labelled `label` in the first free slot of the
/// SoftHSM that `conf` configures (`softhsm2-util --init-token --free`).
pub fn init_token(conf: &Path, label: &str, so_pin: &str, user_pin: &str) {
    run(Command::new("softhsm2-util").env("SOFTHSM2_CONF", conf).args([
        "--init-token",
        "--free",
        "--label",
        label,
        "--so-pin",
        so_pin,
        "--pin",
        user_pin,
    ]));
}

// ----------------------------- A test's own home, commands and directories

/// The database password `Home` writes to work/dbpw.
pub const DB_PW: &str = "db secret";

/// A private home for one test, removed when dropped: HOME for certhelp,
/// a work folder holding the PKCS#12 password file (`pkcs12::PW`) and the
/// database password file (`DB_PW`), and certhelp's state directory.
/// Tests that need more (a token, a profile) add to it in their module.
pub struct Home {
    dir: TempDir,
}

impl Home {
    pub fn new(tag: &str) -> Home {
        let dir = TempDir::new(tag);
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        std::fs::write(dir.path().join("work/pw"), format!("{PW}\n")).unwrap();
        std::fs::write(dir.path().join("work/dbpw"), DB_PW).unwrap();
        Home { dir }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn work(&self) -> PathBuf {
        self.path().join("work")
    }
    /// The PKCS#12 password file.
    pub fn pw(&self) -> PathBuf {
        self.work().join("pw")
    }
    /// The database password file.
    pub fn dbpw(&self) -> PathBuf {
        self.work().join("dbpw")
    }
    pub fn state(&self) -> PathBuf {
        self.path().join("state")
    }
    /// certhelp in this home with `state` as its state directory and the
    /// fast PKCS#12 iteration count (2048; the default is 600,000).
    pub fn certhelp_in(&self, state: &Path) -> Command {
        let mut c = certhelp(self.path());
        c.env("CERTHELP_STATE_DIR", state).env("CERTHELP_P12_ITERATIONS", "2048");
        c
    }
    /// `certhelp_in` the home's own state directory.
    pub fn certhelp(&self) -> Command {
        self.certhelp_in(&self.state())
    }
    /// A database directory of its own (an `nss:DIR` store), empty.
    pub fn db(&self, name: &str, password: Option<&str>) -> PathBuf {
        let d = self.path().join(name);
        new_db(&d, password);
        d
    }
    /// `certhelp import FILE --to nss:TO` with the PKCS#12 password file.
    pub fn import(&self, file: &Path, to: &Path, extra: &[&str]) -> Output {
        let to = format!("nss:{}", to.display());
        let file = file.to_str().unwrap();
        let pw = self.pw();
        crate::util::run(self.certhelp().args(["import", file, "--to", &to, "--password-file"]).arg(pw).args(extra))
    }
}

pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A unique empty directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "certhelp-{tag}-{}-{}-{}",
        std::process::id(),
        now(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ------------------------------------------------- The shared fixture home

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

fn build() -> Fixture {
    let home = temp_dir("home");
    let work = home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let t = now();

    // ECA: root -> issuing CA -> identity + encryption pair (+ older
    // encryption cert whose key is gone, + an expired identity cert).
    let eca_root = ca("ECA Root CA 4", "U.S. Government", None, 1);
    let orc = ca("ORC ECA 6", "ORC PKI", Some(&eca_root), 2);
    let jane = [("C", "US"), ("O", "U.S. Government"), ("OU", "ECA"), ("OU", "ORC"), ("CN", "Jane Q. Doe")];
    // Jane's certificates differ in key usage, validity (days from now) and
    // serial only.
    let jane_cert = |ku: &[&str], eku: &[&str], days: (i64, i64), serial: u32| {
        make(Spec {
            subject: &jane,
            issuer: Some(&orc),
            ca: false,
            ku,
            eku,
            san_email: Some(EMAIL),
            not_before: t + days.0 * DAY,
            not_after: t + days.1 * DAY,
            serial,
        })
    };
    let id = jane_cert(&["digitalSignature", "nonRepudiation"], &["clientAuth", "emailProtection"], (-10, 700), 0x1001);
    let enc = jane_cert(&["keyEncipherment"], &["emailProtection"], (-10, 700), 0x1002);
    let old_enc = jane_cert(&["keyEncipherment"], &["emailProtection"], (-600, 100), 0x1003);
    let expired = jane_cert(&["digitalSignature"], &["emailProtection"], (-900, -5), 0x1004);

    // Digital ID: Class 1 root -> Individual Subscriber CA -> PNV.
    let c1_root = ca("Class 1 Public Primary Certification Authority", "VeriSign, Inc.", None, 3);
    let c1_sub = ca("Symantec Class 1 Individual Subscriber CA - G5", "Symantec Corporation", Some(&c1_root), 4);
    let pnv = make(Spec {
        subject: &[
            ("O", "Symantec Corporation"),
            ("OU", "Persona Not Validated"),
            ("CN", "Persona Not Validated"),
            ("emailAddress", "pnv.user@example.org"),
        ],
        issuer: Some(&c1_sub),
        ca: false,
        ku: &["keyEncipherment"],
        eku: &["emailProtection"],
        san_email: Some("pnv.user@example.org"),
        not_before: t - 10 * DAY,
        not_after: t + 300 * DAY,
        serial: 0x2001,
    });

    // Firefox: two profiles; the [Install] section names the second as
    // default although the first says Default=1. A decoy directory with a
    // database that profiles.ini does not list must not be found.
    let ffroot = home.join(".mozilla/firefox");
    let ff_other = ffroot.join("Profiles/aaaa.default");
    let ff_default = ffroot.join("Profiles/bbbb.default-release");
    let ff_decoy = ffroot.join("Profiles/zzzz.decoy");
    write(
        &ffroot.join("profiles.ini"),
        "[Install4F96D1932A9F858E]\nDefault=Profiles/bbbb.default-release\nLocked=1\n\n\
         [Profile1]\nName=default\nIsRelative=1\nPath=Profiles/aaaa.default\nDefault=1\n\n\
         [Profile0]\nName=default-release\nIsRelative=1\nPath=Profiles/bbbb.default-release\n\n\
         [General]\nStartWithLastProfile=1\nVersion=2\n",
    );
    new_db(&ff_default, None);
    add_ca(&ff_default, "ECA Root CA 4", &eca_root, &work);
    add_ca(&ff_default, "ORC ECA 6", &orc, &work);
    add_p12(&ff_default, "Jane ECA ID", &id, &work, None);
    add_p12(&ff_default, "Jane ECA Enc", &enc, &work, None);
    add_cert_only(&ff_default, "Jane old ECA Enc", &old_enc, &work);
    write(
        &ff_default.join("compatibility.ini"),
        "[Compatibility]\nLastVersion=140.5.0_20251101000000/20251101000000\n",
    );
    write(&ff_default.join("prefs.js"), "user_pref(\"browser.startup.page\", 3);\n");
    let mut p11 = std::fs::read_to_string(ff_default.join("pkcs11.txt")).unwrap();
    p11.push_str(&format!("\nlibrary={DUP_MODULE}\nname=OpenSC\n\nlibrary={DUP_MODULE}\nname=OpenSC smartcard\n"));
    std::fs::write(ff_default.join("pkcs11.txt"), p11).unwrap();

    new_db(&ff_other, None);
    add_ca(&ff_other, "Class 1 root", &c1_root, &work);
    add_p12(&ff_other, "PNV Digital ID", &pnv, &work, None);
    write(&ff_other.join("user.js"), "user_pref(\"security.nocertdb\", true);\n");
    // pkcs11.txt left behind by a root-run command (owner differs).
    run(Command::new("chown").arg("65534:65534").arg(ff_other.join("pkcs11.txt")));

    new_db(&ff_decoy, None);
    add_p12(&ff_decoy, "Decoy", &pnv, &work, None);

    // Thunderbird: identity 1 signs with the expired certificate (by
    // nickname, which NSS shares between certificates of one subject) and
    // encrypts with the current one (by dbKey, as Thunderbird 102+ writes).
    let enc_dbkey = dbkey(&enc.cert);
    let tbroot = home.join(".thunderbird");
    let tb = tbroot.join("tb01.default-release");
    write(
        &tbroot.join("profiles.ini"),
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=tb01.default-release\nDefault=1\n",
    );
    new_db(&tb, None);
    add_ca(&tb, "ECA Root CA 4", &eca_root, &work);
    add_ca(&tb, "ORC ECA 6", &orc, &work);
    add_p12(&tb, "Jane expired", &expired, &work, None);
    add_p12(&tb, "Jane ECA Enc", &enc, &work, None);
    write(
        &tb.join("prefs.js"),
        &format!(
            "// Mozilla User Preferences\n\
             user_pref(\"mail.identity.id1.fullName\", \"Jane Q. Doe\");\n\
             user_pref(\"mail.identity.id1.useremail\", \"{EMAIL}\");\n\
             user_pref(\"mail.identity.id1.signing_cert_name\", \"Jane expired\");\n\
             user_pref(\"mail.identity.id1.encryption_cert_dbkey\", \"{enc_dbkey}\");\n\
             user_pref(\"mail.identity.id2.useremail\", \"jane.private@example.net\");\n"
        ),
    );

    // Chromium's shared DB, with a password: keys hidden without login.
    let chromium_db = home.join(".pki/nssdb");
    new_db(&chromium_db, Some(CHROMIUM_DB_PASSWORD));
    let pw = Some(CHROMIUM_DB_PASSWORD);
    add_ca_pw(&chromium_db, "ECA Root CA 4", &eca_root, &work, pw);
    add_ca_pw(&chromium_db, "ORC ECA 6", &orc, &work, pw);
    add_p12(&chromium_db, "Jane ECA ID", &id, &work, Some(CHROMIUM_DB_PASSWORD));
    write(&home.join(".config/chromium/Last Version"), "146.0.7000.1\n");

    // SoftHSM token with a key and its certificate.
    let softhsm_conf = softhsm_conf(&home.join("softhsm"));
    init_token(&softhsm_conf, TOKEN_LABEL, "12345678", "123456");
    let tok_user = make(Spec {
        subject: &[("C", "US"), ("O", "ORC PKI"), ("CN", "Jane Q. Doe (token)")],
        issuer: Some(&orc),
        ca: false,
        ku: &["digitalSignature"],
        eku: &["clientAuth"],
        san_email: Some(EMAIL),
        not_before: t - DAY,
        not_after: t + 365 * DAY,
        serial: 0x3001,
    });
    let kder = work.join("tok.key.der");
    let cder = work.join("tok.crt.der");
    std::fs::write(&kder, tok_user.key.private_key_to_pkcs8().unwrap()).unwrap();
    std::fs::write(&cder, tok_user.cert.to_der().unwrap()).unwrap();
    for (f, ty) in [(&kder, "privkey"), (&cder, "cert")] {
        run(Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", &softhsm_conf)
            .args(["--module", SOFTHSM, "--login", "--pin", "123456"])
            .arg("--write-object")
            .arg(f)
            .args(["--type", ty, "--id", "01", "--label", "Jane token"]));
    }
    // Nothing secret stays around.
    let _ = std::fs::remove_file(&kder);

    Fixture {
        id_sha256: certhelp::cert::hex(&id.cert.digest(MessageDigest::sha256()).unwrap()),
        enc_serial: "1002".into(),
        enc_dbkey,
        expired_serial: "1004".into(),
        home,
        softhsm_conf,
        ff_default,
        ff_other,
        ff_decoy,
        tb,
        chromium_db,
    }
}
