//! Helpers shared by the integration tests: run the real binary in a
//! private HOME so no test sees the machine's profiles or caches.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "certhelp-it-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The certhelp binary, with HOME and caches inside `home`, no colour and
/// no organisation knowledge base from the caller's environment.
pub fn certhelp(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_certhelp"));
    c.env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("CERTHELP_KB")
        .env_remove("NO_COLOR")
        .env("COLUMNS", "80");
    c
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run certhelp")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 0; returns stdout.
pub fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stdout: {}\nstderr: {}", stdout(o), stderr(o));
    stdout(o)
}

/// Exit 2, exactly one `error:` line (containing `want`) and one `hint:`
/// line on stderr; returns (error line, hint line).
pub fn fails(o: &Output, want: &str) -> (String, String) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stdout: {}\nstderr: {e}", stdout(o));
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(want), "want {want:?}: {e}");
    assert!(lines[1].starts_with("hint: "), "{e}");
    (lines[0].to_string(), lines[1].to_string())
}

/// `plan --no-probe --format json` for a question, parsed.
pub fn plan_json(home: &Path, os: &str, question: &str) -> serde_json::Value {
    let o = run(certhelp(home).args(["plan", "--no-probe", "--format", "json", "--os", os, question]));
    assert!(o.status.code().is_some_and(|c| c <= 1), "{question}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{question}: bad json {e}: {}", stdout(&o)))
}

/// The repository root (for fixtures shipped with the tests).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
