//! Which CA certificates a store should trust, and why.
//!
//! Policy (issue 6, SPEC §5): a root the user handed over (a file, a
//! PKCS#12's chain) gets trust for websites and e-mail, because that is what
//! the chain articles tell people to tick. A root fetched over the network
//! is trusted only when its SHA-256 fingerprint is one a chain article pins
//! in its front matter (`pinned_roots`), or when the user confirmed that
//! fingerprint (`--trust-root sha256:HEX`, or yes on a terminal). Anything
//! else, and every intermediate, gets no trust: it is only a link.
//!
//! Pure: the caller passes the pins (from the knowledge base) and the
//! confirmation in. This module never asks and never writes.

use crate::kb::Kb;
use crate::store::Trust;

/// A root fingerprint a chain article pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// Lower-case hex SHA-256 of the certificate's DER.
    pub sha256: String,
    /// The article that pins it (shown to the user).
    pub article: String,
}

/// The pins of every chain article in effect (shipped, or an
/// organisation's override, which may pin its own roots).
pub fn pins(kb: &Kb) -> Vec<Pin> {
    kb.articles()
        .into_iter()
        .filter(|a| a.kind == "chain")
        .flat_map(|a| a.pinned_roots.iter().map(|h| Pin { sha256: h.to_ascii_lowercase(), article: a.id.clone() }))
        .collect()
}

/// Where a certificate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A file or PKCS#12 the user gave certhelp.
    HandedOver,
    /// Fetched from a URL in a certificate (AIA caIssuers).
    Network,
}

/// Why a root gets the trust it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootReason {
    HandedOver,
    Pinned {
        article: String,
    },
    /// The user confirmed this fingerprint.
    Confirmed,
    /// Fetched, not pinned, not confirmed: installed without trust.
    NotConfirmed,
}

impl RootReason {
    pub fn trust(&self) -> Trust {
        match self {
            RootReason::NotConfirmed => Trust::NONE,
            _ => Trust::ROOT,
        }
    }
}

/// The trust decision for one root with fingerprint `sha256` (lower-case
/// hex). `confirmed` is the fingerprint the user confirmed, if any.
pub fn root_trust(origin: Origin, sha256: &str, pins: &[Pin], confirmed: Option<&str>) -> RootReason {
    if confirmed.is_some_and(|c| c.eq_ignore_ascii_case(sha256)) {
        return RootReason::Confirmed;
    }
    if origin == Origin::HandedOver {
        return RootReason::HandedOver;
    }
    match pins.iter().find(|p| p.sha256.eq_ignore_ascii_case(sha256)) {
        Some(p) => RootReason::Pinned { article: p.article.clone() },
        None => RootReason::NotConfirmed,
    }
}

/// A fingerprint as users copy it: `sha256:` prefix optional, colons or
/// spaces between bytes allowed, any case. Returns 64 lower-case hex
/// digits, or `None` when it is not a whole SHA-256 fingerprint (a trust
/// decision never rests on a prefix).
pub fn parse_fingerprint(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s.strip_prefix("sha256:").or_else(|| s.strip_prefix("SHA256:")).unwrap_or(s);
    let hex: String = s.chars().filter(|c| !matches!(c, ':' | ' ')).collect();
    is_sha256_hex(&hex).then(|| hex.to_ascii_lowercase())
}

/// Exactly 64 hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "343ff530f246b00c71616a5d42541d551114baf74b7f786c7b42527586c6b22a";

    #[test]
    fn handed_over_roots_are_trusted() {
        assert_eq!(root_trust(Origin::HandedOver, A, &[], None), RootReason::HandedOver);
        assert_eq!(RootReason::HandedOver.trust(), Trust::ROOT);
    }

    #[test]
    fn fetched_roots_need_a_pin_or_a_yes() {
        let pins = [Pin { sha256: A.into(), article: "SO10186".into() }];
        assert_eq!(root_trust(Origin::Network, A, &pins, None), RootReason::Pinned { article: "SO10186".into() });
        let other = "00".repeat(32);
        assert_eq!(root_trust(Origin::Network, &other, &pins, None), RootReason::NotConfirmed);
        assert_eq!(RootReason::NotConfirmed.trust(), Trust::NONE);
        assert_eq!(root_trust(Origin::Network, &other, &pins, Some(&other)), RootReason::Confirmed);
    }

    #[test]
    fn fingerprints_as_users_copy_them() {
        let colons = A.as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(":");
        assert_eq!(parse_fingerprint(&format!("sha256:{}", colons.to_uppercase())).as_deref(), Some(A));
        assert_eq!(parse_fingerprint(A).as_deref(), Some(A));
        assert_eq!(parse_fingerprint("sha256:343ff530"), None);
        assert_eq!(parse_fingerprint(&format!("{A}00")), None);
        assert_eq!(parse_fingerprint(&A.replace('a', "g")), None);
    }
}
