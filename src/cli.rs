//! The command line (SPEC §5), as clap derive types. No I/O here: `main.rs`
//! runs what these describe.
//!
//! build.rs includes this file (for the man page and completions), so it
//! uses only std and clap: nothing from the rest of the crate.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
A question can be given without `plan`:
  certhelp \"move identity cert to new pc\"
  certhelp how do i export my certificate from firefox   (unquoted works when the first word is not a command)

Secrets never go on the command line: passwords and PINs come from
--password-file/--password-env, --pin-file/--pin-env, or a prompt.

Exit status: 0 done; 1 nothing found (search, plan, probe) or doctor found problems; 2 error.";

#[derive(Debug, Parser)]
#[command(
    name = "certhelp",
    version,
    about = "Back up, move and install personal certificates: answers, walkthroughs and checks",
    after_help = AFTER_HELP,
    arg_required_else_help = true
)]
pub struct Cli {
    /// An organisation's knowledge-base directory, laid over the shipped articles
    #[arg(long, global = true, value_name = "DIR", env = "CERTHELP_KB")]
    pub kb: Option<PathBuf>,

    /// When to use colour on the terminal (NO_COLOR is respected)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Say on stderr what certhelp looks at and does: files, stores, modules, timings (-vv: more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Hide names, e-mail addresses, serials and home paths in `probe` output and -v lines (for tickets)
    #[arg(long, global = true)]
    pub redact: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OsArg {
    Windows,
    Macos,
    Linux,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Text,
    Md,
    Html,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActivityArg {
    Backup,
    Export,
    Import,
    Chain,
    Move,
    Mail,
    Associate,
    Token,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProductArg {
    Eca,
    DigitalId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CertTypeArg {
    Identity,
    Encryption,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompatArg {
    Modern,
    Legacy,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a question with a step-by-step plan
    Plan(PlanArgs),
    /// Search the knowledge base
    Search {
        /// Words to look for (an error message works too)
        #[arg(required = true, num_args = 1.., allow_negative_numbers = true)]
        query: Vec<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
        /// How many results
        #[arg(long, default_value_t = 5)]
        limit: usize,
    },
    /// Show one article
    Show {
        /// Article id, e.g. SO7079
        id: String,
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
    },
    /// List the articles
    List,
    /// Knowledge-base maintenance
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Report the OS, apps, stores, tokens and personal certificates found
    Probe {
        /// Print the documented JSON schema instead of text
        #[arg(long)]
        json: bool,
    },
    /// Check the certificates and stores, with a fix for each problem
    Doctor {
        #[arg(long)]
        json: bool,
        /// Judge a probe file (`probe --json`) instead of this machine
        #[arg(long, value_name = "FILE")]
        env: Option<PathBuf>,
    },
    /// Export certificates with their keys from a store to PKCS#12 files
    Export(ExportArgs),
    /// Import a PKCS#12 or PEM key + certificate into a store
    Import(ImportArgs),
    /// Re-pack a PKCS#12 file, or PEM key + certificate <-> PKCS#12
    Convert(ConvertArgs),
    /// Install intermediate and root certificates
    Chain {
        #[command(subcommand)]
        command: ChainCommand,
    },
    /// Register or remove a PKCS#11 module (smart card, token) in NSS stores
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Configure a mail client to sign and encrypt with a certificate
    Associate(AssociateArgs),
    /// Put a store back as certhelp's backup recorded it
    Restore(RestoreArgs),
    /// Carry out the plan's steps that apply to this machine
    Run(RunArgs),
    /// Print the man page or a shell completion script (what packages install)
    Generate {
        /// man, complete-bash, complete-zsh, complete-fish or complete-powershell
        #[arg(value_enum)]
        what: GenerateArg,
    },
}

/// What `certhelp generate` prints (ripgrep's `--generate` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateArg {
    /// The man page (roff), for man1
    Man,
    /// Bash completions
    CompleteBash,
    /// Zsh completions (`_certhelp`)
    CompleteZsh,
    /// Fish completions
    CompleteFish,
    /// PowerShell completions
    CompletePowershell,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The question, e.g. "move my certificate from firefox to thunderbird"
    #[arg(required = true, num_args = 1.., allow_negative_numbers = true)]
    pub query: Vec<String>,
    /// Carry out every change without asking first
    #[arg(long)]
    pub yes: bool,
    /// Change nothing: say exactly what would be done
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,
    #[command(flatten)]
    pub secrets: SecretArgs,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The question, e.g. "move identity cert to new pc"
    #[arg(required = true, num_args = 1.., allow_negative_numbers = true)]
    pub query: Vec<String>,
    /// The OS for ends the question does not name (default: this machine's)
    #[arg(long, value_enum)]
    pub os: Option<OsArg>,
    /// Do not look at this machine: the answer depends only on the question and flags
    #[arg(long)]
    pub no_probe: bool,
    /// Plan for the machine described by this `probe --json` file
    #[arg(long, value_name = "FILE", conflicts_with = "no_probe")]
    pub env: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Never ask a question, even on a terminal
    #[arg(long)]
    pub no_input: bool,
    /// Override the activity the question implies
    #[arg(long, value_enum)]
    pub activity: Option<ActivityArg>,
    /// Override the product (eca, digital-id)
    #[arg(long, value_enum)]
    pub product: Option<ProductArg>,
    /// Override the certificate type
    #[arg(long, value_enum)]
    pub cert_type: Option<CertTypeArg>,
    /// Source app (chrome, edge, ie, firefox, thunderbird, keychain, safari, outlook, ...)
    #[arg(long, value_name = "APP")]
    pub from: Option<String>,
    /// Target app
    #[arg(long, value_name = "APP")]
    pub to: Option<String>,
    /// Source OS
    #[arg(long, value_enum)]
    pub from_os: Option<OsArg>,
    /// Target OS
    #[arg(long, value_enum)]
    pub to_os: Option<OsArg>,
    /// The target is another computer
    #[arg(long, conflicts_with = "same_computer")]
    pub new_computer: bool,
    /// The target is on the same computer
    #[arg(long)]
    pub same_computer: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SecretArgs {
    /// Read the PKCS#12 password from this file (first line)
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Read the PKCS#12 password from this environment variable
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Read the token PIN or NSS database password from this file
    #[arg(long, value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
    /// Read the token PIN or NSS database password from this environment variable
    #[arg(long, value_name = "VAR")]
    pub pin_env: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// firefox, thunderbird, chrome, chromium (each optionally :PROFILE), nss:DIR, pkcs11:token=LABEL, file:PATH
    #[arg(long, value_name = "STORE")]
    pub from: String,
    /// Which certificate: nickname, e-mail, part of the CN, or sha256:PREFIX (repeatable)
    #[arg(long, value_name = "SEL")]
    pub cert: Vec<String>,
    /// Export every personal certificate, one file each under --out
    #[arg(long)]
    pub all: bool,
    /// The PKCS#12 file to write (with --all: a directory, one file per certificate)
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// modern: AES-256, SHA-256 MAC, 600,000 iterations; legacy: 3DES, SHA-1 MAC, for older macOS, iOS, Android, Windows Server 2016
    #[arg(long, value_enum, default_value_t = CompatArg::Modern)]
    pub compat: CompatArg,
    /// Leave the chain out of the file
    #[arg(long)]
    pub no_chain: bool,
    /// Replace an existing output file without asking
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub secrets: SecretArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A PKCS#12 file (.p12/.pfx), or a PEM file with the certificate (and key)
    #[arg(required_unless_present = "from", conflicts_with = "from")]
    pub file: Option<PathBuf>,
    /// Move in memory from another store here (no file, no PKCS#12 password)
    #[arg(long, value_name = "STORE")]
    pub from: Option<String>,
    /// With --from: which certificate (nickname, e-mail, part of the CN, sha256:PREFIX; repeatable)
    #[arg(long, value_name = "SEL", requires = "from")]
    pub cert: Vec<String>,
    /// With --from: every personal certificate of the source (an ECA pair, old encryption keys)
    #[arg(long, requires = "from")]
    pub all: bool,
    /// nss:DIR, firefox[:PROFILE], thunderbird[:PROFILE], chrome, chromium, or a token: pkcs11:token=LABEL?module-path=MODULE
    #[arg(long, value_name = "STORE")]
    pub to: String,
    /// The nickname to give the certificate (default: as NSS would name it)
    #[arg(long, value_name = "NAME")]
    pub cert_name: Option<String>,
    /// The private key in its own PEM file, when FILE holds only the certificate
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub secrets: SecretArgs,
}

#[derive(Debug, Args)]
pub struct AssociateArgs {
    /// Which certificate: nickname, e-mail, part of the CN, or sha256:PREFIX (an ECA pair's shared e-mail selects both)
    #[arg(long, value_name = "SEL")]
    pub cert: String,
    /// thunderbird[:PROFILE] (the certificate must be in that profile; Thunderbird closed)
    #[arg(long, value_name = "CLIENT")]
    pub client: String,
    /// The mail identity (its e-mail address); default: the one whose address the certificate carries
    #[arg(long, value_name = "EMAIL")]
    pub identity: Option<String>,
    #[command(flatten)]
    pub secrets: SecretArgs,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// A PKCS#12 file, or a PEM file with a certificate and its key
    pub file: PathBuf,
    /// The file to write: .p12/.pfx for PKCS#12, .pem/.crt for PEM
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// modern: AES-256, SHA-256 MAC, 600,000 iterations; legacy: 3DES, SHA-1 MAC, for older macOS, iOS, Android, Windows Server 2016
    #[arg(long, value_enum, default_value_t = CompatArg::Modern)]
    pub compat: CompatArg,
    /// The private key in its own PEM file, when FILE holds only the certificate
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Read the new file's password from this file (default: the old password)
    #[arg(long, value_name = "FILE")]
    pub new_password_file: Option<PathBuf>,
    /// Read the new file's password from this environment variable
    #[arg(long, value_name = "VAR")]
    pub new_password_env: Option<String>,
    /// PEM output: write the private key unencrypted (it is encrypted by default)
    #[arg(long)]
    pub no_key_encryption: bool,
    /// Replace an existing output file without asking
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub secrets: SecretArgs,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A backup directory that certhelp printed (or its manifest.json)
    pub backup: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Check a knowledge-base directory (default: the shipped articles)
    Lint {
        dir: Option<PathBuf>,
        /// DIR is a whole knowledge base: every article the planner names must be in it
        #[arg(long, conflicts_with = "overlay")]
        complete: bool,
        /// DIR is laid over the shipped articles (what --kb does)
        #[arg(long)]
        overlay: bool,
    },
    /// Print where certhelp reads articles from and caches its index
    Paths,
}

#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Install the chain into a store
    Install(ChainInstallArgs),
}

#[derive(Debug, Args)]
pub struct ChainInstallArgs {
    /// nss:DIR, firefox[:PROFILE], thunderbird[:PROFILE], chrome, chromium
    #[arg(long, value_name = "STORE")]
    pub to: String,
    /// The chain from a file: PEM or PKCS#7 (.p7b/.p7c) bundle, or a PKCS#12
    #[arg(long, value_name = "FILE", conflicts_with = "from_cert")]
    pub from_file: Option<PathBuf>,
    /// Follow this certificate's issuer links (AIA caIssuers over HTTP) to the root
    #[arg(long, value_name = "FILE")]
    pub from_cert: Option<PathBuf>,
    /// Trust a root fetched over the network: its SHA-256 fingerprint, as sha256:HEX
    #[arg(long, value_name = "sha256:HEX")]
    pub trust_root: Option<String>,
    #[command(flatten)]
    pub secrets: SecretArgs,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Register a PKCS#11 module once in every Mozilla profile and Chrome/Chromium's NSS database
    Enable {
        /// The module file, e.g. /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
        #[arg(long, value_name = "PATH")]
        module: PathBuf,
        /// Only this store: firefox[:PROFILE], thunderbird[:PROFILE], seamonkey, chrome, chromium, nss:DIR
        #[arg(long = "in", value_name = "STORE")]
        in_store: Option<String>,
    },
    /// Remove a PKCS#11 module's registration from every Mozilla profile and Chrome/Chromium's NSS database
    Disable {
        /// The module file (it may be uninstalled already)
        #[arg(long, value_name = "PATH")]
        module: PathBuf,
        /// Only this store: firefox[:PROFILE], thunderbird[:PROFILE], seamonkey, chrome, chromium, nss:DIR
        #[arg(long = "in", value_name = "STORE")]
        in_store: Option<String>,
    },
}

/// Names of the subcommands: a first word that is one of these is a verb.
pub const VERBS: &[&str] = &[
    "plan",
    "search",
    "show",
    "list",
    "kb",
    "probe",
    "doctor",
    "export",
    "import",
    "convert",
    "chain",
    "token",
    "associate",
    "restore",
    "run",
    "generate",
    "help",
];

/// Options before the subcommand that take a value.
const GLOBAL_VALUE_OPTIONS: &[&str] = &["--kb", "--color"];

/// Applies SPEC §5's grammar: a single argument that contains spaces is a
/// question; otherwise a first word that names a verb is that verb; any
/// other first word starts a question. Returns argv with `plan` inserted
/// where a question starts.
pub fn with_implicit_plan(args: Vec<String>) -> Vec<String> {
    let is_global = |a: &str| {
        GLOBAL_VALUE_OPTIONS.contains(&a) || GLOBAL_VALUE_OPTIONS.iter().any(|g| a.starts_with(&format!("{g}=")))
    };
    // Where `plan` would go: after the global options.
    let mut insert_at = 1;
    while insert_at < args.len() && is_global(&args[insert_at]) {
        insert_at += if args[insert_at].contains('=') { 1 } else { 2 };
    }
    // The first word that is not an option or an option's value.
    // A pasted error code such as -8179 (NSS) or -25293 (macOS) is a
    // question word, not an option.
    let is_option = |a: &str| a.starts_with('-') && !is_negative_number(a);
    let mut i = insert_at;
    while i < args.len() && is_option(&args[i]) {
        i += if is_global(&args[i]) && !args[i].contains('=') { 2 } else { 1 };
    }
    let Some(first) = args.get(i) else {
        return args;
    };
    // "help" is clap's verb only alone or before a verb: "help me back up
    // my certificate" is a question.
    let help_question =
        first == "help" && args.get(i + 1).is_some_and(|n| !n.starts_with('-') && !VERBS.contains(&n.as_str()));
    let is_question = first.contains(char::is_whitespace) || !VERBS.contains(&first.as_str()) || help_question;
    if !is_question || args[insert_at..i].iter().any(|a| a == "--help" || a == "-h" || a == "--version" || a == "-V") {
        return args;
    }
    let mut out = args;
    out.insert(insert_at.min(out.len()), "plan".to_string());
    out
}

/// `-8179`: a negative number (an error code), which clap would read as a
/// short option.
fn is_negative_number(a: &str) -> bool {
    a.strip_prefix('-').is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_spaced_argument_is_a_question_even_if_it_starts_with_a_verb() {
        assert_eq!(
            with_implicit_plan(argv(&["certhelp", "export my cert from firefox"])),
            argv(&["certhelp", "plan", "export my cert from firefox"])
        );
    }

    #[test]
    fn a_verb_is_a_verb() {
        assert_eq!(with_implicit_plan(argv(&["certhelp", "list"])), argv(&["certhelp", "list"]));
    }

    #[test]
    fn unquoted_words_are_a_question() {
        assert_eq!(
            with_implicit_plan(argv(&["certhelp", "--kb", "d", "move", "my", "cert"])),
            argv(&["certhelp", "--kb", "d", "plan", "move", "my", "cert"])
        );
    }

    #[test]
    fn plan_flags_may_come_before_the_question() {
        assert_eq!(
            with_implicit_plan(argv(&["certhelp", "--no-probe", "backup firefox"])),
            argv(&["certhelp", "plan", "--no-probe", "backup firefox"])
        );
        assert_eq!(with_implicit_plan(argv(&["certhelp", "--help"])), argv(&["certhelp", "--help"]));
        assert_eq!(
            with_implicit_plan(argv(&["certhelp", "help", "me", "back", "up"])),
            argv(&["certhelp", "plan", "help", "me", "back", "up"])
        );
        assert_eq!(with_implicit_plan(argv(&["certhelp", "help", "probe"])), argv(&["certhelp", "help", "probe"]));
    }

    #[test]
    fn a_negative_error_code_is_a_question() {
        assert_eq!(with_implicit_plan(argv(&["certhelp", "-8179"])), argv(&["certhelp", "plan", "-8179"]));
        assert_eq!(
            with_implicit_plan(argv(&["certhelp", "--no-probe", "-25293"])),
            argv(&["certhelp", "plan", "--no-probe", "-25293"])
        );
    }

    #[test]
    fn definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
