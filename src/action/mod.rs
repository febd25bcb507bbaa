//! The store-changing verbs of SPEC §5, one file per verb. Each is a
//! function from the parsed command line to a [`Report`]: parse STORE and
//! SEL, read secrets, back up, call the store, verify, say what happened.
//! `main.rs` prints the report; verbs never print themselves.
//!
//! There is exactly one way to export or import: `run` (later) calls these
//! same functions.

pub mod associate;
pub mod chain;
pub mod convert;
pub mod elsewhere;
pub mod export;
pub mod import;
pub mod restore;
pub mod run;
pub mod token;

/// What a verb tells the user, and its exit status.
#[derive(Debug, Default)]
pub struct Report {
    /// Lines for stdout: what was done, where files and backups are.
    pub lines: Vec<String>,
    /// Lines for stderr: warnings (an expired certificate, a skipped item).
    pub warnings: Vec<String>,
    /// 0 done (also "already there"); 2 is returned as an `Err`.
    pub code: u8,
}

impl Report {
    pub fn say(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }
    pub fn warn(&mut self, line: impl Into<String>) {
        self.warnings.push(line.into());
    }
}

/// How a verb may interact with the person running it.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// stdin and stderr are a terminal: prompts and questions are allowed.
    pub interactive: bool,
}

/// The user's home directory, which STORE names are resolved in.
pub(crate) fn home() -> crate::error::Result<std::path::PathBuf> {
    crate::dirs::home().ok_or_else(|| {
        crate::error::Error::new(
            "HOME is not set to an absolute path",
            "run certhelp as the user whose certificates these are",
        )
    })
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The token PIN or NSS database password, from `--pin-file`,
/// `--pin-env` or a prompt.
pub(crate) fn read_pin(
    secrets: &crate::cli::SecretArgs,
    purpose: &str,
    ui: Ui,
) -> crate::error::Result<crate::secret::Secret> {
    crate::secret::read_secret(
        secrets.pin_file.as_deref(),
        secrets.pin_env.as_deref(),
        purpose,
        crate::secret::SecretMode::Existing,
        ui.interactive,
        crate::secret::SecretFlags::PIN,
    )
}

/// The NSS database's password, when it has one: asked (or read from
/// `--pin-file`/`--pin-env`) only then, since most profiles have none and
/// a question about a password nobody set only puzzles.
pub(crate) fn nss_pin_if_needed(
    id: &str,
    dir: &std::path::Path,
    secrets: &crate::cli::SecretArgs,
    ui: Ui,
) -> crate::error::Result<Option<crate::secret::Secret>> {
    let s = crate::store::nss::NssStore::new(id, dir).open(crate::store::session::Access::ReadOnly)?;
    if !s.login_required() {
        return Ok(None);
    }
    drop(s);
    read_pin(secrets, &format!("the password of the certificate database {id}"), ui).map(Some)
}
