//! Question text -> what the question *says* (SPEC §2 cue words).
//!
//! Pure: no file, process or clock. This module only reads the words: which
//! verbs, apps, operating systems, certificate words and prepositions appear,
//! typo-tolerantly, and which end (source or target) each app or OS belongs
//! to. `vocabulary` finds the cue words, `senses` re-reads ambiguous ones in
//! context ("release notes", "make a pfx", "can X use the cert in Y"), and
//! `evidence` weighs everything into an activity with a confidence and a
//! runner-up. It does not apply defaults (the OS the tool runs on, the OS's main
//! store, the probe's findings): that is `plan::resolve`'s job, so a support
//! agent's flags and a customer's probe can fill the gaps the same way.

use schemars::JsonSchema;
use serde::Serialize;

use crate::apps::App;
use crate::env::Os;

mod evidence;
mod senses;
mod vocabulary;

pub use evidence::LOW_CONFIDENCE;
use senses::Senses;
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

/// Which end a Java keystore is: where the certificate comes from, or
/// where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum JavaEnd {
    /// The certificate is in the keystore ("from the keystore").
    Source,
    /// The certificate goes into the keystore ("into a JKS").
    Target,
}

/// Who, on the other side, does not trust the person's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OtherSide {
    /// A server, site, portal or VPN rejecting the client certificate.
    Server,
    /// People who receive the person's signed mail.
    Recipient,
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    /// An activity verb was typed ("export", "move", "back up"); unlike
    /// `explicit_verb`, a token or chain named alone does not count.
    pub typed_verb: bool,
    /// "identity" appears, even beside "encryption": implies ECA (SPEC §1).
    pub identity_words: bool,
    /// `mail` that came from an import verb: the certificate arrives as a
    /// file, so there is no export step.
    pub via_import: bool,
    /// The question names a USB token or smart card.
    pub token: bool,
    /// The question names a certificate chain (intermediate, root, ...).
    pub chain_words: bool,
    /// The question says a certificate or its issuer is not trusted on
    /// this side ("signed by an untrusted issuer", "unknown authority"):
    /// the chain is missing. Not when a server is the one not trusting
    /// (`senses`): that is the server's list, not this computer's.
    pub distrust: bool,
    /// Adobe Acrobat or Reader, or PDF signatures: a chain there is
    /// trusted in Acrobat's own list.
    pub pdf_signatures: bool,
    /// A Java keystore, and which end of the question it is.
    pub java_keystore: Option<JavaEnd>,
    /// The other side does not trust the person's certificate (`senses`).
    pub distrusted_by: Option<OtherSide>,
    /// The question names a .p12/.pfx/PEM file.
    pub file_words: bool,
    /// The question's words after normalisation (typos corrected), for
    /// echoing what was understood.
    pub words: Vec<String>,
    /// How sure the reading of the activity is: 0 (nothing to go on, or
    /// two readings as likely) to 1 (one clear reading). Below
    /// [`LOW_CONFIDENCE`] the activity "cannot be told" (SPEC §4).
    pub confidence: f32,
    /// The next most likely activity, when another reading competes.
    pub runner_up: Option<Activity>,
    /// Both ends of a move were taken from word order alone ("chrome
    /// firefox certificate"): which is the source cannot be told.
    pub ends_guessed: bool,
    /// The certificate is in "the browser", no browser named: the source is
    /// the OS's main store app, which `plan::resolve` knows.
    pub from_browser: bool,
}

impl Parsed {
    /// Every OS the question names, at either end or for both.
    pub fn named_oses(&self) -> impl Iterator<Item = Os> {
        [self.os_anywhere, self.from.os, self.to.os].into_iter().flatten()
    }

    /// The activity cannot be told with confidence (SPEC §4 "Asking").
    pub fn unsure(&self) -> bool {
        self.activity.is_some() && self.confidence < LOW_CONFIDENCE
    }
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
    parse_as(query, None)
}

/// Reads a question for an activity given elsewhere (a flag, a person's
/// choice, the runner-up reading): the apps named then fill the ends that
/// activity has ("restore or back up my firefox cert" read as a backup
/// backs up from Firefox). The confidence stays the question's own.
pub fn parse_as(query: &str, activity: Option<Activity>) -> Parsed {
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
    let senses = senses::read(&words, &mut found);
    let mut p = Parsed { words: words.clone(), ..Parsed::default() };

    let mut verbs: Vec<Verb> = Vec::new();
    // Apps and OSes with the role their preposition gave them, in order.
    let mut apps: Vec<(App, Role, usize)> = Vec::new();
    let mut oses: Vec<(Os, Role, usize)> = Vec::new();
    let mut role = Role::None;
    let mut role_at: usize = 0;
    let mut new_at: Option<usize> = None;
    let mut java_role: Option<Role> = None;
    let mut old_at: Option<usize> = None;
    let mut browser_source = false;
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
                old_at = Some(at);
            }
            // "the new one", "the old one": a machine when one was named.
            Cue::One => new_one |= new_at.is_some_and(|n| at == n + 1) || old_at.is_some_and(|n| at == n + 1),
            Cue::Machine => {
                machine_seen = true;
                if new_at.is_some_and(|n| at > n && at - n <= 3) {
                    p.new_computer = true;
                    new_machine_role.get_or_insert(governed(at));
                }
            }
            Cue::Verb(v) => verbs.push(v),
            // "my browser certificate", "from the browser".
            Cue::Browser => {
                let qualifies = words.get(at + len).is_some_and(|w| w.starts_with("cert"));
                browser_source |= qualifies || governed(at) == Role::From;
            }
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
            Cue::Pdf => p.pdf_signatures = true,
            Cue::JavaKeystore => {
                java_role.get_or_insert(governed(at));
            }
            Cue::Distrust => {
                p.symptom = true;
                p.failure = true;
                p.distrust = true;
                p.chain_words = true;
            }
            // Read in context by `senses`.
            Cue::Make
            | Cue::Turn
            | Cue::Have
            | Cue::Use
            | Cue::Can
            | Cue::Had
            | Cue::Lost
            | Cue::Get
            | Cue::Bring
            | Cue::Safe
            | Cue::Before
            | Cue::After
            | Cue::Wipe
            | Cue::Storage
            | Cue::Many
            | Cue::Between
            | Cue::Nothing => {}
        }
    }
    p.new_computer |= senses.many_machines;
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
    p.typed_verb = !verbs.is_empty();
    p.explicit_verb = p.typed_verb || p.chain_words || p.token;

    let scores = evidence::score(&evidence::Reading {
        verbs: &verbs,
        apps: &apps,
        oses: &oses,
        senses,
        token: p.token,
        chain_words: p.chain_words,
        new_computer: p.new_computer,
        file_words: p.file_words,
        mail_words: mail_words || sign_words,
    });
    p.activity = activity.or(scores.best);
    p.confidence = scores.confidence;
    p.runner_up = scores.runner_up;
    // "from the keystore" is the source; "into a keystore" the target;
    // else the verb says: what is exported comes from it.
    // Beside a named app or target ("into the windows store"), a keystore
    // mentioned without a preposition is context ("our app runs on
    // java"), not an end.
    p.java_keystore = java_role.and_then(|role| match (role, p.activity) {
        (Role::From, _) => Some(JavaEnd::Source),
        (Role::To, _) => Some(JavaEnd::Target),
        _ if !apps.is_empty() || oses.iter().any(|o| o.1 == Role::To) => None,
        (_, Some(Activity::Backup | Activity::Export)) => Some(JavaEnd::Source),
        _ => Some(JavaEnd::Target),
    });
    // A PDF beside a named app ("Outlook says ...; the PDF opens fine") is
    // context: the app's chain, not Acrobat's list.
    p.pdf_signatures &= apps.is_empty();
    p.distrusted_by = senses.distrusted_by;
    assign_apps(&mut p, &apps);
    p.from_browser = browser_source && p.from.app.is_none();
    // "between two firefox profiles": the same app at both ends.
    if senses.many_profiles && p.to.app.is_none() {
        p.to.app = p.from.app;
    }
    assign_oses(&mut p, &oses, &apps);
    if p.from.os.is_some() && p.to.os.is_some() && p.from.os != p.to.os {
        p.new_computer = true;
    }
    // A new computer with no verb, or an "import" from an app on the old
    // one, is a move.
    if activity.is_none()
        && p.new_computer
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
            let both_loose = from.is_none() && to.is_none();
            for a in loose {
                if from.is_none() {
                    from = Some(a);
                } else if to.is_none() {
                    to = Some(a);
                }
            }
            // Two apps and no word for which end is which: word order is a
            // guess (SPEC §4: an end of a move that cannot be told).
            p.ends_guessed = both_loose && from.is_some() && to.is_some() && from != to;
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
    fn an_empty_search_is_a_failure() {
        assert!(parse("No slot with a token was found.").failure);
        assert!(parse("Error: No YubiKey detected!").failure);
        assert!(!parse("I found my certificate in firefox, export it").failure);
        assert!(!parse("the card was detected, how do I use it on my new mac").failure);
        assert!(!parse("No, I found the certificate in Firefox, how do I move it to Chrome?").failure);
    }

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
    fn a_version_glued_to_an_app_or_os_name_is_split_off() {
        assert_eq!(
            normalise("IE8 firefox115 pkcs12 p12 win10"),
            vec!["ie", "8", "firefox", "115", "pkcs12", "p12", "win10"]
        );
        let p = parse("old XP machine with IE8 holding my cert, need it on my new MacBook");
        assert_eq!(p.from.app, Some(App::Ie));
    }

    #[test]
    fn a_loss_to_avoid_is_a_precaution_not_a_symptom() {
        assert!(!parse("make sure I don't lose my outlook certificate when I switch laptops").symptom);
        assert!(!parse("I never want to lose my key again, how do I back it up").symptom);
        assert!(parse("firefox doesn't see my certificate").symptom);
        assert!(parse("I can't open my old encrypted mail").symptom);
    }

    #[test]
    fn a_token_ruled_out_names_no_activity() {
        for q in
            ["I have no token, move my cert to a new pc", "move my cert without a smart card", "I don't use a token"]
        {
            let p = parse(q);
            assert!(!p.token, "{q}");
            assert!(!p.symptom, "{q}: the negation is not a symptom");
        }
        // A program reporting an empty search, or a token to be filled, is
        // a token question.
        for q in [
            "No smart card reader found",
            "no token detected",
            "the token is not inserted",
            "no smart card listed in Device Manager on my new laptop",
            "my cert is not on my yubikey yet, how do I put it on",
        ] {
            assert!(parse(q).token, "{q}");
        }
        // A routine that repeats is no symptom; a prompt that repeats is.
        assert!(!parse("how do I back up my cert each time I renew it").symptom);
        assert!(parse("outlook asks for my password every time").symptom);
    }

    #[test]
    fn distrust_is_a_missing_chain_unless_a_server_distrusts() {
        let p = parse("This certificate was signed by an untrusted issuer");
        assert!(p.distrust && p.chain_words && p.failure);
        assert_eq!(p.activity, Some(Activity::Chain));
        let p = parse("the website does not trust my client certificate");
        assert!(!p.distrust && p.failure);
        assert!(parse("adobe reader: signature validity is unknown").pdf_signatures);
    }

    #[test]
    fn security_find_identity_is_a_command_not_an_identity_certificate() {
        let p = parse("security find-identity -v -p ssl-client shows 0 valid identities found");
        assert!(!p.identity_words);
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
    fn forms_of_known_words_are_not_typos() {
        // re- + a known word is a word of its own, and means the word again.
        assert_eq!(normalise("reinstalling migrated"), vec!["reinstalling", "migrated"]);
        assert_eq!(parse("migrated my cert to a new pc").activity, Some(Activity::Move));
        // un- reverses the word: "uninstall" is not an install.
        assert_ne!(parse("uninstall firefox").activity, Some(Activity::Import));
        // A form of nothing is still a typo.
        assert_eq!(normalise("installling"), vec!["installing"]);
    }

    #[test]
    fn notes_needs_notes_context() {
        assert_eq!(parse("release notes say to back up my cert").from.app, None);
        assert_eq!(parse("export my cert from notes").from.app, Some(App::LotusNotes));
        assert_eq!(parse("hcl notes 12: back up my id").from.app, Some(App::LotusNotes));
    }

    #[test]
    fn error_texts_and_common_nouns_name_no_os_or_app() {
        assert_eq!(parse("MAC verification failed").os_anywhere, None);
        assert_eq!(parse("open the p12 in windows explorer").to.app, None);
        assert!(!parse("reinstall the operating system").new_computer);
        assert_eq!(parse("i double clicked the pfx in explorer").to.app, None);
        assert_eq!(parse("export my cert from explorer").from.app, Some(App::Ie));
        assert_eq!(parse("my mac address changed").os_anywhere, None);
    }

    #[test]
    fn past_acts_and_events_are_not_requests() {
        let p = parse("thunderbird should sign with the cert i imported into firefox");
        assert_eq!((p.from.app, p.mail_client), (Some(App::Firefox), Some(App::Thunderbird)));
        let p = parse("do i need to export my cert before upgrading to windows 11");
        assert_eq!((p.activity, p.to.os), (Some(Activity::Export), None));
        assert_eq!(parse("install the root certificate on my new laptop").activity, Some(Activity::Chain));
        // A wipe to come is a reason to back up; a past one a reason to restore.
        assert_eq!(parse("im about to wipe my pc").activity, Some(Activity::Backup));
        assert_eq!(parse("my pc was wiped, how do i get my cert back").activity, Some(Activity::Import));
        // A backup made before is a file at hand; a crash lost what was there.
        assert_eq!(parse("my system crashed, i have my cert backed up as a pfx").activity, Some(Activity::Import));
        // A verb ruled out is no evidence; a failure still says what was tried.
        assert_eq!(parse("i dont want to move it, just back it up").activity, Some(Activity::Backup));
        assert_eq!(parse("firefox wont import my p12").activity, Some(Activity::Import));
        // The app a mail is sent from is the client, not the source.
        let p = parse("send encrypted email from apple mail with the cert thats in keychain");
        assert_eq!((p.from.app, p.mail_client), (Some(App::Keychain), Some(App::AppleMail)));
    }

    #[test]
    fn files_made_are_exports_files_at_hand_are_imports() {
        assert_eq!(parse("firefox: make a pfx of my cert").activity, Some(Activity::Backup));
        assert_eq!(parse("i have a p12, open it in firefox").activity, Some(Activity::Import));
        assert_eq!(parse("put my cert on a thumb drive").activity, Some(Activity::Backup));
    }

    #[test]
    fn capability_questions_name_source_and_target() {
        let p = parse("can seamonkey use the cert i have in firefox");
        assert_eq!((p.from.app, p.to.app), (Some(App::Firefox), Some(App::Netscape)));
        assert_eq!(p.activity, Some(Activity::Move));
    }

    #[test]
    fn confidence_reflects_competing_readings() {
        let clear = parse("export my cert from firefox");
        assert!(clear.confidence >= 0.99, "{}", clear.confidence);
        // An export and an import verb with no other app: a move, and the
        // parts of a move do not compete with it.
        assert!(parse("move my cert to my new pc and import it").confidence >= 0.99);
        let torn = parse("firefox certificate backup restore");
        assert!(torn.unsure(), "{torn:?}");
        assert!(torn.runner_up.is_some());
        assert_eq!(parse("hello").confidence, 0.0);
    }

    #[test]
    fn tokens_win_over_verbs() {
        assert_eq!(parse("move my smart card certs to a new mac").activity, Some(Activity::Token));
    }
}
