//! A question -> the plan that answers it: the activity plan, or a
//! troubleshooting article when the question is a symptom or a pasted error,
//! or the closest articles when no activity can be told.
//!
//! This module decides between the planner and search, and finishes the
//! plan the way every caller (the CLI, `run`, a library user) sees it: the
//! notes about choices left open and about the machine, `tailored_to`, the
//! exit status, and what to probe for a question; and, for a terminal, what
//! to ask when the activity cannot be told with confidence (SPEC §4
//! "Asking"), through a function the caller passes. It does not print, read
//! the terminal itself, probe or run the doctor (the caller passes the machine and the
//! doctor's checks in `Context`).

use std::path::Path;

use crate::env::Env;
use crate::error::Result;
use crate::intent::{self, Activity, Product};
use crate::kb::{ArticleKind, Kb};
use crate::plan::{self, Context, Overrides, Plan};
use crate::probe::ProbeOptions;
use crate::search::{self, SearchIndex};

/// The answer to a question.
pub fn answer(query: &str, overrides: &Overrides, ctx: Context, kb: &Kb) -> Result<Plan> {
    let parsed = intent::parse_as(query, overrides.activity);
    let forced = overrides.activity.is_some();
    // An app that does not see another app's certificate needs the copy,
    // not a fix (`separate_stores`); a forced activity is not second-guessed.
    let gap = if forced { None } else { separate_stores(&parsed, ctx.default_os) };
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
        // A certificate or issuer that is not trusted here is a missing
        // chain: the chain plan answers (below), not search.
        let chain_missing = parsed.distrust && !parsed.token;
        // The other side not trusting the person's certificate is that
        // side's article (a server: TS2020; recipients: TS2028).
        if let Some(side) = parsed.distrusted_by {
            let mut p = troubleshoot(query, kb, plan::other_side_article(side), Vec::new());
            add_activity_alternative(&mut p, query, &parsed, overrides, ctx, kb);
            return Ok(p);
        }
        // A problem with a store that has an article of its own (a Java
        // keystore) is that article's, with search's answer beside it; a
        // token in the question keeps SPEC §2's token rule.
        if let Some(id) = plan::own_store_article(&parsed).filter(|_| parsed.symptom && !chain_missing && !parsed.token)
        {
            let mut p = troubleshoot(query, kb, id, Vec::new());
            offer_troubleshooting(&mut p, query, kb)?;
            return Ok(p);
        }
        // A question about a token or smart card is always the token
        // activity (SPEC §2), even when something is wrong; a token
        // program's pasted output is a symptom (`pasted_token_fault`).
        if parsed.symptom && !chain_missing && (!parsed.token || pasted_token_fault(query, &parsed)) && gap.is_none() {
            let index = SearchIndex::open(kb)?;
            // An article for another OS than the one the question names
            // cannot be its answer ("on ubuntu": not a Windows article).
            let mut hits = index.search(kb, query, 5);
            let named: Vec<&str> = parsed.named_oses().map(|o| o.id()).collect();
            if !named.is_empty() {
                hits.retain(|h| {
                    kb.get(&h.id).is_none_or(|a| a.os.is_empty() || a.os.iter().any(|o| named.contains(&o.as_str())))
                });
            }
            // A question about PDF signatures is answered by an article
            // about them, when search found one (not a mail article that
            // shares the words "signature" and "recipient").
            if parsed.pdf_signatures && hits.iter().any(|h| about_pdf(kb, &h.id)) {
                hits.retain(|h| about_pdf(kb, &h.id));
            }
            if let Some((rank, top)) =
                hits.iter().enumerate().find(|(_, h)| ArticleKind::parse(&h.kind) == Some(ArticleKind::Troubleshoot))
            {
                // A symptom beats the activity reading when search is
                // confident, when the words name no activity verb, or when
                // they say something failed.
                let confident = rank == 0;
                let weak_activity = parsed.activity.is_none() || !parsed.explicit_verb || parsed.unsure();
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
    let mut p = plan::plan(query, &parsed, overrides, ctx, kb);
    if p.intent.activity.is_some() {
        if !forced && parsed.unsure() {
            offer_other_reading(&mut p, query, &parsed, overrides, ctx, kb);
        }
        if ends_unsure(&parsed, overrides, &p) {
            offer_other_direction(&mut p, query, &parsed, overrides, ctx, kb);
        }
        if p.intent.activity == Some(Activity::Token) {
            if let Some(a) = plan::token_alternative(&parsed).and_then(|id| kb.get(id)) {
                p.alternatives.push(format!("{} {}", a.id, a.title));
            }
        }
        if !forced && parsed.symptom && parsed.token {
            offer_troubleshooting(&mut p, query, kb)?;
        }
        if let Some(why) = gap {
            p.notes.insert(0, why);
            offer_troubleshooting(&mut p, query, kb)?;
        }
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

/// Whether an article is about PDF signatures (its `apps` say so).
fn about_pdf(kb: &Kb, id: &str) -> bool {
    kb.get(id).is_some_and(|a| a.apps.iter().any(|x| x == "pdf" || x == "acrobat"))
}

/// A token program's output pasted as it is ("The smart card is blocked.
/// Please contact your administrator...", "ykman piv keys import ... ->
/// Error: No YubiKey detected!"): not a question about using a token
/// (SPEC §2's token activity, which a person's own words about a token
/// always are) but an error, which its troubleshooting article answers.
fn pasted_token_fault(query: &str, parsed: &intent::Parsed) -> bool {
    parsed.token
        && parsed.symptom
        && !parsed.new_computer
        && (!parsed.typed_verb || parsed.failure)
        && looks_pasted(query)
}

/// Whether a text reads as a program's output rather than a person's
/// question: no first-person words and no question mark, and the shape of
/// output (a "program:" prefix, "->", "ERROR", or whole sentences).
fn looks_pasted(query: &str) -> bool {
    const PERSON: &[&str] = &["i", "im", "i'm", "my", "me", "we", "our", "us"];
    let lower = query.to_lowercase();
    let personal = lower.split(|c: char| !c.is_alphanumeric() && c != '\'').any(|w| PERSON.contains(&w));
    let shaped = query.contains("->")
        || query.contains("ERROR")
        || query.contains("Error:")
        || query.trim_end().ends_with(['.', '!'])
        || query.split_whitespace().next().is_some_and(|w| w.ends_with(':'));
    !personal && !query.contains('?') && shaped
}

/// "Thunderbird can't use the certificate that's in Firefox": the two apps
/// keep separate certificate stores, so what is wrong is the missing copy,
/// and the plan that makes it (move, mail) answers; the note says why.
/// Not when both share one store (a real fault), and not for Firefox or
/// Thunderbird missing a certificate of the Windows store or the keychain:
/// they can be told to read it (TS2009), which search finds.
fn separate_stores(parsed: &intent::Parsed, default_os: crate::env::Os) -> Option<String> {
    use crate::apps::StoreKind;
    // "Import from Firefox into Thunderbird fails" is a failing operation,
    // not a missing copy.
    if !parsed.symptom || (parsed.failure && parsed.explicit_verb) || parsed.token || parsed.ends_guessed {
        return None;
    }
    if !matches!(parsed.activity, Some(Activity::Move | Activity::Mail)) {
        return None;
    }
    let (from, to) = (parsed.from.app?, parsed.to.app?);
    // Apple Mail is on a Mac whatever the default OS (SPEC §2 "OS").
    let implied = |app: crate::apps::App| app.implied_os(crate::apps::Implies::Always);
    let os = parsed
        .from
        .os
        .or(parsed.to.os)
        .or(parsed.os_anywhere)
        .or_else(|| implied(to))
        .or_else(|| implied(from))
        .unwrap_or(default_os);
    if parsed.to.os.is_some_and(|o| o != os) {
        return None;
    }
    let (from_store, to_store) = (from.store(os)?, to.store(os)?);
    let os_store = matches!(from_store, StoreKind::Windows | StoreKind::Keychain);
    if from == to
        || (from_store == to_store && from_store != StoreKind::Nss)
        || (os_store && to_store == StoreKind::Nss)
    {
        return None;
    }
    Some(format!(
        "{} and {} keep separate certificate stores: a certificate in {} is not seen by {} until it is copied there. These steps copy it.",
        from.name(),
        to.name(),
        from.name(),
        to.name()
    ))
}

/// A question that says something is wrong but is answered by an activity
/// (a token that is "not seen", a certificate another app does not see)
/// gets the closest troubleshooting article as an alternative.
fn offer_troubleshooting(p: &mut Plan, query: &str, kb: &Kb) -> Result<()> {
    let index = SearchIndex::open(kb)?;
    let hits = index.search(kb, query, 3);
    if let Some(h) = hits.iter().find(|h| {
        ArticleKind::parse(&h.kind) == Some(ArticleKind::Troubleshoot) && !p.articles.iter().any(|a| a == &h.id)
    }) {
        p.alternatives.push(format!("{} {}", h.id, h.title));
    }
    Ok(())
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

/// A reading that is not confident (SPEC §4: the activity "cannot be
/// told") is answered with the best plan, a note that says so, and the
/// runner-up reading as an alternative: never a silent guess.
fn offer_other_reading(
    p: &mut Plan,
    query: &str,
    parsed: &intent::Parsed,
    overrides: &Overrides,
    ctx: Context,
    kb: &Kb,
) {
    let best = p.intent.activity.map(|a| a.id()).unwrap_or("");
    let Some(other) = parsed.runner_up.filter(|r| Some(*r) != p.intent.activity) else {
        p.notes.push(format!(
            "certhelp read \"{best}\" from little evidence in the question; if that is not what you want, add --activity to say what you want to do."
        ));
        return;
    };
    let o = Overrides { activity: Some(other), ..overrides.clone() };
    let alt = plan::plan(query, &intent::parse_as(query, Some(other)), &o, ctx, kb);
    p.notes.push(format!(
        "certhelp is not sure what you want to do: this plan reads \"{best}\", but \"{}\" is almost as likely (see the other reading). Add --activity {best} or --activity {} to choose.",
        other.id(),
        other.id()
    ));
    p.alternatives.push(format!(
        "{}: certhelp plan --activity {} ... ({})",
        alt.understood,
        other.id(),
        if alt.articles.is_empty() { "no steps".to_string() } else { alt.articles.join(" -> ") }
    ));
}

/// Which end of a move is the source was only guessed from word order, and
/// no flag says it.
fn ends_unsure(parsed: &intent::Parsed, overrides: &Overrides, p: &Plan) -> bool {
    let moving = matches!(p.intent.activity, Some(Activity::Move));
    moving && parsed.ends_guessed && overrides.from_app.is_none() && overrides.to_app.is_none()
}

/// The move the other way round, as an alternative with a note.
fn offer_other_direction(
    p: &mut Plan,
    query: &str,
    parsed: &intent::Parsed,
    overrides: &Overrides,
    ctx: Context,
    kb: &Kb,
) {
    let (Some(from), Some(to)) = (parsed.from.app, parsed.to.app) else {
        return;
    };
    let o = Overrides { from_app: Some(to), to_app: Some(from), ..overrides.clone() };
    let alt = plan::plan(query, parsed, &o, ctx, kb);
    p.notes.push(format!(
        "The question does not say which app holds the certificate now: this plan moves it from {} to {}. Add --from {} --to {} for the other way round.",
        from.name(),
        to.name(),
        to.id(),
        from.id()
    ));
    p.alternatives.push(format!(
        "{}: certhelp plan --from {} --to {} ... ({})",
        alt.understood,
        to.id(),
        from.id(),
        if alt.articles.is_empty() { "no steps".to_string() } else { alt.articles.join(" -> ") }
    ));
}

fn troubleshoot(query: &str, kb: &Kb, id: &str, notes: Vec<String>) -> Plan {
    plan::single_article(query, kb, id, Some(Activity::Troubleshoot), notes)
}

/// Answers a question on an interactive terminal (SPEC §4 "Asking"): asks
/// what to do when the activity cannot be told with confidence (or none
/// could be found), then which certificate when the chain step is a choice.
/// When only word order said which app holds the certificate, it asks
/// that too. `ask` shows a question with numbered options and returns the index
/// chosen (`None`: no answer); the caller decides whether asking is
/// allowed at all (a terminal, no `--no-input`, no `--format json`).
pub fn answer_asking(
    query: &str,
    overrides: &Overrides,
    ctx: Context,
    kb: &Kb,
    ask: &mut dyn FnMut(&str, &[&str]) -> Option<usize>,
) -> Result<Plan> {
    let mut overrides = overrides.clone();
    let mut p = answer(query, &overrides, ctx, kb)?;
    if needs_activity(&p) {
        let choices = activity_choices(&p);
        let labels: Vec<&str> = choices.iter().map(|c| c.0).collect();
        if let Some(a) = ask("What do you want to do?", &labels).and_then(|i| choices.get(i)?.1) {
            overrides.activity = Some(a);
            p = answer(query, &overrides, ctx, kb)?;
        }
    }
    // Which way a move goes, when only word order said it.
    let parsed = intent::parse_as(query, overrides.activity);
    if ends_unsure(&parsed, &overrides, &p) {
        if let (Some(from), Some(to)) = (parsed.from.app, parsed.to.app) {
            let labels = [format!("In {}", from.name()), format!("In {}", to.name())];
            let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
            let ends = match ask("Where is the certificate now?", &labels) {
                Some(0) => Some((from, to)),
                Some(1) => Some((to, from)),
                _ => None,
            };
            if let Some((f, t)) = ends {
                overrides.from_app = Some(f);
                overrides.to_app = Some(t);
                p = answer(query, &overrides, ctx, kb)?;
            }
        }
    }
    if let Some(step) = p.steps.iter().find(|s| s.choices.is_some() && s.action != plan::Action::Chain) {
        // A troubleshooting choice (which operation): the article chosen.
        let choices = step.choices.clone().unwrap_or_default();
        let mut labels: Vec<&str> = choices.iter().map(|c| c.when.as_str()).collect();
        labels.push("Not sure: show both");
        if let Some(c) = ask(&step.title, &labels).and_then(|i| choices.get(i)) {
            let mut chosen = troubleshoot(query, kb, &c.article, p.notes.clone());
            // The article not chosen and the other codes' articles stay
            // one step away.
            chosen.alternatives = choices
                .iter()
                .filter(|o| o.article != c.article)
                .map(|o| format!("{} {}", o.article, o.title))
                .chain(p.alternatives.iter().cloned())
                .collect();
            p = chosen;
        }
        return Ok(p);
    }
    if p.has_choice() {
        let labels = [
            "An ECA certificate (identity and encryption pair, issuer name contains \"ECA\")",
            "A Digital ID for Secure Email (issued to \"Persona Not Validated\")",
            "Not sure: show both",
        ];
        let product = match ask("Which certificate do you have?", &labels) {
            Some(0) => Some(Product::Eca),
            Some(1) => Some(Product::DigitalId),
            _ => None,
        };
        if let Some(prod) = product {
            overrides.product = Some(prod);
            p = answer(query, &overrides, ctx, kb)?;
        }
    }
    Ok(p)
}

/// The activity is worth asking about: none was found, the plan is empty
/// without a note to explain why, or the reading is not confident.
pub fn needs_activity(p: &Plan) -> bool {
    p.intent.activity.is_none() || (p.steps.is_empty() && p.notes.is_empty()) || unsure(p)
}

/// The plan's activity was read with low confidence (SPEC §4: it "cannot
/// be told"): show or ask, never act on it.
pub fn unsure(p: &Plan) -> bool {
    p.intent.confidence.is_some_and(|c| c < f64::from(intent::LOW_CONFIDENCE))
}

/// What a person can choose to do, the plan's own reading and its
/// runner-up first; `None` shows the closest article instead.
pub fn activity_choices(p: &Plan) -> Vec<(&'static str, Option<Activity>)> {
    const CHOICES: [(&str, Activity); 7] = [
        ("Back up or export a certificate to a file", Activity::Export),
        ("Import a certificate file into an app", Activity::Import),
        ("Move a certificate to another app or computer", Activity::Move),
        ("Use a certificate in a mail client, moving it there if needed", Activity::Mail),
        ("Install the intermediate and root certificates", Activity::Chain),
        ("Sign and encrypt mail with a certificate already in the mail client", Activity::Associate),
        ("Use a USB token or smart card on another computer", Activity::Token),
    ];
    // Backup and export are one choice.
    let same = |a: Activity| if a == Activity::Backup { Activity::Export } else { a };
    let first: Vec<Activity> = [p.intent.activity, p.intent.runner_up].into_iter().flatten().map(same).collect();
    let mut out: Vec<(&'static str, Option<Activity>)> = Vec::new();
    for a in &first {
        if let Some(c) = CHOICES.iter().find(|c| c.1 == *a) {
            out.push((c.0, Some(c.1)));
        }
    }
    for c in CHOICES {
        if !first.contains(&c.1) {
            out.push((c.0, Some(c.1)));
        }
    }
    out.push(("None of these: show the closest article", None));
    out
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
    let other_choice = p.steps.iter().find(|s| s.choices.is_some() && s.action != plan::Action::Chain);
    if let (false, Some(step)) = (asked, other_choice) {
        let options: Vec<String> =
            step.choices.iter().flatten().map(|c| format!("{}: {}", c.when.to_lowercase(), c.article)).collect();
        p.notes.push(format!(
            "Which article fits depends on what you were doing ({}). Say it in the question (\"... when exporting\") to get one.",
            options.join("; ")
        ));
    } else if !asked && p.has_choice() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::App;
    use crate::env::Os;

    fn ctx() -> Context<'static> {
        Context { default_os: Os::Linux, env: None, os_flag: None, checks: &[] }
    }

    #[test]
    fn an_unsure_reading_shows_the_other_one() {
        let kb = Kb::default();
        let p = answer("firefox certificate backup restore", &Overrides::default(), ctx(), &kb).unwrap();
        assert!(p.intent.confidence.is_some_and(|c| c < 0.5), "{:?}", p.intent);
        assert!(p.intent.runner_up.is_some());
        assert!(p.notes.iter().any(|n| n.contains("not sure")), "{:?}", p.notes);
        assert!(p.alternatives.iter().any(|a| a.contains("--activity")), "{:?}", p.alternatives);
    }

    #[test]
    fn a_clear_reading_asks_nothing() {
        let kb = Kb::default();
        let mut asked = 0;
        let p = answer_asking("export my eca cert from firefox", &Overrides::default(), ctx(), &kb, &mut |_, _| {
            asked += 1;
            None
        })
        .unwrap();
        assert_eq!(asked, 0);
        assert_eq!(p.intent.confidence, Some(1.0));
        assert!(p.notes.iter().all(|n| !n.contains("not sure")));
    }

    #[test]
    fn an_unsure_reading_is_asked_with_both_readings_first() {
        let kb = Kb::default();
        let mut offered: Vec<String> = Vec::new();
        let p = answer_asking("firefox certificate backup restore", &Overrides::default(), ctx(), &kb, &mut |q, o| {
            offered.push(format!("{q} {}", o.join(" / ")));
            // The second option: the runner-up reading.
            (q == "What do you want to do?").then_some(1)
        })
        .unwrap();
        assert!(offered[0].starts_with("What do you want to do?"), "{offered:?}");
        assert_eq!(p.intent.confidence, Some(1.0), "a chosen activity is sure");
        assert!(p.notes.iter().all(|n| !n.contains("not sure")));
    }

    #[test]
    fn an_error_that_depends_on_the_operation_asks_when_it_came() {
        let kb = Kb::builtin();
        let text = "Passphrase is required for import/export.";
        let p = answer(text, &Overrides::default(), ctx(), &kb).unwrap();
        assert_eq!(p.articles, vec!["SO5181|SO28421".to_string()]);
        let mut asked = Vec::new();
        let p = answer_asking(text, &Overrides::default(), ctx(), &kb, &mut |q, o| {
            asked.push(format!("{q} {}", o.join(" / ")));
            Some(1)
        })
        .unwrap();
        assert_eq!(asked.len(), 1, "{asked:?}");
        assert!(asked[0].starts_with("When did you see this error?"), "{asked:?}");
        assert_eq!(p.articles, vec!["SO28421".to_string()]);
        // The paste says it: nothing to ask.
        let p = answer(
            "security: SecKeychainItemExport: Passphrase is required for import/export.",
            &Overrides::default(),
            ctx(),
            &kb,
        )
        .unwrap();
        assert_eq!(p.articles, vec!["SO28421".to_string()]);
    }

    #[test]
    fn a_certificate_not_trusted_here_is_a_missing_chain() {
        let kb = Kb::builtin();
        let chain = vec!["SO10186|SO6395".to_string()];
        for q in [
            "Keychain Access: \"This certificate was signed by an untrusted issuer\"",
            "outlook: the certificate is not trusted",
            "thunderbird says the signature is from an unknown issuer",
        ] {
            let p = answer(q, &Overrides::default(), ctx(), &kb).unwrap();
            assert_eq!((p.intent.activity, &p.articles), (Some(Activity::Chain), &chain), "{q}");
        }
        let p = answer("my eca cert is not trusted in chrome", &Overrides::default(), ctx(), &kb).unwrap();
        assert_eq!(p.articles, vec!["SO10186".to_string()]);
        // A server judging the person's certificate is not a chain missing
        // here: its troubleshooting article answers.
        for q in ["the server does not trust my client certificate", "website says my certificate is not trusted"] {
            let p = answer(q, &Overrides::default(), ctx(), &kb).unwrap();
            assert_eq!(p.intent.activity, Some(Activity::Troubleshoot), "{q}");
        }
        // Acrobat trusts roots from its own list.
        let p = answer("Acrobat: signer's certificate is not trusted", &Overrides::default(), ctx(), &kb).unwrap();
        assert_eq!(p.articles, vec!["CH1016".to_string()]);
        assert!(p.understood.contains("Acrobat"), "{}", p.understood);
        let articles = |q: &str| answer(q, &Overrides::default(), ctx(), &kb).unwrap().articles;
        assert_eq!(articles("install the eca root certificates so I can open pdf files"), vec!["SO10186", "CH1016"]);
        // A PDF beside a named app is context.
        assert_eq!(
            articles("Outlook says the signature on the email is not trusted; the attached PDF opens fine in Adobe"),
            vec!["SO10186|SO6395"]
        );
        // The other side's distrust, a stated cause, the person's own words.
        assert_eq!(articles("the VPN says my certificate is not trusted"), vec!["TS2020"]);
        assert_eq!(articles("the recipient says my signature is not trusted"), vec!["TS2028"]);
        assert_eq!(articles("Outlook: the certificate is not trusted because it has expired"), vec!["TS2023"]);
        assert_eq!(articles("Firefox says the website's certificate is not trusted"), vec!["SO10186|SO6395"]);
        let p = answer(
            "I don't trust the certificate store on this pc, back up my cert",
            &Overrides::default(),
            ctx(),
            &kb,
        )
        .unwrap();
        assert_eq!(p.intent.activity, Some(Activity::Backup));
    }

    #[test]
    fn a_java_keystore_is_an_end_with_its_own_article() {
        let kb = Kb::builtin();
        let articles = |q: &str| answer(q, &Overrides::default(), ctx(), &kb).unwrap().articles;
        assert_eq!(articles("how do I import my pfx into a java keystore"), vec!["CH1017"]);
        assert_eq!(articles("export my cert from the java keystore"), vec!["CH1017"]);
        assert_eq!(
            articles("move my cert from firefox to a java keystore"),
            vec!["SO4291", "SO10186|SO6395", "CH1017"]
        );
        assert_eq!(articles("add the eca root to the java truststore"), vec!["SO10186", "CH1017"]);
        assert_eq!(articles("copy my cert from the keystore to firefox"), vec!["CH1017", "SO10186|SO6395", "SO5437"]);
        let p = answer("copy my cert from the keystore to firefox", &Overrides::default(), ctx(), &kb).unwrap();
        assert!(p.intent.from.is_none(), "the keystore is no registry app: {:?}", p.intent.from);
        // Without a keystore nothing changes; a mention in passing is context.
        assert_eq!(articles("back up my firefox cert"), vec!["SO4291"]);
        assert_eq!(articles("after installing Java, Firefox doesn't see my certificate anymore"), vec!["TS2009"]);
        let empty: Vec<String> = Vec::new();
        assert_eq!(articles("move my certificate from internet explorer to chrome, java is installed too"), empty);
        // A token keeps SPEC §2's token rule.
        assert_eq!(articles("keytool can't see my smart card"), vec!["SO28695"]);
    }

    #[test]
    fn a_troubleshooting_article_for_another_os_is_not_the_answer() {
        let kb = Kb::builtin();
        let p = answer(
            "imported my p12 in chromium on ubuntu but certutil lists nothing",
            &Overrides::default(),
            ctx(),
            &kb,
        )
        .unwrap();
        assert_eq!(p.articles, vec!["TS2010".to_string()]);
        // Any OS the question names keeps its articles.
        let p = answer(
            "exported from firefox on my linux box, now Windows keeps asking for the password of the p12",
            &Overrides::default(),
            ctx(),
            &kb,
        )
        .unwrap();
        assert_eq!(p.articles, vec!["TS2005".to_string()]);
    }

    #[test]
    fn an_app_that_does_not_see_another_apps_certificate_gets_the_copy() {
        let kb = Kb::builtin();
        let win = Context { default_os: Os::Windows, env: None, os_flag: None, checks: &[] };
        let p = answer("thunderbird doesn't see my firefox certificate", &Overrides::default(), win, &kb).unwrap();
        assert_eq!(p.intent.activity, Some(Activity::Mail), "{:?}", p.articles);
        assert!(p.notes[0].contains("separate certificate stores"), "{:?}", p.notes);
        assert!(p.alternatives.iter().any(|a| a.starts_with("TS")), "{:?}", p.alternatives);
        // Firefox can be told to read the Windows store: a symptom.
        let p =
            answer("Firefox can't see the certificate I installed in Chrome", &Overrides::default(), win, &kb).unwrap();
        assert_eq!(p.intent.activity, Some(Activity::Troubleshoot), "{:?}", p.articles);
        // Chrome and Edge share the Windows store: a real fault.
        let p =
            answer("edge doesn't see the certificate I installed in chrome", &Overrides::default(), win, &kb).unwrap();
        assert_eq!(p.intent.activity, Some(Activity::Troubleshoot), "{:?}", p.articles);
        // An operation that fails is not a missing copy.
        let p = answer("import from firefox into thunderbird fails", &Overrides::default(), win, &kb).unwrap();
        assert_eq!(p.intent.activity, Some(Activity::Troubleshoot), "{:?}", p.articles);
    }

    #[test]
    fn a_tokens_pasted_error_is_troubleshooting_but_a_question_is_the_token_plan() {
        let kb = Kb::builtin();
        let pasted = "The smart card is blocked. Please contact your administrator for instructions on how to unblock your smart card.";
        let p = answer(pasted, &Overrides::default(), ctx(), &kb).unwrap();
        assert_eq!(p.intent.activity, Some(Activity::Troubleshoot), "{:?}", p.articles);
        assert!(p.alternatives.iter().any(|a| a.contains("SO28695")), "{:?}", p.alternatives);
        // SPEC §2: a person's question about a token is the token activity,
        // with the troubleshooting article beside it.
        let p = answer("my token PIN is locked", &Overrides::default(), ctx(), &kb).unwrap();
        assert_eq!(p.articles, vec!["SO28695".to_string()]);
        assert!(p.alternatives.iter().any(|a| a.starts_with("TS2022")), "{:?}", p.alternatives);
        for q in ["my smart card isn't recognized on my new mac", "backup my smart card certificate"] {
            let p = answer(q, &Overrides::default(), ctx(), &kb).unwrap();
            assert_eq!(p.articles, vec!["SO28695".to_string()], "{q}");
        }
    }

    #[test]
    fn the_browser_is_the_main_store_app() {
        let kb = Kb::default();
        let p = answer("use my browser certificate in thunderbird", &Overrides::default(), ctx(), &kb).unwrap();
        assert_eq!(p.intent.activity, Some(Activity::Mail));
        assert_eq!(p.intent.from.as_ref().and_then(|e| e.app), Some(App::Firefox), "Linux's main store app");
        // A named browser wins.
        let p =
            answer("use my chromium browser certificate in thunderbird", &Overrides::default(), ctx(), &kb).unwrap();
        assert_eq!(p.intent.from.as_ref().and_then(|e| e.app), Some(App::Chromium));
    }

    #[test]
    fn a_move_by_word_order_alone_offers_and_asks_the_other_way() {
        let kb = Kb::default();
        let p = answer("certificate chrome firefox", &Overrides::default(), ctx(), &kb).unwrap();
        assert!(p.notes.iter().any(|n| n.contains("--from firefox --to chrome")), "{:?}", p.notes);
        let mut questions = Vec::new();
        let p = answer_asking("certificate chrome firefox", &Overrides::default(), ctx(), &kb, &mut |q, _| {
            questions.push(q.to_string());
            (q == "Where is the certificate now?").then_some(1)
        })
        .unwrap();
        assert!(questions.iter().any(|q| q == "Where is the certificate now?"), "{questions:?}");
        assert_eq!(p.intent.from.as_ref().and_then(|e| e.app), Some(App::Firefox));
        assert!(p.notes.iter().all(|n| !n.contains("does not say which app")));
        // Prepositions say it: nothing to offer.
        let p = answer("move my certificate from chrome to firefox", &Overrides::default(), ctx(), &kb).unwrap();
        assert!(p.notes.iter().all(|n| !n.contains("does not say which app")));
    }
}
