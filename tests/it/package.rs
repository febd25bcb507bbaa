//! How certhelp meets its users outside its verbs: the man page and shell
//! completions `certhelp generate` prints (and the Debian package
//! installs), `-v/--verbose` on a real export and import, and — when
//! `.ci/run` has built and installed the Debian package — the installed
//! files themselves.

use std::path::Path;
use std::process::Command;

use crate::fixtures::{add_chain, chain, mozilla_profile, new_db};
use crate::util::{certhelp, run, stderr, stdout, TempDir};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// What bash completes for `words` (the last one being completed), with
/// the completion script `script` sourced; bash-completion is not needed.
fn bash_complete(script: &Path, words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let o = Command::new("bash")
        .args([
            "--norc",
            "-c",
            r#"source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE};
               _certhelp certhelp "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; printf '%s\n' "${COMPREPLY[@]}""#,
            "complete",
            s(script),
        ])
        .args(words)
        .output()
        .expect("run bash");
    assert!(o.status.success(), "bash completion of {line:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect()
}

/// A verb, a flag and a flag's values complete in bash.
fn check_bash(script: &Path) {
    let verbs = bash_complete(script, &["certhelp", "exp"]);
    assert_eq!(verbs, ["export"], "certhelp exp<TAB>");
    let flags = bash_complete(script, &["certhelp", "export", "--com"]);
    assert_eq!(flags, ["--compat"], "certhelp export --com<TAB>");
    let values = bash_complete(script, &["certhelp", "export", "--compat", ""]);
    assert_eq!(values, ["modern", "legacy"], "certhelp export --compat <TAB>");
}

fn generate(home: &Path, what: &str) -> String {
    let o = run(certhelp(home).args(["generate", what]));
    assert_eq!(o.status.code(), Some(0), "generate {what}: {}", stderr(&o));
    stdout(&o)
}

#[test]
fn generate_prints_a_man_page_man_can_read() {
    // Expected: `man -l` renders the page with SPEC §5's sections, the
    // commands with their options, and no roff warnings.
    let home = TempDir::new("pk-man");
    let page = home.path().join("certhelp.1");
    std::fs::write(&page, generate(home.path(), "man")).unwrap();
    let o = Command::new("man").args(["-l", s(&page)]).env("MANWIDTH", "100").output();
    let Ok(o) = o else {
        panic!("man is not installed: .ci/install-deps installs man-db");
    };
    // Undo the overstrike bold and underline of man's terminal output.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&o.stdout).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("warning"), "{}", String::from_utf8_lossy(&o.stderr));
    for heading in ["NAME", "SYNOPSIS", "OPTIONS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"] {
        assert!(text.lines().any(|l| l == heading), "{heading} missing:\n{text}");
    }
    for want in ["certhelp export", "--password-file", "CERTHELP_STATE_DIR", "XDG_CACHE_HOME", "NO_COLOR", "backups/"] {
        assert!(text.contains(want), "{want} missing");
    }
}

#[test]
fn generate_prints_completions_for_four_shells() {
    // Expected: bash completes verbs, flags and values; zsh, fish and
    // PowerShell scripts name the verbs and the values clap knows.
    let home = TempDir::new("pk-complete");
    let bash = home.path().join("certhelp.bash");
    std::fs::write(&bash, generate(home.path(), "complete-bash")).unwrap();
    check_bash(&bash);
    for shell in ["complete-zsh", "complete-fish", "complete-powershell"] {
        let script = generate(home.path(), shell);
        for want in ["export", "import", "chain", "legacy", "digital-id"] {
            assert!(script.contains(want), "{shell}: {want} missing");
        }
    }
    let o = run(certhelp(home.path()).args(["generate", "complete-tcsh"]));
    assert_eq!(o.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn verbose_export_and_import_say_what_they_opened_and_no_secret() {
    // Expected: with -v, stderr names the store the argument resolved to,
    // the NSS database opened, the PKCS#11 module (softoken) loaded, the
    // file read, the backup and the journal, with times; stdout is what it
    // is without -v. The unique password and database password appear
    // nowhere; with --redact, the home directory does not either.
    let home = TempDir::new("pk-verbose");
    let h = home.path();
    let work = h.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let password = "pk-verbose-Zq7#only-in-this-file";
    std::fs::write(work.join("pw"), format!("{password}\n")).unwrap();
    let src = h.join("src");
    new_db(&src, None);
    let c = chain("Verbose Person", false);
    add_chain(&src, &c, "Verbose Person", &work, None);
    let dst = h.join("dst");
    new_db(&dst, None);
    let cmd = |args: &[&str]| {
        let mut c = certhelp(h);
        c.env("CERTHELP_STATE_DIR", h.join("state")).env("CERTHELP_P12_ITERATIONS", "2048").args(args);
        c
    };
    let out = work.join("v.p12");
    let from = format!("nss:{}", s(&src));
    let pw = work.join("pw");
    let export = ["export", "--from", &from, "--out", s(&out), "--password-file", s(&pw)];

    let quiet = run(&mut cmd(&export));
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    assert_eq!(stderr(&quiet), "", "without -v, nothing on stderr");
    std::fs::remove_file(&out).unwrap();

    let mut verbose_args = vec!["-v"];
    verbose_args.extend(export);
    let o = run(&mut cmd(&verbose_args));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).replace(s(&out), ""), stdout(&quiet).replace(s(&out), ""), "-v changes only stderr");
    let e = stderr(&o);
    for want in [
        "export command",
        "store: NSS database",
        "opened NSS database",
        "loaded PKCS#11 module",
        "softokn3",
        "read from the file",
        "export phase",
        "exit status 0",
    ] {
        assert!(e.contains(want), "{want} missing:\n{e}");
    }
    assert!(!e.contains(password), "the password is never printed:\n{e}");
    assert!(e.contains(s(h)), "without --redact, paths are shown as they are:\n{e}");

    let to = format!("nss:{}", s(&dst));
    let o = run(&mut cmd(&["import", s(&out), "--to", &to, "--password-file", s(&pw), "-v", "--redact"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    for want in [
        "import command",
        "store: NSS database ~/dst",
        "opened NSS database",
        "loaded PKCS#11 module",
        "read ~/work/v.p12",
        "locked",
        "backup of",
        "journal",
        "removed",
        "import phase",
    ] {
        assert!(e.contains(want), "{want} missing:\n{e}");
    }
    assert!(!e.contains(password), "the password is never printed:\n{e}");
    assert!(!e.contains(s(h)), "--redact hides the home directory:\n{e}");
    assert!(e.lines().all(|l| l.starts_with("certhelp: [")), "every line is a verbose line:\n{e}");
}

/// The Debian package as `.ci/run` installed it (`cargo deb`, `dpkg -i`):
/// set CERTHELP_TEST_DEB_INSTALLED=1 to check it; skipped otherwise.
#[test]
fn installed_debian_package_works() {
    if std::env::var_os("CERTHELP_TEST_DEB_INSTALLED").is_none() {
        eprintln!("skipped: the Debian package is not installed (.ci/run builds and installs it)");
        return;
    }
    // Expected: /usr/bin/certhelp prints its version and the README's
    // plan; man finds the gzipped page; bash completes a verb with the
    // installed script; zsh and fish scripts are where Debian's shells
    // look; dpkg lists the hand-written dependencies.
    let home = TempDir::new("pk-deb");
    let bin = |args: &[&str]| {
        let mut c = Command::new("/usr/bin/certhelp");
        c.env("HOME", home.path()).env_remove("CERTHELP_KB").args(args);
        c.output().expect("run /usr/bin/certhelp")
    };
    let v = bin(&["--version"]);
    assert_eq!(stdout(&v).trim(), format!("certhelp {}", env!("CARGO_PKG_VERSION")));
    let plan = bin(&["--no-probe", "--os", "windows", "move identity cert to new pc"]);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    assert!(stdout(&plan).contains("Articles: SO7079 -> SO10186 -> SO7085"), "{}", stdout(&plan));

    let man = Command::new("man").args(["-w", "certhelp"]).output().expect("run man");
    assert_eq!(String::from_utf8_lossy(&man.stdout).trim(), "/usr/share/man/man1/certhelp.1.gz");
    check_bash(Path::new("/usr/share/bash-completion/completions/certhelp"));
    for f in ["/usr/share/zsh/vendor-completions/_certhelp", "/usr/share/fish/vendor_completions.d/certhelp.fish"] {
        assert!(std::fs::read_to_string(f).unwrap_or_default().contains("export"), "{f}");
    }
    let status = Command::new("dpkg").args(["-s", "certhelp"]).output().expect("run dpkg");
    let status = stdout(&status);
    let depends = status.lines().find(|l| l.starts_with("Depends:")).unwrap_or_default();
    for want in ["libnss3", "libssl3", "libsqlite3-0"] {
        assert!(depends.contains(want), "{depends}");
    }
    let suggests = status.lines().find(|l| l.starts_with("Suggests:")).unwrap_or_default();
    assert!(suggests.contains("opensc") && suggests.contains("pcscd"), "{status}");
}

#[test]
fn double_verbose_adds_the_profiles_the_probe_found() {
    // Expected: `-v probe` names the NSS database it opened; `-vv` adds the
    // Firefox profile it found; --redact shows both under `~`.
    let home = TempDir::new("pk-vv");
    mozilla_profile(&home.path().join(".mozilla/firefox"), "abcd1234.default-release", None);
    let v = stderr(&run(certhelp(home.path()).args(["-v", "--redact", "probe"])));
    assert!(v.contains("opened NSS database ~/.mozilla/firefox/abcd1234.default-release"), "{v}");
    assert!(!v.contains("profile \"default-release\""), "-v leaves the profiles out: {v}");
    let vv = stderr(&run(certhelp(home.path()).args(["-vv", "--redact", "probe"])));
    assert!(vv.contains("profile \"default-release\" at ~/.mozilla/firefox/abcd1234.default-release"), "{vv}");
    assert!(!vv.contains(s(home.path())), "{vv}");
}
