//! The exact commands a user runs on a computer certhelp cannot reach from
//! here: the Windows certificate store (PowerShell, certutil) and the macOS
//! keychain (`security`). Plain functions, tested on Linux; `run` prints
//! them in the walkthrough for the other computer.
//!
//! Secrets stay out of the arguments wherever the platform allows: the
//! commands ask for the password themselves (PowerShell's `Read-Host
//! -AsSecureString`, `certutil` and `security` without `-p`/`-P`), since a
//! password in a command line shows in `ps` and the shell's history.

/// Import a PKCS#12 file into the current user's Windows store, with
/// PowerShell. `exportable`: the key may be exported again later (to back it
/// up or move it once more); without it Windows keeps it locked to this PC.
pub fn windows_import(file: &str, exportable: bool) -> String {
    let flag = if exportable { " -Exportable" } else { "" };
    format!(
        "Import-PfxCertificate -FilePath \"{file}\" -CertStoreLocation Cert:\\CurrentUser\\My{flag} -Password (Read-Host -AsSecureString -Prompt \"Password of {file}\")"
    )
}

/// The same with certutil: `-user` is what puts it in the current user's
/// store (without it, the computer's store, which browsers and Outlook do
/// not use: TS2008); certutil asks for the password.
pub fn windows_certutil_import(file: &str) -> String {
    format!("certutil -user -importPFX \"{file}\"")
}

/// Export a certificate with its key from the current user's store.
/// `legacy`: 3DES/SHA-1 for older importers; otherwise AES-256/SHA-256.
pub fn windows_export(thumbprint: &str, file: &str, legacy: bool) -> String {
    let algo = if legacy { "TripleDES_SHA1" } else { "AES256_SHA256" };
    format!(
        "Export-PfxCertificate -Cert Cert:\\CurrentUser\\My\\{thumbprint} -FilePath \"{file}\" -ChainOption BuildChain -CryptoAlgorithmOption {algo} -Password (Read-Host -AsSecureString -Prompt \"New password for {file}\")"
    )
}

/// Import a PKCS#12 file into the login keychain; `security` asks for the
/// file's password (never `-P`, which puts it on the command line).
pub fn macos_import(file: &str) -> String {
    format!("security import \"{file}\" -k ~/Library/Keychains/login.keychain-db -f pkcs12")
}

/// Export the login keychain's identities (certificates with their keys)
/// to a PKCS#12 file; `security` asks for the new file's password (never
/// `-P`). Keychain Access asks for each key's permission.
pub fn macos_export(file: &str) -> String {
    format!("security export -k ~/Library/Keychains/login.keychain-db -t identities -f pkcs12 -o \"{file}\"")
}

/// Import on a Linux computer with certhelp itself.
pub fn linux_import(file: &str, store: &str) -> String {
    format!("certhelp import \"{file}\" --to {store}")
}

/// Why the Windows import keeps the key exportable (the knowledge base's
/// advice, TS2006: a key imported without it can never be backed up again).
pub const EXPORTABLE_NOTE: &str = "-Exportable lets you back the key up or move it again later (a key imported without it can never leave this PC: TS2006); leave it out only if your organisation wants the key kept on this PC.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_command_carries_a_password() {
        for c in [
            windows_import("id.p12", true),
            windows_certutil_import("id.p12"),
            windows_export("ABCD", "id.pfx", false),
            macos_import("id.p12"),
            macos_export("id.p12"),
            linux_import("id.p12", "firefox"),
        ] {
            assert!(!c.contains(" -p ") && !c.contains(" -P ") && !c.contains("-Password \""), "{c}");
        }
        assert!(windows_import("a.p12", true).contains("-Exportable"));
        assert!(!windows_import("a.p12", false).contains("-Exportable"));
        assert!(windows_import("a.p12", true).contains("Cert:\\CurrentUser\\My"));
        assert!(windows_certutil_import("a.p12").contains("-user"));
        assert!(windows_export("AB", "a.pfx", true).contains("TripleDES_SHA1"));
    }
}
