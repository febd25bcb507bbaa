//! Question text -> what the question *says* (SPEC §2 cue words).
//!
//! Pure: no file, process or clock. This module only reads the words: which
//! verbs, apps, operating systems, certificate words and prepositions appear,
//! typo-tolerantly, and which end (source or target) each app or OS belongs
//! to. It does not apply defaults (the OS the tool runs on, the OS's main
//! store, the probe's findings): that is `plan::resolve`'s job, so a support
//! agent's flags and a customer's probe can fill the gaps the same way.

use serde::Serialize;

use crate::env::Os;

/// What the user wants to do (SPEC §2), plus `troubleshoot` for symptoms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    Backup,
    Export,
    Import,
    Chain,
    Move,
    Mail,
    Associate,
    Token,
    Troubleshoot,
}

impl Activity {
    pub const ALL: [Activity; 9] = [
        Activity::Backup,
        Activity::Export,
        Activity::Import,
        Activity::Chain,
        Activity::Move,
        Activity::Mail,
        Activity::Associate,
        Activity::Token,
        Activity::Troubleshoot,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Activity::Backup => "backup",
            Activity::Export => "export",
            Activity::Import => "import",
            Activity::Chain => "chain",
            Activity::Move => "move",
            Activity::Mail => "mail",
            Activity::Associate => "associate",
            Activity::Token => "token",
            Activity::Troubleshoot => "troubleshoot",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CertType {
    Identity,
    Encryption,
}

impl CertType {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Product {
    Eca,
    DigitalId,
}

impl Product {
    pub fn id(self) -> &'static str {
        match self {
            Product::Eca => "eca",
            Product::DigitalId => "digital-id",
        }
    }
}

/// Which end of a move a mention belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    From,
    To,
    /// "in"/"on"/"at": the end depends on the verb.
    At,
    None,
}

/// One end of the question as stated (no defaults applied).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Side {
    pub app: Option<&'static str>,
    pub os: Option<Os>,
}

/// What the question says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Parsed {
    pub activity: Option<Activity>,
    pub cert_type: Option<CertType>,
    pub product: Option<Product>,
    pub from: Side,
    pub to: Side,
    /// An OS named without an end: applies to both ends (SPEC §2 "OS").
    pub os_anywhere: Option<Os>,
    /// "new pc", "another computer", or two different OSes.
    pub new_computer: bool,
    /// The mail client named for `associate`/`mail`.
    pub mail_client: Option<&'static str>,
    /// Words that may describe trouble ("doesn't", "why", ...).
    pub symptom: bool,
    /// Words that surely do ("fails", "error", "greyed out", ...).
    pub failure: bool,
    /// The activity comes from a verb the user typed (not only from the
    /// apps named).
    pub explicit_verb: bool,
    /// "identity" appears, even beside "encryption": implies ECA (SPEC §1).
    pub identity_words: bool,
    /// `mail` that came from an import verb: the certificate arrives as a
    /// file, so there is no export step.
    pub via_import: bool,
    /// The question names a USB token or smart card.
    pub token: bool,
    /// The question names a certificate chain (intermediate, root, ...).
    pub chain_words: bool,
    /// The question names a .p12/.pfx/PEM file.
    pub file_words: bool,
    /// The question's words after normalisation (typos corrected), for
    /// echoing what was understood.
    pub words: Vec<String>,
}

/// App ids of the planner tables (SPEC §3) plus the ones beyond it.
pub const APPS: &[&str] = &[
    "chrome",
    "chromium",
    "edge",
    "ie",
    "firefox",
    "netscape",
    "keychain",
    "safari",
    "outlook",
    "outlook-express",
    "entourage",
    "windows-mail",
    "apple-mail",
    "thunderbird",
    "lotus-notes",
    "evolution",
];

/// Mail clients: a move or import into one of these is `mail`.
pub const MAIL_CLIENTS: &[&str] = &[
    "outlook",
    "outlook-express",
    "entourage",
    "windows-mail",
    "apple-mail",
    "thunderbird",
    "lotus-notes",
    "evolution",
];

pub fn is_mail_client(app: &str) -> bool {
    MAIL_CLIENTS.contains(&app)
}

/// Canonical app id for a user's spelling (`mozilla` -> `firefox`).
pub fn app_id(s: &str) -> Option<&'static str> {
    let words = normalise(s);
    let cues = cues(&words);
    match cues.as_slice() {
        [(_, _, Cue::App(a))] => Some(a),
        _ => APPS.iter().copied().find(|a| *a == s.to_ascii_lowercase()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Backup,
    Export,
    Import,
    Move,
    /// "copy": a move when there is somewhere to copy to, else a backup.
    Copy,
    Associate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    App(&'static str),
    Os(Os),
    Verb(Verb),
    Chain,
    Token,
    File,
    NewWord,
    OldWord,
    Machine,
    Identity,
    Encryption,
    Sign,
    Mail,
    Eca,
    DigitalId,
    Prep(Role),
    /// "one", as in "the new one": a machine only when one was named.
    One,
    /// Words that may describe a problem ("not", "why").
    Symptom,
    /// Words that surely do ("fails", "error", "greyed out").
    Failure,
}

/// Phrases and the cue each stands for. Longest match wins, so "windows
/// live mail" is an app, not an OS.
const PHRASES: &[(&str, Cue)] = &[
    // apps
    ("chrome", Cue::App("chrome")),
    ("google chrome", Cue::App("chrome")),
    ("chromium", Cue::App("chromium")),
    ("edge", Cue::App("edge")),
    ("microsoft edge", Cue::App("edge")),
    ("ms edge", Cue::App("edge")),
    ("ie", Cue::App("ie")),
    ("ie11", Cue::App("ie")),
    ("msie", Cue::App("ie")),
    ("internet explorer", Cue::App("ie")),
    ("explorer", Cue::App("ie")),
    ("firefox", Cue::App("firefox")),
    ("fire fox", Cue::App("firefox")),
    ("firefox esr", Cue::App("firefox")),
    ("mozilla", Cue::App("firefox")),
    ("mozilla firefox", Cue::App("firefox")),
    ("ff", Cue::App("firefox")),
    ("netscape", Cue::App("netscape")),
    ("netscape navigator", Cue::App("netscape")),
    ("netscape communicator", Cue::App("netscape")),
    ("seamonkey", Cue::App("netscape")),
    ("sea monkey", Cue::App("netscape")),
    ("keychain", Cue::App("keychain")),
    ("key chain", Cue::App("keychain")),
    ("keychain access", Cue::App("keychain")),
    ("keychains", Cue::App("keychain")),
    ("safari", Cue::App("safari")),
    ("outlook", Cue::App("outlook")),
    ("ms outlook", Cue::App("outlook")),
    ("microsoft outlook", Cue::App("outlook")),
    ("new outlook", Cue::App("outlook")),
    ("outlook express", Cue::App("outlook-express")),
    ("msoe", Cue::App("outlook-express")),
    ("entourage", Cue::App("entourage")),
    ("windows mail", Cue::App("windows-mail")),
    ("windows live mail", Cue::App("windows-mail")),
    ("live mail", Cue::App("windows-mail")),
    ("wlm", Cue::App("windows-mail")),
    ("apple mail", Cue::App("apple-mail")),
    ("mac mail", Cue::App("apple-mail")),
    ("macos mail", Cue::App("apple-mail")),
    ("mail app", Cue::App("apple-mail")),
    ("thunderbird", Cue::App("thunderbird")),
    ("thunder bird", Cue::App("thunderbird")),
    ("tbird", Cue::App("thunderbird")),
    ("lotus notes", Cue::App("lotus-notes")),
    ("lotus", Cue::App("lotus-notes")),
    ("notes", Cue::App("lotus-notes")),
    ("hcl notes", Cue::App("lotus-notes")),
    ("ibm notes", Cue::App("lotus-notes")),
    ("domino", Cue::App("lotus-notes")),
    ("evolution", Cue::App("evolution")),
    // operating systems
    ("windows", Cue::Os(Os::Windows)),
    ("pc", Cue::Os(Os::Windows)),
    ("pcs", Cue::Os(Os::Windows)),
    ("win", Cue::Os(Os::Windows)),
    ("win7", Cue::Os(Os::Windows)),
    ("win8", Cue::Os(Os::Windows)),
    ("win10", Cue::Os(Os::Windows)),
    ("win11", Cue::Os(Os::Windows)),
    ("windows10", Cue::Os(Os::Windows)),
    ("windows11", Cue::Os(Os::Windows)),
    ("mac", Cue::Os(Os::Macos)),
    ("macs", Cue::Os(Os::Macos)),
    ("macbook", Cue::Os(Os::Macos)),
    ("macbookpro", Cue::Os(Os::Macos)),
    ("imac", Cue::Os(Os::Macos)),
    ("macos", Cue::Os(Os::Macos)),
    ("mac os", Cue::Os(Os::Macos)),
    ("os x", Cue::Os(Os::Macos)),
    ("osx", Cue::Os(Os::Macos)),
    ("linux", Cue::Os(Os::Linux)),
    ("ubuntu", Cue::Os(Os::Linux)),
    ("debian", Cue::Os(Os::Linux)),
    ("fedora", Cue::Os(Os::Linux)),
    ("mint", Cue::Os(Os::Linux)),
    ("rhel", Cue::Os(Os::Linux)),
    // verbs
    ("backup", Cue::Verb(Verb::Backup)),
    ("backups", Cue::Verb(Verb::Backup)),
    ("back up", Cue::Verb(Verb::Backup)),
    ("backing up", Cue::Verb(Verb::Backup)),
    ("backed up", Cue::Verb(Verb::Backup)),
    ("save", Cue::Verb(Verb::Backup)),
    ("saving", Cue::Verb(Verb::Backup)),
    ("archive", Cue::Verb(Verb::Backup)),
    ("keep a copy", Cue::Verb(Verb::Backup)),
    ("make a copy", Cue::Verb(Verb::Backup)),
    ("export", Cue::Verb(Verb::Export)),
    ("exporting", Cue::Verb(Verb::Export)),
    ("exported", Cue::Verb(Verb::Export)),
    ("exports", Cue::Verb(Verb::Export)),
    ("extract", Cue::Verb(Verb::Export)),
    ("get out", Cue::Verb(Verb::Export)),
    ("get my cert out", Cue::Verb(Verb::Export)),
    ("import", Cue::Verb(Verb::Import)),
    ("importing", Cue::Verb(Verb::Import)),
    ("imported", Cue::Verb(Verb::Import)),
    ("imports", Cue::Verb(Verb::Import)),
    ("install", Cue::Verb(Verb::Import)),
    ("installing", Cue::Verb(Verb::Import)),
    ("installed", Cue::Verb(Verb::Import)),
    ("add", Cue::Verb(Verb::Import)),
    ("adding", Cue::Verb(Verb::Import)),
    ("load", Cue::Verb(Verb::Import)),
    ("loading", Cue::Verb(Verb::Import)),
    ("restore", Cue::Verb(Verb::Import)),
    ("double click", Cue::Verb(Verb::Import)),
    ("double clicked", Cue::Verb(Verb::Import)),
    ("doubleclick", Cue::Verb(Verb::Import)),
    ("restoring", Cue::Verb(Verb::Import)),
    ("put", Cue::Verb(Verb::Import)),
    ("move", Cue::Verb(Verb::Move)),
    ("moving", Cue::Verb(Verb::Move)),
    ("moved", Cue::Verb(Verb::Move)),
    ("transfer", Cue::Verb(Verb::Move)),
    ("transfering", Cue::Verb(Verb::Move)),
    ("transferring", Cue::Verb(Verb::Move)),
    ("transferred", Cue::Verb(Verb::Move)),
    ("migrate", Cue::Verb(Verb::Move)),
    ("migrating", Cue::Verb(Verb::Move)),
    ("migration", Cue::Verb(Verb::Move)),
    ("copy", Cue::Verb(Verb::Copy)),
    ("copying", Cue::Verb(Verb::Copy)),
    ("backup copy", Cue::Verb(Verb::Backup)),
    ("back up copy", Cue::Verb(Verb::Backup)),
    ("switch", Cue::Verb(Verb::Move)),
    ("switching", Cue::Verb(Verb::Move)),
    ("carry over", Cue::Verb(Verb::Move)),
    ("bring over", Cue::Verb(Verb::Move)),
    ("associate", Cue::Verb(Verb::Associate)),
    ("configure", Cue::Verb(Verb::Associate)),
    ("configuring", Cue::Verb(Verb::Associate)),
    ("config", Cue::Verb(Verb::Associate)),
    ("setup", Cue::Verb(Verb::Associate)),
    ("set up", Cue::Verb(Verb::Associate)),
    ("setting up", Cue::Verb(Verb::Associate)),
    ("enable", Cue::Verb(Verb::Associate)),
    ("turn on", Cue::Verb(Verb::Associate)),
    // what the certificate is and who issued it
    ("identity", Cue::Identity),
    ("authentication", Cue::Identity),
    ("auth", Cue::Identity),
    ("sign in", Cue::Identity),
    ("signin", Cue::Identity),
    ("login", Cue::Identity),
    ("log in", Cue::Identity),
    ("logon", Cue::Identity),
    ("encryption", Cue::Encryption),
    ("encrypt", Cue::Encryption),
    ("encrypting", Cue::Encryption),
    ("encrypted", Cue::Encryption),
    ("sign", Cue::Sign),
    ("signing", Cue::Sign),
    ("signed", Cue::Sign),
    ("signature", Cue::Sign),
    ("signatures", Cue::Sign),
    ("digitally", Cue::Sign),
    ("digitally sign", Cue::Sign),
    ("eca", Cue::Eca),
    ("external certificate authority", Cue::Eca),
    ("e c a", Cue::Eca),
    ("digital id", Cue::DigitalId),
    ("digitalid", Cue::DigitalId),
    ("persona not validated", Cue::DigitalId),
    ("individual subscriber", Cue::DigitalId),
    ("secure email", Cue::DigitalId),
    ("secure e mail", Cue::DigitalId),
    ("secure mail", Cue::DigitalId),
    // other nouns
    ("email", Cue::Mail),
    ("emails", Cue::Mail),
    ("e mail", Cue::Mail),
    ("e mails", Cue::Mail),
    ("mail", Cue::Mail),
    ("s mime", Cue::Mail),
    ("smime", Cue::Mail),
    ("chain", Cue::Chain),
    ("intermediate", Cue::Chain),
    ("intermediates", Cue::Chain),
    ("root", Cue::Chain),
    ("roots", Cue::Chain),
    ("root ca", Cue::Chain),
    ("issuing ca", Cue::Chain),
    ("intermediate ca", Cue::Chain),
    ("ca missing", Cue::Chain),
    ("ca is missing", Cue::Chain),
    ("ca cert", Cue::Chain),
    ("ca certs", Cue::Chain),
    ("ca certificate", Cue::Chain),
    ("ca certificates", Cue::Chain),
    ("trust chain", Cue::Chain),
    ("certificate chain", Cue::Chain),
    ("cert chain", Cue::Chain),
    ("token", Cue::Token),
    ("tokens", Cue::Token),
    ("smart card", Cue::Token),
    ("smartcard", Cue::Token),
    ("smart cards", Cue::Token),
    ("smartcards", Cue::Token),
    ("cac", Cue::Token),
    ("cac card", Cue::Token),
    ("piv", Cue::Token),
    ("yubikey", Cue::Token),
    ("usb token", Cue::Token),
    ("hardware token", Cue::Token),
    ("etoken", Cue::Token),
    ("safenet", Cue::Token),
    ("card reader", Cue::Token),
    ("common access card", Cue::Token),
    ("pfx", Cue::File),
    ("p12", Cue::File),
    ("pkcs12", Cue::File),
    ("pkcs 12", Cue::File),
    ("pem", Cue::File),
    ("file", Cue::File),
    ("new", Cue::NewWord),
    ("another", Cue::NewWord),
    ("other", Cue::NewWord),
    ("different", Cue::NewWord),
    ("second", Cue::NewWord),
    ("replacement", Cue::NewWord),
    ("replaced", Cue::NewWord),
    ("one", Cue::One),
    ("old", Cue::OldWord),
    ("computer", Cue::Machine),
    ("computers", Cue::Machine),
    ("laptop", Cue::Machine),
    ("machine", Cue::Machine),
    ("desktop", Cue::Machine),
    ("workstation", Cue::Machine),
    ("device", Cue::Machine),
    ("system", Cue::Machine),
    ("from", Cue::Prep(Role::From)),
    ("out of", Cue::Prep(Role::From)),
    ("off", Cue::Prep(Role::From)),
    ("to", Cue::Prep(Role::To)),
    ("into", Cue::Prep(Role::To)),
    ("onto", Cue::Prep(Role::To)),
    ("in to", Cue::Prep(Role::To)),
    ("over to", Cue::Prep(Role::To)),
    ("in", Cue::Prep(Role::At)),
    ("on", Cue::Prep(Role::At)),
    ("at", Cue::Prep(Role::At)),
    ("inside", Cue::Prep(Role::At)),
    ("within", Cue::Prep(Role::At)),
    ("for", Cue::Prep(Role::At)),
    ("with", Cue::Prep(Role::At)),
    // trouble
    ("not", Cue::Symptom),
    ("doesnt", Cue::Symptom),
    ("dont", Cue::Symptom),
    ("didnt", Cue::Symptom),
    ("cant", Cue::Symptom),
    ("cannot", Cue::Symptom),
    ("wont", Cue::Symptom),
    ("isnt", Cue::Symptom),
    ("arent", Cue::Symptom),
    ("never", Cue::Symptom),
    ("why", Cue::Symptom),
    ("wrong", Cue::Symptom),
    ("problem", Cue::Symptom),
    ("missing", Cue::Symptom),
    ("expired", Cue::Symptom),
    ("fails", Cue::Failure),
    ("fail", Cue::Failure),
    ("failed", Cue::Failure),
    ("failing", Cue::Failure),
    ("failure", Cue::Failure),
    ("error", Cue::Failure),
    ("errors", Cue::Failure),
    ("unable", Cue::Failure),
    ("greyed", Cue::Failure),
    ("grayed", Cue::Failure),
    ("invalid", Cue::Failure),
    ("unsupported", Cue::Failure),
    ("broken", Cue::Failure),
    ("keeps asking", Cue::Failure),
    ("unreadable", Cue::Failure),
    ("rejected", Cue::Failure),
    ("rejects", Cue::Failure),
    ("refuses", Cue::Failure),
    ("no private key", Cue::Failure),
    ("without private key", Cue::Failure),
    ("without the private key", Cue::Failure),
    ("doesnt see", Cue::Failure),
    ("does not see", Cue::Failure),
    ("cant see", Cue::Failure),
    ("not showing", Cue::Failure),
    ("doesnt show", Cue::Failure),
    ("not offered", Cue::Failure),
    ("doesnt offer", Cue::Failure),
    ("doesnt work", Cue::Failure),
    ("not working", Cue::Failure),
];

/// Words skipped when looking for what a preposition governs.
const FILLER: &[&str] = &[
    "my",
    "the",
    "a",
    "an",
    "our",
    "his",
    "her",
    "their",
    "your",
    "this",
    "that",
    "me",
    "it",
    "its",
    "all",
    "both",
    "certs",
    "cert",
    "certificate",
    "certificates",
    "certificat",
    "certifcate",
    "certficate",
    "certs",
    "id",
    "ids",
    "profile",
    "store",
    "account",
    "browser",
    "client",
    "app",
    "program",
    "version",
    "brand",
    "shiny",
    "work",
    "home",
    "office",
    "personal",
    "user",
    "users",
    "private",
    "key",
    "keys",
    "and",
    "of",
    "s",
];

/// Lower-cases, drops apostrophes, splits on anything not a letter or digit,
/// and corrects typos against the cue vocabulary.
pub fn normalise(query: &str) -> Vec<String> {
    let lowered = query.to_lowercase().replace(['\'', '\u{2019}'], "");
    let raw: Vec<&str> = lowered.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    raw.iter().map(|w| correct(w)).collect()
}

/// The phrases split into words, once per process.
fn split_phrases() -> &'static [(Vec<&'static str>, Cue)] {
    static SPLIT: std::sync::OnceLock<Vec<(Vec<&'static str>, Cue)>> = std::sync::OnceLock::new();
    SPLIT.get_or_init(|| PHRASES.iter().map(|(p, c)| (p.split(' ').collect(), *c)).collect())
}

/// Every single word of the vocabulary (phrase parts included), once.
fn vocabulary() -> impl Iterator<Item = &'static str> {
    static WORDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    WORDS
        .get_or_init(|| {
            let mut v: Vec<&str> = PHRASES.iter().flat_map(|(p, _)| p.split(' ')).collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .iter()
        .copied()
}

/// Words that look like typos of vocabulary words but are English words of
/// their own: never corrected.
const KEEP: &[&str] = &[
    "expert", "window", "notes", "note", "taken", "start", "smart", "signs", "mails", "sing", "singing", "rooted",
    "moves", "copied", "saved", "from", "form", "fore", "into", "onto", "want", "went", "need", "needs", "files",
    "filed", "adds", "added", "loads", "loaded", "settings", "setting", "using", "used", "uses", "user", "users",
    "exports", "imports", "later", "cart", "card", "cards", "chains", "certs", "cert",
];

/// The vocabulary word a typo stands for, or the word itself.
fn correct(word: &str) -> String {
    if word.len() < 5 || KEEP.contains(&word) || FILLER.contains(&word) || vocabulary().any(|v| v == word) {
        return word.to_string();
    }
    let mut best: Option<(&str, usize)> = None;
    let mut tie = false;
    for v in vocabulary() {
        // Short words have too many neighbours to correct safely.
        let allowed = if v.len() >= 9 {
            2
        } else if v.len() >= 6 {
            1
        } else {
            0
        };
        if allowed == 0 || v.len().abs_diff(word.len()) > allowed {
            continue;
        }
        let d = damerau(word, v);
        if d > allowed {
            continue;
        }
        match best {
            Some((b, bd)) if b == v || d > bd => {}
            Some((_, bd)) if d == bd => tie = true,
            _ => {
                best = Some((v, d));
                tie = false;
            }
        }
    }
    match best {
        Some((v, _)) if !tie => v.to_string(),
        _ => word.to_string(),
    }
}

/// Optimal string alignment distance (Levenshtein plus adjacent swaps).
fn damerau(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Finds the cues in order: (first word index, word count, cue).
fn cues(words: &[String]) -> Vec<(usize, usize, Cue)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut best: Option<(usize, Cue)> = None;
        for (parts, cue) in split_phrases() {
            if parts.len() > words.len() - i || best.is_some_and(|(n, _)| n >= parts.len()) {
                continue;
            }
            if parts.iter().zip(&words[i..]).all(|(p, w)| p == w) {
                best = Some((parts.len(), *cue));
            }
        }
        match best {
            Some((n, cue)) => {
                out.push((i, n, cue));
                i += n;
            }
            None => i += 1,
        }
    }
    out
}

/// Reads a question.
pub fn parse(query: &str) -> Parsed {
    let words = normalise(query);
    let mut found = cues(&words);
    // "sign in thunderbird" is signing in an app, not a sign-in certificate.
    for k in 0..found.len() {
        let (at, len, cue) = found[k];
        let next_is_app = found.get(k + 1).is_some_and(|&(nat, _, c)| nat == at + len && matches!(c, Cue::App(_)));
        if cue == Cue::Identity && len == 2 && words[at] == "sign" && next_is_app {
            found[k] = (at, 1, Cue::Sign);
            found.insert(k + 1, (at + 1, 1, Cue::Prep(Role::At)));
        }
    }
    let mut p = Parsed { words: words.clone(), ..Parsed::default() };

    let mut verbs: Vec<Verb> = Vec::new();
    // Apps and OSes with the role their preposition gave them, in order.
    let mut apps: Vec<(&'static str, Role, usize)> = Vec::new();
    let mut oses: Vec<(Os, Role, usize)> = Vec::new();
    let mut role = Role::None;
    let mut role_at: usize = 0;
    let mut new_at: Option<usize> = None;
    let mut new_machine_role: Option<Role> = None;
    let mut identity = false;
    let mut encryption = false;
    let mut mail_words = false;
    let mut sign_words = false;
    let mut old_machine = false;
    let mut machine_seen = false;
    let mut new_one = false;

    for (k, &(at, len, cue)) in found.iter().enumerate() {
        // A preposition governs the next app, OS or machine within a few
        // filler words.
        let governed = |at: usize| {
            if role == Role::None || at < role_at {
                return Role::None;
            }
            let between = &words[role_at..at];
            if between.iter().all(|w| FILLER.contains(&w.as_str()) || is_new_word(w)) {
                role
            } else {
                Role::None
            }
        };
        match cue {
            Cue::Prep(r) => {
                role = r;
                role_at = at + len;
            }
            Cue::App(a) => {
                let r = governed(at);
                apps.push((a, r, at));
            }
            Cue::Os(os) => {
                let r = governed(at);
                let after_new = new_at.is_some_and(|n| at > n && at - n <= 3);
                if after_new {
                    p.new_computer = true;
                    new_machine_role.get_or_insert(r);
                }
                // "new windows 11 pc": one OS, not two.
                if !oses.iter().any(|&(o, _, oat)| o == os && at - oat <= 2) {
                    oses.push((os, if after_new && r != Role::From { Role::To } else { r }, at));
                }
            }
            Cue::NewWord => new_at = Some(at),
            Cue::OldWord => {
                let next_machine = found
                    .get(k + 1)
                    .is_some_and(|&(nat, _, c)| nat <= at + 2 && matches!(c, Cue::Machine | Cue::Os(_)));
                old_machine |= next_machine;
            }
            Cue::One => new_one |= new_at.is_some_and(|n| at == n + 1),
            Cue::Machine => {
                machine_seen = true;
                if new_at.is_some_and(|n| at > n && at - n <= 3) {
                    p.new_computer = true;
                    new_machine_role.get_or_insert(governed(at));
                }
            }
            Cue::Verb(v) => verbs.push(v),
            Cue::Identity => identity = true,
            Cue::Encryption => encryption = true,
            Cue::Sign => sign_words = true,
            Cue::Mail => mail_words = true,
            Cue::Eca => p.product = Some(Product::Eca),
            Cue::DigitalId => p.product = p.product.or(Some(Product::DigitalId)),
            Cue::Chain => p.chain_words = true,
            Cue::Token => p.token = true,
            Cue::File => p.file_words = true,
            Cue::Symptom => p.symptom = true,
            Cue::Failure => {
                p.symptom = true;
                p.failure = true;
            }
        }
    }
    if old_machine || (new_one && (machine_seen || !oses.is_empty())) {
        p.new_computer = true;
    }
    // An explicit product word beats inference; "identity" still says which
    // certificate of the pair.
    p.cert_type = match (identity, encryption) {
        (true, false) => Some(CertType::Identity),
        (false, true) => Some(CertType::Encryption),
        _ => None,
    };
    p.identity_words = identity;
    // Signing words set neither type (SPEC §2); they only hint at mail.
    // Chain and token words name an activity as clearly as a verb does.
    p.explicit_verb = !verbs.is_empty() || p.chain_words || p.token;

    p.activity = decide_activity(&p, &verbs, &apps, mail_words || sign_words);
    assign_apps(&mut p, &apps);
    assign_oses(&mut p, &oses, &apps);
    if p.from.os.is_some() && p.to.os.is_some() && p.from.os != p.to.os {
        p.new_computer = true;
    }
    // A new computer with no verb, or an "import" from an app on the old
    // one, is a move.
    if p.new_computer
        && matches!(p.activity, None | Some(Activity::Import))
        && !p.chain_words
        && (p.activity.is_none() || apps.iter().any(|a| a.1 == Role::From))
    {
        p.activity = Some(Activity::Move);
    }
    promote_to_mail(&mut p);
    p
}

fn is_new_word(w: &str) -> bool {
    matches!(w, "new" | "another" | "other" | "different" | "second" | "replacement" | "old")
}

fn decide_activity(
    p: &Parsed,
    verbs: &[Verb],
    apps: &[(&'static str, Role, usize)],
    mail_words: bool,
) -> Option<Activity> {
    if p.token {
        return Some(Activity::Token);
    }
    let has = |v: Verb| verbs.contains(&v);
    let from_app = apps.iter().any(|a| a.1 == Role::From);
    let to_app = apps.iter().any(|a| a.1 == Role::To);
    let distinct_apps = {
        let mut v: Vec<&str> = apps.iter().map(|a| a.0).collect();
        v.dedup();
        v.len()
    };
    let somewhere_else = to_app || distinct_apps >= 2 || p.new_computer;
    if has(Verb::Move) || p.new_computer || (has(Verb::Export) && has(Verb::Import)) {
        return Some(Activity::Move);
    }
    if has(Verb::Copy) {
        return Some(if somewhere_else { Activity::Move } else { Activity::Backup });
    }
    if p.chain_words && !has(Verb::Export) && !has(Verb::Backup) {
        return Some(Activity::Chain);
    }
    if has(Verb::Import) {
        return Some(if from_app && distinct_apps >= 2 { Activity::Move } else { Activity::Import });
    }
    if has(Verb::Export) || has(Verb::Backup) {
        if to_app && distinct_apps >= 2 {
            return Some(Activity::Move);
        }
        return Some(if has(Verb::Export) { Activity::Export } else { Activity::Backup });
    }
    if verbs.is_empty() && p.file_words && distinct_apps == 1 && !apps.iter().any(|a| a.1 == Role::From) {
        return Some(Activity::Import);
    }
    if distinct_apps >= 2 && (from_app || to_app || !apps.iter().all(|a| is_mail_client(a.0))) {
        return Some(Activity::Move);
    }
    if apps.iter().any(|a| is_mail_client(a.0)) || (has(Verb::Associate) && mail_words) {
        return Some(Activity::Associate);
    }
    if has(Verb::Associate) && !apps.is_empty() {
        return Some(Activity::Associate);
    }
    None
}

/// Gives each app an end: its preposition's, else by the verb.
fn assign_apps(p: &mut Parsed, apps: &[(&'static str, Role, usize)]) {
    let activity = p.activity;
    let mut from = apps.iter().find(|a| a.1 == Role::From).map(|a| a.0);
    let mut to = apps.iter().rev().find(|a| a.1 == Role::To).map(|a| a.0);
    let loose: Vec<&'static str> = apps.iter().filter(|a| !matches!(a.1, Role::From | Role::To)).map(|a| a.0).collect();
    match activity {
        Some(Activity::Import) | Some(Activity::Chain) => {
            if to.is_none() {
                to = loose.last().copied();
            }
        }
        Some(Activity::Associate) => {
            let client = to
                .filter(|a| is_mail_client(a))
                .or_else(|| loose.iter().rev().copied().find(|a| is_mail_client(a)))
                .or_else(|| from.filter(|a| is_mail_client(a)));
            p.mail_client = client;
            to = client;
            if from.is_none() {
                from = loose.iter().copied().find(|a| Some(*a) != client);
            }
        }
        _ => {
            // Each mention fills an end once; the same app may be both ends
            // ("to another firefox profile").
            for a in loose {
                if from.is_none() {
                    from = Some(a);
                } else if to.is_none() {
                    to = Some(a);
                }
            }
        }
    }
    p.from.app = from;
    p.to.app = to;
}

/// Gives each OS an end: its preposition's, the end of an app it stands
/// next to, else "anywhere" (applies to both ends).
fn assign_oses(p: &mut Parsed, oses: &[(Os, Role, usize)], apps: &[(&'static str, Role, usize)]) {
    let target_by_at = matches!(p.activity, Some(Activity::Import) | Some(Activity::Chain));
    let mut loose = Vec::new();
    for &(os, role, at) in oses {
        let role = match role {
            Role::At if target_by_at => Role::To,
            Role::At => {
                // "firefox on mac", "outlook 2016 on my old win10 pc": the
                // OS of the app mention it follows; that mention's own role
                // first (the same app may be both ends).
                match apps.iter().rev().find(|a| a.2 < at && at - a.2 <= 5) {
                    Some(a) if matches!(a.1, Role::From | Role::To) => a.1,
                    Some(a) if Some(a.0) == p.from.app => Role::From,
                    Some(a) if Some(a.0) == p.to.app => Role::To,
                    _ => Role::None,
                }
            }
            r => r,
        };
        match role {
            Role::From if p.from.os.is_none() => p.from.os = Some(os),
            Role::To if p.to.os.is_none() => p.to.os = Some(os),
            _ => loose.push(os),
        }
    }
    for os in loose {
        if p.from.os.is_none() && p.to.os.is_none() && p.os_anywhere.is_none() {
            p.os_anywhere = Some(os);
        } else if Some(os) == p.os_anywhere || Some(os) == p.from.os || Some(os) == p.to.os {
            continue;
        } else if p.os_anywhere.is_some() && p.from.os.is_none() {
            // Two loose OSes: the first is the source, the second the target.
            p.from.os = p.os_anywhere.take();
            p.to.os = Some(os);
        } else if p.to.os.is_none() {
            p.to.os = Some(os);
        } else if p.from.os.is_none() {
            p.from.os = Some(os);
        }
    }
}

/// A move or import whose target is a mail client is `mail`; so is setting
/// up a client with a certificate from another app.
fn promote_to_mail(p: &mut Parsed) {
    match p.activity {
        Some(Activity::Move) | Some(Activity::Import) => {
            if let Some(t) = p.to.app.filter(|a| is_mail_client(a)) {
                p.via_import = p.activity == Some(Activity::Import);
                p.mail_client = Some(t);
                p.activity = Some(Activity::Mail);
            }
        }
        Some(Activity::Associate) if p.from.app.is_some_and(|f| Some(f) != p.mail_client) => {
            p.activity = Some(Activity::Mail);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrects_typos_against_the_vocabulary() {
        assert_eq!(normalise("firfox exprot certificat"), vec!["firefox", "export", "certificat"]);
        assert_eq!(normalise("Thunderbrid"), vec!["thunderbird"]);
        assert_eq!(normalise("expert"), vec!["expert"]);
    }

    #[test]
    fn reads_the_spec_example() {
        let p = parse("move identity cert to new pc");
        assert_eq!(p.activity, Some(Activity::Move));
        assert_eq!(p.cert_type, Some(CertType::Identity));
        assert!(p.new_computer);
        assert_eq!(p.to.os, Some(Os::Windows));
    }

    #[test]
    fn longest_phrase_wins() {
        let p = parse("set up windows live mail to sign");
        assert_eq!(p.mail_client, Some("windows-mail"));
        assert_eq!(p.os_anywhere, None);
    }

    #[test]
    fn prepositions_pick_the_end() {
        let p = parse("move my cert from my pc to my new mac");
        assert_eq!((p.from.os, p.to.os), (Some(Os::Windows), Some(Os::Macos)));
        let p = parse("copy certificate to chrome from firefox");
        assert_eq!((p.from.app, p.to.app), (Some("firefox"), Some("chrome")));
    }

    #[test]
    fn import_into_mail_client_is_mail() {
        let p = parse("import my p12 into thunderbird");
        assert_eq!(p.activity, Some(Activity::Mail));
        assert_eq!(p.mail_client, Some("thunderbird"));
    }

    #[test]
    fn tokens_win_over_verbs() {
        assert_eq!(parse("move my smart card certs to a new mac").activity, Some(Activity::Token));
    }
}
