//! Setting string preferences in a Mozilla `prefs.js` (Thunderbird's S/MIME
//! settings) without disturbing anything else in it.
//!
//! - **Every other byte stays.** The file is handled as bytes, line by
//!   line: a line that is exactly one `user_pref("NAME", VALUE);` for a name
//!   being set is replaced in place (keeping its line ending); names not
//!   found are appended at the end, in the file's own line-ending style.
//!   Later lines win when Mozilla reads the file, so an appended line takes
//!   effect too.
//! - **Values are written as Mozilla writes them** (`Preferences.cpp`
//!   `StrEscape`): inside double quotes, `\` `"` and line breaks escaped,
//!   UTF-8 as it is.
//! - **The write is atomic** ([`replace_file`]): a temporary file in the
//!   same directory with the old file's mode, fsynced, renamed over it.
//!
//! This module does not decide whether a change is allowed (the app must be
//! closed), back up, or print: `action::associate` does.

use std::fs;
use std::path::Path;

use crate::store::StoreError;

/// A value as a prefs.js string literal, quotes included.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The line `user_pref("name", "value");` without its line ending.
pub fn user_pref_line(name: &str, value: &str) -> String {
    format!("user_pref({}, {});", escape(name), escape(value))
}

/// What [`set_string_prefs`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    /// The whole new file.
    pub bytes: Vec<u8>,
    /// Names whose existing line(s) were replaced in place.
    pub replaced: Vec<String>,
    /// Names appended at the end.
    pub appended: Vec<String>,
    /// The new file differs from the old one.
    pub changed: bool,
}

/// Set string preferences in the prefs.js `text`. Every line that is a
/// single `user_pref` of one of the names is replaced (all of them, when a
/// name is set twice, so no stale value can win); names without such a
/// line are appended in the order given. Other lines, comments and line
/// endings are kept byte for byte.
pub fn set_string_prefs(text: &[u8], prefs: &[(&str, &str)]) -> Edit {
    let mut edit = Edit::default();
    let crlf = text.windows(2).any(|w| w == b"\r\n");
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let mut out = Vec::with_capacity(text.len() + 512);
    for line in text.split_inclusive(|b| *b == b'\n') {
        let (body, ending) = split_ending(line);
        let hit = pref_line_name(body).and_then(|n| prefs.iter().find(|(name, _)| *name == n));
        match hit {
            Some((name, value)) => {
                out.extend_from_slice(user_pref_line(name, value).as_bytes());
                out.extend_from_slice(ending);
                if !edit.replaced.iter().any(|r| r == name) {
                    edit.replaced.push(name.to_string());
                }
            }
            None => out.extend_from_slice(line),
        }
    }
    for (name, value) in prefs {
        if edit.replaced.iter().any(|r| r == name) || edit.appended.iter().any(|a| a == name) {
            continue;
        }
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.extend_from_slice(eol);
        }
        out.extend_from_slice(user_pref_line(name, value).as_bytes());
        out.extend_from_slice(eol);
        edit.appended.push(name.to_string());
    }
    edit.changed = out != text;
    edit.bytes = out;
    edit
}

/// (line without its ending, the ending: `\r\n`, `\n` or nothing).
fn split_ending(line: &[u8]) -> (&[u8], &[u8]) {
    if let Some(b) = line.strip_suffix(b"\r\n") {
        (b, &line[b.len()..])
    } else if let Some(b) = line.strip_suffix(b"\n") {
        (b, &line[b.len()..])
    } else {
        (line, &[])
    }
}

/// The name a line sets when the line is exactly one
/// `user_pref("NAME", VALUE);` (spaces allowed around the parts). Anything
/// else (comments, `pref(...)`, two statements on a line, a value we
/// cannot see the end of) is `None` and is left alone.
pub fn pref_line_name(line: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(line).ok()?.trim();
    let rest = s.strip_prefix("user_pref")?.trim_start().strip_prefix('(')?.trim_start();
    let (name, rest) = js_string(rest)?;
    let rest = rest.trim_start().strip_prefix(',')?.trim_start();
    let rest = match rest.chars().next()? {
        '"' | '\'' => js_string(rest)?.1,
        _ => {
            let end = rest.find(')')?;
            let tok = rest[..end].trim();
            if tok.is_empty() || !tok.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '+') {
                return None;
            }
            &rest[end..]
        }
    };
    let rest = rest.trim_start().strip_prefix(')')?.trim_start().strip_prefix(';')?.trim();
    rest.is_empty().then_some(name)
}

/// A quoted string at the start of `s` (either quote, `\` escapes): its
/// value and the rest after the closing quote.
fn js_string(s: &str) -> Option<(String, &str)> {
    let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut out = String::new();
    let mut esc = false;
    for (i, c) in s.char_indices().skip(1) {
        if esc {
            out.push(match c {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                other => other,
            });
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if c == q {
            return Some((out, &s[i + 1..]));
        } else {
            out.push(c);
        }
    }
    None
}

/// Replace `target` (which must exist) with `bytes` atomically, keeping
/// its mode and owner ([`crate::fsutil::replace_app_file`]).
pub fn replace_file(target: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    fs::metadata(target).map_err(|e| StoreError::io(target, &e))?;
    crate::fsutil::replace_app_file(target, bytes, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::mozilla::{parse_prefs, pref, PrefValue};
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    #[test]
    fn escapes_like_mozilla() {
        assert_eq!(escape(r#"Jane "J" \ Doe"#), r#""Jane \"J\" \\ Doe""#);
        assert_eq!(escape("a\nb\rc"), r#""a\nb\rc""#);
        assert_eq!(escape("Jürgen Müller"), "\"Jürgen Müller\"");
        // Read back by the probe's own parser.
        let line = user_pref_line("x.y", r#"q"uo\te"#);
        assert_eq!(pref(&parse_prefs(&line), "x.y"), Some(&PrefValue::Str(r#"q"uo\te"#.into())));
    }

    #[test]
    fn names_only_of_single_user_pref_lines() {
        assert_eq!(pref_line_name(br#"user_pref("a.b", "c");"#).as_deref(), Some("a.b"));
        assert_eq!(pref_line_name(br#"  user_pref( 'a.b' , true ) ;  "#).as_deref(), Some("a.b"));
        assert_eq!(pref_line_name(br#"user_pref("a.b", 12);"#).as_deref(), Some("a.b"));
        assert_eq!(pref_line_name(br#"user_pref("a.b", "x\");y");"#).as_deref(), Some("a.b"));
        assert_eq!(pref_line_name(br#"// user_pref("a.b", "c");"#), None);
        assert_eq!(pref_line_name(br#"pref("a.b", "c");"#), None);
        assert_eq!(pref_line_name(br#"user_pref("a.b", "c"); user_pref("d", 1);"#), None);
        assert_eq!(pref_line_name(br#"user_pref("a.b", "unterminated);"#), None);
    }

    #[test]
    fn replaces_in_place_appends_the_rest_and_keeps_every_other_byte() {
        let old = b"// Mozilla User Preferences\n\n/* keep */\nuser_pref(\"a\", 1);\nuser_pref(\"s.name\", \"old\");\nuser_pref(\"z\", \"\xff raw\");\n";
        let e = set_string_prefs(old, &[("s.name", "new \"one\""), ("s.key", "QUJD")]);
        let want = b"// Mozilla User Preferences\n\n/* keep */\nuser_pref(\"a\", 1);\nuser_pref(\"s.name\", \"new \\\"one\\\"\");\nuser_pref(\"z\", \"\xff raw\");\nuser_pref(\"s.key\", \"QUJD\");\n";
        assert_eq!(e.bytes, want.to_vec());
        assert_eq!(e.replaced, vec!["s.name"]);
        assert_eq!(e.appended, vec!["s.key"]);
        assert!(e.changed);
        // The same again changes nothing.
        let again = set_string_prefs(&e.bytes, &[("s.name", "new \"one\""), ("s.key", "QUJD")]);
        assert!(!again.changed);
        assert_eq!(again.bytes, e.bytes);
    }

    #[test]
    fn crlf_files_and_a_missing_last_newline() {
        let e = set_string_prefs(b"user_pref(\"a\", 1);\r\nuser_pref(\"b\", 2);", &[("c", "x")]);
        assert_eq!(e.bytes, b"user_pref(\"a\", 1);\r\nuser_pref(\"b\", 2);\r\nuser_pref(\"c\", \"x\");\r\n".to_vec());
        let e = set_string_prefs(b"", &[("c", "x")]);
        assert_eq!(e.bytes, b"user_pref(\"c\", \"x\");\n".to_vec());
    }

    #[test]
    fn a_name_set_twice_is_replaced_twice() {
        let e = set_string_prefs(b"user_pref(\"n\", \"1\");\nuser_pref(\"n\", \"2\");\n", &[("n", "3")]);
        assert_eq!(e.bytes, b"user_pref(\"n\", \"3\");\nuser_pref(\"n\", \"3\");\n".to_vec());
    }

    #[test]
    fn replace_keeps_the_mode() {
        let d = std::env::temp_dir().join(format!("certhelp-prefs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let f = d.join("prefs.js");
        fs::write(&f, "old").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
        replace_file(&f, b"new").unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"new");
        assert_eq!(fs::metadata(&f).unwrap().mode() & 0o777, 0o640);
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1, "no temporary file left");
        let _ = fs::remove_dir_all(&d);
    }
}
