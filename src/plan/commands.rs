//! The certhelp command that carries a step out, where certhelp can do it
//! itself: NSS stores (Firefox, Thunderbird, SeaMonkey profiles, the
//! Chrome/Chromium database) on Linux. Walkthroughs show it beside the
//! article's manual steps.
//!
//! Pure: decides from the step and the plan's ends, runs nothing.

use super::Step;
use crate::env::Os;
use crate::intent::Activity;

/// The STORE spelling of an app whose store certhelp can change on Linux.
fn nss_store(app: &str) -> Option<&'static str> {
    match app {
        "firefox" => Some("firefox"),
        "thunderbird" => Some("thunderbird"),
        "netscape" => Some("seamonkey"),
        "chrome" => Some("chrome"),
        "chromium" => Some("chromium"),
        _ => None,
    }
}

/// Apps whose importers want legacy PKCS#12 files on a Mac.
fn wants_legacy(to_app: Option<&str>, to_os: Option<Os>) -> bool {
    to_os == Some(Os::Macos) || matches!(to_app, Some("keychain" | "safari" | "apple-mail" | "entourage"))
}

/// Set `command` on the steps certhelp can carry out itself.
pub fn attach(steps: &mut [Step], activity: Option<Activity>, to_app: Option<&str>, to_os: Option<Os>) {
    let out_dir = if activity == Some(Activity::Backup) { "certificate-backup" } else { "my-certificates" };
    // Both ends here, in NSS stores: one command moves the certificates in
    // memory (no key file, no password), export, chain and import at once.
    let here_store = |action: &str| {
        steps
            .iter()
            .find(|s| s.action == action && s.os == Some(Os::Linux) && s.computer.is_none())
            .and_then(|s| s.app.as_deref().and_then(nss_store))
    };
    if let (Some(from), Some(to)) = (here_store("export"), here_store("import")) {
        if from != to {
            let cmd = format!("certhelp import --from {from} --to {to} --all");
            for s in steps.iter_mut().filter(|s| matches!(s.action, "export" | "import")) {
                s.command = Some(cmd.clone());
            }
            return;
        }
    }
    let mut exported_here = false;
    for s in steps.iter_mut() {
        let here = s.os == Some(Os::Linux);
        let store = s.app.as_deref().and_then(nss_store);
        s.command = match (s.action, store, here) {
            ("export", Some(store), true) => {
                exported_here = true;
                let compat = if wants_legacy(to_app, to_os) { " --compat legacy" } else { "" };
                Some(format!("certhelp export --from {store} --all --out {out_dir}{compat}"))
            }
            ("import", Some(store), true) => {
                let from = if exported_here { format!("{out_dir}/FILE.p12") } else { "FILE.p12".into() };
                Some(format!("certhelp import {from} --to {store}"))
            }
            ("chain", _, _) if activity == Some(Activity::Chain) => {
                let target = to_app.and_then(nss_store).filter(|_| to_os.is_none_or(|o| o == Os::Linux));
                target.map(|t| format!("certhelp chain install --to {t} --from-cert MY-CERTIFICATE.pem"))
            }
            _ => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(action: &'static str, app: &str, os: Os, computer: Option<&str>) -> Step {
        Step {
            article: Some("X".into()),
            title: String::new(),
            action,
            app: Some(app.into()),
            os: Some(os),
            choices: None,
            summary: String::new(),
            legacy: false,
            computer: computer.map(str::to_string),
            found: Vec::new(),
            command: None,
        }
    }

    #[test]
    fn a_move_here_between_nss_stores_is_one_command() {
        let mut steps =
            vec![step("export", "firefox", Os::Linux, None), step("import", "thunderbird", Os::Linux, None)];
        attach(&mut steps, Some(Activity::Move), Some("thunderbird"), Some(Os::Linux));
        assert_eq!(steps[0].command.as_deref(), Some("certhelp import --from firefox --to thunderbird --all"));
        assert_eq!(steps[1].command, steps[0].command);
    }

    #[test]
    fn a_move_to_a_mac_exports_a_legacy_file_and_leaves_the_mac_to_the_article() {
        let mut steps = vec![
            step("export", "firefox", Os::Linux, Some("the old computer")),
            step("import", "keychain", Os::Macos, Some("the new computer")),
        ];
        attach(&mut steps, Some(Activity::Move), Some("keychain"), Some(Os::Macos));
        assert_eq!(
            steps[0].command.as_deref(),
            Some("certhelp export --from firefox --all --out my-certificates --compat legacy")
        );
        assert_eq!(steps[1].command, None);
    }

    #[test]
    fn windows_steps_have_no_command() {
        let mut steps = vec![step("export", "chrome", Os::Windows, None)];
        attach(&mut steps, Some(Activity::Backup), None, None);
        assert_eq!(steps[0].command, None);
    }
}
