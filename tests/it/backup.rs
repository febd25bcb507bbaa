//! Backups, the store lock and `certhelp restore` on real NSS databases
//! (certutil -N, filled by certutil/pk12util), with certutil as the
//! independent oracle of what a store or a backup holds.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use certhelp::store::backup::{backup_nss_in, list_backups_in};
use certhelp::store::journal::{self, Journal, PlannedObject};
use certhelp::store::lock::{self, lock_store_in, try_lock_store_in};
use certhelp::store::StoreError;

use crate::fixtures::{self, now, Made, Spec};
use crate::util::{certhelp, run, stderr, stdout, TempDir};

fn person(issuer: &Made, cn: &str, serial: u32) -> Made {
    fixtures::make(Spec {
        subject: &[("C", "US"), ("O", "Backup Test"), ("CN", cn)],
        issuer: Some(issuer),
        ca: false,
        ku: &["digitalSignature", "keyEncipherment"],
        eku: &["clientAuth", "emailProtection"],
        san_email: Some("jane@example.com"),
        not_before: now() - 86_400,
        not_after: now() + 365 * 86_400,
        serial,
    })
}

/// A store with a trusted root and a personal certificate with its key.
fn filled_store(t: &TempDir) -> (PathBuf, Made) {
    let store = t.path().join("profile");
    let work = t.path().join("work");
    fs::create_dir_all(&work).unwrap();
    fixtures::new_db(&store, None);
    let root = fixtures::root_ca("Backup Test", "Backup Test Root", 1);
    fixtures::add_ca(&store, "Backup Test Root", &root, &work);
    let jane = person(&root, "Jane Doe", 2);
    fixtures::add_p12(&store, "Jane Doe", &jane, &work, None);
    (store, root)
}

/// certutil's view of a database: (certificates with trust, keys).
fn listing(dir: &Path) -> (String, String) {
    let db = format!("sql:{}", dir.display());
    let l = Command::new("certutil").args(["-L", "-d", &db]).output().unwrap();
    assert!(l.status.success(), "certutil -L {}: {}", dir.display(), String::from_utf8_lossy(&l.stderr));
    // -K exits 255 on "no keys found": compare what it says either way.
    let k = Command::new("certutil").args(["-K", "-d", &db]).output().unwrap();
    let keys = String::from_utf8_lossy(&k.stdout).into_owned() + &String::from_utf8_lossy(&k.stderr);
    (String::from_utf8_lossy(&l.stdout).into_owned(), keys)
}

fn nicknames(certutil_l: &str) -> Vec<String> {
    certutil_l
        .lines()
        .skip(4)
        .filter_map(|l| l.trim_end().rsplit_once(char::is_whitespace).map(|(n, _)| n.trim().to_string()))
        .filter(|n| !n.is_empty())
        .collect()
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn restore(state: &Path, home: &Path, backup: &Path) -> std::process::Output {
    run(certhelp(home).env("CERTHELP_STATE_DIR", state).arg("restore").arg(backup))
}

/// Each file of a directory with the SHA-256 of its bytes. `.parentlock`
/// is not read: closing any descriptor of a file drops this process's fcntl
/// locks on it.
fn files_of(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file() && e.file_name() != ".parentlock")
        .map(|e| {
            let sha = openssl::sha::sha256(&fs::read(e.path()).unwrap());
            (e.file_name().to_string_lossy().into_owned(), sha.iter().map(|b| format!("{b:02x}")).collect())
        })
        .collect();
    v.sort();
    v
}

fn assert_refused(o: &std::process::Output) {
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(o), stderr(o));
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("error: ") && lines[1].starts_with("hint: "), "{err}");
}

#[test]
fn backup_is_private_and_certutil_reads_it() {
    let t = TempDir::new("backup-private");
    let (store, _) = filled_store(&t);
    let state = t.path().join("state");
    let b = backup_nss_in(&state, "nss:profile", &store, "before import of jane.p12").unwrap();
    assert_eq!(mode(&state.join("backups")), 0o700);
    assert_eq!(mode(&b.dir), 0o700);
    for f in ["cert9.db", "key4.db", "pkcs11.txt", "manifest.json"] {
        assert_eq!(mode(&b.dir.join(f)), 0o600, "{f}");
    }
    let m: serde_json::Value = serde_json::from_slice(&fs::read(b.dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["format"], 1);
    assert_eq!(m["store_id"], "nss:profile");
    assert_eq!(m["reason"], "before import of jane.p12");
    assert_eq!(m["store_dir"], fs::canonicalize(&store).unwrap().to_str().unwrap());
    assert!(m["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(m["files"].as_array().unwrap().len(), 3);
    assert!(b.dir.file_name().unwrap().to_str().unwrap().ends_with(&lock::store_key(&store)));
    assert_eq!(listing(&b.dir), listing(&store));
    assert_eq!(list_backups_in(&state, Some(&store)).len(), 1);
}

#[test]
fn backup_while_other_processes_write_is_one_committed_state() {
    let t = TempDir::new("backup-live");
    let (store, _) = filled_store(&t);
    let state = t.path().join("state");
    let work = t.path().join("writer");
    fs::create_dir_all(&work).unwrap();
    let cas: Vec<(String, PathBuf)> = (0..8)
        .map(|i| {
            let nick = format!("Live CA {i}");
            let f = work.join(format!("live{i}.pem"));
            fs::write(&f, fixtures::root_ca("Backup Test", &nick, 100 + i).pem()).unwrap();
            (nick, f)
        })
        .collect();
    let order: Vec<String> = cas.iter().map(|(n, _)| n.clone()).collect();

    // Another process holds a write lock on cert9.db while the first backup
    // starts: the backup waits for it instead of copying a torn file.
    let blocker = rusqlite::Connection::open(store.join("cert9.db")).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let db = format!("sql:{}", store.display());
    let writer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        blocker.execute_batch("ROLLBACK").unwrap();
        drop(blocker);
        // Then certutil adds certificates one after another.
        for (nick, f) in &cas {
            fixtures::run(Command::new("certutil").args(["-A", "-d", &db, "-n", nick, "-t", "C,,", "-i"]).arg(f));
        }
    });
    let mut backups = Vec::new();
    while !writer.is_finished() {
        backups.push(backup_nss_in(&state, "nss:profile", &store, "concurrent").unwrap());
    }
    writer.join().unwrap();
    backups.push(backup_nss_in(&state, "nss:profile", &store, "after").unwrap());
    assert!(backups.len() >= 2);
    for b in &backups {
        for f in ["cert9.db", "key4.db"] {
            let c = rusqlite::Connection::open(b.dir.join(f)).unwrap();
            let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
            assert_eq!(ok, "ok", "{}", b.dir.display());
        }
        // Each backup holds the certificates added up to some moment, in
        // order: a prefix of the writer's sequence, never a torn mixture.
        let (certs, keys) = listing(&b.dir);
        let live: Vec<String> = nicknames(&certs).into_iter().filter(|n| n.starts_with("Live CA")).collect();
        assert_eq!(live, order[..live.len()].to_vec(), "{certs}");
        assert!(certs.contains("Jane Doe") && keys.contains("Jane Doe"), "{certs}{keys}");
    }
    let (last, _) = listing(&backups.last().unwrap().dir);
    assert_eq!(nicknames(&last).iter().filter(|n| n.starts_with("Live CA")).count(), order.len());
    // Retention never drops what the last 30 days made.
    assert_eq!(list_backups_in(&state, Some(&store)).len(), backups.len());
}

#[test]
fn restore_brings_back_exactly_the_listing_and_can_be_undone() {
    let t = TempDir::new("restore");
    let (store, _) = filled_store(&t);
    let home = t.path().join("home");
    let state = t.path().join("state");
    let before = listing(&store);
    let b = backup_nss_in(&state, "nss:profile", &store, "before a change").unwrap();

    // Change the store: delete the root, add another certificate.
    let work = t.path().join("work");
    let db = format!("sql:{}", store.display());
    fixtures::run(Command::new("certutil").args(["-D", "-d", &db, "-n", "Backup Test Root"]));
    fixtures::add_cert_only(&store, "Someone Else", &fixtures::root_ca("Backup Test", "Someone Else", 9), &work);
    let changed = listing(&store);
    assert_ne!(changed, before);
    // Leftovers a crashed app or import would leave.
    fs::write(store.join("key4.db-wal"), b"stale").unwrap();
    let h =
        Journal::begin_in(&state, "nss:profile", &store, None, vec![PlannedObject::private_key(b"id", "rsa", None)])
            .unwrap();
    drop(h);
    assert!(journal::pending_in(&state, &store).is_some());

    // Accepts the manifest's path as well as the directory.
    let o = restore(&state, &home, &b.dir.join("manifest.json"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("restored"), "{out}");
    assert_eq!(listing(&store), before);
    assert!(!store.join("key4.db-wal").exists());
    assert!(journal::pending_in(&state, &store).is_none());
    for f in ["cert9.db", "key4.db", "pkcs11.txt"] {
        assert_eq!(fs::read(store.join(f)).unwrap(), fs::read(b.dir.join(f)).unwrap(), "{f}");
        assert_eq!(mode(&store.join(f)), 0o600, "{f}");
    }
    // No temporary file is left in the profile.
    assert!(fs::read_dir(&store).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().starts_with('.')));

    // The state before the restore was saved, and restoring it undoes.
    let undo = out.lines().find_map(|l| l.strip_prefix("undo: certhelp restore ")).expect("undo line");
    let undo = PathBuf::from(undo);
    assert_eq!(listing(&undo), changed);
    let o = restore(&state, &home, &undo);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(listing(&store), changed);
    assert!(b.dir.exists());
}

#[test]
fn restore_refuses_while_the_app_runs_and_changes_nothing() {
    let t = TempDir::new("restore-inuse");
    let (store, _) = filled_store(&t);
    let home = t.path().join("home");
    let state = t.path().join("state");
    let b = backup_nss_in(&state, "firefox", &store, "test").unwrap();
    fixtures::add_cert_only(&store, "Later", &fixtures::root_ca("Backup Test", "Later", 7), &t.path().join("work"));

    // Firefox holds an fcntl write lock on .parentlock while it runs. fcntl
    // locks belong to processes: this test process holds it, certhelp (a
    // child process) sees it.
    let parentlock =
        fs::OpenOptions::new().create(true).truncate(false).write(true).open(store.join(".parentlock")).unwrap();
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = libc::F_WRLCK as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    assert_eq!(unsafe { libc::fcntl(parentlock.as_raw_fd(), libc::F_SETLK, &fl) }, 0);
    let files = files_of(&store);
    let o = restore(&state, &home, &b.dir);
    assert_refused(&o);
    assert!(stderr(&o).contains("running"), "{}", stderr(&o));
    assert_eq!(files_of(&store), files);
    drop(parentlock);

    // Any other process with the database open (Chromium's shared DB has no
    // .parentlock) also stops the restore, and is named.
    let mut holder = Command::new("sh")
        .arg("-c")
        .arg("exec 3<cert9.db; echo open; read x")
        .current_dir(&store)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(holder.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let o = restore(&state, &home, &b.dir);
    assert_refused(&o);
    assert!(stderr(&o).contains(&format!("pid {}", holder.id())), "{}", stderr(&o));
    assert_eq!(files_of(&store), files);
    holder.stdin.as_mut().unwrap().write_all(b"\n").unwrap();
    holder.wait().unwrap();

    // Another certhelp command writing the store: refused, not waited for.
    let held = lock_store_in(&state, &store).unwrap();
    let o = restore(&state, &home, &b.dir);
    assert_refused(&o);
    assert!(stderr(&o).contains("another certhelp command"), "{}", stderr(&o));
    assert_eq!(files_of(&store), files);
    drop(held);

    // A `lock` symlink that outlived the app is no reason to refuse.
    std::os::unix::fs::symlink("127.0.0.1:+4242", store.join("lock")).unwrap();
    let o = restore(&state, &home, &b.dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains("Later"));
    assert!(!nicknames(&listing(&store).0).contains(&"Later".to_string()));
}

#[test]
fn restore_refuses_bad_input_with_one_error_and_a_hint() {
    let t = TempDir::new("restore-bad");
    let (store, _) = filled_store(&t);
    let home = t.path().join("home");
    let state = t.path().join("state");
    let files = files_of(&store);

    assert_refused(&restore(&state, &home, &t.path().join("no-such-backup")));
    assert_refused(&restore(&state, &home, &store)); // a directory, but no manifest
    fs::write(t.path().join("manifest.json"), b"{}").unwrap();
    assert_refused(&restore(&state, &home, &t.path().join("manifest.json")));

    // A damaged backup is refused before anything happens.
    let b = backup_nss_in(&state, "nss:profile", &store, "test").unwrap();
    let mut key4 = fs::read(b.dir.join("key4.db")).unwrap();
    let n = key4.len();
    key4[n - 10] ^= 0xff;
    fs::write(b.dir.join("key4.db"), &key4).unwrap();
    let o = restore(&state, &home, &b.dir);
    assert_refused(&o);
    assert!(stderr(&o).contains("damaged"), "{}", stderr(&o));
    // A wrong path's hint names the newest backup.
    let o = restore(&state, &home, &t.path().join("no-such-backup"));
    assert!(stderr(&o).contains(&format!("the newest is {}", b.dir.display())), "{}", stderr(&o));
    assert_eq!(files_of(&store), files);
    assert_eq!(list_backups_in(&state, None).len(), 1, "no pre-restore backup for a refusal");

    // The store the backup belongs to is gone: nothing is created.
    let other = t.path().join("gone");
    fixtures::new_db(&other, None);
    let b2 = backup_nss_in(&state, "nss:gone", &other, "test").unwrap();
    fs::remove_dir_all(&other).unwrap();
    let o = restore(&state, &home, &b2.dir);
    assert_refused(&o);
    assert!(!other.exists());
}

/// A small tmpfs, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, kib: u64) -> Option<Tmpfs> {
        fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn disk_full_is_no_space_and_leaves_no_partial_backup() {
    let t = TempDir::new("backup-full");
    let (store, _) = filled_store(&t);
    let state = t.path().join("state");
    // Room for cert9.db's copy, not for key4.db's.
    let cert9 = fs::metadata(store.join("cert9.db")).unwrap().len();
    let Some(_fs) = Tmpfs::mount(&state, cert9 / 1024 + 12) else {
        eprintln!("skipped: mounting a tmpfs is not permitted here");
        return;
    };
    let r = backup_nss_in(&state, "nss:profile", &store, "test");
    assert!(matches!(r, Err(StoreError::NoSpace { .. })), "{r:?}");
    let left: Vec<_> = fs::read_dir(state.join("backups")).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "{left:?}");

    // A restore that cannot first save the current state does not start.
    let roomy = t.path().join("roomy");
    let b = backup_nss_in(&roomy, "nss:profile", &store, "test").unwrap();
    fixtures::add_cert_only(&store, "Later", &fixtures::root_ca("Backup Test", "Later", 7), &t.path().join("work"));
    let files = files_of(&store);
    let o = restore(&state, &t.path().join("home"), &b.dir);
    assert_refused(&o);
    assert!(stderr(&o).contains("no space"), "{}", stderr(&o));
    assert_eq!(files_of(&store), files);
}

#[test]
fn restore_as_root_keeps_the_owner_of_a_users_files() {
    let t = TempDir::new("restore-owner");
    let (store, _) = filled_store(&t);
    let state = t.path().join("state");
    let b = backup_nss_in(&state, "nss:profile", &store, "test").unwrap();
    let owned = |uid: u32| {
        for f in ["cert9.db", "key4.db", "pkcs11.txt"] {
            std::os::unix::fs::chown(store.join(f), Some(uid), Some(uid)).unwrap();
        }
    };
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root to hand the store to another user");
        return;
    }
    owned(65534);
    let o = restore(&state, &t.path().join("home"), &b.dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in ["cert9.db", "key4.db", "pkcs11.txt"] {
        let m = std::os::unix::fs::MetadataExt::uid(&fs::metadata(store.join(f)).unwrap());
        assert_eq!(m, 65534, "{f}");
    }
    // That user can still read its store.
    let db = format!("sql:{}", store.display());
    let l = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "certutil", "-L", "-d", &db])
        .output()
        .unwrap();
    owned(0);
    assert!(l.status.success(), "{}", String::from_utf8_lossy(&l.stderr));
    assert!(String::from_utf8_lossy(&l.stdout).contains("Jane Doe"));
}

#[test]
fn two_processes_locking_one_store_take_turns() {
    let t = TempDir::new("lock");
    let store = t.path().join("profile");
    fs::create_dir_all(&store).unwrap();
    let state = t.path().join("state");
    let lock_file = try_lock_store_in(&state, &store).unwrap().unwrap().path().to_path_buf();

    // certhelp holds it: util-linux flock(1), another process, cannot take it.
    let held = lock_store_in(&state, &store).unwrap();
    let busy = Command::new("flock").arg("-n").arg(&lock_file).arg("true").status().unwrap();
    assert_eq!(busy.code(), Some(1));
    drop(held);
    assert!(Command::new("flock").arg("-n").arg(&lock_file).arg("true").status().unwrap().success());

    // Another process holds it: certhelp waits until it lets go.
    let mark = t.path().join("released");
    let mut other = Command::new("flock")
        .arg(&lock_file)
        .arg("sh")
        .arg("-c")
        .arg(format!("echo locked; read x; echo done > '{}'", mark.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(other.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "locked");
    assert!(try_lock_store_in(&state, &store).unwrap().is_none());
    let (st, sd, mk) = (state.clone(), store.clone(), mark.clone());
    let waiter = std::thread::spawn(move || {
        let _l = lock_store_in(&st, &sd).unwrap();
        mk.exists()
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    other.stdin.as_mut().unwrap().write_all(b"\n").unwrap();
    other.wait().unwrap();
    assert!(waiter.join().unwrap(), "the lock was taken before the other process released it");
}
