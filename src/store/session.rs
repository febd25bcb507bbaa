//! A session guard: everything one piece of work on one PKCS#11 store needs,
//! held together and released in the right order. It owns softoken's
//! process lock (NSS databases), the loaded module, a read-only or
//! read-write session and the login, and gives the per-module quirks a home:
//!
//! - `C_WrapKey` through the module's own function list with a large
//!   buffer, truncated to the length it returns (cryptoki 0.12.1's
//!   `wrap_key` keeps NSS's over-estimate as trailing zeros: NOTES-pkcs11);
//! - the wrapping mechanism from the mechanism list: AES-CBC-PAD for
//!   softoken, RFC 5649 AES-KEY-WRAP-PAD for other tokens (NSS's
//!   KEY_WRAP_PAD is not RFC 5649);
//! - CKA_NSS_DB on EC private keys, sent to softoken only (SoftHSM refuses
//!   it);
//! - NSS's vendor trust objects, through `Attribute::VendorDefined`
//!   (cryptoki's `ObjectClass` cannot name vendor classes).
//!
//! This module moves keys in and out as PKCS#8 inside [`PrivateKey`] and
//! never prints, prompts or logs. It decides nothing about *what* to write:
//! `store::nss` does that.

use std::sync::MutexGuard;

use cryptoki::error::{Error as CkError, Rv, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use cryptoki_sys::{CK_FUNCTION_LIST, CK_MECHANISM, CK_RV, CK_ULONG};
use openssl::symm::{decrypt, encrypt, Cipher};

use super::pkcs11::{ck_err, Module};
use super::{Listing, Pin, PrivateKey, StoreError, Trust};

/// NSS vendor constants (pkcs11n.h). Not the PKCS#11 3.2 CKO_TRUST numbers.
pub mod nss_consts {
    const NSS: cryptoki_sys::CK_ULONG = 0x8000_0000 | 0x4E53_4350;
    pub const CKO_NSS_TRUST: cryptoki_sys::CK_ULONG = NSS + 3;
    const CKA_TRUST: cryptoki_sys::CK_ULONG = NSS + 0x2000;
    pub const CKA_TRUST_SERVER_AUTH: cryptoki_sys::CK_ULONG = CKA_TRUST + 8;
    pub const CKA_TRUST_CLIENT_AUTH: cryptoki_sys::CK_ULONG = CKA_TRUST + 9;
    pub const CKA_TRUST_CODE_SIGNING: cryptoki_sys::CK_ULONG = CKA_TRUST + 10;
    pub const CKA_TRUST_EMAIL_PROTECTION: cryptoki_sys::CK_ULONG = CKA_TRUST + 11;
    pub const CKA_TRUST_STEP_UP_APPROVED: cryptoki_sys::CK_ULONG = CKA_TRUST + 16;
    pub const CKA_CERT_SHA1_HASH: cryptoki_sys::CK_ULONG = CKA_TRUST + 100;
    pub const CKA_CERT_MD5_HASH: cryptoki_sys::CK_ULONG = CKA_TRUST + 101;
    pub const CKA_NSS_DB: cryptoki_sys::CK_ULONG = 0xD5A0_DB00;
    pub const CKT_NSS_TRUSTED_DELEGATOR: cryptoki_sys::CK_ULONG = NSS + 2;
    pub const CKT_NSS_MUST_VERIFY_TRUST: cryptoki_sys::CK_ULONG = NSS + 3;
    pub const CKT_NSS_NOT_TRUSTED: cryptoki_sys::CK_ULONG = NSS + 10;
}
use nss_consts::*;

/// Which module is behind the session: the quirks differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// NSS's softoken over a profile database.
    Softoken,
    /// Any other PKCS#11 module (SoftHSM, OpenSC, vendor middleware).
    Token,
}

/// The module's own function list, for calls cryptoki gets wrong or cannot
/// make. Keeps its own handle on the library, released after the session.
struct RawFunctions {
    list: *const CK_FUNCTION_LIST,
    _lib: libloading::Library,
}

impl RawFunctions {
    fn load(path: &str) -> Result<RawFunctions, StoreError> {
        let merr = |m: String| StoreError::Module { module: path.into(), message: m };
        // SAFETY: the library is already loaded and initialised by cryptoki;
        // this only takes another reference to it.
        let lib = unsafe { libloading::Library::new(path) }.map_err(|e| merr(e.to_string()))?;
        let mut list: *mut CK_FUNCTION_LIST = std::ptr::null_mut();
        // SAFETY: C_GetFunctionList has this signature in every PKCS#11
        // module, and fills `list` with a pointer that lives as long as the
        // library stays loaded (we hold `lib`).
        let rv = unsafe {
            let get: libloading::Symbol<unsafe extern "C" fn(*mut *mut CK_FUNCTION_LIST) -> CK_RV> =
                lib.get(b"C_GetFunctionList\0").map_err(|e| merr(e.to_string()))?;
            get(&mut list)
        };
        if rv != cryptoki_sys::CKR_OK || list.is_null() {
            return Err(merr(format!("C_GetFunctionList returned {rv:#x}")));
        }
        Ok(RawFunctions { list, _lib: lib })
    }
}

/// What a token says about its user PIN's remaining tries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinState {
    /// A wrong PIN was entered since the last good one.
    pub count_low: bool,
    /// The next wrong PIN locks the token.
    pub final_try: bool,
    /// Locked: no PIN is accepted until it is unblocked.
    pub locked: bool,
}

/// Read-only or read-write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// One open session on one store, with its lock and login. Fields drop in
/// order: the session closes, then the module is finalised, then the
/// process lock is released.
pub struct StoreSession {
    session: Session,
    raw: RawFunctions,
    module: Module,
    pub slot: Slot,
    pub flavor: Flavor,
    /// The store's name for messages (its id).
    pub store: String,
    access: Access,
    login_required: bool,
    logged_in: bool,
    _process_lock: Option<MutexGuard<'static, ()>>,
}

impl StoreSession {
    /// Open `slot` of an initialised module. `process_lock` is softoken's
    /// one-instance-per-process guard, taken by the caller before loading.
    pub(crate) fn open(
        module: Module,
        slot: Slot,
        flavor: Flavor,
        access: Access,
        store: &str,
        process_lock: Option<MutexGuard<'static, ()>>,
    ) -> Result<StoreSession, StoreError> {
        let info = module.token_info(slot)?;
        let session = match access {
            Access::ReadOnly => module.ctx().open_ro_session(slot),
            Access::ReadWrite => module.ctx().open_rw_session(slot),
        }
        .map_err(|e| match e {
            CkError::Pkcs11(RvError::TokenWriteProtected, _) => StoreError::ReadOnly { path: store.into() },
            e => ck_err("C_OpenSession", e),
        })?;
        let raw = RawFunctions::load(module.path())?;
        Ok(StoreSession {
            session,
            raw,
            module,
            slot,
            flavor,
            store: store.into(),
            access,
            login_required: info.login_required(),
            logged_in: false,
            _process_lock: process_lock,
        })
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    pub fn login_required(&self) -> bool {
        self.login_required
    }

    /// Log in when the store needs it. The PIN is tried exactly once: a
    /// wrong one is [`StoreError::WrongPin`], never retried here.
    pub fn login(&mut self, pin: Option<&Pin>) -> Result<(), StoreError> {
        if self.logged_in {
            return Ok(());
        }
        let info = self.module.token_info(self.slot)?;
        if self.flavor == Flavor::Softoken && self.access == Access::ReadWrite && !info.user_pin_initialized() {
            // A database nobody gave a password yet (NOTES-pkcs11): the
            // empty SO PIN sets an empty user password, as Firefox does
            // before storing its first key.
            let empty = AuthPin::from(String::new());
            self.session.login(UserType::So, Some(&empty)).map_err(|e| ck_err("C_Login(SO)", e))?;
            let r = self.session.init_pin(&empty).map_err(|e| ck_err("C_InitPIN", e));
            let _ = self.session.logout();
            r?;
        }
        if !self.login_required {
            return Ok(());
        }
        let pin = pin.ok_or_else(|| StoreError::LoginRequired { store: self.store.clone() })?;
        super::pkcs11::login(&self.session, pin, &self.store)?;
        crate::verbose!("logged in to {}", self.store);
        self.logged_in = true;
        Ok(())
    }

    /// Certificates and the keys that match them (keys unknown when the
    /// store needs a login nobody did).
    pub fn list(&self) -> Result<Listing, StoreError> {
        let hidden = self.login_required && !self.logged_in;
        let mut l = super::pkcs11::list_session(&self.session, hidden)?;
        l.login_required = self.login_required;
        l.logged_in = self.logged_in;
        Ok(l)
    }

    /// X.509 certificate objects whose CKA_VALUE is `der`.
    pub fn find_cert(&self, der: &[u8]) -> Result<Vec<ObjectHandle>, StoreError> {
        self.session
            .find_objects(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::CertificateType(CertificateType::X_509),
                Attribute::Value(der.to_vec()),
            ])
            .map_err(|e| ck_err("C_FindObjects", e))
    }

    /// Certificate objects with this issuer and serial (DER INTEGER).
    pub fn find_cert_by_issuer_serial(&self, issuer: &[u8], serial: &[u8]) -> Result<Vec<ObjectHandle>, StoreError> {
        self.session
            .find_objects(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::Issuer(issuer.to_vec()),
                Attribute::SerialNumber(serial.to_vec()),
            ])
            .map_err(|e| ck_err("C_FindObjects", e))
    }

    /// Certificate objects whose DER has this SHA-256 (lower-case hex).
    pub fn find_cert_by_sha256(&self, sha256: &str) -> Result<Vec<ObjectHandle>, StoreError> {
        let all = self
            .session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
            .map_err(|e| ck_err("C_FindObjects", e))?;
        let mut out = Vec::new();
        for h in all {
            for a in
                self.session.get_attributes(h, &[AttributeType::Value]).map_err(|e| ck_err("C_GetAttributeValue", e))?
            {
                if let Attribute::Value(v) = a {
                    if crate::cert::hex(&openssl::sha::sha256(&v)) == sha256 {
                        out.push(h);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The subjects (DER) of certificates labelled `label`.
    pub fn subjects_with_label(&self, label: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let found = self
            .session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE), Attribute::Label(label.as_bytes().to_vec())])
            .map_err(|e| ck_err("C_FindObjects", e))?;
        let mut out = Vec::new();
        for h in found {
            for a in self
                .session
                .get_attributes(h, &[AttributeType::Subject])
                .map_err(|e| ck_err("C_GetAttributeValue", e))?
            {
                if let Attribute::Subject(s) = a {
                    out.push(s);
                }
            }
        }
        Ok(out)
    }

    /// Private keys with this CKA_ID.
    pub fn find_private_keys(&self, id: &[u8]) -> Result<Vec<ObjectHandle>, StoreError> {
        self.session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY), Attribute::Id(id.to_vec())])
            .map_err(|e| ck_err("C_FindObjects", e))
    }

    /// NSS trust objects for a certificate (by issuer and serial).
    pub fn find_trust(&self, issuer_der: &[u8], serial_der: &[u8]) -> Result<Vec<ObjectHandle>, StoreError> {
        self.session
            .find_objects(&[
                vendor_class(CKO_NSS_TRUST),
                Attribute::Issuer(issuer_der.to_vec()),
                Attribute::SerialNumber(serial_der.to_vec()),
            ])
            .map_err(|e| ck_err("C_FindObjects", e))
    }

    /// Read a trust object's TLS and e-mail trust.
    pub fn trust_of(&self, h: ObjectHandle) -> Result<Trust, StoreError> {
        let attrs = self
            .session
            .get_attributes(
                h,
                &[
                    AttributeType::VendorDefined(CKA_TRUST_SERVER_AUTH),
                    AttributeType::VendorDefined(CKA_TRUST_EMAIL_PROTECTION),
                ],
            )
            .map_err(|e| ck_err("C_GetAttributeValue", e))?;
        let mut t = Trust::NONE;
        for a in attrs {
            if let Attribute::VendorDefined((AttributeType::VendorDefined(ty), v)) = a {
                let delegator = ulong_of(&v) == Some(CKT_NSS_TRUSTED_DELEGATOR);
                if ty == CKA_TRUST_SERVER_AUTH {
                    t.tls = delegator;
                } else if ty == CKA_TRUST_EMAIL_PROTECTION {
                    t.email = delegator;
                }
            }
        }
        Ok(t)
    }

    /// Copy a private key out as PKCS#8: wrap it with a fresh session AES
    /// key, then decrypt locally. Non-extractable keys are refused.
    pub fn export_private_key(&self, key: ObjectHandle, what: &str) -> Result<PrivateKey, StoreError> {
        let facts = self
            .session
            .get_attributes(key, &[AttributeType::Extractable])
            .map_err(|e| ck_err("C_GetAttributeValue", e))?;
        if facts.iter().any(|a| matches!(a, Attribute::Extractable(false))) {
            return Err(StoreError::KeyNotExtractable { what: what.into() });
        }
        // The session key's value and everything wrapped with it are wiped
        // after use: together they are the private key.
        let kek = zeroize::Zeroizing::new(random_bytes(32)?);
        let wrapping = self.session_aes_key(&kek)?;
        let result = (|| {
            let pkcs8 = match self.flavor {
                Flavor::Softoken => {
                    let iv: [u8; 16] = random_bytes(16)?.try_into().unwrap_or([0; 16]);
                    let wrapped = self.raw_wrap(&Mechanism::AesCbcPad(iv), wrapping, key)?;
                    decrypt(Cipher::aes_256_cbc(), &kek, Some(&iv), &wrapped).map_err(|e| StoreError::Pkcs11 {
                        call: "C_WrapKey".into(),
                        rv: None,
                        message: format!("the wrapped key does not decrypt: {e}"),
                    })?
                }
                Flavor::Token => {
                    if !self.has_mechanism(MechanismType::AES_KEY_WRAP_PAD) {
                        return Err(StoreError::KeyNotExtractable { what: what.into() });
                    }
                    let wrapped = self.raw_wrap(&Mechanism::AesKeyWrapPad, wrapping, key)?;
                    unwrap_rfc5649(&kek, &wrapped)?
                }
            };
            Ok(PrivateKey::from_pkcs8_der(pkcs8))
        })();
        let _ = self.session.destroy_object(wrapping);
        result.map_err(|e| match e {
            StoreError::Pkcs11 { rv: Some(RvError::KeyUnextractable | RvError::KeyNotWrappable), .. } => {
                StoreError::KeyNotExtractable { what: what.into() }
            }
            e => e,
        })
    }

    /// Put a PKCS#8 private key into the store (token object, sensitive,
    /// private) under `id` and `label`, by unwrapping it with a session key,
    /// or, on a token that cannot unwrap, from its parts.
    pub fn import_private_key(&self, key: &PrivateKey, id: &[u8], label: &str) -> Result<ObjectHandle, StoreError> {
        let pkey = openssl::pkey::PKey::private_key_from_pkcs8(key.pkcs8_der()).map_err(|e| StoreError::Pkcs11 {
            call: "import".into(),
            rv: None,
            message: format!("the private key cannot be read: {e}"),
        })?;
        let mut template = vec![
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Id(id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Sign(true),
        ];
        if self.flavor == Flavor::Token {
            // A key put on a token stays there, as a card's own keys do:
            // the file it came from is the copy (SO28695).
            template.push(Attribute::Extractable(false));
        }
        match pkey.id() {
            openssl::pkey::Id::RSA => {
                template.push(Attribute::KeyType(KeyType::RSA));
                template.push(Attribute::Decrypt(true));
                template.push(Attribute::Unwrap(true));
            }
            openssl::pkey::Id::EC => {
                template.push(Attribute::KeyType(KeyType::EC));
                template.push(Attribute::Derive(true));
                if self.flavor == Flavor::Softoken {
                    let point = ec_point(&pkey)?;
                    template.push(Attribute::VendorDefined((AttributeType::VendorDefined(CKA_NSS_DB), point)));
                }
            }
            other => {
                return Err(StoreError::NotSupported { what: format!("private keys of type {other:?}") });
            }
        }
        if self.flavor == Flavor::Token && !self.has_mechanism(MechanismType::AES_KEY_WRAP_PAD) {
            // Most smart cards cannot unwrap: the key's parts go in with
            // C_CreateObject, as pkcs11-tool --write-object and NSS do.
            return self.create_private_key_plain(&pkey, template);
        }
        // The session key's value and everything wrapped with it are wiped
        // after use: together they are the private key.
        let kek = zeroize::Zeroizing::new(random_bytes(32)?);
        let wrapping = self.session_aes_key(&kek)?;
        let result = match self.flavor {
            Flavor::Softoken => {
                let iv: [u8; 16] = random_bytes(16)?.try_into().unwrap_or([0; 16]);
                let blob = zeroize::Zeroizing::new(
                    encrypt(Cipher::aes_256_cbc(), &kek, Some(&iv), key.pkcs8_der())
                        .map_err(|e| StoreError::Pkcs11 { call: "wrap".into(), rv: None, message: e.to_string() })?,
                );
                self.session.unwrap_key(&Mechanism::AesCbcPad(iv), wrapping, &blob, &template)
            }
            Flavor::Token => {
                let blob = zeroize::Zeroizing::new(wrap_rfc5649(&kek, key.pkcs8_der())?);
                self.session.unwrap_key(&Mechanism::AesKeyWrapPad, wrapping, &blob, &template)
            }
        };
        let _ = self.session.destroy_object(wrapping);
        match result {
            // A token that lists the mechanism but cannot unwrap a private
            // key with it: the plain way.
            Err(CkError::Pkcs11(
                RvError::MechanismInvalid
                | RvError::FunctionNotSupported
                | RvError::MechanismParamInvalid
                | RvError::KeyTypeInconsistent,
                _,
            )) if self.flavor == Flavor::Token => self.create_private_key_plain(&pkey, template),
            r => r.map_err(|e| ck_err("C_UnwrapKey", e)),
        }
    }

    /// A private key object from its parts (RSA's CRT values, EC's scalar
    /// and curve) in the template; the copies of the parts are wiped after
    /// the call.
    fn create_private_key_plain(
        &self,
        pkey: &openssl::pkey::PKey<openssl::pkey::Private>,
        mut template: Vec<Attribute>,
    ) -> Result<ObjectHandle, StoreError> {
        match pkey.id() {
            openssl::pkey::Id::RSA => {
                let rsa = pkey.rsa().map_err(|e| ssl_err("rsa", e))?;
                let part = |b: Option<&openssl::bn::BigNumRef>| b.map(|b| b.to_vec()).unwrap_or_default();
                template.extend([
                    Attribute::Modulus(rsa.n().to_vec()),
                    Attribute::PublicExponent(rsa.e().to_vec()),
                    Attribute::PrivateExponent(rsa.d().to_vec()),
                    Attribute::Prime1(part(rsa.p())),
                    Attribute::Prime2(part(rsa.q())),
                    Attribute::Exponent1(part(rsa.dmp1())),
                    Attribute::Exponent2(part(rsa.dmq1())),
                    Attribute::Coefficient(part(rsa.iqmp())),
                ]);
            }
            openssl::pkey::Id::EC => {
                let spki = pkey.public_key_to_der().map_err(|e| ssl_err("ec key", e))?;
                let params = ec_params_of_spki(&spki)
                    .ok_or_else(|| StoreError::NotSupported { what: "an EC key without a named curve".into() })?;
                let ec = pkey.ec_key().map_err(|e| ssl_err("ec key", e))?;
                let bytes = (ec.group().order_bits() as i32 + 7) / 8;
                let d = ec.private_key().to_vec_padded(bytes).map_err(|e| ssl_err("ec key", e))?;
                template.extend([Attribute::EcParams(params), Attribute::Value(d)]);
            }
            other => return Err(StoreError::NotSupported { what: format!("private keys of type {other:?}") }),
        }
        let r = self.session.create_object(&template).map_err(|e| ck_err("C_CreateObject(private key)", e));
        for a in template.iter_mut() {
            match a {
                Attribute::PrivateExponent(v)
                | Attribute::Prime1(v)
                | Attribute::Prime2(v)
                | Attribute::Exponent1(v)
                | Attribute::Exponent2(v)
                | Attribute::Coefficient(v)
                | Attribute::Value(v) => zeroize::Zeroize::zeroize(v),
                _ => {}
            }
        }
        r
    }

    /// Create an X.509 certificate object.
    pub fn create_cert(&self, der: &[u8], label: &str, id: Option<&[u8]>) -> Result<ObjectHandle, StoreError> {
        let x = openssl::x509::X509::from_der(der).map_err(|e| StoreError::Pkcs11 {
            call: "C_CreateObject".into(),
            rv: None,
            message: format!("not a certificate: {e}"),
        })?;
        let mut t = vec![
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Subject(subject_der(&x)?),
            Attribute::Issuer(issuer_der(&x)?),
            Attribute::SerialNumber(serial_der(&x)?),
            Attribute::Value(der.to_vec()),
        ];
        if let Some(id) = id {
            t.push(Attribute::Id(id.to_vec()));
        }
        self.session.create_object(&t).map_err(|e| match e {
            CkError::Pkcs11(RvError::AttributeValueInvalid, _) => StoreError::NicknameClash { nickname: label.into() },
            e => ck_err("C_CreateObject(certificate)", e),
        })
    }

    /// Create NSS's trust object for a CA certificate (softoken only).
    pub fn create_trust(&self, der: &[u8], trust: Trust) -> Result<ObjectHandle, StoreError> {
        let x = openssl::x509::X509::from_der(der).map_err(|e| StoreError::Pkcs11 {
            call: "trust".into(),
            rv: None,
            message: e.to_string(),
        })?;
        let level = |on: bool| ulong_bytes(if on { CKT_NSS_TRUSTED_DELEGATOR } else { CKT_NSS_MUST_VERIFY_TRUST });
        let sha1 = openssl::hash::hash(openssl::hash::MessageDigest::sha1(), der).map_err(|e| StoreError::Pkcs11 {
            call: "trust".into(),
            rv: None,
            message: e.to_string(),
        })?;
        let md5 = openssl::hash::hash(openssl::hash::MessageDigest::md5(), der).map_err(|e| StoreError::Pkcs11 {
            call: "trust".into(),
            rv: None,
            message: e.to_string(),
        })?;
        let v = |t: CK_ULONG, bytes: Vec<u8>| Attribute::VendorDefined((AttributeType::VendorDefined(t), bytes));
        let t = vec![
            vendor_class(CKO_NSS_TRUST),
            Attribute::Token(true),
            Attribute::Issuer(issuer_der(&x)?),
            Attribute::SerialNumber(serial_der(&x)?),
            v(CKA_CERT_SHA1_HASH, sha1.to_vec()),
            v(CKA_CERT_MD5_HASH, md5.to_vec()),
            v(CKA_TRUST_SERVER_AUTH, level(trust.tls)),
            v(CKA_TRUST_CLIENT_AUTH, level(trust.tls)),
            v(CKA_TRUST_EMAIL_PROTECTION, level(trust.email)),
            v(CKA_TRUST_CODE_SIGNING, level(false)),
            v(CKA_TRUST_STEP_UP_APPROVED, vec![0]),
        ];
        self.session.create_object(&t).map_err(|e| ck_err("C_CreateObject(trust)", e))
    }

    /// The trust attributes of a trust object as they are (server, client,
    /// e-mail), to put back exactly on a rollback.
    pub fn trust_snapshot(&self, h: ObjectHandle) -> Result<Vec<Attribute>, StoreError> {
        self.session
            .get_attributes(
                h,
                &[
                    AttributeType::VendorDefined(CKA_TRUST_SERVER_AUTH),
                    AttributeType::VendorDefined(CKA_TRUST_CLIENT_AUTH),
                    AttributeType::VendorDefined(CKA_TRUST_EMAIL_PROTECTION),
                ],
            )
            .map_err(|e| ck_err("C_GetAttributeValue(trust)", e))
    }

    /// Put back what [`StoreSession::trust_snapshot`] read.
    pub fn restore_trust(&self, h: ObjectHandle, snapshot: &[Attribute]) -> Result<(), StoreError> {
        self.session.update_attributes(h, snapshot).map_err(|e| ck_err("C_SetAttributeValue(trust)", e))
    }

    /// The user marked this certificate as not trusted for some use (NSS's
    /// "p" flags, CKT_NSS_NOT_TRUSTED): a decision certhelp never overrides.
    pub fn distrusted(&self, h: ObjectHandle) -> Result<bool, StoreError> {
        Ok(self.trust_snapshot(h)?.iter().any(|a| match a {
            Attribute::VendorDefined((_, v)) => ulong_of(v) == Some(CKT_NSS_NOT_TRUSTED),
            _ => false,
        }))
    }

    /// Set the trust of an existing trust object.
    pub fn set_trust(&self, h: ObjectHandle, trust: Trust) -> Result<(), StoreError> {
        let level = |on: bool| ulong_bytes(if on { CKT_NSS_TRUSTED_DELEGATOR } else { CKT_NSS_MUST_VERIFY_TRUST });
        let v = |t: CK_ULONG, bytes: Vec<u8>| Attribute::VendorDefined((AttributeType::VendorDefined(t), bytes));
        self.session
            .update_attributes(
                h,
                &[
                    v(CKA_TRUST_SERVER_AUTH, level(trust.tls)),
                    v(CKA_TRUST_CLIENT_AUTH, level(trust.tls)),
                    v(CKA_TRUST_EMAIL_PROTECTION, level(trust.email)),
                ],
            )
            .map_err(|e| ck_err("C_SetAttributeValue(trust)", e))
    }

    /// The token's PIN counters (CKF_USER_PIN_COUNT_LOW, _FINAL_TRY,
    /// _LOCKED), read fresh: what to warn about before the one try.
    pub fn pin_state(&self) -> Result<PinState, StoreError> {
        let info = self.module.token_info(self.slot)?;
        Ok(PinState {
            count_low: info.user_pin_count_low(),
            final_try: info.user_pin_final_try(),
            locked: info.user_pin_locked(),
        })
    }

    /// Public key objects with this CKA_ID.
    pub fn find_public_keys(&self, id: &[u8]) -> Result<Vec<ObjectHandle>, StoreError> {
        self.session
            .find_objects(&[Attribute::Class(ObjectClass::PUBLIC_KEY), Attribute::Id(id.to_vec())])
            .map_err(|e| ck_err("C_FindObjects", e))
    }

    /// Create the public key object of a certificate's key (token object,
    /// not private) under `id` and `label`: apps that look keys up by their
    /// public half (pkcs11-tool, p11tool, ssh-keygen -D) find it there.
    pub fn create_public_key(&self, cert_der: &[u8], id: &[u8], label: &str) -> Result<ObjectHandle, StoreError> {
        let x = openssl::x509::X509::from_der(cert_der).map_err(|e| ssl_err("certificate", e))?;
        let pk = x.public_key().map_err(|e| ssl_err("public key", e))?;
        let mut t = vec![
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Id(id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Verify(true),
        ];
        match pk.id() {
            openssl::pkey::Id::RSA => {
                let rsa = pk.rsa().map_err(|e| ssl_err("rsa", e))?;
                t.push(Attribute::KeyType(KeyType::RSA));
                t.push(Attribute::Encrypt(true));
                t.push(Attribute::Wrap(true));
                t.push(Attribute::Modulus(rsa.n().to_vec()));
                t.push(Attribute::PublicExponent(rsa.e().to_vec()));
            }
            openssl::pkey::Id::EC => {
                let spki = pk.public_key_to_der().map_err(|e| ssl_err("public key", e))?;
                let params = ec_params_of_spki(&spki)
                    .ok_or_else(|| StoreError::NotSupported { what: "an EC key without a named curve".into() })?;
                let ec = pk.ec_key().map_err(|e| ssl_err("ec", e))?;
                let mut ctx = openssl::bn::BigNumContext::new().map_err(|e| ssl_err("ec", e))?;
                let point = ec
                    .public_key()
                    .to_bytes(ec.group(), openssl::ec::PointConversionForm::UNCOMPRESSED, &mut ctx)
                    .map_err(|e| ssl_err("ec point", e))?;
                t.push(Attribute::KeyType(KeyType::EC));
                // An EC public key only verifies (SoftHSM's defaults
                // would also mark it for encrypting and wrapping).
                t.push(Attribute::Encrypt(false));
                t.push(Attribute::Wrap(false));
                t.push(Attribute::EcParams(params));
                // CKA_EC_POINT is the DER OCTET STRING around the point.
                t.push(Attribute::EcPoint(der_octet_string(&point)));
            }
            other => return Err(StoreError::NotSupported { what: format!("public keys of type {other:?}") }),
        }
        self.session.create_object(&t).map_err(|e| ck_err("C_CreateObject(public key)", e))
    }

    /// Sign a fresh random message with the private key `key` and check the
    /// signature with the certificate's public key: the key on the store is
    /// the certificate's. Only RSA (SHA256-RSA-PKCS) and EC (ECDSA).
    pub fn key_signs_for(&self, key: ObjectHandle, cert_der: &[u8]) -> Result<bool, StoreError> {
        use openssl::hash::MessageDigest;
        let x = openssl::x509::X509::from_der(cert_der).map_err(|e| ssl_err("certificate", e))?;
        let pk = x.public_key().map_err(|e| ssl_err("public key", e))?;
        let msg = random_bytes(32)?;
        match pk.id() {
            openssl::pkey::Id::RSA => {
                let sig = self.session.sign(&Mechanism::Sha256RsaPkcs, key, &msg).map_err(|e| ck_err("C_Sign", e))?;
                let mut v =
                    openssl::sign::Verifier::new(MessageDigest::sha256(), &pk).map_err(|e| ssl_err("verify", e))?;
                v.update(&msg).map_err(|e| ssl_err("verify", e))?;
                Ok(v.verify(&sig).unwrap_or(false))
            }
            openssl::pkey::Id::EC => {
                let digest = openssl::sha::sha256(&msg);
                let sig = self.session.sign(&Mechanism::Ecdsa, key, &digest).map_err(|e| ck_err("C_Sign", e))?;
                // PKCS#11 gives r || s, each half the length.
                let (r, s) = sig.split_at(sig.len() / 2);
                let to_bn = |b: &[u8]| openssl::bn::BigNum::from_slice(b).map_err(|e| ssl_err("ecdsa", e));
                let sig = openssl::ecdsa::EcdsaSig::from_private_components(to_bn(r)?, to_bn(s)?)
                    .map_err(|e| ssl_err("ecdsa", e))?;
                let ec = pk.ec_key().map_err(|e| ssl_err("ec", e))?;
                Ok(sig.verify(&digest, &ec).unwrap_or(false))
            }
            other => Err(StoreError::NotSupported { what: format!("keys of type {other:?}") }),
        }
    }

    pub fn destroy(&self, h: ObjectHandle) -> Result<(), StoreError> {
        self.session.destroy_object(h).map_err(|e| ck_err("C_DestroyObject", e))
    }

    fn has_mechanism(&self, m: MechanismType) -> bool {
        self.module.ctx().get_mechanism_list(self.slot).map(|l| l.contains(&m)).unwrap_or(false)
    }

    /// A session (not token) AES-256 key with a value we know.
    fn session_aes_key(&self, value: &[u8]) -> Result<ObjectHandle, StoreError> {
        let mut template = vec![
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(false),
            Attribute::Private(false),
            Attribute::Sensitive(false),
            Attribute::Wrap(true),
            Attribute::Unwrap(true),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::Value(value.to_vec()),
        ];
        let r = self.session.create_object(&template).map_err(|e| ck_err("C_CreateObject(session key)", e));
        for a in template.iter_mut() {
            if let Attribute::Value(v) = a {
                zeroize::Zeroize::zeroize(v);
            }
        }
        r
    }

    /// C_WrapKey through the function list: one call with a 16 KiB buffer,
    /// truncated to the returned length.
    fn raw_wrap(
        &self,
        mech: &Mechanism,
        wrapping: ObjectHandle,
        key: ObjectHandle,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, StoreError> {
        let mut ck_mech: CK_MECHANISM = mech.into();
        let mut buf = zeroize::Zeroizing::new(vec![0u8; 16 * 1024]);
        let mut len: CK_ULONG = buf.len() as CK_ULONG;
        // SAFETY: `list` came from this module's C_GetFunctionList and the
        // library is held loaded; the session and object handles belong to
        // this module; `buf` is writable for `len` bytes, and `ck_mech`'s
        // parameter points into `mech`, which outlives the call.
        let rv = unsafe {
            let f = (*self.raw.list)
                .C_WrapKey
                .ok_or_else(|| StoreError::NotSupported { what: "C_WrapKey in this module".into() })?;
            f(self.session.handle(), &mut ck_mech, wrapping.handle(), key.handle(), buf.as_mut_ptr(), &mut len)
        };
        match Rv::from(rv) {
            Rv::Ok => {
                let n = (len as usize).min(buf.len());
                Ok(zeroize::Zeroizing::new(buf[..n].to_vec()))
            }
            Rv::Error(e) => {
                Err(StoreError::Pkcs11 { call: "C_WrapKey".into(), rv: Some(e), message: format!("{e:?}") })
            }
        }
    }
}

impl super::CertStore for StoreSession {
    fn id(&self) -> &str {
        &self.store
    }
    fn list(&mut self, pin: Option<&Pin>) -> Result<Listing, StoreError> {
        if pin.is_some() {
            self.login(pin)?;
        }
        StoreSession::list(self)
    }
    fn export(
        &mut self,
        chosen: &[&super::StoredCert],
        listed: &[super::StoredCert],
        with_chain: bool,
    ) -> Result<super::Bundle, StoreError> {
        super::export::export(self, chosen, listed, with_chain)
    }
}

fn vendor_class(class: CK_ULONG) -> Attribute {
    Attribute::VendorDefined((AttributeType::VendorDefined(cryptoki_sys::CKA_CLASS), ulong_bytes(class)))
}

/// A CK_ULONG as the module expects it: native endian, native width.
fn ulong_bytes(v: CK_ULONG) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

fn ulong_of(b: &[u8]) -> Option<CK_ULONG> {
    let a: [u8; std::mem::size_of::<CK_ULONG>()] = b.try_into().ok()?;
    Some(CK_ULONG::from_ne_bytes(a))
}

pub(crate) fn random_bytes(n: usize) -> Result<Vec<u8>, StoreError> {
    let mut b = vec![0u8; n];
    openssl::rand::rand_bytes(&mut b).map_err(|e| StoreError::Pkcs11 {
        call: "random".into(),
        rv: None,
        message: e.to_string(),
    })?;
    Ok(b)
}

fn ssl_err(what: &str, e: openssl::error::ErrorStack) -> StoreError {
    StoreError::Pkcs11 { call: what.into(), rv: None, message: e.to_string() }
}

pub(crate) fn subject_der(x: &openssl::x509::X509) -> Result<Vec<u8>, StoreError> {
    x.subject_name().to_der().map_err(|e| ssl_err("subject", e))
}

pub(crate) fn issuer_der(x: &openssl::x509::X509) -> Result<Vec<u8>, StoreError> {
    x.issuer_name().to_der().map_err(|e| ssl_err("issuer", e))
}

/// CKA_SERIAL_NUMBER: the serial as the certificate itself encodes it
/// (the INTEGER's tag, length and content, copied from the TBSCertificate),
/// so an odd encoding (a negative serial, a redundant leading byte) is the
/// one NSS looks up.
pub(crate) fn serial_der(x: &openssl::x509::X509) -> Result<Vec<u8>, StoreError> {
    let der = x.to_der().map_err(|e| ssl_err("certificate", e))?;
    serial_tlv(&der).ok_or_else(|| StoreError::Pkcs11 {
        call: "certificate".into(),
        rv: None,
        message: "the certificate's serial number cannot be read".into(),
    })
}

/// (header length, content length) of the DER TLV at the start of `b`;
/// `None` for what does not fit (lengths over 4 bytes, a cut header).
fn tlv(b: &[u8]) -> Option<(usize, usize)> {
    let first = *b.get(1)?;
    if first < 0x80 {
        return Some((2, first as usize));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | *b.get(2 + i)? as usize;
    }
    Some((2 + n, len))
}

/// The serialNumber TLV of a DER certificate: Certificate SEQUENCE ->
/// TBSCertificate SEQUENCE -> optional [0] version -> INTEGER.
fn serial_tlv(cert: &[u8]) -> Option<Vec<u8>> {
    let (h, _) = tlv(cert)?; // Certificate
    let tbs = cert.get(h..)?;
    let (h, _) = tlv(tbs)?; // TBSCertificate
    let mut rest = tbs.get(h..)?;
    if *rest.first()? == 0xA0 {
        let (h, l) = tlv(rest)?;
        rest = rest.get(h + l..)?;
    }
    if *rest.first()? != 0x02 {
        return None;
    }
    let (h, l) = tlv(rest)?;
    rest.get(..h + l).map(<[u8]>::to_vec)
}

/// The uncompressed public point of an EC key.
fn ec_point(pkey: &openssl::pkey::PKey<openssl::pkey::Private>) -> Result<Vec<u8>, StoreError> {
    let ec = pkey.ec_key().map_err(|e| ssl_err("ec key", e))?;
    let mut ctx = openssl::bn::BigNumContext::new().map_err(|e| ssl_err("ec key", e))?;
    ec.public_key()
        .to_bytes(ec.group(), openssl::ec::PointConversionForm::UNCOMPRESSED, &mut ctx)
        .map_err(|e| ssl_err("ec point", e))
}

/// CKA_ID as NSS makes it: SHA-1 of the RSA modulus or of the EC point.
pub fn nss_key_id(cert_der: &[u8]) -> Result<Vec<u8>, StoreError> {
    let x = openssl::x509::X509::from_der(cert_der).map_err(|e| ssl_err("certificate", e))?;
    let pk = x.public_key().map_err(|e| ssl_err("public key", e))?;
    let material = match pk.id() {
        openssl::pkey::Id::RSA => pk.rsa().map_err(|e| ssl_err("rsa", e))?.n().to_vec(),
        openssl::pkey::Id::EC => {
            let ec = pk.ec_key().map_err(|e| ssl_err("ec", e))?;
            let mut ctx = openssl::bn::BigNumContext::new().map_err(|e| ssl_err("ec", e))?;
            ec.public_key()
                .to_bytes(ec.group(), openssl::ec::PointConversionForm::UNCOMPRESSED, &mut ctx)
                .map_err(|e| ssl_err("ec point", e))?
        }
        other => return Err(StoreError::NotSupported { what: format!("public keys of type {other:?}") }),
    };
    Ok(openssl::hash::hash(openssl::hash::MessageDigest::sha1(), &material).map_err(|e| ssl_err("sha1", e))?.to_vec())
}

/// DER length octets.
fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
        let mut out = vec![0x80 | bytes.len() as u8];
        out.extend(bytes);
        out
    }
}

fn der_octet_string(content: &[u8]) -> Vec<u8> {
    let mut out = vec![0x04];
    out.extend(der_len(content.len()));
    out.extend_from_slice(content);
    out
}

/// The curve OID TLV of an EC SubjectPublicKeyInfo: SEQUENCE { SEQUENCE {
/// OID id-ecPublicKey, OID curve }, BIT STRING } -> the second OID, whole.
fn ec_params_of_spki(spki: &[u8]) -> Option<Vec<u8>> {
    let (h, _) = tlv(spki)?;
    let alg = spki.get(h..)?;
    let (h, _) = tlv(alg)?;
    let inner = alg.get(h..)?;
    let (h1, l1) = tlv(inner)?; // id-ecPublicKey
    let params = inner.get(h1 + l1..)?;
    if *params.first()? != 0x06 {
        return None;
    }
    let (h2, l2) = tlv(params)?;
    params.get(..h2 + l2).map(<[u8]>::to_vec)
}

fn wrap_cipher_op(kek: &[u8], data: &[u8], enc: bool) -> Result<Vec<u8>, StoreError> {
    use openssl::cipher::Cipher as C;
    use openssl::cipher_ctx::CipherCtx;
    let run = || -> Result<Vec<u8>, openssl::error::ErrorStack> {
        let mut ctx = CipherCtx::new()?;
        if enc {
            ctx.encrypt_init(Some(C::aes_256_wrap_pad()), Some(kek), None)?;
        } else {
            ctx.decrypt_init(Some(C::aes_256_wrap_pad()), Some(kek), None)?;
        }
        let mut out = Vec::new();
        ctx.cipher_update_vec(data, &mut out)?;
        ctx.cipher_final_vec(&mut out)?;
        Ok(out)
    };
    run().map_err(|e| ssl_err("AES key wrap (RFC 5649)", e))
}

fn unwrap_rfc5649(kek: &[u8], wrapped: &[u8]) -> Result<Vec<u8>, StoreError> {
    wrap_cipher_op(kek, wrapped, false)
}

fn wrap_rfc5649(kek: &[u8], key: &[u8]) -> Result<Vec<u8>, StoreError> {
    wrap_cipher_op(kek, key, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_der_integers_with_a_sign_byte_when_needed() {
        let mut b = openssl::x509::X509::builder().unwrap();
        let bn = openssl::bn::BigNum::from_u32(0x80).unwrap();
        b.set_serial_number(&openssl::asn1::Asn1Integer::from_bn(&bn).unwrap()).unwrap();
        let k = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(1024).unwrap()).unwrap();
        b.set_pubkey(&k).unwrap();
        b.sign(&k, openssl::hash::MessageDigest::sha256()).unwrap();
        let x = b.build();
        assert_eq!(serial_der(&x).unwrap(), vec![0x02, 0x02, 0x00, 0x80]);
        assert!(serial_tlv(b"\x30\x03\x30\x01").is_none(), "hostile input is a None, not a panic");
    }

    #[test]
    fn ec_params_and_point_encoding() {
        let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        let k = openssl::pkey::PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap();
        let spki = k.public_key_to_der().unwrap();
        // prime256v1: 1.2.840.10045.3.1.7
        assert_eq!(ec_params_of_spki(&spki).unwrap(), b"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07".to_vec());
        assert_eq!(der_octet_string(&[1; 65])[..2], [0x04, 65]);
        assert_eq!(der_octet_string(&[1; 133])[..3], [0x04, 0x81, 133]);
        assert!(ec_params_of_spki(b"\x30\x03\x30\x01").is_none());
    }

    #[test]
    fn rfc5649_round_trip() {
        let kek = [7u8; 32];
        let data = b"a PKCS#8 key of odd length..".to_vec();
        let w = wrap_rfc5649(&kek, &data).unwrap();
        assert_eq!(unwrap_rfc5649(&kek, &w).unwrap(), data);
    }
}
