//! NSS databases (Firefox, Thunderbird, SeaMonkey profiles; Chrome/Chromium's
//! `~/.pki/nssdb`) opened through NSS's own soft token, `libsoftokn3.so`, as a
//! PKCS#11 module: no `certutil` at run time.
//!
//! The database directory travels in C_Initialize's reserved field as NSS's
//! parameter string (NOTES-pkcs11). Softoken is one instance per process, so
//! databases are opened one at a time under a lock. The probe opens them
//! `readOnly` (which also stops NSS from creating a database where none is).
//! This module must not prompt or print.

use super::pkcs11::Module;
use super::session::{Access, Flavor, StoreSession};
use super::{CertStore, Listing, Pin, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where distributions put NSS's soft token. `CERTHELP_SOFTOKN` overrides.
/// Never a browser's bundled copy: Firefox ESR's needs Mozilla's own
/// libnssutil3 and libmozsqlite3 and clashes with the system libnssutil3
/// in one process (NOTES-pkcs11); databases that a newer Firefox made open
/// with the distribution's softoken (the real-browser test proves it).
pub const SOFTOKN_PATHS: &[&str] = &[
    "/usr/lib/x86_64-linux-gnu/libsoftokn3.so",
    "/usr/lib/aarch64-linux-gnu/libsoftokn3.so",
    "/usr/lib/i386-linux-gnu/libsoftokn3.so",
    "/usr/lib64/libsoftokn3.so",
    "/usr/lib/libsoftokn3.so",
    "/usr/lib/nss/libsoftokn3.so",
    "/usr/lib64/nss/libsoftokn3.so",
    "/opt/homebrew/lib/libsoftokn3.dylib",
    "/usr/local/lib/libsoftokn3.dylib",
];

/// The token in softoken's second slot that holds the database.
const DB_TOKEN_LABEL: &str = "NSS Certificate DB";

/// Softoken keeps one global state per process.
pub(crate) static SOFTOKN: Mutex<()> = Mutex::new(());

/// The soft token library to use, if any.
pub fn softokn_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CERTHELP_SOFTOKN") {
        return Some(PathBuf::from(p));
    }
    SOFTOKN_PATHS.iter().map(PathBuf::from).find(|p| p.exists())
}

/// A handle that keeps softoken mapped while several databases are opened
/// one after another (dropping it unloads the library as usual).
pub fn keep_softokn_loaded() -> Option<libloading::Library> {
    let path = softokn_path()?;
    // SAFETY: loading softoken runs only its library constructors, the same
    // ones the PKCS#11 module loader runs for every database.
    unsafe { libloading::Library::new(path).ok() }
}

/// Database format of an NSS directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFormat {
    /// cert9.db / key4.db
    Sql,
    /// cert8.db / key3.db (legacy Berkeley DB)
    Dbm,
}

/// Which format a directory holds; `None` when it holds no database.
pub fn db_format(dir: &Path) -> Option<DbFormat> {
    if dir.join("cert9.db").exists() {
        Some(DbFormat::Sql)
    } else if dir.join("cert8.db").exists() {
        Some(DbFormat::Dbm)
    } else {
        None
    }
}

/// Escape a value for NSS's parameter syntax inside single quotes.
pub fn escape_param(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// The string softoken's C_Initialize takes.
pub fn init_params(dir: &Path, format: DbFormat, read_only: bool) -> String {
    let prefix = match format {
        DbFormat::Sql => "sql",
        DbFormat::Dbm => "dbm",
    };
    format!(
        "configdir='{prefix}:{}' certPrefix='' keyPrefix='' secmod='secmod.db' flags={}",
        escape_param(&dir.to_string_lossy()),
        if read_only { "readOnly" } else { "" }
    )
    .trim_end()
    .to_string()
}

/// One NSS database directory.
pub struct NssStore {
    pub id: String,
    pub dir: PathBuf,
}

impl NssStore {
    pub fn new(id: impl Into<String>, dir: impl Into<PathBuf>) -> NssStore {
        NssStore { id: id.into(), dir: dir.into() }
    }

    /// Open the database through softoken. Fails with NotFound when the
    /// directory has no database: softoken would otherwise create one
    /// (read-write) where the user never had one.
    pub fn open(&self, access: Access) -> Result<StoreSession, StoreError> {
        let format = db_format(&self.dir)
            .ok_or_else(|| StoreError::NotFound { what: format!("NSS database in {}", self.dir.display()) })?;
        let lib = softokn_path().ok_or_else(|| StoreError::NotSupported {
            what: "NSS soft token (libsoftokn3) is not installed; install libnss3".into(),
        })?;
        let lib = lib.to_string_lossy().to_string();
        let params = init_params(&self.dir, format, access == Access::ReadOnly);
        let guard = SOFTOKN.lock().unwrap_or_else(|p| p.into_inner());
        let module = Module::load_with_params(&lib, &params).map_err(|e| match e {
            StoreError::ReadOnly { .. } => StoreError::ReadOnly { path: self.dir.display().to_string() },
            e => e,
        })?;
        let tokens = module.tokens()?;
        let slot = tokens
            .iter()
            .find(|(_, t)| t.label().trim() == DB_TOKEN_LABEL)
            .or_else(|| tokens.iter().find(|(s, _)| s.id() == 2))
            .map(|(s, _)| *s)
            .ok_or_else(|| StoreError::Pkcs11 {
                call: "C_GetSlotList".into(),
                rv: None,
                message: "softoken shows no certificate database slot".into(),
            })?;
        crate::verbose!("opened NSS database {} ({format:?}, {access:?}) as store {}", self.dir.display(), self.id);
        StoreSession::open(module, slot, Flavor::Softoken, access, &self.id, Some(guard))
    }

    /// Open read-only and list, logging in only with `pin`.
    pub fn list_read_only(&self, pin: Option<&Pin>) -> Result<Listing, StoreError> {
        let mut s = self.open(Access::ReadOnly)?;
        if pin.is_some() {
            s.login(pin)?;
        }
        s.list()
    }
}

impl CertStore for NssStore {
    fn id(&self) -> &str {
        &self.id
    }
    fn list(&mut self, pin: Option<&Pin>) -> Result<Listing, StoreError> {
        self.list_read_only(pin)
    }
    fn import(
        &mut self,
        bundle: &super::Bundle,
        name: Option<&str>,
        pin: Option<&Pin>,
        reason: &str,
    ) -> Result<super::write::ImportOutcome, StoreError> {
        super::write::import_into_nss(&self.id, &self.dir, bundle, name, pin, reason)
    }
}

/// What `install_ca_certs` did, by certificate (nickname or subject).
#[derive(Debug, Default)]
pub struct ChainInstallReport {
    pub added: Vec<String>,
    /// Already there; only their trust was set (raised: trust is never
    /// lowered, since no trust requests nothing).
    pub trust_set: Vec<String>,
    pub already_present: Vec<String>,
    /// The backup taken before the first change, when something changed.
    pub backup: Option<PathBuf>,
}

/// Add CA certificates with their trust to the NSS database in `dir`,
/// leaving those already present alone, through the guarded write path
/// (lock, backup, journal, verify; `store::write`).
pub fn install_ca_certs(
    dir: &Path,
    store_id: &str,
    certs: &[super::ChainCert],
    pin: Option<&Pin>,
) -> Result<ChainInstallReport, StoreError> {
    let bundle = super::Bundle { identities: Vec::new(), chain: certs.to_vec() };
    let out = NssStore::new(store_id, dir).import(&bundle, None, pin, "before chain install")?;
    let mut report = ChainInstallReport { backup: out.backup, ..Default::default() };
    for c in &out.plan.cas {
        if c.present && (c.trust.is_none() || c.trust_present) {
            report.already_present.push(c.nickname.clone());
        } else if c.present {
            report.trust_set.push(c.nickname.clone());
        } else {
            report.added.push(c.nickname.clone());
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_escape_quotes_and_backslashes() {
        let p = init_params(Path::new("/home/o'neil/a\\b"), DbFormat::Sql, true);
        assert_eq!(
            p,
            "configdir='sql:/home/o\\'neil/a\\\\b' certPrefix='' keyPrefix='' secmod='secmod.db' flags=readOnly"
        );
        let p = init_params(Path::new("/x"), DbFormat::Dbm, false);
        assert!(p.starts_with("configdir='dbm:/x'"));
        assert!(p.ends_with("flags="));
    }
}
