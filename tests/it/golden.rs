//! Golden files for every output format of `plan` and `show`
//! (tests/golden/). Run with UPDATE_GOLDEN=1 to rewrite them after an
//! intended change, then read the diff.

use crate::util::{certhelp, repo, run, stderr, stdout, TempDir};

fn check(name: &str, args: &[&str]) {
    let home = TempDir::new("golden");
    let o = run(certhelp(home.path()).args(args));
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    let got = stdout(&o);
    let path = repo().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {name}: run with UPDATE_GOLDEN=1"));
    if got != want {
        let first = got.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{name} differs from the golden file at line {}:\n  got:  {:?}\n  want: {:?}\n(UPDATE_GOLDEN=1 rewrites it)",
            first + 1,
            got.lines().nth(first),
            want.lines().nth(first)
        );
    }
}

const Q: &str = "move identity cert to new pc";

#[test]
fn plan_text() {
    check("move-identity.txt", &["plan", "--no-probe", "--os", "linux", "--color", "never", Q]);
}

#[test]
fn plan_text_in_colour() {
    check("move-identity.color.txt", &["plan", "--no-probe", "--os", "linux", "--color", "always", Q]);
}

#[test]
fn plan_markdown() {
    check("move-identity.md", &["plan", "--no-probe", "--os", "linux", "--format", "md", Q]);
}

#[test]
fn plan_html() {
    check("move-identity.html", &["plan", "--no-probe", "--os", "linux", "--format", "html", Q]);
}

#[test]
fn plan_json() {
    check("move-identity.json", &["plan", "--no-probe", "--os", "linux", "--format", "json", Q]);
}

#[test]
fn plan_with_a_choice_step_as_markdown() {
    check(
        "move-encryption-choice.md",
        &["plan", "--no-probe", "--os", "windows", "--format", "md", "move my encryption cert from firefox to chrome"],
    );
}

#[test]
fn shared_store_plan_text() {
    check(
        "shared-store.txt",
        &["plan", "--no-probe", "--os", "windows", "--color", "never", "move my cert from chrome to edge"],
    );
}

#[test]
fn show_in_every_format() {
    check("show-SO4292.txt", &["show", "SO4292", "--color", "never"]);
    check("show-SO4292.md", &["show", "SO4292", "--format", "md"]);
    check("show-SO4292.html", &["show", "SO4292", "--format", "html"]);
    check("show-SO4292.json", &["show", "SO4292", "--format", "json"]);
}
