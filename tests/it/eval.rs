//! The public evaluation: questions as users type them, with the article
//! sequence SPEC §2-3 gives. tests/eval/questions.tsv was written from the
//! spec alone; tests/eval/holdout.tsv later, by someone who had seen
//! neither the planner nor the first set; tests/eval/tickets.tsv in the
//! style of support tickets; tests/eval/reworded.tsv, hard rewordings
//! (file types as output or input, purposes, destinations, ambiguous
//! words), written before the evidence-scoring intent; tests/eval/fresh.tsv,
//! a blind holdout kept out of tuning.
//!
//! Each set asserts its exact result: every row passes except the ones in
//! [`KNOWN_MISSES`], each with its reason. A new miss fails, and so does a
//! known miss that starts passing (remove it from the list), so the list
//! stays honest. The scores are printed.

use crate::util::{plan_json, repo, TempDir};

/// Rows known to miss: (file, question, why).
const KNOWN_MISSES: &[(&str, &str, &str)] = &[(
    "reworded.tsv",
    "my certificate expired in safari, where do I put the renewed one?",
    "\"expired\" makes it a symptom: TS2023 (renewing an expired certificate, with the import of the new one) answers; the row wants the import alone",
)];

struct Row {
    os: String,
    question: String,
    activity: String,
    articles: Vec<String>,
}

fn rows(file: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(repo().join("tests/eval").join(file)).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 4, "bad row: {l}");
            Row {
                os: f[0].to_string(),
                question: f[1].to_string(),
                activity: f[2].to_string(),
                articles: if f[3] == "-" { Vec::new() } else { f[3].split(',').map(str::to_string).collect() },
            }
        })
        .collect()
}

/// Backup and export are one activity under two names (SPEC §2).
fn same_activity(expected: &str, got: &str) -> bool {
    let norm = |a: &str| if a == "backup" { "export".to_string() } else { a.to_string() };
    norm(expected) == norm(got)
}

/// Runs one evaluation file, prints its score and every miss, and fails
/// unless the misses are exactly the file's known misses.
fn evaluate(file: &str) -> usize {
    let home = TempDir::new("eval");
    let rows = rows(file);
    let known: Vec<&str> = KNOWN_MISSES.iter().filter(|k| k.0 == file).map(|k| k.1).collect();
    for q in &known {
        assert!(rows.iter().any(|r| r.question == *q), "{file}: known miss {q:?} is not a row");
    }
    let mut missed = Vec::new();
    let mut report = Vec::new();
    for r in &rows {
        let v = plan_json(home.path(), &r.os, &r.question);
        let got: Vec<String> =
            v["articles"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
        let activity = v["intent"]["activity"].as_str().unwrap_or("null").to_string();
        if got != r.articles || !same_activity(&r.activity, &activity) {
            missed.push(r.question.clone());
            let tag = if known.contains(&r.question.as_str()) { "known" } else { "NEW" };
            report.push(format!(
                "  {tag} [{}] {:?}\n      expected {} {:?}\n      got      {} {:?}",
                r.os, r.question, r.activity, r.articles, activity, got
            ));
        }
    }
    let ok = rows.len() - missed.len();
    println!("{file}: {ok}/{} correct ({:.1}%)", rows.len(), 100.0 * ok as f64 / rows.len() as f64);
    for m in &report {
        println!("{m}");
    }
    let new: Vec<&String> = missed.iter().filter(|q| !known.contains(&q.as_str())).collect();
    let fixed: Vec<&&str> = known.iter().filter(|q| !missed.contains(&q.to_string())).collect();
    assert!(new.is_empty(), "{file}: new misses {new:?}");
    assert!(fixed.is_empty(), "{file}: known misses now pass, remove them from KNOWN_MISSES: {fixed:?}");
    rows.len()
}

#[test]
fn questions() {
    assert!(evaluate("questions.tsv") >= 150, "the evaluation needs at least 150 questions");
}

#[test]
fn holdout() {
    evaluate("holdout.tsv");
}

/// A third set in the style of support tickets and chat messages (greetings,
/// non-native English, version numbers, half-pasted dialogs).
#[test]
fn tickets() {
    evaluate("tickets.tsv");
}

/// Hard rewordings, written before the evidence-scoring intent.
#[test]
fn reworded() {
    evaluate("reworded.tsv");
}

/// A blind holdout of 60 natural questions (forum posts, tickets, chat),
/// written from SPEC by someone who saw neither the code nor the other
/// sets, after the evidence-scoring intent was built and before anyone
/// tuned to it. First contact: 55/60 on the planner before that intent,
/// 59/60 with it; its one miss ("IE8" not read as Internet Explorer) was
/// fixed by a rule (a version glued to an app or OS name is split off).
#[test]
fn fresh() {
    evaluate("fresh.tsv");
}

/// SPEC §4: an activity that cannot be told with confidence is answered
/// with the best plan, a note and the other reading, never a silent guess;
/// a clear one carries its confidence and no runner-up.
#[test]
fn an_unsure_reading_lists_the_other_one() {
    let home = TempDir::new("eval-unsure");
    let v = plan_json(home.path(), "linux", "firefox certificate backup restore");
    let confidence = v["intent"]["confidence"].as_f64().unwrap();
    assert!(confidence < 0.5, "{v}");
    let runner_up = v["intent"]["runner_up"].as_str().unwrap();
    assert_ne!(Some(runner_up), v["intent"]["activity"].as_str(), "{v}");
    let alternatives = v["alternatives"].as_array().unwrap();
    assert!(alternatives.iter().any(|a| a.as_str().unwrap().contains(&format!("--activity {runner_up}"))), "{v}");
    assert!(v["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("not sure")), "{v}");

    let v = plan_json(home.path(), "linux", "export my cert from firefox");
    assert_eq!(v["intent"]["confidence"].as_f64(), Some(1.0), "{v}");
    assert!(v["intent"]["runner_up"].is_null(), "{v}");
    assert!(v.get("alternatives").is_none(), "{v}");
}

/// SPEC §2: a token question stays the token activity even when something
/// is wrong; the token troubleshooting article comes as an alternative. A
/// token program's pasted error is answered by its troubleshooting article.
#[test]
fn a_token_problem_is_the_token_plan_with_its_troubleshooting_article() {
    let home = TempDir::new("eval-token");
    let v = plan_json(home.path(), "windows", "yubikey pin blocked");
    assert_eq!(v["intent"]["activity"], "token");
    assert_eq!(v["articles"], serde_json::json!(["SO28695"]));
    let alternatives = v["alternatives"].as_array().expect("alternatives");
    assert!(alternatives.iter().any(|a| a.as_str().unwrap().starts_with("TS2022")), "{alternatives:?}");
    let v =
        plan_json(home.path(), "windows", "pkcs11-tool --login --list-objects  ->  No slot with a token was found.");
    assert_eq!(v["articles"], serde_json::json!(["TS2016"]));
}
