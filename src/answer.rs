//! A question -> the plan that answers it: the activity plan, or a
//! troubleshooting article when the question is a symptom or a pasted error,
//! or the closest articles when no activity can be told.
//!
//! This module decides between the planner and search; it does not print
//! and does not probe (the caller passes the machine in `Context`).

use crate::error::Result;
use crate::intent::{self, Activity};
use crate::kb::Kb;
use crate::plan::{self, Context, Overrides, Plan};
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
            // one) does not outweigh an activity the question names.
            if a.kind == "troubleshoot" || parsed.activity.is_none() {
                let mut p = troubleshoot(query, kb, &a.id, Vec::new());
                add_activity_alternative(&mut p, query, &parsed, overrides, ctx, kb);
                return Ok(p);
            }
        }
        // A token or smart card is always the token activity (SPEC §2),
        // even when the question says it does not work.
        if parsed.symptom && !parsed.token {
            let index = SearchIndex::open(kb)?;
            let hits = index.search(kb, query, 5);
            if let Some((rank, top)) = hits.iter().enumerate().find(|(_, h)| h.kind == "troubleshoot") {
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
    let activity = match top.kind.as_str() {
        "troubleshoot" => Some(Activity::Troubleshoot),
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
