//! App configuration files certhelp edits (not certificate stores).

pub mod pkcs11_txt;
pub mod prefs;
