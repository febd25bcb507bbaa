//! A question -> the plan that answers it: the activity plan, or a
//! troubleshooting article when the question is a symptom or a pasted error,
//! or the closest articles when no activity can be told.
//!
//! This module decides between the planner and search, and finishes the
//! plan the way every caller (the CLI, `run`, a library user) sees it: the
//! notes about choices left open and about the machine, `tailored_to`, the
//! exit status, and what to probe for a question. It does not print and does
//! not probe or run the doctor (the caller passes the machine and the
//! doctor's checks in `Context`).

use std::path::Path;

use crate::env::Env;
use crate::error::Result;
use crate::intent::{self, Activity};
use crate::kb::{ArticleKind, Kb};
use crate::plan::{self, Context, Overrides, Plan};
use crate::probe::ProbeOptions;
use crate::search::{self, SearchIndex};

/// The answer to a question.
pub fn answer(query: &str, overrides: &Overrides, ctx: Context, kb: &Kb) -> Result<Plan> {
    let parsed = intent::parse(query);
    let forced = overrides.activity.is_some();
    if !forced {
        // A pasted error text: the article that lists it, whatever verbs the
        // text contains ("... during PKCS12 import").
        // A large organisation knowledge base is matched through the index.
        let index = if kb.has_overlay() { Some(SearchIndex::open(kb)?) } else { None };
        if let Some(a) = search::error_matches(kb, query, index.as_ref()).first() {
            // An error quoted from a how-to article (not a troubleshooting
            // one) does not outweigh an activity the question names, unless
            // the question quotes it word for word.
            if a.article_kind() == Some(ArticleKind::Troubleshoot)
                || parsed.activity.is_none()
                || search::quotes_verbatim(a, query)
            {
                let mut p = troubleshoot(query, kb, &a.id, Vec::new());
                add_activity_alternative(&mut p, query, &parsed, overrides, ctx, kb);
                return Ok(p);
            }
        }
        // A known error code (SEC_ERROR_UNKNOWN_ISSUER, 0x80090016, ...):
        // its article, or the chain plan (src/errcodes).
        if let Some(mut p) = crate::errcodes::answer(query, &parsed, overrides, ctx, kb) {
            if p.intent.activity != parsed.activity {
                add_activity_alternative(&mut p, query, &parsed, overrides, ctx, kb);
            }
            return Ok(p);
        }
        // A token or smart card is always the token activity (SPEC §2),
        // even when the question says it does not work.
        if parsed.symptom && !parsed.token {
            let index = SearchIndex::open(kb)?;
            let hits = index.search(kb, query, 5);
            if let Some((rank, top)) =
                hits.iter().enumerate().find(|(_, h)| ArticleKind::parse(&h.kind) == Some(ArticleKind::Troubleshoot))
            {
                // A symptom beats the activity reading when search is
                // confident, when the words name no activity verb, or when
                // they say something failed.
                let confident = rank == 0;
                let weak_activity = parsed.activity.is_none() || !parsed.explicit_verb;
                if confident || (rank < 3 && (weak_activity || parsed.failure)) {
                    let mut p = troubleshoot(query, kb, &top.id, Vec::new());
                    add_activity_alternative(&mut p, query, &parsed, overrides, ctx, kb);
                    for h in hits.iter().filter(|h| h.id != top.id).take(2) {
                        p.alternatives.push(format!("{} {}", h.id, h.title));
                    }
                    return Ok(p);
                }
            }
        }
    }
    let p = plan::plan(query, &parsed, overrides, ctx, kb);
    if p.intent.activity.is_some() {
        return Ok(p);
    }
    // No activity: the closest article, and the next ones as alternatives.
    let index = SearchIndex::open(kb)?;
    let hits = index.search(kb, query, 4);
    let Some(top) = hits.first() else {
        return Ok(p);
    };
    let activity = match ArticleKind::parse(&top.kind) {
        Some(ArticleKind::Troubleshoot) => Some(Activity::Troubleshoot),
        _ => None,
    };
    let mut best = plan::single_article(
        query,
        kb,
        &top.id,
        activity,
        vec!["certhelp could not tell what you want to do; this is the closest article.".into()],
    );
    best.alternatives = hits.iter().skip(1).map(|h| format!("{} {}", h.id, h.title)).collect();
    Ok(best)
}

/// Offers the activity reading of the question beside a troubleshooting
/// answer ("... when importing into Firefox": the import steps).
fn add_activity_alternative(
    p: &mut Plan,
    query: &str,
    parsed: &intent::Parsed,
    overrides: &Overrides,
    ctx: Context,
    kb: &Kb,
) {
    if parsed.activity.is_none() {
        return;
    }
    let other = plan::plan(query, parsed, overrides, ctx, kb);
    if other.intent.activity.is_some() && !other.articles.is_empty() {
        p.alternatives.push(format!(
            "{}: certhelp plan --activity {} ... ({})",
            other.understood,
            other.intent.activity.map(|a| a.id()).unwrap_or(""),
            other.articles.join(" -> ")
        ));
    }
}

fn troubleshoot(query: &str, kb: &Kb, id: &str, notes: Vec<String>) -> Plan {
    plan::single_article(query, kb, id, Some(Activity::Troubleshoot), notes)
}

/// Where the machine a plan is tailored to was described.
#[derive(Debug, Clone, Copy)]
pub enum Machine<'a> {
    /// Not probed (`--no-probe`).
    None,
    /// This computer, probed now.
    Here(&'a Env),
    /// A probe file, usually from a customer's computer (`--env FILE`).
    File(&'a Env, &'a Path),
}

impl<'a> Machine<'a> {
    pub fn env(self) -> Option<&'a Env> {
        match self {
            Machine::None => None,
            Machine::Here(e) | Machine::File(e, _) => Some(e),
        }
    }
}

/// Adds what the plan says about itself once it is final: the choice left
/// open when nobody could be `asked`, which machine it was tailored to, and
/// that this computer holds no personal certificate.
pub fn finish(p: &mut Plan, machine: Machine, asked: bool) {
    if !asked && p.has_choice() {
        p.notes.push(
            "The chain step depends on your certificate's issuer: SO10186 for ECA certificates, SO6395 for Digital ID for Secure Email (issued to \"Persona Not Validated\"). Add --product eca or --product digital-id to choose.".into(),
        );
    }
    if !p.probed {
        return;
    }
    let found = machine.env().is_some_and(|e| e.personal_certificates().next().is_some());
    let (name, here) = match machine {
        Machine::File(_, f) => (format!("the computer described in {}", f.display()), false),
        _ => ("this computer".to_string(), true),
    };
    if !found && here && p.intent.from.is_some() {
        p.notes.push(
            "No personal certificate was found on this computer, so the plan starts from its main store. If the certificate is on another computer, name it (\"from my mac\") or plan with --no-probe.".into(),
        );
    }
    p.tailored_to = Some(if found { name } else { format!("{name} (no personal certificate found there)") });
}

/// Probe only what the plan needs: the certificates in the stores when the
/// plan starts from this machine's certificate (backup, export, move, mail,
/// or an unclear question), or when only the real certificate can tell the
/// product (a chain, import or associate question that names none); the
/// apps and profiles alone otherwise. Token modules are never loaded for a
/// plan.
pub fn probe_options(query: &str, overrides: &Overrides) -> ProbeOptions {
    let parsed = intent::parse(query);
    let activity = overrides.activity.or(parsed.activity);
    let product_known = overrides.product.or(parsed.product).is_some() || parsed.identity_words;
    let needs_certificates = match activity {
        None | Some(Activity::Backup | Activity::Export | Activity::Move | Activity::Mail) => true,
        // Associate needs them anyway: the certificate may be in another app.
        Some(Activity::Associate) => true,
        Some(Activity::Chain | Activity::Import) => !product_known,
        Some(Activity::Token | Activity::Troubleshoot) => false,
    };
    ProbeOptions { read_stores: needs_certificates, load_modules: false, ..Default::default() }
}

/// 1 when nothing was found to answer with (SPEC §5), else 0.
pub fn exit_status(p: &Plan) -> u8 {
    // An empty plan with a note (a shared store) is an answer; an empty
    // plan for a question whose activity could not be told is not.
    let answered = !p.steps.is_empty() || (p.intent.activity.is_some() && !p.notes.is_empty());
    if answered {
        0
    } else {
        1
    }
}
