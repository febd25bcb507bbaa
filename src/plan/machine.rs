//! Tailoring a plan to the probed machine (or a customer's probe file):
//! which store the certificate really is in, what its issuer says about
//! the product, what the doctor finds wrong with that store, and the lines
//! that name the real profile and certificate in the walkthrough.
//!
//! Pure: reads the [`Env`] and the doctor's checks it is given (it never
//! runs the doctor itself), never the system.

use super::*;

/// `associate` on a probed machine whose certificate is not in the mail
/// client but in another app's store: the plan becomes `mail` from there
/// (export, chain, import, then set the client up), with a note.
pub(super) fn source_elsewhere(r: &mut Resolved, ctx: Context) -> bool {
    let (Some(env), Some(client)) = (ctx.env, r.mail_client) else { return false };
    let here = env.os.id;
    if r.to_os != Some(here) || r.new_computer || !client.runs_on(here) {
        return false;
    }
    if best_store(env, Some(client), here, r.product).is_some() {
        return false;
    }
    let Some(store) = best_store(env, None, here, r.product) else { return false };
    let Some(app) = store_app(env, store) else { return false };
    r.notes.push(format!(
        "Your certificate is in {}, not in {}: the plan brings it over first.",
        app.name(),
        client.name()
    ));
    r.activity = Some(Activity::Mail);
    r.from_app = Some(app);
    r.from_os = Some(here);
    attach_certs(r, ctx);
    resolve_product(r);
    true
}

/// For plans without a source store (chain, import, associate): the real
/// certificate on this machine still decides the product (SPEC §1).
pub(super) fn attach_product(r: &mut Resolved, ctx: Context) {
    let Some(env) = ctx.env else { return };
    let here = env.os.id;
    if r.to_os.is_some_and(|o| o != here) || r.new_computer {
        return;
    }
    let Some(store) = best_store(env, None, here, r.product) else { return };
    let mut found: Vec<Product> = Vec::new();
    for c in env.personal_certificates().filter(|c| c.store == store) {
        if let Some(p) = Option::<Product>::from(c.product) {
            if !found.contains(&p) {
                found.push(p);
            }
        }
    }
    if let [real] = found.as_slice() {
        if r.product.is_some_and(|w| w != *real) {
            r.notes.push(format!(
                "The question says {}, but the certificate on this computer is {}; the plan follows the certificate.",
                product_name(r.product.unwrap()),
                product_name(*real)
            ));
        }
        r.product = Some(*real);
    }
}

/// The app whose store holds the user's personal certificate on this
/// machine, when the probe ran on the source computer.
pub(super) fn probed_source(r: &mut Resolved, ctx: Context, from_os: Os) -> Option<App> {
    let env = ctx.env.filter(|e| e.os.id == from_os)?;
    let store = best_store(env, None, from_os, r.product)?;
    let app = store_app(env, store)?;
    let mut others: Vec<App> = Vec::new();
    for c in env.personal_certificates().filter(|c| c.store != store) {
        if let Some(a) = store_app(env, &c.store) {
            if a != app && !others.contains(&a) {
                others.push(a);
            }
        }
    }
    if !others.is_empty() {
        r.notes.push(format!(
            "Personal certificates were also found in {}; the plan starts from {}, where the certificate with its key is.",
            others.iter().map(|a| a.name()).collect::<Vec<_>>().join(", "),
            app.name()
        ));
    }
    r.from_app = Some(app);
    attach_certs(r, ctx);
    Some(app)
}

/// The planner app id of the app that owns a store.
pub(super) fn store_app(env: &Env, store: &str) -> Option<App> {
    env.store(store)?.app.as_deref().and_then(intent::app_id)
}

/// The store to start from: the one whose personal certificates can be
/// exported (key present, not expired), preferring the app's default
/// profile and the OS's main store. `app` limits the choice to one app.
pub(super) fn best_store(env: &Env, app: Option<App>, os: Os, want: Option<Product>) -> Option<&str> {
    /// Lower sorts first: the product asked for, usable key, not expired,
    /// default profile, the OS's main store.
    type Rank = (bool, bool, bool, bool, bool);
    let mut best: Option<(Rank, &str)> = None;
    for c in env.personal_certificates() {
        let Some(a) = store_app(env, &c.store) else { continue };
        if !a.runs_on(os) || app.is_some_and(|want| !same_store_family(want, a, os)) {
            continue;
        }
        let is_default = env.store(&c.store).is_some_and(|s| s.default);
        let product: Option<Product> = c.product.into();
        let other_product = want.is_some_and(|w| product.is_some_and(|p| p != w));
        let rank = (other_product, c.has_private_key == Some(false), c.expired, !is_default, a != main_store_app(os));
        if best.is_none_or(|(b, _)| rank < b) {
            best = Some((rank, c.store.as_str()));
        }
    }
    best.map(|(_, s)| s)
}

/// The same app, or apps that share one store (Chrome and Chromium on Linux).
pub(super) fn same_store_family(a: App, b: App, os: Os) -> bool {
    a == b || a.shared_store(os).is_some_and(|s| b.shared_store(os) == Some(s))
}

/// Records the probe's personal certificates of the source store.
pub(super) fn attach_certs(r: &mut Resolved, ctx: Context) {
    let (Some(env), Some(app)) = (ctx.env, r.from_app) else { return };
    if env.os.id != r.from_os.unwrap_or(env.os.id) {
        return;
    }
    let Some(store_id) = best_store(env, Some(app), env.os.id, r.product) else { return };
    let store = env.store(store_id);
    r.source_store = Some(store_id.to_string());
    for c in env.personal_certificates().filter(|c| c.store == store_id) {
        r.certs.push(CertRef {
            store: c.store.clone(),
            email: c.emails.first().cloned(),
            // A probe file from an older version may lack the product.
            product: match c.product {
                ProductKind::Other => crate::cert::product(&c.subject, &c.issuer),
                known => known,
            },
            subject: c.common_name.clone().unwrap_or_else(|| c.subject.clone()),
            issuer: c.issuer.clone(),
            usage: c.usage,
            not_after: c.not_after.clone(),
            days_left: c.days_left,
            expired: c.expired,
            has_private_key: c.has_private_key,
            chain_complete: c.chain_complete,
            profile: store.and_then(|s| s.profile.clone()),
            path: store.and_then(|s| s.path.clone()),
        });
    }
    // What the doctor finds wrong with the source store, as far as it
    // stands in the way of taking a certificate out of it.
    for check in ctx.checks {
        if check.status == Status::Ok || check.store.as_deref() != Some(store_id) || !blocks_export(check.id) {
            continue;
        }
        r.findings.push(Finding {
            status: check.status,
            message: check.message.clone(),
            fix: check.fix.clone().unwrap_or_default(),
            article: check.article.clone(),
        });
    }
}

/// Whether a doctor check on the source store stands in the way of taking
/// a certificate out of it.
fn blocks_export(id: CheckId) -> bool {
    match id {
        CheckId::Expiry | CheckId::PrivateKey | CheckId::NoCertDb | CheckId::StoreReadable | CheckId::Chain => true,
        CheckId::DuplicateModule
        | CheckId::StoreWritable
        | CheckId::Pcscd
        | CheckId::TokenPin
        | CheckId::MailIdentity
        | CheckId::SmimeUsable => false,
    }
}

/// Adds what the probe found to the steps it concerns.
pub(super) fn tailor(r: &mut Resolved, steps: &mut [Step]) {
    if r.certs.is_empty() {
        return;
    }
    for s in steps.iter_mut() {
        match s.action {
            Action::Export => {
                if let Some(c) = r.certs.first() {
                    let app = s.app.map(App::name).unwrap_or("the app");
                    s.found.push(match (&c.profile, &c.path) {
                        (Some(p), Some(path)) => format!("{app} profile \"{p}\" ({path}) holds:"),
                        (None, Some(path)) => format!("{app} ({path}) holds:"),
                        _ => format!("{app} holds:"),
                    });
                }
                for c in &r.certs {
                    let key = match c.has_private_key {
                        Some(true) => "private key present",
                        Some(false) => "NO private key here",
                        None => "private key not checked (the store has a password)",
                    };
                    let when = if c.expired {
                        format!("EXPIRED {}", date_of(&c.not_after))
                    } else {
                        format!("expires {} ({} days)", date_of(&c.not_after), c.days_left)
                    };
                    let product = Option::<Product>::from(c.product).map(product_name).unwrap_or("other issuer");
                    s.found.push(format!("  {} ({}, {product}), {when}, {key}", c.subject, usage_name(c.usage)));
                }
            }
            Action::Chain => {
                if r.certs.iter().all(|c| c.chain_complete) {
                    s.found.push("The chain is complete in the source store; install it on the target as well.".into());
                } else {
                    s.found.push("The chain is incomplete in the source store too.".into());
                }
            }
            Action::Associate => s.found.extend(certificates_to_pick(&r.certs)),
            Action::Import | Action::Token | Action::Note => {}
        }
    }
    if r.certs.iter().any(|c| c.has_private_key == Some(false)) {
        r.notes.push(
            "A certificate without its private key cannot be backed up or moved with its key: export it from the computer or token that holds the key (see TS2007, TS2006).".into(),
        );
    }
    if r.certs.iter().any(|c| c.expired) {
        r.notes.push(
            "An expired certificate still decrypts old mail: keep it, but you need a new one to sign and sign in."
                .into(),
        );
    }
}

/// Which certificate to pick in the mail client's settings, by what its
/// dialog shows: the name, the e-mail and the expiry. An ECA pair: the
/// identity certificate signs, the newest encryption certificate encrypts;
/// a certificate for both uses does both.
fn certificates_to_pick(certs: &[CertRef]) -> Vec<String> {
    let usable: Vec<&CertRef> = certs.iter().filter(|c| !c.expired && c.has_private_key != Some(false)).collect();
    let newest =
        |want: &[CertUse]| usable.iter().filter(|c| want.contains(&c.usage)).max_by_key(|c| c.days_left).copied();
    let describe = |c: &CertRef| {
        let email = c.email.as_deref().map(|e| format!(" <{e}>")).unwrap_or_default();
        format!("{}{email}, expires {}", c.subject, date_of(&c.not_after))
    };
    let mut out = Vec::new();
    if let Some(c) = newest(&[CertUse::Identity, CertUse::Both]) {
        out.push(format!("For signing, pick: {}", describe(c)));
    }
    if let Some(c) = newest(&[CertUse::Encryption, CertUse::Both]) {
        out.push(format!("For encryption, pick: {}", describe(c)));
    }
    out
}

pub(super) fn date_of(rfc3339: &str) -> &str {
    rfc3339.split('T').next().unwrap_or(rfc3339)
}

pub(super) fn usage_name(u: CertUse) -> &'static str {
    match u {
        CertUse::Identity => "identity",
        CertUse::Encryption => "encryption",
        CertUse::Both => "identity and encryption",
        CertUse::Other => "other use",
    }
}
