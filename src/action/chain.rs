//! `certhelp chain` (SPEC §5). Being built.

use super::{Report, Ui};
use crate::error::{Error, Result};

pub fn run(_args: &crate::cli::ChainInstallArgs, _ui: Ui) -> Result<Report> {
    Err(Error::new("`certhelp chain` is being built", "follow the walkthrough: certhelp \"chain my certificate\""))
}
