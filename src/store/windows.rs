//! The Windows user certificate store (CurrentUser\My) as a store.
//!
//! Compiled everywhere; outside Windows every operation answers
//! [`StoreError::NotSupported`]. The platform calls (CryptoAPI through
//! windows-sys: CertOpenStore, PFXImportCertStore, PFXExportCertStoreEx)
//! come with the write side.

use super::{CertStore, Listing, Pin, StoreError};

/// Store id of the user's Windows certificate store.
pub const STORE_ID: &str = "windows";

pub struct WindowsStore;

impl CertStore for WindowsStore {
    fn id(&self) -> &str {
        STORE_ID
    }
    fn list(&mut self, _pin: Option<&Pin>) -> Result<Listing, StoreError> {
        Err(StoreError::NotSupported {
            what: if cfg!(windows) {
                "listing the Windows store (not implemented yet)".into()
            } else {
                "the Windows certificate store exists only on Windows".into()
            },
        })
    }
}
