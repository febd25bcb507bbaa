//! Bounded fuzzing of everything certhelp parses from outside: the
//! knowledge-base articles, questions, PKCS#12/PEM files, probe files, and
//! the pkcs11.txt and prefs.js editors. No nightly, no new crate: a seeded
//! xorshift64* generator and a handful of mutations (bit flips, inserts,
//! deletes, splices, truncation, repeated chunks, interesting bytes, length
//! fields) over real seed inputs, calling the library directly.
//!
//! CI runs a small fixed number of iterations per target with fixed seeds.
//! A longer run on demand:
//! `CERTHELP_FUZZ_ITERS=200000 cargo test --test it fuzz -- --nocapture`
//! (`CERTHELP_FUZZ_SEED=N` picks another seed). A failing input is written to
//! the temp dir and its seed and iteration are in the panic message.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use certhelp::config::{pkcs11_txt, prefs};
use certhelp::env::{Env, Os};
use certhelp::kb::{self, Kb};
use certhelp::plan::{Context, Overrides};
use certhelp::secret::Secret;
use certhelp::store::pkcs12;

use crate::util::{self, TempDir};

/// xorshift64* (Vigna): small, fast, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // A zero state would stay zero.
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// In `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Iterations per target: `default` in CI, `CERTHELP_FUZZ_ITERS` on demand.
fn iterations(default: usize) -> usize {
    std::env::var("CERTHELP_FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn base_seed(target: u64) -> u64 {
    let s: u64 = std::env::var("CERTHELP_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5EED_CE27);
    s.wrapping_add(target.wrapping_mul(0x1000_0000_01B3))
}

/// Bytes that break parsers: boundaries, DER length forms, text syntax.
const INTERESTING: &[u8] =
    &[0x00, 0xff, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x01, 0x30, 0x04, 0x02, b'\n', b'\r', b'"', b'\\'];

/// Fragments of the text formats the targets read.
const TOKENS: &[&str] = &[
    "---",
    "\n",
    "\r\n",
    "\r",
    "\"",
    "'",
    "\\",
    ":",
    ": ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "=",
    "\u{feff}",
    "é",
    "\u{10ffff}",
    "\u{0}",
    "🔐",
    "{{",
    "}}",
    "```",
    "- ",
    "user_pref(",
    "\");",
    "library=",
    "name=",
    "-----BEGIN CERTIFICATE-----\n",
    "-----END CERTIFICATE-----\n",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
    "null",
    "-1",
    "18446744073709551616",
    "1e999",
];

/// One mutation of `data` in place; `corpus` gives splice material.
fn mutate_once(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    let len = data.len();
    match rng.below(11) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 => {
            let i = rng.below(len + 1);
            let b = rng.next() as u8;
            data.insert(i, b);
        }
        2 if len > 0 => {
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(64));
            data.drain(i..i + n);
        }
        3 => {
            // Splice: a piece of another seed at a random place.
            let other = rng.pick(corpus);
            if !other.is_empty() {
                let s = rng.below(other.len());
                let n = 1 + rng.below((other.len() - s).min(256));
                let at = rng.below(len + 1);
                let piece = other[s..s + n].to_vec();
                if rng.chance(2) {
                    data.splice(at..len.min(at + n), piece);
                } else {
                    data.splice(at..at, piece);
                }
            }
        }
        4 if len > 0 => data.truncate(rng.below(len)),
        5 if len > 0 => {
            // Repeat a chunk a few times.
            let s = rng.below(len);
            let n = 1 + rng.below((len - s).min(64));
            let chunk = data[s..s + n].to_vec();
            let times = 1 + rng.below(8);
            let at = s + n;
            for _ in 0..times {
                data.splice(at..at, chunk.iter().copied());
            }
        }
        6 if len > 0 => {
            let i = rng.below(len);
            data[i] = *rng.pick(INTERESTING);
        }
        7 if len > 1 => {
            // A DER length field: the byte after a tag-looking byte becomes a
            // long-form, indefinite, huge or short length.
            let i = rng.below(len - 1);
            let forms: &[&[u8]] = &[
                &[0x80],
                &[0x81, 0xff],
                &[0x82, 0xff, 0xff],
                &[0x84, 0xff, 0xff, 0xff, 0xff],
                &[0x89],
                &[0x00],
                &[0x7f],
            ];
            let f = rng.pick(forms);
            let end = (i + 2).min(len);
            data.splice(i + 1..end, f.iter().copied());
        }
        8 => {
            let t = rng.pick(TOKENS).as_bytes();
            let at = rng.below(len + 1);
            data.splice(at..at, t.iter().copied());
        }
        9 if len > 0 => {
            // Overwrite a run with one interesting byte.
            let s = rng.below(len);
            let n = 1 + rng.below((len - s).min(16));
            let b = *rng.pick(INTERESTING);
            data[s..s + n].iter_mut().for_each(|x| *x = b);
        }
        10 if len > 3 => {
            // Swap two halves (moves structures around).
            let cut = rng.below(len);
            data.rotate_left(cut);
        }
        _ => data.push(rng.next() as u8),
    }
}

/// A mutated copy of one of `corpus`, at most `max_len` bytes.
fn mutant(rng: &mut Rng, corpus: &[Vec<u8>], max_len: usize) -> Vec<u8> {
    let mut data = rng.pick(corpus).clone();
    let most = if rng.chance(4) { 16 } else { 4 };
    let rounds = 1 + rng.below(most);
    for _ in 0..rounds {
        mutate_once(rng, &mut data, corpus);
    }
    data.truncate(max_len);
    data
}

/// Runs `check` on the seeds and on `iters` mutants, each inside
/// `catch_unwind`. A panic (a crash, or a broken invariant asserted by
/// `check`) writes the input to the temp dir and fails with its seed and
/// iteration.
fn fuzz(target: &str, seed: u64, corpus: &[Vec<u8>], iters: usize, max_len: usize, check: impl Fn(&[u8])) {
    assert!(!corpus.is_empty(), "{target}: no seeds");
    let run = |data: &[u8], what: &str| {
        if catch_unwind(AssertUnwindSafe(|| check(data))).is_err() {
            let f = std::env::temp_dir().join(format!("certhelp-fuzz-{target}-{seed}-{what}.bin"));
            let _ = std::fs::write(&f, data);
            panic!(
                "fuzz {target}: failure at seed {seed}, {what}; input written to {} \
                 (rerun: CERTHELP_FUZZ_SEED / CERTHELP_FUZZ_ITERS)",
                f.display()
            );
        }
    };
    for (i, s) in corpus.iter().enumerate() {
        run(s, &format!("seed-input-{i}"));
    }
    let mut rng = Rng::new(seed);
    for i in 0..iters {
        let data = mutant(&mut rng, corpus, max_len);
        run(&data, &format!("iteration-{i}"));
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ---------------------------------------------------------------- 1. kb

fn kb_seeds() -> Vec<Vec<u8>> {
    let dir = util::repo().join("kb");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md") && !p.ends_with("README.md"))
        .collect();
    names.sort();
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn fuzz_kb_article_parser() {
    let seeds = kb_seeds();
    // The shipped articles parse as they are.
    for s in &seeds {
        kb::parse_article("seed", &text(s)).unwrap_or_else(|p| panic!("shipped article does not parse: {p:?}"));
    }
    fuzz("kb", base_seed(1), &seeds, iterations(3000), 16 * 1024, |b| {
        let t = text(b);
        match kb::parse_article("fuzz-input", &t) {
            Ok(a) => {
                // The body is rendered by `show`; its line is inside the file.
                let lines = t.lines().count().max(1);
                assert!(a.body_line <= lines + 1, "body line {} of {lines}", a.body_line);
                let _ = certhelp::markdown::to_text(&a.body, certhelp::markdown::Style { color: false }, 80, "  ");
                let _ = certhelp::markdown::to_html(&a.body);
            }
            Err(problems) => {
                // Every problem names this file and a line in it.
                let lines = t.lines().count().max(1);
                for p in &problems {
                    assert_eq!(p.file, "fuzz-input");
                    // Line 0 is the whole file (`kb lint` then names the file alone).
                    assert!(p.line <= lines + 1, "problem line {} of {lines}: {}", p.line, p.message);
                }
            }
        }
        for line in t.lines().take(50) {
            let _ = kb::referenced_ids(line);
        }
    });
}

// ------------------------------------------------------------ 2. intent

fn question_seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for f in ["questions.tsv", "holdout.tsv", "tickets.tsv"] {
        let t = std::fs::read_to_string(util::repo().join("tests/eval").join(f)).unwrap();
        for line in t.lines().skip(1) {
            if let Some(q) = line.split('\t').nth(1) {
                out.push(q.as_bytes().to_vec());
            }
        }
    }
    out
}

fn context() -> Context<'static> {
    Context { default_os: Os::Linux, env: None, os_flag: None, checks: &[] }
}

#[test]
fn fuzz_intent_parser_and_answer() {
    let seeds = question_seeds();
    let kb = Kb::builtin();
    let overrides = Overrides::default();
    let counter = std::cell::Cell::new(0usize);
    fuzz("intent", base_seed(2), &seeds, iterations(3000), 4096, |b| {
        let q = text(b);
        let _ = certhelp::intent::parse(&q);
        // The whole answer (search, plan) on one input in eight: it is the
        // slower path.
        counter.set(counter.get() + 1);
        if counter.get() % 8 == 0 {
            let _ = certhelp::answer::answer(&q, &overrides, context(), &kb);
        }
    });
    // Random Unicode (every plane, controls, combining marks).
    let mut rng = Rng::new(base_seed(3));
    for i in 0..iterations(3000) / 10 {
        let len = rng.below(200);
        let q: String = (0..len)
            .map(|_| match rng.below(4) {
                0 => char::from_u32(rng.below(0x80) as u32).unwrap(),
                1 => char::from_u32(0x300 + rng.below(0x70) as u32).unwrap(),
                _ => loop {
                    if let Some(c) = char::from_u32(rng.below(0x11_0000) as u32) {
                        break c;
                    }
                },
            })
            .collect();
        let r = catch_unwind(AssertUnwindSafe(|| {
            let _ = certhelp::intent::parse(&q);
            let _ = certhelp::answer::answer(&q, &overrides, context(), &kb);
        }));
        if r.is_err() {
            let f = std::env::temp_dir().join(format!("certhelp-fuzz-unicode-{i}.txt"));
            let _ = std::fs::write(&f, &q);
            panic!("fuzz unicode question {i}: input written to {}", f.display());
        }
    }
}

/// A question of 100 KB (words from real questions, random Unicode, one
/// unbroken token) simply returns: a plan or an error, never a hang.
#[test]
fn hundred_kb_question_returns() {
    let kb = Kb::builtin();
    let seeds = question_seeds();
    let mut rng = Rng::new(base_seed(4));
    let mut words = String::new();
    while words.len() < 100 * 1024 {
        let q: &Vec<u8> = rng.pick(&seeds);
        words.push_str(&text(q));
        words.push(' ');
    }
    let mut unicode = String::new();
    while unicode.len() < 100 * 1024 {
        if let Some(c) = char::from_u32(rng.below(0x11_0000) as u32) {
            unicode.push(c);
        }
    }
    let token = "x".repeat(100 * 1024);
    let spaces = " \n".repeat(50 * 1024);
    for q in [words, unicode, token, spaces] {
        let _ = certhelp::intent::parse(&q);
        let _ = certhelp::answer::answer(&q, &Overrides::default(), context(), &kb);
    }
}

// ----------------------------------------------------------- 3. pkcs12

const PW: &str = "correct horse";

/// Real files made by the openssl CLI (low iteration counts so mutants that
/// keep their structure reach decryption cheaply): modern, legacy 3DES,
/// RC2-40, and PEM key + certificate.
fn pkcs12_seeds(dir: &Path) -> Vec<Vec<u8>> {
    let f = crate::pkcs12::Files::new(dir);
    let mut out = Vec::new();
    let variants: &[(&str, &[&str])] = &[
        ("modern.p12", &["-iter", "16"]),
        ("legacy.p12", &["-legacy", "-iter", "16"]),
        ("rc2.p12", &["-legacy", "-certpbe", "PBE-SHA1-RC2-40", "-keypbe", "PBE-SHA1-RC2-40", "-iter", "16"]),
        ("nomac.p12", &["-iter", "16", "-nomac"]),
    ];
    for (name, extra) in variants {
        out.push(std::fs::read(f.openssl_export(name, extra)).unwrap());
    }
    let mut pem = std::fs::read(f.path("key.pem")).unwrap();
    pem.extend(std::fs::read(f.path("cert.pem")).unwrap());
    pem.extend(std::fs::read(f.path("ca.pem")).unwrap());
    out.push(pem);
    out.push(f.leaf.cert.to_der().unwrap());
    out
}

#[test]
fn fuzz_pkcs12_and_pem_reader() {
    let tmp = TempDir::new("fuzz-p12");
    let seeds = pkcs12_seeds(tmp.path());
    let pw = Secret::new(PW.to_string());
    // The seeds open with the password (the DER certificate is no bundle).
    for s in &seeds[..3] {
        let b = pkcs12::read(s, &pw, "seed.p12").unwrap_or_else(|e| panic!("seed does not open: {e:?}"));
        assert_eq!(b.identities.len(), 1);
    }
    pkcs12::read_pem(&seeds[4], None, None).expect("PEM seed");
    fuzz("pkcs12", base_seed(5), &seeds, iterations(1500), 16 * 1024, |b| {
        let kind = pkcs12::sniff(b);
        let _ = kind.describe();
        if let Ok(bundle) = pkcs12::read(b, &pw, "fuzz.p12") {
            // Whatever opens holds parseable certificates.
            for id in &bundle.identities {
                let _ = certhelp::cert::parse(&id.cert_der);
            }
        }
        let _ = pkcs12::read_pem(b, None, Some(&pw));
        let _ = pkcs12::read_pem(b, Some(b), None);
    });
}

// ------------------------------------------------------------ 4. probe

/// A real `certhelp probe --json` of a home with a Firefox profile holding
/// one identity, and the empty probe.
fn probe_seeds(home: &Path) -> Vec<Vec<u8>> {
    let ff = home.join(".mozilla/firefox");
    let profile = ff.join("fuzz.default");
    std::fs::create_dir_all(&profile).unwrap();
    std::fs::write(
        ff.join("profiles.ini"),
        "[Profile0]\nName=default\nIsRelative=1\nPath=fuzz.default\nDefault=1\n\n[General]\nStartWithLastProfile=1\n",
    )
    .unwrap();
    crate::fixtures::new_db(&profile, None);
    let work = home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let files = crate::pkcs12::Files::new(&work);
    crate::fixtures::add_p12(&profile, "Jane ID", &files.leaf, &work, None);
    crate::fixtures::add_ca(&profile, "ORC ECA 6", &files.ca, &work);
    let o = util::run(util::certhelp(home).args(["probe", "--json"]));
    assert!(o.status.success(), "probe: {}", util::stderr(&o));
    let env: Env = serde_json::from_slice(&o.stdout).expect("probe output is a probe file");
    assert!(env.personal_certificates().count() >= 1, "probe saw no identity: {}", util::stdout(&o));
    vec![o.stdout, serde_json::to_vec_pretty(&Env::default()).unwrap()]
}

#[test]
fn fuzz_probe_file_reader() {
    let home = TempDir::new("fuzz-probe");
    let seeds = probe_seeds(home.path());
    let kb = Kb::builtin();
    fuzz("probe", base_seed(6), &seeds, iterations(2000), 64 * 1024, |b| {
        let Ok(env) = serde_json::from_slice::<Env>(b) else { return };
        // Whatever is accepted survives a round trip and feeds the doctor
        // and a tailored plan.
        let again: Env = serde_json::from_slice(&serde_json::to_vec(&env).unwrap()).expect("round trip");
        assert_eq!(serde_json::to_value(&env).unwrap(), serde_json::to_value(&again).unwrap());
        let checks = certhelp::doctor::run(&env);
        let _ = certhelp::doctor::render(&checks);
        let ctx = Context { default_os: Os::Linux, env: Some(&env), os_flag: None, checks: &checks };
        let _ = certhelp::answer::answer("move my certificate from firefox to chrome", &Overrides::default(), ctx, &kb);
    });
}

// ------------------------------------------------- 5. pkcs11.txt, prefs.js

const PKCS11_SEEDS: &[&str] = &[
    "library=\nname=NSS Internal PKCS #11 Module\nparameters=configdir='sql:/x' certPrefix='' keyPrefix='' secmod='secmod.db' flags=optimizeSpace updatedir='' updateCertPrefix='' updateKeyPrefix='' updateid='' updateTokenDescription=''\nNSS=Flags=internal,critical trustOrder=75 cipherOrder=100 slotParams=(1={slotFlags=[ECC,RSA,DSA,DH,RC2,RC4,DES,RANDOM,SHA1,MD5,MD2,SSL,TLS,AES,Camellia,SEED,SHA256,SHA512] askpw=any timeout=30})\n\nlibrary=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\nname=OpenSC\n\n",
    "# comment\r\nlibrary=\r\nname=NSS Internal PKCS #11 Module\r\n\r\nlibrary=\"/opt/p11/lib.so\"\r\nNAME=Token\r\n",
    "library=libsofthsm2.so\nname=SoftHSM",
    "",
];

/// Edits keep every other byte: removing an entry takes exactly its span,
/// adding one keeps the old text as a prefix and ends with the new entry,
/// and the old entries read the same afterwards.
fn check_pkcs11_txt(b: &[u8], lib: &str, name: &str) {
    let es = pkcs11_txt::entries(b);
    let mut prev_end = 0;
    for e in &es {
        assert!(prev_end <= e.start && e.start < e.end && e.end <= e.removal_end && e.removal_end <= b.len(), "{e:?}");
        prev_end = e.end;
        let without = pkcs11_txt::without(b, &[e]);
        assert_eq!(without, [&b[..e.start], &b[e.removal_end..]].concat());
        let left = pkcs11_txt::entries(&without);
        assert_eq!(left.len(), es.len() - 1, "removing one entry changed the others");
    }
    let all: Vec<&pkcs11_txt::Entry> = es.iter().collect();
    let none = pkcs11_txt::without(b, &all);
    assert!(pkcs11_txt::entries(&none).is_empty(), "entries left after removing all");
    if pkcs11_txt::unfit(lib).is_none() && pkcs11_txt::unfit(name).is_none() {
        let added = pkcs11_txt::with_entry(b, lib, name);
        assert!(added.starts_with(b), "the old text is not kept");
        let after = pkcs11_txt::entries(&added);
        assert_eq!(after.len(), es.len() + 1, "entries before {es:?} after {after:?}");
        for (old, new) in es.iter().zip(&after) {
            assert_eq!((old.start, &old.library, &old.name), (new.start, &new.library, &new.name));
        }
        let last = after.last().unwrap();
        assert_eq!(last.library.as_deref(), Some(lib));
        assert_eq!(last.name.as_deref(), Some(name));
    }
}

const PREFS_SEEDS: &[&str] = &[
    "// Mozilla User Preferences\n\n// DO NOT EDIT THIS FILE.\n\nuser_pref(\"app.update.lastUpdateTime\", 1700000000);\nuser_pref(\"mail.identity.id1.signing_cert_name\", \"old\");\nuser_pref(\"mail.identity.id1.encryption_cert_name\", 'x\\'y');\nuser_pref(\"browser.startup.page\", true);\n",
    "user_pref(\"a\", \"b\");\r\nuser_pref(\"mail.identity.id1.signing_cert_name\",\"\");\r\npref(\"c\", 1);\r\n",
    "user_pref(\"mail.identity.id1.signing_cert_name\", \"a\\\"b\\\\\"); user_pref(\"x\", 1);",
    "",
];

/// Lines not setting the edited names are kept byte for byte, the edited
/// ones read back as the names set, and a second edit changes nothing.
fn check_prefs(b: &[u8], name: &str, value: &str) {
    let sets = [(name, value), ("mail.identity.id1.encryption_cert_name", value)];
    let edit = prefs::set_string_prefs(b, &sets);
    let old: Vec<&[u8]> = b.split_inclusive(|c| *c == b'\n').collect();
    let new: Vec<&[u8]> = edit.bytes.split_inclusive(|c| *c == b'\n').collect();
    assert!(new.len() >= old.len());
    for (o, n) in old.iter().zip(&new) {
        let body = o.strip_suffix(b"\n").unwrap_or(o);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        match prefs::pref_line_name(body) {
            Some(nm) if sets.iter().any(|(s, _)| *s == nm) => {
                let n_body = n.strip_suffix(b"\n").unwrap_or(n);
                let n_body = n_body.strip_suffix(b"\r").unwrap_or(n_body);
                assert_eq!(prefs::pref_line_name(n_body).as_deref(), Some(nm.as_str()));
            }
            // The last line may get a line ending before an appended pref.
            _ if n.len() > o.len() => assert!(n.starts_with(o) && !o.ends_with(b"\n"), "{o:?} -> {n:?}"),
            _ => assert_eq!(o, n),
        }
    }
    for (nm, _) in sets {
        let line = prefs::user_pref_line(nm, value);
        assert_eq!(prefs::pref_line_name(line.as_bytes()).as_deref(), Some(nm), "{line}");
    }
    let twice = prefs::set_string_prefs(&edit.bytes, &sets);
    assert!(!twice.changed, "a second edit changed the file");
}

/// Names and values for the editors: real ones, and awkward ones.
fn awkward(rng: &mut Rng, module: bool) -> String {
    let real: &[&str] = if module {
        &["/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", "OpenSC", "libsofthsm2.so", "Token (2)"]
    } else {
        &["Jane ID", "mail.identity.id2.signing_cert_name", "", "CN=Doe\\, Jane"]
    };
    let mut s = rng.pick(real).to_string();
    for _ in 0..rng.below(3) {
        let t = rng.pick(TOKENS);
        let at = s.char_indices().map(|(i, _)| i).nth(rng.below(s.chars().count() + 1)).unwrap_or(s.len());
        s.insert_str(at, t);
    }
    s
}

#[test]
fn fuzz_pkcs11_txt_editor() {
    let seeds: Vec<Vec<u8>> = PKCS11_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    let rng = std::cell::RefCell::new(Rng::new(base_seed(7) ^ 0xABCD));
    fuzz("pkcs11-txt", base_seed(7), &seeds, iterations(3000), 8 * 1024, |b| {
        let (lib, name) = {
            let mut r = rng.borrow_mut();
            (awkward(&mut r, true), awkward(&mut r, true))
        };
        check_pkcs11_txt(b, &lib, &name);
    });
}

#[test]
fn fuzz_prefs_js_editor() {
    let seeds: Vec<Vec<u8>> = PREFS_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    let rng = std::cell::RefCell::new(Rng::new(base_seed(8) ^ 0xABCD));
    fuzz("prefs-js", base_seed(8), &seeds, iterations(3000), 8 * 1024, |b| {
        let (name, value) = {
            let mut r = rng.borrow_mut();
            (awkward(&mut r, false), awkward(&mut r, false))
        };
        check_prefs(b, &name, &value);
    });
}

// ------------------------------------------------ regressions found above

/// Found by `fuzz_pkcs11_txt_editor`: a file whose last line ended in a lone
/// `\r` (CRLF file, cut before its final `\n`) got a whole `\r\n` appended,
/// so that line read `library="..."\r` and the module it named changed.
#[test]
fn pkcs11_txt_entry_added_after_lone_cr_keeps_last_library() {
    let text = b"library=\r\nname=NSS Internal PKCS #11 Module\r\n\r\nlibrary=\"/opt/p11/lib.so\"\r";
    let added = pkcs11_txt::with_entry(text, "/usr/lib/opensc-pkcs11.so", "OpenSC");
    let e = pkcs11_txt::entries(&added);
    assert_eq!(e[1].library.as_deref(), Some("/opt/p11/lib.so"));
    assert_eq!(e[2].library.as_deref(), Some("/usr/lib/opensc-pkcs11.so"));
    check_pkcs11_txt(text, "/usr/lib/opensc-pkcs11.so", "OpenSC");
}
