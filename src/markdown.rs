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

    #[test]
    fn headings_shift() {
        assert_eq!(shift_headings("## A\n```\n# not\n```\n", 2), "#### A\n```\n# not\n```\n");
    }
}
