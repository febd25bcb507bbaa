//! Plans and articles -> text, Markdown, HTML or JSON, through the minijinja
//! templates in templates/ (compiled into the binary).
//!
//! Pure: returns strings; printing is the caller's. Article bodies are
//! converted here (Markdown -> terminal text or HTML) before they reach a
//! template, so templates only lay things out.

use std::collections::HashSet;
use std::str::FromStr;

use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::kb::{Article, Kb};
use crate::markdown::{self, Style};
use crate::plan::{Action, Plan};

use crate::embedded;

/// Output formats of `plan` and `show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    Json,
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Format::Text),
            "md" | "markdown" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            other => Err(Error::new(format!("unknown format `{other}`"), "use one of: text, md, html, json")),
        }
    }
}

/// How terminal text looks.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub color: bool,
    pub width: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions { color: false, width: 80 }
    }
}

fn environment(opts: TextOptions) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| if name.contains(".html") { AutoEscape::Html } else { AutoEscape::None });
    for (name, source) in embedded::TEMPLATE_FILES {
        let name = name.strip_suffix(".j2").unwrap_or(name);
        let name = if name.starts_with('_') { format!("{name}.j2") } else { name.to_string() };
        env.add_template_owned(name, *source).expect("shipped templates are checked by the test suite");
    }
    let style = Style { color: opts.color };
    env.add_filter("bold", move |s: String| style.bold(&s));
    env.add_filter("dim", move |s: String| style.dim(&s));
    env.add_filter("cyan", move |s: String| style.cyan(&s));
    env.add_filter("yellow", move |s: String| style.yellow(&s));
    env.add_filter("green", move |s: String| style.green(&s));
    let width = opts.width;
    env.add_filter("wrap", move |s: String, hang: Option<usize>| {
        s.lines().map(|l| markdown::wrap_line(l, width, hang.unwrap_or(2))).collect::<Vec<_>>().join("\n")
    });
    env.add_filter("status", move |s: String| match s.as_str() {
        "fail" => style.red("[fail]"),
        "warn" => style.yellow("[warn]"),
        _ => style.green("[ok]"),
    });
    env
}

fn render_error(e: minijinja::Error) -> Error {
    Error::new(format!("template error: {e}"), "this is a bug in certhelp's templates; please report it")
}

/// An article body in the output format. HTML comes out escaped by
/// `markdown::to_html`, so templates mark it `safe`. In Markdown and HTML,
/// mentions of articles with an anchor in the document become links.
fn body(a: &Article, format: Format, opts: TextOptions, indent: &str, shift: usize, links: &Links) -> String {
    match format {
        Format::Text => markdown::to_text(&a.body, Style { color: opts.color }, opts.width, indent),
        Format::Markdown => markdown::shift_headings(&links.markdown(&a.body), shift),
        Format::Html => markdown::to_html(&markdown::shift_headings(&links.markdown(&a.body), shift)),
        Format::Json => a.body.clone(),
    }
}

/// Cross-references of one walkthrough: which articles have an anchor in
/// it (its steps and choices, then every other article the text mentions,
/// which gets a short entry under "Referenced articles"). Only those are
/// linked, so no link is dead.
#[derive(Default)]
struct Links {
    anchored: HashSet<String>,
    /// Mentioned articles that are not steps, in order of first mention.
    referenced: Vec<String>,
}

impl Links {
    fn for_plan(plan: &Plan, kb: &Kb) -> Links {
        let is_article = |id: &str| kb.get(id).is_some();
        let mut in_doc: Vec<String> = Vec::new();
        for s in &plan.steps {
            in_doc.extend(s.article.iter().cloned());
            in_doc.extend(s.choices.iter().flatten().map(|c| c.article.clone()));
        }
        let mut mentioned: Vec<String> = Vec::new();
        for id in &in_doc {
            if let Some(a) = kb.get(id) {
                mentioned.extend(markdown::mentioned_ids(&a.body, &is_article));
            }
        }
        let plain = plan
            .notes
            .iter()
            .chain(plan.alternatives.iter())
            .chain(plan.findings.iter().flat_map(|f| [&f.message, &f.fix].into_iter().chain(f.article.iter())));
        for text in plain {
            mentioned.extend(markdown::ids_in_text(text, &is_article));
        }
        let mut referenced: Vec<String> = Vec::new();
        for id in mentioned {
            if !in_doc.contains(&id) && !referenced.contains(&id) {
                referenced.push(id);
            }
        }
        let anchored = in_doc.into_iter().chain(referenced.iter().cloned()).collect();
        Links { anchored, referenced }
    }

    fn has_anchor(&self, id: &str) -> bool {
        self.anchored.contains(id)
    }

    fn markdown(&self, md: &str) -> String {
        if self.anchored.is_empty() {
            return md.to_string();
        }
        markdown::link_article_ids(md, &|id| self.has_anchor(id))
    }

    /// A line of plain text (a note, a finding) in the output format.
    fn text(&self, text: &str, format: Format) -> String {
        match format {
            Format::Html => markdown::text_to_html_linked(text, &|id| self.has_anchor(id)),
            Format::Markdown => self.markdown(text),
            _ => text.to_string(),
        }
    }
}

#[derive(Serialize)]
struct ChoiceBody {
    article: String,
    when: String,
    /// "For an ECA certificate", "When importing a certificate file".
    heading: String,
    body: String,
    /// This is the article's first appearance: it carries the anchor.
    anchor: bool,
}

/// Renders a plan.
pub fn plan(plan: &Plan, kb: &Kb, format: Format, opts: TextOptions) -> Result<String> {
    if format == Format::Json {
        let mut s =
            serde_json::to_string_pretty(plan).map_err(|e| Error::new(format!("json: {e}"), "report this bug"))?;
        s.push('\n');
        return Ok(s);
    }
    let env = environment(opts);
    let links = if format == Format::Text { Links::default() } else { Links::for_plan(plan, kb) };
    // An article's anchor goes on its first appearance only (ids are unique
    // in a page).
    let mut anchored_once: HashSet<String> = HashSet::new();
    let mut first = |id: &str| anchored_once.insert(id.to_string());
    let steps: Vec<serde_json::Value> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let article_body = s
                .article
                .as_deref()
                .and_then(|id| kb.get(id))
                .map(|a| body(a, format, opts, "  ", 1, &links))
                .unwrap_or_default();
            let anchor = s.article.as_deref().is_some_and(&mut first);
            let choice_bodies: Vec<ChoiceBody> = s
                .choices
                .iter()
                .flatten()
                .filter_map(|c| {
                    let a = kb.get(&c.article)?;
                    let heading = if s.action != Action::Chain {
                        c.when.clone()
                    } else if c.when.starts_with(['A', 'E', 'I', 'O', 'U']) {
                        format!("For an {}", c.when)
                    } else {
                        format!("For a {}", c.when)
                    };
                    Some(ChoiceBody {
                        article: c.article.clone(),
                        when: c.when.clone(),
                        heading,
                        body: body(a, format, opts, "    ", 2, &links),
                        anchor: first(&c.article),
                    })
                })
                .collect();
            let mut v = serde_json::to_value(s).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("number".into(), (i + 1).into());
                o.insert("body".into(), article_body.into());
                o.insert("anchor".into(), anchor.into());
                o.insert("choice_bodies".into(), serde_json::to_value(choice_bodies).unwrap_or_default());
                let lead = if s.action == Action::Chain {
                    "Which chain depends on who issued your certificate:".to_string()
                } else {
                    s.summary.clone()
                };
                o.insert("choice_lead".into(), lead.into());
            }
            v
        })
        .collect();
    let notes: Vec<String> = plan.notes.iter().map(|n| links.text(n, format)).collect();
    let alternatives: Vec<String> = plan.alternatives.iter().map(|n| links.text(n, format)).collect();
    let findings: Vec<serde_json::Value> = plan
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "status": f.status,
                "message": links.text(&f.message, format),
                "fix": links.text(&f.fix, format),
                "article": f.article,
                "linked": f.article.as_deref().is_some_and(|id| links.has_anchor(id)),
            })
        })
        .collect();
    let referenced: Vec<serde_json::Value> = links
        .referenced
        .iter()
        .filter_map(|id| kb.get(id))
        .map(|a| {
            serde_json::json!({
                "id": a.id,
                "title": a.title,
                "summary": links.text(&a.summary, format),
                "legacy": a.legacy,
            })
        })
        .collect();
    let name = match format {
        Format::Text => "walkthrough.txt",
        Format::Markdown => "walkthrough.md",
        _ => "walkthrough.html",
    };
    let t = env.get_template(name).map_err(render_error)?;
    let mut out = t
        .render(minijinja::context! {
            plan => Value::from(Serde(plan)),
            steps => Value::from(Serde(steps)),
            notes => Value::from(Serde(notes)),
            alternatives => Value::from(Serde(alternatives)),
            findings => Value::from(Serde(findings)),
            referenced => Value::from(Serde(referenced)),
        })
        .map_err(render_error)?;
    tidy(&mut out);
    Ok(out)
}

/// Renders one article (`certhelp show`).
pub fn article(a: &Article, format: Format, opts: TextOptions) -> Result<String> {
    if format == Format::Json {
        let mut v = serde_json::to_value(a).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("body".into(), a.body.clone().into());
        }
        let mut s =
            serde_json::to_string_pretty(&v).map_err(|e| Error::new(format!("json: {e}"), "report this bug"))?;
        s.push('\n');
        return Ok(s);
    }
    let env = environment(opts);
    let name = match format {
        Format::Text => "article.txt",
        Format::Markdown => "article.md",
        _ => "article.html",
    };
    let t = env.get_template(name).map_err(render_error)?;
    let mut out = t
        .render(minijinja::context! {
            article => Value::from(Serde(a)),
            body => body(a, format, opts, "", 1, &Links::default()),
        })
        .map_err(render_error)?;
    tidy(&mut out);
    Ok(out)
}

/// No runs of blank lines, one final newline.
fn tidy(out: &mut String) {
    while out.contains("\n\n\n") {
        *out = out.replace("\n\n\n", "\n\n");
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
}

/// The list of articles (`certhelp list`).
pub fn list(kb: &Kb, opts: TextOptions) -> String {
    let style = Style { color: opts.color };
    let mut out = String::new();
    for a in kb.articles() {
        let legacy = if a.legacy { format!(" {}", style.yellow("(legacy)")) } else { String::new() };
        let origin = if a.source != "built-in" { format!(" {}", style.dim("(organisation)")) } else { String::new() };
        out.push_str(&format!(
            "{:<8} {:<12} {}{legacy}{origin}\n",
            style.cyan(&format!("{:<8}", a.id)),
            a.kind,
            a.title
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let env = environment(TextOptions::default());
        for (name, _) in embedded::TEMPLATE_FILES {
            let name = name.strip_suffix(".j2").unwrap();
            if !name.starts_with('_') {
                env.get_template(name).unwrap();
            }
        }
    }

    #[test]
    fn tidy_squeezes_blank_lines() {
        let mut s = "a\n\n\n\nb\n\n".to_string();
        tidy(&mut s);
        assert_eq!(s, "a\n\nb\n");
    }
}
