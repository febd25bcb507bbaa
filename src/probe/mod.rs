//! The probe: what this machine has — OS, browsers and mail clients, their
//! certificate stores, PKCS#11 modules and tokens, the certificates in every
//! store and Thunderbird's mail identities — gathered into one [`Env`].
//!
//! Read-only: databases are opened `readOnly`, nothing is written, nothing
//! is asked (no PIN prompt). It gathers facts; judging them is `doctor`'s job.
//! Submodules hold the tables and parsers per source; this file wires them.

pub mod chromium;
pub mod files;
pub mod modules;
pub mod mozilla;
pub mod os;
pub mod platform;
pub mod redact;
pub mod report;

use crate::cert;
use crate::env::{App, Certificate, Env, MailIdentity, Os, Store, StoreIssue, StoreKind};
use crate::store::nss::{self, DbFormat, NssStore};
use crate::store::pkcs11::is_token_module;
use crate::store::{CertStore, StoredCert};
use std::path::{Path, PathBuf};

/// What the probe may do. The default reads every store and loads token
/// modules (what `probe` and `doctor` want); the planner may want less.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Home directory; `None`: `$HOME`.
    pub home: Option<PathBuf>,
    /// Open NSS databases and list their certificates (2-6 ms each).
    pub read_stores: bool,
    /// Load PKCS#11 modules and list tokens (1-14 ms per module).
    pub load_modules: bool,
    /// Unix seconds for "now"; `None`: the clock.
    pub now: Option<i64>,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions { home: None, read_stores: true, load_modules: true, now: None }
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Store id of an NSS database directory.
pub fn nss_store_id(dir: &Path) -> String {
    format!("nss:{}", dir.display())
}

/// Look at the machine.
pub fn collect(opts: &ProbeOptions) -> Env {
    let mut timer = crate::timing::Phases::new("CERTHELP_PROBE_TIMINGS", "probe");
    let home =
        opts.home.clone().or_else(|| std::env::var_os("HOME").map(PathBuf::from)).unwrap_or_else(|| PathBuf::from("."));
    let xdg = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).filter(|p| p.is_absolute());
    let now = opts.now.unwrap_or_else(now_secs);
    let uid = files::current_uid();
    let os = Os::current();

    let mut env = Env { schema: crate::env::SCHEMA_VERSION, os: os::collect(), ..Default::default() };
    timer.lap("os (sysinfo)");
    let mut modset = modules::ModuleSet::default();
    // Directories to open, by store index.
    let mut nss_dirs: Vec<(usize, PathBuf, DbFormat)> = Vec::new();

    // Mozilla apps: one App per profile root, one Store per profile.
    for (root, _dir, profiles) in mozilla::discover(&home, xdg.as_deref(), os) {
        let mut app = App {
            id: root.app.into(),
            name: root.name.into(),
            variant: Some(root.variant.into()),
            ..Default::default()
        };
        for p in &profiles {
            crate::verbose!(vv: "probe: {} profile {:?} at {}", root.name, p.name, p.path.display());
            let (store, format) = mozilla_store(&p.path, root.app, &p.name, p.default, uid);
            if p.default || app.version.is_none() {
                if let Some(v) = std::fs::read_to_string(p.path.join("compatibility.ini"))
                    .ok()
                    .and_then(|t| mozilla::parse_compat_version(&t))
                {
                    app.version = Some(v);
                }
            }
            for m in &store.modules {
                modset.add(m, None, "pkcs11.txt");
            }
            if root.app == "thunderbird" {
                env.mail_identities.extend(identities(&p.path, &store.id, root.app));
            }
            app.stores.push(store.id.clone());
            if let Some(f) = format {
                nss_dirs.push((env.stores.len(), p.path.clone(), f));
            }
            env.stores.push(store);
        }
        if profiles.is_empty() {
            env.warnings.push(format!("{}: profiles.ini lists no profile (start the app once; see TS2011)", root.name));
        }
        env.apps.push(app);
    }

    // Chrome, Chromium, Edge, Evolution: the shared NSS DB (Linux).
    if os == Os::Linux {
        let found = chromium::discover(&home);
        for f in &found {
            let mut app = App {
                id: f.def.app.into(),
                name: f.def.name.into(),
                variant: f.def.variant.map(str::to_string),
                version: f.version.clone(),
                stores: Vec::new(),
            };
            if let Some(dir) = &f.nssdb {
                crate::verbose!(vv: "probe: {} uses the NSS database {}", f.def.name, dir.display());
                let id = nss_store_id(dir);
                if env.store(&id).is_none() {
                    let (store, format) = nss_dir_store(dir, Some(f.def.app), "shared NSS DB", uid);
                    for m in &store.modules {
                        modset.add(m, None, "pkcs11.txt");
                    }
                    if let Some(fm) = format {
                        nss_dirs.push((env.stores.len(), dir.clone(), fm));
                    }
                    env.stores.push(store);
                }
                app.stores.push(id);
            }
            env.apps.push(app);
        }
        // A shared DB with no known app using it still holds certificates.
        for cand in [".pki/nssdb", ".local/share/pki/nssdb"] {
            let dir = home.join(cand);
            let id = nss_store_id(&dir);
            if let (Some(fm), None) = (nss::db_format(&dir), env.store(&id)) {
                let (store, _) = nss_dir_store(&dir, None, "shared NSS DB", uid);
                for m in &store.modules {
                    modset.add(m, None, "pkcs11.txt");
                }
                nss_dirs.push((env.stores.len(), dir.clone(), fm));
                env.stores.push(store);
            }
        }
        env.pcscd_running = files::pcscd_running();
    } else {
        platform::collect(&home, &mut env);
    }

    timer.lap("apps, profiles, prefs");

    // Duplicate module through p11-kit-proxy (pitfall 20): the proxy loads
    // every p11-kit module, so one also registered directly appears twice.
    modules::configured(&home, &mut modset);
    let p11kit = modset.p11kit_keys();
    for s in env.stores.iter_mut() {
        let has_proxy = s.modules.iter().any(|m| m.ends_with("p11-kit-proxy.so"));
        if !has_proxy {
            continue;
        }
        for m in &s.modules {
            if is_token_module(m) && p11kit.contains(&modules::module_key(m)) {
                let issue = StoreIssue::DuplicateModule { module: m.clone(), count: 2 };
                if !s.issues.contains(&issue) {
                    s.issues.push(issue);
                }
            }
        }
    }

    timer.lap("module configs");

    // Certificates in the NSS databases.
    if opts.read_stores {
        // Each database is a load, C_Initialize, read, C_Finalize of
        // softoken; holding one extra handle keeps the library (and NSPR)
        // mapped between them instead of unloading and relocating it again.
        let _keep_loaded = (nss_dirs.len() > 1).then(nss::keep_softokn_loaded).flatten();
        for (i, dir, _) in &nss_dirs {
            let mut st = NssStore::new(env.stores[*i].id.clone(), dir);
            match CertStore::list(&mut st, None) {
                Ok(listing) => {
                    let s = &mut env.stores[*i];
                    s.readable = true;
                    s.login_required = listing.login_required;
                    let certs = certificates(&s.id, &listing.certs, now);
                    env.certificates.extend(certs);
                }
                Err(e) => {
                    env.stores[*i].error = Some(e.to_string());
                }
            }
        }
    } else if !nss_dirs.is_empty() {
        env.warnings.push("certificate databases not opened (quick probe)".into());
    }

    timer.lap("NSS databases (softoken)");

    // Tokens behind the modules.
    env.modules = modset.modules;
    if opts.load_modules {
        for ft in modules::load_tokens(&mut env.modules) {
            let t = ft.token;
            let mut store = Store {
                id: t.store.clone(),
                kind: StoreKind::Pkcs11,
                profile: Some(t.label.clone()),
                path: Some(t.module.clone()),
                login_required: t.login_required,
                modules: vec![t.module.clone()],
                ..Default::default()
            };
            match ft.certs {
                Ok(certs) => {
                    store.readable = true;
                    env.certificates.extend(certificates(&store.id, &certs, now));
                }
                Err(e) => store.error = Some(e),
            }
            if env.store(&store.id).is_none() {
                env.stores.push(store);
            }
            env.tokens.push(t);
        }
    }

    timer.lap("PKCS#11 modules and tokens");
    mark_personal(&mut env);
    env
}

/// A Mozilla profile as a store: format, prefs, module list, file facts.
fn mozilla_store(dir: &Path, app: &str, profile: &str, default: bool, uid: Option<u32>) -> (Store, Option<DbFormat>) {
    let (mut store, format) = nss_dir_store(dir, Some(app), profile, uid);
    store.default = default;
    let mut prefs = Vec::new();
    for f in ["prefs.js", "user.js"] {
        if let Ok(t) = std::fs::read_to_string(dir.join(f)) {
            prefs.extend(mozilla::parse_prefs(&t));
        }
    }
    if mozilla::pref(&prefs, "security.nocertdb") == Some(&mozilla::PrefValue::Bool(true)) {
        store.issues.push(StoreIssue::NoCertDb);
    }
    (store, format)
}

/// Any NSS directory as a store (without reading certificates yet).
fn nss_dir_store(dir: &Path, app: Option<&str>, profile: &str, uid: Option<u32>) -> (Store, Option<DbFormat>) {
    let format = nss::db_format(dir);
    let mut store = Store {
        id: nss_store_id(dir),
        kind: if format == Some(DbFormat::Dbm) { StoreKind::NssDbm } else { StoreKind::Nss },
        app: app.map(str::to_string),
        profile: Some(profile.to_string()),
        path: Some(dir.display().to_string()),
        in_use: Some(files::profile_locked(dir)),
        ..Default::default()
    };
    if format.is_none() {
        store.error = Some("no certificate database yet (start the app once; see TS2011)".into());
    }
    if let Ok(t) = std::fs::read_to_string(dir.join("pkcs11.txt")) {
        let mut counts: Vec<(String, String, u32)> = Vec::new();
        for m in mozilla::parse_pkcs11_txt(&t) {
            if m.library.is_empty() {
                continue;
            }
            // Same file under two spellings (full path and bare name) counts
            // as the same module.
            let key = module_identity(&m.library);
            match counts.iter_mut().find(|(k, _, _)| *k == key) {
                Some(c) => c.2 += 1,
                None => counts.push((key, m.library.clone(), 1)),
            }
            store.modules.push(m.library);
        }
        for (_, lib, n) in counts {
            if n > 1 {
                store.issues.push(StoreIssue::DuplicateModule { module: lib, count: n });
            }
        }
    }
    let files: &[&str] = match format {
        Some(DbFormat::Dbm) => &["pkcs11.txt", "secmod.db", "cert8.db", "key3.db"],
        _ => &["pkcs11.txt", "cert9.db", "key4.db"],
    };
    for f in files {
        let p = dir.join(f);
        if let Some(owner) = files::not_writable(&p, uid) {
            store.issues.push(StoreIssue::NotWritable { file: p.display().to_string(), owner_uid: owner });
        }
    }
    (store, format)
}

/// Canonical path of a module, or its file name when it cannot be found
/// (NSS resolves bare names through the library path).
fn module_identity(lib: &str) -> String {
    match std::fs::canonicalize(lib) {
        Ok(p) => p.to_string_lossy().to_string(),
        Err(_) => lib.rsplit('/').next().unwrap_or(lib).to_string(),
    }
}

fn identities(dir: &Path, store: &str, app: &str) -> Vec<MailIdentity> {
    let Ok(t) = std::fs::read_to_string(dir.join("prefs.js")) else {
        return Vec::new();
    };
    mozilla::mail_identities(&mozilla::parse_prefs(&t))
        .into_iter()
        .map(|(key, email, sig, enc)| MailIdentity {
            app: app.into(),
            store: store.into(),
            key,
            email,
            signing_cert: sig,
            encryption_cert: enc,
        })
        .collect()
}

/// End-entity certificates of one store, classified, with their chains
/// checked against that store's CA certificates.
pub fn certificates(store: &str, listed: &[StoredCert], now: i64) -> Vec<Certificate> {
    let parsed: Vec<(&StoredCert, cert::CertInfo)> =
        listed.iter().filter_map(|s| cert::parse(&s.der).ok().map(|i| (s, i))).collect();
    let pool: Vec<cert::CertInfo> = parsed.iter().filter(|(_, i)| i.is_ca).map(|(_, i)| i.clone()).collect();
    parsed
        .iter()
        .filter(|(_, i)| !i.is_ca)
        .map(|(s, i)| {
            let chain = cert::build_chain(i, &pool);
            let days_left = cert::days_left(i.not_after, now);
            // build_chain prefers the issuer valid longest: an expired one
            // in the path means the store has no current replacement.
            let expired_issuer =
                chain.path.iter().map(|&k| &pool[k]).find(|ca| ca.not_after < now).map(|ca| ca.subject.clone());
            Certificate {
                store: store.into(),
                nickname: s.label.clone(),
                subject: i.subject.clone(),
                common_name: i.common_name.clone(),
                emails: i.emails.clone(),
                issuer: i.issuer.clone(),
                serial: i.serial.clone(),
                not_before: cert::rfc3339(i.not_before),
                not_after: cert::rfc3339(i.not_after),
                expired: i.not_after < now,
                days_left,
                usage: i.usage,
                key_usage: i.key_usage.clone(),
                ext_key_usage: i.ext_key_usage.clone(),
                product: i.product,
                has_private_key: s.has_private_key,
                key_extractable: s.key_extractable,
                personal: false,
                chain_complete: chain.complete,
                missing_issuer: chain.missing_issuer,
                expired_issuer,
                sha256: i.sha256.clone(),
                san_emails: i.san_emails.clone(),
            }
        })
        .collect()
}

/// Does a mail identity's configured certificate (nickname or
/// `dbkey:<base64>`) name this certificate?
pub fn identity_names(cfg: &str, c: &Certificate) -> bool {
    match cfg.strip_prefix("dbkey:") {
        Some(k) => mozilla::dbkey_serial(k).is_some_and(|s| s.eq_ignore_ascii_case(c.serial.trim_start_matches('0'))),
        None => c.nickname.as_deref() == Some(cfg),
    }
}

/// Personal: the key is in the store (or hidden behind a login, where we
/// cannot tell and err on showing it), a mail identity names it, or it
/// carries an address of the user's (identity e-mails and those of the
/// certificates with keys) — the ECA encryption certificate whose key went
/// missing is still the user's.
pub fn mark_personal(env: &mut Env) {
    let ids = env.mail_identities.clone();
    let mut mine: Vec<String> = ids.iter().filter_map(|i| i.email.clone()).collect();
    for c in env.certificates.iter_mut() {
        let named = ids.iter().any(|i| {
            i.store == c.store
                && [&i.signing_cert, &i.encryption_cert]
                    .iter()
                    .any(|x| x.as_deref().is_some_and(|n| identity_names(n, c)))
        });
        c.personal = c.has_private_key != Some(false) || named;
        if c.personal {
            mine.extend(c.emails.iter().cloned());
        }
    }
    let mine: Vec<String> = mine.iter().map(|e| e.to_ascii_lowercase()).collect();
    for c in env.certificates.iter_mut() {
        if !c.personal && c.emails.iter().any(|e| mine.contains(e)) {
            c.personal = true;
        }
    }
}

/// `certhelp probe [--json] [--redact]`: print, and exit 0 when personal
/// certificates were found, 1 when none.
pub fn command(json: bool, redact: bool) -> Result<(String, i32), crate::error::Error> {
    let mut env = collect(&ProbeOptions::default());
    if redact {
        env = redact::redact(&env);
    }
    let out = if json {
        serde_json::to_string_pretty(&env).map_err(|e| {
            crate::error::Error::new(format!("cannot write the probe as JSON: {e}"), "report this as a bug")
        })? + "\n"
    } else {
        report::render(&env)
    };
    let code = if env.personal_certificates().next().is_some() { 0 } else { 1 };
    Ok((out, code))
}
