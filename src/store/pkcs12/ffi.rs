//! OpenSSL's PKCS#12 safe-bag functions, declared by hand: the openssl
//! crate only offers `PKCS12_parse`, which keeps one key, and openssl-sys is
//! not a direct dependency. libcrypto is already linked through the openssl
//! crate, so these declarations resolve against the same library.
//!
//! Each OpenSSL object is owned by a small RAII wrapper; nothing here
//! interprets contents or decides anything.

use std::ffi::{c_char, c_int, c_long, c_uchar, c_void};
use std::ptr;

use zeroize::Zeroizing;

pub const NID_KEY_BAG: c_int = 150;
pub const NID_SHROUDED_KEY_BAG: c_int = 151;
pub const NID_CERT_BAG: c_int = 152;
pub const NID_SAFE_CONTENTS_BAG: c_int = 155;

// OpenSSL's opaque types, named as in its headers.
#[allow(clippy::upper_case_acronyms)]
type PKCS12 = c_void;
#[allow(clippy::upper_case_acronyms)]
type STACK = c_void;
#[allow(clippy::upper_case_acronyms)]
type SAFEBAG = c_void;

extern "C" {
    fn d2i_PKCS12(a: *mut *mut PKCS12, pp: *mut *const c_uchar, len: c_long) -> *mut PKCS12;
    fn PKCS12_free(p: *mut PKCS12);
    fn PKCS12_mac_present(p: *const PKCS12) -> c_int;
    fn PKCS12_verify_mac(p: *mut PKCS12, pass: *const c_char, passlen: c_int) -> c_int;
    fn PKCS12_unpack_authsafes(p: *const PKCS12) -> *mut STACK;
    fn PKCS12_unpack_p7data(p7: *mut c_void) -> *mut STACK;
    fn PKCS12_unpack_p7encdata(p7: *mut c_void, pass: *const c_char, passlen: c_int) -> *mut STACK;
    fn PKCS7_free(p7: *mut c_void);
    fn OPENSSL_sk_num(st: *const STACK) -> c_int;
    fn OPENSSL_sk_value(st: *const STACK, i: c_int) -> *mut c_void;
    fn OPENSSL_sk_pop_free(st: *mut STACK, f: unsafe extern "C" fn(*mut c_void));
    fn PKCS12_SAFEBAG_free(bag: *mut SAFEBAG);
    fn PKCS12_SAFEBAG_get_nid(bag: *const SAFEBAG) -> c_int;
    fn PKCS12_SAFEBAG_get0_safes(bag: *const SAFEBAG) -> *const STACK;
    fn PKCS12_decrypt_skey(bag: *const SAFEBAG, pass: *const c_char, passlen: c_int) -> *mut c_void;
    fn PKCS8_PRIV_KEY_INFO_free(p8: *mut c_void);
    fn i2d_PKCS8_PRIV_KEY_INFO(p8: *const c_void, out: *mut *mut c_uchar) -> c_int;
    fn i2d_PKCS12_SAFEBAG(bag: *const SAFEBAG, out: *mut *mut c_uchar) -> c_int;
    fn ERR_clear_error();
    fn PKCS12_key_gen_utf8(
        pass: *const c_char,
        passlen: c_int,
        salt: *mut c_uchar,
        saltlen: c_int,
        id: c_int,
        iter: c_int,
        n: c_int,
        out: *mut c_uchar,
        md: *const c_void,
    ) -> c_int;
}

/// A password as OpenSSL wants it: NUL-terminated, wiped on drop. `None`
/// for an empty password, which OpenSSL's PKCS#12 code treats as "no
/// password" in some places and as "" in others (callers try both).
pub struct CPass(Zeroizing<Vec<u8>>);

impl CPass {
    /// `None` when the password holds a NUL byte (no C API can take it).
    pub fn new(p: &str) -> Option<CPass> {
        if p.as_bytes().contains(&0) {
            return None;
        }
        let mut v = Zeroizing::new(Vec::with_capacity(p.len() + 1));
        v.extend_from_slice(p.as_bytes());
        v.push(0);
        Some(CPass(v))
    }
    fn ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }
    fn len(&self) -> c_int {
        (self.0.len() - 1) as c_int
    }
}

/// A parsed PKCS#12 structure (nothing decrypted yet).
pub struct Pkcs12(*mut PKCS12);

impl Drop for Pkcs12 {
    fn drop(&mut self) {
        unsafe { PKCS12_free(self.0) }
    }
}

/// Forget OpenSSL's queued errors after a failure this module handled.
pub fn clear_errors() {
    unsafe { ERR_clear_error() }
}

impl Pkcs12 {
    pub fn from_der(der: &[u8]) -> Option<Pkcs12> {
        let mut p = der.as_ptr();
        let len = c_long::try_from(der.len()).ok()?;
        let raw = unsafe { d2i_PKCS12(ptr::null_mut(), &mut p, len) };
        if raw.is_null() {
            clear_errors();
            None
        } else {
            Some(Pkcs12(raw))
        }
    }

    pub fn mac_present(&self) -> bool {
        unsafe { PKCS12_mac_present(self.0) == 1 }
    }

    /// The MAC holds for this password (an empty one is tried both as ""
    /// and as "no password", as OpenSSL's own reader does).
    pub fn verify_mac(&self, pass: &CPass) -> bool {
        let ok = unsafe { PKCS12_verify_mac(self.0, pass.ptr(), pass.len()) == 1 }
            || (pass.len() == 0 && unsafe { PKCS12_verify_mac(self.0, ptr::null(), 0) == 1 });
        clear_errors();
        ok
    }

    /// The AuthenticatedSafe's ContentInfos, in file order.
    pub fn authsafes(&self) -> Option<Stack> {
        let st = unsafe { PKCS12_unpack_authsafes(self.0) };
        if st.is_null() {
            clear_errors();
            return None;
        }
        Some(Stack { st, free: pkcs7_free })
    }
}

unsafe extern "C" fn pkcs7_free(p: *mut c_void) {
    PKCS7_free(p)
}

unsafe extern "C" fn bag_free(p: *mut c_void) {
    PKCS12_SAFEBAG_free(p)
}

/// An owned OpenSSL stack and the function that frees its elements.
pub struct Stack {
    st: *mut STACK,
    free: unsafe extern "C" fn(*mut c_void),
}

impl Drop for Stack {
    fn drop(&mut self) {
        unsafe { OPENSSL_sk_pop_free(self.st, self.free) }
    }
}

impl Stack {
    fn items(st: *const STACK) -> Vec<*mut c_void> {
        let n = unsafe { OPENSSL_sk_num(st) };
        (0..n.max(0)).map(|i| unsafe { OPENSSL_sk_value(st, i) }).collect()
    }

    /// The bags of ContentInfo `i` (a PKCS7): plain data, or encrypted data
    /// decrypted with `pass`. `None` when neither works.
    pub fn content_bags(&self, i: usize, pass: &CPass) -> Option<Stack> {
        let p7 = *Self::items(self.st).get(i)?;
        let mut st = unsafe { PKCS12_unpack_p7data(p7) };
        if st.is_null() {
            clear_errors();
            st = unsafe { PKCS12_unpack_p7encdata(p7, pass.ptr(), pass.len()) };
            if st.is_null() && pass.len() == 0 {
                clear_errors();
                st = unsafe { PKCS12_unpack_p7encdata(p7, ptr::null(), 0) };
            }
        }
        if st.is_null() {
            clear_errors();
            return None;
        }
        Some(Stack { st, free: bag_free })
    }

    pub fn len(&self) -> usize {
        Self::items(self.st).len()
    }

    /// The bags of a stack of safe bags.
    pub fn bags(&self) -> Vec<Bag<'_>> {
        Self::items(self.st).into_iter().map(|b| Bag { bag: b, _owner: std::marker::PhantomData }).collect()
    }
}

/// A safe bag borrowed from its stack.
pub struct Bag<'a> {
    bag: *mut SAFEBAG,
    _owner: std::marker::PhantomData<&'a Stack>,
}

impl Bag<'_> {
    pub fn nid(&self) -> c_int {
        unsafe { PKCS12_SAFEBAG_get_nid(self.bag) }
    }

    /// The bag's DER (for `pfx::safe_bag`).
    pub fn to_der(&self) -> Option<Vec<u8>> {
        let n = unsafe { i2d_PKCS12_SAFEBAG(self.bag, ptr::null_mut()) };
        if n <= 0 {
            clear_errors();
            return None;
        }
        let mut v = vec![0u8; n as usize];
        let mut p = v.as_mut_ptr();
        unsafe { i2d_PKCS12_SAFEBAG(self.bag, &mut p) };
        Some(v)
    }

    /// The bags nested in a safeContentsBag (borrowed, not freed here).
    pub fn nested(&self) -> Vec<Bag<'_>> {
        let st = unsafe { PKCS12_SAFEBAG_get0_safes(self.bag) };
        if st.is_null() {
            return Vec::new();
        }
        Stack::items(st).into_iter().map(|b| Bag { bag: b, _owner: std::marker::PhantomData }).collect()
    }

    /// A shrouded key bag decrypted: PKCS#8 PrivateKeyInfo DER.
    pub fn decrypt_key(&self, pass: &CPass) -> Option<Zeroizing<Vec<u8>>> {
        let mut p8 = unsafe { PKCS12_decrypt_skey(self.bag, pass.ptr(), pass.len()) };
        if p8.is_null() && pass.len() == 0 {
            clear_errors();
            p8 = unsafe { PKCS12_decrypt_skey(self.bag, ptr::null(), 0) };
        }
        if p8.is_null() {
            clear_errors();
            return None;
        }
        let n = unsafe { i2d_PKCS8_PRIV_KEY_INFO(p8, ptr::null_mut()) };
        let out = if n > 0 {
            let mut v = Zeroizing::new(vec![0u8; n as usize]);
            let mut p = v.as_mut_ptr();
            unsafe { i2d_PKCS8_PRIV_KEY_INFO(p8, &mut p) };
            Some(v)
        } else {
            None
        };
        // OpenSSL clears the key octets when it frees them.
        unsafe { PKCS8_PRIV_KEY_INFO_free(p8) };
        clear_errors();
        out
    }
}

/// PKCS#12 key derivation (RFC 7292 appendix B) with the password as
/// UTF-8 turned into a BMPString, as OpenSSL and NSS do.
pub fn pkcs12_key_gen(
    pass: &CPass,
    salt: &[u8],
    id: u8,
    iterations: u32,
    out: &mut [u8],
    md: openssl::hash::MessageDigest,
) -> bool {
    let mut salt = salt.to_vec();
    let ok = unsafe {
        PKCS12_key_gen_utf8(
            pass.ptr(),
            pass.len(),
            salt.as_mut_ptr(),
            salt.len() as c_int,
            c_int::from(id),
            iterations as c_int,
            out.len() as c_int,
            out.as_mut_ptr(),
            md.as_ptr() as *const c_void,
        ) == 1
    };
    clear_errors();
    ok
}
