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

/// The articles of a code whose cause depends on what the user was doing:
/// importing a file, or exporting (or using) what is in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operations {
    pub import: &'static str,
    pub export: &'static str,
}

/// Codes that mean one thing on import and another on export, decided by
/// their meaning: "Key not valid for use in specified state" is the key
/// provider refusing a new key on import (TS2021) and a non-exportable key
/// on export (TS2006); macOS asks for a passphrase on both (the keychain's
/// import, SO5181, and export, SO28421).
fn by_operation(row: &Row<'static>) -> Option<Operations> {
    match (row.family, row.code) {
        (Family::Windows, "NTE_BAD_KEY_STATE") => Some(Operations { import: "TS2021", export: "TS2006" }),
        (Family::Macos, "errSecPassphraseRequired") => Some(Operations { import: "SO5181", export: "SO28421" }),
        _ => None,
    }
}

/// The words of a paste as a person wrote them: a file name
/// ("backup.pfx") stays one word and says nothing about the operation.
fn plain_words(lower: &str) -> impl Iterator<Item = &str> {
    lower
        .split(|c: char| c.is_whitespace() || ",;:!?()\"'`<>[]{}=".contains(c))
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| !w.is_empty())
}

/// Whether one of `words` is a plain word of the paste.
fn says(lower: &str, words: &[&str]) -> bool {
    plain_words(lower).any(|w| words.contains(&w))
}

/// Whether the paste is about an export or a backup: the command says it
/// (`-exportPFX`, `SecKeychainItemExport`, `security export`), or the
/// person's words do.
fn exporting(lower: &str) -> bool {
    lower.contains("exportpfx")
        || lower.contains("itemexport")
        || lower.contains("security export")
        || says(lower, &["export", "exporting", "exported", "backup", "backing"])
}

/// "import/export" (macOS's "Passphrase is required for import/export.")
/// names no one operation.
fn neither_operation(lower: &str) -> String {
    lower.replace("import/export", " ")
}

/// For a code whose cause depends on the operation, the articles to choose
/// between when the paste names neither an import nor an export.
pub fn undecided(row: &Row<'static>, lower: &str) -> Option<Operations> {
    let lower = &neither_operation(lower);
    // "Passphrase is required for import/export." names both: neither decides.
    by_operation(row).filter(|_| importing(lower) == exporting(lower))
}

/// The article for `row` in a paste whose lower-cased text is `lower`.
pub fn article(row: &Row<'static>, lower: &str) -> &'static str {
    if let Some(ops) = by_operation(row) {
        let lower = &neither_operation(lower);
        if importing(lower) && !exporting(lower) {
            return ops.import;
        }
        if exporting(lower) && !importing(lower) {
            return ops.export;
        }
    }
    match row.family {
        Family::Nss if lower.contains("pk12util") => pk12util(row, lower),
        Family::Windows if importing(lower) => windows_import(row, lower),
        _ => row.article,
    }
}

/// Windows releases that cannot read a PKCS#12 protected with AES-256 and
/// a SHA-256 MAC (OpenSSL 3's default): support came with Windows 10 1709
/// and Windows Server 2019.
const PRE_AES_WINDOWS: &[&str] = &[
    "server 2016",
    "server 2012",
    "server 2008",
    "server 2003",
    "windows 7",
    "windows 8",
    "win7",
    "win8",
    "vista",
    "windows xp",
    "ltsb 2016",
    "ltsb 2015",
    "1507",
    "1511",
    "1607",
    "1703",
];

/// Releases that read AES-256 PKCS#12: when the paste names one too, an
/// old release it names is not necessarily the one importing.
const AES_WINDOWS: &[&str] = &["windows 11", "win11", "server 2019", "server 2022", "server 2025"];

/// Whether the paste names a Windows release without AES PKCS#12 support,
/// and no release with it.
fn pre_aes_windows(lower: &str) -> bool {
    if AES_WINDOWS.iter().any(|r| lower.contains(r)) {
        return false;
    }
    let words: Vec<&str> = plain_words(lower).collect();
    PRE_AES_WINDOWS.iter().any(|r| {
        if r.contains(' ') || !r.starts_with('1') {
            return lower.contains(r);
        }
        // A release number ("1607") only after "version", "build" or
        // "windows 10", not a port, a line or part of a build string.
        words.windows(2).any(|p| p[1] == *r && matches!(p[0], "version" | "build" | "10" | "win10" | "ltsc" | "ltsb"))
    })
}

/// pk12util prints NSS codes too, but its user is on the command line
/// (Chrome, Chromium or Edge on Linux, and every app sharing the NSS
/// database), not in Firefox's import dialog: a wrong password or any other
/// PKCS#12 failure is CH1002's pk12util route on import and CH1001's on
/// export (`-o`, where the only
/// password asked before the file is written is the database's), a file
/// that is not DER PKCS#12 at all is converted (CH1010), and a nickname
/// that finds nothing is CH1001's export.
fn pk12util(row: &Row<'static>, lower: &str) -> &'static str {
    let code = row.code;
    if matches!(code, "SEC_ERROR_BAD_DER" | "SEC_ERROR_PKCS12_DECODING_PFX") {
        return "CH1010";
    }
    if matches!(code, "SEC_ERROR_UNKNOWN_CERT" | "SEC_ERROR_PKCS12_UNABLE_TO_LOCATE_OBJECT_BY_NAME") {
        return "CH1001";
    }
    // "Failed to authenticate to PKCS11 slot" comes from the database
    // login, before the file is read, on import and export alike.
    if row.article == "TS2004" && (lower.contains("failed to authenticate to") || lower.contains("password/pin")) {
        return "CH1001";
    }
    // TS2003 and TS2004 are Firefox's dialog; pk12util's own route is
    // the command-line article of its operation.
    if matches!(row.article, "TS2003" | "TS2004") {
        return if pk12util_exporting(lower) { "CH1001" } else { "CH1002" };
    }
    row.article
}

/// Whether a command-line flag (`-o`) is one of the paste's words.
fn has_flag(lower: &str, flag: &str) -> bool {
    lower.split_whitespace().any(|w| w == flag)
}

/// pk12util's operation from its flags: `-o` exports; `-i` imports and
/// `-l` lists a file, both about the file's password. Without flags, the
/// paste's words decide ("when exporting").
fn pk12util_exporting(lower: &str) -> bool {
    let file = has_flag(lower, "-i") || has_flag(lower, "-l");
    if has_flag(lower, "-o") || file {
        return !file;
    }
    exporting(lower) && !importing(lower)
}

/// Whether the paste is about an import (`certutil -importPFX`, the
/// import wizard, "when importing").
fn importing(lower: &str) -> bool {
    lower.contains("importpfx")
        || lower.contains("itemimport")
        || lower.contains("security import")
        || says(lower, &["import", "importing", "imported"])
}

/// "Keyset does not exist" and "Key not valid for use in specified state"
/// mean a certificate without its key (TS2007) or a non-exportable key
/// (TS2006) in the store; during an import they come from the key-storage
/// provider that refuses the new key (TS2021).
///
/// A password refused on import is Windows' iteration-count limit (TS2005)
/// on a current Windows; on a release that cannot read AES-256 at all it is
/// the file's encryption (TS2001), the likelier cause there.
fn windows_import(row: &Row<'static>, lower: &str) -> &'static str {
    match row.article {
        "TS2007" | "TS2006" if row.code.starts_with("NTE_") || row.code.starts_with("CRYPT_E_") => "TS2021",
        "TS2005" if pre_aes_windows(lower) => "TS2001",
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
    fn pk12util_flags_tell_an_export_from_an_import() {
        let bad = row("SEC_ERROR_BAD_PASSWORD", Family::Nss, "TS2004");
        let line = "pk12util: sec_error_bad_password: the security password entered is incorrect.";
        assert_eq!(article(&bad, &format!("$ pk12util -o me.p12 -n me -d sql:db\n{line}")), "CH1001");
        assert_eq!(article(&bad, &format!("$ pk12util -i me.p12 -d sql:db\n{line}")), "CH1002");
        assert_eq!(article(&bad, &format!("$ pk12util -l me.p12\n{line}")), "CH1002");
        assert_eq!(article(&bad, &format!("{line} when exporting")), "CH1001");
        // "-o" inside a word or a path is not the flag.
        assert_eq!(article(&bad, &format!("pk12util -i x-o.p12 {line}")), "CH1002");
        assert_eq!(article(&bad, line), "CH1002");
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
    fn a_refused_password_on_a_pre_aes_windows_is_the_files_encryption() {
        let password = row("ERROR_INVALID_PASSWORD", Family::Windows, "TS2005");
        let line = "certutil: -importpfx command failed: 0x80070056 (win32: 86 error_invalid_password)";
        assert_eq!(article(&password, line), "TS2005");
        assert_eq!(article(&password, &format!("windows server 2012 r2: {line}")), "TS2001");
        assert_eq!(article(&password, &format!("on windows 10 1607 {line}")), "TS2001");
        // Not on import: the table's article.
        assert_eq!(article(&password, "windows 7: 0x80070056"), "TS2005");
        assert_eq!(article(&password, &format!("error 0x80071607 {line}")), "TS2005");
    }

    #[test]
    fn a_file_name_or_another_release_does_not_decide() {
        let state = row("NTE_BAD_KEY_STATE", Family::Windows, "TS2006");
        // "backup.pfx" is a file name, not a backup.
        assert_eq!(article(&state, "certutil -importpfx backup.pfx -> 0x8009000b"), "TS2021");
        let pass = row("ERROR_INVALID_PASSWORD", Family::Windows, "TS2005");
        let line = "certutil -importpfx fails with 0x80070056";
        assert_eq!(article(&pass, &format!("exported on my old windows 7 pc; on windows 11 {line}")), "TS2005");
        assert_eq!(article(&pass, &format!("build 10.0.19044.1607: {line}")), "TS2005");
        assert_eq!(article(&pass, &format!("windows 10 version 1607: {line}")), "TS2001");
        let nss = row("SEC_ERROR_BAD_PASSWORD", Family::Nss, "TS2004");
        let db =
            "pk12util -i me.p12 -d sql:db\npk12util: failed to authenticate to pkcs11 slot: sec_error_bad_password";
        assert_eq!(article(&nss, db), "CH1001", "the database password");
    }

    #[test]
    fn the_operation_decides_a_code_that_means_two_things() {
        let state = row("NTE_BAD_KEY_STATE", Family::Windows, "TS2006");
        assert_eq!(article(&state, "certutil: -exportpfx command failed: 0x8009000b"), "TS2006");
        assert_eq!(article(&state, "certutil: -importpfx command failed: 0x8009000b"), "TS2021");
        assert_eq!(
            undecided(&state, "certutil: key not valid for use in specified state."),
            Some(Operations { import: "TS2021", export: "TS2006" })
        );
        assert_eq!(undecided(&state, "0x8009000b when exporting"), None);
        let pass = row("errSecPassphraseRequired", Family::Macos, "TS2001");
        assert_eq!(article(&pass, "security: seckeychainitemexport: passphrase is required"), "SO28421");
        assert_eq!(article(&pass, "security: seckeychainitemimport: passphrase is required"), "SO5181");
        assert!(undecided(&pass, "passphrase is required for import/export.").is_some());
        assert!(
            undecided(&pass, "security: seckeychainitemexport: passphrase is required for import/export.").is_none()
        );
        // Other codes have one article whatever the operation.
        assert_eq!(undecided(&row("NTE_BAD_KEYSET", Family::Windows, "TS2007"), "0x80090016"), None);
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
