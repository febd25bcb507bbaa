//! The macOS keychain as a store.
//!
//! Compiled everywhere; outside macOS every operation answers
//! [`StoreError::NotSupported`]. The platform calls (Security framework,
//! never the `security` command with a password in its arguments) come with
//! the write side; what can be decided without the platform stays in plain
//! functions here.

use super::{CertStore, Listing, Pin, StoreError};

/// Store id of the user's login keychain.
pub const STORE_ID: &str = "keychain";

/// Known keychain files relative to `$HOME` (for the probe's store list).
pub const KEYCHAIN_FILES: &[&str] = &["Library/Keychains/login.keychain-db", "Library/Keychains/login.keychain"];

pub struct KeychainStore;

impl CertStore for KeychainStore {
    fn id(&self) -> &str {
        STORE_ID
    }
    fn list(&mut self, _pin: Option<&Pin>) -> Result<Listing, StoreError> {
        Err(StoreError::NotSupported {
            what: if cfg!(target_os = "macos") {
                "listing the keychain (not implemented yet)".into()
            } else {
                "the macOS keychain exists only on macOS".into()
            },
        })
    }
}
