//! `probe --redact`: the same Env with e-mail addresses, people's names,
//! serial numbers and home paths replaced by placeholders, for pasting into
//! a support ticket. CA names, dates, usages and fingerprints stay: support
//! needs them and they name no person.
//!
//! Pure: Env in, Env out. Works on the serde form so new fields holding a
//! redacted value are covered without touching this file.

use crate::env::Env;
use serde_json::Value;

/// Placeholders that keep distinct values distinct.
pub fn redact(env: &Env) -> Env {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let add = |v: &str, make: &dyn Fn(usize) -> String, pairs: &mut Vec<(String, String)>| {
        let v = v.trim();
        if v.len() < 2 || pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case(v)) {
            return;
        }
        let n = pairs.len() + 1;
        pairs.push((v.to_string(), make(n)));
    };
    let mut emails: Vec<String> = Vec::new();
    for c in &env.certificates {
        emails.extend(c.emails.iter().cloned());
    }
    emails.extend(env.mail_identities.iter().filter_map(|i| i.email.clone()));
    for e in &emails {
        add(e, &|n| format!("user{n}@example.invalid"), &mut pairs);
    }
    for c in &env.certificates {
        if let Some(cn) = &c.common_name {
            if !cn.eq_ignore_ascii_case("Persona Not Validated") {
                add(cn, &|n| format!("Person {n}"), &mut pairs);
            }
        }
    }
    // Nicknames are the user's own words and often hold a name; mail
    // identities refer to them, so each maps to one placeholder everywhere.
    let mut nicknames: Vec<String> = env.certificates.iter().filter_map(|c| c.nickname.clone()).collect();
    nicknames
        .extend(env.mail_identities.iter().flat_map(|i| [i.signing_cert.clone(), i.encryption_cert.clone()]).flatten());
    for nick in nicknames.iter().filter(|n| !n.starts_with("dbkey:")) {
        add(nick, &|n| format!("certificate {n}"), &mut pairs);
    }
    // Home first as a prefix, then the user name wherever it appears.
    let home = std::env::var("HOME").unwrap_or_default();
    let mut value = serde_json::to_value(env).unwrap_or(Value::Null);
    walk(&mut value, None, &pairs, &home);
    serde_json::from_value(value).unwrap_or_else(|_| env.clone())
}

fn walk(v: &mut Value, key: Option<&str>, pairs: &[(String, String)], home: &str) {
    match v {
        Value::String(s) => {
            if matches!(key, Some("serial")) && !s.is_empty() {
                *s = "<serial>".into();
                return;
            }
            if s.starts_with("dbkey:") {
                *s = "dbkey:<redacted>".into();
                return;
            }
            *s = redact_str(s, pairs, home);
        }
        Value::Array(a) => a.iter_mut().for_each(|x| walk(x, key, pairs, home)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                walk(x, Some(k.as_str()), pairs, home);
            }
        }
        _ => {}
    }
}

/// Replace home-directory prefixes and every known sensitive value
/// (case-insensitive for the ASCII part).
pub fn redact_str(s: &str, pairs: &[(String, String)], home: &str) -> String {
    let mut out = s.to_string();
    if home.len() > 1 {
        out = out.replace(home.trim_end_matches('/'), "~");
    }
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for (k, v) in sorted {
        out = replace_ci(&out, k, v);
    }
    out
}

fn replace_ci(hay: &str, needle: &str, with: &str) -> String {
    let lower = hay.to_ascii_lowercase();
    let n = needle.to_ascii_lowercase();
    if n.is_empty() || !lower.contains(&n) {
        return hay.to_string();
    }
    let mut out = String::new();
    let mut i = 0;
    while let Some(p) = lower[i..].find(&n) {
        out.push_str(&hay[i..i + p]);
        out.push_str(with);
        i += p + n.len();
    }
    out.push_str(&hay[i..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{Certificate, MailIdentity};

    #[test]
    fn redacts_people_not_cas() {
        let mut env = Env::default();
        env.certificates.push(Certificate {
            store: "nss:/home/jane/.pki/nssdb".into(),
            nickname: Some("Jane Doe's ORC ECA 6 ID".into()),
            subject: "CN=Jane Doe, E=jane@example.com, O=Acme".into(),
            common_name: Some("Jane Doe".into()),
            emails: vec!["jane@example.com".into()],
            issuer: "CN=ORC ECA 6".into(),
            serial: "1234".into(),
            ..Default::default()
        });
        env.mail_identities.push(MailIdentity {
            email: Some("JANE@example.com".into()),
            signing_cert: Some("dbkey:AAAA".into()),
            ..Default::default()
        });
        let r = redact(&env);
        let c = &r.certificates[0];
        assert_eq!(c.subject, "CN=Person 2, E=user1@example.invalid, O=Acme");
        assert_eq!(c.nickname.as_deref(), Some("certificate 3"), "a nickname may hold any name: it is replaced whole");
        assert_eq!(c.issuer, "CN=ORC ECA 6");
        assert_eq!(c.serial, "<serial>");
        assert_eq!(r.mail_identities[0].email.as_deref(), Some("user1@example.invalid"));
        assert_eq!(r.mail_identities[0].signing_cert.as_deref(), Some("dbkey:<redacted>"));
        assert_eq!(redact_str("/home/jane/x", &[], "/home/jane"), "~/x");
    }
}
