//! `certhelp import FILE --to STORE [--cert-name NAME] [--key KEYFILE]`:
//! a PKCS#12 file (every certificate and key in it) or a PEM certificate
//! with its key into an NSS database or onto a PKCS#11 token, with the
//! chain certificates the file carries (added without trust).
//!
//! The file is read and decrypted, and the target resolved, before the
//! store is touched. Into NSS, the write goes through `store::write` (lock,
//! backup, journal, verify, roll back); onto a token through
//! `store::token::import` (plan, create, verify, destroy what it made on a
//! failure), after the token's PIN counters were read and the PIN tried
//! exactly once.

use std::path::Path;

use super::{Report, Ui};
use crate::cli::ImportArgs;
use crate::error::{Error, Result};
use crate::secret::{read_secret, SecretFlags, SecretMode};
use crate::store::nss::NssStore;
use crate::store::pkcs12::{self, FileKind};
use crate::store::session::Access;
use crate::store::target::{self, Pkcs11Uri, ResolvedStore};
use crate::store::{token, Bundle, CertStore, StoreError};

pub fn run(args: &ImportArgs, ui: Ui) -> Result<Report> {
    let home = super::home()?;
    let resolved = target::resolve(&target::parse_store(&args.to)?, &home)?;
    let (id, dir, app, profile) = match &resolved {
        ResolvedStore::Nss { id, dir, app, profile, .. } => (id.clone(), dir.clone(), app.clone(), profile.clone()),
        ResolvedStore::Pkcs11 { id, uri, module } => return to_token(args, ui, id, uri, module.as_deref()),
        ResolvedStore::File(p) => return Err(Error::new(
            format!("--to {} is a file, not a store", p.display()),
            "to re-pack a file use `certhelp convert`; --to takes firefox, thunderbird, chrome, chromium, nss:DIR or pkcs11:token=LABEL",
        )),
    };
    let mut phases = crate::timing::Phases::new("CERTHELP_TIMINGS", "import");
    let mut report = Report::default();
    let (bundle, source) = read_bundle(args, ui, &id, &mut report)?;
    phases.lap("source: read and decrypt the file, or copy out of the store");
    let now = super::now();
    let pin = super::nss_pin_if_needed(&id, &dir, &args.secrets, ui)?;
    let reason = format!("before importing {source}");
    let out = NssStore::new(&id, &dir).import(&bundle, args.cert_name.as_deref(), pin.as_ref(), &reason)?;
    phases.lap("store: lock, backup, journal, unwrap, verify");

    if let Some(r) = &out.recovered {
        report.say(format!("Recovered: {r}."));
    }
    let place = match (&app, &profile) {
        (Some(a), Some(p)) => format!("{a} profile \"{p}\" ({})", dir.display()),
        (Some(a), None) => format!("{a} ({})", dir.display()),
        _ => dir.display().to_string(),
    };
    if out.already_there {
        report.say(format!("Already there: {place} has every certificate and key from {source}; nothing changed."));
        return Ok(report);
    }
    for p in &out.plan.identities {
        if let Some(asked) = args.cert_name.as_deref().filter(|n| *n != p.nickname) {
            report.say(format!(
                "Kept the nickname \"{}\" instead of \"{asked}\": the store already has certificates of this subject under it, and NSS keeps one nickname per subject.",
                p.nickname
            ));
        }
        let what = describe_identity(&bundle.identities[p.index].cert_der, &p.nickname, now);
        if p.cert_present && (p.key_present || !p.has_key) {
            report.say(format!("Already there: {what}"));
        } else {
            report.say(format!("Imported {what} into {place}"));
        }
    }
    let added: Vec<&str> = out.plan.cas.iter().filter(|c| !c.present).map(|c| c.nickname.as_str()).collect();
    if !added.is_empty() {
        if args.file.is_some() {
            report.say(format!("Added the chain certificate(s) from the file, without trust: {}", added.join(", ")));
        } else {
            report.say(format!(
                "Added the chain certificate(s) with the trust they have in {source}: {}",
                added.join(", ")
            ));
        }
        if let Some(file) = &args.file {
            report.say(format!(
                "To trust the root for websites and e-mail (the chain articles' step): certhelp chain install --to {} --from-file {}",
                args.to,
                file.display()
            ));
        }
    }
    report.say("Checked: the store lists each certificate with its private key.".to_string());
    if let Some(b) = &out.backup {
        report.say(format!(
            "Backup of the store before the change: {} (undo with: certhelp restore {})",
            b.display(),
            b.display()
        ));
    }
    if crate::store::lock::app_running(&dir) {
        report.say("The app is running: if it does not list the certificate yet, restart it.".to_string());
    }
    Ok(report)
}

/// The bundle to import, from FILE or `--from STORE`, with a warning for
/// each expired certificate. Refuses a source without a personal
/// certificate.
fn read_bundle(args: &ImportArgs, ui: Ui, target_id: &str, report: &mut Report) -> Result<(Bundle, String)> {
    let (bundle, source) = match (&args.file, &args.from) {
        (Some(file), _) => (read_input(file, args.key.as_deref(), args, ui)?, file.display().to_string()),
        (None, Some(from)) => (from_store(from, target_id, args, ui, report)?, from.clone()),
        (None, None) => return Err(Error::new("import needs a FILE or --from STORE", "see `certhelp import --help`")),
    };
    if bundle.identities.is_empty() {
        return Err(Error::new(
            format!("{source} holds no certificate with its private key"),
            "for CA certificates use `certhelp chain install --to STORE --from-file FILE`",
        ));
    }
    let now = super::now();
    for i in &bundle.identities {
        if let Ok(info) = crate::cert::parse(&i.cert_der) {
            if info.not_after < now {
                report.warn(format!(
                    "{} expired on {}; it is imported all the same (it still opens old mail)",
                    info.common_name.as_deref().unwrap_or(&info.subject),
                    &crate::cert::rfc3339(info.not_after)[..10]
                ));
            }
        }
    }
    Ok((bundle, source))
}

/// Onto a PKCS#11 token: the bundle first (the file decrypted, or copied
/// out of another store), then the token: its PIN counters, the PIN tried
/// once, the plan, the objects, the check.
fn to_token(args: &ImportArgs, ui: Ui, id: &str, uri: &Pkcs11Uri, module: Option<&Path>) -> Result<Report> {
    let mut report = Report::default();
    // "token \"LABEL\"" reads better than the URI with its module path.
    let name = uri.token.as_ref().map(|t| format!("token \"{t}\"")).unwrap_or_else(|| id.to_string());
    let name = name.as_str();
    let (bundle, source) = read_bundle(args, ui, id, &mut report)?;
    // A token pulled out at any step is said as such, by its name.
    let gone = |e: StoreError| Error::from(e.on_token(name));
    let mut s = token::open(id, uri, module, Access::ReadWrite).map_err(gone)?;
    let state = s.pin_state().map_err(gone)?;
    if state.locked {
        return Err(locked(name));
    }
    if state.final_try || state.count_low {
        let msg = if state.final_try {
            format!("{name} is on its final PIN try: one more wrong PIN locks it")
        } else {
            format!("{name} reports a wrong PIN since the last good one: few tries are left before it locks")
        };
        // Printed now, not with the report: the user must read it before
        // the PIN is tried, to stop and find the right one first.
        eprintln!("warning: {msg}");
        if state.final_try && ui.interactive && !crate::prompt::confirm("Try the PIN now?") {
            return Err(Error::new(
                format!("stopped before trying the PIN of {name}; nothing was written"),
                "find the right PIN first (a wrong one locks the token), or unblock it with the PUK or SO PIN (see SO28695)",
            ));
        }
    }
    if s.login_required() {
        let pin = super::read_pin(&args.secrets, &format!("the PIN of {name}"), ui)?;
        s.login(Some(&pin)).map_err(|e| match e {
            StoreError::Locked { .. } => locked(name),
            e => gone(e),
        })?;
    }
    let out = token::import(&s, &bundle, args.cert_name.as_deref()).map_err(gone)?;
    if out.already_there {
        report.say(format!("Already there: {name} has every certificate and key from {source}; nothing changed."));
        return Ok(report);
    }
    let now = super::now();
    for p in &out.plan.identities {
        if let Some(asked) = args.cert_name.as_deref().filter(|n| *n != p.nickname) {
            report.say(format!(
                "Kept the label \"{}\" instead of \"{asked}\": the token already has certificates of this subject under it.",
                p.nickname
            ));
        }
        let what = describe_identity(&bundle.identities[p.index].cert_der, &p.nickname, now);
        if p.cert_present && (p.key_present || !p.has_key) {
            report.say(format!("Already there: {what}"));
        } else {
            report.say(format!("Imported {what} onto {name}"));
        }
    }
    let added: Vec<&str> = out.plan.cas.iter().filter(|c| !c.present).map(|c| c.nickname.as_str()).collect();
    if !added.is_empty() {
        report.say(format!(
            "Added the chain certificate(s), without trust (a token holds no trust; each app keeps its own): {}",
            added.join(", ")
        ));
    }
    report.say(format!(
        "Checked: the token lists each certificate with its private key{}, and each new key signs for its certificate.",
        if out.public_keys > 0 { " and public key" } else { "" }
    ));
    let labels: Vec<String> = out.plan.identities.iter().map(|p| format!("\"{}\"", p.nickname)).collect();
    report.say(format!(
        "The key cannot be copied off the token: {} A token has no backup of its own; to undo, delete the objects labelled {} with the token's tool.",
        if args.file.is_some() {
            format!("keep {source} in a safe place as your backup.")
        } else {
            format!("the copy in {source} stays where it is.")
        },
        labels.join(", ")
    ));
    Ok(report)
}

/// A locked token is never tried: the fix is unblocking it.
fn locked(name: &str) -> Error {
    Error::new(
        format!("{name} is locked: its PIN was entered wrong too many times, so certhelp does not try it"),
        "unblock it with its PUK or SO PIN (`pkcs11-tool --unlock-pin --login --login-type so` asks for both), or ask the issuer of the token; see SO28695 and TS2016",
    )
}

/// The bundle of a move between two stores on this machine: copied out of
/// the source into memory (the source is only read and is closed before
/// the target opens), with the chain and its trust as the source has it.
fn from_store(from: &str, target_id: &str, args: &ImportArgs, ui: Ui, report: &mut Report) -> Result<Bundle> {
    let resolved = target::resolve(&target::parse_store(from)?, &super::home()?)?;
    if resolved.id() == target_id {
        return Err(Error::new(
            format!("--from and --to name the same store ({target_id})"),
            "a certificate in a store is already available to every app that uses it; nothing to move",
        ));
    }
    let sels = args.cert.iter().map(|s| crate::store::select::parse_selector(s)).collect::<Result<Vec<_>>>()?;
    let source = super::export::Source { resolved: &resolved, sels: &sels, all: args.all, with_chain: true };
    let mut bundle = Bundle::default();
    for (_, b) in super::export::take_from_store(&source, &args.secrets, ui, report)? {
        bundle.identities.extend(b.identities);
        for c in b.chain {
            if !bundle.chain.iter().any(|x| x.der == c.der) {
                bundle.chain.push(c);
            }
        }
    }
    Ok(bundle)
}

/// The bundle in FILE: a PKCS#12 (with its password), or PEM certificate(s)
/// with the key in the same file or in `--key`.
fn read_input(file: &Path, key: Option<&Path>, args: &ImportArgs, ui: Ui) -> Result<Bundle> {
    if file.is_dir() {
        // A folder (say, what `export --all` wrote): import takes its files one by one.
        return Err(Error::new(
            format!("{} is a folder; import takes one PKCS#12 or PEM file", file.display()),
            format!("import its files one at a time: certhelp import {} --to STORE", file.join("NAME.p12").display()),
        ));
    }
    let bytes = read_bounded(file)?;
    let label = file.display().to_string();
    match pkcs12::sniff(&bytes) {
        FileKind::Pkcs12 => {
            let password = read_secret(
                args.secrets.password_file.as_deref(),
                args.secrets.password_env.as_deref(),
                &format!("the password of {label}"),
                SecretMode::Existing,
                ui.interactive,
                SecretFlags::PASSWORD,
            )?;
            Ok(pkcs12::read(&bytes, &password, &label)?)
        }
        FileKind::PemCertAndKey | FileKind::PemCertOnly | FileKind::DerCert | FileKind::PemKeyOnly
            if key.is_some() || kind_has_key(&bytes) =>
        {
            let key_bytes = key.map(read_bounded).transpose()?;
            let key_label = key.unwrap_or(file).display().to_string();
            match pkcs12::read_pem_named(&bytes, key_bytes.as_ref().map(|k| k.as_slice()), None, &label, &key_label) {
                Err(StoreError::WrongPassword { .. }) => {
                    // An encrypted PEM key: its password, then once more.
                    let password = read_secret(
                        args.secrets.password_file.as_deref(),
                        args.secrets.password_env.as_deref(),
                        &format!("the password of the private key in {}", key.unwrap_or(file).display()),
                        SecretMode::Existing,
                        ui.interactive,
                        SecretFlags::PASSWORD,
                    )?;
                    Ok(pkcs12::read_pem_named(
                        &bytes,
                        key_bytes.as_ref().map(|k| k.as_slice()),
                        Some(&password),
                        &label,
                        &key_label,
                    )?)
                }
                other => Ok(other?),
            }
        }
        kind => Err(not_importable(&label, kind)),
    }
}

/// "Nickname" (CN, e-mail, expires DATE) for the report.
fn describe_identity(der: &[u8], nickname: &str, now: i64) -> String {
    match crate::cert::parse(der) {
        Ok(i) => {
            let mut parts: Vec<String> = Vec::new();
            if let Some(cn) = i.common_name.as_ref().filter(|cn| *cn != nickname) {
                parts.push(cn.clone());
            }
            if let Some(e) = i.emails.first() {
                parts.push(e.clone());
            }
            let date = crate::cert::rfc3339(i.not_after);
            let when = if i.not_after < now { "expired" } else { "expires" };
            parts.push(format!("{when} {}", date.get(..10).unwrap_or(&date)));
            format!("\"{nickname}\" ({})", parts.join(", "))
        }
        Err(_) => format!("\"{nickname}\""),
    }
}

fn read_bounded(p: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    // A PEM file may hold a plaintext key: wiped when dropped.
    Ok(zeroize::Zeroizing::new(pkcs12::read_bounded(p)?))
}

fn kind_has_key(bytes: &[u8]) -> bool {
    pkcs12::sniff(bytes) == FileKind::PemCertAndKey
}

/// A file that cannot become a personal certificate: say what it is and
/// what to do with it.
fn not_importable(label: &str, kind: FileKind) -> Error {
    let hint = match kind {
        FileKind::PemCertOnly | FileKind::DerCert => format!(
            "a personal certificate needs its private key: give it with --key KEY.pem, or pack both with `certhelp convert {label} --key KEY.pem --out my-certificate.p12`; a CA certificate goes in with `certhelp chain install`"
        ),
        FileKind::PemPkcs7 | FileKind::DerPkcs7 => {
            format!("a certificate bundle holds no private key; for a chain use `certhelp chain install --to STORE --from-file {label}`")
        }
        FileKind::PemKeyOnly | FileKind::DerKey => format!("give the certificate file too: certhelp import CERT.pem --key {label} --to STORE"),
        _ => "give the .p12/.pfx file you exported (with its key), or a PEM certificate with --key".to_string(),
    };
    Error::new(format!("{label} is not a PKCS#12 file: {}", kind.describe()), hint)
}
