//! Which activity a question asks for, weighed from all its evidence: the
//! verbs and where they point, file words as output or input, a backup's
//! purpose, storage destinations, more than one computer or profile, the
//! two ends of a move, mail clients, chain and token words.
//!
//! Every piece of evidence adds a weight to one activity; the best scores
//! win, and the margin over the runner-up is the confidence. A strong verb
//! alone (weight 4) is a confident reading; two readings of equal weight are
//! not, and the caller asks or shows both (SPEC §4 "Asking").
//!
//! Pure: reads the cues `intent` collected; it sets no ends and applies no
//! defaults.

use super::*;

/// The evidence a question gives, as `intent::parse` collected it.
pub(super) struct Reading<'a> {
    pub verbs: &'a [Verb],
    pub apps: &'a [(App, Role, usize)],
    pub oses: &'a [(Os, Role, usize)],
    pub senses: Senses,
    pub token: bool,
    pub chain_words: bool,
    pub new_computer: bool,
    pub file_words: bool,
    pub mail_words: bool,
}

/// The activities that compete; export and backup are one (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Token,
    Move,
    Chain,
    Import,
    Save,
    Associate,
}

/// Ties go to the earlier: a token is always the token activity, a move
/// includes an export and an import.
const ORDER: [Group; 6] = [Group::Token, Group::Move, Group::Chain, Group::Import, Group::Save, Group::Associate];

/// Weights: a token word decides; a verb that says where the certificate
/// goes beats a verb alone; context without a verb is weaker than a verb.
const DECIDES: f32 = 100.0;
const STRONG: f32 = 6.0;
const VERB: f32 = 4.0;
const CONTEXT: f32 = 3.0;
const HINT: f32 = 2.0;

/// Below this confidence the activity "cannot be told" (SPEC §4).
pub const LOW_CONFIDENCE: f32 = 0.5;

/// The reading of a question's activity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Scores {
    pub best: Option<Activity>,
    pub runner_up: Option<Activity>,
    /// 0 (a coin toss, or nothing to go on) to 1 (one clear reading).
    pub confidence: f32,
}

/// Adds one piece of evidence for a group.
fn add(w: &mut [f32; 6], g: Group, weight: f32) {
    let i = ORDER.iter().position(|o| *o == g).unwrap_or(0);
    w[i] += weight;
}

pub(super) fn score(r: &Reading) -> Scores {
    let mut w = [0.0f32; 6];
    let has = |v: Verb| r.verbs.contains(&v);
    let s = r.senses;
    let from_end = r.apps.iter().any(|a| a.1 == Role::From) || r.oses.iter().any(|o| o.1 == Role::From);
    let to_end = r.apps.iter().any(|a| a.1 == Role::To) || r.oses.iter().any(|o| o.1 == Role::To);
    let from_app = r.apps.iter().any(|a| a.1 == Role::From);
    let to_app = r.apps.iter().any(|a| a.1 == Role::To);
    let distinct_apps = {
        let mut v: Vec<App> = r.apps.iter().map(|a| a.0).collect();
        v.sort();
        v.dedup();
        v.len()
    };
    let somewhere_else = to_app || distinct_apps >= 2 || r.new_computer || s.many_profiles;
    let moving_verbs = [Verb::Move, Verb::Copy, Verb::Import, Verb::Export, Verb::Backup, Verb::Put];

    if r.token {
        add(&mut w, Group::Token, DECIDES);
    }
    // Moving, by verb or by the ends.
    if has(Verb::Move) {
        add(&mut w, Group::Move, STRONG);
    }
    if r.new_computer || s.many_machines {
        add(&mut w, Group::Move, STRONG);
    }
    if s.many_profiles {
        add(&mut w, Group::Move, STRONG);
    }
    if has(Verb::Export) && has(Verb::Import) {
        add(&mut w, Group::Move, STRONG);
    }
    if has(Verb::Copy) {
        if somewhere_else {
            add(&mut w, Group::Move, STRONG);
        } else {
            add(&mut w, Group::Save, VERB);
        }
    }
    // Importing: into an app, or from another app (a move).
    if has(Verb::Import) {
        if from_app && distinct_apps >= 2 {
            add(&mut w, Group::Move, STRONG);
        } else {
            add(&mut w, Group::Import, VERB);
        }
    }
    // "put": onto a storage device is a backup, elsewhere an import.
    if has(Verb::Put) {
        if s.storage {
            add(&mut w, Group::Save, VERB);
        } else if from_app && distinct_apps >= 2 {
            add(&mut w, Group::Move, STRONG);
        } else {
            add(&mut w, Group::Import, CONTEXT);
        }
    }
    // An export to another app or computer is a move.
    let to_os_elsewhere = r.oses.iter().any(|o| o.1 == Role::To);
    if has(Verb::Export) || has(Verb::Backup) {
        if (to_app && distinct_apps >= 2) || to_os_elsewhere {
            add(&mut w, Group::Move, STRONG);
        } else {
            add(&mut w, Group::Save, VERB);
        }
    }
    // Installing a chain names what is installed; a new computer is then
    // only where ("install the root on my new laptop").
    if r.chain_words && !has(Verb::Export) && !has(Verb::Backup) {
        let installs = has(Verb::Import) && !has(Verb::Move) && !has(Verb::Copy);
        add(&mut w, Group::Chain, if installs { STRONG + 1.0 } else { VERB + 1.0 });
    }
    // File words: made is an export, at hand an import (a file word with
    // no verb beside one app is a file at hand too).
    let file_at_hand = (s.file_in && !has(Verb::Export) && !has(Verb::Backup))
        || (r.verbs.is_empty() && r.file_words && distinct_apps == 1 && !from_app);
    if s.file_out {
        add(&mut w, Group::Save, VERB);
    } else if file_at_hand {
        add(&mut w, Group::Import, CONTEXT);
    }
    if s.lost {
        add(&mut w, Group::Import, HINT);
    }
    if s.purpose {
        add(&mut w, Group::Save, CONTEXT);
    }
    // A storage place with an import verb is where the file comes from.
    if s.storage && !has(Verb::Put) && !has(Verb::Import) {
        add(&mut w, Group::Save, HINT);
    }
    // Two ends named: from one place to another, whatever the verb.
    let no_moving_verb = !moving_verbs.iter().any(|v| has(*v));
    let two_apps = distinct_apps >= 2 && (from_app || to_app || !r.apps.iter().all(|a| a.0.is_mail_client()));
    if no_moving_verb && (two_apps || (from_end && to_end)) {
        add(&mut w, Group::Move, CONTEXT);
    }
    // A mail client named with no other evidence: set the client up.
    let mail_client = r.apps.iter().any(|a| a.0.is_mail_client());
    if has(Verb::Associate) && (r.mail_words || !r.apps.is_empty()) {
        add(&mut w, Group::Associate, VERB);
    } else if mail_client && w.iter().all(|x| *x == 0.0) {
        add(&mut w, Group::Associate, HINT);
    }
    let mut ranked: Vec<(Group, f32)> = ORDER.iter().copied().zip(w).filter(|(_, x)| *x > 0.0).collect();
    // Stable: equal weights keep ORDER.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let name = |g: Group| match g {
        Group::Token => Activity::Token,
        Group::Move => Activity::Move,
        Group::Chain => Activity::Chain,
        Group::Import => Activity::Import,
        Group::Save if has(Verb::Export) => Activity::Export,
        Group::Save => Activity::Backup,
        Group::Associate => Activity::Associate,
    };
    let Some(&(best, b)) = ranked.first() else {
        return Scores { best: None, runner_up: None, confidence: 0.0 };
    };
    // Evidence for a part of the best reading does not compete with it: a
    // move includes an export and an import (and, into a mail client, the
    // client's setup); installing a chain is an import; setting up a mail
    // client may move the certificate there first (`mail`).
    let part_of = |g: Group| match best {
        Group::Token => true,
        Group::Move => matches!(g, Group::Import | Group::Save | Group::Associate),
        Group::Chain => g == Group::Import,
        // Setting a client up with a certificate from elsewhere is `mail`,
        // which includes the move there.
        Group::Associate => matches!(g, Group::Import | Group::Move),
        Group::Import => g == Group::Associate,
        Group::Save => false,
    };
    let rival = ranked[1..].iter().find(|(g, _)| !part_of(*g));
    let r2 = rival.map(|x| x.1).unwrap_or(0.0);
    let confidence = ((b - r2) / b) * (b / VERB).min(1.0);
    Scores { best: Some(name(best)), runner_up: rival.map(|x| name(x.0)), confidence }
}
