//! Passwords and PINs: one [`Secret`] type and one reader, [`read_secret`]
//! (file, environment variable, no-echo prompt), so no verb handles a
//! secret its own way.
//!
//! A secret never goes on a command line, into a log or into an error
//! message: `Debug` shows `***`, and the bytes are wiped when it is dropped
//! (intermediate buffers too). This module reads secrets; it must not store,
//! log or print them. Terminal I/O goes through `crate::prompt`.

use std::fmt;
use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::Error;

/// A password or PIN. Redacted in `Debug`, zeroed on drop.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(s.into()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What the secret is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretMode {
    /// It opens something that exists (a PKCS#12 file, a token, an NSS
    /// database): asked once; empty is allowed (an NSS database without a
    /// password, an old file exported without one).
    Existing,
    /// It protects a new file: asked twice on a terminal, must match, and
    /// never empty (SPEC §5), wherever it comes from.
    New,
}

/// The command-line flags that give this secret, so that errors name the
/// right ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretFlags {
    pub file: &'static str,
    pub env: &'static str,
}

impl SecretFlags {
    /// A PKCS#12 file's password.
    pub const PASSWORD: SecretFlags = SecretFlags { file: "--password-file", env: "--password-env" };
    /// A token PIN or NSS database password.
    pub const PIN: SecretFlags = SecretFlags { file: "--pin-file", env: "--pin-env" };
    /// `convert`'s password for the new file.
    pub const NEW_PASSWORD: SecretFlags = SecretFlags { file: "--new-password-file", env: "--new-password-env" };
}

/// A password file is a short text file: more than this before the first
/// newline means the wrong file was given (the .p12 itself, say).
const MAX_LINE: usize = 4096;

/// Times a new secret may be typed twice before giving up.
const NEW_TRIES: usize = 3;

/// Read a secret: from `file` (its first line, without `\n` or `\r\n`),
/// from the environment variable `env`, or else from a no-echo prompt when
/// `interactive` (a terminal on both ends). `purpose` says what it is for
/// ("the password for backup.p12", "the PIN of token X") in prompts and
/// errors; `flags` names the options in hints.
pub fn read_secret(
    file: Option<&Path>,
    env: Option<&str>,
    purpose: &str,
    mode: SecretMode,
    interactive: bool,
    flags: SecretFlags,
) -> Result<Secret, Error> {
    read_secret_with(file, env, purpose, mode, interactive, flags, &mut |p| {
        crate::prompt::secret(p).map_err(|e| {
            Error::new(format!("cannot read {purpose} from the terminal: {e}"), hint_flags(flags, "give it with"))
        })
    })
}

fn hint_flags(flags: SecretFlags, lead: &str) -> String {
    format!("{lead} {} FILE or {} VAR", flags.file, flags.env)
}

/// [`read_secret`] with the terminal replaced by `ask` (for tests).
pub fn read_secret_with(
    file: Option<&Path>,
    env: Option<&str>,
    purpose: &str,
    mode: SecretMode,
    interactive: bool,
    flags: SecretFlags,
    ask: &mut dyn FnMut(&str) -> Result<Zeroizing<String>, Error>,
) -> Result<Secret, Error> {
    let refuse_empty = |s: Secret, from: &str| {
        if mode == SecretMode::New && s.is_empty() {
            Err(Error::new(
                format!("{from} is empty: a new file needs a password"),
                "an empty password leaves the key unprotected and many apps refuse such files; choose one",
            ))
        } else {
            Ok(s)
        }
    };
    match (file, env) {
        (Some(_), Some(_)) => Err(Error::new(
            format!("{} and {} both given for {purpose}", flags.file, flags.env),
            "give only one of them",
        )),
        (Some(f), None) => {
            crate::verbose!("{purpose}: read from the file {}", f.display());
            refuse_empty(from_file(f, purpose)?, &format!("the first line of {}", f.display()))
        }
        (None, Some(v)) => {
            crate::verbose!("{purpose}: read from the environment variable {v}");
            refuse_empty(from_env(v, purpose)?, &format!("the environment variable {v}"))
        }
        (None, None) if !interactive => {
            // `purpose` is a noun phrase ("the password of ..."): it leads.
            Err(Error::new(
                format!("{purpose} is needed, and there is no terminal to ask for it"),
                hint_flags(flags, "give it with"),
            ))
        }
        (None, None) => {
            crate::verbose!("{purpose}: asked on the terminal");
            from_terminal(purpose, mode, ask)
        }
    }
}

fn from_file(f: &Path, purpose: &str) -> Result<Secret, Error> {
    let unreadable = |e: std::io::Error| {
        Error::new(
            format!("cannot read {purpose} from {}: {}", f.display(), io_reason(&e)),
            "check the file's name and permissions",
        )
    };
    let mut file = std::fs::File::open(f).map_err(unreadable)?;
    // Room for the longest line allowed and its newline, allocated once so
    // no copy of the secret is left behind by a reallocation.
    let mut buf = Zeroizing::new(vec![0u8; MAX_LINE + 2]);
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(unreadable(e)),
        }
    }
    let data = &buf[..len];
    let line = match data.iter().position(|&b| b == b'\n') {
        Some(n) => &data[..n],
        None if len > MAX_LINE => {
            return Err(Error::new(
                format!(
                    "{} does not look like a password file (no line break in its first {MAX_LINE} bytes)",
                    f.display()
                ),
                "put the password alone on the first line of a text file",
            ))
        }
        None => data,
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = std::str::from_utf8(line).map_err(|_| {
        Error::new(
            format!("the first line of {} is not text (UTF-8)", f.display()),
            "put the password alone on the first line of a text file",
        )
    })?;
    Ok(Secret::new(text))
}

fn io_reason(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file",
        std::io::ErrorKind::PermissionDenied => "permission denied",
        std::io::ErrorKind::IsADirectory => "it is a directory",
        _ => "read error",
    }
}

fn from_env(var: &str, purpose: &str) -> Result<Secret, Error> {
    match std::env::var_os(var) {
        None => Err(Error::new(
            format!("the environment variable {var} (for {purpose}) is not set"),
            format!("export {var} in the shell that runs certhelp, or name another variable"),
        )),
        Some(v) => {
            let v = Zeroizing::new(v.into_string().map_err(|_| {
                Error::new(
                    format!("the environment variable {var} is not text (UTF-8)"),
                    "set it to the password as text",
                )
            })?);
            Ok(Secret::new(v.as_str()))
        }
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn from_terminal(
    purpose: &str,
    mode: SecretMode,
    ask: &mut dyn FnMut(&str) -> Result<Zeroizing<String>, Error>,
) -> Result<Secret, Error> {
    // `purpose` names the secret itself ("the password of backup.p12").
    let first_prompt = format!("{}: ", upper_first(purpose));
    let mut prompt_text = first_prompt.clone();
    if mode == SecretMode::Existing {
        return Ok(Secret::new(ask(&prompt_text)?.as_str()));
    }
    for _ in 0..NEW_TRIES {
        let first = ask(&prompt_text)?;
        if first.is_empty() {
            return Err(Error::new(
                format!("{purpose} is empty: a new file needs a password"),
                "run the command again and type a password",
            ));
        }
        let again = ask("Type it again: ")?;
        if *first == *again {
            return Ok(Secret::new(first.as_str()));
        }
        prompt_text = format!("They differ. {first_prompt}");
    }
    Err(Error::new(
        format!("the two entries of {purpose} differed {NEW_TRIES} times"),
        "run the command again, or give the password with a file",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PW: SecretFlags = SecretFlags::PASSWORD;

    fn temp(tag: &str, content: &[u8]) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("certhelp-secret-{tag}-{}", std::process::id()));
        std::fs::write(&p, content).unwrap();
        p
    }

    fn no_terminal(_: &str) -> Result<Zeroizing<String>, Error> {
        panic!("must not prompt")
    }

    fn read(file: Option<&Path>, env: Option<&str>, mode: SecretMode) -> Result<Secret, Error> {
        read_secret_with(file, env, "the password of backup.p12", mode, false, PW, &mut no_terminal)
    }

    #[test]
    fn from_a_file_first_line_only() {
        for (tag, content, want) in [
            ("lf", &b"s3cret\nsecond line\n"[..], "s3cret"),
            ("crlf", b"s3cret\r\n", "s3cret"),
            ("bare", b"s3cret", "s3cret"),
            ("spaces", b" s3 cret \n", " s3 cret "),
            ("empty", b"", ""),
        ] {
            let f = temp(tag, content);
            assert_eq!(read(Some(&f), None, SecretMode::Existing).unwrap().expose(), want, "{tag}");
            let _ = std::fs::remove_file(&f);
        }
    }

    #[test]
    fn file_errors_name_the_file() {
        let missing = std::env::temp_dir().join("certhelp-secret-missing-file");
        let e = read(Some(&missing), None, SecretMode::Existing).unwrap_err();
        assert!(e.message.contains("certhelp-secret-missing-file") && e.message.contains("no such file"), "{e:?}");
        let big = temp("big", &vec![b'x'; MAX_LINE + 10]);
        assert!(read(Some(&big), None, SecretMode::Existing).unwrap_err().message.contains("does not look like"));
        let _ = std::fs::remove_file(&big);
        let bin = temp("bin", b"\xff\xfe\n");
        assert!(read(Some(&bin), None, SecretMode::Existing).unwrap_err().message.contains("not text"));
        let _ = std::fs::remove_file(&bin);
    }

    #[test]
    fn from_the_environment() {
        // Unique names: tests run in parallel threads of one process.
        std::env::set_var("CERTHELP_TEST_SECRET_SET", "env-pass");
        std::env::set_var("CERTHELP_TEST_SECRET_EMPTY", "");
        assert_eq!(read(None, Some("CERTHELP_TEST_SECRET_SET"), SecretMode::New).unwrap().expose(), "env-pass");
        let e = read(None, Some("CERTHELP_TEST_SECRET_UNSET"), SecretMode::Existing).unwrap_err();
        assert!(e.message.contains("CERTHELP_TEST_SECRET_UNSET") && e.message.contains("not set"), "{e:?}");
        assert!(read(None, Some("CERTHELP_TEST_SECRET_EMPTY"), SecretMode::Existing).unwrap().is_empty());
        let e = read(None, Some("CERTHELP_TEST_SECRET_EMPTY"), SecretMode::New).unwrap_err();
        assert!(e.message.contains("is empty"), "{e:?}");
    }

    #[test]
    fn empty_refused_for_a_new_file_from_a_file() {
        let f = temp("newempty", b"\n");
        let e = read(Some(&f), None, SecretMode::New).unwrap_err();
        assert!(e.message.contains("is empty: a new file needs a password"), "{e:?}");
        let _ = std::fs::remove_file(&f);
    }

    #[test]
    fn no_terminal_no_option() {
        let e = read(None, None, SecretMode::Existing).unwrap_err();
        assert_eq!(e.message, "the password of backup.p12 is needed, and there is no terminal to ask for it");
        assert_eq!(e.hint, "give it with --password-file FILE or --password-env VAR");
        let e = read_secret_with(
            None,
            None,
            "the PIN of token T",
            SecretMode::Existing,
            false,
            SecretFlags::PIN,
            &mut no_terminal,
        )
        .unwrap_err();
        assert!(e.hint.contains("--pin-file") && e.hint.contains("--pin-env"));
        let f = temp("both", b"x\n");
        assert!(read(Some(&f), Some("X"), SecretMode::Existing).unwrap_err().message.contains("both given"));
        let _ = std::fs::remove_file(&f);
    }

    /// A terminal that answers from a script and records the prompts.
    fn scripted(answers: &[&str]) -> (Vec<String>, Result<Secret, Error>, Result<Secret, Error>) {
        let mut prompts = Vec::new();
        let mut it = answers.iter();
        let mut ask = |p: &str| {
            prompts.push(p.to_string());
            Ok(Zeroizing::new(it.next().expect("asked too often").to_string()))
        };
        let new =
            read_secret_with(None, None, "the password for the new file out.p12", SecretMode::New, true, PW, &mut ask);
        let rest: Vec<&str> = it.copied().collect();
        let mut it2 = rest.iter();
        let existing = read_secret_with(None, None, "in.p12", SecretMode::Existing, true, PW, &mut |_| {
            Ok(Zeroizing::new(it2.next().map(|s| s.to_string()).unwrap_or_default()))
        });
        (prompts, new, existing)
    }

    #[test]
    fn terminal_new_asks_twice_existing_once() {
        let (prompts, new, existing) = scripted(&["abc", "abc", ""]);
        assert_eq!(new.unwrap().expose(), "abc");
        assert_eq!(prompts, vec!["The password for the new file out.p12: ", "Type it again: "]);
        // An existing file may have an empty password.
        assert!(existing.unwrap().is_empty());

        let (prompts, new, _) = scripted(&["abc", "abd", "xyz", "xyz"]);
        assert_eq!(new.unwrap().expose(), "xyz");
        assert_eq!(prompts[2], "They differ. The password for the new file out.p12: ");

        let (_, new, _) = scripted(&["", "x"]);
        assert!(new.unwrap_err().message.contains("out.p12 is empty"));

        let (_, new, _) = scripted(&["a", "b", "a", "b", "a", "b"]);
        assert!(new.unwrap_err().message.contains("differed 3 times"));
    }

    #[test]
    fn secrets_stay_out_of_errors_and_debug() {
        let f = temp("leak", b"hunter2-not-text\xff\n");
        let e = read(Some(&f), None, SecretMode::Existing).unwrap_err();
        assert!(!format!("{e:?}").contains("hunter2"));
        let _ = std::fs::remove_file(&f);
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
