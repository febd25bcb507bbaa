//! `certhelp doctor`: judge an [`Env`] and say what is wrong, how to fix it
//! and which article explains it — one check per line, like brew/flutter
//! doctor.
//!
//! [`run`] is a pure function over `Env` (so `--env customer.json` gives the
//! same verdict as on the customer's machine): no file, clock or process.
//! Gathering facts is `probe`'s job; add a fact to `Env` before judging it.

use crate::apps::App;
use crate::env::{CertUse, Certificate, Env, MailIdentity, ProductKind, Store, StoreIssue, StoreKind};
use crate::probe::identity_names;
use crate::store::pkcs11::is_token_module;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Days before expiry that turn a certificate check into a warning.
pub const EXPIRY_WARN_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// What a check looks at. Serialised as the stable ids of `doctor --json`
/// (`expiry`, `private-key`, `nocertdb`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    Expiry,
    PrivateKey,
    Chain,
    DuplicateModule,
    StoreWritable,
    #[serde(rename = "nocertdb")]
    NoCertDb,
    StoreReadable,
    Pcscd,
    TokenPin,
    MailIdentity,
    SmimeUsable,
}

/// One verdict. `fix` and `article` are set for every warn and fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Check {
    pub id: CheckId,
    pub status: Status,
    pub message: String,
    pub fix: Option<String>,
    pub article: Option<String>,
    /// Store id the check is about, if any.
    pub store: Option<String>,
}

fn check(
    id: CheckId,
    status: Status,
    message: String,
    fix: Option<&str>,
    article: Option<&str>,
    store: Option<&str>,
) -> Check {
    Check {
        id,
        status,
        message,
        fix: fix.map(str::to_string),
        article: article.map(str::to_string),
        store: store.map(str::to_string),
    }
}

/// How a certificate is named in messages.
fn cert_name(c: &Certificate) -> String {
    let who = c.nickname.clone().or_else(|| c.common_name.clone()).unwrap_or_else(|| c.subject.clone());
    // NSS gives every certificate with the same subject the same nickname
    // (an ECA identity/encryption pair), so the serial tells them apart.
    format!("\"{who}\" ({}, serial {})", use_word(c.usage), c.serial)
}

fn use_word(u: CertUse) -> &'static str {
    match u {
        CertUse::Identity => "identity",
        CertUse::Encryption => "encryption",
        CertUse::Both => "identity+encryption",
        CertUse::Other => "other use",
    }
}

/// The certificate a mail identity's setting names in its store. Several
/// certificates can share a nickname: prefer one fit for the purpose, then
/// one not expired (as the mail client does).
fn configured_cert<'a>(env: &'a Env, i: &MailIdentity, cfg: &str, signing: bool) -> Option<&'a Certificate> {
    let fit = |c: &Certificate| match (signing, c.usage) {
        (_, CertUse::Both) => true,
        (true, u) => u == CertUse::Identity,
        (false, u) => u == CertUse::Encryption,
    };
    env.certificates
        .iter()
        .filter(|c| c.store == i.store && identity_names(cfg, c))
        .max_by_key(|c| (fit(c), !c.expired, c.days_left))
}

fn store_name(env: &Env, id: &str) -> String {
    match env.store(id) {
        Some(s) => match (&s.app, &s.profile) {
            (Some(a), Some(p)) => format!("{a} ({p})"),
            (Some(a), None) => a.clone(),
            (None, Some(p)) => p.clone(),
            (None, None) => id.to_string(),
        },
        None => id.to_string(),
    }
}

/// The import article for a store: re-importing the .p12 brings the key.
fn import_article(s: Option<&Store>) -> &'static str {
    match s.map(|s| (s.kind, s.app.as_deref())) {
        Some((StoreKind::Windows, _)) => "TS2007",
        Some((StoreKind::Keychain, _)) => "SO5181",
        Some((StoreKind::Pkcs11, _)) => "SO28695",
        Some((StoreKind::NssDbm, _)) => "SO2800",
        _ => "SO5437",
    }
}

/// A store a mail app signs and encrypts with.
fn is_mail_store(s: Option<&Store>) -> bool {
    s.and_then(|s| s.app.as_deref()).and_then(App::from_id).is_some_and(App::sends_mail)
}

/// Why a certificate cannot sign or encrypt mail (pitfalls 12-13).
pub fn smime_problems(c: &Certificate) -> Vec<&'static str> {
    let mut p = Vec::new();
    if !c.ext_key_usage.is_empty()
        && !c.ext_key_usage.iter().any(|e| e == "emailProtection" || e == "anyExtendedKeyUsage")
    {
        p.push("its Extended Key Usage lacks emailProtection");
    }
    if c.san_emails.is_empty() {
        p.push("it has no e-mail address in its subjectAltName");
    }
    if c.key_usage.is_empty() {
        p.push("it has no Key Usage");
    }
    p
}

/// Judge the machine.
pub fn run(env: &Env) -> Vec<Check> {
    let mut out = Vec::new();
    stores(env, &mut out);
    certificates(env, &mut out);
    identities(env, &mut out);
    tokens(env, &mut out);
    out
}

fn stores(env: &Env, out: &mut Vec<Check>) {
    for s in &env.stores {
        let name = store_name(env, &s.id);
        if let Some(e) = &s.error {
            if s.kind != StoreKind::Keychain && s.kind != StoreKind::Windows {
                out.push(check(
                    CheckId::StoreReadable,
                    Status::Warn,
                    format!("{name}: cannot read the certificate store: {e}"),
                    Some("start the app once so it creates its database, then run doctor again"),
                    Some("TS2011"),
                    Some(&s.id),
                ));
            }
        }
        let mut bad = false;
        for i in &s.issues {
            bad = true;
            match i {
                StoreIssue::DuplicateModule { module, count } => out.push(check(
                    CheckId::DuplicateModule,
                    Status::Fail,
                    format!("{name}: PKCS#11 module {module} is registered {count} times (the token shows twice, the PIN is asked per certificate)"),
                    Some("remove the extra entry (Settings > Privacy & Security > Security Devices > Unload, or `modutil -delete`) so the module is registered once"),
                    Some("TS2016"),
                    Some(&s.id),
                )),
                StoreIssue::NotWritable { file, owner_uid } => {
                    let pkcs11 = file.ends_with("pkcs11.txt") || file.ends_with("secmod.db");
                    out.push(check(
                        CheckId::StoreWritable,
                        Status::Fail,
                        format!(
                            "{name}: {file} is not writable by you{}",
                            owner_uid.map(|u| format!(" (owned by uid {u})")).unwrap_or_default()
                        ),
                        Some("give the file back to yourself: `sudo chown $USER: FILE` (it was created by a command run as root)"),
                        Some(if pkcs11 { "TS2016" } else { "TS2003" }),
                        Some(&s.id),
                    ));
                }
                StoreIssue::NoCertDb => out.push(check(
                    CheckId::NoCertDb,
                    Status::Fail,
                    format!("{name}: preference security.nocertdb is true, so the app keeps no certificates"),
                    Some("set security.nocertdb to false in about:config (or remove it from user.js) and restart the app"),
                    Some("TS2003"),
                    Some(&s.id),
                )),
            }
        }
        if !bad && s.error.is_none() && matches!(s.kind, StoreKind::Nss | StoreKind::NssDbm) {
            out.push(check(
                CheckId::StoreWritable,
                Status::Ok,
                format!("{name}: certificate store usable"),
                None,
                None,
                Some(&s.id),
            ));
        }
    }

    // pcscd: token modules need the smart-card service (pitfall 19).
    if let Some(running) = env.pcscd_running {
        let in_app = env.stores.iter().any(|s| s.modules.iter().any(|m| is_token_module(m)));
        let configured = env.modules.iter().any(|m| m.present && is_token_module(&m.path));
        if running {
            if in_app || configured {
                out.push(check(
                    CheckId::Pcscd,
                    Status::Ok,
                    "smart-card service (pcscd) is running".into(),
                    None,
                    None,
                    None,
                ));
            }
        } else if in_app || configured {
            out.push(check(
                CheckId::Pcscd,
                if in_app { Status::Fail } else { Status::Warn },
                if in_app {
                    "a token module is registered in an app, but the smart-card service (pcscd) is not running".into()
                } else {
                    "token modules are installed, but the smart-card service (pcscd) is not running".into()
                },
                Some("start it: `sudo systemctl enable --now pcscd.socket`"),
                Some("TS2016"),
                None,
            ));
        }
    }
}

fn certificates(env: &Env, out: &mut Vec<Check>) {
    for c in env.personal_certificates() {
        let store = env.store(&c.store);
        let sname = store_name(env, &c.store);
        let name = cert_name(c);
        // Expiry.
        if c.expired {
            out.push(check(
                CheckId::Expiry,
                Status::Fail,
                format!("{name} in {sname} expired on {}", c.not_after),
                Some("renew it with your certificate authority; keep the expired one if it encrypted mail (it still decrypts old messages)"),
                Some("TS2012"),
                Some(&c.store),
            ));
        } else if c.days_left <= EXPIRY_WARN_DAYS {
            out.push(check(
                CheckId::Expiry,
                Status::Warn,
                format!("{name} in {sname} expires in {} days ({})", c.days_left, c.not_after),
                Some("renew it with your certificate authority before it expires"),
                Some("TS2012"),
                Some(&c.store),
            ));
        } else {
            out.push(check(
                CheckId::Expiry,
                Status::Ok,
                format!("{name} in {sname} valid until {} ({} days)", c.not_after, c.days_left),
                None,
                None,
                Some(&c.store),
            ));
        }
        // Private key.
        match c.has_private_key {
            Some(false) => out.push(check(
                CheckId::PrivateKey,
                Status::Fail,
                format!("{name} in {sname} has no private key: it cannot sign, decrypt or log in"),
                Some("import the .p12/.pfx backup that holds the key (not the .cer/.crt), or export it again with its key from the computer that has it"),
                Some(import_article(store)),
                Some(&c.store),
            )),
            None => {
                let token = store.is_some_and(|s| s.kind == StoreKind::Pkcs11);
                out.push(check(
                    CheckId::PrivateKey,
                    Status::Warn,
                    if token {
                        format!("{name} on token {sname}: the token shows its keys only after the PIN, so the key was not checked")
                    } else {
                        format!("{name} in {sname}: cannot tell whether the private key is there without the store's password")
                    },
                    Some(if token {
                        "list the token's objects with the PIN (`pkcs11-tool --login --list-objects`) and look for a private key with the certificate's ID"
                    } else {
                        "open the app's certificate manager (it asks for the password) and check that the certificate shows under Your Certificates"
                    }),
                    Some(import_article(store)),
                    Some(&c.store),
                ))
            }
            Some(true) => out.push(check(
                CheckId::PrivateKey,
                Status::Ok,
                format!("{name} in {sname} has its private key{}", if c.key_extractable == Some(false) { " (not exportable)" } else { "" }),
                None,
                None,
                Some(&c.store),
            )),
        }
        // Chain: tokens carry no chain; the apps using them do.
        if store.is_some_and(|s| s.kind == StoreKind::Pkcs11) {
            continue;
        }
        let article = match c.product {
            ProductKind::Eca => Some("SO10186"),
            ProductKind::DigitalId => Some("SO6395"),
            ProductKind::Other => None,
        };
        if let Some(ca) = &c.expired_issuer {
            out.push(check(
                CheckId::Chain,
                Status::Fail,
                format!("{name} in {sname}: the chain holds an expired CA certificate, {ca}"),
                Some(
                    "install the current intermediate and root certificates and delete the expired one from this store",
                ),
                Some("TS2017"),
                Some(&c.store),
            ));
        } else if c.chain_complete {
            out.push(check(
                CheckId::Chain,
                Status::Ok,
                format!("{name} in {sname}: chain complete"),
                None,
                None,
                Some(&c.store),
            ));
        } else {
            out.push(check(
                CheckId::Chain,
                Status::Fail,
                format!(
                    "{name} in {sname}: chain incomplete, missing {}",
                    c.missing_issuer.as_deref().unwrap_or("an issuer certificate")
                ),
                Some(match c.product {
                    ProductKind::Eca => "install the ECA root and intermediate certificates into this store",
                    ProductKind::DigitalId => {
                        "install the Digital ID intermediate and root certificates into this store"
                    }
                    ProductKind::Other => {
                        "install your certificate authority's intermediate and root certificates into this store"
                    }
                }),
                article,
                Some(&c.store),
            ));
        }
        // S/MIME usability, for certificates in mail clients' stores.
        let named = env.mail_identities.iter().any(|i| names(i, c));
        if is_mail_store(store) && !named {
            let p = smime_problems(c);
            if !p.is_empty() {
                out.push(check(
                    CheckId::SmimeUsable,
                    Status::Warn,
                    format!("{name} in {sname} cannot be used for S/MIME: {}", p.join("; ")),
                    Some("ask your certificate authority for an S/MIME certificate (emailProtection, your address in the subjectAltName, Key Usage set)"),
                    Some("TS2012"),
                    Some(&c.store),
                ));
            }
        }
    }
}

fn names(i: &MailIdentity, c: &Certificate) -> bool {
    i.store == c.store
        && [&i.signing_cert, &i.encryption_cert].iter().any(|x| x.as_deref().is_some_and(|n| identity_names(n, c)))
}

fn identities(env: &Env, out: &mut Vec<Check>) {
    for i in &env.mail_identities {
        let Some(email) = i.email.as_deref() else {
            continue;
        };
        let sname = store_name(env, &i.store);
        let who = format!("{} identity {email}", i.app);
        let configured: Vec<(&str, &str)> = [("signing", &i.signing_cert), ("encryption", &i.encryption_cert)]
            .into_iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
            .collect();
        if configured.is_empty() {
            let here = env
                .certificates
                .iter()
                .any(|c| c.personal && c.store == i.store && c.emails.iter().any(|e| e.eq_ignore_ascii_case(email)));
            let elsewhere = env
                .personal_certificates()
                .any(|c| c.store != i.store && c.emails.iter().any(|e| e.eq_ignore_ascii_case(email)));
            if here {
                out.push(check(
                    CheckId::MailIdentity,
                    Status::Warn,
                    format!("{who}: a certificate for this address is in {sname} but the identity does not use it"),
                    Some("select it under Account Settings > End-To-End Encryption > S/MIME"),
                    Some("SO4292"),
                    Some(&i.store),
                ));
            } else if elsewhere {
                out.push(check(
                    CheckId::MailIdentity,
                    Status::Warn,
                    format!("{who}: no S/MIME certificate in {sname}; one for this address is in another store"),
                    Some("export it with its key from the other app and import it into this profile, then select it for the identity"),
                    Some("SO4292"),
                    Some(&i.store),
                ));
            }
            continue;
        }
        for (kind, cfg) in configured {
            let found = configured_cert(env, i, cfg, kind == "signing");
            let Some(c) = found else {
                out.push(check(
                    CheckId::MailIdentity,
                    Status::Fail,
                    format!("{who}: the {kind} certificate it is set to use is not in {sname}"),
                    Some(
                        "import the certificate with its key into this profile, then select it again for the identity",
                    ),
                    Some("SO4292"),
                    Some(&i.store),
                ));
                continue;
            };
            let mut problems: Vec<String> = Vec::new();
            if c.expired {
                problems.push(format!("it expired on {}", c.not_after));
            }
            if c.has_private_key == Some(false) {
                problems.push("its private key is missing".into());
            }
            if !c.emails.iter().any(|e| e.eq_ignore_ascii_case(email)) {
                problems.push(format!(
                    "its e-mail ({}) does not match the identity",
                    if c.emails.is_empty() { "none".to_string() } else { c.emails.join(", ") }
                ));
            }
            problems.extend(smime_problems(c).into_iter().map(str::to_string));
            if problems.is_empty() {
                out.push(check(
                    CheckId::MailIdentity,
                    Status::Ok,
                    format!("{who}: {kind} certificate {} is usable", cert_name(c)),
                    None,
                    None,
                    Some(&i.store),
                ));
            } else {
                out.push(check(
                    CheckId::MailIdentity,
                    Status::Fail,
                    format!("{who}: {kind} certificate {}: {}", cert_name(c), problems.join("; ")),
                    Some("use a valid S/MIME certificate issued to this address (with its key), and select it for the identity"),
                    Some("TS2012"),
                    Some(&i.store),
                ));
            }
        }
    }
}

fn tokens(env: &Env, out: &mut Vec<Check>) {
    for t in &env.tokens {
        let (status, msg) = if t.user_pin_locked {
            (Status::Fail, "its PIN is locked")
        } else if t.user_pin_final_try {
            (Status::Fail, "one PIN try left before it locks")
        } else if t.user_pin_count_low {
            (Status::Warn, "a wrong PIN was entered; few tries are left")
        } else {
            continue;
        };
        out.push(check(
            CheckId::TokenPin,
            status,
            format!("token \"{}\": {msg}", t.label),
            Some("do not guess the PIN again; unlock or reset it with the PUK/SO PIN or your token administrator"),
            Some("TS2016"),
            Some(&t.store),
        ));
    }
}

/// Text form: one line per check, fix and article on the next line.
pub fn render(checks: &[Check]) -> String {
    let mut o = String::new();
    for c in checks {
        let tag = match c.status {
            Status::Ok => "[ok]  ",
            Status::Warn => "[warn]",
            Status::Fail => "[fail]",
        };
        let _ = writeln!(o, "{tag} {}", c.message);
        if c.status != Status::Ok {
            match (&c.fix, &c.article) {
                (Some(f), Some(a)) => {
                    let _ = writeln!(o, "       fix: {f} (see {a})");
                }
                (Some(f), None) => {
                    let _ = writeln!(o, "       fix: {f}");
                }
                (None, Some(a)) => {
                    let _ = writeln!(o, "       see {a}");
                }
                (None, None) => {}
            }
        }
    }
    let fails = checks.iter().filter(|c| c.status == Status::Fail).count();
    let warns = checks.iter().filter(|c| c.status == Status::Warn).count();
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = writeln!(
        o,
        "\n{}: {} failed, {}",
        plural(checks.len(), "check", "checks"),
        fails,
        plural(warns, "warning", "warnings")
    );
    o
}

/// `certhelp doctor [--json] [--env FILE]`: the report to print, and the
/// exit status (1 when a check failed, else 0). The caller prints.
pub fn command(json: bool, env: Option<Env>) -> Result<(String, i32), crate::error::Error> {
    let env = env.unwrap_or_else(|| crate::probe::collect(&crate::probe::ProbeOptions::default()));
    let checks = run(&env);
    let out = if json {
        serde_json::to_string_pretty(&checks)
            .map_err(|e| crate::error::Error::new(format!("cannot write doctor's JSON: {e}"), "report this as a bug"))?
            + "\n"
    } else {
        render(&checks)
    };
    let code = if checks.iter().any(|c| c.status == Status::Fail) { 1 } else { 0 };
    Ok((out, code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Store;

    fn cert(store: &str) -> Certificate {
        Certificate {
            store: store.into(),
            nickname: Some("Jane's ECA ID".into()),
            subject: "CN=Jane".into(),
            common_name: Some("Jane".into()),
            emails: vec!["jane@example.com".into()],
            san_emails: vec!["jane@example.com".into()],
            issuer: "CN=ORC ECA 6".into(),
            serial: "1A".into(),
            not_after: "2030-01-01T00:00:00Z".into(),
            days_left: 400,
            usage: CertUse::Identity,
            key_usage: vec!["digitalSignature".into()],
            ext_key_usage: vec!["clientAuth".into(), "emailProtection".into()],
            product: ProductKind::Eca,
            has_private_key: Some(true),
            personal: true,
            chain_complete: true,
            ..Default::default()
        }
    }

    fn env() -> Env {
        let mut e = Env::default();
        e.stores.push(Store {
            id: "nss:/p".into(),
            app: Some("thunderbird".into()),
            profile: Some("default".into()),
            readable: true,
            ..Default::default()
        });
        e.certificates.push(cert("nss:/p"));
        e
    }

    fn find(c: &[Check], id: CheckId, st: Status) -> Option<&Check> {
        c.iter().find(|c| c.id == id && c.status == st)
    }

    #[test]
    fn check_ids_keep_their_json_spelling() {
        let ids = [
            (CheckId::Expiry, "expiry"),
            (CheckId::PrivateKey, "private-key"),
            (CheckId::Chain, "chain"),
            (CheckId::DuplicateModule, "duplicate-module"),
            (CheckId::StoreWritable, "store-writable"),
            (CheckId::NoCertDb, "nocertdb"),
            (CheckId::StoreReadable, "store-readable"),
            (CheckId::Pcscd, "pcscd"),
            (CheckId::TokenPin, "token-pin"),
            (CheckId::MailIdentity, "mail-identity"),
            (CheckId::SmimeUsable, "smime-usable"),
        ];
        for (id, s) in ids {
            assert_eq!(serde_json::to_value(id).unwrap(), s);
            assert_eq!(serde_json::from_value::<CheckId>(s.into()).unwrap(), id);
        }
    }

    #[test]
    fn healthy_has_no_failures() {
        let c = run(&env());
        assert!(c.iter().all(|c| c.status == Status::Ok), "{c:#?}");
    }

    #[test]
    fn an_expired_intermediate_points_to_ts2017() {
        let mut e = env();
        e.certificates[0].expired_issuer = Some("CN=ORC ECA 5".into());
        let checks = run(&e);
        let ch = find(&checks, CheckId::Chain, Status::Fail).unwrap();
        assert_eq!(ch.article.as_deref(), Some("TS2017"));
        assert!(ch.message.contains("ORC ECA 5"));
    }

    #[test]
    fn expiry_key_chain() {
        let mut e = env();
        e.certificates[0].expired = true;
        e.certificates[0].days_left = -3;
        e.certificates[0].has_private_key = Some(false);
        e.certificates[0].chain_complete = false;
        e.certificates[0].missing_issuer = Some("CN=ORC ECA 6".into());
        let c = run(&e);
        assert_eq!(find(&c, CheckId::Expiry, Status::Fail).unwrap().article.as_deref(), Some("TS2012"));
        assert_eq!(find(&c, CheckId::PrivateKey, Status::Fail).unwrap().article.as_deref(), Some("SO5437"));
        let ch = find(&c, CheckId::Chain, Status::Fail).unwrap();
        assert_eq!(ch.article.as_deref(), Some("SO10186"));
        assert!(ch.message.contains("ORC ECA 6"));
        e.certificates[0].product = ProductKind::DigitalId;
        assert_eq!(find(&run(&e), CheckId::Chain, Status::Fail).unwrap().article.as_deref(), Some("SO6395"));
        e.certificates[0].expired = false;
        e.certificates[0].days_left = 10;
        assert!(find(&run(&e), CheckId::Expiry, Status::Warn).is_some());
    }

    #[test]
    fn store_issues() {
        let mut e = env();
        e.stores[0].issues = vec![
            StoreIssue::NoCertDb,
            StoreIssue::DuplicateModule { module: "/x/opensc-pkcs11.so".into(), count: 2 },
            StoreIssue::NotWritable { file: "/p/pkcs11.txt".into(), owner_uid: Some(0) },
            StoreIssue::NotWritable { file: "/p/cert9.db".into(), owner_uid: Some(0) },
        ];
        let c = run(&e);
        assert_eq!(find(&c, CheckId::NoCertDb, Status::Fail).unwrap().article.as_deref(), Some("TS2003"));
        assert_eq!(find(&c, CheckId::DuplicateModule, Status::Fail).unwrap().article.as_deref(), Some("TS2016"));
        let w: Vec<_> = c.iter().filter(|c| c.id == CheckId::StoreWritable).collect();
        assert_eq!(w[0].article.as_deref(), Some("TS2016"));
        assert_eq!(w[1].article.as_deref(), Some("TS2003"));
    }

    #[test]
    fn mail_identity_rules() {
        let mut e = env();
        e.mail_identities.push(MailIdentity {
            app: "thunderbird".into(),
            store: "nss:/p".into(),
            key: "id1".into(),
            email: Some("jane@example.com".into()),
            ..Default::default()
        });
        // Not configured, certificate present: warn SO4292.
        let c = run(&e);
        assert_eq!(find(&c, CheckId::MailIdentity, Status::Warn).unwrap().article.as_deref(), Some("SO4292"));
        // Configured by nickname: ok.
        e.mail_identities[0].signing_cert = Some("Jane's ECA ID".into());
        assert!(find(&run(&e), CheckId::MailIdentity, Status::Ok).is_some());
        // Configured but missing from the store: fail SO4292.
        e.mail_identities[0].signing_cert = Some("gone".into());
        assert_eq!(find(&run(&e), CheckId::MailIdentity, Status::Fail).unwrap().article.as_deref(), Some("SO4292"));
        // Wrong address and no emailProtection: fail TS2012.
        e.mail_identities[0].signing_cert = Some("Jane's ECA ID".into());
        e.mail_identities[0].email = Some("other@example.com".into());
        e.certificates[0].ext_key_usage = vec!["clientAuth".into()];
        let c = run(&e);
        let f = find(&c, CheckId::MailIdentity, Status::Fail).unwrap();
        assert_eq!(f.article.as_deref(), Some("TS2012"));
        assert!(f.message.contains("does not match") && f.message.contains("emailProtection"));
    }

    #[test]
    fn pcscd_and_render() {
        let mut e = env();
        e.pcscd_running = Some(false);
        e.stores[0].modules = vec!["/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so".into()];
        let c = run(&e);
        assert_eq!(find(&c, CheckId::Pcscd, Status::Fail).unwrap().article.as_deref(), Some("TS2016"));
        let text = render(&c);
        assert!(text.contains("[fail] a token module is registered"));
        assert!(text.contains("(see TS2016)"));
    }
}
