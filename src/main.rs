//! certhelp's entry point: parse, run, print, exit status (SPEC §5).
//!
//! The only module that prints and reads the terminal. Errors end as
//! `error: ...` and `hint: ...` on stderr with status 2.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use certhelp::answer::Machine;
use certhelp::apps::{self, App};
use certhelp::cli::{
    self, ActivityArg, CertTypeArg, ChainCommand, Cli, ColorChoice, Command, FormatArg, KbCommand, OsArg, PlanArgs,
    ProductArg,
};
use certhelp::env::{Env, Os, ProbeFileError};
use certhelp::error::{Error, Result};
use certhelp::intent::{self, Activity, CertType, Product};
use certhelp::kb::{self, Kb, LintMode};
use certhelp::plan::{self, Context, Overrides};
use certhelp::render::{self, Format, TextOptions};
use certhelp::search::SearchIndex;
use certhelp::{action, answer, probe};

fn main() -> ExitCode {
    let args = cli::with_implicit_plan(std::env::args().collect());
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) if !e.use_stderr() || e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // --help, --version, or no arguments at all: clap's own text.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
        Err(e) => {
            let e = usage_error(&e, &args);
            eprintln!("error: {}", e.message);
            eprintln!("hint: {}", e.hint);
            return ExitCode::from(2);
        }
    };
    certhelp::verbose::init(cli.verbose, cli.redact);
    certhelp::verbose!(
        "certhelp {} ({}), {} command",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        verb_name(&cli.command)
    );
    let r = run(cli);
    let code = match &r {
        Ok(code) => *code,
        Err(_) => 2,
    };
    certhelp::verbose!("done: exit status {code}");
    match r {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", e.message);
            eprintln!("hint: {}", e.hint);
            ExitCode::from(2)
        }
    }
}

/// The command's name for the first verbose line (never its arguments:
/// a question or a selection may name a person).
fn verb_name(c: &Command) -> &'static str {
    match c {
        Command::Plan(_) => "plan",
        Command::Search { .. } => "search",
        Command::Show { .. } => "show",
        Command::List => "list",
        Command::Kb { .. } => "kb",
        Command::Probe { .. } => "probe",
        Command::Doctor { .. } => "doctor",
        Command::Export(_) => "export",
        Command::Import(_) => "import",
        Command::Convert(_) => "convert",
        Command::Chain { .. } => "chain",
        Command::Token { .. } => "token",
        Command::Associate(_) => "associate",
        Command::Restore(_) => "restore",
        Command::Run(_) => "run",
        Command::Generate { .. } => "generate",
    }
}

/// Loads the knowledge base and says which one it is with -v.
fn load_kb(dir: Option<&Path>) -> Result<Kb> {
    let kb = Kb::load(dir)?;
    certhelp::verbose!(
        "knowledge base: {} built-in articles, overlay {}",
        Kb::builtin().len(),
        kb.overlay.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| "none".into())
    );
    Ok(kb)
}

/// A command-line mistake as one `error:` line and one `hint:` line.
fn usage_error(e: &clap::Error, args: &[String]) -> Error {
    use clap::error::ErrorKind;
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().filter(|l| !l.trim().is_empty());
    let mut first = lines.next().unwrap_or("invalid arguments").trim_start_matches("error: ").to_string();
    if first.ends_with(':') {
        // "the following required arguments were not provided:" + the list.
        first = format!("{first} {}", lines.next().unwrap_or("").trim());
    }
    let possible = rendered.lines().find(|l| l.trim_start().starts_with("[possible values:")).map(str::trim);
    // The first word that is neither an option nor a global option's value.
    let mut verb = String::new();
    let mut rest = args.iter().skip(1);
    while let Some(a) = rest.next() {
        if a == "--kb" || a == "--color" {
            rest.next();
        } else if !a.starts_with('-') {
            verb = a.clone();
            break;
        }
    }
    let hint = match e.kind() {
        ErrorKind::UnknownArgument if !verb.is_empty() && cli::VERBS.contains(&verb.as_str()) => {
            let words: Vec<&str> = args.iter().skip(1).map(String::as_str).filter(|a| !a.starts_with('-')).collect();
            format!("to ask a question, quote it: certhelp \"{}\"; or see `certhelp {verb} --help`", words.join(" "))
        }
        ErrorKind::InvalidValue => match possible {
            Some(p) => p.to_string(),
            None => "see `certhelp --help` for the accepted values".to_string(),
        },
        _ if cli::VERBS.contains(&verb.as_str()) => format!("see `certhelp {verb} --help`"),
        _ => "see `certhelp --help`".to_string(),
    };
    Error::new(first, hint)
}

fn text_options(choice: ColorChoice) -> TextOptions {
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true)
        }
    };
    let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).unwrap_or(80).clamp(40, 100);
    TextOptions { color, width }
}

fn print(s: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Error::new(format!("cannot write output: {e}"), "check where the output goes"))
        }
        _ => Ok(()),
    }
}

fn run(cli: Cli) -> Result<u8> {
    let opts = text_options(cli.color);
    // Progress on stderr for long operations: on a terminal only, never
    // beside machine-readable output (progress.rs).
    let machine_output = match &cli.command {
        Command::Probe { json, .. } | Command::Doctor { json, .. } | Command::Search { json, .. } => *json,
        Command::Plan(args) => matches!(args.format, FormatArg::Json) || args.no_input,
        _ => false,
    };
    certhelp::progress::enable(!machine_output);
    match cli.command {
        Command::Plan(args) => {
            let kb = load_kb(cli.kb.as_deref())?;
            let code = run_plan(args, &kb, opts);
            warn_broken(&kb);
            code
        }
        Command::Search { query, json, limit } => {
            let kb = load_kb(cli.kb.as_deref())?;
            let query = query.join(" ");
            if query.trim().is_empty() {
                return Err(Error::new("the search is empty", "give some words, e.g. certhelp search export firefox"));
            }
            let hits = SearchIndex::open(&kb)?.search(&kb, &query, limit.max(1));
            if json {
                print(&(serde_json::to_string_pretty(&hits).unwrap_or_default() + "\n"))?;
            } else if hits.is_empty() {
                let shown: String = query.chars().take(60).collect();
                let more = if shown.len() < query.len() { "..." } else { "" };
                eprintln!("No article matches \"{shown}{more}\". Try other words, or `certhelp list`.");
            } else {
                let style = certhelp::markdown::Style { color: opts.color };
                let mut s = String::new();
                for h in &hits {
                    let legacy = if h.legacy { " (legacy)" } else { "" };
                    s.push_str(&format!("{} {}{legacy}\n", style.cyan(&format!("{:<8}", h.id)), style.bold(&h.title)));
                    s.push_str(&format!("         {}\n", h.snippet));
                }
                print(&s)?;
            }
            Ok(if hits.is_empty() { 1 } else { 0 })
        }
        Command::Show { id, format } => {
            let kb = load_kb(cli.kb.as_deref())?;
            let a = kb.find(&id).ok_or_else(|| {
                Error::new(
                    format!("no article `{id}`"),
                    "`certhelp list` shows the ids; `certhelp search WORDS` finds one",
                )
            })?;
            print(&render::article(a, format_of(format), opts)?)?;
            warn_broken(&kb);
            Ok(0)
        }
        Command::List => {
            let kb = load_kb(cli.kb.as_deref())?;
            print(&render::list(&kb, opts))?;
            warn_broken(&kb);
            Ok(0)
        }
        Command::Kb { command } => match command {
            KbCommand::Lint { dir, complete, overlay } => {
                let mode = if complete {
                    Some(LintMode::Complete)
                } else if overlay {
                    Some(LintMode::Overlay)
                } else {
                    None
                };
                // `--kb DIR kb lint` (or CERTHELP_KB) checks that directory.
                let dir = dir.or(cli.kb);
                let problems = kb::lint(dir.as_deref(), mode, &plan::required_articles())?;
                let label =
                    dir.as_deref().map(|d| d.display().to_string()).unwrap_or_else(|| "built-in knowledge base".into());
                if problems.is_empty() {
                    print(&format!("{label}: ok\n"))?;
                    Ok(0)
                } else {
                    let mut s = String::new();
                    for p in &problems {
                        s.push_str(&format!("{p}\n"));
                    }
                    print(&s)?;
                    eprintln!("error: {} problem(s) in {label}", problems.len());
                    eprintln!("hint: fix each file and line above (format: kb/README.md in the certhelp sources)");
                    Ok(2)
                }
            }
            KbCommand::Paths => {
                let kb = load_kb(cli.kb.as_deref())?;
                let overlay = kb.overlay.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| "none".into());
                let configs: Vec<String> = kb::config_files().iter().map(|p| p.display().to_string()).collect();
                print(&format!(
                    "articles: {} built-in, overlay: {overlay}\n  (--kb DIR, else {}, else `kb = DIR` in {})\nindex cache: {}\n",
                    Kb::builtin().len(),
                    kb::KB_ENV,
                    configs.join(" or "),
                    certhelp::dirs::cache().map(|d| d.display().to_string()).unwrap_or_else(|| "none (no absolute HOME): built in memory".into())
                ))?;
                Ok(0)
            }
        },
        Command::Probe { json } => {
            let (out, code) = probe::command(json, cli.redact)?;
            print(&out)?;
            Ok(exit_u8(code))
        }
        Command::Doctor { json, env } => {
            let env = env.as_deref().map(read_env).transpose()?;
            let (out, code) = certhelp::doctor::command(json, env)?;
            print(&out)?;
            Ok(exit_u8(code))
        }
        Command::Export(args) => verb("export", || action::export::run(&args, ui())),
        Command::Import(args) => verb("import", || action::import::run(&args, ui())),
        Command::Convert(args) => verb("convert", || action::convert::run(&args, ui())),
        Command::Chain { command: ChainCommand::Install(args) } => verb("chain", || action::chain::run(&args, ui())),
        Command::Restore(args) => verb("restore", || action::restore::run(&args, ui())),
        Command::Token { command } => verb("token", || action::token::run(&command, ui())),
        Command::Associate(args) => verb("associate", || action::associate::run(&args, ui())),
        Command::Run(args) => {
            let kb = load_kb(cli.kb.as_deref())?;
            verb("run", || action::run::run(&args, &kb, ui()))
        }
        Command::Generate { what } => {
            let mut buf = Vec::new();
            certhelp::generate::write(what, &mut buf)
                .map_err(|e| Error::new(format!("cannot generate: {e}"), "report this as a bug"))?;
            print(&String::from_utf8_lossy(&buf))?;
            Ok(0)
        }
    }
}

/// Runs a verb that changes stores or writes key files: no core dump and no
/// ptrace attachment from before it reads a secret (crate::harden), and a
/// test point once it is over.
fn verb(name: &str, f: impl FnOnce() -> Result<action::Report>) -> Result<u8> {
    certhelp::harden::process();
    let r = f();
    certhelp::fault::point(&format!("{name}:done"));
    report(r?)
}

/// Whether the verbs may prompt: only with a terminal on both ends.
fn ui() -> action::Ui {
    action::Ui { interactive: io::stdin().is_terminal() && io::stderr().is_terminal() }
}

/// Prints a verb's report: what was done on stdout, warnings on stderr.
fn report(r: action::Report) -> Result<u8> {
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    let mut s = String::new();
    for l in &r.lines {
        s.push_str(l);
        s.push('\n');
    }
    print(&s)?;
    Ok(r.code)
}

/// Says which organisation articles were skipped because they are broken.
fn warn_broken(kb: &Kb) {
    for p in kb.broken() {
        eprintln!("warning: {p} (the shipped article is used instead, if any)");
    }
    if let (false, Some(dir)) = (kb.broken().is_empty(), &kb.overlay) {
        eprintln!("hint: run `certhelp kb lint {}`", dir.display());
    }
}

fn exit_u8(code: i32) -> u8 {
    u8::try_from(code).unwrap_or(2)
}

fn format_of(f: FormatArg) -> Format {
    match f {
        FormatArg::Text => Format::Text,
        FormatArg::Md => Format::Markdown,
        FormatArg::Html => Format::Html,
        FormatArg::Json => Format::Json,
    }
}

fn os_of(o: OsArg) -> Os {
    match o {
        OsArg::Windows => Os::Windows,
        OsArg::Macos => Os::Macos,
        OsArg::Linux => Os::Linux,
    }
}

fn read_env(path: &Path) -> Result<Env> {
    certhelp::verbose!("probe file: {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(
            format!("cannot read probe file {}: {e}", path.display()),
            "give the file that `certhelp probe --json` wrote",
        )
    })?;
    let probe_hint = "create one with `certhelp probe --json > probe.json` on the customer's computer";
    Env::from_probe_json(&text).map_err(|e| match e {
        ProbeFileError::NotProbe(why) => {
            Error::new(format!("{} is not a certhelp probe file: {why}", path.display()), probe_hint)
        }
        ProbeFileError::Version(v) => Error::new(
            format!(
                "{} is a probe file of schema version {v}; this certhelp reads version {}",
                path.display(),
                certhelp::env::SCHEMA_VERSION
            ),
            "run `certhelp probe --json` again with the same certhelp version as this one",
        ),
        ProbeFileError::NoOs => Error::new(
            format!("{} does not say which operating system it describes (no `os.id`)", path.display()),
            probe_hint,
        ),
    })
}

fn app_arg(flag: &str, value: &Option<String>) -> Result<Option<App>> {
    match value {
        None => Ok(None),
        Some(v) => intent::app_id(v).map(Some).ok_or_else(|| {
            Error::new(format!("{flag}: unknown app `{v}`"), format!("use one of: {}", apps::ids().join(", ")))
        }),
    }
}

fn overrides(args: &PlanArgs) -> Result<Overrides> {
    Ok(Overrides {
        activity: args.activity.map(|a| match a {
            ActivityArg::Backup => Activity::Backup,
            ActivityArg::Export => Activity::Export,
            ActivityArg::Import => Activity::Import,
            ActivityArg::Chain => Activity::Chain,
            ActivityArg::Move => Activity::Move,
            ActivityArg::Mail => Activity::Mail,
            ActivityArg::Associate => Activity::Associate,
            ActivityArg::Token => Activity::Token,
        }),
        product: args.product.map(|p| match p {
            ProductArg::Eca => Product::Eca,
            ProductArg::DigitalId => Product::DigitalId,
        }),
        cert_type: args.cert_type.map(|c| match c {
            CertTypeArg::Identity => CertType::Identity,
            CertTypeArg::Encryption => CertType::Encryption,
        }),
        from_app: app_arg("--from", &args.from)?,
        to_app: app_arg("--to", &args.to)?,
        from_os: args.from_os.map(os_of),
        to_os: args.to_os.map(os_of),
        new_computer: if args.new_computer {
            Some(true)
        } else if args.same_computer {
            Some(false)
        } else {
            None
        },
    })
}

fn run_plan(args: PlanArgs, kb: &Kb, opts: TextOptions) -> Result<u8> {
    let query = args.query.join(" ");
    if query.trim().is_empty() {
        return Err(Error::new("the question is empty", "ask e.g. certhelp \"move identity cert to new pc\""));
    }
    let overrides = overrides(&args)?;
    let env = match (&args.env, args.no_probe) {
        (Some(path), _) => Some(read_env(path)?),
        (None, true) => None,
        (None, false) => {
            let env = probe::collect(&answer::probe_options(&query, &overrides));
            certhelp::verbose!(
                "probe: {} app(s), {} store(s), {} personal certificate(s), {} module(s)",
                env.apps.len(),
                env.stores.len(),
                env.certificates.len(),
                env.modules.len()
            );
            Some(env)
        }
    };
    let default_os = args.os.map(os_of).unwrap_or_else(|| env.as_ref().map(|e| e.os.id).unwrap_or_else(Os::current));
    let machine = match (&env, &args.env) {
        (Some(e), Some(path)) => Machine::File(e, path),
        (Some(e), None) => Machine::Here(e),
        (None, _) => Machine::None,
    };
    let checks = env.as_ref().map(certhelp::doctor::run).unwrap_or_default();
    let ctx = Context { default_os, env: env.as_ref(), os_flag: args.os.map(os_of), checks: &checks };
    let format = format_of(args.format);
    let interactive =
        !args.no_input && format != Format::Json && io::stdin().is_terminal() && io::stderr().is_terminal();
    let mut p = if interactive {
        answer::answer_asking(&query, &overrides, ctx, kb, &mut |q, o| certhelp::prompt::choose(q, o))?
    } else {
        answer::answer(&query, &overrides, ctx, kb)?
    };
    answer::finish(&mut p, machine, interactive);
    print(&render::plan(&p, kb, format, opts)?)?;
    Ok(answer::exit_status(&p))
}
