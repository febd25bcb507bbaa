//! `certhelp run QUERY [--yes] [--dry-run]`: the plan carried out on this
//! machine. It plans with the probe (as `certhelp QUERY` does), turns each
//! step into a task for this machine or a walkthrough for the user, asks
//! before each change (unless `--yes`), and carries the changes out through
//! the verbs' own functions: there is exactly one way to export or import.
//!
//! What runs here: backups and exports from NSS stores, moves between two
//! NSS stores (in memory, no key file). What stays with the user, with the
//! exact commands: steps on another computer, the Windows store and the
//! macOS keychain, and steps whose input certhelp cannot know (a file to
//! import, a chain file). `--dry-run` changes nothing and says exactly what
//! would be done. A failed step stops the run, and the report says what was
//! done and how to undo it.

use std::path::{Path, PathBuf};

use super::{elsewhere, Report, Ui};
use crate::apps::{App, StoreKind};
use crate::cli::{CompatArg, ExportArgs, ImportArgs, RunArgs};
use crate::env::Os;
use crate::error::{Error, Result};
use crate::intent::Activity;
use crate::kb::Kb;
use crate::plan::{Action, Computer, Plan, Step};

/// One thing `run` does, or leaves to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    /// Every personal certificate of `store`, one PKCS#12 file each, into
    /// `dir` (legacy algorithms for a Mac).
    Export { store: String, dir: PathBuf, legacy: bool },
    /// Every personal certificate of `from` into `to`, in memory.
    Move { from: String, to: String },
    /// Register a token's PKCS#11 module in every Mozilla profile and
    /// Chrome's database.
    TokenEnable { module: PathBuf },
    /// Install the chain of the personal certificate in `store` into that
    /// store, following its issuer links (AIA).
    Chain { store: String },
    /// Import a file the question names into `to`.
    ImportFile { file: PathBuf, to: String },
    /// Set Thunderbird's identity to sign and encrypt with the certificate
    /// (an ECA pair: both) that `cert` selects.
    Associate { client: String, cert: String },
    /// A step for the user, as lines (commands included).
    Manual { title: String, lines: Vec<String> },
}

impl Task {
    /// The certhelp command that is this task (what `--dry-run` shows).
    pub fn command(&self) -> Option<String> {
        match self {
            Task::Export { store, dir, legacy } => Some(format!(
                "certhelp export --from {store} --all --out {}{}",
                dir.display(),
                if *legacy { " --compat legacy" } else { "" }
            )),
            Task::Move { from, to } => Some(format!("certhelp import --from {from} --to {to} --all")),
            Task::TokenEnable { module } => Some(format!("certhelp token enable --module {}", module.display())),
            Task::Associate { client, cert } => Some(format!("certhelp associate --cert {cert} --client {client}")),
            Task::Chain { store } => {
                Some(format!("certhelp chain install --to {store} --from-cert (your certificate in that store)"))
            }
            Task::ImportFile { file, to } => Some(format!("certhelp import {} --to {to}", file.display())),
            Task::Manual { .. } => None,
        }
    }
}

pub fn run(args: &RunArgs, kb: &Kb, ui: Ui) -> Result<Report> {
    let query = args.query.join(" ");
    if query.trim().is_empty() {
        return Err(Error::new(
            "the question is empty",
            "say what to do, e.g. certhelp run \"back up my certificate\"",
        ));
    }
    let env = crate::probe::collect(&crate::probe::ProbeOptions { load_modules: false, ..Default::default() });
    let checks = crate::doctor::run(&env);
    let ctx = crate::plan::Context { default_os: env.os.id, env: Some(&env), os_flag: None, checks: &checks };
    let mut plan = crate::answer::answer(&query, &Default::default(), ctx, kb)?;
    crate::answer::finish(&mut plan, crate::answer::Machine::Here(&env), false);
    let stamp = crate::cert::rfc3339(super::now()).replace([':', '-'], "").replace('T', "-");
    let module = token_module(&env);
    let mail_cert = mail_certificate(&env, &plan);
    let machine = Machine {
        os: env.os.id,
        token_module: module.as_deref(),
        mail_cert: mail_cert.as_deref(),
        thunderbird_identities: env.mail_identities.iter().any(|i| i.app == "thunderbird"),
        cert_store: env
            .personal_certificates()
            .find(|c| !c.expired && c.store.starts_with("nss:") && c.has_private_key != Some(false))
            .map(|c| c.store.as_str()),
    };
    let tasks = tasks(&plan, machine, stamp.get(..15).unwrap_or(&stamp));

    let mut report = Report::default();
    report.say(format!("Plan: {}", plan.understood));
    // A guess is never carried out: an unsure reading is only shown.
    if crate::answer::unsure(&plan) {
        report.say(
            "certhelp is not sure what you want to do: see `certhelp plan` for both readings, or say it more plainly."
                .to_string(),
        );
        return Ok(report);
    }
    if tasks.is_empty() {
        report.say("Nothing to carry out: see `certhelp plan` for the walkthrough.".to_string());
        return Ok(report);
    }
    let changes = tasks.iter().filter(|t| t.command().is_some()).count();
    report.say(format!("{} step(s) certhelp carries out here, {} left to you:", changes, tasks.len() - changes));
    for (i, t) in tasks.iter().enumerate() {
        match t {
            Task::Manual { title, .. } => report.say(format!("  {}. you: {title}", i + 1)),
            t => report.say(format!("  {}. certhelp: {}", i + 1, t.command().unwrap_or_default())),
        }
    }
    if args.dry_run {
        report.say("Dry run: nothing was changed. Run it without --dry-run to carry it out.".to_string());
        add_manual(&tasks, &mut report);
        return Ok(report);
    }
    if changes > 0 && !args.yes && !ui.interactive {
        return Err(Error::new(
            "run changes stores and asks before each change, but there is no terminal to ask on",
            "add --yes to go ahead without questions, or --dry-run to see what it would do",
        ));
    }
    let mut done: Vec<String> = Vec::new();
    let progress = crate::progress::bar(changes as u64, "Carrying out the plan");
    for (i, t) in tasks.iter().enumerate() {
        let Some(cmd) = t.command() else { continue };
        progress.set_message(format!("Step {}: {cmd}", i + 1));
        if !args.yes && !crate::prompt::confirm(&format!("Step {}: {cmd}. Go ahead?", i + 1)) {
            report.say(format!("Stopped before step {} at your request; nothing of it was done.", i + 1));
            return Ok(report);
        }
        match carry_out(t, args, ui) {
            Ok(sub) => {
                report.say(format!("Step {}: {cmd}", i + 1));
                for l in sub.lines {
                    report.say(format!("  {l}"));
                }
                report.warnings.extend(sub.warnings);
                done.push(cmd);
                progress.set_position(done.len() as u64);
            }
            Err(e) => {
                let what_was_done = if done.is_empty() { "nothing".to_string() } else { done.join("; ") };
                return Err(Error::new(
                    format!("step {} ({cmd}) failed: {}; done before it: {what_was_done}", i + 1, e.message),
                    format!("{} (the failed step changed nothing; the steps done before it printed their backups: `certhelp restore BACKUP` puts a store back)", e.hint),
                ));
            }
        }
    }
    add_manual(&tasks, &mut report);
    Ok(report)
}

fn add_manual(tasks: &[Task], report: &mut Report) {
    for (i, t) in tasks.iter().enumerate() {
        if let Task::Manual { title, lines } = t {
            report.say(format!("Step {} (yours): {title}", i + 1));
            for l in lines {
                report.say(format!("  {l}"));
            }
        }
    }
}

/// The verbs' own functions, with the run's secrets and terminal.
fn carry_out(t: &Task, args: &RunArgs, ui: Ui) -> Result<Report> {
    match t {
        Task::Export { store, dir, legacy } => super::export::run(
            &ExportArgs {
                from: store.clone(),
                cert: Vec::new(),
                all: true,
                out: dir.clone(),
                compat: if *legacy { CompatArg::Legacy } else { CompatArg::Modern },
                no_chain: false,
                force: false,
                secrets: args.secrets.clone(),
            },
            ui,
        ),
        Task::Move { from, to } => super::import::run(
            &ImportArgs {
                file: None,
                from: Some(from.clone()),
                cert: Vec::new(),
                all: true,
                to: to.clone(),
                cert_name: None,
                key: None,
                secrets: args.secrets.clone(),
            },
            ui,
        ),
        Task::TokenEnable { module } => {
            super::token::run(&crate::cli::TokenCommand::Enable { module: module.clone(), in_store: None }, ui)
        }
        Task::Associate { client, cert } => super::associate::run(
            &crate::cli::AssociateArgs {
                cert: cert.clone(),
                client: client.clone(),
                identity: None,
                secrets: args.secrets.clone(),
            },
            ui,
        ),
        Task::Chain { store } => chain_from_store(store, args, ui),
        Task::ImportFile { file, to } => super::import::run(
            &ImportArgs {
                file: Some(file.clone()),
                from: None,
                cert: Vec::new(),
                all: false,
                to: to.clone(),
                cert_name: None,
                key: None,
                secrets: args.secrets.clone(),
            },
            ui,
        ),
        Task::Manual { .. } => Ok(Report::default()),
    }
}

/// `chain install --from-cert` with the personal certificate the store
/// holds (the newest valid one), handed over as a file that lives only for
/// the call.
fn chain_from_store(store: &str, args: &RunArgs, ui: Ui) -> Result<Report> {
    use crate::store::CertStore;
    let resolved = crate::store::target::resolve(&crate::store::target::parse_store(store)?, &super::home()?)?;
    let crate::store::target::ResolvedStore::Nss { id, dir, .. } = &resolved else {
        return Err(Error::new(
            format!("{store} is not a certificate database here"),
            "install the chain as the article says",
        ));
    };
    let listing = CertStore::list(&mut crate::store::nss::NssStore::new(id.clone(), dir), None)?;
    let now = super::now();
    let mut cands = crate::store::select::select_personal(&listing.certs, &[])?;
    cands.retain(|c| c.info.not_after > now);
    cands.sort_by_key(|c| std::cmp::Reverse(c.info.not_after));
    let Some(cert) = cands.first() else {
        return Err(Error::new(
            format!("{store} holds no valid personal certificate"),
            "import your certificate first",
        ));
    };
    // The certificate is public; the file only carries it to the verb.
    let file = std::env::temp_dir().join(format!("certhelp-chain-{}-{}.cer", std::process::id(), now));
    std::fs::write(&file, &cert.cert.der).map_err(|e| Error::from(crate::store::StoreError::io(&file, &e)))?;
    let out = super::chain::run(
        &crate::cli::ChainInstallArgs {
            to: store.to_string(),
            from_file: None,
            from_cert: Some(file.clone()),
            trust_root: None,
            secrets: args.secrets.clone(),
        },
        ui,
    );
    let _ = std::fs::remove_file(&file);
    out
}

/// A certificate file the question names that exists (`import
/// ~/Downloads/jane.p12 into firefox`).
fn file_in_question(query: &str) -> Option<PathBuf> {
    query
        .split_whitespace()
        .map(|w| w.trim_matches(|c| c == '"' || c == '\'' || c == ',' || c == ';'))
        .filter(|w| {
            let l = w.to_ascii_lowercase();
            [".p12", ".pfx", ".pem"].iter().any(|e| l.ends_with(e))
        })
        .map(|w| match w.strip_prefix("~/") {
            Some(rest) => crate::dirs::home().map(|h| h.join(rest)).unwrap_or_else(|| PathBuf::from(w)),
            None => PathBuf::from(w),
        })
        .find(|p| p.is_file())
}

/// The e-mail that selects the certificate to use for mail: of the valid
/// personal certificate the plan starts from (an ECA pair shares it).
fn mail_certificate(env: &crate::env::Env, plan: &Plan) -> Option<String> {
    let source = plan.certificates.first().map(|c| c.store.as_str());
    let mut certs: Vec<&crate::env::Certificate> =
        env.personal_certificates().filter(|c| !c.expired && !c.emails.is_empty()).collect();
    certs.sort_by_key(|c| Some(c.store.as_str()) != source);
    certs.first().and_then(|c| c.emails.first().cloned())
}

/// What `tasks` needs to know about this machine.
#[derive(Debug, Clone, Copy)]
pub struct Machine<'a> {
    pub os: Os,
    /// The installed token module, if any.
    pub token_module: Option<&'a Path>,
    /// The e-mail that selects the certificate for mail.
    pub mail_cert: Option<&'a str>,
    /// Thunderbird has mail identities (an account) to associate with.
    pub thunderbird_identities: bool,
    /// The NSS store that holds a valid personal certificate, when the plan
    /// itself names none.
    pub cert_store: Option<&'a str>,
}

/// The token module to register: one the probe found installed, OpenSC
/// first (it serves most smart cards and USB tokens).
fn token_module(env: &crate::env::Env) -> Option<PathBuf> {
    let present: Vec<&crate::env::Module> =
        env.modules.iter().filter(|m| m.present && crate::store::pkcs11::is_token_module(&m.path)).collect();
    present
        .iter()
        .find(|m| m.path.contains("opensc-pkcs11"))
        .or_else(|| present.first())
        .map(|m| PathBuf::from(&m.path))
}

/// The STORE spelling of an app whose NSS store certhelp changes on Linux.
fn nss_store(app: App) -> Option<&'static str> {
    app.verb_store()
}

/// The plan's steps as tasks for this machine (`here`, its OS). Pure:
/// decides from the plan alone. `stamp` names the backup folder.
pub fn tasks(plan: &Plan, machine: Machine, stamp: &str) -> Vec<Task> {
    let here = machine.os;
    let activity = plan.intent.activity;
    // The store the probe found the certificate in, else the app's store.
    let source = |s: &Step| -> Option<String> {
        let app_store = s.app.and_then(nss_store)?;
        Some(plan.certificates.first().map(|c| c.store.clone()).unwrap_or_else(|| app_store.to_string()))
    };
    let on_this_machine = |s: &Step| s.os == Some(here) && here == Os::Linux && !is_other_computer(s);
    let to_mac = plan.intent.to.as_ref().and_then(|t| t.os) == Some(Os::Macos);
    let folder = PathBuf::from(if activity == Some(Activity::Backup) {
        format!("certificate-backup-{stamp}")
    } else {
        format!("certificates-{stamp}")
    });

    let mut out: Vec<Task> = Vec::new();
    let export_here = plan.steps.iter().find(|s| s.action == Action::Export && on_this_machine(s));
    let import_here = plan.steps.iter().find(|s| s.action == Action::Import && on_this_machine(s));
    let mut moved = false;
    if let (Some(e), Some(i)) = (export_here, import_here) {
        if let (Some(from), Some(to)) = (source(e), i.app.and_then(nss_store)) {
            out.push(Task::Move { from, to: to.to_string() });
            moved = true;
        }
    }
    for s in &plan.steps {
        let title = s.title.clone();
        match s.action {
            Action::Export | Action::Import | Action::Chain if moved => {}
            Action::Export if on_this_machine(s) && source(s).is_some() => {
                let store = source(s).unwrap_or_default();
                out.push(Task::Export { store, dir: folder.clone(), legacy: to_mac });
            }
            Action::Export if s.computer == Some(Computer::Old) || s.os != Some(here) => {
                out.push(Task::Manual { title, lines: export_elsewhere_lines(s) });
            }
            Action::Import if is_other_computer(s) && exported(&out) => {
                out.push(Task::Manual { title, lines: carry_lines(s, &folder) });
            }
            Action::Associate if on_this_machine(s) && s.app == Some(App::Thunderbird) => match machine.mail_cert {
                Some(cert) if machine.thunderbird_identities => {
                    out.push(Task::Associate { client: "thunderbird".into(), cert: cert.to_string() })
                }
                Some(cert) => out.push(Task::Manual {
                    title,
                    lines: vec![
                        "Thunderbird has no mail account yet: set it up, quit Thunderbird, then:".into(),
                        format!("certhelp associate --cert {cert} --client thunderbird"),
                    ],
                }),
                None => out.push(Task::Manual { title, lines: manual_lines(s) }),
            },
            Action::Token if here == Os::Linux => match machine.token_module {
                Some(m) => out.push(Task::TokenEnable { module: m.to_path_buf() }),
                None => out.push(Task::Manual {
                    title,
                    lines: vec![
                        "No token module is installed: install OpenSC (Debian/Ubuntu: apt install opensc pcscd) or your token's own software, then: certhelp token enable --module PATH".into(),
                    ],
                }),
            },
            Action::Chain if activity == Some(Activity::Chain) && here == Os::Linux => {
                let store = plan.certificates.first().map(|c| c.store.as_str()).or(machine.cert_store);
                match store.filter(|s| s.starts_with("nss:")) {
                    Some(store) => out.push(Task::Chain { store: store.to_string() }),
                    None => out.push(Task::Manual { title, lines: manual_lines(s) }),
                }
            }
            Action::Import if on_this_machine(s) && s.app.and_then(nss_store).is_some() => {
                match file_in_question(&plan.query) {
                    Some(file) => out.push(Task::ImportFile {
                        file,
                        to: s.app.and_then(nss_store).unwrap_or_default().to_string(),
                    }),
                    None => out.push(Task::Manual { title, lines: manual_lines(s) }),
                }
            }
            Action::Chain if exported(&out) => {
                // The files carry the chain; the import on the other side
                // installs it (the chain article's trust step stays there).
                out.push(Task::Manual {
                    title,
                    lines: vec![format!(
                        "The files in {} carry the chain certificates. Trust the root there as the article {} says.",
                        folder.display(),
                        s.article.clone().unwrap_or_else(|| "for your certificate's issuer".into())
                    )],
                });
            }
            _ => out.push(Task::Manual { title, lines: manual_lines(s) }),
        }
    }
    out
}

fn exported(tasks: &[Task]) -> bool {
    tasks.iter().any(|t| matches!(t, Task::Export { .. }))
}

fn is_other_computer(s: &Step) -> bool {
    s.computer == Some(Computer::New)
}

/// What to do on the other computer with the exported files: the exact
/// command for its store.
fn carry_lines(s: &Step, folder: &Path) -> Vec<String> {
    let file = format!("{}/FILE.p12", folder.display());
    let mut lines = vec![format!(
        "Carry the folder {} to the new computer (a USB stick, not e-mail), and the password separately.",
        folder.display()
    )];
    let verb_store = s.app.and_then(nss_store);
    let own_store = s.app.zip(s.os).and_then(|(a, os)| a.store(os)) == Some(StoreKind::Nss);
    match (s.os, verb_store) {
        (Some(Os::Linux), Some(store)) => {
            lines.push(format!("For each file, with certhelp there: {}", elsewhere::linux_import(&file, store)))
        }
        // Firefox, Thunderbird, SeaMonkey keep their own store everywhere.
        _ if own_store => lines.push("Import each file in the app's Certificate Manager, as the article says.".into()),
        (Some(Os::Windows), _) => {
            lines.push(format!("For each file, in PowerShell: {}", elsewhere::windows_import(&file, true)));
            lines.push(elsewhere::EXPORTABLE_NOTE.to_string());
            lines.push(format!("(or, in a command prompt: {})", elsewhere::windows_certutil_import(&file)));
        }
        (Some(Os::Macos), _) => lines.push(format!("For each file, in Terminal: {}", elsewhere::macos_import(&file))),
        _ => lines.push("Import each file as the article says.".into()),
    }
    if let Some(a) = &s.article {
        lines.push(format!("The article with every click: certhelp show {a}"));
    }
    lines
}

/// The export on a computer certhelp cannot reach, with the platform's own
/// command (the password asked by the command, never in it).
fn export_elsewhere_lines(s: &Step) -> Vec<String> {
    let file = "my-certificate.p12";
    let mut lines = Vec::new();
    match s.app.zip(s.os).and_then(|(a, os)| a.store(os)) {
        Some(StoreKind::Windows) => {
            lines.push("In PowerShell, find the certificate's thumbprint: Get-ChildItem Cert:\\CurrentUser\\My".into());
            lines.push(format!("then: {}", elsewhere::windows_export("THUMBPRINT", file, false)));
        }
        Some(StoreKind::Keychain) => lines.push(format!("In Terminal: {}", elsewhere::macos_export(file))),
        _ => {}
    }
    lines.extend(manual_lines(s));
    lines
}

fn manual_lines(s: &Step) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(c) = &s.command {
        lines.push(format!("With certhelp: {c}"));
    }
    match (&s.article, &s.choices) {
        (Some(a), _) => lines.push(format!("The article: certhelp show {a}")),
        (None, Some(c)) => lines.push(format!(
            "{}: {}",
            if s.action == Action::Chain {
                "The article for your certificate's issuer"
            } else {
                "The article that fits"
            },
            c.iter().map(|c| format!("certhelp show {} ({})", c.article, c.when)).collect::<Vec<_>>().join(", or ")
        )),
        _ => {}
    }
    lines
}
