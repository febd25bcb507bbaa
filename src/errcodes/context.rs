//! Rules that move a code to another article by what else the paste says:
//! the program that printed it (pk12util is the NSS command-line route,
//! not Firefox's dialog), the operation (a Windows key code during an
//! import is the key-storage provider's), and for `openssl verify` the
//! depth of the certificate (0 is the user's own, 1 and more the chain).
//!
//! Each rule is per family and decided by the code's meaning; it never
//! matches a phrase of one message. This file does not find codes (scan.rs
//! does) and does not rank them.

use super::table::{Family, Row};

/// Whole words of `lower` (already lower-cased), for cue tests that must
/// not match inside a longer word.
fn has_word(lower: &str, word: &str) -> bool {
    lower.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| w == word)
}

/// The article for `row` in a paste whose lower-cased text is `lower`.
pub fn article(row: &Row<'static>, lower: &str) -> &'static str {
    match row.family {
        Family::Nss if lower.contains("pk12util") => pk12util(row),
        Family::Windows if importing(lower) => windows_import(row),
        _ => row.article,
    }
}

/// pk12util prints NSS codes too, but its user is on the command line
/// (Chrome, Chromium or Edge on Linux, and every app sharing the NSS
/// database), not in Firefox's import dialog: a wrong password is CH1002's
/// pk12util route, a file that is not DER PKCS#12 at all is converted
/// (CH1010), and a nickname that finds nothing is CH1001's export.
fn pk12util(row: &Row<'static>) -> &'static str {
    let code = row.code;
    if matches!(code, "SEC_ERROR_BAD_DER" | "SEC_ERROR_PKCS12_DECODING_PFX") {
        return "CH1010";
    }
    if matches!(code, "SEC_ERROR_UNKNOWN_CERT" | "SEC_ERROR_PKCS12_UNABLE_TO_LOCATE_OBJECT_BY_NAME") {
        return "CH1001";
    }
    if row.article == "TS2004" {
        return "CH1002";
    }
    row.article
}

/// Whether the paste is about an import (`certutil -importPFX`, the
/// import wizard, "when importing").
fn importing(lower: &str) -> bool {
    lower.contains("importpfx") || ["import", "importing", "imported"].iter().any(|w| has_word(lower, w))
}

/// "Keyset does not exist" and "Key not valid for use in specified state"
/// mean a certificate without its key (TS2007) or a non-exportable key
/// (TS2006) in the store; during an import they come from the key-storage
/// provider that refuses the new key (TS2021).
fn windows_import(row: &Row<'static>) -> &'static str {
    match row.article {
        "TS2007" | "TS2006" if row.code.starts_with("NTE_") || row.code.starts_with("CRYPT_E_") => "TS2021",
        a => a,
    }
}

/// `openssl verify` names the depth of the certificate it failed on: an
/// expired or not-yet-valid certificate at depth 1 or more is an
/// intermediate or root (TS2017), and any other validity error there is the
/// chain's; at depth 0 it is the user's own certificate (the table's
/// article).
pub fn verify_depth(row: &Row<'static>, depth: u32) -> &'static str {
    if depth == 0 || row.article != "TS2023" {
        return row.article;
    }
    if row.code.contains("EXPIRED") || row.code.contains("NOT_YET_VALID") {
        "TS2017"
    } else {
        "chain"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &'static str, family: Family, article: &'static str) -> Row<'static> {
        Row { code, number: "", family, meaning: "", article, line: 0 }
    }

    #[test]
    fn pk12util_is_the_command_line_route() {
        let bad = row("SEC_ERROR_BAD_PASSWORD", Family::Nss, "TS2004");
        assert_eq!(article(&bad, "pk12util: pkcs12 decode not verified"), "CH1002");
        assert_eq!(article(&bad, "firefox says"), "TS2004");
        assert_eq!(article(&row("SEC_ERROR_BAD_DER", Family::Nss, "TS2004"), "pk12util: x"), "CH1010");
        assert_eq!(article(&row("SEC_ERROR_UNKNOWN_CERT", Family::Nss, "TS2003"), "pk12util: x"), "CH1001");
    }

    #[test]
    fn a_windows_key_code_during_an_import_is_the_providers() {
        let keyset = row("NTE_BAD_KEYSET", Family::Windows, "TS2007");
        assert_eq!(article(&keyset, "certutil: -importpfx command failed"), "TS2021");
        assert_eq!(article(&keyset, "error 80090016 when importing"), "TS2021");
        assert_eq!(article(&keyset, "certutil -repairstore my 1a"), "TS2007");
        // "reimport" or "important" are not an import.
        assert_eq!(article(&keyset, "important: 0x80090016"), "TS2007");
    }

    #[test]
    fn verify_depth_tells_own_from_chain() {
        let expired = row("X509_V_ERR_CERT_HAS_EXPIRED", Family::X509, "TS2023");
        assert_eq!(verify_depth(&expired, 0), "TS2023");
        assert_eq!(verify_depth(&expired, 1), "TS2017");
        assert_eq!(verify_depth(&row("X509_V_ERR_CERT_REVOKED", Family::X509, "TS2023"), 2), "chain");
        assert_eq!(verify_depth(&row("X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT", Family::X509, "chain"), 0), "chain");
    }
}
