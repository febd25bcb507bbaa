//! PKCS#11 modules: where they are configured (p11-kit module files, NSS
//! profiles' pkcs11.txt, well-known vendor paths, `CERTHELP_PKCS11_MODULES`)
//! and, when asked, the tokens behind them.
//!
//! Config parsing and the vendor table are plain data and pure functions;
//! loading a module (1-14 ms each) happens only in [`load_tokens`], which the
//! probe calls only when its options say so. Never logs in.

use crate::env::{Module, Token};
use crate::store::pkcs11::{is_token_module, Module as Loaded, TokenStore};
use crate::store::CertStore;
use crate::store::StoredCert;
use std::path::{Path, PathBuf};

/// p11-kit module config directories (system, admin, user-relative).
pub const P11KIT_SYSTEM_DIRS: &[&str] = &["/usr/share/p11-kit/modules", "/etc/pkcs11/modules"];
pub const P11KIT_USER_DIR: &str = ".config/pkcs11/modules";

/// Where p11-kit resolves a bare `module:` file name.
pub const P11KIT_MODULE_DIRS: &[&str] =
    &["/usr/lib/x86_64-linux-gnu/pkcs11", "/usr/lib/aarch64-linux-gnu/pkcs11", "/usr/lib64/pkcs11", "/usr/lib/pkcs11"];

/// Well-known vendor module paths (vendor name, path).
pub const WELL_KNOWN: &[(&str, &str)] = &[
    ("OpenSC", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
    ("OpenSC", "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so"),
    ("OpenSC", "/usr/lib64/opensc-pkcs11.so"),
    ("OpenSC", "/usr/lib/opensc-pkcs11.so"),
    ("OpenSC", "/Library/OpenSC/lib/opensc-pkcs11.so"),
    ("YubiKey (ykcs11)", "/usr/lib/x86_64-linux-gnu/libykcs11.so"),
    ("YubiKey (ykcs11)", "/usr/lib64/libykcs11.so"),
    ("YubiKey (ykcs11)", "/usr/local/lib/libykcs11.dylib"),
    ("SafeNet eToken", "/usr/lib/libeTPkcs11.so"),
    ("SafeNet eToken", "/usr/lib64/libeTPkcs11.so"),
    ("SafeNet eToken", "/usr/local/lib/libeTPkcs11.dylib"),
    ("ActivClient", "/usr/lib/libacpkcs211.so"),
    ("ActivClient", "/usr/lib64/libacpkcs211.so"),
    ("SoftHSM", "/usr/lib/softhsm/libsofthsm2.so"),
    ("SoftHSM", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
    ("SoftHSM", "/usr/lib64/pkcs11/libsofthsm2.so"),
];

/// Extra module paths for tests and unusual setups (colon-separated).
pub const ENV_MODULES: &str = "CERTHELP_PKCS11_MODULES";

/// The `module:` value of a p11-kit `.module` file.
pub fn parse_p11kit_module(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix("module:"))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Resolve a bare module file name the way p11-kit does (its module dir).
pub fn resolve_p11kit(module: &str) -> String {
    if module.starts_with('/') {
        return module.to_string();
    }
    P11KIT_MODULE_DIRS
        .iter()
        .map(|d| Path::new(d).join(module))
        .find(|p| p.exists())
        .map(|p| p.to_string_lossy().to_string())
        .unwrap_or_else(|| module.to_string())
}

/// The identity of a module file: its canonical path when it exists.
pub fn module_key(path: &str) -> String {
    std::fs::canonicalize(path).map(|p| p.to_string_lossy().to_string()).unwrap_or_else(|_| path.to_string())
}

/// Modules, one entry per library file: the first source that names a file
/// wins (p11-kit before the environment before the vendor table).
#[derive(Default)]
pub struct ModuleSet {
    pub modules: Vec<Module>,
    keys: Vec<String>,
}

impl ModuleSet {
    pub fn add(&mut self, path: &str, name: Option<String>, source: &str) {
        if path.is_empty() {
            return;
        }
        let key = module_key(path);
        if self.keys.contains(&key) {
            return;
        }
        self.keys.push(key);
        self.modules.push(Module {
            path: path.to_string(),
            name,
            source: source.to_string(),
            present: Path::new(path).exists(),
            loaded: None,
            error: None,
        });
    }

    /// Canonical keys of modules from p11-kit configuration.
    pub fn p11kit_keys(&self) -> Vec<String> {
        self.modules.iter().filter(|m| m.source == "p11-kit").map(|m| module_key(&m.path)).collect()
    }
}

/// p11-kit configs, well-known paths and the environment variable.
pub fn configured(home: &Path, set: &mut ModuleSet) {
    let mut dirs: Vec<PathBuf> = P11KIT_SYSTEM_DIRS.iter().map(PathBuf::from).collect();
    dirs.push(home.join(P11KIT_USER_DIR));
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "module"))
            .collect();
        files.sort();
        for f in files {
            if let Some(m) = std::fs::read_to_string(&f).ok().and_then(|t| parse_p11kit_module(&t)) {
                let name = f.file_stem().map(|s| s.to_string_lossy().to_string());
                set.add(&resolve_p11kit(&m), name, "p11-kit");
            }
        }
    }
    if let Some(v) = std::env::var_os(ENV_MODULES) {
        for p in v.to_string_lossy().split(':').filter(|p| !p.is_empty()) {
            set.add(p, None, "env");
        }
    }
    for (vendor, p) in WELL_KNOWN {
        if Path::new(p).exists() {
            set.add(p, Some(vendor.to_string()), "well-known");
        }
    }
}

/// A token found behind a module, with its certificates.
pub struct FoundToken {
    pub token: Token,
    pub certs: Result<Vec<StoredCert>, String>,
}

/// Load every present token module, list its tokens and their public
/// certificates. Records load errors on the module.
pub fn load_tokens(modules: &mut [Module]) -> Vec<FoundToken> {
    let mut out = Vec::new();
    let progress = crate::progress::spinner("Loading token modules");
    for m in modules.iter_mut() {
        if !m.present || !is_token_module(&m.path) {
            continue;
        }
        progress.set_message(format!("Loading token module {}", m.path));
        let t0 = std::time::Instant::now();
        let loaded = match Loaded::load(&m.path) {
            Ok(l) => l,
            Err(e) => {
                m.loaded = Some(false);
                m.error = Some(e.to_string());
                continue;
            }
        };
        m.loaded = Some(true);
        if std::env::var_os("CERTHELP_PROBE_TIMINGS").is_some() {
            eprintln!("probe-timing   load+C_Initialize {}: {:.2} ms", m.path, t0.elapsed().as_secs_f64() * 1000.0);
        }
        let tokens = match loaded.tokens() {
            Ok(t) => t,
            Err(e) => {
                m.error = Some(e.to_string());
                continue;
            }
        };
        for (slot, info) in tokens {
            // SoftHSM and some readers show an empty, never-initialised slot.
            if !info.token_initialized() {
                continue;
            }
            let label = info.label().trim().to_string();
            let token = Token {
                store: crate::store::target::token_store_id(&label, Some(std::path::Path::new(&m.path))),
                module: m.path.clone(),
                slot: slot.id(),
                label,
                manufacturer: info.manufacturer_id().trim().to_string(),
                model: info.model().trim().to_string(),
                serial: info.serial_number().trim().to_string(),
                login_required: info.login_required(),
                user_pin_count_low: info.user_pin_count_low(),
                user_pin_final_try: info.user_pin_final_try(),
                user_pin_locked: info.user_pin_locked(),
                user_pin_initialized: info.user_pin_initialized(),
            };
            let mut store = TokenStore { module: &loaded, slot, id: token.store.clone() };
            let certs = CertStore::list(&mut store, None).map(|l| l.certs).map_err(|e| e.to_string());
            out.push(FoundToken { token, certs });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p11kit_files() {
        assert_eq!(
            parse_p11kit_module("# c\nmodule: opensc-pkcs11.so\ncritical: no\n").as_deref(),
            Some("opensc-pkcs11.so")
        );
        assert_eq!(parse_p11kit_module("# module: x\n"), None);
        assert_eq!(resolve_p11kit("/abs/x.so"), "/abs/x.so");
    }

    #[test]
    fn set_dedupes() {
        let mut s = ModuleSet::default();
        s.add("/nonexistent/a.so", None, "p11-kit");
        s.add("/nonexistent/a.so", None, "env");
        s.add("", None, "env");
        assert_eq!(s.modules.len(), 1);
        assert!(!s.modules[0].present);
    }
}
