//! The words certhelp knows: cue phrases (apps, OSes, verbs, certificate
//! and product words, prepositions, symptoms), and the typo correction and
//! longest-phrase matching that find them in a question.
//!
//! Pure data and string functions; what the cues mean for a question is
//! decided in `intent`.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verb {
    Backup,
    Export,
    Import,
    Move,
    /// "copy": a move when there is somewhere to copy to, else a backup.
    Copy,
    Associate,
    /// "put": a backup onto a storage device, an import into an app, a
    /// move onto another computer (`evidence` reads its destination).
    Put,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cue {
    App(App),
    Os(Os),
    Verb(Verb),
    Chain,
    Token,
    File,
    NewWord,
    OldWord,
    Machine,
    Identity,
    Encryption,
    Sign,
    Mail,
    Eca,
    DigitalId,
    Prep(Role),
    /// "one", as in "the new one": a machine only when one was named.
    One,
    /// Words that may describe a problem ("not", "why").
    Symptom,
    /// Words that surely do ("fails", "error", "greyed out").
    Failure,
    /// A certificate or its issuer is not trusted ("untrusted issuer",
    /// "unknown authority", "root is not trusted"): a failure that the
    /// chain answers, unless a server is the one not trusting (`senses`).
    Distrust,
    /// Adobe Acrobat or Reader, or PDF signatures: they trust roots from
    /// Acrobat's own list, so their chain step is Acrobat's.
    Pdf,
    /// A Java keystore (keytool, JKS): a store beyond the app registry,
    /// with one article for what goes in and out of it.
    JavaKeystore,
    /// Making something ("make", "create", "save as"): a file word after
    /// it is what comes OUT (an export).
    Make,
    /// Turning one thing into another ("turn", "convert"): a file word
    /// after "into"/"to" is what comes out, unless a file goes in too (a
    /// conversion, not an export).
    Turn,
    /// Having or receiving ("i have", "got", "received"): a file word after
    /// it is what goes IN; "have ... in X" names the source.
    Have,
    /// Using or needing it somewhere ("use it in", "open it in", "need it
    /// on"): the place after it is the target.
    Use,
    /// "can", "could": "can X use ..." names X as the target.
    Can,
    /// A request verb told as a past act of the person ("the cert I
    /// imported into firefox"): a state, naming where the certificate is.
    Had,
    /// A loss ("lost", "deleted"): what is lost is restored, an import.
    Lost,
    /// "get", "pull": with "out" after it, an export.
    Get,
    /// "browser" with no browser named.
    Browser,
    /// "bring", "carry", "take": with "over/along/across" after it, a move.
    Bring,
    /// Keeping it safe ("safe", "in case", "safekeeping"): a backup's purpose.
    Safe,
    /// "before": the verb after it is an event, not the request; an event
    /// ahead is a reason to back up.
    Before,
    /// "after": the verb after it is an event, not the request.
    After,
    /// Something that wipes a computer ("reformat", "reimage", "wipe",
    /// "the operating system" as the object of "reinstall").
    Wipe,
    /// A place for a file that is not an app or a token ("usb stick",
    /// "thumb drive", "cloud").
    Storage,
    /// "two", "both", "multiple": more than one computer or profile.
    Many,
    /// "between": both ends follow.
    Between,
    /// A word sense that names nothing certhelp knows ("operating system",
    /// "file explorer"): it hides the shorter cue inside it.
    Nothing,
}

/// Phrases and the cue each stands for. Longest match wins, so "windows
/// live mail" is an app, not an OS.
pub(super) const PHRASES: &[(&str, Cue)] = &[
    // apps
    ("chrome", Cue::App(App::Chrome)),
    ("google chrome", Cue::App(App::Chrome)),
    ("chromium", Cue::App(App::Chromium)),
    ("edge", Cue::App(App::Edge)),
    ("microsoft edge", Cue::App(App::Edge)),
    ("ms edge", Cue::App(App::Edge)),
    ("ie", Cue::App(App::Ie)),
    ("ie11", Cue::App(App::Ie)),
    ("msie", Cue::App(App::Ie)),
    ("internet explorer", Cue::App(App::Ie)),
    ("explorer", Cue::App(App::Ie)),
    ("firefox", Cue::App(App::Firefox)),
    ("fire fox", Cue::App(App::Firefox)),
    ("firefox esr", Cue::App(App::Firefox)),
    ("mozilla", Cue::App(App::Firefox)),
    ("mozilla firefox", Cue::App(App::Firefox)),
    ("ff", Cue::App(App::Firefox)),
    ("netscape", Cue::App(App::Netscape)),
    ("netscape navigator", Cue::App(App::Netscape)),
    ("netscape communicator", Cue::App(App::Netscape)),
    ("seamonkey", Cue::App(App::Netscape)),
    ("sea monkey", Cue::App(App::Netscape)),
    ("keychain", Cue::App(App::Keychain)),
    ("key chain", Cue::App(App::Keychain)),
    ("keychain access", Cue::App(App::Keychain)),
    ("keychains", Cue::App(App::Keychain)),
    ("safari", Cue::App(App::Safari)),
    ("outlook on the web", Cue::App(App::OutlookWeb)),
    ("outlook web app", Cue::App(App::OutlookWeb)),
    ("outlook web access", Cue::App(App::OutlookWeb)),
    ("outlook web", Cue::App(App::OutlookWeb)),
    ("owa", Cue::App(App::OutlookWeb)),
    ("outlook office com", Cue::App(App::OutlookWeb)),
    ("outlook", Cue::App(App::Outlook)),
    ("ms outlook", Cue::App(App::Outlook)),
    ("microsoft outlook", Cue::App(App::Outlook)),
    ("new outlook", Cue::App(App::Outlook)),
    ("outlook express", Cue::App(App::OutlookExpress)),
    ("msoe", Cue::App(App::OutlookExpress)),
    ("entourage", Cue::App(App::Entourage)),
    ("windows mail", Cue::App(App::WindowsMail)),
    ("windows live mail", Cue::App(App::WindowsMail)),
    ("live mail", Cue::App(App::WindowsMail)),
    ("wlm", Cue::App(App::WindowsMail)),
    ("apple mail", Cue::App(App::AppleMail)),
    ("mac mail", Cue::App(App::AppleMail)),
    ("macos mail", Cue::App(App::AppleMail)),
    ("mail app", Cue::App(App::AppleMail)),
    ("thunderbird", Cue::App(App::Thunderbird)),
    ("thunder bird", Cue::App(App::Thunderbird)),
    ("tbird", Cue::App(App::Thunderbird)),
    ("lotus notes", Cue::App(App::LotusNotes)),
    ("lotus", Cue::App(App::LotusNotes)),
    ("notes", Cue::App(App::LotusNotes)),
    ("hcl notes", Cue::App(App::LotusNotes)),
    ("ibm notes", Cue::App(App::LotusNotes)),
    ("domino", Cue::App(App::LotusNotes)),
    ("evolution", Cue::App(App::Evolution)),
    ("browser", Cue::Browser),
    ("browsers", Cue::Browser),
    ("web browser", Cue::Browser),
    // operating systems
    ("windows", Cue::Os(Os::Windows)),
    ("pc", Cue::Os(Os::Windows)),
    ("pcs", Cue::Os(Os::Windows)),
    ("win", Cue::Os(Os::Windows)),
    ("win7", Cue::Os(Os::Windows)),
    ("win8", Cue::Os(Os::Windows)),
    ("win10", Cue::Os(Os::Windows)),
    ("win11", Cue::Os(Os::Windows)),
    ("xp", Cue::Os(Os::Windows)),
    ("vista", Cue::Os(Os::Windows)),
    ("windows10", Cue::Os(Os::Windows)),
    ("windows11", Cue::Os(Os::Windows)),
    ("mac", Cue::Os(Os::Macos)),
    ("macs", Cue::Os(Os::Macos)),
    ("macbook", Cue::Os(Os::Macos)),
    ("macbookpro", Cue::Os(Os::Macos)),
    ("imac", Cue::Os(Os::Macos)),
    ("macos", Cue::Os(Os::Macos)),
    ("mac os", Cue::Os(Os::Macos)),
    ("os x", Cue::Os(Os::Macos)),
    ("osx", Cue::Os(Os::Macos)),
    ("linux", Cue::Os(Os::Linux)),
    ("ubuntu", Cue::Os(Os::Linux)),
    ("debian", Cue::Os(Os::Linux)),
    ("fedora", Cue::Os(Os::Linux)),
    ("mint", Cue::Os(Os::Linux)),
    ("rhel", Cue::Os(Os::Linux)),
    // verbs
    ("backup", Cue::Verb(Verb::Backup)),
    ("backups", Cue::Verb(Verb::Backup)),
    ("back up", Cue::Verb(Verb::Backup)),
    ("backing up", Cue::Verb(Verb::Backup)),
    ("backed up", Cue::Verb(Verb::Backup)),
    ("back it up", Cue::Verb(Verb::Backup)),
    ("back them up", Cue::Verb(Verb::Backup)),
    ("back this up", Cue::Verb(Verb::Backup)),
    ("save", Cue::Verb(Verb::Backup)),
    ("saving", Cue::Verb(Verb::Backup)),
    ("archive", Cue::Verb(Verb::Backup)),
    ("keep a copy", Cue::Verb(Verb::Backup)),
    ("make a copy", Cue::Verb(Verb::Backup)),
    ("export", Cue::Verb(Verb::Export)),
    ("exporting", Cue::Verb(Verb::Export)),
    ("exported", Cue::Verb(Verb::Export)),
    ("exports", Cue::Verb(Verb::Export)),
    ("extract", Cue::Verb(Verb::Export)),
    ("get out", Cue::Verb(Verb::Export)),
    ("get my cert out", Cue::Verb(Verb::Export)),
    ("import", Cue::Verb(Verb::Import)),
    ("importing", Cue::Verb(Verb::Import)),
    ("imported", Cue::Verb(Verb::Import)),
    ("imports", Cue::Verb(Verb::Import)),
    ("install", Cue::Verb(Verb::Import)),
    ("installing", Cue::Verb(Verb::Import)),
    ("installed", Cue::Verb(Verb::Import)),
    ("add", Cue::Verb(Verb::Import)),
    ("adding", Cue::Verb(Verb::Import)),
    ("load", Cue::Verb(Verb::Import)),
    ("loading", Cue::Verb(Verb::Import)),
    ("restore", Cue::Verb(Verb::Import)),
    ("double click", Cue::Verb(Verb::Import)),
    ("double clicked", Cue::Verb(Verb::Import)),
    ("doubleclick", Cue::Verb(Verb::Import)),
    ("restoring", Cue::Verb(Verb::Import)),
    ("put", Cue::Verb(Verb::Put)),
    ("putting", Cue::Verb(Verb::Put)),
    ("move", Cue::Verb(Verb::Move)),
    ("moving", Cue::Verb(Verb::Move)),
    ("moved", Cue::Verb(Verb::Move)),
    ("transfer", Cue::Verb(Verb::Move)),
    ("transfering", Cue::Verb(Verb::Move)),
    ("transferring", Cue::Verb(Verb::Move)),
    ("transferred", Cue::Verb(Verb::Move)),
    ("migrate", Cue::Verb(Verb::Move)),
    ("migrating", Cue::Verb(Verb::Move)),
    ("migration", Cue::Verb(Verb::Move)),
    ("copy", Cue::Verb(Verb::Copy)),
    ("copying", Cue::Verb(Verb::Copy)),
    ("backup copy", Cue::Verb(Verb::Backup)),
    ("back up copy", Cue::Verb(Verb::Backup)),
    ("switch", Cue::Verb(Verb::Move)),
    ("switching", Cue::Verb(Verb::Move)),
    ("carry over", Cue::Verb(Verb::Move)),
    ("bring over", Cue::Verb(Verb::Move)),
    ("associate", Cue::Verb(Verb::Associate)),
    ("configure", Cue::Verb(Verb::Associate)),
    ("configuring", Cue::Verb(Verb::Associate)),
    ("config", Cue::Verb(Verb::Associate)),
    ("setup", Cue::Verb(Verb::Associate)),
    ("set up", Cue::Verb(Verb::Associate)),
    ("setting up", Cue::Verb(Verb::Associate)),
    ("enable", Cue::Verb(Verb::Associate)),
    ("turn on", Cue::Verb(Verb::Associate)),
    // what the certificate is and who issued it
    ("identity", Cue::Identity),
    ("authentication", Cue::Identity),
    ("auth", Cue::Identity),
    ("sign in", Cue::Identity),
    ("signin", Cue::Identity),
    ("login", Cue::Identity),
    ("log in", Cue::Identity),
    ("logon", Cue::Identity),
    ("encryption", Cue::Encryption),
    ("encrypt", Cue::Encryption),
    ("encrypting", Cue::Encryption),
    ("encrypted", Cue::Encryption),
    ("sign", Cue::Sign),
    ("signing", Cue::Sign),
    ("signed", Cue::Sign),
    ("signature", Cue::Sign),
    ("signatures", Cue::Sign),
    ("digitally", Cue::Sign),
    ("digitally sign", Cue::Sign),
    ("eca", Cue::Eca),
    ("external certificate authority", Cue::Eca),
    ("e c a", Cue::Eca),
    ("digital id", Cue::DigitalId),
    ("digitalid", Cue::DigitalId),
    ("persona not validated", Cue::DigitalId),
    ("individual subscriber", Cue::DigitalId),
    ("secure email", Cue::DigitalId),
    ("secure e mail", Cue::DigitalId),
    ("secure mail", Cue::DigitalId),
    // other nouns
    ("email", Cue::Mail),
    ("emails", Cue::Mail),
    ("e mail", Cue::Mail),
    ("e mails", Cue::Mail),
    ("mail", Cue::Mail),
    ("s mime", Cue::Mail),
    ("smime", Cue::Mail),
    ("chain", Cue::Chain),
    ("intermediate", Cue::Chain),
    ("intermediates", Cue::Chain),
    ("root", Cue::Chain),
    ("roots", Cue::Chain),
    ("root ca", Cue::Chain),
    ("issuing ca", Cue::Chain),
    ("intermediate ca", Cue::Chain),
    ("ca missing", Cue::Chain),
    ("ca is missing", Cue::Chain),
    ("ca cert", Cue::Chain),
    ("ca certs", Cue::Chain),
    ("ca certificate", Cue::Chain),
    ("ca certificates", Cue::Chain),
    ("trust chain", Cue::Chain),
    ("issuer certificate", Cue::Chain),
    ("issuer certificates", Cue::Chain),
    ("issuers certificate", Cue::Chain),
    ("issuing certificate", Cue::Chain),
    ("java", Cue::JavaKeystore),
    ("java keystore", Cue::JavaKeystore),
    ("java key store", Cue::JavaKeystore),
    ("keystore", Cue::JavaKeystore),
    ("jks", Cue::JavaKeystore),
    ("keytool", Cue::JavaKeystore),
    ("java truststore", Cue::JavaKeystore),
    ("truststore", Cue::JavaKeystore),
    ("cacerts", Cue::JavaKeystore),
    ("acrobat", Cue::Pdf),
    ("adobe", Cue::Pdf),
    ("adobe acrobat", Cue::Pdf),
    ("acrobat reader", Cue::Pdf),
    ("adobe reader", Cue::Pdf),
    ("reader dc", Cue::Pdf),
    ("pdf", Cue::Pdf),
    ("pdfs", Cue::Pdf),
    // distrust: what the chain fixes
    ("untrusted", Cue::Distrust),
    ("distrusted", Cue::Distrust),
    ("not trusted", Cue::Distrust),
    ("isnt trusted", Cue::Distrust),
    ("arent trusted", Cue::Distrust),
    ("not a trusted", Cue::Distrust),
    ("no longer trusted", Cue::Distrust),
    ("cannot be trusted", Cue::Distrust),
    ("cant be trusted", Cue::Distrust),
    ("doesnt trust", Cue::Distrust),
    ("does not trust", Cue::Distrust),
    ("dont trust", Cue::Distrust),
    ("unknown issuer", Cue::Distrust),
    ("issuer unknown", Cue::Distrust),
    ("issuer is unknown", Cue::Distrust),
    ("unknown authority", Cue::Distrust),
    ("unknown certificate authority", Cue::Distrust),
    ("unknown certification authority", Cue::Distrust),
    ("unknown ca", Cue::Distrust),
    ("unknown root", Cue::Distrust),
    ("unable to get local issuer", Cue::Distrust),
    ("unable to get issuer", Cue::Distrust),
    ("self signed certificate in certificate chain", Cue::Distrust),
    ("certificate chain", Cue::Chain),
    ("cert chain", Cue::Chain),
    ("token", Cue::Token),
    ("tokens", Cue::Token),
    ("smart card", Cue::Token),
    ("smartcard", Cue::Token),
    ("smart cards", Cue::Token),
    ("smartcards", Cue::Token),
    ("cac", Cue::Token),
    ("cac card", Cue::Token),
    ("piv", Cue::Token),
    ("yubikey", Cue::Token),
    ("usb token", Cue::Token),
    ("hardware token", Cue::Token),
    ("etoken", Cue::Token),
    ("safenet", Cue::Token),
    ("card reader", Cue::Token),
    ("common access card", Cue::Token),
    ("pfx", Cue::File),
    ("p12", Cue::File),
    ("pkcs12", Cue::File),
    ("pkcs 12", Cue::File),
    ("pem", Cue::File),
    ("file", Cue::File),
    ("new", Cue::NewWord),
    ("another", Cue::NewWord),
    ("other", Cue::NewWord),
    ("different", Cue::NewWord),
    ("second", Cue::NewWord),
    ("replacement", Cue::NewWord),
    ("replaced", Cue::NewWord),
    ("one", Cue::One),
    ("old", Cue::OldWord),
    ("computer", Cue::Machine),
    ("computers", Cue::Machine),
    ("laptop", Cue::Machine),
    ("machine", Cue::Machine),
    ("desktop", Cue::Machine),
    ("workstation", Cue::Machine),
    ("device", Cue::Machine),
    ("system", Cue::Machine),
    ("from", Cue::Prep(Role::From)),
    ("out of", Cue::Prep(Role::From)),
    ("off", Cue::Prep(Role::From)),
    ("to", Cue::Prep(Role::To)),
    ("into", Cue::Prep(Role::To)),
    ("onto", Cue::Prep(Role::To)),
    ("in to", Cue::Prep(Role::To)),
    ("over to", Cue::Prep(Role::To)),
    ("in", Cue::Prep(Role::At)),
    ("on", Cue::Prep(Role::At)),
    ("at", Cue::Prep(Role::At)),
    ("inside", Cue::Prep(Role::At)),
    ("within", Cue::Prep(Role::At)),
    ("for", Cue::Prep(Role::At)),
    ("with", Cue::Prep(Role::At)),
    // word senses that name nothing certhelp knows (longest match hides
    // the shorter cue inside them)
    // macOS `security` subcommands: "identity" there names any
    // certificate with its key, not an identity (ECA) certificate.
    ("find identity", Cue::Nothing),
    ("set identity preference", Cue::Nothing),
    ("get identity preference", Cue::Nothing),
    ("file explorer", Cue::Nothing),
    ("windows explorer", Cue::Nothing),
    ("windows file explorer", Cue::Nothing),
    ("finder", Cue::Nothing),
    ("system store", Cue::Nothing),
    ("system settings", Cue::Nothing),
    ("system preferences", Cue::Nothing),
    ("system keychain", Cue::App(App::Keychain)),
    ("mac address", Cue::Nothing),
    ("mac verification", Cue::Failure),
    ("mac verify", Cue::Failure),
    ("mac check", Cue::Failure),
    ("invalid mac", Cue::Failure),
    ("bad mac", Cue::Failure),
    ("mac mismatch", Cue::Failure),
    // how the question is built: making, having, using, purposes
    ("make", Cue::Make),
    ("making", Cue::Make),
    ("create", Cue::Make),
    ("creating", Cue::Make),
    ("generate", Cue::Make),
    ("produce", Cue::Make),
    ("turn", Cue::Turn),
    ("turning", Cue::Turn),
    ("convert", Cue::Turn),
    ("converting", Cue::Turn),
    ("save as", Cue::Make),
    ("have", Cue::Have),
    ("has", Cue::Have),
    ("got", Cue::Have),
    ("received", Cue::Have),
    ("downloaded", Cue::Have),
    ("is", Cue::Have),
    ("lives", Cue::Have),
    ("sits", Cue::Have),
    ("stored", Cue::Have),
    ("already", Cue::Have),
    ("thats", Cue::Have),
    ("currently", Cue::Have),
    ("sent me", Cue::Have),
    ("gave me", Cue::Have),
    ("emailed me", Cue::Have),
    ("lost", Cue::Lost),
    ("deleted", Cue::Lost),
    ("disappeared", Cue::Lost),
    ("get", Cue::Get),
    ("getting", Cue::Get),
    ("pull", Cue::Get),
    ("bring", Cue::Bring),
    ("bringing", Cue::Bring),
    ("carry", Cue::Bring),
    ("take", Cue::Bring),
    ("taking", Cue::Bring),
    ("use", Cue::Use),
    ("using", Cue::Use),
    ("need", Cue::Use),
    ("want", Cue::Use),
    ("open", Cue::Use),
    ("access", Cue::Use),
    ("can", Cue::Can),
    ("could", Cue::Can),
    ("safe", Cue::Safe),
    ("safekeeping", Cue::Safe),
    ("keep", Cue::Safe),
    ("safest", Cue::Safe),
    ("survive", Cue::Safe),
    ("safely", Cue::Safe),
    ("keeping", Cue::Safe),
    ("in case", Cue::Safe),
    ("just in case", Cue::Safe),
    ("lose", Cue::Safe),
    ("losing", Cue::Safe),
    ("before", Cue::Before),
    ("prior to", Cue::Before),
    ("ahead of", Cue::Before),
    ("after", Cue::After),
    ("operating system", Cue::Wipe),
    ("operating systems", Cue::Wipe),
    ("reformat", Cue::Wipe),
    ("reformatting", Cue::Wipe),
    ("reformatted", Cue::Wipe),
    ("reimage", Cue::Wipe),
    ("reimaged", Cue::Wipe),
    ("reimaging", Cue::Wipe),
    ("wipe", Cue::Wipe),
    ("wiped", Cue::Wipe),
    ("wiping", Cue::Wipe),
    ("factory reset", Cue::Wipe),
    ("uninstall", Cue::Wipe),
    ("upgrade", Cue::Wipe),
    ("upgrading", Cue::Wipe),
    ("uninstalling", Cue::Wipe),
    ("dies", Cue::Wipe),
    ("crashes", Cue::Wipe),
    ("usb stick", Cue::Storage),
    ("usb drive", Cue::Storage),
    ("usb flash drive", Cue::Storage),
    ("usb", Cue::Storage),
    ("thumb drive", Cue::Storage),
    ("thumbdrive", Cue::Storage),
    ("flash drive", Cue::Storage),
    ("memory stick", Cue::Storage),
    ("external drive", Cue::Storage),
    ("external disk", Cue::Storage),
    ("external hard drive", Cue::Storage),
    ("cloud", Cue::Storage),
    ("offline", Cue::Storage),
    ("dropbox", Cue::Storage),
    ("onedrive", Cue::Storage),
    ("google drive", Cue::Storage),
    ("network drive", Cue::Storage),
    ("two", Cue::Many),
    ("both", Cue::Many),
    ("multiple", Cue::Many),
    ("several", Cue::Many),
    ("between", Cue::Between),
    // trouble
    ("not", Cue::Symptom),
    ("doesnt", Cue::Symptom),
    ("dont", Cue::Symptom),
    ("didnt", Cue::Symptom),
    ("cant", Cue::Symptom),
    ("cannot", Cue::Symptom),
    ("wont", Cue::Symptom),
    ("isnt", Cue::Symptom),
    ("arent", Cue::Symptom),
    ("never", Cue::Symptom),
    ("why", Cue::Symptom),
    ("wrong", Cue::Symptom),
    ("problem", Cue::Symptom),
    ("missing", Cue::Symptom),
    ("expired", Cue::Symptom),
    // A PIN or card that refuses ("PIN blocked", "card locked"); weak,
    // because a file can be "locked away" on purpose.
    ("blocked", Cue::Symptom),
    ("locked", Cue::Symptom),
    ("fails", Cue::Failure),
    ("fail", Cue::Failure),
    ("failed", Cue::Failure),
    ("failing", Cue::Failure),
    ("failure", Cue::Failure),
    ("error", Cue::Failure),
    ("errors", Cue::Failure),
    ("unable", Cue::Failure),
    ("greyed", Cue::Failure),
    ("grayed", Cue::Failure),
    ("invalid", Cue::Failure),
    ("unsupported", Cue::Failure),
    ("broken", Cue::Failure),
    ("keeps asking", Cue::Failure),
    ("keeps prompting", Cue::Failure),
    ("keeps popping up", Cue::Failure),
    ("every time", Cue::Symptom),
    ("each time", Cue::Symptom),
    ("every single time", Cue::Symptom),
    ("each and every time", Cue::Symptom),
    ("all the time", Cue::Symptom),
    ("over and over", Cue::Symptom),
    ("again and again", Cue::Symptom),
    // A check that did not succeed.
    ("unverified", Cue::Failure),
    ("not verified", Cue::Failure),
    ("cannot be verified", Cue::Failure),
    ("cant be verified", Cue::Failure),
    ("could not be verified", Cue::Failure),
    ("couldnt be verified", Cue::Failure),
    ("unable to verify", Cue::Failure),
    ("cant verify", Cue::Failure),
    ("cannot verify", Cue::Failure),
    ("unreadable", Cue::Failure),
    ("rejected", Cue::Failure),
    ("rejects", Cue::Failure),
    ("refuses", Cue::Failure),
    ("no private key", Cue::Failure),
    ("without private key", Cue::Failure),
    ("without the private key", Cue::Failure),
    ("doesnt see", Cue::Failure),
    ("does not see", Cue::Failure),
    ("cant see", Cue::Failure),
    ("not showing", Cue::Failure),
    ("doesnt show", Cue::Failure),
    ("not offered", Cue::Failure),
    ("doesnt offer", Cue::Failure),
    ("doesnt work", Cue::Failure),
    ("not working", Cue::Failure),
    // An empty result where something was expected.
    ("shows nothing", Cue::Failure),
    ("lists nothing", Cue::Failure),
    ("prints nothing", Cue::Failure),
    ("nothing else", Cue::Failure),
    ("nothing shows", Cue::Failure),
    ("nothing listed", Cue::Failure),
    ("nothing is listed", Cue::Failure),
    ("nothing happens", Cue::Failure),
    ("nothing happened", Cue::Failure),
    ("is empty", Cue::Failure),
    ("list is empty", Cue::Failure),
    ("empty list", Cue::Failure),
    ("only the header", Cue::Failure),
    ("lists no", Cue::Failure),
    ("list no", Cue::Failure),
    ("shows no", Cue::Failure),
    ("show no", Cue::Failure),
    ("displays no", Cue::Failure),
];

/// Words skipped when looking for what a preposition governs.
pub(super) const FILLER: &[&str] = &[
    "my",
    "the",
    "a",
    "an",
    "our",
    "his",
    "her",
    "their",
    "your",
    "this",
    "that",
    "me",
    "it",
    "its",
    "all",
    "both",
    "certs",
    "cert",
    "certificate",
    "certificates",
    "certificat",
    "certifcate",
    "certficate",
    "certs",
    "id",
    "ids",
    "profile",
    "store",
    "account",
    "browser",
    "client",
    "app",
    "program",
    "version",
    "brand",
    "shiny",
    "work",
    "home",
    "office",
    "personal",
    "user",
    "users",
    "private",
    "key",
    "keys",
    "and",
    "of",
    "s",
];

/// How many words of a question are read.
const MAX_WORDS: usize = 200;

/// Lower-cases, drops apostrophes, splits on anything not a letter or digit,
/// and corrects typos against the cue vocabulary.
pub fn normalise(query: &str) -> Vec<String> {
    // An arrow says "to" ("Chrome -> Edge").
    let lowered =
        query.to_lowercase().replace(['\'', '\u{2019}'], "").replace("->", " to ").replace(['\u{2192}'], " to ");
    let raw: Vec<&str> = lowered.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    // A question is a few dozen words; a pasted log is not read beyond this.
    raw.iter().take(MAX_WORDS).flat_map(|w| split_version(w)).map(correct).collect()
}

/// "ie8", "firefox115", "outlook2016": an app or OS name with its version
/// glued on is that app or OS, then the number. Other words with digits
/// ("pkcs12", "p12", "sha256") stay whole.
fn split_version(word: &str) -> Vec<&str> {
    let name = word.trim_end_matches(|c: char| c.is_ascii_digit());
    let names_app_or_os = |n: &str| PHRASES.iter().any(|(p, c)| *p == n && matches!(c, Cue::App(_) | Cue::Os(_)));
    if name.len() >= 2 && name.len() < word.len() && !names_app_or_os(word) && names_app_or_os(name) {
        vec![name, &word[name.len()..]]
    } else {
        vec![word]
    }
}

/// The phrases split into words, once per process.
pub(super) fn split_phrases() -> &'static [(Vec<&'static str>, Cue)] {
    static SPLIT: std::sync::OnceLock<Vec<(Vec<&'static str>, Cue)>> = std::sync::OnceLock::new();
    SPLIT.get_or_init(|| PHRASES.iter().map(|(p, c)| (p.split(' ').collect(), *c)).collect())
}

/// Every single word of the vocabulary (phrase parts included), once.
pub(super) fn vocabulary() -> impl Iterator<Item = &'static str> {
    static WORDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    WORDS
        .get_or_init(|| {
            let mut v: Vec<&str> = PHRASES.iter().flat_map(|(p, _)| p.split(' ')).collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .iter()
        .copied()
}

/// English words a typo away from a vocabulary word that are not forms of
/// one (forms, such as "exports" or "reinstalling", are kept by the stem
/// rule in [`correct`]); and "window" and "rooted", forms whose sense is not
/// their word's (a dialog window is not Windows). Never corrected, and never
/// read as a cue by their form.
pub(super) const KEEP: &[&str] = &[
    "expert", "taken", "start", "sing", "singing", "copied", "saved", "form", "fore", "went", "filed", "adds", "added",
    "used", "uses", "user", "users", "later", "cart", "window", "rooted",
];

/// Prefixes that make a new word of a known one ("reinstall", "unexport").
const PREFIXES: &[&str] = &["re", "un", "pre", "de", "dis", "mis"];

/// Endings that make a form of a word ("installs", "installing", "migration",
/// "exportable").
const SUFFIXES: &[&str] =
    &["ations", "ation", "ability", "able", "ions", "ion", "ings", "ing", "ers", "er", "ed", "es", "s", "e"];

/// A word's stem: the word without its longest ending, when a stem of at
/// least four letters remains.
fn stem(word: &str) -> &str {
    SUFFIXES
        .iter()
        .filter_map(|s| word.strip_suffix(s))
        .filter(|rest| rest.len() >= 4)
        .min_by_key(|rest| rest.len())
        .unwrap_or(word)
}

/// The vocabulary word that `word` is a form of ("migrated" -> "migrate"),
/// by stem, when it is not one itself.
fn form_of(word: &str) -> Option<&'static str> {
    // The vocabulary's stems, once per process: a pasted log has hundreds
    // of words to look up.
    static STEMS: std::sync::OnceLock<Vec<(&'static str, &'static str)>> = std::sync::OnceLock::new();
    let stems = STEMS.get_or_init(|| vocabulary().filter(|v| v.len() >= 4).map(|v| (v, stem(v))).collect());
    let s = stem(word);
    stems.iter().find(|(_, vs)| *vs == s).map(|(v, _)| *v)
}

/// A real word made from a vocabulary word, with or without a prefix
/// ("reinstalling" is re- + "installing", "uninstall" is un- + "install"):
/// never a typo to correct. What is a form of nothing ("exprot",
/// "installling") is still corrected.
fn known_form(word: &str) -> bool {
    form_of(word).is_some()
        || PREFIXES.iter().filter_map(|p| word.strip_prefix(p)).any(|rest| rest.len() >= 4 && form_of(rest).is_some())
}

/// The single-word phrase a word stands for by its form: "migrated" for
/// "migrate", and "reinstalling" for "installing" (re- means again; un-,
/// de- and dis- reverse a word, so they stand for nothing). The rest after
/// re- must be five letters or more: "remove" is not re- + "move".
pub(super) fn cue_form(word: &str) -> Option<&'static str> {
    let again = word.strip_prefix("re").filter(|rest| rest.len() >= 5);
    form_of(word).or_else(|| again.and_then(|rest| vocabulary().find(|v| *v == rest).or_else(|| form_of(rest))))
}

/// The vocabulary word a typo stands for, or the word itself.
pub(super) fn correct(word: &str) -> String {
    if word.len() < 5 || KEEP.contains(&word) || FILLER.contains(&word) || vocabulary().any(|v| v == word) {
        return word.to_string();
    }
    if known_form(word) {
        return word.to_string();
    }
    let mut best: Option<(&str, usize)> = None;
    let mut tie = false;
    for v in vocabulary() {
        // Short words have too many neighbours to correct safely.
        let allowed = if v.len() >= 9 {
            2
        } else if v.len() >= 6 {
            1
        } else {
            0
        };
        if allowed == 0 || v.len().abs_diff(word.len()) > allowed {
            continue;
        }
        let d = damerau(word, v);
        if d > allowed {
            continue;
        }
        match best {
            Some((b, bd)) if b == v || d > bd => {}
            Some((_, bd)) if d == bd => tie = true,
            _ => {
                best = Some((v, d));
                tie = false;
            }
        }
    }
    match best {
        Some((v, _)) if !tie => v.to_string(),
        _ => word.to_string(),
    }
}

/// Optimal string alignment distance (Levenshtein plus adjacent swaps).
pub(super) fn damerau(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Finds the cues in order: (first word index, word count, cue).
pub(super) fn cues(words: &[String]) -> Vec<(usize, usize, Cue)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut best: Option<(usize, Cue)> = None;
        for (parts, cue) in split_phrases() {
            if parts.len() > words.len() - i || best.is_some_and(|(n, _)| n >= parts.len()) {
                continue;
            }
            if parts.iter().zip(&words[i..]).all(|(p, w)| p == w) {
                best = Some((parts.len(), *cue));
            }
        }
        // A form of a one-word cue ("migrated", "reinstalling") is that cue.
        let by_form = || {
            if KEEP.contains(&words[i].as_str()) {
                return None;
            }
            let v = cue_form(&words[i])?;
            split_phrases().iter().find(|(parts, _)| parts.len() == 1 && parts[0] == v).map(|(_, c)| (1, *c))
        };
        match best.or_else(by_form) {
            Some((n, cue)) => {
                out.push((i, n, cue));
                i += n;
            }
            None => i += 1,
        }
    }
    out
}
