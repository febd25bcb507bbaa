//! Knowledge-base loading, overriding and linting (`--kb`, CERTHELP_KB,
//! `kb lint`), against real directories of articles.

use std::path::Path;

use crate::util::{certhelp, repo, run, stderr, stdout, TempDir};

fn copy_kb(to: &Path) {
    for e in std::fs::read_dir(repo().join("kb")).unwrap() {
        let p = e.unwrap().path();
        // The articles only (kb/codes/ is the error-code table).
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn the_shipped_knowledge_base_lints_clean() {
    let home = TempDir::new("kb");
    let o = run(certhelp(home.path()).args(["kb", "lint"]));
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let o = run(certhelp(home.path()).args(["kb", "lint", repo().join("kb").to_str().unwrap()]));
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn lint_names_file_and_line_of_a_broken_article() {
    let home = TempDir::new("kb");
    let dir = TempDir::new("kbdir");
    copy_kb(dir.path());
    let f = dir.path().join("SO7085.md");
    let text = std::fs::read_to_string(&f).unwrap().replacen("kind: import", "kind: imprt", 1);
    std::fs::write(&f, text).unwrap();
    let o = run(certhelp(home.path()).args(["kb", "lint", dir.path().to_str().unwrap()]));
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    let line = out.lines().find(|l| l.contains("SO7085.md")).expect("names the file");
    assert!(line.contains("SO7085.md:5: unknown kind `imprt`"), "{out}");
}

#[test]
fn lint_reports_an_article_the_tables_name_that_is_missing() {
    let home = TempDir::new("kb");
    let dir = TempDir::new("kbdir");
    copy_kb(dir.path());
    std::fs::remove_file(dir.path().join("SO5437.md")).unwrap();
    let o = run(certhelp(home.path()).args(["kb", "lint", dir.path().to_str().unwrap()]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("SO5437.md: article `SO5437` is missing"), "{}", stdout(&o));
}

const ORG_ARTICLE: &str = "---\nid: SO7079\ntitle: ACME way to export from Chrome\nsummary: Ask the ACME help desk first.\nkind: export\napps: [chrome]\nos: [windows]\n---\nCall extension 4242 before you export.\n\n## Steps\n\n1. Call the help desk.\n";

#[test]
fn an_organisation_overrides_and_adds_articles() {
    let home = TempDir::new("kb");
    let org = TempDir::new("org");
    std::fs::write(org.path().join("SO7079.md"), ORG_ARTICLE).unwrap();
    std::fs::write(
        org.path().join("ACME1.md"),
        "---\nid: ACME1\ntitle: ACME VPN certificate\nsummary: Install the ACME VPN certificate.\nkind: guide\nsynonyms: [vpn, anyconnect]\n---\nUse the ACME portal.\n",
    )
    .unwrap();
    let dir = org.path().to_str().unwrap();
    // --kb and CERTHELP_KB both lay the directory over the shipped articles.
    let o = run(certhelp(home.path()).args([
        "--kb",
        dir,
        "plan",
        "--no-probe",
        "--os",
        "linux",
        "move identity cert to new pc",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Call extension 4242"), "{}", stdout(&o));
    let o = run(certhelp(home.path()).env("CERTHELP_KB", dir).args(["search", "anyconnect vpn"]));
    assert!(stdout(&o).starts_with("ACME1"), "{}", stdout(&o));
    let o = run(certhelp(home.path()).args(["kb", "lint", dir]));
    assert!(o.status.success(), "an overlay is checked over the shipped articles: {}", stdout(&o));
}

#[test]
fn a_broken_organisation_article_is_a_warning_not_a_silent_skip() {
    let home = TempDir::new("kb");
    let org = TempDir::new("org");
    std::fs::write(org.path().join("SO7079.md"), ORG_ARTICLE.replace("---\nCall", "Call")).unwrap();
    let o = run(certhelp(home.path()).args(["--kb", org.path().to_str().unwrap(), "list"]));
    // The tool still answers, with the shipped article, and says which file
    // and line to fix.
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.contains("warning: ") && err.contains("SO7079.md"), "{err}");
    assert!(err.contains("kb lint"), "{err}");
    assert!(stdout(&o).contains("SO7079"));
}

#[test]
fn a_config_file_names_the_organisation_directory() {
    let home = TempDir::new("kb");
    let cfg = home.path().join(".config/certhelp");
    std::fs::create_dir_all(cfg.join("org-kb")).unwrap();
    std::fs::write(cfg.join("org-kb/SO7079.md"), ORG_ARTICLE).unwrap();
    // A relative directory is relative to the config file.
    std::fs::write(cfg.join("config"), "# ACME settings\nkb = org-kb\n").unwrap();
    let o = run(certhelp(home.path()).args(["show", "SO7079", "--color", "never"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Call extension 4242"), "{}", stdout(&o));
    let o = run(certhelp(home.path()).args(["kb", "paths"]));
    assert!(stdout(&o).contains("org-kb"), "{}", stdout(&o));
}
