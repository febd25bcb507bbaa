//! Crash points for the tests of interrupted writes. A test sets
//! `CERTHELP_CRASH_AT=NAME` and certhelp kills itself with SIGKILL when it
//! reaches the point of that name: what a user's `kill -9`, a power cut or
//! an OOM kill does at that moment, made repeatable. Without the variable a
//! point costs one environment lookup.
//!
//! Points only kill; they never change what certhelp writes.

/// Die here, as by `kill -9`, when the tests ask for it.
pub fn point(name: &str) {
    if std::env::var_os("CERTHELP_CRASH_AT").is_some_and(|v| v == name) {
        // SAFETY: kill(2) on our own pid with a valid signal number.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}
