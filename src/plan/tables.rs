//! SPEC §3 as data, beyond the per-app rows of the registry (`crate::apps`):
//! the chain and token articles, and the list of every article the tables
//! name. A new app or article is a new row, not a new branch in the planner.
//!
//! Pure data and lookups; no decisions about a question.

use crate::apps::APPS;

/// Chain articles (SPEC §3).
pub(super) const CHAIN_ECA: &str = "SO10186";
pub(super) const CHAIN_DIGITAL_ID: &str = "SO6395";
/// Adobe Acrobat and Reader trust roots from their own list, not the
/// system's: the chain step of a question about PDF signatures.
pub(super) const CHAIN_ACROBAT: &str = "CH1016";
/// Java keystores (keytool): what goes in and comes out of one.
pub(super) const JAVA_KEYSTORE: &str = "CH1017";
/// A server, site or VPN that rejects the person's client certificate.
pub(super) const SERVER_REJECTS: &str = "TS2020";
/// Recipients who see a warning on the person's signed mail.
pub(super) const SIGNATURE_WARNING: &str = "TS2028";
/// Tokens in Firefox, Thunderbird and Chrome on Linux (registering the
/// PKCS#11 module): beside SO28695, which SPEC gives for Mac and PC.
pub(super) const TOKEN_LINUX: &str = "CH1012";
/// Token or smart card on another computer.
pub(super) const TOKEN: &str = "SO28695";
/// The overview every table comes from.
pub const OVERVIEW: &str = "SO6063";

/// Every article the tables name: `kb lint` requires them.
pub fn required_articles() -> Vec<&'static str> {
    let mut v: Vec<&'static str> =
        APPS.iter().flat_map(|r| r.export.iter().chain(&r.import).chain(&r.associate)).flatten().copied().collect();
    v.extend([
        CHAIN_ECA,
        CHAIN_DIGITAL_ID,
        CHAIN_ACROBAT,
        JAVA_KEYSTORE,
        SERVER_REJECTS,
        SIGNATURE_WARNING,
        TOKEN,
        OVERVIEW,
    ]);
    v.sort();
    v.dedup();
    v
}
