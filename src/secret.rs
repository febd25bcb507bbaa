//! Passwords and PINs: one [`Secret`] type and one reader (file, environment
//! variable, no-echo prompt), so no verb handles a secret its own way.
//!
//! A secret never goes on a command line, into a log or into an error
//! message: `Debug` shows `***`, and the bytes are wiped when it is dropped.
//! This module reads secrets; it must not store or print them.

use std::fmt;

use zeroize::Zeroizing;

/// A password or PIN. Redacted in `Debug`, zeroed on drop.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(s.into()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}
