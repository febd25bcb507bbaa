//! The human form of `certhelp probe`: a plain-text report of an [`Env`].
//! Pure: Env in, String out; no colours, no terminal queries.

use crate::env::{CertUse, Env, ProductKind, StoreIssue};
use std::fmt::Write;

pub fn render(env: &Env) -> String {
    let mut o = String::new();
    let os = &env.os;
    let _ = writeln!(
        o,
        "System: {} {} ({}){}",
        os.name.as_deref().unwrap_or(os.id.display()),
        os.version.as_deref().unwrap_or(""),
        os.arch.as_deref().unwrap_or("?"),
        os.kernel.as_deref().map(|k| format!(", kernel {k}")).unwrap_or_default()
    );

    let _ = writeln!(o, "\nApps:");
    if env.apps.is_empty() {
        let _ = writeln!(o, "  none found");
    }
    for a in &env.apps {
        let _ = writeln!(
            o,
            "  {}{}  [{}]",
            a.name,
            a.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default(),
            a.id
        );
    }

    let _ = writeln!(o, "\nStores:");
    if env.stores.is_empty() {
        let _ = writeln!(o, "  none found (start a browser or mail client once to create its profile; see TS2011)");
    }
    for s in &env.stores {
        let mut flags = Vec::new();
        if s.default {
            flags.push("default".to_string());
        }
        if s.in_use == Some(true) {
            flags.push("in use".into());
        }
        if s.login_required {
            flags.push("password set".into());
        }
        let _ = writeln!(
            o,
            "  {}{} {}{}",
            s.app.as_deref().map(|a| format!("{a}: ")).unwrap_or_default(),
            s.profile.as_deref().unwrap_or(""),
            s.path.as_deref().unwrap_or(&s.id),
            if flags.is_empty() { String::new() } else { format!(" ({})", flags.join(", ")) }
        );
        if let Some(e) = &s.error {
            let _ = writeln!(o, "      cannot read: {e}");
        }
        for i in &s.issues {
            let _ = writeln!(o, "      problem: {}", issue_text(i));
        }
    }

    if !env.modules.is_empty() {
        let _ = writeln!(o, "\nPKCS#11 modules:");
        for m in &env.modules {
            let state = match (m.present, m.loaded) {
                (false, _) => " (missing)",
                (true, Some(true)) => " (loaded)",
                (true, Some(false)) => " (failed to load)",
                (true, None) => "",
            };
            let _ = writeln!(o, "  {} [{}]{}", m.path, m.source, state);
        }
    }
    if !env.tokens.is_empty() {
        let _ = writeln!(o, "\nTokens:");
        for t in &env.tokens {
            let mut pin = Vec::new();
            if t.user_pin_locked {
                pin.push("PIN LOCKED");
            } else if t.user_pin_final_try {
                pin.push("PIN: final try");
            } else if t.user_pin_count_low {
                pin.push("PIN: tries low");
            }
            let _ = writeln!(
                o,
                "  {} ({} {}, serial {}){}",
                t.label,
                t.manufacturer,
                t.model,
                t.serial,
                if pin.is_empty() { String::new() } else { format!(" {}", pin.join(", ")) }
            );
        }
    }
    if let Some(p) = env.pcscd_running {
        let _ = writeln!(o, "\nSmart-card service (pcscd): {}", if p { "running" } else { "not running" });
    }

    let personal: Vec<_> = env.personal_certificates().collect();
    let _ = writeln!(o, "\nPersonal certificates: {}", personal.len());
    for c in personal {
        let _ = writeln!(
            o,
            "  {}  [{}, {}]",
            c.common_name.as_deref().unwrap_or(&c.subject),
            match c.usage {
                CertUse::Identity => "identity",
                CertUse::Encryption => "encryption",
                CertUse::Both => "identity+encryption",
                CertUse::Other => "other use",
            },
            match c.product {
                ProductKind::Eca => "ECA",
                ProductKind::DigitalId => "Digital ID",
                ProductKind::Other => "other product",
            }
        );
        if !c.emails.is_empty() {
            let _ = writeln!(o, "      e-mail:  {}", c.emails.join(", "));
        }
        let _ = writeln!(o, "      issuer:  {}", c.issuer);
        let _ = writeln!(
            o,
            "      expires: {} ({})",
            c.not_after,
            if c.expired { "EXPIRED".to_string() } else { format!("{} days left", c.days_left) }
        );
        let _ = writeln!(
            o,
            "      key:     {}",
            match c.has_private_key {
                Some(true) => match c.key_extractable {
                    Some(false) => "present, cannot be exported",
                    _ => "present",
                },
                Some(false) => "MISSING",
                None => "unknown (the store needs its password to show keys)",
            }
        );
        if !c.chain_complete {
            let _ = writeln!(
                o,
                "      chain:   incomplete, missing {}",
                c.missing_issuer.as_deref().unwrap_or("an issuer")
            );
        }
        let _ = writeln!(o, "      store:   {}", c.store);
    }
    if !env.mail_identities.is_empty() {
        let _ = writeln!(o, "\nMail identities:");
        for i in &env.mail_identities {
            let _ = writeln!(
                o,
                "  {} {}: signing {}, encryption {}",
                i.app,
                i.email.as_deref().unwrap_or("(no address)"),
                i.signing_cert.as_deref().unwrap_or("none"),
                i.encryption_cert.as_deref().unwrap_or("none")
            );
        }
    }
    for w in &env.warnings {
        let _ = writeln!(o, "note: {w}");
    }
    o
}

pub fn issue_text(i: &StoreIssue) -> String {
    match i {
        StoreIssue::NotWritable { file, owner_uid } => format!(
            "{file} is not writable by you{}",
            owner_uid.map(|u| format!(" (owned by uid {u})")).unwrap_or_default()
        ),
        StoreIssue::NoCertDb => "security.nocertdb is true: the app keeps no certificates".into(),
        StoreIssue::DuplicateModule { module, count } => {
            format!("module {module} is registered {count} times")
        }
    }
}
