//! Intent + machine + knowledge base -> the step sequence (SPEC §2-3).
//!
//! Pure: no file, process or clock. `resolve` fills what the question left
//! open (OS, source and target app, product) from flags, from the probe's
//! [`Env`] when there is one, and from SPEC's defaults; `build` turns the
//! resolved [`Intent`] into a [`Plan`] through the app registry
//! (`crate::apps`) and the tables in `tables.rs`;
//! `machine.rs` tailors it to a probed machine, `pitfalls.rs` adds the notes
//! that apply to its path. The tables
//! are data: a new app or article is a new row, not a new branch.

use schemars::JsonSchema;
use serde::Serialize;

use crate::apps::{main_store_app, os_index, App, AppRow, Implies};
use crate::doctor::{Check, CheckId, Status};
use crate::env::{CertUse, Env, Os, ProductKind};
use crate::intent::{self, Activity, CertType, JavaEnd, OtherSide, Parsed, Product};
use crate::kb::{ArticleKind, Kb};

mod commands;
mod machine;
mod pitfalls;
mod tables;

use machine::*;
use pitfalls::*;
use tables::*;
pub use tables::{required_articles, OVERVIEW};

/// What flags say, overriding the question (support agents' switches).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub activity: Option<Activity>,
    pub product: Option<Product>,
    pub cert_type: Option<CertType>,
    pub from_app: Option<App>,
    pub to_app: Option<App>,
    pub from_os: Option<Os>,
    pub to_os: Option<Os>,
    pub new_computer: Option<bool>,
}

/// What the plan is resolved against.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// `--os`, else the OS the tool runs on: for ends the question leaves open.
    pub default_os: Os,
    /// The probe's findings (`None` with `--no-probe`).
    pub env: Option<&'a Env>,
    /// `--os` as given: an OS other than the probed machine's means the
    /// plan is for another computer.
    pub os_flag: Option<Os>,
    /// The doctor's checks over `env` (empty without one): the caller runs
    /// the doctor, the plan only reads its findings.
    pub checks: &'a [Check],
}

/// One end of the plan, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct End {
    pub app: Option<App>,
    pub os: Option<Os>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_computer: Option<bool>,
}

/// The question understood, with every default applied (SPEC §4 `intent`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Intent {
    pub activity: Option<Activity>,
    pub cert_type: Option<CertType>,
    pub product: Option<Product>,
    pub from: Option<End>,
    pub to: Option<End>,
    pub mail_client: Option<App>,
    /// How sure the reading of the activity is, 0 to 1 (rounded to two
    /// places); 1 when a flag gave the activity; `null` when no activity
    /// was read from the question (a troubleshooting or search answer).
    pub confidence: Option<f64>,
    /// The next most likely activity when another reading competes.
    pub runner_up: Option<Activity>,
}

/// One certificate from the probe that the plan is about.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CertRef {
    pub store: String,
    /// The first e-mail address in the certificate, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub product: ProductKind,
    pub subject: String,
    pub issuer: String,
    pub usage: CertUse,
    pub not_after: String,
    pub days_left: i64,
    pub expired: bool,
    pub has_private_key: Option<bool>,
    pub chain_complete: bool,
    pub profile: Option<String>,
    pub path: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Choice {
    pub article: String,
    pub when: String,
    pub title: String,
}

/// What a step does (SPEC §4 `steps[].action`), serialised as its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Export,
    Import,
    Chain,
    Associate,
    Token,
    /// Read an article (troubleshooting, overview, ...); nothing to carry out.
    Note,
}

impl Action {
    pub fn id(self) -> &'static str {
        match self {
            Action::Export => "export",
            Action::Import => "import",
            Action::Chain => "chain",
            Action::Associate => "associate",
            Action::Token => "token",
            Action::Note => "note",
        }
    }

    /// The action of a step that shows one article of this kind.
    pub fn for_article(kind: Option<ArticleKind>) -> Action {
        match kind {
            Some(ArticleKind::Export) => Action::Export,
            Some(ArticleKind::Import) => Action::Import,
            Some(ArticleKind::Chain) => Action::Chain,
            Some(ArticleKind::Associate) => Action::Associate,
            Some(ArticleKind::Token) => Action::Token,
            Some(ArticleKind::Overview | ArticleKind::Troubleshoot | ArticleKind::Convert | ArticleKind::Guide)
            | None => Action::Note,
        }
    }
}

/// Which computer of a move between computers a step happens on.
/// Serialised as the words the walkthrough shows ("On the old computer.").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
pub enum Computer {
    #[serde(rename = "the old computer")]
    Old,
    #[serde(rename = "the new computer")]
    New,
}

/// One step: one article.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Step {
    pub article: Option<String>,
    pub title: String,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<App>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<Os>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Choice>>,
    pub summary: String,
    pub legacy: bool,
    /// Where this step happens when the plan spans two computers; `None`:
    /// on the one computer the plan is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer: Option<Computer>,
    /// What the probe found that this step is about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub found: Vec<String>,
    /// The certhelp command that carries this step out here, when it can.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// A doctor finding that matters to the plan.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Finding {
    pub status: Status,
    pub message: String,
    pub fix: String,
    pub article: Option<String>,
}

/// The answer (SPEC §4): the contract fields first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Plan {
    pub query: String,
    pub intent: Intent,
    pub steps: Vec<Step>,
    pub articles: Vec<String>,
    pub notes: Vec<String>,
    /// One sentence: what was understood.
    pub understood: String,
    /// Whether the plan was tailored to a probed machine.
    pub probed: bool,
    /// Which machine, in words ("this computer", "the computer in
    /// probe.json"); set by the caller, which knows where the Env came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tailored_to: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Other readings of the question (shown when nothing could be asked).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
}

impl Plan {
    /// The plan holds a step that is a choice between articles.
    pub fn has_choice(&self) -> bool {
        self.steps.iter().any(|s| s.choices.is_some())
    }
}

/// Working state of resolution.
struct Resolved {
    activity: Option<Activity>,
    cert_type: Option<CertType>,
    product: Option<Product>,
    from_app: Option<App>,
    from_os: Option<Os>,
    to_app: Option<App>,
    to_os: Option<Os>,
    new_computer: bool,
    mail_client: Option<App>,
    /// `mail` that came from an import: the certificate arrives as a file.
    via_import: bool,
    identity_words: bool,
    /// The chain is for Acrobat's own trust list (PDF signatures).
    pdf_signatures: bool,
    /// A Java keystore is one end (CH1017).
    java_keystore: Option<JavaEnd>,
    confidence: Option<f64>,
    runner_up: Option<Activity>,
    notes: Vec<String>,
    certs: Vec<CertRef>,
    /// The store the probe chose as the source.
    source_store: Option<String>,
    findings: Vec<Finding>,
    probed: bool,
}

/// Fills the gaps of a parsed question (SPEC §2 "Unknown source", "Unknown
/// target", "OS", product inference) and builds the plan.
pub fn plan(query: &str, parsed: &Parsed, overrides: &Overrides, ctx: Context, kb: &Kb) -> Plan {
    let r = resolve(parsed, overrides, ctx);
    build(query, r, kb)
}

fn resolve(p: &Parsed, o: &Overrides, ctx: Context) -> Resolved {
    let activity = o.activity.or(p.activity);
    let mut r = Resolved {
        activity,
        cert_type: o.cert_type.or(p.cert_type),
        product: o.product.or(p.product),
        from_app: o.from_app.or(p.from.app),
        from_os: o.from_os.or(p.from.os),
        to_app: o.to_app.or(p.to.app),
        to_os: o.to_os.or(p.to.os),
        new_computer: o.new_computer.unwrap_or(p.new_computer),
        mail_client: p.mail_client,
        via_import: p.via_import,
        identity_words: p.identity_words && o.cert_type.is_none(),
        pdf_signatures: p.pdf_signatures,
        java_keystore: p.java_keystore,
        confidence: match (o.activity, p.activity) {
            (Some(_), _) => Some(1.0),
            (None, Some(_)) => Some((f64::from(p.confidence) * 100.0).round() / 100.0),
            (None, None) => None,
        },
        runner_up: if o.activity.is_some() { None } else { p.runner_up.filter(|r| Some(*r) != activity) },
        notes: Vec::new(),
        certs: Vec::new(),
        source_store: None,
        findings: Vec::new(),
        probed: ctx.env.is_some(),
    };
    // A flag that changes the activity re-derives the mail client.
    if o.activity.is_some() || o.to_app.is_some() {
        r.mail_client = r.to_app.filter(|a| a.is_mail_client()).or(r.mail_client);
        // SPEC §2: a move or import into a mail client is `mail`, however
        // the activity was given.
        if matches!(r.activity, Some(Activity::Move) | Some(Activity::Import))
            && r.to_app.is_some_and(App::is_mail_client)
        {
            r.via_import = r.activity == Some(Activity::Import);
            r.activity = Some(Activity::Mail);
        }
    }
    if o.from_app.is_some() && r.activity == Some(Activity::Mail) {
        r.via_import = false;
    }
    if r.activity == Some(Activity::Associate) && r.mail_client.is_none() {
        r.mail_client = r.to_app.or(r.from_app).filter(|a| a.is_mail_client());
    }
    resolve_os(&mut r, p, ctx);
    // "my browser certificate": in the OS's main store app, not in the
    // mail client already (so a mail client needs it moved, SPEC §2 `mail`).
    if p.from_browser && r.from_app.is_none() && o.from_app.is_none() {
        let browser = main_store_app(r.from_os.unwrap_or(ctx.default_os));
        r.from_app = Some(browser);
        if r.activity == Some(Activity::Associate) && r.mail_client.is_some_and(|c| c != browser) {
            r.activity = Some(Activity::Mail);
        }
    }
    resolve_apps(&mut r, ctx);
    resolve_product(&mut r);
    r
}

/// SPEC §2 "OS": an end's own OS, else the OS its app implies, else an OS
/// named once for the whole question or for the other end, else `--os` or
/// the machine's.
fn resolve_os(r: &mut Resolved, p: &Parsed, ctx: Context) {
    let strong_from = r.from_os.or(implied_os(r.from_app, Implies::Always));
    let strong_to = r.to_os.or(implied_os(r.to_app, Implies::Always));
    let anywhere = p.os_anywhere;
    // With the probe on, this machine is the source computer unless the
    // question puts the source elsewhere: another OS for it, or a source
    // app that does not run here. An OS named for the target then applies
    // to the target alone (SPEC §2 "Unknown source").
    let probe_os = ctx.env.map(|e| e.os.id).filter(|here| {
        ctx.os_flag.is_none_or(|f| f == *here)
            && strong_from.is_none_or(|f| f == *here)
            && anywhere.is_none_or(|a| a == *here)
            && r.from_app.is_none_or(|a| a.runs_on(*here))
    });
    let from = strong_from
        .or(probe_os)
        .or(anywhere)
        .or(implied_os(r.from_app, Implies::WhenNoOsNamed))
        .or(strong_to)
        .or(implied_os(r.to_app, Implies::WhenNoOsNamed));
    let to = strong_to.or(anywhere).or(implied_os(r.to_app, Implies::WhenNoOsNamed)).or(from);
    r.from_os = Some(from.unwrap_or(ctx.default_os));
    r.to_os = Some(to.unwrap_or(ctx.default_os));
    if r.from_os != r.to_os {
        r.new_computer = true;
    }
}

/// The OS an app's name implies with this strength.
fn implied_os(app: Option<App>, strength: Implies) -> Option<Os> {
    app?.implied_os(strength)
}

fn resolve_apps(r: &mut Resolved, ctx: Context) {
    let from_os = r.from_os.unwrap_or(ctx.default_os);
    let to_os = r.to_os.unwrap_or(ctx.default_os);
    match r.activity {
        Some(Activity::Backup | Activity::Export | Activity::Move) => {
            if r.from_app.is_none() {
                r.from_app = Some(probed_source(r, ctx, from_os).unwrap_or(main_store_app(from_os)));
            } else {
                attach_certs(r, ctx);
            }
            if r.activity == Some(Activity::Move) && r.to_app.is_none() {
                // A move that names no target app goes to another computer.
                r.new_computer = true;
                let same = r.from_app.filter(|a| a.runs_on(to_os));
                r.to_app = Some(same.unwrap_or(main_store_app(to_os)));
                if r.to_app.is_some_and(App::is_mail_client) {
                    r.mail_client = r.to_app;
                    r.activity = Some(Activity::Mail);
                }
            }
        }
        Some(Activity::Import) => {
            if r.to_app.is_none() {
                r.to_app = Some(main_store_app(to_os));
            }
            attach_product(r, ctx);
        }
        Some(Activity::Mail) => {
            if r.mail_client.is_none() {
                r.mail_client = r.to_app;
            }
            r.to_app = r.mail_client;
            if r.from_app.is_none() && r.new_computer {
                // The certificate lives in the client on the old computer.
                r.from_app = r.mail_client.filter(|a| a.runs_on(from_os));
                if r.from_app.is_none() {
                    r.from_app = Some(probed_source(r, ctx, from_os).unwrap_or(main_store_app(from_os)));
                }
            } else if r.from_app.is_some() {
                attach_certs(r, ctx);
            }
        }
        Some(Activity::Associate) => {
            r.to_app = r.mail_client;
            if !source_elsewhere(r, ctx) {
                attach_product(r, ctx);
            }
        }
        Some(Activity::Chain) => attach_product(r, ctx),
        _ => {}
    }
}

/// SPEC §1: product words decide; identity implies ECA; the real
/// certificate's issuer decides over the words (with a note).
fn resolve_product(r: &mut Resolved) {
    let words = r.product;
    if r.product.is_none() && (r.cert_type == Some(CertType::Identity) || r.identity_words) {
        r.product = Some(Product::Eca);
    }
    let mut found: Vec<Product> = Vec::new();
    for c in &r.certs {
        let kind: Option<Product> = c.product.into();
        if let Some(k) = kind {
            if !found.contains(&k) {
                found.push(k);
            }
        }
    }
    if let [real] = found.as_slice() {
        if words.is_some_and(|w| w != *real) {
            r.notes.push(format!(
                "The question says {}, but the certificate found is {}; the plan follows the certificate.",
                product_name(words.unwrap()),
                product_name(*real)
            ));
        }
        r.product = Some(*real);
    }
}

impl From<ProductKind> for Option<Product> {
    fn from(k: ProductKind) -> Self {
        match k {
            ProductKind::Eca => Some(Product::Eca),
            ProductKind::DigitalId => Some(Product::DigitalId),
            ProductKind::Other => None,
        }
    }
}

pub fn product_name(p: Product) -> &'static str {
    match p {
        Product::Eca => "ECA",
        Product::DigitalId => "Digital ID for Secure Email",
    }
}

/// Looks an article up for a step.
fn step(kb: &Kb, article: &str, action: Action, app: Option<App>, os: Option<Os>) -> Step {
    let a = kb.get(article);
    Step {
        article: Some(article.to_string()),
        title: a.map(|a| a.title.clone()).unwrap_or_else(|| article.to_string()),
        action,
        app,
        os,
        choices: None,
        summary: a.map(|a| a.summary.clone()).unwrap_or_default(),
        legacy: a.is_some_and(|a| a.legacy),
        computer: None,
        found: Vec::new(),
        command: None,
    }
}

/// The article of a store beyond the app registry that a question about a
/// problem names (a Java keystore: CH1017): it covers that store's own
/// errors, so it answers before search's troubleshooting articles.
pub fn own_store_article(parsed: &Parsed) -> Option<&'static str> {
    parsed.java_keystore.map(|_| JAVA_KEYSTORE)
}

/// An article to offer beside the token plan: SPEC §3 gives SO28695 for
/// Mac and PC; a question that names Linux also gets the Linux token
/// article (CH1012).
pub fn token_alternative(parsed: &Parsed) -> Option<&'static str> {
    parsed.named_oses().any(|o| o == Os::Linux).then_some(TOKEN_LINUX)
}

/// The troubleshooting article for the other side not trusting the
/// person's certificate.
pub fn other_side_article(side: OtherSide) -> &'static str {
    match side {
        OtherSide::Server => SERVER_REJECTS,
        OtherSide::Recipient => SIGNATURE_WARNING,
    }
}

/// The end a Java keystore is, for the activities that put a certificate
/// into one or take it out (CH1017 answers for the keystore's side).
fn java_end(r: &Resolved) -> Option<JavaEnd> {
    r.java_keystore.filter(|_| {
        matches!(
            r.activity,
            Some(Activity::Import | Activity::Export | Activity::Backup | Activity::Move | Activity::Chain)
        )
    })
}

fn chain_step(kb: &Kb, product: Option<Product>) -> Step {
    match product {
        Some(Product::Eca) => step(kb, CHAIN_ECA, Action::Chain, None, None),
        Some(Product::DigitalId) => step(kb, CHAIN_DIGITAL_ID, Action::Chain, None, None),
        None => {
            let choice = |id: &str, when: &str| Choice {
                article: id.to_string(),
                when: when.to_string(),
                title: kb.get(id).map(|a| a.title.clone()).unwrap_or_default(),
            };
            Step {
                article: None,
                title: "Install the intermediate and root certificates of your certificate's issuer".into(),
                action: Action::Chain,
                app: None,
                os: None,
                choices: Some(vec![
                    choice(CHAIN_ECA, "ECA certificate"),
                    choice(CHAIN_DIGITAL_ID, "Digital ID for Secure Email"),
                ]),
                summary: "Which chain depends on who issued your certificate: ECA, or Digital ID for Secure Email (issued to \"Persona Not Validated\").".into(),
                legacy: false,
                computer: None,
                found: Vec::new(),
                command: None,
            }
        }
    }
}

/// The article of an app's E, I or A step on an OS; an app that does not
/// run there falls back to the OS's main store app (with a note).
fn app_article(
    table: fn(&AppRow) -> &[Option<&'static str>; 3],
    app: App,
    os: Os,
    notes: &mut Vec<String>,
) -> Option<(&'static str, App)> {
    if let Some(a) = table(app.row())[os_index(os)] {
        return Some((a, app));
    }
    let fallback = main_store_app(os);
    let a = table(fallback.row())[os_index(os)]?;
    if !app.runs_on(os) {
        notes.push(format!(
            "{} does not run on {}; the plan uses {} there instead.",
            app.name(),
            os.display(),
            fallback.name()
        ));
    }
    Some((a, fallback))
}

fn build(query: &str, mut r: Resolved, kb: &Kb) -> Plan {
    let mut steps: Vec<Step> = Vec::new();
    let from_os = r.from_os.unwrap_or(Os::current());
    let to_os = r.to_os.unwrap_or(from_os);
    let export = |r: &mut Resolved, app: App| -> Option<Step> {
        let (a, app) = app_article(|row| &row.export, app, from_os, &mut r.notes)?;
        let mut s = step(kb, a, Action::Export, Some(app), Some(from_os));
        if r.new_computer {
            s.computer = Some(Computer::Old);
        }
        Some(s)
    };
    let import = |r: &mut Resolved, app: App| -> Option<Step> {
        let (a, app) = app_article(|row| &row.import, app, to_os, &mut r.notes)?;
        let mut s = step(kb, a, Action::Import, Some(app), Some(to_os));
        if r.new_computer {
            s.computer = Some(Computer::New);
        }
        Some(s)
    };
    let associate = |r: &mut Resolved, app: App| -> Option<Step> {
        match app.row().associate[os_index(to_os)] {
            Some(a) => {
                let mut s = step(kb, a, Action::Associate, Some(app), Some(to_os));
                if r.new_computer {
                    s.computer = Some(Computer::New);
                }
                Some(s)
            }
            None => {
                r.notes.push(format!(
                    "{} on {} is not a mail client the knowledge base covers.",
                    app.name(),
                    to_os.display()
                ));
                None
            }
        }
    };
    let same_store = |r: &Resolved| -> Option<&'static str> {
        let (f, t) = (r.from_app?, r.to_app?);
        if r.new_computer || from_os != to_os {
            return None;
        }
        let s = f.shared_store(from_os)?;
        (t.shared_store(to_os) == Some(s)).then_some(s)
    };

    let java = java_end(&r);
    let java_step = |action: Action| step(kb, JAVA_KEYSTORE, action, None, None);
    // A store with a trust list of its own (Acrobat, a Java truststore):
    // the chain step of a known product, then that store's step; with
    // the product unknown its article says where both roots come from.
    let own_trust = |r: &Resolved, id: &str| {
        let mut v: Vec<Step> = r.product.map(|p| chain_step(kb, Some(p))).into_iter().collect();
        v.push(step(kb, id, Action::Chain, None, None));
        v
    };
    match (r.activity, java) {
        (Some(Activity::Chain), Some(_)) => steps.extend(own_trust(&r, JAVA_KEYSTORE)),
        (Some(Activity::Chain), None) if r.pdf_signatures => steps.extend(own_trust(&r, CHAIN_ACROBAT)),
        (Some(Activity::Import), Some(JavaEnd::Target)) => steps.push(java_step(Action::Import)),
        (_, Some(JavaEnd::Source)) => {
            steps.push(java_step(Action::Export));
            if let (Some(Activity::Move | Activity::Import), Some(t)) = (r.activity, r.to_app) {
                if r.activity == Some(Activity::Move) {
                    steps.push(chain_step(kb, r.product));
                }
                steps.extend(import(&mut r, t));
            }
        }
        (_, Some(JavaEnd::Target)) => {
            if let Some(f) = r.from_app {
                steps.extend(export(&mut r, f));
            }
            if r.activity == Some(Activity::Move) {
                steps.push(chain_step(kb, r.product));
            }
            steps.push(java_step(Action::Import));
        }
        (Some(Activity::Backup | Activity::Export), _) => {
            if let Some(app) = r.from_app {
                steps.extend(export(&mut r, app));
            }
        }
        (Some(Activity::Import), _) => {
            if let Some(app) = r.to_app {
                steps.extend(import(&mut r, app));
            }
        }
        (Some(Activity::Chain), _) => steps.push(chain_step(kb, r.product)),
        (Some(Activity::Token), _) => steps.push(step(kb, TOKEN, Action::Token, None, None)),
        (Some(Activity::Move), _) => {
            if let Some(store) = same_store(&r) {
                r.notes.push(shared_note(r.from_app.unwrap(), r.to_app.unwrap(), store));
            } else if let (Some(f), Some(t)) = (r.from_app, r.to_app) {
                steps.extend(export(&mut r, f));
                steps.push(chain_step(kb, r.product));
                steps.extend(import(&mut r, t));
            }
        }
        (Some(Activity::Mail), _) => {
            let client = r.mail_client.or(r.to_app);
            if let Some(client) = client {
                if r.via_import {
                    steps.extend(import(&mut r, client));
                } else if let Some(store) = same_store(&r) {
                    r.notes.push(shared_note(r.from_app.unwrap(), client, store));
                } else if let Some(f) = r.from_app {
                    if f == client && !r.new_computer {
                        // Already in the client.
                    } else {
                        steps.extend(export(&mut r, f));
                        steps.push(chain_step(kb, r.product));
                        steps.extend(import(&mut r, client));
                    }
                }
                steps.extend(associate(&mut r, client));
            }
        }
        (Some(Activity::Associate), _) => match r.mail_client {
            Some(client) => steps.extend(associate(&mut r, client)),
            None => r.notes.push(
                "No mail client was named: say which one (Outlook, Thunderbird, Apple Mail, HCL Notes, ...).".into(),
            ),
        },
        (Some(Activity::Troubleshoot) | None, _) => {}
    }
    // Two equal articles in a row are one step (HCL Notes: I and A).
    steps.dedup_by(|b, a| a.article.is_some() && a.article == b.article);
    for s in &steps {
        if s.legacy {
            let app = s.app.map(App::name).unwrap_or("This app");
            let note = format!(
                "{app} is legacy software: {} keeps the historical steps; prefer a current app where you can.",
                s.article.as_deref().unwrap_or("the article")
            );
            if !r.notes.contains(&note) {
                r.notes.push(note);
            }
        }
    }
    pitfall_notes(&mut r, &steps);
    tailor(&mut r, &mut steps);
    commands::attach(&mut steps, r.activity, r.to_app, r.to_os.or(r.from_os));
    finish(query, r, steps)
}

fn shared_note(from: App, to: App, store: &str) -> String {
    format!(
        "{} and {} on the same computer use one certificate store, {store}: there is nothing to move. A certificate installed for one is already available to the other.",
        from.name(),
        to.name()
    )
}

fn finish(query: &str, r: Resolved, steps: Vec<Step>) -> Plan {
    let articles = steps
        .iter()
        .map(|s| match (&s.article, &s.choices) {
            (Some(a), _) => a.clone(),
            (None, Some(c)) => c.iter().map(|c| c.article.as_str()).collect::<Vec<_>>().join("|"),
            (None, None) => String::new(),
        })
        .collect();
    let needs_from = matches!(r.activity, Some(Activity::Backup | Activity::Export | Activity::Move | Activity::Mail));
    let needs_to = matches!(r.activity, Some(Activity::Import | Activity::Move | Activity::Mail | Activity::Associate));
    let intent = Intent {
        activity: r.activity,
        cert_type: r.cert_type,
        product: r.product,
        // A Java keystore as the source is no app of the registry.
        from: (needs_from && r.from_app.is_some() && java_end(&r) != Some(JavaEnd::Source)).then_some(End {
            app: r.from_app,
            os: r.from_os,
            new_computer: None,
        }),
        to: needs_to.then_some(End { app: r.to_app, os: r.to_os, new_computer: Some(r.new_computer) }),
        mail_client: r.mail_client,
        confidence: r.confidence,
        runner_up: r.runner_up,
    };
    let understood = if r.pdf_signatures && r.activity == Some(Activity::Chain) {
        "Trust the root certificate of a PDF signature in Adobe Acrobat or Reader".to_string()
    } else if let Some(end) = java_end(&r) {
        let what = match r.activity {
            Some(Activity::Chain) => "the intermediate and root certificates",
            _ => "your personal certificate with its key",
        };
        match end {
            JavaEnd::Source => match intent.to.as_ref().and_then(|t| t.app) {
                Some(app) => format!("Take {what} out of a Java keystore (keytool) and into {}", app.name()),
                None => format!("Take {what} out of a Java keystore (keytool)"),
            },
            JavaEnd::Target => format!("Put {what} into a Java keystore (keytool)"),
        }
    } else {
        understood(&intent)
    };
    Plan {
        query: query.to_string(),
        intent,
        steps,
        articles,
        notes: r.notes,
        understood,
        probed: r.probed,
        tailored_to: None,
        certificates: r.certs,
        findings: r.findings,
        alternatives: Vec::new(),
    }
}

/// "Move an identity (ECA) certificate from Chrome on Windows to Chrome on a
/// new Windows computer".
fn understood(i: &Intent) -> String {
    let plural = i.cert_type.is_none() && i.product == Some(Product::Eca);
    let key = if plural { "their private keys" } else { "its private key" };
    let what = match (i.cert_type, i.product) {
        (Some(CertType::Identity), Some(p)) => {
            format!("an identity ({}) certificate", product_name(p))
        }
        (Some(CertType::Encryption), Some(p)) => {
            format!("an encryption ({}) certificate", product_name(p))
        }
        (Some(CertType::Identity), None) => "an identity certificate".into(),
        (Some(CertType::Encryption), None) => "an encryption certificate".into(),
        (None, Some(Product::Eca)) => "your ECA certificates".into(),
        (None, Some(Product::DigitalId)) => "your Digital ID for Secure Email".into(),
        (None, None) => "your personal certificate".into(),
    };
    let at = |e: &Option<End>| -> String {
        match e {
            Some(End { app: Some(a), os: Some(os), .. }) => format!("{} on {}", a.name(), os.display()),
            Some(End { app: Some(a), .. }) => a.name().to_string(),
            _ => "your app".into(),
        }
    };
    let to = |e: &Option<End>| -> String {
        match e {
            Some(End { app: Some(a), os: Some(os), new_computer: Some(true) }) => {
                format!("{} on a new {} computer", a.name(), os.display())
            }
            other => at(other),
        }
    };
    match i.activity {
        Some(Activity::Backup) => {
            format!("Back up {what} with {key} from {}", at(&i.from))
        }
        Some(Activity::Export) => {
            format!("Export {what} with {key} from {}", at(&i.from))
        }
        Some(Activity::Import) => format!("Import {what} into {}", to(&i.to)),
        Some(Activity::Chain) => format!(
            "Install the intermediate and root certificates for {}",
            i.product.map(product_name).unwrap_or("your certificate (ECA or Digital ID)")
        ),
        Some(Activity::Move) => format!("Move {what} from {} to {}", at(&i.from), to(&i.to)),
        Some(Activity::Mail) => format!(
            "Use {what} for signed and encrypted mail in {}{}",
            to(&i.to),
            i.from.as_ref().map(|_| format!(", coming from {}", at(&i.from))).unwrap_or_default()
        ),
        Some(Activity::Associate) => {
            format!("Set up {} to sign and encrypt mail with {what}", to(&i.to))
        }
        Some(Activity::Token) => "Use a USB token or smart card on another computer".into(),
        Some(Activity::Troubleshoot) => "Fix a problem".into(),
        None => "Not sure what you want to do".into(),
    }
}

/// A plan of one troubleshooting (or other) article found by search.
pub fn single_article(query: &str, kb: &Kb, id: &str, activity: Option<Activity>, notes: Vec<String>) -> Plan {
    let a = kb.get(id);
    let action = Action::for_article(a.and_then(|a| a.article_kind()));
    let mut s = step(kb, id, action, None, None);
    s.app = None;
    let title = a.map(|a| a.title.clone()).unwrap_or_default();
    Plan {
        query: query.to_string(),
        intent: Intent {
            activity,
            cert_type: None,
            product: None,
            from: None,
            to: None,
            mail_client: None,
            confidence: None,
            runner_up: None,
        },
        steps: vec![s],
        articles: vec![id.to_string()],
        notes,
        understood: match activity {
            Some(Activity::Troubleshoot) => format!("Fix a problem: {title}"),
            _ => format!("Closest article: {title}"),
        },
        probed: false,
        tailored_to: None,
        certificates: Vec::new(),
        findings: Vec::new(),
        alternatives: Vec::new(),
    }
}

/// A troubleshooting answer that depends on something the question does
/// not say (SPEC §4 "Asking"): one choice step, `question` as its title,
/// between `options` (article, when it applies).
pub fn article_choice(query: &str, kb: &Kb, question: &str, options: &[(&str, &str); 2], notes: Vec<String>) -> Plan {
    let choices: Vec<Choice> = options
        .iter()
        .map(|(id, when)| Choice {
            article: id.to_string(),
            when: when.to_string(),
            title: kb.get(id).map(|a| a.title.clone()).unwrap_or_default(),
        })
        .collect();
    let ids: Vec<&str> = options.iter().map(|o| o.0).collect();
    let mut p = single_article(query, kb, ids[0], Some(Activity::Troubleshoot), notes);
    p.steps = vec![Step {
        article: None,
        title: question.to_string(),
        action: Action::Note,
        app: None,
        os: None,
        choices: Some(choices),
        summary: "This error has a different cause, and a different fix, depending on what you were doing.".into(),
        legacy: false,
        computer: None,
        found: Vec::new(),
        command: None,
    }];
    p.articles = vec![ids.join("|")];
    p.understood = "Fix a problem: which article depends on what you were doing when the error came".into();
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_for(q: &str, os: Os) -> Plan {
        let kb = Kb::default();
        let ctx = Context { default_os: os, env: None, os_flag: None, checks: &[] };
        plan(q, &intent::parse(q), &Overrides::default(), ctx, &kb)
    }

    #[test]
    fn spec_example() {
        let p = plan_for("move identity cert to new pc", Os::Linux);
        assert_eq!(p.articles, vec!["SO7079", "SO10186", "SO7085"]);
        let from = p.intent.from.unwrap();
        assert_eq!((from.app, from.os), (Some(App::Chrome), Some(Os::Windows)));
    }

    #[test]
    fn shared_store_is_an_empty_plan_with_a_note() {
        let p = plan_for("move my cert from chrome to edge", Os::Windows);
        assert!(p.steps.is_empty());
        assert_eq!(p.notes.len(), 1);
    }

    #[test]
    fn unknown_product_is_a_choice() {
        let p = plan_for("move my encryption cert from firefox to chrome", Os::Windows);
        assert_eq!(p.articles, vec!["SO4291", "SO10186|SO6395", "SO7085"]);
        assert!(p.has_choice());
    }

    #[test]
    fn outlook_on_the_web_is_its_own_mail_client() {
        let p = plan_for("set up signing in outlook on the web", Os::Windows);
        assert_eq!(p.articles, vec!["CH1014"]);
        let p = plan_for("move my eca cert from firefox to OWA", Os::Windows);
        assert_eq!(p.articles, vec!["SO4291", "SO10186", "SO7085", "CH1014"]);
        // Plain Outlook stays Outlook.
        let p = plan_for("set up signing in outlook", Os::Windows);
        assert_eq!(p.articles, vec!["SO10781"]);
    }

    #[test]
    fn notes_collapse() {
        let p = plan_for("import my cert into lotus notes", Os::Windows);
        assert_eq!(p.articles, vec!["INFO646"]);
    }

    /// SPEC §2's rules, one row each (the evaluation sets cover wording).
    #[test]
    fn spec_rules() {
        use Os::*;
        let rows: &[(&str, Os, &str, &[&str])] = &[
            // Unknown source: the OS's main store.
            ("back up my certificate", Windows, "backup", &["SO7079"]),
            ("back up my certificate", Macos, "backup", &["SO28421"]),
            ("back up my certificate", Linux, "backup", &["SO4291"]),
            // Tokens always win.
            ("move my smart card certificates to a new mac", Windows, "token", &["SO28695"]),
            // Shared stores: no steps.
            ("move my cert from chrome to edge", Windows, "move", &[]),
            ("move my cert from safari to chrome", Macos, "move", &[]),
            ("move my cert from chrome to chromium", Linux, "move", &[]),
            // Each Mozilla profile is its own store.
            (
                "move my cert from firefox to thunderbird",
                Linux,
                "mail",
                &["SO4291", "SO10186|SO6395", "SO5437", "SO4292"],
            ),
            // Mail client named alone: associate.
            ("outlook", Windows, "associate", &["SO10781"]),
            ("outlook", Macos, "associate", &["SO6722"]),
            // Notes: I and A collapse.
            ("import my cert into lotus notes", Windows, "mail", &["INFO646"]),
            // Edge with no OS named means Windows, whatever --os says.
            ("export my cert from edge", Macos, "export", &["SO7079"]),
            ("export my cert from edge on my mac", Windows, "export", &["CH1003"]),
            // An OS named once applies to both ends.
            ("move identity cert to new mac", Windows, "move", &["SO28421", "SO10186", "SO5181"]),
            ("move my cert from my pc to my new mac", Linux, "move", &["SO7079", "SO10186|SO6395", "SO5181"]),
            // Product words.
            ("install the digital id chain", Linux, "chain", &["SO6395"]),
            ("install the chain for my persona not validated cert", Linux, "chain", &["SO6395"]),
            ("install the chain for my ECA encryption cert", Linux, "chain", &["SO10186"]),
            ("install the chain for my encryption cert", Linux, "chain", &["SO10186|SO6395"]),
            ("install the chain for my signing cert", Linux, "chain", &["SO10186|SO6395"]),
            // Aliases.
            ("export my cert from mozilla", Windows, "export", &["SO4291"]),
            ("set up windows live mail", Windows, "associate", &["SO10732"]),
            ("set up outlook 365 to sign", Windows, "associate", &["SO10781"]),
        ];
        for (q, os, activity, articles) in rows {
            let p = plan_for(q, *os);
            assert_eq!(p.intent.activity.map(|a| a.id()), Some(*activity), "{q} ({os:?})");
            assert_eq!(p.articles, *articles, "{q} ({os:?})");
        }
    }

    #[test]
    fn actions_keep_their_spec_spelling() {
        for a in [Action::Export, Action::Import, Action::Chain, Action::Associate, Action::Token, Action::Note] {
            assert_eq!(serde_json::to_value(a).unwrap(), a.id());
        }
        // Every article kind has its step action; the others are notes.
        for k in ArticleKind::ALL {
            let a = Action::for_article(Some(k));
            assert!(a == Action::Note || a.id() == k.id(), "{k:?}");
        }
        assert_eq!(Action::for_article(None), Action::Note);
    }

    #[test]
    fn every_table_article_is_listed_as_required() {
        let req = required_articles();
        for id in [
            "SO7079", "SO4291", "SO2139", "SO28421", "SO10780", "SO7085", "SO5437", "SO2800", "SO5181", "SO10781",
            "SO6722", "SO4292", "SO10732", "SO28425", "INFO646", "SO28695", "SO10186", "SO6395", "SO6063",
        ] {
            assert!(req.contains(&id), "{id}");
        }
    }
}
