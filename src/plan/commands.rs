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
