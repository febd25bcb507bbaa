//! Secrets, proven by watching real runs of the certhelp binary (issue 8):
//! every verb that takes a password or PIN runs with unique secrets
//! ("Pw-<random>-uniq", from a seeded xorshift) read from files, and
//! - `strace -f -e trace=execve -v` shows certhelp starts no child at all,
//!   so no argv or environment of a child can carry a secret, and the
//!   secrets appear nowhere in the trace;
//! - stdout and stderr never contain a secret, on success and on the error
//!   paths (wrong password, wrong PIN, the .p12 given as password file);
//! - a live certhelp, stopped after the verb (`CERTHELP_PAUSE_AT=VERB:done`,
//!   src/fault.rs), has core dumps off (/proc/PID/limits), is not dumpable
//!   (run as nobody, its /proc/PID files are root's), and its memory
//!   (/proc/PID/maps + /proc/PID/mem, read as root) holds neither the
//!   secrets (UTF-8, UTF-16) nor the private key, not even in freed heap:
//!   certhelp gives OpenSSL an allocator that wipes what it frees
//!   (src/harden.rs; without it OpenSSL 3.0 leaves a parsed key's PKCS#8
//!   bytes and a wrong PKCS#12 password's UTF-16 form behind);
//! - every file certhelp creates is opened O_CREAT with mode 0600 (strace
//!   of the open calls: "from the first byte"), directories 0700.
//!
//! Needs strace (.ci/install-deps) and root for the memory scan; without
//! them the tests say so and pass (the CI image has both).

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::fixtures::{add_chain, chain, mozilla_profile, new_db, Chain, SOFTHSM};
use crate::util::{certhelp, stderr, stdout, TempDir};

/// A tiny seeded generator (xorshift64*): unique secrets per run, no crate.
struct XorShift(u64);

impl XorShift {
    fn seeded() -> XorShift {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
        XorShift((t ^ (u64::from(std::process::id()) << 32)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn secret(&mut self) -> String {
        format!("Pw-{:016x}-uniq", self.next())
    }
}

const JANE: &str = "tester@example.com";

/// A home with unique secrets in files, a source database and a
/// destination database (both with a password), a Thunderbird profile with
/// a password and a mail identity, and a PKCS#12 file of the leaf.
struct World {
    dir: TempDir,
    c: Chain,
    /// The PKCS#12 file's password, the databases' password, the new
    /// file's password, a wrong one.
    pw: String,
    dbpw: String,
    newpw: String,
    wrong: String,
}

impl World {
    fn new(tag: &str) -> World {
        let mut rng = XorShift::seeded();
        let dir = TempDir::new(tag);
        let w = World {
            dir,
            c: chain("Secret Tester", false),
            pw: rng.secret(),
            dbpw: rng.secret(),
            newpw: rng.secret(),
            wrong: rng.secret(),
        };
        let work = w.work();
        std::fs::create_dir_all(&work).unwrap();
        for (f, s) in [("pw", &w.pw), ("dbpw", &w.dbpw), ("newpw", &w.newpw), ("wrong", &w.wrong)] {
            std::fs::write(work.join(f), format!("{s}\n")).unwrap();
        }
        // Fixture helpers write the database password to work/dbpw too
        // (same content) and use their own throwaway PKCS#12 password.
        for db in ["src", "dst", "dst2"] {
            new_db(&w.path().join(db), Some(&w.dbpw));
        }
        let src = w.path().join("src");
        add_chain(&src, &w.c, "Secret Tester", &w.fix(), Some(&w.dbpw));

        std::fs::write(w.p12(), w.c.p12("Secret Tester", &w.pw)).unwrap();

        let profile = mozilla_profile(&w.path().join(".thunderbird"), "tb01.default-release", Some(&w.dbpw));
        add_chain(&profile, &w.c, "Secret Tester", &w.fix(), Some(&w.dbpw));
        std::fs::write(
            profile.join("prefs.js"),
            format!(
                "user_pref(\"mail.account.account1.identities\", \"id1\");\n\
                 user_pref(\"mail.identity.id1.useremail\", \"{JANE}\");\n"
            ),
        )
        .unwrap();
        w
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn work(&self) -> PathBuf {
        self.path().join("work")
    }
    /// Where the fixture helpers put their own files.
    fn fix(&self) -> PathBuf {
        let d = self.path().join("fix");
        std::fs::create_dir_all(&d).unwrap();
        d
    }
    fn p12(&self) -> PathBuf {
        self.work().join("in.p12")
    }
    fn file(&self, name: &str) -> String {
        self.work().join(name).to_str().unwrap().to_string()
    }
    fn store(&self, db: &str) -> String {
        format!("nss:{}", self.path().join(db).display())
    }
    fn secrets(&self) -> [&str; 4] {
        [&self.pw, &self.dbpw, &self.newpw, &self.wrong]
    }
    /// certhelp in this home, with a state directory and a fast PKCS#12.
    fn certhelp(&self) -> Command {
        let mut c = certhelp(self.path());
        c.env("CERTHELP_STATE_DIR", self.path().join("state")).env("CERTHELP_P12_ITERATIONS", "2048");
        c
    }
    /// The same under `strace -f -o TRACE` with the given syscalls.
    fn traced(&self, trace: &Path, syscalls: &str) -> Command {
        let plain = self.certhelp();
        let mut c = Command::new("strace");
        c.args(["-f", "-qq", "-v", "-s", "4096", "-e"]).arg(format!("trace={syscalls}")).arg("-o").arg(trace);
        c.arg(plain.get_program());
        for (k, v) in plain.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c
    }
}

/// One run of a verb: its arguments, and whether it should succeed.
struct Case {
    name: &'static str,
    args: Vec<String>,
    ok: bool,
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// Every verb that reads a secret, on its success and its error paths.
fn cases(w: &World) -> Vec<Case> {
    let (pw, dbpw, newpw, wrong) = (w.file("pw"), w.file("dbpw"), w.file("newpw"), w.file("wrong"));
    let p12 = w.p12().to_str().unwrap().to_string();
    let (src, dst, dst2) = (w.store("src"), w.store("dst"), w.store("dst2"));
    let out = |n: &str| w.file(n);
    vec![
        Case {
            name: "export",
            args: args(&[
                "export",
                "--from",
                &src,
                "--out",
                &out("out.p12"),
                "--password-file",
                &newpw,
                "--pin-file",
                &dbpw,
            ]),
            ok: true,
        },
        Case {
            name: "import",
            args: args(&["import", &p12, "--to", &dst, "--password-file", &pw, "--pin-file", &dbpw]),
            ok: true,
        },
        Case {
            name: "convert",
            args: args(&[
                "convert",
                &p12,
                "--out",
                &out("out.pem"),
                "--password-file",
                &pw,
                "--new-password-file",
                &newpw,
            ]),
            ok: true,
        },
        Case {
            name: "chain",
            args: args(&[
                "chain",
                "install",
                "--to",
                &dst2,
                "--from-file",
                &p12,
                "--password-file",
                &pw,
                "--pin-file",
                &dbpw,
            ]),
            ok: true,
        },
        Case {
            name: "associate",
            args: args(&["associate", "--cert", JANE, "--client", "thunderbird", "--pin-file", &dbpw]),
            ok: true,
        },
        Case { name: "token", args: args(&["token", "enable", "--module", SOFTHSM, "--in", &dst]), ok: true },
        // Error paths: wrong password, wrong PIN, the .p12 as its own password file.
        Case {
            name: "import",
            args: args(&["import", &p12, "--to", &dst, "--password-file", &wrong, "--pin-file", &dbpw]),
            ok: false,
        },
        Case {
            name: "export",
            args: args(&[
                "export",
                "--from",
                &src,
                "--out",
                &out("bad.p12"),
                "--password-file",
                &newpw,
                "--pin-file",
                &wrong,
            ]),
            ok: false,
        },
        Case {
            name: "import",
            args: args(&["import", &p12, "--to", &dst, "--password-file", &p12, "--pin-file", &dbpw]),
            ok: false,
        },
        Case {
            name: "convert",
            args: args(&[
                "convert",
                &p12,
                "--out",
                &out("bad.pem"),
                "--password-file",
                &wrong,
                "--new-password-file",
                &newpw,
            ]),
            ok: false,
        },
        Case {
            name: "chain",
            args: args(&[
                "chain",
                "install",
                "--to",
                &dst2,
                "--from-file",
                &p12,
                "--password-file",
                &pw,
                "--pin-file",
                &wrong,
            ]),
            ok: false,
        },
    ]
}

fn have_strace() -> bool {
    Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn check_output(case: &Case, o: &Output, w: &World) {
    let (out, err) = (stdout(o), stderr(o));
    if case.ok {
        assert_eq!(o.status.code(), Some(0), "{}: {out}{err}", case.name);
    } else {
        assert_eq!(o.status.code(), Some(2), "{}: {out}{err}", case.name);
        let lines: Vec<&str> = err.lines().collect();
        assert!(lines.len() == 2 && lines[0].starts_with("error: ") && lines[1].starts_with("hint: "), "{err}");
    }
    for s in w.secrets() {
        assert!(
            !out.contains(s) && !err.contains(s),
            "{} {:?}: a secret in the output:\n{out}{err}",
            case.name,
            case.args
        );
    }
}

#[test]
fn no_child_process_and_no_secret_in_trace_or_output() {
    // Expected: for every case, exactly one execve in the trace (strace
    // starting certhelp itself: certhelp starts no child, so no child's
    // argv or environment exists to carry a secret); none of the four
    // secrets anywhere in the trace (which shows argv and the whole
    // environment, -v); none in stdout or stderr; errors are one error
    // line and one hint line.
    if !have_strace() {
        eprintln!("skipped: strace is not installed (.ci/install-deps installs it)");
        return;
    }
    let w = World::new("secrets-trace");
    for (i, case) in cases(&w).iter().enumerate() {
        let trace = w.path().join(format!("trace-{i}"));
        let o = w.traced(&trace, "execve,execveat,vfork,clone3").args(&case.args).output().unwrap();
        check_output(case, &o, &w);
        let t = std::fs::read_to_string(&trace).unwrap();
        let execs: Vec<&str> = t.lines().filter(|l| l.contains("execve(") || l.contains("execveat(")).collect();
        assert_eq!(execs.len(), 1, "{} {:?}: certhelp started a process:\n{t}", case.name, case.args);
        assert!(execs[0].contains(env!("CARGO_BIN_EXE_certhelp")), "{t}");
        for s in w.secrets() {
            assert!(!t.contains(s), "{}: a secret in the trace:\n{t}", case.name);
        }
    }
}

/// Where a needle was found in a live process: the mapping's line in
/// /proc/PID/maps and the offset in it.
#[derive(Debug)]
struct Found {
    needle: String,
    mapping: String,
    offset: usize,
}

/// Reads every readable mapping of the stopped process `pid` (root only
/// once certhelp made itself non-dumpable) and finds each needle.
fn scan(pid: u32, needles: &[(String, Vec<u8>)]) -> Vec<Found> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut found = Vec::new();
    for line in maps.lines() {
        let mut f = line.split_whitespace();
        let (range, perms) = (f.next().unwrap(), f.next().unwrap());
        // A secret is never in a read-only mapping of a file (code, data of
        // a library as shipped).
        let file_backed = line.split_whitespace().nth(5).is_some_and(|p| p.starts_with('/'));
        if !perms.starts_with('r')
            || (file_backed && !perms.contains('w'))
            || line.ends_with("[vvar]")
            || line.ends_with("[vsyscall]")
        {
            continue;
        }
        let (a, b) = range.split_once('-').unwrap();
        let (a, b) = (u64::from_str_radix(a, 16).unwrap(), u64::from_str_radix(b, 16).unwrap());
        let mut buf = vec![0u8; (b - a) as usize];
        if mem.seek(SeekFrom::Start(a)).is_err() || mem.read_exact(&mut buf).is_err() {
            continue;
        }
        for (name, n) in needles {
            let mut at = 0;
            while let Some(i) = find(&buf[at..], n) {
                found.push(Found { needle: name.clone(), mapping: line.to_string(), offset: at + i });
                at += i + 1;
            }
        }
    }
    found
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    // SAFETY: memmem reads only within the two slices given with their lengths.
    let p = unsafe { libc::memmem(hay.as_ptr().cast(), hay.len(), needle.as_ptr().cast(), needle.len()) };
    (!p.is_null()).then(|| p as usize - hay.as_ptr() as usize)
}

/// A secret as certhelp or a library might hold it: UTF-8, and UTF-16 as
/// PKCS#12's key derivation does (BMPString, big-endian) or Windows-style.
fn forms(name: &str, s: &str) -> Vec<(String, Vec<u8>)> {
    let be: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    let le: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    vec![
        (name.to_string(), s.as_bytes().to_vec()),
        (format!("{name} (UTF-16BE)"), be),
        (format!("{name} (UTF-16LE)"), le),
    ]
}

/// The key as it may sit in memory: PKCS#8 DER, and the RSA private
/// exponent big-endian (NSS's attribute) and little-endian (OpenSSL's
/// BIGNUM words on x86-64 and arm64); 32-byte windows from its middle, so
/// a copy with another length prefix still matches.
fn key_forms(w: &World) -> Vec<(String, Vec<u8>)> {
    let pkcs8 = w.c.leaf.key.private_key_to_pkcs8().unwrap();
    let d = w.c.leaf.key.rsa().unwrap().d().to_vec();
    let mut le = d.clone();
    le.reverse();
    let mid = |v: &[u8]| v[v.len() / 2..v.len() / 2 + 32].to_vec();
    vec![("key PKCS#8".into(), mid(&pkcs8)), ("key d (BE)".into(), mid(&d)), ("key d (LE)".into(), mid(&le))]
}

/// Runs `case` with `CERTHELP_PAUSE_AT=<verb>:done`, waits until certhelp
/// has stopped itself, hands its pid to `look`, then lets it finish.
fn paused<T>(w: &World, case: &Case, look: impl FnOnce(u32) -> T) -> (T, Output) {
    let mut child = w
        .certhelp()
        .env("CERTHELP_PAUSE_AT", format!("{}:done", case.name))
        .args(&case.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut status = 0;
    // SAFETY: waits (without reaping) for our own child to stop or end.
    let r = unsafe { libc::waitpid(pid as i32, &mut status, libc::WUNTRACED) };
    assert_eq!(r, pid as i32);
    let stopped = libc::WIFSTOPPED(status);
    let seen = stopped.then(|| look(pid));
    if stopped {
        // SAFETY: SIGCONT to our own stopped child.
        unsafe { libc::kill(pid as i32, libc::SIGCONT) };
        let o = child.wait_with_output().unwrap();
        (seen.unwrap(), o)
    } else {
        // It ended before the point: report what it said.
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        // Already reaped by waitpid above; this only satisfies Child.
        let _ = child.wait();
        panic!("{} never reached {}:done (status {status}): {err}", case.name, case.name);
    }
}

#[test]
fn a_paused_certhelp_holds_no_secret_and_cannot_be_dumped() {
    // Expected, after each verb has run (success and error paths) but
    // before the process exits: /proc/PID/limits says core files are 0
    // bytes (soft and hard), and no form of the four secrets (UTF-8, what
    // certhelp holds in `Secret`; UTF-16, what PKCS#12's KDF makes) and
    // no copy of the private key is left anywhere in its memory, freed
    // heap included.
    if !is_root() {
        eprintln!("skipped: reading another process's memory needs root (the CI runs the tests as root)");
        return;
    }
    let w = World::new("secrets-mem");
    let mut needles = Vec::new();
    for (n, s) in
        [("password", &w.pw), ("db password", &w.dbpw), ("new password", &w.newpw), ("wrong password", &w.wrong)]
    {
        needles.extend(forms(n, s));
    }
    needles.extend(key_forms(&w));
    let mut left = Vec::new();
    for case in cases(&w) {
        let ((found, limits), o) = paused(&w, &case, |pid| {
            let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
            (scan(pid, &needles), limits)
        });
        check_output(&case, &o, &w);
        let core = limits.lines().find(|l| l.starts_with("Max core file size")).unwrap().to_string();
        assert_eq!(core.split_whitespace().collect::<Vec<_>>()[4..6], ["0", "0"], "{}: {core}", case.name);
        for f in found {
            left.push(format!("{} (ok: {}): {} at +{:#x} in {}", case.name, case.ok, f.needle, f.offset, f.mapping));
        }
    }
    assert!(left.is_empty(), "left in memory:\n{}", left.join("\n"));
}

#[test]
fn a_store_changing_verb_is_not_dumpable() {
    // Expected: certhelp run as an unprivileged user (nobody) and stopped
    // at `token:done` has made itself non-dumpable: Linux then makes its
    // /proc/PID files owned by root (proc(5)), and only root may ptrace it
    // or read its memory, though its Uid line is nobody's. A plan run is
    // not hardened: the contrast shows the observable is real.
    if !is_root() {
        eprintln!("skipped: running certhelp as another user needs root");
        return;
    }
    use std::os::unix::process::CommandExt;
    let t = TempDir::new("secrets-dumpable");
    std::fs::set_permissions(t.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let nobody = 65534;
    let owner_while_stopped = |args: &[&str], point: &str| {
        let mut child = certhelp(t.path())
            .env("CERTHELP_PAUSE_AT", point)
            .args(args)
            .uid(nobody)
            .gid(nobody)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let mut status = 0;
        // SAFETY: waits (without reaping) for our own child to stop or end.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) }, pid);
        assert!(libc::WIFSTOPPED(status), "{args:?} did not stop at {point} ({status})");
        let owner = std::fs::metadata(format!("/proc/{pid}/status")).unwrap().uid();
        let uid_line = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap()
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .unwrap()
            .to_string();
        // SAFETY: SIGCONT to our own stopped child.
        unsafe { libc::kill(pid, libc::SIGCONT) };
        child.wait().unwrap();
        (owner, uid_line)
    };
    let (owner, uid) = owner_while_stopped(&["token", "enable", "--module", "/nonexistent/module.so"], "token:done");
    assert!(uid.split_whitespace().nth(1) == Some("65534"), "{uid}");
    assert_eq!(owner, 0, "/proc/PID/status of a hardened certhelp is root's");
    // The contrast: a process of nobody's that did not harden itself.
    let mut sleeper = Command::new("sleep").arg("30").uid(nobody).gid(nobody).spawn().unwrap();
    let owner = std::fs::metadata(format!("/proc/{}/status", sleeper.id())).unwrap().uid();
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    assert_eq!(owner, nobody);
}

/// Every file and directory a traced run created under `root` (that did
/// not exist before it), with the mode of the call that created it.
fn created(trace: &str, root: &Path, existed: &dyn Fn(&str) -> bool) -> BTreeMap<String, String> {
    let root = root.to_str().unwrap();
    let mut first = BTreeMap::new();
    for l in trace.lines() {
        let Some((call, rest)) = l.split_once('(').map(|(a, b)| (a.split_whitespace().last().unwrap_or(""), b)) else {
            continue;
        };
        let creates = match call {
            "openat" | "open" => l.contains("O_CREAT"),
            "creat" | "mkdir" | "mkdirat" => true,
            _ => false,
        };
        // A failed call (EEXIST...) created nothing.
        if !creates || l.rsplit_once(" = ").is_none_or(|(_, r)| r.starts_with('-')) {
            continue;
        }
        let Some(path) = rest.split('"').nth(1) else { continue };
        if !path.starts_with(root) || existed(path) || first.contains_key(path) {
            continue;
        }
        let mode = l.rsplit_once(')').unwrap().0.rsplit(", ").next().unwrap().to_string();
        first.insert(path.to_string(), format!("{call} {mode}"));
    }
    first
}

#[test]
fn key_files_are_0600_from_their_first_byte() {
    // Expected: every file that export (a .p12), convert (a PEM with the
    // key) and import (the backup of key4.db/cert9.db, and the journal)
    // create is created by an open(O_CREAT) call with mode 0600, so no
    // byte is ever readable by others, whatever the umask; directories are
    // made 0700. strace shows the mode of the creating call itself.
    if !have_strace() {
        eprintln!("skipped: strace is not installed (.ci/install-deps installs it)");
        return;
    }
    let w = World::new("secrets-0600");
    let all = cases(&w);
    for case in all.iter().filter(|c| c.ok && ["export", "convert", "import"].contains(&c.name)) {
        let trace = w.path().join(format!("creat-{}", case.name));
        let mut before = std::collections::BTreeSet::new();
        for e in walk(w.path()) {
            before.insert(e);
        }
        let o = w.traced(&trace, "open,openat,creat,mkdir,mkdirat").args(&case.args).output().unwrap();
        check_output(case, &o, &w);
        let t = std::fs::read_to_string(&trace).unwrap();
        let made = created(&t, w.path(), &|p| before.contains(p));
        assert!(!made.is_empty(), "{}: nothing created?\n{t}", case.name);
        let wanted = ["out.p12", "out.pem", "key4.db"];
        for want in wanted.iter().filter(|n| {
            if **n == "key4.db" {
                case.name == "import"
            } else {
                case.args.iter().any(|a| a.ends_with(*n))
            }
        }) {
            // Written under a temporary name, then linked or renamed: the
            // inode (and its mode) is the one created.
            assert!(made.keys().any(|p| p.contains(want)), "{}: {want} not created: {made:#?}", case.name);
        }
        for (path, how) in &made {
            let ok = if how.starts_with("mkdir") { how.ends_with("0700") } else { how.ends_with("0600") };
            assert!(ok, "{}: {path} created by {how}: {made:#?}", case.name);
        }
        if case.name != "import" {
            let out = case.args.iter().position(|a| a == "--out").map(|i| &case.args[i + 1]).unwrap();
            assert_eq!(std::fs::metadata(out).unwrap().mode() & 0o777, 0o600, "{out}");
        }
        for (path, _) in made {
            if let Ok(m) = std::fs::metadata(&path) {
                assert_eq!(m.mode() & 0o077, 0, "{path} readable by others now");
            }
        }
    }
}

/// Every path under `dir`, recursively.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            out.push(p.to_str().unwrap().to_string());
            if p.is_dir() {
                out.extend(walk(&p));
            }
        }
    }
    out
}
