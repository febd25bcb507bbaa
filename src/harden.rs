//! Keeps a process that may hold a private key out of reach of core dumps
//! and of other users' debuggers: `RLIMIT_CORE` 0 and, on Linux,
//! `PR_SET_DUMPABLE` 0 (which also makes /proc/PID/mem and ptrace
//! attachment root-only). Called once by `main` before a store-changing
//! verb reads any secret; plan/search/show stay cheap and skip it.
//!
//! This module only lowers the process's own limits; it must not print,
//! fail a verb or touch files. A limit the OS refuses is left as it was.

/// Turn off core dumps and (on Linux) ptrace attachment for this process.
pub fn process() {
    let zero = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: setrlimit with a valid resource and a pointer to a live
    // rlimit; a hard limit of 0 also stops a later raise by our own code.
    unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &zero);
    }
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) takes no pointers.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn turns_off_core_dumps_and_dumpable() {
        // Runs in a child so the test binary keeps its own limits.
        // SAFETY: fork in a test; the child only calls async-signal-safe
        // functions (setrlimit, prctl, getrlimit, _exit).
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            super::process();
            let mut r = libc::rlimit { rlim_cur: 1, rlim_max: 1 };
            // SAFETY: valid pointer to a live rlimit.
            let ok = unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut r) } == 0 && r.rlim_cur == 0 && r.rlim_max == 0;
            // SAFETY: PR_GET_DUMPABLE takes no pointers.
            let dumpable = unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) };
            // SAFETY: leaves the forked child without running the test harness.
            unsafe { libc::_exit(if ok && dumpable == 0 { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waits for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "status {status}");
    }
}
