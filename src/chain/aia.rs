//! Follow a certificate's AIA caIssuers links (RFC 5280 §4.2.2.1) up to its
//! root, one issuer at a time.
//!
//! Each answer is a DER certificate or a PKCS#7 bundle (`.p7c`), which for
//! cross-certified CAs holds several certificates with the same subject.
//! The issuer is the certificate whose subject is the child's issuer name
//! AND whose key verifies the child's signature; among several, a
//! self-signed one (the root) wins, since it ends the walk. The others are
//! reported as skipped alternatives, never installed: the result is one
//! path, issuer first.
//!
//! The walk stops at a self-signed certificate, at a certificate without
//! http:// caIssuers links, at a loop (a URL or certificate seen before) or
//! after [`MAX_HOPS`]. A link that cannot be fetched or holds no issuer is
//! an error: a chain half-fetched from a broken server is not installed.
//!
//! Fetching goes through [`Fetch`], so tests feed bytes; the real fetcher
//! is [`super::http::get`]. This module reads no files and touches no store.

use openssl::nid::Nid;
use openssl::x509::X509;

use super::http::FetchError;
use super::source::{certs_from_bytes, self_signed};

/// How far a walk goes: real chains are 2-4 deep.
pub const MAX_HOPS: usize = 8;

/// Gets the bytes behind a URL.
pub trait Fetch {
    fn fetch(&mut self, url: &str) -> Result<Vec<u8>, FetchError>;
}

impl<F: FnMut(&str) -> Result<Vec<u8>, FetchError>> Fetch for F {
    fn fetch(&mut self, url: &str) -> Result<Vec<u8>, FetchError> {
        self(url)
    }
}

/// One issuer found, with the URL it came from.
#[derive(Debug, Clone)]
pub struct Found {
    pub der: Vec<u8>,
    pub url: String,
}

/// Why the walk stopped without an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Reached a self-signed certificate.
    Root,
    /// A certificate (named) has no http:// caIssuers link.
    NoLink(String),
    /// The links lead back to a URL or certificate seen before.
    Loop(String),
    /// [`MAX_HOPS`] issuers and still no root.
    TooDeep,
}

/// What a walk found.
#[derive(Debug, Clone)]
pub struct Walk {
    /// Issuers, the child's issuer first, the root (if reached) last.
    pub issuers: Vec<Found>,
    pub end: End,
    /// Things left out on the way, described for the report: other
    /// cross-certificates, links that are not http://.
    pub notes: Vec<String>,
}

/// A walk that could not go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AiaError {
    /// The starting certificate is not one.
    BadStart(String),
    /// The starting certificate has no caIssuers link at all (or only
    /// links of other schemes, listed).
    NoLinks { subject: String, other: Vec<String> },
    /// Every link of a certificate failed; the first failure is kept.
    Fetch { url: String, error: FetchError },
    /// The URL answered with something that is not certificates.
    NotCertificates { url: String, found: String },
    /// The URL's certificates do not include the child's issuer.
    NoIssuer { url: String, subject: String },
}

impl std::fmt::Display for AiaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AiaError::BadStart(e) => write!(f, "the certificate cannot be read: {e}"),
            AiaError::NoLinks { subject, other } if other.is_empty() => {
                write!(f, "\"{subject}\" has no issuer link (AIA caIssuers) to follow")
            }
            AiaError::NoLinks { subject, other } => {
                write!(f, "\"{subject}\" has no http:// issuer link to follow (only {})", other.join(", "))
            }
            AiaError::Fetch { url, error } => write!(f, "cannot fetch {url}: {error}"),
            AiaError::NotCertificates { url, found } => write!(f, "{url} did not return certificates: {found}"),
            AiaError::NoIssuer { url, subject } => {
                write!(f, "{url} holds no certificate that issued \"{subject}\"")
            }
        }
    }
}

impl std::error::Error for AiaError {}

/// The caIssuers URLs of a certificate, in order.
pub fn ca_issuers(x: &X509) -> Vec<String> {
    x.authority_info()
        .map(|ads| {
            ads.iter()
                .filter(|ad| ad.method().nid() == Nid::AD_CA_ISSUERS)
                .filter_map(|ad| ad.location().uri().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn is_http(url: &str) -> bool {
    url.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

fn sha256(der: &[u8]) -> Vec<u8> {
    openssl::sha::sha256(der).to_vec()
}

fn subject(x: &X509) -> String {
    crate::cert::name_string(x.subject_name())
}

/// Walk from `start_der` (the user's certificate, or any CA certificate) to
/// its root, fetching through `fetch`, for at most `max_hops` issuers.
pub fn walk(start_der: &[u8], fetch: &mut dyn Fetch, max_hops: usize) -> Result<Walk, AiaError> {
    let mut child = X509::from_der(start_der).map_err(|e| AiaError::BadStart(e.to_string()))?;
    let mut walk = Walk { issuers: Vec::new(), end: End::TooDeep, notes: Vec::new() };
    let mut seen_urls: Vec<String> = Vec::new();
    let mut seen_certs: Vec<Vec<u8>> = vec![sha256(start_der)];
    let child_der = |x: &X509| x.to_der().unwrap_or_default();
    for hop in 0..max_hops {
        if self_signed(&child_der(&child)) {
            walk.end = End::Root;
            return Ok(walk);
        }
        let all = ca_issuers(&child);
        let (http, other): (Vec<String>, Vec<String>) = all.into_iter().partition(|u| is_http(u));
        if !other.is_empty() {
            walk.notes.push(format!("not followed (only http:// is): {}", other.join(", ")));
        }
        if http.is_empty() {
            if hop == 0 {
                return Err(AiaError::NoLinks { subject: subject(&child), other });
            }
            walk.end = End::NoLink(subject(&child));
            return Ok(walk);
        }
        let fresh: Vec<&String> = http.iter().filter(|u| !seen_urls.contains(u)).collect();
        if fresh.is_empty() {
            walk.end = End::Loop(http[0].clone());
            return Ok(walk);
        }
        // Try the links in order; the first that yields the issuer wins.
        let mut first_error = None;
        let mut chosen = None;
        for url in fresh {
            seen_urls.push(url.clone());
            match issuer_at(&child, url, fetch) {
                Ok((issuer, others)) => {
                    walk.notes.extend(others);
                    chosen = Some((issuer, url.clone()));
                    break;
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let Some((issuer, url)) = chosen else {
            return Err(first_error.expect("at least one link was tried"));
        };
        let der = child_der(&issuer);
        let digest = sha256(&der);
        if seen_certs.contains(&digest) {
            walk.end = End::Loop(url);
            return Ok(walk);
        }
        seen_certs.push(digest);
        walk.issuers.push(Found { der, url });
        child = issuer;
    }
    if self_signed(&child_der(&child)) {
        walk.end = End::Root;
    }
    Ok(walk)
}

/// Fetch `url` and pick the issuer of `child` out of what it returns, with
/// notes on the alternatives left out.
fn issuer_at(child: &X509, url: &str, fetch: &mut dyn Fetch) -> Result<(X509, Vec<String>), AiaError> {
    let bytes = fetch.fetch(url).map_err(|error| AiaError::Fetch { url: url.to_string(), error })?;
    let certs = certs_from_bytes(&bytes, url).map_err(|e| AiaError::NotCertificates {
        url: url.to_string(),
        found: match e {
            crate::store::StoreError::UnsupportedFormat { found, .. } => found,
            other => other.to_string(),
        },
    })?;
    let issuer_name = child.issuer_name().to_der().unwrap_or_default();
    let mut candidates: Vec<(X509, bool)> = certs
        .iter()
        .filter_map(|der| X509::from_der(der).ok())
        .filter(|c| c.subject_name().to_der().is_ok_and(|s| s == issuer_name))
        .filter(|c| c.public_key().and_then(|k| child.verify(&k)).unwrap_or(false))
        .map(|c| {
            let root = self_signed(&c.to_der().unwrap_or_default());
            (c, root)
        })
        .collect();
    if candidates.is_empty() {
        return Err(AiaError::NoIssuer {
            url: url.to_string(),
            subject: crate::cert::name_string(child.subject_name()),
        });
    }
    // A root ends the walk; otherwise the first in the file.
    let pick = candidates.iter().position(|(_, root)| *root).unwrap_or(0);
    let (issuer, _) = candidates.remove(pick);
    let notes = candidates
        .iter()
        .map(|(c, _)| {
            format!(
                "skipped cross-certificate \"{}\" issued by \"{}\" (from {url})",
                subject(c),
                crate::cert::name_string(c.issuer_name())
            )
        })
        .collect();
    Ok((issuer, notes))
}
