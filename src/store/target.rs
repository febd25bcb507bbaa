//! STORE on the command line (SPEC §5): [`parse_store`] reads the syntax
//! (`firefox[:PROFILE]`, `thunderbird`, `seamonkey`, `chrome`, `chromium`,
//! `nss:DIR`, `pkcs11:` URIs per RFC 7512, `file:PATH`) without touching the
//! system, and [`resolve`] turns it into the one store it names on this
//! machine, using the probe's discovery tables.
//!
//! It parses and resolves; it never opens or creates a certificate
//! database. A resolved NSS directory always holds a database already
//! (softoken would silently create a new one in an empty directory), and a
//! name that matches nothing or several things is an error that lists what
//! exists. The only side effect: without `module-path`, finding a token's
//! module loads the configured PKCS#11 modules to read their token labels
//! (as the probe does; no login).

use crate::env::Os;
use crate::error::Error;
use crate::probe::{chromium, modules, mozilla};
use crate::store::nss::{self, DbFormat};
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The accepted forms, for hints.
const FORMS: &str = "use firefox, thunderbird, seamonkey, chrome or chromium (each optionally :PROFILE), \
                     nss:DIR, pkcs11:token=LABEL or file:PATH";

/// A STORE argument as written, checked for syntax only.
// One per command line: the size of the URI variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// A Mozilla app's profile: app id `firefox`, `thunderbird` or
    /// `netscape` (SeaMonkey); `profile` is a name from profiles.ini or a
    /// path; `None` is the app's default profile.
    Mozilla { app: &'static str, profile: Option<String> },
    /// The NSS database a Chromium-family browser uses on Linux: app id
    /// `chrome` or `chromium`; `dir` a database directory given instead.
    Chromium { app: &'static str, dir: Option<String> },
    /// Any NSS database directory (`sql:`/`dbm:` prefix kept in `format`).
    Nss { dir: PathBuf, format: Option<DbFormat> },
    /// A PKCS#11 token, by RFC 7512 URI.
    Pkcs11(Pkcs11Uri),
    /// A PKCS#12 or PEM file.
    File(PathBuf),
}

/// An RFC 7512 PKCS#11 URI, percent-decoded. Path attributes select the
/// token (and object); `module_path`/`module_name` say which module holds
/// it. Secrets are refused: `pin-value` never reaches this type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pkcs11Uri {
    pub token: Option<String>,
    pub manufacturer: Option<String>,
    pub serial: Option<String>,
    pub model: Option<String>,
    pub library_manufacturer: Option<String>,
    pub library_description: Option<String>,
    pub library_version: Option<String>,
    pub slot_manufacturer: Option<String>,
    pub slot_description: Option<String>,
    pub slot_id: Option<u64>,
    /// CKA_LABEL of an object.
    pub object: Option<String>,
    /// CKA_ID of an object (bytes).
    pub id: Option<Vec<u8>>,
    /// `cert`, `private`, `public`, `secret-key` or `data`.
    pub object_type: Option<String>,
    /// Vendor attributes (`x-...`), kept as given.
    pub vendor: Vec<(String, String)>,
    pub module_path: Option<PathBuf>,
    pub module_name: Option<String>,
}

/// What a token says about itself (CK_TOKEN_INFO and its slot), to match
/// a URI against.
#[derive(Debug, Clone, Default)]
pub struct TokenFacts {
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    pub slot_id: u64,
}

impl Pkcs11Uri {
    /// Does this token fit the URI's token attributes (absent = any)?
    pub fn matches_token(&self, t: &TokenFacts) -> bool {
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w.trim() == have.trim());
        eq(&self.token, &t.label)
            && eq(&self.manufacturer, &t.manufacturer)
            && eq(&self.model, &t.model)
            && eq(&self.serial, &t.serial)
            && self.slot_id.is_none_or(|s| s == t.slot_id)
    }
}

impl fmt::Display for Pkcs11Uri {
    /// The canonical spelling: path attributes in RFC 7512 order,
    /// percent-encoded, then `module-path`/`module-name`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut path: Vec<String> = Vec::new();
        let mut add = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                path.push(format!("{k}={}", pct_encode(v.as_bytes(), false)));
            }
        };
        add("library-description", &self.library_description);
        add("library-manufacturer", &self.library_manufacturer);
        add("library-version", &self.library_version);
        add("manufacturer", &self.manufacturer);
        add("model", &self.model);
        add("object", &self.object);
        add("serial", &self.serial);
        add("slot-description", &self.slot_description);
        add("slot-manufacturer", &self.slot_manufacturer);
        add("token", &self.token);
        add("type", &self.object_type);
        if let Some(id) = &self.id {
            path.push(format!("id={}", pct_encode(id, false)));
        }
        if let Some(s) = self.slot_id {
            path.push(format!("slot-id={s}"));
        }
        for (k, v) in &self.vendor {
            path.push(format!("{k}={}", pct_encode(v.as_bytes(), false)));
        }
        write!(f, "pkcs11:{}", path.join(";"))?;
        let mut query: Vec<String> = Vec::new();
        if let Some(m) = &self.module_name {
            query.push(format!("module-name={}", pct_encode(m.as_bytes(), true)));
        }
        if let Some(m) = &self.module_path {
            query.push(format!("module-path={}", pct_encode(m.to_string_lossy().as_bytes(), true)));
        }
        if !query.is_empty() {
            write!(f, "?{}", query.join("&"))?;
        }
        Ok(())
    }
}

/// Percent-encode all but RFC 3986 unreserved characters (and `/` in a
/// query value, where paths go).
fn pct_encode(v: &[u8], keep_slash: bool) -> String {
    let mut s = String::new();
    for &b in v {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Store id of a token that reopens it: `pkcs11:token=LABEL` as the probe
/// spells it, plus `?module-path=` so that two tokens with the same label
/// behind different modules do not collide.
pub fn token_store_id(label: &str, module_path: Option<&Path>) -> String {
    let base = crate::store::pkcs11::token_store_id(label);
    match module_path {
        Some(m) => format!("{base}?module-path={}", pct_encode(m.to_string_lossy().as_bytes(), true)),
        None => base,
    }
}

fn pct_decode(v: &str, what: &str) -> Result<Vec<u8>, Error> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(x) => out.push(x),
                None => {
                    return Err(Error::new(
                        format!("bad percent-encoding in the pkcs11: URI's {what}"),
                        "write a % as %25; each % must be followed by two hex digits",
                    ))
                }
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn pct_text(v: &str, what: &str) -> Result<String, Error> {
    String::from_utf8(pct_decode(v, what)?)
        .map_err(|_| Error::new(format!("the pkcs11: URI's {what} is not UTF-8 text"), "check the URI's encoding"))
}

/// Parse an RFC 7512 URI (with its `pkcs11:` scheme).
pub fn parse_pkcs11_uri(s: &str) -> Result<Pkcs11Uri, Error> {
    let rest = s.get(..7).filter(|p| p.eq_ignore_ascii_case("pkcs11:")).map(|_| &s[7..]).ok_or_else(|| {
        Error::new(format!("\"{s}\" is not a pkcs11: URI"), "write it as pkcs11:token=LABEL (RFC 7512)")
    })?;
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let mut u = Pkcs11Uri::default();
    let mut seen: Vec<String> = Vec::new();
    for part in path.split(';').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            Error::new(
                format!("\"{part}\" in the pkcs11: URI has no value"),
                "write path attributes as name=value, separated by ;",
            )
        })?;
        let k = k.to_ascii_lowercase();
        if seen.contains(&k) {
            return Err(Error::new(format!("the pkcs11: URI names {k} twice"), "give each attribute once (RFC 7512)"));
        }
        seen.push(k.clone());
        let text = |what: &str| pct_text(v, what).map(Some);
        match k.as_str() {
            "token" => u.token = text("token")?,
            "manufacturer" => u.manufacturer = text("manufacturer")?,
            "serial" => u.serial = text("serial")?,
            "model" => u.model = text("model")?,
            "library-manufacturer" => u.library_manufacturer = text("library-manufacturer")?,
            "library-description" => u.library_description = text("library-description")?,
            "library-version" => u.library_version = text("library-version")?,
            "slot-manufacturer" => u.slot_manufacturer = text("slot-manufacturer")?,
            "slot-description" => u.slot_description = text("slot-description")?,
            "object" => u.object = text("object")?,
            "id" => u.id = Some(pct_decode(v, "id")?),
            "type" => {
                let t = pct_text(v, "type")?;
                if !["cert", "private", "public", "secret-key", "data"].contains(&t.as_str()) {
                    return Err(Error::new(
                        format!("unknown object type \"{t}\" in the pkcs11: URI"),
                        "type is one of cert, private, public, secret-key, data",
                    ));
                }
                u.object_type = Some(t);
            }
            "slot-id" => {
                let t = pct_text(v, "slot-id")?;
                u.slot_id = Some(t.parse().map_err(|_| {
                    Error::new(format!("slot-id \"{t}\" is not a number"), "give the slot id in decimal")
                })?);
            }
            "pin-value" => return Err(pin_in_uri()),
            x if x.starts_with("x-") => u.vendor.push((k.clone(), pct_text(v, &k)?)),
            other => {
                return Err(Error::new(
                    format!("unknown attribute \"{other}\" in the pkcs11: URI"),
                    "path attributes: token, manufacturer, serial, model, object, id, type, slot-id, \
                     slot-description, slot-manufacturer, library-description, library-manufacturer, library-version",
                ))
            }
        }
    }
    for part in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match k.to_ascii_lowercase().as_str() {
            "module-path" => u.module_path = Some(PathBuf::from(pct_text(v, "module-path")?)),
            "module-name" => u.module_name = Some(pct_text(v, "module-name")?),
            "pin-value" => return Err(pin_in_uri()),
            // Where to read a PIN from is not a secret; certhelp takes the
            // PIN from --pin-file/--pin-env or the prompt all the same.
            "pin-source" => {}
            x if x.starts_with("x-") => {}
            other => {
                return Err(Error::new(
                    format!("unknown query attribute \"{other}\" in the pkcs11: URI"),
                    "query attributes: module-path, module-name",
                ))
            }
        }
    }
    Ok(u)
}

fn pin_in_uri() -> Error {
    Error::new(
        "the pkcs11: URI carries a PIN (pin-value): secrets never go on the command line",
        "remove pin-value and give the PIN with --pin-file FILE or --pin-env VAR, or type it at the prompt",
    )
}

/// Parse a STORE argument (syntax only: no file is looked at).
pub fn parse_store(s: &str) -> Result<StoreSpec, Error> {
    let t = s.trim();
    let (head, tail) = match t.split_once(':') {
        Some((h, r)) => (h, Some(r)),
        None => (t, None),
    };
    // `firefox:` and `chrome:` may stand alone; `nss` and `file` need a path.
    let empty_tail = |what: &str| {
        let alone =
            matches!(what, "PROFILE") || head.eq_ignore_ascii_case("chrome") || head.eq_ignore_ascii_case("chromium");
        let hint = if alone { format!("write {head}:{what}, or {head} alone") } else { format!("write {head}:{what}") };
        Error::new(format!("\"{t}\" names no {what}"), hint)
    };
    let head_l = head.to_ascii_lowercase();
    let mozilla = match head_l.as_str() {
        "firefox" => Some("firefox"),
        "thunderbird" => Some("thunderbird"),
        "seamonkey" | "netscape" => Some("netscape"),
        _ => None,
    };
    if let Some(app) = mozilla {
        return match tail {
            Some("") => Err(empty_tail("PROFILE")),
            p => Ok(StoreSpec::Mozilla { app, profile: p.map(str::to_string) }),
        };
    }
    match head_l.as_str() {
        "chrome" | "chromium" => {
            let app = if head_l == "chrome" { "chrome" } else { "chromium" };
            match tail {
                Some("") => Err(empty_tail("DIR")),
                d => Ok(StoreSpec::Chromium { app, dir: d.map(str::to_string) }),
            }
        }
        "nss" => {
            let dir = tail.filter(|d| !d.is_empty()).ok_or_else(|| empty_tail("DIR"))?;
            let (format, dir) = if let Some(d) = dir.strip_prefix("sql:") {
                (Some(DbFormat::Sql), d)
            } else if let Some(d) = dir.strip_prefix("dbm:") {
                (Some(DbFormat::Dbm), d)
            } else {
                (None, dir)
            };
            if dir.is_empty() {
                return Err(empty_tail("DIR"));
            }
            Ok(StoreSpec::Nss { dir: PathBuf::from(dir), format })
        }
        "pkcs11" => {
            let u = parse_pkcs11_uri(t)?;
            if u.token.is_none() && u.serial.is_none() && u.model.is_none() && u.manufacturer.is_none() {
                return Err(Error::new(
                    format!("\"{t}\" does not say which token"),
                    "write pkcs11:token=LABEL (the label `certhelp probe` shows)",
                ));
            }
            Ok(StoreSpec::Pkcs11(u))
        }
        "file" => {
            let p = tail.filter(|d| !d.is_empty()).ok_or_else(|| empty_tail("PATH"))?;
            Ok(StoreSpec::File(PathBuf::from(p)))
        }
        _ => {
            let hint = if t.contains('/') {
                format!("a directory or file needs its kind: nss:{t} or file:{t}")
            } else {
                FORMS.to_string()
            };
            Err(Error::new(format!("unknown store \"{t}\""), hint))
        }
    }
}

/// The one store a STORE argument names on this machine.
// One per command line: the size of the URI variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolvedStore {
    /// An NSS database that exists (cert9.db or cert8.db is there).
    Nss {
        /// As the probe makes it: `crate::probe::nss_store_id(dir)`.
        id: String,
        dir: PathBuf,
        format: DbFormat,
        /// Planner app id when known (`firefox`, `chrome`, ...).
        app: Option<String>,
        /// The profile's name in profiles.ini, when it is a Mozilla profile.
        profile: Option<String>,
    },
    /// A token; `module` is the module to load (from the URI or found).
    Pkcs11 {
        id: String,
        uri: Pkcs11Uri,
        module: Option<PathBuf>,
    },
    File(PathBuf),
}

impl ResolvedStore {
    /// The store id (as in `Env.stores[].id`); a file's path for files.
    pub fn id(&self) -> String {
        match self {
            ResolvedStore::Nss { id, .. } | ResolvedStore::Pkcs11 { id, .. } => id.clone(),
            ResolvedStore::File(p) => format!("file:{}", p.display()),
        }
    }
}

/// Where to look: the home directory, XDG config dir, OS, and the PKCS#11
/// modules to search for a token (`None`: the ones the probe finds).
#[derive(Debug, Clone)]
pub struct Context {
    pub home: PathBuf,
    pub xdg_config: Option<PathBuf>,
    pub os: Os,
    pub modules: Option<Vec<String>>,
}

impl Context {
    /// This machine: `XDG_CONFIG_HOME` when absolute (as the probe), the
    /// OS compiled for, the configured modules.
    pub fn from_env(home: &Path) -> Context {
        Context {
            home: home.to_path_buf(),
            xdg_config: std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).filter(|p| p.is_absolute()),
            os: Os::current(),
            modules: None,
        }
    }
}

/// Resolve a parsed STORE on this machine, for the user whose home is `home`.
pub fn resolve(spec: &StoreSpec, home: &Path) -> Result<ResolvedStore, Error> {
    let r = resolve_in(spec, &Context::from_env(home))?;
    match &r {
        ResolvedStore::Nss { dir, format, app, profile, .. } => crate::verbose!(
            "store: NSS database {} ({format:?}; app {}, profile {})",
            dir.display(),
            app.as_deref().unwrap_or("none known"),
            profile.as_deref().unwrap_or("none")
        ),
        ResolvedStore::Pkcs11 { id, module, .. } => crate::verbose!(
            "store: token {id} behind module {}",
            module.as_deref().map(|m| m.display().to_string()).unwrap_or_else(|| "(from the probe)".into())
        ),
        ResolvedStore::File(p) => crate::verbose!("store: file {}", p.display()),
    }
    Ok(r)
}

/// [`resolve`] with everything it looks at given.
pub fn resolve_in(spec: &StoreSpec, cx: &Context) -> Result<ResolvedStore, Error> {
    match spec {
        StoreSpec::Mozilla { app, profile } => resolve_mozilla(app, profile.as_deref(), cx),
        StoreSpec::Chromium { app, dir } => resolve_chromium(app, dir.as_deref(), cx),
        StoreSpec::Nss { dir, format } => {
            let dir = absolute(dir, &cx.home);
            let (app, profile) = known_profile(&dir, cx);
            nss_at(&dir, *format, &cx.home, app, profile, || {
                let known = known_databases(cx);
                if known.is_empty() {
                    "point nss: at a directory holding cert9.db (or cert8.db)".to_string()
                } else {
                    format!("NSS databases here: {}", known.join(", "))
                }
            })
        }
        StoreSpec::Pkcs11(uri) => resolve_token(uri, cx),
        StoreSpec::File(p) => Ok(ResolvedStore::File(absolute(p, &cx.home))),
    }
}

/// The NSS databases the probe would find: Mozilla profiles and the
/// shared databases, as `nss:~/...` spellings.
fn known_databases(cx: &Context) -> Vec<String> {
    let mut dirs: Vec<PathBuf> = mozilla::discover(&cx.home, cx.xdg_config.as_deref(), cx.os)
        .into_iter()
        .flat_map(|(_, _, ps)| ps.into_iter().map(|p| p.path))
        .collect();
    dirs.extend(SHARED_DBS.iter().map(|d| cx.home.join(d)));
    dirs.iter().filter(|d| nss::db_format(d).is_some()).map(|d| format!("nss:{}", show(d, &cx.home))).collect()
}

/// The shared NSS databases (Chrome, Chromium 146+, Evolution) on Linux.
const SHARED_DBS: [&str; 2] = [".pki/nssdb", ".local/share/pki/nssdb"];

/// `~` and `~/x` are the home directory; relative paths are from the
/// current directory; `.` components go (so ids match the probe's).
fn absolute(p: &Path, home: &Path) -> PathBuf {
    let s = p.to_string_lossy();
    let p = if s == "~" {
        home.to_path_buf()
    } else if let Some(r) = s.strip_prefix("~/") {
        home.join(r)
    } else if p.is_relative() {
        std::env::current_dir().unwrap_or_default().join(p)
    } else {
        p.to_path_buf()
    };
    p.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

/// A path for messages: `~/...` under the home directory.
fn show(p: &Path, home: &Path) -> String {
    match p.strip_prefix(home) {
        Ok(r) if !home.as_os_str().is_empty() => format!("~/{}", r.display()),
        _ => p.display().to_string(),
    }
}

fn nss_at(
    dir: &Path,
    want: Option<DbFormat>,
    home: &Path,
    app: Option<String>,
    profile: Option<String>,
    hint: impl FnOnce() -> String,
) -> Result<ResolvedStore, Error> {
    let found = match want {
        Some(DbFormat::Sql) => dir.join("cert9.db").exists().then_some(DbFormat::Sql),
        Some(DbFormat::Dbm) => dir.join("cert8.db").exists().then_some(DbFormat::Dbm),
        None => nss::db_format(dir),
    };
    match found {
        Some(format) => {
            Ok(ResolvedStore::Nss { id: crate::probe::nss_store_id(dir), dir: dir.to_path_buf(), format, app, profile })
        }
        None if !dir.is_dir() => Err(Error::new(format!("no directory {}", show(dir, home)), hint())),
        None => Err(Error::new(format!("no NSS database in {}", show(dir, home)), hint())),
    }
}

/// The Mozilla profile (app, name) whose directory `dir` is, if any.
fn known_profile(dir: &Path, cx: &Context) -> (Option<String>, Option<String>) {
    for (root, _, profiles) in mozilla::discover(&cx.home, cx.xdg_config.as_deref(), cx.os) {
        if let Some(p) = profiles.iter().find(|p| p.path == dir) {
            return (Some(root.app.to_string()), Some(p.name.clone()));
        }
    }
    (None, None)
}

/// The app's name for messages (the registry's, without "Netscape/").
fn app_name(app: &str) -> &'static str {
    match crate::apps::App::from_id(app) {
        Some(crate::apps::App::Netscape) => "SeaMonkey",
        Some(a) => a.name(),
        None => "the app",
    }
}

/// How the user writes the app in STORE (the registry's verb spelling).
fn app_word(app: &str) -> &'static str {
    crate::apps::App::from_id(app).and_then(|a| a.verb_store()).unwrap_or("chromium")
}

fn resolve_mozilla(app: &str, profile: Option<&str>, cx: &Context) -> Result<ResolvedStore, Error> {
    let name = app_name(app);
    let word = app_word(app);
    let roots: Vec<(mozilla::ProfileRoot, PathBuf, Vec<mozilla::ProfileEntry>)> =
        mozilla::discover(&cx.home, cx.xdg_config.as_deref(), cx.os).into_iter().filter(|r| r.0.app == app).collect();
    let all: Vec<(&mozilla::ProfileRoot, &mozilla::ProfileEntry)> =
        roots.iter().flat_map(|(r, _, ps)| ps.iter().map(move |p| (r, p))).collect();
    // How to name a profile on the command line: by name when unique.
    let spell = |p: &mozilla::ProfileEntry| {
        if all.iter().filter(|(_, q)| q.name == p.name).count() == 1 && !p.name.contains('/') {
            format!("{word}:{}", p.name)
        } else {
            format!("{word}:{}", p.path.display())
        }
    };
    let listing = || {
        all.iter()
            .map(|(r, p)| format!("{} ({}, {})", spell(p), r.name, show(&p.path, &cx.home)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let chosen: (&mozilla::ProfileEntry, Option<&mozilla::ProfileRoot>) = match profile {
        Some(p) if looks_like_path(p) => {
            let dir = absolute(Path::new(p), &cx.home);
            let (_, pname) = known_profile(&dir, cx);
            return nss_at(&dir, None, &cx.home, Some(app.to_string()), pname, || {
                format!("start {name} once with that profile so it creates its database (see TS2011)")
            });
        }
        Some(p) => {
            let mut hits: Vec<_> = all.iter().filter(|(_, e)| e.name == p).collect();
            if hits.is_empty() {
                hits = all.iter().filter(|(_, e)| e.name.eq_ignore_ascii_case(p)).collect();
            }
            match hits.as_slice() {
                [(r, e)] => (*e, Some(*r)),
                [] if all.is_empty() => return Err(no_profiles(name, cx)),
                [] => {
                    return Err(Error::new(
                        format!("no {name} profile named \"{p}\"; there are: {}", listing()),
                        format!("name one of these, or give the profile's directory ({word}:PATH)"),
                    ))
                }
                many => {
                    let l: Vec<String> =
                        many.iter().map(|(r, e)| format!("{word}:{} ({})", e.path.display(), r.name)).collect();
                    return Err(Error::new(
                        format!("several {name} profiles are named \"{p}\": {}", l.join("; ")),
                        "name the one you mean by its directory",
                    ));
                }
            }
        }
        None => {
            let defaults: Vec<_> = all.iter().filter(|(_, e)| e.default).collect();
            match defaults.as_slice() {
                [(r, e)] => (*e, Some(*r)),
                [] if all.is_empty() => return Err(no_profiles(name, cx)),
                [] => {
                    return Err(Error::new(
                        format!("{name} has no default profile; there are: {}", listing()),
                        format!("name one: {word}:PROFILE"),
                    ))
                }
                many => {
                    let l: Vec<String> = many
                        .iter()
                        .map(|(r, e)| format!("{} ({}, {})", spell(e), r.name, show(&e.path, &cx.home)))
                        .collect();
                    return Err(Error::new(
                        format!("{name} has several default profiles: {}", l.join("; ")),
                        format!("name the one you mean: {word}:PROFILE"),
                    ));
                }
            }
        }
    };
    let (entry, root) = chosen;
    let variant = root.map(|r| r.name).unwrap_or(name);
    nss_at(&entry.path, None, &cx.home, Some(app.to_string()), Some(entry.name.clone()), || {
        format!("start {variant} once with the profile \"{}\" so it creates its database (see TS2011)", entry.name)
    })
}

fn no_profiles(name: &str, cx: &Context) -> Error {
    let roots: Vec<String> =
        mozilla::roots(cx.os).iter().filter(|r| app_name(r.app) == name).map(|r| format!("~/{}", r.dir)).collect();
    Error::new(
        format!("no {name} profile found (no profiles.ini in {})", roots.join(", ")),
        format!("start {name} once so it creates a profile (see TS2011), or name a profile directory with nss:DIR"),
    )
}

fn looks_like_path(p: &str) -> bool {
    p.contains('/') || p.contains('\\') || p.starts_with('~') || p == "." || p == ".."
}

fn resolve_chromium(app: &str, dir: Option<&str>, cx: &Context) -> Result<ResolvedStore, Error> {
    let name = app_name(app);
    if cx.os != Os::Linux {
        let store = if cx.os == Os::Macos { "the macOS keychain" } else { "the Windows certificate store" };
        return Err(Error::new(
            format!("{name} on this computer keeps certificates in {store}, not in an NSS database"),
            "follow the walkthrough for this computer: certhelp \"export my certificate from chrome\"",
        ));
    }
    let article = if app == "chrome" { "CH1001" } else { "CH1001 or CH1002" };
    if let Some(d) = dir {
        if !looks_like_path(d) {
            return Err(Error::new(
                format!("{name} profiles share one NSS database on Linux; \"{d}\" is not a directory"),
                format!("write {} alone, or {}:DIR for a database directory", app_word(app), app_word(app)),
            ));
        }
        let d = absolute(Path::new(d), &cx.home);
        return nss_at(&d, None, &cx.home, Some(app.to_string()), None, || {
            format!("start {name} once so it creates its database (see {article})")
        });
    }
    // The databases the probe finds for this browser (deb, snap, ...).
    let mut dirs: Vec<PathBuf> = Vec::new();
    for f in chromium::discover(&cx.home).iter().filter(|f| f.def.app == app) {
        if let Some(d) = &f.nssdb {
            if !dirs.contains(d) {
                dirs.push(d.clone());
            }
        }
    }
    // Not installed here, or its database is elsewhere: the shared one
    // (Chromium 146+ uses the XDG place when the old one does not exist).
    if dirs.is_empty() {
        if let Some(d) = chromium::nssdb_dir(&cx.home, &SHARED_DBS) {
            dirs.push(d);
        }
    }
    match dirs.as_slice() {
        [d] => nss_at(d, None, &cx.home, Some(app.to_string()), None, String::new),
        [] => Err(Error::new(
            format!("no NSS database for {name} (none in ~/.pki/nssdb or ~/.local/share/pki/nssdb)"),
            format!(
                "start {name} once so it creates its database, then run the command again (see {article}); \
                 certhelp never creates one"
            ),
        )),
        many => {
            let l: Vec<String> = many.iter().map(|d| format!("{}:{}", app_word(app), show(d, &cx.home))).collect();
            Err(Error::new(format!("{name} has several NSS databases here: {}", l.join("; ")), "name the one you mean"))
        }
    }
}

/// Modules the probe would look at for tokens: p11-kit, environment,
/// vendor table, and every profile's and shared DB's pkcs11.txt.
pub fn candidate_modules(cx: &Context) -> Vec<String> {
    if let Some(m) = &cx.modules {
        return m.clone();
    }
    let mut set = modules::ModuleSet::default();
    let mut dirs: Vec<PathBuf> = mozilla::discover(&cx.home, cx.xdg_config.as_deref(), cx.os)
        .into_iter()
        .flat_map(|(_, _, ps)| ps.into_iter().map(|p| p.path))
        .collect();
    dirs.extend(SHARED_DBS.iter().map(|d| cx.home.join(d)));
    for d in dirs {
        if let Ok(t) = std::fs::read_to_string(d.join("pkcs11.txt")) {
            for m in mozilla::parse_pkcs11_txt(&t) {
                set.add(&m.library, m.name, "pkcs11.txt");
            }
        }
    }
    modules::configured(&cx.home, &mut set);
    set.modules
        .into_iter()
        .filter(|m| m.present && crate::store::pkcs11::is_token_module(&m.path))
        .map(|m| m.path)
        .collect()
}

fn resolve_token(uri: &Pkcs11Uri, cx: &Context) -> Result<ResolvedStore, Error> {
    let label = uri.token.clone().unwrap_or_default();
    if let Some(m) = &uri.module_path {
        let m = absolute(m, &cx.home);
        if !m.is_file() {
            return Err(Error::new(
                format!("no PKCS#11 module at {}", m.display()),
                "check module-path: the token vendor's library (`certhelp probe` lists the modules found)",
            ));
        }
        let mut u = uri.clone();
        u.module_path = Some(m.clone());
        return Ok(ResolvedStore::Pkcs11 { id: token_store_id(&label, Some(&m)), uri: u, module: Some(m) });
    }
    let mods = candidate_modules(cx);
    let mods: Vec<String> = match &uri.module_name {
        Some(n) => {
            let by_name: Vec<String> = mods.into_iter().filter(|m| module_matches_name(m, n)).collect();
            if by_name.is_empty() {
                return Err(Error::new(
                    format!("no PKCS#11 module named \"{n}\" is configured"),
                    "give the module's library with ?module-path=PATH",
                ));
            }
            by_name
        }
        None => mods,
    };
    let mut found: Vec<(String, TokenFacts)> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for m in &mods {
        let tokens = match token_facts(m) {
            Ok(t) => t,
            Err(e) => {
                seen.push(format!("module {m} did not load ({e})"));
                continue;
            }
        };
        for t in tokens {
            if uri.matches_token(&t) {
                found.push((m.clone(), t.clone()));
            }
            seen.push(format!("{} ({})", token_store_id(&t.label, None), m));
        }
    }
    match found.as_slice() {
        [(m, _)] => {
            let m = PathBuf::from(m);
            let mut u = uri.clone();
            u.module_path = Some(m.clone());
            Ok(ResolvedStore::Pkcs11 { id: token_store_id(&label, Some(&m)), uri: u, module: Some(m) })
        }
        [] => {
            let there = if seen.is_empty() { "no token is present".to_string() } else { seen.join("; ") };
            Err(Error::new(
                format!("no token matches {uri}: {there}"),
                "insert the token, or name its module with ?module-path=PATH (see TS2016)",
            ))
        }
        many => {
            let l: Vec<String> = many
                .iter()
                .map(|(m, t)| {
                    let mut u = uri.clone();
                    u.token = Some(t.label.clone());
                    u.module_path = Some(PathBuf::from(m));
                    u.to_string()
                })
                .collect();
            Err(Error::new(
                format!("several tokens match: {}", l.join("; ")),
                "name the one you mean with its serial= or ?module-path=",
            ))
        }
    }
}

/// Does the configured module `path` answer to the p11-kit `name`
/// (its .module file name) or file name?
fn module_matches_name(path: &str, name: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.strip_suffix(".so").unwrap_or(file);
    name == file || name == stem || stem.trim_start_matches("lib") == name
}

/// The initialised tokens behind one module (load, list, finalise).
fn token_facts(module: &str) -> Result<Vec<TokenFacts>, crate::store::StoreError> {
    let m = crate::store::pkcs11::Module::load(module)?;
    Ok(m.tokens()?
        .into_iter()
        .filter(|(_, i)| i.token_initialized())
        .map(|(s, i)| TokenFacts {
            label: i.label().trim().to_string(),
            manufacturer: i.manufacturer_id().trim().to_string(),
            model: i.model().trim().to_string(),
            serial: i.serial_number().trim().to_string(),
            slot_id: s.id(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> Error {
        parse_store(s).unwrap_err()
    }

    #[test]
    fn app_forms() {
        assert_eq!(parse_store("firefox").unwrap(), StoreSpec::Mozilla { app: "firefox", profile: None });
        assert_eq!(
            parse_store("Thunderbird:work").unwrap(),
            StoreSpec::Mozilla { app: "thunderbird", profile: Some("work".into()) }
        );
        assert_eq!(parse_store("seamonkey").unwrap(), StoreSpec::Mozilla { app: "netscape", profile: None });
        assert_eq!(parse_store("netscape").unwrap(), StoreSpec::Mozilla { app: "netscape", profile: None });
        assert_eq!(
            parse_store("firefox:/p/a:b").unwrap(),
            StoreSpec::Mozilla { app: "firefox", profile: Some("/p/a:b".into()) }
        );
        assert_eq!(parse_store("chromium").unwrap(), StoreSpec::Chromium { app: "chromium", dir: None });
        assert_eq!(parse_store("chrome").unwrap(), StoreSpec::Chromium { app: "chrome", dir: None });
        assert!(err("firefox:").message.contains("no PROFILE"));
        assert_eq!(err("firefox:").hint, "write firefox:PROFILE, or firefox alone");
        assert_eq!(err("nss").hint, "write nss:DIR");
        assert_eq!(err("file:").message, "\"file:\" names no PATH");
    }

    #[test]
    fn nss_and_file_forms() {
        assert_eq!(parse_store("nss:/d").unwrap(), StoreSpec::Nss { dir: "/d".into(), format: None });
        assert_eq!(
            parse_store("nss:sql:/d").unwrap(),
            StoreSpec::Nss { dir: "/d".into(), format: Some(DbFormat::Sql) }
        );
        assert_eq!(parse_store("nss:dbm:d").unwrap(), StoreSpec::Nss { dir: "d".into(), format: Some(DbFormat::Dbm) });
        assert!(parse_store("nss:").is_err());
        assert!(parse_store("nss:sql:").is_err());
        assert_eq!(parse_store("file:a.p12").unwrap(), StoreSpec::File("a.p12".into()));
    }

    #[test]
    fn unknown_names_the_input_and_lists_forms() {
        let e = err("opera");
        assert_eq!(e.message, "unknown store \"opera\"");
        assert!(e.hint.contains("nss:DIR") && e.hint.contains("pkcs11:token=LABEL") && e.hint.contains("file:PATH"));
        assert!(err("/home/x/db").hint.contains("nss:/home/x/db"));
    }

    #[test]
    fn pkcs11_uris() {
        let StoreSpec::Pkcs11(u) = parse_store(
            "pkcs11:token=My%20Token;serial=0123;id=%01%FF;type=cert;slot-id=3?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/x",
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(u.token.as_deref(), Some("My Token"));
        assert_eq!(u.serial.as_deref(), Some("0123"));
        assert_eq!(u.id.as_deref(), Some(&[1u8, 255][..]));
        assert_eq!(u.slot_id, Some(3));
        assert_eq!(u.module_path.as_deref(), Some(Path::new("/usr/lib/softhsm/libsofthsm2.so")));
        assert_eq!(
            u.to_string(),
            "pkcs11:serial=0123;token=My%20Token;type=cert;id=%01%FF;slot-id=3?module-path=/usr/lib/softhsm/libsofthsm2.so"
        );
        // The canonical spelling parses back to the same URI.
        assert_eq!(parse_pkcs11_uri(&u.to_string()).unwrap(), Pkcs11Uri { ..u });
    }

    #[test]
    fn pkcs11_refusals() {
        let e = err("pkcs11:token=A?pin-value=1234");
        assert!(e.message.contains("secrets never go on the command line"), "{e:?}");
        assert!(!e.message.contains("1234") && !e.hint.contains("1234"));
        assert!(err("pkcs11:token=A;pin-value=1234").message.contains("secrets never"));
        assert!(err("pkcs11:tokn=A").message.contains("unknown attribute \"tokn\""));
        assert!(err("pkcs11:token=A;token=B").message.contains("twice"));
        assert!(err("pkcs11:token=%ZZ").message.contains("percent"));
        assert!(err("pkcs11:object=x").message.contains("which token"));
        assert!(err("pkcs11:token=A?modul-path=/x").message.contains("modul-path"));
    }

    #[test]
    fn token_ids_carry_the_module() {
        assert_eq!(token_store_id("My Token ", None), "pkcs11:token=My%20Token");
        assert_eq!(
            token_store_id("My Token", Some(Path::new("/usr/lib/a b/x.so"))),
            "pkcs11:token=My%20Token?module-path=/usr/lib/a%20b/x.so"
        );
        assert_ne!(token_store_id("T", Some(Path::new("/a.so"))), token_store_id("T", Some(Path::new("/b.so"))));
    }

    #[test]
    fn token_matching() {
        let t = TokenFacts { label: "Card".into(), serial: "42".into(), slot_id: 1, ..Default::default() };
        let u = parse_pkcs11_uri("pkcs11:token=Card").unwrap();
        assert!(u.matches_token(&t));
        assert!(!parse_pkcs11_uri("pkcs11:token=Card;serial=43").unwrap().matches_token(&t));
        assert!(parse_pkcs11_uri("pkcs11:serial=42;slot-id=1").unwrap().matches_token(&t));
        assert!(!parse_pkcs11_uri("pkcs11:token=card").unwrap().matches_token(&t));
    }

    #[test]
    fn paths() {
        let h = Path::new("/h");
        assert_eq!(absolute(Path::new("~/.pki/nssdb/"), h), Path::new("/h/.pki/nssdb"));
        assert_eq!(absolute(Path::new("/a/./b"), h), Path::new("/a/b"));
        assert_eq!(show(Path::new("/h/x"), h), "~/x");
        assert!(module_matches_name("/usr/lib/softhsm/libsofthsm2.so", "softhsm2"));
        assert!(module_matches_name("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", "opensc-pkcs11"));
    }

    /// Profile layouts on disk (no database opened: only files checked).
    fn home(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("certhelp-target-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn profile(root: &Path, rel: &str, db: bool) -> PathBuf {
        let p = root.join(rel);
        std::fs::create_dir_all(&p).unwrap();
        if db {
            std::fs::write(p.join("cert9.db"), b"").unwrap();
        }
        p
    }

    fn cx(h: &Path) -> Context {
        Context { home: h.to_path_buf(), xdg_config: None, os: Os::Linux, modules: Some(Vec::new()) }
    }

    #[test]
    fn mozilla_resolution() {
        let h = home("moz");
        let ff = h.join(".mozilla/firefox");
        let rel = profile(&ff, "a.default-release", true);
        let other = profile(&ff, "b.work", true);
        let _empty = profile(&ff, "c.new", false);
        std::fs::write(
            ff.join("profiles.ini"),
            "[Install1]\nDefault=a.default-release\n\n[Profile0]\nName=default-release\nPath=a.default-release\n\n\
             [Profile1]\nName=work\nPath=b.work\n\n[Profile2]\nName=new\nPath=c.new\n",
        )
        .unwrap();
        let r = |s: &str| resolve_in(&parse_store(s).unwrap(), &cx(&h));
        match r("firefox").unwrap() {
            ResolvedStore::Nss { dir, format, app, profile, id } => {
                assert_eq!(dir, rel);
                assert_eq!(format, DbFormat::Sql);
                assert_eq!(app.as_deref(), Some("firefox"));
                assert_eq!(profile.as_deref(), Some("default-release"));
                assert_eq!(id, crate::probe::nss_store_id(&rel));
            }
            x => panic!("{x:?}"),
        }
        assert!(matches!(r("firefox:work").unwrap(), ResolvedStore::Nss { dir, .. } if dir == other));
        let p = format!("firefox:{}", other.display());
        assert!(matches!(r(&p).unwrap(), ResolvedStore::Nss { profile: Some(n), .. } if n == "work"));
        let e = r("firefox:nosuch").unwrap_err();
        assert!(e.message.contains("firefox:work") && e.message.contains("firefox:default-release"), "{e:?}");
        // A profile without a database is never returned.
        let e = r("firefox:new").unwrap_err();
        assert!(e.message.starts_with("no NSS database in ~/.mozilla/firefox/c.new"), "{e:?}");
        assert!(e.hint.contains("TS2011"));
        // No Thunderbird here.
        let e = r("thunderbird").unwrap_err();
        assert!(e.message.contains("no Thunderbird profile found"), "{e:?}");

        // Release and ESR both with a default: ambiguous, with spellings.
        let esr = h.join(".mozilla/firefox-esr");
        profile(&esr, "e.default-esr", true);
        std::fs::write(esr.join("profiles.ini"), "[Profile0]\nName=default-esr\nPath=e.default-esr\nDefault=1\n")
            .unwrap();
        let e = r("firefox").unwrap_err();
        assert!(e.message.contains("several default profiles"), "{e:?}");
        assert!(e.message.contains("firefox:default-esr (Firefox ESR"), "{e:?}");
        assert!(r("firefox:default-esr").is_ok());
        let _ = std::fs::remove_dir_all(&h);
    }

    #[test]
    fn nss_and_chromium_resolution() {
        let h = home("nss");
        let r = |s: &str| resolve_in(&parse_store(s).unwrap(), &cx(&h));
        let e = r("chromium").unwrap_err();
        assert!(e.message.contains("no NSS database for Chromium"), "{e:?}");
        // An empty ~/.pki/nssdb is not a database: the XDG one is used.
        std::fs::create_dir_all(h.join(".pki/nssdb")).unwrap();
        let xdg = profile(&h, ".local/share/pki/nssdb", true);
        assert!(matches!(r("chrome").unwrap(), ResolvedStore::Nss { dir, .. } if dir == xdg));
        let old = profile(&h, ".pki/nssdb", true);
        assert!(matches!(r("chromium").unwrap(), ResolvedStore::Nss { dir, .. } if dir == old));
        assert!(matches!(r("nss:~/.pki/nssdb").unwrap(), ResolvedStore::Nss { dir, .. } if dir == old));
        let e = r("nss:~/nothing").unwrap_err();
        assert!(e.message.contains("no directory ~/nothing"), "{e:?}");
        std::fs::create_dir_all(h.join("empty")).unwrap();
        let e = r("nss:~/empty").unwrap_err();
        assert_eq!(e.message, "no NSS database in ~/empty");
        assert_eq!(e.hint, "NSS databases here: nss:~/.pki/nssdb, nss:~/.local/share/pki/nssdb");
        assert!(r("nss:dbm:~/.pki/nssdb").is_err());
        let e = r("chrome:work").unwrap_err();
        assert!(e.message.contains("share one NSS database"), "{e:?}");
        let mut mac = cx(&h);
        mac.os = Os::Macos;
        assert!(resolve_in(&parse_store("chrome").unwrap(), &mac).unwrap_err().message.contains("keychain"));
        let _ = std::fs::remove_dir_all(&h);
    }

    #[test]
    fn token_without_modules_lists_nothing_found() {
        let h = home("tok");
        let e = resolve_in(&parse_store("pkcs11:token=Card").unwrap(), &cx(&h)).unwrap_err();
        assert!(e.message.contains("no token matches pkcs11:token=Card"), "{e:?}");
        let e =
            resolve_in(&parse_store("pkcs11:token=Card?module-path=/nonexistent.so").unwrap(), &cx(&h)).unwrap_err();
        assert!(e.message.contains("no PKCS#11 module at /nonexistent.so"));
        let _ = std::fs::remove_dir_all(&h);
    }
}
