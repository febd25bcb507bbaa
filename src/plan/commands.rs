//! The certhelp command that carries a step out, where certhelp can do it
//! itself: NSS stores (Firefox, Thunderbird, SeaMonkey profiles, the
//! Chrome/Chromium database) on Linux: the registry's `verb_store`. Walkthroughs show it beside the
//! article's manual steps.
//!
//! Pure: decides from the step and the plan's ends, runs nothing.

use super::{Action, Step};
use crate::apps::{App, Implies};
use crate::env::Os;
use crate::intent::Activity;

/// Importers on a Mac (the keychain) want legacy PKCS#12 files: a target
/// on macOS, or an app that exists on macOS only.
fn wants_legacy(to_app: Option<App>, to_os: Option<Os>) -> bool {
    to_os == Some(Os::Macos) || to_app.and_then(|a| a.implied_os(Implies::Always)) == Some(Os::Macos)
}

/// Set `command` on the steps certhelp can carry out itself.
pub fn attach(steps: &mut [Step], activity: Option<Activity>, to_app: Option<App>, to_os: Option<Os>) {
    let out_dir = if activity == Some(Activity::Backup) { "certificate-backup" } else { "my-certificates" };
    // Both ends here, in NSS stores: one command moves the certificates in
    // memory (no key file, no password), export, chain and import at once.
    let here_store = |action: Action| {
        steps
            .iter()
            .find(|s| s.action == action && s.os == Some(Os::Linux) && s.computer.is_none())
            .and_then(|s| s.app.and_then(App::verb_store))
    };
    if let (Some(from), Some(to)) = (here_store(Action::Export), here_store(Action::Import)) {
        if from != to {
            let cmd = format!("certhelp import --from {from} --to {to} --all");
            for s in steps.iter_mut().filter(|s| matches!(s.action, Action::Export | Action::Import)) {
                s.command = Some(cmd.clone());
            }
            return;
        }
    }
    let mut exported_here = false;
    for s in steps.iter_mut() {
        let here = s.os == Some(Os::Linux);
        let store = s.app.and_then(App::verb_store);
        s.command = match (s.action, store, here) {
            (Action::Export, Some(store), true) => {
                exported_here = true;
                let compat = if wants_legacy(to_app, to_os) { " --compat legacy" } else { "" };
                Some(format!("certhelp export --from {store} --all --out {out_dir}{compat}"))
            }
            (Action::Import, Some(store), true) => {
                let from = if exported_here { format!("{out_dir}/FILE.p12") } else { "FILE.p12".into() };
                Some(format!("certhelp import {from} --to {store}"))
            }
            (Action::Chain, _, _) if activity == Some(Activity::Chain) => {
                let target = to_app.and_then(App::verb_store).filter(|_| to_os.is_none_or(|o| o == Os::Linux));
                target.map(|t| format!("certhelp chain install --to {t} --from-cert MY-CERTIFICATE.pem"))
            }
            _ => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Computer;

    fn step(action: Action, app: App, os: Os, computer: Option<Computer>) -> Step {
        Step {
            article: Some("X".into()),
            title: String::new(),
            action,
            app: Some(app),
            os: Some(os),
            choices: None,
            summary: String::new(),
            legacy: false,
            computer,
            found: Vec::new(),
            command: None,
        }
    }

    #[test]
    fn a_move_here_between_nss_stores_is_one_command() {
        let mut steps = vec![
            step(Action::Export, App::Firefox, Os::Linux, None),
            step(Action::Import, App::Thunderbird, Os::Linux, None),
        ];
        attach(&mut steps, Some(Activity::Move), Some(App::Thunderbird), Some(Os::Linux));
        assert_eq!(steps[0].command.as_deref(), Some("certhelp import --from firefox --to thunderbird --all"));
        assert_eq!(steps[1].command, steps[0].command);
    }

    #[test]
    fn a_move_to_a_mac_exports_a_legacy_file_and_leaves_the_mac_to_the_article() {
        let mut steps = vec![
            step(Action::Export, App::Firefox, Os::Linux, Some(Computer::Old)),
            step(Action::Import, App::Keychain, Os::Macos, Some(Computer::New)),
        ];
        attach(&mut steps, Some(Activity::Move), Some(App::Keychain), Some(Os::Macos));
        assert_eq!(
            steps[0].command.as_deref(),
            Some("certhelp export --from firefox --all --out my-certificates --compat legacy")
        );
        assert_eq!(steps[1].command, None);
    }

    #[test]
    fn windows_steps_have_no_command() {
        let mut steps = vec![step(Action::Export, App::Chrome, Os::Windows, None)];
        attach(&mut steps, Some(Activity::Backup), None, None);
        assert_eq!(steps[0].command, None);
    }
}
