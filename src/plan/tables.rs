//! SPEC §3 as data: which article serves which app on which OS, which apps
//! share a store, which apps imply their OS. A new app or article is a new
//! row here, not a new branch in the planner.
//!
//! Pure data and lookups; no decisions about a question.

use crate::env::Os;

/// One app of the knowledge base and its articles per OS
/// (index 0 Windows, 1 macOS, 2 Linux). `None`: the app does not run there.
pub(super) struct AppRow {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    pub(super) export: [Option<&'static str>; 3],
    pub(super) import: [Option<&'static str>; 3],
    pub(super) associate: [Option<&'static str>; 3],
}

pub(super) const W: usize = 0;
pub(super) const M: usize = 1;
pub(super) const L: usize = 2;

pub(super) const fn per(
    w: Option<&'static str>,
    m: Option<&'static str>,
    l: Option<&'static str>,
) -> [Option<&'static str>; 3] {
    [w, m, l]
}
pub(super) const fn all(a: &'static str) -> [Option<&'static str>; 3] {
    [Some(a), Some(a), Some(a)]
}
pub(super) const NONE: [Option<&str>; 3] = [None, None, None];

/// SPEC §3, plus the apps beyond it (CH articles).
pub(super) const APPS: &[AppRow] = &[
    AppRow {
        id: "chrome",
        name: "Chrome",
        export: per(Some("SO7079"), Some("SO28421"), Some("CH1001")),
        import: per(Some("SO7085"), Some("SO5181"), Some("CH1002")),
        associate: NONE,
    },
    AppRow {
        id: "chromium",
        name: "Chromium",
        export: per(Some("SO7079"), Some("SO28421"), Some("CH1001")),
        import: per(Some("SO7085"), Some("SO5181"), Some("CH1002")),
        associate: NONE,
    },
    AppRow {
        id: "edge",
        name: "Edge",
        export: per(Some("SO7079"), Some("CH1003"), Some("CH1001")),
        import: per(Some("SO7085"), Some("CH1004"), Some("CH1002")),
        associate: NONE,
    },
    AppRow {
        id: "ie",
        name: "Internet Explorer",
        export: per(Some("SO7079"), None, None),
        import: per(Some("SO7085"), None, None),
        associate: NONE,
    },
    AppRow { id: "firefox", name: "Firefox", export: all("SO4291"), import: all("SO5437"), associate: NONE },
    AppRow {
        id: "netscape",
        name: "Netscape/SeaMonkey",
        export: all("SO2139"),
        import: all("SO2800"),
        associate: NONE,
    },
    AppRow {
        id: "keychain",
        name: "Keychain",
        export: per(None, Some("SO28421"), None),
        import: per(None, Some("SO5181"), None),
        associate: NONE,
    },
    AppRow {
        id: "safari",
        name: "Safari",
        export: per(None, Some("SO28421"), None),
        import: per(None, Some("SO5181"), None),
        associate: NONE,
    },
    AppRow {
        id: "outlook",
        name: "Outlook",
        export: per(Some("SO10780"), Some("SO28421"), None),
        import: per(Some("SO7085"), Some("SO5181"), None),
        associate: per(Some("SO10781"), Some("SO6722"), None),
    },
    AppRow {
        id: "outlook-express",
        name: "Outlook Express",
        export: per(Some("SO7079"), None, None),
        import: per(Some("SO7085"), None, None),
        associate: per(Some("SO10781"), None, None),
    },
    AppRow {
        id: "entourage",
        name: "Entourage",
        export: per(None, Some("SO28421"), None),
        import: per(None, Some("SO5181"), None),
        associate: per(None, Some("SO6722"), None),
    },
    AppRow {
        id: "windows-mail",
        name: "Windows Mail",
        export: per(Some("SO7079"), None, None),
        import: per(Some("SO7085"), None, None),
        associate: per(Some("SO10732"), None, None),
    },
    AppRow {
        id: "apple-mail",
        name: "Apple Mail",
        export: per(None, Some("SO28421"), None),
        import: per(None, Some("SO5181"), None),
        associate: per(None, Some("SO28425"), None),
    },
    AppRow {
        id: "thunderbird",
        name: "Thunderbird",
        export: all("SO4291"),
        import: all("SO5437"),
        associate: all("SO4292"),
    },
    AppRow {
        id: "lotus-notes",
        name: "HCL Notes",
        export: all("INFO646"),
        import: all("INFO646"),
        associate: all("INFO646"),
    },
    AppRow {
        id: "evolution",
        name: "Evolution",
        export: per(None, None, Some("CH1005")),
        import: per(None, None, Some("CH1006")),
        associate: per(None, None, Some("CH1007")),
    },
];

/// Chain articles (SPEC §3).
pub(super) const CHAIN_ECA: &str = "SO10186";
pub(super) const CHAIN_DIGITAL_ID: &str = "SO6395";
/// Token or smart card on another computer.
pub(super) const TOKEN: &str = "SO28695";
/// The overview every table comes from.
pub const OVERVIEW: &str = "SO6063";

/// Apps whose OS is implied by their name (SPEC §2 "OS"). `weak`: only when
/// no OS is named at all ("edge with no OS named means Windows").
pub(super) const ONE_OS_APPS: &[(&str, Os, bool)] = &[
    ("ie", Os::Windows, false),
    ("outlook-express", Os::Windows, false),
    ("windows-mail", Os::Windows, false),
    ("edge", Os::Windows, true),
    ("keychain", Os::Macos, false),
    ("safari", Os::Macos, false),
    ("entourage", Os::Macos, false),
    ("apple-mail", Os::Macos, false),
    ("evolution", Os::Linux, false),
];

pub(super) fn os_index(os: Os) -> usize {
    match os {
        Os::Windows => W,
        Os::Macos => M,
        Os::Linux => L,
    }
}

pub(super) fn row(app: &str) -> Option<&'static AppRow> {
    APPS.iter().find(|r| r.id == app)
}

/// The app that stands for an OS's main certificate store (SPEC §2).
pub fn main_store_app(os: Os) -> &'static str {
    match os {
        Os::Windows => "chrome",
        Os::Macos => "keychain",
        Os::Linux => "firefox",
    }
}

/// Whether an app runs on an OS, as far as the knowledge base goes.
pub fn app_runs_on(app: &str, os: Os) -> bool {
    row(app).is_some_and(|r| r.export[os_index(os)].is_some())
}

/// Which certificate store an app uses on an OS. Stores named alike are
/// shared; Mozilla-family profiles are each a store of their own, so they
/// never compare equal, even to themselves.
pub(super) fn shared_store(app: &str, os: Os) -> Option<&'static str> {
    match (os, app) {
        (Os::Windows, "chrome" | "chromium" | "edge" | "ie" | "outlook" | "outlook-express" | "windows-mail") => {
            Some("the Windows certificate store")
        }
        (
            Os::Macos,
            "chrome" | "chromium" | "edge" | "keychain" | "safari" | "outlook" | "entourage" | "apple-mail",
        ) => Some("the macOS keychain"),
        (Os::Linux, "chrome" | "chromium" | "edge" | "evolution") => Some("the shared NSS database (~/.pki/nssdb)"),
        _ => None,
    }
}

/// Every article the tables name: `kb lint` requires them.
pub fn required_articles() -> Vec<&'static str> {
    let mut v: Vec<&'static str> =
        APPS.iter().flat_map(|r| r.export.iter().chain(&r.import).chain(&r.associate)).flatten().copied().collect();
    v.extend([CHAIN_ECA, CHAIN_DIGITAL_ID, TOKEN, OVERVIEW]);
    v.sort();
    v.dedup();
    v
}

pub fn app_name(app: &str) -> &str {
    row(app).map(|r| r.name).unwrap_or(app)
}

pub(super) fn implied_os(app: Option<&str>, weak: bool) -> Option<Os> {
    let app = app?;
    ONE_OS_APPS.iter().find(|(a, _, w)| *a == app && *w == weak).map(|(_, os, _)| *os)
}
