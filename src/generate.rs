//! `certhelp generate man|complete-*`: the man page (clap_mangen) and shell
//! completions (clap_complete), both generated from the clap definitions in
//! `cli.rs`, as ripgrep's `--generate` does.
//!
//! The man page adds what clap cannot know: one section per command with
//! its options, EXIT STATUS, ENVIRONMENT, FILES and EXAMPLES (SPEC §5).
//!
//! `build.rs` includes this file too (with `cli.rs`) to write the assets the
//! Debian package installs, so it must use nothing but `crate::cli`, clap,
//! clap_complete and clap_mangen, and must do no I/O beyond the writer it is
//! given.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, GenerateArg};

/// Environment variables a user may set, with what they do. A unit test
/// checks that every `CERTHELP_*` variable the sources read is here or in
/// [`INTERNAL_VARS`].
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("CERTHELP_KB", "An organisation's knowledge-base directory, laid over the shipped articles (as --kb)."),
    (
        "CERTHELP_STATE_DIR",
        "Where certhelp keeps backups, journals and locks (default: $XDG_STATE_HOME/certhelp, else ~/.local/state/certhelp).",
    ),
    (
        "CERTHELP_PKCS11_MODULES",
        "More PKCS#11 modules for the probe to look at, separated by colons (besides pkcs11.txt, p11-kit and the well-known paths).",
    ),
    ("CERTHELP_SOFTOKN", "The NSS soft token library (libsoftokn3.so) to open NSS databases with."),
    ("CERTHELP_TIMINGS", "Print the phases of export and import with their times on stderr (-v prints them too)."),
    ("CERTHELP_PROBE_TIMINGS", "Print the phases of the probe with their times on stderr (-v prints them too)."),
    ("XDG_CONFIG_HOME", "Base of the per-user configuration file (default: ~/.config)."),
    ("XDG_CACHE_HOME", "Base of the search index cache (default: ~/.cache)."),
    ("XDG_STATE_HOME", "Base of the state directory (default: ~/.local/state)."),
    ("HOME", "Where the probe looks for browser and mail profiles; must be absolute for the cache and state directories."),
    ("NO_COLOR", "When set and not empty, no colour (unless --color always)."),
    ("TERM", "dumb turns colour off (unless --color always)."),
    ("COLUMNS", "The width text output wraps to (40-100, default 80)."),
    ("PCSCLITE_CSOCK_NAME", "The pcscd socket the probe checks to tell whether pcscd runs."),
];

/// Variables certhelp reads for its own tests and benchmarks only: not
/// documented for users.
pub const INTERNAL_VARS: &[&str] = &[
    "CERTHELP_CRASH_AT",
    "CERTHELP_PAUSE_AT",
    "CERTHELP_P12_ITERATIONS",
    "CERTHELP_FUZZ_ITERS",
    "CERTHELP_TEST_",
    "CERTHELP_PROGRESS_DELAY_MS",
];

const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Done."),
    ("1", "A search, plan or probe that found nothing, or doctor found a failure."),
    (
        "2",
        "Anything else: bad input, a store or profile that does not exist, a wrong password, a store that refused, \
         problems found by kb lint. Always one error: line and one hint: line on stderr; a command that fails leaves \
         every store and file as it found it.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "~/.config/certhelp/config, /etc/certhelp/config",
        "Configuration (first found wins): a line kb = DIR names an organisation's knowledge base; a relative DIR is \
         relative to the file. The first is under $XDG_CONFIG_HOME when that is set.",
    ),
    (
        "~/.cache/certhelp/index-VERSION-FINGERPRINT/",
        "The search index, built once per knowledge-base content and pruned when unused for a day \
         ($XDG_CACHE_HOME/certhelp when set). Safe to delete.",
    ),
    (
        "~/.local/state/certhelp/",
        "certhelp's state, folder 0700 ($CERTHELP_STATE_DIR, else $XDG_STATE_HOME/certhelp): backups/ holds a backup \
         of every store before a change (files 0600: they hold keys; restore puts one back), journal/ the intent \
         journal of an import in progress (replayed by the next write to that store), locks/ one lock file per store.",
    ),
];

const EXAMPLES: &[(&str, &str)] = &[
    ("certhelp \"move identity cert to new pc\"", "The step-by-step plan, tailored to this machine."),
    (
        "certhelp --no-probe --os windows \"move identity cert to new pc\"",
        "The same plan from the question alone: SO7079 -> SO10186 -> SO7085.",
    ),
    ("certhelp plan --format html \"backup firefox\" > walkthrough.html", "A walkthrough to attach to a ticket."),
    ("certhelp search \"SEC_ERROR_UNKNOWN_ISSUER\"", "The articles about a pasted error text."),
    ("certhelp probe --redact", "What certhelp finds here, with names, e-mail addresses and home paths hidden."),
    ("certhelp doctor", "One check per line, with a fix and an article."),
    (
        "certhelp export --from firefox --all --out cert-backup --password-file ~/backup-pw",
        "Every personal certificate of Firefox's default profile, with its key and chain, one PKCS#12 file each.",
    ),
    (
        "certhelp -v --redact import cert.p12 --to thunderbird --password-file ~/backup-pw",
        "An import that says on stderr which files, stores and modules it opened: safe to paste into a ticket.",
    ),
    (
        "certhelp run --dry-run \"move my certificate from firefox to chrome\"",
        "What certhelp would do, changing nothing.",
    ),
    (
        "certhelp generate complete-bash > ~/.local/share/bash-completion/completions/certhelp",
        "Shell completions for a certhelp installed with cargo install.",
    ),
];

/// Write what `what` names to `w`.
pub fn write(what: GenerateArg, w: &mut dyn Write) -> io::Result<()> {
    let shell = match what {
        GenerateArg::Man => return man(w),
        GenerateArg::CompleteBash => Shell::Bash,
        GenerateArg::CompleteZsh => Shell::Zsh,
        GenerateArg::CompleteFish => Shell::Fish,
        GenerateArg::CompletePowershell => Shell::PowerShell,
    };
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "certhelp", &mut buf);
    w.write_all(&buf)
}

/// The file name each asset is installed under (the Debian package's
/// layout is in Cargo.toml).
pub fn file_name(what: GenerateArg) -> &'static str {
    match what {
        GenerateArg::Man => "certhelp.1",
        GenerateArg::CompleteBash => "certhelp.bash",
        GenerateArg::CompleteZsh => "_certhelp",
        GenerateArg::CompleteFish => "certhelp.fish",
        GenerateArg::CompletePowershell => "_certhelp.ps1",
    }
}

/// Every asset, for build.rs.
pub const ALL: [GenerateArg; 5] = [
    GenerateArg::Man,
    GenerateArg::CompleteBash,
    GenerateArg::CompleteZsh,
    GenerateArg::CompleteFish,
    GenerateArg::CompletePowershell,
];

/// clap_mangen starts each rendered piece with this preamble; once is enough.
const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

fn man(out: &mut dyn Write) -> io::Result<()> {
    let mut page = Vec::new();
    man_pieces(&mut page)?;
    let page = String::from_utf8_lossy(&page);
    let body = page.replace(PREAMBLE, "");
    let first = if page.starts_with(PREAMBLE) { PREAMBLE } else { "" };
    out.write_all(first.as_bytes())?;
    out.write_all(body.as_bytes())
}

fn man_pieces(w: &mut dyn Write) -> io::Result<()> {
    let cmd = Cli::command();
    let page = clap_mangen::Man::new(cmd.clone()).manual("User Commands");
    page.render_title(w)?;
    page.render_name_section(w)?;
    page.render_synopsis_section(w)?;
    page.render_description_section(w)?;
    page.render_options_section(w)?;
    // The commands, each with its own options (clap_mangen's own
    // subcommand section points to one page per command, which one page
    // with everything serves better).
    writeln!(w, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands() {
        command_section(w, sub, "certhelp")?;
    }
    // clap_mangen calls the after-help text EXTRA; it holds usage notes.
    let mut extra = Vec::new();
    page.render_extra_section(&mut extra)?;
    w.write_all(String::from_utf8_lossy(&extra).replace(".SH EXTRA", ".SH NOTES").as_bytes())?;
    section(w, "EXIT STATUS", EXIT_STATUS)?;
    section(w, "ENVIRONMENT", ENVIRONMENT)?;
    writeln!(
        w,
        ".PP\n{}",
        text("--password-env VAR and --pin-env VAR read a secret from the variable the user names; nothing else is ever read from the environment as a secret.")
    )?;
    section(w, "FILES", FILES)?;
    section(w, "EXAMPLES", EXAMPLES)?;
    writeln!(w, ".SH \"SEE ALSO\"\ncertutil(1), pk12util(1), modutil(1), pkcs11\\-tool(1), p11\\-kit(8), openssl(1)")?;
    page.render_version_section(w)
}

/// One command (or each leaf of a command group) as a subsection: usage,
/// what it does, its options.
fn command_section(w: &mut dyn Write, sub: &clap::Command, parent: &str) -> io::Result<()> {
    let name = format!("{parent} {}", sub.get_name());
    if sub.has_subcommands() {
        for leaf in sub.get_subcommands() {
            command_section(w, leaf, &name)?;
        }
        return Ok(());
    }
    // Global options are listed once, under OPTIONS; -h is everywhere.
    let leaf = sub.clone().bin_name(&name).disable_help_flag(true);
    let usage = leaf.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage:").trim();
    writeln!(w, ".SS {}", quoted(usage))?;
    if let Some(about) = sub.get_long_about().or_else(|| sub.get_about()) {
        writeln!(w, "{}", text(&about.to_string()))?;
    }
    if leaf.get_arguments().next().is_some() {
        let mut buf = Vec::new();
        clap_mangen::Man::new(leaf).render_options_section(&mut buf)?;
        // Its entries, without the OPTIONS heading of a page of its own.
        let body = String::from_utf8_lossy(&buf).replace(".SH OPTIONS\n", ".RS\n");
        w.write_all(body.as_bytes())?;
        writeln!(w, ".RE")?;
    }
    Ok(())
}

fn section(w: &mut dyn Write, title: &str, items: &[(&str, &str)]) -> io::Result<()> {
    writeln!(w, ".SH {}", quoted(title))?;
    for (term, body) in items {
        writeln!(w, ".TP\n\\fB{}\\fR\n{}", escape(term), text(body))?;
    }
    Ok(())
}

/// Escape roff's special characters in running text.
fn escape(s: &str) -> String {
    s.replace('\\', "\\e").replace('-', "\\-")
}

/// A paragraph of running text: escaped, and no line may start with a
/// control character.
fn text(s: &str) -> String {
    s.lines()
        .map(|l| {
            let l = escape(l.trim());
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", escape(s).replace('"', "\\(dq"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn man_page() -> String {
        let mut buf = Vec::new();
        write(GenerateArg::Man, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn the_man_page_has_spec_sections_and_every_command() {
        let page = man_page();
        for s in
            [".SH NAME", ".SH SYNOPSIS", ".SH COMMANDS", "EXIT STATUS", "\"ENVIRONMENT\"", "\"FILES\"", "\"EXAMPLES\""]
        {
            assert!(page.contains(s), "{s} missing");
        }
        for c in ["certhelp export", "certhelp kb lint", "certhelp chain install", "certhelp token disable"] {
            assert!(page.contains(&format!(".SS \"{}", escape(c))), "{c} missing");
        }
        assert!(page.contains("\\-\\-password\\-file"), "a leaf command's options are listed");
        for line in page.lines() {
            assert!(!line.starts_with('\''), "a line starting with ' is a roff control line: {line}");
        }
    }

    /// Every CERTHELP_* variable the sources read is documented or known
    /// to be internal.
    #[test]
    fn every_certhelp_variable_is_documented() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![src];
        let mut missing = Vec::new();
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for (i, _) in text.match_indices("\"CERTHELP_") {
                    let name: String = text[i + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    if name == "CERTHELP_" {
                        continue; // this test's own pattern
                    }
                    let known = ENVIRONMENT.iter().any(|(v, _)| *v == name)
                        || INTERNAL_VARS.iter().any(|v| name.starts_with(v));
                    if !known && !missing.contains(&name) {
                        missing.push(name);
                    }
                }
            }
        }
        assert!(missing.is_empty(), "document these in ENVIRONMENT or INTERNAL_VARS: {missing:?}");
    }

    #[test]
    fn completions_know_the_verbs_and_values() {
        for what in [GenerateArg::CompleteBash, GenerateArg::CompleteZsh, GenerateArg::CompleteFish] {
            let mut buf = Vec::new();
            write(what, &mut buf).unwrap();
            let s = String::from_utf8(buf).unwrap();
            for word in ["export", "import", "chain", "password-file", "legacy", "digital-id"] {
                assert!(s.contains(word), "{what:?}: {word} missing");
            }
        }
    }
}
