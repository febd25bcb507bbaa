//! `certhelp convert FILE --out FILE` (SPEC §5): re-pack a PKCS#12 file
//! (modern <-> legacy, for a Mac or an old Windows), pack a PEM key and
//! certificate into PKCS#12, or unpack PKCS#12 into PEM. The output format
//! follows `--out`'s extension: `.p12`/`.pfx` PKCS#12, `.pem`/`.crt` PEM.
//!
//! The new file is written 0600 through a temporary file and never over an
//! existing one without `--force`, then read back from disk and checked;
//! a file that fails the check is removed. This module reads secrets only
//! from the options (never argv), and prints nothing: it returns a Report.

use std::path::Path;

use super::{Report, Ui};
use crate::cli::{CompatArg, ConvertArgs};
use crate::error::{Error, Result};
use crate::secret::{read_secret, Secret, SecretFlags, SecretMode};
use crate::store::pkcs12::{self, Compat, FileKind, WriteOptions};
use crate::store::{Bundle, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutFormat {
    Pkcs12,
    Pem,
}

fn out_format(out: &Path) -> Result<OutFormat> {
    let ext = out.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "p12" | "pfx" => Ok(OutFormat::Pkcs12),
        "pem" | "crt" => Ok(OutFormat::Pem),
        _ => Err(Error::new(
            format!("cannot tell the output format from {}", out.display()),
            "name the output .p12 or .pfx for PKCS#12, .pem or .crt for PEM",
        )),
    }
}

pub fn run(args: &ConvertArgs, ui: Ui) -> Result<Report> {
    let format = out_format(&args.out)?;
    if format == OutFormat::Pkcs12 && args.no_key_encryption {
        return Err(Error::new(
            "--no-key-encryption applies to PEM output only",
            "a PKCS#12 file always has a password; leave the option out",
        ));
    }
    let input = args.file.display().to_string();
    let bytes = zeroize::Zeroizing::new(pkcs12::read_bounded(&args.file)?);
    let kind = pkcs12::sniff(&bytes);
    let old_password = input_password(args, &bytes, kind, ui)?;
    let bundle = match kind {
        FileKind::Pkcs12 => {
            if args.key.is_some() {
                return Err(Error::new(
                    "--key is for a PEM certificate whose key is in another file",
                    "leave --key out: the PKCS#12 file holds its key",
                ));
            }
            let pw = old_password.as_ref().ok_or_else(|| {
                Error::new(
                    format!("{input} is protected by a password and none was given"),
                    "give it with --password-file FILE or --password-env VAR",
                )
            })?;
            pkcs12::read(&bytes, pw, &input)?
        }
        k if k.is_pem() || args.key.is_some() => read_pem_input(args, &bytes, kind, old_password.as_ref())?,
        other => {
            let e = StoreError::UnsupportedFormat { file: input, found: other.describe().into() };
            return Err(Error::new(
                e.to_string(),
                "convert takes a PKCS#12 file (.p12/.pfx) or PEM; check that this is the file you exported",
            ));
        }
    };
    if bundle.identities.is_empty() {
        return Err(Error::new(
            format!("{input} holds no private key, only certificates"),
            "export the certificate again with its private key (see SO6063)",
        ));
    }
    let new_password = match new_password(args)? {
        Some(p) => Some(p),
        None if old_password.is_none() && ui.interactive && !args.no_key_encryption => Some(read_secret(
            None,
            None,
            &format!("the password for the new file {}", args.out.display()),
            SecretMode::New,
            true,
            SecretFlags::NEW_PASSWORD,
        )?),
        None => old_password,
    };
    let mut report = Report::default();
    warn_expired(&bundle, &mut report);
    match format {
        OutFormat::Pkcs12 => write_pkcs12(args, &bundle, new_password, &mut report)?,
        OutFormat::Pem => write_pem(args, &bundle, new_password, &mut report)?,
    }
    Ok(report)
}

fn read_pem_input(args: &ConvertArgs, bytes: &[u8], kind: FileKind, pw: Option<&Secret>) -> Result<Bundle> {
    let input = args.file.display().to_string();
    let key = match &args.key {
        Some(k) => Some(zeroize::Zeroizing::new(pkcs12::read_bounded(k)?)),
        None => None,
    };
    let key_name = args.key.as_ref().map(|k| k.display().to_string()).unwrap_or_else(|| input.clone());
    let key_text = String::from_utf8_lossy(key.as_deref().map(|k| &k[..]).unwrap_or(bytes)).into_owned();
    if pw.is_none() && (key_text.contains("ENCRYPTED PRIVATE KEY") || key_text.contains("Proc-Type: 4,ENCRYPTED")) {
        return Err(Error::new(
            format!("the private key in {key_name} is encrypted and no password was given"),
            "give the key's password with --password-file FILE or --password-env VAR",
        ));
    }
    if kind == FileKind::PemKeyOnly && key.is_none() {
        return Err(Error::new(
            format!("{input} holds a private key without its certificate"),
            "give the certificate file first and this key with --key (certhelp convert CERT.pem --key KEY.pem --out FILE.p12)",
        ));
    }
    if kind == FileKind::PemCertOnly && key.is_none() {
        return Err(Error::new(
            format!("{input} is a PEM certificate without its private key"),
            "give the key file with --key KEYFILE (certhelp convert CERT.pem --key KEY.pem --out FILE.p12)",
        ));
    }
    Ok(pkcs12::read_pem_named(bytes, key.as_deref().map(|k| &k[..]), pw, &input, &key_name)?)
}

fn compat(c: CompatArg) -> Compat {
    match c {
        CompatArg::Modern => Compat::Modern,
        CompatArg::Legacy => Compat::Legacy,
    }
}

fn need_password(pw: Option<Secret>) -> Result<Secret> {
    let pw = pw.ok_or_else(|| {
        Error::new(
            "the new file needs a password and none was given",
            "give it with --new-password-file FILE or --new-password-env VAR",
        )
    })?;
    if pw.is_empty() {
        return Err(Error::new(
            "an empty password for a new file is refused",
            "choose a password: importers reject empty ones, and an empty one protects nothing",
        ));
    }
    Ok(pw)
}

fn write_pkcs12(args: &ConvertArgs, bundle: &Bundle, pw: Option<Secret>, report: &mut Report) -> Result<()> {
    let pw = need_password(pw)?;
    let opts = WriteOptions { compat: compat(args.compat), iterations: None };
    let written = pkcs12::write_all(&bundle.identities, &bundle.chain, &pw, &opts)?;
    crate::fsutil::write_checked(&args.out, &written.bytes, args.force, |b| {
        pkcs12::verify_all(b, &pw, &bundle.identities, &bundle.chain, Some(&written))
    })?;
    say_written(args, bundle, "PKCS#12", report);
    report.say(format!("algorithms: {}", opts.describe()));
    if opts.compat == Compat::Legacy {
        report.say(
            "legacy algorithms because older importers (macOS Keychain before OpenSSL 3 files, iOS, Android, \
             Windows Server 2016 and older) refuse modern files with \"MAC verification failed\" or \"invalid password\"; \
             they are weaker, so keep the file private and delete it after the import",
        );
    }
    say_password(args, report);
    report.say("checked: read back from disk, its MAC holds, the key decrypts and matches its certificate");
    Ok(())
}

fn write_pem(args: &ConvertArgs, bundle: &Bundle, pw: Option<Secret>, report: &mut Report) -> Result<()> {
    let [identity] = bundle.identities.as_slice() else {
        return Err(Error::new(
            format!(
                "{} holds {} certificates with keys; a PEM file takes one",
                args.file.display(),
                bundle.identities.len()
            ),
            "convert to .p12 to keep them all in one file",
        ));
    };
    let pw = if args.no_key_encryption { None } else { Some(need_password(pw)?) };
    let bytes = zeroize::Zeroizing::new(pkcs12::write_pem(identity, &bundle.chain, pw.as_ref())?);
    crate::fsutil::write_checked(&args.out, &bytes, args.force, |b| {
        pkcs12::verify_pem(b, pw.as_ref(), identity, &bundle.chain)
    })?;
    say_written(args, bundle, "PEM", report);
    match pw {
        Some(_) => {
            report.say(format!(
                "the private key is encrypted PKCS#8: AES-256-CBC with PBKDF2-HMAC-SHA256, {} iterations",
                pkcs12::PEM_KEY_ITERATIONS
            ));
            say_password(args, report);
        }
        None => report.warn(format!(
            "the private key in {} is NOT encrypted (--no-key-encryption): anyone who can read the file has the key",
            args.out.display()
        )),
    }
    report.say("checked: read back from disk, the key matches its certificate");
    Ok(())
}

fn say_written(args: &ConvertArgs, bundle: &Bundle, what: &str, report: &mut Report) {
    let n = bundle.identities.len();
    let names: Vec<String> = bundle
        .identities
        .iter()
        .map(|i| {
            i.label.clone().unwrap_or_else(|| {
                crate::cert::parse(&i.cert_der).ok().and_then(|c| c.common_name).unwrap_or_else(|| "(no name)".into())
            })
        })
        .collect();
    report.say(format!(
        "wrote {} ({what}, mode 0600): {} certificate{} with {} ({}), {} chain certificate{}",
        args.out.display(),
        n,
        if n == 1 { "" } else { "s" },
        if n == 1 { "its private key" } else { "their private keys" },
        names.join(", "),
        bundle.chain.len(),
        if bundle.chain.len() == 1 { "" } else { "s" },
    ));
}

fn say_password(args: &ConvertArgs, report: &mut Report) {
    if args.new_password_file.is_some() || args.new_password_env.is_some() {
        report.say("password: the new one given");
    } else {
        report.say(format!("password: the same as {}", args.file.display()));
    }
}

fn warn_expired(bundle: &Bundle, report: &mut Report) {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    for id in &bundle.identities {
        if let Ok(c) = crate::cert::parse(&id.cert_der) {
            if c.not_after < now {
                report.warn(format!(
                    "the certificate \"{}\" expired on {}: converted anyway (it may still be needed to read old mail)",
                    c.common_name.unwrap_or(c.subject),
                    crate::cert::rfc3339(c.not_after)
                ));
            }
        }
    }
}

/// The input file's password from --password-file / --password-env.
/// The input's password: asked for a PKCS#12 file and for an encrypted
/// PEM key (file, environment or prompt); otherwise only when given.
fn input_password(args: &ConvertArgs, bytes: &[u8], kind: FileKind, ui: Ui) -> Result<Option<Secret>> {
    let (file, env) = (args.secrets.password_file.as_deref(), args.secrets.password_env.as_deref());
    let key_text = match &args.key {
        Some(k) => String::from_utf8_lossy(&pkcs12::read_bounded(k)?).into_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    };
    let encrypted_key = key_text.contains("ENCRYPTED PRIVATE KEY") || key_text.contains("Proc-Type: 4,ENCRYPTED");
    if kind == FileKind::Pkcs12 || encrypted_key || file.is_some() || env.is_some() {
        let of = args.key.as_deref().filter(|_| encrypted_key).unwrap_or(&args.file);
        let purpose = format!("the password of {}", of.display());
        return Ok(Some(read_secret(
            file,
            env,
            &purpose,
            SecretMode::Existing,
            ui.interactive,
            SecretFlags::PASSWORD,
        )?));
    }
    Ok(None)
}

/// The new file's password from --new-password-file / --new-password-env.
fn new_password(args: &ConvertArgs) -> Result<Option<Secret>> {
    let (file, env) = (args.new_password_file.as_deref(), args.new_password_env.as_deref());
    if file.is_none() && env.is_none() {
        return Ok(None);
    }
    let purpose = format!("the password for the new file {}", args.out.display());
    Ok(Some(read_secret(file, env, &purpose, SecretMode::New, false, SecretFlags::NEW_PASSWORD)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_format_from_extension() {
        assert_eq!(out_format(Path::new("a.P12")).unwrap(), OutFormat::Pkcs12);
        assert_eq!(out_format(Path::new("a.pfx")).unwrap(), OutFormat::Pkcs12);
        assert_eq!(out_format(Path::new("x/a.pem")).unwrap(), OutFormat::Pem);
        assert_eq!(out_format(Path::new("a.crt")).unwrap(), OutFormat::Pem);
        assert!(out_format(Path::new("a.der")).is_err());
        assert!(out_format(Path::new("a")).is_err());
    }
}
