//! Where the CA certificates for `certhelp chain install` come from, and
//! which of them a store should trust (SPEC §5, "Chain sources").
//!
//! - [`source`]: certificates out of bytes (PEM bundles, a DER certificate,
//!   PKCS#7 `.p7b`/`.p7c`), only the CA ones kept, ordered issuer first.
//! - [`aia`]: follow a certificate's AIA caIssuers links up to its root,
//!   through any [`aia::Fetch`]er (tests feed bytes; the real one is [`http`]).
//! - [`http`]: a deliberately small HTTP/1.1 GET (http:// only, bounded).
//! - [`trust`]: the root trust policy and the roots the chain articles pin.
//!
//! This module decides nothing about stores and writes nothing: it hands a
//! list of [`crate::store::ChainCert`] to the store layer. It never prints;
//! the `chain` action turns what it finds into a report.

pub mod aia;
pub mod http;
pub mod source;
pub mod trust;

pub use source::{certs_from_bytes, classify, FileContent};
pub use trust::{root_trust, Origin, Pin, RootReason};
