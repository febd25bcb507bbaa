//! The machine as the probe saw it: the one type that crosses from `probe`
//! (or a customer's `probe --json` file) into `plan` and `doctor`.
//!
//! This module only defines data and small pure helpers over it. It must not
//! touch the system: collecting is `probe`'s job, judging is `doctor`'s.
//! The serde form of [`Env`] is the documented `probe --json` schema
//! (README, "Probe JSON schema"); add fields, never rename them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the `probe --json` schema. Bump on incompatible changes only.
pub const SCHEMA_VERSION: u32 = 1;

/// Why a file is not a probe file this certhelp can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeFileError {
    /// Not JSON, or JSON without the probe's shape (e.g. a package.json).
    NotProbe(String),
    /// A probe file of a schema version this certhelp does not know.
    Version(u64),
    /// A probe file that does not say which OS it describes.
    NoOs,
}

impl Env {
    /// Reads a `probe --json` file's text. The schema version and the OS are
    /// required: defaults would silently describe the wrong machine (the
    /// agent's own OS) or make `doctor` report an all-clear on any JSON.
    pub fn from_probe_json(text: &str) -> Result<Env, ProbeFileError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ProbeFileError::NotProbe(e.to_string()))?;
        let obj = value.as_object().ok_or_else(|| ProbeFileError::NotProbe("not a JSON object".into()))?;
        match obj.get("schema") {
            None => return Err(ProbeFileError::NotProbe("no `schema` field".into())),
            Some(v) => match v.as_u64() {
                Some(n) if n == u64::from(SCHEMA_VERSION) => {}
                Some(n) => return Err(ProbeFileError::Version(n)),
                None => return Err(ProbeFileError::NotProbe("`schema` is not a version number".into())),
            },
        }
        match obj.get("os").and_then(|o| o.get("id")) {
            Some(serde_json::Value::String(_)) => {}
            _ => return Err(ProbeFileError::NoOs),
        }
        serde_json::from_value(value).map_err(|e| ProbeFileError::NotProbe(e.to_string()))
    }
}

/// An operating system the knowledge base distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Windows,
    Macos,
    Linux,
}

impl Os {
    /// The OS this binary was compiled for (Linux for anything unknown).
    pub fn current() -> Os {
        if cfg!(target_os = "windows") {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::Macos
        } else {
            Os::Linux
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Os::Windows => "windows",
            Os::Macos => "macos",
            Os::Linux => "linux",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Os::Windows => "Windows",
            Os::Macos => "macOS",
            Os::Linux => "Linux",
        }
    }
}

/// Everything the probe found. Unknown or unreadable facts are `None`/empty,
/// never guessed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Env {
    pub schema: u32,
    pub os: OsInfo,
    /// Browsers and mail clients found, each with the stores it uses.
    pub apps: Vec<App>,
    /// Certificate stores (NSS databases, tokens, keychain, Windows store).
    pub stores: Vec<Store>,
    /// PKCS#11 modules configured anywhere on the machine.
    pub modules: Vec<Module>,
    /// Tokens present behind those modules.
    pub tokens: Vec<Token>,
    /// End-entity certificates found in the stores (personal ones and others).
    pub certificates: Vec<Certificate>,
    /// Mail client identities (Thunderbird's mail.identity.*).
    pub mail_identities: Vec<MailIdentity>,
    /// Whether the smart-card daemon runs (Linux); `None` when not checked.
    pub pcscd_running: Option<bool>,
    /// Things the probe could not look at, in words (for `probe` output).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct OsInfo {
    pub id: Os,
    pub name: Option<String>,
    pub version: Option<String>,
    pub arch: Option<String>,
    pub kernel: Option<String>,
}

impl Default for OsInfo {
    fn default() -> Self {
        OsInfo { id: Os::current(), name: None, version: None, arch: None, kernel: None }
    }
}

/// An installed application (browser or mail client).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct App {
    /// Planner app id: `firefox`, `thunderbird`, `chrome`, `chromium`,
    /// `edge`, `netscape` (SeaMonkey), `evolution`, `safari`, `outlook`, ...
    pub id: String,
    /// Human name, e.g. "Firefox ESR (snap)".
    pub name: String,
    /// `release`, `esr`, `snap`, `flatpak`, ... when it matters.
    pub variant: Option<String>,
    pub version: Option<String>,
    /// Store ids (see [`Store::id`]) this app reads certificates from.
    pub stores: Vec<String>,
}

/// What kind of database a store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// NSS sql: database (cert9.db/key4.db).
    #[default]
    Nss,
    /// Legacy NSS dbm: database (cert8.db/key3.db), SeaMonkey/old profiles.
    NssDbm,
    /// A PKCS#11 token (USB token, smart card, SoftHSM).
    Pkcs11,
    Keychain,
    Windows,
    File,
}

/// One certificate store.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Store {
    /// Stable id: `nss:<dir>`, `pkcs11:token=<label>`, `keychain`, `windows`.
    pub id: String,
    pub kind: StoreKind,
    /// App id owning the store (`firefox`, `thunderbird`, `chrome`, ...);
    /// for the shared Chrome/Chromium DB the first app that uses it.
    pub app: Option<String>,
    /// Profile name from profiles.ini (Mozilla) or a short label.
    pub profile: Option<String>,
    pub path: Option<String>,
    /// The app's default profile.
    pub default: bool,
    /// The app holds the profile open (lock file present).
    pub in_use: Option<bool>,
    /// The store could be opened and listed.
    pub readable: bool,
    /// Why it could not, when it could not.
    pub error: Option<String>,
    /// Keys need a password/PIN to be listed.
    pub login_required: bool,
    /// PKCS#11 module paths registered in this store (NSS pkcs11.txt).
    pub modules: Vec<String>,
    /// Problems with the store the app would hit (root-owned pkcs11.txt,
    /// security.nocertdb, ...), as doctor-readable codes.
    pub issues: Vec<StoreIssue>,
}

/// A fact about a store that stops its app from using it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum StoreIssue {
    /// A file the app must write is owned by another user (e.g. root).
    NotWritable { file: String, owner_uid: Option<u32> },
    /// Firefox pref security.nocertdb=true: the app keeps no certificate DB.
    NoCertDb,
    /// A module registered more than once (same library path).
    DuplicateModule { module: String, count: u32 },
}

/// A PKCS#11 module found in configuration or at a well-known path.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Module {
    pub path: String,
    pub name: Option<String>,
    /// Where it was found: `p11-kit`, `pkcs11.txt`, `well-known`, `env`.
    pub source: String,
    /// The library file exists.
    pub present: bool,
    /// Loaded and initialised (only when the probe was asked to, or needed to).
    pub loaded: Option<bool>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Token {
    /// Store id of this token (`pkcs11:token=<label>`).
    pub store: String,
    pub module: String,
    pub slot: u64,
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    pub login_required: bool,
    pub user_pin_count_low: bool,
    pub user_pin_final_try: bool,
    pub user_pin_locked: bool,
    pub user_pin_initialized: bool,
}

/// What a certificate is for, from Key Usage / Extended Key Usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CertUse {
    /// digitalSignature: sign-in, authentication, signing.
    Identity,
    /// keyEncipherment without digitalSignature: S/MIME encryption.
    Encryption,
    /// Both in one certificate.
    Both,
    #[default]
    Other,
}

/// Which product issued a certificate (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProductKind {
    Eca,
    DigitalId,
    #[default]
    Other,
}

/// One end-entity certificate found in a store.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Certificate {
    /// Store id where it was found.
    pub store: String,
    /// NSS nickname or PKCS#11 label.
    pub nickname: Option<String>,
    pub subject: String,
    pub common_name: Option<String>,
    pub emails: Vec<String>,
    pub issuer: String,
    pub serial: String,
    /// RFC 3339 UTC.
    pub not_before: String,
    pub not_after: String,
    pub expired: bool,
    /// Whole days until not_after (negative once expired), at probe time.
    pub days_left: i64,
    pub usage: CertUse,
    pub key_usage: Vec<String>,
    pub ext_key_usage: Vec<String>,
    pub product: ProductKind,
    /// The private key is in the same store. `None`: cannot tell without
    /// logging in.
    pub has_private_key: Option<bool>,
    /// The key may leave the store (false on most tokens).
    pub key_extractable: Option<bool>,
    /// Personal: the user's own certificate (has its key, or a mail identity
    /// names it). Other people's certificates are listed with `false`.
    pub personal: bool,
    /// Every issuer up to a self-signed root is in the store.
    pub chain_complete: bool,
    /// Subject of the first issuer missing from the store.
    pub missing_issuer: Option<String>,
    /// Subject of the first expired CA certificate in the chain the store
    /// builds (an expired intermediate or cross-signed root, TS2017).
    pub expired_issuer: Option<String>,
    /// Hex SHA-256 of the DER, lower case.
    pub sha256: String,
    /// The e-mail addresses in the subjectAltName (rfc822Name) only: mail
    /// clients look there, not in the subject (pitfall 13).
    pub san_emails: Vec<String>,
}

/// A mail client identity (Thunderbird `mail.identity.idN`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct MailIdentity {
    pub app: String,
    /// Store id of the client profile.
    pub store: String,
    pub key: String,
    pub email: Option<String>,
    /// Nickname or dbKey of the signing certificate configured, if any.
    pub signing_cert: Option<String>,
    pub encryption_cert: Option<String>,
}

impl Env {
    /// A store by id.
    pub fn store(&self, id: &str) -> Option<&Store> {
        self.stores.iter().find(|s| s.id == id)
    }

    /// The user's own certificates (those a move or backup is about).
    pub fn personal_certificates(&self) -> impl Iterator<Item = &Certificate> {
        self.certificates.iter().filter(|c| c.personal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_file_needs_its_schema_version_and_os() {
        let err = |t: &str| Env::from_probe_json(t).unwrap_err();
        assert!(matches!(err(r#"{"name":"x","version":"1.0.0"}"#), ProbeFileError::NotProbe(_)));
        assert!(matches!(err("{}"), ProbeFileError::NotProbe(_)));
        assert!(matches!(err("[]"), ProbeFileError::NotProbe(_)));
        assert!(matches!(err("{not json"), ProbeFileError::NotProbe(_)));
        assert_eq!(err(r#"{"schema":2,"os":{"id":"linux"}}"#), ProbeFileError::Version(2));
        assert_eq!(err(r#"{"schema":1}"#), ProbeFileError::NoOs);
        assert_eq!(err(r#"{"schema":1,"os":{}}"#), ProbeFileError::NoOs);
        assert!(matches!(err(r#"{"schema":1,"os":{"id":"plan9"}}"#), ProbeFileError::NotProbe(_)));
        let env = Env::from_probe_json(r#"{"schema":1,"os":{"id":"macos"}}"#).unwrap();
        assert_eq!(env.os.id, Os::Macos);
    }
}
