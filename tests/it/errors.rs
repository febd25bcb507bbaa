//! Pasted errors reach their article (issue 9): every error text the
//! articles quote, error codes of every family (names and numbers, alone
//! and inside a long log), the lint of the code table, and the unquoted
//! evaluation set when it is there. Runs the real binary.

use std::collections::HashMap;

use certhelp::errcodes;
use certhelp::kb::Kb;

use crate::util::{certhelp, repo, run, stderr, stdout, TempDir};

/// `plan --no-probe --format json` for a pasted text; `--` lets a text
/// start with "-" ("-25264").
fn plan_json(home: &std::path::Path, os: &str, text: &str) -> serde_json::Value {
    let o = run(certhelp(home).args(["plan", "--no-probe", "--format", "json", "--os", os, "--", text]));
    assert!(o.status.code().is_some_and(|c| c <= 1), "{text}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{text}: bad json {e}: {}", stdout(&o)))
}

/// What a plan answered: its first article, or for a choice step the
/// articles it offers.
fn answered(v: &serde_json::Value) -> Vec<String> {
    let Some(step) = v["steps"].as_array().and_then(|s| s.first()) else { return Vec::new() };
    if let Some(id) = step["article"].as_str() {
        return vec![id.to_string()];
    }
    step["choices"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["article"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Whether a plan answers with `expected`: an article id, or `chain`
/// (SO10186 or SO6395: a choice between them, or the one the product
/// picks).
fn reaches(v: &serde_json::Value, expected: &str) -> bool {
    let got = answered(v);
    // A choice step that offers the article reaches it: the person picks
    // it (the two chains by issuer; the two causes of a code by whether
    // they were importing or exporting). Scores count these apart.
    if got.len() == 2 && got.iter().any(|a| a == expected) {
        return true;
    }
    if expected == "chain" {
        !got.is_empty() && got.iter().all(|a| errcodes::CHAIN_ARTICLES.contains(&a.as_str()))
    } else {
        got.len() == 1 && got[0] == expected
    }
}

/// Articles a test expects that are not in this knowledge base yet (being
/// written in parallel): the case is skipped with a warning.
fn pending(expected: &str) -> bool {
    let kb = Kb::builtin();
    let absent = expected != "chain" && kb.get(expected).is_none();
    if absent {
        println!("warning: {expected} is not in the knowledge base yet; skipped");
    }
    absent
}

/// Quoted texts that do not reach their own article, each with why.
const QUOTED_KNOWN_MISSES: &[(&str, &str, &str)] = &[];

#[test]
fn every_quoted_error_text_reaches_its_article_first() {
    let home = TempDir::new("errors");
    let kb = Kb::builtin();
    // A text quoted by several articles can only reach one of them.
    let mut quoted_by: HashMap<String, Vec<String>> = HashMap::new();
    for a in kb.articles() {
        for e in &a.errors {
            quoted_by.entry(e.trim().to_lowercase()).or_default().push(a.id.clone());
        }
    }
    let (mut total, mut ok, mut by_code) = (0, 0, 0);
    let mut misses = Vec::new();
    for a in kb.articles() {
        for e in &a.errors {
            total += 1;
            let v = plan_json(home.path(), "windows", e);
            // A bare code ("SEC_ERROR_BAD_DER") whose article is here is the
            // code table's to resolve: it must reach the table's article.
            // A text that holds a known code is the code's, unless a
            // troubleshooting article quotes it (only those outrank a code).
            let table = errcodes::named(&kb, e);
            let quoting = &quoted_by[&e.trim().to_lowercase()];
            let troubleshooting = quoting.iter().any(|id| kb.get(id).is_some_and(|a| a.kind == "troubleshoot"));
            let expected: Vec<String> = match table.first() {
                Some(hit) if errcodes::is_bare_code(e) || !troubleshooting => {
                    by_code += 1;
                    hit.articles().iter().map(|a| a.to_string()).collect()
                }
                _ => quoting.clone(),
            };
            if expected.iter().any(|x| reaches(&v, x)) {
                ok += 1;
            } else if !QUOTED_KNOWN_MISSES.iter().any(|(id, t, _)| *id == a.id && t == e) {
                misses.push(format!("  {} {e:?}\n      expected {expected:?}, got {:?}", a.id, answered(&v)));
            }
        }
    }
    println!(
        "quoted error texts: {ok}/{total} reach their article ({:.1}%), {by_code} of them codes resolved by the code table",
        100.0 * ok as f64 / total as f64
    );
    for (id, t, why) in QUOTED_KNOWN_MISSES {
        println!("  known miss {id} {t:?}: {why}");
    }
    assert!(misses.is_empty(), "quoted error texts that miss their article:\n{}", misses.join("\n"));
}

/// The number of a code as the table writes it.
fn number(code: &str) -> String {
    let hit = errcodes::lookup(code).into_iter().next().unwrap_or_else(|| panic!("{code} is not in the table"));
    assert_eq!(hit.row.code, code);
    hit.row.number.to_string()
}

/// Codes no article quotes, one or more per family, by name and by number,
/// with the article their family's rule gives.
fn family_cases() -> Vec<(String, &'static str)> {
    let mut cases: Vec<(String, &'static str)> = Vec::new();
    // Cases whose name and number reach different articles by context.
    let mut extra: Vec<(String, &'static str)> = Vec::new();
    let mut both = |name: &str, pasted_number: String, article: &'static str| {
        cases.push((name.to_string(), article));
        cases.push((pasted_number, article));
    };
    // NSS
    both(
        "SEC_ERROR_PKCS12_INVALID_MAC",
        format!("Thunderbird import failed {}", number("SEC_ERROR_PKCS12_INVALID_MAC")),
        "TS2004",
    );
    // pk12util is the NSS command-line route (CH1002), not Firefox's dialog.
    extra.push((format!("pk12util failed {}", number("SEC_ERROR_PKCS12_INVALID_MAC")), "CH1002"));
    both("SEC_ERROR_UNTRUSTED_ISSUER", format!("Firefox error {}", number("SEC_ERROR_UNTRUSTED_ISSUER")), "chain");
    // "SSL peer cannot verify your certificate.": the site rejects the
    // client certificate.
    both("SSL_ERROR_BAD_CERT_ALERT", format!("firefox: {}", number("SSL_ERROR_BAD_CERT_ALERT")), "TS2020");
    both(
        "SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT",
        format!("Firefox: error {}", number("SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT")),
        "TS2020",
    );
    both("SEC_ERROR_REVOKED_CERTIFICATE", format!("thunderbird {}", number("SEC_ERROR_REVOKED_CERTIFICATE")), "TS2023");
    both("PR_END_OF_FILE_ERROR", "Firefox: Secure Connection Failed, error -5938".into(), "TS2020");
    both("PR_FILE_NOT_FOUND_ERROR", format!("certutil: {}", number("PR_FILE_NOT_FOUND_ERROR")), "TS2010");
    // Chromium
    both("net::ERR_CERT_AUTHORITY_INVALID", "Chrome shows error -202".into(), "chain");
    both("ERR_SSL_CLIENT_AUTH_SIGNATURE_FAILED", "chrome net error code -141".into(), "TS2020");
    // PKCS#11
    both("CKR_TOKEN_NOT_PRESENT", "C_OpenSession returned 0x000000E0".into(), "TS2016");
    both("CKR_PIN_LOCKED", "C_Login failed: 0xA4".into(), "TS2022");
    // Windows: hex, with and without 0x
    both("CERT_E_UNTRUSTEDROOT", "CertUtil: -verify command FAILED: 0x800b0109".into(), "chain");
    // "Keyset does not exist": no key linked (TS2007); during an import,
    // the provider's (TS2021).
    extra.push(("NTE_BAD_KEYSET".into(), "TS2007"));
    extra.push(("Error 80090016 when importing".into(), "TS2021"));
    extra.push(("CertUtil: -exportPFX command FAILED: 0x8009000b".into(), "TS2006"));
    // macOS
    both("errSecNotTrusted", "security: SecTrustEvaluate OSStatus -67843".into(), "chain");
    both("errSecAuthFailed", "SecKeychainItemImport: -25293".into(), "TS2001");
    // Private codes of SecBasePriv.h's certificate block.
    both("errSecPolicyDenied", "SecTrustEvaluateWithError failed: -26270".into(), "chain");
    both("errSecInternal", "Keychain Access: Unable to import \"me.p12\". Error: -26276".into(), "SO5181");
    cases.append(&mut extra);
    // Windows: signed and unsigned decimal
    cases.push(("certutil returned -2146762487".into(), "chain"));
    cases.push(("HRESULT 2148204809".into(), "chain"));
    // OpenSSL, 3.x and 1.1 forms
    cases.push((
        "40E7:error:0480006C:PEM routines::no start line:crypto/pem/pem_lib.c:763:Expecting: ANY PRIVATE KEY".into(),
        "CH1010",
    ));
    cases.push(("140:error:0906D06C:PEM routines:PEM_read_bio:no start line:pem_lib.c:691:".into(), "CH1010"));
    cases.push(("error:11800071:PKCS12 routines::mac verify failure".into(), "CH1010"));
    cases.push(("error:0308010C:digital envelope routines::unsupported".into(), "TS2002"));
    cases.push(("error:1C800064:Provider routines::bad decrypt".into(), "CH1010"));
    // Java
    cases.push(("keytool error: java.io.IOException: keystore password was incorrect".into(), "TS2001"));
    cases.push(("java.io.IOException: DerInputStream.getLength(): lengthTag=109, too big.".into(), "CH1010"));
    // The chain (the code table's reading) of a Java keystore is its
    // truststore step; without keytool's name, the chain articles.
    cases.push(("keytool error: java.lang.Exception: Failed to establish chain from reply".into(), "CH1017"));
    cases.push(("Failed to establish chain from reply".into(), "chain"));
    cases.push(("keytool error: java.security.UnrecoverableKeyException: Cannot recover key".into(), "CH1017"));
    cases.push((
        "keytool error: java.lang.Exception: Certificate reply does not contain public key for <mykey>".into(),
        "TS2019",
    ));
    // The openssl command's own messages, 3.x and 1.1.1
    cases.push(("No cert in -in file 'me.crt' matches private key".into(), "CH1010"));
    cases.push(("Error unable to get local issuer certificate getting chain.".into(), "chain"));
    // Evolution
    cases.push(("No valid or appropriate certificate for \u{201c}bob@example.com\u{201d} was found".into(), "TS2024"));
    cases.push(("Encryption certificate for \u{201c}me@example.org\u{201d} does not exist".into(), "CH1007"));
    // IIS's 403 substatus codes for client certificates
    cases.push(("Server Error 403.17 - Forbidden".into(), "TS2023"));
    cases.push(("our intranet shows HTTP Error 403.16 when I pick my certificate".into(), "TS2020"));
    cases.push(("Client certificate revoked".into(), "TS2023"));
    // The NSS tools' own messages, as pk12util, certutil and modutil print
    // them (the NSS code after a pk12util message is the CH1002/CH1001 rule's).
    cases.push(("pk12util: PKCS12 decode not verified".into(), "CH1002"));
    cases.push(("pk12util: no user certs from given nickname".into(), "CH1001"));
    cases.push(("Incorrect password/PIN entered.".into(), "CH1001"));
    cases.push((
        "$ pk12util -o me.p12 -n me -d sql:$HOME/.pki/nssdb\npk12util: Failed to authenticate to PKCS11 slot: \
         SEC_ERROR_BAD_PASSWORD: The security password entered is incorrect."
            .into(),
        "CH1001",
    ));
    cases.push((
        "certutil: could not find certificate named \"ECA ID\": SEC_ERROR_INVALID_ARGS: security library: invalid arguments."
            .into(),
        "TS2010",
    ));
    cases.push(("certutil: no keys found".into(), "TS2010"));
    cases.push((
        "ERROR: Failed to add module \"OpenSC\". Probable cause : \"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so: \
         cannot open shared object file: No such file or directory\"."
            .into(),
        "TS2016",
    ));
    cases.push(("ERROR: Module \"OpenSC\" not found in database.".into(), "CH1012"));
    cases
}

#[test]
fn every_family_reaches_its_article_by_name_and_number() {
    let home = TempDir::new("errors-family");
    let mut misses = Vec::new();
    let cases = family_cases();
    let mut skipped = 0;
    for (text, expected) in &cases {
        if pending(expected) {
            skipped += 1;
            continue;
        }
        let v = plan_json(home.path(), "windows", text);
        if !reaches(&v, expected) {
            misses.push(format!("  {text:?}: expected {expected}, got {:?}", answered(&v)));
        }
    }
    let tried = cases.len() - skipped;
    println!(
        "error codes: {}/{tried} reach their family's article ({skipped} skipped: article not here yet)",
        tried - misses.len()
    );
    assert!(misses.is_empty(), "codes that miss:\n{}", misses.join("\n"));
}

/// 200 lines of an ordinary log with one failing line in the middle.
fn log_with(line: &str) -> String {
    let mut lines: Vec<String> = (0..200)
        .map(|i| {
            format!(
                "2026-11-29 10:{:02}:{:02} INFO worker-{} request id=ab-{i:04} done in {} ms (status 200)",
                i / 60,
                i % 60,
                i % 7,
                30 + i % 40
            )
        })
        .collect();
    lines[117] = line.to_string();
    lines.join("\n")
}

#[test]
fn a_code_inside_a_long_log_reaches_its_article() {
    let home = TempDir::new("errors-log");
    let cases = [
        ("2026-11-29 10:01:57 ERROR CertUtil: -importPFX command FAILED: 0x800b0109 (-2146762487 CERT_E_UNTRUSTEDROOT)", "chain"),
        ("2026-11-29 10:01:57 ERROR pk12util: PKCS12 decode validate bags failed: -8113", "CH1002"),
        ("2026-11-29 10:01:57 ERROR verify: error 10 at 1 depth lookup: certificate has expired", "TS2017"),
        ("2026-11-29 10:01:57 ERROR C_GetSlotList: rv = 0x000000E0", "TS2016"),
    ];
    // The ordinary lines alone are not an error.
    let quiet = log_with("2026-11-29 10:01:57 INFO all good");
    assert!(errcodes::lookup(&quiet).is_empty(), "{:?}", errcodes::lookup(&quiet).first().map(|h| h.row.code));
    for (line, expected) in cases {
        let v = plan_json(home.path(), "windows", &log_with(line));
        assert!(reaches(&v, expected), "{line}: expected {expected}, got {:?}", answered(&v));
    }
}

#[test]
fn search_and_plan_say_what_the_code_means() {
    let home = TempDir::new("errors-show");
    let o = run(certhelp(home.path()).args(["search", "--json", "SEC_ERROR_PKCS12_INVALID_MAC"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let top = &v.as_array().unwrap()[0];
    assert_eq!(top["id"], "TS2004", "{v}");
    assert!(top["snippet"].as_str().unwrap().contains("Invalid MAC"), "{top}");
    let o = run(certhelp(home.path()).args(["--no-probe", "Thunderbird says error -8179"]));
    let out = stdout(&o);
    // (The text is wrapped: compare it without line breaks.)
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("SEC_ERROR_UNKNOWN_ISSUER (-8179): Peer's Certificate issuer is not recognized"), "{out}");
    assert!(out.contains("SO10186"), "{out}");
}

#[test]
fn lint_fails_a_code_row_naming_an_unknown_article() {
    let home = TempDir::new("errors-lint");
    let dir = TempDir::new("errors-lint-kb");
    for e in std::fs::read_dir(repo().join("kb")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir(dir.path().join("codes")).unwrap();
    let table = std::fs::read_to_string(repo().join("kb/codes/codes.tsv")).unwrap();
    let codes = dir.path().join("codes/codes.tsv");
    std::fs::write(&codes, &table).unwrap();
    let o = run(certhelp(home.path()).args(["kb", "lint", dir.path().to_str().unwrap()]));
    assert!(o.status.success(), "the shipped table lints clean: {}{}", stdout(&o), stderr(&o));
    std::fs::write(&codes, format!("{table}SEC_ERROR_MADE_UP\t-1\tnss\ta test row\tTS9999\n")).unwrap();
    let o = run(certhelp(home.path()).args(["kb", "lint", dir.path().to_str().unwrap()]));
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(all.contains("TS9999") && all.contains("codes.tsv"), "{all}");
}

/// Every article the shipped code table names is in the shipped KB.
#[test]
fn code_table_articles_all_exist() {
    let kb = Kb::builtin();
    let problems = errcodes::check(errcodes::TABLE, &|id| kb.get(id).is_some());
    assert!(problems.is_empty(), "the code table names articles that are not in kb/: {problems:?}");
}

/// Rows of tests/eval/errors-unquoted.tsv that miss, each with why (first
/// contact 16.8%, 65.3% after the code table, then the rules of
/// src/errcodes/context.rs and the template rule of search.rs): the test asserts
/// exactly these misses.
const UNQUOTED_KNOWN_MISSES: &[(&str, &str)] = &[
    (
        "CertUtil: Key not valid for use in specified state.",
        "TS2021 quotes the message and sends export cases to TS2006; the independent judge picked TS2021 too (adjudicated.tsv)",
    ),
    (
        "This file is invalid for use as the following: Personal Information Exchange",
        "SO7085 quotes and explains the wizard's message and points to CH1010; the judge picked SO7085",
    ),
    ("errSecAuthFailed", "TS2001 covers a wrong, an empty and an AES-refused password; the judge picked TS2001"),
    ("-25293", "errSecAuthFailed by number: TS2001, as above"),
    (
        "security: SecKeychainItemImport: Unknown format in import.",
        "SO5181 quotes and explains it on import and links CH1010; the judge picked SO5181",
    ),
    (
        "keytool error: java.io.IOException: keystore password was incorrect",
        "TS2001 quotes keytool's message and covers both causes; the judge picked TS2001 (CH1011 never mentions keytool)",
    ),
    (
        "Caused by: java.security.UnrecoverableKeyException: failed to decrypt safe contents entry: javax.crypto.BadPaddingException: Given final block not properly padded. Such issues can arise if a bad key is used during decryption.",
        "Java's failed decryption is a wrong store password (TS2001); the judge picked TS2001",
    ),
    (
        "YubiKey Manager: Invalid password or PKCS12 data",
        "no code, and the YubiKey tools' sources do not print this wording (they print \"Failed to parse file\", which CH1015 quotes); the password words lead to TS2001, with CH1015 as an alternative",
    ),
];

/// Misses of the second unquoted set (tests/eval/errors-blind2.tsv), each
/// with why: (text, why).
const BLIND2_KNOWN_MISSES: &[(&str, &str)] = &[
    (
        "pk12util: Failed to authenticate to PKCS11 slot.",
        "pk12util's message for a wrong NSS database password goes to CH1001, the one article that covers that password; the set wants CH1002",
    ),
    (
        "CertUtil: -exportPFX command FAILED: 0x80092004 (-2146885628 CRYPT_E_NOT_FOUND)",
        "CRYPT_E_NOT_FOUND (\"cannot find object or property\") goes to TS2007, a certificate whose key is not linked; the set reads it as a wrong serial number on export (SO7079)",
    ),
    (
        "Importing my .p12 on Windows 10 only shows \"Windows Security - Smart card: Please insert a smart card\" instead of asking for the password",
        "no word says it failed, so the smart-card words make it the token plan; TS2021 (the key provider) is not reached",
    ),
    (
        "Outlook keeps popping up \"Signing data with your private exchange key\" - An application is requesting access to a Protected item. CryptoAPI Private Key",
        "the strong-key-protection prompt: TS2027 (a prompt each time the key is used) now explains it and its fix; the set wants SO7085, whose import option causes it",
    ),
    (
        "Signed By: There are problems with the signature. Click the signature button for details.",
        "Outlook's signature banner: TS2028 (a received signed mail with a warning) quotes it and lists its causes, the chain first; the set wants the chain",
    ),
    (
        "keytool error: java.lang.Exception: Failed to establish chain from reply",
        "the chain plan for a Java keystore is its truststore step, CH1017, which names the ECA and Digital ID chains; the set wants the chain articles themselves",
    ),
    (
        "ykman piv keys import 9c alice.pfx  ->  Error: No YubiKey detected!",
        "CH1015 quotes ykman's message and explains it (with TS2016 for a key not seen)",
    ),
    (
        "Acrobat: The signature includes an embedded timestamp but it could not be verified.",
        "TS2026 (Acrobat: a signature shown invalid) explains the timestamp case and sends it to CH1016 (the TSA's root); the set wants CH1016",
    ),
    (
        "Outlook Web App: The S/MIME feature requires Internet Explorer 7, Internet Explorer 8 or Internet Explorer 9. Therefore, it doesn't appear in Outlook Web App when you use other Web browsers.",
        "legacy OWA text: the browser words send search to TS2019 rather than CH1014",
    ),
    (
        "You should also specify a certificate to use for digitally signing your messages. Do you want to configure a certificate for digitally signing messages now?",
        "Thunderbird's prompt does not name Thunderbird: certhelp reads 'associate' and asks which mail client (an empty plan with a note)",
    ),
    (
        "security find-identity -v -p ssl-client shows 1) 3F2A... \"My Client Cert\" (CSSMERR_TP_NOT_TRUSTED) and Chrome on my Mac does not offer it",
        "CSSMERR_TP_NOT_TRUSTED is a trust failure, so the code table gives the chain plan; the set wants the keychain import article (SO5181)",
    ),
];

/// Misses of the third unquoted set (tests/eval/errors-blind3.tsv), each
/// with why: (text, why).
const BLIND3_KNOWN_MISSES: &[(&str, &str)] = &[
    (
        "opensc-tool -l  # Detected readers (pcsc)  Nr.  Card  Features  Name  0    No              Gemalto USB Shell Token V2 (539F5EC2) 00 00",
        "a reader listing with no failure word: the token words make it SPEC §2's token plan (SO28695); TS2016 is not reached",
    ),
    (
        "Apple Mail marks signed mails from our partner as unverified whenever I'm outside the office network, their CRL URL is internal",
        "TS2028 (a received signed mail with a warning) answers and sends the revocation case to TS2025; the set wants TS2025 itself",
    ),
    (
        "installed opensc on ubuntu but firefox has no idea my smart card exists, where do I load the module?",
        "a person's token question is SPEC §2's token plan (SO28695); CH1012, the Linux token article, is offered beside it",
    ),
    (
        "on my Mac my CAC shows up twice under Security Devices in Firefox and it asks for the PIN twice",
        "a person's token question is SPEC §2's token plan (SO28695); TS2016 is offered beside it",
    ),
];

/// Scores an error set (text, article or `chain` or `-` for no article):
/// prints its score and every miss, and asserts that the misses are
/// exactly `known`. `judged`: a file of disputed labels an independent
/// judge decided, scored both ways. Skipped while the set is absent.
fn error_set(file: &str, known: &[(&str, &str)], judged: Option<&str>) {
    let Ok(text) = std::fs::read_to_string(repo().join("tests/eval").join(file)) else {
        println!("skipped: tests/eval/{file} is not there");
        return;
    };
    let judged: HashMap<String, String> = judged
        .and_then(|j| std::fs::read_to_string(repo().join("tests/eval").join(j)).ok())
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() >= 3).then(|| (f[0].to_string(), f[2].to_string()))
        })
        .collect();
    let home = TempDir::new("errors-set");
    let (mut rows, mut uncovered, mut by_choice, mut judged_right) = (0, 0, 0, 0);
    let mut misses: Vec<(String, String)> = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        assert!(f.len() >= 2, "bad row: {line}");
        let (question, expected) = (f[0], f[1].trim());
        if expected == "-" {
            // No article covers it: a gap of the knowledge base, not scored.
            uncovered += 1;
            continue;
        }
        rows += 1;
        let v = plan_json(home.path(), "windows", question);
        // "TS2001,TS2004": either is right.
        let reached = |label: &str| label.split([',', '|']).any(|e| reaches(&v, e.trim()));
        if answered(&v).len() > 1 {
            by_choice += 1;
        }
        if reached(judged.get(question).map_or(expected, String::as_str)) {
            judged_right += 1;
        }
        if !reached(expected) {
            println!("  miss {question:?}\n      expected {expected}, got {:?}", answered(&v));
            misses.push((question.to_string(), expected.to_string()));
        }
    }
    let pct = |n: usize| 100.0 * n as f64 / rows as f64;
    let right = rows - misses.len();
    println!(
        "{file}: {right}/{rows} ({:.1}%) reach their article; {by_choice} rows are answered with a choice step; {uncovered} rows have no article",
        pct(right)
    );
    if !judged.is_empty() {
        println!("  with the {} judged labels: {judged_right}/{rows} ({:.1}%)", judged.len(), pct(judged_right));
    }
    for (q, why) in known {
        println!("  known miss {q:?}: {why}");
    }
    let new: Vec<_> = misses.iter().filter(|(q, _)| !known.iter().any(|(k, _)| k == q)).collect();
    assert!(new.is_empty(), "{file}: misses not in its known misses: {new:?}");
    // The list is exact: a row that now reaches its article leaves it.
    let fixed: Vec<_> = known.iter().filter(|(k, _)| !misses.iter().any(|(q, _)| q == k)).collect();
    assert!(fixed.is_empty(), "{file}: known misses that now pass: {fixed:?}");
}

/// The unquoted error set (texts from sources the articles do not quote),
/// written by someone who had not seen the code.
#[test]
fn unquoted_error_texts_evaluation() {
    error_set("errors-unquoted.tsv", UNQUOTED_KNOWN_MISSES, Some("errors-unquoted.adjudicated.tsv"));
}

/// The second unquoted set, collected after the first was tuned on.
#[test]
fn second_unquoted_error_texts_evaluation() {
    error_set("errors-blind2.tsv", BLIND2_KNOWN_MISSES, None);
}

/// The third unquoted set: scored by counts only while four new articles
/// and the trust and keystore rules were built, then read.
#[test]
fn third_unquoted_error_texts_evaluation() {
    error_set("errors-blind3.tsv", BLIND3_KNOWN_MISSES, None);
}

#[test]
#[ignore = "prints which quoted texts the code table resolves"]
fn print_quoted_texts_resolved_by_codes() {
    let kb = Kb::builtin();
    for a in kb.articles() {
        for e in &a.errors {
            if let Some(h) = errcodes::usable(&kb, e).first() {
                if !h.articles().contains(&a.id.as_str()) {
                    println!("{} {:?} -> {} {}", a.id, e, h.row.code, h.row.article);
                }
            }
        }
    }
}
