//! Keeps a process that may hold a private key out of reach of core dumps
//! and of other users' debuggers: `RLIMIT_CORE` 0 and, on Linux,
//! `PR_SET_DUMPABLE` 0 (which also makes /proc/PID/mem and ptrace
//! attachment root-only). Called once by `main` before a store-changing
//! verb reads any secret; plan/search/show stay cheap and skip it.
//!
//! It also gives OpenSSL an allocator that wipes every block it frees
//! ([`cleansing_openssl_heap`]): OpenSSL 3 frees some buffers holding key
//! material without cleansing them (its DER decoder's read buffer holds a
//! PKCS#8 key; PKCS12KDF's holds the UTF-16 password), and freed heap
//! stays readable in the process and in any copy of its memory.
//!
//! This module only lowers the process's own limits; it must not print,
//! fail a verb or touch files. A limit the OS refuses is left as it was.

#[cfg(target_os = "linux")]
use std::ffi::{c_char, c_int, c_void};

/// Turn off core dumps and (on Linux) ptrace attachment for this process,
/// and wipe what OpenSSL frees from now on.
pub fn process() {
    cleansing_openssl_heap();
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

/// Elsewhere (no `malloc_usable_size`) OpenSSL keeps its own allocator.
#[cfg(not(target_os = "linux"))]
pub fn cleansing_openssl_heap() -> bool {
    false
}

#[cfg(target_os = "linux")]
extern "C" {
    // OpenSSL 3 (crypto.h); openssl-sys does not bind it.
    fn CRYPTO_set_mem_functions(
        m: extern "C" fn(usize, *const c_char, c_int) -> *mut c_void,
        r: extern "C" fn(*mut c_void, usize, *const c_char, c_int) -> *mut c_void,
        f: extern "C" fn(*mut c_void, *const c_char, c_int),
    ) -> c_int;
}

/// Route OpenSSL's heap through malloc/free that zero each block before it
/// is freed (or moved by a realloc). OpenSSL accepts this only before its
/// first allocation, so `main` calls it before a verb touches OpenSSL;
/// later it is refused and nothing changes. True when it took effect.
#[cfg(target_os = "linux")]
pub fn cleansing_openssl_heap() -> bool {
    // SAFETY: three functions with OpenSSL's CRYPTO_*_fn signatures that
    // behave as malloc, realloc and free.
    unsafe { CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) == 1 }
}

#[cfg(target_os = "linux")]
extern "C" fn ossl_malloc(n: usize, _file: *const c_char, _line: c_int) -> *mut c_void {
    // SAFETY: plain malloc.
    unsafe { libc::malloc(n) }
}

#[cfg(target_os = "linux")]
/// Zero the whole usable size of `p` (a block from libc's malloc).
fn wipe(p: *mut c_void) {
    use zeroize::Zeroize;
    // SAFETY: `p` is a live block of libc's malloc, whose usable size is
    // malloc_usable_size(p) bytes, all writable.
    unsafe { std::slice::from_raw_parts_mut(p.cast::<u8>(), libc::malloc_usable_size(p)) }.zeroize();
}

#[cfg(target_os = "linux")]
extern "C" fn ossl_free(p: *mut c_void, _file: *const c_char, _line: c_int) {
    if !p.is_null() {
        wipe(p);
        // SAFETY: `p` came from ossl_malloc/ossl_realloc (libc malloc).
        unsafe { libc::free(p) };
    }
}

#[cfg(target_os = "linux")]
extern "C" fn ossl_realloc(p: *mut c_void, n: usize, file: *const c_char, line: c_int) -> *mut c_void {
    if p.is_null() {
        return ossl_malloc(n, file, line);
    }
    if n == 0 {
        ossl_free(p, file, line);
        return std::ptr::null_mut();
    }
    // Never let libc move the block and free the old copy unwiped: copy,
    // then wipe and free the old one. On failure the old block stays, as
    // realloc's contract says.
    // SAFETY: `p` is a live libc block; `q` a new one of `n` bytes; the
    // copy stays within both.
    unsafe {
        let q = libc::malloc(n);
        if !q.is_null() {
            std::ptr::copy_nonoverlapping(p.cast::<u8>(), q.cast::<u8>(), n.min(libc::malloc_usable_size(p)));
            ossl_free(p, file, line);
        }
        q
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
