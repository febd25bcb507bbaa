//! Finds the codes of the table in a text: names (`SEC_ERROR_BAD_DER`,
//! `net::ERR_CERT_AUTHORITY_INVALID`, `errSecNotTrusted`), numbers in every
//! form people paste (`-8179`, `0x80090016`, `-2146893802`, `80090016`),
//! OpenSSL's `error:XXXXXXXX:lib:func:reason` lines and `openssl verify`'s
//! "error N at D depth lookup" lines, programs' own messages (Java's
//! keytool, the openssl command, Evolution, IIS's 403 pages, and pk12util,
//! certutil and modutil beside NSS's codes; placeholders filled in), and
//! the messages NSS and macOS show for a code (word for word), anywhere in
//! a text (a question or a whole log).
//!
//! It does not choose an article: `super::usable` does, from the hits in
//! the order this file ranks them.

use super::table::{plain_quotes, table, Family, Num, Phrase};
use super::{context, CodeHit};

/// How sure a hit is: a name says exactly which code it is; a long number
/// nearly; a short number ("-107") only with "error" or "code" before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    Name,
    Number,
    /// A program's own message (keytool, the openssl command, Evolution,
    /// IIS, the NSS tools): it says what failed, but a code in the same
    /// paste (Evolution adds NSS's) says why, so it ranks after codes.
    Phrase,
    /// A program's warning ("WARNING: Performing this operation while the
    /// browser is running..."): printed before the result, it ranks after
    /// the error that follows it.
    Warning,
    /// An NSS code that names no cause (`SEC_ERROR_INVALID_ARGS`) in a
    /// paste where an NSS tool's own message says what failed: after it.
    Vague,
    /// The message an app shows for a code, without the code.
    Message,
    ShortNumber,
}

/// Words that make a short negative number an error code ("error -107",
/// "code: -50").
const CODE_WORDS: &[&str] =
    &["error", "err", "code", "status", "osstatus", "result", "rv", "errorcode", "returned", "failed"];

/// NSS codes that say nothing about the cause: pk12util and certutil
/// print them after their own message ("could not find certificate named
/// \"x\": SEC_ERROR_INVALID_ARGS"), which then says more.
const VAGUE_NSS: &[&str] = &["SEC_ERROR_INVALID_ARGS", "SEC_ERROR_LIBRARY_FAILURE", "SEC_ERROR_USER_CANCELLED"];

/// The most of a paste that is read: a log beyond this is not a question.
const MAX_TEXT: usize = 256 * 1024;

/// Words that say which program printed a number that two families share.
fn cued(family: Family, lower: &str) -> bool {
    let cues: &[&str] = match family {
        Family::Chromium => &["chrome", "chromium", "edge", "net::", "net_error"],
        Family::Nss => &["firefox", "thunderbird", "nss", "pk12util", "certutil -d", "seamonkey"],
        Family::Macos => &["mac", "keychain", "osstatus", "security import", "safari"],
        Family::Windows => &["windows", "certutil", "hresult", "0x8"],
        Family::Pkcs11 => {
            &["pkcs11", "pkcs#11", "pkcs #11", "token", "smart card", "ckr_", "c_login", "opensc", "softhsm"]
        }
        Family::Openssl | Family::X509 => &[],
        Family::Java | Family::OpensslApp | Family::Evolution | Family::Iis | Family::NssTool => &[],
    };
    cues.iter().any(|c| lower.contains(c))
}

/// A hit before ranking: (strength, position, cue rank, row, what
/// matched, the article when the hit itself decides it).
type Found = (Strength, usize, u8, usize, String, Option<&'static str>);

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The codes in `text`, most certain first, then in the order they appear;
/// each row once.
pub fn lookup(text: &str) -> Vec<CodeHit> {
    let mut end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let t = table();
    let lower = text.to_lowercase();
    let mut found: Vec<Found> = Vec::new();
    let add_number = |found: &mut Vec<_>, strength, pos, num: Num, only: Option<Family>, matched: &str, prev: &str| {
        for &i in t.numbers.get(&num).map(Vec::as_slice).unwrap_or(&[]) {
            let family = t.rows[i].family;
            if only.is_some_and(|f| f != family) || family == Family::Openssl {
                continue;
            }
            // CKR_* values are small numbers ("0x00000005"): in a log they
            // are flags and lengths unless PKCS#11 or "rv =" is around.
            if family == Family::Pkcs11 && !cued(family, &lower) && !CODE_WORDS.contains(&prev) {
                continue;
            }
            let rank = if cued(family, &lower) { 0 } else { 1 };
            found.push((strength, pos, rank, i, matched.to_string(), None));
        }
    };

    let bytes = text.as_bytes();
    let trimmed = text.trim();
    let mut prev: &str = "";
    let mut i = 0;
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word_byte(bytes[i]) {
            i += 1;
        }
        let w = &text[start..i];
        let before = if start > 0 { bytes[start - 1] } else { b' ' };
        let before2 = if start > 1 { bytes[start - 2] } else { b' ' };
        let digits = w.bytes().all(|b| b.is_ascii_digit());
        let prev_lower = prev.to_ascii_lowercase();
        let prev_l = prev_lower.as_str();
        if let Some(hex) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
            if (1..=8).contains(&hex.len()) {
                if let Ok(v) = u64::from_str_radix(hex, 16) {
                    add_number(&mut found, Strength::Number, start, Num::Hex(v), None, w, prev_l);
                }
            }
        } else if digits && before == b'-' && !before2.is_ascii_alphanumeric() {
            // A negative number, not the middle of a date or an id.
            if let Ok(v) = w.parse::<i64>() {
                let matched = format!("-{w}");
                let context = CODE_WORDS.contains(&prev_l) || trimmed == matched;
                if w.len() >= 4 {
                    add_number(&mut found, Strength::Number, start, Num::Dec(-v), None, &matched, prev_l);
                } else if context {
                    add_number(&mut found, Strength::ShortNumber, start, Num::Dec(-v), None, &matched, prev_l);
                }
            }
        } else if digits && w.len() == 10 {
            // An HRESULT written unsigned.
            if let Ok(v) = w.parse::<i64>() {
                add_number(&mut found, Strength::Number, start, Num::Dec(v), Some(Family::Windows), w, prev_l);
            }
        } else if w.len() == 8 && w.starts_with('8') && w.bytes().all(|b| b.is_ascii_hexdigit()) {
            // An HRESULT without its 0x ("Error 80090016").
            if let Ok(v) = u64::from_str_radix(w, 16) {
                add_number(&mut found, Strength::Number, start, Num::Hex(v), Some(Family::Windows), w, prev_l);
            }
        }
        if !digits && (w.contains('_') || w.len() > 6 && w[..6].eq_ignore_ascii_case("errsec")) {
            if let Some(&r) = t.names.get(&w.to_ascii_uppercase()) {
                found.push((Strength::Name, start, 0, r, w.to_string(), None));
            }
        }
        prev = w;
    }

    for (pos, r, matched) in openssl(text) {
        found.push((Strength::Name, pos, 0, r, matched, None));
    }
    for (pos, r, depth, matched) in verify(text) {
        let article = context::verify_depth(&t.rows[r], depth);
        found.push((Strength::Name, pos, 0, r, matched, Some(article)));
    }
    let quoted = plain_quotes(&lower);
    for (phrase, r) in &t.phrases {
        let row = &t.rows[*r];
        if let Some((start, end)) = find_phrase(&quoted, phrase) {
            // The openssl command's messages ("unable to load certificate")
            // are ordinary words: only from openssl, or as a line of output.
            let line_start = quoted[..start].trim_end_matches([' ', '\t']).ends_with('\n') || start == 0;
            if row.family == Family::OpensslApp && !quoted.contains("openssl") && !line_start {
                continue;
            }
            let strength = if row.code.starts_with("WARNING") { Strength::Warning } else { Strength::Phrase };
            found.push((strength, start, 0, *r, quoted[start..end].to_string(), None));
        }
    }

    // A tool's message outranks a code of the same paste that names no
    // cause; any other code still says why the tool failed.
    if found.iter().any(|f| f.0 == Strength::Phrase && t.rows[f.3].family == Family::NssTool) {
        for f in found.iter_mut().filter(|f| f.0 <= Strength::Number && VAGUE_NSS.contains(&t.rows[f.3].code)) {
            f.0 = Strength::Vague;
        }
    }

    // The message an app shows ("The security password entered is
    // incorrect."), word for word: the code behind it.
    let padded = super::table::padded_words(text);
    // A program's prefixes ("security: SecKeychainItemImport: ") are not
    // the message: what follows the last one is the whole message.
    let after_prefixes = text.trim().rsplit(": ").next().map(super::table::padded_words);
    for (message, r) in &t.messages {
        // Four words ("the password is locked") only as the whole text:
        // inside a sentence they are too likely to be the user's own words.
        let whole = padded == *message || after_prefixes.as_ref() == Some(message);
        if !whole && message.split_whitespace().count() < 5 {
            continue;
        }
        if let Some(pos) = padded.find(message.as_str()) {
            found.push((Strength::Message, pos, 0, *r, message.trim().to_string(), None));
        }
    }

    found.sort_by_key(|f| (f.0, f.1, f.2));
    let mut seen = Vec::new();
    let mut hits = Vec::new();
    for (strength, _, _, r, matched, article) in found {
        if !seen.contains(&r) {
            seen.push(r);
            let row = &t.rows[r];
            let operations = if article.is_none() { context::undecided(row, &lower) } else { None };
            let article = article.unwrap_or_else(|| context::article(row, &lower));
            hits.push(CodeHit { row, article, matched, by_message: strength == Strength::Message, operations });
        }
    }
    hits
}

/// The widest text a placeholder stands for (an alias, a file name, an
/// e-mail address, a verify error): farther apart, two pieces are not one
/// message.
const MAX_GAP: usize = 200;

/// Where `phrase` is in `lower` (lower case, plain quotes): its first piece
/// at the start of a word, then each next piece after it on the same line,
/// at most `MAX_GAP` bytes on, the last one ending a word. (start, end) in
/// bytes.
fn find_phrase(lower: &str, phrase: &Phrase) -> Option<(usize, usize)> {
    let (first, rest) = phrase.pieces.split_first()?;
    let mut from = 0;
    while let Some(off) = lower[from..].find(first.as_str()) {
        let start = from + off;
        from = start + first.len();
        let word_start = lower[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        if !word_start {
            continue;
        }
        let mut end = from;
        let whole = rest.iter().all(|piece| {
            // Only the next MAX_GAP bytes (and the piece) can hold it: a
            // 256 KB one-line log is not scanned once per first piece.
            let mut limit = (end + MAX_GAP + piece.len()).min(lower.len());
            while !lower.is_char_boundary(limit) {
                limit -= 1;
            }
            let window = &lower[end..limit];
            let line = &window[..window.find('\n').unwrap_or(window.len())];
            match line.find(piece.as_str()).filter(|&i| i <= MAX_GAP) {
                Some(i) => {
                    end += i + piece.len();
                    true
                }
                None => false,
            }
        });
        // ... and ends at the end of a word: "could not find cert" is not
        // the start of "could not find certificate named".
        let word_end = lower[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if whole && word_end {
            return Some((start, end));
        }
    }
    None
}

/// OpenSSL error lines: `error:11800071:PKCS12 routines::mac verify
/// failure` (3.x) or `error:23076071:PKCS12 routines:PKCS12_parse:mac
/// verify failure:...` (1.1). The library and reason strings decide; when
/// they are unknown the number is decoded the OpenSSL 3 way (library << 23
/// | reason), then the 1.1 way (library << 24 | function << 12 | reason).
fn openssl(text: &str) -> Vec<(usize, usize, String)> {
    let t = table();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(off) = text[from..].find("error:") {
        let pos = from + off;
        from = pos + 6;
        let rest = &text[from..];
        let hex = rest.get(..8).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(hex) = hex.filter(|_| rest.as_bytes().get(8) == Some(&b':')) else { continue };
        let line = rest[9..].lines().next().unwrap_or("");
        let fields: Vec<&str> = line.split(':').map(str::trim).collect();
        let matched = format!("error:{hex}:{line}").trim_end().to_string();
        let by_text = match (fields.first(), fields.get(2)) {
            (Some(lib), Some(reason)) => t.openssl_text.get(&format!("{lib}: {reason}").to_lowercase()).copied(),
            _ => None,
        };
        let code = u64::from_str_radix(hex, 16).unwrap_or(0);
        let v3 = ((code >> 23) & 0xFF) << 23 | (code & 0x7F_FFFF);
        let v11 = (code >> 24) << 23 | (code & 0xFFF);
        let by_number = |v: u64| {
            t.numbers
                .get(&Num::Hex(v))
                .and_then(|rows| rows.iter().copied().find(|&i| t.rows[i].family == Family::Openssl))
        };
        if let Some(r) = by_text.or_else(|| by_number(v3)).or_else(|| by_number(v11)) {
            out.push((pos, r, matched));
        }
    }
    out
}

/// `openssl verify` lines, "error 10 at 0 depth lookup: certificate has
/// expired" (and `s_client`'s "verify error:num=10:..." after "depth=0"):
/// (position, row, depth, what matched). The depth decides the article
/// (context::verify_depth).
fn verify(text: &str) -> Vec<(usize, usize, u32, String)> {
    let t = table();
    let mut out = Vec::new();
    let mut depth = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim();
        let number = |s: &str| s.split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse::<u32>().ok());
        if let Some(d) = l.split("depth=").nth(1).and_then(number) {
            depth = d;
        }
        // "error 10 at 0 depth lookup: ..."
        let mut found = None;
        if let Some(i) = l.find("error ") {
            let rest = &l[i + 6..];
            let mut parts = rest.splitn(4, ' ');
            if let (Some(n), Some("at"), Some(d), Some(tail)) = (parts.next(), parts.next(), parts.next(), parts.next())
            {
                if tail.starts_with("depth lookup") {
                    if let (Ok(n), Ok(d)) = (n.parse::<u32>(), d.parse::<u32>()) {
                        found = Some((n, d));
                    }
                }
            }
        }
        // "verify error:num=10:certificate has expired"
        if let Some(n) = l.split("verify error:num=").nth(1).and_then(number) {
            found = found.or(Some((n, depth)));
        }
        if let Some((n, d)) = found {
            if let Some(&r) = t.verify.get(&n) {
                out.push((pos, r, d, l.to_string()));
            }
        }
        pos += line.len();
    }
    out
}
