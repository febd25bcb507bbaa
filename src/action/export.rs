//! `certhelp export` (SPEC §5). Being built.

use super::{Report, Ui};
use crate::error::{Error, Result};

pub fn run(_args: &crate::cli::ExportArgs, _ui: Ui) -> Result<Report> {
    Err(Error::new("`certhelp export` is being built", "follow the walkthrough: certhelp \"export my certificate\""))
}
