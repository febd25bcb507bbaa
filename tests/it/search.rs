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
