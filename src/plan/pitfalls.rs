//! Notes for what really goes wrong on a plan's path (shared
//! NOTES-pitfalls.md), as a table of (export end, import end, note).
//!
//! Pure: looks at the steps only.

use super::*;
use crate::apps::StoreKind;

/// What really goes wrong on a given path (shared/NOTES-pitfalls.md), as
/// data: when the steps hold an export and/or import matching the row, the
/// note is added once.
pub(super) struct Pitfall {
    /// Export step's (app, OS) must match, `None`: any or none.
    pub(super) export: Option<fn(App, Os) -> bool>,
    /// Import step's (app, OS) must match.
    pub(super) import: Option<fn(App, Os) -> bool>,
    pub(super) note: &'static str,
}

/// A Mozilla-family profile (Firefox, Thunderbird, SeaMonkey).
pub(super) fn nss_app(app: App, os: Os) -> bool {
    app.store(os) == Some(StoreKind::Nss)
}
pub(super) fn windows_store(app: App, os: Os) -> bool {
    app.store(os) == Some(StoreKind::Windows)
}
pub(super) fn keychain(app: App, os: Os) -> bool {
    app.store(os) == Some(StoreKind::Keychain)
}
pub(super) fn notes(app: App, os: Os) -> bool {
    app.store(os) == Some(StoreKind::Notes)
}
pub(super) fn anything(_app: App, _os: Os) -> bool {
    true
}

pub(super) const PITFALLS: &[Pitfall] = &[
    Pitfall {
        export: Some(anything),
        import: Some(keychain),
        note: "The macOS keychain rejects PKCS#12 files made with modern algorithms (\"MAC verification failed\" or a wrong-password message although the password is right): export with 3DES/SHA-1 (Windows: TripleDES-SHA1) or re-pack the file (CH1011, TS2001).",
    },
    Pitfall {
        export: Some(nss_app),
        import: Some(windows_store),
        note: "Windows may ask for the password again and again for a file exported by Firefox or Thunderbird (very high iteration count): re-pack it if that happens (TS2005).",
    },
    Pitfall {
        export: None,
        import: Some(windows_store),
        note: "Import into your own user's Personal store (the wizard's Current User), not the computer's store, or Chrome, Edge and Outlook will not see it (TS2008).",
    },
    Pitfall {
        export: Some(windows_store),
        import: None,
        note: "If \"Yes, export the private key\" is greyed out, the key was imported as non-exportable or lives on a smart card (TS2006).",
    },
    Pitfall {
        export: None,
        import: Some(notes),
        note: "HCL Notes needs the .p12 with the private key and the whole chain (TS2015).",
    },
];

pub(super) fn pitfall_notes(r: &mut Resolved, steps: &[Step]) {
    let end = |action: Action| -> Option<(App, Os)> {
        steps.iter().find(|s| s.action == action).and_then(|s| Some((s.app?, s.os?)))
    };
    let (export, import) = (end(Action::Export), end(Action::Import));
    for p in PITFALLS {
        let matches = |want: Option<fn(App, Os) -> bool>, got: &Option<(App, Os)>| match want {
            None => true,
            Some(f) => got.is_some_and(|(a, os)| f(a, os)),
        };
        // A row needs at least one of its ends to be present in the plan.
        let present = (p.export.is_none() || export.is_some()) && (p.import.is_none() || import.is_some());
        if present && matches(p.export, &export) && matches(p.import, &import) {
            r.notes.push(p.note.to_string());
        }
    }
    // Old encryption keys are still needed to read old mail (TS2014).
    let moves_keys = export.is_some() && r.cert_type != Some(CertType::Identity);
    if moves_keys {
        r.notes.push(
            "Take every encryption certificate along, the expired ones too: without their keys you cannot read mail encrypted to them (TS2014).".into(),
        );
    }
}
