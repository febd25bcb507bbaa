//! `certhelp associate --cert SEL --client thunderbird[:PROFILE]
//! [--identity EMAIL]`: make a Thunderbird identity sign and encrypt with a
//! certificate that is in the profile's own NSS database, as Thunderbird's
//! Account Settings > End-To-End Encryption > S/MIME "Select" does.
//!
//! What Thunderbird (128 ESR and later) writes and reads, from its source
//! (`am-smime.js` `saveE2EEncryptionSettings`, `nsMsgComposeSecure.cpp`
//! `MimeCryptoHackCerts`):
//! - `mail.identity.idN.signing_cert_dbkey` / `encryption_cert_dbkey`: the
//!   certificate's NSS dbKey ([`crate::store::dbkey`]). Sending looks the
//!   certificates up by these alone.
//! - `mail.identity.idN.signing_cert_name` / `encryption_cert_name`: the
//!   certificate's display name (`nsIX509Cert.displayName`: the subject's
//!   CN, else OU, else O, else the whole subject, else the e-mail), shown
//!   in the settings when the dbKey cannot be found. Not the NSS nickname.
//! - Choosing a certificate changes no policy: `sign_mail` and
//!   `encryptionpolicy` stay as they are (the dialog only enables the
//!   check boxes), so this verb leaves them alone too.
//!
//! ECA: the identity certificate signs, the encryption certificate
//! encrypts; a SEL that matches the pair (their shared e-mail) takes both,
//! and older encryption certificates of the same person (kept to read old
//! mail) are not configured. One certificate (a Digital ID) does what its
//! key usage allows.
//!
//! Safety: only while Thunderbird is closed (the fcntl lock on
//! `.parentlock`); under certhelp's store lock; prefs.js is backed up into
//! certhelp's state directory first (a backup `certhelp restore` reads),
//! then written atomically with every other line kept byte for byte, then
//! read back. Any refusal happens before the first write.

use std::path::{Path, PathBuf};

use openssl::nid::Nid;
use openssl::x509::X509;

use super::{Report, Ui};
use crate::cli::AssociateArgs;
use crate::config::prefs;
use crate::env::CertUse;
use crate::error::{Error, Result};
use crate::probe::mozilla::{self, parse_prefs, pref, PrefValue};
use crate::store::nss::NssStore;
use crate::store::select::{self, Candidate, Group};
use crate::store::session::{Access, StoreSession};
use crate::store::target::{self, ResolvedStore, StoreSpec};
use crate::store::{dbkey, lock, StoreError, StoredCert};

/// What Thunderbird will use a certificate for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Signing,
    Encryption,
}

impl Role {
    fn pref(self) -> &'static str {
        match self {
            Role::Signing => "signing",
            Role::Encryption => "encryption",
        }
    }
}

/// One identity's prefs to set: (role, certificate).
#[derive(Debug, Clone)]
pub struct Assignment {
    pub role: Role,
    pub cert: Candidate,
    /// `nsIX509Cert.displayName`, written to `*_cert_name`.
    pub display_name: String,
    /// NSS dbKey, written to `*_cert_dbkey`.
    pub dbkey: String,
}

/// A mail identity from prefs.js.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailIdentity {
    /// `idN`.
    pub key: String,
    pub email: Option<String>,
}

pub fn run(args: &AssociateArgs, ui: Ui) -> Result<Report> {
    let home = super::home()?;
    let spec = client_spec(&args.client)?;
    let (id, dir, profile) = match target::resolve(&spec, &home)? {
        ResolvedStore::Nss { id, dir, profile, .. } => (id, dir, profile),
        other => return Err(Error::new(format!("{} is not a Thunderbird profile", other.id()), CLIENT_HINT)),
    };
    let place = match &profile {
        Some(p) => format!("profile \"{p}\" ({})", dir.display()),
        None => format!("profile {}", dir.display()),
    };
    refuse_if_running(&dir, &place)?;
    // One certhelp writer per profile; the app check again under the lock.
    let _lock = lock::lock_store(&dir)?;
    refuse_if_running(&dir, &place)?;
    // What a certhelp killed mid-write left beside prefs.js.
    crate::fsutil::remove_stale_temps(&dir, ".prefs.js.certhelp-");

    let prefs_path = dir.join("prefs.js");
    let old = match std::fs::read(&prefs_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(StoreError::io(&prefs_path, &e).into()),
    };
    let old_text = String::from_utf8_lossy(&old);
    let identities = identities(&old_text);

    // The certificate(s), from the profile's own database, read-only.
    let pin = if args.secrets.pin_file.is_some() || args.secrets.pin_env.is_some() {
        Some(super::read_pin(&args.secrets, &format!("the password of the certificate database {id}"), ui)?)
    } else {
        None
    };
    let session = {
        let mut s = NssStore::new(&id, &dir).open(Access::ReadOnly)?;
        if pin.is_some() {
            s.login(pin.as_ref())?;
        }
        s
    };
    let listing = session.list()?;
    let sel = select::parse_selector(&args.cert)?;
    let now = super::now();
    let cands = select::select_personal(&listing.certs, std::slice::from_ref(&sel)).map_err(|e| match e {
        StoreError::NotFound { what } => Error::new(
            format!("Thunderbird {place} has no {}", what.strip_prefix("a ").unwrap_or(&what)),
            format!(
                "Thunderbird uses the certificates in its own profile: move it there first with `certhelp import --from STORE --to {} --cert {}` (STORE: firefox, chrome, nss:DIR...), or `certhelp import FILE.p12 --to {}`",
                args.client,
                shell_word(&args.cert),
                args.client
            ),
        ),
        other => other.into(),
    })?;
    let group = choose_group(cands, now)?;

    let mut report = Report::default();
    let assignments = assign(&group, &mut report)?;
    let mut cert_emails: Vec<String> = Vec::new();
    for e in assignments.iter().flat_map(|a| a.cert.info.emails.iter()) {
        if !cert_emails.contains(e) {
            cert_emails.push(e.clone());
        }
    }
    let identity = choose_identity(&identities, args.identity.as_deref(), &cert_emails, &place)?;
    if let Some(email) = &identity.email {
        if !cert_emails.iter().any(|e| e.eq_ignore_ascii_case(email)) {
            report.warn(format!(
                "the certificate does not carry {email}: recipients' mail programs will warn that the signer's address differs from the sender's"
            ));
        }
    }
    for w in chain_warnings(&session, &listing.certs, &assignments, &args.client) {
        report.warn(w);
    }
    drop(session);
    for a in &assignments {
        if a.cert.info.not_after < now {
            report.warn(format!(
                "\"{}\" expired on {}: Thunderbird will not {} with it",
                label(&a.cert),
                date(a.cert.info.not_after),
                if a.role == Role::Signing { "sign" } else { "encrypt" }
            ));
        }
    }

    let names: Vec<(String, String)> = assignments
        .iter()
        .flat_map(|a| {
            let base = format!("mail.identity.{}.{}_cert", identity.key, a.role.pref());
            [(format!("{base}_name"), a.display_name.clone()), (format!("{base}_dbkey"), a.dbkey.clone())]
        })
        .collect();
    let pairs: Vec<(&str, &str)> = names.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let edit = prefs::set_string_prefs(&old, &pairs);

    let who = match &identity.email {
        Some(e) => format!("identity {} ({e})", identity.key),
        None => format!("identity {}", identity.key),
    };
    if !edit.changed {
        report.say(format!("Already set: {who} in Thunderbird {place} uses these certificates; nothing changed."));
        describe(&assignments, now, &mut report);
        return Ok(report);
    }
    let backup = backup_prefs(&id, &dir, &old, &format!("before associate --cert {} for {who}", args.cert))?;
    crate::fault::point("associate:after-backup");
    prefs::replace_file(&prefs_path, &edit.bytes)?;
    crate::fault::point("associate:after-write");
    verify(&prefs_path, &edit.bytes, &names)?;

    report.say(format!("Set {who} in Thunderbird {place}:"));
    describe(&assignments, now, &mut report);
    report.say(format!(
        "prefs.js: {} set ({} replaced in place, {} added at the end); every other line is as it was.",
        names.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
        edit.replaced.len(),
        edit.appended.len()
    ));
    report.say(
        "Signing and encryption defaults are unchanged: turn them on under Account Settings > End-To-End Encryption if you want every message signed or encrypted.",
    );
    report.say(format!(
        "Backup of prefs.js before the change: {} (undo with: certhelp restore {})",
        backup.display(),
        backup.display()
    ));
    if let Some(w) = user_js_overrides(&dir, &names) {
        report.warn(w);
    }
    Ok(report)
}

const CLIENT_HINT: &str =
    "--client takes thunderbird or thunderbird:PROFILE; for Outlook, Apple Mail, Notes or Evolution follow the walkthrough: certhelp \"set up my mail to sign with my certificate\"";

/// `thunderbird[:PROFILE]` as a store spec; any other client is refused
/// with the walkthrough.
pub fn client_spec(client: &str) -> Result<StoreSpec> {
    let t = client.trim();
    let head = t.split(':').next().unwrap_or_default();
    if !head.eq_ignore_ascii_case("thunderbird") {
        return Err(Error::new(format!("certhelp cannot configure the mail client \"{t}\" itself"), CLIENT_HINT));
    }
    match target::parse_store(t)? {
        s @ StoreSpec::Mozilla { app: "thunderbird", .. } => Ok(s),
        _ => Err(Error::new(format!("\"{t}\" is not a Thunderbird profile"), CLIENT_HINT)),
    }
}

fn refuse_if_running(dir: &Path, place: &str) -> Result<()> {
    if lock::app_running(dir) {
        return Err(Error::new(
            format!(
                "Thunderbird is running with {place}; its settings can only be changed while Thunderbird is closed"
            ),
            "quit Thunderbird (all its windows) and run the command again; nothing was changed",
        ));
    }
    Ok(())
}

/// The identities prefs.js defines, in file order.
pub fn identities(prefs_text: &str) -> Vec<MailIdentity> {
    mozilla::mail_identities(&parse_prefs(prefs_text))
        .into_iter()
        .map(|(key, email, _, _)| MailIdentity { key, email })
        .collect()
}

/// The certificate(s) to configure: one group (an ECA pair, or one
/// certificate). Among several, an ECA pair wins over the older encryption
/// certificates of the same person, and valid certificates over expired
/// ones; anything still ambiguous is an error that lists the candidates.
pub fn choose_group(cands: Vec<Candidate>, now: i64) -> std::result::Result<Group, StoreError> {
    let all = cands.clone();
    let mut groups = select::group_pairs(cands);
    if groups.len() > 1 {
        let has_pair = groups.iter().any(|g| matches!(g, Group::Pair { .. }));
        let old_enc_only = |g: &Group| matches!(g, Group::Single(c) if c.info.usage == CertUse::Encryption);
        if has_pair {
            groups.retain(|g| !old_enc_only(g));
        }
    }
    if groups.len() > 1 {
        let valid = |g: &Group| g.members().iter().all(|c| c.info.not_after >= now);
        if groups.iter().any(valid) {
            groups.retain(valid);
        }
    }
    match groups.len() {
        1 => Ok(groups.remove(0)),
        _ => Err(select::ambiguous(&all, now)),
    }
}

/// What each certificate of the group will do.
fn assign(group: &Group, report: &mut Report) -> Result<Vec<Assignment>> {
    let make = |role: Role, c: &Candidate| -> Result<Assignment> {
        Ok(Assignment {
            role,
            cert: c.clone(),
            display_name: display_name(&c.cert.der).unwrap_or_else(|| c.info.subject.clone()),
            dbkey: dbkey::dbkey(&c.cert.der)?,
        })
    };
    match group {
        Group::Pair { identity, encryption } => {
            Ok(vec![make(Role::Signing, identity)?, make(Role::Encryption, encryption)?])
        }
        Group::Single(c) => {
            if !for_email(c) {
                return Err(Error::new(
                    format!(
                        "\"{}\" is not for e-mail: its extended key usage ({}) has no emailProtection",
                        label(c),
                        c.info.ext_key_usage.join(", ")
                    ),
                    "choose your e-mail (S/MIME) certificate with --cert; `certhelp probe` lists them",
                ));
            }
            let (sign, enc) = (can_sign(c), can_encrypt(c));
            let mut out = Vec::new();
            if sign {
                out.push(make(Role::Signing, c)?);
            }
            if enc {
                out.push(make(Role::Encryption, c)?);
            }
            match (sign, enc) {
                (true, true) => {}
                (false, true) => report.warn(format!(
                    "\"{}\" is an encryption certificate and cannot sign (its key usage has no digitalSignature): the identity's signing certificate is left as it was",
                    label(c)
                )),
                (true, false) => report.warn(format!(
                    "\"{}\" can sign but not encrypt (its key usage has no keyEncipherment): the identity's encryption certificate is left as it was",
                    label(c)
                )),
                (false, false) => {
                    return Err(Error::new(
                        format!(
                            "\"{}\" can neither sign nor encrypt mail (key usage: {})",
                            label(c),
                            c.info.key_usage.join(", ")
                        ),
                        "choose your e-mail (S/MIME) certificate with --cert; `certhelp probe` lists them",
                    ))
                }
            }
            Ok(out)
        }
    }
}

/// No key usage extension means any use (RFC 5280).
fn can_sign(c: &Candidate) -> bool {
    !c.info.has_key_usage || c.info.key_usage.iter().any(|k| k == "digitalSignature" || k == "nonRepudiation")
}

fn can_encrypt(c: &Candidate) -> bool {
    !c.info.has_key_usage || c.info.key_usage.iter().any(|k| k == "keyEncipherment" || k == "keyAgreement")
}

fn for_email(c: &Candidate) -> bool {
    !c.info.has_ext_key_usage
        || c.info.ext_key_usage.iter().any(|e| e == "emailProtection" || e == "anyExtendedKeyUsage")
}

/// Gecko's `nsNSSCertificate::GetDisplayName` for a personal certificate:
/// the subject's (last) CN, else OU, else O; `None` for the caller's
/// fallbacks (the subject, the e-mail).
pub fn display_name(der: &[u8]) -> Option<String> {
    let x = X509::from_der(der).ok()?;
    let last = |nid: Nid| {
        x.subject_name()
            .entries_by_nid(nid)
            .last()
            .and_then(|e| e.data().to_string().ok().map(|s| s.to_string()))
            .filter(|s| !s.is_empty())
    };
    last(Nid::COMMONNAME).or_else(|| last(Nid::ORGANIZATIONALUNITNAME)).or_else(|| last(Nid::ORGANIZATIONNAME))
}

/// The identity to configure: `--identity` (an e-mail or `idN`), else the
/// one identity whose address the certificate carries.
fn choose_identity<'a>(
    ids: &'a [MailIdentity],
    wanted: Option<&str>,
    cert_emails: &[String],
    place: &str,
) -> Result<&'a MailIdentity> {
    let listing = || {
        if ids.is_empty() {
            "none".to_string()
        } else {
            ids.iter()
                .map(|i| format!("{} {}", i.key, i.email.as_deref().unwrap_or("(no address)")))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    if ids.is_empty() {
        return Err(Error::new(
            format!("Thunderbird {place} has no mail identities"),
            "set up the mail account in Thunderbird first (then quit it), and run the command again",
        ));
    }
    let found: Vec<&MailIdentity> = match wanted {
        Some(w) => {
            let w = w.trim();
            ids.iter().filter(|i| i.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(w)) || i.key == w).collect()
        }
        None => ids
            .iter()
            .filter(|i| i.email.as_deref().is_some_and(|e| cert_emails.iter().any(|c| c.eq_ignore_ascii_case(e))))
            .collect(),
    };
    match (found.as_slice(), wanted) {
        ([one], _) => Ok(one),
        ([], Some(w)) => Err(Error::new(
            format!("Thunderbird {place} has no mail identity {w}; its identities: {}", listing()),
            "name one of them with --identity EMAIL",
        )),
        ([], None) => Err(Error::new(
            format!(
                "no mail identity of Thunderbird {place} has the certificate's address ({}); its identities: {}",
                if cert_emails.is_empty() { "it carries none".to_string() } else { cert_emails.join(", ") },
                listing()
            ),
            "name the identity with --identity EMAIL",
        )),
        (many, _) => Err(Error::new(
            format!(
                "several mail identities of Thunderbird {place} match: {}",
                many.iter()
                    .map(|i| format!("{} {}", i.key, i.email.as_deref().unwrap_or("(no address)")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "name one with --identity idN (the key shown)",
        )),
    }
}

fn label(c: &Candidate) -> String {
    c.cert.label.clone().or_else(|| c.info.common_name.clone()).unwrap_or_else(|| c.info.subject.clone())
}

fn date(secs: i64) -> String {
    let d = crate::cert::rfc3339(secs);
    d.get(..10).unwrap_or(&d).to_string()
}

/// Thunderbird checks its own certificate when it sends, and forgets the
/// setting (clears the dbKey) when the chain does not verify: say so now.
/// A chain that ends in a root this profile does not hold may end in one
/// of Mozilla's built-in roots (a public CA), so that is only a hint; a
/// root that is here without e-mail trust is a sure failure.
fn chain_warnings(s: &StoreSession, certs: &[StoredCert], assignments: &[Assignment], client: &str) -> Vec<String> {
    let pool: Vec<crate::cert::CertInfo> =
        certs.iter().filter_map(|c| crate::cert::parse(&c.der).ok()).filter(|i| i.is_ca || i.self_issued).collect();
    let mut out: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for a in assignments {
        if seen.contains(&a.cert.info.sha256) {
            continue;
        }
        seen.push(a.cert.info.sha256.clone());
        let chain = crate::cert::build_chain(&a.cert.info, &pool);
        let fix = format!("certhelp chain install --to {client} --from-cert FILE (or --from-file CHAIN.pem)");
        if !chain.complete {
            out.push(format!(
                "the chain of \"{}\" is not complete in this profile (no {}): unless it ends in a root Thunderbird has built in, Thunderbird will refuse the certificate when you send and forget this setting; install the chain: {fix}",
                label(&a.cert),
                chain.missing_issuer.as_deref().unwrap_or("issuer")
            ));
            continue;
        }
        let Some(root) = chain.path.last().map(|k| &pool[*k]) else { continue };
        if !email_trusted(s, &root.subject_der, certs) {
            out.push(format!(
                "the root {} of \"{}\" is in this profile but not trusted for e-mail: Thunderbird will refuse the certificate when you send and forget this setting; trust it: {fix}",
                root.subject,
                label(&a.cert)
            ));
        }
    }
    out
}

/// The root (by subject) has NSS e-mail trust in this store.
fn email_trusted(s: &StoreSession, subject_der: &[u8], certs: &[StoredCert]) -> bool {
    certs.iter().filter(|c| crate::cert::parse(&c.der).is_ok_and(|i| i.subject_der == subject_der)).any(|c| {
        let Ok(x) = X509::from_der(&c.der) else { return false };
        let (Ok(issuer), Ok(serial)) = (crate::store::session::issuer_der(&x), crate::store::session::serial_der(&x))
        else {
            return false;
        };
        s.find_trust(&issuer, &serial)
            .ok()
            .and_then(|h| h.first().copied())
            .and_then(|h| s.trust_of(h).ok())
            .is_some_and(|t| t.email)
    })
}

/// One line per role: nickname, CN, e-mail, expiry.
fn describe(assignments: &[Assignment], now: i64, report: &mut Report) {
    for a in assignments {
        let verb = match a.role {
            Role::Signing => "signs with",
            Role::Encryption => "encrypts with",
        };
        let mut parts: Vec<String> = Vec::new();
        if let Some(cn) = &a.cert.info.common_name {
            parts.push(format!("CN {cn}"));
        }
        if let Some(e) = a.cert.info.emails.first() {
            parts.push(e.clone());
        }
        let when = if a.cert.info.not_after < now { "expired" } else { "expires" };
        parts.push(format!("{when} {}", date(a.cert.info.not_after)));
        parts.push(format!("sha256:{}", a.cert.info.sha256.get(..8).unwrap_or(&a.cert.info.sha256)));
        report.say(format!("  {verb} \"{}\" ({})", label(&a.cert), parts.join(", ")));
    }
}

/// Save prefs.js as it is into certhelp's backups, in the format
/// `certhelp restore` reads (kind "prefs"). Returns the backup directory.
fn backup_prefs(store_id: &str, dir: &Path, bytes: &[u8], reason: &str) -> Result<PathBuf> {
    let state = crate::fsutil::state_dir()?;
    crate::store::backup::backup_files_in(&state, store_id, dir, "prefs", &[("prefs.js", bytes)], reason)
        .map_err(Error::from)
}

/// prefs.js as it is on disk now holds exactly what was written, and the
/// prefs read back with the values set.
fn verify(path: &Path, written: &[u8], names: &[(String, String)]) -> Result<()> {
    let now = std::fs::read(path).map_err(|e| StoreError::io(path, &e))?;
    let parsed = parse_prefs(&String::from_utf8_lossy(&now));
    let ok = now == written && names.iter().all(|(n, v)| pref(&parsed, n) == Some(&PrefValue::Str(v.clone())));
    if ok {
        Ok(())
    } else {
        Err(StoreError::VerifyFailed { what: format!("{} after writing it", path.display()) }.into())
    }
}

/// A warning when the profile's user.js sets one of these prefs: Mozilla
/// applies user.js over prefs.js at every start.
fn user_js_overrides(dir: &Path, names: &[(String, String)]) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("user.js")).ok()?;
    let set = parse_prefs(&text);
    let hits: Vec<&str> = names.iter().filter(|(n, _)| pref(&set, n).is_some()).map(|(n, _)| n.as_str()).collect();
    (!hits.is_empty()).then(|| {
        format!(
            "{} sets {}: Thunderbird applies user.js at every start, over these settings; remove those lines from it",
            dir.join("user.js").display(),
            hits.join(", ")
        )
    })
}

/// A SEL as the user would retype it in a shell.
fn shell_word(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "@._-:+".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_thunderbird_is_a_client() {
        assert!(matches!(
            client_spec("thunderbird").unwrap(),
            StoreSpec::Mozilla { app: "thunderbird", profile: None }
        ));
        assert!(matches!(
            client_spec("Thunderbird:work").unwrap(),
            StoreSpec::Mozilla { app: "thunderbird", profile: Some(p) } if p == "work"
        ));
        assert!(client_spec("outlook").is_err());
        assert!(client_spec("firefox").is_err());
        assert!(client_spec("thunderbird:").is_err());
    }

    #[test]
    fn identities_in_file_order() {
        let ids = identities(
            "user_pref(\"mail.identity.id2.useremail\", \"b@x\");\nuser_pref(\"mail.identity.id1.useremail\", \"a@x\");\n",
        );
        assert_eq!(
            ids,
            vec![
                MailIdentity { key: "id2".into(), email: Some("b@x".into()) },
                MailIdentity { key: "id1".into(), email: Some("a@x".into()) }
            ]
        );
    }

    #[test]
    fn identity_choice() {
        let ids = vec![
            MailIdentity { key: "id1".into(), email: Some("Jane@Example.com".into()) },
            MailIdentity { key: "id2".into(), email: Some("other@example.org".into()) },
        ];
        let emails = vec!["jane@example.com".to_string()];
        assert_eq!(choose_identity(&ids, None, &emails, "p").unwrap().key, "id1");
        assert_eq!(choose_identity(&ids, Some("OTHER@example.org"), &emails, "p").unwrap().key, "id2");
        assert_eq!(choose_identity(&ids, Some("id2"), &emails, "p").unwrap().key, "id2");
        let e = choose_identity(&ids, None, &["nobody@x".to_string()], "p").unwrap_err();
        assert!(e.message.contains("id1 Jane@Example.com, id2 other@example.org"), "{}", e.message);
        assert!(e.hint.contains("--identity"));
        let twice = vec![ids[0].clone(), MailIdentity { key: "id3".into(), email: Some("jane@example.com".into()) }];
        assert!(choose_identity(&twice, None, &emails, "p").unwrap_err().message.contains("several"));
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("jane@example.com"), "jane@example.com");
        assert_eq!(shell_word("Jane's ID"), "'Jane'\\''s ID'");
    }
}
