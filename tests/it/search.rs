//! Search: ranking, typo tolerance, synonyms, pasted error texts, and the
//! on-disk index cache.

use crate::util::{certhelp, run, stdout, TempDir};

fn top(home: &std::path::Path, q: &str) -> String {
    let o = run(certhelp(home).args(["search", "--json", q]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v[0]["id"].as_str().unwrap_or("").to_string()
}

#[test]
fn typos_still_find_the_article() {
    let home = TempDir::new("search");
    assert_eq!(top(home.path(), "firfox exprot certificat"), "SO4291");
    assert_eq!(top(home.path(), "thunderbrid sign emails"), "SO4292");
}

#[test]
fn error_texts_find_their_troubleshooting_article() {
    let home = TempDir::new("search");
    assert_eq!(top(home.path(), "MAC verification failed during PKCS12 import"), "TS2001");
    assert_eq!(top(home.path(), "The PKCS #12 operation failed for unknown reasons."), "TS2003");
}

#[test]
fn synonyms_bridge_user_words() {
    let home = TempDir::new("search");
    assert_eq!(top(home.path(), "cac reader other computer"), "SO28695");
}

#[test]
fn the_index_is_cached_and_reused() {
    let home = TempDir::new("search");
    assert_eq!(top(home.path(), "keychain export"), "SO28421");
    let cache = home.path().join(".cache/certhelp");
    let indexes: Vec<_> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(indexes.len(), 1, "one index directory: {indexes:?}");
    // A second run opens it (same directory, nothing rebuilt).
    let before = std::fs::metadata(cache.join(&indexes[0])).unwrap().modified().unwrap();
    assert_eq!(top(home.path(), "keychain export"), "SO28421");
    let after = std::fs::metadata(cache.join(&indexes[0])).unwrap().modified().unwrap();
    assert_eq!(before, after);
}

#[test]
fn an_unwritable_cache_falls_back_to_memory() {
    let home = TempDir::new("search");
    // A file where the cache directory should be: it cannot be created.
    std::fs::write(home.path().join(".cache"), "not a dir").unwrap();
    let o = run(certhelp(home.path()).args(["search", "keychain export"]));
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("SO28421"));
}

#[test]
fn a_damaged_cache_is_rebuilt() {
    let home = TempDir::new("search");
    assert_eq!(top(home.path(), "keychain export"), "SO28421");
    let cache = home.path().join(".cache/certhelp");
    let index = std::fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    // A killed build or a pruning race can leave a segment file missing.
    let victim = std::fs::read_dir(&index)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "term"))
        .expect("a segment term file");
    std::fs::remove_file(victim).unwrap();
    assert_eq!(top(home.path(), "keychain export"), "SO28421");
    assert_eq!(top(home.path(), "keychain export"), "SO28421", "and the cache works again");
}

#[test]
fn a_relative_cache_variable_never_writes_into_the_current_directory() {
    let home = TempDir::new("search");
    let cwd = TempDir::new("cwd");
    let o = run(certhelp(home.path())
        .current_dir(cwd.path())
        .env("XDG_CACHE_HOME", "relcache")
        .env("HOME", "")
        .args(["search", "keychain export"]));
    assert!(o.status.success());
    assert!(std::fs::read_dir(cwd.path()).unwrap().next().is_none(), "nothing written to the current directory");
}

#[test]
fn a_pasted_log_is_bounded() {
    let home = TempDir::new("search");
    let log: Vec<String> = (0..5000).map(|i| format!("zq{i}xw")).collect();
    let o = run(certhelp(home.path()).args(["plan", "--no-probe", "--no-input", &log.join(" ")]));
    assert!(o.status.code().is_some_and(|c| c <= 1), "answers (or finds nothing) without failing");
}
