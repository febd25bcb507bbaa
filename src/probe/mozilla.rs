//! Mozilla apps (Firefox, Thunderbird, SeaMonkey): where their profile
//! roots are (a table per OS), which profiles `profiles.ini` names (never a
//! glob), and what a profile's `prefs.js`, `pkcs11.txt` and
//! `compatibility.ini` say.
//!
//! The parsers are pure functions over text; [`discover`] only reads the
//! files the tables and `profiles.ini` point at. Nothing here opens a
//! certificate database (that is `store::nss`).

use crate::env::Os;
use std::path::{Path, PathBuf};

/// One place an app keeps its `profiles.ini`, relative to `$HOME`.
#[derive(Debug, Clone, Copy)]
pub struct ProfileRoot {
    /// Planner app id.
    pub app: &'static str,
    pub name: &'static str,
    pub variant: &'static str,
    pub dir: &'static str,
}

const fn root(app: &'static str, name: &'static str, variant: &'static str, dir: &'static str) -> ProfileRoot {
    ProfileRoot { app, name, variant, dir }
}

/// Linux profile roots (pitfall 11: ESR, snap, flatpak, XDG for 147+).
pub const LINUX_ROOTS: &[ProfileRoot] = &[
    root("firefox", "Firefox", "release", ".mozilla/firefox"),
    root("firefox", "Firefox ESR", "esr", ".mozilla/firefox-esr"),
    root("firefox", "Firefox (snap)", "snap", "snap/firefox/common/.mozilla/firefox"),
    root("firefox", "Firefox (flatpak)", "flatpak", ".var/app/org.mozilla.firefox/.mozilla/firefox"),
    // Firefox 147+ follows XDG; `$XDG_CONFIG_HOME` replaces `.config`.
    root("firefox", "Firefox", "xdg", ".config/mozilla/firefox"),
    root("thunderbird", "Thunderbird", "release", ".thunderbird"),
    root("thunderbird", "Thunderbird (snap)", "snap", "snap/thunderbird/common/.thunderbird"),
    root("thunderbird", "Thunderbird (flatpak)", "flatpak", ".var/app/org.mozilla.Thunderbird/.thunderbird"),
    root("netscape", "SeaMonkey", "seamonkey", ".mozilla/seamonkey"),
];

pub const MACOS_ROOTS: &[ProfileRoot] = &[
    root("firefox", "Firefox", "release", "Library/Application Support/Firefox"),
    root("thunderbird", "Thunderbird", "release", "Library/Thunderbird"),
    root("netscape", "SeaMonkey", "seamonkey", "Library/Application Support/SeaMonkey"),
];

pub const WINDOWS_ROOTS: &[ProfileRoot] = &[
    root("firefox", "Firefox", "release", "AppData/Roaming/Mozilla/Firefox"),
    root("thunderbird", "Thunderbird", "release", "AppData/Roaming/Thunderbird"),
    root("netscape", "SeaMonkey", "seamonkey", "AppData/Roaming/Mozilla/SeaMonkey"),
];

pub fn roots(os: Os) -> &'static [ProfileRoot] {
    match os {
        Os::Linux => LINUX_ROOTS,
        Os::Macos => MACOS_ROOTS,
        Os::Windows => WINDOWS_ROOTS,
    }
}

/// A profile named in profiles.ini.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileEntry {
    pub name: String,
    pub path: PathBuf,
    pub default: bool,
}

/// Parse `profiles.ini` (whose directory is `base`). The default profile is
/// the one an `[Install…]` section's `Default=` names; without one, the
/// profile with `Default=1`; without that, the only profile.
pub fn parse_profiles_ini(text: &str, base: &Path) -> Vec<ProfileEntry> {
    struct Section {
        name: String,
        keys: Vec<(String, String)>,
    }
    let mut sections: Vec<Section> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(n) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push(Section { name: n.to_string(), keys: Vec::new() });
        } else if let (Some(s), Some((k, v))) = (sections.last_mut(), line.split_once('=')) {
            s.keys.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let get = |s: &Section, k: &str| s.keys.iter().find(|(kk, _)| kk.eq_ignore_ascii_case(k)).map(|(_, v)| v.clone());
    let install_defaults: Vec<String> =
        sections.iter().filter(|s| s.name.starts_with("Install")).filter_map(|s| get(s, "Default")).collect();

    let mut out = Vec::new();
    for s in sections.iter().filter(|s| s.name.starts_with("Profile")) {
        let Some(path) = get(s, "Path") else { continue };
        let relative = get(s, "IsRelative").map(|v| v == "1").unwrap_or(true);
        let full = if relative {
            // profiles.ini uses '/' even on Windows.
            path.split('/').fold(base.to_path_buf(), |p, c| p.join(c))
        } else {
            PathBuf::from(&path)
        };
        let default = if install_defaults.is_empty() {
            get(s, "Default").as_deref() == Some("1")
        } else {
            install_defaults.contains(&path)
        };
        out.push(ProfileEntry { name: get(s, "Name").unwrap_or_else(|| path.clone()), path: full, default });
    }
    if out.len() == 1 {
        out[0].default = true;
    }
    out
}

/// A value in prefs.js / user.js.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefValue {
    Str(String),
    Bool(bool),
    Int(i64),
}

impl PrefValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PrefValue::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Parse `user_pref("name", value);` / `pref(...)` lines. Later lines win
/// when the caller looks names up from the end (as the app does).
pub fn parse_prefs(text: &str) -> Vec<(String, PrefValue)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        let rest = if let Some(r) = l.strip_prefix("user_pref(") {
            r
        } else if let Some(r) = l.strip_prefix("pref(") {
            r
        } else {
            continue;
        };
        let Some((name, rest)) = js_string(rest.trim_start()) else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix(',') else {
            continue;
        };
        let rest = rest.trim_start();
        let value = if rest.starts_with('"') || rest.starts_with('\'') {
            match js_string(rest) {
                Some((s, _)) => PrefValue::Str(s),
                None => continue,
            }
        } else {
            let tok: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            match tok.as_str() {
                "true" => PrefValue::Bool(true),
                "false" => PrefValue::Bool(false),
                n => match n.parse() {
                    Ok(i) => PrefValue::Int(i),
                    Err(_) => continue,
                },
            }
        };
        out.push((name, value));
    }
    out
}

/// A quoted JS string at the start of `s`; returns it and the rest.
fn js_string(s: &str) -> Option<(String, &str)> {
    let mut chars = s.char_indices();
    let (_, q) = chars.next()?;
    if q != '"' && q != '\'' {
        return None;
    }
    let mut out = String::new();
    let mut esc = false;
    for (i, c) in chars {
        if esc {
            out.push(match c {
                'n' => '\n',
                't' => '\t',
                other => other,
            });
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if c == q {
            return Some((out, &s[i + c.len_utf8()..]));
        } else {
            out.push(c);
        }
    }
    None
}

/// The last value set for `name`.
pub fn pref<'a>(prefs: &'a [(String, PrefValue)], name: &str) -> Option<&'a PrefValue> {
    prefs.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// One module block of an NSS `pkcs11.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleEntry {
    pub name: Option<String>,
    /// Empty for NSS's internal module.
    pub library: String,
}

/// Parse `pkcs11.txt` (blocks of `key=value` lines separated by blank
/// lines). The internal module (empty `library=`) is kept with an empty
/// library so callers can skip it.
pub fn parse_pkcs11_txt(text: &str) -> Vec<ModuleEntry> {
    let mut out = Vec::new();
    let mut cur: Option<ModuleEntry> = None;
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() {
            if let Some(m) = cur.take() {
                out.push(m);
            }
            continue;
        }
        if let Some(v) = l.strip_prefix("library=") {
            if let Some(m) = cur.take() {
                out.push(m);
            }
            cur = Some(ModuleEntry { name: None, library: v.trim().to_string() });
        } else if let Some(v) = l.strip_prefix("name=") {
            if let Some(m) = cur.as_mut() {
                m.name = Some(v.trim().to_string());
            }
        }
    }
    if let Some(m) = cur.take() {
        out.push(m);
    }
    out
}

/// `LastVersion=128.5.0_20241119...` in a profile's compatibility.ini.
pub fn parse_compat_version(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("LastVersion="))
        .map(|v| v.split('_').next().unwrap_or(v).to_string())
        .filter(|v| !v.is_empty())
}

/// (key `idN`, e-mail, signing certificate, encryption certificate).
pub type IdentityPrefs = (String, Option<String>, Option<String>, Option<String>);

/// Thunderbird identities from prefs: (key `idN`, email, signing cert,
/// encryption cert). The `*_cert_dbkey` as `dbkey:<base64>` when set (what
/// Thunderbird looks certificates up by; its `*_cert_name` is a display
/// name, the CN, not a nickname), else an old `*_cert_name` (a nickname).
pub fn mail_identities(prefs: &[(String, PrefValue)]) -> Vec<IdentityPrefs> {
    let mut keys: Vec<String> = Vec::new();
    for (n, _) in prefs {
        if let Some(rest) = n.strip_prefix("mail.identity.") {
            if let Some((id, _)) = rest.split_once('.') {
                if !keys.iter().any(|k| k == id) {
                    keys.push(id.to_string());
                }
            }
        }
    }
    let s = |id: &str, field: &str| {
        pref(prefs, &format!("mail.identity.{id}.{field}"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .filter(|v| !v.is_empty())
    };
    let cert = |id: &str, kind: &str| {
        s(id, &format!("{kind}_cert_dbkey"))
            .map(|k| format!("dbkey:{k}"))
            .or_else(|| s(id, &format!("{kind}_cert_name")))
    };
    keys.into_iter()
        .filter(|id| s(id, "useremail").is_some() || cert(id, "signing").is_some())
        .map(|id| {
            let email = s(&id, "useremail");
            let sig = cert(&id, "signing");
            let enc = cert(&id, "encryption");
            (id, email, sig, enc)
        })
        .collect()
}

/// Serial number (upper-case hex, no leading zeros) inside an NSS dbKey:
/// base64 of module id (4), slot id (4), serial length (4), issuer length
/// (4), serial, issuer DER.
pub fn dbkey_serial(dbkey: &str) -> Option<String> {
    let raw = base64_decode(dbkey.trim())?;
    if raw.len() < 16 {
        return None;
    }
    let slen = u32::from_be_bytes(raw[8..12].try_into().ok()?) as usize;
    let serial = raw.get(16..16 + slen)?;
    let hex: String = serial.iter().map(|b| format!("{b:02X}")).collect();
    let t = hex.trim_start_matches('0');
    Some(if t.is_empty() { "0".into() } else { t.into() })
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

/// A profile found on disk.
#[derive(Debug, Clone)]
pub struct FoundProfile {
    pub root: ProfileRoot,
    pub entry: ProfileEntry,
}

/// Read each root's profiles.ini under `home` (and `xdg_config` for the
/// `.config/...` root). Returns the roots that exist (app installed or
/// used) and their profiles.
pub fn discover(home: &Path, xdg_config: Option<&Path>, os: Os) -> Vec<(ProfileRoot, PathBuf, Vec<ProfileEntry>)> {
    let mut out = Vec::new();
    for r in roots(os) {
        let dir = match (r.dir.strip_prefix(".config/"), xdg_config) {
            (Some(rest), Some(x)) => x.join(rest),
            _ => home.join(r.dir),
        };
        let ini = dir.join("profiles.ini");
        let Ok(text) = std::fs::read_to_string(&ini) else {
            continue;
        };
        out.push((*r, dir.clone(), parse_profiles_ini(&text, &dir)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const INI: &str = "\
[Install4F96D1932A9F858E]
Default=Profiles/abcd.default-release
Locked=1

[Profile1]
Name=default
IsRelative=1
Path=Profiles/xyz.default
Default=1

[Profile0]
Name=default-release
IsRelative=1
Path=Profiles/abcd.default-release

[Profile2]
Name=work
IsRelative=0
Path=/srv/profiles/work

[General]
StartWithLastProfile=1
Version=2
";

    #[test]
    fn install_default_wins() {
        let p = parse_profiles_ini(INI, Path::new("/h/.mozilla/firefox"));
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].name, "default");
        assert!(!p[0].default);
        assert_eq!(p[1].path, Path::new("/h/.mozilla/firefox/Profiles/abcd.default-release"));
        assert!(p[1].default);
        assert_eq!(p[2].path, Path::new("/srv/profiles/work"));
    }

    #[test]
    fn default_flag_without_install() {
        let ini = "[Profile0]\nName=a\nPath=a.default\n\n[Profile1]\nName=b\nPath=b\nDefault=1\n";
        let p = parse_profiles_ini(ini, Path::new("/x"));
        assert!(!p[0].default && p[1].default);
        let p = parse_profiles_ini("[Profile0]\nPath=only\n", Path::new("/x"));
        assert!(p[0].default);
        assert_eq!(p[0].name, "only");
    }

    #[test]
    fn prefs() {
        let text = r#"// Mozilla User Preferences
user_pref("security.nocertdb", true);
user_pref("mail.identity.id1.useremail", "jane@example.com");
user_pref("mail.identity.id1.signing_cert_name", "Jane's \"ECA\" ID");
user_pref("mail.identity.id2.useremail", "other@example.com");
user_pref("mail.identity.id2.encryption_cert_dbkey", "AAAAAAAAAAAAAAACAAAAAxI0MAEA");
user_pref("browser.startup.page", 3);
user_pref("security.nocertdb", false);
"#;
        let p = parse_prefs(text);
        assert_eq!(pref(&p, "security.nocertdb"), Some(&PrefValue::Bool(false)));
        assert_eq!(pref(&p, "browser.startup.page"), Some(&PrefValue::Int(3)));
        let ids = mail_identities(&p);
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0].0, "id1");
        assert_eq!(ids[0].2.as_deref(), Some("Jane's \"ECA\" ID"));
        assert_eq!(ids[1].3.as_deref(), Some("dbkey:AAAAAAAAAAAAAAACAAAAAxI0MAEA"));
        assert_eq!(dbkey_serial("AAAAAAAAAAAAAAACAAAAAxI0MAEA").as_deref(), Some("1234"));
    }

    #[test]
    fn pkcs11_txt() {
        let t = "library=\nname=NSS Internal PKCS #11 Module\nparameters=configdir='sql:/x'\nNSS=Flags=internal,critical\n\nlibrary=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\nname=OpenSC\n\nlibrary=opensc-pkcs11.so\nname=OpenSC again\n";
        let m = parse_pkcs11_txt(t);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].library, "");
        assert_eq!(m[1].name.as_deref(), Some("OpenSC"));
        assert_eq!(m[2].library, "opensc-pkcs11.so");
    }

    #[test]
    fn compat() {
        assert_eq!(
            parse_compat_version("[Compatibility]\nLastVersion=128.5.0_20241119000000/20241119000000\n").as_deref(),
            Some("128.5.0")
        );
    }
}
