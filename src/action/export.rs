//! `certhelp export --from STORE [--cert SEL]... [--all] --out PATH`:
//! personal certificates with their keys (and chains) out of an NSS
//! database or a token, into PKCS#12 files that are verified after writing.
//!
//! Everything that can be refused is refused before any file is written:
//! the store and selection, the output path (never replaced without
//! `--force` or a yes on the terminal), the new file's password. The store
//! is only read. Keys cross in memory and are written only encrypted.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use super::{Report, Ui};
use crate::cli::{CompatArg, ExportArgs};
use crate::error::{Error, Result};
use crate::secret::{read_secret, Secret, SecretFlags, SecretMode};
use crate::store::nss::NssStore;
use crate::store::pkcs12::{self, Compat, WriteOptions};
use crate::store::select::{self, Candidate};
use crate::store::session::{Access, StoreSession};
use crate::store::target::{self, ResolvedStore};
use crate::store::{token, Bundle, CertStore, StoreError};

pub fn run(args: &ExportArgs, ui: Ui) -> Result<Report> {
    let mut phases = crate::timing::Phases::new("CERTHELP_TIMINGS", "export");
    let home = super::home()?;
    let resolved = target::resolve(&target::parse_store(&args.from)?, &home)?;
    let sels = args.cert.iter().map(|s| select::parse_selector(s)).collect::<Result<Vec<_>>>()?;
    let outputs = Outputs::check(&args.out, args.all, args.force, ui)?;
    let opts = WriteOptions { compat: compat(args.compat), iterations: iterations_override() };

    let mut report = Report::default();
    let source = Source { resolved: &resolved, sels: &sels, all: args.all, with_chain: !args.no_chain };
    let bundles = take_from_store(&source, &args.secrets, ui, &mut report)?;
    let now = super::now();
    phases.lap("store: open, list, unwrap the keys");

    let password = read_secret(
        args.secrets.password_file.as_deref(),
        args.secrets.password_env.as_deref(),
        &format!("the password for the new file {}", args.out.display()),
        SecretMode::New,
        ui.interactive,
        SecretFlags::PASSWORD,
    )?;
    phases.lap("password");
    // Every final name is known, and refused when taken, before a byte is
    // written.
    let paths: Vec<PathBuf> = bundles.iter().map(|(c, _)| outputs.path_for(c)).collect();
    if !outputs.replace {
        if let Some(p) = paths.iter().find(|p| p.exists()) {
            return Err(StoreError::Exists { path: p.display().to_string() }.into());
        }
    }
    // What an export killed earlier left beside these names goes first.
    for p in paths.iter().chain(outputs.all.then_some(&outputs.out)) {
        let (dir, name) = (p.parent().unwrap_or(Path::new(".")), p.file_name().unwrap_or_default().to_string_lossy());
        crate::fsutil::remove_stale_temps(dir, &format!(".{name}.certhelp-new-"));
        crate::fsutil::remove_stale_temps(dir, &format!("..{name}.certhelp-new-"));
    }
    // A folder this export makes is filled under a hidden name and renamed
    // into place whole: a kill never leaves a half-filled folder, which
    // the same command would then refuse to complete.
    let hidden = outputs.make_hidden_dir()?;
    let targets: Vec<PathBuf> = match &hidden {
        Some(h) => paths.iter().map(|p| h.join(p.file_name().unwrap_or_default())).collect(),
        None => paths.clone(),
    };
    // Each file is written and checked under a temporary name first; only
    // when all passed are they renamed into place. A failure half-way
    // leaves no new file and every old one as it was.
    let mut staged: Vec<PathBuf> = Vec::new();
    let mut failure = None;
    for ((_, b), path) in bundles.iter().zip(&targets) {
        let temp = staging_name(path);
        match write_one(&temp, b, &password, &opts, false, &mut phases) {
            Ok(()) => {
                staged.push(temp);
                crate::fault::point("export:after-staged");
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let publish = || -> Result<()> {
        for (temp, path) in staged.iter().zip(&targets) {
            std::fs::rename(temp, path).map_err(|e| Error::from(StoreError::io(path, &e)))?;
            crate::fault::point("export:after-rename");
        }
        if let Some(dir) = targets.first().and_then(|p| p.parent()) {
            crate::fsutil::sync_dir(dir);
        }
        if let Some(h) = &hidden {
            std::fs::rename(h, &outputs.out).map_err(|e| Error::from(StoreError::io(&outputs.out, &e)))?;
            crate::fsutil::sync_dir(
                outputs.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")),
            );
        }
        Ok(())
    };
    if let Some(e) = failure.map(Err).unwrap_or_else(publish).err() {
        for t in &staged {
            let _ = std::fs::remove_file(t);
        }
        if let Some(h) = &hidden {
            let _ = std::fs::remove_dir_all(h);
        }
        return Err(e);
    }
    let written = paths;
    for ((c, _), path) in bundles.iter().zip(&written) {
        report.say(format!("Exported {} to {}", c.describe(now), path.display()));
    }
    report.say(describe_format(&opts, args.no_chain, &bundles));
    report.say(format!(
        "Each file was read back and checked (password, integrity, key matches certificate). Keep the password apart from the file{}.",
        if written.len() > 1 { "s" } else { "" }
    ));
    if let (ResolvedStore::Nss { .. }, Some(first)) = (&resolved, written.first()) {
        // `import` takes one file, also after --all: name a file, not the directory.
        let lead = if written.len() > 1 {
            "them elsewhere with certhelp, one file at a time"
        } else {
            "it elsewhere with certhelp"
        };
        report.say(format!(
            "To import {lead}: certhelp import {} --to firefox (or thunderbird, chrome, nss:DIR)",
            first.display()
        ));
    }
    Ok(report)
}

/// Which certificates to take out of which store.
pub(crate) struct Source<'a> {
    pub resolved: &'a ResolvedStore,
    pub sels: &'a [select::Selector],
    /// Every candidate, one bundle each (an ECA pair, old encryption keys).
    pub all: bool,
    pub with_chain: bool,
}

/// Copy the selected personal certificates out of a store with their keys,
/// one bundle each, into memory. The store is only read, and closed before
/// this returns (softoken is one instance per process: a move opens the
/// target after). Several candidates without `all` are a choice on a
/// terminal, else an error that lists them.
pub(crate) fn take_from_store(
    src: &Source,
    secrets: &crate::cli::SecretArgs,
    ui: Ui,
    report: &mut Report,
) -> Result<Vec<(Candidate, Bundle)>> {
    // A token pulled out at any step is said as such, by its name.
    let gone = |e: StoreError| match src.resolved {
        ResolvedStore::Pkcs11 { id, uri, .. } => {
            Error::from(e.on_token(&uri.token.as_ref().map(|t| format!("token \"{t}\"")).unwrap_or_else(|| id.clone())))
        }
        _ => Error::from(e),
    };
    let mut session = open(src.resolved, secrets, ui, &gone)?;
    let listing = CertStore::list(&mut session, None).map_err(gone)?;
    let candidates = select::select_personal(&listing.certs, src.sels)?;
    let now = super::now();
    let chosen: Vec<Candidate> = if src.all || candidates.len() <= 1 {
        candidates
    } else if ui.interactive {
        // SPEC §5: several candidates are a choice on a terminal.
        let options: Vec<String> = candidates.iter().map(|c| c.describe(now)).collect();
        match crate::prompt::choose("Several personal certificates match. Which one?", &options) {
            Some(i) => vec![candidates[i].clone()],
            None => return Err(with_all_hint(select::ambiguous(&candidates, now))),
        }
    } else {
        return Err(with_all_hint(select::ambiguous(&candidates, now)));
    };
    let mut bundles: Vec<(Candidate, Bundle)> = Vec::new();
    for c in chosen {
        if c.info.not_after < now {
            report.warn(format!(
                "{} has expired; it is taken all the same (old keys still open old mail)",
                c.describe(now)
            ));
        }
        let b = session.export(&[&c.cert], &listing.certs, src.with_chain).map_err(gone)?;
        bundles.push((c, b));
    }
    Ok(bundles)
}

/// Where the files go, decided (and checked) before anything is read.
struct Outputs {
    out: PathBuf,
    all: bool,
    replace: bool,
}

impl Outputs {
    fn check(out: &Path, all: bool, force: bool, ui: Ui) -> Result<Outputs> {
        if all {
            if out.exists() && !out.is_dir() {
                return Err(Error::new(
                    format!("--all writes one file per certificate into a directory, and {} is a file", out.display()),
                    "give a directory with --out (it is created when missing)",
                ));
            }
            // Created only once there is something to write (`make_hidden_dir`),
            // so a refused export leaves no empty folder behind.
            if !out.is_dir() {
                parent_exists(out)?;
            }
            return Ok(Outputs { out: out.to_path_buf(), all, replace: force });
        }
        if out.is_dir() {
            return Err(Error::new(
                format!("{} is a directory", out.display()),
                "give a file name with --out, e.g. --out my-certificate.p12 (or use --all for one file per certificate)",
            ));
        }
        parent_exists(out)?;
        let mut replace = force;
        if out.exists() && !force {
            if ui.interactive && crate::prompt::confirm(&format!("{} exists. Replace it?", out.display())) {
                replace = true;
            } else {
                return Err(StoreError::Exists { path: out.display().to_string() }.into());
            }
        }
        Ok(Outputs { out: out.to_path_buf(), all, replace })
    }

    /// `--all` into a missing directory: create it under a hidden name
    /// beside the final one, 0700 (it will hold key files), and return
    /// that name; the caller renames it into place once every file in it
    /// passed. A directory the user already has keeps its mode (None).
    fn make_hidden_dir(&self) -> Result<Option<PathBuf>> {
        if !self.all || self.out.is_dir() {
            return Ok(None);
        }
        let hidden = staging_name(&self.out);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&hidden)
            .map_err(|e| Error::from(StoreError::io(&self.out, &e)))?;
        Ok(Some(hidden))
    }

    fn path_for(&self, c: &Candidate) -> PathBuf {
        if !self.all {
            return self.out.clone();
        }
        let name = c.cert.label.clone().or(c.info.common_name.clone()).unwrap_or_else(|| "certificate".into());
        let use_word = match c.info.usage {
            crate::env::CertUse::Identity => "identity",
            crate::env::CertUse::Encryption => "encryption",
            _ => "cert",
        };
        let sha = c.info.sha256.get(..8).unwrap_or("");
        self.out.join(format!("{}-{use_word}-{sha}.p12", slug(&name)))
    }
}

/// The folder `out` goes into must exist: certhelp does not make folders
/// up from a mistyped path.
fn parent_exists(out: &Path) -> Result<()> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(Error::new(
            format!("the folder {} does not exist", parent.display()),
            "create it first, or choose another --out",
        ));
    }
    Ok(())
}

/// Where a file is written and checked before it takes its final name:
/// beside it (same file system, so the rename is atomic), hidden.
fn staging_name(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.certhelp-new-{}", std::process::id()))
}

/// A file-name-safe form of a nickname.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "certificate".into()
    } else {
        out
    }
}

/// Write one identity to `path` and check the file as it is on disk.
fn write_one(
    path: &Path,
    b: &Bundle,
    password: &Secret,
    opts: &WriteOptions,
    replace: bool,
    phases: &mut crate::timing::Phases,
) -> Result<()> {
    let id = &b.identities[0];
    let written = pkcs12::write_keyed(id, &b.chain, password, opts)?;
    phases.lap("pkcs12: derive keys, encrypt, MAC");
    // The check reads the file as it is on disk, and reuses the keys the
    // write derived instead of running the KDF again; a file being replaced
    // is replaced only by a copy that passed.
    crate::fsutil::write_checked(path, &written.bytes, replace, |back| {
        pkcs12::verify_written(back, password, id, &b.chain, &written)
    })?;
    phases.lap("file: write, fsync, read back, verify (MAC, decrypt, key matches)");
    Ok(())
}

fn open(
    resolved: &ResolvedStore,
    secrets: &crate::cli::SecretArgs,
    ui: Ui,
    gone: &dyn Fn(StoreError) -> Error,
) -> Result<StoreSession> {
    match resolved {
        ResolvedStore::Nss { id, dir, .. } => {
            let mut s = NssStore::new(id.clone(), dir).open(Access::ReadOnly)?;
            if s.login_required() {
                let pin = super::read_pin(secrets, &format!("the password of the certificate database {id}"), ui)?;
                s.login(Some(&pin))?;
            }
            Ok(s)
        }
        ResolvedStore::Pkcs11 { id, uri, module } => {
            let mut s = token::open(id, uri, module.as_deref(), Access::ReadOnly).map_err(gone)?;
            let pin = super::read_pin(secrets, &format!("the PIN of {id}"), ui)?;
            s.login(Some(&pin)).map_err(gone)?;
            Ok(s)
        }
        ResolvedStore::File(p) => Err(Error::new(
            format!("{} is a file, not a store to export from", p.display()),
            format!("to re-pack a file, use: certhelp convert {} --out NEW.p12", p.display()),
        )),
    }
}

fn compat(c: CompatArg) -> Compat {
    match c {
        CompatArg::Modern => Compat::Modern,
        CompatArg::Legacy => Compat::Legacy,
    }
}

/// `CERTHELP_P12_ITERATIONS`: a lower count for test fixtures only.
fn iterations_override() -> Option<u32> {
    std::env::var("CERTHELP_P12_ITERATIONS").ok().and_then(|v| v.parse().ok())
}

fn with_all_hint(e: StoreError) -> Error {
    match e {
        StoreError::Ambiguous { candidates } => Error::new(
            format!("several personal certificates match: {}", candidates.join("; ")),
            "name one with --cert (nickname, e-mail or sha256:PREFIX), or add --all to take them all, one file each for an export (an ECA identity and encryption pair travel together)",
        ),
        e => e.into(),
    }
}

fn describe_format(opts: &WriteOptions, no_chain: bool, bundles: &[(Candidate, Bundle)]) -> String {
    let algo = match opts.compat {
        Compat::Modern => format!(
            "modern PKCS#12 (AES-256-CBC, PBKDF2-HMAC-SHA256 with {} iterations, SHA-256 MAC); for an older Mac, iPhone, Android or Windows Server 2016, use --compat legacy",
            opts.iterations()
        ),
        Compat::Legacy => format!(
            "legacy PKCS#12 (3DES, SHA-1 MAC, {} iterations) for older macOS Keychain, iOS, Android and Windows Server 2016 and older",
            opts.iterations()
        ),
    };
    let chain = if no_chain {
        "without the chain".to_string()
    } else {
        let n = bundles.iter().map(|(_, b)| b.chain.len()).max().unwrap_or(0);
        format!("with {n} chain certificate(s)")
    };
    format!("Format: {algo}; {chain}.")
}
