//! Word senses by context: the cues found in a question are re-read against
//! their neighbours, one rule per ambiguous word or construction.
//!
//! - "notes" is Lotus Notes only with Notes context (never "release notes",
//!   "my notes"); a bare "explorer" is File Explorer when files are handled
//!   in it ("double-clicked the pfx in explorer"); "system" and "mac" in
//!   error texts are handled by longer phrases in the vocabulary ("operating
//!   system", "system store", "MAC verification", "mac address").
//! - A verb after "before"/"after" is an event, not the request;
//!   (re)installing an operating system wipes a computer; "before" an event,
//!   or a wipe still to come ("about to wipe my pc"), is a reason to back
//!   up; a loss or "get ... back" is a restore.
//! - "have/is/keep ... in X" and a past act ("the cert I imported into
//!   firefox") name the source; "use/need/open it in X" and "can X use" the
//!   target.
//! - A file word after "make"/"turn into"/"into" is what comes out; after
//!   "have/got/open/from", or "the pfx is on ...", it is what goes in ("from
//!   the pfx backup": the backup is a file, not a verb).
//! - Verbs with particles: "get ... out" exports, "bring ... over" moves.
//! - A verb ruled out ("don't want to move") is no evidence; the app after
//!   "send mail from" is the client.
//! - "two/both/multiple" computers or profiles, and two different machine
//!   words, mean more than one store.
//!
//! Pure: reads words and cues, rewrites cues, reports flags. It weighs
//! nothing; `evidence` does.

use super::*;

/// What the context says beyond single cues.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Senses {
    /// A file is made ("make a pfx", "save as p12"): an export's output.
    pub file_out: bool,
    /// A file is at hand ("I have a .pfx", "open the p12", "from the backup").
    pub file_in: bool,
    /// A backup's purpose ("keep it safe", "in case", "before I reformat").
    pub purpose: bool,
    /// A storage device or place for a file ("USB stick", "cloud").
    pub storage: bool,
    /// More than one computer ("two computers", "laptop and desktop").
    pub many_machines: bool,
    /// More than one profile of an app ("between two firefox profiles").
    pub many_profiles: bool,
    /// Something was lost ("lost my cert", "deleted it"): a restore.
    pub lost: bool,
    /// The other side does not trust the person's certificate (a server,
    /// a recipient): not a chain missing on this computer.
    pub distrusted_by: Option<OtherSide>,
}

type Found = Vec<(usize, usize, Cue)>;

/// Words that may stand between a cue and what it governs.
fn gap_ok(words: &[String], from: usize, to: usize, extra: &[&str]) -> bool {
    from <= to && words[from..to].iter().all(|w| FILLER.contains(&w.as_str()) || extra.contains(&w.as_str()))
}

/// Pronouns, adverbs and certificate descriptions that stand between a
/// verb and a place ("need my ECA identity cert in chrome").
const SUBJECTS: &[&str] = &[
    "i",
    "we",
    "you",
    "im",
    "ive",
    "already",
    "currently",
    "still",
    "now",
    "that",
    "which",
    "just",
    "only",
    "eca",
    "identity",
    "encryption",
    "signing",
    "digital",
    "email",
    "smime",
    "mime",
    "new",
    "old",
];

/// Reads the cues in context; returns what the context says.
pub(super) fn read(words: &[String], found: &mut Found) -> Senses {
    let mut s = Senses::default();
    lotus_notes_by_context(words, found);
    explorer_by_context(words, found);
    past_acts(words, found);
    kept_where(words, found);
    get_out(words, found);
    events(words, found, &mut s);
    negated(words, found);
    nothing_found(words, found);
    s.distrusted_by = distrust_by_whom(words, found);
    token_ruled_out(words, found);
    repetition(words, found);
    prevention(words, found);
    mail_from(words, found);
    holders(words, found);
    roles(words, found);
    files(words, found, &mut s);
    s.file_out |= made_pronoun(words, found);
    many(words, found, &mut s);
    s.storage = found.iter().any(|c| c.2 == Cue::Storage);
    s.purpose |= found.iter().any(|c| c.2 == Cue::Safe);
    s.lost = found.iter().any(|c| c.2 == Cue::Lost);
    s
}

/// Wipes that lose what is on a computer (not upgrades or uninstalls).
const COMING_WIPES: &[&str] = &["wip", "reformat", "reimag", "reset", "reinstall"];

/// Words of handling files in a file manager.
const FILE_MANAGER: &[&str] = &["double", "doubleclick", "clicked", "click", "folder", "folders", "drag", "downloads"];

/// A bare "explorer" is Internet Explorer, unless the question handles
/// files in it ("double-clicked the pfx in explorer"): then it is File
/// Explorer. "file explorer" and "windows explorer" are phrases of their own.
fn explorer_by_context(words: &[String], found: &mut Found) {
    let files = words.iter().any(|w| FILE_MANAGER.contains(&w.as_str()));
    found.retain(|&(at, len, cue)| !(files && len == 1 && cue == Cue::App(App::Ie) && words[at] == "explorer"));
}

/// "the cert I imported into firefox", "the pfx I exported last year": a
/// request verb in the past, right after its subject, tells where the
/// certificate is, not what to do now.
fn past_acts(words: &[String], found: &mut Found) {
    for k in 0..found.len() {
        let (at, len, cue) = found[k];
        // "exported", "backed up": a word of the phrase is past.
        let past = words[at..at + len].iter().any(|w| w.ends_with("ed")) && matches!(cue, Cue::Verb(_));
        let subject =
            at.checked_sub(1).is_some_and(|j| matches!(words[j].as_str(), "i" | "we" | "you" | "they" | "previously"));
        // "I have my cert backed up": a state that is had.
        let had = found[..k].iter().rev().take(2).any(|&(hat, hlen, c)| {
            c == Cue::Have && !LOCATED.contains(&words[hat].as_str()) && gap_ok(words, hat + hlen, at, &[])
        });
        if past && (subject || had) {
            found[k].2 = Cue::Had;
        }
    }
}

/// "I keep my certs on a usb stick": keeping somewhere says where they
/// are, not a reason to back up.
fn kept_where(words: &[String], found: &mut Found) {
    for k in 0..found.len().saturating_sub(1) {
        let (at, len, cue) = found[k];
        let (nat, _, next) = found[k + 1];
        let at_place = next == Cue::Prep(Role::At) && gap_ok(words, at + len, nat, &[]);
        if cue == Cue::Safe && words[at].starts_with("keep") && at_place {
            found[k].2 = Cue::Have;
        }
    }
}

/// Verbs with a particle: "get a pfx out of outlook" is an export, "get my
/// cert back" an import, "bring my cert over (from the old one)" a move.
fn get_out(words: &[String], found: &mut Found) {
    for c in found.iter_mut() {
        let (at, len, cue) = *c;
        let mut after = words.iter().skip(at + len).take(4);
        let back = words.iter().skip(at + len).take(4).position(|w| w == "back");
        // "get it back up" is a backup, found by its own phrase.
        let back_up = back.is_some_and(|b| words.get(at + len + b + 1).is_some_and(|w| w == "up"));
        if cue == Cue::Get && after.clone().any(|w| w == "out") {
            c.2 = Cue::Verb(Verb::Export);
        } else if cue == Cue::Get && back.is_some() && !back_up {
            // "get my cert back": a restore.
            c.2 = Cue::Verb(Verb::Import);
        } else if cue == Cue::Bring && after.any(|w| matches!(w.as_str(), "over" | "along" | "across")) {
            c.2 = Cue::Verb(Verb::Move);
        }
    }
}

/// Have-words that only say where something is ("the cert is in IE").
const LOCATED: &[&str] = &["is", "lives", "sits", "stored", "already"];

/// Words that name Lotus Notes for sure, so a bare "notes" does too.
const NOTES_CONTEXT: &[&str] = &["lotus", "hcl", "ibm", "domino", "nsf", "notes.ini"];
/// Words right before a bare "notes" that make it an app ("from notes").
const APP_GOVERNORS: &[&str] =
    &["from", "into", "to", "in", "with", "for", "export", "import", "use", "using", "open", "configure"];

/// "notes" is Lotus Notes with Notes context, or governed like an app
/// ("from notes", "notes client", "notes 12"); never "release notes" or
/// "my notes".
fn lotus_notes_by_context(words: &[String], found: &mut Found) {
    let context = words.iter().any(|w| NOTES_CONTEXT.contains(&w.as_str()));
    found.retain(|&(at, len, cue)| {
        let bare = len == 1 && cue == Cue::App(App::LotusNotes) && words[at].starts_with("note");
        if !bare || context {
            return true;
        }
        let before = at.checked_sub(1).map(|k| words[k].as_str());
        let after = words.get(at + 1).map(String::as_str);
        before.is_some_and(|w| APP_GOVERNORS.contains(&w))
            || after.is_some_and(|w| matches!(w, "client" | "id" | "ids") || w.chars().all(|c| c.is_ascii_digit()))
    });
}

/// "reinstalling windows" is wiping a computer, not installing a
/// certificate; the verb after "before"/"after" is an event, not the
/// request; an event ahead ("before I reformat") is a reason to back up.
fn events(words: &[String], found: &mut Found, s: &mut Senses) {
    for k in 0..found.len() {
        let (at, len, cue) = found[k];
        if cue != Cue::Verb(Verb::Import) {
            continue;
        }
        if let Some(&(nat, _, next)) = found.get(k + 1) {
            let os_object = matches!(next, Cue::Os(_) | Cue::Machine | Cue::Wipe);
            if os_object && gap_ok(words, at + len, nat, &[]) {
                found[k].2 = Cue::Wipe;
            }
        }
    }
    // "a windows reinstall": the OS before a re-install word is what is
    // reinstalled, unless a certificate follows ("mac reinstall cert").
    const CERT: &[&str] = &["cert", "certs", "certificate", "certificates", "my", "the", "pfx", "p12", "it"];
    for k in 1..found.len() {
        let (at, len, cue) = found[k];
        let (pat, plen, prev) = found[k - 1];
        let reinstall = cue == Cue::Verb(Verb::Import) && words[at].starts_with("re") && pat + plen == at;
        let cert_next = words.get(at + len).is_some_and(|w| CERT.contains(&w.as_str()));
        if reinstall && matches!(prev, Cue::Os(_) | Cue::Machine) && !cert_next {
            found[k].2 = Cue::Wipe;
        }
    }
    // "upgrading to windows 11": the event's own preposition and object
    // are not an end of the request.
    for k in 1..found.len() {
        let (pat, plen, prev) = found[k - 1];
        if prev == Cue::Wipe && matches!(found[k].2, Cue::Prep(_)) && found[k].0 == pat + plen {
            found[k].2 = Cue::Nothing;
        }
    }
    // A wipe still to come ("I'm about to wipe my pc", "reformatting
    // tomorrow") is a reason to back up; one in the past ("my pc was
    // wiped") is not.
    for (k, &(at, len, cue)) in found.iter().enumerate() {
        let after = k > 0 && found[k - 1].2 == Cue::After;
        let word = words[at + len - 1].as_str();
        let coming = !word.ends_with('d');
        if cue == Cue::Wipe && !after && COMING_WIPES.iter().any(|w| word.starts_with(w)) && coming {
            s.purpose = true;
        }
        // A wipe or crash that happened ("my pc was wiped", "crashed")
        // lost what was there: a restore.
        if cue == Cue::Wipe && !coming && words[at].as_str() != "operating" {
            s.lost = true;
        }
    }
    let mut k = 0;
    while k < found.len() {
        let (at, len, cue) = found[k];
        if matches!(cue, Cue::Before | Cue::After) {
            // The event: the next verb or wipe within a few words.
            let event = found[k + 1..]
                .iter()
                .position(|&(nat, _, c)| {
                    matches!(c, Cue::Verb(_) | Cue::Wipe)
                        && nat - (at + len) <= 3
                        && gap_ok(words, at + len, nat, SUBJECTS)
                })
                .map(|p| k + 1 + p);
            if let Some(e) = event {
                if cue == Cue::Before {
                    s.purpose = true;
                }
                if matches!(found[e].2, Cue::Verb(_)) {
                    found[e].2 = Cue::Wipe;
                }
            }
        }
        k += 1;
    }
}

/// "I don't want to move it", "not moving", "without exporting": a verb
/// the person rules out is no evidence. Failures ("can't import") are not
/// ruled out: they say what was tried.
fn negated(words: &[String], found: &mut Found) {
    const WISH: &[&str] = &["want", "wanna", "need", "plan", "planning", "going", "intend", "to", "i", "it", "be"];
    for c in found.iter_mut() {
        let (at, _, cue) = *c;
        if !matches!(cue, Cue::Verb(_)) {
            continue;
        }
        let before = &words[at.saturating_sub(6)..at];
        let ruled_out = match before.last().map(String::as_str) {
            Some("without" | "not") => true,
            _ => before.iter().enumerate().any(|(i, w)| {
                matches!(w.as_str(), "dont" | "not" | "no" | "instead" | "rather")
                    && before[i + 1..].iter().all(|x| WISH.contains(&x.as_str()) || matches!(x.as_str(), "of" | "than"))
                    && (before[i + 1..].iter().any(|x| WISH.contains(&x.as_str()))
                        || matches!(w.as_str(), "instead" | "rather"))
            }),
        };
        if ruled_out {
            c.2 = Cue::Nothing;
        }
    }
}

/// What a program says when a search came back empty.
const EMPTY_RESULT: &[&str] =
    &["found", "detected", "recognized", "recognised", "present", "inserted", "listed", "available"];

/// "No slot with a token was found.", "No YubiKey detected!": a search
/// that came back empty is a failure, said the way programs say it.
fn nothing_found(words: &[String], found: &mut Found) {
    // "No, I found it": a person answering, not a program reporting.
    const SUBJECTS: &[&str] = &["i", "we", "you", "it", "they", "problem", "issue"];
    for (at, w) in words.iter().enumerate() {
        let before = &words[at.saturating_sub(6)..at];
        let governs = before
            .iter()
            .rposition(|x| x == "no")
            .is_some_and(|i| !before[i + 1..].iter().any(|x| SUBJECTS.contains(&x.as_str())));
        if EMPTY_RESULT.contains(&w.as_str()) && governs {
            found.push((at, 1, Cue::Failure));
        }
    }
}

/// "I have no token", "without a smart card", "my cert is not on a
/// token": a token the person says is not involved names no activity
/// (SPEC §2's token rule is for a token that is the source or subject).
/// "No token was found" is a program reporting an empty search: a token
/// problem, left to `nothing_found`.
fn token_ruled_out(words: &[String], found: &mut Found) {
    const NEGATIONS: &[&str] = &["no", "not", "dont", "doesnt", "didnt", "never"];
    // Having or using one, said of the person.
    const HAVING: &[&str] = &["have", "has", "had", "use", "using", "need", "own", "got", "carry"];
    const BETWEEN: &[&str] =
        &["a", "an", "any", "the", "my", "our", "have", "has", "had", "use", "using", "need", "own", "got"];
    let mut negations_used = Vec::new();
    for c in found.iter_mut() {
        let (at, len, cue) = *c;
        if cue != Cue::Token {
            continue;
        }
        let start = at.saturating_sub(4);
        let before = &words[start..at];
        // "without a token", or a negation of having or using one ("I
        // have no token", "don't use a smart card"); "no token listed" is
        // a report.
        let negation = before.iter().enumerate().rposition(|(i, w)| {
            let rest = &before[i + 1..];
            let between_ok = rest.iter().all(|x| BETWEEN.contains(&x.as_str()));
            let having = rest.iter().any(|x| HAVING.contains(&x.as_str()))
                || (w == "no" && i > 0 && HAVING.contains(&before[i - 1].as_str()));
            between_ok && (w == "without" || (NEGATIONS.contains(&w.as_str()) && having))
        });
        let reported_missing = words[(at + len).min(words.len())..(at + len + 5).min(words.len())]
            .iter()
            .any(|w| EMPTY_RESULT.contains(&w.as_str()));
        if let Some(i) = negation.filter(|_| !reported_missing) {
            c.2 = Cue::Nothing;
            negations_used.push(start + i);
        }
    }
    // The "not" of "not on a token" says what is not involved, not that
    // something is wrong.
    for c in found.iter_mut().filter(|c| c.2 == Cue::Symptom && negations_used.contains(&c.0)) {
        c.2 = Cue::Nothing;
    }
}

/// Who does not trust whom. A distrust the person states ("I don't trust
/// this store") names nothing. One with its cause stated ("not trusted
/// because it has expired") is that cause's failure, not a missing chain.
/// The other side judging the person's own certificate (a server, site or
/// VPN: "the portal does not trust my certificate"; a recipient: "they say
/// my signature is not trusted") is that side's problem, reported in
/// `distrusted_by`. What is left ("Firefox says the website's certificate
/// is not trusted", "untrusted issuer") is a chain missing here.
fn distrust_by_whom(words: &[String], found: &mut Found) -> Option<OtherSide> {
    const PEOPLE: &[&str] = &["i", "we", "you"];
    const CAUSES: &[&str] = &["expired", "expire", "expires", "expiry", "revoked", "revocation", "crl", "ocsp"];
    const SERVERS: &[&str] = &[
        "server", "servers", "site", "sites", "website", "websites", "portal", "vpn", "gateway", "iis", "nginx",
        "apache", "403",
    ];
    const RECIPIENTS: &[&str] =
        &["recipient", "recipients", "receiver", "receivers", "they", "colleague", "colleagues"];
    const OWN: &[&str] = &["my", "our", "client", "personal"];
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if !found.iter().any(|c| c.2 == Cue::Distrust) {
        return None;
    }
    for c in found.iter_mut().filter(|c| c.2 == Cue::Distrust) {
        if c.0 > 0 && PEOPLE.contains(&words[c.0 - 1].as_str()) {
            c.2 = Cue::Nothing;
        }
    }
    // An app named on this computer ("firefox says my cert is not
    // trusted") is this computer judging, unless a server is the subject
    // of the distrust ("the portal doesn't trust my cert").
    let app_speaks = found.iter().any(|c| matches!(c.2, Cue::App(_)));
    let server_subject = found
        .iter()
        .filter(|c| c.2 == Cue::Distrust)
        .any(|c| words[c.0.saturating_sub(3)..c.0].iter().any(|w| SERVERS.contains(&w.as_str())));
    let other_side = if !has(OWN) || (app_speaks && !server_subject) {
        None
    } else if has(SERVERS) {
        Some(OtherSide::Server)
    } else if has(RECIPIENTS) {
        Some(OtherSide::Recipient)
    } else {
        None
    };
    if other_side.is_some() || has(CAUSES) {
        for c in found.iter_mut().filter(|c| c.2 == Cue::Distrust) {
            c.2 = Cue::Failure;
        }
    }
    other_side.filter(|_| found.iter().any(|c| c.2 == Cue::Failure))
}

/// "every time" and "each time" are a symptom when what repeats is a
/// prompt ("asks for my password every time"), not a routine ("back up
/// each time I renew").
fn repetition(words: &[String], found: &mut Found) {
    const PROMPTS: &[&str] = &[
        "ask",
        "asks",
        "asking",
        "asked",
        "prompt",
        "prompts",
        "prompted",
        "prompting",
        "pops",
        "popup",
        "dialog",
        "window",
        "password",
        "pin",
        "allow",
    ];
    if words.iter().any(|w| PROMPTS.contains(&w.as_str())) {
        return;
    }
    const REPEATS: &[&str] = &[
        "every time",
        "each time",
        "every single time",
        "each and every time",
        "all the time",
        "over and over",
        "again and again",
    ];
    for c in found.iter_mut() {
        let (at, len, cue) = *c;
        if cue == Cue::Symptom && REPEATS.contains(&words[at..at + len].join(" ").as_str()) {
            c.2 = Cue::Nothing;
        }
    }
}

/// "make sure I don't lose it", "never want to lose my key", "I don't want
/// to move it": a negation that governs a wish or a loss to avoid is a
/// precaution, not a symptom. Only "don't lose ..." style negations are
/// read so; "can't open", "doesn't work" still say something failed.
fn prevention(words: &[String], found: &mut Found) {
    const WISH: &[&str] = &["want", "wanna", "need", "plan", "intend", "have"];
    let safe_at: Vec<usize> = found.iter().filter(|c| c.2 == Cue::Safe).map(|c| c.0).collect();
    for c in found.iter_mut() {
        let (at, len, cue) = *c;
        if cue != Cue::Symptom || !matches!(words[at].as_str(), "dont" | "not" | "never") {
            continue;
        }
        let next = at + len;
        let wish = words.get(next).is_some_and(|w| WISH.contains(&w.as_str()));
        let loss_avoided = safe_at.iter().any(|&s| s >= next && s <= next + 1);
        if wish || loss_avoided {
            c.2 = Cue::Nothing;
        }
    }
}

/// "send encrypted mail from Apple Mail": the app after a mail action's
/// "from" is where the mail is sent, not where the certificate comes from.
fn mail_from(words: &[String], found: &mut Found) {
    for k in 1..found.len() {
        let (at, _, cue) = found[k];
        let (pat, plen, prev) = found[k - 1];
        let mail_action = matches!(prev, Cue::Mail | Cue::Sign | Cue::Encryption) && gap_ok(words, pat + plen, at, &[]);
        let sends = at.checked_sub(1).is_some_and(|j| matches!(words[j].as_str(), "send" | "sending" | "sent"));
        if cue == Cue::Prep(Role::From) && (mail_action || sends) {
            found[k].2 = Cue::Prep(Role::At);
        }
    }
}

/// Nouns for the certificate itself.
const CERT_NOUNS: &[&str] = &["cert", "certs", "certificate", "certificates", "id", "ids", "identity"];

/// "my outlook certificate", "my keychain has my cert": of two apps, the
/// one that qualifies the certificate, or holds it, is the source, unless a
/// preposition already governs it ("into the chrome certificate store").
/// A zero-width "from" is put before it.
fn holders(words: &[String], found: &mut Found) {
    // Only a question with two apps needs to tell which one holds it.
    let mut apps: Vec<App> = found.iter().filter_map(|c| if let Cue::App(a) = c.2 { Some(a) } else { None }).collect();
    apps.sort();
    apps.dedup();
    if apps.len() < 2 {
        return;
    }
    let mut k = 0;
    while k < found.len() {
        let (at, len, cue) = found[k];
        let governed =
            k > 0 && matches!(found[k - 1].2, Cue::Prep(_)) && gap_ok(words, found[k - 1].0 + found[k - 1].1, at, &[]);
        let next = words.get(at + len).map(String::as_str);
        let qualifies = next.is_some_and(|w| CERT_NOUNS.contains(&w))
            && words.get(at + len + 1).is_none_or(|w| !matches!(w.as_str(), "store" | "manager" | "stores"));
        let holds = found.get(k + 1).is_some_and(|&(nat, _, c)| nat == at + len && c == Cue::Have);
        if matches!(cue, Cue::App(_)) && !governed && (qualifies || holds) {
            found.insert(k, (at, 0, Cue::Prep(Role::From)));
            k += 1;
        }
        k += 1;
    }
}

/// "have/is ... in X": X is the source. "use/need/open it in X": X is the
/// target. "can X use ...": X is the target. "between": the first end
/// follows.
fn roles(words: &[String], found: &mut Found) {
    for k in 0..found.len() {
        let (at, _, cue) = found[k];
        match cue {
            Cue::Prep(r @ (Role::At | Role::To)) => {
                let verb = found[..k].iter().rev().find(|&&(pat, plen, c)| {
                    matches!(c, Cue::Have | Cue::Use | Cue::Had)
                        && at - (pat + plen) <= 4
                        && gap_ok(words, pat + plen, at, SUBJECTS)
                });
                match (verb.map(|v| v.2), r) {
                    (Some(Cue::Have), Role::At) | (Some(Cue::Had), _) => found[k].2 = Cue::Prep(Role::From),
                    (Some(Cue::Use), Role::At) => found[k].2 = Cue::Prep(Role::To),
                    _ => {}
                }
            }
            Cue::Can => {
                let app_next = found.get(k + 1).is_some_and(|&(nat, _, c)| nat == at + 1 && matches!(c, Cue::App(_)));
                let use_after = found.get(k + 2).is_some_and(|&(uat, _, c)| c == Cue::Use && uat <= at + 3);
                if app_next && use_after {
                    found[k].2 = Cue::Prep(Role::To);
                }
            }
            Cue::Between => found[k].2 = Cue::Prep(Role::From),
            _ => {}
        }
    }
}

/// A file word's direction: made (output) or at hand (input). A backup
/// that is imported or read from is a file, not the backup verb.
fn files(words: &[String], found: &mut Found, s: &mut Senses) {
    const JOIN: &[&str] = &["of", "as", "to", "into", "out", "i", "it", "them"];
    for k in 0..found.len() {
        let (at, _, cue) = found[k];
        let is_backup_noun = cue == Cue::Verb(Verb::Backup) && words[at].starts_with("backup") && k > 0 && {
            let (pat, plen, prev) = found[k - 1];
            matches!(prev, Cue::File | Cue::Prep(Role::From) | Cue::Verb(Verb::Import) | Cue::Have)
                && gap_ok(words, pat + plen, at, &[])
        };
        if is_backup_noun {
            found[k].2 = Cue::File;
            s.file_in = true;
            continue;
        }
        if cue != Cue::File {
            continue;
        }
        // The nearest maker or holder before the file word, within a few
        // words.
        // "into a p12 file": the certificate goes into a file, unless a
        // file goes in too (a conversion) or the preposition belongs to a
        // using word ("access to my p12").
        let into_file = k >= 1
            && found[k - 1].2 == Cue::Prep(Role::To)
            && gap_ok(words, found[k - 1].0 + found[k - 1].1, at, &[])
            && !(k >= 2
                && matches!(found[k - 2].2, Cue::Use | Cue::Have)
                && found[k - 2].0 + found[k - 2].1 == found[k - 1].0)
            && !found[..k].iter().any(|c| c.2 == Cue::File);
        if into_file {
            s.file_out = true;
            continue;
        }
        // "the .pfx is on my desktop": a file that is somewhere is at hand.
        let located = found.get(k + 1).is_some_and(|&(nat, _, c)| c == Cue::Have && gap_ok(words, at + 1, nat, &[]));
        if located {
            s.file_in = true;
            continue;
        }
        let Some(&(pat, plen, prev)) = found[..k].iter().rev().find(|&&(pat, _, c)| {
            at - pat <= 7
                && matches!(
                    c,
                    Cue::Make | Cue::Turn | Cue::Have | Cue::Had | Cue::Use | Cue::Prep(Role::From) | Cue::File
                )
        }) else {
            continue;
        };
        match prev {
            Cue::Make if gap_ok(words, pat + plen, at, JOIN) => s.file_out = true,
            // "turn my cert into a pfx": the file after "into" comes out.
            Cue::Turn if words[pat + plen..at].iter().any(|w| matches!(w.as_str(), "into" | "to" | "as")) => {
                s.file_out = true
            }
            // "what is a p12" is no file at hand: only possession words
            // ("have", "got", "sent me") and using words hold a file.
            Cue::Have if LOCATED.contains(&words[pat].as_str()) => {}
            // "backed up as a pfx", "the pfx i exported": a file made before
            // is at hand now.
            Cue::Have | Cue::Had | Cue::Use | Cue::Prep(Role::From) if gap_ok(words, pat + plen, at, JOIN) => {
                s.file_in = true
            }
            _ => {}
        }
    }
}

/// "the helpdesk wants the pfx ... how do I produce one": a maker whose
/// object is a pronoun makes the file named before it.
fn made_pronoun(words: &[String], found: &Found) -> bool {
    found.iter().enumerate().any(|(k, &(at, len, c))| {
        c == Cue::Make
            && words.get(at + len).is_some_and(|w| matches!(w.as_str(), "one" | "it"))
            && words.get(at + len + 1).is_none_or(|w| w != "work")
            && found[..k].iter().any(|f| f.2 == Cue::File)
    })
}

/// More than one computer or profile.
fn many(words: &[String], found: &mut Found, s: &mut Senses) {
    let mut machines: Vec<&str> = Vec::new();
    for (k, &(at, len, cue)) in found.iter().enumerate() {
        match cue {
            Cue::Machine if !machines.contains(&words[at].as_str()) => machines.push(&words[at]),
            Cue::Many => {
                let next = words.iter().skip(at + len).take(3);
                let profiles = next.clone().any(|w| w.starts_with("profile"));
                let machine_next = found
                    .get(k + 1)
                    .is_some_and(|&(nat, _, c)| nat - at <= 3 && matches!(c, Cue::Machine | Cue::Os(_)));
                s.many_profiles |= profiles;
                s.many_machines |= machine_next && !profiles;
            }
            _ => {}
        }
    }
    s.many_machines |= machines.len() >= 2;
}
