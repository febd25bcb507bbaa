//! Article Markdown -> terminal text, Markdown for tickets, or HTML.
//!
//! Pure string transforms over pulldown-cmark events; no I/O. Terminal text
//! is wrapped to a width and uses ANSI styles only when asked to (the caller
//! decides from the terminal and `NO_COLOR`).

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// ANSI styles, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.color && !s.is_empty() {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub fn cyan(&self, s: &str) -> String {
        self.wrap("36", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Markdown as HTML (article bodies are the project's or an organisation's
/// own text; raw HTML in them is escaped, not passed through).
pub fn to_html(md: &str) -> String {
    let events = Parser::new_ext(md, options()).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        e => e,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// The anchor of an article in a rendered walkthrough (`article-SO7079`):
/// stable, so a ticket can link to `walkthrough.html#article-SO7079`.
pub fn article_anchor(id: &str) -> String {
    format!("article-{id}")
}

/// Whether a word looks like an article id: capital letters then digits
/// (`SO7079`, `TS2011`, `INFO646`, `CH1001`). Callers still ask the
/// knowledge base whether the article exists.
fn looks_like_id(word: &str) -> bool {
    let letters = word.chars().take_while(|c| c.is_ascii_uppercase()).count();
    let digits = word.len() - letters;
    letters >= 2 && digits >= 2 && word[letters..].chars().all(|c| c.is_ascii_digit())
}

/// Article ids mentioned in running text (`see TS2011`), as byte ranges of
/// `text`; a word must look like an id and satisfy `is_article`.
fn ids_in(text: &str, is_article: &dyn Fn(&str) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (start, c.is_ascii_alphanumeric()) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                // Not part of a path, a file name's stem or an anchor
                // (`#article-SO7079`, `kb/SO7079.md`).
                let before = text[..s].chars().next_back();
                let glued = matches!(before, Some('-' | '/' | '_' | '#' | '.'));
                if !glued && looks_like_id(&text[s..i]) && is_article(&text[s..i]) {
                    found.push(s..i);
                }
                start = None;
            }
            _ => {}
        }
    }
    found
}

/// The article ids `md` mentions in its running text (not in code, links
/// or raw HTML), in order, each once.
pub fn mentioned_ids(md: &str, is_article: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for range in mention_ranges(md, is_article) {
        let id = &md[range];
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    }
    ids
}

/// Byte ranges of `md` where running text mentions an article.
fn mention_ranges(md: &str, is_article: &dyn Fn(&str) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut in_link = 0usize;
    let mut in_code_block = false;
    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => in_link += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => in_link = in_link.saturating_sub(1),
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(_) if in_link == 0 && !in_code_block => {
                let source = &md[range.clone()];
                ranges
                    .extend(ids_in(source, is_article).into_iter().map(|r| range.start + r.start..range.start + r.end));
            }
            _ => {}
        }
    }
    ranges
}

/// `md` with every mention of an article that has an anchor in the same
/// document (`has_anchor`) turned into a link to it: `[TS2011](#article-TS2011)`.
/// Other ids stay plain text, so no link is ever dead.
pub fn link_article_ids(md: &str, has_anchor: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(md.len());
    let mut last = 0;
    for range in mention_ranges(md, has_anchor) {
        let id = &md[range.clone()];
        out.push_str(&md[last..range.start]);
        out.push_str(&format!("[{id}](#{})", article_anchor(id)));
        last = range.end;
    }
    out.push_str(&md[last..]);
    out
}

/// Plain text as HTML: escaped, with article mentions that have an anchor
/// in the document linked (for notes and findings, which are not Markdown).
pub fn text_to_html_linked(text: &str, has_anchor: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for range in ids_in(text, has_anchor) {
        let id = &text[range.clone()];
        out.push_str(&escape_html(&text[last..range.start]));
        out.push_str(&format!("<a href=\"#{}\">{id}</a>", article_anchor(id)));
        last = range.end;
    }
    out.push_str(&escape_html(&text[last..]));
    out
}

/// The article ids a plain text mentions, in order.
pub fn ids_in_text(text: &str, is_article: &dyn Fn(&str) -> bool) -> Vec<String> {
    ids_in(text, is_article).into_iter().map(|r| text[r].to_string()).collect()
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Markdown with its headings moved down by `levels` (to nest an article
/// under a step heading).
pub fn shift_headings(md: &str, levels: usize) -> String {
    let mut out = String::new();
    let mut in_fence = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && line.starts_with('#') {
            let hashes = line.chars().take_while(|c| *c == '#').count();
            out.push_str(&"#".repeat((hashes + levels).min(6)));
            out.push_str(&line[hashes..]);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Markdown as wrapped terminal text, every line prefixed by `indent`.
pub fn to_text(md: &str, style: Style, width: usize, indent: &str) -> String {
    let mut w = TextWriter {
        style,
        width: width.max(40),
        out: String::new(),
        line: Vec::new(),
        prefix: vec![indent.to_string()],
        first_prefix: None,
        lists: Vec::new(),
        bold: 0,
        code_block: false,
        heading: false,
        link: None,
        in_table: false,
        table_row: Vec::new(),
        cell: String::new(),
    };
    for event in Parser::new_ext(md, options()) {
        w.event(event);
    }
    w.flush();
    while w.out.ends_with("\n\n") {
        w.out.pop();
    }
    w.out
}

/// Wraps one line of terminal text at `width` columns, keeping its leading
/// spaces on the first line and indenting the others by `hang` spaces.
/// ANSI style sequences take no room.
pub fn wrap_line(line: &str, width: usize, hang: usize) -> String {
    let lead = line.len() - line.trim_start_matches(' ').len();
    let mut out = String::new();
    let mut current = " ".repeat(lead);
    let mut len = lead;
    let mut empty = true;
    for word in line.split_whitespace() {
        let n = visible_len(word);
        if !empty && len + 1 + n > width {
            out.push_str(current.trim_end());
            out.push('\n');
            current = " ".repeat(hang);
            len = hang;
            empty = true;
        }
        if !empty {
            current.push(' ');
            len += 1;
        }
        current.push_str(word);
        len += n;
        empty = false;
    }
    out.push_str(current.trim_end());
    out
}

/// Characters a terminal shows (ANSI style sequences take no room).
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

struct TextWriter {
    style: Style,
    width: usize,
    out: String,
    /// Words of the current block: (visible text, styled text).
    line: Vec<(String, String)>,
    prefix: Vec<String>,
    /// Prefix for the first line of a list item ("  1. ").
    first_prefix: Option<String>,
    /// Open lists: next number, or None for bullets.
    lists: Vec<Option<u64>>,
    bold: usize,
    code_block: bool,
    heading: bool,
    link: Option<String>,
    in_table: bool,
    table_row: Vec<String>,
    cell: String,
}

impl TextWriter {
    fn push_text(&mut self, text: &str, code: bool) {
        if self.in_table {
            self.cell.push_str(text);
            return;
        }
        let starts_with_space = text.starts_with(char::is_whitespace);
        for (i, word) in text.split_whitespace().enumerate() {
            let styled = if code {
                self.style.cyan(word)
            } else if self.bold > 0 || self.heading {
                self.style.bold(word)
            } else {
                word.to_string()
            };
            // Glue punctuation and styled runs to the previous word when the
            // source had no space between them.
            if i == 0 && !starts_with_space {
                if let Some(last) = self.line.last_mut() {
                    if !last.0.is_empty() {
                        last.0.push_str(word);
                        last.1.push_str(&styled);
                        continue;
                    }
                }
            }
            self.line.push((word.to_string(), styled));
        }
        if text.ends_with(char::is_whitespace) {
            self.line.push((String::new(), String::new()));
        }
    }

    fn current_prefix(&self) -> String {
        self.prefix.concat()
    }

    /// Writes the pending words as wrapped lines.
    fn flush(&mut self) {
        let words: Vec<(String, String)> = self.line.drain(..).filter(|w| !w.0.is_empty()).collect();
        if words.is_empty() {
            return;
        }
        let rest = self.current_prefix();
        let mut prefix = self.first_prefix.take().unwrap_or_else(|| rest.clone());
        let mut len = visible_len(&prefix);
        let mut line = prefix.clone();
        let mut empty = true;
        for (plain, styled) in words {
            let n = plain.chars().count();
            if !empty && len + 1 + n > self.width {
                self.out.push_str(line.trim_end());
                self.out.push('\n');
                prefix = rest.clone();
                line = prefix.clone();
                len = visible_len(&prefix);
                empty = true;
            }
            if !empty {
                line.push(' ');
                len += 1;
            }
            line.push_str(&styled);
            len += n;
            empty = false;
        }
        self.out.push_str(line.trim_end());
        self.out.push('\n');
    }

    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn event(&mut self, e: Event) {
        match e {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                if self.code_block {
                    let p = self.current_prefix();
                    for l in t.lines() {
                        self.out.push_str(&format!("{p}    {}\n", self.style.cyan(l)));
                    }
                } else {
                    self.push_text(&t, false);
                }
            }
            Event::Code(t) if self.in_table => self.cell.push_str(&t),
            Event::Code(t) => self.push_text(&t, true),
            Event::SoftBreak => self.push_text(" ", false),
            Event::HardBreak => self.flush(),
            Event::Html(t) | Event::InlineHtml(t) => self.push_text(&t, false),
            Event::Rule => {
                self.flush();
                let p = self.current_prefix();
                self.out.push_str(&format!("{p}{}\n", "-".repeat(20)));
            }
            Event::TaskListMarker(done) => self.push_text(if done { "[x] " } else { "[ ] " }, false),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph => {}
            Tag::Heading { level, .. } => {
                self.flush();
                self.blank();
                self.heading = true;
                if level == HeadingLevel::H1 {
                    self.bold += 1;
                }
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.prefix.push(self.style.dim("| "));
            }
            Tag::CodeBlock(kind) => {
                self.flush();
                self.code_block = true;
                let _ = matches!(kind, CodeBlockKind::Fenced(_));
            }
            Tag::List(start) => {
                self.flush();
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "- ".to_string(),
                };
                let pad = "  ".repeat(depth);
                let base = self.current_prefix();
                self.first_prefix = Some(format!("{base}{pad}{}", self.style.bold(&marker)));
                // Continuation lines line up with the text after the marker;
                // the styled marker is longer than it looks, so pad plainly.
                self.prefix.push(format!("{pad}{}", " ".repeat(marker.len())));
            }
            Tag::Strong | Tag::Emphasis => self.bold += 1,
            Tag::Link { dest_url, .. } => self.link = Some(dest_url.to_string()),
            Tag::Table(_) => {
                self.flush();
                self.in_table = true;
            }
            Tag::TableHead | Tag::TableRow => self.table_row.clear(),
            Tag::TableCell => self.cell.clear(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                self.flush();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Heading(level) => {
                self.flush();
                self.heading = false;
                if level == HeadingLevel::H1 {
                    self.bold -= 1;
                }
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.prefix.pop();
                self.blank();
            }
            TagEnd::CodeBlock => {
                self.code_block = false;
                self.blank();
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Item => {
                self.flush();
                self.prefix.pop();
                self.first_prefix = None;
            }
            TagEnd::Strong | TagEnd::Emphasis => self.bold = self.bold.saturating_sub(1),
            TagEnd::Link => {
                if let Some(url) = self.link.take() {
                    if url.starts_with("http") {
                        self.push_text(&format!(" <{url}>"), false);
                    }
                }
            }
            TagEnd::TableCell => {
                let c = std::mem::take(&mut self.cell);
                self.table_row.push(c.trim().to_string());
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                let row = std::mem::take(&mut self.table_row);
                let p = self.current_prefix();
                let header = matches!(tag, TagEnd::TableHead);
                let line = row.join(" | ");
                self.out.push_str(&format!("{p}{}\n", if header { self.style.bold(&line) } else { line }));
            }
            TagEnd::Table => {
                self.in_table = false;
                self.blank();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Style = Style { color: false };

    #[test]
    fn numbered_steps_keep_their_numbers_and_wrap_under_the_text() {
        let md = "## Steps\n\n1. Open **Settings > Privacy** and click a long sentence that will need wrapping onto the next line.\n2. Second.\n";
        let t = to_text(md, PLAIN, 50, "  ");
        assert!(t.contains("  1. Open Settings > Privacy"), "{t}");
        assert!(t.contains("\n     "), "continuation is indented: {t}");
        assert!(t.contains("  2. Second."), "{t}");
    }

    #[test]
    fn colour_only_when_asked() {
        let t = to_text("Use `certutil`.", Style { color: true }, 80, "");
        assert!(t.contains("\x1b[36mcertutil\x1b[0m"));
        assert!(!to_text("Use `certutil`.", PLAIN, 80, "").contains('\x1b'));
    }

    #[test]
    fn wrap_line_hangs_continuations() {
        assert_eq!(wrap_line("  * one two three four", 12, 4), "  * one two\n    three\n    four");
    }

    #[test]
    fn tables_keep_every_column() {
        let t = to_text("| App | Store |\n| --- | --- |\n| Chrome | `nssdb` |\n", PLAIN, 80, "");
        assert!(t.contains("App | Store"), "{t}");
        assert!(t.contains("Chrome | nssdb"), "{t}");
    }

    #[test]
    fn html_escapes_raw_html() {
        assert!(to_html("a <script>x</script>").contains("&lt;script&gt;"));
    }

    fn known(id: &str) -> bool {
        ["SO7079", "TS2011", "INFO646"].contains(&id)
    }

    #[test]
    fn article_mentions_become_links_outside_code_and_links() {
        let md =
            "See TS2011 and SO7079, not `TS2011`, [SO7079](#x), kb/SO7079.md, SO9999 or AB12.\n\n```\nTS2011\n```\n";
        let out = link_article_ids(md, &known);
        assert_eq!(
            out,
            "See [TS2011](#article-TS2011) and [SO7079](#article-SO7079), not `TS2011`, [SO7079](#x), kb/SO7079.md, SO9999 or AB12.\n\n```\nTS2011\n```\n"
        );
        assert_eq!(mentioned_ids(md, &known), ["TS2011", "SO7079"]);
    }

    #[test]
    fn mentions_in_plain_text_are_escaped_and_linked() {
        assert_eq!(
            text_to_html_linked("<b> (INFO646) & TS2011", &|id| id == "INFO646"),
            "&lt;b&gt; (<a href=\"#article-INFO646\">INFO646</a>) &amp; TS2011"
        );
        assert_eq!(ids_in_text("TS2011, SO7079", &known), ["TS2011", "SO7079"]);
    }

    #[test]
    fn headings_shift() {
        assert_eq!(shift_headings("## A\n```\n# not\n```\n", 2), "#### A\n```\n# not\n```\n");
    }
}
