//! Which certificate an operation is about (SPEC §5 "SEL"): parsing the
//! `--cert` words into [`Selector`]s and choosing among the certificates a
//! store listed.
//!
//! Pure: it gets the listing and the selectors and returns candidates or a
//! meaning-level error; it never opens a store, prompts or prints (a verb
//! turns an ambiguity into a choice on a terminal with `prompt::choose`).
//!
//! Only PERSONAL certificates are candidates: CA certificates (and
//! self-signed roots) and other people's certificates (no private key) that
//! sit in the same profile never make a selection ambiguous.

use super::{StoreError, StoredCert};
use crate::cert::{self, CertInfo};
use crate::env::CertUse;
use crate::error::Error;

/// Which certificate an operation is about (SPEC §5 "SEL").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Nickname or label, exact.
    Label(String),
    /// An e-mail address in the certificate (SAN or subject), any case.
    /// When no personal certificate carries it, an exact nickname.
    Email(String),
    /// Part of the subject CN, any case.
    CommonName(String),
    /// A prefix of the lower-case hex SHA-256 fingerprint.
    Sha256Prefix(String),
    /// A plain word from the command line: an exact nickname when one
    /// matches, otherwise part of the CN.
    Name(String),
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::Label(s) => write!(f, "nickname \"{s}\""),
            Selector::Email(s) => write!(f, "e-mail {s}"),
            Selector::CommonName(s) => write!(f, "name containing \"{s}\""),
            Selector::Sha256Prefix(s) => write!(f, "sha256:{s}"),
            Selector::Name(s) => write!(f, "\"{s}\""),
        }
    }
}

/// Parse one SEL word. Precedence: `sha256:` and hex (colons and spaces
/// allowed, any case, at least 4 digits), then a word with `@` (an e-mail),
/// then a name (exact nickname, else part of the CN: decided at match time).
pub fn parse_selector(s: &str) -> Result<Selector, Error> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::new(
            "empty certificate selector",
            "name the certificate by nickname, e-mail, part of its name, or sha256:PREFIX",
        ));
    }
    // `get`: a selector in any script must not be cut inside a character.
    if t.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("sha256:")) {
        let hex: String = t[7..].chars().filter(|c| *c != ':' && !c.is_whitespace()).collect();
        if hex.len() < 4 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::new(
                format!("\"{t}\" is not a fingerprint prefix"),
                "give at least 4 hex digits after sha256: (as `certhelp probe` shows them)",
            ));
        }
        return Ok(Selector::Sha256Prefix(hex.to_ascii_lowercase()));
    }
    if t.contains('@') && !t.contains(char::is_whitespace) {
        return Ok(Selector::Email(t.to_string()));
    }
    Ok(Selector::Name(t.to_string()))
}

/// A personal certificate that a selection found, parsed.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Position in the listing the selection was made from.
    pub index: usize,
    pub cert: StoredCert,
    pub info: CertInfo,
}

impl Candidate {
    /// One line a person can tell apart from the others: nickname, CN,
    /// e-mail, use, expiry and the first 8 hex digits of the fingerprint.
    pub fn describe(&self, now: i64) -> String {
        let mut parts: Vec<String> = Vec::new();
        match &self.cert.label {
            Some(l) => parts.push(format!("\"{l}\"")),
            None => parts.push("(no nickname)".into()),
        }
        if let Some(cn) = &self.info.common_name {
            if self.cert.label.as_deref() != Some(cn.as_str()) {
                parts.push(format!("CN {cn}"));
            }
        }
        if let Some(e) = self.info.emails.first() {
            parts.push(e.clone());
        }
        parts.push(use_word(self.info.usage).into());
        let date = cert::rfc3339(self.info.not_after);
        let date = date.get(..10).unwrap_or(&date);
        if self.info.not_after < now {
            parts.push(format!("expired {date}"));
        } else {
            parts.push(format!("expires {date}"));
        }
        parts.push(format!("sha256:{}", self.info.sha256.get(..8).unwrap_or(&self.info.sha256)));
        parts.join(", ")
    }
}

fn use_word(u: CertUse) -> &'static str {
    match u {
        CertUse::Identity => "identity",
        CertUse::Encryption => "encryption",
        CertUse::Both => "identity and encryption",
        CertUse::Other => "other use",
    }
}

/// A CA certificate: basicConstraints cA, or a self-signed certificate the
/// store has no key for (a v1 root).
fn is_ca_like(c: &StoredCert, i: &CertInfo) -> bool {
    i.is_ca || (i.self_issued && c.has_private_key != Some(true))
}

/// Personal: not a CA, and its key is in the store or hidden behind a login
/// (`None`). A certificate the store knows has no key is someone else's.
fn is_personal(c: &StoredCert, i: &CertInfo) -> bool {
    !is_ca_like(c, i) && c.has_private_key != Some(false)
}

/// The personal certificates of a listing, in listing order.
pub fn personal(certs: &[StoredCert]) -> Vec<Candidate> {
    certs
        .iter()
        .enumerate()
        .filter_map(|(index, c)| cert::parse(&c.der).ok().map(|info| (index, c, info)))
        .filter(|(_, c, i)| is_personal(c, i))
        .map(|(index, c, info)| Candidate { index, cert: c.clone(), info })
        .collect()
}

fn matches(c: &StoredCert, i: &CertInfo, s: &Selector) -> bool {
    match s {
        Selector::Label(l) => c.label.as_deref() == Some(l.as_str()),
        Selector::Email(e) => i.emails.iter().any(|x| x.eq_ignore_ascii_case(e)),
        Selector::CommonName(n) | Selector::Name(n) => {
            i.common_name.as_deref().is_some_and(|cn| cn.to_lowercase().contains(&n.to_lowercase()))
        }
        Selector::Sha256Prefix(p) => i.sha256.starts_with(&p.to_ascii_lowercase()),
    }
}

/// What one selector picks among `pool`: exact nickname before CN part for
/// [`Selector::Name`]; e-mail before nickname for [`Selector::Email`].
fn pick<'a>(pool: &'a [Candidate], s: &Selector) -> Vec<&'a Candidate> {
    let by = |s: &Selector| pool.iter().filter(|c| matches(&c.cert, &c.info, s)).collect::<Vec<_>>();
    match s {
        Selector::Name(n) => {
            let exact = by(&Selector::Label(n.clone()));
            if exact.is_empty() {
                by(s)
            } else {
                exact
            }
        }
        Selector::Email(e) => {
            let found = by(s);
            if found.is_empty() {
                by(&Selector::Label(e.clone()))
            } else {
                found
            }
        }
        _ => by(s),
    }
}

/// The personal certificates that `sels` name (all of them when `sels` is
/// empty), each once, in listing order. Every selector must match at least
/// one: one that matches only a CA or someone else's certificate says so.
/// Callers then take [`exactly_one`], all of them, or [`group_pairs`].
pub fn select_personal(certs: &[StoredCert], sels: &[Selector]) -> Result<Vec<Candidate>, StoreError> {
    let pool = personal(certs);
    if sels.is_empty() {
        if pool.is_empty() {
            return Err(StoreError::NotFound { what: "a personal certificate (one with its private key)".into() });
        }
        return Ok(pool);
    }
    let mut chosen: Vec<usize> = Vec::new();
    for s in sels {
        let found = pick(&pool, s);
        if found.is_empty() {
            return Err(not_found(certs, s));
        }
        chosen.extend(found.iter().map(|c| c.index));
    }
    Ok(pool.into_iter().filter(|c| chosen.contains(&c.index)).collect())
}

/// NotFound that says what the selector did match, when it matched only
/// certificates that are not personal.
fn not_found(certs: &[StoredCert], s: &Selector) -> StoreError {
    let others: Vec<(&StoredCert, CertInfo)> = certs
        .iter()
        .filter_map(|c| cert::parse(&c.der).ok().map(|i| (c, i)))
        .filter(|(c, i)| !is_personal(c, i))
        .collect();
    let name = |s: &Selector| match s {
        Selector::Name(n) => Selector::Label(n.clone()),
        Selector::Email(e) => Selector::Label(e.clone()),
        other => other.clone(),
    };
    let hit = others.iter().find(|(c, i)| matches(c, i, s) || matches(c, i, &name(s)));
    let what = match hit {
        Some((c, i)) if is_ca_like(c, i) => {
            format!("a personal certificate matching {s} (it matches only the CA certificate {})", i.subject)
        }
        Some((_, i)) => format!(
            "a personal certificate matching {s} (it matches only {}, whose private key is not in this store)",
            i.subject
        ),
        None => format!("a personal certificate matching {s}"),
    };
    StoreError::NotFound { what }
}

/// Exactly one candidate (export without `--all`), else an ambiguity that
/// lists them one per line-item.
pub fn exactly_one(cands: Vec<Candidate>, now: i64) -> Result<Candidate, StoreError> {
    match cands.len() {
        1 => Ok(cands.into_iter().next().expect("one")),
        0 => Err(StoreError::NotFound { what: "a personal certificate".into() }),
        _ => Err(ambiguous(&cands, now)),
    }
}

/// The ambiguity error for these candidates.
pub fn ambiguous(cands: &[Candidate], now: i64) -> StoreError {
    StoreError::Ambiguous { candidates: cands.iter().map(|c| c.describe(now)).collect() }
}

/// Certificates that travel and are used together.
// A handful per store: boxing the pair would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Group {
    /// An identity (signing) certificate and the encryption certificate of
    /// the same person: same subject or a shared e-mail (an ECA pair).
    Pair { identity: Candidate, encryption: Candidate },
    /// Anything else: one certificate on its own (an old encryption key, a
    /// certificate for both uses).
    Single(Candidate),
}

impl Group {
    pub fn members(&self) -> Vec<&Candidate> {
        match self {
            Group::Pair { identity, encryption } => vec![identity, encryption],
            Group::Single(c) => vec![c],
        }
    }
}

fn same_person(a: &CertInfo, b: &CertInfo) -> bool {
    a.subject_der == b.subject_der || a.emails.iter().any(|e| b.emails.contains(e))
}

/// Pair identity certificates with encryption certificates of the same
/// person. Each identity takes the newest (latest expiry) unpaired
/// encryption certificate; older encryption certificates (old keys, still
/// needed to read old mail) stay single. Groups come in listing order of
/// their first member.
pub fn group_pairs(cands: Vec<Candidate>) -> Vec<Group> {
    let mut enc_taken = vec![false; cands.len()];
    let mut partner: Vec<Option<usize>> = vec![None; cands.len()];
    // Newest identities choose first.
    let mut ids: Vec<usize> = (0..cands.len()).filter(|&k| cands[k].info.usage == CertUse::Identity).collect();
    ids.sort_by_key(|&k| std::cmp::Reverse(cands[k].info.not_after));
    for k in ids {
        let best = (0..cands.len())
            .filter(|&e| !enc_taken[e] && cands[e].info.usage == CertUse::Encryption)
            .filter(|&e| same_person(&cands[k].info, &cands[e].info))
            .max_by_key(|&e| cands[e].info.not_after);
        if let Some(e) = best {
            enc_taken[e] = true;
            partner[k] = Some(e);
        }
    }
    let mut slots: Vec<Option<Candidate>> = cands.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for k in 0..slots.len() {
        if enc_taken[k] {
            continue;
        }
        let Some(c) = slots[k].take() else { continue };
        match partner[k] {
            Some(e) => {
                let enc = slots[e].take().expect("partner taken once");
                out.push(Group::Pair { identity: c, encryption: enc });
            }
            None => out.push(Group::Single(c)),
        }
    }
    // Encryption certificates that were paired sit in their partner's
    // group; list order follows the identity.
    out
}

/// Exactly one group (associate: one certificate or one pair).
pub fn exactly_one_group(cands: Vec<Candidate>, now: i64) -> Result<Group, StoreError> {
    if cands.is_empty() {
        return Err(StoreError::NotFound { what: "a personal certificate".into() });
    }
    let all = cands.clone();
    let mut groups = group_pairs(cands);
    if groups.len() == 1 {
        Ok(groups.remove(0))
    } else {
        Err(ambiguous(&all, now))
    }
}

/// Pick exactly one certificate among all listed (no personal filter):
/// the only one when `sel` is `None`.
pub fn select<'a>(certs: &'a [StoredCert], sel: Option<&Selector>) -> Result<&'a StoredCert, StoreError> {
    let found: Vec<&StoredCert> = certs
        .iter()
        .filter(|c| match sel {
            None => true,
            Some(s) => matches_raw(c, s),
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(StoreError::NotFound {
            what: match sel {
                Some(s) => format!("certificate {s}"),
                None => "a certificate".into(),
            },
        }),
        many => Err(StoreError::Ambiguous {
            candidates: many.iter().map(|c| c.label.clone().unwrap_or_else(|| "(no label)".into())).collect(),
        }),
    }
}

/// One selector against one certificate; a plain name matches a nickname
/// or part of the CN.
pub fn matches_raw(c: &StoredCert, s: &Selector) -> bool {
    if let Selector::Label(l) | Selector::Name(l) = s {
        if c.label.as_deref() == Some(l.as_str()) {
            return true;
        }
        if matches!(s, Selector::Label(_)) {
            return false;
        }
    }
    cert::parse(&c.der).is_ok_and(|i| matches(c, &i, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_precedence() {
        assert_eq!(parse_selector("SHA256:AB:cd:12").unwrap(), Selector::Sha256Prefix("abcd12".into()));
        assert_eq!(parse_selector("sha256:ab cd").unwrap(), Selector::Sha256Prefix("abcd".into()));
        assert!(parse_selector("sha256:abc").is_err());
        assert!(parse_selector("sha256:xyz1").is_err());
        assert_eq!(parse_selector("Jane@Example.com").unwrap(), Selector::Email("Jane@Example.com".into()));
        assert_eq!(parse_selector("Jane's ECA ID").unwrap(), Selector::Name("Jane's ECA ID".into()));
        assert_eq!(parse_selector("  doe ").unwrap(), Selector::Name("doe".into()));
        assert!(parse_selector(" ").is_err());
        // Names in any script: never cut inside a character.
        assert_eq!(parse_selector("éééé").unwrap(), Selector::Name("éééé".into()));
        assert_eq!(parse_selector("Иван Петров").unwrap(), Selector::Name("Иван Петров".into()));
        assert_eq!(parse_selector("张伟").unwrap(), Selector::Name("张伟".into()));
    }

    #[test]
    fn select_by_label() {
        let certs = vec![
            StoredCert { label: Some("a".into()), ..Default::default() },
            StoredCert { label: Some("b".into()), ..Default::default() },
        ];
        assert!(matches!(select(&certs, None), Err(StoreError::Ambiguous { .. })));
        assert_eq!(select(&certs, Some(&Selector::Label("b".into()))).unwrap().label.as_deref(), Some("b"));
        assert_eq!(select(&certs, Some(&Selector::Name("b".into()))).unwrap().label.as_deref(), Some("b"));
        assert!(matches!(select(&certs, Some(&Selector::Label("c".into()))), Err(StoreError::NotFound { .. })));
    }

    /// Certificates made with the openssl crate: a CA, and end entities
    /// with the given CN, e-mail, key usage and expiry.
    mod made {
        use openssl::asn1::Asn1Time;
        use openssl::bn::BigNum;
        use openssl::hash::MessageDigest;
        use openssl::pkey::{PKey, Private};
        use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectAlternativeName};
        use openssl::x509::{X509Name, X509};

        pub fn key() -> PKey<Private> {
            PKey::from_ec_key(
                openssl::ec::EcKey::generate(
                    &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
                )
                .unwrap(),
            )
            .unwrap()
        }

        pub fn ca(cn: &str, k: &PKey<Private>) -> Vec<u8> {
            build(cn, None, None, true, k, 3650, 1)
        }

        /// `usage`: "identity", "encryption".
        pub fn ee(cn: &str, email: &str, usage: &str, days: u32, serial: u32, k: &PKey<Private>) -> Vec<u8> {
            build(cn, Some(email), Some(usage), false, k, days, serial)
        }

        fn build(
            cn: &str,
            email: Option<&str>,
            usage: Option<&str>,
            ca: bool,
            k: &PKey<Private>,
            days: u32,
            serial: u32,
        ) -> Vec<u8> {
            let mut name = X509Name::builder().unwrap();
            name.append_entry_by_text("CN", cn).unwrap();
            let name = name.build();
            let mut issuer = X509Name::builder().unwrap();
            issuer.append_entry_by_text("CN", if ca { cn } else { "Test ECA 1" }).unwrap();
            let issuer = issuer.build();
            let mut b = X509::builder().unwrap();
            b.set_version(2).unwrap();
            b.set_serial_number(&BigNum::from_u32(serial).unwrap().to_asn1_integer().unwrap()).unwrap();
            b.set_subject_name(&name).unwrap();
            b.set_issuer_name(&issuer).unwrap();
            b.set_pubkey(k).unwrap();
            b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
            b.set_not_after(&Asn1Time::days_from_now(days).unwrap()).unwrap();
            if ca {
                b.append_extension(BasicConstraints::new().critical().ca().build().unwrap()).unwrap();
            }
            if let Some(e) = email {
                let ctx = b.x509v3_context(None, None);
                let san = SubjectAlternativeName::new().email(e).build(&ctx).unwrap();
                b.append_extension(san).unwrap();
            }
            match usage {
                Some("identity") => {
                    b.append_extension(KeyUsage::new().critical().digital_signature().build().unwrap()).unwrap()
                }
                Some("encryption") => {
                    b.append_extension(KeyUsage::new().critical().key_encipherment().build().unwrap()).unwrap()
                }
                _ => {}
            }
            b.sign(k, MessageDigest::sha256()).unwrap();
            b.build().to_der().unwrap()
        }
    }

    fn stored(label: &str, der: Vec<u8>, key: Option<bool>) -> StoredCert {
        StoredCert { label: Some(label.into()), der, has_private_key: key, ..Default::default() }
    }

    fn profile() -> Vec<StoredCert> {
        let k = made::key();
        vec![
            stored("Test ECA 1", made::ca("Test ECA 1", &k), Some(false)),
            stored("Jane ID", made::ee("Jane Doe", "jane@example.com", "identity", 900, 10, &k), Some(true)),
            stored("Jane ENC", made::ee("Jane Doe", "jane@example.com", "encryption", 900, 11, &k), Some(true)),
            stored("Jane ENC", made::ee("Jane Doe", "jane@example.com", "encryption", 300, 12, &k), Some(true)),
            stored("Bob", made::ee("Bob Roe", "bob@example.com", "identity", 500, 13, &k), Some(false)),
            stored("Doe Tools", made::ee("Doe Tools", "ops@example.com", "identity", 500, 14, &k), None),
        ]
    }

    const NOW: i64 = 0;

    #[test]
    fn only_personal_certificates_are_candidates() {
        let certs = profile();
        let all = select_personal(&certs, &[]).unwrap();
        // The CA and Bob's certificate (no key) are not candidates.
        assert_eq!(all.iter().map(|c| c.index).collect::<Vec<_>>(), vec![1, 2, 3, 5]);
        // "Test ECA" is part of the CA's CN only.
        let e = select_personal(&certs, &[parse_selector("Test ECA").unwrap()]).unwrap_err();
        assert!(e.to_string().contains("CA certificate"), "{e}");
        let e = select_personal(&certs, &[parse_selector("bob@example.com").unwrap()]).unwrap_err();
        assert!(e.to_string().contains("private key is not in this store"), "{e}");
    }

    #[test]
    fn nickname_before_cn_part() {
        let certs = profile();
        // "Doe Tools" is a nickname and part of no other CN...
        let one = select_personal(&certs, &[parse_selector("Doe Tools").unwrap()]).unwrap();
        assert_eq!(one.len(), 1);
        // ...while "doe" is part of four CNs and no nickname.
        let four = select_personal(&certs, &[parse_selector("doe").unwrap()]).unwrap();
        assert_eq!(four.len(), 4);
        // Same nickname on two certificates (same subject, renewed): both,
        // and the ambiguity tells them apart by expiry and fingerprint.
        let two = select_personal(&certs, &[parse_selector("Jane ENC").unwrap()]).unwrap();
        assert_eq!(two.len(), 2);
        let StoreError::Ambiguous { candidates } = exactly_one(two, NOW).unwrap_err() else { panic!() };
        assert_eq!(candidates.len(), 2);
        assert_ne!(candidates[0], candidates[1]);
        assert!(candidates[0].contains("\"Jane ENC\", CN Jane Doe, jane@example.com, encryption, expires "));
        assert!(candidates[0].contains("sha256:"));
    }

    #[test]
    fn email_and_fingerprint() {
        let certs = profile();
        let jane = select_personal(&certs, &[parse_selector("JANE@example.com").unwrap()]).unwrap();
        assert_eq!(jane.len(), 3);
        let fp = crate::cert::parse(&certs[5].der).unwrap().sha256;
        let one = select_personal(&certs, &[parse_selector(&format!("sha256:{}", &fp[..6])).unwrap()]).unwrap();
        assert_eq!(exactly_one(one, NOW).unwrap().index, 5);
        // Repeated selectors: their union, each once.
        let u = select_personal(&certs, &[parse_selector("Jane ID").unwrap(), parse_selector("jane").unwrap()]);
        assert_eq!(u.unwrap().len(), 3);
    }

    #[test]
    fn eca_pair_is_a_pair_and_old_keys_stay_single() {
        let certs = profile();
        let jane = select_personal(&certs, &[parse_selector("jane@example.com").unwrap()]).unwrap();
        let groups = group_pairs(jane.clone());
        assert_eq!(groups.len(), 2);
        match &groups[0] {
            Group::Pair { identity, encryption } => {
                assert_eq!(identity.index, 1);
                // The newest encryption certificate pairs.
                assert_eq!(encryption.index, 2);
            }
            g => panic!("{g:?}"),
        }
        assert!(matches!(&groups[1], Group::Single(c) if c.index == 3));
        // Associate: one pair is one group; the old key makes it two.
        assert!(exactly_one_group(jane, NOW).is_err());
        let pair = select_personal(&certs, &[parse_selector("Jane ID").unwrap()]).unwrap();
        let mut pair2 = pair.clone();
        pair2.extend(
            select_personal(&certs, &[parse_selector(&format!("sha256:{}", sha(&certs[2]))).unwrap()]).unwrap(),
        );
        assert!(matches!(exactly_one_group(pair2, NOW).unwrap(), Group::Pair { .. }));
        assert!(matches!(exactly_one_group(pair, NOW).unwrap(), Group::Single(_)));
    }

    fn sha(c: &StoredCert) -> String {
        crate::cert::parse(&c.der).unwrap().sha256[..16].to_string()
    }
}
