//! The one module that talks with the person at the terminal: yes/no
//! questions, numbered choices and no-echo secret entry.
//!
//! Questions go to stderr (stdout carries only results), answers come from
//! stdin; secrets are typed on the controlling terminal with echo off and
//! come back zeroized. Callers decide whether asking is allowed at all
//! (`action::Ui::interactive`, `--no-input`); this module must not decide
//! anything, and must never print a secret.

use std::io::{self, BufRead, Write};
use zeroize::Zeroizing;

/// Ask a yes/no question; only `y`/`yes` (any case) is yes. End of input,
/// an empty line or anything else is no.
pub fn confirm(question: &str) -> bool {
    crate::progress::suspend(|| confirm_with(question, &mut io::stdin().lock(), &mut io::stderr().lock()))
}

/// [`confirm`] over any reader and writer (for tests).
pub fn confirm_with(question: &str, input: &mut impl BufRead, out: &mut impl Write) -> bool {
    let _ = write!(out, "{question} [y/N] ");
    let _ = out.flush();
    let mut line = String::new();
    let n = input.read_line(&mut line).unwrap_or(0);
    if n == 0 || !line.ends_with('\n') {
        // End of input: finish the question's line.
        let _ = writeln!(out);
    }
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Offer numbered options; the index of the one chosen, `None` for end of
/// input, an empty line or an answer that is not one of the numbers.
pub fn choose<S: AsRef<str>>(question: &str, options: &[S]) -> Option<usize> {
    crate::progress::suspend(|| choose_with(question, options, &mut io::stdin().lock(), &mut io::stderr().lock()))
}

/// [`choose`] over any reader and writer (for tests).
pub fn choose_with<S: AsRef<str>>(
    question: &str,
    options: &[S],
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Option<usize> {
    if options.is_empty() {
        return None;
    }
    let _ = writeln!(out, "{question}");
    for (i, o) in options.iter().enumerate() {
        let _ = writeln!(out, "  {}) {}", i + 1, o.as_ref());
    }
    let _ = write!(out, "Choose 1-{} (Enter to skip): ", options.len());
    let _ = out.flush();
    let mut line = String::new();
    let n = input.read_line(&mut line).unwrap_or(0);
    if n == 0 || !line.ends_with('\n') {
        let _ = writeln!(out);
    }
    line.trim().parse::<usize>().ok().filter(|n| (1..=options.len()).contains(n)).map(|n| n - 1)
}

/// Read a secret on the controlling terminal with echo off, after showing
/// `prompt` there. The answer is wiped when dropped.
///
/// Echo goes off *before* the prompt is shown (what a person or a script
/// types once the prompt is visible is never echoed), and anything typed
/// ahead is discarded, as OpenSSH's readpassphrase does. Ctrl-C, a hangup
/// or a kill put the terminal back as it was before the signal ends the
/// process. End of input (Ctrl-D) is an error.
#[cfg(unix)]
pub fn secret(prompt: &str) -> io::Result<Zeroizing<String>> {
    crate::progress::suspend(|| tty::read_secret(prompt))
}

#[cfg(not(unix))]
pub fn secret(prompt: &str) -> io::Result<Zeroizing<String>> {
    crate::progress::suspend(|| rpassword::prompt_password(prompt).map(Zeroizing::new))
}

#[cfg(unix)]
mod tty {
    use std::fs::{File, OpenOptions};
    use std::io::{self, Read, Write};
    use std::os::unix::io::AsRawFd;
    use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};
    use zeroize::{Zeroize, Zeroizing};

    /// Longest secret accepted (the buffer is allocated once, so no copy
    /// of the secret is left behind by a reallocation).
    const MAX: usize = 4096;

    /// The terminal and its settings before echo went off, for the signal
    /// handler (atomics: the only state a handler may read safely).
    static FD: AtomicI32 = AtomicI32::new(-1);
    static SAVED: AtomicPtr<libc::termios> = AtomicPtr::new(std::ptr::null_mut());

    const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    extern "C" fn restore_and_die(sig: libc::c_int) {
        let fd = FD.load(Ordering::SeqCst);
        let saved = SAVED.load(Ordering::SeqCst);
        // SAFETY: tcsetattr, signal and raise are async-signal-safe; `saved`
        // points at a termios that lives until the handlers are removed.
        unsafe {
            if fd >= 0 && !saved.is_null() {
                libc::tcsetattr(fd, libc::TCSANOW, saved);
            }
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }

    /// Echo off until dropped; signal handlers that restore it meanwhile.
    struct EchoOff {
        fd: i32,
        saved: Box<libc::termios>,
        old_actions: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl EchoOff {
        fn new(tty: &File) -> io::Result<EchoOff> {
            let fd = tty.as_raw_fd();
            // SAFETY: a zeroed termios is a valid out-parameter; fd is open.
            let mut saved: Box<libc::termios> = Box::new(unsafe { std::mem::zeroed() });
            if unsafe { libc::tcgetattr(fd, &mut *saved) } != 0 {
                return Err(io::Error::last_os_error());
            }
            FD.store(fd, Ordering::SeqCst);
            SAVED.store(&mut *saved, Ordering::SeqCst);
            let mut guard = EchoOff { fd, saved, old_actions: Vec::new() };
            for sig in SIGNALS {
                // SAFETY: installing a handler that only calls
                // async-signal-safe functions; the old action is restored
                // on drop.
                unsafe {
                    let mut act: libc::sigaction = std::mem::zeroed();
                    act.sa_sigaction = restore_and_die as *const () as libc::sighandler_t;
                    libc::sigemptyset(&mut act.sa_mask);
                    let mut old: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(sig, &act, &mut old) == 0 {
                        guard.old_actions.push((sig, old));
                    }
                }
            }
            let mut quiet = *guard.saved;
            // Kernel line editing stays (backspace, Ctrl-U); only the echo
            // goes, except for the newline that ends the entry.
            quiet.c_lflag &= !(libc::ECHO | libc::ECHOE | libc::ECHOK);
            quiet.c_lflag |= libc::ECHONL;
            if unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) } != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(guard)
        }
    }

    impl Drop for EchoOff {
        fn drop(&mut self) {
            // SAFETY: restoring what was saved on the same open terminal,
            // then the signal actions that were there before.
            unsafe {
                libc::tcsetattr(self.fd, libc::TCSAFLUSH, &*self.saved);
                for (sig, old) in &self.old_actions {
                    libc::sigaction(*sig, old, std::ptr::null_mut());
                }
            }
            FD.store(-1, Ordering::SeqCst);
            SAVED.store(std::ptr::null_mut(), Ordering::SeqCst);
        }
    }

    pub fn read_secret(prompt: &str) -> io::Result<Zeroizing<String>> {
        let mut tty = OpenOptions::new().read(true).write(true).open("/dev/tty")?;
        let line = {
            let _quiet = EchoOff::new(&tty)?;
            tty.write_all(prompt.as_bytes())?;
            tty.flush()?;
            read_line(&mut tty)?
        };
        let text = std::str::from_utf8(&line)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "what was typed is not UTF-8 text"))?;
        Ok(Zeroizing::new(text.to_string()))
    }

    /// One line, byte by byte (the terminal hands it over whole anyway),
    /// without its line end.
    fn read_line(tty: &mut File) -> io::Result<Zeroizing<Vec<u8>>> {
        let mut line = Zeroizing::new(Vec::with_capacity(MAX));
        let mut b = [0u8; 1];
        let mut too_long = false;
        loop {
            match tty.read(&mut b) {
                Ok(0) if line.is_empty() => {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "no answer (end of input)"))
                }
                Ok(0) => break,
                Ok(_) if b[0] == b'\n' => break,
                Ok(_) if line.len() < MAX => line.push(b[0]),
                Ok(_) => too_long = true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        b.zeroize();
        if too_long {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("longer than {MAX} bytes")));
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirm_answers() {
        let ask = |input: &str| {
            let mut out = Vec::new();
            let yes = confirm_with("Replace out.p12?", &mut input.as_bytes(), &mut out);
            (yes, String::from_utf8(out).unwrap())
        };
        assert_eq!(ask("y\n"), (true, "Replace out.p12? [y/N] ".into()));
        assert!(ask("YES\n").0);
        assert!(!ask("\n").0);
        assert!(!ask("no\n").0);
        // End of input is no, and the line is finished.
        assert_eq!(ask(""), (false, "Replace out.p12? [y/N] \n".into()));
    }

    #[test]
    fn choose_answers() {
        let opts = vec!["first".to_string(), "second".to_string()];
        let ask = |input: &str| {
            let mut out = Vec::new();
            (choose_with("Which?", &opts, &mut input.as_bytes(), &mut out), String::from_utf8(out).unwrap())
        };
        let (n, shown) = ask("2\n");
        assert_eq!(n, Some(1));
        assert_eq!(shown, "Which?\n  1) first\n  2) second\nChoose 1-2 (Enter to skip): ");
        assert_eq!(ask("3\n").0, None);
        assert_eq!(ask("0\n").0, None);
        assert_eq!(ask("x\n").0, None);
        assert_eq!(ask("").0, None);
        assert_eq!(choose_with::<&str>("Which?", &[], &mut "1\n".as_bytes(), &mut Vec::new()), None);
    }
}
