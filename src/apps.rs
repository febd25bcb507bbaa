//! The app registry: one row per app the planner knows (SPEC §3 plus the
//! apps beyond it). A row says what the app is called, which certificate
//! store it uses on each OS, which article serves its export, import and
//! associate steps on each OS, the OS it implies when it exists on one OS
//! only, whether it is a mail client, where its stores live on Linux, and the
//! STORE spelling certhelp's verbs take when certhelp can change its store.
//!
//! Intent, plan, pitfalls and commands read apps from here; a new app is a
//! new row, not a new string in several lists. App ids (`App::id`) are the
//! strings of SPEC §3 and §4 and never change.
//!
//! Pure data and lookups: no decisions about a question, no I/O.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::env::Os;

/// An app of the knowledge base. Serialised as its SPEC id (`"outlook-express"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum App {
    Chrome,
    Chromium,
    Edge,
    Ie,
    Firefox,
    Netscape,
    Keychain,
    Safari,
    Outlook,
    /// Outlook on the web (OWA): S/MIME only on Windows, through the S/MIME
    /// extension and control, with the Windows store's certificates.
    OutlookWeb,
    OutlookExpress,
    Entourage,
    WindowsMail,
    AppleMail,
    Thunderbird,
    LotusNotes,
    Evolution,
}

/// Which certificate store an app uses on one OS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// The Windows user certificate store, shared by every app using it.
    Windows,
    /// The macOS keychain, shared by every app using it.
    Keychain,
    /// A Mozilla NSS database per profile: each profile is its own store.
    Nss,
    /// The shared NSS database of Chrome, Chromium, Edge and Evolution on
    /// Linux (`~/.pki/nssdb`).
    SharedNss,
    /// A Lotus/HCL Notes ID file.
    Notes,
}

impl StoreKind {
    /// The store in words when apps share it; `None` for stores of their own
    /// (Mozilla profiles, Notes ID files), which never compare equal.
    pub fn shared_name(self) -> Option<&'static str> {
        match self {
            StoreKind::Windows => Some("the Windows certificate store"),
            StoreKind::Keychain => Some("the macOS keychain"),
            StoreKind::SharedNss => Some("the shared NSS database (~/.pki/nssdb)"),
            StoreKind::Nss | StoreKind::Notes => None,
        }
    }
}

/// How strongly an app's name implies its OS (SPEC §2 "OS").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implies {
    /// Always: Safari is on a Mac.
    Always,
    /// Only when no OS is named at all ("edge with no OS named means Windows").
    WhenNoOsNamed,
}

/// Where an app's stores live on Linux, as the probe knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinuxStores {
    /// Mozilla profiles under the probe's profile roots (`probe::mozilla`).
    Profiles,
    /// A shared NSS database among the probe's candidates (`probe::chromium`).
    NssDb,
    /// Nothing certhelp reads on Linux.
    None,
}

/// Articles per OS, indexed by [`os_index`]. `None`: the app does not run there.
pub type PerOs = [Option<&'static str>; 3];

/// One row of the registry.
#[derive(Debug)]
pub struct AppRow {
    pub app: App,
    pub id: &'static str,
    pub name: &'static str,
    /// The store per OS (Windows, macOS, Linux).
    pub store: [Option<StoreKind>; 3],
    pub export: PerOs,
    pub import: PerOs,
    pub associate: PerOs,
    /// The OS the app's name implies, and how strongly.
    pub implied_os: Option<(Os, Implies)>,
    /// A move or import into it is `mail`, and it has an associate step
    /// (SPEC §2-3).
    pub mail_client: bool,
    /// It sends S/MIME mail with its store's certificates (the doctor's mail
    /// checks): every mail client, and SeaMonkey, whose mail the knowledge
    /// base has no associate article for.
    pub sends_mail: bool,
    pub linux_stores: LinuxStores,
    /// The STORE spelling of certhelp's verbs, when certhelp can change the
    /// app's store (on Linux).
    pub verb_store: Option<&'static str>,
}

const fn per(w: Option<&'static str>, m: Option<&'static str>, l: Option<&'static str>) -> PerOs {
    [w, m, l]
}
const fn all(a: &'static str) -> PerOs {
    [Some(a), Some(a), Some(a)]
}
const NONE: PerOs = [None, None, None];

use StoreKind::{Keychain as K, Notes as N, Nss, SharedNss, Windows as W};

/// SPEC §3, plus the apps beyond it (CH articles). Order matters only for
/// listings (`--from` help).
pub const APPS: &[AppRow] = &[
    AppRow {
        app: App::Chrome,
        id: "chrome",
        name: "Chrome",
        store: [Some(W), Some(K), Some(SharedNss)],
        export: per(Some("SO7079"), Some("SO28421"), Some("CH1001")),
        import: per(Some("SO7085"), Some("SO5181"), Some("CH1002")),
        associate: NONE,
        implied_os: None,
        mail_client: false,
        sends_mail: false,
        linux_stores: LinuxStores::NssDb,
        verb_store: Some("chrome"),
    },
    AppRow {
        app: App::Chromium,
        id: "chromium",
        name: "Chromium",
        store: [Some(W), Some(K), Some(SharedNss)],
        export: per(Some("SO7079"), Some("SO28421"), Some("CH1001")),
        import: per(Some("SO7085"), Some("SO5181"), Some("CH1002")),
        associate: NONE,
        implied_os: None,
        mail_client: false,
        sends_mail: false,
        linux_stores: LinuxStores::NssDb,
        verb_store: Some("chromium"),
    },
    AppRow {
        app: App::Edge,
        id: "edge",
        name: "Edge",
        store: [Some(W), Some(K), Some(SharedNss)],
        export: per(Some("SO7079"), Some("CH1003"), Some("CH1001")),
        import: per(Some("SO7085"), Some("CH1004"), Some("CH1002")),
        associate: NONE,
        implied_os: Some((Os::Windows, Implies::WhenNoOsNamed)),
        mail_client: false,
        sends_mail: false,
        linux_stores: LinuxStores::NssDb,
        verb_store: None,
    },
    AppRow {
        app: App::Ie,
        id: "ie",
        name: "Internet Explorer",
        store: [Some(W), None, None],
        export: per(Some("SO7079"), None, None),
        import: per(Some("SO7085"), None, None),
        associate: NONE,
        implied_os: Some((Os::Windows, Implies::Always)),
        mail_client: false,
        sends_mail: false,
        linux_stores: LinuxStores::None,
        verb_store: None,
    },
    AppRow {
        app: App::Firefox,
        id: "firefox",
        name: "Firefox",
        store: [Some(Nss), Some(Nss), Some(Nss)],
        export: all("SO4291"),
        import: all("SO5437"),
        associate: NONE,
        implied_os: None,
        mail_client: false,
        sends_mail: false,
        linux_stores: LinuxStores::Profiles,
        verb_store: Some("firefox"),
    },
    AppRow {
        app: App::Netscape,
        id: "netscape",
        name: "Netscape/SeaMonkey",
        store: [Some(Nss), Some(Nss), Some(Nss)],
        export: all("SO2139"),
        import: all("SO2800"),
        associate: NONE,
        implied_os: None,
        mail_client: false,
        sends_mail: true,
        linux_stores: LinuxStores::Profiles,
        verb_store: Some("seamonkey"),
    },
    AppRow {
        app: App::Keychain,
        id: "keychain",
        name: "Keychain",
        store: [None, Some(K), None],
        export: per(None, Some("SO28421"), None),
        import: per(None, Some("SO5181"), None),
        associate: NONE,
        implied_os: Some((Os::Macos, Implies::Always)),
        mail_client: false,
        sends_mail: false,
        linux_stores: LinuxStores::None,
        verb_store: None,
    },
    AppRow {
        app: App::Safari,
        id: "safari",
        name: "Safari",
        store: [None, Some(K), None],
        export: per(None, Some("SO28421"), None),
        import: per(None, Some("SO5181"), None),
        associate: NONE,
        implied_os: Some((Os::Macos, Implies::Always)),
        mail_client: false,
        sends_mail: false,
        linux_stores: LinuxStores::None,
        verb_store: None,
    },
    AppRow {
        app: App::Outlook,
        id: "outlook",
        name: "Outlook",
        store: [Some(W), Some(K), None],
        export: per(Some("SO10780"), Some("SO28421"), None),
        import: per(Some("SO7085"), Some("SO5181"), None),
        associate: per(Some("SO10781"), Some("SO6722"), None),
        implied_os: None,
        mail_client: true,
        sends_mail: true,
        linux_stores: LinuxStores::None,
        verb_store: None,
    },
    AppRow {
        app: App::OutlookWeb,
        id: "outlook-web",
        name: "Outlook on the web",
        store: [Some(W), None, None],
        export: per(Some("SO7079"), None, None),
        import: per(Some("SO7085"), None, None),
        associate: per(Some("CH1014"), None, None),
        implied_os: Some((Os::Windows, Implies::WhenNoOsNamed)),
        mail_client: true,
        sends_mail: true,
        linux_stores: LinuxStores::None,
        verb_store: None,
    },
    AppRow {
        app: App::OutlookExpress,
        id: "outlook-express",
        name: "Outlook Express",
        store: [Some(W), None, None],
        export: per(Some("SO7079"), None, None),
        import: per(Some("SO7085"), None, None),
        associate: per(Some("SO10781"), None, None),
        implied_os: Some((Os::Windows, Implies::Always)),
        mail_client: true,
        sends_mail: true,
        linux_stores: LinuxStores::None,
        verb_store: None,
    },
    AppRow {
        app: App::Entourage,
        id: "entourage",
        name: "Entourage",
        store: [None, Some(K), None],
        export: per(None, Some("SO28421"), None),
        import: per(None, Some("SO5181"), None),
        associate: per(None, Some("SO6722"), None),
        implied_os: Some((Os::Macos, Implies::Always)),
        mail_client: true,
        sends_mail: true,
        linux_stores: LinuxStores::None,
        verb_store: None,
    },
    AppRow {
        app: App::WindowsMail,
        id: "windows-mail",
        name: "Windows Mail",
        store: [Some(W), None, None],
        export: per(Some("SO7079"), None, None),
        import: per(Some("SO7085"), None, None),
        associate: per(Some("SO10732"), None, None),
        implied_os: Some((Os::Windows, Implies::Always)),
        mail_client: true,
        sends_mail: true,
        linux_stores: LinuxStores::None,
        verb_store: None,
    },
    AppRow {
        app: App::AppleMail,
        id: "apple-mail",
        name: "Apple Mail",
        store: [None, Some(K), None],
        export: per(None, Some("SO28421"), None),
        import: per(None, Some("SO5181"), None),
        associate: per(None, Some("SO28425"), None),
        implied_os: Some((Os::Macos, Implies::Always)),
        mail_client: true,
        sends_mail: true,
        linux_stores: LinuxStores::None,
        verb_store: None,
    },
    AppRow {
        app: App::Thunderbird,
        id: "thunderbird",
        name: "Thunderbird",
        store: [Some(Nss), Some(Nss), Some(Nss)],
        export: all("SO4291"),
        import: all("SO5437"),
        associate: all("SO4292"),
        implied_os: None,
        mail_client: true,
        sends_mail: true,
        linux_stores: LinuxStores::Profiles,
        verb_store: Some("thunderbird"),
    },
    AppRow {
        app: App::LotusNotes,
        id: "lotus-notes",
        name: "HCL Notes",
        store: [Some(N), Some(N), Some(N)],
        export: all("INFO646"),
        import: all("INFO646"),
        associate: all("INFO646"),
        implied_os: None,
        mail_client: true,
        sends_mail: true,
        linux_stores: LinuxStores::None,
        verb_store: None,
    },
    AppRow {
        app: App::Evolution,
        id: "evolution",
        name: "Evolution",
        store: [None, None, Some(SharedNss)],
        export: per(None, None, Some("CH1005")),
        import: per(None, None, Some("CH1006")),
        associate: per(None, None, Some("CH1007")),
        implied_os: Some((Os::Linux, Implies::Always)),
        mail_client: true,
        sends_mail: true,
        linux_stores: LinuxStores::NssDb,
        verb_store: None,
    },
];

/// Index of an OS in a row's per-OS arrays.
pub fn os_index(os: Os) -> usize {
    match os {
        Os::Windows => 0,
        Os::Macos => 1,
        Os::Linux => 2,
    }
}

impl App {
    /// Every app, in registry order.
    pub fn all() -> impl Iterator<Item = App> {
        APPS.iter().map(|r| r.app)
    }

    /// The app with a SPEC id (`"windows-mail"`), exactly as spelled there.
    pub fn from_id(id: &str) -> Option<App> {
        APPS.iter().find(|r| r.id == id).map(|r| r.app)
    }

    /// The app's registry row.
    pub fn row(self) -> &'static AppRow {
        // Every variant has exactly one row (checked by a test).
        APPS.iter().find(|r| r.app == self).expect("every app has a registry row")
    }

    /// The SPEC id (`"outlook-express"`).
    pub fn id(self) -> &'static str {
        self.row().id
    }

    /// The name shown to people (`"Outlook Express"`).
    pub fn name(self) -> &'static str {
        self.row().name
    }

    pub fn is_mail_client(self) -> bool {
        self.row().mail_client
    }

    pub fn sends_mail(self) -> bool {
        self.row().sends_mail
    }

    /// The store the app uses on an OS; `None`: it does not run there.
    pub fn store(self, os: Os) -> Option<StoreKind> {
        self.row().store[os_index(os)]
    }

    /// Whether the app runs on an OS, as far as the knowledge base goes.
    pub fn runs_on(self, os: Os) -> bool {
        self.row().export[os_index(os)].is_some()
    }

    /// The OS the app's name implies with this strength.
    pub fn implied_os(self, strength: Implies) -> Option<Os> {
        self.row().implied_os.filter(|(_, s)| *s == strength).map(|(os, _)| os)
    }

    /// The STORE spelling certhelp's verbs take for this app's store.
    pub fn verb_store(self) -> Option<&'static str> {
        self.row().verb_store
    }

    /// The shared store an app uses on an OS, in words. Mozilla-family
    /// profiles are each a store of their own, so they never share.
    pub fn shared_store(self, os: Os) -> Option<&'static str> {
        self.store(os).and_then(StoreKind::shared_name)
    }

    /// Where this app's stores live on Linux, relative to `$HOME`, as the
    /// probe looks for them: profile roots or NSS database candidates.
    pub fn linux_store_dirs(self) -> Vec<&'static str> {
        let id = self.id();
        match self.row().linux_stores {
            LinuxStores::Profiles => {
                crate::probe::mozilla::LINUX_ROOTS.iter().filter(|r| r.app == id).map(|r| r.dir).collect()
            }
            LinuxStores::NssDb => {
                let mut v: Vec<&'static str> = crate::probe::chromium::LINUX_APPS
                    .iter()
                    .filter(|a| a.app == id)
                    .flat_map(|a| a.nssdb.iter().copied())
                    .collect();
                v.dedup();
                v
            }
            LinuxStores::None => Vec::new(),
        }
    }
}

impl fmt::Display for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for App {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// The app that stands for an OS's main certificate store (SPEC §2).
pub fn main_store_app(os: Os) -> App {
    match os {
        Os::Windows => App::Chrome,
        Os::Macos => App::Keychain,
        Os::Linux => App::Firefox,
    }
}

/// The SPEC ids of every app, in registry order.
pub fn ids() -> Vec<&'static str> {
    APPS.iter().map(|r| r.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_app_has_one_row_and_ids_round_trip() {
        for r in APPS {
            assert_eq!(APPS.iter().filter(|o| o.app == r.app).count(), 1, "{}", r.id);
            assert_eq!(App::from_id(r.id), Some(r.app));
            assert_eq!(serde_json::to_string(&r.app).unwrap(), format!("\"{}\"", r.id));
        }
    }

    #[test]
    fn an_app_has_a_store_exactly_where_it_runs() {
        for app in App::all() {
            for os in [Os::Windows, Os::Macos, Os::Linux] {
                assert_eq!(app.store(os).is_some(), app.runs_on(os), "{app} on {os:?}");
            }
        }
    }

    #[test]
    fn an_app_that_implies_an_os_always_runs_there() {
        for app in App::all() {
            if let Some((os, _)) = app.row().implied_os {
                assert!(app.runs_on(os), "{app}");
            }
        }
    }

    #[test]
    fn every_mail_client_sends_mail() {
        for app in App::all().filter(|a| a.is_mail_client()) {
            assert!(app.sends_mail(), "{app}");
        }
        assert!(App::Netscape.sends_mail() && !App::Netscape.is_mail_client());
    }

    #[test]
    fn linux_stores_come_from_the_probe_tables() {
        assert!(App::Firefox.linux_store_dirs().contains(&".mozilla/firefox"));
        assert!(App::Thunderbird.linux_store_dirs().contains(&".thunderbird"));
        assert_eq!(App::Chrome.linux_store_dirs(), vec![".pki/nssdb", ".local/share/pki/nssdb"]);
        assert!(App::Outlook.linux_store_dirs().is_empty());
        for r in APPS.iter().filter(|r| r.verb_store.is_some()) {
            assert!(!r.app.linux_store_dirs().is_empty(), "{}", r.id);
        }
    }
}
