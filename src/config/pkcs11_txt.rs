//! NSS's module list, `pkcs11.txt`, edited as text: find the entry of a
//! module, append one, remove one, and write the file back atomically.
//!
//! The format, as NSS reads it (`nssutil_ReadSecmodDB`): an entry is a run
//! of non-empty `key=value` lines (`library=`, `name=`, `parameters=`,
//! `NSS=`), entries are separated by empty lines, `#` starts a comment, a
//! line ends in `\n` or `\r\n`. The internal module has an empty
//! `library=`. Removing an entry takes its lines and the empty line after
//! it, as NSS's own `nssutil_DeleteSecmodDBEntry` does; an added entry is
//! `library=PATH`, `name=NAME` and an empty line, as OpenSC's
//! `pkcs11-register` writes it.
//!
//! Every byte outside the entry added or removed stays as it was. This
//! module never decides which stores to edit or whether an app is running
//! (`action::token` does), never creates a `pkcs11.txt`, and never loads a
//! module.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::store::StoreError;

/// The file's name in an NSS database directory.
pub const FILE: &str = "pkcs11.txt";

/// One entry of the file: where its bytes are, and its library and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Byte offset of the entry's first line.
    pub start: usize,
    /// Byte offset just past its last line.
    pub end: usize,
    /// Just past the empty line that follows it, if one does (else `end`):
    /// what a removal takes.
    pub removal_end: usize,
    /// The `library=` value (empty for NSS's internal module; `None` for a
    /// run of comments).
    pub library: Option<String>,
    /// The `name=` value.
    pub name: Option<String>,
}

impl Entry {
    /// NSS's internal module (softoken), which is never touched.
    pub fn is_internal(&self) -> bool {
        self.library.as_deref() == Some("")
    }
}

/// A line's content without its `\n` / `\r\n`.
fn content(line: &[u8]) -> &[u8] {
    let l = line.strip_suffix(b"\n").unwrap_or(line);
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// `(start, end)` of every line, the end including its terminator.
fn lines(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.iter().enumerate() {
        if *b == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// The value of a `key=` line (key case-insensitive, as NSS reads it),
/// without the quotes NSS allows around it.
fn value(line: &[u8], key: &str) -> Option<String> {
    let k = key.as_bytes();
    if line.len() < k.len() || !line[..k.len()].eq_ignore_ascii_case(k) {
        return None;
    }
    let v = &line[k.len()..];
    let v = v.strip_prefix(b"\"").and_then(|v| v.strip_suffix(b"\"")).unwrap_or(v);
    Some(String::from_utf8_lossy(v).into_owned())
}

/// The entries of a `pkcs11.txt`, in file order.
pub fn entries(text: &[u8]) -> Vec<Entry> {
    let ls = lines(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < ls.len() {
        if content(&text[ls[i].0..ls[i].1]).is_empty() {
            i += 1;
            continue;
        }
        let first = i;
        let mut e = Entry { start: ls[i].0, end: 0, removal_end: 0, library: None, name: None };
        while i < ls.len() && !content(&text[ls[i].0..ls[i].1]).is_empty() {
            let c = content(&text[ls[i].0..ls[i].1]);
            if !c.starts_with(b"#") {
                if e.library.is_none() {
                    e.library = value(c, "library=");
                }
                if e.name.is_none() {
                    e.name = value(c, "name=");
                }
            }
            i += 1;
        }
        e.end = ls[i - 1].1;
        e.removal_end = if i < ls.len() { ls[i].1 } else { e.end };
        debug_assert!(i > first);
        out.push(e);
    }
    out
}

/// Is `library` (a `library=` value) the module at `module`? The same
/// file by canonical path; or, when either cannot be resolved here (a bare
/// name NSS finds through the library path, a file since removed), the
/// same file name.
pub fn same_module(library: &str, module: &Path) -> bool {
    let library = library.trim();
    if library.is_empty() {
        return false;
    }
    let lib = Path::new(library);
    let resolvable = lib.is_absolute();
    if let (true, Ok(a), Ok(b)) = (resolvable, fs::canonicalize(lib), fs::canonicalize(module)) {
        return a == b;
    }
    let name = |p: &Path| p.file_name().map(OsStr::to_os_string);
    let lib_name = name(lib);
    lib_name.is_some() && (lib_name == name(module) || fs::canonicalize(module).ok().and_then(|c| name(&c)) == lib_name)
}

/// The entries that register `module` (any spelling of it).
pub fn find<'a>(entries: &'a [Entry], module: &Path) -> Vec<&'a Entry> {
    entries.iter().filter(|e| e.library.as_deref().is_some_and(|l| same_module(l, module))).collect()
}

/// `wanted`, or `wanted (2)`, `wanted (3)`... when another entry already
/// uses that name (NSS tools and Firefox's device manager tell modules
/// apart by name).
pub fn unique_name(entries: &[Entry], wanted: &str) -> String {
    let taken = |n: &str| entries.iter().any(|e| e.name.as_deref().is_some_and(|m| m.trim() == n));
    if !taken(wanted) {
        return wanted.to_string();
    }
    (2..).map(|k| format!("{wanted} ({k})")).find(|n| !taken(n)).unwrap_or_else(|| wanted.to_string())
}

/// Why a library path or module name cannot go into the file as one line.
pub fn unfit(value: &str) -> Option<&'static str> {
    if value.contains(['\n', '\r']) {
        Some("it contains a line break")
    } else if value.trim() != value {
        Some("it starts or ends with a space")
    } else if value.is_empty() {
        Some("it is empty")
    } else {
        None
    }
}

/// `text` with an entry for `library` named `name` at the end. An empty
/// line is put before it when the last entry is not closed by one (NSS
/// would otherwise read both as one entry); the file's line ending
/// (`\n` or `\r\n`) is kept.
pub fn with_entry(text: &[u8], library: &str, name: &str) -> Vec<u8> {
    let eol: &[u8] = match text.iter().position(|b| *b == b'\n') {
        Some(i) if i > 0 && text[i - 1] == b'\r' => b"\r\n",
        _ => b"\n",
    };
    let mut out = text.to_vec();
    if !out.is_empty() {
        if out.ends_with(b"\r") {
            // The last line ends in a lone `\r`: complete it as `\r\n`. A
            // whole `eol` after it would leave the `\r` in the line's value.
            out.push(b'\n');
        } else if !out.ends_with(b"\n") {
            out.extend_from_slice(eol);
        }
        let last = lines(&out).last().map(|&(s, e)| content(&out[s..e]).is_empty()).unwrap_or(true);
        if !last {
            out.extend_from_slice(eol);
        }
    }
    for line in [format!("library={library}"), format!("name={name}"), String::new()] {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(eol);
    }
    out
}

/// `text` without the given entries (each with the empty line after it).
pub fn without(text: &[u8], remove: &[&Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    let mut spans: Vec<(usize, usize)> = remove.iter().map(|e| (e.start, e.removal_end)).collect();
    spans.sort();
    for (s, e) in spans {
        if s >= at {
            out.extend_from_slice(&text[at..s]);
            at = e;
        }
    }
    out.extend_from_slice(&text[at..]);
    out
}

/// Replace `path` with `new`, atomically and only if it still holds `old`:
/// a temporary file beside it (with the old file's mode and owner), fsync,
/// a last check that nobody changed the file meanwhile, rename, fsync of
/// the directory. On any failure the file is as it was.
pub fn replace(path: &Path, old: &[u8], new: &[u8]) -> Result<(), StoreError> {
    fs::metadata(path).map_err(|e| StoreError::io(path, &e))?;
    crate::fsutil::replace_app_file(path, new, Some(old))
}

/// The file name of a `library=` value, for messages and p11-kit checks.
pub fn library_file_name(library: &str) -> &str {
    library.trim().rsplit('/').next().unwrap_or(library)
}

/// A path as `library=` takes it (UTF-8 text).
pub fn library_value(path: &Path) -> Option<&str> {
    std::str::from_utf8(path.as_os_str().as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    /// As `certutil -N` writes it (shortened), with an OpenSC entry.
    const NSS: &str = "library=\nname=NSS Internal PKCS #11 Module\nparameters=configdir='sql:/x' certPrefix=''\nNSS=Flags=internal,critical trustOrder=75\n\nlibrary=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\nname=OpenSC\n\n";

    #[test]
    fn entries_are_runs_of_lines() {
        let e = entries(NSS.as_bytes());
        assert_eq!(e.len(), 2);
        assert!(e[0].is_internal());
        assert_eq!(e[0].name.as_deref(), Some("NSS Internal PKCS #11 Module"));
        assert_eq!(e[1].library.as_deref(), Some("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"));
        assert_eq!(&NSS[e[1].start..e[1].end], "library=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\nname=OpenSC\n");
        assert_eq!(e[1].removal_end, NSS.len());
        // CRLF, a comment, quotes, no final newline.
        let t = b"# mine\r\nLIBRARY=\"/a/b.so\"\r\nname=B\r\n\r\nlibrary=c.so";
        let e = entries(t);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].library.as_deref(), Some("/a/b.so"));
        assert_eq!(e[1].library.as_deref(), Some("c.so"));
        assert_eq!(e[1].end, t.len());
    }

    #[test]
    fn add_then_remove_gives_the_file_back() {
        let added = with_entry(NSS.as_bytes(), "/usr/lib/softhsm/libsofthsm2.so", "SoftHSM");
        let tail = "library=/usr/lib/softhsm/libsofthsm2.so\nname=SoftHSM\n\n";
        assert_eq!(String::from_utf8_lossy(&added), format!("{NSS}{tail}"));
        let e = entries(&added);
        let hit = find(&e, Path::new("/nonexistent/dir/libsofthsm2.so"));
        assert_eq!(hit.len(), 1);
        assert_eq!(without(&added, &hit), NSS.as_bytes());
    }

    #[test]
    fn an_unclosed_last_entry_gets_its_empty_line() {
        let t = "library=\nname=NSS Internal\nNSS=Flags=internal";
        let out = with_entry(t.as_bytes(), "/m.so", "M");
        assert_eq!(String::from_utf8_lossy(&out), format!("{t}\n\nlibrary=/m.so\nname=M\n\n"));
        assert_eq!(entries(&out).len(), 2);
        let crlf = "library=\r\nname=I\r\n";
        let out = with_entry(crlf.as_bytes(), "/m.so", "M");
        assert_eq!(String::from_utf8_lossy(&out), format!("{crlf}\r\nlibrary=/m.so\r\nname=M\r\n\r\n"));
        assert_eq!(with_entry(b"", "/m.so", "M"), b"library=/m.so\nname=M\n\n");
    }

    #[test]
    fn removal_takes_exactly_the_entry_and_its_empty_line() {
        let t = "library=\nname=I\n\nlibrary=/a/x.so\nname=X\n\nlibrary=/b/y.so\nname=Y\n\n# end\n";
        let e = entries(t.as_bytes());
        let hit = find(&e, Path::new("/a/x.so"));
        assert_eq!(hit.len(), 1);
        assert_eq!(
            String::from_utf8_lossy(&without(t.as_bytes(), &hit)),
            "library=\nname=I\n\nlibrary=/b/y.so\nname=Y\n\n# end\n"
        );
        // The last entry without an empty line after it.
        let t = "library=\nname=I\n\nlibrary=/a/x.so\nname=X";
        let e = entries(t.as_bytes());
        assert_eq!(
            String::from_utf8_lossy(&without(t.as_bytes(), &find(&e, Path::new("/a/x.so")))),
            "library=\nname=I\n\n"
        );
    }

    #[test]
    fn a_module_is_known_by_file_or_by_name_when_unresolvable() {
        let d = std::env::temp_dir().join(format!("certhelp-p11txt-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("real")).unwrap();
        fs::write(d.join("real/m.so"), b"x").unwrap();
        std::os::unix::fs::symlink(d.join("real/m.so"), d.join("link.so")).unwrap();
        let real = d.join("real/m.so");
        assert!(same_module(d.join("link.so").to_str().unwrap(), &real));
        assert!(same_module("m.so", &real), "a bare name is matched by file name");
        assert!(same_module("m.so", &d.join("link.so")), "and by the file it links to");
        assert!(!same_module(d.join("real").to_str().unwrap(), &real));
        assert!(!same_module("", &real), "never the internal module");
        fs::write(d.join("real/other.so"), b"y").unwrap();
        assert!(!same_module(d.join("real/other.so").to_str().unwrap(), &real));
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn names_are_made_unique() {
        let e = entries(NSS.as_bytes());
        assert_eq!(unique_name(&e, "SoftHSM"), "SoftHSM");
        assert_eq!(unique_name(&e, "OpenSC"), "OpenSC (2)");
        assert!(unfit("/a\nb").is_some());
        assert!(unfit("/a/b.so").is_none());
    }

    #[test]
    fn replace_keeps_the_mode_and_refuses_a_changed_file() {
        let d = std::env::temp_dir().join(format!("certhelp-p11txt-replace-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let f = d.join(FILE);
        fs::write(&f, b"old").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
        replace(&f, b"old", b"new").unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"new");
        assert_eq!(fs::metadata(&f).unwrap().mode() & 0o777, 0o640);
        assert!(matches!(replace(&f, b"old", b"newer"), Err(StoreError::InUse { .. })));
        assert_eq!(fs::read(&f).unwrap(), b"new");
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1, "no temporary file left");
        let _ = fs::remove_dir_all(&d);
    }
}
