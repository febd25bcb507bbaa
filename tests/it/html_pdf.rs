//! The HTML walkthrough that support agents attach to tickets: every link
//! inside it resolves, it loads nothing from anywhere, and headless
//! Chromium prints it to a PDF (read back with pdftotext) with every step
//! in order, each on a page of its own. The Markdown walkthrough's links
//! resolve too.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{certhelp, run, stderr, stdout, TempDir};

/// Plans that between them hold a choice step, an empty plan, findings-free
/// troubleshooting and the usual move.
const PLANS: &[(&str, &str)] = &[
    ("linux", "move identity cert to new pc"),
    ("windows", "move my encryption cert from firefox to chrome"),
    ("windows", "move my cert from chrome to edge"),
    ("linux", "firefox says the certificate is not trusted"),
    ("macos", "send signed mail with apple mail from my firefox cert"),
];

fn plan(home: &Path, os: &str, format: &str, q: &str) -> String {
    let o = run(certhelp(home).args(["plan", "--no-probe", "--os", os, "--format", format, q]));
    assert!(o.status.success(), "{q}: {}", stderr(&o));
    stdout(&o)
}

/// The values of `attr="..."` in an HTML or Markdown document.
fn attr_values(doc: &str, attr: &str) -> Vec<String> {
    let pat = format!("{attr}=\"");
    doc.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &doc[i + pat.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn every_link_in_the_html_walkthrough_has_its_anchor_and_anchors_are_stable() {
    let home = TempDir::new("html-links");
    for (os, q) in PLANS {
        let html = plan(home.path(), os, "html", q);
        let ids = attr_values(&html, " id");
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{q}: an id appears twice: {ids:?}");
        for href in attr_values(&html, "href") {
            if let Some(target) = href.strip_prefix('#') {
                assert!(unique.contains(&target.to_string()), "{q}: dead link #{target}");
            }
        }
        let json: serde_json::Value = serde_json::from_str(&plan(home.path(), os, "json", q)).unwrap();
        for (i, step) in json["steps"].as_array().unwrap().iter().enumerate() {
            assert!(unique.contains(&format!("step-{}", i + 1)), "{q}: no anchor step-{}", i + 1);
            let articles = step["article"].as_str().map(|a| vec![a]).unwrap_or_else(|| {
                step["choices"].as_array().unwrap().iter().map(|c| c["article"].as_str().unwrap()).collect()
            });
            for a in articles {
                assert!(unique.contains(&format!("article-{a}")), "{q}: no anchor article-{a}");
            }
        }
    }
    // Cross-references in article text are links: SO7079 says "see TS2006".
    let html = plan(home.path(), "linux", "html", "move identity cert to new pc");
    assert!(html.contains(r##"<a href="#article-TS2006">TS2006</a>"##), "{html}");
    assert!(html.contains(r#"<dt id="article-TS2006">"#), "referenced articles get an entry");
    assert!(html.contains(r#"id="article-SO10186""#));
}

#[test]
fn the_html_walkthrough_loads_nothing_from_anywhere() {
    let home = TempDir::new("html-offline");
    for (os, q) in PLANS {
        let html = plan(home.path(), os, "html", q);
        let lower = html.to_ascii_lowercase();
        let resources = [
            "<script",
            "<link",
            "<img",
            "<iframe",
            "<object",
            "<embed",
            "<video",
            "<audio",
            "<source",
            "<base",
            "http-equiv",
            "@import",
            "@font-face",
            "url(",
            " src=",
            "srcset",
        ];
        for resource in resources {
            assert!(!lower.contains(resource), "{q}: the page loads a resource ({resource})");
        }
        // A web address may appear in text or as the target of a plain
        // link (`<a href>`), never inside any other tag.
        for (i, _) in lower.match_indices("http://").chain(lower.match_indices("https://")) {
            let open = lower[..i].rfind('<');
            let close = lower[..i].rfind('>');
            if open > close {
                let tag = &lower[open.unwrap()..i];
                assert!(tag.starts_with("<a "), "{q}: a web address inside {tag:?}");
            }
        }
        assert!(html.contains("@media print"), "{q}: no print stylesheet");
        assert!(html.contains("prefers-color-scheme: dark"), "{q}: no dark mode");
    }
}

#[test]
fn every_link_in_the_markdown_walkthrough_has_its_anchor() {
    let home = TempDir::new("md-links");
    for (os, q) in PLANS {
        let md = plan(home.path(), os, "md", q);
        let anchors: HashSet<String> = attr_values(&md, "<a id").into_iter().collect();
        for (i, _) in md.match_indices("](#") {
            let rest = &md[i + 3..];
            let target = &rest[..rest.find(')').unwrap()];
            assert!(anchors.contains(target), "{q}: dead link #{target}");
        }
        if !md.contains("Nothing to do") {
            assert!(anchors.contains("step-1"), "{q}: no step anchors");
        }
    }
    let md = plan(home.path(), "linux", "md", "move identity cert to new pc");
    assert!(md.contains("[TS2006](#article-TS2006)"), "{md}");
}

/// Runs `cmd`, killing it after `limit` so a hung browser cannot hang CI.
fn run_bounded(cmd: &mut Command, limit: Duration, what: &str) -> std::process::Output {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap_or_else(|e| {
        panic!("{what} could not be started ({e}): run .ci/install-deps, which installs chromium and poppler-utils")
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!("{what} did not finish within {limit:?}; killed. stderr:\n{}", String::from_utf8_lossy(&o.stderr));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn headless_chromium_prints_every_step_in_order() {
    let home = TempDir::new("html-pdf");
    let (os, q) = ("windows", "move my encryption cert from firefox to chrome");
    let html_file = home.path().join("walkthrough.html");
    std::fs::write(&html_file, plan(home.path(), os, "html", q)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&plan(home.path(), os, "json", q)).unwrap();
    let pdf = home.path().join("walkthrough.pdf");
    let profile = home.path().join("chromium-profile");

    let o = run_bounded(
        Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", html_file.display()))
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .env("XDG_CACHE_HOME", home.path().join(".cache")),
        Duration::from_secs(60),
        "chromium",
    );
    assert!(pdf.exists(), "chromium wrote no PDF ({:?}):\n{}", o.status, String::from_utf8_lossy(&o.stderr));

    let o = run_bounded(Command::new("pdftotext").arg(&pdf).arg("-"), Duration::from_secs(60), "pdftotext");
    assert!(o.status.success(), "pdftotext: {}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout).replace('\u{fb01}', "fi").replace('\u{fb02}', "fl");
    // pdftotext breaks lines where the page did: compare with whitespace
    // squeezed, page by page (a form feed between pages).
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let pages: Vec<String> = text.split('\u{c}').map(squeeze).collect();
    let all = squeeze(&text);

    let mut at = 0;
    let steps = json["steps"].as_array().unwrap();
    assert!(steps.len() >= 3, "{json}");
    for (i, step) in steps.iter().enumerate() {
        let heading = format!("Step {}: {}", i + 1, step["title"].as_str().unwrap());
        let found =
            all[at..].find(&heading).unwrap_or_else(|| panic!("the PDF lacks {heading:?} after byte {at}:\n{all}"));
        at += found + heading.len();
        let ids: Vec<&str> = match step["article"].as_str() {
            Some(a) => vec![a],
            None => step["choices"].as_array().unwrap().iter().map(|c| c["article"].as_str().unwrap()).collect(),
        };
        for id in ids {
            let found = all[at..].find(id).unwrap_or_else(|| panic!("the PDF lacks {id} in step {}", i + 1));
            at += found + id.len();
        }
        // The print stylesheet starts each step on a fresh page.
        assert!(
            pages.iter().any(|p| p.starts_with(&heading)),
            "step {} does not start a page: the print stylesheet was not applied",
            i + 1
        );
    }
}
