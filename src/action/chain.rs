//! `certhelp chain install --to STORE [--from-file FILE | --from-cert FILE]`
//! (SPEC §5): put the intermediate and root certificates of a chain into a
//! store, the root trusted where the policy in [`crate::chain::trust`] says
//! so, and say exactly what was done.
//!
//! Steps: resolve the store, gather the certificates (a PEM/PKCS#7 file, a
//! PKCS#12's chain, or the AIA links of a certificate), keep the CA ones in
//! issuer-first order, decide each one's trust, then one call to the store
//! layer, which leaves certificates already present alone and backs the
//! store up first. Every check happens before that call, so bad input
//! changes nothing. This verb never prints; `main` prints its [`Report`].

use std::path::{Path, PathBuf};

use super::{Report, Ui};
use crate::chain::aia::{self, End, Fetch};
use crate::chain::source::{self, CaCert, FileContent};
use crate::chain::trust::{self, Origin, Pin, RootReason};
use crate::cli::{ChainInstallArgs, SecretArgs};
use crate::env::ProductKind;
use crate::error::{Error, Result};
use crate::secret::{read_secret, SecretFlags, SecretMode};
use crate::store::nss::ChainInstallReport;
use crate::store::pkcs12;
use crate::store::target::{self, ResolvedStore};
use crate::store::{ChainCert, StoreError};

pub fn run(args: &ChainInstallArgs, ui: Ui) -> Result<Report> {
    run_with(args, ui, &mut crate::chain::http::get, &mut crate::prompt::confirm)
}

/// [`run`] with the fetcher for `--from-cert` and the yes/no question (asked
/// only when `ui.interactive`) as parameters.
pub fn run_with(
    args: &ChainInstallArgs,
    ui: Ui,
    fetch: &mut dyn Fetch,
    ask: &mut dyn FnMut(&str) -> bool,
) -> Result<Report> {
    let (id, dir) = resolve_target(&args.to)?;
    let confirmed = match &args.trust_root {
        Some(s) => Some(trust::parse_fingerprint(s).ok_or_else(|| {
            Error::new(
                format!("--trust-root `{s}` is not a SHA-256 fingerprint"),
                "give all 64 hex digits as sha256:HEX (colons allowed), as your CA publishes it",
            )
        })?),
        None => None,
    };
    let gathered =
        match (&args.from_file, &args.from_cert) {
            (Some(file), _) => from_file(file, &args.secrets, ui)?,
            (None, Some(cert)) => from_cert(cert, fetch)?,
            (None, None) => return Err(Error::new(
                "chain install needs the chain's source",
                "add --from-file CHAIN.p7b (PEM, PKCS#7 or PKCS#12) or --from-cert YOUR.cer (follows its issuer links)",
            )),
        };
    let pins = trust::pins(&crate::kb::Kb::load(None)?);
    let mut planned = plan(&gathered, &pins, confirmed.as_deref(), super::now())?;
    if ui.interactive && confirmed.is_none() {
        if let Some(fp) = ask_to_trust(&planned, ask) {
            planned = plan(&gathered, &pins, Some(&fp), super::now())?;
        }
    }
    let pin = super::nss_pin_if_needed(&id, &dir, &args.secrets, ui)?;
    let certs: Vec<ChainCert> = planned.certs.iter().map(|p| p.cert.clone()).collect();
    let done = crate::store::nss::install_ca_certs(&dir, &id, &certs, pin.as_ref())?;
    let trusted = trusted_in_store(&id, &dir, &planned);
    Ok(report(&id, &args.to, &gathered, &planned, &done, &trusted))
}

/// The fetched roots nobody vouched for this time that the store trusts
/// already (an earlier `--trust-root`, or the user): by SHA-256. Best
/// effort: a store that cannot be read says nothing.
fn trusted_in_store(id: &str, dir: &Path, plan: &Plan) -> Vec<String> {
    let Ok(s) = crate::store::nss::NssStore::new(id, dir).open(crate::store::session::Access::ReadOnly) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in plan.certs.iter().filter(|p| p.reason == Some(RootReason::NotConfirmed)) {
        let Ok(x) = openssl::x509::X509::from_der(&p.cert.der) else { continue };
        let (Ok(issuer), Ok(serial)) = (crate::store::session::issuer_der(&x), crate::store::session::serial_der(&x))
        else {
            continue;
        };
        let trusted = s
            .find_trust(&issuer, &serial)
            .ok()
            .and_then(|h| h.first().map(|h| s.trust_of(*h)))
            .is_some_and(|t| t.is_ok_and(|t| t != crate::store::Trust::NONE));
        if trusted {
            out.push(p.sha256.clone());
        }
    }
    out
}

/// On a terminal: show the fetched root nobody vouched for (not pinned, no
/// `--trust-root`) with its fingerprint, and ask whether to trust it. The
/// fingerprint to count as confirmed when the answer is yes.
fn ask_to_trust(plan: &Plan, ask: &mut dyn FnMut(&str) -> bool) -> Option<String> {
    let p = plan.certs.iter().find(|p| p.reason == Some(RootReason::NotConfirmed))?;
    let question = format!(
        "\"{}\" was fetched over the network and no chain article pins it. \
         Its SHA-256 fingerprint is {}. Trust it for websites and e-mail only if this is the fingerprint \
         your CA publishes ({}). Trust it?",
        p.name,
        colon_hex(&p.sha256),
        plan.article
    );
    ask(&question).then(|| p.sha256.clone())
}

/// What the user reads: each certificate with its trust and why, what the
/// store added or already had, the backup, and warnings (skipped
/// certificates, where a walk stopped, how to trust an unpinned root).
fn report(
    store_id: &str,
    to: &str,
    g: &Gathered,
    plan: &Plan,
    done: &ChainInstallReport,
    trusted: &[String],
) -> Report {
    let mut report = Report::default();
    report.say(format!("Chain for {store_id} (from {}):", g.source));
    for p in &plan.certs {
        if trusted.contains(&p.sha256) {
            report.say(format!("  {}: root, trusted in this store already (left as it is)", p.name));
        } else {
            report.say(format!("  {}: {}", p.name, describe(p)));
        }
    }
    if !done.added.is_empty() {
        report.say(format!("added: {}", done.added.join(", ")));
    }
    if !done.trust_set.is_empty() {
        report.say(format!("already there, now trusted for websites and e-mail: {}", done.trust_set.join(", ")));
    }
    if !done.already_present.is_empty() {
        report.say(format!("already there (left as they were): {}", done.already_present.join(", ")));
    }
    if let Some(b) = &done.backup {
        report.say(format!("backup of the store before the change: {} (`certhelp restore` puts it back)", b.display()));
    }
    for w in plan.warnings.iter().chain(&g.notes) {
        report.warn(w.clone());
    }
    for p in plan.certs.iter().filter(|p| p.reason == Some(RootReason::NotConfirmed) && !trusted.contains(&p.sha256)) {
        report.warn(how_to_trust(p, to, g, plan.article));
    }
    report
}

/// The NSS database `--to` names: its store id and directory. Tokens and
/// files are refused (a token's CA certificates are the token vendor's
/// business; a file is not a store).
fn resolve_target(to: &str) -> Result<(String, PathBuf)> {
    match target::resolve(&target::parse_store(to)?, &super::home()?)? {
        ResolvedStore::Nss { id, dir, .. } => Ok((id, dir)),
        ResolvedStore::Pkcs11 { id, .. } => Err(Error::new(
            format!("chain install cannot write to a token ({id})"),
            "install the chain into the app's own store (firefox, thunderbird, chrome or nss:DIR); the app looks there too",
        )),
        ResolvedStore::File(p) => Err(Error::new(
            format!("--to {} is a file, not a store", p.display()),
            "--to takes firefox, thunderbird, chrome, chromium or nss:DIR (`certhelp probe` lists the stores found)",
        )),
    }
}

/// Certificates from one source, each with where it came from.
struct Gathered {
    /// The file (and, for AIA, "its issuer links"), for the report.
    source: String,
    certs: Vec<(Vec<u8>, Origin)>,
    /// Notes for the report: skipped links, where a walk stopped.
    notes: Vec<String>,
    /// The certificate `--from-cert` started from, for the product.
    start: Option<Vec<u8>>,
}

/// The file's bytes, size-bounded (a chain file is small; a huge one is the
/// wrong file).
fn read_file(path: &Path) -> Result<Vec<u8>> {
    pkcs12::read_bounded(path).map_err(format_error)
}

fn format_error(e: StoreError) -> Error {
    match e {
        StoreError::UnsupportedFormat { file, found } => Error::new(
            format!("{file} holds no certificates certhelp can read: {found}"),
            "give a PEM or DER certificate file, a PKCS#7 bundle (.p7b/.p7c) or a PKCS#12 file (.p12/.pfx)",
        ),
        other => other.into(),
    }
}

fn from_file(path: &Path, secrets: &SecretArgs, ui: Ui) -> Result<Gathered> {
    let label = path.display().to_string();
    let bytes = zeroize::Zeroizing::new(read_file(path)?);
    let certs = match source::classify(&bytes, &label).map_err(format_error)? {
        FileContent::Certs(c) => c,
        FileContent::Pkcs12 => {
            let password = read_secret(
                secrets.password_file.as_deref(),
                secrets.password_env.as_deref(),
                &format!("the password of {label}"),
                SecretMode::Existing,
                ui.interactive,
                SecretFlags::PASSWORD,
            )?;
            // Its keys are read too (the reader pairs them): dropped here,
            // zeroized.
            pkcs12::read(&bytes, &password, &label).map_err(format_error)?.chain.into_iter().map(|c| c.der).collect()
        }
    };
    Ok(Gathered {
        source: label,
        certs: certs.into_iter().map(|c| (c, Origin::HandedOver)).collect(),
        notes: Vec::new(),
        start: None,
    })
}

fn from_cert(path: &Path, fetch: &mut dyn Fetch) -> Result<Gathered> {
    let label = path.display().to_string();
    let bytes = read_file(path)?;
    let certs = match source::classify(&bytes, &label).map_err(format_error)? {
        FileContent::Certs(c) => c,
        FileContent::Pkcs12 => {
            return Err(Error::new(
                format!("{label} is a PKCS#12 file, which carries its chain inside"),
                format!("use --from-file {label} with --password-file FILE or --password-env VAR"),
            ))
        }
    };
    let mut notes = Vec::new();
    if certs.len() > 1 {
        notes.push(format!("{label} holds {} certificates; following the first one's issuer links", certs.len()));
    }
    let start = certs.into_iter().next().expect("certs_from_bytes returns at least one");
    let walk = aia::walk(&start, fetch, aia::MAX_HOPS).map_err(|e| {
        let hint = match e {
            aia::AiaError::NoLinks { .. } => "get the chain from your CA's repository and use --from-file CHAIN.p7b",
            _ => "check the network (only http:// links are followed), or get the chain from your CA and use --from-file CHAIN.p7b",
        };
        Error::new(format!("{e}; nothing was installed"), hint)
    })?;
    notes.extend(walk.notes);
    match &walk.end {
        End::Root => {}
        End::NoLink(name) => notes.push(format!(
            "the chain stops at \"{name}\", which has no http:// issuer link: its issuer (the root) was not fetched; it may already be in the store"
        )),
        End::Loop(url) => notes.push(format!("the issuer links lead back to {url}; stopped there, without a root")),
        End::TooDeep => notes.push(format!("stopped after {} issuers without reaching a root", aia::MAX_HOPS)),
    }
    let mut gathered_certs = Vec::new();
    // A CA certificate handed over as the start (an intermediate) is part of
    // the chain too, and came from the user, not the network.
    if CaCert::new(start.clone()).is_some_and(|c| c.is_ca()) {
        gathered_certs.push((start.clone(), Origin::HandedOver));
    }
    gathered_certs.extend(walk.issuers.into_iter().map(|f| (f.der, Origin::Network)));
    Ok(Gathered { source: format!("the issuer links in {label}"), certs: gathered_certs, notes, start: Some(start) })
}

/// One certificate to install, with the reason for its trust.
#[derive(Debug, Clone)]
struct Planned {
    cert: ChainCert,
    name: String,
    sha256: String,
    /// Set for roots.
    reason: Option<RootReason>,
    origin: Origin,
}

#[derive(Debug)]
struct Plan {
    certs: Vec<Planned>,
    warnings: Vec<String>,
    /// The chain article for this product, for the how-to-trust advice.
    article: &'static str,
}

/// Decide what to install and with which trust. Fails, before anything is
/// written, when nothing is left to install or `--trust-root` names a
/// fingerprint that is not the chain's root.
fn plan(g: &Gathered, pins: &[Pin], confirmed: Option<&str>, now: i64) -> Result<Plan> {
    let origin_of = |der: &[u8]| g.certs.iter().find(|(d, _)| d == der).map_or(Origin::Network, |(_, o)| *o);
    let mut sel = source::select_cas(g.certs.iter().map(|(d, _)| d.clone()).collect());
    let mut warnings = Vec::new();
    // An expired CA only breaks chains that a current one would build
    // (NOTES-pitfalls #22): leave it out and say so.
    let (expired, current): (Vec<CaCert>, Vec<CaCert>) = sel.cas.into_iter().partition(|c| c.info.not_after < now);
    sel.cas = current;
    for c in &expired {
        warnings.push(format!(
            "not installed: \"{}\" expired on {}",
            c.name(),
            crate::cert::rfc3339(c.info.not_after).get(..10).unwrap_or("")
        ));
    }
    if !sel.skipped.is_empty() {
        warnings.push(format!("not installed (not CA certificates): {}", sel.skipped.join(", ")));
    }
    if sel.cas.is_empty() && !expired.is_empty() {
        return Err(Error::new(
            format!("every CA certificate from {} has expired; nothing was installed", g.source),
            "get the current chain from your CA (see TS2017)",
        ));
    }
    if sel.cas.is_empty() {
        return Err(Error::new(
            format!("{} holds no CA certificates to install", g.source),
            "the chain is the issuing CA and root certificates; get them from your CA (see SO10186 or SO6395)",
        ));
    }
    let product = std::iter::once(g.start.as_deref())
        .flatten()
        .chain(sel.cas.iter().map(|c| c.der.as_slice()))
        .filter_map(|d| crate::cert::parse(d).ok())
        .map(|i| i.product)
        .find(|p| *p != ProductKind::Other);
    let article = match product {
        Some(ProductKind::Eca) => "SO10186",
        Some(ProductKind::DigitalId) => "SO6395",
        _ => "SO10186 or SO6395",
    };
    let certs: Vec<Planned> = sel
        .cas
        .iter()
        .map(|c| {
            let origin = origin_of(&c.der);
            let reason = c.root.then(|| trust::root_trust(origin, &c.info.sha256, pins, confirmed));
            let trust = reason.as_ref().map_or(crate::store::Trust::NONE, RootReason::trust);
            Planned {
                cert: ChainCert { label: Some(c.name()), der: c.der.clone(), trust },
                name: c.name(),
                sha256: c.info.sha256.clone(),
                reason,
                origin,
            }
        })
        .collect();
    if let Some(fp) = confirmed {
        if !certs.iter().any(|p| p.reason.is_some() && p.sha256 == fp) {
            let roots: Vec<String> = certs
                .iter()
                .filter(|p| p.reason.is_some())
                .map(|p| format!("\"{}\" is sha256:{}", p.name, p.sha256))
                .collect();
            let found = if roots.is_empty() { "no root was found".to_string() } else { roots.join("; ") };
            return Err(Error::new(
                format!("--trust-root sha256:{fp} is not the chain's root ({found}); nothing was installed"),
                format!("compare the fingerprint with the one your CA publishes (see {article}) and give that one"),
            ));
        }
    }
    Ok(Plan { certs, warnings, article })
}

fn describe(p: &Planned) -> String {
    let from = match p.origin {
        Origin::HandedOver => "",
        Origin::Network => ", fetched",
    };
    match &p.reason {
        None => format!("intermediate{from}, no trust"),
        Some(RootReason::HandedOver) => "root, trusted for websites and e-mail".into(),
        Some(RootReason::Pinned { article }) => {
            format!("root{from}, trusted for websites and e-mail (its fingerprint is the one {article} names)")
        }
        Some(RootReason::Confirmed) => format!("root{from}, trusted for websites and e-mail (fingerprint confirmed)"),
        Some(RootReason::NotConfirmed) => format!("root{from}, NOT trusted (see below)"),
    }
}

/// The exact step that trusts a fetched root, after the user checked it.
fn how_to_trust(p: &Planned, to: &str, g: &Gathered, article: &str) -> String {
    let colons = colon_hex(&p.sha256);
    let from = g.source.strip_prefix("the issuer links in ").unwrap_or(&g.source);
    format!(
        "\"{}\" was fetched over the network and is not a root the chain articles pin, so it was installed without trust. \
         Compare its SHA-256 fingerprint {colons} with the one your CA publishes ({article}); if they match, run: \
         certhelp chain install --to {to} --from-cert {from} --trust-root sha256:{}",
        p.name, p.sha256
    )
}

/// A fingerprint as CAs publish it: upper-case hex pairs joined by colons.
fn colon_hex(hex: &str) -> String {
    hex.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).to_uppercase()).collect::<Vec<_>>().join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::hash::MessageDigest;

    use crate::store::pkcs12::tests::make_cert as cert;

    /// A fixed "now" before any test certificate expires.
    const NOW: i64 = 1;

    struct Chain {
        root: Vec<u8>,
        inter: Vec<u8>,
        leaf: Vec<u8>,
        root_sha: String,
    }

    fn chain(root_cn: &str) -> Chain {
        let root = cert(root_cn, None, true);
        let inter = cert("ORC ECA 6", Some(&root), true);
        let leaf = cert("Jane Doe", Some(&inter), false);
        let root_sha = crate::cert::hex(&root.0.digest(MessageDigest::sha256()).unwrap());
        Chain {
            root: root.0.to_der().unwrap(),
            inter: inter.0.to_der().unwrap(),
            leaf: leaf.0.to_der().unwrap(),
            root_sha,
        }
    }

    fn fetched(c: &Chain) -> Gathered {
        Gathered {
            source: "the issuer links in jane.cer".into(),
            certs: vec![(c.inter.clone(), Origin::Network), (c.root.clone(), Origin::Network)],
            notes: vec![],
            start: Some(c.leaf.clone()),
        }
    }

    #[test]
    fn handed_over_root_is_trusted_intermediates_not() {
        let c = chain("ECA Root CA 4");
        let g = Gathered {
            source: "chain.pem".into(),
            certs: vec![
                (c.root.clone(), Origin::HandedOver),
                (c.leaf.clone(), Origin::HandedOver),
                (c.inter.clone(), Origin::HandedOver),
            ],
            notes: vec![],
            start: None,
        };
        let p = plan(&g, &[], None, NOW).unwrap();
        let names: Vec<&str> = p.certs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["ORC ECA 6", "ECA Root CA 4"], "issuer first, root last");
        assert_eq!(p.certs[0].cert.trust, crate::store::Trust::NONE);
        assert_eq!(p.certs[1].cert.trust, crate::store::Trust::ROOT);
        assert_eq!(p.article, "SO10186");
        assert_eq!(p.warnings, vec!["not installed (not CA certificates): Jane Doe"]);
    }

    #[test]
    fn fetched_root_needs_a_pin_and_the_report_says_how() {
        let c = chain("Some Root");
        let g = fetched(&c);
        let p = plan(&g, &[], None, NOW).unwrap();
        assert_eq!(p.certs[1].reason, Some(RootReason::NotConfirmed));
        assert_eq!(p.certs[1].cert.trust, crate::store::Trust::NONE);
        let done = ChainInstallReport {
            added: vec!["ORC ECA 6".into(), "Some Root".into()],
            trust_set: vec![],
            already_present: vec![],
            backup: Some(PathBuf::from("backups/1")),
        };
        let r = report("nss:db", "firefox", &g, &p, &done, &[]);
        let out = r.lines.join("\n");
        assert!(out.contains("ORC ECA 6: intermediate, fetched, no trust"), "{out}");
        assert!(out.contains("Some Root: root, fetched, NOT trusted"), "{out}");
        assert!(out.contains("backups/1"), "{out}");
        let how = r.warnings.last().unwrap();
        assert!(
            how.contains(&format!(
                "certhelp chain install --to firefox --from-cert jane.cer --trust-root sha256:{}",
                c.root_sha
            )),
            "{how}"
        );

        let pins = [Pin { sha256: c.root_sha.clone(), article: "SO10186".into() }];
        let p = plan(&g, &pins, None, NOW).unwrap();
        assert_eq!(p.certs[1].reason, Some(RootReason::Pinned { article: "SO10186".into() }));
        assert_eq!(p.certs[1].cert.trust, crate::store::Trust::ROOT);
        let p = plan(&g, &[], Some(&c.root_sha), NOW).unwrap();
        assert_eq!(p.certs[1].reason, Some(RootReason::Confirmed));
    }

    #[test]
    fn a_terminal_is_asked_about_an_unpinned_fetched_root_only() {
        let c = chain("Some Root");
        let g = fetched(&c);
        let mut asked = Vec::new();
        let p = plan(&g, &[], None, NOW).unwrap();
        let fp = ask_to_trust(&p, &mut |q| {
            asked.push(q.to_string());
            true
        });
        assert_eq!(fp.as_deref(), Some(c.root_sha.as_str()));
        let colons = colon_hex(&c.root_sha);
        assert_eq!(colons.len(), 32 * 3 - 1);
        assert!(asked[0].contains("\"Some Root\"") && asked[0].contains(&colons), "{asked:?}");
        // A yes counts as --trust-root.
        let p = plan(&g, &[], fp.as_deref(), NOW).unwrap();
        assert_eq!(p.certs[1].reason, Some(RootReason::Confirmed));
        assert_eq!(p.certs[1].cert.trust, crate::store::Trust::ROOT);
        // No, or nothing to ask about: no fingerprint.
        assert_eq!(ask_to_trust(&plan(&g, &[], None, NOW).unwrap(), &mut |_| false), None);
        let pins = [Pin { sha256: c.root_sha.clone(), article: "SO10186".into() }];
        assert_eq!(ask_to_trust(&plan(&g, &pins, None, NOW).unwrap(), &mut |_| panic!("pinned: not asked")), None);
    }

    #[test]
    fn expired_cas_are_left_out() {
        let c = chain("Some Root");
        let later = 4_000_000_000; // 2096: after the test chain expired
        let e = plan(&fetched(&c), &[], None, later).unwrap_err();
        assert!(e.message.contains("has expired") && e.hint.contains("TS2017"), "{e:?}");
    }

    #[test]
    fn a_trust_root_that_is_not_the_root_is_refused() {
        let c = chain("Some Root");
        let e = plan(&fetched(&c), &[], Some(&"ab".repeat(32)), NOW).unwrap_err();
        assert!(e.message.contains(&c.root_sha), "{e:?}");
    }

    #[test]
    fn shipped_pins_are_the_real_roots() {
        let pins = trust::pins(&crate::kb::Kb::builtin());
        let eca_root_ca_4 = "343ff530f246b00c71616a5d42541d551114baf74b7f786c7b42527586c6b22a";
        assert!(pins.contains(&Pin { sha256: eca_root_ca_4.into(), article: "SO10186".into() }), "{pins:?}");
        assert_eq!(pins.iter().filter(|p| p.article == "SO6395").count(), 3, "{pins:?}");
    }
}
