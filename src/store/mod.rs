//! The store layer: one trait over every place a personal certificate can
//! live (NSS databases, PKCS#11 tokens, the macOS keychain, the Windows
//! store), typed errors, and the one bundle type that crosses store
//! boundaries.
//!
//! Only this layer and `probe` touch the system. Back ends convert to and
//! from [`Bundle`]; they never print, never prompt (a PIN arrives as a
//! [`Pin`] from the caller) and never log secrets. Every back end compiles on
//! every platform and answers [`StoreError::NotSupported`] where it cannot
//! work.

pub mod backup;
pub mod dbkey;
pub mod export;
pub mod import;
pub mod journal;
pub mod keychain;
pub mod lock;
pub mod nss;
pub mod pkcs11;
pub mod pkcs12;
pub mod select;
pub mod session;
pub mod target;
pub mod token;
pub mod windows;
pub mod write;

pub use select::{select, Selector};

use std::fmt;

use zeroize::Zeroizing;

/// A PIN or database password: the one secret type (see [`crate::secret`]).
pub type Pin = crate::secret::Secret;

/// A private key in PKCS#8 DER. Redacted in `Debug`, zeroed on drop.
pub struct PrivateKey {
    pkcs8_der: Zeroizing<Vec<u8>>,
}

impl PrivateKey {
    pub fn from_pkcs8_der(der: Vec<u8>) -> PrivateKey {
        PrivateKey { pkcs8_der: Zeroizing::new(der) }
    }
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8_der
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({} bytes, redacted)", self.pkcs8_der.len())
    }
}

/// A personal certificate and, when it travels with it, its private key.
#[derive(Debug)]
pub struct Identity {
    /// NSS nickname / PKCS#11 label / PKCS#12 friendlyName, when known.
    pub label: Option<String>,
    pub cert_der: Vec<u8>,
    pub key: Option<PrivateKey>,
}

/// What a CA certificate is trusted for in a store (NSS trust objects;
/// a PKCS#12 file carries none). Default: no trust, only a link in a chain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Trust {
    /// Trusted to issue certificates for websites (and TLS clients).
    pub tls: bool,
    /// Trusted to issue certificates for e-mail (S/MIME).
    pub email: bool,
}

impl Trust {
    /// What a root needs for the chain articles: websites and e-mail.
    pub const ROOT: Trust = Trust { tls: true, email: true };
    pub const NONE: Trust = Trust { tls: false, email: false };
}

/// A CA certificate of a chain, with the trust it has or should get.
#[derive(Debug, Clone)]
pub struct ChainCert {
    pub label: Option<String>,
    pub der: Vec<u8>,
    pub trust: Trust,
}

/// The one type that crosses store boundaries: personal certificates with
/// their keys (an ECA identity and encryption pair, old encryption keys)
/// and the CA certificates of their chains (issuer first, root last).
#[derive(Debug, Default)]
pub struct Bundle {
    pub identities: Vec<Identity>,
    pub chain: Vec<ChainCert>,
}

/// One certificate as a store lists it (read side; no secrets).
#[derive(Debug, Clone, Default)]
pub struct StoredCert {
    /// NSS nickname or PKCS#11 CKA_LABEL.
    pub label: Option<String>,
    /// CKA_ID: links a certificate to its private key.
    pub id: Vec<u8>,
    pub der: Vec<u8>,
    /// A private key with the same CKA_ID is in the store. `None`: the store
    /// hides keys until login and nobody logged in.
    pub has_private_key: Option<bool>,
    /// CKA_EXTRACTABLE of that key, when visible.
    pub key_extractable: Option<bool>,
    /// CKA_SENSITIVE of that key, when visible.
    pub key_sensitive: Option<bool>,
}

/// What a store holds, as listed without writing.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub certs: Vec<StoredCert>,
    /// Keys (and private objects) are visible only after login.
    pub login_required: bool,
    /// Login happened for this listing (a PIN was given).
    pub logged_in: bool,
}

/// The store contract: what every place a personal certificate lives
/// offers. The probe lists through it, `export` copies out through it and
/// `import` writes through it. Reads never change a store; an import is
/// all-or-nothing, backed up first and verified after writing.
///
/// Implemented by [`nss::NssStore`] (a database, opened per call; imports
/// take the guarded path of [`write`]), by [`session::StoreSession`] (one
/// open session on an NSS database or a token, for several reads under one
/// login) and by `pkcs11::TokenStore`; the keychain and Windows stores
/// answer [`StoreError::NotSupported`] off their platform.
///
/// Errors, for every method:
/// - [`StoreError::NotFound`]: the store or the selected certificate or its
///   key does not exist.
/// - [`StoreError::LoginRequired`]: the operation needs the PIN/password
///   and none was given; [`StoreError::WrongPin`] / [`StoreError::Locked`]
///   when one was given and refused (tried once, never again), or the
///   token is locked.
/// - [`StoreError::KeyNotExtractable`]: the key cannot leave the store;
///   never a bundle without its key.
/// - [`StoreError::NicknameClash`]: an import's name is another subject's;
///   nothing was written.
/// - [`StoreError::NotSupported`]: this back end cannot do it on this
///   platform or for this kind of store.
pub trait CertStore {
    /// The store id as in `Env.stores[].id`.
    fn id(&self) -> &str;

    /// List certificates with what can be told about their keys. With
    /// `pin`, log in first so private keys are visible; without, never
    /// prompt and report keys as unknown where the store hides them.
    fn list(&mut self, pin: Option<&Pin>) -> Result<Listing, StoreError>;

    /// Copy `chosen` (as [`CertStore::list`] gave them) out with their keys
    /// and, with `with_chain`, the CA certificates of their chains found in
    /// `listed`.
    fn export(
        &mut self,
        _chosen: &[&StoredCert],
        _listed: &[StoredCert],
        _with_chain: bool,
    ) -> Result<Bundle, StoreError> {
        Err(StoreError::NotSupported { what: format!("export from {}", self.id()) })
    }

    /// Add the bundle: keys, certificates and missing chain certificates.
    /// Idempotent: the same bundle twice gives one copy (the outcome says
    /// `already_there`). `name` is the user's nickname, refused when another
    /// subject uses it; `reason` goes into the backup's manifest.
    fn import(
        &mut self,
        _bundle: &Bundle,
        _name: Option<&str>,
        _pin: Option<&Pin>,
        _reason: &str,
    ) -> Result<write::ImportOutcome, StoreError> {
        Err(StoreError::NotSupported { what: format!("import into {}", self.id()) })
    }
}

/// Meaning-level store errors. Match on the meaning, not on texts; the
/// cause (PKCS#11 return value, io::ErrorKind) is kept where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    NotFound {
        what: String,
    },
    Ambiguous {
        candidates: Vec<String>,
    },
    AlreadyThere {
        what: String,
    },
    LoginRequired {
        store: String,
    },
    /// A token PIN or NSS database password was refused.
    WrongPin {
        store: String,
    },
    Locked {
        store: String,
    },
    /// A PKCS#12 file's password is wrong (its MAC does not verify): not a PIN.
    WrongPassword {
        file: String,
    },
    /// The file is not what was expected: `found` says what it is instead
    /// ("a PEM certificate without its key", "random bytes", ...).
    UnsupportedFormat {
        file: String,
        found: String,
    },
    /// A file of the right format whose content is refused: a key that does
    /// not match its certificate, an absurd iteration count, a huge file.
    Invalid {
        file: String,
        problem: String,
    },
    /// A PKCS#12 file without an integrity MAC: refused.
    NoMac {
        file: String,
    },
    KeyNotExtractable {
        what: String,
    },
    /// The app that owns the store or file is running.
    InUse {
        what: String,
    },
    ReadOnly {
        path: String,
    },
    /// Another subject's certificate already has this nickname.
    NicknameClash {
        nickname: String,
    },
    NoSpace {
        path: String,
    },
    /// An output file exists and no one said it may be replaced.
    Exists {
        path: String,
    },
    /// Reading back after a write did not show what was written.
    VerifyFailed {
        what: String,
    },
    NotSupported {
        what: String,
    },
    /// The token was pulled out (or its reader lost it) during the
    /// operation; `left`: objects this operation had made and could not
    /// remove, still on the token.
    Removed {
        token: String,
        left: usize,
    },
    /// The PKCS#11 module could not be loaded or initialised.
    Module {
        module: String,
        message: String,
    },
    /// A PKCS#11 call failed for another reason; `rv` is its return value.
    Pkcs11 {
        call: String,
        rv: Option<cryptoki::error::RvError>,
        message: String,
    },
    Io {
        path: String,
        kind: std::io::ErrorKind,
        message: String,
    },
}

impl StoreError {
    /// A token's "it is gone" return values (CKR_DEVICE_REMOVED,
    /// CKR_TOKEN_NOT_PRESENT) as [`StoreError::Removed`] naming `token`;
    /// any other error as it is.
    pub fn on_token(self, token: &str) -> StoreError {
        match self {
            e if e.token_gone() => StoreError::Removed { token: token.to_string(), left: 0 },
            StoreError::Removed { left, .. } => StoreError::Removed { token: token.to_string(), left },
            e => e,
        }
    }

    /// A PKCS#11 call answered that the token is no longer there.
    pub fn token_gone(&self) -> bool {
        use cryptoki::error::RvError;
        matches!(self, StoreError::Pkcs11 { rv: Some(RvError::DeviceRemoved | RvError::TokenNotPresent), .. })
    }

    /// An I/O error on `path`, by meaning: no space, read-only, not found.
    pub fn io(path: &std::path::Path, e: &std::io::Error) -> StoreError {
        let path_s = path.display().to_string();
        match e.kind() {
            std::io::ErrorKind::StorageFull => StoreError::NoSpace { path: path_s },
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
                StoreError::ReadOnly { path: path_s }
            }
            std::io::ErrorKind::NotFound => StoreError::Io {
                path: path_s,
                kind: std::io::ErrorKind::NotFound,
                message: "no such file or directory".into(),
            },
            kind => StoreError::Io { path: path_s, kind, message: e.to_string() },
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound { what } => write!(f, "not found: {what}"),
            StoreError::Ambiguous { candidates } => {
                write!(f, "several certificates match: {}", candidates.join("; "))
            }
            StoreError::AlreadyThere { what } => write!(f, "already there: {what}"),
            StoreError::LoginRequired { store } => {
                write!(f, "{store} needs its password or PIN")
            }
            StoreError::WrongPin { store } => write!(f, "wrong password or PIN for {store}"),
            StoreError::Locked { store } => write!(f, "{store} is locked"),
            StoreError::WrongPassword { file } => {
                write!(f, "wrong password for {file} (its integrity check fails)")
            }
            StoreError::UnsupportedFormat { file, found } => {
                write!(f, "{file} is not a file certhelp can use here: {found}")
            }
            StoreError::Invalid { file, problem } => write!(f, "{file}: {problem}"),
            StoreError::NoMac { file } => {
                write!(f, "{file} has no integrity check (MAC), so a wrong password or a damaged file cannot be told")
            }
            StoreError::KeyNotExtractable { what } => {
                write!(f, "the private key of {what} cannot leave its store")
            }
            StoreError::InUse { what } => write!(f, "{what} is in use by a running app"),
            StoreError::ReadOnly { path } => write!(f, "{path} cannot be written (read-only or no permission)"),
            StoreError::NicknameClash { nickname } => {
                write!(f, "the nickname \"{nickname}\" is already used by another certificate")
            }
            StoreError::NoSpace { path } => write!(f, "no space left on the device for {path}"),
            StoreError::Exists { path } => write!(f, "{path} already exists"),
            StoreError::VerifyFailed { what } => write!(f, "check after writing failed: {what}"),
            StoreError::NotSupported { what } => write!(f, "not supported here: {what}"),
            StoreError::Removed { token, left: 0 } => write!(f, "{token} was removed during the operation"),
            StoreError::Removed { token, left } => write!(
                f,
                "{token} was removed during the operation; {left} object(s) this import had made are still on it"
            ),
            StoreError::Module { module, message } => {
                write!(f, "cannot load PKCS#11 module {module}: {message}")
            }
            StoreError::Pkcs11 { call, message, .. } => write!(f, "{call} failed: {message}"),
            StoreError::Io { path, message, .. } => write!(f, "{path}: {message}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<StoreError> for crate::error::Error {
    fn from(e: StoreError) -> Self {
        let hint = match &e {
            StoreError::NotFound { .. } => "run `certhelp probe` to see the stores and certificates found",
            StoreError::Ambiguous { .. } => "name one certificate (nickname, e-mail or sha256:PREFIX), or use --all",
            StoreError::AlreadyThere { .. } => "nothing to do: the store already has it",
            StoreError::LoginRequired { .. } => "give the PIN or password with --pin-file or --pin-env",
            StoreError::WrongPin { .. } => "check the PIN or password; tokens lock after a few wrong tries",
            StoreError::Locked { .. } => "unlock it with the PUK or SO PIN (pkcs11-tool --unlock-pin, or the vendor's tool); see TS2016 and SO28695",
            StoreError::WrongPassword { .. } => {
                "give the password the file was exported with (--password-file or --password-env); it is not the PIN"
            }
            StoreError::UnsupportedFormat { .. } => {
                "check that this is the file you meant: a .p12/.pfx exported with its key, or a PEM certificate with its key (`certhelp convert CERT.pem --key KEY.pem --out FILE.p12` packs them; see CH1005)"
            }
            StoreError::Invalid { .. } => {
                "check that this is the right file, or export it again from the app that holds the certificate"
            }
            StoreError::NoMac { .. } => "export the file again with a password (see TS2003)",
            StoreError::KeyNotExtractable { .. } => "use the token itself on the other computer (see SO28695)",
            StoreError::InUse { .. } => "close the app (all its windows) and run the command again",
            StoreError::ReadOnly { .. } => "check the file's owner and permissions (`certhelp doctor`)",
            StoreError::NicknameClash { .. } => "choose another name with --cert-name",
            StoreError::NoSpace { .. } => "free some disk space and run the command again; nothing was changed",
            StoreError::Exists { .. } => "choose another --out, or add --force to replace it",
            StoreError::VerifyFailed { .. } => "nothing was kept; run `certhelp doctor` and report this",
            StoreError::NotSupported { .. } => "run certhelp on the computer that has this store",
            StoreError::Removed { left: 0, .. } => "plug it back in and run the same command again",
            StoreError::Removed { .. } => {
                "plug it back in and run the same import again: it finds those objects and completes the import, making nothing twice"
            }
            StoreError::Module { .. } => "check the module path and that the token software is installed (see TS2016)",
            StoreError::Io { kind: std::io::ErrorKind::NotFound, .. } => "check the file name and the folder it is in",
            StoreError::Pkcs11 { .. } | StoreError::Io { .. } => "run `certhelp doctor` for the store's state",
        };
        crate::error::Error::new(e.to_string(), hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show() {
        let p = Pin::new("123456");
        assert_eq!(format!("{p:?}"), "Secret(***)");
        let k = PrivateKey::from_pkcs8_der(vec![1, 2, 3]);
        assert!(!format!("{k:?}").contains('1'));
    }
}
