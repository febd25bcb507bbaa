#!/usr/bin/env python3
"""Generates kb/codes/codes.tsv, certhelp's table of error codes.

Every code of each family is a row: NSS SEC_ERROR_*/SSL_ERROR_* (and
NSPR's PR_* errors, shown by Firefox the same way), Chromium
net errors (ERR_*), PKCS#11 CKR_*, Windows HRESULTs (0x8007..., 0x8009...,
0x800B..., 0x8010...) with their names, macOS errSec* and CSSMERR_*, OpenSSL reason codes,
and the messages of programs that print no codes: Java's keytool and
KeyStore (`java`), the openssl command (`openssl-app`), Evolution
(`evolution`) and IIS (`iis`), and the NSS command-line tools' own messages
beside NSS's codes (`nss-tool`: pk12util, certutil, modutil), listed below with their sources. Each row names the article
that helps, by the per-family rules below (first match wins) with per-code
overrides.

The sources are read from SRC (default: ./codes-src), laid out as
sources/README.md says; OpenSSL's come from the system's headers and
`openssl errstr`. Numbers are written once, in the form the family's
documentation uses (hex for HRESULTs, CKR_* and OpenSSL codes, negative
decimal for the others); certhelp derives the other forms people paste.
CI never runs this script: the generated table is committed.

Run:  python3 kb/codes/generate.py SRC > kb/codes/codes.tsv
"""

import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# The chain activity: the planner picks SO10186 (ECA) or SO6395 (Digital
# ID) by product, or asks.
CHAIN = "chain"

# Per-family rules: (regex on the code's name, article), first match wins;
# the last rule of each family is its default.
RULES = {
    "nss": [
        (r"EXPIRED_ISSUER", "TS2017"),
        (r"UNKNOWN_ISSUER|UNTRUSTED_ISSUER|UNTRUSTED_CERT|CA_CERT_INVALID|PATH_LEN|UNKNOWN_CA|"
         r"CERT_NOT_IN_NAME_SPACE|ISSUER", CHAIN),
        # Revocation information that cannot be had or checked (an OCSP
        # responder that fails, a CRL missing, stale or bad): TS2025; a
        # certificate found revoked stays TS2023.
        # (Importing or signing a CRL is an administrator's task, not a
        # failed check.)
        (r"^SEC_ERROR_(OCSP_|CRL_(?!ALREADY_EXISTS|IMPORT_FAILED)|OLD_CRL|BAD_CRL_DP_URL)", "TS2025"),
        (r"REVOKED|EXPIRED|OCSP|CRL|NOT_YET_VALID|INVALID_TIME", "TS2023"),
        (r"LOCKED", "TS2022"),
        (r"BAD_PASSWORD|PKCS12_INVALID_MAC|PKCS12_DECODING|PKCS12_CORRUPT|BAD_DER|BAD_DATA", "TS2004"),
        # The backup (export) of a profile fails: the backup article lists
        # why (key on a token, no key, read-only profile).
        (r"^SEC_ERROR_PKCS12_UNABLE_TO_(EXPORT_KEY|LOCATE_OBJECT_BY_NAME|WRITE)$", "SO4291"),
        # Already imported: nothing to do, the import article says so.
        (r"^SEC_ERROR_PKCS12_DUPLICATE_DATA$", "SO5437"),
        (r"NO_RECIPIENT_CERTS", "TS2024"),
        (r"DECRYPTION_DISALLOWED", "TS2014"),
        (r"NO_EMAIL_CERT", "TS2012"),
        (r"NO_KEY|USER_CERT|KEY_NOT_FOUND|NOT_OWNED", "TS2019"),
        (r"INADEQUATE_KEY_USAGE|INADEQUATE_CERT_TYPE|CERT_USAGES_INVALID|SMIME|PKCS7|CMS", "TS2012"),
        (r"TOKEN|PKCS11|MODULE|_MOD_|INVALID_DLL|SLOT|READ_ONLY", "TS2016"),
        (r"^SSL_ERROR_(UNKNOWN_CA|BAD_CERT_ALERT|UNKNOWN_CERTIFICATE)", CHAIN),
        # The server's alerts about the client certificate it received:
        # revoked or expired is the certificate's (TS2023); "some
        # unspecified issue" (CERTIFICATE_UNKNOWN) is the site's side of
        # client authentication (TS2020, the default below).
        (r"^SSL_ERROR_(REVOKED_CERT|EXPIRED_CERT)", "TS2023"),
        (r"^SSL_ERROR_", "TS2020"),
        (r"^PR_(FILE|NO_ACCESS|DIRECTORY|READ_ONLY|NO_DEVICE_SPACE)", "TS2010"),
        (r"^PR_", "TS2020"),
        (r"PKCS12", "TS2003"),
        (r".", "TS2003"),
    ],
    "chromium": [
        (r"^ERR_CERT_DATE_INVALID$", "TS2017"),
        (r"^ERR_CERT_REVOKED$", "TS2023"),
        (r"^ERR_CERT_(UNABLE_TO_CHECK_REVOCATION|NO_REVOCATION_MECHANISM)$", "TS2025"),
        (r"^ERR_CERT_|^ERR_QUIC_CERT_ROOT_NOT_KNOWN$|^ERR_IMPORT_CA_CERT", CHAIN),
        # Chrome's own import (Linux): a file that is not PKCS#12 is
        # converted; a wrong password is Chrome's import article's.
        (r"PKCS12_IMPORT_INVALID_FILE", "CH1010"),
        (r"PKCS12|IMPORT|ADD_USER_CERT", "CH1002"),
        (r"NO_PRIVATE_KEY_FOR_CERT", "TS2019"),
        (r"CLIENT_AUTH_CERT_NO_PRIVATE_KEY", "TS2007"),
        (r".", "TS2020"),
    ],
    "pkcs11": [
        (r"PIN_LOCKED|PIN_INCORRECT|PIN_EXPIRED|PIN_INVALID|PIN_LEN_RANGE|USER_PIN_NOT_INITIALIZED", "TS2022"),
        (r"UNEXTRACTABLE|ATTRIBUTE_SENSITIVE", "TS2006"),
        (r"TOKEN_WRITE_PROTECTED|DEVICE_MEMORY", "CH1015"),
        (r".", "TS2016"),
    ],
    "windows": [
        (r"^(CERT_E_UNTRUSTEDROOT|CERT_E_CHAINING|CERT_E_UNTRUSTEDCA|CERT_E_UNTRUSTEDTESTROOT|"
         r"TRUST_E_|CERT_E_ISSUERCHAINING|CERT_E_PATHLENCONST|CERT_E_ROLE)", CHAIN),
        # The revocation check could not be done (server offline, no CRL).
        (r"^(CRYPT_E_REVOCATION_OFFLINE|CRYPT_E_NO_REVOCATION_CHECK|CRYPT_E_NO_REVOCATION_DLL|"
         r"CERT_E_REVOCATION_FAILURE)$", "TS2025"),
        (r"^(CERT_E_EXPIRED|CERT_E_REVOKED|CRYPT_E_REVOKED|CERT_E_VALIDITYPERIODNESTING)", "TS2023"),
        (r"^SCARD_W_(CHV_BLOCKED|WRONG_CHV|CARD_NOT_AUTHENTICATED)", "TS2022"),
        (r"^SCARD_", "TS2016"),
        (r"^(ERROR_INVALID_PASSWORD|ERROR_WRONG_PASSWORD)$", "TS2005"),
        # "Keyset does not exist", "Cannot find object or property": the
        # certificate is not linked to its key (certutil -repairstore). On
        # import the same codes are the provider's (scan's context rule).
        (r"^(ERROR_NOT_FOUND|CRYPT_E_NO_KEY_PROPERTY|NTE_NO_KEY|NTE_BAD_KEYSET|CRYPT_E_NOT_FOUND)$", "TS2007"),
        # "Key not valid for use in specified state": a non-exportable key.
        (r"^NTE_BAD_KEY_STATE$", "TS2006"),
        (r"^(CRYPT_E_RECIPIENT_NOT_FOUND|CRYPT_E_NO_DECRYPT_CERT)$", "TS2014"),
        (r"^(CERT_E_WRONG_USAGE|CRYPT_E_NO_SIGNER)$", "TS2013"),
        (r"^NTE_|^CRYPT_E_|^ERROR_", "TS2021"),
        (r".", "TS2021"),
    ],
    "macos": [
        # Revocation information that cannot be had or checked.
        (r"^errSec(OCSP|CRL)(?!.*(Revoked|AlreadySigned))|^errSecIncompleteCertRevocationCheck$", "TS2025"),
        (r"^errSec(NotTrusted|PolicyDenied|NoTrustSettings|CreateChainFailed|InvalidAnchorCert|VerifyActionFailed|"
         r"InvalidRoot|UnknownCertAuthority|MissingRequiredExtension)$", CHAIN),
        (r"^errSec(CertificateExpired|CertificateRevoked|CertificateNotValidYet|CertificateSuspended)$", "TS2023"),
        (r"^errSec(Pkcs12VerifyFailure|AuthFailed|Passphrase|InvalidPasswordRef)", "TS2001"),
        # The keychain cannot tell what the file is: not a PKCS#12, convert.
        (r"^errSec(UnknownFormat|UnsupportedFormat)$", "CH1010"),
        (r"^errSec(Decode|InvalidEncoding|InvalidData)", "CH1011"),
        (r"^errSec(PVC|Ocsp|Crl|Revoc)", "TS2023"),
        # The CSSM codes (cssmerr.h, cssmapple.h) that macOS tools still
        # print by name or number (security find-identity, codesign): by
        # meaning, like their errSec counterparts above. The certificate's
        # own chain: a missing or untrusted root or intermediate.
        (r"^CSSMERR_(TP_(NOT_TRUSTED|INVALID_ANCHOR_CERT|CERTGROUP_INCOMPLETE|INVALID_CERT_AUTHORITY|"
         r"INVALID_AUTHORITY|NO_DEFAULT_AUTHORITY|VERIFY_ACTION_FAILED)|"
         r"APPLETP_(INVALID_ROOT|INVALID_CA|INVALID_AUTHORITY_ID|INVALID_ID_LINKAGE|PATH_LEN_CONSTRAINT|"
         r"NO_BASIC_CONSTRAINTS|CERT_NOT_FOUND_FROM_ISSUER|BAD_CERT_FROM_ISSUER|TRUST_SETTING_DENY|"
         r"MISSING_REQUIRED_EXTENSION))$", CHAIN),
        (r"^CSSMERR_APPLETP_(INCOMPLETE_REVOCATION_CHECK|(OCSP|CRL)_(?!.*REVOKED))", "TS2025"),
        # The certificate itself expired, not yet valid, revoked (a CRL's
        # or OCSP response's own problems stay with the default, as their
        # errSec counterparts do).
        (r"^CSSMERR_TP_CERT_(EXPIRED|NOT_VALID_YET|REVOKED|SUSPENDED)$", "TS2023"),
        # A wrong passphrase or a denied keychain authentication.
        (r"^CSSMERR_(CSP|DL)_(OPERATION_AUTH_DENIED|OBJECT_USE_AUTH_DENIED|OBJECT_MANIP_AUTH_DENIED|"
         r"INVALID_ACCESS_CREDENTIALS)$|^CSSMERR_TP_AUTHENTICATION_FAILED$|^CSSMERR_CSP_(INVALID|MISSING)_ATTR_PASSPHRASE$",
         "TS2001"),
        (r".", "SO5181"),
    ],
    "openssl": [
        (r"^(EVP|PROV|CRYPTO)_R_UNSUPPORTED|^EVP_R_UNSUPPORTED|_R_UNABLE_TO_LOAD_PROVIDER|FETCH_FAILED|"
         r"^(EVP|PKCS12|CRYPTO)/ERR_R_UNSUPPORTED", "TS2002"),
        (r"^X509_R_(CERT_ALREADY_IN_HASH_TABLE)", "CH1010"),
        (r"^SSL_R_(TLSV1_ALERT_UNKNOWN_CA|CERTIFICATE_VERIFY_FAILED|SSLV3_ALERT_BAD_CERTIFICATE)$", CHAIN),
        (r"^SSL_R_.*(REVOKED|EXPIRED)", "TS2023"),
        (r"^SSL_R_", "TS2020"),
        (r"^X509_R_|^X509V3_R_", CHAIN),
        (r".", "CH1010"),
    ],
    # Message families (java, openssl-app, evolution, iis, nss-tool): the rule's regex is
    # matched against the message itself.
    "java": [
        # A keystore of another type than keytool was told, or a key
        # entry whose password differs from the store's: the keystore
        # article (CH1017).
        (r"Invalid keystore format|Cannot recover key|Get Key failed", "CH1017"),
        (r"lengthTag|X\.509 certificate|Failed to parse input|Reply has no certificates", "CH1010"),
        # Java cannot parse the file's (OpenSSL 3, AES/PBES2) algorithms.
        (r"parseAlgParameters|Error extracting keyentry aliases|HmacPBESHA256", "CH1011"),
        # A certificate reply whose key pair was made elsewhere (another
        # keystore, browser or computer) than this keystore.
        (r"reply and keystore don't match|reply does not contain public key", "TS2019"),
        # The CA's chain behind a certificate reply is missing or untrusted.
        (r"chain|reply anyway", CHAIN),
        (r".", "TS2001"),
    ],
    "openssl-app": [
        # OpenSSL 3 without its legacy provider cannot read RC2-40.
        (r"Error outputting keys and certificates|RC2-40", "TS2002"),
        (r"getting chain", CHAIN),
        # A key or certificate that does not load or match, a wrong
        # password: the command-line conversion article (CH1010) says why.
        (r".", "CH1010"),
    ],
    # The user's own certificate revoked or expired: renew (TS2023); any
    # other refusal is the site's side of client authentication (TS2020).
    "iis": [
        (r"403\.13|403\.17|revoked|expired", "TS2023"),
        (r".", "TS2020"),
    ],
    # The NSS command-line tools' own messages (pk12util, certutil -d,
    # modutil), by what the tool was doing when it failed.
    "nss-tool": [
        # pk12util -o: the nickname finds no certificate with a key, or the
        # file cannot be built (a key that may not leave, e.g. on a token).
        (r"nickname failed|no user certs|password integrity|safe creation|add cert and key|"
         r"PKCS12 encode failed|export context", "CH1001"),
        # The NSS database's own password (pk12util -k, certutil -f): the
        # export article is the one that says so; a file password is
        # "decode not verified" below.
        (r"authenticate to|Incorrect password/PIN", "CH1001"),
        # Not a PKCS#12 file (pk12util -i) or not a certificate (certutil
        # -A -i): convert it.
        (r"PKCS12 decoding failed|could not decode certificate", "CH1010"),
        # The rest of pk12util -i: the file's password, its bags.
        (r"PKCS12|nickname for cert", "CH1002"),
        # certutil -A / -M: adding intermediate and root certificates with
        # their trust is installing the chain.
        (r"add certificate to token|change trust|modify trust", CHAIN),
        # modutil: the module does not load, or is registered a second
        # time beside p11-kit's.
        (r"Failed to add module|p11-kit", "TS2016"),
        # modutil: a module that is not registered here; apps running
        # while it writes their module list.
        (r"Module .* not found|browser is running", "CH1012"),
        # The certificate, key or database is not where the command looked:
        # another NSS database than the browser's.
        (r"could not find certificate|Could not find cert|no keys found|access database|NSS_Initialize", "TS2010"),
    ],
    "evolution": [
        (r"not trusted|cannot verify sender|sender of the message cannot be verified|certificate chain", CHAIN),
        # A recipient without a usable certificate.
        (r"No valid or appropriate certificate", "TS2024"),
        # The account's own signing or encryption certificate is not set
        # or not in the database: the account's S/MIME settings.
        (r".", "CH1007"),
    ],
    # `openssl verify` codes (X509_V_ERR_*): depth 0 is the user's own
    # certificate, depth 1 and more the chain (scan's depth rule).
    "x509": [
        (r"UNABLE_TO_GET_ISSUER|SELF_SIGNED|UNABLE_TO_VERIFY_LEAF|CERT_UNTRUSTED|CERT_CHAIN_TOO_LONG|"
         r"PATH_LENGTH|NO_ISSUER_PUBLIC_KEY|INVALID_CA|SUBJECT_ISSUER_MISMATCH|AKID", CHAIN),
        # A CRL or OCSP answer that cannot be had or checked (the
        # certificate found revoked is TS2023's).
        (r"CRL|OCSP", "TS2025"),
        (r"EXPIRED|NOT_YET_VALID|REVOKED|NOT_BEFORE|NOT_AFTER", "TS2023"),
        (r"INVALID_PURPOSE|EMAIL", "TS2012"),
        (r".", CHAIN),
    ],
}

# Codes whose article is not what their family rule gives.
OVERRIDES = {
    "SEC_ERROR_BAD_PASSWORD": "TS2004",
    "SEC_ERROR_PKCS12_UNSUPPORTED_PBE_ENCRYPTION_ALGORITHM": "TS2003",
    "SEC_ERROR_UNKNOWN_ISSUER": CHAIN,
    "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE": "TS2017",
    "SEC_ERROR_LOCKED_PASSWORD": "TS2022",
    "SEC_ERROR_BAD_DATABASE": "TS2010",
    "SEC_ERROR_NO_KEY": "TS2019",
    "SSL_ERROR_HANDSHAKE_FAILURE_ALERT": "TS2020",
    "SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT": "TS2020",
    "SSL_ERROR_UNKNOWN_CA_ALERT": CHAIN,
    # "SSL peer cannot verify your certificate.": the site rejects the
    # client certificate.
    "SSL_ERROR_BAD_CERT_ALERT": "TS2020",
    "ERR_BAD_SSL_CLIENT_AUTH_CERT": "TS2020",
    "ERR_PKCS12_IMPORT_BAD_PASSWORD": "CH1002",
    "ERR_PKCS12_IMPORT_INVALID_MAC": "CH1002",
    "ERR_SSL_CLIENT_AUTH_CERT_NEEDED": "TS2020",
    "CKR_PIN_LOCKED": "TS2022",
    "CKR_TOKEN_NOT_PRESENT": "TS2016",
    "CERT_E_UNTRUSTEDROOT": CHAIN,
    "errSecNotTrusted": CHAIN,
    "errSecPkcs12VerifyFailure": "TS2001",
    "errSecDuplicateItem": "SO5181",
    "PKCS12_R_MAC_VERIFY_FAILURE": "CH1010",
    "PKCS12_R_PKCS12_CIPHERFINAL_ERROR": "CH1010",
    "PEM_R_NO_START_LINE": "CH1010",
    "EVP_R_BAD_DECRYPT": "CH1010",
    "PROV_R_BAD_DECRYPT": "CH1010",
    "X509_R_KEY_VALUES_MISMATCH": "CH1010",
    "SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE": "TS2020",
    "SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE": "TS2020",
    "SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED": "TS2020",
}

# Messages that programs print without a code, matched as text (scan.rs):
# (message, meaning). "{0}" stands for what the program fills in (an alias,
# a file name, an address); the fixed text around it is what is matched, so
# each message keeps a distinctive fixed part. Messages about a program's
# own usage that no article covers (a mistyped alias, a missing file, an
# option mistake) are left out on purpose.

# Java's keytool and KeyStore messages (OpenJDK sources, see
# sources/README.md).
JAVA = [
    ("keystore password was incorrect",
     "Java could not open the PKCS#12 keystore with this password (PKCS12KeyStore)."),
    ("Keystore was tampered with, or password was incorrect",
     "Java could not verify the keystore with this password (JKS keystore)."),
    ("Given final block not properly padded",
     "Decryption with this password failed (BadPaddingException): usually a wrong password."),
    ("Get Key failed",
     "The key entry could not be decrypted with this password."),
    ("DerInputStream.getLength(): lengthTag",
     "The file is not DER PKCS#12 (often a PEM text file read as PKCS#12)."),
    ("parseAlgParameters failed",
     "This Java cannot parse the file's encryption algorithms (PBES2/AES from OpenSSL 3)."),
    ("Error extracting keyentry aliases from PFX",
     "This Java (IBM) cannot read the key entries of the file (PBES2/AES from OpenSSL 3)."),
    # KeyProtector (JKS, JCEKS): the key entry's password is wrong.
    ("Cannot recover key",
     "The key entry could not be decrypted with this key password (KeyProtector)."),
    # JavaKeyStore: the file is not a JKS keystore (a PKCS#12 or PEM file
    # read as JKS, or a damaged file).
    ("Invalid keystore format",
     "The file is not a keystore of the type Java expected (JavaKeyStore)."),
    # PKCS12KeyStore's MAC check on a Java without PBMAC (HmacPBESHA256) support.
    ("Algorithm HmacPBESHA256 not available",
     "This Java cannot check the file's SHA-256 integrity MAC (an OpenSSL 3 / AES PKCS#12)."),
    # keytool (Resources.java): a certificate reply (-importcert of the CA's answer).
    ("Failed to establish chain from reply",
     "keytool cannot build the chain from the certificate reply to a trusted root: the CA's chain is missing."),
    ("Incomplete certificate chain in reply",
     "The certificate reply does not hold the whole chain up to a root."),
    ("Certificate chain in reply does not verify",
     "The chain in the certificate reply does not verify."),
    ("Install reply anyway",
     "The top-level certificate of the reply is not trusted by the keystore or cacerts."),
    ("Public keys in reply and keystore don't match",
     "The certificate reply is for a key pair made elsewhere, not for the key under this alias."),
    ("Certificate reply does not contain public key for <{0}>",
     "The certificate reply is for a key pair made elsewhere, not for the key under this alias."),
    # keytool: an input file that is not a certificate.
    ("Input not an X.509 certificate",
     "The file given to keytool is not an X.509 certificate (a PKCS#12, a key or a damaged file)."),
    ("Not X.509 certificate",
     "The file given to keytool is not an X.509 certificate."),
    ("Failed to parse input",
     "keytool cannot parse the file as a certificate."),
    ("Reply has no certificates",
     "The certificate reply file holds no certificate."),
]

# The openssl command's own messages (apps/: pkcs12, x509, rsa, pkey,
# verify), 3.x and 1.1.1 wording; its library errors (error:XXXXXXXX:...)
# are the `openssl` family.
OPENSSL_APP = [
    # pkcs12 -export: the key and the certificates do not belong together.
    ("No certificate matches private key",
     "openssl pkcs12 -export (1.1.1): no certificate of the -in file belongs to the private key."),
    ("No cert in -in file {0} matches private key",
     "openssl pkcs12 -export (3.x): no certificate of the -in file belongs to the private key."),
    # A wrong password.
    ("Mac verify error: invalid password?",
     "openssl pkcs12: the file's integrity check failed with this password: a wrong password."),
    ("Mac verify error (wrong password?) in PKCS12 file for {0}",
     "OpenSSL 1.1.1 could not open the PKCS#12 file with this password."),
    # A file that does not load.
    ("Error loading PKCS12 file for {0}",
     "OpenSSL 1.1.1 could not read the file as PKCS#12 (a PEM or DER file given as PKCS#12)."),
    ("Could not read private key from {0}",
     "OpenSSL 3 could not load a private key from the file: no key there, or a wrong pass phrase."),
    ("Could not read key from {0}",
     "OpenSSL 3 could not load a key from the file: no key there, or a wrong pass phrase."),
    ("Could not read certificate from {0}",
     "OpenSSL 3 could not load a certificate from the file: not the expected form (PEM/DER/PKCS#12)."),
    ("Could not read certificates from {0}",
     "OpenSSL 3 could not load the certificates from the file."),
    ("Could not read any certificates from {0}",
     "OpenSSL 3 found no certificate in the file."),
    ("unable to load private key",
     "OpenSSL 1.1.1 could not load the private key: no key in the file, or a wrong pass phrase."),
    ("unable to load certificate",
     "OpenSSL could not load the certificate: the file is not in the form the command expects."),
    # OpenSSL 3 without the legacy provider (an RC2-40 file from an old export).
    ("Error outputting keys and certificates",
     "openssl pkcs12 could not decrypt the file's contents: with OpenSSL 3 usually RC2-40, which needs -legacy."),
    ("Algorithm (RC2-40-CBC : 0)",
     "OpenSSL 3 has no RC2-40 without its legacy provider."),
    # pkcs12 -export -chain: the issuer certificates are not there.
    ("Error getting chain: {0}",
     "openssl pkcs12 -export -chain (3.x) cannot build the chain: an issuer certificate is missing or untrusted."),
    ("Error {0} getting chain.",
     "openssl pkcs12 -export -chain (1.1.1) cannot build the chain: an issuer certificate is missing or untrusted."),
]

# The NSS command-line tools' own messages, printed as "tool: message"
# before the NSS code (cmd/pk12util/pk12util.c, cmd/certutil/certutil.c,
# cmd/modutil/modutil.c and pk11.c, cmd/lib/secutil.c; see
# sources/README.md). A message whose words are common elsewhere keeps the
# tool's prefix, which the tool always prints. Success and progress lines
# ("PKCS12 IMPORT SUCCESSFUL", "Module ... added to database", "Using
# nickname") are not errors and are left out, as are option mistakes,
# missing files, and messages whose fixed words are too common to tell from
# prose (modutil's "ERROR: Token \"{0}\" not found.").
NSS_TOOL = [
    # pk12util -i (import) and -l (list): the file.
    ("PKCS12 decode not verified",
     "pk12util could not verify the PKCS#12 file: a wrong file password (or a file that is not PKCS#12)."),
    ("PKCS12 decoding failed",
     "pk12util could not decode the file as PKCS#12: not a .p12/.pfx (PEM, .cer, .p7b) or damaged."),
    ("PKCS12 decode validate bags failed",
     "pk12util refused the file's contents on import (already imported, or a nickname clash)."),
    ("PKCS12 decode import bags failed",
     "pk12util could not store the file's key or certificates in the database."),
    ("no nickname for cert in PKCS12 file",
     "A certificate in the file has no friendly name; pk12util makes one up on import."),
    # pk12util -o (export): the nickname and the file.
    ("find user certs from nickname failed",
     "pk12util -o found no certificate under this nickname (misspelled, or in another database)."),
    ("no user certs from given nickname",
     "The certificate under this nickname has no private key in this database, so pk12util cannot export it."),
    ("export context creation failed", "pk12util could not start the export."),
    ("PKCS12 add password integrity failed", "pk12util could not protect the new file with its password."),
    ("key or cert safe creation failed", "pk12util could not add the certificate or its key to the new file."),
    ("add cert and key failed",
     "pk12util could not add the certificate and its private key to the file (a key that may not leave its token)."),
    ("PKCS12 encode failed", "pk12util could not write the PKCS#12 file."),
    # The database's password (pk12util -k, certutil -f; cmd/lib/secutil.c).
    ("Failed to authenticate to PKCS11 slot",
     "pk12util could not log in to the NSS database: its password (not the file's) is wrong."),
    ("pk12util: Failed to authenticate to \"{0}\"",
     "pk12util could not log in to the NSS database or token."),
    ("Incorrect password/PIN entered.",
     "The NSS database's password (or the token's PIN) given to the tool is wrong."),
    ("certutil: could not authenticate to token {0}.",
     "certutil could not log in to the NSS database or token: a wrong password or PIN."),
    # certutil -d: listing, adding and trusting certificates.
    ("could not find certificate named \"{0}\"",
     "certutil found no certificate under this nickname in this database."),
    ("certutil: Could not find cert: {0}",
     "certutil -L found no certificate under this nickname in this database."),
    ("Could not find certificates for email address: {0}",
     "certutil found no certificate for this e-mail address in this database."),
    ("certutil: no keys found",
     "certutil -K found no private key in this database: the key is in another database or was never imported."),
    ("could not add certificate to token or database",
     "certutil -A could not add the certificate to the database."),
    ("could not change trust on certificate", "certutil -A could not set the certificate's trust."),
    ("unable to modify trust attributes", "certutil -M could not change the certificate's trust."),
    ("certutil: could not decode certificate",
     "certutil -A could not read the file as a certificate (PEM or DER); a .p12 is imported with pk12util."),
    # modutil (its errStrings and msgStrings, cmd/modutil/modutil.c).
    ("ERROR: Failed to add module \"{0}\". Probable cause : \"{1}\".",
     "modutil could not load the PKCS#11 module: often a -libfile path that does not exist."),
    ("ERROR: Module \"{0}\" not found in database.",
     "No PKCS#11 module of this name is registered in this database."),
    ("ERROR: Unable to access database \"{0}\".", "modutil cannot open the NSS database in -dbdir."),
    ("ERROR: NSS_Initialize() failed.", "modutil cannot open the NSS database in -dbdir."),
    ("WARNING: Performing this operation while the browser is running could cause",
     "modutil's warning: apps that use this database must be closed while it changes the module list."),
    ("WARNING: Manually adding a module while p11-kit is enabled could cause",
     "modutil's warning: p11-kit already registers the module, so adding it by hand lists it twice."),
]

# Evolution's S/MIME messages (evolution-data-server's camel S/MIME context
# and Evolution's composer and message view).
EVOLUTION = [
    ("Cannot sign outgoing message: No signing certificate set for this account",
     "No signing certificate is chosen in the account's Security settings."),
    ("Cannot encrypt outgoing message: No encryption certificate set for this account",
     "No encryption certificate is chosen in the account's Security settings."),
    ("Cannot find certificate for \u201c{0}\u201d",
     "The account's signing certificate is not in Evolution's certificate database (or not valid for signing)."),
    ("Encryption certificate for \u201c{0}\u201d does not exist",
     "The account's encryption certificate is not in Evolution's certificate database."),
    ("No valid or appropriate certificate for \u201c{0}\u201d was found",
     "No valid certificate of this recipient is known: encrypting to them needs their certificate."),
    ("Cannot find certificate chain",
     "The chain of the signing certificate cannot be built: an intermediate or root is missing."),
    ("Signing certificate not trusted",
     "The signer's certificate does not chain to a root trusted for e-mail."),
    ("Valid signature, but cannot verify sender",
     "The signature is valid but the signer's certificate is not trusted (chain)."),
    ("This message is signed with a valid signature, but the sender of the message cannot be verified.",
     "The signature is valid but the signer's certificate is not trusted (chain)."),
]

# IIS's HTTP 403 substatus codes for client certificates, as the status
# ("403.17") and as the page's message (Microsoft Learn, "The HTTP status
# code in IIS 7 and later versions"; KB 2802568 for 403.7 and 403.16; KB
# 294305 for 403.13). The site refuses the user's certificate.
IIS = [
    ("403.7", "IIS requires a client certificate and none was sent (or none the server trusts)."),
    ("Client certificate required", "IIS requires a client certificate and none was sent (or none the server trusts)."),
    ("403.12", "IIS's client certificate mapping denied this certificate access."),
    ("Mapper denied access", "IIS's client certificate mapping denied this certificate access."),
    ("403.13", "IIS found the client certificate revoked (or could not download its CRL)."),
    ("Client certificate revoked", "IIS found the client certificate revoked (or could not download its CRL)."),
    ("403.16", "IIS does not trust the client certificate or finds it invalid."),
    ("Client certificate is untrusted or invalid", "IIS does not trust the client certificate or finds it invalid."),
    ("Client certificate is ill-formed or is not trusted by the Web server",
     "IIS does not trust the client certificate or finds it invalid."),
    ("403.17", "The client certificate has expired or is not yet valid."),
    ("Client certificate has expired or is not yet valid", "The client certificate has expired or is not yet valid."),
]

FAMILY_OF_PREFIX = [("SEC_ERROR_", "nss"), ("SSL_ERROR_", "nss")]


def article(family, name):
    if name in OVERRIDES:
        return OVERRIDES[name]
    for pattern, art in RULES[family]:
        if re.search(pattern, name):
            return art
    raise SystemExit(f"no rule for {family} {name}")


def clean(text):
    return re.sub(r"\s+", " ", text.replace("\t", " ")).strip()


def words(name, prefix):
    """A meaning from a name that comes without a message: NTE_BAD_KEYSET ->
    'bad keyset'."""
    return name[len(prefix):].replace("_", " ").lower() if name.startswith(prefix) else name


def nss(src):
    rows = []
    for path, base in (("nss/lib/util/SECerrs.h", -0x2000), ("nss/lib/ssl/SSLerrs.h", -0x3000)):
        text = open(os.path.join(src, path), encoding="utf-8").read()
        pat = re.compile(r'ER3\(\s*(\w+)\s*,\s*\(?\s*\w+_ERROR_BASE\s*\+\s*(\d+)\s*\)?\s*,\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\)')
        for m in pat.finditer(text):
            name, off = m.group(1), int(m.group(2))
            msg = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(3))).replace('\\"', '"')
            rows.append((name, str(base + off), "nss", clean(msg)))
    return rows


def nspr(src):
    """NSPR's errors (PR_*), which Firefox shows the same way ("Error code:
    PR_END_OF_FILE_ERROR"): an error table numbered from -6000."""
    rows = []
    text = open(os.path.join(src, "nspr/pr/src/misc/prerr.et"), encoding="utf-8").read()
    base = int(re.search(r"^et nspr (-?\d+)", text, re.M).group(1))
    for i, m in enumerate(re.finditer(r'^ec (PR_\w+),\s*"((?:[^"\\]|\\.)*)"', text, re.M)):
        rows.append((m.group(1), str(base + i), "nss", clean(m.group(2))))
    return rows


def chromium(src):
    rows = []
    for line in open(os.path.join(HERE, "sources/chromium_net_errors.tsv"), encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        name, num, msg = line.rstrip("\n").split("\t")
        rows.append(("ERR_" + name, num, "chromium", clean(msg)))
    return rows


def pkcs11(src):
    rows, seen = [], set()
    path = os.path.join(src, "cryptoki-sys/src/bindings/x86_64-unknown-linux-gnu.rs")
    for m in re.finditer(r"pub const (CKR_\w+): CK_RV = (\d+);", open(path, encoding="utf-8").read()):
        name, value = m.group(1), int(m.group(2))
        if name in seen:
            continue
        seen.add(name)
        rows.append((name, f"0x{value:08X}", "pkcs11", words(name, "CKR_")))
    return rows


def windows(src):
    rows = []
    text = open(os.path.join(src, "mingw-w64/winerror.h"), encoding="utf-8", errors="replace").read()
    # Win32 errors become HRESULTs 0x8007xxxx (HRESULT_FROM_WIN32).
    for m in re.finditer(r"#define (ERROR_\w+) __MSABI_LONG\((\d+)\)", text):
        name, value = m.group(1), int(m.group(2))
        if value == 0 or value > 0xFFFF:
            continue
        rows.append((name, 0x80070000 | value))
    for m in re.finditer(r"#define (\w+) _HRESULT_TYPEDEF_\(0x([0-9A-Fa-f]{8})L?\)", text):
        name, value = m.group(1), int(m.group(2), 16)
        if (value >> 16) in (0x8007, 0x8009, 0x800B, 0x8010):
            rows.append((name, value))
    out, seen = [], set()
    for name, value in rows:
        if name in seen:
            continue
        seen.add(name)
        prefix = re.match(r"^[A-Z]+_(E_|W_|F_)?", name).group(0)
        # certhelp derives the decimal forms (-2146893802, 2148073494).
        out.append((name, f"0x{value:08X}", "windows", words(name, prefix)))
    return out


def macos(src):
    rows = []
    code = r"^\s*(errSec\w+)\s*=\s*(-?\d+),?\s*/\*\s*(.*?)\s*\*/"
    text = open(os.path.join(src, "apple-security/SecBase.h"), encoding="utf-8").read()
    for m in re.finditer(code, text, re.M):
        rows.append((m.group(1), m.group(2), "macos", clean(m.group(3))))
    # SecBasePriv.h: codes macOS prints although SecBase.h does not define
    # them: its certificate block (-26xxx, beside errSecDecode -26275):
    # errSecInternal -26276 (Keychain Access's "Unable to import ...
    # Error: -26276") and errSecPolicyDenied -26270. The other private
    # codes (OTR, IDS, item queries) are not about certificates.
    public = {r[1] for r in rows}
    private = [m.groups() for m in re.finditer(code, open(os.path.join(src, "apple-security/SecBasePriv.h"),
                                                          encoding="utf-8").read(), re.M)]
    numbers = [n for _, n, _ in private]
    for name, number, text in private:
        if number.startswith("-26") and number not in public and numbers.count(number) == 1:
            rows.append((name, number, "macos", clean(text)))
    seen, out = set(), []
    for r in rows:
        if r[0] not in seen:
            seen.add(r[0])
            out.append(r)
    return out


def cssm(src):
    """The CSSM codes of macOS (family `macos`): CSSMERR_* from cssmerr.h
    and Apple's additions in cssmapple.h, each already written as the
    negative OSStatus the tools print (-2147409622); they come without a
    message, so the meaning is the module and the name in words."""
    rows, seen = [], set()
    for path in ("apple-security/cssmerr.h", "apple-security/cssmapple.h"):
        # cssmapple.h has a few Mac Roman bytes in its comments.
        text = open(os.path.join(src, path), encoding="utf-8", errors="replace").read()
        for m in re.finditer(r"^\s*(CSSMERR_\w+)\s*=\s*(-\d+)\s*,?", text, re.M):
            name = m.group(1)
            if name in seen:
                continue
            seen.add(name)
            module, _, rest = name[len("CSSMERR_"):].partition("_")
            rows.append((name, m.group(2), "macos", f"CSSM {module}: {rest.replace('_', ' ').lower()}"))
    return rows


def openssl(src):
    """Reason codes of every library, packed the OpenSSL 3 way (lib << 23 |
    reason); `openssl errstr` gives the library and reason strings."""
    libs = {}
    for m in re.finditer(r"#\s*define ERR_LIB_(\w+)\s+(\d+)", open("/usr/include/openssl/err.h").read()):
        libs[m.group(1)] = int(m.group(2))
    codes = []
    for path in sorted(glob.glob("/usr/include/openssl/*err.h")):
        for m in re.finditer(r"#\s*define (([A-Z0-9]+)_R_\w+)\s+(\d+)", open(path).read()):
            name, lib, reason = m.group(1), m.group(2), int(m.group(3))
            if lib not in libs or lib == "ERR":
                continue
            codes.append((name, (libs[lib] << 23) | reason))
    # Reasons common to every library (ERR_R_UNSUPPORTED, ...) carry flags;
    # they get a row for each library that users meet them in
    # ("digital envelope routines::unsupported").
    common, fatal = 0x2 << 18, (0x1 << 18) | (0x2 << 18)
    err_h = open("/usr/include/openssl/err.h").read()
    for m in re.finditer(r"#\s*define (ERR_R_\w+) \((\d+) \| (ERR_R_FATAL|ERR_RFLAG_COMMON)\)", err_h):
        flags = fatal if m.group(3) == "ERR_R_FATAL" else common
        for lib in COMMON_REASON_LIBS:
            codes.append((f"{lib}/{m.group(1)}", (libs[lib] << 23) | flags | int(m.group(2))))
    codes = list(dict(codes).items())
    out = subprocess.run(["openssl", "errstr"] + [f"{c:08X}" for _, c in codes],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    rows = []
    for (name, code), line in zip(codes, out):
        # error:11800071:PKCS12 routines::mac verify failure
        parts = line.split(":")
        meaning = f"{parts[2]}: {parts[-1]}" if len(parts) >= 5 else line
        rows.append((name, f"{code:08X}", "openssl", clean(meaning)))
    return rows


# Libraries whose common-reason errors people paste.
COMMON_REASON_LIBS = ["EVP", "OSSL_DECODER", "OSSL_STORE", "PEM", "PKCS12", "PROV", "X509", "ASN1", "SSL", "CRYPTO"]


def x509(src):
    """`openssl verify`'s codes ("error 10 at 0 depth lookup: certificate
    has expired"): X509_V_ERR_* from the system's x509_vfy.h, numbered
    "verify N"."""
    rows = []
    for m in re.finditer(r"#\s*define (X509_V_ERR_\w+)\s+(\d+)", open("/usr/include/openssl/x509_vfy.h").read()):
        rows.append((m.group(1), f"verify {m.group(2)}", "x509", words(m.group(1), "X509_V_ERR_")))
    return rows


def messages(family, entries):
    """Rows of a message family: the message is the code, with no number."""
    return [(text, "", family, meaning) for text, meaning in entries]


# Success codes are not errors: a log that says "rv = CKR_OK" is fine.
SUCCESS = {"CKR_OK", "errSecSuccess", "ERROR_SUCCESS", "S_OK"}


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "codes-src"
    rows = nss(src) + nspr(src) + chromium(src) + pkcs11(src) + windows(src) + macos(src) + cssm(src) + openssl(src) + x509(src)
    rows += messages("java", JAVA) + messages("openssl-app", OPENSSL_APP) + messages("evolution", EVOLUTION) + messages("iis", IIS)
    rows += messages("nss-tool", NSS_TOOL)
    print("# certhelp error codes: generated by kb/codes/generate.py from the sources in kb/codes/sources/README.md.")
    print("# code\tnumbers\tfamily\tmeaning\tarticle ('chain': SO10186 or SO6395 by product)")
    for name, nums, family, meaning in rows:
        if name in SUCCESS:
            continue
        print("\t".join([name, nums, family, meaning, article(family, name)]))


if __name__ == "__main__":
    main()
