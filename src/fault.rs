//! Crash points for the tests of interrupted writes. A test sets
//! `CERTHELP_CRASH_AT=NAME` and certhelp kills itself with SIGKILL when it
//! reaches the point of that name: what a user's `kill -9`, a power cut or
//! an OOM kill does at that moment, made repeatable. Without the variable a
//! point costs one environment lookup.
//!
//! `CERTHELP_PAUSE_AT=NAME` stops certhelp there instead (SIGSTOP on
//! itself), so a test can look at the live process: its memory for
//! secrets left behind, its limits, the files it has made so far. The test
//! sends SIGCONT to let it finish. Besides the write points, `main` has a
//! `VERB:done` point after every store-changing verb has run (and dropped
//! its secrets), whether it succeeded or failed.
//!
//! Points only kill or stop; they never change what certhelp writes.

/// Die here, as by `kill -9`, or stop here, when the tests ask for it.
pub fn point(name: &str) {
    if std::env::var_os("CERTHELP_CRASH_AT").is_some_and(|v| v == name) {
        // SAFETY: kill(2) on our own pid with a valid signal number.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
    if std::env::var_os("CERTHELP_PAUSE_AT").is_some_and(|v| v == name) {
        // SAFETY: kill(2) on our own pid with a valid signal number; the
        // process resumes here on SIGCONT.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGSTOP);
        }
    }
}
