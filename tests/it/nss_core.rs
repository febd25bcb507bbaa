//! The NSS write core (store::session, store::export, store::import) on real
//! databases made by certutil/pk12util, checked with certutil and pk12util
//! as independent oracles.

use crate::fixtures::{add_ca, add_chain, add_p12, chain, new_db, temp_dir, Chain};
use certhelp::store::nss::NssStore;
use certhelp::store::session::Access;
use certhelp::store::{export, import, Bundle, Pin, Trust};
use std::path::Path;
use std::process::Command;

fn certutil(args: &[&str], dir: &Path) -> String {
    let o = Command::new("certutil").args(args).arg("-d").arg(format!("sql:{}", dir.display())).output().unwrap();
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}

fn source_db(work: &Path, c: &Chain, name: &str) -> std::path::PathBuf {
    let src = work.join("src");
    new_db(&src, None);
    add_chain(&src, c, name, work, None);
    src
}

fn round_trip(ec: bool) {
    let work = temp_dir("nsscore");
    let c = chain("Round Trip User", ec);
    let src = source_db(&work, &c, "Round Trip");

    // Export from the source through softoken.
    let store = NssStore::new("src", &src);
    let s = store.open(Access::ReadOnly).unwrap();
    let listing = s.list().unwrap();
    let leaf = listing.certs.iter().find(|x| x.label.as_deref() == Some("Round Trip")).unwrap();
    let bundle = export::export(&s, &[leaf], &listing.certs, true).unwrap();
    drop(s);
    assert_eq!(bundle.identities.len(), 1);
    assert_eq!(bundle.chain.len(), 2, "issuing CA and root");
    assert_eq!(bundle.chain[1].trust, Trust::ROOT, "the root's trust travels");
    let key = bundle.identities[0].key.as_ref().unwrap();
    let pk = openssl::pkey::PKey::private_key_from_pkcs8(key.pkcs8_der()).unwrap();
    assert!(pk.public_eq(&c.leaf.key), "the exported key is the certificate's");

    // Import into a fresh database.
    let dst = work.join("dst");
    new_db(&dst, None);
    let store = NssStore::new("dst", &dst);
    let mut s = store.open(Access::ReadWrite).unwrap();
    s.login(None).unwrap();
    let plan = import::plan(&s, &bundle, None).unwrap();
    assert!(!plan.nothing_to_do());
    import::apply(&s, &bundle, &plan).1.unwrap();
    import::verify(&s, &bundle, &plan).unwrap();
    // The same bundle again: nothing to do.
    let again = import::plan(&s, &bundle, None).unwrap();
    assert!(again.nothing_to_do(), "{again:?}");
    drop(s);

    let l = certutil(&["-L"], &dst);
    assert!(l.contains("Round Trip"), "{l}");
    assert!(l.contains("Test Root CA"), "{l}");
    let k = certutil(&["-K"], &dst);
    assert!(k.contains("Round Trip"), "the key is linked to the certificate: {k}");
    // pk12util can take it back out: key and certificate really belong.
    let pw = work.join("pw");
    std::fs::write(&pw, "out-pass").unwrap();
    let out = work.join("back.p12");
    let o = Command::new("pk12util")
        .args(["-o"])
        .arg(&out)
        .args(["-n", "Round Trip", "-d"])
        .arg(format!("sql:{}", dst.display()))
        .arg("-w")
        .arg(&pw)
        .args(["-K", ""])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn rsa_export_and_import_through_softoken() {
    round_trip(false);
}

#[test]
fn ec_export_and_import_through_softoken() {
    round_trip(true);
}

#[test]
fn nickname_of_another_subject_is_refused_before_any_key_is_made() {
    let work = temp_dir("nssclash");
    let c = chain("Clash User", false);
    let other = chain("Someone Else", false);
    let dst = work.join("dst");
    new_db(&dst, None);
    add_p12(&dst, "Taken", &other.leaf, &work, None);
    let keys_before = certutil(&["-K"], &dst);

    let bundle = Bundle { identities: vec![c.leaf.identity(None)], chain: vec![] };
    let store = NssStore::new("dst", &dst);
    let mut s = store.open(Access::ReadWrite).unwrap();
    s.login(None).unwrap();
    let e = import::plan(&s, &bundle, Some("Taken")).unwrap_err();
    assert!(matches!(e, certhelp::store::StoreError::NicknameClash { .. }), "{e:?}");
    drop(s);
    assert_eq!(certutil(&["-K"], &dst), keys_before, "no orphan key");
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_database_with_a_password_needs_it_and_refuses_a_wrong_one() {
    let work = temp_dir("nsspw");
    let c = chain("Pw User", false);
    let dst = work.join("dst");
    new_db(&dst, Some("right-pw"));
    let store = NssStore::new("dst", &dst);
    let mut s = store.open(Access::ReadWrite).unwrap();
    assert!(matches!(s.login(None), Err(certhelp::store::StoreError::LoginRequired { .. })));
    let mut s2 = {
        drop(s);
        store.open(Access::ReadWrite).unwrap()
    };
    assert!(matches!(s2.login(Some(&Pin::new("wrong"))), Err(certhelp::store::StoreError::WrongPin { .. })));
    drop(s2);
    let mut s = store.open(Access::ReadWrite).unwrap();
    s.login(Some(&Pin::new("right-pw"))).unwrap();
    let bundle = Bundle { identities: vec![c.leaf.identity(Some("Pw User"))], chain: vec![] };
    let plan = import::plan(&s, &bundle, None).unwrap();
    import::apply(&s, &bundle, &plan).1.unwrap();
    import::verify(&s, &bundle, &plan).unwrap();
    drop(s);
    let pwf = work.join("pwf");
    std::fs::write(&pwf, "right-pw").unwrap();
    let o = Command::new("certutil")
        .args(["-K", "-d"])
        .arg(format!("sql:{}", dst.display()))
        .arg("-f")
        .arg(&pwf)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("Pw User"));
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_different_certificate_with_the_same_issuer_and_serial_is_refused_before_any_write() {
    let work = temp_dir("nsstwin");
    let c = chain("Twin User", false);
    let remade = chain("Other", false); // a root with the same name and serial
    let dst = work.join("dst");
    new_db(&dst, None);
    add_ca(&dst, "Old Test Root", &remade.root, &work);
    let keys_before = certutil(&["-K"], &dst);
    let bundle = Bundle {
        identities: vec![c.leaf.identity(None)],
        chain: vec![certhelp::store::ChainCert { label: None, der: c.root.cert.to_der().unwrap(), trust: Trust::ROOT }],
    };
    let store = NssStore::new("dst", &dst);
    let mut s = store.open(Access::ReadWrite).unwrap();
    s.login(None).unwrap();
    let e = import::plan(&s, &bundle, None).unwrap_err();
    assert!(e.to_string().contains("same issuer and serial"), "{e}");
    drop(s);
    assert_eq!(certutil(&["-K"], &dst), keys_before);
    let _ = std::fs::remove_dir_all(&work);
}
