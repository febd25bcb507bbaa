//! The published JSON Schemas (schemas/*.schema.json): they are what the
//! types generate (`UPDATE_SCHEMAS=1` rewrites them), and real output of
//! `probe --json`, `doctor --json` and `plan --format json` validates
//! against them with an independent validator, Python's jsonschema
//! (Debian's python3-jsonschema, installed by .ci/install-deps).

use std::path::PathBuf;
use std::process::Command;

use crate::fixtures;
use crate::util::{certhelp, repo, run, stderr, TempDir};

/// The distribution's python3 (Debian's python3-jsonschema lives there),
/// not one a developer's PATH puts first with another jsonschema.
fn python() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

fn schema_path(name: &str) -> PathBuf {
    repo().join("schemas").join(format!("{name}.schema.json"))
}

#[test]
fn published_schemas_are_what_the_types_generate() {
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    for (name, _) in certhelp::schema::NAMES {
        let generated = certhelp::schema::generate(name).unwrap();
        let path = schema_path(name);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let published = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing {}: run with UPDATE_SCHEMAS=1", path.display()));
        assert!(
            published == generated,
            "{} differs from what the Rust types generate: the output format changed. \
             Rewrite it with UPDATE_SCHEMAS=1 cargo test --test it schemas, read the diff, \
             and bump env::SCHEMA_VERSION if a field was renamed or removed",
            path.display()
        );
    }
}

/// Validates each (schema name, output) pair in one python3 run; panics
/// with every error the validator reports.
fn validate(cases: &[(&str, String, Vec<u8>)]) {
    let dir = TempDir::new("schemas");
    let mut list = String::new();
    for (i, (schema, label, out)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("{i}.json"));
        std::fs::write(&file, out).unwrap();
        list.push_str(&format!("{}\t{}\t{}\n", schema_path(schema).display(), file.display(), label));
    }
    let list_file = dir.path().join("cases.tsv");
    std::fs::write(&list_file, list).unwrap();
    // Draft 2020-12 is what schemars writes; Debian 12's jsonschema (4.10)
    // has its validator. check_schema first: a broken schema is an error,
    // never a pass.
    let script = r#"
import json, sys
from jsonschema import Draft202012Validator
bad = 0
for line in open(sys.argv[1]):
    schema_file, instance_file, label = line.rstrip("\n").split("\t")
    schema = json.load(open(schema_file))
    Draft202012Validator.check_schema(schema)
    errors = list(Draft202012Validator(schema).iter_errors(json.load(open(instance_file))))
    for e in errors:
        bad += 1
        print(f"{label}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
sys.exit(1 if bad else 0)
"#;
    let o = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(&list_file)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to validate the schemas ({e}); run .ci/install-deps"));
    let err = stderr(&o);
    assert!(!err.contains("No module named 'jsonschema'"), "python3-jsonschema is missing: run .ci/install-deps");
    assert!(o.status.success(), "output does not match its schema:\n{}{}", String::from_utf8_lossy(&o.stdout), err);
}

#[test]
fn real_outputs_validate_against_the_published_schemas() {
    let fx = fixtures::get();
    let mut cases = Vec::new();

    let probe = fx.certhelp(&["probe", "--json"]);
    assert_eq!(probe.status.code(), Some(0), "{}", String::from_utf8_lossy(&probe.stderr));
    let env: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    // The fixture must exercise the rich parts of the schema, or validation
    // proves little.
    for field in ["stores", "modules", "tokens", "certificates", "mail_identities"] {
        assert!(!env[field].as_array().unwrap().is_empty(), "the fixture probe has no {field}");
    }
    assert!(env["stores"].as_array().unwrap().iter().any(|s| !s["issues"].as_array().unwrap().is_empty()));
    cases.push(("probe", "probe --json (fixture home)".to_string(), probe.stdout));

    let redacted = fx.certhelp(&["probe", "--json", "--redact"]);
    cases.push(("probe", "probe --json --redact".to_string(), redacted.stdout));

    let doctor = fx.certhelp(&["doctor", "--json"]);
    assert!(doctor.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&doctor.stderr));
    cases.push(("doctor", "doctor --json (fixture home)".to_string(), doctor.stdout));

    // Tailored to the fixture: certificates, findings, found, commands.
    for q in
        ["move my cert from firefox to a new windows pc", "back up my certificate", "send signed mail with thunderbird"]
    {
        let o = fx.certhelp(&["plan", "--format", "json", q]);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{q}: {}", String::from_utf8_lossy(&o.stderr));
        cases.push(("plan", format!("plan (fixture) {q:?}"), o.stdout));
    }

    // Without the probe: a choice step, an empty plan, troubleshooting,
    // a token, and a question nobody can read.
    let home = TempDir::new("schemas-plan");
    let questions = [
        ("windows", "move identity cert to new pc"),
        ("windows", "move my encryption cert from firefox to chrome"),
        ("windows", "move my cert from chrome to edge"),
        ("linux", "firefox says the certificate is not trusted"),
        ("macos", "use my smart card on a new mac"),
        ("linux", "qwxyz zzkv"),
    ];
    let mut saw_choice = false;
    let mut saw_empty = false;
    for (os, q) in questions {
        let o = run(certhelp(home.path()).args(["plan", "--no-probe", "--format", "json", "--os", os, q]));
        assert!(o.status.code().is_some_and(|c| c <= 1), "{q}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        saw_choice |= v["steps"].as_array().unwrap().iter().any(|s| s["choices"].is_array());
        saw_empty |= v["steps"].as_array().unwrap().is_empty() && !v["notes"].as_array().unwrap().is_empty();
        cases.push(("plan", format!("plan --no-probe {q:?}"), o.stdout));
    }
    assert!(saw_choice && saw_empty, "the questions no longer give a choice step and an empty plan");

    validate(&cases);
}

#[test]
fn a_wrong_output_is_rejected() {
    // The validator really validates: a plan whose step lacks `action` fails.
    let home = TempDir::new("schemas-bad");
    let o =
        run(certhelp(home.path()).args(["plan", "--no-probe", "--format", "json", "--os", "linux", "backup firefox"]));
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["steps"][0].as_object_mut().unwrap().remove("action");
    let dir = TempDir::new("schemas-bad-files");
    let file = dir.path().join("plan.json");
    std::fs::write(&file, serde_json::to_vec(&v).unwrap()).unwrap();
    let script = r#"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
errors = list(Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
sys.exit(0 if errors else 3)
"#;
    let o = Command::new(python()).arg("-c").arg(script).arg(schema_path("plan")).arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "a plan step without `action` passed: {}", stderr(&o));
}
