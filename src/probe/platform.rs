//! Apps and stores found the platform's way on macOS and Windows: the
//! keychain and the Windows user store, and the apps the knowledge base
//! knows there (tables compiled everywhere; presence checks are plain
//! `exists` calls on the platform's usual install paths).
//!
//! Thin on purpose: nothing here opens a store (that is `store::keychain`
//! and `store::windows`). On Linux [`collect`] is never called.

use crate::env::{App, Env, Os, Store, StoreKind};
use std::path::Path;

/// (app id, name, install paths; `~` = the home directory).
pub const MACOS_APPS: &[(&str, &str, &[&str])] = &[
    ("safari", "Safari", &["/Applications/Safari.app"]),
    ("chrome", "Google Chrome", &["/Applications/Google Chrome.app"]),
    ("edge", "Microsoft Edge", &["/Applications/Microsoft Edge.app"]),
    ("outlook", "Microsoft Outlook", &["/Applications/Microsoft Outlook.app"]),
    ("apple-mail", "Apple Mail", &["/System/Applications/Mail.app", "/Applications/Mail.app"]),
];

pub const WINDOWS_APPS: &[(&str, &str, &[&str])] = &[
    (
        "chrome",
        "Google Chrome",
        &[
            "C:/Program Files/Google/Chrome/Application/chrome.exe",
            "~/AppData/Local/Google/Chrome/Application/chrome.exe",
        ],
    ),
    ("edge", "Microsoft Edge", &["C:/Program Files (x86)/Microsoft/Edge/Application/msedge.exe"]),
    (
        "outlook",
        "Microsoft Outlook",
        &[
            "C:/Program Files/Microsoft Office/root/Office16/OUTLOOK.EXE",
            "C:/Program Files (x86)/Microsoft Office/root/Office16/OUTLOOK.EXE",
        ],
    ),
];

/// Add the OS store and the apps that use it.
pub fn collect(home: &Path, env: &mut Env) {
    let (os_store, kind, table) = match env.os.id {
        Os::Macos => (crate::store::keychain::STORE_ID, StoreKind::Keychain, MACOS_APPS),
        Os::Windows => (crate::store::windows::STORE_ID, StoreKind::Windows, WINDOWS_APPS),
        Os::Linux => return,
    };
    env.stores.push(Store {
        id: os_store.into(),
        kind,
        readable: false,
        error: Some("listing this store is not implemented yet".into()),
        ..Default::default()
    });
    for (id, name, paths) in table {
        let found = paths.iter().any(|p| match p.strip_prefix("~/") {
            Some(rest) => home.join(rest).exists(),
            None => Path::new(p).exists(),
        });
        if found {
            env.apps.push(App {
                id: (*id).into(),
                name: (*name).into(),
                stores: vec![os_store.into()],
                ..Default::default()
            });
        }
    }
}
