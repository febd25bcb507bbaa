//! The robustness report's ledger: tests of bad input and faults call
//! [`record`] with what they tried, how many runs of certhelp it took and
//! what the oracles' listings say was lost. With `CERTHELP_REPORT=FILE` set
//! each call appends one tab-separated line to FILE (one `write` per line,
//! O_APPEND, so parallel tests do not interleave); otherwise it does
//! nothing. `tests/report/robustness.sh` runs the suites with it set and
//! turns the lines into `docs/robustness.md`.
//!
//! It records; it never decides a test's outcome (the test asserts).

use std::io::Write;

/// One row: `area` (bad input, kill -9, token removed, ...), `case` (what
/// was tried), `runs` (certhelp processes started for it), `lost` (objects
/// or lines the oracles listed before and not after; must be 0; None when
/// the case involves no store, e.g. a question).
pub fn record(area: &str, case: &str, runs: usize, lost: Option<usize>) {
    let Some(path) = std::env::var_os("CERTHELP_REPORT") else { return };
    let lost = lost.map_or("-".to_string(), |n| n.to_string());
    let line = format!("{}\t{}\t{runs}\t{lost}\n", clean(area), clean(case));
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = f.write_all(line.as_bytes());
    }
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '|'], " ")
}

/// Lines of `before` that `after` no longer has: what an oracle's listing
/// says was lost.
pub fn lost_lines(before: &str, after: &str) -> usize {
    before.lines().map(str::trim_end).filter(|l| !l.is_empty() && !after.lines().any(|a| a.trim_end() == *l)).count()
}
