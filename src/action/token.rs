//! `certhelp token enable|disable --module PATH [--in STORE]` (SPEC §5):
//! register a PKCS#11 module (OpenSC, a vendor's middleware) once in every
//! Mozilla profile and in Chrome/Chromium's shared NSS database, or remove
//! that registration, the way OpenSC's `pkcs11-register` does it: an entry
//! in each store's `pkcs11.txt`.
//!
//! Per store, in this order: a store without a database or `pkcs11.txt` is
//! skipped (neither is ever created); certhelp's store lock is taken; a
//! module already registered there (any spelling of its path) is left as
//! it is, and so is one that p11-kit's proxy, loaded by that store, already
//! provides; a profile whose app runs is skipped (Firefox and Thunderbird
//! write their module list back when they exit, which would undo the
//! edit); then the store is backed up (`store::backup`, with `pkcs11.txt`),
//! the file is rewritten atomically, read back and checked.
//! Chrome/Chromium's shared database has no `.parentlock`, and Chrome never
//! writes its module list on Linux, so it is edited while Chrome runs; the
//! report says to restart the apps whose stores changed.
//!
//! The module is checked before any store is touched: it must be a shared
//! library that exports `C_GetFunctionList`. It is loaded (dlopen) but
//! never initialised, so no token, reader or PIN is involved.
//!
//! Exit 0 when at least one store has the module as asked (changed now or
//! already so); 2 when nothing could be done. This module does not parse
//! or write the file itself (`config::pkcs11_txt`), nor print.

use std::path::{Component, Path, PathBuf};

use super::{Report, Ui};
use crate::cli::TokenCommand;
use crate::config::pkcs11_txt::{self, Entry};
use crate::env::Os;
use crate::error::{Error, Result};
use crate::probe::{chromium, modules, mozilla};
use crate::store::target::{self, ResolvedStore};
use crate::store::{backup, lock};

/// Register or remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Enable,
    Disable,
}

/// Where the command looks and keeps its state.
#[derive(Debug, Clone)]
pub struct Places {
    pub home: PathBuf,
    /// `$XDG_CONFIG_HOME` when absolute (Firefox 147+ profiles).
    pub xdg_config: Option<PathBuf>,
    /// certhelp's state directory (locks, backups).
    pub state: PathBuf,
    /// Change nothing; report what would change (for `certhelp run --dry-run`).
    pub dry_run: bool,
}

pub fn run(cmd: &TokenCommand, _ui: Ui) -> Result<Report> {
    let places = Places {
        home: super::home()?,
        xdg_config: std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).filter(|p| p.is_absolute()),
        state: crate::fsutil::state_dir()?,
        dry_run: false,
    };
    match cmd {
        TokenCommand::Enable { module, in_store } => run_in(Op::Enable, module, in_store.as_deref(), &places),
        TokenCommand::Disable { module, in_store } => run_in(Op::Disable, module, in_store.as_deref(), &places),
    }
}

/// One NSS database to edit.
#[derive(Debug, Clone)]
struct Target {
    dir: PathBuf,
    id: String,
    /// `Firefox profile "default" (~/.mozilla/firefox/x.default)`.
    label: String,
    /// The app to restart or close, for messages.
    app: String,
    /// Chrome/Chromium's shared database (gets OpenSC's one-PIN module).
    shared: bool,
}

/// The module as the command line names it.
#[derive(Debug, Clone)]
struct Module {
    /// Absolute, as given (symlinks kept: a package update that moves the
    /// file behind a stable link keeps working).
    path: PathBuf,
    /// The `library=` text.
    library: String,
    /// The `name=` for a new entry.
    name: String,
    /// OpenSC's other build (`onepin-opensc-pkcs11.so` beside
    /// `opensc-pkcs11.so`, or the reverse): the same middleware, so either
    /// counts as registered. Chrome asks for one PIN only, so
    /// pkcs11-register gives Chrome the one-PIN build; so does certhelp.
    sibling: Option<PathBuf>,
}

impl Module {
    /// What to write into this store.
    fn library_for(&self, t: &Target) -> String {
        match (&self.sibling, t.shared) {
            (Some(s), true) if is_onepin(s) => s.to_string_lossy().into_owned(),
            _ => self.library.clone(),
        }
    }

    /// Entries of this module (or its OpenSC sibling), in file order.
    fn entries_in<'a>(&self, es: &'a [Entry]) -> Vec<&'a Entry> {
        let mut hits = pkcs11_txt::find(es, &self.path);
        if let Some(s) = &self.sibling {
            for e in pkcs11_txt::find(es, s) {
                if !hits.iter().any(|h| h.start == e.start) {
                    hits.push(e);
                }
            }
        }
        hits.sort_by_key(|e| e.start);
        hits
    }
}

fn is_onepin(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == "onepin-opensc-pkcs11.so")
}

/// What happened in one store.
#[derive(Debug)]
enum Outcome {
    /// Added (the new entry's name) or removed (the names of the entries
    /// taken out); `library` is what an added entry loads; no backup on a
    /// dry run.
    Changed {
        names: Vec<String>,
        library: String,
        backup: Option<PathBuf>,
    },
    Already {
        name: String,
    },
    NotThere,
    /// p11-kit's proxy, loaded by this store, provides the module already.
    ViaP11Kit {
        config: String,
    },
    Skipped {
        why: String,
        hint: String,
    },
}

impl Outcome {
    fn skipped(why: impl Into<String>, hint: impl Into<String>) -> Outcome {
        Outcome::Skipped { why: why.into(), hint: hint.into() }
    }
}

/// The command, with every place it looks given.
pub fn run_in(op: Op, module: &Path, in_store: Option<&str>, at: &Places) -> Result<Report> {
    let m = match op {
        Op::Enable => checked_module(module)?,
        Op::Disable => named_module(module)?,
    };
    let targets = match in_store {
        Some(s) => vec![named_target(s, at)?],
        None => all_targets(at),
    };
    if targets.is_empty() {
        return Err(Error::new(
            "no Mozilla profile and no Chrome/Chromium NSS database found here",
            "start Firefox, Thunderbird or Chrome once so it creates its profile, then run the command again \
             (certhelp never creates one)",
        ));
    }
    let p11kit = p11kit_config(&at.home, &m);
    let outcomes: Vec<(Target, Outcome)> = targets
        .into_iter()
        .map(|t| {
            let o = edit_one(op, &t, &m, p11kit.as_deref(), at);
            (t, o)
        })
        .collect();
    report(op, &m, &outcomes, at)
}

/// The module for `enable`: it exists and is a PKCS#11 module.
fn checked_module(given: &Path) -> Result<Module> {
    let m = named_module(given)?;
    let shown = m.path.display();
    let hint = "give the path of the PKCS#11 module file (for OpenSC: opensc-pkcs11.so); \
                `certhelp probe` lists the modules it found";
    let meta = std::fs::metadata(&m.path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::new(
                format!("no PKCS#11 module at {shown}"),
                "install the middleware that provides it (OpenSC: the opensc-pkcs11 package), or give the path \
                 of its .so file; `certhelp probe` lists the modules it found",
            )
        } else {
            Error::new(format!("cannot read {shown}: {e}"), hint)
        }
    })?;
    if !meta.is_file() {
        return Err(Error::new(format!("{shown} is not a file"), hint));
    }
    // dlopen runs the library's constructors but no PKCS#11 function:
    // C_GetFunctionList is looked up, never called.
    let lib = unsafe { libloading::Library::new(&m.path) }
        .map_err(|e| Error::new(format!("{shown} is not a shared library this system can load ({e})"), hint))?;
    let has_entry = unsafe { lib.get::<unsafe extern "C" fn()>(b"C_GetFunctionList\0") }.is_ok();
    drop(lib);
    if !has_entry {
        return Err(Error::new(format!("{shown} is not a PKCS#11 module: it has no C_GetFunctionList"), hint));
    }
    Ok(m)
}

/// The module as named, for `disable` (the file may be gone already).
fn named_module(given: &Path) -> Result<Module> {
    let path = absolute(given);
    let library = pkcs11_txt::library_value(&path).map(str::to_string).ok_or_else(|| {
        Error::new(format!("{} is not UTF-8 text", path.display()), "give the module's path in UTF-8")
    })?;
    if let Some(why) = pkcs11_txt::unfit(&library) {
        return Err(Error::new(
            format!("the module path {library:?} cannot go into pkcs11.txt: {why}"),
            "give the module's path as one line, without surrounding spaces",
        ));
    }
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let sibling = match file.as_str() {
        "opensc-pkcs11.so" => Some(path.with_file_name("onepin-opensc-pkcs11.so")),
        "onepin-opensc-pkcs11.so" => Some(path.with_file_name("opensc-pkcs11.so")),
        _ => None,
    }
    .filter(|s| s.exists() && pkcs11_txt::library_value(s).is_some_and(|v| pkcs11_txt::unfit(v).is_none()));
    Ok(Module { name: module_name(&path), path, library, sibling })
}

/// `~/x`, `./x` and relative paths made absolute; `.` components dropped.
fn absolute(p: &Path) -> PathBuf {
    let p = if p.is_relative() { std::env::current_dir().unwrap_or_default().join(p) } else { p.to_path_buf() };
    p.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

/// The `name=` of a new entry: the vendor's name when the probe's table
/// knows the file, else the file name without `lib` and `.so`.
/// pkcs11-register asks the module (C_Initialize, C_GetInfo); certhelp does
/// not initialise it, so a table it is.
fn module_name(path: &Path) -> String {
    let key = modules::module_key(&path.to_string_lossy());
    if let Some((vendor, _)) = modules::WELL_KNOWN.iter().find(|(_, p)| modules::module_key(p) == key) {
        return vendor.to_string();
    }
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "PKCS#11 module".into());
    let stem = file.split(".so").next().unwrap_or(&file).trim_end_matches(".dylib");
    let stem = stem.strip_prefix("lib").filter(|s| !s.is_empty()).unwrap_or(stem);
    if stem.is_empty() || pkcs11_txt::unfit(stem).is_some() {
        "PKCS#11 module".to_string()
    } else {
        stem.to_string()
    }
}

/// The p11-kit module config that provides this module, if one does.
fn p11kit_config(home: &Path, m: &Module) -> Option<String> {
    let mut set = modules::ModuleSet::default();
    modules::configured(home, &mut set);
    let keys: Vec<String> = [Some(&m.path), m.sibling.as_ref()]
        .into_iter()
        .flatten()
        .map(|p| modules::module_key(&p.to_string_lossy()))
        .collect();
    set.modules
        .iter()
        .filter(|x| x.source == "p11-kit")
        .find(|x| keys.contains(&modules::module_key(&x.path)))
        .map(|x| x.name.clone().unwrap_or_else(|| x.path.clone()))
}

/// The store loads p11-kit's proxy module.
fn loads_p11kit_proxy(es: &[Entry]) -> bool {
    es.iter()
        .any(|e| e.library.as_deref().is_some_and(|l| pkcs11_txt::library_file_name(l).starts_with("p11-kit-proxy.so")))
}

/// `--in STORE`: the one NSS database it names.
fn named_target(s: &str, at: &Places) -> Result<Target> {
    let cx = target::Context {
        home: at.home.clone(),
        xdg_config: at.xdg_config.clone(),
        os: Os::current(),
        modules: Some(Vec::new()),
    };
    match target::resolve_in(&target::parse_store(s)?, &cx)? {
        ResolvedStore::Nss { id, dir, app, profile, .. } => {
            let app_name = match app.as_deref() {
                Some("firefox") => "Firefox",
                Some("thunderbird") => "Thunderbird",
                Some("netscape") => "SeaMonkey",
                Some("chrome") => "Chrome",
                Some("chromium") => "Chromium",
                _ => "the app that uses it",
            };
            let shared = matches!(app.as_deref(), Some("chrome" | "chromium"));
            let label = match profile {
                Some(p) => format!("{app_name} profile \"{p}\" ({})", show(&dir, &at.home)),
                None if shared => format!("the NSS database of {app_name} ({})", show(&dir, &at.home)),
                None => format!("the NSS database {}", show(&dir, &at.home)),
            };
            Ok(Target { id, dir, label, app: app_name.to_string(), shared })
        }
        ResolvedStore::Pkcs11 { id, .. } => Err(Error::new(
            format!("{id} is a token; a module is registered in an NSS database, not on a token"),
            "leave out --in to register it in every Mozilla profile and Chrome's database, or name one: \
             firefox[:PROFILE], thunderbird[:PROFILE], chrome, chromium or nss:DIR",
        )),
        ResolvedStore::File(p) => Err(Error::new(
            format!("--in {} is a file, not a store", p.display()),
            "name firefox[:PROFILE], thunderbird[:PROFILE], chrome, chromium or nss:DIR",
        )),
    }
}

/// Every Mozilla profile `profiles.ini` lists, and every Chrome/Chromium
/// NSS database directory that exists (pkcs11-register's list).
fn all_targets(at: &Places) -> Vec<Target> {
    let os = Os::current();
    let mut out: Vec<Target> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut add = |t: Target, out: &mut Vec<Target>| {
        let key = lock::canonical(&t.dir);
        if !seen.contains(&key) {
            seen.push(key);
            out.push(t);
        }
    };
    for (root, _, profiles) in mozilla::discover(&at.home, at.xdg_config.as_deref(), os) {
        let app = root.name.split(" (").next().unwrap_or(root.name).to_string();
        for p in profiles {
            let label = format!("{} profile \"{}\" ({})", root.name, p.name, show(&p.path, &at.home));
            let t =
                Target { id: crate::probe::nss_store_id(&p.path), dir: p.path, label, app: app.clone(), shared: false };
            add(t, &mut out);
        }
    }
    if os != Os::Linux {
        // Chrome uses the keychain / Windows store there, not NSS.
        return out;
    }
    let found = chromium::discover(&at.home);
    let mut dirs: Vec<&str> = Vec::new();
    for a in chromium::LINUX_APPS {
        for d in a.nssdb {
            if !dirs.contains(d) {
                dirs.push(d);
            }
        }
    }
    for d in dirs {
        let dir = at.home.join(d);
        if !dir.is_dir() {
            continue;
        }
        let mut users: Vec<&str> = Vec::new();
        for f in found.iter().filter(|f| f.def.nssdb.contains(&d)) {
            if !users.contains(&f.def.name) {
                users.push(f.def.name);
            }
        }
        let shown = show(&dir, &at.home);
        let label = if users.is_empty() {
            format!("the shared NSS database ({shown})")
        } else {
            format!("the NSS database of {} ({shown})", users.join(", "))
        };
        let app = if users.is_empty() { "Chrome or Chromium".to_string() } else { users.join(", ") };
        add(Target { id: crate::probe::nss_store_id(&dir), dir, label, app, shared: true }, &mut out);
    }
    out
}

/// Why a store cannot be edited at all: no database or no `pkcs11.txt`.
fn unusable(t: &Target) -> Option<Outcome> {
    let app = &t.app;
    if !t.dir.join("cert9.db").exists() {
        if t.dir.join("cert8.db").exists() {
            return Some(Outcome::skipped(
                "it has the legacy database format (cert8.db, secmod.db), which has no pkcs11.txt",
                format!("add the module in {app}'s device manager, or let {app} upgrade the database first"),
            ));
        }
        return Some(Outcome::skipped(
            "it has no certificate database yet",
            format!("start {app} once so it creates its database (see TS2011); certhelp never creates one"),
        ));
    }
    if !t.dir.join(pkcs11_txt::FILE).exists() {
        return Some(Outcome::skipped(
            "it has no pkcs11.txt",
            format!("start {app} once so NSS writes it; certhelp never creates one"),
        ));
    }
    None
}

fn running(t: &Target) -> Outcome {
    Outcome::skipped(
        format!("{} is running with it, and writes its module list back when it exits", t.app),
        format!("close {} and run the command again", t.app),
    )
}

/// One store: check, lock, decide, back up, write, read back.
fn edit_one(op: Op, t: &Target, m: &Module, p11kit: Option<&str>, at: &Places) -> Outcome {
    match (op, unusable(t)) {
        (_, None) => {}
        (Op::Enable, Some(o)) => return o,
        // secmod.db may list it, but certhelp does not edit that format.
        (Op::Disable, Some(o)) if t.dir.join("cert8.db").exists() => return o,
        // No database or no pkcs11.txt: nothing is registered there.
        (Op::Disable, Some(_)) => return Outcome::NotThere,
    }
    let _lock = match lock::lock_store_in(&at.state, &t.dir) {
        Ok(l) => l,
        Err(e) => return Outcome::skipped(e.to_string(), "check certhelp's state directory"),
    };
    crate::fsutil::remove_stale_temps(&t.dir, &format!(".{}.certhelp-", pkcs11_txt::FILE));
    let path = t.dir.join(pkcs11_txt::FILE);
    let old = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => return Outcome::skipped(format!("cannot read {}: {e}", path.display()), "check its permissions"),
    };
    let es = pkcs11_txt::entries(&old);
    let hits = m.entries_in(&es);
    let proxy = p11kit.filter(|_| loads_p11kit_proxy(&es)).map(|c| Outcome::ViaP11Kit { config: c.to_string() });
    let (new, names, library) = match op {
        Op::Enable => {
            if let Some(e) = hits.first() {
                return Outcome::Already { name: e.name.clone().unwrap_or_default() };
            }
            if let Some(o) = proxy {
                return o;
            }
            let library = m.library_for(t);
            let name = pkcs11_txt::unique_name(&es, &m.name);
            (pkcs11_txt::with_entry(&old, &library, &name), vec![name], library)
        }
        Op::Disable => {
            if hits.is_empty() {
                return proxy.unwrap_or(Outcome::NotThere);
            }
            let names = hits.iter().map(|e| e.name.clone().unwrap_or_default()).collect();
            (pkcs11_txt::without(&old, &hits), names, m.library.clone())
        }
    };
    if lock::app_running(&t.dir) {
        return running(t);
    }
    if at.dry_run {
        return Outcome::Changed { names, library, backup: None };
    }
    let verb = if op == Op::Enable { "enable" } else { "disable" };
    let reason = format!("before token {verb} of {}", m.path.display());
    let b = match backup::backup_nss_in(&at.state, &t.id, &t.dir, &reason) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::skipped(
                format!("no backup could be made, so nothing was changed: {e}"),
                "free some space in certhelp's state directory and run the command again",
            )
        }
    };
    crate::fault::point("token:after-backup");
    let check = |es: &[Entry]| match op {
        Op::Enable => pkcs11_txt::find(es, Path::new(&library)).len() == 1,
        Op::Disable => m.entries_in(es).is_empty(),
    };
    if let Err(e) = write_checked(&path, &old, &new, check) {
        return e;
    }
    crate::fault::point("token:after-write");
    Outcome::Changed { names, library, backup: Some(b.dir) }
}

/// Write `new` over `old`, read it back and check it with `ok`; a file
/// that does not read back as written is put back as it was.
fn write_checked(
    path: &Path,
    old: &[u8],
    new: &[u8],
    ok: impl Fn(&[Entry]) -> bool,
) -> std::result::Result<(), Outcome> {
    if let Err(e) = pkcs11_txt::replace(path, old, new) {
        return Err(Outcome::skipped(format!("nothing was changed: {e}"), "run the command again"));
    }
    let back = std::fs::read(path).unwrap_or_default();
    if back == new && ok(&pkcs11_txt::entries(&back)) {
        return Ok(());
    }
    let put_back = pkcs11_txt::replace(path, &back, old).is_ok();
    let why = if put_back {
        format!("{} did not read back as written; it was put back as it was", path.display())
    } else {
        format!("{} did not read back as written, and could not be put back", path.display())
    };
    Err(Outcome::skipped(why, "restore it from the backup certhelp printed, or run the command again"))
}

/// The report, or the error when nothing could be done.
fn report(op: Op, m: &Module, outcomes: &[(Target, Outcome)], at: &Places) -> Result<Report> {
    let mut r = Report::default();
    let what = format!("{} ({})", m.name, m.path.display());
    let skipped: Vec<(&Target, &str, &str)> = outcomes
        .iter()
        .filter_map(|(t, o)| match o {
            Outcome::Skipped { why, hint } => Some((t, why.as_str(), hint.as_str())),
            _ => None,
        })
        .collect();
    if skipped.len() == outcomes.len() {
        let list: Vec<String> = skipped.iter().map(|(t, why, _)| format!("{}: {why}", t.label)).collect();
        let verb = if op == Op::Enable { "registered" } else { "removed" };
        let mut hints: Vec<&str> = Vec::new();
        for (_, _, h) in &skipped {
            if !hints.contains(h) {
                hints.push(h);
            }
        }
        return Err(Error::new(format!("{what} was {verb} nowhere: {}", list.join("; ")), hints.join("; ")));
    }
    let mut backups: Vec<(String, &Target)> = Vec::new();
    let mut restart: Vec<&str> = Vec::new();
    for (t, o) in outcomes {
        match o {
            Outcome::Changed { names, library, backup } => {
                let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
                let line = match (op, at.dry_run) {
                    (Op::Enable, false) => format!("Added {what} to {} as {}", t.label, quoted.join(", ")),
                    (Op::Enable, true) => format!("Would add {what} to {} as {}", t.label, quoted.join(", ")),
                    (Op::Disable, false) => format!("Removed {what} from {} (entry {})", t.label, quoted.join(", ")),
                    (Op::Disable, true) => {
                        format!("Would remove {what} from {} (entry {})", t.label, quoted.join(", "))
                    }
                };
                let via = if op == Op::Enable && *library != m.library {
                    format!(" (OpenSC's one-PIN build, {library})")
                } else {
                    String::new()
                };
                r.say(format!("{line}{via}."));
                if let Some(b) = backup {
                    backups.push((show(b, &at.home), t));
                }
                restart.push(&t.app);
            }
            Outcome::Already { name } => {
                r.say(format!("Already registered in {} as \"{name}\": nothing changed.", t.label));
            }
            Outcome::NotThere => {
                r.say(format!("Not registered in {}: nothing to remove.", t.label));
            }
            Outcome::ViaP11Kit { config } => {
                if op == Op::Enable {
                    r.say(format!(
                        "Already provided to {} through p11-kit-proxy (p11-kit module \"{config}\"): not added a second time.",
                        t.label
                    ));
                } else {
                    r.say(format!(
                        "Not registered in {}, but p11-kit-proxy still provides it there (p11-kit module \"{config}\"); \
                         to stop that, remove its p11-kit module file.",
                        t.label
                    ));
                }
            }
            Outcome::Skipped { why, hint } => r.warn(format!("skipped {}: {why}; {hint}", t.label)),
        }
    }
    for (dir, t) in &backups {
        r.say(format!("Backup of {} before the change: {dir}", t.label));
    }
    if at.dry_run {
        r.say("Dry run: nothing was changed.");
    } else if !restart.is_empty() {
        let mut apps: Vec<&str> = Vec::new();
        for a in restart {
            if !apps.contains(&a) {
                apps.push(a);
            }
        }
        let (undo, effect) = if op == Op::Enable { ("disable", "load") } else { ("enable", "unload") };
        r.say(format!(
            "Restart {} to {effect} the module. Undo: certhelp token {undo} --module {}",
            apps.join(", "),
            m.path.display()
        ));
    } else if skipped.is_empty() {
        r.say("Nothing changed.");
    }
    Ok(r)
}

/// A path for messages: `~/...` under the home directory.
fn show(p: &Path, home: &Path) -> String {
    match p.strip_prefix(home) {
        Ok(rest) if !home.as_os_str().is_empty() => format!("~/{}", rest.display()),
        _ => p.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_vendor_table_or_the_file() {
        assert_eq!(module_name(Path::new("/nonexistent/libfoo-pkcs11.so.2")), "foo-pkcs11");
        assert_eq!(module_name(Path::new("/nonexistent/opensc-pkcs11.so")), "opensc-pkcs11");
        assert_eq!(module_name(Path::new("/nonexistent/lib.so")), "lib");
    }

    #[test]
    fn chrome_gets_opensc_one_pin_build() {
        let d = std::env::temp_dir().join(format!("certhelp-token-onepin-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("opensc-pkcs11.so"), b"x").unwrap();
        std::fs::write(d.join("onepin-opensc-pkcs11.so"), b"y").unwrap();
        let m = named_module(&d.join("opensc-pkcs11.so")).unwrap();
        let t = |shared| Target { dir: d.clone(), id: String::new(), label: String::new(), app: String::new(), shared };
        assert_eq!(m.library_for(&t(false)), d.join("opensc-pkcs11.so").to_string_lossy());
        assert_eq!(m.library_for(&t(true)), d.join("onepin-opensc-pkcs11.so").to_string_lossy());
        // Either build registered counts as registered.
        let text =
            format!("library=\nname=I\n\nlibrary={}\nname=OpenSC\n\n", d.join("onepin-opensc-pkcs11.so").display());
        let es = pkcs11_txt::entries(text.as_bytes());
        assert_eq!(m.entries_in(&es).len(), 1);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_missing_module_is_refused_before_any_store() {
        let e = checked_module(Path::new("/nonexistent/certhelp/x.so")).unwrap_err();
        assert!(e.message.contains("no PKCS#11 module at"), "{}", e.message);
        let f = std::env::temp_dir().join(format!("certhelp-token-notlib-{}.so", std::process::id()));
        std::fs::write(&f, b"not ELF").unwrap();
        let e = checked_module(&f).unwrap_err();
        assert!(e.message.contains("not a shared library"), "{}", e.message);
        let _ = std::fs::remove_file(&f);
    }
}
