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
    confirm_with(question, &mut io::stdin().lock(), &mut io::stderr().lock())
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
pub fn choose(question: &str, options: &[String]) -> Option<usize> {
    choose_with(question, options, &mut io::stdin().lock(), &mut io::stderr().lock())
}

/// [`choose`] over any reader and writer (for tests).
pub fn choose_with(
    question: &str,
    options: &[String],
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Option<usize> {
    if options.is_empty() {
        return None;
    }
    let _ = writeln!(out, "{question}");
    for (i, o) in options.iter().enumerate() {
        let _ = writeln!(out, "  {}) {o}", i + 1);
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
pub fn secret(prompt: &str) -> io::Result<Zeroizing<String>> {
    rpassword::prompt_password(prompt).map(Zeroizing::new)
}

/// Tell the person something about the entry in progress ("they differ").
pub fn note(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
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
        assert_eq!(choose_with("Which?", &[], &mut "1\n".as_bytes(), &mut Vec::new()), None);
    }
}
