//! Plans tailored to a probed machine (the fixture home: real NSS
//! databases made with certutil/pk12util): the source is where the
//! certificate really is, the product comes from the real issuer, the
//! walkthrough names the real profile and certificate, and doctor's
//! findings about the source store come first.

use std::process::Output;

use serde_json::Value;

use crate::fixtures::{self, Fixture};
use crate::util::{stderr, TempDir};

fn certhelp(fx: &Fixture, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_certhelp"))
        .args(args)
        .env("HOME", &fx.home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("CERTHELP_KB")
        .env("XDG_CACHE_HOME", TempDir::new("tailor-cache").path())
        .env("SOFTHSM2_CONF", &fx.softhsm_conf)
        .output()
        .unwrap()
}

fn plan(fx: &Fixture, question: &str) -> Value {
    let o = certhelp(fx, &["plan", "--format", "json", question]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn the_source_is_the_profile_that_holds_the_key() {
    let fx = fixtures::get();
    let v = plan(fx, "backup my certificate");
    assert_eq!(v["probed"], true);
    assert_eq!(v["intent"]["from"]["app"], "firefox");
    assert_eq!(v["articles"], serde_json::json!(["SO4291"]));
    // The default profile's ECA pair decides the product.
    assert_eq!(v["intent"]["product"], "eca");
    let certs = v["certificates"].as_array().unwrap();
    assert!(!certs.is_empty());
    let default_release = fx.ff_default.display().to_string();
    assert!(certs.iter().all(|c| c["path"] == default_release.as_str()), "{certs:?}");
    assert!(certs.iter().any(|c| c["subject"] == "Jane Q. Doe" && c["usage"] == "identity"));
    // The old encryption certificate without its key is a finding.
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["article"] == "SO5437"), "{findings:?}");
}

#[test]
fn the_real_issuer_decides_the_product_over_the_words() {
    let fx = fixtures::get();
    // No product words: without the probe the chain step is a choice; the
    // real ECA certificate makes it SO10186.
    let v = plan(fx, "move my cert from firefox to chrome on a new pc");
    assert_eq!(v["articles"], serde_json::json!(["SO4291", "SO10186", "SO7085"]));
    // Asking for a Digital ID finds the profile that holds one.
    let v = plan(fx, "move my digital id from firefox to chrome");
    assert_eq!(v["intent"]["product"], "digital-id");
    assert_eq!(v["articles"], serde_json::json!(["SO4291", "SO6395", "CH1002"]));
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["article"] == "SO6395"), "the missing intermediate: {findings:?}");
}

#[test]
fn the_walkthrough_names_the_real_profile_and_certificate() {
    let fx = fixtures::get();
    let o = certhelp(fx, &["--color", "never", "move my cert to a new laptop"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Tailored to this computer"));
    assert!(text.contains("Firefox profile \"default-release\""), "{text}");
    assert!(text.contains("Jane Q. Doe (identity, ECA), expires"), "{text}");
}

#[test]
fn a_customer_probe_file_plans_like_the_live_machine() {
    let fx = fixtures::get();
    let probe = certhelp(fx, &["probe", "--json"]);
    let dir = TempDir::new("tailor");
    let file = dir.path().join("customer.json");
    std::fs::write(&file, &probe.stdout).unwrap();
    let live = plan(fx, "backup my certificate");
    let o = certhelp(fx, &["plan", "--format", "json", "--env", file.to_str().unwrap(), "backup my certificate"]);
    let from_file: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(live["articles"], from_file["articles"]);
    assert_eq!(live["intent"], from_file["intent"]);
    assert_eq!(live["certificates"], from_file["certificates"]);
}

#[test]
fn no_probe_ignores_the_machine() {
    let fx = fixtures::get();
    let o = certhelp(fx, &["plan", "--no-probe", "--os", "windows", "--format", "json", "backup my certificate"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["probed"], false);
    assert_eq!(v["articles"], serde_json::json!(["SO7079"]));
    assert!(v.get("certificates").is_none());
}

/// A customer's probe file written by hand: Firefox holds an ECA pair,
/// Thunderbird holds nothing.
fn customer_file(dir: &std::path::Path) -> std::path::PathBuf {
    let cert = |usage: &str| {
        serde_json::json!({
            "store": "nss:/home/c/.mozilla/firefox/x.default-release",
            "subject": "CN=Pat Customer", "common_name": "Pat Customer",
            "issuer": "CN=WidePoint ECA 8, O=WidePoint, C=US",
            "not_after": "2028-01-01T00:00:00Z", "days_left": 400,
            "usage": usage, "product": "eca", "has_private_key": true,
            "personal": true, "chain_complete": true
        })
    };
    let env = serde_json::json!({
        "schema": 1,
        "os": {"id": "linux"},
        "stores": [
            {"id": "nss:/home/c/.mozilla/firefox/x.default-release", "kind": "nss", "app": "firefox",
             "profile": "default-release", "path": "/home/c/.mozilla/firefox/x.default-release", "default": true, "readable": true},
            {"id": "nss:/home/c/.thunderbird/y.default", "kind": "nss", "app": "thunderbird",
             "profile": "default", "path": "/home/c/.thunderbird/y.default", "default": true, "readable": true}
        ],
        "certificates": [cert("identity"), cert("encryption")]
    });
    let file = dir.join("customer.json");
    std::fs::write(&file, serde_json::to_vec(&env).unwrap()).unwrap();
    file
}

#[test]
fn a_mail_client_without_the_certificate_gets_it_from_where_it_is() {
    let dir = TempDir::new("tailor");
    let file = customer_file(dir.path());
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_certhelp"))
        .args(["plan", "--format", "json", "--env", file.to_str().unwrap(), "set up thunderbird to sign my mail"])
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["intent"]["activity"], "mail");
    assert_eq!(v["articles"], serde_json::json!(["SO4291", "SO10186", "SO5437", "SO4292"]));
    assert!(v["notes"][0].as_str().unwrap().contains("Firefox"), "{}", v["notes"]);
    // The chain question alone also takes the product from the real issuer.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_certhelp"))
        .args(["plan", "--format", "json", "--env", file.to_str().unwrap(), "install the chain"])
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["articles"], serde_json::json!(["SO10186"]));
}

/// A library caller that runs the doctor and finishes the plan as the CLI
/// does sees the very plan the CLI prints, findings and notes included.
#[test]
fn a_library_caller_gets_the_plan_the_cli_prints() {
    use certhelp::answer::{self, Machine};
    use certhelp::plan::{Context, Overrides};

    let fx = fixtures::get();
    let probe = certhelp(fx, &["probe", "--json"]);
    assert_eq!(probe.status.code(), Some(0), "{}", stderr(&probe));
    let dir = TempDir::new("tailor-lib");
    let file = dir.path().join("probe.json");
    std::fs::write(&file, &probe.stdout).unwrap();
    let env: certhelp::env::Env = serde_json::from_slice(&probe.stdout).unwrap();
    let checks = certhelp::doctor::run(&env);
    let kb = certhelp::kb::Kb::builtin();
    for question in [
        "backup my certificate",
        "move my cert from firefox to chrome",
        "move my cert from firefox to thunderbird",
        "install the chain",
        "set up thunderbird to sign my mail",
    ] {
        let o = certhelp(fx, &["plan", "--format", "json", "--env", file.to_str().unwrap(), question]);
        let cli: Value = serde_json::from_slice(&o.stdout).unwrap();
        let ctx = Context { default_os: env.os.id, env: Some(&env), os_flag: None, checks: &checks };
        let mut p = answer::answer(question, &Overrides::default(), ctx, &kb).unwrap();
        answer::finish(&mut p, Machine::File(&env, &file), false);
        assert_eq!(serde_json::to_value(&p).unwrap(), cli, "{question}");
        assert_eq!(o.status.code(), Some(i32::from(answer::exit_status(&p))), "{question}");
    }
}

#[test]
fn a_mail_client_step_names_the_certificates_to_pick() {
    // Outlook, Apple Mail, Notes, Evolution: certhelp cannot set them, so
    // the walkthrough names what to pick in their dialogs: the identity
    // certificate for signing, the newest encryption one for encryption.
    let fx = fixtures::get();
    let v = plan(fx, "use my certificate from firefox in evolution");
    let assoc = v["steps"].as_array().unwrap().iter().find(|s| s["action"] == "associate").expect("an associate step");
    let found: Vec<&str> = assoc["found"].as_array().unwrap().iter().filter_map(|f| f.as_str()).collect();
    assert!(found.iter().any(|f| f.starts_with("For signing, pick: Jane Q. Doe <jane.doe@example.com>")), "{found:?}");
    assert!(
        found.iter().any(|f| f.starts_with("For encryption, pick: Jane Q. Doe <jane.doe@example.com>")),
        "{found:?}"
    );
}
