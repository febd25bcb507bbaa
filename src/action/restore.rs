//! `certhelp restore` (SPEC §5). Being built.

use super::{Report, Ui};
use crate::error::{Error, Result};

pub fn run(_args: &crate::cli::RestoreArgs, _ui: Ui) -> Result<Report> {
    Err(Error::new("`certhelp restore` is being built", "follow the walkthrough: certhelp \"restore my certificate\""))
}
