//! Error codes: what a pasted code means and which article helps, including
//! codes that no article quotes (issue 9, "Pasted error texts").
//!
//! The table (kb/codes/codes.tsv) holds every code of NSS
//! (`SEC_ERROR_*`, `SSL_ERROR_*`), Chromium (`ERR_*`), PKCS#11 (`CKR_*`),
//! Windows (HRESULTs and their names), macOS (`errSec*`, `CSSMERR_*`), OpenSSL, and the
//! messages of programs that print no codes (Java's keytool, the openssl
//! command, Evolution, IIS) or their own besides NSS's (pk12util, certutil
//! -d, modutil), each with the article its family's rule gives (see
//! kb/codes/generate.py). `lookup` finds codes in a text; `answer` turns the
//! first usable one into a plan; `check` is the lint of a table.
//!
//! This module does not rank articles against each other (search.rs does,
//! and puts a quoted error text of an article ahead of a code) and does not
//! print.

mod context;
mod scan;
mod table;

pub use context::Operations;
pub use scan::lookup;
pub use table::{padded_words, Family, Row, TABLE};

use crate::intent::{Activity, Parsed};
use crate::kb::Kb;
use crate::plan::{self, Context, Overrides, Plan};

/// The two chain articles a `chain` row stands for; the planner picks one
/// by product (ECA or Digital ID) or asks.
pub const CHAIN_ARTICLES: [&str; 2] = ["SO10186", "SO6395"];

/// A code found in a text.
#[derive(Debug, Clone)]
pub struct CodeHit {
    pub row: &'static Row<'static>,
    /// The article for this paste: the row's, or another one that the
    /// paste's context gives (context.rs: the program, the operation, the
    /// depth of `openssl verify`).
    pub article: &'static str,
    /// The text as it was pasted (`-8179`, `net::ERR_...` gives `ERR_...`).
    pub matched: String,
    /// Found by the app's message for the code, not by the code itself:
    /// an article that quotes the message knows better.
    pub by_message: bool,
    /// Set when the code means one thing on import and another on export
    /// and the paste does not say which: the answer asks.
    pub operations: Option<Operations>,
}

impl CodeHit {
    /// The paste's context (the program, the operation, the OS release)
    /// chose another article than the code's own.
    pub fn refined_by_context(&self) -> bool {
        self.article != self.row.article
    }

    pub fn is_chain(&self) -> bool {
        self.article == "chain"
    }

    /// The articles this code leads to.
    pub fn articles(&self) -> Vec<&'static str> {
        if self.is_chain() {
            CHAIN_ARTICLES.to_vec()
        } else if let Some(o) = self.operations {
            vec![o.import, o.export]
        } else {
            vec![self.article]
        }
    }

    /// What the code means, in the source's words:
    /// "SEC_ERROR_UNKNOWN_ISSUER (-8179): Peer's Certificate issuer is not
    /// recognized. (NSS error: ...)".
    pub fn note(&self) -> String {
        let r = self.row;
        let meaning = r.meaning.trim_end_matches('.');
        let who = r.family.describe();
        match r.family {
            // A placeholder is whatever the program filled in.
            _ if r.family.is_message() => format!("\"{}\": {meaning} ({who}).", without_placeholders(r.code)),
            Family::Openssl => format!("{} (error:{}): {meaning} ({who}).", r.code, r.number),
            Family::X509 => format!("{} ({}): {meaning} ({who}).", r.code, r.number.replace("verify ", "error ")),
            _ if r.number.is_empty() => format!("{}: {meaning} ({who}).", r.code),
            _ => format!("{} ({}): {meaning} ({who}).", r.code, r.number),
        }
    }
}

/// A message with its placeholders ("{0}", "{1}") shown as "...".
fn without_placeholders(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|c| open + c);
        match close.filter(|&c| c > open + 1 && rest[open + 1..c].bytes().all(|b| b.is_ascii_digit())) {
            Some(c) => {
                out.push_str(&rest[..open]);
                out.push_str("...");
                rest = &rest[c + 1..];
            }
            None => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether `text` is nothing but one known code ("SEC_ERROR_BAD_DER",
/// "-25264"): such an error text is the table's to resolve.
pub fn is_bare_code(text: &str) -> bool {
    let t = text.trim().trim_matches(|c: char| c == '"' || c == '(' || c == ')');
    // Every code is one word; most error texts are sentences.
    if t.contains(char::is_whitespace) {
        return false;
    }
    lookup(t).iter().any(|h| h.matched.eq_ignore_ascii_case(t))
}

/// The codes of `text` whose articles are in `kb`, best first. A code whose
/// article has not landed yet is skipped, so the question falls through to
/// search as before.
pub fn usable(kb: &Kb, text: &str) -> Vec<CodeHit> {
    lookup(text).into_iter().filter(|h| h.articles().iter().all(|id| kb.get(id).is_some())).collect()
}

/// The codes the text names itself (a name, a number, an OpenSSL line, a
/// program's message), whose articles are in `kb`: these outrank the quoted texts
/// of articles that are not about troubleshooting.
pub fn named(kb: &Kb, text: &str) -> Vec<CodeHit> {
    usable(kb, text).into_iter().filter(|h| !h.by_message).collect()
}

/// The answer to a question that holds a known code: the code's article
/// (a troubleshooting plan), or for a trust error the chain plan. The notes
/// say what the codes mean. `None` when the question holds no usable code.
pub fn answer(query: &str, parsed: &Parsed, overrides: &Overrides, ctx: Context, kb: &Kb) -> Option<Plan> {
    let hits = usable(kb, query);
    let first = hits.first()?;
    let notes: Vec<String> = hits.iter().take(3).map(CodeHit::note).collect();
    if first.is_chain() {
        let chain = Overrides { activity: Some(Activity::Chain), ..overrides.clone() };
        let mut p = plan::plan(query, parsed, &chain, ctx, kb);
        if p.steps.is_empty() {
            return None;
        }
        p.notes.splice(0..0, notes);
        return Some(p);
    }
    let mut p = match first.operations {
        Some(o) => plan::article_choice(
            query,
            kb,
            "When did you see this error?",
            &[
                (o.import, "When importing a certificate file"),
                (o.export, "When exporting or backing up a certificate"),
            ],
            notes,
        ),
        None => plan::single_article(query, kb, first.article, Some(Activity::Troubleshoot), notes),
    };
    for h in hits.iter().skip(1) {
        for id in h.articles() {
            let alt = kb.get(id).map(|a| format!("{} {}", a.id, a.title));
            if let Some(alt) =
                alt.filter(|a| !p.alternatives.contains(a) && !p.articles.iter().any(|x| x.split('|').any(|x| x == id)))
            {
                p.alternatives.push(alt);
            }
        }
    }
    Some(p)
}

/// A row of a code table that names an article that does not exist.
#[derive(Debug, Clone)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// Checks a code table: every line parses and every article it names
/// exists (`exists`).
pub fn check(text: &str, exists: &dyn Fn(&str) -> bool) -> Vec<Problem> {
    let (rows, bad) = table::parse(text);
    let mut problems: Vec<Problem> = bad.into_iter().map(|b| Problem { line: b.line, message: b.message }).collect();
    for r in &rows {
        let ids: Vec<&str> = if r.article == "chain" { CHAIN_ARTICLES.to_vec() } else { vec![r.article] };
        for id in ids.into_iter().filter(|id| !exists(id)) {
            problems.push(Problem {
                line: r.line,
                message: format!("code `{}` names `{id}`, which is not an article", r.code),
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> String {
        lookup(text).first().map(|h| h.row.code.to_string()).unwrap_or_default()
    }

    #[test]
    fn names_and_numbers() {
        assert_eq!(first("SEC_ERROR_UNKNOWN_ISSUER"), "SEC_ERROR_UNKNOWN_ISSUER");
        assert_eq!(first("Error code: sec_error_unknown_issuer"), "SEC_ERROR_UNKNOWN_ISSUER");
        assert_eq!(first("failed with -8179"), "SEC_ERROR_UNKNOWN_ISSUER");
        assert_eq!(first("SSL peer (-12227)"), "SSL_ERROR_HANDSHAKE_FAILURE_ALERT");
        assert_eq!(first("net::ERR_BAD_SSL_CLIENT_AUTH_CERT"), "ERR_BAD_SSL_CLIENT_AUTH_CERT");
        assert_eq!(first("chrome says error -117"), "ERR_BAD_SSL_CLIENT_AUTH_CERT");
        assert_eq!(first("CKR_PIN_LOCKED"), "CKR_PIN_LOCKED");
        assert_eq!(first("C_Login failed: 0xA4"), "CKR_PIN_LOCKED");
        assert_eq!(first("CertUtil: 0x80090016 (-2146893802 NTE_BAD_KEYSET)"), "NTE_BAD_KEYSET");
        assert_eq!(first("import failed -2146893802"), "NTE_BAD_KEYSET");
        assert_eq!(first("Error 80090016"), "NTE_BAD_KEYSET");
        assert_eq!(first("OSStatus -25264"), "errSecPkcs12VerifyFailure");
        assert_eq!(first("errSecNotTrusted"), "errSecNotTrusted");
    }

    #[test]
    fn macos_cssm_codes_by_name_and_number() {
        let hit = |text: &str| lookup(text).first().map(|h| (h.row.code, h.article)).unwrap();
        // `security find-identity` marks an identity whose chain fails.
        let listing = "$ security find-identity -v -p codesigning\n  \
                       1) 3F2A9C1D \"Jane Doe (ECA)\" (CSSMERR_TP_NOT_TRUSTED)\n     1 valid identities found";
        assert_eq!(hit(listing), ("CSSMERR_TP_NOT_TRUSTED", "chain"));
        // The same codes as the signed OSStatus and as hex.
        assert_eq!(hit("codesign failed: OSStatus -2147409622"), ("CSSMERR_TP_NOT_TRUSTED", "chain"));
        assert_eq!(hit("error -2147409654"), ("CSSMERR_TP_CERT_EXPIRED", "TS2023"));
        assert_eq!(hit("status 0x8001210A"), ("CSSMERR_TP_CERT_EXPIRED", "TS2023"));
        assert_eq!(hit("CSSMERR_TP_CERT_REVOKED"), ("CSSMERR_TP_CERT_REVOKED", "TS2023"));
        assert_eq!(hit("CSSMERR_TP_INVALID_ANCHOR_CERT"), ("CSSMERR_TP_INVALID_ANCHOR_CERT", "chain"));
        assert_eq!(hit("CSSMERR_CSP_OPERATION_AUTH_DENIED"), ("CSSMERR_CSP_OPERATION_AUTH_DENIED", "TS2001"));
        // Anything else is the macOS family's default article.
        assert_eq!(hit("CSSMERR_CSP_INVALID_KEY"), ("CSSMERR_CSP_INVALID_KEY", "SO5181"));
    }

    #[test]
    fn openssl_lines_both_formats() {
        assert_eq!(first("40F7:error:11800071:PKCS12 routines::mac verify failure"), "PKCS12_R_MAC_VERIFY_FAILURE");
        assert_eq!(
            first("140:error:23076071:PKCS12 routines:PKCS12_parse:mac verify failure:p12_kiss.c:62:"),
            "PKCS12_R_MAC_VERIFY_FAILURE"
        );
        assert_eq!(first("error:0308010C:digital envelope routines::unsupported"), "EVP/ERR_R_UNSUPPORTED");
        assert_eq!(first("error:0480006C:PEM routines::no start line"), "PEM_R_NO_START_LINE");
    }

    #[test]
    fn dates_and_short_numbers_are_not_codes() {
        assert!(lookup("on 2026-11-29 at 10:12").is_empty());
        assert!(lookup("page 3 of -107 items").is_empty());
        // Small hex numbers are flags and lengths, not CKR_* values, unless
        // PKCS#11 is around; success codes are not errors.
        assert!(lookup("flags=0x00000005 len 0x00000020").is_empty());
        assert_eq!(first("pkcs11-tool: C_Login rv = 0x00000005"), "CKR_GENERAL_ERROR");
        assert!(lookup("C_Initialize returned CKR_OK").is_empty());
    }

    #[test]
    fn the_message_of_a_code_finds_it() {
        assert_eq!(first("Firefox: The security password entered is incorrect."), "SEC_ERROR_BAD_PASSWORD");
        assert_eq!(first("it says: The user name or passphrase you entered is not correct"), "errSecAuthFailed");
    }

    #[test]
    fn openssl_verify_lines_carry_their_depth() {
        let hit = |text: &str| lookup(text).first().map(|h| (h.row.code, h.article)).unwrap();
        assert_eq!(
            hit("error 10 at 0 depth lookup: certificate has expired"),
            ("X509_V_ERR_CERT_HAS_EXPIRED", "TS2023")
        );
        assert_eq!(
            hit("error 10 at 1 depth lookup: certificate has expired"),
            ("X509_V_ERR_CERT_HAS_EXPIRED", "TS2017")
        );
        assert_eq!(hit("error 2 at 1 depth lookup: unable to get issuer certificate").1, "chain");
        assert_eq!(hit("depth=0 CN = me\nverify error:num=10:certificate has expired").1, "TS2023");
        assert_eq!(hit("depth=1 CN = CA\nverify error:num=10:certificate has expired").1, "TS2017");
    }

    #[test]
    fn a_short_message_after_a_programs_prefixes_is_whole() {
        assert_eq!(first("security: SecKeychainItemImport: Unknown format in import."), "errSecUnknownFormat");
        assert!(lookup("I think the unknown format in import is odd").is_empty());
    }

    #[test]
    fn java_messages() {
        assert_eq!(first("java.io.IOException: keystore password was incorrect"), "keystore password was incorrect");
        assert_eq!(
            first("java.io.IOException: DerInputStream.getLength(): lengthTag=109, too big."),
            "DerInputStream.getLength(): lengthTag"
        );
    }

    /// The row and article of the hit for a message family's text.
    fn message_hit(text: &str) -> Option<(&'static str, &'static str)> {
        lookup(text).into_iter().find(|h| h.row.family.is_message()).map(|h| (h.row.code, h.article))
    }

    #[test]
    fn keytool_messages_in_a_paste_with_placeholders_filled_in() {
        let paste = "$ keytool -importcert -alias server -file reply.cer -keystore ks.p12\n\
                     Enter keystore password:\n\
                     keytool error: java.lang.Exception: Failed to establish chain from reply\n";
        assert_eq!(message_hit(paste), Some(("Failed to establish chain from reply", "chain")));
        assert_eq!(
            message_hit(
                "keytool error: java.lang.Exception: Certificate reply does not contain public key for <server>"
            ),
            Some(("Certificate reply does not contain public key for <{0}>", "TS2019"))
        );
        // Typographic apostrophes as a forum or a word processor writes them.
        assert_eq!(
            message_hit("keytool error: java.lang.Exception: Public keys in reply and keystore don\u{2019}t match")
                .map(|h| h.1),
            Some("TS2019")
        );
        assert_eq!(
            message_hit("keytool error: java.lang.Exception: Input not an X.509 certificate").map(|h| h.1),
            Some("CH1010")
        );
        assert_eq!(
            message_hit("java.security.UnrecoverableKeyException: Cannot recover key").map(|h| h.1),
            Some("CH1017"),
            "a key password other than the store's: the keystore article"
        );
        // Not in the user's own words.
        assert_eq!(message_hit("the reply from my CA has a chain; how do I install it in keytool?"), None);
    }

    #[test]
    fn openssl_command_messages_3x_and_111() {
        // 3.x: the message, then the library's error line.
        let paste = "$ openssl pkcs12 -export -in cert.pem -inkey other.key -out me.p12\n\
                     No cert in -in file 'cert.pem' matches private key\n\
                     40474687BC7F0000:error:05800074:x509 certificate routines:X509_check_private_key:key values mismatch:../crypto/x509/x509_cmp.c:403:\n";
        assert_eq!(message_hit(paste), Some(("No cert in -in file {0} matches private key", "CH1010")));
        assert_eq!(message_hit("No certificate matches private key").map(|h| h.1), Some("CH1010"));
        assert_eq!(
            message_hit("MAC: sha256, Iteration 2048\nMac verify error: invalid password?").map(|h| h.1),
            Some("CH1010")
        );
        assert_eq!(
            message_hit("Could not read private key from -inkey file from key.pem").map(|h| h.1),
            Some("CH1010")
        );
        assert_eq!(
            message_hit("unable to load Private Key\n140:error:0906D06C:PEM routines").map(|h| h.1),
            Some("CH1010")
        );
        assert_eq!(
            message_hit("Error outputting keys and certificates\n40A7:error:0308010C:digital envelope routines:inner_evp_generic_fetch:unsupported")
                .map(|h| h.1),
            Some("TS2002")
        );
        assert_eq!(
            message_hit("Error getting chain: unable to get local issuer certificate").map(|h| h.1),
            Some("chain")
        );
        assert_eq!(
            message_hit("Error unable to get local issuer certificate getting chain.").map(|h| h.1),
            Some("chain")
        );
        // Pieces on different lines, or far apart, are not one message.
        assert_eq!(message_hit("No cert in -in file\nthat matches private key"), None);
        assert_eq!(message_hit("I could not read the private key from the manual"), None);
    }

    #[test]
    fn evolution_messages_and_the_nss_code_behind_them() {
        assert_eq!(
            message_hit("Cannot find certificate for \u{201c}me@example.org\u{201d}"),
            Some(("Cannot find certificate for \u{201c}{0}\u{201d}", "CH1007"))
        );
        assert_eq!(message_hit("Cannot find certificate for \"me@example.org\"").map(|h| h.1), Some("CH1007"));
        assert_eq!(
            message_hit("Could not send message: No valid or appropriate certificate for \u{201c}bob@example.com\u{201d} was found").map(|h| h.1),
            Some("TS2024")
        );
        assert_eq!(
            message_hit("Cannot sign outgoing message: No signing certificate set for this account").map(|h| h.1),
            Some("CH1007")
        );
        assert_eq!(
            message_hit("Signer: Bob <bob@example.com>: Signing certificate not trusted").map(|h| h.1),
            Some("chain")
        );
        // Evolution puts NSS's error before its own message: the NSS code
        // says why, so it comes first.
        let hits = lookup("Peer's Certificate has expired. (-8181) - Cannot find certificate chain");
        assert_eq!(hits.first().map(|h| (h.row.code, h.article)), Some(("SEC_ERROR_EXPIRED_CERTIFICATE", "TS2023")));
        assert!(hits.iter().any(|h| h.row.code == "Cannot find certificate chain" && h.article == "chain"));
    }

    #[test]
    fn nss_tool_messages_with_their_prefix_in_a_paste() {
        // pk12util, as it prints them (run against a real NSS database).
        let paste = "$ pk12util -o me.p12 -n nosuch -d sql:$HOME/.pki/nssdb\n\
                     pk12util: no user certs from given nickname\n";
        assert_eq!(message_hit(paste), Some(("no user certs from given nickname", "CH1001")));
        assert_eq!(message_hit("pk12util: PKCS12 decoding failed").map(|h| h.1), Some("CH1010"));
        assert_eq!(message_hit("pk12util: no nickname for cert in PKCS12 file.").map(|h| h.1), Some("CH1002"));
        // The database's password: the export article says so.
        assert_eq!(
            message_hit("Incorrect password/PIN entered.\npk12util: Failed to authenticate to PKCS11 slot")
                .map(|h| h.1),
            Some("CH1001")
        );
        // certutil -d and modutil, placeholders filled in.
        assert_eq!(
            message_hit("certutil: could not authenticate to token NSS Certificate DB.").map(|h| h.1),
            Some("CH1001")
        );
        assert_eq!(
            message_hit("certutil: Could not find cert: My ECA cert").map(|h| h.0),
            Some("certutil: Could not find cert: {0}")
        );
        assert_eq!(message_hit("certutil: no keys found").map(|h| h.1), Some("TS2010"));
        assert_eq!(
            message_hit("ERROR: Failed to add module \"OpenSC\". Probable cause : \"/usr/lib/opensc-pkcs11.so: cannot open shared object file\".")
                .map(|h| h.1),
            Some("TS2016")
        );
        assert_eq!(message_hit("ERROR: Module \"OpenSC\" not found in database.").map(|h| h.1), Some("CH1012"));
        assert_eq!(
            message_hit("\nWARNING: Manually adding a module while p11-kit is enabled could cause\nduplicate module")
                .map(|h| h.1),
            Some("TS2016")
        );
        // A piece that is the start of a longer word is not the message:
        // "could not find cert" inside "could not find certificate named".
        assert_eq!(
            message_hit("certutil: could not find certificate named \"me\"").map(|h| h.0),
            Some("could not find certificate named \"{0}\"")
        );
    }

    #[test]
    fn a_tools_message_outranks_an_nss_code_that_names_no_cause() {
        // certutil prints SEC_ERROR_INVALID_ARGS after "could not find
        // certificate named": the message says what is wrong.
        let hits = lookup(
            "certutil: could not find certificate named \"me\": SEC_ERROR_INVALID_ARGS: security library: invalid arguments.",
        );
        assert_eq!(hits.first().map(|h| h.article), Some("TS2010"));
        // A code that names the cause still comes first.
        let hits = lookup("pk12util: PKCS12 decoding failed: SEC_ERROR_BAD_DER: security library: improperly formatted DER-encoded message.");
        assert_eq!(hits.first().map(|h| (h.row.code, h.article)), Some(("SEC_ERROR_BAD_DER", "CH1010")));
        // Without a tool's message the code keeps its place.
        assert_eq!(first("SEC_ERROR_INVALID_ARGS"), "SEC_ERROR_INVALID_ARGS");
    }

    #[test]
    fn nss_tool_messages_are_not_found_in_prose() {
        assert_eq!(message_hit("I failed to authenticate to the VPN with my token"), None);
        assert_eq!(message_hit("the error: token was not found in my wallet"), None);
        assert_eq!(message_hit("could not find certificates for my email address anywhere"), None);
        assert_eq!(message_hit("why are no keys found when I list my certificates?"), None);
    }

    #[test]
    fn the_openssl_commands_words_in_prose_are_not_its_messages() {
        assert_eq!(message_hit("Chrome is unable to load certificate from my YubiKey"), None);
        assert!(message_hit("unable to load certificate").is_some(), "a line of output");
        assert!(message_hit("$ openssl x509 -in me.crt\nunable to load certificate").is_some());
    }

    #[test]
    fn a_warning_ranks_after_the_error_that_follows_it() {
        let session = "WARNING: Performing this operation while the browser is running could cause corruption of your security databases.\n\nERROR: Failed to add module \"OpenSC\". Probable cause : \"x\".";
        let hits = lookup(session);
        assert_eq!(
            hits.first().map(|h| h.article),
            Some("TS2016"),
            "{:?}",
            hits.iter().map(|h| h.row.code).collect::<Vec<_>>()
        );
    }

    #[test]
    fn placeholders_show_as_dots() {
        assert_eq!(
            without_placeholders("Failed to add module \"{0}\". Probable cause : \"{1}\"."),
            "Failed to add module \"...\". Probable cause : \"...\"."
        );
        assert_eq!(without_placeholders("a {b} c {"), "a {b} c {");
    }

    #[test]
    fn a_row_naming_an_unknown_article_fails_the_check() {
        let text = "SEC_ERROR_X\t-1\tnss\tmeaning\tTS9999\nSEC_ERROR_Y\t-2\tnss\tmeaning\tTS2004\nbad line\n";
        let problems = check(text, &|id| id == "TS2004");
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(problems.len(), 2, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("TS9999")));
    }

    #[test]
    fn the_shipped_table_parses() {
        let (rows, bad) = table::parse(TABLE);
        assert!(bad.is_empty(), "{:?}", bad.first());
        assert!(rows.len() > 4000);
    }
}
