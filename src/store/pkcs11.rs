//! Generic PKCS#11 access through cryptoki: load a module, list its tokens
//! (label, maker, model, serial, PIN flags) and the certificates on a token
//! with what can be told about their private keys.
//!
//! Shared by `store::nss` (NSS's softoken is a PKCS#11 module too) and by the
//! probe. Read-only: sessions are opened read-only and nothing is written.
//! Never prompts; logs in only with a [`Pin`] the caller passes.

use super::{CertStore, Listing, Pin, StoreError, StoredCert};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Slot, TokenInfo};
use cryptoki::types::AuthPin;
use std::ffi::CString;
use std::ptr::NonNull;

/// Modules that hold no personal tokens: trust anchors, proxies that would
/// load every other module a second time, NSS internals. Listed, never
/// loaded for token discovery, and not counted as "token modules".
pub const NON_TOKEN_MODULES: &[&str] = &[
    "libnssckbi.so",
    "p11-kit-trust.so",
    "p11-kit-proxy.so",
    "p11-kit-client.so",
    "libsoftokn3.so",
    "libnssdbm3.so",
    "libfreeblpriv3.so",
    "libosclientcerts.so",
    "libckbi-testlib.so",
];

/// Is this library one that holds tokens (not a trust or proxy module)?
pub fn is_token_module(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    !NON_TOKEN_MODULES.contains(&file)
}

/// A loaded and initialised module. Finalised on drop.
pub struct Module {
    ctx: Pkcs11,
    path: String,
    // Keeps the C string given to C_Initialize alive: NSS may keep it.
    _params: Option<CString>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Module({})", self.path)
    }
}

pub(crate) fn ck_err(call: &str, e: CkError) -> StoreError {
    StoreError::Pkcs11 { call: call.into(), rv: rv_of(&e), message: short(&e) }
}

/// The CK_RV behind a cryptoki error, when there is one.
pub(crate) fn rv_of(e: &CkError) -> Option<RvError> {
    match e {
        CkError::Pkcs11(rv, _) => Some(*rv),
        _ => None,
    }
}

/// A one-line reason: cryptoki's Display of return codes is a paragraph.
pub(crate) fn short(e: &CkError) -> String {
    match e {
        CkError::Pkcs11(rv, f) => format!("{f:?}: {rv:?}"),
        CkError::LibraryLoading(l) => l.to_string(),
        other => format!("{other:?}"),
    }
}

impl Module {
    /// Load and initialise a module (OS locking, no parameters).
    pub fn load(path: &str) -> Result<Module, StoreError> {
        Self::load_inner(path, None)
    }

    /// Load with a string in C_Initialize's reserved field: how NSS's
    /// softoken is told which database to open (NOTES-pkcs11).
    pub(crate) fn load_with_params(path: &str, params: &str) -> Result<Module, StoreError> {
        let c = CString::new(params)
            .map_err(|_| StoreError::Module { module: path.into(), message: "parameter string contains NUL".into() })?;
        Self::load_inner(path, Some(c))
    }

    fn load_inner(path: &str, params: Option<CString>) -> Result<Module, StoreError> {
        let merr = |e: CkError| StoreError::Module { module: path.into(), message: short(&e) };
        let t0 = std::time::Instant::now();
        let ctx = Pkcs11::new(path).map_err(merr)?;
        let args = match &params {
            // SAFETY: the pointer stays valid as long as `Module` lives
            // (`_params`), longer than the C_Initialize call needs.
            Some(c) => unsafe {
                CInitializeArgs::new_with_reserved(
                    CInitializeFlags::OS_LOCKING_OK,
                    NonNull::new_unchecked(c.as_ptr() as *mut std::ffi::c_void),
                )
            },
            None => CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK),
        };
        ctx.initialize(args).map_err(|e| match e {
            // softoken says so when asked to open, read-write, a database
            // its user may not write: a permissions problem, not a bad module.
            CkError::Pkcs11(RvError::TokenWriteProtected, _) => StoreError::ReadOnly { path: path.into() },
            e => merr(e),
        })?;
        crate::verbose!(
            "loaded PKCS#11 module {path} (load and C_Initialize: {:.1} ms)",
            t0.elapsed().as_secs_f64() * 1000.0
        );
        Ok(Module { ctx, path: path.into(), _params: params })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn ctx(&self) -> &Pkcs11 {
        &self.ctx
    }

    /// Slots that have a token, with the token's description.
    pub fn tokens(&self) -> Result<Vec<(Slot, TokenInfo)>, StoreError> {
        let slots = self.ctx.get_slots_with_token().map_err(|e| ck_err("C_GetSlotList", e))?;
        let mut out = Vec::new();
        for s in slots {
            match self.ctx.get_token_info(s) {
                Ok(t) => out.push((s, t)),
                // A reader whose card went away between the calls.
                Err(_) => continue,
            }
        }
        Ok(out)
    }

    pub fn token_info(&self, slot: Slot) -> Result<TokenInfo, StoreError> {
        self.ctx.get_token_info(slot).map_err(|e| ck_err("C_GetTokenInfo", e))
    }

    /// List the certificates on a token, logging in only with `pin`.
    pub fn list(&self, slot: Slot, pin: Option<&Pin>) -> Result<Listing, StoreError> {
        let info = self.token_info(slot)?;
        let session = self.ctx.open_ro_session(slot).map_err(|e| ck_err("C_OpenSession", e))?;
        let login_required = info.login_required();
        let mut logged_in = false;
        if let (true, Some(pin)) = (login_required, pin) {
            login(&session, pin, info.label())?;
            logged_in = true;
        }
        let listing = list_session(&session, login_required && !logged_in);
        if logged_in {
            let _ = session.logout();
        }
        let mut listing = listing?;
        listing.login_required = login_required;
        listing.logged_in = logged_in;
        Ok(listing)
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        // cryptoki's Pkcs11 does not finalize on drop (NOTES-pkcs11); a
        // clone shares the library handle, so this finalises this module.
        let _ = self.ctx.clone().finalize();
    }
}

pub(crate) fn login(session: &Session, pin: &Pin, store: &str) -> Result<(), StoreError> {
    let auth = AuthPin::from(pin.expose().to_string());
    match session.login(UserType::User, Some(&auth)) {
        Ok(()) => Ok(()),
        Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(CkError::Pkcs11(RvError::PinIncorrect, _))
        | Err(CkError::Pkcs11(RvError::PinInvalid, _))
        | Err(CkError::Pkcs11(RvError::PinLenRange, _)) => Err(StoreError::WrongPin { store: store.trim().into() }),
        Err(CkError::Pkcs11(RvError::PinLocked, _)) => Err(StoreError::Locked { store: store.trim().into() }),
        Err(e) => Err(ck_err("C_Login", e)),
    }
}

/// Certificates and the keys that match them by CKA_ID. `keys_hidden`: the
/// token needs a login nobody did, so an absent key means "unknown".
pub(crate) fn list_session(session: &Session, keys_hidden: bool) -> Result<Listing, StoreError> {
    // Always filter by class: vendor classes (NSS trust objects) make
    // get_attributes fail (NOTES-pkcs11).
    let certs = session
        .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE), Attribute::CertificateType(CertificateType::X_509)])
        .map_err(|e| ck_err("C_FindObjects", e))?;
    let keys =
        session.find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)]).map_err(|e| ck_err("C_FindObjects", e))?;

    struct KeyFacts {
        id: Vec<u8>,
        extractable: Option<bool>,
        sensitive: Option<bool>,
    }
    let mut key_facts = Vec::new();
    for k in keys {
        let attrs = session
            .get_attributes(k, &[AttributeType::Id, AttributeType::Extractable, AttributeType::Sensitive])
            .unwrap_or_default();
        let mut f = KeyFacts { id: Vec::new(), extractable: None, sensitive: None };
        for a in attrs {
            match a {
                Attribute::Id(v) => f.id = v,
                Attribute::Extractable(b) => f.extractable = Some(b),
                Attribute::Sensitive(b) => f.sensitive = Some(b),
                _ => {}
            }
        }
        key_facts.push(f);
    }

    let mut out = Vec::new();
    for c in certs {
        let attrs = session
            .get_attributes(c, &[AttributeType::Label, AttributeType::Id, AttributeType::Value])
            .map_err(|e| ck_err("C_GetAttributeValue", e))?;
        let mut sc = StoredCert::default();
        for a in attrs {
            match a {
                Attribute::Label(v) => {
                    let l = String::from_utf8_lossy(&v).trim_end_matches('\0').to_string();
                    if !l.is_empty() {
                        sc.label = Some(l);
                    }
                }
                Attribute::Id(v) => sc.id = v,
                Attribute::Value(v) => sc.der = v,
                _ => {}
            }
        }
        if sc.der.is_empty() {
            continue;
        }
        let key = if sc.id.is_empty() { None } else { key_facts.iter().find(|k| k.id == sc.id) };
        match key {
            Some(k) => {
                sc.has_private_key = Some(true);
                sc.key_extractable = k.extractable;
                sc.key_sensitive = k.sensitive;
            }
            None => sc.has_private_key = if keys_hidden { None } else { Some(false) },
        }
        out.push(sc);
    }
    Ok(Listing { certs: out, login_required: false, logged_in: false })
}

/// A token behind a loaded module, as a [`CertStore`].
pub struct TokenStore<'m> {
    pub module: &'m Module,
    pub slot: Slot,
    pub id: String,
}

impl CertStore for TokenStore<'_> {
    fn id(&self) -> &str {
        &self.id
    }
    fn list(&mut self, pin: Option<&Pin>) -> Result<Listing, StoreError> {
        self.module.list(self.slot, pin)
    }
}

/// `pkcs11:token=<label>` with RFC 7512 percent-encoding of the label.
pub fn token_store_id(label: &str) -> String {
    let mut s = String::from("pkcs11:token=");
    for b in label.trim().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~ ".contains(&b) {
            if b == b' ' {
                s.push_str("%20");
            } else {
                s.push(b as char);
            }
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids() {
        assert_eq!(token_store_id("My Token "), "pkcs11:token=My%20Token");
        assert_eq!(token_store_id("a;b"), "pkcs11:token=a%3Bb");
    }

    #[test]
    fn token_modules() {
        assert!(is_token_module("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"));
        assert!(!is_token_module("/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-trust.so"));
        assert!(!is_token_module("libnssckbi.so"));
    }
}
