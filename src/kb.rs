//! The knowledge base: articles with front matter, embedded in the binary and
//! optionally overridden by an organisation's directory.
//!
//! This module parses and validates articles (`kb lint`) and looks them up by
//! id. It does not search (see `search`) and does not render (see `render`).
//! It reads files only when given an override directory.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

use crate::embedded;

/// Environment variable naming an organisation's knowledge-base directory.
pub const KB_ENV: &str = "CERTHELP_KB";

/// What an article is for: the values front matter's `kind` may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleKind {
    Export,
    Import,
    Chain,
    Associate,
    Token,
    Overview,
    Troubleshoot,
    Convert,
    Guide,
}

impl ArticleKind {
    pub const ALL: [ArticleKind; 9] = [
        ArticleKind::Export,
        ArticleKind::Import,
        ArticleKind::Chain,
        ArticleKind::Associate,
        ArticleKind::Token,
        ArticleKind::Overview,
        ArticleKind::Troubleshoot,
        ArticleKind::Convert,
        ArticleKind::Guide,
    ];

    /// The front-matter spelling (`troubleshoot`).
    pub fn id(self) -> &'static str {
        match self {
            ArticleKind::Export => "export",
            ArticleKind::Import => "import",
            ArticleKind::Chain => "chain",
            ArticleKind::Associate => "associate",
            ArticleKind::Token => "token",
            ArticleKind::Overview => "overview",
            ArticleKind::Troubleshoot => "troubleshoot",
            ArticleKind::Convert => "convert",
            ArticleKind::Guide => "guide",
        }
    }

    pub fn parse(s: &str) -> Option<ArticleKind> {
        Self::ALL.into_iter().find(|k| k.id() == s)
    }
}
const OS_IDS: &[&str] = &["windows", "macos", "linux"];
const PRODUCT_IDS: &[&str] = &["eca", "digital-id"];
const CERT_TYPES: &[&str] = &["identity", "encryption"];
const KEYS: &[&str] = &[
    "id",
    "title",
    "summary",
    "kind",
    "apps",
    "os",
    "products",
    "cert_types",
    "synonyms",
    "errors",
    "legacy",
    "related",
    "updated",
    "pinned_roots",
];

/// One article: its front matter and its Markdown body.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub kind: String,
    pub apps: Vec<String>,
    pub os: Vec<String>,
    pub products: Vec<String>,
    pub cert_types: Vec<String>,
    pub synonyms: Vec<String>,
    pub errors: Vec<String>,
    pub legacy: bool,
    pub related: Vec<String>,
    pub updated: Option<String>,
    /// Chain articles: SHA-256 fingerprints (64 hex digits, lower case) of
    /// the roots `chain install` may trust when it fetched them itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pinned_roots: Vec<String>,
    /// Markdown after the front matter.
    #[serde(skip)]
    pub body: String,
    /// Where the article came from: `built-in` or a file path.
    pub source: String,
    /// File lines (1-based) of the body's first line and of the `id` and
    /// `related` keys, for `kb lint`.
    #[serde(skip)]
    pub body_line: usize,
    #[serde(skip)]
    pub id_line: usize,
    #[serde(skip)]
    pub related_line: usize,
}

impl Article {
    /// The article's `kind` as an enum; `None` for a kind lint rejects.
    pub fn article_kind(&self) -> Option<ArticleKind> {
        ArticleKind::parse(&self.kind)
    }
}

/// A problem in an article file, with the line it is on (1-based; 0 when it
/// concerns the whole file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// Parses one article file. `file` names it in problems; the file name (when
/// it ends in `.md`) must match the `id`.
pub fn parse_article(file: &str, text: &str) -> std::result::Result<Article, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut problem = |line: usize, message: String| problems.push(Problem { file: file.to_string(), line, message });
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, l)) if l.trim_end() == "---" => {}
        _ => {
            problem(1, "missing front matter: the file must start with a `---` line".into());
            return Err(problems);
        }
    }
    let mut article = Article::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut body_start = None;
    for (idx, raw) in lines.by_ref() {
        let lineno = idx + 1;
        let line = raw.trim_end();
        if line == "---" {
            body_start = Some(idx + 1);
            break;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            problem(lineno, format!("expected `key: value`, found `{line}`"));
            continue;
        };
        let key = key.trim();
        let value = value.trim();
        if !KEYS.contains(&key) {
            problem(lineno, format!("unknown key `{key}` (known: {})", KEYS.join(", ")));
            continue;
        }
        if let Some(first) = seen.insert(key.to_string(), lineno) {
            problem(lineno, format!("key `{key}` repeats line {first}"));
        }
        let list = |problem: &mut dyn FnMut(usize, String)| match parse_list(value) {
            Ok(v) => v,
            Err(e) => {
                problem(lineno, format!("`{key}`: {e}"));
                Vec::new()
            }
        };
        match key {
            "id" => article.id = unquote(value),
            "title" => article.title = unquote(value),
            "summary" => article.summary = unquote(value),
            "kind" => article.kind = unquote(value),
            "updated" => article.updated = Some(unquote(value)).filter(|s| !s.is_empty()),
            "legacy" => match value {
                "true" => article.legacy = true,
                "false" | "" => article.legacy = false,
                other => problem(lineno, format!("`legacy` must be true or false, not `{other}`")),
            },
            "apps" => article.apps = list(&mut problem),
            "os" => article.os = list(&mut problem),
            "products" => article.products = list(&mut problem),
            "cert_types" => article.cert_types = list(&mut problem),
            "synonyms" => article.synonyms = list(&mut problem),
            "errors" => article.errors = list(&mut problem),
            "related" => article.related = list(&mut problem),
            "pinned_roots" => {
                article.pinned_roots = list(&mut problem).into_iter().map(|h| h.to_ascii_lowercase()).collect();
                for h in article.pinned_roots.iter().filter(|h| !crate::chain::trust::is_sha256_hex(h)) {
                    problem(lineno, format!("`pinned_roots`: `{h}` is not a SHA-256 fingerprint (64 hex digits)"));
                }
            }
            _ => unreachable!("KEYS lists every key"),
        }
    }
    let Some(body_start) = body_start else {
        problem(1, "front matter opened here is not closed: add a `---` line after it".into());
        return Err(problems);
    };
    let line_of = |key: &str| seen.get(key).copied().unwrap_or(1);
    for key in ["id", "title", "summary", "kind"] {
        let empty = match key {
            "id" => article.id.is_empty(),
            "title" => article.title.is_empty(),
            "summary" => article.summary.is_empty(),
            _ => article.kind.is_empty(),
        };
        if empty {
            problem(line_of(key), format!("`{key}` is required"));
        }
    }
    if !article.kind.is_empty() && ArticleKind::parse(&article.kind).is_none() {
        let kinds: Vec<&str> = ArticleKind::ALL.iter().map(|k| k.id()).collect();
        problem(line_of("kind"), format!("unknown kind `{}` (one of: {})", article.kind, kinds.join(", ")));
    }
    for (key, values, allowed) in [
        ("os", &article.os, OS_IDS),
        ("products", &article.products, PRODUCT_IDS),
        ("cert_types", &article.cert_types, CERT_TYPES),
    ] {
        for v in values.iter().filter(|v| !allowed.contains(&v.as_str())) {
            problem(line_of(key), format!("unknown {key} value `{v}` (one of: {})", allowed.join(", ")));
        }
    }
    if !article.pinned_roots.is_empty() && !article.kind.is_empty() && article.kind != "chain" {
        problem(line_of("pinned_roots"), "`pinned_roots` is read from chain articles only (kind: chain)".into());
    }
    if let Some(stem) = Path::new(file).file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".md")) {
        if !article.id.is_empty() && stem != article.id {
            problem(line_of("id"), format!("id `{}` does not match the file name `{stem}.md`", article.id));
        }
    }
    // Leading blank lines are trimmed from the body: count them so body
    // line numbers map back to the file.
    let skipped = text.lines().skip(body_start).take_while(|l| l.trim().is_empty()).count();
    article.body_line = body_start + 1 + skipped;
    article.id_line = line_of("id");
    article.related_line = line_of("related");
    let body: Vec<&str> = text.lines().skip(body_start).collect();
    article.body = body.join("\n").trim().to_string() + "\n";
    if article.body.trim().is_empty() {
        problem(body_start + 1, "the article has no body".into());
    }
    if problems.is_empty() {
        Ok(article)
    } else {
        Err(problems)
    }
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\''))) {
        s[1..s.len() - 1].replace("\\\"", "\"")
    } else {
        s.to_string()
    }
}

/// Parses an inline list `[a, "b, c", d]`; a bare scalar is a list of one.
fn parse_list(value: &str) -> std::result::Result<Vec<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(Vec::new());
    }
    let Some(inner) = value.strip_prefix('[') else {
        return Ok(vec![unquote(value)]);
    };
    let Some(inner) = inner.strip_suffix(']') else {
        return Err("a list must end with `]` on the same line".into());
    };
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), '\\') if chars.peek() == Some(&q) => current.push(chars.next().unwrap()),
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') if current.trim().is_empty() => {
                current.clear();
                quote = Some(c);
            }
            (None, ',') => {
                items.push(current.trim().to_string());
                current.clear();
            }
            (None, c) => current.push(c),
        }
    }
    if quote.is_some() {
        return Err("unclosed quote".into());
    }
    if !current.trim().is_empty() {
        items.push(current.trim().to_string());
    }
    items.retain(|i| !i.is_empty());
    Ok(items)
}

/// The articles in effect: the shipped ones, with an organisation's
/// directory laid over them.
///
/// The directory's files are parsed on first use, not at load: a
/// knowledge base of 10,000 articles must not cost 10,000 file reads per
/// question. Loading only lists the directory (ids are file names, which
/// `kb lint` enforces) and notes each file's size and time for the cache key.
#[derive(Debug, Default)]
pub struct Kb {
    builtin: Vec<Article>,
    overlay_files: Vec<Lazy>,
    by_id: HashMap<String, Slot>,
    /// Directory laid over the shipped articles, if any.
    pub overlay: Option<PathBuf>,
    stamp: u64,
    /// Overlay files that turned out broken when first read.
    broken: std::sync::Mutex<Vec<Problem>>,
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Builtin(usize),
    Overlay(usize),
}

/// An organisation's article file, parsed on first use.
#[derive(Debug)]
struct Lazy {
    path: PathBuf,
    /// The shipped article with the same id, used when the file is broken.
    shadows: Option<usize>,
    parsed: std::sync::OnceLock<Option<Article>>,
}

impl Kb {
    /// The articles compiled into the binary.
    pub fn builtin() -> Kb {
        let mut kb = Kb::default();
        let mut h = Fnv::new();
        for (name, text) in embedded::KB_FILES {
            // Shipped articles are linted by the test suite; a broken one
            // would be a build defect, so it is skipped rather than fatal.
            if let Ok(mut a) = parse_article(name, text) {
                a.source = "built-in".into();
                h.write(text.as_bytes());
                kb.by_id.insert(a.id.clone(), Slot::Builtin(kb.builtin.len()));
                kb.builtin.push(a);
            }
        }
        kb.stamp = h.finish();
        kb
    }

    /// The shipped articles overlaid by `dir` (when given, else by the
    /// directory in `CERTHELP_KB`).
    pub fn load(dir: Option<&Path>) -> Result<Kb> {
        let mut kb = Kb::builtin();
        let env_dir = std::env::var_os(KB_ENV).filter(|v| !v.is_empty()).map(PathBuf::from);
        let Some(dir) = dir.map(Path::to_path_buf).or(env_dir).or_else(configured_dir) else {
            return Ok(kb);
        };
        let mut h = Fnv(kb.stamp);
        for (path, meta) in article_entries(&dir)? {
            let Some(id) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else { continue };
            // Size and modification time stand for the content in the
            // cache key: an edited file changes at least one of them.
            if let Some(m) = meta {
                h.write(id.as_bytes());
                h.write(&m.len().to_le_bytes());
                let t = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                h.write(&t.map(|d| d.as_nanos()).unwrap_or(0).to_le_bytes());
            }
            let shadows = match kb.by_id.get(&id) {
                Some(Slot::Builtin(i)) => Some(*i),
                _ => None,
            };
            kb.by_id.insert(id, Slot::Overlay(kb.overlay_files.len()));
            kb.overlay_files.push(Lazy { path, shadows, parsed: std::sync::OnceLock::new() });
        }
        kb.stamp = h.finish();
        kb.overlay = Some(dir);
        Ok(kb)
    }

    fn overlay_article(&self, i: usize) -> Option<&Article> {
        let lazy = &self.overlay_files[i];
        let parsed = lazy.parsed.get_or_init(|| {
            let file = lazy.path.display().to_string();
            let result = fs::read_to_string(&lazy.path)
                .map_err(|e| vec![Problem { file: file.clone(), line: 0, message: format!("cannot read: {e}") }])
                .and_then(|text| parse_article(&file, &text));
            match result {
                Ok(mut a) => {
                    a.source = file;
                    Some(a)
                }
                Err(problems) => {
                    if let Ok(mut b) = self.broken.lock() {
                        b.extend(problems);
                    }
                    None
                }
            }
        });
        parsed.as_ref().or_else(|| lazy.shadows.map(|b| &self.builtin[b]))
    }

    pub fn get(&self, id: &str) -> Option<&Article> {
        match *self.by_id.get(id)? {
            Slot::Builtin(i) => Some(&self.builtin[i]),
            Slot::Overlay(i) => self.overlay_article(i),
        }
    }

    /// Looks an id up ignoring case (`so7079` finds `SO7079`).
    pub fn find(&self, id: &str) -> Option<&Article> {
        self.get(id).or_else(|| {
            let key = self.by_id.keys().find(|k| k.eq_ignore_ascii_case(id))?;
            self.get(key)
        })
    }

    /// All articles, sorted by id (reads every overlay file).
    pub fn articles(&self) -> Vec<&Article> {
        let mut ids: Vec<&String> = self.by_id.keys().collect();
        ids.sort_by(|a, b| id_order(a, b));
        ids.into_iter().filter_map(|id| self.get(id)).collect()
    }

    /// The shipped articles only (always in memory).
    pub fn builtin_articles(&self) -> impl Iterator<Item = &Article> {
        self.builtin.iter().filter(|a| matches!(self.by_id.get(&a.id), Some(Slot::Builtin(_))))
    }

    /// Whether an organisation's directory adds articles.
    pub fn has_overlay(&self) -> bool {
        !self.overlay_files.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// A key for caches built from this article set: it changes whenever a
    /// shipped article's text or an overlay file's size or time does.
    pub fn fingerprint(&self) -> u64 {
        self.stamp
    }

    /// Overlay files found broken so far (for a warning; `kb lint` says all).
    pub fn broken(&self) -> Vec<Problem> {
        self.broken.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

/// Orders ids by prefix, then number (SO2139 before SO10186).
fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn split(s: &str) -> (&str, u64) {
        let i = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
        (&s[..i], s[i..].parse().unwrap_or(0))
    }
    split(a).cmp(&split(b)).then_with(|| a.cmp(b))
}

/// FNV-1a: tiny, stable across Rust versions (unlike `DefaultHasher`), which
/// matters because the value names a cache directory on disk.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Config files that may name an organisation's knowledge base, most
/// specific first: the user's, then the machine's (deployed by IT).
pub fn config_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = crate::dirs::config().into_iter().map(|d| d.join("config")).collect();
    files.push(PathBuf::from("/etc/certhelp/config"));
    files
}

/// The `kb = DIR` line of the first config file that has one. The format
/// is `key = value` lines, `#` comments; a relative DIR is relative to the
/// config file.
fn configured_dir() -> Option<PathBuf> {
    config_files().into_iter().find_map(|file| {
        let text = fs::read_to_string(&file).ok()?;
        let value = text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == "kb" && !l.trim_start().starts_with('#')).then(|| v.trim().trim_matches('"').to_string())
        })?;
        if value.is_empty() {
            return None;
        }
        let dir = match value.strip_prefix("~/") {
            Some(rest) => crate::dirs::home()?.join(rest),
            None => PathBuf::from(value),
        };
        Some(if dir.is_relative() { file.parent()?.join(dir) } else { dir })
    })
}

/// The article files (`*.md` but README.md) of a directory, sorted, with
/// their metadata (read through the directory entry: no path walk per file).
fn article_entries(dir: &Path) -> Result<Vec<(PathBuf, Option<fs::Metadata>)>> {
    let rd = fs::read_dir(dir).map_err(|e| {
        Error::new(
            format!("cannot read knowledge-base directory {}: {e}", dir.display()),
            "give a directory of Markdown articles (see kb/README.md)",
        )
    })?;
    let mut entries: Vec<(std::ffi::OsString, PathBuf, Option<fs::Metadata>)> = rd
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".md") && name != "README.md"
        })
        .map(|e| {
            // A symlinked article: the cache key must see the target's size
            // and time, which the entry's own metadata does not.
            let symlink = e.file_type().is_ok_and(|t| t.is_symlink());
            let meta = if symlink { fs::metadata(e.path()).ok() } else { e.metadata().ok() };
            (e.file_name(), e.path(), meta)
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries.into_iter().map(|(_, p, m)| (p, m)).collect())
}

fn article_paths(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(article_entries(dir)?.into_iter().map(|(p, _)| p).collect())
}

/// Reads and parses every article of a directory.
fn read_dir_articles(dir: &Path) -> Result<(Vec<Article>, Vec<Problem>)> {
    let paths = article_paths(dir)?;
    let mut articles = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        match fs::read_to_string(&path) {
            Ok(text) => match parse_article(&file, &text) {
                Ok(mut a) => {
                    a.source = file;
                    articles.push(a)
                }
                Err(p) => problems.extend(p),
            },
            Err(e) => problems.push(Problem { file, line: 0, message: format!("cannot read: {e}") }),
        }
    }
    Ok((articles, problems))
}

/// What `kb lint` checks a directory as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintMode {
    /// The directory is a whole knowledge base: every article the planner
    /// names must be in it.
    Complete,
    /// The directory is laid over the shipped articles.
    Overlay,
}

/// Checks a knowledge-base directory (or, with `None`, the shipped one):
/// every file parses, ids are unique, `related` and "see ID" references
/// resolve, every article the planner's tables name is present, and every
/// article the error-code table names exists (the shipped table, or the
/// directory's `codes/codes.tsv`; see `errcodes::check`).
///
/// A directory that holds the overview article (SO6063) is taken as a whole
/// knowledge base unless `mode` says otherwise; any other directory as an
/// overlay, since that is how `--kb` uses it.
pub fn lint(dir: Option<&Path>, mode: Option<LintMode>, required: &[&str]) -> Result<Vec<Problem>> {
    let (articles, mut problems, mode, label) = match dir {
        None => {
            let mut problems = Vec::new();
            let mut articles = Vec::new();
            for (name, text) in embedded::KB_FILES {
                match parse_article(&format!("kb/{name}"), text) {
                    Ok(a) => articles.push(a),
                    Err(p) => problems.extend(p),
                }
            }
            (articles, problems, LintMode::Complete, "kb".to_string())
        }
        Some(dir) => {
            let (articles, problems) = read_dir_articles(dir)?;
            let has_overview = dir.join("SO6063.md").exists();
            let mode = mode.unwrap_or(if has_overview { LintMode::Complete } else { LintMode::Overlay });
            (articles, problems, mode, dir.display().to_string())
        }
    };
    // Files that failed to parse still exist: references to them are not
    // "missing" (their own problems say what is wrong).
    let broken: Vec<String> = problems
        .iter()
        .filter_map(|p| Path::new(&p.file).file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect();
    let mut ids: HashMap<&str, &str> = HashMap::new();
    for a in &articles {
        if let Some(prev) = ids.insert(&a.id, &a.source) {
            problems.push(Problem {
                file: a.source.clone(),
                line: a.id_line,
                message: format!("id `{}` is also used by {prev}", a.id),
            });
        }
    }
    let builtin = Kb::builtin();
    let exists = |id: &str| {
        ids.contains_key(id)
            || broken.iter().any(|b| b == id)
            || (mode == LintMode::Overlay && builtin.get(id).is_some())
    };
    // The root causes first: articles the planner needs that are not there.
    let mut missing: Vec<Problem> = required
        .iter()
        .filter(|id| !exists(id))
        .map(|id| Problem {
            file: format!("{label}/{id}.md"),
            line: 0,
            message: format!("article `{id}` is missing: the planner's tables name it"),
        })
        .collect();
    for a in &articles {
        let file = if a.source.is_empty() { format!("{label}/{}.md", a.id) } else { a.source.clone() };
        for r in a.related.iter().filter(|r| !exists(r)) {
            problems.push(Problem {
                file: file.clone(),
                line: a.related_line,
                message: format!("`related` names `{r}`, which is not an article"),
            });
        }
        // One problem per missing id and file, at its first mention.
        let mut reported: Vec<String> = Vec::new();
        for (n, line) in a.body.lines().enumerate() {
            for id in referenced_ids(line).into_iter().filter(|id| !exists(id)) {
                if reported.contains(&id) {
                    continue;
                }
                problems.push(Problem {
                    file: file.clone(),
                    line: a.body_line + n,
                    message: format!("refers to `{id}`, which is not an article"),
                });
                reported.push(id);
            }
        }
    }
    // The error-code table names articles too (src/errcodes): the shipped
    // one, or the directory's codes/codes.tsv when it has one.
    let codes = match dir {
        None => Some(("kb/codes/codes.tsv".to_string(), crate::errcodes::TABLE.to_string())),
        Some(d) => {
            let path = d.join("codes").join("codes.tsv");
            fs::read_to_string(&path).ok().map(|t| (path.display().to_string(), t))
        }
    };
    if let Some((file, text)) = codes {
        for p in crate::errcodes::check(&text, &exists) {
            problems.push(Problem { file: file.clone(), line: p.line, message: p.message });
        }
    }
    missing.extend(problems);
    Ok(missing)
}

/// Article ids a line of text refers to (`SO7079`, `INFO646`, `TS2001`, ...).
pub fn referenced_ids(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in line.split(|c: char| !c.is_ascii_alphanumeric()) {
        let prefix_len = word.find(|c: char| c.is_ascii_digit()).unwrap_or(word.len());
        let (prefix, digits) = word.split_at(prefix_len);
        if matches!(prefix, "SO" | "INFO" | "CH" | "TS")
            && digits.len() >= 3
            && digits.chars().all(|c| c.is_ascii_digit())
        {
            out.push(word.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "---\nid: SO1\ntitle: A title\nsummary: Sum\nkind: export\napps: [chrome, \"a, b\"]\nlegacy: true\n---\nBody\n";

    #[test]
    fn parses_front_matter_and_body() {
        let a = parse_article("SO1.md", GOOD).unwrap();
        assert_eq!(a.id, "SO1");
        assert_eq!(a.apps, vec!["chrome", "a, b"]);
        assert!(a.legacy);
        assert_eq!(a.body, "Body\n");
    }

    #[test]
    fn problems_name_their_line() {
        let bad = GOOD.replace("kind: export", "kind: exprot").replace("legacy: true", "colour: red");
        let p = parse_article("SO1.md", &bad).unwrap_err();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().any(|p| p.line == 7 && p.message.contains("unknown key `colour`")));
        assert!(p.iter().any(|p| p.line == 5 && p.message.contains("unknown kind")));
    }

    #[test]
    fn id_must_match_file_name() {
        let p = parse_article("SO2.md", GOOD).unwrap_err();
        assert!(p[0].message.contains("does not match"));
        assert_eq!(p[0].line, 2);
    }

    #[test]
    fn unclosed_front_matter_is_reported() {
        let p = parse_article("x.md", "---\nid: X\n").unwrap_err();
        assert!(p[0].message.contains("not closed") && p[0].line == 1, "{p:?}");
    }

    #[test]
    fn lists_allow_quotes_and_escapes() {
        assert_eq!(parse_list(r#"["a \"b\"", c]"#).unwrap(), vec!["a \"b\"", "c"]);
        assert!(parse_list("[a, b").is_err());
        assert_eq!(parse_list("single").unwrap(), vec!["single"]);
    }

    #[test]
    fn pinned_roots_are_whole_fingerprints() {
        let hex = "AB".repeat(32);
        let ok = GOOD.replace("kind: export", &format!("kind: chain\npinned_roots: [{hex}]"));
        assert_eq!(parse_article("SO1.md", &ok).unwrap().pinned_roots, vec!["ab".repeat(32)]);
        let bad = GOOD.replace("kind: export", "kind: chain\npinned_roots: [abcd, \"\"]");
        let p = parse_article("SO1.md", &bad).unwrap_err();
        assert!(p[0].line == 6 && p[0].message.contains("`abcd` is not a SHA-256"), "{p:?}");
        let wrong_kind = GOOD.replace("legacy: true", &format!("pinned_roots: [{hex}]"));
        let p = parse_article("SO1.md", &wrong_kind).unwrap_err();
        assert!(p[0].message.contains("chain articles only"), "{p:?}");
    }

    #[test]
    fn ids_sort_by_number() {
        let mut v = vec!["SO10186", "SO2139", "INFO646", "CH1001"];
        v.sort_by(|a, b| id_order(a, b));
        assert_eq!(v, vec!["CH1001", "INFO646", "SO2139", "SO10186"]);
    }

    #[test]
    fn finds_referenced_ids() {
        assert_eq!(referenced_ids("see TS2001 and SO7079, not SOX or SO1"), vec!["TS2001", "SO7079"]);
    }
}
