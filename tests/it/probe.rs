//! `certhelp probe` and `certhelp doctor` against the fixture home (real NSS
//! databases, real SoftHSM token), field by field.

use crate::fixtures::{self, Fixture};
use serde_json::Value;
use std::process::{Command, Output};

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn probe(fx: &Fixture) -> Value {
    let out = fx.certhelp(&["probe", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

fn store_id(dir: &std::path::Path) -> String {
    format!("nss:{}", dir.display())
}

fn certs_in<'a>(env: &'a Value, store: &str) -> Vec<&'a Value> {
    env["certificates"].as_array().unwrap().iter().filter(|c| c["store"] == store).collect()
}

fn by_nick<'a>(certs: &[&'a Value], nick: &str) -> &'a Value {
    certs.iter().find(|c| c["nickname"] == nick).unwrap_or_else(|| panic!("no {nick} in {certs:#?}"))
}

/// NSS gives certificates with one subject one nickname: find by serial.
fn by_serial<'a>(certs: &[&'a Value], serial: &str) -> &'a Value {
    certs.iter().find(|c| c["serial"] == serial).unwrap_or_else(|| panic!("no serial {serial} in {certs:#?}"))
}

#[test]
fn probe_reports_apps_and_profiles_from_profiles_ini() {
    let fx = fixtures::get();
    let env = probe(fx);
    assert_eq!(env["schema"], 1);
    assert_eq!(env["os"]["id"], "linux");
    assert!(env["os"]["name"].is_string() && env["os"]["arch"].is_string());

    let apps = env["apps"].as_array().unwrap();
    let ff = apps.iter().find(|a| a["id"] == "firefox" && a["variant"] == "release").unwrap();
    assert_eq!(ff["version"], "140.5.0");
    assert_eq!(ff["stores"].as_array().unwrap().len(), 2);
    let chromium = apps.iter().find(|a| a["id"] == "chromium").unwrap();
    assert_eq!(chromium["version"], "146.0.7000.1");
    assert_eq!(chromium["stores"][0], store_id(&fx.chromium_db));
    assert!(apps.iter().any(|a| a["id"] == "thunderbird"));

    let stores = env["stores"].as_array().unwrap();
    let st = |dir: &std::path::Path| {
        stores.iter().find(|s| s["id"] == store_id(dir)).unwrap_or_else(|| panic!("no store {}", dir.display())).clone()
    };
    let d = st(&fx.ff_default);
    assert_eq!(d["default"], true, "the [Install] section's Default= wins");
    assert_eq!(d["profile"], "default-release");
    assert_eq!(d["kind"], "nss");
    assert_eq!(d["readable"], true);
    assert_eq!(d["login_required"], false);
    assert_eq!(st(&fx.ff_other)["default"], false);
    // Never globbed: the decoy profile directory is not listed.
    assert!(stores.iter().all(|s| s["id"] != store_id(&fx.ff_decoy)));
    let c = st(&fx.chromium_db);
    assert_eq!(c["login_required"], true);
    assert_eq!(c["app"], "chromium");
}

#[test]
fn probe_classifies_certificates_in_nss_databases() {
    let fx = fixtures::get();
    let env = probe(fx);
    let ff = certs_in(&env, &store_id(&fx.ff_default));
    // CA certificates are not listed as certificates.
    assert_eq!(ff.len(), 3, "{ff:#?}");

    let id = by_serial(&ff, "1001");
    assert_eq!(id["nickname"], "Jane ECA ID");
    assert_eq!(id["usage"], "identity");
    assert_eq!(id["product"], "eca");
    assert_eq!(id["common_name"], "Jane Q. Doe");
    assert_eq!(id["emails"][0], fixtures::EMAIL);
    assert_eq!(id["issuer"], "CN=ORC ECA 6, O=ORC PKI, C=US");
    assert_eq!(id["has_private_key"], true);
    assert_eq!(id["key_extractable"], true);
    assert_eq!(id["personal"], true);
    assert_eq!(id["chain_complete"], true);
    assert_eq!(id["expired"], false);
    assert_eq!(id["sha256"], fx.id_sha256.as_str());
    assert!(id["ext_key_usage"].as_array().unwrap().contains(&Value::from("clientAuth")));
    let d = id["days_left"].as_i64().unwrap();
    assert!((698..=700).contains(&d), "{d}");

    let enc = by_serial(&ff, &fx.enc_serial);
    // The pair shares the nickname NSS gave the first of them.
    assert_eq!(enc["nickname"], "Jane ECA ID");
    assert_eq!(enc["usage"], "encryption");
    assert_eq!(enc["key_usage"], serde_json::json!(["keyEncipherment"]));
    assert_eq!(enc["serial"], fx.enc_serial.as_str());

    // Imported as a .cer: no key, still the user's (same address).
    let old = by_serial(&ff, "1003");
    assert_eq!(old["has_private_key"], false);
    assert_eq!(old["personal"], true);

    // Digital ID with the Individual Subscriber CA missing.
    let other = certs_in(&env, &store_id(&fx.ff_other));
    let pnv = by_nick(&other, "PNV Digital ID");
    assert_eq!(pnv["product"], "digital-id");
    assert_eq!(pnv["usage"], "encryption");
    assert_eq!(pnv["chain_complete"], false);
    assert_eq!(
        pnv["missing_issuer"],
        "CN=Symantec Class 1 Individual Subscriber CA - G5, O=Symantec Corporation, C=US"
    );
    assert_eq!(pnv["emails"][0], "pnv.user@example.org");

    // Password-protected DB: keys hidden, so "unknown", never "missing".
    let ch = certs_in(&env, &store_id(&fx.chromium_db));
    assert_eq!(ch.len(), 1);
    assert_eq!(ch[0]["has_private_key"], Value::Null);
    assert_eq!(ch[0]["personal"], true);

    let tb = certs_in(&env, &store_id(&fx.tb));
    let exp = by_serial(&tb, &fx.expired_serial);
    assert_eq!(exp["nickname"], "Jane expired");
    assert_eq!(exp["expired"], true);
    assert_eq!(exp["serial"], fx.expired_serial.as_str());
    assert!(exp["days_left"].as_i64().unwrap() < 0);
}

#[test]
fn probe_reports_store_issues_modules_tokens_and_identities() {
    let fx = fixtures::get();
    let env = probe(fx);
    let stores = env["stores"].as_array().unwrap();
    let d = stores.iter().find(|s| s["id"] == store_id(&fx.ff_default)).unwrap();
    assert!(d["issues"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["code"] == "duplicate-module" && i["count"] == 2 && i["module"] == fixtures::DUP_MODULE));
    let o = stores.iter().find(|s| s["id"] == store_id(&fx.ff_other)).unwrap();
    let issues = o["issues"].as_array().unwrap();
    assert!(issues.iter().any(|i| i["code"] == "no-cert-db"));
    assert!(issues.iter().any(|i| i["code"] == "not-writable"
        && i["owner_uid"] == 65534
        && i["file"].as_str().unwrap().ends_with("pkcs11.txt")));

    // Modules: the registered one and the SoftHSM from the environment
    // (or p11-kit's entry for the same file).
    let mods = env["modules"].as_array().unwrap();
    assert!(mods.iter().any(|m| m["path"] == fixtures::DUP_MODULE));
    let softhsm_real = std::fs::canonicalize(fixtures::SOFTHSM).unwrap();
    let sh = mods
        .iter()
        .find(|m| std::fs::canonicalize(m["path"].as_str().unwrap()).ok() == Some(softhsm_real.clone()))
        .expect("softhsm module listed");
    assert_eq!(sh["loaded"], true);

    let tok = env["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == fixtures::TOKEN_LABEL)
        .expect("the SoftHSM token");
    assert_eq!(tok["manufacturer"], "SoftHSM project");
    // The id carries its module (RFC 7512 module-path): two tokens with one
    // label behind different modules do not collide.
    let tok_store = tok["store"].as_str().unwrap().to_string();
    assert!(
        tok_store.starts_with("pkcs11:token=certhelp-test?module-path=") && tok_store.contains("softhsm2"),
        "{tok_store}"
    );
    assert_eq!(tok["login_required"], true);
    assert_eq!(tok["user_pin_locked"], false);
    assert!(!tok["serial"].as_str().unwrap().is_empty());
    let tc = certs_in(&env, &tok_store);
    assert_eq!(tc.len(), 1);
    assert_eq!(tc[0]["nickname"], "Jane token");
    assert_eq!(tc[0]["usage"], "identity");
    // The key is private on the token: unknown without login.
    assert_eq!(tc[0]["has_private_key"], Value::Null);
    assert_eq!(tc[0]["personal"], true);

    let ids = env["mail_identities"].as_array().unwrap();
    let id1 = ids.iter().find(|i| i["key"] == "id1").unwrap();
    assert_eq!(id1["app"], "thunderbird");
    assert_eq!(id1["store"], store_id(&fx.tb));
    assert_eq!(id1["email"], fixtures::EMAIL);
    assert_eq!(id1["signing_cert"], "Jane expired");
    assert_eq!(id1["encryption_cert"], format!("dbkey:{}", fx.enc_dbkey));
    let id2 = ids.iter().find(|i| i["key"] == "id2").unwrap();
    assert_eq!(id2["signing_cert"], Value::Null);
    assert!(env["pcscd_running"].is_boolean());
}

fn find_check<'a>(checks: &'a [Value], id: &str, status: &str, needle: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["id"] == id && c["status"] == status && c["message"].as_str().unwrap().contains(needle))
        .unwrap_or_else(|| panic!("no {status} {id} check about {needle:?} in {checks:#?}"))
}

#[test]
fn doctor_finds_each_planted_problem_with_its_article() {
    let fx = fixtures::get();
    let out = fx.certhelp(&["doctor", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let checks = json(&out);
    let checks = checks.as_array().unwrap();

    let c = find_check(checks, "expiry", "fail", "serial 1004");
    assert_eq!(c["article"], "TS2012");
    assert!(c["fix"].is_string());
    let c = find_check(checks, "private-key", "fail", "serial 1003");
    assert_eq!(c["article"], "SO5437");
    let c = find_check(checks, "chain", "fail", "PNV Digital ID");
    assert_eq!(c["article"], "SO6395");
    let c = find_check(checks, "duplicate-module", "fail", "opensc-pkcs11.so");
    assert_eq!(c["article"], "TS2016");
    assert_eq!(c["store"], store_id(&fx.ff_default));
    let c = find_check(checks, "nocertdb", "fail", "security.nocertdb");
    assert_eq!(c["article"], "TS2003");
    let c = find_check(checks, "store-writable", "fail", "pkcs11.txt");
    assert_eq!(c["article"], "TS2016");
    assert!(c["message"].as_str().unwrap().contains("uid 65534"));
    let c = find_check(checks, "mail-identity", "fail", "signing certificate");
    assert_eq!(c["article"], "TS2012");
    assert!(c["message"].as_str().unwrap().contains("expired"));
    find_check(checks, "mail-identity", "ok", "encryption certificate");
    // Password-protected Chromium DB: said, not guessed.
    find_check(checks, "private-key", "warn", "without the store's password");
    // Healthy ones are reported as ok.
    find_check(checks, "chain", "ok", "serial 1001");
    if std::path::Path::new("/run/pcscd/pcscd.comm").exists() {
        find_check(checks, "pcscd", "ok", "running");
    } else {
        let c = find_check(checks, "pcscd", "fail", "pcscd");
        assert_eq!(c["article"], "TS2016");
    }

    // The text form: one line per check, fixes with their article.
    let text = fx.certhelp(&["doctor"]);
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.lines().any(|l| l.starts_with("[fail]") && l.contains("Jane expired") && l.contains("expired on")));
    assert!(text.contains("(see SO6395)"));
    assert!(text.lines().any(|l| l.starts_with("[ok]")));
}

#[test]
fn doctor_on_a_saved_probe_gives_the_same_verdict() {
    let fx = fixtures::get();
    let probe_out = fx.certhelp(&["probe", "--json"]);
    let file = fx.home.join("work/probe.json");
    std::fs::write(&file, &probe_out.stdout).unwrap();
    let live = json(&fx.certhelp(&["doctor", "--json"]));
    let saved = fx.certhelp(&["doctor", "--json", "--env", file.to_str().unwrap()]);
    assert_eq!(saved.status.code(), Some(1));
    assert_eq!(json(&saved), live);
}

#[test]
fn redacted_probe_hides_people_but_keeps_cas() {
    let fx = fixtures::get();
    let out = fx.certhelp(&["probe", "--json", "--redact"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for secret in ["jane.doe@example.com", "Jane Q. Doe", "pnv.user@example.org", fx.home.to_str().unwrap()] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(text.contains("ORC ECA 6"));
    assert!(text.contains("<serial>"));
    let env: Value = serde_json::from_str(&text).unwrap();
    assert!(env["certificates"][0]["emails"][0].as_str().unwrap().ends_with("@example.invalid"));
}

#[test]
fn probe_text_and_empty_home() {
    let fx = fixtures::get();
    let out = fx.certhelp(&["probe"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Personal certificates:"));
    assert!(text.contains("chain:   incomplete, missing CN=Symantec Class 1"));
    assert!(text.contains("certhelp-test"));

    // An empty home with an empty token directory: nothing personal, exit 1.
    let home = fixtures::temp_dir("empty");
    let conf = fixtures::softhsm_conf(&home);
    let out = Command::new(env!("CARGO_BIN_EXE_certhelp"))
        .args(["probe", "--json"])
        .env("HOME", &home)
        .env_remove("XDG_CONFIG_HOME")
        .env("SOFTHSM2_CONF", &conf)
        .env_remove("CERTHELP_PKCS11_MODULES")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let env = json(&out);
    assert_eq!(env["certificates"].as_array().unwrap().len(), 0);
    assert_eq!(env["stores"].as_array().unwrap().len(), 0);
    let _ = std::fs::remove_dir_all(&home);
}

/// An expired intermediate in a store (pitfall 22): the probe names it and
/// doctor points to TS2017. Its own home, so the shared fixture stays as is.
#[test]
fn an_expired_intermediate_is_reported() {
    use fixtures::{make, Spec};
    let day = 86_400;
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let ca = |cn: &str, issuer: Option<&fixtures::Made>, not_after: i64, serial: u32| {
        make(Spec {
            subject: &[("C", "US"), ("O", "ORC PKI"), ("CN", cn)],
            issuer,
            ca: true,
            ku: &["keyCertSign", "cRLSign"],
            eku: &[],
            san_email: None,
            not_before: t - 900 * day,
            not_after,
            serial,
        })
    };
    let root = ca("ECA Root CA 4", None, t + 3000 * day, 1);
    let old_sub = ca("ORC ECA 5", Some(&root), t - 5 * day, 2);
    let leaf = make(Spec {
        subject: &[("C", "US"), ("O", "U.S. Government"), ("CN", "Sam Old-Chain")],
        issuer: Some(&old_sub),
        ca: false,
        ku: &["digitalSignature"],
        eku: &["clientAuth", "emailProtection"],
        san_email: Some("sam@example.com"),
        not_before: t - 100 * day,
        not_after: t + 100 * day,
        serial: 9,
    });
    let home = fixtures::temp_dir("expired-chain");
    let work = home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let profile = home.join(".mozilla/firefox/p.default");
    std::fs::create_dir_all(&profile).unwrap();
    std::fs::write(
        home.join(".mozilla/firefox/profiles.ini"),
        "[Profile0]\nName=default\nPath=p.default\nIsRelative=1\nDefault=1\n",
    )
    .unwrap();
    fixtures::new_db(&profile, None);
    fixtures::add_ca(&profile, "ECA Root CA 4", &root, &work);
    fixtures::add_ca(&profile, "ORC ECA 5", &old_sub, &work);
    fixtures::add_p12(&profile, "Sam", &leaf, &work, None);
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_certhelp"))
            .args(args)
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .env("CERTHELP_PKCS11_MODULES", "")
            .output()
            .unwrap()
    };
    let v = json(&run(&["probe", "--json"]));
    let sam =
        v["certificates"].as_array().unwrap().iter().find(|c| c["common_name"] == "Sam Old-Chain").unwrap().clone();
    assert_eq!(sam["chain_complete"], true);
    assert!(sam["expired_issuer"].as_str().unwrap().contains("ORC ECA 5"), "{sam}");
    let checks = json(&run(&["doctor", "--json"]));
    let chain =
        checks.as_array().unwrap().iter().find(|c| c["id"] == "chain" && c["status"] == "fail").unwrap().clone();
    assert_eq!(chain["article"], "TS2017");
    let _ = std::fs::remove_dir_all(&home);
}
