//! The command line's contract (SPEC §4-5): JSON fields, exit status, the
//! grammar of questions, one-line errors with a hint.

use crate::util::{certhelp, plan_json, run, stderr, stdout, TempDir};

#[test]
fn spec_example_json_has_the_contract_fields() {
    let home = TempDir::new("cli");
    let v = plan_json(home.path(), "linux", "move identity cert to new pc");
    assert_eq!(v["query"], "move identity cert to new pc");
    let i = &v["intent"];
    assert_eq!(i["activity"], "move");
    assert_eq!(i["cert_type"], "identity");
    assert_eq!(i["product"], "eca");
    assert_eq!(i["from"]["app"], "chrome");
    assert_eq!(i["from"]["os"], "windows");
    assert_eq!(i["to"]["app"], "chrome");
    assert_eq!(i["to"]["os"], "windows");
    assert_eq!(i["to"]["new_computer"], true);
    assert!(i["mail_client"].is_null());
    let steps = v["steps"].as_array().unwrap();
    let actions: Vec<&str> = steps.iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["export", "chain", "import"]);
    assert_eq!(steps[0]["app"], "chrome");
    assert_eq!(steps[0]["os"], "windows");
    assert!(steps.iter().all(|s| !s["title"].as_str().unwrap().is_empty()));
    assert_eq!(v["articles"], serde_json::json!(["SO7079", "SO10186", "SO7085"]));
    assert!(v["notes"].is_array());
}

#[test]
fn a_choice_step_has_null_article_and_choices() {
    let home = TempDir::new("cli");
    let v = plan_json(home.path(), "windows", "back up my firefox cert and move it to a new mac");
    let chain = v["steps"].as_array().unwrap().iter().find(|s| s["action"] == "chain").unwrap().clone();
    assert!(chain["article"].is_null());
    assert_eq!(chain["choices"][0]["article"], "SO10186");
    assert_eq!(chain["choices"][0]["when"], "ECA certificate");
    assert_eq!(chain["choices"][1]["article"], "SO6395");
    assert!(v["articles"].as_array().unwrap().iter().any(|a| a == "SO10186|SO6395"));
    // No terminal: the alternatives are written as a note.
    assert!(v["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("--product")));
}

#[test]
fn a_shared_store_is_an_empty_plan_with_a_note() {
    let home = TempDir::new("cli");
    let v = plan_json(home.path(), "macos", "move my cert from safari to chrome");
    assert_eq!(v["steps"], serde_json::json!([]));
    assert_eq!(v["articles"], serde_json::json!([]));
    assert!(!v["notes"].as_array().unwrap().is_empty());
}

#[test]
fn flags_override_the_question() {
    let home = TempDir::new("cli");
    let o = run(certhelp(home.path()).args([
        "plan",
        "--no-probe",
        "--format",
        "json",
        "--os",
        "windows",
        "--activity",
        "move",
        "--from",
        "mozilla",
        "--to",
        "thunderbird",
        "--product",
        "digital-id",
        "my certificate",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // A move into a mail client is `mail` however it was asked (SPEC §2).
    assert_eq!(v["articles"], serde_json::json!(["SO4291", "SO6395", "SO5437", "SO4292"]));
    assert_eq!(v["intent"]["activity"], "mail");
}

#[test]
fn no_probe_depends_only_on_the_question_and_flags() {
    let home = TempDir::new("cli");
    // A Firefox profile in HOME must not change a --no-probe answer.
    std::fs::create_dir_all(home.path().join(".mozilla/firefox/x.default")).unwrap();
    let a = plan_json(home.path(), "linux", "backup my certificate");
    let other = TempDir::new("cli");
    let b = plan_json(other.path(), "linux", "backup my certificate");
    assert_eq!(a, b);
    assert_eq!(a["articles"], serde_json::json!(["SO4291"]));
}

#[test]
fn unquoted_words_are_a_question() {
    let home = TempDir::new("cli");
    let o = run(certhelp(home.path()).args(["--color", "never", "export", "my", "cert", "from", "firefox"]));
    // `export` is a verb: its own flags are required, and the error says
    // how to ask the question instead.
    assert_eq!(o.status.code(), Some(2));
    let o = run(certhelp(home.path()).args(["plan", "--no-probe", "--color", "never", "backup", "firefox"]));
    assert!(o.status.success());
    assert!(stdout(&o).contains("SO4291"));
    let o = run(certhelp(home.path()).args(["--color", "never", "--no-probe", "backup firefox"]));
    assert!(o.status.success(), "plan flags before a question: {}", stderr(&o));
    let o = run(certhelp(home.path()).args(["--color", "never", "how do i backup my firefox cert"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("[SO4291]"));
}

fn assert_one_line_error(o: &std::process::Output, cause: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "error and hint: {err}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(cause), "{err}");
    assert!(lines[1].starts_with("hint: "), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn bad_input_is_one_line_with_a_hint() {
    let home = TempDir::new("cli");
    assert_one_line_error(&run(certhelp(home.path()).args(["show", "SO99999"])), "no article `SO99999`");
    assert_one_line_error(
        &run(certhelp(home.path()).args(["plan", "--env", "/nonexistent/probe.json", "x"])),
        "cannot read probe file",
    );
    assert_one_line_error(
        &run(certhelp(home.path()).args(["plan", "--no-probe", "--from", "lynx", "move"])),
        "unknown app",
    );
    let bad = home.path().join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    assert_one_line_error(
        &run(certhelp(home.path()).args(["plan", "--env", bad.to_str().unwrap(), "x"])),
        "not a certhelp probe file",
    );
}

#[test]
fn search_that_finds_nothing_exits_1() {
    let home = TempDir::new("cli");
    let o = run(certhelp(home.path()).args(["search", "zzqqxx"]));
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn colour_follows_the_flag_and_is_off_in_a_pipe() {
    let home = TempDir::new("cli");
    let q = "backup my firefox cert";
    let piped = run(certhelp(home.path()).args(["plan", "--no-probe", q]));
    assert!(!stdout(&piped).contains('\x1b'));
    let forced = run(certhelp(home.path()).args(["plan", "--no-probe", "--color", "always", q]));
    assert!(stdout(&forced).contains("\x1b[1m"));
}

#[test]
fn list_shows_every_seed_article() {
    let home = TempDir::new("cli");
    let out = stdout(&run(certhelp(home.path()).args(["list", "--color", "never"])));
    for id in [
        "SO6063", "SO7079", "SO4291", "SO2139", "SO28421", "SO10780", "SO7085", "SO5437", "SO2800", "SO5181",
        "SO10781", "SO6722", "SO4292", "SO10732", "SO28425", "INFO646", "SO28695", "SO10186", "SO6395",
    ] {
        assert!(out.lines().any(|l| l.starts_with(id)), "{id} missing from list");
    }
}

#[test]
fn help_documents_the_verbs() {
    let home = TempDir::new("cli");
    let out = stdout(&run(certhelp(home.path()).arg("--help")));
    for verb in ["plan", "search", "show", "list", "kb", "probe", "doctor", "export", "import", "run"] {
        assert!(out.contains(verb), "{verb}");
    }
}

/// Runs certhelp on a pseudo-terminal (util-linux `script`), typing `input`.
fn on_a_terminal(home: &std::path::Path, args: &str, input: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_certhelp");
    let mut child = std::process::Command::new("script")
        .args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs commands on a terminal");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    String::from_utf8_lossy(&child.wait_with_output().unwrap().stdout).into_owned()
}

#[test]
fn on_a_terminal_a_choice_is_asked_and_answered() {
    let home = TempDir::new("cli");
    let q = "plan --no-probe --color never 'move my encryption cert from firefox to chrome on windows'";
    let out = on_a_terminal(home.path(), q, "2\n");
    assert!(out.contains("Which certificate do you have?"), "{out}");
    assert!(out.contains("Articles: SO4291 -> SO6395 -> SO7085"), "{out}");
    // --no-input never asks: the choice stays, with a note.
    let out = on_a_terminal(home.path(), &format!("{q} --no-input"), "");
    assert!(!out.contains("Which certificate do you have?"), "{out}");
    assert!(out.contains("SO10186|SO6395"), "{out}");
}

#[test]
fn walkthroughs_offer_the_certhelp_command_where_certhelp_can_do_the_step() {
    let home = crate::util::TempDir::new("cli-cmd");
    let v = crate::util::plan_json(home.path(), "linux", "move my certificate from firefox to thunderbird");
    let cmds: Vec<&str> = v["steps"].as_array().unwrap().iter().filter_map(|s| s["command"].as_str()).collect();
    assert!(cmds.contains(&"certhelp import --from firefox --to thunderbird --all"), "{v}");
    let v = crate::util::plan_json(home.path(), "linux", "back up my firefox certificate");
    assert_eq!(v["steps"][0]["command"], "certhelp export --from firefox --all --out certificate-backup", "{v}");
    // Windows: the article's steps only.
    let v = crate::util::plan_json(home.path(), "windows", "move identity cert to new pc");
    assert!(v["steps"].as_array().unwrap().iter().all(|s| s.get("command").is_none()), "{v}");
}
