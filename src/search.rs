//! Full-text search over the articles: a tantivy index, typo tolerant, with
//! a synonym layer.
//!
//! The index is built once per knowledge-base content and cached on disk
//! (`$XDG_CACHE_HOME/certhelp/index-<fingerprint>`), built in a temporary
//! directory and renamed into place, so a start-up only opens it (mmap). When
//! the cache cannot be written the index is built in memory. This module
//! never changes the knowledge base and never prints.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, Value, STORED, STRING, TEXT};
use tantivy::schema::{TextFieldIndexing, TextOptions};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::kb::{Article, Kb};

/// Words users type interchangeably; a query word pulls in its group.
const SYNONYMS: &[&[&str]] = &[
    &["pfx", "p12", "pkcs12", "pkcs"],
    &["ie", "internet", "explorer"],
    &["pc", "windows", "win"],
    &["mac", "macbook", "macos", "osx", "keychain"],
    &["token", "smartcard", "smart", "cac", "piv"],
    // A YubiKey is a token, but a CAC or a PIV card is not a YubiKey.
    &["yubikey", "token"],
    &["smime", "secure", "email", "mail"],
    &["backup", "export", "save"],
    &["move", "transfer", "migrate"],
    &["cert", "certificate", "certs", "certificates"],
    &["mozilla", "firefox"],
    &["chain", "intermediate", "root"],
    &["outlook", "office"],
    &["notes", "lotus", "hcl"],
    &["linux", "ubuntu", "nssdb"],
];

/// What goes into the index and how: a cached index built by another
/// layout is not reused (bump when `add_articles` changes).
const INDEX_LAYOUT: u32 = 2;

/// One search result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub score: f32,
    pub snippet: String,
    pub legacy: bool,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    summary: Field,
    body: Field,
    synonyms: Field,
    errors: Field,
    apps: Field,
    raw: Field,
}

/// An open index over one knowledge base.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

/// A name part no other process uses at the same time (pid and clock).
fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}-{nanos}", std::process::id())
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let stem = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", stem.clone()),
        summary: b.add_text_field("summary", stem.clone()),
        body: b.add_text_field("body", stem.clone()),
        synonyms: b.add_text_field("synonyms", stem.clone()),
        errors: b.add_text_field("errors", stem),
        apps: b.add_text_field("apps", TEXT),
        // Unstemmed words of everything, for typo-tolerant (fuzzy) matching.
        raw: b.add_text_field("raw", TEXT),
    };
    (b.build(), fields)
}

/// Where the index for this knowledge base is cached.
fn cache_dir(kb: &Kb) -> Option<PathBuf> {
    Some(crate::dirs::cache()?.join(format!(
        "index-{}-{INDEX_LAYOUT}-{:016x}",
        env!("CARGO_PKG_VERSION"),
        kb.fingerprint()
    )))
}

/// Most words of a query that count; a question is not an essay, and every
/// unknown word costs a fuzzy term.
const MAX_QUERY_WORDS: usize = 48;
/// Longer "words" are pasted noise (hashes, base64): never fuzzy-matched.
const MAX_FUZZY_WORD: usize = 40;

impl SearchIndex {
    /// Opens the cached index of `kb`, building it first when needed.
    pub fn open(kb: &Kb) -> Result<SearchIndex> {
        let (schema, fields) = schema();
        let open_reader = |index: Index| -> Result<SearchIndex> {
            let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(index_error)?;
            Ok(SearchIndex { index, reader, fields })
        };
        if let Some(dir) = cache_dir(kb) {
            let cached = Index::open_in_dir(&dir).map_err(index_error).and_then(open_reader);
            if let Ok(ix) = cached {
                crate::verbose!("search index: opened the cached {}", dir.display());
                return Ok(ix);
            }
            // Missing or damaged (a killed build, a pruned directory): set
            // the bad one aside and build it again; when that fails too, the
            // index is built in memory for this run.
            if dir.exists() {
                let aside = dir.with_extension(format!("broken-{}", unique_suffix()));
                let _ = std::fs::rename(&dir, &aside);
                let _ = std::fs::remove_dir_all(&aside);
            }
            let t0 = std::time::Instant::now();
            if let Ok(ix) = build_cached(kb, &dir, &schema, &fields).and_then(open_reader) {
                crate::verbose!(
                    "search index: built {} in {:.1} ms",
                    dir.display(),
                    t0.elapsed().as_secs_f64() * 1000.0
                );
                return Ok(ix);
            }
        }
        crate::verbose!("search index: built in memory (no cache directory)");
        open_reader(build_in_ram(kb, &schema, &fields)?)
    }

    /// The best `limit` articles for a question, best first.
    pub fn search(&self, kb: &Kb, query: &str, limit: usize) -> Vec<Hit> {
        // Typos of the words certhelp knows (apps, verbs) are corrected
        // first, so they rank by BM25 like any word; the rest go fuzzy.
        let mut words = query_words(&crate::intent::normalise(query).join(" "));
        words.truncate(MAX_QUERY_WORDS);
        if words.is_empty() || limit == 0 {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut expanded: Vec<String> = Vec::new();
        for w in &words {
            let known = searcher.doc_freq(&Term::from_field_text(self.fields.raw, w)).unwrap_or(0) > 0;
            if w.len() > MAX_FUZZY_WORD {
                continue;
            }
            if known || w.len() < 4 {
                expanded.push(w.clone());
                for group in SYNONYMS.iter().filter(|g| g.contains(&w.as_str())) {
                    expanded.extend(group.iter().filter(|s| **s != w).map(|s| s.to_string()));
                }
            } else {
                // Not a word of any article: probably a typo.
                let distance = if w.len() >= 8 { 2 } else { 1 };
                let fuzzy = FuzzyTermQuery::new(Term::from_field_text(self.fields.raw, w), distance, true);
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(fuzzy), 2.0))));
            }
        }
        if !expanded.is_empty() {
            let mut parser = QueryParser::for_index(
                &self.index,
                vec![
                    self.fields.title,
                    self.fields.summary,
                    self.fields.body,
                    self.fields.synonyms,
                    self.fields.errors,
                    self.fields.apps,
                ],
            );
            parser.set_field_boost(self.fields.title, 3.0);
            parser.set_field_boost(self.fields.synonyms, 2.0);
            parser.set_field_boost(self.fields.errors, 2.5);
            parser.set_field_boost(self.fields.summary, 1.5);
            parser.set_field_boost(self.fields.apps, 2.0);
            let (q, _errors) = parser.parse_query_lenient(&expanded.join(" "));
            clauses.push((Occur::Should, q));
        }
        // Each app id is a strong signal of its own.
        for w in &words {
            let t = Term::from_field_text(self.fields.apps, w);
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(TermQuery::new(t, IndexRecordOption::Basic)), 1.0)),
            ));
        }
        let combined = BooleanQuery::new(clauses);
        let top = searcher.search(&combined, &TopDocs::with_limit(limit.max(10)).order_by_score()).unwrap_or_default();
        let mut hits: Vec<Hit> = top
            .into_iter()
            .filter_map(|(score, addr)| {
                let d: TantivyDocument = searcher.doc(addr).ok()?;
                let id = d.get_first(self.fields.id)?.as_str()?.to_string();
                let a = kb.get(&id)?;
                Some(hit(a, score, &words))
            })
            .collect();
        // A known error code ranks its article (or the chain articles) above
        // word matches; a pasted error text, below, ranks above that.
        let codes = crate::errcodes::usable(kb, query);
        for (h, id) in codes.iter().rev().flat_map(|h| h.articles().into_iter().rev().map(move |id| (h, id))) {
            let Some(a) = kb.get(id) else { continue };
            let mut boosted = match hits.iter().position(|x| x.id == id) {
                Some(i) => hits.remove(i),
                None => hit(a, 0.0, &words),
            };
            boosted.score += 50.0;
            boosted.snippet = h.note();
            hits.insert(0, boosted);
        }
        // A pasted error text is the strongest match there is.
        for a in error_matches(kb, query, Some(self)).into_iter().rev() {
            match hits.iter().position(|h| h.id == a.id) {
                Some(i) => {
                    let mut h = hits.remove(i);
                    h.score += 100.0;
                    hits.insert(0, h);
                }
                None => hits.insert(0, hit(a, 100.0, &words)),
            }
        }
        hits.truncate(limit);
        hits
    }
}

impl SearchIndex {
    /// Articles whose error texts share words with the query (at most 50).
    fn error_candidates<'a>(&self, kb: &'a Kb, words: &[String]) -> Vec<&'a Article> {
        let parser = QueryParser::for_index(&self.index, vec![self.fields.errors]);
        let text: Vec<&str> = words.iter().map(String::as_str).collect();
        let (query, _) = parser.parse_query_lenient(&text.join(" "));
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(50).order_by_score()).unwrap_or_default();
        top.into_iter()
            .filter_map(|(_, addr)| {
                let d: TantivyDocument = searcher.doc(addr).ok()?;
                kb.get(d.get_first(self.fields.id)?.as_str()?)
            })
            .collect()
    }
}

fn hit(a: &Article, score: f32, words: &[String]) -> Hit {
    Hit {
        id: a.id.clone(),
        title: a.title.clone(),
        kind: a.kind.clone(),
        score,
        snippet: snippet(a, words),
        legacy: a.legacy,
    }
}

fn index_error(e: tantivy::TantivyError) -> Error {
    Error::new(format!("search index: {e}"), "remove certhelp's cache directory (~/.cache/certhelp) and try again")
}

fn add_articles(kb: &Kb, index: &Index, f: &Fields) -> Result<()> {
    let mut writer = index.writer_with_num_threads(1, 50_000_000).map_err(index_error)?;
    for a in kb.articles() {
        let raw = format!("{} {} {} {} {}", a.title, a.summary, a.synonyms.join(" "), a.errors.join(" "), a.body);
        writer
            .add_document(doc!(
                f.id => a.id.clone(),
                f.title => a.title.clone(),
                f.summary => a.summary.clone(),
                f.body => a.body.clone(),
                f.synonyms => a.synonyms.join(" "),
                f.errors => message_words(&a.errors),
                f.apps => a.apps.join(" "),
                f.raw => raw,
            ))
            .map_err(index_error)?;
    }
    writer.commit().map_err(index_error)?;
    writer.wait_merging_threads().map_err(index_error)?;
    Ok(())
}

/// The error texts without their codes (`ERR_BAD_SSL_CLIENT_AUTH_CERT`,
/// `0x80090016`, `-8179`, `errSecAuthFailed`): the code table resolves
/// codes, and split into words ("cert", "client") they would make an
/// article that lists many codes match every question about a certificate.
fn message_words(errors: &[String]) -> String {
    let is_code = |t: &str| {
        let t = t.trim_matches(|c: char| !c.is_alphanumeric() && c != '_' && c != '-');
        let lower = t.to_ascii_lowercase();
        (t.contains('_') && !t.chars().any(|c| c.is_ascii_lowercase()))
            || lower.starts_with("0x")
            || lower.starts_with("errsec")
            || (t.starts_with('-') && t.len() > 1 && t[1..].bytes().all(|b| b.is_ascii_digit()))
    };
    errors
        .iter()
        .map(|e| e.split_whitespace().filter(|t| !is_code(t)).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" \n ")
}

fn build_in_ram(kb: &Kb, schema: &Schema, f: &Fields) -> Result<Index> {
    let index = Index::create_in_ram(schema.clone());
    add_articles(kb, &index, f)?;
    Ok(index)
}

/// Builds into a sibling temporary directory and renames it into place, so
/// a concurrent or interrupted build never leaves a half index behind.
fn build_cached(kb: &Kb, dir: &Path, schema: &Schema, f: &Fields) -> Result<Index> {
    let io = |e: std::io::Error| Error::new(format!("search cache: {e}"), "check that ~/.cache is writable");
    let parent = dir.parent().ok_or_else(|| io(std::io::Error::other("no parent")))?;
    std::fs::create_dir_all(parent).map_err(io)?;
    let tmp = parent.join(format!(
        ".tmp-{}-{}",
        unique_suffix(),
        dir.file_name().and_then(|n| n.to_str()).unwrap_or("index")
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(io)?;
    let built = (|| {
        let index = Index::create_in_dir(&tmp, schema.clone()).map_err(index_error)?;
        add_articles(kb, &index, f)
    })();
    if let Err(e) = built {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if std::fs::rename(&tmp, dir).is_err() {
        // Another process won the race: its index is as good as ours.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    prune(parent, dir);
    Index::open_in_dir(dir).map_err(index_error)
}

/// Removes what a day-old cache no longer needs: indexes of older
/// knowledge-base versions beyond the three newest, and temporary
/// directories of killed builds. Only directories untouched for a day go:
/// another process may be reading a younger one right now.
fn prune(parent: &Path, keep: &Path) {
    let day = std::time::Duration::from_secs(86_400);
    let Ok(rd) = std::fs::read_dir(parent) else { return };
    let mut old: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for e in rd.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let modified = e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
        let stale = modified.elapsed().is_ok_and(|age| age > day);
        if path == keep || !stale {
            continue;
        }
        if name.starts_with(".tmp-") || name.contains(".broken-") {
            let _ = std::fs::remove_dir_all(&path);
        } else if name.starts_with("index-") {
            old.push((modified, path));
        }
    }
    old.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (_, p) in old.into_iter().skip(2) {
        let _ = std::fs::remove_dir_all(p);
    }
}

/// Lower-case words of a query, without stop words.
fn query_words(query: &str) -> Vec<String> {
    const STOP: &[&str] = &[
        "a", "an", "the", "my", "to", "of", "in", "on", "for", "and", "or", "i", "how", "do", "is", "it", "with",
        "from", "into", "me", "can", "what", "pls", "please", "need", "want",
    ];
    let lowered = query.to_lowercase().replace(['\'', '\u{2019}'], "");
    let mut seen = std::collections::HashSet::new();
    lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOP.contains(w) && seen.insert(*w))
        .take(4 * MAX_QUERY_WORDS)
        .map(str::to_string)
        .collect()
}

/// Words too common in certificate talk to show that an error was quoted:
/// a question that shares only these with an error text is not a paste.
const GENERIC: &[&str] = &[
    "cert",
    "certs",
    "certificate",
    "certificates",
    "key",
    "keys",
    "private",
    "file",
    "password",
    "this",
    "that",
    "you",
    "your",
    "not",
    "be",
    "was",
    "are",
    "has",
    "have",
    "by",
    "as",
    "at",
    "or",
    "but",
    "no",
    "if",
    "will",
    "using",
    "use",
    "want",
    "wants",
    "sign",
    "signing",
    "signed",
    "install",
    "import",
    "export",
    "email",
    "mail",
    "message",
    "messages",
    "send",
    "store",
    "trusted",
    "enter",
    "when",
    "which",
    "get",
    "does",
    "there",
    "here",
];

/// How much a word shows that a text was quoted: short tokens ("40",
/// "cbc") count half.
fn weight(w: &str) -> f32 {
    if w.len() <= 3 {
        0.5
    } else {
        1.0
    }
}

/// The distinctive words of a text, in order.
fn distinctive(text: &str) -> Vec<String> {
    query_words(text).into_iter().filter(|w| !GENERIC.contains(&w.as_str())).collect()
}

/// Weight of the longest run of `error`'s words that appears in `query` in
/// the same order (a longest common subsequence): a pasted message keeps
/// its word order, a question that merely shares words does not.
fn quoted_weight(error: &[String], query: &[String]) -> f32 {
    let mut dp = vec![vec![0f32; query.len() + 1]; error.len() + 1];
    for i in 1..=error.len() {
        for j in 1..=query.len() {
            dp[i][j] = if error[i - 1] == query[j - 1] {
                dp[i - 1][j - 1] + weight(&error[i - 1])
            } else {
                dp[i - 1][j].max(dp[i][j - 1])
            };
        }
    }
    dp[error.len()][query.len()]
}

/// How much of `error` the query says differently at the same place: the
/// weight of the error's words that the query replaced with words of its
/// own, gap by gap along their longest common run. "Could not verify this
/// certificate because it has expired" shares the template of "... because
/// the issuer is not trusted" but replaces its cause; a name filled into a
/// placeholder, or the user's own words around a quote, replace nothing.
fn substituted(error: &[String], query: &[String]) -> f32 {
    let mut dp = vec![vec![0f32; query.len() + 1]; error.len() + 1];
    for i in (0..error.len()).rev() {
        for j in (0..query.len()).rev() {
            dp[i][j] = if error[i] == query[j] {
                dp[i + 1][j + 1] + weight(&error[i])
            } else {
                dp[i + 1][j].max(dp[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut total) = (0, 0, 0f32);
    let (mut gap_e, mut gap_q, mut started) = (0f32, 0f32, false);
    while i < error.len() && j < query.len() {
        if error[i] == query[j] {
            total += gap_e.min(gap_q);
            started = true;
            gap_e = 0.0;
            gap_q = 0.0;
            i += 1;
            j += 1;
        } else if dp[i + 1][j] >= dp[i][j + 1] {
            gap_e += weight(&error[i]);
            i += 1;
        } else {
            // The query's words before the quote begins are its own.
            if started {
                gap_q += weight(&query[j]);
            }
            j += 1;
        }
    }
    // After the last common word: what the error still says against what
    // the query says instead.
    let rest_e: f32 = error[i..].iter().map(|w| weight(w)).sum();
    let rest_q: f32 = query[j..].iter().map(|w| weight(w)).sum();
    total + (gap_e + rest_e).min(gap_q + rest_q)
}

/// Articles whose listed error texts the query quotes, best first. (An
/// error text that is only a code, "SEC_ERROR_UNKNOWN_ISSUER", is left to
/// the code table, src/errcodes, which knows every code.) An
/// error counts when the query holds most of its distinctive words in
/// order; an article scores its best-quoted error, so the article that lists
/// the whole pasted message beats one that lists a fragment.
/// Troubleshooting articles win ties (they are about the error, others only
/// mention it), then the article whose title shares most words with the
/// query.
///
/// The shipped articles are all scored; an organisation's articles only
/// when the index names them as candidates (it holds their error texts), so
/// a large knowledge base is not read file by file.
pub fn error_matches<'a>(kb: &'a Kb, query: &str, index: Option<&SearchIndex>) -> Vec<&'a Article> {
    let q = distinctive(query);
    let verbatim = verbatim_words(query);
    if q.len() < 2 && verbatim.len() < 2 {
        return Vec::new();
    }
    let mut candidates: Vec<&Article> = kb.builtin_articles().collect();
    if let (true, Some(index)) = (kb.has_overlay(), index) {
        for a in index.error_candidates(kb, &q) {
            if !candidates.iter().any(|c| c.id == a.id) {
                candidates.push(a);
            }
        }
    }
    // With a known code in the query, only a whole quoted text of a
    // troubleshooting article outranks the code's article:
    // "CertUtil: -verify command FAILED: 0x800b0109" is not TS2007's
    // "CertUtil: -repairstore command FAILED", and a how-to article that
    // quotes "SEC_ERROR_BAD_PASSWORD: ..." is not about that error.
    let named = crate::errcodes::named(kb, query);
    let code = !named.is_empty();

    let needed = if code { 0.999 } else { 0.6 };
    // A quoted text that is only part of a code's own line ("certificate
    // has expired" in "error 10 at 0 depth lookup: certificate has
    // expired") says less than the code, whose context (the depth, the
    // program) decides: it does not outrank it.
    let lines: Vec<String> = named.iter().map(|h| crate::errcodes::padded_words(&h.matched)).collect();
    // A quote that holds a code whose cause the paste's context decided
    // ("... ERROR_INVALID_PASSWORD" on a Windows that cannot read AES)
    // says only what the code says: the context decides.
    let refined: Vec<String> =
        named.iter().filter(|h| h.refined_by_context()).map(|h| crate::errcodes::padded_words(&h.matched)).collect();
    let inside_code = |e: &str| {
        let e = crate::errcodes::padded_words(e);
        (e.trim().contains(' ') && lines.iter().any(|l| l.contains(&e) && l.len() > e.len()))
            || refined.iter().any(|c| e.contains(c.as_str()))
    };
    let program_words = api_words(query);
    let mut scored: Vec<(f32, &Article)> = Vec::new();
    for a in candidates.into_iter().filter(|a| !code || a.kind == "troubleshoot") {
        let mut score = 0.0f32;
        for e in a.errors.iter().filter(|e| !resolved_by_code_table(kb, e) && !inside_code(e)) {
            score = score.max(verbatim_score(&verbatim_words(e), &verbatim));
            let ew = distinctive(e);
            let total: f32 = ew.iter().map(|w| weight(w)).sum();
            let common = quoted_weight(&ew, &q);
            // A quote that says something else where the error says its
            // cause is another message of the same template.
            if common >= 3.0 && common / total >= needed && substituted(&ew, &q) < 1.0 {
                score = score.max(common * (common / total));
            }
        }
        if score > 0.0 {
            if a.kind == "troubleshoot" {
                score += 0.5;
            }
            let title = distinctive(&a.title);
            score += 0.1 * title.iter().filter(|w| q.contains(*w)).count() as f32;
            // Between articles that quote the same text, the one about the
            // program that printed it: "SecKeychainItemExport" is the
            // keychain's, not Edge's that also exports through it.
            score += 0.05 * a.apps.iter().filter(|app| program_words.iter().any(|w| w == *app)).count() as f32;
            scored.push((score, a));
        }
    }
    scored.sort_by(|x, y| y.0.total_cmp(&x.0));
    scored.into_iter().map(|(_, a)| a).collect()
}

/// The words of a text in lower case, with API names split where a capital
/// starts a word ("SecKeychainItemExport" gives "sec", "keychain", "item",
/// "export"), so that the subsystem an API belongs to is a word.
fn api_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for token in text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()) {
        let mut word = String::new();
        let mut prev_lower = false;
        for c in token.chars() {
            if c.is_uppercase() && prev_lower && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = c.is_lowercase();
            word.extend(c.to_lowercase());
        }
        words.push(word);
    }
    words
}

/// An error text that is only a code whose article is here
/// ("SEC_ERROR_UNKNOWN_ISSUER"): the code table resolves it, the same way
/// as every other code of its family.
fn resolved_by_code_table(kb: &Kb, error: &str) -> bool {
    crate::errcodes::is_bare_code(error) && !crate::errcodes::usable(kb, error).is_empty()
}

/// Whether the query is, or holds word for word, one of the article's error
/// texts (three words or more; placeholders match anything): the article
/// answers even when the words also name an activity ("Failed to import
/// certificate" is Evolution's message, not a question about importing).
pub fn quotes_verbatim(a: &Article, query: &str) -> bool {
    let q = verbatim_words(query);
    a.errors.iter().any(|e| verbatim_score(&verbatim_words(e), &q) > 0.0)
}

/// Stands for a placeholder of an error text ("%S", "%1$S", "{0}",
/// "<file>", 'cert.pem'): one to six words of the query.
const WILD: &str = "\u{1}";

/// The words of a text for a word-for-word comparison: lower case, without
/// punctuation, placeholders as `WILD`.
fn verbatim_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // A pasted log is read this far (an error line may be deep inside it).
    const MAX_VERBATIM_WORDS: usize = 16_384;
    for raw in text.split_whitespace().take(MAX_VERBATIM_WORDS) {
        let t = raw.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | '(' | ')' | '"'));
        let placeholder = (t.starts_with('%') && (2..=5).contains(&t.len()))
            || (t.len() > 2 && t.starts_with('{') && t.ends_with('}'))
            || (t.len() > 2 && t.starts_with('<') && t.ends_with('>'))
            || (t.len() > 2 && t.starts_with('\'') && t.ends_with('\''));
        if placeholder {
            out.push(WILD.to_string());
            continue;
        }
        let lowered = t.to_lowercase().replace(['\'', '\u{2019}'], "");
        out.extend(lowered.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string));
    }
    out
}

/// Where `pattern` (from `pattern[j]` on) matches `words` from `words[i]`
/// on: the end of the match.
fn match_from(words: &[String], i: usize, pattern: &[String], j: usize) -> Option<usize> {
    let Some(p) = pattern.get(j) else { return Some(i) };
    if p == WILD {
        return (1..=6).filter(|n| i + n <= words.len()).find_map(|n| match_from(words, i + n, pattern, j + 1));
    }
    if words.get(i) == Some(p) {
        match_from(words, i + 1, pattern, j + 1)
    } else {
        None
    }
}

/// A word-for-word quote of an error text: the whole query (strongest), or
/// a run inside it (a log line) when the text has three words or more.
fn verbatim_score(error: &[String], query: &[String]) -> f32 {
    let words = error.iter().filter(|w| *w != WILD).count();
    if words < 2 || error.len() > query.len() + 6 * error.iter().filter(|w| *w == WILD).count() {
        return 0.0;
    }
    if match_from(query, 0, error, 0) == Some(query.len()) {
        return 1000.0 + words as f32;
    }
    // Inside a longer text, on the scale of `quoted_weight`: a long quote
    // that lost a word still beats a short one kept whole.
    if words >= 3 && (0..query.len()).any(|i| match_from(query, i, error, 0).is_some()) {
        return words as f32;
    }
    0.0
}

/// The body line that shares most words with the query, as plain text.
fn snippet(a: &Article, words: &[String]) -> String {
    let mut best = (0usize, a.summary.as_str());
    for line in a.body.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with('|') {
            continue;
        }
        let lower = l.to_lowercase();
        let n = words.iter().filter(|w| w.len() > 2 && lower.contains(&**w)).count();
        if n > best.0 {
            best = (n, l);
        }
    }
    let plain: String = best
        .1
        .trim_start_matches(|c: char| c == '-' || c == '*' || c == '>' || c.is_ascii_digit() || c == '.' || c == ' ')
        .replace("**", "")
        .replace('`', "");
    if plain.chars().count() > 160 {
        let cut: String = plain.chars().take(157).collect();
        format!("{}...", cut.trim_end())
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_not_message_words() {
        let errors = vec![
            "ERR_BAD_SSL_CLIENT_AUTH_CERT".to_string(),
            "CertUtil: -importPFX command FAILED: 0x80090016 (-2146893802 NTE_BAD_KEYSET)".to_string(),
            "errSecAuthFailed (-25293): The user name or passphrase you entered is not correct.".to_string(),
        ];
        let words = message_words(&errors);
        for code in ["ERR_BAD", "0x80090016", "-2146893802", "NTE_BAD", "errSec", "-25293"] {
            assert!(!words.contains(code), "{code} in {words:?}");
        }
        assert!(words.contains("CertUtil: -importPFX command FAILED:"), "{words:?}");
        assert!(words.contains("The user name or passphrase you entered is not correct."), "{words:?}");
    }

    #[test]
    fn api_names_split_into_words() {
        assert_eq!(
            api_words("security: SecKeychainItemExport: x"),
            ["security", "sec", "keychain", "item", "export", "x"]
        );
        assert_eq!(api_words("NTE_BAD_KEYSET knowledge"), ["nte", "bad", "keyset", "knowledge"]);
    }

    #[test]
    fn another_message_of_the_same_template_is_not_a_quote() {
        let e = distinctive("Could not verify this certificate because the issuer is not trusted.");
        assert!(substituted(&e, &distinctive("Could not verify this certificate because it has expired.")) >= 1.0);
        assert!(
            substituted(
                &e,
                &distinctive("Firefox: could not verify this certificate because the issuer is not trusted. Help?")
            ) < 1.0
        );
        let e = distinctive("Could not import %S: the file is damaged.");
        assert!(substituted(&e, &distinctive("Could not import id-2024.p12: the file is damaged")) < 1.0);
    }

    #[test]
    fn a_quote_matches_word_for_word_with_placeholders() {
        let e = verbatim_words("No cert in -in file 'cert.pem' matches private key");
        let q = verbatim_words("openssl says: No cert in -in file 'my-id.pem' matches private key. Help!");
        assert!(verbatim_score(&e, &q) > 0.0);
        let e = verbatim_words("Could not import %S: the file is damaged.");
        assert!(verbatim_score(&e, &verbatim_words("Could not import id 2024.p12: the file is damaged")) > 0.0);
        // The whole question is the strongest quote; a different word is none.
        let e = verbatim_words("Passwords do not match");
        assert!(verbatim_score(&e, &verbatim_words("Passwords do not match!")) >= 1000.0);
        assert_eq!(verbatim_score(&e, &verbatim_words("Passwords do match")), 0.0);
    }

    #[test]
    fn query_words_drop_stop_words() {
        assert_eq!(query_words("How do I export my cert?"), vec!["export", "cert"]);
    }
}
