//! `-v/--verbose`: one line on stderr for each thing certhelp looks at or
//! does (files and stores it opens, PKCS#11 modules it loads, the knowledge
//! base and index it uses, backups and journals it writes) and timings, so
//! that a user can paste them into a support ticket.
//!
//! `main` sets the level once ([`init`]); the places that open things call
//! [`verbose!`](crate::verbose!) with a short message. With `--redact` the
//! lines go through the probe's redaction (home directory as `~`, the user's
//! name, e-mail addresses).
//!
//! Must NOT: format a secret (`secret.rs` types are never passed here: say
//! where a secret came from, never what it is), print certificate subjects
//! or nicknames (they name people), or write anywhere but stderr.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

static LEVEL: AtomicU8 = AtomicU8::new(0);
static REDACT: AtomicBool = AtomicBool::new(false);
static START: OnceLock<Instant> = OnceLock::new();

/// Set the level (the count of `-v`) and whether lines are redacted; the
/// clock of the lines starts here.
pub fn init(level: u8, redact: bool) {
    START.get_or_init(Instant::now);
    LEVEL.store(level, Ordering::Relaxed);
    REDACT.store(redact, Ordering::Relaxed);
}

/// The number of `-v` given.
pub fn level() -> u8 {
    LEVEL.load(Ordering::Relaxed)
}

/// Whether `-v` was given.
pub fn enabled() -> bool {
    level() > 0
}

/// Print one line: `certhelp: [  12.3 ms] what`. Use the macro.
pub fn emit(args: std::fmt::Arguments<'_>) {
    let elapsed = START.get().map(|t| t.elapsed().as_secs_f64() * 1000.0).unwrap_or(0.0);
    let mut line = args.to_string();
    if REDACT.load(Ordering::Relaxed) {
        line = redact(&line);
    }
    eprintln!("certhelp: [{elapsed:7.1} ms] {line}");
}

/// The probe's redaction for free text: the home directory, the user's
/// login name, and anything shaped like an e-mail address.
fn redact(line: &str) -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    let mut pairs = Vec::new();
    let user = std::env::var("USER")
        .ok()
        .or_else(|| std::path::Path::new(&home).file_name().map(|n| n.to_string_lossy().into_owned()));
    if let Some(u) = user.filter(|u| u.len() >= 2 && u != "root") {
        pairs.push((u, "<user>".to_string()));
    }
    let line = crate::probe::redact::redact_str(line, &pairs, &home);
    line.split(' ')
        .map(|w| {
            let core = w.trim_matches(|c: char| !c.is_alphanumeric());
            match core.split_once('@') {
                Some((a, b)) if !a.is_empty() && b.contains('.') => w.replace(core, "<email>"),
                _ => w.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `verbose!("opened {}", path)`: a line on stderr when `-v` was given
/// (the arguments are not even formatted otherwise). `verbose!(vv: ...)`
/// prints only at `-vv`.
#[macro_export]
macro_rules! verbose {
    (vv: $($arg:tt)+) => {
        if $crate::verbose::level() >= 2 {
            $crate::verbose::emit(format_args!($($arg)+))
        }
    };
    ($($arg:tt)+) => {
        if $crate::verbose::enabled() {
            $crate::verbose::emit(format_args!($($arg)+))
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_emails() {
        let r = redact("identity jane.doe@example.com, (bob@corp.example)");
        assert!(!r.contains("jane.doe") && !r.contains("bob@"), "{r}");
        assert!(r.contains("<email>"), "{r}");
    }
}
