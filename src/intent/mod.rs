//! Question text -> what the question *says* (SPEC §2 cue words).
//!
//! Pure: no file, process or clock. This module only reads the words: which
//! verbs, apps, operating systems, certificate words and prepositions appear,
//! typo-tolerantly, and which end (source or target) each app or OS belongs
//! to. It does not apply defaults (the OS the tool runs on, the OS's main
//! store, the probe's findings): that is `plan::resolve`'s job, so a support
//! agent's flags and a customer's probe can fill the gaps the same way.

use schemars::JsonSchema;
use serde::Serialize;

use crate::apps::App;
use crate::env::Os;

mod vocabulary;

pub use vocabulary::normalise;
use vocabulary::*;

/// What the user wants to do (SPEC §2), plus `troubleshoot` for symptoms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, JsonSchema)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CertType {
    Identity,
    Encryption,
}

impl CertType {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
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
    pub app: Option<App>,
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
    pub mail_client: Option<App>,
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

/// Canonical app for a user's spelling (`mozilla` -> `firefox`), or its
/// SPEC id as written.
pub fn app_id(s: &str) -> Option<App> {
    let words = normalise(s);
    let cues = cues(&words);
    match cues.as_slice() {
        [(_, _, Cue::App(a))] => Some(*a),
        _ => App::from_id(&s.to_ascii_lowercase()),
    }
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
    let mut apps: Vec<(App, Role, usize)> = Vec::new();
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

fn decide_activity(p: &Parsed, verbs: &[Verb], apps: &[(App, Role, usize)], mail_words: bool) -> Option<Activity> {
    if p.token {
        return Some(Activity::Token);
    }
    let has = |v: Verb| verbs.contains(&v);
    let from_app = apps.iter().any(|a| a.1 == Role::From);
    let to_app = apps.iter().any(|a| a.1 == Role::To);
    let distinct_apps = {
        let mut v: Vec<App> = apps.iter().map(|a| a.0).collect();
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
    if distinct_apps >= 2 && (from_app || to_app || !apps.iter().all(|a| a.0.is_mail_client())) {
        return Some(Activity::Move);
    }
    if apps.iter().any(|a| a.0.is_mail_client()) || (has(Verb::Associate) && mail_words) {
        return Some(Activity::Associate);
    }
    if has(Verb::Associate) && !apps.is_empty() {
        return Some(Activity::Associate);
    }
    None
}

/// Gives each app an end: its preposition's, else by the verb.
fn assign_apps(p: &mut Parsed, apps: &[(App, Role, usize)]) {
    let activity = p.activity;
    let mut from = apps.iter().find(|a| a.1 == Role::From).map(|a| a.0);
    let mut to = apps.iter().rev().find(|a| a.1 == Role::To).map(|a| a.0);
    let loose: Vec<App> = apps.iter().filter(|a| !matches!(a.1, Role::From | Role::To)).map(|a| a.0).collect();
    match activity {
        Some(Activity::Import) | Some(Activity::Chain) => {
            if to.is_none() {
                to = loose.last().copied();
            }
        }
        Some(Activity::Associate) => {
            let client = to
                .filter(|a| a.is_mail_client())
                .or_else(|| loose.iter().rev().copied().find(|a| a.is_mail_client()))
                .or_else(|| from.filter(|a| a.is_mail_client()));
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
fn assign_oses(p: &mut Parsed, oses: &[(Os, Role, usize)], apps: &[(App, Role, usize)]) {
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
            if let Some(t) = p.to.app.filter(|a| a.is_mail_client()) {
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
        assert_eq!(p.mail_client, Some(App::WindowsMail));
        assert_eq!(p.os_anywhere, None);
    }

    #[test]
    fn prepositions_pick_the_end() {
        let p = parse("move my cert from my pc to my new mac");
        assert_eq!((p.from.os, p.to.os), (Some(Os::Windows), Some(Os::Macos)));
        let p = parse("copy certificate to chrome from firefox");
        assert_eq!((p.from.app, p.to.app), (Some(App::Firefox), Some(App::Chrome)));
    }

    #[test]
    fn import_into_mail_client_is_mail() {
        let p = parse("import my p12 into thunderbird");
        assert_eq!(p.activity, Some(Activity::Mail));
        assert_eq!(p.mail_client, Some(App::Thunderbird));
    }

    #[test]
    fn tokens_win_over_verbs() {
        assert_eq!(parse("move my smart card certs to a new mac").activity, Some(Activity::Token));
    }
}
